// Box and guided filter kernels: a streaming, fused row pipeline.
//
// Included once per instruction set (kernels_base.cpp, kernels_avx2.cpp) with JF_ARCH naming a
// namespace of its own, so that no function here is shared between differently compiled files.
//
// Guided filter (RowBand), per band of output rows (bands are fixed by image size and radius,
// never by the thread count, so every thread count gives bit-identical results), one row at a
// time and vectorised along the row:
//   pass 1, per a/b row t:  moments of the entering/leaving source rows -> vertical running
//           column sums -> horizontal window sums -> per-pixel regularised solve -> a/b row
//           into a ring of 2r+17 rows;
//   pass 2, per output row y: vertical running sums over the a/b ring -> horizontal window
//           sums -> q = mean(a) . I + mean(b), converted to the output type.
// The box filter (BoxBand) handles four rows at a time with the rows in the lanes of a vector,
// so that its horizontal running sums are the additions of a row-by-row loop. Scratch is
// O(width x radius) per worker; no full-size intermediate image exists.
//
// Numerics: the guided filter runs in double (the default) or float (GuidedJob::single, see
// RowBand); the box filter always in double. In double, sums of uint8/uint16 input are
// integers below 2^53 and therefore exact; for float32 input the running sums carry ~1e-16
// relative error, far below float32 output resolution. Variances are clamped at zero.
#ifndef JF_ARCH
#error "define JF_ARCH before including kernels_impl.hpp"
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "guided_math.hpp"
#include "kernel_job.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace JF_ARCH {
namespace {

// ---------------------------------------------------------------------------------------------
// element conversion
//
// Rows are loaded into planes of R (double or float) with a per-channel offset subtracted:
// the single-precision pipeline centres its data so that its sums stay small (see RowBand),
// the double pipeline passes zero offsets (subtracting 0.0 is exact).

template <typename R, typename T, int CH>
void deinterleave_fixed(const T* __restrict src, int64_t n, R* __restrict planes, int64_t ld, const R* off) {
    // channel count known at compile time: the loads become shuffles instead of strided scalars;
    // the offsets in locals and restrict pointers let the loop vectorise (an offset that might
    // alias the planes would be reloaded after every store)
    R o[CH];
    for (int c = 0; c < CH; ++c) o[c] = off[c];
    for (int64_t x = 0; x < n; ++x)
        for (int c = 0; c < CH; ++c) planes[c * ld + x] = static_cast<R>(src[x * CH + c]) - o[c];
}

typedef float v4f __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));
typedef double v4d_ __attribute__((vector_size(32)));

template <typename R>
inline void store4(R* dst, v4f v) {
    if constexpr (std::is_same<R, float>::value) {
        std::memcpy(dst, &v, sizeof v);
    } else {
        const v4d_ d = __builtin_convertvector(v, v4d_);
        std::memcpy(dst, &d, sizeof d);
    }
}

#if defined(__AVX2__)
template <typename R>
inline void store8(R* dst, __m256 v) {
    if constexpr (std::is_same<R, float>::value) {
        _mm256_storeu_ps(dst, v);
    } else {
        _mm256_storeu_pd(dst, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        _mm256_storeu_pd(dst + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
}
#endif

/// RGB float32 pixels to three planes: with AVX2 eight pixels per step (three loads, two
/// blends and one permutation per channel), else four (three loads, six shuffles).
template <typename R>
inline void deinterleave_rgb_f32(const float* src, int64_t n, R* planes, int64_t ld, const R* off) {
    int64_t x = 0;
#if defined(__AVX2__)
    {
        // blend lane i from a, b or c (x = 3 * pixel + channel), then move lanes into pixel order
        const __m256 o0 = _mm256_set1_ps(float(off[0])), o1 = _mm256_set1_ps(float(off[1]));
        const __m256 o2 = _mm256_set1_ps(float(off[2]));
        const __m256i pr = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
        const __m256i pg = _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6);
        const __m256i pb = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
        for (; x + 8 <= n; x += 8) {
            const __m256 a = _mm256_loadu_ps(src + 3 * x);
            const __m256 b = _mm256_loadu_ps(src + 3 * x + 8);
            const __m256 c = _mm256_loadu_ps(src + 3 * x + 16);
            const __m256 r =
                _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24), pr);
            const __m256 g =
                _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49), pg);
            const __m256 bl =
                _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92), pb);
            store8(planes + x, _mm256_sub_ps(r, o0));
            store8(planes + ld + x, _mm256_sub_ps(g, o1));
            store8(planes + 2 * ld + x, _mm256_sub_ps(bl, o2));
        }
    }
#elif !defined(__clang__)
    const v4f o0 = {float(off[0]), float(off[0]), float(off[0]), float(off[0])};
    const v4f o1 = {float(off[1]), float(off[1]), float(off[1]), float(off[1])};
    const v4f o2 = {float(off[2]), float(off[2]), float(off[2]), float(off[2])};
    // in double the offsets are zero; in float the subtraction is the one deinterleave_fixed does
    for (; x + 4 <= n; x += 4) {
        v4f a, b, c;  // r0 g0 b0 r1 | g1 b1 r2 g2 | b2 r3 g3 b3
        std::memcpy(&a, src + 3 * x, sizeof a);
        std::memcpy(&b, src + 3 * x + 4, sizeof b);
        std::memcpy(&c, src + 3 * x + 8, sizeof c);
        const v4f r = __builtin_shuffle(__builtin_shuffle(a, b, v4si{0, 3, 6, 0}), c, v4si{0, 1, 2, 5});
        const v4f g = __builtin_shuffle(__builtin_shuffle(a, b, v4si{1, 4, 7, 0}), c, v4si{0, 1, 2, 6});
        const v4f bl = __builtin_shuffle(__builtin_shuffle(a, b, v4si{2, 5, 0, 0}), c, v4si{0, 1, 4, 7});
        store4(planes + x, r - o0);
        store4(planes + ld + x, g - o1);
        store4(planes + 2 * ld + x, bl - o2);
    }
#endif
    for (; x < n; ++x)
        for (int c = 0; c < 3; ++c) planes[c * ld + x] = static_cast<R>(src[3 * x + c]) - off[c];
}

template <typename R, typename T>
void deinterleave_typed(const T* src, int64_t n, int64_t channels, R* planes, int64_t ld, const R* off) {
    if constexpr (std::is_same<T, float>::value) {
        if (channels == 3) return deinterleave_rgb_f32(src, n, planes, ld, off);
    }
    switch (channels) {
        case 1:
            return deinterleave_fixed<R, T, 1>(src, n, planes, ld, off);
        case 2:
            return deinterleave_fixed<R, T, 2>(src, n, planes, ld, off);
        case 3:
            return deinterleave_fixed<R, T, 3>(src, n, planes, ld, off);
        default:
            return deinterleave_fixed<R, T, 4>(src, n, planes, ld, off);
    }
}

/// Columns [x0, x0 + n) of row y as planes: channel c at planes[c * ld + i], minus off[c].
template <typename R>
void load_planes(const ImageView& img, int64_t y, int64_t x0, int64_t n, R* planes, int64_t ld,
                 const R* off) {
    const int64_t at = x0 * img.channels;
    switch (img.dtype) {
        case DType::u8:
            deinterleave_typed(img.row<const uint8_t>(y) + at, n, img.channels, planes, ld, off);
            break;
        case DType::u16:
            deinterleave_typed(img.row<const uint16_t>(y) + at, n, img.channels, planes, ld, off);
            break;
        case DType::f32:
            deinterleave_typed(img.row<const float>(y) + at, n, img.channels, planes, ld, off);
            break;
    }
}

/// Row y of an image as planes [channels][width].
template <typename R>
void load_planes(const ImageView& img, int64_t y, R* planes, const R* off) {
    load_planes(img, y, 0, img.width, planes, img.width, off);
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

/// Planes into interleaved pixels, the channel count known at compile time (one pass over x,
/// contiguous writes, instead of one strided pass per channel).
template <int CH, typename T, typename R>
void store_fixed(const R* planes, int64_t n, int64_t ld, T* dst) {
    for (int64_t x = 0; x < n; ++x)
        for (int c = 0; c < CH; ++c) dst[x * CH + c] = saturate<T>(planes[c * ld + x]);
}

template <typename T, typename R>
void store_typed(const R* planes, int64_t n, int64_t ld, int64_t channels, T* dst) {
    if (channels == 2) return store_fixed<2>(planes, n, ld, dst);
    if (channels == 3) return store_fixed<3>(planes, n, ld, dst);
    if (channels == 4) return store_fixed<4>(planes, n, ld, dst);
    for (int64_t c = 0; c < channels; ++c) {
        const R* plane = planes + c * ld;
        if constexpr (std::is_same<T, R>::value) {  // float planes into a float image
            if (channels == 1) {
                std::memcpy(dst, plane, sizeof(T) * n);
                continue;
            }
        }
        if (channels == 1) {  // contiguous: the conversion vectorises
            for (int64_t x = 0; x < n; ++x) dst[x] = saturate<T>(plane[x]);
            continue;
        }
        for (int64_t x = 0; x < n; ++x) dst[x * channels + c] = saturate<T>(plane[x]);
    }
}

/// Write planes (channel c at planes[c * ld + i]) into columns [x0, x0 + n) of row y.
template <typename R>
void store_planes(const ImageView& img, int64_t y, int64_t x0, int64_t n, const R* planes, int64_t ld) {
    const int64_t at = x0 * img.channels;
    switch (img.dtype) {
        case DType::u8:
            store_typed(planes, n, ld, img.channels, img.row<uint8_t>(y) + at);
            break;
        case DType::u16:
            store_typed(planes, n, ld, img.channels, img.row<uint16_t>(y) + at);
            break;
        case DType::f32:
            store_typed(planes, n, ld, img.channels, img.row<float>(y) + at);
            break;
    }
}

/// Write planes [channels][width] into row y of the output image.
template <typename R>
void store_planes(const ImageView& img, int64_t y, const R* planes) {
    store_planes(img, y, 0, img.width, planes, img.width);
}

/// Write n interleaved values into row y of img from value index i0 on (i0 = x0 * channels).
inline void store_values(const ImageView& img, int64_t y, int64_t i0, int64_t n, const double* v) {
    switch (img.dtype) {
        case DType::u8: {
            uint8_t* d = img.row<uint8_t>(y) + i0;
            int64_t i = 0;
#if defined(__AVX2__)
            // saturate<uint8_t> four at a time: round half to even, NaN and negatives to 0
            // (max returns its second operand for NaN), 255 above
            const __m256d lo = _mm256_setzero_pd(), hi = _mm256_set1_pd(255.0);
            for (; i + 4 <= n; i += 4) {
                __m256d x =
                    _mm256_round_pd(_mm256_loadu_pd(v + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                x = _mm256_min_pd(_mm256_max_pd(x, lo), hi);
                const __m128i q = _mm256_cvtpd_epi32(x);
                const __m128i b = _mm_packus_epi16(_mm_packus_epi32(q, q), _mm_setzero_si128());
                const int32_t four = _mm_cvtsi128_si32(b);
                std::memcpy(d + i, &four, 4);
            }
#endif
            for (; i < n; ++i) d[i] = saturate<uint8_t>(v[i]);
            break;
        }
        case DType::u16: {
            uint16_t* d = img.row<uint16_t>(y) + i0;
            for (int64_t i = 0; i < n; ++i) d[i] = saturate<uint16_t>(v[i]);
            break;
        }
        case DType::f32: {
            float* d = img.row<float>(y) + i0;
            for (int64_t i = 0; i < n; ++i) d[i] = static_cast<float>(v[i]);
            break;
        }
    }
}

/// Zero offsets for the pipelines that do not centre their data.
constexpr double kNoOffset[4] = {0.0, 0.0, 0.0, 0.0};

// ---------------------------------------------------------------------------------------------
// sliding sums
//
// All row data is planar (SoA): channel k of a row of width w lives at [k * stride + x], so
// every per-pixel loop runs over x and vectorises. Column sums keep one extra zero entry at
// x = w that stands for "outside the image" in the clipped border.

/// Vertical running column sums of K channels, SoA [K][w + 1].
template <int K, typename R = double>
struct ColumnSums {
    R* col;
    int64_t width;

    int64_t stride() const { return width + 1; }
    void reset() { std::memset(col, 0, sizeof(R) * stride() * K); }

    /// A NaN or Inf that entered a running sum never leaves it, so checking the sums once at
    /// the end of a band detects every non-finite input the band read.
    bool finite() const {
        R acc = 0;
        for (int64_t i = 0; i < stride() * K; ++i) acc += col[i] * R(0);
        return acc == R(0);
    }

    /// col += weight * rows (rows: SoA, channel k at rows + k * ld; ld defaults to width).
    void add(const R* rows, double weight, int64_t ld = 0) {
        if (ld == 0) ld = width;
        const R wt = static_cast<R>(weight);
        for (int k = 0; k < K; ++k) {
            R* c = col + k * stride();
            const R* r = rows + k * ld;
            for (int64_t x = 0; x < width; ++x) c[x] += wt * r[x];
        }
    }
};

// ---------------------------------------------------------------------------------------------
// guided filter

/// Shape of the guided filter's passes for a CG-channel guide and a C-channel target.
template <int CG, int C>
struct GuidedShape {
    static constexpr int K1 = CG == 1 ? 2 + 2 * C : 9 + 4 * C;  // first-pass moments
    static constexpr int KAB = C * (CG + 1);                    // a_0..a_{CG-1}, b per channel
    static constexpr int NU = CG + C;                           // planes per source row

    static constexpr void pair(int k, int& i, int& j) { math::moment_pair(CG, C, k, i, j); }
    static constexpr int first(int k) {
        int i = 0, j = 0;
        pair(k, i, j);
        return i;
    }
    static constexpr int second(int k) {
        int i = 0, j = 0;
        pair(k, i, j);
        return j;
    }
};

// 32-byte vectors (GCC/Clang vector extensions; the baseline build lowers them to SSE2 pairs):
// four doubles or eight floats. The pipeline of one precision R uses Lanes<R>::V throughout.
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));

template <typename R>
struct Lanes;
template <>
struct Lanes<double> {
    using V = v4d;
    static constexpr int n = 4;
};
template <>
struct Lanes<float> {
    using V = v8f;
    static constexpr int n = 8;
};

template <typename V, typename R>
inline V loadu(const R* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <typename V, typename R>
inline void storeu(R* p, V v) {
    std::memcpy(p, &v, sizeof v);
}
template <typename V, typename R>
inline V splat(R a) {
    return V{} + a;
}

#if defined(__clang__)
#define JF_SHUFFLE4(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#define JF_SHUFFLE8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
typedef long long v4i __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
#define JF_SHUFFLE4(a, b, ...) __builtin_shuffle(a, b, v4i{__VA_ARGS__})
#define JF_SHUFFLE8(a, b, ...) __builtin_shuffle(a, b, v8i{__VA_ARGS__})
#endif

/// In-register 4x4 transpose of doubles: rows become columns.
inline void transpose(v4d (&r)[4]) {
    const v4d t0 = JF_SHUFFLE4(r[0], r[1], 0, 4, 2, 6), t1 = JF_SHUFFLE4(r[0], r[1], 1, 5, 3, 7);
    const v4d t2 = JF_SHUFFLE4(r[2], r[3], 0, 4, 2, 6), t3 = JF_SHUFFLE4(r[2], r[3], 1, 5, 3, 7);
    r[0] = JF_SHUFFLE4(t0, t2, 0, 1, 4, 5);
    r[1] = JF_SHUFFLE4(t1, t3, 0, 1, 4, 5);
    r[2] = JF_SHUFFLE4(t0, t2, 2, 3, 6, 7);
    r[3] = JF_SHUFFLE4(t1, t3, 2, 3, 6, 7);
}

/// In-register 8x8 transpose of floats (unpack, 2x2 blocks, 128-bit halves: 24 shuffles).
inline void transpose(v8f (&r)[8]) {
    v8f t[8], u[8];
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = JF_SHUFFLE8(r[2 * i], r[2 * i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[2 * i + 1] = JF_SHUFFLE8(r[2 * i], r[2 * i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 2; ++i) {
        u[4 * i] = JF_SHUFFLE8(t[4 * i], t[4 * i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[4 * i + 1] = JF_SHUFFLE8(t[4 * i], t[4 * i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[4 * i + 2] = JF_SHUFFLE8(t[4 * i + 1], t[4 * i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[4 * i + 3] = JF_SHUFFLE8(t[4 * i + 1], t[4 * i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int j = 0; j < 4; ++j) {
        r[j] = JF_SHUFFLE8(u[j], u[4 + j], 0, 1, 2, 3, 8, 9, 10, 11);
        r[j + 4] = JF_SHUFFLE8(u[j], u[4 + j], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

// ---------------------------------------------------------------------------------------------
// window sums with L rows in the lanes of a vector (both guided-filter passes, the box filter)

/// Slots of the transposed column sums of a group of rows: column x lives in slot x & mask of
/// a ring of `cols` slots, and slot `zero` stays zero ("outside the image", clipped border).
/// Sums are only read within 2r + 2 blocks of columns of where they were written, so the ring
/// is the next power of two above that; narrow images use one slot per column (mask = -1).
struct ColumnSlots {
    int64_t cols, mask, zero;

    ColumnSlots(int64_t w, int64_t r, int64_t block) {
        int64_t n = block;
        while (n < 2 * block + 2 * r + 2) n *= 2;
        cols = n < w ? n : w;
        mask = cols == w ? -1 : cols - 1;
        zero = cols;
    }
};

/// Horizontal window sums of columns [x0, x1) of the K-channel column sums `c` ([slot][K],
/// lanes = rows) into `o` ([x - x0][K]); `state` carries the running sums between calls. G
/// channels run side by side so that their dependency chains overlap.
template <int K, int G, typename V>
void lane_horizontal_group(const V* c, V* o, int64_t x0, int64_t x1, V* state, const AxisSpec& ax,
                           const InitList& init, int64_t w, const ColumnSlots& sl) {
    using R = decltype(V{}[0] + 0);
    const int64_t mask = sl.mask;
    V s[G];
    int64_t x = x0;
    if (x0 == 0) {
        for (int g = 0; g < G; ++g) s[g] = V{};
        for (int64_t i = 0; i < init.size; ++i)
            for (int g = 0; g < G; ++g)
                s[g] += static_cast<R>(init.weight[i]) * c[(init.index[i] & mask) * K + g];
        for (int g = 0; g < G; ++g) o[g] = s[g];
        x = 1;
    } else {
        for (int g = 0; g < G; ++g) s[g] = state[g];
    }
    // Inside [r + 1, w - r) every border enters column x + r and drops x - r - 1: plain
    // pointer steps there instead of two index loads per column (the same additions).
    const int64_t r = ax.radius, lo = r + 1, hi = w - r;
    while (x < x1) {
        if (x >= lo && x < hi) {
            // a run of columns whose entering and leaving slots are both consecutive
            const int64_t ie = (x + r) & mask, il = (x - r - 1) & mask;
            int64_t end = x1 < hi ? x1 : hi;
            if (mask != -1) {
                end = end < x + sl.cols - ie ? end : x + sl.cols - ie;
                end = end < x + sl.cols - il ? end : x + sl.cols - il;
            }
            const V* ce = c + (ie - x) * K;  // column x enters from ce[x * K]
            const V* cl = c + (il - x) * K;
            for (; x < end; ++x) {
                for (int g = 0; g < G; ++g) {
                    s[g] += ce[x * K + g] - cl[x * K + g];
                    o[(x - x0) * K + g] = s[g];
                }
            }
            continue;
        }
        const int64_t e = ax.enter[x] < 0 ? sl.zero : (ax.enter[x] & mask);
        const int64_t l = ax.leave[x] < 0 ? sl.zero : (ax.leave[x] & mask);
        for (int g = 0; g < G; ++g) {
            s[g] += c[e * K + g] - c[l * K + g];
            o[(x - x0) * K + g] = s[g];
        }
        ++x;
    }
    for (int g = 0; g < G; ++g) state[g] = s[g];
}

/// lane_horizontal_group over all K channels, four at a time (the rest, 1-3, side by side too).
template <int K, typename V>
void lane_horizontal(const V* c, V* o, int64_t x0, int64_t x1, V* state, const AxisSpec& ax,
                     const InitList& init, int64_t w, const ColumnSlots& sl) {
    int k = 0;
    for (; k + 4 <= K; k += 4) lane_horizontal_group<K, 4>(c + k, o + k, x0, x1, state + k, ax, init, w, sl);
    constexpr int rest = K % 4;
    if constexpr (rest > 0) lane_horizontal_group<K, rest>(c + k, o + k, x0, x1, state + k, ax, init, w, sl);
}

/// Window sums with the rows in lanes (`hw`, [x][K], n columns) -> one planar block per row,
/// win[(j * K + k) * block + x], for the first m rows.
template <int K, typename V, typename R>
void lane_unpack(const V* hw, int64_t n, int m, int64_t block, R* win) {
    constexpr int L = static_cast<int>(sizeof(V) / sizeof(R));
    const int64_t nv = n & ~int64_t(L - 1);
    for (int k = 0; k < K; ++k) {
        const V* a = hw + k;
        for (int64_t x = 0; x < nv; x += L) {
            V r[L];
            for (int i = 0; i < L; ++i) r[i] = a[(x + i) * K];
            transpose(r);
            for (int j = 0; j < m; ++j) storeu(win + (j * K + k) * block + x, r[j]);
        }
        for (int64_t x = nv; x < n; ++x)
            for (int j = 0; j < m; ++j) win[(j * K + k) * block + x] = a[x * K][j];
    }
}

/// Mean of each channel of row y, in double.
template <typename T>
void row_means(const T* row, int64_t width, int64_t channels, double* mean) {
    for (int64_t c = 0; c < channels; ++c) {
        double s = 0.0;
        for (int64_t x = 0; x < width; ++x) s += static_cast<double>(row[x * channels + c]);
        mean[c] = s / static_cast<double>(width);
    }
}

/// Centring offsets for channels of `img` from the mean of row y: integers for integer data
/// (so centred integer samples stay exact in float), the float mean otherwise.
template <typename R>
void centre_offsets(const ImageView& img, int64_t y, R* off) {
    double mean[4] = {0.0, 0.0, 0.0, 0.0};
    switch (img.dtype) {
        case DType::u8:
            row_means(img.row<const uint8_t>(y), img.width, img.channels, mean);
            break;
        case DType::u16:
            row_means(img.row<const uint16_t>(y), img.width, img.channels, mean);
            break;
        case DType::f32:
            row_means(img.row<const float>(y), img.width, img.channels, mean);
            break;
    }
    for (int64_t c = 0; c < img.channels; ++c)
        off[c] = static_cast<R>(img.dtype == DType::f32 ? mean[c] : std::nearbyint(mean[c]));
}

// ---------------------------------------------------------------------------------------------
// guided filter: row by row

/// Inclusive prefix sums of the lanes of a vector. The additions are in one fixed order in every
/// build (within each 128-bit half first, then the high half adds the low half's total; the
/// shifted-in lanes are +0.0), so the baseline and AVX2 kernels give the same bits.
inline v8f lane_scan(v8f d) {
#if defined(__AVX2__)
    __m256 x = reinterpret_cast<__m256>(d);
    x = _mm256_add_ps(x, _mm256_castsi256_ps(_mm256_slli_si256(_mm256_castps_si256(x), 4)));
    x = _mm256_add_ps(x, _mm256_castsi256_ps(_mm256_slli_si256(_mm256_castps_si256(x), 8)));
    __m256 t = _mm256_permute_ps(x, 0xFF);   // lane 3 of each half
    t = _mm256_permute2f128_ps(t, t, 0x08);  // low half zero, high half the low half's total
    return reinterpret_cast<v8f>(_mm256_add_ps(x, t));
#else
    const v8f z = {};
    d += JF_SHUFFLE8(z, d, 0, 8, 9, 10, 0, 12, 13, 14);
    d += JF_SHUFFLE8(z, d, 0, 0, 8, 9, 0, 0, 12, 13);
    d += JF_SHUFFLE8(z, d, 0, 0, 0, 0, 11, 11, 11, 11);
    return d;
#endif
}
inline v4d lane_scan(v4d d) {
#if defined(__AVX2__)
    __m256d x = reinterpret_cast<__m256d>(d);
    x = _mm256_add_pd(x, _mm256_castsi256_pd(_mm256_slli_si256(_mm256_castpd_si256(x), 8)));
    __m256d t = _mm256_permute_pd(x, 0xF);  // lane 1 of each half
    t = _mm256_permute2f128_pd(t, t, 0x08);
    return reinterpret_cast<v4d>(_mm256_add_pd(x, t));
#else
    const v4d z = {};
    d += JF_SHUFFLE4(z, d, 0, 4, 0, 6);
    d += JF_SHUFFLE4(z, d, 0, 0, 5, 5);
    return d;
#endif
}
/// The last lane in every lane.
inline v8f lane_last(v8f d) {
#if defined(__AVX2__)
    const __m256 t = _mm256_permute_ps(reinterpret_cast<__m256>(d), 0xFF);
    return reinterpret_cast<v8f>(_mm256_permute2f128_ps(t, t, 0x11));
#else
    return JF_SHUFFLE8(d, d, 7, 7, 7, 7, 7, 7, 7, 7);
#endif
}
inline v4d lane_last(v4d d) {
#if defined(__AVX2__)
    const __m256d t = _mm256_permute_pd(reinterpret_cast<__m256d>(d), 0xF);
    return reinterpret_cast<v4d>(_mm256_permute2f128_pd(t, t, 0x11));
#else
    return JF_SHUFFLE4(d, d, 3, 3, 3, 3);
#endif
}

/// Guided filter of one band of rows, in precision R, one row at a time.
///
/// Every stage runs along a row, vectorised over x:
///   pass 1, per a/b row t: vertical update of the moment sums (entering minus leaving source
///           row, a chunk of columns at a time) -> horizontal window sums as differences
///           col[x + r] - col[x - r - 1] and their running sum (a prefix sum within each vector
///           plus a carried total) -> solve -> a/b row into the ring;
///   pass 2, per output row y: vertical update of the a/b sums over the ring -> horizontal sums
///           -> q = mean(a) . I + mean(b).
/// The horizontal stage and the solve work on chunks of kChunk columns, so that the window sums
/// of all moments stay in L1. (An earlier version ran L rows at a time with the rows in vector
/// lanes, as BoxBand does; its transposes cost more than they saved: this one is 1.05-1.25x
/// faster with a colour guide and 1.25x with a gray guide, 1080p, one thread.)
///
/// Precision: in double (R = double) every sum of integer data is exact. In float, each band
/// centres its data on per-channel offsets taken from its first row, so that sums and products
/// stay small and the running sums (which restart in every band) carry ~1e-7 relative error of
/// the local contrast rather than of the absolute level; the offsets are added back (a is
/// shift-invariant, b and q shift with the target).
template <int CG, int C, typename R>
struct RowBand {
    using S = GuidedShape<CG, C>;
    using V = typename Lanes<R>::V;
    static constexpr int L = Lanes<R>::n;
    static constexpr int K1 = S::K1;    // first-pass moments (math::moment_pair)
    static constexpr int KAB = S::KAB;  // a_0 .. a_{CG-1}, b per channel
    static constexpr int NU = S::NU;    // I_0 .. I_{CG-1}, p_0 .. p_{C-1}
    // columns per chunk: the window sums of a chunk (K1 x kChunk) stay in L1 for the solve
    static constexpr int64_t kChunk = K1 <= 8 ? 256 : 128;
    static constexpr int64_t kAlign = 32 / sizeof(R);
    static constexpr int64_t lu = kChunk + L;  // stride of a plane in u

    const GuidedJob& job;
    int64_t w, ld;  // ld = w + L: stride of every row-long array; entries >= w stay zero
    R* u;           // 2 x NU x lu: planes of a chunk of the entering (slot 0) and leaving (1) row
    R* col;         // K1 x ld: vertical sums of the moments; col[w] is the "outside" zero
    R* col2;        // KAB x ld: pass 2 vertical sums of a/b
    R* ring;        // ring_rows x KAB x ld: a/b rows
    R* hs;          // K1 x (kChunk + L): window sums of a chunk
    R* gplane;      // CG x ld: apply guide row of pass 2
    R* outp;        // C x (kChunk + L)
    R* colcnt;      // ld: samples per column of a window, in R
    R* ones;        // lu: second factor of a plain moment
    R off[NU] = {};

    static int64_t round_up(int64_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }
    static constexpr int64_t kHs = kChunk + L;

    RowBand(const GuidedJob& j, double* base) : job(j), w(j.guide.width), ld(j.guide.width + L) {
        R* p = reinterpret_cast<R*>(base);
        auto take = [&p](int64_t n) {
            R* q = p;
            p += round_up(n);
            return q;
        };
        u = take(2 * NU * lu);
        col = take(K1 * ld);
        col2 = take(KAB * ld);
        ring = take(job.ring_rows * KAB * ld);
        hs = take(K1 * kHs);
        gplane = take(CG * ld);
        outp = take(C * kHs);
        colcnt = take(ld);
        ones = take(lu);
        // the pads beyond w are read by full vectors and must hold zeros (scratch is reused)
        for (int64_t i = 0; i < job.ring_rows * KAB; ++i) std::memset(ring + i * ld + w, 0, sizeof(R) * L);
        std::memset(gplane, 0, sizeof(R) * CG * ld);
        for (int64_t x = 0; x < ld; ++x) colcnt[x] = x < w ? static_cast<R>(job.cols.count[x]) : R(1);
        for (int64_t x = 0; x < lu; ++x) ones[x] = 1;
    }

    static int64_t scratch_doubles(int64_t w, int64_t ring_rows) {
        const int64_t ld = w + L;
        const int64_t n = round_up(2 * NU * lu) + round_up(K1 * ld) + round_up(KAB * ld) +
                          round_up(ring_rows * KAB * ld) + round_up(K1 * kHs) + round_up(CG * ld) +
                          round_up(C * kHs) + round_up(ld) + round_up(lu);
        return (n * static_cast<int64_t>(sizeof(R)) + 7) / 8;
    }

    R* ring_row(int64_t t) const { return ring + (t % job.ring_rows) * KAB * ld; }

    /// Columns [x0, x0 + n) of source row t as centred planes in slot s of u, zero up to the
    /// next multiple of L (the vector loops read whole vectors).
    void load_chunk(int64_t t, int s, int64_t x0, int64_t n) const {
        R* p = u + s * NU * lu;
        load_planes(job.guide, t, x0, n, p, lu, off);
        load_planes(job.target, t, x0, n, p + CG * lu, lu, off + CG);
        for (int i = 0; i < NU; ++i)
            for (int64_t x = n; x < ((n + L - 1) & ~int64_t(L - 1)); ++x) p[i * lu + x] = R(0);
    }

    /// Moment K of the planes at p (stride lu) over the vector at x.
    template <int K>
    static V moment(const R* p, int64_t x) {
        constexpr int i = S::first(K), j = S::second(K);
        if constexpr (j < 0) {
            return loadu<V>(p + i * lu + x);
        } else {
            return loadu<V>(p + i * lu + x) * loadu<V>(p + j * lu + x);
        }
    }

    /// col = the moment sums of a/b row t's window: the weighted rows of `init`.
    void init_columns(const InitList& init) {
        std::memset(col, 0, sizeof(R) * K1 * ld);
        for (int64_t x0 = 0; x0 < w; x0 += kChunk) {
            const int64_t n = x0 + kChunk < w ? kChunk : w - x0;
            for (int64_t i = 0; i < init.size; ++i) {
                load_chunk(init.index[i], 0, x0, n);
                const R wt = static_cast<R>(init.weight[i]);
                for (int k = 0; k < K1; ++k) {
                    int a = 0, b = 0;
                    S::pair(k, a, b);
                    const R* pa = u + a * lu;
                    const R* pb = b < 0 ? ones : u + b * lu;
                    R* c = col + k * ld + x0;
                    for (int64_t x = 0; x < n; ++x) c[x] += wt * (pa[x] * pb[x]);
                }
            }
        }
    }

    template <int... K>
    void slide_moments(R* c, int64_t x, bool in, bool out, std::integer_sequence<int, K...>) const {
        const R* pe = u;
        const R* pl = u + NU * lu;
        if (in && out) {
            ((storeu(c + K * ld + x, loadu<V>(c + K * ld + x) + (moment<K>(pe, x) - moment<K>(pl, x)))), ...);
        } else if (in) {
            ((storeu(c + K * ld + x, loadu<V>(c + K * ld + x) + moment<K>(pe, x))), ...);
        } else {
            ((storeu(c + K * ld + x, loadu<V>(c + K * ld + x) - moment<K>(pl, x))), ...);
        }
    }

    /// Vertical update of the moment sums from a/b row t - 1 to t, a chunk of columns at a time
    /// (the chunk's planes stay in L1 between conversion and use).
    void slide_columns(int64_t t) {
        const int64_t e = job.rows.enter[t], l = job.rows.leave[t];
        if (e < 0 && l < 0) return;
        for (int64_t x0 = 0; x0 < w; x0 += kChunk) {
            const int64_t n = x0 + kChunk < w ? kChunk : w - x0;
            if (e >= 0) load_chunk(e, 0, x0, n);
            if (l >= 0) load_chunk(l, 1, x0, n);
            for (int64_t x = 0; x < n; x += L)
                slide_moments(col + x0, x, e >= 0, l >= 0, std::make_integer_sequence<int, K1>{});
        }
    }

    /// The interior part of horizontal() for G rows of sums side by side: columns [v0, v1) of
    /// c + g * ld into o + g * kHs (o indexed by column), running sums s[g].
    template <int G>
    void vector_sums(const R* c, R* o, int64_t v0, int64_t v1, R* s) const {
        const int64_t r = job.cols.radius;
        V sv[G];
        for (int g = 0; g < G; ++g) sv[g] = splat<V>(s[g]);
        for (int64_t x = v0; x < v1; x += L) {
            for (int g = 0; g < G; ++g) {
                const R* cg = c + g * ld;
                const V d = lane_scan(loadu<V>(cg + x + r) - loadu<V>(cg + x - r - 1));
                storeu(o + g * kHs + x, sv[g] + d);
                sv[g] += lane_last(d);
            }
        }
        for (int g = 0; g < G; ++g) s[g] = sv[g][0];
    }

    /// Window sums of columns [x0, x1) of K rows of column sums (c + k * ld, with c[k * ld + w]
    /// = 0 the outside slot) into o[k * kHs + x - x0]; s[k] carries each running sum from one
    /// chunk to the next. Each sum is the previous one plus the entering minus the leaving
    /// column: one at a time near the borders, and in the interior (both columns inside the row)
    /// a vector of L differences at once, added up as a prefix sum within the vector plus the
    /// carried total. Up to four rows of sums run side by side so that their carry chains overlap.
    template <int K>
    void horizontal(const R* c, R* o, int64_t x0, int64_t x1, R* s) const {
        const AxisSpec& ax = job.cols;
        int64_t xs = x0;
        if (x0 == 0) {
            for (int k = 0; k < K; ++k) {
                R v = R(0);
                for (int64_t i = 0; i < job.col_init.size; ++i)
                    v += static_cast<R>(job.col_init.weight[i]) * c[k * ld + job.col_init.index[i]];
                s[k] = v;
                o[k * kHs] = v;
            }
            xs = 1;
        }
        const int64_t r = ax.radius, lo = r + 1, hi = w - r;
        auto scalar = [&](int64_t a, int64_t b) {  // columns [a, b), border lookups
            for (int64_t x = a; x < b; ++x) {
                const int64_t e = ax.enter[x] < 0 ? w : ax.enter[x];
                const int64_t l = ax.leave[x] < 0 ? w : ax.leave[x];
                for (int k = 0; k < K; ++k) {
                    s[k] += c[k * ld + e] - c[k * ld + l];
                    o[k * kHs + x - x0] = s[k];
                }
            }
        };
        // [xs, v0): scalar; [v0, v1): vectors; [v1, x1): scalar
        const int64_t v0 = xs > lo ? xs : lo;
        const int64_t top = x1 < hi ? x1 : hi;
        const int64_t v1 = top > v0 ? v0 + ((top - v0) & ~int64_t(L - 1)) : v0;
        if (v1 == v0) return scalar(xs, x1);
        scalar(xs, v0);
        int k = 0;
        for (; k + 4 <= K; k += 4) vector_sums<4>(c + k * ld, o + k * kHs - x0, v0, v1, s + k);
        if constexpr (K % 4 >= 2) {
            vector_sums<2>(c + k * ld, o + k * kHs - x0, v0, v1, s + k);
            k += 2;
        }
        if constexpr (K % 2 == 1) vector_sums<1>(c + k * ld, o + k * kHs - x0, v0, v1, s + k);
        scalar(v1, x1);
    }

    /// T = V: a vector of L columns; T = R: one column (the tail of a chunk).
    template <typename T>
    static T load_at(const R* p) {
        if constexpr (std::is_same<T, R>::value) {
            return *p;
        } else {
            return loadu<T>(p);
        }
    }
    template <typename T>
    static void store_at(R* p, T v) {
        if constexpr (std::is_same<T, R>::value) {
            *p = v;
        } else {
            storeu(p, v);
        }
    }
    /// An edge-aware map (float32) at x, in T.
    template <typename T>
    static T map_at(const float* m, int64_t x) {
        if constexpr (std::is_same<T, R>::value) {
            return static_cast<R>(m[x]);
        } else {
            T v;
            for (int i = 0; i < L; ++i) v[i] = static_cast<R>(m[x + i]);
            return v;
        }
    }

    /// Coefficients of the window(s) at column x of the chunk (hs) into the a/b row ab.
    template <typename T>
    void solve_at(int64_t x, R ry, const R* cnt, const float* em, const float* gm, R* ab) const {
        const T one = splat<T>(R(1)), zero = T{}, eps = splat<T>(static_cast<R>(job.eps));
        const T inv_n = one / (splat<T>(ry) * load_at<T>(cnt + x));
        T mean[K1];
        for (int k = 0; k < K1; ++k) mean[k] = load_at<T>(hs + k * kHs + x) * inv_n;
        if constexpr (CG == 3) {
            const math::ColorInverse<T> g = math::color_inverse(mean, eps, zero, one);
            for (int c = 0; c < C; ++c) {
                const int m = 9 + 4 * c;
                T o[4];
                math::color_coefficients(g, mean[m], mean[m + 1], mean[m + 2], mean[m + 3], o);
                for (int i = 0; i < 4; ++i) store_at(ab + (4 * c + i) * ld + x, o[i]);
            }
        } else {
            // gray guide; the edge-aware filters give a per-window eps and prior of a
            const bool edge = em || gm;
            const T e = em ? map_at<T>(em, x) : eps, gam = gm ? map_at<T>(gm, x) : zero;
            for (int c = 0; c < C; ++c) {
                T a, b;
                if (edge) {
                    math::gray_coefficients_prior(mean[0], mean[1], mean[2 + c], mean[2 + C + c], e, gam,
                                                  zero, one, a, b);
                } else {
                    math::gray_coefficients(mean[0], mean[1], mean[2 + c], mean[2 + C + c], eps, zero, one, a,
                                            b);
                }
                store_at(ab + (2 * c) * ld + x, a);
                store_at(ab + (2 * c + 1) * ld + x, b);
            }
        }
    }

    /// Coefficients of a/b row t over columns [x0, x0 + n) from the window sums in hs.
    void solve(int64_t t, int64_t x0, int64_t n) const {
        R* ab = ring_row(t) + x0;
        const R ry = static_cast<R>(job.rows.count[t]);
        const R* cnt = colcnt + x0;
        const float* em = job.eps_map.data ? job.eps_map.row<const float>(t) + x0 : nullptr;
        const float* gm = job.gamma_map.data ? job.gamma_map.row<const float>(t) + x0 : nullptr;
        const int64_t nv = n & ~int64_t(L - 1);
        for (int64_t x = 0; x < nv; x += L) solve_at<V>(x, ry, cnt, em, gm, ab);
        for (int64_t x = nv; x < n; ++x) solve_at<R>(x, ry, cnt, em, gm, ab);
    }

    /// a/b row t (first: the band's first, whose sums come from its init list).
    void produce(int64_t t, bool first, int64_t band) {
        if (first) {
            init_columns(job.pass1_init[band]);
        } else {
            slide_columns(t);
        }
        R s[K1];
        for (int64_t x0 = 0; x0 < w; x0 += kChunk) {
            const int64_t x1 = x0 + kChunk < w ? x0 + kChunk : w;
            horizontal<K1>(col, hs, x0, x1, s);
            solve(t, x0, x1 - x0);
        }
    }

    /// Pass 2 sums of output row y: the band's first from its init list, later ones slid.
    void slide_coefficients(int64_t y, bool first, int64_t band) {
        if (first) {
            std::memset(col2, 0, sizeof(R) * KAB * ld);
            const InitList& init = job.pass2_init[band];
            for (int64_t i = 0; i < init.size; ++i) {
                const R wt = static_cast<R>(init.weight[i]);
                const R* a = ring_row(init.index[i]);
                for (int64_t v = 0; v < KAB * ld; ++v) col2[v] += wt * a[v];
            }
            return;
        }
        const int64_t e = job.rows.enter[y], l = job.rows.leave[y];
        const R* pe = e < 0 ? nullptr : ring_row(e);
        const R* pl = l < 0 ? nullptr : ring_row(l);
        for (int64_t v = 0; v < KAB * ld; v += L) {
            V acc = loadu<V>(col2 + v);
            if (pe && pl) {
                acc += loadu<V>(pe + v) - loadu<V>(pl + v);
            } else if (pe) {
                acc += loadu<V>(pe + v);
            } else if (pl) {
                acc -= loadu<V>(pl + v);
            }
            storeu(col2 + v, acc);
        }
    }

    /// Output row y over columns [x0, x0 + n) from the a/b window sums in hs.
    void output(int64_t y, int64_t x0, int64_t n) {
        if (job.coef) {  // the mean coefficients, row-planar [y][KAB][x], centring undone
            const double ry = job.rows.count[y];
            const double* cnt = job.cols.count + x0;
            double inv_n[kChunk];
            for (int64_t x = 0; x < n; ++x) inv_n[x] = 1.0 / (ry * cnt[x]);
            double* row = job.coef + y * KAB * w + x0;  // plane k at row + k * w
            for (int k = 0; k < KAB; ++k) {
                double* d = row + k * w;
                const R* hk = hs + k * kHs;
                for (int64_t x = 0; x < n; ++x) d[x] = static_cast<double>(hk[x]) * inv_n[x];
            }
            for (int c = 0; c < C; ++c) {  // undo the centring: b = b' + off_p - a . off_I
                double* b = row + (c * (CG + 1) + CG) * w;
                const double shift = static_cast<double>(off[CG + c]);
                for (int64_t x = 0; x < n; ++x) b[x] += shift;
                for (int g = 0; g < CG; ++g) {
                    const double* a = row + (c * (CG + 1) + g) * w;
                    const double og = static_cast<double>(off[g]);
                    for (int64_t x = 0; x < n; ++x) b[x] -= a[x] * og;
                }
            }
            return;
        }
        const R* gp = gplane + x0;
        const R* cnt = colcnt + x0;
        const V ryv = splat<V>(static_cast<R>(job.rows.count[y]));
        for (int c = 0; c < C; ++c) {
            const R* a = hs + c * (CG + 1) * kHs;  // a_0 .. a_{CG-1}, then b
            const V shift = splat<V>(off[CG + c]);
            R* q = outp + c * kHs;
            for (int64_t x = 0; x < n; x += L) {  // kHs and gplane's pad leave room for a full vector
                V acc = loadu<V>(a + CG * kHs + x);
                for (int g = 0; g < CG; ++g) acc += loadu<V>(a + g * kHs + x) * loadu<V>(gp + g * ld + x);
                storeu(q + x, acc / (ryv * loadu<V>(cnt + x)) + shift);
            }
        }
        store_planes(job.dst, y, x0, n, outp, kHs);
    }

    void finish(int64_t y, bool first, int64_t band) {
        slide_coefficients(y, first, band);
        if (!job.coef) load_planes(job.apply_guide, y, 0, w, gplane, ld, off);
        R s[KAB];
        for (int64_t x0 = 0; x0 < w; x0 += kChunk) {
            const int64_t x1 = x0 + kChunk < w ? x0 + kChunk : w;
            horizontal<KAB>(col2, hs, x0, x1, s);
            output(y, x0, x1 - x0);
        }
    }

    void run(int64_t band) {
        const int64_t h = job.guide.height;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
        if constexpr (std::is_same<R, float>::value) {
            centre_offsets(job.guide, y0, off);
            centre_offsets(job.target, y0, off + CG);
        }
        const int64_t first = job.pass1_first[band];
        int64_t next_ab = first;
        for (int64_t y = y0; y < y1; ++y) {
            const int64_t r = job.rows.radius;
            const int64_t last = (r >= h || y + r >= h) ? h - 1 : y + r;
            for (; next_ab <= last; ++next_ab) produce(next_ab, next_ab == first, band);
            finish(y, y == y0, band);
        }
        R acc = 0;  // a NaN or Inf that entered a running sum never leaves it
        for (int64_t i = 0; i < K1 * ld; ++i) acc += col[i] * R(0);
        for (int64_t i = 0; i < KAB * ld; ++i) acc += col2[i] * R(0);
        if (acc != R(0)) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
    }
};

// ---------------------------------------------------------------------------------------------
// box filter

/// Values of a source row as the box filter sums them: the interleaved channels as stored,
/// or (variance of a 1-channel image) the pairs x, x^2 (exact in double for float32 x).
template <typename T, bool kSquares>
struct RowValues {
    static double at(const T* row, int64_t i) {
        if constexpr (kSquares) {
            const double v = static_cast<double>(row[i >> 1]);
            return (i & 1) ? v * v : v;
        } else {
            return static_cast<double>(row[i]);
        }
    }
    /// Values i .. i + 3.
    static v4d four(const T* row, int64_t i) {
        if constexpr (kSquares) {
            const double a = static_cast<double>(row[i >> 1]), b = static_cast<double>(row[(i >> 1) + 1]);
            return v4d{a, a * a, b, b * b};
        } else {
            return v4d{static_cast<double>(row[i]), static_cast<double>(row[i + 1]),
                       static_cast<double>(row[i + 2]), static_cast<double>(row[i + 3])};
        }
    }
};

/// Box filter of one band of rows, K values per pixel (the channels, or x and x^2), source
/// type T. Output rows go four at a time (double lanes), as in the guided filter's passes:
/// the vertical update of the running column sums works on the interleaved values of the
/// source rows as they are stored (converted in registers, no deinterleaving) and ends with a
/// 4x4 transpose, which leaves the four rows' sums of value i in one vector: that is the
/// [column][K] layout the horizontal running sums take (lane_horizontal), one chain per row
/// in one lane. The window sums are transposed back, divided by the sample count and stored.
/// Block by block (kBlock columns), so the working set stays in L1/L2. Every sum is the same
/// sequence of double additions as a row-by-row loop, so sums of integer data stay exact.
template <int K, typename T, bool kSquares>
struct BoxBand {
    using V = v4d;
    using Src = RowValues<T, kSquares>;
    static constexpr int L = 4;
    static constexpr int64_t kBlock = 256;
    static constexpr int64_t kAlign = 4;

    const BoxJob& job;
    int64_t w;
    ColumnSlots slots;
    double* col;    // K x w (+ K): running column sums of the group's last row, interleaved
    V* snap;        // (slots.cols + 1) x K: column sums of the group's rows (lanes = rows)
    V* hw;          // kBlock x K: window sums of a block (lanes = rows)
    double* win;    // L x K x kBlock: the same, one interleaved block per row
    double* count;  // K x kBlock: samples per column of the block, repeated per value

    static int64_t round_up(int64_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

    BoxBand(const BoxJob& j, double* base)
        : job(j), w(j.src.width), slots(j.src.width, j.cols.radius, kBlock) {
        double* p = base;
        auto take = [&p](int64_t n) {
            double* q = p;
            p += round_up(n);  // keep every array 32-byte aligned (base is)
            return q;
        };
        snap = reinterpret_cast<V*>(take(L * K * (slots.cols + 1)));
        hw = reinterpret_cast<V*>(take(L * K * kBlock));
        win = take(L * K * kBlock);
        count = take(K * kBlock);
        col = take(K * (w + 1));
    }

    /// Scratch (in doubles) a worker needs; kept next to the layout above.
    static int64_t scratch_doubles(int64_t w, int64_t r) {
        return round_up(L * K * (ColumnSlots(w, r, kBlock).cols + 1)) + 2 * round_up(L * K * kBlock) +
               round_up(K * kBlock) + round_up(K * (w + 1));
    }

    const T* src_row(int64_t t) const { return job.src.template row<const T>(t); }

    /// Column sums of the band's first row: the weighted rows of its window.
    void init_columns(int64_t band) {
        std::memset(col, 0, sizeof(double) * K * (w + 1));
        const InitList& init = job.band_init[band];
        for (int64_t i = 0; i < init.size; ++i) {
            const T* row = src_row(init.index[i]);
            const double wt = init.weight[i];
            for (int64_t v = 0; v < K * w; ++v) col[v] += wt * Src::at(row, v);
        }
    }

    /// Vertical update over block columns [x0, x0 + n) for rows y .. y + m - 1 (`first`: row y
    /// is the band's first, whose sums are set): col advances to the group's last row and snap
    /// receives every row's sums (lanes = rows). Absent rows (clipped border, lanes past the
    /// group) are skipped, as the three cases of a row-by-row loop do.
    void vertical(int64_t x0, int64_t n, int64_t y, int m, bool first) {
        const T* in[L];
        const T* out[L];
        bool full = true;  // every lane enters and leaves a row
        for (int j = 0; j < L; ++j) {
            const bool active = j < m && !(j == 0 && first);
            const int64_t e = active ? job.rows.enter[y + j] : -1, l = active ? job.rows.leave[y + j] : -1;
            in[j] = e < 0 ? nullptr : src_row(e);
            out[j] = l < 0 ? nullptr : src_row(l);
            full = full && in[j] && out[j];
        }
        const int64_t i0 = x0 * K, i1 = (x0 + n) * K, iv = i0 + ((i1 - i0) & ~int64_t(L - 1));
        V* sn = snap + (x0 & slots.mask) * K - i0;  // value i at sn[i] (a block never wraps)
        for (int64_t i = i0; i < iv; i += L) {
            V r[L];
            V acc = loadu<V>(col + i);
            if (full) {
                for (int j = 0; j < L; ++j) {
                    acc += Src::four(in[j], i) - Src::four(out[j], i);
                    r[j] = acc;
                }
            } else {
                for (int j = 0; j < L; ++j) {
                    if (in[j] && out[j]) {
                        acc += Src::four(in[j], i) - Src::four(out[j], i);
                    } else if (in[j]) {
                        acc += Src::four(in[j], i);
                    } else if (out[j]) {
                        acc -= Src::four(out[j], i);
                    }
                    r[j] = acc;
                }
            }
            storeu(col + i, acc);
            transpose(r);
            for (int q = 0; q < L; ++q) sn[i + q] = r[q];
        }
        for (int64_t i = iv; i < i1; ++i) {
            double acc = col[i];
            V v = {};
            for (int j = 0; j < L; ++j) {
                if (in[j] && out[j]) {
                    acc += Src::at(in[j], i) - Src::at(out[j], i);
                } else if (in[j]) {
                    acc += Src::at(in[j], i);
                } else if (out[j]) {
                    acc -= Src::at(out[j], i);
                }
                v[j] = acc;
            }
            col[i] = acc;
            sn[i] = v;
        }
    }

    /// Rows y .. y + m - 1, columns [x0, x0 + n): window sums / sample count, stored.
    void output(int64_t y, int m, int64_t x0, int64_t n) {
        const int64_t nv = n * K;
        lane_unpack<1>(hw, nv, m, K * kBlock, win);  // [x][K] is one run of values
        for (int64_t x = 0; x < n; ++x)
            for (int k = 0; k < K; ++k) count[x * K + k] = job.cols.count[x0 + x];
        for (int j = 0; j < m; ++j) {
            double* ws = win + j * K * kBlock;
            const double ry = job.rows.count[y + j];
            for (int64_t i = 0; i < nv; ++i) ws[i] /= ry * count[i];
            if constexpr (kSquares) {  // the difference in double, rounded once (local variance)
                for (int64_t x = 0; x < n; ++x) {
                    const double v = ws[2 * x + 1] - ws[2 * x] * ws[2 * x];
                    ws[x] = v > 0.0 ? v : 0.0;
                }
                store_planes(job.dst, y + j, x0, n, ws, n);
            } else {
                store_values(job.dst, y + j, x0 * K, nv, ws);
            }
        }
    }

    void run(int64_t band) {
        const int64_t h = job.src.height, r = job.cols.radius;
        const int64_t y0 = band * job.band_rows;
        const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
        init_columns(band);
        for (int k = 0; k < K; ++k) snap[slots.zero * K + k] = V{};
        for (int64_t y = y0; y < y1; y += L) {
            const int m = static_cast<int>(y1 - y < L ? y1 - y : L);
            // block by block, the vertical update r columns ahead: a window reaches r columns
            // to the right (and over the whole row when the border maps it there: r >= w)
            int64_t done = 0;
            auto vertical_until = [&](int64_t x1) {
                for (; done < x1; done += kBlock)
                    vertical(done, (done + kBlock < w ? done + kBlock : w) - done, y, m, y == y0);
            };
            V state[K];
            for (int k = 0; k < K; ++k) state[k] = V{};
            for (int64_t s0 = 0; s0 < w; s0 += kBlock) {
                const int64_t s1 = s0 + kBlock < w ? s0 + kBlock : w;
                vertical_until(r >= w ? w : (s1 + r < w ? s1 + r : w));
                lane_horizontal<K>(snap, hw, s0, s1, state, job.cols, job.col_init, w, slots);
                output(y, m, s0, s1 - s0);
            }
        }
        double acc = 0.0;  // a NaN or Inf that entered a running sum never leaves it
        for (int64_t i = 0; i < K * w; ++i) acc += col[i] * 0.0;
        if (acc != 0.0) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
    }
};

template <int K, typename T, bool kSquares>
void box_task(void* ctx, int64_t band, int worker) {
    const BoxJob& job = *static_cast<const BoxJob*>(ctx);
    BoxBand<K, T, kSquares> b(job, job.scratch[worker].base);
    b.run(band);
}

/// The (values per pixel, source type) instance for a job.
template <typename T>
TaskFn box_task_for(const BoxJob& job) {
    if (job.variance) return &box_task<2, T, true>;
    switch (job.src.channels) {
        case 1:
            return &box_task<1, T, false>;
        case 2:
            return &box_task<2, T, false>;
        case 3:
            return &box_task<3, T, false>;
        default:
            return &box_task<4, T, false>;
    }
}

template <int CG, int C, typename R>
void guided_task(void* ctx, int64_t band, int worker) {
    const GuidedJob& job = *static_cast<const GuidedJob*>(ctx);
    RowBand<CG, C, R> b(job, job.scratch[worker].base);
    b.run(band);
}

template <int CG, int C, typename R>
int64_t guided_scratch(int64_t w, int64_t /*radius: the ring size carries it*/, int64_t ring_rows) {
    return RowBand<CG, C, R>::scratch_doubles(w, ring_rows);
}

// ---------------------------------------------------------------------------------------------
// fast guided filter: bilinear upsampling of the mean coefficients, applied to the full guide

/// The x taps for blocks of L = Lanes<R>::n outputs, built once per call (AVX2 only): block j
/// (outputs jL .. jL + L - 1) reads the L low-resolution samples from base[j] on, lane i the
/// window's samples at 32-bit lanes idx[j][0][i] (x0) and idx[j][1][i] (x0 + 1, clamped; for
/// double a pair of lanes per value) with weight f[j][i], fx rounded to R as in the scalar loop.
/// Any taps whose span fits in L samples qualify (every integer factor, any width, the edges);
/// base[j] < 0 marks a block that does not, left to the scalar loop. The lanes compute the
/// scalar formula, so the results are the same bits.
template <typename R>
struct UpsampleTaps {
    std::vector<int32_t> base;  // [blocks]
    std::vector<int32_t> idx;   // [blocks][2][8]
    std::vector<R> f;           // [blocks][L]
    int64_t blocks = 0;

    explicit UpsampleTaps(const UpsampleJob& job) {
#if defined(__AVX2__)
        constexpr int L = Lanes<R>::n, per = 8 / L;  // 32-bit lanes per value
        const int64_t lw = job.low_w;
        if (lw < L || lw > INT32_MAX) return;  // no window of L samples, or 32-bit indices overflow
        blocks = job.guide.width / L;
        base.resize(blocks);
        idx.resize(blocks * 16);
        f.resize(blocks * L);
        for (int64_t j = 0; j < blocks; ++j) {
            int64_t lo = lw, hi = 0;
            for (int64_t x = j * L; x < j * L + L; ++x) {
                lo = std::min(lo, job.x0[x]);
                hi = std::max(hi, std::min(job.x0[x] + 1, lw - 1));
            }
            const int64_t b = std::min(lo, lw - L);  // the window stays inside the row
            base[j] = hi - b < L ? static_cast<int32_t>(b) : -1;
            for (int i = 0; i < L; ++i) {
                const int64_t x = j * L + i, s0 = job.x0[x] - b, s1 = std::min(job.x0[x] + 1, lw - 1) - b;
                for (int h = 0; h < per; ++h) {
                    idx[j * 16 + i * per + h] = static_cast<int32_t>(s0 * per + h);
                    idx[j * 16 + 8 + i * per + h] = static_cast<int32_t>(s1 * per + h);
                }
                f[j * L + i] = static_cast<R>(job.fx[x]);
            }
        }
#else
        (void)job;
#endif
    }
};

template <typename R>
struct UpsampleCtx {
    const UpsampleJob& job;
    const UpsampleTaps<R>& taps;
};

/// Low-resolution row r of the coefficients (row-planar: kab planes of low_w doubles) in R.
template <typename R>
void split_row(const double* r, int64_t lw, int64_t kab, R* planes) {
    for (int64_t i = 0; i < kab * lw; ++i) planes[i] = static_cast<R>(r[i]);
}

/// Horizontal pass of the bilinear upsampling for one low-resolution row of coefficients into
/// kab planes of W values: dst[k * w + x]. The row is split into planes first (`planes`:
/// kab x low_w). In precision R: double (the default), or float for precision="single" (the
/// coefficients are rounded to float once, and interpolated and applied in float).
template <typename R>
void upsample_row(const UpsampleCtx<R>& cx, int64_t kab, int64_t sy, bool halving, R* planes, R* dst) {
    const UpsampleJob& job = cx.job;
    const int64_t w = job.guide.width, lw = job.low_w;
    split_row(job.coef + sy * lw * kab, lw, kab, planes);
    int64_t done = 0;  // outputs [0, done) of every plane written by the blocks
#if defined(__AVX2__)
    {
        // per block one load of the window, a permutation for each tap and the scalar formula
        // lane by lane; the block's taps are loaded once for all kab planes
        using V = typename Lanes<R>::V;
        constexpr int L = Lanes<R>::n;
        const UpsampleTaps<R>& t = cx.taps;
        for (int64_t j = 0; j < t.blocks; ++j) {
            const int64_t x = j * L, b = t.base[j];
            if (b < 0) {
                for (int64_t k = 0; k < kab; ++k) {
                    const R* p = planes + k * lw;
                    for (int64_t i = x; i < x + L; ++i) {
                        const int64_t sx0 = job.x0[i], sx1 = sx0 + 1 < lw ? sx0 + 1 : lw - 1;
                        dst[k * w + i] = p[sx0] + static_cast<R>(job.fx[i]) * (p[sx1] - p[sx0]);
                    }
                }
                continue;
            }
            const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&t.idx[j * 16]));
            const __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&t.idx[j * 16 + 8]));
            const V f = loadu<V>(&t.f[j * L]);
            for (int64_t k = 0; k < kab; ++k) {
                const __m256 a = _mm256_loadu_ps(reinterpret_cast<const float*>(planes + k * lw + b));
                const V p0 = reinterpret_cast<V>(_mm256_permutevar8x32_ps(a, i0));
                const V p1 = reinterpret_cast<V>(_mm256_permutevar8x32_ps(a, i1));
                storeu(dst + k * w + x, p0 + f * (p1 - p0));
            }
        }
        done = t.blocks * L;
    }
#endif
    for (int64_t k = 0; k < kab; ++k) {
        const R* p = planes + k * lw;
        R* d = dst + k * w;
        auto scalar = [&](int64_t x) {
            const int64_t sx0 = job.x0[x];
            const int64_t sx1 = sx0 + 1 < lw ? sx0 + 1 : lw - 1;
            d[x] = p[sx0] + static_cast<R>(job.fx[x]) * (p[sx1] - p[sx0]);
        };
        int64_t x = done;
        if (halving && x == 0) {
            // outputs 2m .. 2m + L - 1 read p[m - 1 .. m + L / 2]: one load, two permutations,
            // and the scalar formula lane by lane
            for (; x < 2; ++x) scalar(x);
            if constexpr (std::is_same<R, double>::value) {
                const v4d f = {0.75, 0.25, 0.75, 0.25};
                for (; x + 3 < w && x / 2 + 2 <= lw - 1; x += 4) {
                    const v4d a = loadu<v4d>(p + x / 2 - 1);
                    const v4d p0 = JF_SHUFFLE4(a, a, 0, 1, 1, 2), p1 = JF_SHUFFLE4(a, a, 1, 2, 2, 3);
                    storeu(d + x, p0 + f * (p1 - p0));
                }
            } else {
                const v8f f = {0.75f, 0.25f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f, 0.25f};
                for (; x + 7 < w && x / 2 + 6 <= lw - 1; x += 8) {
                    const v8f a = loadu<v8f>(p + x / 2 - 1);
                    const v8f p0 = JF_SHUFFLE8(a, a, 0, 1, 1, 2, 2, 3, 3, 4);
                    const v8f p1 = JF_SHUFFLE8(a, a, 1, 2, 2, 3, 3, 4, 4, 5);
                    storeu(d + x, p0 + f * (p1 - p0));
                }
            }
        }
        for (; x < w; ++x) scalar(x);
    }
}

/// True when the x taps are exactly those of halving an even width (s = 2): output 2m reads
/// low columns m - 1, m with weight 3/4, output 2m + 1 reads m, m + 1 with weight 1/4.
bool halving_taps(const UpsampleJob& job) {
    const int64_t w = job.guide.width, lw = job.low_w;
    if (w != 2 * lw || lw < 4) return false;
    for (int64_t x = 2; x < w - 1; ++x) {
        const bool odd = (x & 1) != 0;
        if (job.x0[x] != (odd ? x / 2 : x / 2 - 1) || job.fx[x] != (odd ? 0.25 : 0.75)) return false;
    }
    return true;
}

/// One output row from the two x-interpolated coefficient rows (planes of W: per target channel
/// a_0 .. a_{CG-1}, b) and the guide planes: o = v_b + v_a0 I_0 + ..., each coefficient v = t +
/// fy (l - t) between the rows (the order of OpenCV's separable INTER_LINEAR), summed in the
/// order of the guide channels, in one pass over x. Returns true if an output is not finite:
/// the coefficients are, so a NaN/Inf came from the guide (x * 0 is 0 for finite x and NaN
/// otherwise).
template <typename R, int CG>
bool apply_row(const R* top, const R* lower, const R* guide, R fy, int64_t ct, int64_t w, R* outp) {
    using V = typename Lanes<R>::V;
    constexpr int L = Lanes<R>::n;
    const V vfy = splat<V>(fy), zero = {};
    auto finite = zero == zero;  // lanes stay set while every output is finite
    bool bad = false;
    for (int64_t c = 0; c < ct; ++c) {
        const R* t = top + c * (CG + 1) * w;
        const R* l = lower + c * (CG + 1) * w;
        R* o = outp + c * w;
        int64_t x = 0;
        for (; x + L <= w; x += L) {
            const V tb = loadu<V>(t + CG * w + x), lb = loadu<V>(l + CG * w + x);
            V acc = tb + vfy * (lb - tb);
            for (int g = 0; g < CG; ++g) {
                const V tg = loadu<V>(t + g * w + x), lg = loadu<V>(l + g * w + x);
                acc += (tg + vfy * (lg - tg)) * loadu<V>(guide + g * w + x);
            }
            finite &= acc * zero == zero;
            storeu(o + x, acc);
        }
        for (; x < w; ++x) {
            R acc = t[CG * w + x] + fy * (l[CG * w + x] - t[CG * w + x]);
            for (int g = 0; g < CG; ++g)
                acc += (t[g * w + x] + fy * (l[g * w + x] - t[g * w + x])) * guide[g * w + x];
            bad |= !(acc * R(0) == R(0));
            o[x] = acc;
        }
    }
    for (int i = 0; i < L; ++i) bad |= finite[i] == 0;
    return bad;
}

template <typename R>
void upsample_task(void* ctx, int64_t band, int worker) {
    const UpsampleCtx<R>& cx = *static_cast<const UpsampleCtx<R>*>(ctx);
    const UpsampleJob& job = cx.job;
    const int64_t h = job.guide.height, w = job.guide.width;
    const int64_t cg = job.guide.channels, ct = job.target_channels;
    const int64_t kab = ct * (cg + 1);
    const R no_offset[4] = {0, 0, 0, 0};
    R* gplanes = reinterpret_cast<R*>(job.scratch[worker].base);  // cg x W
    R* outp = gplanes + cg * w;                                   // ct x W
    // the two low-resolution rows in use, interpolated along x once and reused by the s output
    // rows between them (the per-pixel arithmetic and its order are unchanged)
    R* top = outp + ct * w;
    R* bot = top + kab * w;
    R* low_planes = bot + kab * w;  // kab x low_w
    int64_t top_row = -1, bot_row = -1;
    const bool halving = cx.taps.blocks == 0 && halving_taps(job);
    const int64_t y0 = band * job.band_rows;
    const int64_t y1 = y0 + job.band_rows < h ? y0 + job.band_rows : h;
    for (int64_t y = y0; y < y1; ++y) {
        const int64_t sy0 = job.y0[y];  // nondecreasing in y
        const int64_t sy1 = sy0 + 1 < job.low_h ? sy0 + 1 : job.low_h - 1;
        const R fy = static_cast<R>(job.fy[y]);
        if (sy0 == bot_row && sy0 != top_row) {  // moved down one row: the bottom becomes the top
            std::swap(top, bot);
            std::swap(top_row, bot_row);
        }
        if (top_row != sy0) {
            upsample_row(cx, kab, sy0, halving, low_planes, top);
            top_row = sy0;
        }
        if (bot_row != sy1 && sy1 != sy0) {
            upsample_row(cx, kab, sy1, halving, low_planes, bot);
            bot_row = sy1;
        }
        const R* lower = sy1 == sy0 ? top : bot;
        load_planes(job.guide, y, gplanes, no_offset);
        const bool bad = cg == 1 ? apply_row<R, 1>(top, lower, gplanes, fy, ct, w, outp)
                                 : apply_row<R, 3>(top, lower, gplanes, fy, ct, w, outp);
        if (bad) __atomic_store_n(job.nonfinite, 1, __ATOMIC_RELAXED);
        store_planes(job.dst, y, outp);
    }
}

/// The (guide channels, target channels, precision) instance for a job.
template <typename R>
TaskFn guided_task_for(int64_t cg, int64_t c) {
    static const TaskFn table[2][4] = {
        {&guided_task<1, 1, R>, &guided_task<1, 2, R>, &guided_task<1, 3, R>, &guided_task<1, 4, R>},
        {&guided_task<3, 1, R>, &guided_task<3, 2, R>, &guided_task<3, 3, R>, &guided_task<3, 4, R>}};
    return table[cg == 3][c - 1];
}

template <typename R>
int64_t guided_scratch_for(int64_t cg, int64_t c, int64_t width, int64_t radius, int64_t ring_rows) {
    using Fn = int64_t (*)(int64_t, int64_t, int64_t);
    static const Fn table[2][4] = {{&guided_scratch<1, 1, R>, &guided_scratch<1, 2, R>,
                                    &guided_scratch<1, 3, R>, &guided_scratch<1, 4, R>},
                                   {&guided_scratch<3, 1, R>, &guided_scratch<3, 2, R>,
                                    &guided_scratch<3, 3, R>, &guided_scratch<3, 4, R>}};
    return table[cg == 3][c - 1](width, radius, ring_rows);
}

}  // namespace

void run_box(const BoxJob& job) {
    TaskFn fn = nullptr;
    switch (job.src.dtype) {
        case DType::u8:
            fn = box_task_for<uint8_t>(job);
            break;
        case DType::u16:
            fn = box_task_for<uint16_t>(job);
            break;
        case DType::f32:
            fn = box_task_for<float>(job);
            break;
    }
    parallel_for(job.n_bands, job.workers, fn, const_cast<BoxJob*>(&job));
}

int64_t box_scratch_doubles(int64_t planes, int64_t width, int64_t radius) {
    // the layout does not depend on the source type
    switch (planes) {
        case 1:
            return BoxBand<1, float, false>::scratch_doubles(width, radius);
        case 2:
            return BoxBand<2, float, false>::scratch_doubles(width, radius);
        case 3:
            return BoxBand<3, float, false>::scratch_doubles(width, radius);
        default:
            return BoxBand<4, float, false>::scratch_doubles(width, radius);
    }
}

int64_t guided_scratch_doubles(int64_t guide_channels, int64_t target_channels, int64_t width, int64_t radius,
                               int64_t ring_rows, bool single) {
    return single ? guided_scratch_for<float>(guide_channels, target_channels, width, radius, ring_rows)
                  : guided_scratch_for<double>(guide_channels, target_channels, width, radius, ring_rows);
}

void run_guided(const GuidedJob& job) {
    const int64_t cg = job.guide.channels, c = job.target.channels;
    const TaskFn fn = job.single ? guided_task_for<float>(cg, c) : guided_task_for<double>(cg, c);
    parallel_for(job.n_bands, job.workers, fn, const_cast<GuidedJob*>(&job));
}

void run_upsample(const UpsampleJob& job) {
    if (job.single) {
        const UpsampleTaps<float> taps(job);
        UpsampleCtx<float> cx{job, taps};
        parallel_for(job.n_bands, job.workers, &upsample_task<float>, &cx);
    } else {
        const UpsampleTaps<double> taps(job);
        UpsampleCtx<double> cx{job, taps};
        parallel_for(job.n_bands, job.workers, &upsample_task<double>, &cx);
    }
}

}  // namespace JF_ARCH
}  // namespace jointfilter
