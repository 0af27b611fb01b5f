// The per-pixel steps of jointfilter.restore that surround its filters (noise estimate, global
// gain moments, dark-channel minimum, the tasks' last formulas fused with the conversion to the
// output dtype). Public C++ entry points; no Python here.
//
// | function           | input                     | output                                  |
// |--------------------|---------------------------|-----------------------------------------|
// | from_unit          | f32, any channels         | u8, u16, f32 (same shape)               |
// | laplacian_abs_sum  | u8, u16, any channels     | int64 (exact)                           |
// | gain_moments       | f32 target + f32 plane    | float64 sums added into two arrays      |
// | add_detail, ratio_detail, dehaze_recover | f32 | u8, u16, f32 (from_unit fused)         |
// | channel_min        | f32, C channels           | f32 plane                               |
// | luma               | f32, C >= 3 channels      | f32 plane                               |
//
// Each is the NumPy code it replaces (python/jointfilter/restoration/_fast.py, _noise.py,
// _tasks.py) with the same float32 operations in the same order, so results are bit-identical
// to it (the library is built with -ffp-contract=off: no FMA contraction); the integer sum is
// exact. The float64 specifications are in tests/test_restore_steps.py.
#pragma once

#include <cstdint>

#include "image.hpp"

namespace jointfilter {
namespace restore {

/// dst = src in the output dtype, from [0, 1] units: v = float32(src * scale) (a float32
/// product); for u8 / u16 dst NaN -> 0, then clipped to the dtype's range and rounded half to
/// even (NumPy's clip, rint, NaN -> 0, cast); for f32 dst v itself. src and dst have the same
/// height and values per row; they may be the same f32 array (in place). `parallel` false runs
/// on the calling thread (for callers that split the rows between threads themselves).
void from_unit(const ImageView& src, float scale, const ImageView& dst, bool parallel);

/// structure_transfer's last step: dst = from_unit(base + (luma - smooth) * gain[k], scale) for
/// channel k, i.e. with v = base + d * gain[k], d = luma - smooth (float32). base and dst have
/// C channels (dst may be base: in place), luma and smooth are planes, gain has C values.
void add_detail(const ImageView& base, const ImageView& luma, const ImageView& smooth, const float* gain,
                float scale, const ImageView& dst);

/// day_night's last step for strength 1: dst = from_unit(base * r, scale) with the ratio
/// r = (detail + delta) / (max(smooth, 0) + delta) (float32; NaN in smooth stays NaN). detail
/// and smooth have C channels (one ratio per channel) or one (the ratio serves every channel).
void ratio_detail(const ImageView& base, const ImageView& detail, const ImageView& smooth, float delta,
                  float scale, const ImageView& dst);

/// nir_dehaze's recovery: dst = from_unit((rgb - air[k]) / max(trans, t0) + air[k], scale) for
/// channel k (float32; NaN in trans stays NaN). rgb and dst have C channels, trans is a plane.
void dehaze_recover(const ImageView& rgb, const ImageView& trans, const float* air, float t0, float scale,
                    const ImageView& dst);

/// dst (f32 plane) = the minimum over the channels of src (f32, C channels) or, with `scale`
/// (C values), of src / scale[k] (float32 division): NumPy's np.minimum(m, x_k) for k = 1, 2, ...
/// (NaN propagates; of two equal values the second is kept).
void channel_min(const ImageView& src, const float* scale, const ImageView& dst);

/// Rec. 601 weights of luma(), float32.
constexpr float kLuma[3] = {0.299f, 0.587f, 0.114f};

/// dst (f32 plane) = (0.299 r + 0.587 g) + 0.114 b of the first three channels of src (f32,
/// C >= 3), float32 products and sums in that order: restoration._common.luminance.
void luma(const ImageView& src, const ImageView& dst);

/// Immerkaer's sum of |M * x| over the interior pixels (all channels, each on its own), with
/// M = [1, -2, 1]^T [1, -2, 1]: a second difference along the row, then across rows, in exact
/// integer arithmetic. src is u8 or u16 with at least 3 rows and 3 columns.
int64_t laplacian_abs_sum(const ImageView& src);

/// The moments of _tasks._global_gain for rows [r0, r1) of target t (H, W, C) and the smoothed
/// guide s (H, W), in blocks of `block_rows` rows starting at r0: per block, with
/// x = t - mx (mx[W * C], float32) and v = s - ms, column sums over the block's rows (float32,
/// row by row, as NumPy's sum(axis=0)) of x, x^2, x v and v, v^2, each added to acc[3][W * C]
/// and acc_s[2][W] (float64) in that order. Runs on the calling thread.
void gain_moments(const ImageView& t, const ImageView& s, const float* mx, float ms, int64_t r0, int64_t r1,
                  int64_t block_rows, double* acc, double* acc_s);

}  // namespace restore
}  // namespace jointfilter
