// Mutual-structure joint filter (Shen, Zhou, Xu, Jia, ICCV 2015), box-filter form, on float32
// planes. Public C++ entry point; no Python here. The algorithm and its notation are those of
// python/jointfilter/restoration/_mutual.py (the specification is the float64 reference in
// python/jointfilter/_reference/mutual.py).
//
// | function                | target / guide        | outputs               | border  |
// |-------------------------|-----------------------|-----------------------|---------|
// | mutual_structure_filter | f32, C channels       | f32, C channels       | clipped |
//
// Each channel of a C-channel (interleaved) target is filtered against the same 1-channel
// guide, exactly as a 1-channel call on that channel would be; channel c of out_guide is the
// guide filtered with channel c.
//
// One iteration, for every pixel i (N(k) = in-image size of the window centred at k,
// S[x](i) = sum of x over the clipped window of i, mean_k = S[.](k) / N(k)):
//   a = cov(I, G) / (var G + eps_i),  b = mean I - a mean G    (I explained by G)
//   c = cov(I, G) / (var I + eps_g),  d = mean G - c mean I    (G explained by I)
//   [lam_i + S[(1 + c^2)/N]    -S[(a + c)/N]     ] [I]   [lam_i I0 + S[(b - c d)/N]]
//   [-S[(a + c)/N]              lam_g + S[(1 + a^2)/N]] [G] = [lam_g G0 + S[(d - a b)/N]]
// solved per pixel in closed form. Rows stream through both box passes in horizontal bands
// (fixed by height and radius, never by the thread count: results are bit-identical for any
// thread count); all sums are float64.
#pragma once

#include <cstdint>

#include "image.hpp"

namespace jointfilter {

struct MutualParams {
    int64_t radius = 3;
    double eps_i = 1e-4;  // regulariser of a (I explained by G), > 0
    double eps_g = 5e-4;  // regulariser of c (G explained by I), > 0
    double lam_i = 1.0;   // weight of |I - I0|^2, > 0
    double lam_g = 30.0;  // weight of |G - G0|^2, > 0
    int64_t iterations = 10;
};

/// Throws invalid_argument unless the views and parameters suit mutual_structure_filter.
void check_mutual_arguments(const ImageView& target, const ImageView& guide, const ImageView& out_target,
                            const ImageView& out_guide, const MutualParams& params);

/// (out_target, out_guide) = `params.iterations` iterations from (target, guide). target,
/// out_target and out_guide have C channels, guide one; out_guide may have no data (nullptr)
/// when only the target is wanted. The outputs must not overlap the inputs or each other; the
/// inputs are only read. Throws nonfinite_input if an input holds NaN or Inf.
void mutual_structure_filter(const ImageView& target, const ImageView& guide, const ImageView& out_target,
                             const ImageView& out_guide, const MutualParams& params);

// ---- kernel interface (dispatcher mutual_structure.cpp -> kernels per instruction set) ----------

/// One iteration on plain data: (cur_i, cur_g) -> (dst_i, dst_g).
struct MutualJob {
    ImageView cur_i, cur_g;  // I, G before the iteration
    ImageView i0, g0;        // the inputs (fidelity terms)
    ImageView dst_i, dst_g;  // I, G after the iteration (no overlap with the four above)
    int64_t radius = 0;
    double eps_i = 0.0, eps_g = 0.0, lam_i = 0.0, lam_g = 0.0;
    const double* inv_ny = nullptr;  // [H] 1 / (rows in the clipped window of row y)
    const double* inv_nx = nullptr;  // [W] 1 / (columns in the clipped window of column x)
    int64_t band_rows = 0, n_bands = 0;
    int64_t strip_cols = 0;            // output columns per strip (bands are walked strip by strip)
    int64_t ld = 0;                    // doubles per scratch row: >= min(W, strip_cols + 4r)
    int64_t lde = 0;                   // doubles per padded prefix-sum row: >= ld + 2 min(r, W) + 1
    double* const* scratch = nullptr;  // [workers] mutual_scratch_doubles() each, 64-byte aligned
    int* nonfinite = nullptr;          // if set: |= 1 (target) / 2 (guide) when I / G hold NaN or Inf
    int workers = 1;
};

#define JF_DECLARE_MUTUAL_KERNELS(ns)                                                        \
    namespace ns {                                                                           \
    void run_mutual(const MutualJob& job);                                                   \
    int64_t mutual_scratch_doubles(int64_t height, int64_t radius, int64_t ld, int64_t lde); \
    }
JF_DECLARE_MUTUAL_KERNELS(arch_base)
JF_DECLARE_MUTUAL_KERNELS(arch_avx2)
#undef JF_DECLARE_MUTUAL_KERNELS

}  // namespace jointfilter
