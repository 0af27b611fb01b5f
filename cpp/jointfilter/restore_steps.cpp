// Loops of the restore steps; the contracts are in restore_steps.hpp.
#include "restore_steps.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "parallel.hpp"

namespace jointfilter {
namespace restore {
namespace {

constexpr int64_t kBandRows = 32;  // rows per task (fixed: results never depend on it)

/// Run f(y0, y1) over bands of kBandRows rows of [0, height), on the pool.
template <class F>
void for_bands(int64_t height, F&& f) {
    jointfilter::for_bands(height, kBandRows, f);
}

/// 2^23: (v + 2^23) - 2^23 is v rounded half to even for 0 <= v < 2^23 (NumPy's rint there).
constexpr float kRoundMagic = 8388608.0f;

template <typename T>
void from_unit_row(const float* s, int64_t n, float scale, T* d) {
    if constexpr (std::is_same_v<T, float>) {
        for (int64_t j = 0; j < n; ++j) d[j] = s[j] * scale;
    } else {
        constexpr float top = sizeof(T) == 1 ? 255.0f : 65535.0f;
        int64_t j = 0;
#if defined(__SSE2__)
        // GCC leaves the scalar loop's selects as branches; maxps / minps are exactly them
        // (max(v, 0) is 0 for NaN), and the packs saturate nothing: values are in range
        const __m128 vs = _mm_set1_ps(scale), zero = _mm_setzero_ps(), hi = _mm_set1_ps(top);
        const __m128 magic = _mm_set1_ps(kRoundMagic);
        const auto to_int = [&](const float* p) {
            __m128 v = _mm_mul_ps(_mm_loadu_ps(p), vs);
            v = _mm_min_ps(_mm_max_ps(v, zero), hi);
            return _mm_cvttps_epi32(_mm_sub_ps(_mm_add_ps(v, magic), magic));
        };
        if constexpr (sizeof(T) == 1) {
            for (; j + 16 <= n; j += 16) {
                const __m128i lo = _mm_packs_epi32(to_int(s + j), to_int(s + j + 4));
                const __m128i up = _mm_packs_epi32(to_int(s + j + 8), to_int(s + j + 12));
                _mm_storeu_si128(reinterpret_cast<__m128i*>(d + j), _mm_packus_epi16(lo, up));
            }
        } else {
            const __m128i bias = _mm_set1_epi32(32768);  // packs is signed: shift, pack, flip
            for (; j + 8 <= n; j += 8) {
                const __m128i a = _mm_sub_epi32(to_int(s + j), bias);
                const __m128i b = _mm_sub_epi32(to_int(s + j + 4), bias);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(d + j),
                                 _mm_xor_si128(_mm_packs_epi32(a, b), _mm_set1_epi16(-32768)));
            }
        }
#endif
        for (; j < n; ++j) {
            float v = s[j] * scale;
            v = v > 0.0f ? v : 0.0f;  // NaN -> 0 (NumPy: after its clip and rint, the same value)
            v = v < top ? v : top;
            v = (v + kRoundMagic) - kRoundMagic;
            d[j] = static_cast<T>(static_cast<int32_t>(v));
        }
    }
}

template <typename T>
void from_unit_typed(const ImageView& src, float scale, const ImageView& dst, bool parallel) {
    const int64_t n = src.width * src.channels;
    auto rows = [&](int64_t y0, int64_t y1) {
        for (int64_t y = y0; y < y1; ++y) from_unit_row<T>(crow<float>(src, y), n, scale, dst.row<T>(y));
    };
    if (parallel) {
        for_bands(src.height, rows);
    } else {
        rows(0, src.height);
    }
}

using Named = std::pair<const ImageView*, const char*>;

/// Output checks shared by the fused last steps: dst has base's shape; planes its height and width.
void check_fused(const ImageView& base, const ImageView& dst, std::initializer_list<Named> planes) {
    check_view(base, "image");
    check_view(dst, "out");
    JF_CHECK(base.dtype == DType::f32, "image: expected float32");
    JF_CHECK(dst.height == base.height && dst.width == base.width && dst.channels == base.channels,
             "out: expected the shape of image");
    for (const Named& p : planes) {
        check_view(*p.first, p.second);
        JF_CHECK(
            p.first->dtype == DType::f32 && p.first->height == base.height && p.first->width == base.width,
            std::string(p.second) + ": expected a float32 image of the image's height and width");
        JF_CHECK(p.first->channels == 1 || p.first->channels == base.channels,
                 std::string(p.second) + ": expected one channel or the image's");
    }
}

/// e[i * c + k] = p[i] for k < c: a plane's row repeated per channel (_fast.expand).
void expand_row(const float* p, int64_t w, int64_t c, float* e) {
    if (c == 1) {
        std::copy(p, p + w, e);
    } else if (c == 3) {
        for (int64_t i = 0; i < w; ++i) e[3 * i] = e[3 * i + 1] = e[3 * i + 2] = p[i];
    } else {
        for (int64_t i = 0; i < w; ++i)
            for (int64_t k = 0; k < c; ++k) e[i * c + k] = p[i];
    }
}

/// A per-channel vector repeated along a row of w pixels (_fast.tile_row).
std::vector<float> tile_row(const float* vec, int64_t w, int64_t c) {
    std::vector<float> row(static_cast<size_t>(w * c));
    for (int64_t i = 0; i < w; ++i) std::copy(vec, vec + c, row.begin() + i * c);
    return row;
}

/// Run px(y, v, e, p) for every row y (v: the row's float32 results, C values per pixel, to
/// fill; e (C values per pixel) and p (one per pixel): scratch rows), then store v into dst's
/// row with from_unit: bands on the pool. The formulas run on whole rows, a plane's values
/// repeated per channel first, so that every loop vectorises.
template <class Px>
void fused_rows(const ImageView& dst, float scale, Px&& px) {
    const int64_t n = dst.width * dst.channels;
    for_bands(dst.height, [&](int64_t y0, int64_t y1) {
        std::vector<float> v(static_cast<size_t>(n)), e(static_cast<size_t>(n)),
            p(static_cast<size_t>(dst.width));
        for (int64_t y = y0; y < y1; ++y) {
            px(y, v.data(), e.data(), p.data());
            switch (dst.dtype) {
                case DType::u8:
                    from_unit_row<uint8_t>(v.data(), n, scale, dst.row<uint8_t>(y));
                    break;
                case DType::u16:
                    from_unit_row<uint16_t>(v.data(), n, scale, dst.row<uint16_t>(y));
                    break;
                case DType::f32:
                    from_unit_row<float>(v.data(), n, scale, dst.row<float>(y));
                    break;
            }
        }
    });
}

/// np.clip(x, lo, inf) for float32: max(x, lo) with NaN kept (the form of SSE's maxps(lo, x)).
inline float clip_below(float x, float lo) { return lo > x ? lo : x; }

/// d[j] = x[j - c] + x[j + c] - 2 x[j] for the interior values j of a row (the second
/// difference along the row, exact in int32), d[0 .. n - 2c) holding j = c .. n - c.
template <typename T>
void row_difference(const T* x, int64_t n, int64_t c, int32_t* d) {
    for (int64_t j = c; j < n - c; ++j) d[j - c] = int32_t{x[j - c]} + int32_t{x[j + c]} - 2 * int32_t{x[j]};
}

template <typename T>
int64_t laplacian_abs_sum_typed(const ImageView& src) {
    const int64_t interior = src.height - 2, c = src.channels, n = src.width * c, m = n - 2 * c;
    std::vector<int64_t> parts((interior + kBandRows - 1) / kBandRows, 0);
    for_bands(interior, [&](int64_t y0, int64_t y1) {
        // the row differences of image rows y0 .. y1 + 1, three at a time, each computed once
        std::vector<int32_t> buf(static_cast<size_t>(3 * m));
        int32_t *up = buf.data(), *mid = up + m, *down = mid + m;
        row_difference(crow<T>(src, y0), n, c, up);
        row_difference(crow<T>(src, y0 + 1), n, c, mid);
        int64_t total = 0;
        for (int64_t y = y0 + 1; y < y1 + 1; ++y) {
            row_difference(crow<T>(src, y + 1), n, c, down);
            int64_t row = 0;  // |lap| <= 16 * 65535 fits int32; the sums are int64
            for (int64_t j = 0; j < m; ++j) row += std::abs(up[j] + down[j] - 2 * mid[j]);
            total += row;
            int32_t* done = up;  // rotate: the next row's up is this row's mid
            up = mid;
            mid = down;
            down = done;
        }
        parts[y0 / kBandRows] = total;
    });
    int64_t total = 0;
    for (const int64_t p : parts) total += p;  // integers: exact in any order
    return total;
}

}  // namespace

void from_unit(const ImageView& src, float scale, const ImageView& dst, bool parallel) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(src.dtype == DType::f32, "image: expected float32");
    JF_CHECK(dst.height == src.height && dst.width * dst.channels == src.width * src.channels,
             "out: expected the shape of image");
    switch (dst.dtype) {
        case DType::u8:
            return from_unit_typed<uint8_t>(src, scale, dst, parallel);
        case DType::u16:
            return from_unit_typed<uint16_t>(src, scale, dst, parallel);
        case DType::f32:
            return from_unit_typed<float>(src, scale, dst, parallel);
    }
}

void add_detail(const ImageView& base, const ImageView& luma, const ImageView& smooth, const float* gain,
                float scale, const ImageView& dst) {
    check_fused(base, dst, {{&luma, "luma"}, {&smooth, "smooth"}});
    JF_CHECK(luma.channels == 1 && smooth.channels == 1, "luma, smooth: expected planes");
    const int64_t w = base.width, c = base.channels, n = w * c;
    const std::vector<float> gain_row = tile_row(gain, w, c);
    const float* gr = gain_row.data();
    fused_rows(dst, scale, [&](int64_t y, float* v, float* e, float* p) {
        const float *b = crow<float>(base, y), *l = crow<float>(luma, y), *s = crow<float>(smooth, y);
        for (int64_t i = 0; i < w; ++i) p[i] = l[i] - s[i];
        expand_row(p, w, c, e);
        for (int64_t j = 0; j < n; ++j) v[j] = b[j] + e[j] * gr[j];
    });
}

void ratio_detail(const ImageView& base, const ImageView& detail, const ImageView& smooth, float delta,
                  float scale, const ImageView& dst) {
    check_fused(base, dst, {{&detail, "detail"}, {&smooth, "smooth"}});
    JF_CHECK(detail.channels == smooth.channels, "smooth: expected the channels of detail");
    const int64_t w = base.width, c = base.channels, n = w * c;
    const bool per_channel = detail.channels == c;
    fused_rows(dst, scale, [&](int64_t y, float* v, float* e, float* p) {
        const float *b = crow<float>(base, y), *g = crow<float>(detail, y), *s = crow<float>(smooth, y);
        if (per_channel) {
            for (int64_t j = 0; j < n; ++j) v[j] = b[j] * ((g[j] + delta) / (clip_below(s[j], 0.0f) + delta));
        } else {
            for (int64_t i = 0; i < w; ++i) p[i] = (g[i] + delta) / (clip_below(s[i], 0.0f) + delta);
            expand_row(p, w, c, e);
            for (int64_t j = 0; j < n; ++j) v[j] = b[j] * e[j];
        }
    });
}

void dehaze_recover(const ImageView& rgb, const ImageView& trans, const float* air, float t0, float scale,
                    const ImageView& dst) {
    check_fused(rgb, dst, {{&trans, "trans"}});
    JF_CHECK(trans.channels == 1, "trans: expected a plane");
    const int64_t w = rgb.width, c = rgb.channels, n = w * c;
    const std::vector<float> air_row = tile_row(air, w, c);
    const float* ar = air_row.data();
    fused_rows(dst, scale, [&](int64_t y, float* v, float* e, float* p) {
        const float *x = crow<float>(rgb, y), *t = crow<float>(trans, y);
        for (int64_t i = 0; i < w; ++i) p[i] = clip_below(t[i], t0);
        expand_row(p, w, c, e);
        for (int64_t j = 0; j < n; ++j) v[j] = (x[j] - ar[j]) / e[j] + ar[j];
    });
}

namespace {

/// One row of luma. C > 0: the channel count known at compile time; C = 0: c at run time.
template <int C>
void luma_row(const float* __restrict x, float* __restrict y, int64_t w, int64_t c_run) {
    const int64_t c = C > 0 ? C : c_run;
    for (int64_t i = 0; i < w; ++i)
        y[i] = (x[i * c] * kLuma[0] + x[i * c + 1] * kLuma[1]) + x[i * c + 2] * kLuma[2];
}

}  // namespace

void channel_min(const ImageView& src, const float* scale, const ImageView& dst) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(src.dtype == DType::f32 && dst.dtype == DType::f32 && dst.channels == 1,
             "image, out: expected a float32 image and a float32 plane");
    JF_CHECK(dst.height == src.height && dst.width == src.width,
             "out: expected the image's height and width");
    const int64_t w = src.width, c = src.channels;
    // np.minimum(m, v): m if m < v or m is NaN, else v (a NaN in v propagates too)
    auto fmin_np = [](float m, float v) { return (m < v || m != m) ? m : v; };
    if (c == 3) {  // one pass with the stride known: the same divisions and selections
        for_bands(src.height, [&](int64_t y0, int64_t y1) {
            const float s0 = scale ? scale[0] : 1.0f, s1 = scale ? scale[1] : 1.0f,
                        s2 = scale ? scale[2] : 1.0f;
            for (int64_t y = y0; y < y1; ++y) {
                const float* __restrict x = crow<float>(src, y);
                float* __restrict m = dst.row<float>(y);
                if (scale) {
                    for (int64_t i = 0; i < w; ++i)
                        m[i] = fmin_np(fmin_np(x[3 * i] / s0, x[3 * i + 1] / s1), x[3 * i + 2] / s2);
                } else {
                    for (int64_t i = 0; i < w; ++i)
                        m[i] = fmin_np(fmin_np(x[3 * i], x[3 * i + 1]), x[3 * i + 2]);
                }
            }
        });
        return;
    }
    for_bands(src.height, [&](int64_t y0, int64_t y1) {
        std::vector<float> b(static_cast<size_t>(w));
        for (int64_t y = y0; y < y1; ++y) {
            const float* x = crow<float>(src, y);
            float* m = dst.row<float>(y);
            for (int64_t k = 0; k < c; ++k) {
                float* v = k == 0 ? m : b.data();
                if (scale) {
                    const float sk = scale[k];
                    for (int64_t i = 0; i < w; ++i) v[i] = x[i * c + k] / sk;
                } else {
                    for (int64_t i = 0; i < w; ++i) v[i] = x[i * c + k];
                }
                if (k == 0) continue;
                for (int64_t i = 0; i < w; ++i) m[i] = fmin_np(m[i], v[i]);
            }
        }
    });
}

void luma(const ImageView& src, const ImageView& dst) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(src.dtype == DType::f32 && dst.dtype == DType::f32 && dst.channels == 1 && src.channels >= 3,
             "image, out: expected a float32 image of at least 3 channels and a float32 plane");
    JF_CHECK(dst.height == src.height && dst.width == src.width,
             "out: expected the image's height and width");
    const int64_t w = src.width, c = src.channels;
    const auto row = c == 3 ? luma_row<3> : luma_row<0>;
    for_bands(src.height, [&](int64_t y0, int64_t y1) {
        for (int64_t y = y0; y < y1; ++y) row(crow<float>(src, y), dst.row<float>(y), w, c);
    });
}

int64_t laplacian_abs_sum(const ImageView& src) {
    check_view(src, "image");
    JF_CHECK(src.height >= 3 && src.width >= 3, "image: expected at least 3 rows and 3 columns");
    switch (src.dtype) {
        case DType::u8:
            return laplacian_abs_sum_typed<uint8_t>(src);
        case DType::u16:
            return laplacian_abs_sum_typed<uint16_t>(src);
        case DType::f32:
            break;
    }
    throw invalid_argument("jointfilter: image: expected uint8 or uint16 (exact integer sums)");
}

namespace {

/// One row of a strip of gain_moments: the float32 column sums of the smoothed guide's
/// values v (cv, cvv) and of the target's x (cx, cxx, cxv, v repeated per channel). C > 0: the
/// channel count known at compile time (the loops vectorise); C = 0: c at run time.
template <int C>
void gain_row(const float* __restrict tr, const float* __restrict sr, const float* __restrict mr, float ms,
              int64_t pw, int64_t c_run, float* __restrict cx, float* __restrict cxx, float* __restrict cxv,
              float* __restrict cv, float* __restrict cvv, float* __restrict vrow) {
    const int64_t c = C > 0 ? C : c_run;
    for (int64_t i = 0; i < pw; ++i) {
        const float v = sr[i] - ms;
        cv[i] += v;
        cvv[i] += v * v;
        vrow[i] = v;
    }
    int64_t i0 = 0;
    if constexpr (C == 3) {
        // four pixels (12 values) at a time, v spread over them: the same operations per value
        typedef float v4 __attribute__((vector_size(16)));
        typedef int v4i __attribute__((vector_size(16)));
        auto ld = [](const float* p) {
            v4 r;
            std::memcpy(&r, p, sizeof r);
            return r;
        };
        auto st = [](float* p, v4 r) { std::memcpy(p, &r, sizeof r); };
        for (; i0 + 4 <= pw; i0 += 4) {
            const v4 v = ld(vrow + i0);
            const v4 vs[3] = {__builtin_shuffle(v, v4i{0, 0, 0, 1}), __builtin_shuffle(v, v4i{1, 1, 2, 2}),
                              __builtin_shuffle(v, v4i{2, 3, 3, 3})};
            for (int q = 0; q < 3; ++q) {
                const int64_t j = 3 * i0 + 4 * q;
                const v4 x = ld(tr + j) - ld(mr + j);
                st(cx + j, ld(cx + j) + x);
                st(cxv + j, ld(cxv + j) + vs[q] * x);
                st(cxx + j, ld(cxx + j) + x * x);
            }
        }
    }
    for (int64_t i = i0; i < pw; ++i)
        for (int64_t k = 0; k < c; ++k) {
            const int64_t j = i * c + k;
            const float x = tr[j] - mr[j];
            cx[j] += x;
            cxv[j] += vrow[i] * x;
            cxx[j] += x * x;
        }
}

}  // namespace

void gain_moments(const ImageView& t, const ImageView& s, const float* mx, float ms, int64_t r0, int64_t r1,
                  int64_t block_rows, double* acc, double* acc_s) {
    check_view(t, "target");
    check_view(s, "smooth");
    JF_CHECK(t.dtype == DType::f32 && s.dtype == DType::f32 && s.channels == 1,
             "target, smooth: expected a float32 image and a float32 plane");
    JF_CHECK(s.height == t.height && s.width == t.width, "smooth: expected the height and width of target");
    JF_CHECK(0 <= r0 && r0 <= r1 && r1 <= t.height, "rows: expected 0 <= r0 <= r1 <= height");
    JF_CHECK(block_rows >= 1, "block_rows: expected >= 1");
    const int64_t w = t.width, c = t.channels, n = w * c;
    // The sums of a column depend only on that column's values, row after row: the block is
    // walked in strips of kStrip pixels so that a strip's sums stay in L1 while its rows pass.
    constexpr int64_t kStrip = 256;
    // float32 column sums of one strip of a block (x, x^2, x v; v, v^2)
    std::vector<float> cx(kStrip * c), cxx(kStrip * c), cxv(kStrip * c), cv(kStrip), cvv(kStrip),
        vrow(kStrip);
    const auto row = c == 3 ? gain_row<3> : c == 1 ? gain_row<1> : gain_row<0>;
    for (int64_t a = r0; a < r1; a += block_rows) {
        const int64_t b = std::min(a + block_rows, r1);
        for (int64_t p0 = 0; p0 < w; p0 += kStrip) {
            const int64_t pw = std::min(kStrip, w - p0), m = pw * c, j0 = p0 * c;
            std::fill(cx.begin(), cx.end(), 0.0f);  // NumPy's sum starts from +0
            std::fill(cxx.begin(), cxx.end(), 0.0f);
            std::fill(cxv.begin(), cxv.end(), 0.0f);
            std::fill(cv.begin(), cv.end(), 0.0f);
            std::fill(cvv.begin(), cvv.end(), 0.0f);
            for (int64_t y = a; y < b; ++y)
                row(crow<float>(t, y) + j0, crow<float>(s, y) + p0, mx + j0, ms, pw, c, cx.data(), cxx.data(),
                    cxv.data(), cv.data(), cvv.data(), vrow.data());
            for (int64_t j = 0; j < m; ++j) {
                acc[j0 + j] += static_cast<double>(cx[j]);
                acc[n + j0 + j] += static_cast<double>(cxx[j]);
                acc[2 * n + j0 + j] += static_cast<double>(cxv[j]);
            }
            for (int64_t i = 0; i < pw; ++i) {
                acc_s[p0 + i] += static_cast<double>(cv[i]);
                acc_s[w + p0 + i] += static_cast<double>(cvv[i]);
            }
        }
    }
}

}  // namespace restore
}  // namespace jointfilter
