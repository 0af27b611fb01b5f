// CUDA guided filter: launches of the per-thread functions in guided_sweeps.hpp (one thread per
// column for the vertical sweeps, one per row for the horizontal ones, one per pixel for the
// fast filter's decimation and upsampling). One-shot calls use stream-ordered scratch on the
// caller's stream; a GuidedWorkspace keeps the same buffers, and a stream, between calls.
#include <cuda_runtime.h>

#include <memory>
#include <string>
#include <vector>

#include "device.hpp"
#include "device_memory.hpp"
#include "guided_cuda.hpp"
#include "guided_sweeps.hpp"

namespace jointfilter {
namespace cuda {
namespace {

__global__ void vertical_moments_kernel(sweep::GuidedParams p) {
    const int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (x < p.cols.n) sweep::vertical_moments(p, x);
}
__global__ void horizontal_solve_kernel(sweep::GuidedParams p) {
    const int64_t y = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (y < p.rows.n) sweep::horizontal_solve(p, y);
}
__global__ void vertical_coefficients_kernel(sweep::GuidedParams p) {
    const int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (x < p.cols.n) sweep::vertical_coefficients(p, x);
}
__global__ void horizontal_apply_kernel(sweep::GuidedParams p) {
    const int64_t y = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (y < p.rows.n) sweep::horizontal_apply(p, y);
}
__global__ void horizontal_mean_coefficients_kernel(sweep::GuidedParams p) {
    const int64_t y = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (y < p.rows.n) sweep::horizontal_mean_coefficients(p, y);
}
__global__ void decimate_kernel(sweep::DecimateParams p) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < p.low.height * p.low.width) sweep::decimate_pixel(p, t);
}
__global__ void upsample_kernel(sweep::UpsampleParams p) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < p.out.height * p.out.width) sweep::upsample_pixel(p, t);
}

__global__ void box_vertical_kernel(sweep::BoxParams p) {
    const int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (x < p.cols.n) sweep::box_vertical(p, x);
}
__global__ void box_horizontal_kernel(sweep::BoxParams p) {
    const int64_t y = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (y < p.rows.n) sweep::box_horizontal(p, y);
}

constexpr int kThreads = 128;

/// Device buffers of one guided filter plan.
struct GuidedBuffers {
    sweep::Axis rows, cols;
    double* v = nullptr;
    double* ab = nullptr;
    double* v2 = nullptr;
    void* low_target = nullptr;  // s > 1: decimated copies
    void* low_guide = nullptr;
    int64_t* tap_y = nullptr;
    int64_t* tap_x = nullptr;
    double* frac_y = nullptr;
    double* frac_x = nullptr;
};

GuidedBuffers allocate(DeviceMemory& mem, const sweep::HostGuidedPlan& plan) {
    GuidedBuffers b;
    const size_t low = static_cast<size_t>(plan.low_h * plan.low_w);
    b.rows = mem.upload_axis(plan.rows);
    b.cols = mem.upload_axis(plan.cols);
    b.v = mem.alloc<double>(plan.k1 * low);
    b.ab = mem.alloc<double>(plan.kab * low);
    b.v2 = mem.alloc<double>(plan.kab * low);
    if (plan.s > 1) {
        // 8 bytes per value: room for any dtype, the float32 of mean decimation included
        b.low_target = mem.alloc<double>(plan.ct * low);
        b.low_guide = mem.alloc<double>(plan.cg * low);
        b.tap_y = mem.upload(plan.tap_y);
        b.tap_x = mem.upload(plan.tap_x);
        b.frac_y = mem.upload(plan.frac_y);
        b.frac_x = mem.upload(plan.frac_x);
    }
    return b;
}

/// Decimate `src` into `storage` on the device (`mode`: sweep::kDecimateNearest, a copy in the
/// dtype of src, or kDecimateMean, float32 block means); returns the low-res view.
sweep::Image decimate(const sweep::Image& src, void* storage, const sweep::HostGuidedPlan& plan, int mode,
                      cudaStream_t stream) {
    sweep::DecimateParams d;
    d.s = plan.s;
    d.mode = mode;
    d.src = src;
    d.low = src;
    d.low.data = storage;
    if (mode == sweep::kDecimateMean) d.low.dtype = sweep::kF32;
    d.low.height = plan.low_h;
    d.low.width = plan.low_w;
    d.low.row_stride = plan.low_w * src.channels;
    decimate_kernel<<<blocks_for(plan.low_h * plan.low_w, kThreads), kThreads, 0, stream>>>(d);
    check(cudaGetLastError(), "decimate_kernel launch");
    return d.low;
}

void launch_guided(const sweep::HostGuidedPlan& plan, const GuidedBuffers& b, const sweep::Image& target,
                   const sweep::Image& guide, const sweep::Image& out, double eps, cudaStream_t stream) {
    sweep::GuidedParams p;
    p.target = target;
    p.guide = guide;
    p.out = out;
    p.eps = eps;
    p.k1 = plan.k1;
    p.kab = plan.kab;
    p.rows = b.rows;
    p.cols = b.cols;
    p.v = b.v;
    p.ab = b.ab;
    p.v2 = b.v2;
    if (plan.s > 1) {
        p.target = decimate(target, b.low_target, plan, plan.decimation, stream);
        p.guide = decimate(guide, b.low_guide, plan, sweep::kDecimateNearest, stream);  // always nearest
    }
    const int64_t lh = plan.low_h, lw = plan.low_w;
    vertical_moments_kernel<<<blocks_for(lw, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "vertical_moments_kernel launch");
    horizontal_solve_kernel<<<blocks_for(lh, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "horizontal_solve_kernel launch");
    vertical_coefficients_kernel<<<blocks_for(lw, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "vertical_coefficients_kernel launch");
    if (plan.s == 1) {
        horizontal_apply_kernel<<<blocks_for(lh, kThreads), kThreads, 0, stream>>>(p);
        check(cudaGetLastError(), "horizontal_apply_kernel launch");
        return;
    }
    horizontal_mean_coefficients_kernel<<<blocks_for(lh, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "horizontal_mean_coefficients_kernel launch");
    sweep::UpsampleParams u;
    u.guide = guide;
    u.out = out;
    u.coef = b.ab;
    u.low_h = lh;
    u.low_w = lw;
    u.kab = plan.kab;
    u.tap_y = b.tap_y;
    u.tap_x = b.tap_x;
    u.frac_y = b.frac_y;
    u.frac_x = b.frac_x;
    upsample_kernel<<<blocks_for(plan.h * plan.w, kThreads), kThreads, 0, stream>>>(u);
    check(cudaGetLastError(), "upsample_kernel launch");
}

}  // namespace

void guided_filter(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                   const sweep::HostGuidedPlan& plan, double eps, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    DeviceMemory scratch(stream, /*stream_ordered=*/true);
    const GuidedBuffers b = allocate(scratch, plan);
    launch_guided(plan, b, target, guide, out, eps, stream);
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

void box_filter(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
                const sweep::HostAxis& cols, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t h = rows.n, w = cols.n;
    DeviceMemory scratch(stream, /*stream_ordered=*/true);
    sweep::BoxParams p;
    p.src = src;
    p.out = out;
    p.rows = scratch.upload_axis(rows);
    p.cols = scratch.upload_axis(cols);
    p.v = scratch.alloc<double>(static_cast<size_t>(src.channels * h * w));
    p.h = scratch.alloc<double>(static_cast<size_t>(src.channels * h * w));
    box_vertical_kernel<<<blocks_for(w, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "box_vertical_kernel launch");
    box_horizontal_kernel<<<blocks_for(h, kThreads), kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "box_horizontal_kernel launch");
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

// ---- GuidedWorkspace ---------------------------------------------------------------------

struct GuidedWorkspace::Impl {
    sweep::HostGuidedPlan plan;
    cudaStream_t stream = nullptr;
    cudaEvent_t ready = nullptr;  // recorded on the caller's stream before a run
    cudaEvent_t done = nullptr;   // recorded on ours after it
    std::unique_ptr<DeviceMemory> mem;
    GuidedBuffers buffers;

    ~Impl() {
        mem.reset();  // cudaFree synchronises the device: nothing of ours is still running
        if (done) cudaEventDestroy(done);
        if (ready) cudaEventDestroy(ready);
        if (stream) cudaStreamDestroy(stream);
    }
};

GuidedWorkspace::GuidedWorkspace(const sweep::HostGuidedPlan& plan) : impl_(new Impl) {
    Impl& s = *impl_;  // on a throw below, ~Impl releases what was created
    s.plan = plan;
    check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    check(cudaEventCreateWithFlags(&s.ready, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    check(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    s.mem.reset(new DeviceMemory(s.stream, /*stream_ordered=*/false));
    s.buffers = allocate(*s.mem, plan);
    check(cudaStreamSynchronize(s.stream), "uploading the workspace tables");  // host vectors may go
}

GuidedWorkspace::~GuidedWorkspace() = default;

void GuidedWorkspace::run(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                          double eps, uintptr_t caller_stream) {
    Impl& s = *impl_;
    cudaStream_t caller = reinterpret_cast<cudaStream_t>(caller_stream);
    check(cudaEventRecord(s.ready, caller), "cudaEventRecord");
    check(cudaStreamWaitEvent(s.stream, s.ready, 0), "cudaStreamWaitEvent");
    launch_guided(s.plan, s.buffers, target, guide, out, eps, s.stream);
    check(cudaEventRecord(s.done, s.stream), "cudaEventRecord");
    check(cudaStreamWaitEvent(caller, s.done, 0), "cudaStreamWaitEvent");
    if (sync_after_launch()) check(cudaStreamSynchronize(s.stream), "kernel execution");
}

size_t GuidedWorkspace::nbytes() const { return impl_->mem ? impl_->mem->bytes() : 0; }

uintptr_t GuidedWorkspace::stream() const { return reinterpret_cast<uintptr_t>(impl_->stream); }

const sweep::HostGuidedPlan& GuidedWorkspace::plan() const { return impl_->plan; }

}  // namespace cuda
}  // namespace jointfilter
