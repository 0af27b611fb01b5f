// The work of one CUDA thread of the box and guided filters, as host+device functions.
//
// guided_filter.cu launches one thread per column (vertical sweeps) or per row (horizontal
// sweeps) and calls these functions; cuda_emulation.cpp calls the very same functions over the
// same launch grid on the CPU, which is how the GPU arithmetic is tested on machines without a
// GPU. The per-window solve comes from cpp/jointfilter/guided_math.hpp, shared with the CPU
// kernels.
//
// GPU layout (v1, simple and exact; not the CPU's streaming design): float64 planes of window
// sums, V[k][y][x] after the vertical pass and AB[k][y][x] for the coefficients. Every running
// sum is float64, as on the CPU. The box filter is the same two sweeps over image channels.
#pragma once

#include <math.h>

#include <cstdint>
#include <vector>

#include "jointfilter/guided_math.hpp"

namespace jointfilter {
namespace sweep {

enum : int { kU8 = 0, kU16 = 1, kF32 = 2 };  // == jointfilter::DType

struct Image {
    void* data = nullptr;
    int dtype = kF32;
    int64_t height = 0, width = 0, channels = 1, row_stride = 0;  // stride in elements
};

/// One axis of a sliding window (see border.hpp's AxisPlan), plus the window of position 0.
struct Axis {
    int64_t n = 0;
    const int64_t* enter = nullptr;
    const int64_t* leave = nullptr;
    const double* count = nullptr;
    const int64_t* init_index = nullptr;
    const double* init_weight = nullptr;
    int64_t init_size = 0;
};

/// Host-side owner of an Axis's arrays (built by make_host_axis in cuda_emulation.cpp).
struct HostAxis {
    int64_t n = 0;
    std::vector<int64_t> enter, leave, init_index;
    std::vector<double> count, init_weight;

    Axis view() const {
        Axis a;
        a.n = n;
        a.enter = enter.data();
        a.leave = leave.data();
        a.count = count.data();
        a.init_index = init_index.data();
        a.init_weight = init_weight.data();
        a.init_size = static_cast<int64_t>(init_index.size());
        return a;
    }
};

struct GuidedParams {
    Image target, guide, out;
    Axis rows, cols;
    double eps = 0.0;  // absolute
    int k1 = 0, kab = 0;
    double* v = nullptr;   // k1 x H x W: vertical window sums of the moments
    double* ab = nullptr;  // kab x H x W: coefficients
    double* v2 = nullptr;  // kab x H x W: vertical window sums of the coefficients
};

JF_HD double load(const Image& img, int64_t y, int64_t x, int64_t c) {
    const int64_t i = y * img.row_stride + x * img.channels + c;
    switch (img.dtype) {
        case kU8:
            return static_cast<const uint8_t*>(img.data)[i];
        case kU16:
            return static_cast<const uint16_t*>(img.data)[i];
        default:
            return static_cast<const float*>(img.data)[i];
    }
}

JF_HD void store(const Image& img, int64_t y, int64_t x, int64_t c, double v) {
    const int64_t i = y * img.row_stride + x * img.channels + c;
    if (img.dtype == kF32) {
        static_cast<float*>(img.data)[i] = static_cast<float>(v);
        return;
    }
    // round half to even (rint in the default rounding mode), then saturate (NaN -> 0), as
    // the CPU kernels do
    const double hi = img.dtype == kU8 ? 255.0 : 65535.0;
    const double t = rint(v);
    const double sat = t >= hi ? hi : (t > 0.0 ? t : 0.0);  // NaN compares false -> 0
    if (img.dtype == kU8)
        static_cast<uint8_t*>(img.data)[i] = static_cast<uint8_t>(sat);
    else
        static_cast<uint16_t*>(img.data)[i] = static_cast<uint16_t>(sat);
}

/// Moment k at pixel (y, x).
JF_HD double moment(const GuidedParams& p, int k, int64_t y, int64_t x) {
    int i = 0, j = 0;
    math::moment_pair(static_cast<int>(p.guide.channels), static_cast<int>(p.target.channels), k, i, j);
    const int cg = static_cast<int>(p.guide.channels);
    const double a = i < cg ? load(p.guide, y, x, i) : load(p.target, y, x, i - cg);
    if (j < 0) return a;
    const double b = j < cg ? load(p.guide, y, x, j) : load(p.target, y, x, j - cg);
    return a * b;
}

/// Thread x of the first vertical sweep: window sums over rows of every moment, into v.
JF_HD void vertical_moments(const GuidedParams& p, int64_t x) {
    const int64_t h = p.rows.n, w = p.cols.n;
    for (int k = 0; k < p.k1; ++k) {
        double s = 0.0;
        for (int64_t i = 0; i < p.rows.init_size; ++i)
            s += p.rows.init_weight[i] * moment(p, k, p.rows.init_index[i], x);
        double* out = p.v + k * h * w + x;
        out[0] = s;
        for (int64_t y = 1; y < h; ++y) {
            const int64_t e = p.rows.enter[y], l = p.rows.leave[y];
            const double in = e < 0 ? 0.0 : moment(p, k, e, x);
            const double gone = l < 0 ? 0.0 : moment(p, k, l, x);
            s += in - gone;
            out[y * w] = s;
        }
    }
}

/// Horizontal running sums of plane `src` (H x W) along row y, one value per column, passed
/// to `emit(x, sum)`.
template <typename Emit>
JF_HD void horizontal_sums(const Axis& cols, const double* src, Emit&& emit) {
    double s = 0.0;
    for (int64_t i = 0; i < cols.init_size; ++i) s += cols.init_weight[i] * src[cols.init_index[i]];
    emit(0, s);
    for (int64_t x = 1; x < cols.n; ++x) {
        const int64_t e = cols.enter[x], l = cols.leave[x];
        s += (e < 0 ? 0.0 : src[e]) - (l < 0 ? 0.0 : src[l]);
        emit(x, s);
    }
}

/// Thread y of the first horizontal sweep: window means of the moments along row y (written
/// over row y of v, which only this thread reads), then the per-window solve into ab.
JF_HD void horizontal_solve(const GuidedParams& p, int64_t y) {
    const int64_t h = p.rows.n, w = p.cols.n;
    const int cg = static_cast<int>(p.guide.channels), ct = static_cast<int>(p.target.channels);
    // 1) window means of every moment for this row, written over the row of v (no longer
    //    needed by anyone else: each thread owns its row)
    for (int k = 0; k < p.k1; ++k) {
        double* row = p.v + k * h * w + y * w;
        // sums depend on values to the right of x, so stage them in ab's first plane first
        double* tmp = p.ab + y * w;
        horizontal_sums(p.cols, row, [&](int64_t x, double s) { tmp[x] = s; });
        const double ry = p.rows.count[y];
        for (int64_t x = 0; x < w; ++x) row[x] = tmp[x] * (1.0 / (ry * p.cols.count[x]));
    }
    // 2) solve per pixel
    for (int64_t x = 0; x < w; ++x) {
        double mean[25];
        for (int k = 0; k < p.k1; ++k) mean[k] = p.v[k * h * w + y * w + x];
        double* out = p.ab + y * w + x;
        if (cg == 1) {
            for (int c = 0; c < ct; ++c) {
                double a = 0.0, b = 0.0;
                math::gray_coefficients(mean[0], mean[1], mean[2 + c], mean[2 + ct + c], p.eps, 0.0, 1.0, a,
                                        b);
                out[(2 * c) * h * w] = a;
                out[(2 * c + 1) * h * w] = b;
            }
            continue;
        }
        const math::ColorInverse<double> g = math::color_inverse(mean, p.eps, 0.0, 1.0);
        for (int c = 0; c < ct; ++c) {
            const int b = 9 + 4 * c;
            double ab[4];
            math::color_coefficients(g, mean[b], mean[b + 1], mean[b + 2], mean[b + 3], ab);
            for (int i = 0; i < 4; ++i) out[(4 * c + i) * h * w] = ab[i];
        }
    }
}

/// Thread x of the second vertical sweep: window sums over rows of the coefficients.
JF_HD void vertical_coefficients(const GuidedParams& p, int64_t x) {
    const int64_t h = p.rows.n, w = p.cols.n;
    for (int k = 0; k < p.kab; ++k) {
        const double* src = p.ab + k * h * w + x;
        double* out = p.v2 + k * h * w + x;
        double s = 0.0;
        for (int64_t i = 0; i < p.rows.init_size; ++i)
            s += p.rows.init_weight[i] * src[p.rows.init_index[i] * w];
        out[0] = s;
        for (int64_t y = 1; y < h; ++y) {
            const int64_t e = p.rows.enter[y], l = p.rows.leave[y];
            s += (e < 0 ? 0.0 : src[e * w]) - (l < 0 ? 0.0 : src[l * w]);
            out[y * w] = s;
        }
    }
}

/// Thread y of the second horizontal sweep: mean coefficients along row y, q = a . I + b.
JF_HD void horizontal_apply(const GuidedParams& p, int64_t y) {
    const int64_t h = p.rows.n, w = p.cols.n;
    const int cg = static_cast<int>(p.guide.channels), ct = static_cast<int>(p.target.channels);
    // sums of every coefficient plane, staged in place in ab (no longer needed)
    for (int k = 0; k < p.kab; ++k) {
        double* dst = p.ab + k * h * w + y * w;
        horizontal_sums(p.cols, p.v2 + k * h * w + y * w, [&](int64_t x, double s) { dst[x] = s; });
    }
    const double ry = p.rows.count[y];
    for (int64_t x = 0; x < w; ++x) {
        const double n = ry * p.cols.count[x];
        for (int c = 0; c < ct; ++c) {
            const double* ab = p.ab + (c * (cg + 1)) * h * w + y * w + x;
            double acc = ab[cg * h * w];
            for (int g = 0; g < cg; ++g) acc += ab[g * h * w] * load(p.guide, y, x, g);
            store(p.out, y, x, c, acc / n);
        }
    }
}

// ---- fast guided filter (subsample s > 1) ------------------------------------------------
//
// The CPU's convention (cpp/jointfilter/guided_filter.cpp): nearest-neighbour decimation,
// low-res pixel d taking source min(n - 1, d * s + s / 2) (decimation "mean": the target is
// the float32 mean of each s x s block instead, the guide stays nearest); the guided filter's mean
// coefficients on the decimated pair (radius max(1, round(r / s))); bilinear upsampling of the
// coefficients with pixel-centre alignment, rows first then columns; q = a . I + b on the full
// guide. Between the decimation and the upsampling run the first three launches above on the
// low-res images, then horizontal_mean_coefficients instead of horizontal_apply.

/// Everything a (fast) guided filter launch needs that depends only on the shapes and
/// parameters, built on the host (make_guided_plan in cuda_emulation.cpp).
struct HostGuidedPlan {
    int64_t h = 0, w = 0;          // full size
    int64_t s = 1;                 // subsample
    int decimation = 0;            // of the target (s > 1): kDecimateNearest or kDecimateMean
    int64_t low_h = 0, low_w = 0;  // size the coefficients are solved at (== h, w for s == 1)
    int cg = 1, ct = 1, k1 = 0, kab = 0;
    HostAxis rows, cols;                 // window plans at low_h x low_w
    std::vector<int64_t> tap_y, tap_x;   // upsampling: first source row / column (s > 1)
    std::vector<double> frac_y, frac_x;  // upsampling: weight of the second one
};

enum : int { kDecimateNearest = 0, kDecimateMean = 1 };  // == jointfilter::Decimation

struct DecimateParams {
    Image src, low;  // low: low_h x low_w, contiguous; the dtype of src (nearest) or f32 (mean)
    int64_t s = 1;
    int mode = kDecimateNearest;
};

/// Thread t of a decimation launch: low-res pixel (t / low.width, t % low.width).
JF_HD void decimate_pixel(const DecimateParams& p, int64_t t) {
    const int64_t y = t / p.low.width, x = t % p.low.width;
    if (p.mode == kDecimateMean) {
        // the CPU's decimate_mean, in its order: each column of the (possibly partial) block
        // summed down in double, the column sums added left to right, times 1 / count, rounded
        // once to float32 (low is f32). Integer sums are exact, as the CPU's.
        const int64_t y0 = y * p.s, y1 = y0 + p.s < p.src.height ? y0 + p.s : p.src.height;
        const int64_t x0 = x * p.s, x1 = x0 + p.s < p.src.width ? x0 + p.s : p.src.width;
        const double inv = 1.0 / static_cast<double>((y1 - y0) * (x1 - x0));
        for (int64_t c = 0; c < p.src.channels; ++c) {
            double sum = 0.0;
            for (int64_t sx = x0; sx < x1; ++sx) {
                double column = load(p.src, y0, sx, c);
                for (int64_t sy = y0 + 1; sy < y1; ++sy) column += load(p.src, sy, sx, c);
                sum = sx == x0 ? column : sum + column;  // not 0 + column: keeps a -0 sum
            }
            store(p.low, y, x, c, sum * inv);
        }
        return;
    }
    const int64_t sy = y * p.s + p.s / 2 < p.src.height - 1 ? y * p.s + p.s / 2 : p.src.height - 1;
    const int64_t sx = x * p.s + p.s / 2 < p.src.width - 1 ? x * p.s + p.s / 2 : p.src.width - 1;
    // load/store are exact for a copy: integers round-trip through double unchanged
    for (int64_t c = 0; c < p.src.channels; ++c) store(p.low, y, x, c, load(p.src, sy, sx, c));
}

/// Thread y of the fast filter's last horizontal sweep: the mean coefficients along row y,
/// staged in ab (kab planes at low resolution), as the CPU keeps them (sum * (1 / n)).
JF_HD void horizontal_mean_coefficients(const GuidedParams& p, int64_t y) {
    const int64_t h = p.rows.n, w = p.cols.n;
    const double ry = p.rows.count[y];
    for (int k = 0; k < p.kab; ++k) {
        double* dst = p.ab + k * h * w + y * w;
        horizontal_sums(p.cols, p.v2 + k * h * w + y * w,
                        [&](int64_t x, double s) { dst[x] = s * (1.0 / (ry * p.cols.count[x])); });
    }
}

struct UpsampleParams {
    Image guide, out;    // full size
    const double* coef;  // kab x low_h x low_w mean coefficients
    int64_t low_h = 0, low_w = 0;
    int kab = 0;
    const int64_t* tap_y = nullptr;
    const int64_t* tap_x = nullptr;
    const double* frac_y = nullptr;
    const double* frac_x = nullptr;
};

/// Thread t of the upsampling launch: full-size pixel (t / W, t % W), every target channel.
JF_HD void upsample_pixel(const UpsampleParams& p, int64_t t) {
    const int64_t y = t / p.out.width, x = t % p.out.width;
    const int64_t cg = p.guide.channels, ct = p.out.channels, plane = p.low_h * p.low_w;
    const int64_t sy0 = p.tap_y[y], sy1 = sy0 + 1 < p.low_h ? sy0 + 1 : p.low_h - 1;
    const int64_t sx0 = p.tap_x[x], sx1 = sx0 + 1 < p.low_w ? sx0 + 1 : p.low_w - 1;
    const double fy = p.frac_y[y], fx = p.frac_x[x];
    for (int64_t c = 0; c < ct; ++c) {
        double ab[4];  // a_0..a_{cg-1}, b of channel c
        for (int64_t g = 0; g <= cg; ++g) {
            const double* k = p.coef + (c * (cg + 1) + g) * plane;
            const double* r0 = k + sy0 * p.low_w;
            const double* r1 = k + sy1 * p.low_w;
            // rows first, then columns: the CPU's (and OpenCV's) order
            const double top = r0[sx0] + fx * (r0[sx1] - r0[sx0]);
            const double bot = r1[sx0] + fx * (r1[sx1] - r1[sx0]);
            ab[g] = top + fy * (bot - top);
        }
        double acc = ab[cg];
        for (int64_t g = 0; g < cg; ++g) acc += ab[g] * load(p.guide, y, x, g);
        store(p.out, y, x, c, acc);
    }
}

// ---- box filter: two sweeps over the channels of one image -------------------------------

struct BoxParams {
    Image src, out;
    Axis rows, cols;
    double* v = nullptr;  // C x H x W: vertical window sums
    double* h = nullptr;  // C x H x W: horizontal stage (each row owned by one thread)
};

/// Thread x of the box filter's vertical sweep: window sums over rows of every channel.
JF_HD void box_vertical(const BoxParams& p, int64_t x) {
    const int64_t h = p.rows.n, w = p.cols.n;
    for (int64_t c = 0; c < p.src.channels; ++c) {
        double s = 0.0;
        for (int64_t i = 0; i < p.rows.init_size; ++i)
            s += p.rows.init_weight[i] * load(p.src, p.rows.init_index[i], x, c);
        double* out = p.v + c * h * w + x;
        out[0] = s;
        for (int64_t y = 1; y < h; ++y) {
            const int64_t e = p.rows.enter[y], l = p.rows.leave[y];
            s += (e < 0 ? 0.0 : load(p.src, e, x, c)) - (l < 0 ? 0.0 : load(p.src, l, x, c));
            out[y * w] = s;
        }
    }
}

/// Thread y of the box filter's horizontal sweep: window sums along row y, divided by the
/// window's sample count, stored in the output type.
JF_HD void box_horizontal(const BoxParams& p, int64_t y) {
    const int64_t h = p.rows.n, w = p.cols.n;
    const double ry = p.rows.count[y];
    for (int64_t c = 0; c < p.src.channels; ++c) {
        double* tmp = p.h + c * h * w + y * w;
        horizontal_sums(p.cols, p.v + c * h * w + y * w, [&](int64_t x, double s) { tmp[x] = s; });
        for (int64_t x = 0; x < w; ++x) store(p.out, y, x, c, tmp[x] / (ry * p.cols.count[x]));
    }
}

}  // namespace sweep
}  // namespace jointfilter
