// GFF fusion (jf.fuse(method="guided")) as host+device code: the per-pixel formulas shared by
// the CPU steps (cpp/jointfilter/fusion.hpp includes this header) and the CUDA kernels, and the
// work of one CUDA thread of each GPU step.
//
// The formulas (namespace jointfilter::fusion) are the NumPy reference's operations in the same
// order and precision; CPU and GPU are built without FMA contraction, so both compute the same
// bits from the same inputs. The per-thread functions (namespace jointfilter::sweep) are called by
// cuda/fusion.cu over its launch grid and by cuda_emulation.cpp over the same grid on the CPU.
//
// GPU pipeline (one thread per pixel t = y * W + x unless said; the guided and box filters are
// the existing CUDA filters, cuda/guided_filter.cu):
//
// | step                      | work                                                          |
// |---------------------------|---------------------------------------------------------------|
// | fuse_prepare              | sources to [0, 1] float32; RGB visible -> Y, Cb, Cr (BT.601)  |
// | fuse_laplacian            | |3x3 Laplacian| of both sources (replicate border)            |
// | fuse_gauss_rows           | horizontal Gaussian taps of both, float32 in tap order        |
// | fuse_gauss_cols_select    | vertical taps -> saliencies S0, S1 -> maps P0 = [S0 >= S1], P1|
// | guided filter x 4         | WB_n = GF(P_n, src_n, r1, eps1, s), WD_n = GF(P_n, src_n, r2) |
// | fuse_normalise            | clip + normalise WB and WD                                    |
// | box filter x 2            | B_n = box mean of src_n (edge border)                         |
// | fuse_output               | F = two-scale blend; RGB: back from YCbCr; from_unit rounding |
#pragma once

#include <math.h>

#include <cstdint>
#include <vector>

#include "guided_sweeps.hpp"

namespace jointfilter {
namespace fusion {

// ---- per-pixel formulas (CPU and GPU) ------------------------------------------------------------

/// ITU-R BT.601 luma weights (full-range YCbCr, JPEG/JFIF form), as in fusion/_color.py.
constexpr double kKr = 0.299, kKg = 0.587, kKb = 0.114;
constexpr double kCbScale = 2.0 * (1.0 - kKb);  // 1.772
constexpr double kCrScale = 2.0 * (1.0 - kKr);  // 1.402

/// The forward transform in float64 on RGB values (D = double, or a vector of doubles).
template <class D>
JF_HD void rgb_to_ycbcr_d(D r, D g, D b, D& y, D& cb, D& cr) {
    y = kKr * r + kKg * g + kKb * b;
    cb = (b - y) / kCbScale;
    cr = (r - y) / kCrScale;
}

/// The exact inverse in float64 (D = double, or a vector of doubles).
template <class D>
JF_HD void ycbcr_to_rgb_d(D y, D cb, D cr, D& r, D& g, D& b) {
    r = y + kCrScale * cr;
    b = y + kCbScale * cb;
    g = (y - kKr * r - kKb * b) / kKg;
}

/// RGB in [0, 1] (float32) -> Y, zero-centred Cb, Cr, computed in float64 and rounded once.
JF_HD void rgb_to_ycbcr_px(float r, float g, float b, float& y, float& cb, float& cr) {
    double yd, cbd, crd;
    rgb_to_ycbcr_d<double>(r, g, b, yd, cbd, crd);
    y = static_cast<float>(yd);
    cb = static_cast<float>(cbd);
    cr = static_cast<float>(crd);
}

/// The exact inverse in float64, rounded to float32 (the reference's unclipped RGB result).
JF_HD void ycbcr_to_rgb_px(float y, float cb, float cr, float& r, float& g, float& b) {
    double rd, gd, bd;
    ycbcr_to_rgb_d<double>(y, cb, cr, rd, gd, bd);
    r = static_cast<float>(rd);
    g = static_cast<float>(gd);
    b = static_cast<float>(bd);
}

/// 1.5 * 2^52: (v + m) - m rounds a double |v| < 2^51 to an integer, ties to even (the default
/// rounding mode), exactly as np.rint, and vectorises (std::nearbyint is a library call).
constexpr double kRoundMagic = 6755399441055744.0;

/// from_unit for one value: float64(x) * data_range; integers rounded half-to-even and
/// saturated to [0, top] (clipping first gives the same integer, as the bounds are integers);
/// floats clipped to [0, data_range] if asked. The selects are std::max / std::min's.
JF_HD double scale_round_clip(float x, double data_range, bool integer, double top, bool clip) {
    double v = static_cast<double>(x) * data_range;
    if (integer) {
        v = v < 0.0 ? 0.0 : v;
        v = top < v ? top : v;
        return (v + kRoundMagic) - kRoundMagic;
    }
    if (clip) {
        v = v < 0.0 ? 0.0 : v;
        v = data_range < v ? data_range : v;
    }
    return v;
}

/// float64 -> float32 as NumPy casts (and compares float32 data with a Python float): round to
/// nearest, +-inf past float32's range (explicit: an out-of-range conversion is undefined in C++).
JF_HD float to_f32(double t) {
    constexpr double kOverflow = 3.4028235677973366e38;  // FLT_MAX + half an ulp: rounds to inf
    if (t >= kOverflow) return HUGE_VALF;
    if (t <= -kOverflow) return -HUGE_VALF;
    return static_cast<float>(t);
}

/// |4-neighbour Laplacian| with the centre term last: ((up + down) + left) + right - 4 c.
JF_HD float laplacian_abs_px(float up, float down, float left, float right, float c) {
    return fabsf(up + down + left + right - 4.0f * c);
}

/// np.clip(x, 0, 1) for float32 (std::min(std::max(x, 0), 1): NaN passes through).
JF_HD float clip01(float x) {
    const float lo = x < 0.0f ? 0.0f : x;
    return 1.0f < lo ? 1.0f : lo;
}

/// normalise_weights for two maps: clip each to [0, 1], divide by the sum; 1/2 each where the
/// sum is below 1e-12 (compared in float32, as NumPy compares a float32 array with 1e-12).
JF_HD void normalise2_px(float w0, float w1, float& o0, float& o1) {
    const float a = clip01(w0), b = clip01(w1);
    const float total = a + b;
    const bool flat = total < static_cast<float>(1e-12);
    const float safe = flat ? 1.0f : total;  // selects, no branch: the loop vectorises
    o0 = flat ? 0.5f : a / safe;
    o1 = flat ? 0.5f : b / safe;
}

/// GFF max selection: the first source wins ties.
JF_HD bool select_first_px(float s0, float s1) { return s0 >= s1; }

/// GFF's two-scale rule at one pixel: sum_n WB_n B_n + WD_n (I_n - B_n), summed from +0.
JF_HD float two_scale_px(float wb0, float wd0, float a, float ba, float wb1, float wd1, float b, float bb) {
    float acc = 0.0f;
    acc += wb0 * ba + wd0 * (a - ba);
    acc += wb1 * bb + wd1 * (b - bb);
    return acc;
}

/// Per-pixel weighted mean w a + (1 - w) b.
JF_HD float weighted_px(float w, float a, float b) { return w * a + (1.0f - w) * b; }

/// Index i of a line of n samples in band_fuse.m's es2 extension (Rockinger's toolbox, called
/// by VIFB's run_CNN.m): mirrored without repeating the edge sample (-1 -> 1, n -> n - 2); a
/// one-sample line repeats its sample (es2 itself needs two).
JF_HD int64_t es2_index(int64_t i, int64_t n) {
    if (i < 0) return n > 1 ? -i : 0;
    if (i >= n) return n > 1 ? 2 * n - 2 - i : 0;
    return i;
}

/// 3x3 window sum of the h x w plane p at (y, x) over the es2 extension, rows then columns in
/// increasing order, in float32 from +0; the extension's four corner samples (row and column
/// both outside) are zero, as in es2.m.
JF_HD float es2_sum3_px(const float* p, int64_t h, int64_t w, int64_t y, int64_t x) {
    float acc = 0.0f;
    for (int64_t dy = -1; dy <= 1; ++dy) {
        const int64_t yy = y + dy;
        const bool row_out = yy < 0 || yy >= h;
        const float* row = p + es2_index(yy, h) * w;
        for (int64_t dx = -1; dx <= 1; ++dx) {
            const int64_t xx = x + dx;
            if (row_out && (xx < 0 || xx >= w)) continue;  // a corner of the extension: zero
            acc += row[es2_index(xx, w)];
        }
    }
    return acc;
}

/// Liu et al.'s rule at one pixel of a pyramid level: the weighted mean where the match
/// M = 2 S_ab / max(S_a + S_b, 1e-30) > threshold, else the coefficient of larger energy (VIFB's
/// band_fuse.m).
JF_HD float match_select_px(float w, float ca, float cb, float sa, float sb, float sab, float threshold) {
    const float avg = weighted_px(w, ca, cb);
    const float floor = static_cast<float>(1e-30), e = sa + sb;
    const float m = 2.0f * sab / (e > floor ? e : floor);  // fmaxf(e, floor), NaN -> floor too
    const float sel = sa > sb ? ca : cb;  // equal energies: b (the visible image), as band_fuse.m
    return m > threshold ? avg : sel;     // strict, as band_fuse.m and algorithms.md 8.2
}

/// Focus measures (FocusMeasure's codes): 0 SML, 1 energy of Laplacian, 2 Tenengrad, 3 variance.
enum : int { kFocusSml = 0, kFocusEol = 1, kFocusTenengrad = 2, kFocusVariance = 3 };

/// Per-pixel energy of a focus measure from the pixel v and its 4 neighbours (replicate
/// border), before the box mean; `thresh`: SML's threshold t applies. Variance's energy is v^2
/// (its box mean is E[I^2]; see variance_px).
JF_HD float focus_energy_px(int measure, float v, float l, float r, float up, float dn, bool thresh,
                            float t) {
    if (measure == kFocusSml) {
        float val = fabsf(2.0f * v - l - r) + fabsf(2.0f * v - up - dn);
        if (thresh && !(val >= t)) val = 0.0f;
        return val;
    }
    if (measure == kFocusEol) {
        const float lap = l + r + up + dn - 4.0f * v;
        return lap * lap;
    }
    if (measure == kFocusTenengrad) {
        const float gx = r - l, gy = dn - up;
        return 0.25f * (gx * gx + gy * gy);
    }
    return v * v;
}

/// Local variance from the box means of I^2 and I, floored at 0.
JF_HD float variance_px(float mean_sq, float mean) { return fmaxf(mean_sq - mean * mean, 0.0f); }

}  // namespace fusion

namespace sweep {

/// Parameters of the GFF fusion on the GPU (and its emulation).
struct FuseSettings {
    double ir_range = 1.0, vis_range = 1.0;  // value ranges of the sources (255 for uint8, ...)
    bool clip = true;                        // clip a float result to [0, vis_range]
    int64_t r1 = 45, r2 = 7, base_radius = 15, subsample = 1;
    double eps1 = 0.3, eps2 = 1e-6;  // absolute (the planes are in [0, 1])
};

/// Host-side tables of one fusion: the four guided filters' plans, the two-scale box axes and
/// the Gaussian taps (built by make_fuse_plan in cuda_emulation.cpp).
struct HostFusePlan {
    HostGuidedPlan base, detail;
    HostAxis box_rows, box_cols;
    std::vector<float> kernel;
};

/// Number of float32 planes of H x W the GPU pipeline keeps (FuseParams' planes).
constexpr int kFusePlanes = 12;

struct FuseParams {
    Image ir, vis, out;  // ir: 1 channel; vis and out: 1 or 3 channels, out has vis's shape
    int64_t h = 0, w = 0;
    float ir_scale = 1.0f, vis_scale = 1.0f;  // float32(1 / range)
    double out_range = 1.0;
    bool clip = true;
    const float* kernel = nullptr;  // Gaussian taps, odd length
    int64_t ksize = 0;
    // planes (contiguous H x W): sources in [0, 1] (visible: Y), chroma, |Laplacian| (later the
    // box means B_n), horizontal Gaussian sums, selection maps, refined weights
    float *src0 = nullptr, *src1 = nullptr, *cb = nullptr, *cr = nullptr;
    float *t0 = nullptr, *t1 = nullptr, *u0 = nullptr, *u1 = nullptr;
    float *p0 = nullptr, *p1 = nullptr;
    float *wb0 = nullptr, *wb1 = nullptr, *wd0 = nullptr, *wd1 = nullptr;
};

/// The parameters of one fusion, planes unassigned (host side).
inline FuseParams make_fuse_params(const Image& ir, const Image& vis, const Image& out,
                                   const FuseSettings& s) {
    FuseParams p;
    p.ir = ir;
    p.vis = vis;
    p.out = out;
    p.h = vis.height;
    p.w = vis.width;
    p.ir_scale = static_cast<float>(1.0 / s.ir_range);  // as fusion::to_unit's float32(scale)
    p.vis_scale = static_cast<float>(1.0 / s.vis_range);
    p.out_range = s.vis_range;
    p.clip = s.clip;
    return p;
}

/// Point the planes of p into `storage` (kFusePlanes * H * W floats); wd0/wd1 reuse u0/u1,
/// which are free once the saliency is done.
inline void assign_fuse_planes(FuseParams& p, float* storage) {
    const int64_t n = p.h * p.w;
    float** planes[] = {&p.src0, &p.src1, &p.cb, &p.cr, &p.t0,  &p.t1,
                        &p.u0,   &p.u1,   &p.p0, &p.p1, &p.wb0, &p.wb1};
    for (int i = 0; i < kFusePlanes; ++i) *planes[i] = storage + i * n;
    p.wd0 = p.u0;
    p.wd1 = p.u1;
}

/// An f32 plane of p's size as a sweep image (for the guided and box filters).
inline Image fuse_plane(const FuseParams& p, float* data) {
    Image img;
    img.data = data;
    img.dtype = kF32;
    img.height = p.h;
    img.width = p.w;
    img.channels = 1;
    img.row_stride = p.w;
    return img;
}

JF_HD int64_t clamp_index(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

/// Thread t: both sources to [0, 1] (float32(x) * float32(1 / range), as fusion::to_unit); an
/// RGB visible image goes to Y, Cb, Cr (fusion::rgb_to_ycbcr).
JF_HD void fuse_prepare(const FuseParams& p, int64_t t) {
    const int64_t y = t / p.w, x = t % p.w;
    p.src0[t] = static_cast<float>(load(p.ir, y, x, 0)) * p.ir_scale;
    if (p.vis.channels == 3) {
        const float r = static_cast<float>(load(p.vis, y, x, 0)) * p.vis_scale;
        const float g = static_cast<float>(load(p.vis, y, x, 1)) * p.vis_scale;
        const float b = static_cast<float>(load(p.vis, y, x, 2)) * p.vis_scale;
        fusion::rgb_to_ycbcr_px(r, g, b, p.src1[t], p.cb[t], p.cr[t]);
    } else {
        p.src1[t] = static_cast<float>(load(p.vis, y, x, 0)) * p.vis_scale;
    }
}

JF_HD float laplacian_at(const float* s, int64_t h, int64_t w, int64_t y, int64_t x) {
    const float* c = s + y * w;
    return fusion::laplacian_abs_px(s[clamp_index(y - 1, h) * w + x], s[clamp_index(y + 1, h) * w + x],
                                    c[clamp_index(x - 1, w)], c[clamp_index(x + 1, w)], c[x]);
}

/// Thread t: |Laplacian| of both sources into t0, t1.
JF_HD void fuse_laplacian(const FuseParams& p, int64_t t) {
    const int64_t y = t / p.w, x = t % p.w;
    p.t0[t] = laplacian_at(p.src0, p.h, p.w, y, x);
    p.t1[t] = laplacian_at(p.src1, p.h, p.w, y, x);
}

/// Thread t: the horizontal Gaussian pass of both |Laplacian| planes (edge border; the sum of
/// k_i * value in tap order from +0, as fusion.cpp's dot_taps).
JF_HD void fuse_gauss_rows(const FuseParams& p, int64_t t) {
    const int64_t y = t / p.w, x = t % p.w, r = p.ksize / 2;
    const float *a = p.t0 + y * p.w, *b = p.t1 + y * p.w;
    float sa = 0.0f, sb = 0.0f;
    for (int64_t i = 0; i < p.ksize; ++i) {
        const int64_t j = clamp_index(x + i - r, p.w);
        sa += p.kernel[i] * a[j];
        sb += p.kernel[i] * b[j];
    }
    p.u0[t] = sa;
    p.u1[t] = sb;
}

/// Thread t: the vertical Gaussian pass gives the saliencies S0, S1; then the selection maps.
JF_HD void fuse_gauss_cols_select(const FuseParams& p, int64_t t) {
    const int64_t y = t / p.w, x = t % p.w, r = p.ksize / 2;
    float sa = 0.0f, sb = 0.0f;
    for (int64_t i = 0; i < p.ksize; ++i) {
        const int64_t j = clamp_index(y + i - r, p.h) * p.w + x;
        sa += p.kernel[i] * p.u0[j];
        sb += p.kernel[i] * p.u1[j];
    }
    // ties to the second source, the visible image (gff_fuse's rule, VIFB's GFF.m)
    const bool second = fusion::select_first_px(sb, sa);
    p.p0[t] = second ? 0.0f : 1.0f;
    p.p1[t] = second ? 1.0f : 0.0f;
}

/// Thread t: clip and normalise the refined base and detail weights in place.
JF_HD void fuse_normalise(const FuseParams& p, int64_t t) {
    fusion::normalise2_px(p.wb0[t], p.wb1[t], p.wb0[t], p.wb1[t]);
    fusion::normalise2_px(p.wd0[t], p.wd1[t], p.wd0[t], p.wd1[t]);
}

/// from_unit of one value into element i of out (fusion::from_unit's store).
JF_HD void store_unit(const Image& out, int64_t i, float v, double range, bool clip) {
    switch (out.dtype) {
        case kU8:
            static_cast<uint8_t*>(out.data)[i] =
                static_cast<uint8_t>(fusion::scale_round_clip(v, range, true, 255.0, clip));
            break;
        case kU16:
            static_cast<uint16_t*>(out.data)[i] =
                static_cast<uint16_t>(fusion::scale_round_clip(v, range, true, 65535.0, clip));
            break;
        default:
            static_cast<float*>(out.data)[i] =
                fusion::to_f32(fusion::scale_round_clip(v, range, false, 0.0, clip));
            break;
    }
}

/// The fused luma f of pixel t = (y, x): back to RGB for a colour visible image, then to the
/// output type.
JF_HD void store_fused(const FuseParams& p, int64_t t, int64_t y, int64_t x, float f) {
    const int64_t i = y * p.out.row_stride + x * p.out.channels;
    if (p.out.channels == 3) {
        float r, g, b;
        fusion::ycbcr_to_rgb_px(f, p.cb[t], p.cr[t], r, g, b);
        store_unit(p.out, i, r, p.out_range, p.clip);
        store_unit(p.out, i + 1, g, p.out_range, p.clip);
        store_unit(p.out, i + 2, b, p.out_range, p.clip);
    } else {
        store_unit(p.out, i, f, p.out_range, p.clip);
    }
}

/// Thread t: the two-scale blend (t0, t1 hold the box means), back to RGB for a colour visible
/// image, and the conversion to the output type.
JF_HD void fuse_output(const FuseParams& p, int64_t t) {
    const int64_t y = t / p.w, x = t % p.w;
    const float f =
        fusion::two_scale_px(p.wb0[t], p.wd0[t], p.src0[t], p.t0[t], p.wb1[t], p.wd1[t], p.src1[t], p.t1[t]);
    store_fused(p, t, y, x, f);
}

}  // namespace sweep
}  // namespace jointfilter
