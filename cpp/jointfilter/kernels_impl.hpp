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
void deinterleave_typed(const T* src, int64_t n, int64_t channels, double* planes, int64_t ld) {
    for (int64_t c = 0; c < channels; ++c) {
        double* plane = planes + c * ld;
        for (int64_t x = 0; x < n; ++x) plane[x] = static_cast<double>(src[x * channels + c]);
    }
}

/// Columns [x0, x0 + n) of row y as double planes: channel c at planes[c * ld + i].
void load_planes(const ImageView& img, int64_t y, int64_t x0, int64_t n, double* planes, int64_t ld) {
    const int64_t off = x0 * img.channels;
    switch (img.dtype) {
        case DType::u8:
            deinterleave_typed(img.row<const uint8_t>(y) + off, n, img.channels, planes, ld);
            break;
        case DType::u16:
            deinterleave_typed(img.row<const uint16_t>(y) + off, n, img.channels, planes, ld);
            break;
        case DType::f32:
            deinterleave_typed(img.row<const float>(y) + off, n, img.channels, planes, ld);
            break;
    }
}

/// Row y of an image as double planes [channels][width].
void load_planes(const ImageView& img, int64_t y, double* planes) {
    load_planes(img, y, 0, img.width, planes, img.width);
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
//
// All row data is planar (SoA): channel k of a row of width w lives at [k * stride + x], so
// every per-pixel loop runs over x and vectorises. Column sums keep one extra zero entry at
// x = w that stands for "outside the image" in the clipped border.

/// Vertical running column sums of K channels, SoA [K][w + 1].
template <int K>
struct ColumnSums {
    double* col;
    int64_t width;

    int64_t stride() const { return width + 1; }
    void reset() { std::memset(col, 0, sizeof(double) * stride() * K); }

    /// A NaN or Inf that entered a running sum never leaves it, so checking the sums once at
    /// the end of a band detects every non-finite input the band read.
    bool finite() const {
        double acc = 0.0;
        for (int64_t i = 0; i < stride() * K; ++i) acc += col[i] * 0.0;
        return acc == 0.0;
    }

    /// col += weight * rows (rows: SoA [K][width]).
    void add(const double* rows, double weight) {
        for (int k = 0; k < K; ++k) {
            double* c = col + k * stride();
            const double* r = rows + k * width;
            for (int64_t x = 0; x < width; ++x) c[x] += weight * r[x];
        }
    }

    /// col += in - out; either may be absent (clipped border). Rows are SoA [K][width].
    void slide(const double* in, const double* out) {
        for (int k = 0; k < K; ++k) {
            double* c = col + k * stride();
            const double* a = in ? in + k * width : nullptr;
            const double* b = out ? out + k * width : nullptr;
            if (a && b) {
                for (int64_t x = 0; x < width; ++x) c[x] += a[x] - b[x];
            } else if (a) {
                for (int64_t x = 0; x < width; ++x) c[x] += a[x];
            } else if (b) {
                for (int64_t x = 0; x < width; ++x) c[x] -= b[x];
            }
        }
    }

    /// Horizontal window sums of the column sums, SoA [K][width]. Four channels run side by
    /// side so that their dependency chains overlap.
    void horizontal(const AxisSpec& cols, const InitList& init, double* win) const {
        double s[K];
        horizontal_range(cols, init, 0, width, s, win, width);
    }

    /// Window sums for columns [x0, x1) into win[k * ld + (x - x0)]; `s` carries the running
    /// sums from one range to the next (x0 == 0 starts them from the window of column 0).
    void horizontal_range(const AxisSpec& cols, const InitList& init, int64_t x0, int64_t x1, double* s,
                          double* win, int64_t ld) const {
        int k = 0;
        for (; k + 4 <= K; k += 4) horizontal_group<4>(k, cols, init, x0, x1, s + k, win + k * ld, ld);
        for (; k < K; ++k) horizontal_group<1>(k, cols, init, x0, x1, s + k, win + k * ld, ld);
    }

    template <int G>
    void horizontal_group(int k0, const AxisSpec& cols, const InitList& init, int64_t x0, int64_t x1,
                          double* state, double* o, int64_t ld) const {
        const int64_t cs = stride();
        const double* c = col + k0 * cs;
        double s[G];
        int64_t x = x0;
        if (x0 == 0) {
            for (int g = 0; g < G; ++g) s[g] = 0.0;
            for (int64_t i = 0; i < init.size; ++i)
                for (int g = 0; g < G; ++g) s[g] += init.weight[i] * c[g * cs + init.index[i]];
            for (int g = 0; g < G; ++g) o[g * ld] = s[g];
            x = 1;
        } else {
            for (int g = 0; g < G; ++g) s[g] = state[g];
        }
        const int64_t none = width;  // the zero entry
        for (; x < x1; ++x) {
            const int64_t e = cols.enter[x] < 0 ? none : cols.enter[x];
            const int64_t l = cols.leave[x] < 0 ? none : cols.leave[x];
            for (int g = 0; g < G; ++g) {
                s[g] += c[g * cs + e] - c[g * cs + l];
                o[g * ld + (x - x0)] = s[g];
            }
        }
        for (int g = 0; g < G; ++g) state[g] = s[g];
    }
};

// ---------------------------------------------------------------------------------------------
// box filter

template <int K>
struct BoxBand {
    const BoxJob& job;
    double* in;   // K x W source row
    double* out;  // K x W leaving row
    double* win;  // K x W
    ColumnSums<K> sums;

    BoxBand(const BoxJob& j, double* base) : job(j), sums{nullptr, j.src.width} {
        const int64_t w = j.src.width;
        in = base;
        out = in + K * w;
        win = out + K * w;
        sums.col = win + K * w;
    }

    const double* row(int64_t y, double* buf) {
        if (y < 0) return nullptr;
        load_planes(job.src, y, buf);
        return buf;
    }

    void run(int64_t band) {
        const int64_t h = job.src.height, w = job.src.width;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
        sums.reset();
        const InitList& init = job.band_init[band];
        for (int64_t i = 0; i < init.size; ++i) sums.add(row(init.index[i], in), init.weight[i]);
        for (int64_t y = y0; y < y1; ++y) {
            if (y > y0) sums.slide(row(job.rows.enter[y], in), row(job.rows.leave[y], out));
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
/// Each moment is u_i * u_j over the planes u = (I_0..I_{CG-1}, p_0..p_{C-1}); j < 0 means u_i.
template <int CG, int C>
struct GuidedShape {
    static constexpr int K1 = CG == 1 ? 2 + 2 * C : 9 + 4 * C;  // first-pass channels
    static constexpr int KAB = C * (CG + 1);                    // a_0..a_{CG-1}, b per channel
    static constexpr int NU = CG + C;                           // planes per source row

    static constexpr void pair(int k, int& i, int& j) {
        if (CG == 1) {
            if (k == 0)
                i = 0, j = -1;
            else if (k == 1)
                i = 0, j = 0;
            else if (k < 2 + C)
                i = 1 + (k - 2), j = -1;
            else
                i = 0, j = 1 + (k - 2 - C);
        } else {
            constexpr int pi[9] = {0, 1, 2, 0, 0, 0, 1, 1, 2};
            constexpr int pj[9] = {-1, -1, -1, 0, 1, 2, 1, 2, 2};
            if (k < 9) {
                i = pi[k], j = pj[k];
            } else {
                const int c = (k - 9) / 4, r = (k - 9) % 4;
                if (r == 0)
                    i = 3 + c, j = -1;
                else
                    i = r - 1, j = 3 + c;
            }
        }
    }
};

template <int CG, int C>
struct GuidedBand {
    using S = GuidedShape<CG, C>;
    static constexpr int K1 = S::K1;
    static constexpr int KAB = S::KAB;
    static constexpr int NU = S::NU;
    static constexpr int64_t kBlock = 256;  // columns per block of pass 1

    const GuidedJob& job;
    int64_t w;
    double* u_in;   // NU x kBlock planes of the entering source row (also: guide row, pass 2)
    double* u_out;  // NU x kBlock planes of the leaving source row
    double* win1;   // K1 x kBlock window sums of one block
    double* ring;   // ring_rows x KAB x W
    double* win2;   // KAB x W
    double* outp;   // C x W
    ColumnSums<K1> sums1;
    ColumnSums<KAB> sums2;

    GuidedBand(const GuidedJob& j, double* base)
        : job(j), w(j.guide.width), sums1{nullptr, w}, sums2{nullptr, w} {
        double* p = base;
        u_in = p, p += NU * (w > kBlock ? w : kBlock);
        u_out = p, p += NU * kBlock;
        win1 = p, p += K1 * kBlock;
        sums1.col = p, p += K1 * (w + 1);
        ring = p, p += job.ring_rows * w * KAB;
        win2 = p, p += KAB * w;
        sums2.col = p, p += KAB * (w + 1);
        outp = p;
    }

    /// Columns [x0, x0 + n) of source row t as planes (guide then target, stride kBlock), or
    /// null for a clipped-away row.
    const double* planes(int64_t t, int64_t x0, int64_t n, double* u) const {
        if (t < 0) return nullptr;
        load_planes(job.guide, t, x0, n, u, kBlock);
        load_planes(job.target, t, x0, n, u + CG * kBlock, kBlock);
        return u;
    }

    /// col_k += weight * m_k(row) over columns [x0, x0 + n): sets up a band's first window.
    void add_moments(const double* u, int64_t x0, int64_t n, double weight) {
        const int64_t ld = sums1.stride();
        for (int k = 0; k < K1; ++k) {
            int i = 0, j = 0;
            S::pair(k, i, j);
            double* c = sums1.col + k * ld + x0;
            const double* a = u + i * kBlock;
            if (j < 0) {
                for (int64_t x = 0; x < n; ++x) c[x] += weight * a[x];
            } else {
                const double* b = u + j * kBlock;
                for (int64_t x = 0; x < n; ++x) c[x] += weight * (a[x] * b[x]);
            }
        }
    }

    /// col_k += m_k(in) - m_k(out) over columns [x0, x0 + n), moments formed on the fly.
    void slide_moments(const double* in, const double* out, int64_t x0, int64_t n) {
        if (!in && !out) return;
        const int64_t ld = sums1.stride();
        for (int k = 0; k < K1; ++k) {
            int i = 0, j = 0;
            S::pair(k, i, j);
            double* c = sums1.col + k * ld + x0;
            if (in && out) {
                const double *ai = in + i * kBlock, *ao = out + i * kBlock;
                if (j < 0) {
                    for (int64_t x = 0; x < n; ++x) c[x] += ai[x] - ao[x];
                } else {
                    const double *bi = in + j * kBlock, *bo = out + j * kBlock;
                    for (int64_t x = 0; x < n; ++x) c[x] += ai[x] * bi[x] - ao[x] * bo[x];
                }
            } else {
                const double* u = in ? in : out;
                const double sign = in ? 1.0 : -1.0;
                const double* a = u + i * kBlock;
                if (j < 0) {
                    for (int64_t x = 0; x < n; ++x) c[x] += sign * a[x];
                } else {
                    const double* b = u + j * kBlock;
                    for (int64_t x = 0; x < n; ++x) c[x] += sign * (a[x] * b[x]);
                }
            }
        }
    }

    /// Regularised least-squares fit of the windows of a/b row t at columns [x0, x0 + n):
    /// win1 (block, stride kBlock) -> ab (SoA [KAB][W]).
    void solve(int64_t t, int64_t x0, int64_t n, double* ab) const {
        const double ry = job.rows.count[t];
        const double eps = job.eps;
        const double* cnt = job.cols.count + x0;
        ab += x0;
        const double* wk[K1];
        for (int k = 0; k < K1; ++k) wk[k] = win1 + k * kBlock;
        if (CG == 1) {
            for (int64_t x = 0; x < n; ++x) {
                const double inv_n = 1.0 / (ry * cnt[x]);
                const double mi = wk[0][x] * inv_n;
                const double v = wk[1][x] * inv_n - mi * mi;
                const double denom = (v > 0.0 ? v : 0.0) + eps;
                for (int c = 0; c < C; ++c) {
                    const double mp = wk[2 + c][x] * inv_n;
                    const double a = (wk[2 + C + c][x] * inv_n - mi * mp) / denom;
                    ab[(2 * c) * w + x] = a;
                    ab[(2 * c + 1) * w + x] = mp - a * mi;
                }
            }
            return;
        }
        for (int64_t x = 0; x < n; ++x) {
            const double inv_n = 1.0 / (ry * cnt[x]);
            const double m0 = wk[0][x] * inv_n, m1 = wk[1][x] * inv_n, m2 = wk[2][x] * inv_n;
            double s00 = wk[3][x] * inv_n - m0 * m0;
            const double s01 = wk[4][x] * inv_n - m0 * m1;
            const double s02 = wk[5][x] * inv_n - m0 * m2;
            double s11 = wk[6][x] * inv_n - m1 * m1;
            const double s12 = wk[7][x] * inv_n - m1 * m2;
            double s22 = wk[8][x] * inv_n - m2 * m2;
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
                const double mp = wk[b][x] * inv_n;
                const double v0 = wk[b + 1][x] * inv_n - m0 * mp;
                const double v1 = wk[b + 2][x] * inv_n - m1 * mp;
                const double v2 = wk[b + 3][x] * inv_n - m2 * mp;
                const double a0 = (c00 * v0 + c01 * v1 + c02 * v2) * inv_det;
                const double a1 = (c01 * v0 + c11 * v1 + c12 * v2) * inv_det;
                const double a2 = (c02 * v0 + c12 * v1 + c22 * v2) * inv_det;
                ab[(4 * c) * w + x] = a0;
                ab[(4 * c + 1) * w + x] = a1;
                ab[(4 * c + 2) * w + x] = a2;
                ab[(4 * c + 3) * w + x] = mp - (a0 * m0 + a1 * m1 + a2 * m2);
            }
        }
    }

    /// One a/b row: vertical update, horizontal sums and solve, column block by column block so
    /// that a block's sums are still in L1 when the next stage reads them. The vertical update
    /// runs one block ahead because a window reaches r columns to the right (blocking is used
    /// only when r < kBlock - 1; otherwise the row is one block).
    void produce(int64_t t, int64_t band) {
        const int64_t block = job.cols.radius + 1 < kBlock ? kBlock : w;
        const int64_t n_blocks = (w + block - 1) / block;
        const bool first = t == job.pass1_first[band];
        auto vertical = [&](int64_t bx) {
            const int64_t x0 = bx * block, n = x0 + block < w ? block : w - x0;
            for (int64_t s0 = 0; s0 < n; s0 += kBlock) {  // planes hold kBlock columns
                const int64_t m = n - s0 < kBlock ? n - s0 : kBlock;
                if (first) {
                    const InitList& init = job.pass1_init[band];
                    for (int64_t i = 0; i < init.size; ++i)
                        add_moments(planes(init.index[i], x0 + s0, m, u_in), x0 + s0, m, init.weight[i]);
                } else {
                    slide_moments(planes(job.rows.enter[t], x0 + s0, m, u_in),
                                  planes(job.rows.leave[t], x0 + s0, m, u_out), x0 + s0, m);
                }
            }
        };
        if (first) sums1.reset();
        double state[K1];
        vertical(0);
        for (int64_t bx = 0; bx < n_blocks; ++bx) {
            if (bx + 1 < n_blocks) vertical(bx + 1);
            const int64_t x0 = bx * block, x1 = x0 + block < w ? x0 + block : w;
            for (int64_t s0 = x0; s0 < x1; s0 += kBlock) {  // win1 holds kBlock columns
                const int64_t s1 = s0 + kBlock < x1 ? s0 + kBlock : x1;
                sums1.horizontal_range(job.cols, job.col_init, s0, s1, state, win1, kBlock);
                solve(t, s0, s1 - s0, ring_row(t));
            }
        }
    }

    double* ring_row(int64_t t) const { return ring + (t % job.ring_rows) * w * KAB; }

    void run(int64_t band) {
        const int64_t h = job.guide.height;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;

        // pass 1 state: a/b rows are produced in order from the band's first one on
        int64_t next_ab = job.pass1_first[band];
        auto produce_until = [&](int64_t last) {
            for (; next_ab <= last; ++next_ab) produce(next_ab, band);
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
            const double* cnt = job.cols.count;
            if (job.coef) {  // fast guided filter: keep the mean coefficients, [y][x][KAB]
                double* dst = job.coef + y * w * KAB;
                for (int64_t x = 0; x < w; ++x) {
                    const double inv_n = 1.0 / (ry * cnt[x]);
                    for (int k = 0; k < KAB; ++k) dst[x * KAB + k] = win2[k * w + x] * inv_n;
                }
                continue;
            }
            load_planes(job.guide, y, u_in);
            for (int c = 0; c < C; ++c) {
                const double* ab = win2 + c * (CG + 1) * w;
                double* q = outp + c * w;
                for (int64_t x = 0; x < w; ++x) {
                    double acc = ab[CG * w + x];
                    for (int g = 0; g < CG; ++g) acc += ab[g * w + x] * u_in[g * w + x];
                    q[x] = acc / (ry * cnt[x]);
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
