// Dispatcher: validates cheap invariants, plans axes and bands, hands out scratch, and picks the
// kernel build for this CPU. The arithmetic lives in kernels_impl.hpp.
#include "guided_filter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernel_job.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace {

/// JOINTFILTER_KERNEL_ISA=baseline (read once) runs the baseline kernels on an AVX2 machine, so
/// that tests can check that both builds give the same bits.
bool baseline_forced() {
    const char* v = std::getenv("JOINTFILTER_KERNEL_ISA");
    return v != nullptr && std::strcmp(v, "baseline") == 0;
}

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool has =
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !baseline_forced();
    return has;
#else
    return false;
#endif
}

// ---- scratch ----------------------------------------------------------------------------------

/// Process-wide pool of workspaces for the function API: concurrent callers each take their own.
class WorkspacePool {
 public:
    std::unique_ptr<Workspace> take() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (free_.empty()) return std::make_unique<Workspace>();
        auto w = std::move(free_.back());
        free_.pop_back();
        return w;
    }
    void give(std::unique_ptr<Workspace> w) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(w));
    }

 private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Workspace>> free_;
};

WorkspacePool& pool() {
    static WorkspacePool p;
    return p;
}

/// Borrows the caller's workspace or one from the pool for the duration of a call.
class ScratchLease {
 public:
    explicit ScratchLease(Workspace* ws) : ws_(ws) {
        if (!ws_) {
            owned_ = pool().take();
            ws_ = owned_.get();
        }
    }
    ~ScratchLease() {
        if (owned_) pool().give(std::move(owned_));
    }
    /// A buffer of at least n doubles, 64-byte aligned (the kernels use 32-byte vectors).
    double* get(size_t slot, size_t n) {
        auto& b = ws_->buffer(slot);
        if (b.size() < n + 8) b.resize(n + 8);
        const auto addr = reinterpret_cast<uintptr_t>(b.data());
        return b.data() + ((64 - addr % 64) % 64) / sizeof(double);
    }

 private:
    Workspace* ws_;
    std::unique_ptr<Workspace> owned_;
};

// buffer slots of a workspace
constexpr size_t kSlotLowGuide = 0, kSlotLowTarget = 1, kSlotCoef = 2, kSlotWorkers = 3;

// ---- planning ---------------------------------------------------------------------------------

struct Plan {
    AxisPlan rows, cols;
    std::vector<int64_t> col_init_index;
    std::vector<double> col_init_weight;

    Plan(int64_t h, int64_t w, int64_t r, Border b) : rows(h, r, b), cols(w, r, b) {
        cols.window_list(0, col_init_index, col_init_weight);
    }
};

AxisSpec spec(const AxisPlan& a) {
    return AxisSpec{a.n, a.radius, a.enter.data(), a.leave.data(), a.count.data()};
}

struct InitLists {
    std::vector<std::vector<int64_t>> index;
    std::vector<std::vector<double>> weight;
    std::vector<InitList> lists;

    void build(const AxisPlan& axis, const std::vector<int64_t>& positions) {
        const size_t n = positions.size();
        index.resize(n);
        weight.resize(n);
        lists.resize(n);
        for (size_t b = 0; b < n; ++b) {
            axis.window_list(positions[b], index[b], weight[b]);
            lists[b] = InitList{index[b].data(), weight[b].data(), static_cast<int64_t>(index[b].size())};
        }
    }
};

int workers_for(int64_t n_bands) { return static_cast<int>(std::min<int64_t>(get_num_threads(), n_bands)); }

/// Hands every worker its scratch, runs the kernel build for this CPU, and reports non-finite
/// input (the kernels flag it; they cannot throw across the thread pool).
template <typename Job>
void run_job(Job& job, ScratchLease& lease, size_t per_worker, void (*base)(const Job&),
             void (*avx2)(const Job&), const char* nonfinite_message) {
    std::vector<Scratch> scratch(job.workers);
    for (int i = 0; i < job.workers; ++i) scratch[i].base = lease.get(kSlotWorkers + i, per_worker);
    job.scratch = scratch.data();
    int nonfinite = 0;
    job.nonfinite = &nonfinite;
    (cpu_has_avx2() ? avx2 : base)(job);
    if (nonfinite) throw nonfinite_input(nonfinite_message);
}

// ---- guided filter on one resolution ------------------------------------------------------------

/// Runs both passes on (target, guide). With `coef` set, writes the mean coefficients instead of
/// applying them (fast guided filter).
void guided_core(const ImageView& target, const ImageView& guide, const ImageView& dst, double* coef,
                 int64_t radius, const GuidedParams& p, ScratchLease& lease) {
    const int64_t h = guide.height, w = guide.width;
    const int64_t cg = guide.channels, ct = target.channels;
    const Border border = p.border;
    const bool single = p.single;
    Plan plan(h, w, radius, border);

    GuidedJob job;
    job.target = target;
    job.guide = guide;
    job.dst = dst;
    job.coef = coef;
    job.eps = p.eps;
    job.eps_map = p.eps_map;
    job.gamma_map = p.gamma_map;
    job.apply_guide = coef == nullptr && p.apply_guide.data ? p.apply_guide : guide;  // pass 2 reads it
    job.rows = spec(plan.rows);
    job.cols = spec(plan.cols);
    job.col_init = InitList{plan.col_init_index.data(), plan.col_init_weight.data(),
                            static_cast<int64_t>(plan.col_init_index.size())};
    job.band_rows = band_rows_for(h, radius);
    job.n_bands = (h + job.band_rows - 1) / job.band_rows;
    job.single = single;
    job.ring_rows = std::min<int64_t>(h, 2 * radius + 17);  // 2r + 1 rows plus two groups of <= 8

    std::vector<int64_t> first(job.n_bands), starts(job.n_bands);
    for (int64_t b = 0; b < job.n_bands; ++b) {
        starts[b] = b * job.band_rows;
        first[b] = radius >= h ? 0 : std::max<int64_t>(0, starts[b] - radius);
    }
    InitLists pass1, pass2;
    pass1.build(plan.rows, first);
    pass2.build(plan.rows, starts);
    job.pass1_init = pass1.lists.data();
    job.pass1_first = first.data();
    job.pass2_init = pass2.lists.data();

    job.workers = workers_for(job.n_bands);
    const size_t per_worker =
        static_cast<size_t>(arch_base::guided_scratch_doubles(cg, ct, w, radius, job.ring_rows, single));
    run_job(job, lease, per_worker, &arch_base::run_guided, &arch_avx2::run_guided,
            "jointfilter: target or guide contains NaN or Inf");
}

/// Nearest-neighbour decimation (He's fastguidedfilter.m: imresize 'nearest'): low-res pixel d
/// takes source floor((d + 0.5) * s), clamped. Rows in parallel bands, source offsets computed
/// once per call.
template <typename T>
void decimate(const ImageView& src, int64_t s, ImageView& low, T* out) {
    low.data = out;
    low.dtype = src.dtype;
    low.height = (src.height + s - 1) / s;
    low.width = (src.width + s - 1) / s;
    low.channels = src.channels;
    low.row_stride = low.width * low.channels;
    const int64_t c = src.channels, n = low.width * c;
    std::vector<int64_t> at(static_cast<size_t>(n));  // source offset in a row of each output value
    for (int64_t x = 0; x < low.width; ++x)
        for (int64_t k = 0; k < c; ++k)
            at[x * c + k] = std::min<int64_t>(src.width - 1, x * s + s / 2) * c + k;
    for_bands(low.height, 64, [&](int64_t y0, int64_t y1) {
        for (int64_t y = y0; y < y1; ++y) {
            const T* in = crow<T>(src, std::min<int64_t>(src.height - 1, y * s + s / 2));
            T* o = low.row<T>(y);
            for (int64_t i = 0; i < n; ++i) o[i] = in[at[i]];
        }
    });
}

#if defined(__GNUC__)
#define JF_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define JF_ALWAYS_INLINE inline
#endif

/// Means of the s = 2 blocks of a row of column sums: m blocks of CH channels.
template <int CH, typename Acc>
JF_ALWAYS_INLINE void pair_means(const Acc* __restrict cs, float* __restrict o, int64_t m, double inv) {
    for (int64_t i = 0; i < m; ++i)
        for (int k = 0; k < CH; ++k)
            o[i * CH + k] =
                static_cast<float>(static_cast<double>(cs[2 * i * CH + k] + cs[(2 * i + 1) * CH + k]) * inv);
}

/// Low-res row o of decimate_mean from source rows [ys, ye): the column sums into cs (a row of
/// width x channels), then each block's sum of column sums times the reciprocal of its count.
template <typename T, typename Acc>
JF_ALWAYS_INLINE void mean_row(const ImageView& src, int64_t s, int64_t ys, int64_t ye, Acc* __restrict cs,
                               float* __restrict o, int64_t lw) {
    const int64_t c = src.channels, w = src.width, n = w * c;
    const T* first = crow<T>(src, ys);
    for (int64_t i = 0; i < n; ++i) cs[i] = static_cast<Acc>(first[i]);
    for (int64_t sy = ys + 1; sy < ye; ++sy) {
        const T* in = crow<T>(src, sy);
        for (int64_t i = 0; i < n; ++i) cs[i] += static_cast<Acc>(in[i]);
    }
    const double inv_full = 1.0 / static_cast<double>((ye - ys) * s);
    int64_t i = 0;
    if (s == 2) {  // the common factor: full blocks with the channel count known at compile time
        i = w / 2;
        switch (c) {
            case 1:
                pair_means<1>(cs, o, i, inv_full);
                break;
            case 2:
                pair_means<2>(cs, o, i, inv_full);
                break;
            case 3:
                pair_means<3>(cs, o, i, inv_full);
                break;
            default:
                pair_means<4>(cs, o, i, inv_full);
                break;
        }
    }
    for (; i < lw; ++i) {
        const int64_t x0 = i * s, x1 = std::min<int64_t>(w, x0 + s);
        const double inv = x1 - x0 == s ? inv_full : 1.0 / static_cast<double>((ye - ys) * (x1 - x0));
        for (int64_t k = 0; k < c; ++k) {
            Acc sum = cs[x0 * c + k];
            for (int64_t x = x0 + 1; x < x1; ++x) sum += cs[x * c + k];
            o[i * c + k] = static_cast<float>(static_cast<double>(sum) * inv);
        }
    }
}

// mean_row compiled twice, for the baseline and (chosen at run time) with AVX2 code generation:
// the same additions element by element, so both give the same bits.
template <typename T, typename Acc>
void mean_row_base(const ImageView& src, int64_t s, int64_t ys, int64_t ye, Acc* cs, float* o, int64_t lw) {
    mean_row<T, Acc>(src, s, ys, ye, cs, o, lw);
}
#if defined(__x86_64__) && defined(__GNUC__)
#define JF_DECIMATE_AVX2 1
template <typename T, typename Acc>
__attribute__((target("avx2"))) void mean_row_avx2(const ImageView& src, int64_t s, int64_t ys, int64_t ye,
                                                   Acc* cs, float* o, int64_t lw) {
    mean_row<T, Acc>(src, s, ys, ye, cs, o, lw);
}
#endif

/// Block-mean decimation into float32: low-res value (Y, X, k) is the mean of the source values
/// of rows [Y s, min(Y s + s, H)) and columns [X s, min(X s + s, W)): their sum times the
/// reciprocal of the pixel count, in double, rounded once. Float sums are in double in one fixed
/// order, which the CUDA decimation uses too: down each column of the block first (rows in
/// increasing order), then across the column sums (columns in increasing order). Integer sums
/// are exact in `Acc` (any order gives the same double). Column sums run along whole rows, so
/// they vectorise.
template <typename T, typename Acc>
void decimate_mean(const ImageView& src, int64_t s, ImageView& low, float* out) {
    low.data = out;
    low.dtype = DType::f32;
    low.height = (src.height + s - 1) / s;
    low.width = (src.width + s - 1) / s;
    low.channels = src.channels;
    low.row_stride = low.width * low.channels;
    auto row_fn = &mean_row_base<T, Acc>;
#if defined(JF_DECIMATE_AVX2)
    if (cpu_has_avx2()) row_fn = &mean_row_avx2<T, Acc>;
#endif
    const int64_t lw = low.width;
    for_bands(low.height, 64, [&](int64_t y0, int64_t y1) {
        std::vector<Acc> col(static_cast<size_t>(src.width * src.channels));
        for (int64_t y = y0; y < y1; ++y)
            row_fn(src, s, y * s, std::min<int64_t>(src.height, y * s + s), col.data(), low.row<float>(y),
                   lw);
    });
}

ImageView decimate_mean_any(const ImageView& src, int64_t s, double* storage) {
    ImageView low;
    float* out = reinterpret_cast<float*>(storage);
    // integer block sums fit their accumulator (at most s^2 values of 255 / 65535)
    const bool narrow = s <= 4096;
    switch (src.dtype) {
        case DType::u8:
            if (narrow) {
                decimate_mean<uint8_t, uint32_t>(src, s, low, out);
            } else {
                decimate_mean<uint8_t, uint64_t>(src, s, low, out);
            }
            break;
        case DType::u16:
            decimate_mean<uint16_t, uint64_t>(src, s, low, out);
            break;
        case DType::f32:
            decimate_mean<float, double>(src, s, low, out);
            break;
    }
    return low;
}

ImageView decimate_any(const ImageView& src, int64_t s, double* storage) {
    ImageView low;
    switch (src.dtype) {
        case DType::u8:
            decimate(src, s, low, reinterpret_cast<uint8_t*>(storage));
            break;
        case DType::u16:
            decimate(src, s, low, reinterpret_cast<uint16_t*>(storage));
            break;
        case DType::f32:
            decimate(src, s, low, reinterpret_cast<float*>(storage));
            break;
    }
    return low;
}

}  // namespace

int64_t band_rows_for(int64_t height, int64_t radius) {
    // Enough rows per band that the halo (2r a/b rows) and the window set-up (2r + 1 rows) stay
    // a small share of the work (16 windows per band: at 1080p, r = 8, 4 bands instead of 7 cut
    // the guided filter's time by 3-7% on one thread), an even count so that two threads get
    // equal shares, and at least two bands when the image allows it.
    const int64_t window = 2 * radius + 1;
    int64_t bands = height / (16 * window);
    bands += bands & 1;
    if (bands < 2 && height >= 4 * window) bands = 2;
    bands = std::max<int64_t>(1, std::min<int64_t>(bands, 8));
    return std::max<int64_t>(1, (height + bands - 1) / bands);
}

const char* kernel_isa() { return cpu_has_avx2() ? "avx2" : "baseline"; }

void linear_taps(int64_t n_out, int64_t n_in, std::vector<int64_t>& i0, std::vector<double>& f) {
    i0.resize(n_out);
    f.resize(n_out);
    const double scale = static_cast<double>(n_in) / static_cast<double>(n_out);
    for (int64_t d = 0; d < n_out; ++d) {
        double src = (static_cast<double>(d) + 0.5) * scale - 0.5;
        src = std::min(std::max(src, 0.0), static_cast<double>(n_in - 1));
        const int64_t lo = static_cast<int64_t>(std::floor(src));
        i0[d] = lo;
        f[d] = src - static_cast<double>(lo);
    }
}

void check_box_arguments(const ImageView& src, const ImageView& dst, int64_t radius) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(radius >= 0, "radius must be >= 0");
    JF_CHECK(src.channels >= 1 && src.channels <= 4, "box_filter supports 1 to 4 channels");
    JF_CHECK(dst.height == src.height && dst.width == src.width && dst.channels == src.channels,
             "out must have the shape of image");
}

namespace {

/// Box means of src (or, with `variance`, the local variance of a 1-channel src) into dst.
void box_pass(const ImageView& src, const ImageView& dst, int64_t radius, Border border, bool variance,
              Workspace* workspace) {
    ScratchLease lease(workspace);
    Plan plan(src.height, src.width, radius, border);
    BoxJob job;
    job.src = src;
    job.dst = dst;
    job.variance = variance;
    job.rows = spec(plan.rows);
    job.cols = spec(plan.cols);
    job.col_init = InitList{plan.col_init_index.data(), plan.col_init_weight.data(),
                            static_cast<int64_t>(plan.col_init_index.size())};
    job.band_rows = band_rows_for(src.height, radius);
    job.n_bands = (src.height + job.band_rows - 1) / job.band_rows;
    std::vector<int64_t> starts(job.n_bands);
    for (int64_t b = 0; b < job.n_bands; ++b) starts[b] = b * job.band_rows;
    InitLists inits;
    inits.build(plan.rows, starts);
    job.band_init = inits.lists.data();
    job.workers = workers_for(job.n_bands);
    const int64_t k = variance ? 2 : src.channels;  // planes per row
    const size_t per_worker = static_cast<size_t>(arch_base::box_scratch_doubles(k, src.width, radius));
    run_job(job, lease, per_worker, &arch_base::run_box, &arch_avx2::run_box,
            "jointfilter: image contains NaN or Inf");
}

}  // namespace

void box_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                Workspace* workspace) {
    check_box_arguments(src, dst, radius);
    if (src.height == 0 || src.width == 0) return;
    box_pass(src, dst, radius, border, false, workspace);
}

void local_variance(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                    Workspace* workspace) {
    check_box_arguments(src, dst, radius);
    JF_CHECK(src.channels == 1, "local_variance needs a 1-channel image");
    if (src.height == 0 || src.width == 0) return;
    box_pass(src, dst, radius, border, true, workspace);
}

namespace {

/// A per-window parameter plane: float32, one channel, the guide's size, every value finite
/// (and > 0 when `positive`). Scanned once: a bad value would silently corrupt whole windows.
void check_map(const ImageView& m, const char* name, const ImageView& guide, bool positive) {
    if (m.data == nullptr) return;
    check_view(m, name);
    JF_CHECK(m.dtype == DType::f32 && m.channels == 1, std::string(name) + " must be a float32 plane");
    JF_CHECK(m.height == guide.height && m.width == guide.width,
             std::string(name) + " must have the guide's height and width");
    for (int64_t y = 0; y < m.height; ++y) {
        const float* r = m.row<const float>(y);
        int64_t bad = 0;
        for (int64_t x = 0; x < m.width; ++x) bad += !(std::isfinite(r[x]) && (!positive || r[x] > 0.0f));
        JF_CHECK(bad == 0, std::string(name) + (positive ? " must be finite and > 0" : " must be finite"));
    }
}

}  // namespace

void check_guided_arguments(const ImageView& target, const ImageView& guide, const ImageView& dst,
                            const GuidedParams& p) {
    check_view(target, "target");
    check_view(guide, "guide");
    check_view(dst, "out");
    JF_CHECK(p.radius >= 0, "radius must be >= 0");
    JF_CHECK(p.eps > 0.0 && std::isfinite(p.eps), "eps must be a finite number > 0");
    JF_CHECK(p.subsample >= 1, "subsample must be >= 1");
    JF_CHECK(p.decimation == Decimation::nearest || p.decimation == Decimation::mean,
             "decimation must be 'nearest' (0) or 'mean' (1)");
    JF_CHECK(guide.channels == 1 || guide.channels == 3, "guide must have 1 or 3 channels");
    JF_CHECK(target.channels >= 1 && target.channels <= 4, "target must have 1 to 4 channels");
    JF_CHECK(guide.height == target.height && guide.width == target.width,
             "guide and target must have the same height and width");
    JF_CHECK(dst.height == target.height && dst.width == target.width && dst.channels == target.channels,
             "out must have the shape of target");
    const bool edge_aware = p.eps_map.data != nullptr || p.gamma_map.data != nullptr;
    JF_CHECK(!edge_aware || guide.channels == 1, "eps_map and gamma_map need a 1-channel guide");
    JF_CHECK(!edge_aware || p.subsample == 1, "eps_map and gamma_map need subsample=1");
    check_map(p.eps_map, "eps_map", guide, true);
    check_map(p.gamma_map, "gamma_map", guide, false);
    if (p.apply_guide.data != nullptr) {
        check_view(p.apply_guide, "apply_guide");
        JF_CHECK(p.apply_guide.height == guide.height && p.apply_guide.width == guide.width &&
                     p.apply_guide.channels == guide.channels,
                 "apply_guide must have the shape of guide");
    }
}

namespace {

/// dst = up(mean a) . guide + up(mean b) from a low_h x low_w grid of coefficients (bilinear,
/// pixel-centre aligned): the fast guided filter's last stage.
void upsample_apply(const double* coef, int64_t lh, int64_t lw, const ImageView& guide, const ImageView& dst,
                    bool single, ScratchLease& lease, const char* nonfinite_message) {
    const int64_t h = guide.height, w = guide.width;
    const int64_t kab = coef_count(guide.channels, dst.channels);
    std::vector<int64_t> y0, x0;
    std::vector<double> fy, fx;
    linear_taps(h, lh, y0, fy);
    linear_taps(w, lw, x0, fx);
    UpsampleJob job;
    job.guide = guide;
    job.dst = dst;
    job.coef = coef;
    job.low_h = lh;
    job.low_w = lw;
    job.target_channels = dst.channels;
    job.single = single;
    job.y0 = y0.data();
    job.fy = fy.data();
    job.x0 = x0.data();
    job.fx = fx.data();
    job.band_rows = band_rows_for(h, 0);
    job.n_bands = (h + job.band_rows - 1) / job.band_rows;
    job.workers = workers_for(job.n_bands);
    // guide planes, the output planes, two cached low-res rows, one low-res row as planes
    const size_t per_worker = static_cast<size_t>((guide.channels + 2 * kab + dst.channels) * w + kab * lw);
    run_job(job, lease, per_worker, &arch_base::run_upsample, &arch_avx2::run_upsample, nonfinite_message);
}

}  // namespace

void guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                   const GuidedParams& p, Workspace* workspace) {
    check_guided_arguments(target, guide, dst, p);
    const int64_t h = target.height, w = target.width;
    if (h == 0 || w == 0) return;
    ScratchLease lease(workspace);
    if (p.subsample == 1) {
        guided_core(target, guide, dst, nullptr, p.radius, p, lease);
        return;
    }
    // fast guided filter (He & Sun 2015): coefficients on the decimated pair, applied at full size
    const int64_t s = p.subsample;
    const int64_t lh = (h + s - 1) / s, lw = (w + s - 1) / s;
    const int64_t low_radius =
        std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(p.radius) / s + 0.5)));
    const size_t low_px = static_cast<size_t>(lh * lw);
    // storage in doubles, generously sized for any element type
    const ImageView low_guide = decimate_any(guide, s, lease.get(kSlotLowGuide, low_px * guide.channels));
    double* low_target_storage = lease.get(kSlotLowTarget, low_px * target.channels);
    const ImageView low_target = p.decimation == Decimation::mean
                                     ? decimate_mean_any(target, s, low_target_storage)
                                     : decimate_any(target, s, low_target_storage);
    const int64_t kab = coef_count(guide.channels, target.channels);
    double* coef = lease.get(kSlotCoef, low_px * kab);
    guided_core(low_target, low_guide, ImageView{}, coef, low_radius, p, lease);
    // the coefficients are finite (checked above), so a non-finite output came from the guide
    upsample_apply(coef, lh, lw, p.apply_guide.data ? p.apply_guide : guide, dst, p.single, lease,
                   "jointfilter: guide contains NaN or Inf");
}

int64_t coefficient_count(int64_t guide_channels, int64_t target_channels) {
    return coef_count(guide_channels, target_channels);
}

void guided_coefficients(const ImageView& target, const ImageView& guide, double* coef, const GuidedParams& p,
                         Workspace* workspace) {
    check_guided_arguments(target, guide, target, p);
    JF_CHECK(p.subsample == 1 && p.apply_guide.data == nullptr && p.eps_map.data == nullptr &&
                 p.gamma_map.data == nullptr,
             "guided_coefficients: plain guided filter parameters only");
    JF_CHECK(p.radius >= 1, "guided_coefficients: radius must be >= 1");
    if (target.height == 0 || target.width == 0) return;
    ScratchLease lease(workspace);
    guided_core(target, guide, ImageView{}, coef, p.radius, p, lease);
}

void apply_coefficients(const double* coef, int64_t low_h, int64_t low_w, const ImageView& guide,
                        const ImageView& dst, bool single, Workspace* workspace) {
    check_view(guide, "guide");
    check_view(dst, "out");
    JF_CHECK(guide.channels == 1 || guide.channels == 3, "guide must have 1 or 3 channels");
    JF_CHECK(dst.channels >= 1 && dst.channels <= 4, "out must have 1 to 4 channels");
    JF_CHECK(dst.height == guide.height && dst.width == guide.width,
             "out must have the guide's height and width");
    JF_CHECK(low_h >= 1 && low_w >= 1 && low_h <= guide.height && low_w <= guide.width,
             "coefficients: expected a grid of 1 .. the guide's size in each dimension");
    if (guide.height == 0 || guide.width == 0) return;
    ScratchLease lease(workspace);
    upsample_apply(coef, low_h, low_w, guide, dst, single, lease,
                   "jointfilter: coefficients or guide contain NaN or Inf");
}

void decimate_mean(const ImageView& src, int64_t s, const ImageView& dst) {
    check_view(src, "image");
    check_view(dst, "out");
    JF_CHECK(s >= 1, "subsample must be >= 1");
    JF_CHECK(dst.dtype == DType::f32, "out must be float32");
    JF_CHECK(dst.height == (src.height + s - 1) / s && dst.width == (src.width + s - 1) / s &&
                 dst.channels == src.channels,
             "out must have shape (ceil(H / s), ceil(W / s)) and the image's channels");
    JF_CHECK(dst.row_stride == dst.width * dst.channels, "out must be C-contiguous");
    if (src.height == 0 || src.width == 0) return;
    // decimate_mean_any writes rows of width * channels floats from the given address
    decimate_mean_any(src, s, reinterpret_cast<double*>(dst.data));
}

}  // namespace jointfilter
