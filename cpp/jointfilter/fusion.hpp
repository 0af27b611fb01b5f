// Image fusion: the per-pixel and stencil steps of jointfilter.fusion (GFF weighting, focus
// measures, two-scale and Laplacian-pyramid blending, colour conversion). The guided
// refinements themselves are guided_filter() calls made by the Python layer.
//
// | function          | inputs                          | output                              |
// |-------------------|---------------------------------|-------------------------------------|
// | to_unit           | u8, u16, f32, 1 channel         | f32 plane = x * float(scale)        |
// | rgb_to_ycbcr      | u8, u16, f32, 3 channels        | f32 Y, Cb, Cr planes                |
// | ycbcr_to_rgb      | f32 Y, Cb, Cr planes            | u8, u16, f32 (H, W, 3), from_unit   |
// | from_unit         | f32 plane                       | u8, u16, f32, from_unit             |
// | all other steps   | f32 planes                      | f32 planes                          |
//
// Every formula below is the NumPy reference's (python/jointfilter/fusion, the `_numpy_*`
// functions) with the same operations in the same order and precision, so the results are
// bit-identical to it (the library is built with -ffp-contract=off: no FMA contraction).
// Outputs do not depend on the thread count: every output pixel is computed by one fixed
// sequence of operations whatever the split. Planes may have strided rows; a plane that is
// only read may alias nothing written by the same call, except where a function says so.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "border.hpp"
#include "fusion_sweeps.hpp"
#include "image.hpp"

namespace jointfilter {
namespace fusion {

// ---- per-pixel formulas -----------------------------------------------------------------------

// rgb_to_ycbcr_px, ycbcr_to_rgb_px, scale_round_clip, to_f32, laplacian_abs_px, clip01,
// normalise2_px, select_first_px, two_scale_px, weighted_px, match_select_px, focus_energy_px
// and variance_px are in cuda/fusion_sweeps.hpp, as host+device code: the CUDA fusion
// computes the same formulas.

// ---- entry points -----------------------------------------------------------------------------

enum class FocusMeasure : int { sml = 0, eol = 1, tenengrad = 2, variance = 3 };

// ---- scratch planes ----------------------------------------------------------------------------
//
// Full-size float32 scratch (the planes of a fusion call, in C++ and, through the bindings, the
// NumPy arrays the fusion and restore layers allocate) comes from a process-wide pool: freed
// buffers are kept (up to scratch_limit() bytes in total) and handed out again, so steady-state
// calls touch no fresh pages. Without it, glibc returns the freed multi-megabyte blocks to the
// OS after every call and the next call page-faults them back (the kernel zeroes every page):
// ~5000 faults, more CPU time than the arithmetic for a 768x576 fusion, and a third of a 1080p
// restore() call.

/// Default of scratch_limit(): room for a 1080p restore() call's planes (~100 MB).
constexpr size_t kScratchPoolBytes = size_t{256} << 20;

/// A buffer of at least n floats (uninitialised); *capacity receives its size, for scratch_give.
float* scratch_take(size_t n, size_t* capacity);
/// Return a buffer from scratch_take (kept for reuse, or freed when the pool is full).
void scratch_give(float* data, size_t capacity);
/// n uninitialised values of T (float, or a multiple of its size, e.g. double) from the pool,
/// given back on destruction; movable, not copyable.
template <typename T>
class ScratchArray {
    static_assert(sizeof(T) % sizeof(float) == 0, "a whole number of floats per element");

 public:
    ScratchArray() = default;
    explicit ScratchArray(size_t n) { data_ = scratch_take(n * (sizeof(T) / sizeof(float)), &capacity_); }
    ScratchArray(ScratchArray&& o) noexcept { swap(o); }
    ScratchArray& operator=(ScratchArray&& o) noexcept {
        swap(o);  // the old buffer goes back to the pool with o
        return *this;
    }
    ScratchArray(const ScratchArray&) = delete;
    ScratchArray& operator=(const ScratchArray&) = delete;
    ~ScratchArray() {
        if (data_) scratch_give(data_, capacity_);
    }
    T* data() const { return reinterpret_cast<T*>(data_); }
    T& operator[](size_t i) const { return data()[i]; }
    void swap(ScratchArray& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(capacity_, o.capacity_);
    }

 private:
    float* data_ = nullptr;
    size_t capacity_ = 0;
};
/// Bytes currently kept by the pool.
size_t scratch_pooled_bytes();
/// Free every kept buffer.
void scratch_release();
/// Most bytes the pool keeps; setting it frees kept buffers beyond the new limit (0: keep none).
size_t scratch_limit();
void set_scratch_limit(size_t bytes);

/// dst (f32, H x W) = float32(src) * float32(scale); src has one channel.
void to_unit(const ImageView& src, double scale, const ImageView& dst);

/// src (H, W, 3) -> y, cb, cr (f32 planes) of float32(src) * float32(scale).
void rgb_to_ycbcr(const ImageView& src, double scale, const ImageView& y, const ImageView& cb,
                  const ImageView& cr);

/// dst (H, W, 3), u8/u16/f32 = from_unit(ycbcr_to_rgb(y, cb, cr), data_range, clip). With an f32
/// dst, data_range 1 and clip false this is the plain (unclipped) inverse transform.
void ycbcr_to_rgb(const ImageView& y, const ImageView& cb, const ImageView& cr, const ImageView& dst,
                  double data_range, bool clip);

/// dst (u8/u16/f32, same shape) = from_unit(src, data_range, clip); src is f32, any channels.
void from_unit(const ImageView& src, const ImageView& dst, double data_range, bool clip);

/// Separable correlation with an odd-length kernel on both axes (NumPy pad mode `border`):
/// horizontal pass first, taps summed in order in float32 (fusion._common.convolve_sep).
void convolve_sep(const ImageView& src, const ImageView& dst, const std::vector<float>& kernel,
                  Border border);

/// GFF saliency |src * L| * g: 3x3 Laplacian and the separable `kernel`, replicate borders.
void saliency(const ImageView& src, const ImageView& dst, const std::vector<float>& kernel);

/// Binary maps p0 = [s0 >= s1], p1 = 1 - p0 (ties to the first source).
void max_selection(const ImageView& s0, const ImageView& s1, const ImageView& p0, const ImageView& p1);

/// Two-map normalise_weights into out0, out1 (may alias w0, w1). A null w1 (data == nullptr)
/// means the complement of the clipped first map, w1 = 1 - clip(w0) (blend_with_decision).
void normalise_weights(const ImageView& w0, const ImageView& w1, const ImageView& out0,
                       const ImageView& out1);

/// GFF's rule F = sum_n WB_n B_n + WD_n D_n with B_n the (2 radius + 1)^2 box mean (replicate
/// border) of source n and D_n = source - B_n.
void two_scale_blend(const ImageView& a, const ImageView& b, const ImageView& wb0, const ImageView& wb1,
                     const ImageView& wd0, const ImageView& wd1, int64_t radius, const ImageView& dst);

/// dst = w a + (1 - w) b.
void weighted_blend(const ImageView& a, const ImageView& b, const ImageView& w, const ImageView& dst);

/// One pyramid reduction: 5-tap binomial (symmetric border), then every second row and column;
/// dst is ceil(H / 2) x ceil(W / 2).
void pyramid_reduce(const ImageView& src, const ImageView& dst);

/// Expansion of src to dst's size (rows (H + 1) / 2 and columns of src are used): zero
/// interleaving, then the binomial kernel times 2 (symmetric border).
void pyramid_expand(const ImageView& src, const ImageView& dst);

/// Laplacian-pyramid blend of a and b with the weight w of a (Liu et al. 2017), `levels` >= 1.
/// `match` false: plain weighted pyramid; else the match/selection rule with `threshold`.
void pyramid_blend(const ImageView& a, const ImageView& b, const ImageView& w, int64_t levels, bool match,
                   double threshold, const ImageView& dst);

/// Focus (sharpness) map of a plane: the measure's per-pixel energy summed over the
/// (2 radius + 1)^2 box (mean, replicate border); `threshold` is SML's (ignored by the others).
void focus_measure(const ImageView& src, FocusMeasure measure, int64_t radius, double threshold,
                   const ImageView& dst);

}  // namespace fusion
}  // namespace jointfilter
