// Kernels for the portable x86-64 baseline (or any other architecture).
#define JF_ARCH arch_base
#include "kernels_impl.hpp"
