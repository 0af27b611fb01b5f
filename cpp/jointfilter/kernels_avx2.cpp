// Kernels compiled with AVX2 + FMA code generation (selected at run time by the dispatcher).
// Floating-point contraction is disabled build-wide, so both builds give identical results.
#define JF_ARCH arch_avx2
#include "kernels_impl.hpp"
