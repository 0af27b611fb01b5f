// Loops, bands and scratch of the fusion steps; the per-pixel formulas are in fusion.hpp.
#include "fusion.hpp"

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "guided_filter.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace fusion {
namespace {

constexpr int64_t kBandRows = 32;  // output rows per task (fixed: results never depend on it)

/// Run f(y0, y1) over bands of kBandRows rows of an image of `height` rows, on the pool.
template <class F>
void for_bands(int64_t height, F&& f) {
    jointfilter::for_bands(height, kBandRows, f);
}

void check_plane(const ImageView& v, const char* name, int64_t h, int64_t w) {
    check_view(v, name);
    JF_CHECK(v.channels == 1 && v.dtype == DType::f32, std::string(name) + ": expected a float32 plane");
    JF_CHECK(v.height == h && v.width == w, std::string(name) + ": expected the shape of the first plane");
}

using Named = std::pair<const ImageView*, const char*>;

void check_planes(int64_t h, int64_t w, std::initializer_list<Named> planes) {
    for (const Named& p : planes) check_plane(*p.first, p.second, h, w);
}

/// A contiguous float32 plane with pooled storage, viewable as an ImageView.
class Plane {
 public:
    int64_t h = 0, w = 0;
    Plane() = default;
    Plane(int64_t h_, int64_t w_) : h(h_), w(w_), buf_(static_cast<size_t>(h_ * w_)) {}
    Plane(Plane&& o) noexcept { *this = std::move(o); }
    Plane& operator=(Plane&& o) noexcept {
        std::swap(h, o.h);
        std::swap(w, o.w);
        buf_.swap(o.buf_);
        return *this;
    }
    ImageView view() const { return float_plane(buf_.data(), h, w, w); }
    float* data() const { return buf_.data(); }
    float* row(int64_t y) const { return buf_.data() + y * w; }

 private:
    ScratchArray<float> buf_;
};

class ScratchPool {
 public:
    float* take(size_t n, size_t* capacity) {
        n = std::max<size_t>(n, 1);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            size_t best = free_.size();
            for (size_t i = 0; i < free_.size(); ++i)  // smallest buffer that fits
                if (free_[i].second >= n && (best == free_.size() || free_[i].second < free_[best].second))
                    best = i;
            if (best < free_.size()) {
                auto item = free_[best];
                free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
                bytes_ -= item.second * sizeof(float);
                *capacity = item.second;
                return item.first;
            }
        }
        *capacity = n;
        return new float[n];
    }
    void give(float* data, size_t capacity) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (bytes_ + capacity * sizeof(float) <= limit_) {
                free_.emplace_back(data, capacity);
                bytes_ += capacity * sizeof(float);
                return;
            }
        }
        delete[] data;
    }
    size_t bytes() {
        std::lock_guard<std::mutex> lock(mutex_);
        return bytes_;
    }
    void release() { set_limit(limit(), 0); }
    size_t limit() {
        std::lock_guard<std::mutex> lock(mutex_);
        return limit_;
    }
    /// New limit; kept buffers are freed (largest first) until at most `keep` bytes remain.
    void set_limit(size_t limit, size_t keep) {
        std::vector<std::pair<float*, size_t>> drop;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            limit_ = limit;
            std::sort(free_.begin(), free_.end(),
                      [](const auto& a, const auto& b) { return a.second < b.second; });
            while (!free_.empty() && bytes_ > keep) {
                drop.push_back(free_.back());
                bytes_ -= free_.back().second * sizeof(float);
                free_.pop_back();
            }
        }
        for (auto& item : drop) delete[] item.first;
    }

 private:
    std::mutex mutex_;
    std::vector<std::pair<float*, size_t>> free_;
    size_t bytes_ = 0;
    size_t limit_ = kScratchPoolBytes;
};

ScratchPool& scratch_pool() {
    static ScratchPool* pool = new ScratchPool;  // never destroyed: arrays may outlive static teardown
    return *pool;
}

// ---- separable correlation -------------------------------------------------------------------
//
// Output (ho, wo). Output row yo reads the padded "virtual" rows j = yo * step + i (i < K) of the
// source, virtual row j being source row rows[j] (or a row of zeros for -1); columns likewise
// with cols[]. Plain convolution: step 1 and the border map; reduce: step 2; expand: the border
// map of the zero-interleaved plane (odd indices are zeros). Each output is the reference's
// float32 sum of k_i * value in tap order, horizontal pass first.

struct SepPlan {
    std::vector<float> k;
    int64_t step = 1, ho = 0, wo = 0;
    std::vector<int64_t> rows, cols;
};

std::vector<int64_t> border_taps(int64_t n_out, int64_t step, int64_t r, int64_t n_src, Border border) {
    std::vector<int64_t> m(static_cast<size_t>((n_out - 1) * step + 2 * r + 1));
    for (size_t j = 0; j < m.size(); ++j) m[j] = border_map(static_cast<int64_t>(j) - r, n_src, border);
    return m;
}

/// Taps over the zero-interleaved upsampling of a line of n_src samples to length n_up: fine
/// index u = j - r holds source sample u / 2 (clamped: the coarse line replicated by one sample
/// at each end) when u is even and zero when u is odd. Clamping the *coarse* line keeps an
/// expanded constant constant; mirroring the zero-interleaved line would put a coarse sample
/// on an odd position at the border (constants scaled by 9/8 .. 11/8 there).
std::vector<int64_t> expand_taps(int64_t n_up, int64_t n_src, int64_t r) {
    std::vector<int64_t> m(static_cast<size_t>(n_up + 2 * r));
    for (size_t j = 0; j < m.size(); ++j) {
        const int64_t u = static_cast<int64_t>(j) - r;
        m[j] = u % 2 == 0 ? std::min(std::max<int64_t>(u / 2, 0), n_src - 1) : -1;
    }
    return m;
}

#if defined(__GNUC__)
// Four float lanes (GCC/Clang vector extension): each lane does the scalar operations, so the
// sums are the scalar code's bit for bit (no contraction: -ffp-contract=off).
typedef float V4 __attribute__((vector_size(16)));
inline V4 load4(const float* p) {
    V4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
inline void store4(float* p, V4 v) { __builtin_memcpy(p, &v, sizeof v); }
typedef double V2d __attribute__((vector_size(16)));
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#define JF_FUSION_AVX2 1
typedef float V8 __attribute__((vector_size(32)));

/// dot_taps' unit-stride loop on 8-lane AVX vectors (same per-lane operations; no FMA: the
/// target does not enable it and contraction is off). Returns the first output not done.
__attribute__((target("avx2"))) int64_t dot_taps_avx2(const float* k, int64_t n_taps,
                                                      const float* const* rows, int64_t n, float* out) {
    int64_t x = 0;
    for (; x + 16 <= n; x += 16) {
        V8 a0 = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, a1 = a0;
        for (int64_t i = 0; i < n_taps; ++i) {
            const float c = k[i];
            const V8 cv = {c, c, c, c, c, c, c, c};
            V8 q0, q1;
            __builtin_memcpy(&q0, rows[i] + x, sizeof q0);
            __builtin_memcpy(&q1, rows[i] + x + 8, sizeof q1);
            a0 += cv * q0;
            a1 += cv * q1;
        }
        __builtin_memcpy(out + x, &a0, sizeof a0);
        __builtin_memcpy(out + x + 8, &a1, sizeof a1);
    }
    return x;
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}
#endif

/// out[x] = sum_i k[i] * row_i[x * step] in tap order (the reference's float32 accumulation,
/// starting from +0), eight outputs at a time so the sums stay in registers.
void dot_taps(const float* k, int64_t n_taps, const float* const* rows, int64_t step, int64_t n, float* out) {
    int64_t x = 0;
#if defined(JF_FUSION_AVX2)
    if (step == 1 && cpu_has_avx2()) x = dot_taps_avx2(k, n_taps, rows, n, out);
#endif
#if defined(__GNUC__)
    if (step == 1) {
        for (; x + 8 <= n; x += 8) {
            V4 a0 = {0.0f, 0.0f, 0.0f, 0.0f}, a1 = a0;
            for (int64_t i = 0; i < n_taps; ++i) {
                const V4 c = {k[i], k[i], k[i], k[i]};
                a0 += c * load4(rows[i] + x);
                a1 += c * load4(rows[i] + x + 4);
            }
            store4(out + x, a0);
            store4(out + x + 4, a1);
        }
    }
#endif
    for (; x < n; ++x) {
        float acc = 0.0f;
        for (int64_t i = 0; i < n_taps; ++i) acc += k[i] * rows[i][x * step];
        out[x] = acc;
    }
}

constexpr int64_t kSepBandRows = 64;  // output rows per task of the separable passes

/// `source_row(y, buf)` returns source row y (width sw): a pointer into the source, or buf
/// after writing the row there.
template <class RowFn>
void run_sep(const SepPlan& p, int64_t sw, const ImageView& dst, RowFn source_row) {
    const int64_t K = static_cast<int64_t>(p.k.size()), step = p.step, wo = p.wo;
    const int64_t npad = static_cast<int64_t>(p.cols.size());
    const int64_t n_tasks = (p.ho + kSepBandRows - 1) / kSepBandRows;
    for_tasks(n_tasks, [&](int64_t task) {
        {
            const int64_t y0 = task * kSepBandRows, y1 = std::min(p.ho, y0 + kSepBandRows);
            const int64_t j0 = y0 * step, nj = (y1 - 1 - y0) * step + K;
            const Plane tmp(nj, wo), src(1, sw), prow(1, npad), zeros(1, wo), split(1, npad + 1);
            std::fill(zeros.data(), zeros.data() + wo, 0.0f);
            std::vector<const float*> trow(static_cast<size_t>(nj)), taps(static_cast<size_t>(K));
            for (int64_t j = 0; j < nj; ++j) {
                const int64_t sy = p.rows[j0 + j];
                if (sy < 0) {  // a zero row: its horizontal sums are +0
                    trow[j] = zeros.data();
                    continue;
                }
                const float* row = source_row(sy, src.data());
                const int64_t* cols = p.cols.data();
                if (step == 1) {
                    float* pr = prow.data();
                    for (int64_t x = 0; x < npad; ++x) pr[x] = cols[x] < 0 ? 0.0f : row[cols[x]];
                    for (int64_t i = 0; i < K; ++i) taps[i] = pr + i;
                } else {  // step 2: even and odd samples apart, so the taps are unit-stride
                    float *ev = split.data(), *od = split.data() + (npad + 1) / 2;
                    for (int64_t x = 0; 2 * x < npad; ++x) ev[x] = cols[2 * x] < 0 ? 0.0f : row[cols[2 * x]];
                    for (int64_t x = 0; 2 * x + 1 < npad; ++x)
                        od[x] = cols[2 * x + 1] < 0 ? 0.0f : row[cols[2 * x + 1]];
                    for (int64_t i = 0; i < K; ++i) taps[i] = (i % 2 == 0 ? ev : od) + i / 2;
                }
                float* t = tmp.row(j);
                dot_taps(p.k.data(), K, taps.data(), 1, wo, t);
                trow[j] = t;
            }
            for (int64_t y = y0; y < y1; ++y)
                dot_taps(p.k.data(), K, trow.data() + (y - y0) * step, 1, wo, dst.row<float>(y));
        }
    });
}

auto copy_rows(const ImageView& src) {
    return [&src](int64_t y, float*) { return crow<float>(src, y); };
}

const std::vector<float>& binomial() {
    static const std::vector<float> k{1.0f / 16, 4.0f / 16, 6.0f / 16, 4.0f / 16, 1.0f / 16};
    return k;
}

const std::vector<float>& binomial2() {  // 2 * binomial, as the reference's float32 product
    static const std::vector<float> k = [] {
        std::vector<float> c = binomial();
        for (float& v : c) v = 2.0f * v;
        return c;
    }();
    return k;
}

void reduce_into(const ImageView& src, const ImageView& dst) {
    SepPlan p;
    p.k = binomial();
    p.step = 2;
    p.ho = dst.height;
    p.wo = dst.width;
    p.rows = border_taps(p.ho, 2, 2, src.height, Border::symmetric);
    p.cols = border_taps(p.wo, 2, 2, src.width, Border::symmetric);
    run_sep(p, src.width, dst, copy_rows(src));
}

void expand_into(const ImageView& src, const ImageView& dst) {
    SepPlan p;
    p.k = binomial2();
    p.ho = dst.height;
    p.wo = dst.width;
    // the coarse samples an expansion to ho x wo uses (src may have more rows or columns)
    p.rows = expand_taps(p.ho, (p.ho + 1) / 2, 2);
    p.cols = expand_taps(p.wo, (p.wo + 1) / 2, 2);
    run_sep(p, src.width, dst, copy_rows(src));
}

template <class F>
void for_pixels(int64_t h, F&& f) {
    for_bands(h, [&](int64_t y0, int64_t y1) {
        for (int64_t y = y0; y < y1; ++y) f(y);
    });
}

/// Stores row values v (already computed in float32) into an output row of type T.
template <typename T>
void store_row(const float* v, int64_t n, T* d, double data_range, bool clip) {
    if constexpr (std::is_same_v<T, float>) {
        for (int64_t x = 0; x < n; ++x) d[x] = to_f32(scale_round_clip(v[x], data_range, false, 0.0, clip));
    } else {
        const double top = sizeof(T) == 1 ? 255.0 : 65535.0;
        int64_t x = 0;
#if defined(__GNUC__)
        // two lanes of scale_round_clip with vector selects: the scalar form compiles to
        // branches (the clipped cases become constants), which mispredict on real images
        const V2d lo = {0.0, 0.0}, hi = {top, top}, magic = {kRoundMagic, kRoundMagic};
        for (; x + 2 <= n; x += 2) {
            V2d u = V2d{static_cast<double>(v[x]), static_cast<double>(v[x + 1])} * data_range;
            u = u < lo ? lo : u;
            u = u > hi ? hi : u;
            u = (u + magic) - magic;
            d[x] = static_cast<T>(u[0]);
            d[x + 1] = static_cast<T>(u[1]);
        }
#endif
        for (; x < n; ++x) d[x] = static_cast<T>(scale_round_clip(v[x], data_range, true, top, clip));
    }
}

template <typename T>
void from_unit_typed(const ImageView& src, const ImageView& dst, double data_range, bool clip) {
    const int64_t n = src.width * src.channels;
    for_pixels(src.height,
               [&](int64_t y) { store_row<T>(crow<float>(src, y), n, dst.row<T>(y), data_range, clip); });
}

template <typename T>
void ycbcr_to_rgb_typed(const ImageView& yv, const ImageView& cbv, const ImageView& crv, const ImageView& dst,
                        double data_range, bool clip) {
    const int64_t w = yv.width;
    for_bands(yv.height, [&](int64_t y0, int64_t y1) {
        const Plane rgb(1, 3 * w);
        for (int64_t y = y0; y < y1; ++y) {
            const float *py = crow<float>(yv, y), *pb = crow<float>(cbv, y), *pr = crow<float>(crv, y);
            float* o = rgb.data();
            int64_t x = 0;
#if defined(__GNUC__)
            for (; x + 2 <= w; x += 2) {  // two pixels per vector: the scalar formula per lane
                V2d r, g, b;
                ycbcr_to_rgb_d<V2d>(V2d{py[x], py[x + 1]}, V2d{pb[x], pb[x + 1]}, V2d{pr[x], pr[x + 1]}, r, g,
                                    b);
                for (int j = 0; j < 2; ++j) {
                    o[3 * (x + j)] = static_cast<float>(r[j]);
                    o[3 * (x + j) + 1] = static_cast<float>(g[j]);
                    o[3 * (x + j) + 2] = static_cast<float>(b[j]);
                }
            }
#endif
            for (; x < w; ++x) ycbcr_to_rgb_px(py[x], pb[x], pr[x], o[3 * x], o[3 * x + 1], o[3 * x + 2]);
            store_row<T>(o, 3 * w, dst.row<T>(y), data_range, clip);
        }
    });
}

template <typename T>
void to_unit_typed(const ImageView& src, float scale, const ImageView& dst) {
    for_pixels(src.height, [&](int64_t y) {
        const T* s = crow<T>(src, y);
        float* d = dst.row<float>(y);
        for (int64_t x = 0; x < src.width; ++x) d[x] = static_cast<float>(s[x]) * scale;
    });
}

template <typename T>
void rgb_to_ycbcr_typed(const ImageView& src, float scale, const ImageView& yv, const ImageView& cbv,
                        const ImageView& crv) {
    for_pixels(src.height, [&](int64_t y) {
        const T* s = crow<T>(src, y);
        float *py = yv.row<float>(y), *pb = cbv.row<float>(y), *pr = crv.row<float>(y);
        int64_t x = 0;
#if defined(__GNUC__)
        for (; x + 2 <= src.width; x += 2) {  // two pixels per vector: the scalar formula per lane
            float f[6];
            for (int j = 0; j < 6; ++j) f[j] = static_cast<float>(s[3 * x + j]) * scale;
            V2d yd, cbd, crd;
            rgb_to_ycbcr_d<V2d>(V2d{f[0], f[3]}, V2d{f[1], f[4]}, V2d{f[2], f[5]}, yd, cbd, crd);
            for (int j = 0; j < 2; ++j) {
                py[x + j] = static_cast<float>(yd[j]);
                pb[x + j] = static_cast<float>(cbd[j]);
                pr[x + j] = static_cast<float>(crd[j]);
            }
        }
#endif
        for (; x < src.width; ++x) {
            const float r = static_cast<float>(s[3 * x]) * scale;
            const float g = static_cast<float>(s[3 * x + 1]) * scale;
            const float b = static_cast<float>(s[3 * x + 2]) * scale;
            rgb_to_ycbcr_px(r, g, b, py[x], pb[x], pr[x]);
        }
    });
}

Plane box_of(const ImageView& src, int64_t radius) {
    Plane out(src.height, src.width);
    box_filter(src, out.view(), radius, Border::edge);
    return out;
}

}  // namespace

float* scratch_take(size_t n, size_t* capacity) { return scratch_pool().take(n, capacity); }
void scratch_give(float* data, size_t capacity) { scratch_pool().give(data, capacity); }
size_t scratch_pooled_bytes() { return scratch_pool().bytes(); }
void scratch_release() { scratch_pool().release(); }
size_t scratch_limit() { return scratch_pool().limit(); }
void set_scratch_limit(size_t bytes) { scratch_pool().set_limit(bytes, bytes); }

// ---- conversions ------------------------------------------------------------------------------

void to_unit(const ImageView& src, double scale, const ImageView& dst) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1, "image: expected one channel");
    check_plane(dst, "out", src.height, src.width);
    const float s = static_cast<float>(scale);
    switch (src.dtype) {
        case DType::u8:
            return to_unit_typed<uint8_t>(src, s, dst);
        case DType::u16:
            return to_unit_typed<uint16_t>(src, s, dst);
        case DType::f32:
            return to_unit_typed<float>(src, s, dst);
    }
}

void rgb_to_ycbcr(const ImageView& src, double scale, const ImageView& y, const ImageView& cb,
                  const ImageView& cr) {
    check_view(src, "image");
    JF_CHECK(src.channels == 3, "image: expected three channels");
    check_planes(src.height, src.width, {{&y, "y"}, {&cb, "cb"}, {&cr, "cr"}});
    const float s = static_cast<float>(scale);
    switch (src.dtype) {
        case DType::u8:
            return rgb_to_ycbcr_typed<uint8_t>(src, s, y, cb, cr);
        case DType::u16:
            return rgb_to_ycbcr_typed<uint16_t>(src, s, y, cb, cr);
        case DType::f32:
            return rgb_to_ycbcr_typed<float>(src, s, y, cb, cr);
    }
}

void ycbcr_to_rgb(const ImageView& y, const ImageView& cb, const ImageView& cr, const ImageView& dst,
                  double data_range, bool clip) {
    check_view(y, "y");
    JF_CHECK(y.channels == 1 && y.dtype == DType::f32, "y: expected a float32 plane");
    check_plane(cb, "cb", y.height, y.width);
    check_plane(cr, "cr", y.height, y.width);
    check_view(dst, "out");
    JF_CHECK(dst.channels == 3 && dst.height == y.height && dst.width == y.width,
             "out: expected shape (H, W, 3) of the planes");
    JF_CHECK(data_range > 0.0, "data_range must be > 0");
    switch (dst.dtype) {
        case DType::u8:
            return ycbcr_to_rgb_typed<uint8_t>(y, cb, cr, dst, data_range, clip);
        case DType::u16:
            return ycbcr_to_rgb_typed<uint16_t>(y, cb, cr, dst, data_range, clip);
        case DType::f32:
            return ycbcr_to_rgb_typed<float>(y, cb, cr, dst, data_range, clip);
    }
}

void from_unit(const ImageView& src, const ImageView& dst, double data_range, bool clip) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(src.dtype == DType::f32, "image: expected float32");
    JF_CHECK(dst.height == src.height && dst.width == src.width && dst.channels == src.channels,
             "out: expected the shape of image");
    JF_CHECK(data_range > 0.0, "data_range must be > 0");
    switch (dst.dtype) {
        case DType::u8:
            return from_unit_typed<uint8_t>(src, dst, data_range, clip);
        case DType::u16:
            return from_unit_typed<uint16_t>(src, dst, data_range, clip);
        case DType::f32:
            return from_unit_typed<float>(src, dst, data_range, clip);
    }
}

// ---- stencils ---------------------------------------------------------------------------------

void convolve_sep(const ImageView& src, const ImageView& dst, const std::vector<float>& kernel,
                  Border border) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1 && src.dtype == DType::f32, "image: expected a float32 plane");
    check_plane(dst, "out", src.height, src.width);
    JF_CHECK(kernel.size() % 2 == 1, "kernel: expected an odd length");
    JF_CHECK(border != Border::clipped, "convolve_sep needs a padded border rule");
    if (src.height == 0 || src.width == 0) return;
    const int64_t r = static_cast<int64_t>(kernel.size() / 2);
    SepPlan p;
    p.k = kernel;
    p.ho = src.height;
    p.wo = src.width;
    p.rows = border_taps(p.ho, 1, r, src.height, border);
    p.cols = border_taps(p.wo, 1, r, src.width, border);
    run_sep(p, src.width, dst, copy_rows(src));
}

void saliency(const ImageView& src, const ImageView& dst, const std::vector<float>& kernel) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1 && src.dtype == DType::f32, "image: expected a float32 plane");
    check_plane(dst, "out", src.height, src.width);
    JF_CHECK(kernel.size() % 2 == 1, "kernel: expected an odd length");
    const int64_t h = src.height, w = src.width;
    if (h == 0 || w == 0) return;
    const int64_t r = static_cast<int64_t>(kernel.size() / 2);
    SepPlan p;
    p.k = kernel;
    p.ho = h;
    p.wo = w;
    p.rows = border_taps(h, 1, r, h, Border::edge);
    p.cols = border_taps(w, 1, r, w, Border::edge);
    // the Laplacian of a source row is made on demand (replicate border)
    run_sep(p, w, dst, [&src, h, w](int64_t y, float* buf) -> const float* {
        const float* c = crow<float>(src, y);
        const float* u = crow<float>(src, y > 0 ? y - 1 : 0);
        const float* d = crow<float>(src, y + 1 < h ? y + 1 : h - 1);
        if (w == 1) {
            buf[0] = laplacian_abs_px(u[0], d[0], c[0], c[0], c[0]);
            return buf;
        }
        buf[0] = laplacian_abs_px(u[0], d[0], c[0], c[1], c[0]);
        for (int64_t x = 1; x < w - 1; ++x) buf[x] = laplacian_abs_px(u[x], d[x], c[x - 1], c[x + 1], c[x]);
        buf[w - 1] = laplacian_abs_px(u[w - 1], d[w - 1], c[w - 2], c[w - 1], c[w - 1]);
        return buf;
    });
}

// ---- weights ----------------------------------------------------------------------------------

void max_selection(const ImageView& s0, const ImageView& s1, const ImageView& p0, const ImageView& p1) {
    check_view(s0, "s0");
    JF_CHECK(s0.channels == 1 && s0.dtype == DType::f32, "s0: expected a float32 plane");
    check_planes(s0.height, s0.width, {{&s1, "s1"}, {&p0, "p0"}, {&p1, "p1"}});
    for_pixels(s0.height, [&](int64_t y) {
        const float *a = crow<float>(s0, y), *b = crow<float>(s1, y);
        float *o0 = p0.row<float>(y), *o1 = p1.row<float>(y);
        for (int64_t x = 0; x < s0.width; ++x) {
            const bool first = select_first_px(a[x], b[x]);
            o0[x] = first ? 1.0f : 0.0f;
            o1[x] = first ? 0.0f : 1.0f;
        }
    });
}

void normalise_weights(const ImageView& w0, const ImageView& w1, const ImageView& out0,
                       const ImageView& out1) {
    check_view(w0, "w0");
    JF_CHECK(w0.channels == 1 && w0.dtype == DType::f32, "w0: expected a float32 plane");
    const bool complement = w1.data == nullptr;
    if (!complement) check_plane(w1, "w1", w0.height, w0.width);
    check_plane(out0, "out0", w0.height, w0.width);
    check_plane(out1, "out1", w0.height, w0.width);
    for_pixels(w0.height, [&](int64_t y) {
        const float* a = crow<float>(w0, y);
        const float* b = complement ? nullptr : crow<float>(w1, y);
        float *o0 = out0.row<float>(y), *o1 = out1.row<float>(y);
        int64_t x = 0;
#if defined(__GNUC__)
        // normalise2_px on four lanes (the loop does not vectorise by itself: out may alias w)
        const V4 zero = {0.0f, 0.0f, 0.0f, 0.0f}, one = {1.0f, 1.0f, 1.0f, 1.0f};
        const V4 half = {0.5f, 0.5f, 0.5f, 0.5f}, tiny = one * static_cast<float>(1e-12);
        auto clip = [&](V4 v) {
            v = v < zero ? zero : v;
            return v > one ? one : v;
        };
        for (; x + 4 <= w0.width; x += 4) {
            const V4 ca = clip(load4(a + x));
            const V4 cb = complement ? clip(one - ca) : clip(load4(b + x));
            const V4 total = ca + cb;
            const auto flat = total < tiny;
            const V4 safe = flat ? one : total;
            store4(o0 + x, flat ? half : ca / safe);
            store4(o1 + x, flat ? half : cb / safe);
        }
#endif
        for (; x < w0.width; ++x) normalise2_px(a[x], complement ? 1.0f - clip01(a[x]) : b[x], o0[x], o1[x]);
    });
}

// ---- blending ---------------------------------------------------------------------------------

void two_scale_blend(const ImageView& a, const ImageView& b, const ImageView& wb0, const ImageView& wb1,
                     const ImageView& wd0, const ImageView& wd1, int64_t radius, const ImageView& dst) {
    check_view(a, "a");
    JF_CHECK(a.channels == 1 && a.dtype == DType::f32, "a: expected a float32 plane");
    const int64_t h = a.height, w = a.width;
    check_planes(h, w,
                 {{&b, "b"}, {&wb0, "wb0"}, {&wb1, "wb1"}, {&wd0, "wd0"}, {&wd1, "wd1"}, {&dst, "out"}});
    JF_CHECK(radius >= 0, "radius must be >= 0");
    if (h == 0 || w == 0) return;
    box_filter(a, dst, radius, Border::edge);  // B_a, replaced pixel by pixel by the result
    const Plane base_b = box_of(b, radius);
    for_pixels(h, [&](int64_t y) {
        const float *sa = crow<float>(a, y), *sb = crow<float>(b, y);
        const float *ba = dst.row<float>(y), *bb = base_b.row(y);
        const float *p0 = crow<float>(wb0, y), *p1 = crow<float>(wb1, y);
        const float *q0 = crow<float>(wd0, y), *q1 = crow<float>(wd1, y);
        float* out = dst.row<float>(y);
        for (int64_t x = 0; x < w; ++x)
            out[x] = two_scale_px(p0[x], q0[x], sa[x], ba[x], p1[x], q1[x], sb[x], bb[x]);
    });
}

void weighted_blend(const ImageView& a, const ImageView& b, const ImageView& w, const ImageView& dst) {
    check_view(a, "a");
    JF_CHECK(a.channels == 1 && a.dtype == DType::f32, "a: expected a float32 plane");
    check_planes(a.height, a.width, {{&b, "b"}, {&w, "w"}, {&dst, "out"}});
    for_pixels(a.height, [&](int64_t y) {
        const float *pa = crow<float>(a, y), *pb = crow<float>(b, y), *pw = crow<float>(w, y);
        float* out = dst.row<float>(y);
        for (int64_t x = 0; x < a.width; ++x) out[x] = weighted_px(pw[x], pa[x], pb[x]);
    });
}

/// Row y of es2_sum3_px over a whole h x w plane, the same additions in the same order: the
/// interior columns as one loop the compiler vectorises (every sample of the three rows is
/// inside the extension there), the first and last column through es2_sum3_px (corners).
void es2_sum3_row(const float* p, int64_t h, int64_t w, int64_t y, float* out) {
    if (w < 3) {
        for (int64_t x = 0; x < w; ++x) out[x] = es2_sum3_px(p, h, w, y, x);
        return;
    }
    const float* __restrict r0 = p + es2_index(y - 1, h) * w;
    const float* __restrict r1 = p + y * w;
    const float* __restrict r2 = p + es2_index(y + 1, h) * w;
    out[0] = es2_sum3_px(p, h, w, y, 0);
    for (int64_t x = 1; x + 1 < w; ++x) {
        float acc = 0.0f;  // from +0 and in es2_sum3_px's order, so -0 sums and roundings agree
        acc += r0[x - 1];
        acc += r0[x];
        acc += r0[x + 1];
        acc += r1[x - 1];
        acc += r1[x];
        acc += r1[x + 1];
        acc += r2[x - 1];
        acc += r2[x];
        acc += r2[x + 1];
        out[x] = acc;
    }
    out[w - 1] = es2_sum3_px(p, h, w, y, w - 1);
}

void pyramid_reduce(const ImageView& src, const ImageView& dst) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1 && src.dtype == DType::f32, "image: expected a float32 plane");
    JF_CHECK(src.height > 0 && src.width > 0, "image must not be empty");
    check_plane(dst, "out", (src.height + 1) / 2, (src.width + 1) / 2);
    reduce_into(src, dst);
}

void pyramid_expand(const ImageView& src, const ImageView& dst) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1 && src.dtype == DType::f32, "image: expected a float32 plane");
    check_view(dst, "out");
    JF_CHECK(dst.channels == 1 && dst.dtype == DType::f32, "out: expected a float32 plane");
    JF_CHECK(dst.height > 0 && dst.width > 0, "out must not be empty");
    JF_CHECK(src.height >= (dst.height + 1) / 2 && src.width >= (dst.width + 1) / 2,
             "image must have at least (H + 1) // 2 rows and (W + 1) // 2 columns of out");
    expand_into(src, dst);
}

void pyramid_blend(const ImageView& a, const ImageView& b, const ImageView& w, int64_t levels, bool match,
                   double threshold, const ImageView& dst) {
    check_view(a, "a");
    JF_CHECK(a.channels == 1 && a.dtype == DType::f32, "a: expected a float32 plane");
    const int64_t h = a.height, wd = a.width;
    check_planes(h, wd, {{&b, "b"}, {&w, "w"}, {&dst, "out"}});
    JF_CHECK(levels >= 1, "levels must be >= 1");
    if (h == 0 || wd == 0) return;
    const auto n = static_cast<size_t>(levels);
    const float thr = to_f32(threshold);  // NumPy compares float32 with float32(t)
    // Gaussian pyramids; level 0 is the input itself (views: nothing is copied)
    std::vector<Plane> ga(n), gb(n), gw(n);
    const ImageView in[3] = {a, b, w};
    std::vector<Plane>* pyr[3] = {&ga, &gb, &gw};
    auto level_view = [&](int k, size_t l) { return l == 0 ? in[k] : (*pyr[k])[l].view(); };
    for (size_t l = 1; l < n; ++l) {
        const ImageView prev = level_view(0, l - 1);
        const int64_t lh = (prev.height + 1) / 2, lw = (prev.width + 1) / 2;
        for (int k = 0; k < 3; ++k) {
            (*pyr[k])[l] = Plane(lh, lw);
            reduce_into(level_view(k, l - 1), (*pyr[k])[l].view());
        }
    }
    // Laplacian levels G_l - expand(G_{l+1}) (level 0 into a new plane); the coarsest stays
    // Gaussian (level 0 of a one-level pyramid: a copy of the input)
    for (size_t l = 0; l < n; ++l) {
        for (int k = 0; k < 2; ++k) {
            const ImageView g = level_view(k, l);
            if (l == 0) (*pyr[k])[0] = Plane(h, wd);
            Plane& lev = (*pyr[k])[l];
            if (l + 1 == n) {
                if (l == 0)
                    for (int64_t y = 0; y < h; ++y)
                        std::copy(crow<float>(g, y), crow<float>(g, y) + wd, lev.row(y));
                continue;
            }
            Plane up(lev.h, lev.w);
            expand_into((*pyr[k])[l + 1].view(), up.view());
            for_pixels(lev.h, [&](int64_t y) {
                const float* p = crow<float>(g, y);
                const float* q = up.row(y);
                float* o = lev.row(y);
                for (int64_t x = 0; x < lev.w; ++x) o[x] = p[x] - q[x];
            });
        }
    }
    // blend every level (into ga)
    for (size_t l = 0; l < n; ++l) {
        Plane &ca = ga[l], &cb = gb[l];
        const ImageView cw = level_view(2, l);
        const bool rule = match;  // every level, the coarsest too (run_CNN.m's band_fuse)
        Plane sa, sb, sab;
        if (rule) {
            Plane paa(ca.h, ca.w), pbb(ca.h, ca.w), pab(ca.h, ca.w);
            for_pixels(ca.h, [&](int64_t y) {
                const float *p = ca.row(y), *q = cb.row(y);
                float *o1 = paa.row(y), *o2 = pbb.row(y), *o3 = pab.row(y);
                for (int64_t x = 0; x < ca.w; ++x) {
                    o1[x] = p[x] * p[x];
                    o2[x] = q[x] * q[x];
                    o3[x] = p[x] * q[x];
                }
            });
            // 3x3 window sums over band_fuse.m's es2 extension (the rule uses ratios of them)
            sa = Plane(ca.h, ca.w);
            sb = Plane(ca.h, ca.w);
            sab = Plane(ca.h, ca.w);
            for_pixels(ca.h, [&](int64_t y) {
                es2_sum3_row(paa.data(), ca.h, ca.w, y, sa.row(y));
                es2_sum3_row(pbb.data(), ca.h, ca.w, y, sb.row(y));
                es2_sum3_row(pab.data(), ca.h, ca.w, y, sab.row(y));
            });
        }
        for_pixels(ca.h, [&](int64_t y) {
            float* p = ca.row(y);
            const float *q = cb.row(y), *ww = crow<float>(cw, y);
            if (rule) {
                const float *s1 = sa.row(y), *s2 = sb.row(y), *s3 = sab.row(y);
                for (int64_t x = 0; x < ca.w; ++x)
                    p[x] = match_select_px(ww[x], p[x], q[x], s1[x], s2[x], s3[x], thr);
            } else {
                for (int64_t x = 0; x < ca.w; ++x) p[x] = weighted_px(ww[x], p[x], q[x]);
            }
        });
    }
    // reconstruct: out = L_l + expand(out)
    for (size_t l = n - 1; l-- > 0;) {
        Plane& lev = ga[l];
        Plane up(lev.h, lev.w);
        expand_into(ga[l + 1].view(), up.view());
        const bool last = l == 0;
        for_pixels(lev.h, [&](int64_t y) {
            const float *p = lev.row(y), *q = up.row(y);
            float* o = last ? dst.row<float>(y) : lev.row(y);
            for (int64_t x = 0; x < lev.w; ++x) o[x] = p[x] + q[x];
        });
    }
    if (n == 1) {
        for (int64_t y = 0; y < h; ++y) std::copy(ga[0].row(y), ga[0].row(y) + wd, dst.row<float>(y));
    }
}

// ---- focus measures ---------------------------------------------------------------------------

void focus_measure(const ImageView& src, FocusMeasure measure, int64_t radius, double threshold,
                   const ImageView& dst) {
    check_view(src, "image");
    JF_CHECK(src.channels == 1 && src.dtype == DType::f32, "image: expected a float32 plane");
    const int64_t h = src.height, w = src.width;
    check_plane(dst, "out", h, w);
    JF_CHECK(radius >= 0, "radius must be >= 0");
    JF_CHECK(static_cast<int>(measure) >= 0 && static_cast<int>(measure) <= 3, "unknown focus measure");
    if (h == 0 || w == 0) return;
    if (measure == FocusMeasure::variance) {
        Plane sq(h, w);
        for_pixels(h, [&](int64_t y) {
            const float* s = crow<float>(src, y);
            float* o = sq.row(y);
            for (int64_t x = 0; x < w; ++x) o[x] = s[x] * s[x];
        });
        Plane m = box_of(src, radius), e2 = box_of(sq.view(), radius);
        for_pixels(h, [&](int64_t y) {
            const float *pm = m.row(y), *pe = e2.row(y);
            float* o = dst.row<float>(y);
            for (int64_t x = 0; x < w; ++x) o[x] = variance_px(pe[x], pm[x]);
        });
        return;
    }
    const bool thresh = measure == FocusMeasure::sml && threshold > 0.0;
    const float t = to_f32(threshold);
    Plane e(h, w);
    for_pixels(h, [&](int64_t y) {
        const float* c = crow<float>(src, y);
        const float* u = crow<float>(src, y > 0 ? y - 1 : 0);
        const float* d = crow<float>(src, y + 1 < h ? y + 1 : h - 1);
        float* o = e.row(y);
        const int code = static_cast<int>(measure);
        for (int64_t x = 0; x < w; ++x) {
            const float l = c[x > 0 ? x - 1 : 0], r = c[x + 1 < w ? x + 1 : w - 1];
            o[x] = focus_energy_px(code, c[x], l, r, u[x], d[x], thresh, t);
        }
    });
    box_filter(e.view(), dst, radius, Border::edge);
}

}  // namespace fusion
}  // namespace jointfilter
