// Dispatcher of the mutual-structure filter: validates, plans bands and scratch, runs the
// iterations (ping-pong planes, the last iteration writing the outputs) with the kernel build
// for this CPU. The arithmetic lives in mutual_structure_impl.hpp, compiled here for the
// baseline instruction set and in mutual_structure_avx2.cpp for AVX2.
#include "mutual_structure.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "guided_filter.hpp"  // band_rows_for, kernel_isa
#include "parallel.hpp"

namespace jointfilter {
namespace {

bool finite_positive(double v) { return std::isfinite(v) && v > 0.0; }

/// Scratch blocks kept between calls: a fresh multi-megabyte block is page-faulted and zeroed by
/// the OS on first touch (7% of a 1080p call, measured). Concurrent calls take different
/// blocks; at most kKeep blocks of at most kKeepBytes in all stay allocated.
class BlockPool {
 public:
    struct Block {
        std::unique_ptr<double[]> data;
        size_t size = 0;
    };

    /// A block of at least n doubles (its contents are arbitrary).
    Block take(size_t n) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (size_t i = 0; i < free_.size(); ++i) {
                if (free_[i].size >= n) {
                    Block b = std::move(free_[i]);
                    free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
                    return b;
                }
            }
        }
        Block b;
        b.data.reset(new double[n]);
        b.size = n;
        return b;
    }

    void give(Block b) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(b));
        std::sort(free_.begin(), free_.end(), [](const Block& x, const Block& y) { return x.size < y.size; });
        size_t bytes = 0;
        for (const Block& k : free_) bytes += k.size * sizeof(double);
        while (!free_.empty() && (free_.size() > kKeep || bytes > kKeepBytes)) {
            bytes -= free_.front().size * sizeof(double);  // drop the smallest first
            free_.erase(free_.begin());
        }
    }

 private:
    static constexpr size_t kKeep = 8, kKeepBytes = size_t(256) << 20;
    std::mutex mutex_;
    std::vector<Block> free_;
};

BlockPool& block_pool() {
    static BlockPool pool;
    return pool;
}

/// Blocks borrowed from the pool for one call.
class Lease {
 public:
    ~Lease() {
        for (auto& b : blocks_) block_pool().give(std::move(b));
    }
    /// At least n doubles, 64-byte aligned.
    double* get(size_t n) {
        blocks_.push_back(block_pool().take(n + 8));
        double* p = blocks_.back().data.get();
        const auto addr = reinterpret_cast<uintptr_t>(p);
        return p + ((64 - addr % 64) % 64) / sizeof(double);
    }

 private:
    std::vector<BlockPool::Block> blocks_;
};

/// First and one-past-last byte of a view, for the overlap check.
void byte_range(const ImageView& v, uintptr_t& lo, uintptr_t& hi) {
    lo = reinterpret_cast<uintptr_t>(v.data);
    hi = lo + static_cast<uintptr_t>(((v.height - 1) * v.row_stride + v.width * v.channels) * sizeof(float));
}

bool overlap(const ImageView& a, const ImageView& b) {
    uintptr_t a0, a1, b0, b1;
    byte_range(a, a0, a1);
    byte_range(b, b0, b1);
    return a0 < b1 && b0 < a1;
}

/// 1 / (size of the clipped window) at every position of an axis of length n.
std::vector<double> inverse_counts(int64_t n, int64_t r) {
    std::vector<double> inv(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        inv[i] = 1.0 / static_cast<double>(std::min(n - 1, i + r) - std::max<int64_t>(0, i - r) + 1);
    return inv;
}

struct ScanJob {
    const ImageView* view;
    int64_t rows_per_task;
    int bad;
};

/// True if a float plane holds NaN or Inf (all exponent bits set), scanned on all threads.
bool has_nonfinite(const ImageView& v) {
    ScanJob job{&v, 64, 0};
    const int64_t tasks = (v.height + job.rows_per_task - 1) / job.rows_per_task;
    parallel_for(
        tasks, get_num_threads(),
        [](void* ctx, int64_t t, int) {
            auto* j = static_cast<ScanJob*>(ctx);
            const int64_t y0 = t * j->rows_per_task, y1 = std::min(j->view->height, y0 + j->rows_per_task);
            uint32_t worst = 0;
            for (int64_t y = y0; y < y1; ++y) {
                const float* row = j->view->row<const float>(y);
                for (int64_t x = 0; x < j->view->width; ++x) {
                    uint32_t bits;
                    std::memcpy(&bits, row + x, sizeof bits);
                    bits &= 0x7fffffffu;
                    worst = bits > worst ? bits : worst;
                }
            }
            if (worst >= 0x7f800000u) __atomic_store_n(&j->bad, 1, __ATOMIC_RELAXED);
        },
        &job);
    return job.bad != 0;
}

/// Output columns per strip. Whole rows up to 2048 columns: measured at 1080p, narrower strips
/// (rows in L1/L2) lost more to the 2r-column halo than they gained from the cache. Wider
/// images are split so that the ring of coefficient rows stays bounded.
int64_t strip_cols_for(int64_t w, int64_t r) { return std::min(w, std::max<int64_t>(2048, 8 * r)); }

void copy_plane(const ImageView& src, const ImageView& dst) {
    for (int64_t y = 0; y < src.height; ++y)
        std::memcpy(dst.row<float>(y), src.row<const float>(y), sizeof(float) * src.width);
}

struct ChannelJob {
    const ImageView* image;   // interleaved
    const ImageView* planes;  // one per channel
    bool split;               // image -> planes (else planes -> image)
};

/// Interleaved image <-> one plane per channel, rows split over all threads.
void convert_channels(const ImageView& image, const ImageView* planes, bool split) {
    ChannelJob job{&image, planes, split};
    parallel_for((image.height + 15) / 16, get_num_threads(),
                 [](void* ctx, int64_t t, int) {
                     const auto* j = static_cast<ChannelJob*>(ctx);
                     const int64_t nc = j->image->channels, w = j->image->width;
                     for (int64_t y = 16 * t; y < std::min(j->image->height, 16 * t + 16); ++y) {
                         float* px = j->image->row<float>(y);
                         for (int64_t c = 0; c < nc; ++c) {
                             float* pl = j->planes[c].row<float>(y);
                             if (j->split)
                                 for (int64_t x = 0; x < w; ++x) pl[x] = px[x * nc + c];
                             else
                                 for (int64_t x = 0; x < w; ++x) px[x * nc + c] = pl[x];
                         }
                     }
                 },
                 &job);
}

}  // namespace

void check_mutual_arguments(const ImageView& target, const ImageView& guide, const ImageView& out_target,
                            const ImageView& out_guide, const MutualParams& p) {
    const bool want_guide = out_guide.data != nullptr || target.height * target.width == 0;
    const ImageView* views[4] = {&target, &guide, &out_target, &out_guide};
    const char* names[4] = {"target", "guide", "out_target", "out_guide"};
    for (int k = 0; k < 4; ++k) {
        if (k == 3 && !want_guide) continue;
        const int64_t channels = k == 1 ? 1 : target.channels;
        check_view(*views[k], names[k]);
        JF_CHECK(views[k]->dtype == DType::f32 && views[k]->channels == channels,
                 std::string(names[k]) + (k == 1 ? " must be a single-channel float32 image"
                                                 : " must be a float32 image with the channels of target"));
        JF_CHECK(views[k]->height == target.height && views[k]->width == target.width,
                 std::string(names[k]) + " must have the height and width of target");
    }
    JF_CHECK(p.radius >= 0, "radius must be >= 0");
    JF_CHECK(finite_positive(p.eps_i) && finite_positive(p.eps_g),
             "eps_i and eps_g must be finite numbers > 0");
    JF_CHECK(finite_positive(p.lam_i) && finite_positive(p.lam_g),
             "lam_i and lam_g must be finite numbers > 0");
    JF_CHECK(p.iterations >= 0, "iterations must be >= 0");
    if (target.height == 0 || target.width == 0) return;
    for (int k = 2; k < (want_guide ? 4 : 3); ++k)
        for (int j = 0; j < k; ++j)
            JF_CHECK(!overlap(*views[k], *views[j]),
                     std::string(names[k]) + " must not share memory with " + names[j]);
}

namespace {

/// The filter of one target plane (arguments checked, not empty).
void filter_plane(const ImageView& target, const ImageView& guide, const ImageView& out_target,
                  const ImageView& out_guide, const MutualParams& p) {
    const int64_t h = target.height, w = target.width;
    if (p.iterations == 0) {
        if (has_nonfinite(target)) throw nonfinite_input("jointfilter: target contains NaN or Inf");
        if (has_nonfinite(guide)) throw nonfinite_input("jointfilter: guide contains NaN or Inf");
        copy_plane(target, out_target);
        copy_plane(guide, out_guide);
        return;
    }
    // a radius beyond the image changes no clipped window
    const int64_t r = std::min<int64_t>(p.radius, std::max(h, w));
    const std::vector<double> inv_ny = inverse_counts(h, r), inv_nx = inverse_counts(w, r);

    MutualJob job;
    job.i0 = target;
    job.g0 = guide;
    job.radius = r;
    job.eps_i = p.eps_i;
    job.eps_g = p.eps_g;
    job.lam_i = p.lam_i;
    job.lam_g = p.lam_g;
    job.inv_ny = inv_ny.data();
    job.inv_nx = inv_nx.data();
    job.band_rows = band_rows_for(h, r);
    job.n_bands = (h + job.band_rows - 1) / job.band_rows;
    job.strip_cols = strip_cols_for(w, r);
    // whole 64-byte lines per scratch row, an odd number of them: rows a power of two apart
    // would map to the same cache sets
    auto row_doubles = [](int64_t n) { return (n + 7) / 8 * 8 + ((n + 7) / 8 % 2 == 0 ? 8 : 0); };
    job.ld = row_doubles(std::min(w, job.strip_cols + 4 * r));
    job.lde = row_doubles(job.ld + 2 * std::min(r, w) + 1);
    job.workers = static_cast<int>(std::min<int64_t>(get_num_threads(), job.n_bands));

    const bool avx2 = std::strcmp(kernel_isa(), "avx2") == 0;
    const int64_t per_worker =
        (avx2 ? arch_avx2::mutual_scratch_doubles : arch_base::mutual_scratch_doubles)(h, r, job.ld, job.lde);
    // per-worker scratch (the kernel zeroes what it sums) and the ping-pong planes: iteration k
    // writes the outputs when (iterations - 1 - k) is even; every pixel is written before it is read
    Lease lease;
    std::vector<double*> scratch(job.workers);
    for (int i = 0; i < job.workers; ++i) scratch[i] = lease.get(static_cast<size_t>(per_worker));
    job.scratch = scratch.data();
    float* spare =
        p.iterations >= 2 ? reinterpret_cast<float*>(lease.get(static_cast<size_t>(h * w))) : nullptr;
    ImageView spare_i = target, spare_g = guide;
    spare_i.data = spare;
    spare_g.data = spare + h * w;
    spare_i.row_stride = spare_g.row_stride = w;
    ImageView cur_i = target, cur_g = guide;
    int nonfinite = 0;  // the first iteration reports NaN or Inf in the inputs (see the kernel)
    for (int64_t k = 0; k < p.iterations; ++k) {
        const bool to_out = (p.iterations - 1 - k) % 2 == 0;
        job.cur_i = cur_i;
        job.cur_g = cur_g;
        job.dst_i = to_out ? out_target : spare_i;
        job.dst_g = to_out ? out_guide : spare_g;
        job.nonfinite = k == 0 ? &nonfinite : nullptr;
        (avx2 ? arch_avx2::run_mutual : arch_base::run_mutual)(job);
        if (nonfinite & 1) throw nonfinite_input("jointfilter: target contains NaN or Inf");
        if (nonfinite & 2) throw nonfinite_input("jointfilter: guide contains NaN or Inf");
        cur_i = job.dst_i;
        cur_g = job.dst_g;
    }
}

}  // namespace

void mutual_structure_filter(const ImageView& target, const ImageView& guide, const ImageView& out_target,
                             const ImageView& out_guide, const MutualParams& p) {
    check_mutual_arguments(target, guide, out_target, out_guide, p);
    const int64_t h = target.height, w = target.width, nc = target.channels;
    if (h == 0 || w == 0) return;
    Lease lease;
    const int64_t n = h * w;
    const bool want_guide = out_guide.data != nullptr;
    auto floats = [&lease](int64_t count) {
        return reinterpret_cast<float*>(lease.get(static_cast<size_t>((count + 1) / 2)));
    };
    if (nc == 1) {
        ImageView g = guide;  // a plane for the guide's result when it is not wanted
        if (!want_guide) g.data = floats(n), g.row_stride = w;
        return filter_plane(target, guide, out_target, want_guide ? out_guide : g, p);
    }
    // Channels are filtered one after another on contiguous planes: one parallel pass splits
    // the target, one merges the results (the arithmetic per plane is that of a 1-channel call).
    float* in = floats(nc * n);
    float* res_i = floats(nc * n);
    float* res_g = floats((want_guide ? nc : 1) * n);
    std::vector<ImageView> planes_in(nc), planes_i(nc), planes_g(nc);
    for (int64_t c = 0; c < nc; ++c) {
        planes_in[c] = planes_i[c] = planes_g[c] = guide;
        planes_in[c].data = in + c * n;
        planes_i[c].data = res_i + c * n;
        planes_g[c].data = res_g + (want_guide ? c * n : 0);
        planes_in[c].row_stride = planes_i[c].row_stride = planes_g[c].row_stride = w;
    }
    convert_channels(target, planes_in.data(), true);
    for (int64_t c = 0; c < nc; ++c) filter_plane(planes_in[c], guide, planes_i[c], planes_g[c], p);
    convert_channels(out_target, planes_i.data(), false);
    if (want_guide) convert_channels(out_guide, planes_g.data(), false);
}

}  // namespace jointfilter

// the baseline build of the kernels
#define JF_ARCH arch_base
#include "mutual_structure_impl.hpp"
