// CUDA guided filter: four launches of the per-thread functions in guided_sweeps.hpp (one
// thread per column for the vertical sweeps, one per row for the horizontal ones), on the
// caller's stream. Scratch is allocated stream-ordered and freed on the same stream.
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "device.hpp"
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

__global__ void box_vertical_kernel(sweep::BoxParams p) {
    const int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (x < p.cols.n) sweep::box_vertical(p, x);
}
__global__ void box_horizontal_kernel(sweep::BoxParams p) {
    const int64_t y = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (y < p.rows.n) sweep::box_horizontal(p, y);
}

void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess)
        throw cuda_error(std::string("jointfilter: ") + what + ": " + cudaGetErrorName(status) + ": " +
                         cudaGetErrorString(status));
}

/// Device allocations of one call, stream-ordered: released on the caller's stream when the
/// call ends (checked on success; best effort when unwinding from an error).
class StreamScratch {
 public:
    explicit StreamScratch(cudaStream_t stream) : stream_(stream) {}
    StreamScratch(const StreamScratch&) = delete;
    StreamScratch& operator=(const StreamScratch&) = delete;
    ~StreamScratch() {
        for (void* d : owned_) cudaFreeAsync(d, stream_);
    }

    template <typename T>
    T* alloc(size_t count) {
        void* d = nullptr;
        check(cudaMallocAsync(&d, (count + 1) * sizeof(T), stream_), "cudaMallocAsync");  // never 0
        owned_.push_back(d);
        return static_cast<T*>(d);
    }

    /// Device copy of a host array.
    template <typename T>
    T* upload(const std::vector<T>& host) {
        T* d = alloc<T>(host.size());
        if (!host.empty())
            check(cudaMemcpyAsync(d, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream_),
                  "cudaMemcpyAsync");
        return d;
    }

    sweep::Axis upload_axis(const sweep::HostAxis& a) {
        sweep::Axis d;
        d.n = a.n;
        d.enter = upload(a.enter);
        d.leave = upload(a.leave);
        d.count = upload(a.count);
        d.init_index = upload(a.init_index);
        d.init_weight = upload(a.init_weight);
        d.init_size = static_cast<int64_t>(a.init_index.size());
        return d;
    }

    /// Free everything now, reporting a failure (the destructor cannot).
    void release() {
        std::vector<void*> owned;
        owned.swap(owned_);
        for (void* d : owned) check(cudaFreeAsync(d, stream_), "cudaFreeAsync");
    }

 private:
    cudaStream_t stream_;
    std::vector<void*> owned_;
};

unsigned blocks_for(int64_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace

void guided_filter(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                   const sweep::HostAxis& rows, const sweep::HostAxis& cols, double eps, int k1, int kab,
                   uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t h = rows.n, w = cols.n;
    StreamScratch scratch(stream);
    sweep::GuidedParams p;
    p.target = target;
    p.guide = guide;
    p.out = out;
    p.eps = eps;
    p.k1 = k1;
    p.kab = kab;
    p.rows = scratch.upload_axis(rows);
    p.cols = scratch.upload_axis(cols);
    p.v = scratch.alloc<double>(static_cast<size_t>(k1 * h * w));
    p.ab = scratch.alloc<double>(static_cast<size_t>(kab * h * w));
    p.v2 = scratch.alloc<double>(static_cast<size_t>(kab * h * w));
    const int threads = 128;
    vertical_moments_kernel<<<blocks_for(w, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "vertical_moments_kernel launch");
    horizontal_solve_kernel<<<blocks_for(h, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "horizontal_solve_kernel launch");
    vertical_coefficients_kernel<<<blocks_for(w, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "vertical_coefficients_kernel launch");
    horizontal_apply_kernel<<<blocks_for(h, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "horizontal_apply_kernel launch");
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

void box_filter(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
                const sweep::HostAxis& cols, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t h = rows.n, w = cols.n;
    StreamScratch scratch(stream);
    sweep::BoxParams p;
    p.src = src;
    p.out = out;
    p.rows = scratch.upload_axis(rows);
    p.cols = scratch.upload_axis(cols);
    p.v = scratch.alloc<double>(static_cast<size_t>(src.channels * h * w));
    p.h = scratch.alloc<double>(static_cast<size_t>(src.channels * h * w));
    const int threads = 128;
    box_vertical_kernel<<<blocks_for(w, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "box_vertical_kernel launch");
    box_horizontal_kernel<<<blocks_for(h, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "box_horizontal_kernel launch");
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

}  // namespace cuda
}  // namespace jointfilter
