#include "minmax_filter.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "minmax_sweeps.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace {

/// The comparison and the clipped border's padding value, shared with the CUDA kernels
/// (cuda/minmax_sweeps.hpp) so both pick the same value on ties (signed zeros).
template <typename T, Extremum E>
using Pick = sweep::Extreme<T, E == Extremum::max>;

constexpr int64_t kStrip = 64;  // columns per strip of the column pass
constexpr int64_t kLanes = 8;   // rows per group of the row pass

template <typename T, Extremum E>
struct MinMax {
    using P = Pick<T, E>;
    const ImageView& src;
    const ImageView& dst;
    int64_t r_x, r_y;
    Border border;
    std::vector<std::vector<T>>& scratch;  // per worker: the column pass's g and h
    int* nonfinite;

    /// Row pass over rows [y0, y1): line extrema along x for every channel, kLanes rows at a
    /// time interleaved (value i of row k at i * kLanes + k), so the prefix/suffix recurrences,
    /// sequential along x, run as vector operations across rows.
    void rows(int64_t y0, int64_t y1) {
        const int64_t w = src.width, c = src.channels, r = r_x, len = 2 * r + 1, n = w + 2 * r;
        std::vector<T> pad(n * kLanes), g(n * kLanes), h(n * kLanes), res(w * kLanes);
        bool bad = false;
        for (int64_t y = y0; y < y1; y += kLanes) {
            const int64_t rows_here = std::min<int64_t>(kLanes, y1 - y);
            const T* in[kLanes];  // spare lanes repeat the last row
            T* out[kLanes];
            for (int64_t k = 0; k < kLanes; ++k) {
                in[k] = src.row<const T>(y + std::min(k, rows_here - 1));
                out[k] = dst.row<T>(y + std::min(k, rows_here - 1));  // dst holds the row pass
            }
            for (int64_t ch = 0; ch < c; ++ch) {
                // x outer, lanes inner: 8 input streams, contiguous writes (k outer thrashed L1)
                for (int64_t x = 0; x < w; ++x)
                    for (int64_t k = 0; k < kLanes; ++k) pad[(r + x) * kLanes + k] = in[k][x * c + ch];
                for (int64_t i = 0; i < r; ++i) {  // the border columns on both sides
                    const int64_t lo = border_map(i - r, w, border);
                    const int64_t hi = border_map(w + i, w, border);
                    for (int64_t k = 0; k < kLanes; ++k) {
                        pad[i * kLanes + k] = lo < 0 ? P::neutral() : in[k][lo * c + ch];
                        pad[(r + w + i) * kLanes + k] = hi < 0 ? P::neutral() : in[k][hi * c + ch];
                    }
                }
                if constexpr (!std::numeric_limits<T>::is_integer) {
                    int32_t nans = 0;  // an int count vectorises; `bool |=` did not (40% of the time)
                    for (int64_t i = 0; i < n * kLanes; ++i) nans += pad[i] != pad[i];
                    bad |= nans != 0;
                }
                lane_extrema(pad.data(), n, len, g.data(), h.data());
                const T* gl = g.data() + (len - 1) * kLanes;
                for (int64_t i = 0; i < w * kLanes; ++i) res[i] = P::apply(h[i], gl[i]);
                // in place (dst == src) is safe: the group's input values are all in pad now;
                // duplicate spare lanes write the same value to the last row
                for (int64_t x = 0; x < w; ++x)
                    for (int64_t k = 0; k < kLanes; ++k) out[k][x * c + ch] = res[x * kLanes + k];
            }
        }
        if (bad) __atomic_store_n(nonfinite, 1, __ATOMIC_RELAXED);
    }

    /// Van Herk / Gil-Werman prefix (g) and suffix (h) extrema over blocks of len values of kLanes
    /// interleaved lines of n values; the window extremum of [x, x + len - 1] is then
    /// apply(h[x], g[x + len - 1]). Block loops rather than i % len: the modulo was the cost.
    static void lane_extrema(const T* line, int64_t n, int64_t len, T* g, T* h) {
        for (int64_t b = 0; b < n; b += len) {
            const int64_t e = std::min(b + len, n);
            for (int64_t k = 0; k < kLanes; ++k) g[b * kLanes + k] = line[b * kLanes + k];
            for (int64_t i = b + 1; i < e; ++i)
                for (int64_t k = 0; k < kLanes; ++k)
                    g[i * kLanes + k] = P::apply(g[(i - 1) * kLanes + k], line[i * kLanes + k]);
            for (int64_t k = 0; k < kLanes; ++k) h[(e - 1) * kLanes + k] = line[(e - 1) * kLanes + k];
            for (int64_t i = e - 2; i >= b; --i)
                for (int64_t k = 0; k < kLanes; ++k)
                    h[i * kLanes + k] = P::apply(h[(i + 1) * kLanes + k], line[i * kLanes + k]);
        }
    }

    /// Column pass, in place in dst, over the strip of interleaved values [x0, x1).
    void columns(int64_t x0, int64_t x1, int worker) {
        const int64_t hgt = src.height, r = r_y, len = 2 * r + 1, n = hgt + 2 * r, sw = x1 - x0;
        std::vector<T>& buf = scratch[worker];
        buf.resize(static_cast<size_t>((2 * n + 1) * kStrip));
        T* g = buf.data();
        T* h = g + n * kStrip;
        T* neutral_row = h + n * kStrip;
        std::fill(neutral_row, neutral_row + sw, P::neutral());
        auto line = [&](int64_t i) -> const T* {
            const int64_t m = border_map(i - r, hgt, border);
            return m < 0 ? neutral_row : dst.row<const T>(m) + x0;
        };
        for (int64_t b = 0; b < n; b += len) {  // prefix extrema within blocks of len rows
            const int64_t e = std::min(b + len, n);
            std::copy(line(b), line(b) + sw, g + b * sw);
            for (int64_t i = b + 1; i < e; ++i) {
                const T* s = line(i);
                T* gi = g + i * sw;
                for (int64_t x = 0; x < sw; ++x) gi[x] = P::apply(gi[x - sw], s[x]);
            }
        }
        for (int64_t b = 0; b < n; b += len) {  // suffix extrema within the same blocks
            const int64_t e = std::min(b + len, n);
            std::copy(line(e - 1), line(e - 1) + sw, h + (e - 1) * sw);
            for (int64_t i = e - 2; i >= b; --i) {
                const T* s = line(i);
                T* hi = h + i * sw;
                for (int64_t x = 0; x < sw; ++x) hi[x] = P::apply(hi[x + sw], s[x]);
            }
        }
        for (int64_t y = 0; y < hgt; ++y) {  // every input row was read above: safe in place
            const T* a = h + y * sw;
            const T* b = g + (y + 2 * r) * sw;
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
    std::vector<std::vector<T>> scratch(static_cast<size_t>(std::max(1, get_num_threads())));
    int nonfinite = 0;
    MinMax<T, E> job{src, dst, std::min(radius, w), std::min(radius, h), border, scratch, &nonfinite};
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
        [](void* ctx, int64_t t, int worker) {
            auto* c = static_cast<ColCtx*>(ctx);
            c->job->columns(t * kStrip, std::min(c->row_len, (t + 1) * kStrip), worker);
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

void check_minmax_arguments(const ImageView& src, const ImageView& dst, int64_t radius) {
    check_view(src, "image");  // also: at least one channel
    check_view(dst, "out");
    JF_CHECK(radius >= 0, "radius must be >= 0");
    JF_CHECK(src.dtype == dst.dtype, "out must have the dtype of image");
    JF_CHECK(dst.height == src.height && dst.width == src.width && dst.channels == src.channels,
             "out must have the shape of image");
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
