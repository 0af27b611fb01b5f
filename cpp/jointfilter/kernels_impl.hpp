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
#include <type_traits>

#include "guided_math.hpp"
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

template <typename T, int CH>
void deinterleave_fixed(const T* src, int64_t n, double* planes, int64_t ld) {
    // channel count known at compile time: the loads become shuffles instead of strided scalars
    for (int64_t x = 0; x < n; ++x)
        for (int c = 0; c < CH; ++c) planes[c * ld + x] = static_cast<double>(src[x * CH + c]);
}

typedef float v4f __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));
typedef double v4d_ __attribute__((vector_size(32)));

/// RGB float32 pixels to three double planes, four pixels per step: three loads, six shuffles.
inline void deinterleave_rgb_f32(const float* src, int64_t n, double* planes, int64_t ld) {
    int64_t x = 0;
#if !defined(__clang__)
    for (; x + 4 <= n; x += 4) {
        v4f a, b, c;  // r0 g0 b0 r1 | g1 b1 r2 g2 | b2 r3 g3 b3
        std::memcpy(&a, src + 3 * x, sizeof a);
        std::memcpy(&b, src + 3 * x + 4, sizeof b);
        std::memcpy(&c, src + 3 * x + 8, sizeof c);
        const v4f r = __builtin_shuffle(__builtin_shuffle(a, b, v4si{0, 3, 6, 0}), c, v4si{0, 1, 2, 5});
        const v4f g = __builtin_shuffle(__builtin_shuffle(a, b, v4si{1, 4, 7, 0}), c, v4si{0, 1, 2, 6});
        const v4f bl = __builtin_shuffle(__builtin_shuffle(a, b, v4si{2, 5, 0, 0}), c, v4si{0, 1, 4, 7});
        const v4d_ rd = __builtin_convertvector(r, v4d_), gd = __builtin_convertvector(g, v4d_),
                   bd = __builtin_convertvector(bl, v4d_);
        std::memcpy(planes + x, &rd, sizeof rd);
        std::memcpy(planes + ld + x, &gd, sizeof gd);
        std::memcpy(planes + 2 * ld + x, &bd, sizeof bd);
    }
#endif
    for (; x < n; ++x)
        for (int c = 0; c < 3; ++c) planes[c * ld + x] = static_cast<double>(src[3 * x + c]);
}

template <typename T>
void deinterleave_typed(const T* src, int64_t n, int64_t channels, double* planes, int64_t ld) {
    if constexpr (std::is_same<T, float>::value) {
        if (channels == 3) return deinterleave_rgb_f32(src, n, planes, ld);
    }
    switch (channels) {
        case 1:
            for (int64_t x = 0; x < n; ++x) planes[x] = static_cast<double>(src[x]);
            return;
        case 2:
            return deinterleave_fixed<T, 2>(src, n, planes, ld);
        case 3:
            return deinterleave_fixed<T, 3>(src, n, planes, ld);
        case 4:
            return deinterleave_fixed<T, 4>(src, n, planes, ld);
        default:
            for (int64_t c = 0; c < channels; ++c) {
                double* plane = planes + c * ld;
                for (int64_t x = 0; x < n; ++x) plane[x] = static_cast<double>(src[x * channels + c]);
            }
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

    /// col += weight * rows (rows: SoA, channel k at rows + k * ld; ld defaults to width).
    void add(const double* rows, double weight, int64_t ld = 0) {
        if (ld == 0) ld = width;
        for (int k = 0; k < K; ++k) {
            double* c = col + k * stride();
            const double* r = rows + k * ld;
            for (int64_t x = 0; x < width; ++x) c[x] += weight * r[x];
        }
    }

    /// col += in - out; either may be absent (clipped border). Rows as in add().
    void slide(const double* in, const double* out, int64_t ld = 0) {
        if (ld == 0) ld = width;
        for (int k = 0; k < K; ++k) {
            double* c = col + k * stride();
            const double* a = in ? in + k * ld : nullptr;
            const double* b = out ? out + k * ld : nullptr;
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

/// Shape of the guided filter's passes for a CG-channel guide and a C-channel target.
template <int CG, int C>
struct GuidedShape {
    static constexpr int K1 = CG == 1 ? 2 + 2 * C : 9 + 4 * C;  // first-pass moments
    static constexpr int KAB = C * (CG + 1);                    // a_0..a_{CG-1}, b per channel
    static constexpr int NU = CG + C;                           // planes per source row

    static constexpr void pair(int k, int& i, int& j) { math::moment_pair(CG, C, k, i, j); }
};

// 4-lane double vectors (GCC/Clang vector extensions; the baseline build lowers them to SSE2).
typedef double v4d __attribute__((vector_size(32)));

inline v4d loadu(const double* p) {
    v4d v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void storeu(double* p, v4d v) { std::memcpy(p, &v, sizeof v); }
inline v4d splat(double a) { return v4d{a, a, a, a}; }

#if defined(__clang__)
#define JF_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
typedef long long v4i __attribute__((vector_size(32)));
#define JF_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, v4i{i, j, k, l})
#endif

/// In-register 4x4 transpose: rows (a, b, c, d) become columns.
inline void transpose4(v4d& a, v4d& b, v4d& c, v4d& d) {
    const v4d t0 = JF_SHUFFLE(a, b, 0, 4, 2, 6), t1 = JF_SHUFFLE(a, b, 1, 5, 3, 7);
    const v4d t2 = JF_SHUFFLE(c, d, 0, 4, 2, 6), t3 = JF_SHUFFLE(c, d, 1, 5, 3, 7);
    a = JF_SHUFFLE(t0, t2, 0, 1, 4, 5);
    b = JF_SHUFFLE(t1, t3, 0, 1, 4, 5);
    c = JF_SHUFFLE(t0, t2, 2, 3, 6, 7);
    d = JF_SHUFFLE(t1, t3, 2, 3, 6, 7);
}

/// Guided filter of one band of rows.
///
/// Pass 1 produces a/b rows four at a time with the four rows in the lanes of a vector: the
/// vertical update (vectorised over x) ends with a 4x4 transpose, after which the horizontal
/// running sums and the per-window solve work on four rows at once. That turns the horizontal
/// pass, a chain of dependent additions along x, into vector work. The results go back to
/// planar a/b rows (another transpose) in a ring that pass 2 reads.
template <int CG, int C>
struct GuidedBand {
    using S = GuidedShape<CG, C>;
    static constexpr int K1 = S::K1;
    static constexpr int KAB = S::KAB;
    static constexpr int NU = S::NU;
    static constexpr int64_t kBlock = 256;  // columns per block of pass 1 (a multiple of 4)

    const GuidedJob& job;
    int64_t w;
    int64_t ldr;     // stride of a channel in a ring row
    double* u;       // 8 x NU x kBlock: planes of the 4 entering and 4 leaving rows of a block
    double* col;     // K1 x (w + 1): running column sums of the last produced row (SoA)
    v4d* snap;       // K1 x (w + 1): column sums of the 4 rows of the group (lanes = rows)
    v4d* hw;         // kBlock x K1: window sums of a block (lanes = rows)
    v4d* abw;        // kBlock x KAB: coefficients of a block (lanes = rows)
    double* ring;    // ring_rows x KAB x ldr: planar a/b rows
    double* win2;    // KAB x w
    double* outp;    // C x w
    double* gplane;  // CG x w: guide row of pass 2
    double* zeros;   // kBlock zeros: the moments of a clipped-away row
    double* ones;    // kBlock ones: second factor of a plain (non-product) moment
    ColumnSums<KAB> sums2;

    GuidedBand(const GuidedJob& j, double* base) : job(j), w(j.guide.width), sums2{nullptr, w} {
        ldr = w + 4;
        double* p = base;
        auto take = [&p](int64_t n) {
            double* q = p;
            p += (n + 3) & ~int64_t(3);  // keep every array 32-byte aligned (base is)
            return q;
        };
        snap = reinterpret_cast<v4d*>(take(4 * K1 * (w + 1)));
        hw = reinterpret_cast<v4d*>(take(4 * K1 * kBlock));
        abw = reinterpret_cast<v4d*>(take(4 * KAB * kBlock));
        u = take(8 * NU * kBlock);
        col = take(K1 * (w + 1));
        ring = take(job.ring_rows * KAB * ldr);
        win2 = take(KAB * w);
        sums2.col = take(KAB * (w + 1));
        outp = take(C * w);
        gplane = take(CG * w);
        zeros = take(kBlock);
        ones = take(kBlock);
        for (int64_t i = 0; i < kBlock; ++i) zeros[i] = 0.0, ones[i] = 1.0;
    }

    /// Scratch doubles a worker needs (kept next to the layout above).
    static int64_t scratch_doubles(int64_t w, int64_t ring_rows) {
        auto r = [](int64_t n) { return (n + 3) & ~int64_t(3); };
        return r(4 * K1 * (w + 1)) + r(4 * K1 * kBlock) + r(4 * KAB * kBlock) + r(8 * NU * kBlock) +
               r(K1 * (w + 1)) + r(ring_rows * KAB * (w + 4)) + r(KAB * w) + r(KAB * (w + 1)) + r(C * w) +
               r(CG * w) + 2 * kBlock;
    }

    double* ring_row(int64_t t) const { return ring + (t % job.ring_rows) * KAB * ldr; }
    double* plane_slot(int slot) const { return u + slot * NU * kBlock; }

    /// Columns [x0, x0 + n) of source row t as planes in `slot`, or null (clipped-away row).
    const double* planes(int64_t t, int64_t x0, int64_t n, int slot) const {
        if (t < 0) return nullptr;
        double* p = plane_slot(slot);
        load_planes(job.guide, t, x0, n, p, kBlock);
        load_planes(job.target, t, x0, n, p + CG * kBlock, kBlock);
        return p;
    }

    /// Factors of moment k over planes p: m_k = a * b (b is the ones plane for a plain
    /// channel); a missing row (null) gives the zero plane, so loops need no branches.
    void factors(const double* p, int k, const double*& a, const double*& b) const {
        if (!p) {
            a = zeros, b = zeros;
            return;
        }
        int i = 0, j = 0;
        S::pair(k, i, j);
        a = p + i * kBlock;
        b = j < 0 ? ones : p + j * kBlock;
    }

    /// Set col to the window sums of the band's first a/b row (weighted source rows).
    void init_columns(int64_t band) {
        std::memset(col, 0, sizeof(double) * K1 * (w + 1));
        const InitList& init = job.pass1_init[band];
        for (int64_t x0 = 0; x0 < w; x0 += kBlock) {
            const int64_t n = x0 + kBlock < w ? kBlock : w - x0;
            for (int64_t i = 0; i < init.size; ++i) {
                const double* p = planes(init.index[i], x0, n, 0);
                const double wt = init.weight[i];
                for (int k = 0; k < K1; ++k) {
                    const double *a, *b;
                    factors(p, k, a, b);
                    double* c = col + k * (w + 1) + x0;
                    for (int64_t x = 0; x < n; ++x) c[x] += wt * (a[x] * b[x]);
                }
            }
        }
    }

    /// Vertical update of the group's rows over block columns [x0, x0 + n): col advances to the
    /// last row of the group and snap receives every row's sums (lanes = rows).
    void vertical(int64_t x0, int64_t n, const int64_t* rows, int m, bool first_is_set) {
        const double* in[4] = {nullptr, nullptr, nullptr, nullptr};
        const double* out[4] = {nullptr, nullptr, nullptr, nullptr};
        for (int j = 0; j < m; ++j) {
            if (j == 0 && first_is_set) continue;  // col already holds this row's sums
            in[j] = planes(job.rows.enter[rows[j]], x0, n, 2 * j);
            out[j] = planes(job.rows.leave[rows[j]], x0, n, 2 * j + 1);
        }
        const int64_t n4 = n & ~int64_t(3);
        for (int k = 0; k < K1; ++k) {
            const double *ai[4], *bi[4], *ao[4], *bo[4];
            for (int j = 0; j < 4; ++j) {
                factors(in[j], k, ai[j], bi[j]);
                factors(out[j], k, ao[j], bo[j]);
            }
            double* c = col + k * (w + 1) + x0;
            v4d* sn = snap + k * (w + 1) + x0;
            for (int64_t x = 0; x < n4; x += 4) {
                v4d r[4];
                v4d acc = loadu(c + x);
                for (int j = 0; j < 4; ++j) {
                    acc += loadu(ai[j] + x) * loadu(bi[j] + x) - loadu(ao[j] + x) * loadu(bo[j] + x);
                    r[j] = acc;
                }
                storeu(c + x, acc);
                transpose4(r[0], r[1], r[2], r[3]);
                for (int i = 0; i < 4; ++i) sn[x + i] = r[i];
            }
            for (int64_t x = n4; x < n; ++x) {
                double acc = c[x];
                v4d v = splat(0.0);
                for (int j = 0; j < 4; ++j) {
                    acc += ai[j][x] * bi[j][x] - ao[j][x] * bo[j][x];
                    v[j] = acc;
                }
                c[x] = acc;
                sn[x] = v;
            }
        }
    }

    /// Horizontal window sums of block columns [x0, x1) into hw; `state` carries the running
    /// sums between blocks. Four channels run side by side so their chains overlap.
    void horizontal(int64_t x0, int64_t x1, v4d* state) {
        int k = 0;
        for (; k + 4 <= K1; k += 4) horizontal_group<4>(k, x0, x1, state + k);
        for (; k < K1; ++k) horizontal_group<1>(k, x0, x1, state + k);
    }

    template <int G>
    void horizontal_group(int k0, int64_t x0, int64_t x1, v4d* state) {
        const int64_t ld = w + 1;
        const v4d* c = snap + k0 * ld;
        v4d* o = hw + k0;  // hw is [x][K1]: the solve reads one pixel's sums contiguously
        v4d s[G];
        int64_t x = x0;
        if (x0 == 0) {
            const InitList& init = job.col_init;
            for (int g = 0; g < G; ++g) s[g] = splat(0.0);
            for (int64_t i = 0; i < init.size; ++i)
                for (int g = 0; g < G; ++g) s[g] += init.weight[i] * c[g * ld + init.index[i]];
            for (int g = 0; g < G; ++g) o[g] = s[g];
            x = 1;
        } else {
            for (int g = 0; g < G; ++g) s[g] = state[g];
        }
        const int64_t none = w;  // the zero column
        for (; x < x1; ++x) {
            const int64_t e = job.cols.enter[x] < 0 ? none : job.cols.enter[x];
            const int64_t l = job.cols.leave[x] < 0 ? none : job.cols.leave[x];
            for (int g = 0; g < G; ++g) {
                s[g] += c[g * ld + e] - c[g * ld + l];
                o[(x - x0) * K1 + g] = s[g];
            }
        }
        for (int g = 0; g < G; ++g) state[g] = s[g];
    }

    /// Regularised least-squares fit of every window of block columns [x0, x0 + n), four rows
    /// at once: hw -> abw.
    void solve(int64_t x0, int64_t n, v4d ry) const {
        const v4d eps = splat(job.eps), zero = splat(0.0), one = splat(1.0);
        const double* cnt = job.cols.count + x0;
        for (int64_t x = 0; x < n; ++x) {
            const v4d* h = hw + x * K1;
            const v4d inv_n = one / (ry * cnt[x]);
            v4d mean[K1];
            for (int k = 0; k < K1; ++k) mean[k] = h[k] * inv_n;
            v4d* o = abw + x * KAB;
            if (CG == 1) {
                for (int c = 0; c < C; ++c)
                    math::gray_coefficients(mean[0], mean[1], mean[2 + c], mean[2 + C + c], eps, zero, one,
                                            o[2 * c], o[2 * c + 1]);
                continue;
            }
            const math::ColorInverse<v4d> g = math::color_inverse(mean, eps, zero, one);
            for (int c = 0; c < C; ++c) {
                const int b = 9 + 4 * c;
                v4d ab[4];
                math::color_coefficients(g, mean[b], mean[b + 1], mean[b + 2], mean[b + 3], ab);
                for (int i = 0; i < 4; ++i) o[4 * c + i] = ab[i];
            }
        }
    }

    /// abw (lanes = rows) -> planar ring rows of the group, block columns [x0, x0 + n).
    void scatter(int64_t x0, int64_t n, const int64_t* rows, int m) const {
        double* dst[4];
        for (int j = 0; j < m; ++j) dst[j] = ring_row(rows[j]) + x0;
        const int64_t n4 = n & ~int64_t(3);
        for (int k = 0; k < KAB; ++k) {
            const v4d* a = abw + k;  // abw is [x][KAB]
            for (int64_t x = 0; x < n4; x += 4) {
                v4d r0 = a[x * KAB], r1 = a[(x + 1) * KAB], r2 = a[(x + 2) * KAB], r3 = a[(x + 3) * KAB];
                transpose4(r0, r1, r2, r3);
                const v4d r[4] = {r0, r1, r2, r3};
                for (int j = 0; j < m; ++j) storeu(dst[j] + k * ldr + x, r[j]);
            }
            for (int64_t x = n4; x < n; ++x)
                for (int j = 0; j < m; ++j) dst[j][k * ldr + x] = a[x * KAB][j];
        }
    }

    /// a/b rows t0 .. t0 + m - 1. Pass 1 runs in column blocks so a block's sums are still in
    /// cache for the next stage; the vertical update runs one block ahead because a window
    /// reaches r columns to the right (blocks are used only when r < kBlock - 1).
    void produce_group(int64_t t0, int m, int64_t band) {
        int64_t rows[4];
        double ryv[4] = {1.0, 1.0, 1.0, 1.0};
        for (int j = 0; j < m; ++j) rows[j] = t0 + j, ryv[j] = job.rows.count[t0 + j];
        const v4d ry = {ryv[0], ryv[1], ryv[2], ryv[3]};
        const bool first = t0 == job.pass1_first[band];
        if (first) init_columns(band);
        const int64_t block = job.cols.radius + 1 < kBlock ? kBlock : w;
        const int64_t n_blocks = (w + block - 1) / block;
        auto vertical_block = [&](int64_t bx) {
            const int64_t x0 = bx * block, x1 = x0 + block < w ? x0 + block : w;
            for (int64_t s0 = x0; s0 < x1; s0 += kBlock)  // planes hold kBlock columns
                vertical(s0, (s0 + kBlock < x1 ? s0 + kBlock : x1) - s0, rows, m, first);
        };
        // the zero column of snap (clipped border) and of col stay zero
        for (int k = 0; k < K1; ++k) snap[k * (w + 1) + w] = splat(0.0);
        v4d state[K1];
        for (int k = 0; k < K1; ++k) state[k] = splat(0.0);
        vertical_block(0);
        for (int64_t bx = 0; bx < n_blocks; ++bx) {
            if (bx + 1 < n_blocks) vertical_block(bx + 1);
            const int64_t x0 = bx * block, x1 = x0 + block < w ? x0 + block : w;
            for (int64_t s0 = x0; s0 < x1; s0 += kBlock) {  // hw holds kBlock columns
                const int64_t s1 = s0 + kBlock < x1 ? s0 + kBlock : x1;
                horizontal(s0, s1, state);
                solve(s0, s1 - s0, ry);
                scatter(s0, s1 - s0, rows, m);
            }
        }
    }

    bool columns_finite() const {
        double acc = 0.0;
        for (int64_t i = 0; i < K1 * (w + 1); ++i) acc += col[i] * 0.0;
        return acc == 0.0;
    }

    void run(int64_t band) {
        const int64_t h = job.guide.height;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;

        // pass 1 state: a/b rows are produced in groups of 4 from the band's first one on
        int64_t next_ab = job.pass1_first[band];
        auto produce_until = [&](int64_t last) {
            while (next_ab <= last) {
                const int m = static_cast<int>(h - next_ab < 4 ? h - next_ab : 4);
                produce_group(next_ab, m, band);
                next_ab += m;
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
                for (int64_t i = 0; i < init.size; ++i)
                    sums2.add(ring_row(init.index[i]), init.weight[i], ldr);
            } else {
                const int64_t e = job.rows.enter[y], l = job.rows.leave[y];
                sums2.slide(e < 0 ? nullptr : ring_row(e), l < 0 ? nullptr : ring_row(l), ldr);
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
            load_planes(job.guide, y, gplane);
            for (int c = 0; c < C; ++c) {
                const double* ab = win2 + c * (CG + 1) * w;
                double* q = outp + c * w;
                for (int64_t x = 0; x < w; ++x) {
                    double acc = ab[CG * w + x];
                    for (int g = 0; g < CG; ++g) acc += ab[g * w + x] * gplane[g * w + x];
                    q[x] = acc / (ry * cnt[x]);
                }
            }
            store_planes(job.dst, y, outp);
        }
        if (!columns_finite() || !sums2.finite()) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
    }
};

template <int CG, int C>
void guided_task(void* ctx, int64_t band, int worker) {
    const GuidedJob& job = *static_cast<const GuidedJob*>(ctx);
    GuidedBand<CG, C> b(job, job.scratch[worker].base);
    b.run(band);
}

template <int CG, int C>
int64_t guided_scratch(int64_t w, int64_t ring_rows) {
    return GuidedBand<CG, C>::scratch_doubles(w, ring_rows);
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
        // the coefficients are known to be finite, so a NaN/Inf here came from the guide
        double check = 0.0;
        for (int64_t i = 0; i < ct * w; ++i) check += outp[i] * 0.0;
        if (check != 0.0) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
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

int64_t guided_scratch_doubles(int64_t guide_channels, int64_t target_channels, int64_t width,
                               int64_t ring_rows) {
    using Fn = int64_t (*)(int64_t, int64_t);
    static const Fn table[2][4] = {
        {&guided_scratch<1, 1>, &guided_scratch<1, 2>, &guided_scratch<1, 3>, &guided_scratch<1, 4>},
        {&guided_scratch<3, 1>, &guided_scratch<3, 2>, &guided_scratch<3, 3>, &guided_scratch<3, 4>}};
    return table[guide_channels == 3][target_channels - 1](width, ring_rows);
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
