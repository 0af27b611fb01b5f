// Box and guided filter kernels: a streaming, fused row pipeline.
//
// Included once per instruction set (kernels_base.cpp, kernels_avx2.cpp) with JF_ARCH naming a
// namespace of its own, so that no function here is shared between differently compiled files.
//
// Pipeline of one band of output rows (bands are fixed by image size and radius, never by the
// thread count, so every thread count gives bit-identical results):
//   pass 1, per a/b row t:  moments of the entering/leaving source rows -> vertical running
//           column sums -> horizontal running sums -> per-pixel regularised solve -> a/b row
//           into a ring of 2r+2 rows;
//   pass 2, per output row y: vertical running sums over the a/b ring -> horizontal running
//           sums -> q = mean(a) . I + mean(b), converted to the output type.
// Scratch is O(width x radius) per worker; no full-size intermediate image exists.
//
// Numerics: every sum is accumulated in double. For uint8/uint16 input the sums are integers
// below 2^53 and therefore exact; for float32 input the running sums carry ~1e-16 relative
// error, far below float32 output resolution. Variances are clamped at zero.
#ifndef JF_ARCH
#error "define JF_ARCH before including kernels_impl.hpp"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernel_job.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace JF_ARCH {
namespace {

// ---------------------------------------------------------------------------------------------
// element conversion

inline double load(const void* row, DType t, int64_t i) {
    switch (t) {
        case DType::u8:
            return static_cast<const uint8_t*>(row)[i];
        case DType::u16:
            return static_cast<const uint16_t*>(row)[i];
        default:
            return static_cast<const float*>(row)[i];
    }
}

template <typename T>
void deinterleave_typed(const T* src, int64_t width, int64_t channels, double* planes) {
    for (int64_t c = 0; c < channels; ++c) {
        double* plane = planes + c * width;
        for (int64_t x = 0; x < width; ++x) plane[x] = static_cast<double>(src[x * channels + c]);
    }
}

/// Row y of an image as double planes [channels][width].
void load_planes(const ImageView& img, int64_t y, double* planes) {
    switch (img.dtype) {
        case DType::u8:
            deinterleave_typed(img.row<const uint8_t>(y), img.width, img.channels, planes);
            break;
        case DType::u16:
            deinterleave_typed(img.row<const uint16_t>(y), img.width, img.channels, planes);
            break;
        case DType::f32:
            deinterleave_typed(img.row<const float>(y), img.width, img.channels, planes);
            break;
    }
}

template <typename T>
inline T saturate(double v);
template <>
inline float saturate<float>(double v) {
    return static_cast<float>(v);
}
template <>
inline uint8_t saturate<uint8_t>(double v) {
    v = std::nearbyint(v);  // round half to even, as numpy.rint and OpenCV's saturate_cast
    return v >= 255.0 ? 255 : (v > 0.0 ? static_cast<uint8_t>(v) : 0);  // NaN -> 0
}
template <>
inline uint16_t saturate<uint16_t>(double v) {
    v = std::nearbyint(v);
    return v >= 65535.0 ? 65535 : (v > 0.0 ? static_cast<uint16_t>(v) : 0);
}

template <typename T>
void store_typed(const double* planes, int64_t width, int64_t channels, T* dst) {
    for (int64_t c = 0; c < channels; ++c) {
        const double* plane = planes + c * width;
        for (int64_t x = 0; x < width; ++x) dst[x * channels + c] = saturate<T>(plane[x]);
    }
}

/// Write double planes [channels][width] into row y of the output image.
void store_planes(const ImageView& img, int64_t y, const double* planes) {
    switch (img.dtype) {
        case DType::u8:
            store_typed(planes, img.width, img.channels, img.row<uint8_t>(y));
            break;
        case DType::u16:
            store_typed(planes, img.width, img.channels, img.row<uint16_t>(y));
            break;
        case DType::f32:
            store_typed(planes, img.width, img.channels, img.row<float>(y));
            break;
    }
}

// ---------------------------------------------------------------------------------------------
// sliding sums

/// Vertical running column sums of K channels, AoS [W + 1][K]; column W stays zero and stands
/// for "outside the image" in the clipped border.
template <int K>
struct ColumnSums {
    double* col;
    int64_t width;

    void reset() { std::memset(col, 0, sizeof(double) * (width + 1) * K); }

    /// A NaN or Inf that entered a running sum never leaves it, so checking the sums once at
    /// the end of a band detects every non-finite input the band read.
    bool finite() const {
        double acc = 0.0;
        for (int64_t i = 0; i < width * K; ++i) acc += col[i] * 0.0;
        return acc == 0.0;
    }

    void add(const double* row, double weight) {
        const int64_t n = width * K;
        for (int64_t i = 0; i < n; ++i) col[i] += weight * row[i];
    }

    /// col += in - out; either row may be absent (clipped border).
    void slide(const double* in, const double* out) {
        const int64_t n = width * K;
        if (in && out) {
            for (int64_t i = 0; i < n; ++i) col[i] += in[i] - out[i];
        } else if (in) {
            for (int64_t i = 0; i < n; ++i) col[i] += in[i];
        } else if (out) {
            for (int64_t i = 0; i < n; ++i) col[i] -= out[i];
        }
    }

    /// Horizontal window sums of the current column sums, written SoA [K][W].
    void horizontal(const AxisSpec& cols, const InitList& init, double* win) const {
        double s[K];
        for (int k = 0; k < K; ++k) s[k] = 0.0;
        for (int64_t i = 0; i < init.size; ++i) {
            const double* c = col + init.index[i] * K;
            for (int k = 0; k < K; ++k) s[k] += init.weight[i] * c[k];
        }
        for (int k = 0; k < K; ++k) win[k * width] = s[k];
        const int64_t none = width;  // the zero column
        for (int64_t x = 1; x < width; ++x) {
            const int64_t e = cols.enter[x] < 0 ? none : cols.enter[x];
            const int64_t l = cols.leave[x] < 0 ? none : cols.leave[x];
            const double* a = col + e * K;
            const double* b = col + l * K;
            for (int k = 0; k < K; ++k) {
                s[k] += a[k] - b[k];
                win[k * width + x] = s[k];
            }
        }
    }
};

// ---------------------------------------------------------------------------------------------
// box filter

template <int K>
struct BoxBand {
    const BoxJob& job;
    double* planes;  // K x W source row
    double* aos_in;  // W x K
    double* aos_out;
    double* win;  // K x W
    ColumnSums<K> sums;

    BoxBand(const BoxJob& j, double* base) : job(j), sums{nullptr, j.src.width} {
        const int64_t w = j.src.width;
        planes = base;
        aos_in = planes + K * w;
        aos_out = aos_in + K * w;
        win = aos_out + K * w;
        sums.col = win + K * w;
    }

    const double* row_aos(int64_t y, double* buf) {
        if (y < 0) return nullptr;
        load_planes(job.src, y, planes);
        const int64_t w = job.src.width;
        for (int64_t x = 0; x < w; ++x)
            for (int k = 0; k < K; ++k) buf[x * K + k] = planes[k * w + x];
        return buf;
    }

    void run(int64_t band) {
        const int64_t h = job.src.height, w = job.src.width;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
        sums.reset();
        const InitList& init = job.band_init[band];
        for (int64_t i = 0; i < init.size; ++i) sums.add(row_aos(init.index[i], aos_in), init.weight[i]);
        for (int64_t y = y0; y < y1; ++y) {
            if (y > y0) sums.slide(row_aos(job.rows.enter[y], aos_in), row_aos(job.rows.leave[y], aos_out));
            sums.horizontal(job.cols, job.col_init, win);
            const double ry = job.rows.count[y];
            for (int k = 0; k < K; ++k)
                for (int64_t x = 0; x < w; ++x) win[k * w + x] /= ry * job.cols.count[x];
            store_planes(job.dst, y, win);
        }
        if (!sums.finite()) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
    }
};

template <int K>
void box_task(void* ctx, int64_t band, int worker) {
    const BoxJob& job = *static_cast<const BoxJob*>(ctx);
    BoxBand<K> b(job, job.scratch[worker].base);
    b.run(band);
}

// ---------------------------------------------------------------------------------------------
// guided filter

/// Moment layout of the first pass (see moment_count): gray guide (CG == 1)
///   0: I, 1: I*I, 2 + c: p_c, 2 + C + c: I*p_c
/// colour guide (CG == 3)
///   0..2: I_0..I_2, 3..8: I0I0 I0I1 I0I2 I1I1 I1I2 I2I2, 9 + 4c: p_c, 10 + 4c + g: I_g*p_c
template <int CG, int C>
struct GuidedShape {
    static constexpr int K1 = CG == 1 ? 2 + 2 * C : 9 + 4 * C;  // first-pass channels
    static constexpr int KAB = C * (CG + 1);                    // a_0..a_{CG-1}, b per channel
};

template <int CG, int C>
struct GuidedBand {
    using S = GuidedShape<CG, C>;
    static constexpr int K1 = S::K1;
    static constexpr int KAB = S::KAB;

    const GuidedJob& job;
    int64_t w;
    double* gplanes;  // CG x W
    double* pplanes;  // C x W
    double* mom_in;   // W x K1
    double* mom_out;  // W x K1
    double* win1;     // K1 x W
    double* ring;     // ring_rows x W x KAB
    double* win2;     // KAB x W
    double* outp;     // C x W
    ColumnSums<K1> sums1;
    ColumnSums<KAB> sums2;

    GuidedBand(const GuidedJob& j, double* base)
        : job(j), w(j.guide.width), sums1{nullptr, w}, sums2{nullptr, w} {
        double* p = base;
        gplanes = p, p += CG * w;
        pplanes = p, p += C * w;
        mom_in = p, p += K1 * w;
        mom_out = p, p += K1 * w;
        win1 = p, p += K1 * w;
        sums1.col = p, p += K1 * (w + 1);
        ring = p, p += job.ring_rows * w * KAB;
        win2 = p, p += KAB * w;
        sums2.col = p, p += KAB * (w + 1);
        outp = p;
    }

    /// Per-pixel moments of source row t (AoS W x K1), or null for a clipped-away row.
    const double* moments(int64_t t, double* m) {
        if (t < 0) return nullptr;
        load_planes(job.guide, t, gplanes);
        load_planes(job.target, t, pplanes);
        for (int64_t x = 0; x < w; ++x) {
            double* o = m + x * K1;
            if (CG == 1) {
                const double i = gplanes[x];
                o[0] = i;
                o[1] = i * i;
                for (int c = 0; c < C; ++c) {
                    const double p = pplanes[c * w + x];
                    o[2 + c] = p;
                    o[2 + C + c] = i * p;
                }
            } else {
                const double i0 = gplanes[x], i1 = gplanes[w + x], i2 = gplanes[2 * w + x];
                o[0] = i0, o[1] = i1, o[2] = i2;
                o[3] = i0 * i0, o[4] = i0 * i1, o[5] = i0 * i2;
                o[6] = i1 * i1, o[7] = i1 * i2, o[8] = i2 * i2;
                for (int c = 0; c < C; ++c) {
                    const double p = pplanes[c * w + x];
                    o[9 + 4 * c] = p;
                    o[10 + 4 * c] = i0 * p;
                    o[11 + 4 * c] = i1 * p;
                    o[12 + 4 * c] = i2 * p;
                }
            }
        }
        return m;
    }

    /// Solve the regularised least-squares fit of every window of a/b row t (SoA win1 -> AoS).
    void solve(int64_t t, double* ab) const {
        const double ry = job.rows.count[t];
        const double eps = job.eps;
        for (int64_t x = 0; x < w; ++x) {
            const double inv_n = 1.0 / (ry * job.cols.count[x]);
            double* o = ab + x * KAB;
            if (CG == 1) {
                const double mi = win1[x] * inv_n;
                double var = win1[w + x] * inv_n - mi * mi;
                var = var > 0.0 ? var : 0.0;
                const double denom = var + eps;
                for (int c = 0; c < C; ++c) {
                    const double mp = win1[(2 + c) * w + x] * inv_n;
                    const double cov = win1[(2 + C + c) * w + x] * inv_n - mi * mp;
                    const double a = cov / denom;
                    o[2 * c] = a;
                    o[2 * c + 1] = mp - a * mi;
                }
            } else {
                const double m0 = win1[x] * inv_n, m1 = win1[w + x] * inv_n, m2 = win1[2 * w + x] * inv_n;
                double s00 = win1[3 * w + x] * inv_n - m0 * m0;
                const double s01 = win1[4 * w + x] * inv_n - m0 * m1;
                const double s02 = win1[5 * w + x] * inv_n - m0 * m2;
                double s11 = win1[6 * w + x] * inv_n - m1 * m1;
                const double s12 = win1[7 * w + x] * inv_n - m1 * m2;
                double s22 = win1[8 * w + x] * inv_n - m2 * m2;
                s00 = (s00 > 0.0 ? s00 : 0.0) + eps;
                s11 = (s11 > 0.0 ? s11 : 0.0) + eps;
                s22 = (s22 > 0.0 ? s22 : 0.0) + eps;
                // symmetric inverse by cofactors; in double the cancellation of near-singular
                // colour windows stays ~1e-10 relative even for eps = 1e-6 on [0, 1] data
                const double c00 = s11 * s22 - s12 * s12;
                const double c01 = s02 * s12 - s01 * s22;
                const double c02 = s01 * s12 - s02 * s11;
                const double c11 = s00 * s22 - s02 * s02;
                const double c12 = s01 * s02 - s00 * s12;
                const double c22 = s00 * s11 - s01 * s01;
                const double inv_det = 1.0 / (s00 * c00 + s01 * c01 + s02 * c02);
                for (int c = 0; c < C; ++c) {
                    const int b = 9 + 4 * c;
                    const double mp = win1[b * w + x] * inv_n;
                    const double v0 = win1[(b + 1) * w + x] * inv_n - m0 * mp;
                    const double v1 = win1[(b + 2) * w + x] * inv_n - m1 * mp;
                    const double v2 = win1[(b + 3) * w + x] * inv_n - m2 * mp;
                    const double a0 = (c00 * v0 + c01 * v1 + c02 * v2) * inv_det;
                    const double a1 = (c01 * v0 + c11 * v1 + c12 * v2) * inv_det;
                    const double a2 = (c02 * v0 + c12 * v1 + c22 * v2) * inv_det;
                    o[4 * c] = a0;
                    o[4 * c + 1] = a1;
                    o[4 * c + 2] = a2;
                    o[4 * c + 3] = mp - (a0 * m0 + a1 * m1 + a2 * m2);
                }
            }
        }
    }

    double* ring_row(int64_t t) const { return ring + (t % job.ring_rows) * w * KAB; }

    void run(int64_t band) {
        const int64_t h = job.guide.height;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;

        // pass 1 state: a/b rows are produced in order from `first` on
        int64_t next_ab = job.pass1_first[band];
        auto produce_until = [&](int64_t last) {
            for (; next_ab <= last; ++next_ab) {
                const int64_t t = next_ab;
                if (t == job.pass1_first[band]) {
                    sums1.reset();
                    const InitList& init = job.pass1_init[band];
                    for (int64_t i = 0; i < init.size; ++i)
                        sums1.add(moments(init.index[i], mom_in), init.weight[i]);
                } else {
                    sums1.slide(moments(job.rows.enter[t], mom_in), moments(job.rows.leave[t], mom_out));
                }
                sums1.horizontal(job.cols, job.col_init, win1);
                solve(t, ring_row(t));
            }
        };
        auto last_needed = [&](int64_t y) {
            const int64_t r = job.rows.radius;
            return (r >= h || y + r >= h) ? h - 1 : y + r;
        };

        for (int64_t y = y0; y < y1; ++y) {
            produce_until(last_needed(y));
            if (y == y0) {
                sums2.reset();
                const InitList& init = job.pass2_init[band];
                for (int64_t i = 0; i < init.size; ++i) sums2.add(ring_row(init.index[i]), init.weight[i]);
            } else {
                const int64_t e = job.rows.enter[y], l = job.rows.leave[y];
                sums2.slide(e < 0 ? nullptr : ring_row(e), l < 0 ? nullptr : ring_row(l));
            }
            sums2.horizontal(job.cols, job.col_init, win2);
            const double ry = job.rows.count[y];
            if (job.coef) {  // fast guided filter: keep the mean coefficients
                double* dst = job.coef + y * w * KAB;
                for (int64_t x = 0; x < w; ++x) {
                    const double inv_n = 1.0 / (ry * job.cols.count[x]);
                    for (int k = 0; k < KAB; ++k) dst[x * KAB + k] = win2[k * w + x] * inv_n;
                }
                continue;
            }
            load_planes(job.guide, y, gplanes);
            for (int c = 0; c < C; ++c) {
                const double* ab = win2 + c * (CG + 1) * w;
                double* q = outp + c * w;
                for (int64_t x = 0; x < w; ++x) {
                    double acc = ab[CG * w + x];
                    for (int g = 0; g < CG; ++g) acc += ab[g * w + x] * gplanes[g * w + x];
                    q[x] = acc / (ry * job.cols.count[x]);
                }
            }
            store_planes(job.dst, y, outp);
        }
        if (!sums1.finite() || !sums2.finite()) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
    }
};

template <int CG, int C>
void guided_task(void* ctx, int64_t band, int worker) {
    const GuidedJob& job = *static_cast<const GuidedJob*>(ctx);
    GuidedBand<CG, C> b(job, job.scratch[worker].base);
    b.run(band);
}

// ---------------------------------------------------------------------------------------------
// fast guided filter: bilinear upsampling of the mean coefficients, applied to the full guide

void upsample_task(void* ctx, int64_t band, int worker) {
    const UpsampleJob& job = *static_cast<const UpsampleJob*>(ctx);
    const int64_t h = job.guide.height, w = job.guide.width;
    const int64_t cg = job.guide.channels, ct = job.target_channels;
    const int64_t kab = ct * (cg + 1);
    double* gplanes = job.scratch[worker].base;  // cg x W
    double* rowc = gplanes + cg * w;             // W x kab (coefficients of this row)
    double* outp = rowc + w * kab;               // ct x W
    const int64_t y0 = band * job.band_rows;
    const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
    for (int64_t y = y0; y < y1; ++y) {
        const int64_t sy0 = job.y0[y];
        const int64_t sy1 = sy0 + 1 < job.low_h ? sy0 + 1 : job.low_h - 1;
        const double fy = job.fy[y];
        const double* r0 = job.coef + sy0 * job.low_w * kab;
        const double* r1 = job.coef + sy1 * job.low_w * kab;
        for (int64_t x = 0; x < w; ++x) {
            const int64_t sx0 = job.x0[x];
            const int64_t sx1 = sx0 + 1 < job.low_w ? sx0 + 1 : job.low_w - 1;
            const double fx = job.fx[x];
            for (int64_t k = 0; k < kab; ++k) {
                // rows first, then columns: the order of OpenCV's separable INTER_LINEAR
                const double top = r0[sx0 * kab + k] + fx * (r0[sx1 * kab + k] - r0[sx0 * kab + k]);
                const double bot = r1[sx0 * kab + k] + fx * (r1[sx1 * kab + k] - r1[sx0 * kab + k]);
                rowc[x * kab + k] = top + fy * (bot - top);
            }
        }
        load_planes(job.guide, y, gplanes);
        for (int64_t c = 0; c < ct; ++c) {
            for (int64_t x = 0; x < w; ++x) {
                const double* ab = rowc + x * kab + c * (cg + 1);
                double acc = ab[cg];
                for (int64_t g = 0; g < cg; ++g) acc += ab[g] * gplanes[g * w + x];
                outp[c * w + x] = acc;
            }
        }
        store_planes(job.dst, y, outp);
    }
}

template <int CG>
TaskFn guided_task_for(int64_t c) {
    switch (c) {
        case 1:
            return &guided_task<CG, 1>;
        case 2:
            return &guided_task<CG, 2>;
        case 3:
            return &guided_task<CG, 3>;
        default:
            return &guided_task<CG, 4>;
    }
}

}  // namespace

void run_box(const BoxJob& job) {
    TaskFn fn = nullptr;
    switch (job.src.channels) {
        case 1:
            fn = &box_task<1>;
            break;
        case 2:
            fn = &box_task<2>;
            break;
        case 3:
            fn = &box_task<3>;
            break;
        default:
            fn = &box_task<4>;
            break;
    }
    parallel_for(job.n_bands, job.workers, fn, const_cast<BoxJob*>(&job));
}

void run_guided(const GuidedJob& job) {
    const TaskFn fn = job.guide.channels == 1 ? guided_task_for<1>(job.target.channels)
                                              : guided_task_for<3>(job.target.channels);
    parallel_for(job.n_bands, job.workers, fn, const_cast<GuidedJob*>(&job));
}

void run_upsample(const UpsampleJob& job) {
    parallel_for(job.n_bands, job.workers, &upsample_task, const_cast<UpsampleJob*>(&job));
}

}  // namespace JF_ARCH
}  // namespace jointfilter
