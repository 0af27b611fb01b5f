// Iterative guided filtering for flash / no-flash pairs on a coarse grid (restore's
// flash_denoise with subsample > 1; algorithms.md section 6.2, docs/restore.md).
//
// W_F, the guided filter with the flash F as guide, is linear in its input, and each of its
// outputs is mean(a) . F + mean(b). So every iterate of the two branches (diffusion
// x_n = W_F x_{n-1}; residual z_n = z_{n-1} + W_F (A - z_{n-1}) from the relit flash
// z_0 = (M F) * ratio) is a coefficient field applied to F, and so is their blend
// x + w (z - x) once w is fixed per pixel. This file runs the iteration on the block-mean
// decimated A and F (the fits of the coarse iterates on the coarse grid) and returns the
// blended coefficient field; apply_coefficients (guided_filter.hpp) upsamples it and applies it
// to the full-resolution flash once. Images are float32 and coefficients float64, as in the
// full-resolution form (python/jointfilter/restoration/_iterative.py); its float64
// specification is jointfilter._reference.iterative.
#pragma once

#include <cstdint>

#include "border.hpp"
#include "image.hpp"

namespace jointfilter {

struct CoarseIterativeParams {
    int64_t radius = 1;          // of W_F on the coarse grid (>= 1)
    double eps = 1e-3;           // of W_F, absolute (guide units squared)
    bool single = false;         // W_F's sums in float (guided_filter's precision="single")
    int64_t n_diffusion = 1;     // >= 1
    int64_t n_residual = 2;      // >= 0 (0: the diffusion branch alone)
    int64_t relight_radius = 1;  // box radius of the relighting ratio (>= 0)
    int64_t blend_radius = 0;    // box radius of the disagreement energy (>= 0)
    double noise_var = 1e-4;     // s2 of the blend weight w = s2 / (s2 + B[(z - x)^2]) (> 0)
    double delta = 1e-2;         // ratio = (B[A] + delta) / (B[M F] + delta)
    double scale = 1.0;          // every coefficient multiplied by it (the output's data range)
};

/// The blended coefficient field, row-planar as guided_coefficients writes it:
/// coef[(y * K + c * (Cg + 1) + g) * w + x] (K = C * (Cg + 1); g = Cg: the offset b), of the
/// iteration on (ambient, flash): float32 images of the same size,
/// ambient with C = 1..4 channels, flash with Cg = 1 or 3; `mix` is M (C x Cg, row-major): relit
/// channel c = sum_g M[c][g] F_g.
void coarse_iterative_coefficients(const ImageView& ambient, const ImageView& flash, const double* mix,
                                   const CoarseIterativeParams& params, double* coef);

}  // namespace jointfilter
