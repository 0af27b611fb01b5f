// Mutual-structure kernels compiled with AVX2 + FMA code generation (selected at run time by
// mutual_structure.cpp). Floating-point contraction is disabled build-wide, so both builds give
// identical results.
#define JF_ARCH arch_avx2
#include "mutual_structure_impl.hpp"
