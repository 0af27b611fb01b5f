#include "minmax_filter.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "parallel.hpp"

namespace jointfilter {
namespace {

template <typename T, Extremum E>
struct Pick {
    static T apply(T a, T b) { return E == Extremum::min ? (b < a ? b : a) : (a < b ? b : a); }
    /// Neutral element: what the clipped border pads with.
    static T neutral() {
        if (std::numeric_limits<T>::has_infinity)
            return E == Extremum::min ? std::numeric_limits<T>::infinity()
                                      : -std::numeric_limits<T>::infinity();
        return E == Extremum::min ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
    }
};

constexpr int64_t kStrip = 64;  // columns per strip of the column pass

template <typename T, Extremum E>
struct MinMax {
    using P = Pick<T, E>;
    const ImageView& src;
    const ImageView& dst;
    int64_t r_x, r_y;
    Border border;
    std::vector<T>& tmp;  // row pass result, H x (W * C), contiguous
    int* nonfinite;

    /// Row pass over rows [y0, y1): line extrema along x for every channel.
    void rows(int64_t y0, int64_t y1) {
        const int64_t w = src.width, c = src.channels, r = r_x, len = 2 * r + 1, n = w + 2 * r;
        std::vector<T> pad(n), g(n), h(n);
        bool bad = false;
        for (int64_t y = y0; y < y1; ++y) {
            const T* in = src.row<const T>(y);
            T* out = tmp.data() + y * w * c;
            for (int64_t ch = 0; ch < c; ++ch) {
                for (int64_t i = 0; i < n; ++i) {
                    const int64_t m = border_map(i - r, w, border);
                    const T v = m < 0 ? P::neutral() : in[m * c + ch];
                    bad |= !(v == v);
                    pad[i] = v;
                }
                for (int64_t i = 0; i < n; ++i) g[i] = i % len == 0 ? pad[i] : P::apply(g[i - 1], pad[i]);
                for (int64_t i = n - 1; i >= 0; --i)
                    h[i] = (i % len == len - 1 || i == n - 1) ? pad[i] : P::apply(h[i + 1], pad[i]);
                for (int64_t x = 0; x < w; ++x) out[x * c + ch] = P::apply(h[x], g[x + 2 * r]);
            }
        }
        if (bad) __atomic_store_n(nonfinite, 1, __ATOMIC_RELAXED);
    }

    /// Column pass over the strip of interleaved values [x0, x1) of tmp.
    void columns(int64_t x0, int64_t x1) {
        const int64_t hgt = src.height, row_len = src.width * src.channels, r = r_y, len = 2 * r + 1;
        const int64_t n = hgt + 2 * r, sw = x1 - x0;
        std::vector<T> neutral_row(sw, P::neutral()), g(n * sw), h(n * sw);
        auto line = [&](int64_t i) -> const T* {
            const int64_t m = border_map(i - r, hgt, border);
            return m < 0 ? neutral_row.data() : tmp.data() + m * row_len + x0;
        };
        for (int64_t i = 0; i < n; ++i) {
            const T* s = line(i);
            T* gi = g.data() + i * sw;
            if (i % len == 0) {
                std::copy(s, s + sw, gi);
            } else {
                const T* gp = gi - sw;
                for (int64_t x = 0; x < sw; ++x) gi[x] = P::apply(gp[x], s[x]);
            }
        }
        for (int64_t i = n - 1; i >= 0; --i) {
            const T* s = line(i);
            T* hi = h.data() + i * sw;
            if (i % len == len - 1 || i == n - 1) {
                std::copy(s, s + sw, hi);
            } else {
                const T* hn = hi + sw;
                for (int64_t x = 0; x < sw; ++x) hi[x] = P::apply(hn[x], s[x]);
            }
        }
        for (int64_t y = 0; y < hgt; ++y) {
            const T* a = h.data() + y * sw;
            const T* b = g.data() + (y + 2 * r) * sw;
            T* out = dst.row<T>(y) + x0;
            for (int64_t x = 0; x < sw; ++x) out[x] = P::apply(a[x], b[x]);
        }
    }
};

template <typename T, Extremum E>
void run(const ImageView& src, const ImageView& dst, int64_t radius, Border border) {
    const int64_t h = src.height, w = src.width, c = src.channels;
    // a window at least as large as the line covers every value (for periodic borders: a
    // whole period), so clamping the radius to the line length changes nothing
    std::vector<T> tmp(static_cast<size_t>(h * w * c));
    int nonfinite = 0;
    MinMax<T, E> job{src, dst, std::min(radius, w), std::min(radius, h), border, tmp, &nonfinite};
    const int64_t row_bands = std::max<int64_t>(1, std::min<int64_t>(16, h / 32));
    const int64_t band = (h + row_bands - 1) / row_bands;
    struct RowCtx {
        MinMax<T, E>* job;
        int64_t band, h;
    } rc{&job, band, h};
    parallel_for(
        row_bands, get_num_threads(),
        [](void* ctx, int64_t t, int) {
            auto* c = static_cast<RowCtx*>(ctx);
            c->job->rows(t * c->band, std::min(c->h, (t + 1) * c->band));
        },
        &rc);
    if (nonfinite) throw nonfinite_input("jointfilter: image contains NaN");
    const int64_t row_len = w * c, strips = (row_len + kStrip - 1) / kStrip;
    struct ColCtx {
        MinMax<T, E>* job;
        int64_t row_len;
    } cc{&job, row_len};
    parallel_for(
        strips, get_num_threads(),
        [](void* ctx, int64_t t, int) {
            auto* c = static_cast<ColCtx*>(ctx);
            c->job->columns(t * kStrip, std::min(c->row_len, (t + 1) * kStrip));
        },
        &cc);
}

template <typename T>
void run_typed(const ImageView& src, const ImageView& dst, int64_t radius, Border border, Extremum which) {
    if (which == Extremum::min)
        run<T, Extremum::min>(src, dst, radius, border);
    else
        run<T, Extremum::max>(src, dst, radius, border);
}

}  // namespace

void minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                   Extremum which) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(radius >= 0, "radius must be >= 0");
    JF_CHECK(src.dtype == dst.dtype, "out must have the dtype of image");
    JF_CHECK(dst.height == src.height && dst.width == src.width && dst.channels == src.channels,
             "out must have the shape of image");
    JF_CHECK(src.channels >= 1, "image must have at least one channel");
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
