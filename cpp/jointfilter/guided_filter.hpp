// Box (mean) filter and the guided filter family (He et al. 2010/2013; fast guided filter,
// He & Sun 2015). Public C++ entry points; no Python here.
//
// | function      | input dtypes        | channels                      | output dtypes       |
// |---------------|---------------------|-------------------------------|---------------------|
// | box_filter    | u8, u16, f32        | 1..4                          | u8, u16, f32        |
// | local_variance| u8, u16, f32        | 1                             | u8, u16, f32        |
// | guided_filter | target/guide: u8, u16, f32 (may differ) | guide 1 or 3, target 1..4 | u8, u16, f32 |
//
// Rows may be strided; pixels within a row must be contiguous. Integer outputs are rounded
// half-to-even and saturated.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "border.hpp"
#include "image.hpp"

namespace jointfilter {

/// Scratch memory owned by a caller that filters repeatedly (the GuidedFilter object): buffers
/// grow to the largest call seen and are reused, so steady-state calls allocate nothing.
/// One Workspace must not be used by two calls at once.
class Workspace {
 public:
    std::vector<double>& buffer(size_t i) {
        if (buffers_.size() <= i) buffers_.resize(i + 1);
        return buffers_[i];
    }
    size_t bytes() const {
        size_t n = 0;
        for (const auto& b : buffers_) n += b.capacity() * sizeof(double);
        return n;
    }

 private:
    std::vector<std::vector<double>> buffers_;
};

/// How the fast guided filter (subsample s > 1) decimates the target; the guide is always
/// decimated by nearest neighbour, so that the coefficients are fitted to its sharp edges.
enum class Decimation : int {
    nearest = 0,  // He & Sun's imresize 'nearest': low-res pixel d takes source floor((d + 0.5) s)
    mean = 1,     // float32 mean of each s x s block (its in-image part at the right/bottom edge):
                  // s^2 times less noise variance in the fit
};

struct GuidedParams {
    int64_t radius = 8;
    double eps = 0.0;  // absolute: guide value units squared
    Border border = Border::clipped;
    int64_t subsample = 1;
    Decimation decimation = Decimation::nearest;  // of the target, when subsample > 1
    bool single = false;  // float sums on centred data (~2x faster), else double (exact for ints)

    // Edge-aware options of the same kernel (WGIF / GDGIF, algorithms.md section 4): gray guide,
    // subsample 1. A window centred at (y, x) uses eps_map(y, x) (absolute, finite, > 0) in place
    // of `eps` and pulls a towards gamma_map(y, x): a = (cov + eps_k gamma_k) / (var + eps_k).
    // Both are float32 planes of the image's size; data == nullptr means "not used" (gamma 0).
    ImageView eps_map;
    ImageView gamma_map;
    // Coefficients fitted on `guide` and applied to `apply_guide` (the guide's channel count and
    // size, any dtype): q = mean(a) . apply_guide + mean(b). data == nullptr: the guide itself.
    ImageView apply_guide;
};

/// Throws invalid_argument unless the views and radius suit box_filter.
void check_box_arguments(const ImageView& src, const ImageView& dst, int64_t radius);

/// Box mean over (2r+1)^2 windows. `workspace` may be null (a shared pool is used).
void box_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                Workspace* workspace = nullptr);

/// max(mean(x^2) - mean(x)^2, 0) over the same windows, for a 1-channel image; sums and the
/// difference in double, rounded once to dst's type (the edge-aware weights of WGIF / GDGIF
/// need the variance of nearly flat windows, which float32 means of x and x^2 would lose).
void local_variance(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                    Workspace* workspace = nullptr);

/// Throws invalid_argument unless the views and parameters suit guided_filter.
void check_guided_arguments(const ImageView& target, const ImageView& guide, const ImageView& dst,
                            const GuidedParams& params);

/// q = mean(a) . I + mean(b) with per-window ridge regression of target on guide.
void guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                   const GuidedParams& params, Workspace* workspace = nullptr);

/// Coefficients per pixel of a guided filter: target_channels * (guide_channels + 1).
int64_t coefficient_count(int64_t guide_channels, int64_t target_channels);

/// The mean coefficients of guided_filter(target, guide) (subsample 1, radius >= 1, no maps)
/// instead of their application, row-planar: coef[(y * K + c * (Cg + 1) + g) * W + x] is
/// mean(a_g) of target channel c and g = Cg its mean(b), K = coefficient_count (restore's fast
/// iterative filter sums several sets on a coarse grid and applies them once with
/// apply_coefficients).
void guided_coefficients(const ImageView& target, const ImageView& guide, double* coef,
                         const GuidedParams& params, Workspace* workspace = nullptr);

/// dst = up(mean a) . guide + up(mean b): a low_h x low_w grid of coefficients (the layout of
/// guided_coefficients) upsampled bilinearly (pixel-centre aligned, linear_taps) to the guide's
/// size and applied to it, in float (single) or double: the fast guided filter's last stage.
void apply_coefficients(const double* coef, int64_t low_h, int64_t low_w, const ImageView& guide,
                        const ImageView& dst, bool single, Workspace* workspace = nullptr);

/// float32 block means of s x s blocks (their in-image part at the right/bottom edges) into a
/// C-contiguous dst of ceil(H / s) x ceil(W / s) pixels: the fast filter's "mean" decimation.
void decimate_mean(const ImageView& src, int64_t s, const ImageView& dst);

/// Which instruction set the kernels run with ("avx2" or "baseline").
const char* kernel_isa();

/// Rows per band for an image of `height` rows filtered with `radius`: a function of the image
/// and radius only, which is what makes results independent of the thread count.
int64_t band_rows_for(int64_t height, int64_t radius);

/// Bilinear source positions with pixel-centre alignment (OpenCV INTER_LINEAR), for the fast
/// guided filter's upsampling: output index d reads low-res samples i0[d] and i0[d] + 1
/// (clamped) with weights 1 - f[d] and f[d]. Shared by the CPU path and the CUDA plan.
void linear_taps(int64_t n_out, int64_t n_in, std::vector<int64_t>& i0, std::vector<double>& f);

}  // namespace jointfilter
