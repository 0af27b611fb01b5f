#include "minmax_filter.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "guided_filter.hpp"  // kernel_isa()
#include "parallel.hpp"

namespace jointfilter {
namespace {

// Values are compared as integer keys of their own width: uint8 and uint16 as they are, float32
// as the int32 whose order is the float order with -0 below +0 (the sign-magnitude bits turned
// into two's complement). Every comparison is then a plain vector min/max, and the result does
// not depend on the order of the comparisons (no tie to break between -0 and +0): it is the
// same as the CUDA kernels' (cuda/minmax_sweeps.hpp, same total order).
template <typename T>
struct Keys {
    using K = T;
};
template <>
struct Keys<float> {
    using K = int32_t;
};

inline int32_t float_key(int32_t bits) { return bits ^ ((bits >> 31) & 0x7fffffff); }

template <typename K, bool Max>
constexpr K neutral_key() {
    return Max ? std::numeric_limits<K>::lowest() : std::numeric_limits<K>::max();
}

#if defined(__GNUC__)
#define JF_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define JF_ALWAYS_INLINE inline
#endif

// The loops everything is built from. Written once, compiled twice: for the baseline
// instruction set and (wrapped below) with AVX2 code generation, chosen at run time.

template <typename K, bool Max>
JF_ALWAYS_INLINE K extremum(K a, K b) {
    return Max ? (a < b ? b : a) : (b < a ? b : a);
}

/// out[i] = extremum(a[i], b[i]), i < n.
template <typename K, bool Max>
JF_ALWAYS_INLINE void pick_loop(const K* __restrict a, const K* __restrict b, K* __restrict out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = extremum<K, Max>(a[i], b[i]);
}

/// float32 values to keys; returns the number of NaN values seen.
JF_ALWAYS_INLINE int64_t to_keys_loop(const float* __restrict v, int32_t* __restrict k, int64_t n) {
    int32_t nans = 0;  // an int count vectorises
    for (int64_t i = 0; i < n; ++i) {
        int32_t bits;
        std::memcpy(&bits, v + i, sizeof bits);
        k[i] = float_key(bits);
        nans += v[i] != v[i];
    }
    return nans;
}

/// out[i] = extremum of a[i], b[i], c[i], d[i] (the last step of a window), i < n.
template <typename K, bool Max>
JF_ALWAYS_INLINE void pick4_loop(const K* __restrict a, const K* __restrict b, const K* __restrict c,
                                 const K* __restrict d, K* __restrict out, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        out[i] = extremum<K, Max>(extremum<K, Max>(a[i], b[i]), extremum<K, Max>(c[i], d[i]));
}

/// pick4_loop for float32 keys, written as float32 values.
template <bool Max>
JF_ALWAYS_INLINE void pick4_values_loop(const int32_t* __restrict a, const int32_t* __restrict b,
                                        const int32_t* __restrict c, const int32_t* __restrict d,
                                        float* __restrict v, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const int32_t k =
            extremum<int32_t, Max>(extremum<int32_t, Max>(a[i], b[i]), extremum<int32_t, Max>(c[i], d[i]));
        const int32_t bits = float_key(k);
        std::memcpy(v + i, &bits, sizeof bits);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define JF_MINMAX_AVX2 1
template <typename K, bool Max>
__attribute__((target("avx2"))) void pick_avx2(const K* a, const K* b, K* out, int64_t n) {
    pick_loop<K, Max>(a, b, out, n);
}
__attribute__((target("avx2"))) int64_t to_keys_avx2(const float* v, int32_t* k, int64_t n) {
    return to_keys_loop(v, k, n);
}
template <typename K, bool Max>
__attribute__((target("avx2"))) void pick4_avx2(const K* a, const K* b, const K* c, const K* d, K* out,
                                                int64_t n) {
    pick4_loop<K, Max>(a, b, c, d, out, n);
}
template <bool Max>
__attribute__((target("avx2"))) void pick4_values_avx2(const int32_t* a, const int32_t* b, const int32_t* c,
                                                       const int32_t* d, float* v, int64_t n) {
    pick4_values_loop<Max>(a, b, c, d, v, n);
}
#endif

template <typename K, bool Max>
void pick_base(const K* a, const K* b, K* out, int64_t n) {
    pick_loop<K, Max>(a, b, out, n);
}
int64_t to_keys_base(const float* v, int32_t* k, int64_t n) { return to_keys_loop(v, k, n); }
template <typename K, bool Max>
void pick4_base(const K* a, const K* b, const K* c, const K* d, K* out, int64_t n) {
    pick4_loop<K, Max>(a, b, c, d, out, n);
}
template <bool Max>
void pick4_values_base(const int32_t* a, const int32_t* b, const int32_t* c, const int32_t* d, float* v,
                       int64_t n) {
    pick4_values_loop<Max>(a, b, c, d, v, n);
}

bool use_avx2() {
#if defined(JF_MINMAX_AVX2)
    return std::strcmp(kernel_isa(), "avx2") == 0;
#else
    return false;
#endif
}

/// The loops of one call, bound to one instruction set.
template <typename K, bool Max>
struct Ops {
    void (*pick)(const K*, const K*, K*, int64_t) = pick_base<K, Max>;
    int64_t (*to_keys)(const float*, int32_t*, int64_t) = to_keys_base;
    void (*pick4)(const K*, const K*, const K*, const K*, K*, int64_t) = pick4_base<K, Max>;
    void (*pick4_values)(const int32_t*, const int32_t*, const int32_t*, const int32_t*, float*,
                         int64_t) = pick4_values_base<Max>;
    explicit Ops(bool avx2) {
#if defined(JF_MINMAX_AVX2)
        if (avx2) {
            pick = pick_avx2<K, Max>;
            to_keys = to_keys_avx2;
            pick4 = pick4_avx2<K, Max>;
            pick4_values = pick4_values_avx2<Max>;
        }
#else
        (void)avx2;
#endif
    }
};

/// The span of the last doubling level for windows of len >= 2 entries: the largest power of two
/// with 2 * span <= len. The window [i, i + len) is then covered by four such spans: at i,
/// i + span, i + len - 2 span and i + len - span (min and max are idempotent: overlaps change
/// nothing).
inline int64_t last_span(int64_t len) {
    int64_t span = 1;
    while (4 * span <= len) span *= 2;
    return span;
}

/// Extremum over windows of `len` consecutive entries, `step` keys apart, of a line of n entries:
/// doublings (entry i of level m covers 2^m entries from i) up to last_span(len), then one pick of
/// four entries; out[j] for j < n_out * step. a holds the line (it is overwritten), b is scratch
/// of the same size.
template <typename K, bool Max>
void window_extrema(const Ops<K, Max>& ops, K* a, K* b, int64_t n, int64_t step, int64_t len, int64_t n_out,
                    K* out) {
    if (len == 1) return ops.pick(a, a, out, n_out * step);
    const int64_t last = last_span(len);
    int64_t span = 1;  // entries covered by each entry of a
    while (span < last) {
        const int64_t valid = n - (2 * span - 1);  // entries of the next level
        ops.pick(a, a + span * step, b, valid * step);
        std::swap(a, b);
        span *= 2;
    }
    const int64_t d = (len - 2 * span) * step, s = span * step;
    ops.pick4(a, a + s, a + d, a + d + s, out, n_out * step);
}

constexpr int kMaxLevels = 62;  // log2 of the largest window

template <typename T, bool Max>
struct MinMax {
    using K = typename Keys<T>::K;
    static constexpr bool kFloat = std::is_same<T, float>::value;
    const ImageView& src;
    const ImageView& dst;
    int64_t r_x, r_y;
    Border border;
    Ops<K, Max> ops;
    std::vector<std::vector<K>>& scratch;  // per worker
    int* nonfinite;

    K* buffer(int worker, int64_t n) {
        std::vector<K>& v = scratch[static_cast<size_t>(worker)];
        if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
        return v.data();
    }

    /// The row filter of source row y into `out` (w * c keys): the row padded by r_x pixels
    /// (border map; the clipped border pads with the neutral key), then window_extrema.
    /// Returns the number of NaN values read.
    int64_t filter_row(int64_t y, K* a, K* b, K* out) const {
        const int64_t w = src.width, c = src.channels, r = r_x, n = w + 2 * r;
        K* real = a + r * c;
        int64_t nans = 0;
        if constexpr (kFloat) {
            nans = ops.to_keys(src.row<const float>(y), real, w * c);
        } else {
            std::memcpy(real, src.row<const T>(y), sizeof(K) * w * c);
        }
        for (int64_t i = 0; i < r; ++i) {  // the border pixels on both sides, from the keys
            const int64_t lo = border_map(i - r, w, border), hi = border_map(w + i, w, border);
            for (int64_t ch = 0; ch < c; ++ch) {
                a[i * c + ch] = lo < 0 ? neutral_key<K, Max>() : real[lo * c + ch];
                a[(r + w + i) * c + ch] = hi < 0 ? neutral_key<K, Max>() : real[hi * c + ch];
            }
        }
        window_extrema(ops, a, b, n, c, 2 * r + 1, w, out);
        return nans;
    }

    /// Output rows [y0, y1). The padded source rows y0 .. y1 + 2 r_y - 1 stream through: each is
    /// row-filtered into level 0 of a ring; when padded row j arrives, level m's row j - 2^m + 1
    /// (the extremum of 2^m rows) is formed from level m - 1, and output row j - 2 r_y from the
    /// last level (two overlapping power-of-two windows). Each level keeps only the rows it still
    /// has to give, so the intermediate rows stay in cache (for the usual radii, L2).
    void band(int64_t y0, int64_t y1, int worker) {
        const int64_t h = src.height, wc = src.width * src.channels, n = src.width + 2 * r_x;
        const int64_t len = 2 * r_y + 1;
        // levels 0 .. top, the top one covering `span` rows (len == 1: level 0 is the result)
        const int64_t span = len == 1 ? 1 : last_span(len), d = len - 2 * span;
        int top = 0;
        while ((int64_t(1) << top) < span) ++top;
        int64_t ring[kMaxLevels + 1], base[kMaxLevels + 1], total = 0;
        for (int m = 0; m <= top; ++m) {
            // rows a level still has to give: to the next level, or to the four-row last step
            ring[m] = (m < top ? (int64_t(1) << m) : (len == 1 ? 0 : d + span)) + 1;
            base[m] = total;
            total += ring[m];
        }
        K* buf = buffer(worker, total * wc + 2 * n * src.channels);
        K* a = buf + total * wc;
        K* b = a + n * src.channels;
        auto slot = [&](int m, int64_t i) { return buf + (base[m] + i % ring[m]) * wc; };
        int64_t nans = 0;
        for (int64_t j = y0; j < y1 + len - 1; ++j) {
            const int64_t m = border_map(j - r_y, h, border);
            K* in = slot(0, j);
            if (m < 0) {
                std::fill(in, in + wc, neutral_key<K, Max>());
            } else {
                nans += filter_row(m, a, b, in);
            }
            for (int l = 1; l <= top; ++l) {
                const int64_t i = j - ((int64_t(1) << l) - 1);
                if (i < y0) break;
                ops.pick(slot(l - 1, i), slot(l - 1, i + (int64_t(1) << (l - 1))), slot(l, i), wc);
            }
            const int64_t y = j - (len - 1);
            if (y < y0) continue;
            // len == 1: the four rows are all row y
            const int64_t s = len == 1 ? 0 : span, e = len == 1 ? 0 : d;
            const K *p0 = slot(top, y), *p1 = slot(top, y + s), *p2 = slot(top, y + e),
                    *p3 = slot(top, y + e + s);
            if constexpr (kFloat) {
                ops.pick4_values(p0, p1, p2, p3, dst.row<float>(y), wc);
            } else {
                ops.pick4(p0, p1, p2, p3, dst.row<T>(y), wc);
            }
        }
        if (nans) __atomic_store_n(nonfinite, 1, __ATOMIC_RELAXED);
    }
};

template <typename T, bool Max>
void run(const ImageView& src, const ImageView& dst, int64_t radius, Border border) {
    const int64_t h = src.height, w = src.width;
    using Job = MinMax<T, Max>;
    using K = typename Job::K;
    const int workers = std::max(1, get_num_threads());
    std::vector<std::vector<K>> scratch(static_cast<size_t>(workers));
    int nonfinite = 0;
    // a window at least as large as the line covers every value (for periodic borders: a
    // whole period), so clamping the radius to the line length changes nothing
    Job job{src,     dst,       std::min(radius, w), std::min(radius, h), border, Ops<K, Max>(use_avx2()),
            scratch, &nonfinite};
    // each band filters 2 r_y rows of halo again: bands of >= 8 r_y rows keep that <= 25%;
    // the result does not depend on the banding
    const int64_t bands =
        std::max<int64_t>(1, std::min<int64_t>(2 * workers, h / std::max<int64_t>(64, 8 * job.r_y)));
    struct Ctx {
        Job* job;
        int64_t h, bands;
    } ctx{&job, h, bands};
    parallel_for(
        bands, workers,
        [](void* p, int64_t t, int worker) {
            auto* x = static_cast<Ctx*>(p);
            x->job->band(t * x->h / x->bands, (t + 1) * x->h / x->bands, worker);
        },
        &ctx);
    if (nonfinite) throw nonfinite_input("jointfilter: image contains NaN");
}

template <typename T>
void run_typed(const ImageView& src, const ImageView& dst, int64_t radius, Border border, Extremum which) {
    if (which == Extremum::min)
        run<T, false>(src, dst, radius, border);
    else
        run<T, true>(src, dst, radius, border);
}

}  // namespace

void check_minmax_arguments(const ImageView& src, const ImageView& dst, int64_t radius) {
    check_view(src, "image");  // also: at least one channel
    check_view(dst, "out");
    JF_CHECK(radius >= 0, "radius must be >= 0");
    JF_CHECK(src.dtype == dst.dtype, "out must have the dtype of image");
    JF_CHECK(dst.height == src.height && dst.width == src.width && dst.channels == src.channels,
             "out must have the shape of image");
    JF_CHECK(dst.data != src.data, "out must not be image: the filter is not in-place safe");
}

void minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                   Extremum which) {
    check_minmax_arguments(src, dst, radius);
    if (src.height == 0 || src.width == 0) return;
    switch (src.dtype) {
        case DType::u8:
            run_typed<uint8_t>(src, dst, radius, border, which);
            break;
        case DType::u16:
            run_typed<uint16_t>(src, dst, radius, border, which);
            break;
        case DType::f32:
            run_typed<float>(src, dst, radius, border, which);
            break;
    }
}

}  // namespace jointfilter
