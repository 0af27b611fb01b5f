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

/// Device copy of a host array, freed with the stream.
template <typename T>
T* upload(const std::vector<T>& host, cudaStream_t stream, std::vector<void*>& owned) {
    void* d = nullptr;
    const size_t bytes = host.size() * sizeof(T) + sizeof(T);  // never zero bytes
    check(cudaMallocAsync(&d, bytes, stream), "cudaMallocAsync");
    owned.push_back(d);
    if (!host.empty())
        check(cudaMemcpyAsync(d, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream),
              "cudaMemcpyAsync");
    return static_cast<T*>(d);
}

sweep::Axis upload_axis(const sweep::HostAxis& a, cudaStream_t stream, std::vector<void*>& owned) {
    sweep::Axis d;
    d.n = a.n;
    d.enter = upload(a.enter, stream, owned);
    d.leave = upload(a.leave, stream, owned);
    d.count = upload(a.count, stream, owned);
    d.init_index = upload(a.init_index, stream, owned);
    d.init_weight = upload(a.init_weight, stream, owned);
    d.init_size = static_cast<int64_t>(a.init_index.size());
    return d;
}

}  // namespace

void guided_filter(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                   const sweep::HostAxis& rows, const sweep::HostAxis& cols, double eps, int k1, int kab,
                   uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t h = rows.n, w = cols.n;
    std::vector<void*> owned;
    try {
        sweep::GuidedParams p;
        p.target = target;
        p.guide = guide;
        p.out = out;
        p.eps = eps;
        p.k1 = k1;
        p.kab = kab;
        p.rows = upload_axis(rows, stream, owned);
        p.cols = upload_axis(cols, stream, owned);
        void* v = nullptr;
        void* ab = nullptr;
        void* v2 = nullptr;
        check(cudaMallocAsync(&v, sizeof(double) * k1 * h * w, stream), "cudaMallocAsync");
        owned.push_back(v);
        check(cudaMallocAsync(&ab, sizeof(double) * kab * h * w, stream), "cudaMallocAsync");
        owned.push_back(ab);
        check(cudaMallocAsync(&v2, sizeof(double) * kab * h * w, stream), "cudaMallocAsync");
        owned.push_back(v2);
        p.v = static_cast<double*>(v);
        p.ab = static_cast<double*>(ab);
        p.v2 = static_cast<double*>(v2);
        const int threads = 128;
        const unsigned col_blocks = static_cast<unsigned>((w + threads - 1) / threads);
        const unsigned row_blocks = static_cast<unsigned>((h + threads - 1) / threads);
        vertical_moments_kernel<<<col_blocks, threads, 0, stream>>>(p);
        check(cudaGetLastError(), "vertical_moments_kernel launch");
        horizontal_solve_kernel<<<row_blocks, threads, 0, stream>>>(p);
        check(cudaGetLastError(), "horizontal_solve_kernel launch");
        vertical_coefficients_kernel<<<col_blocks, threads, 0, stream>>>(p);
        check(cudaGetLastError(), "vertical_coefficients_kernel launch");
        horizontal_apply_kernel<<<row_blocks, threads, 0, stream>>>(p);
        check(cudaGetLastError(), "horizontal_apply_kernel launch");
        if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    } catch (...) {
        for (void* d : owned) cudaFreeAsync(d, stream);
        throw;
    }
    for (void* d : owned) check(cudaFreeAsync(d, stream), "cudaFreeAsync");
}

void box_filter(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
                const sweep::HostAxis& cols, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t h = rows.n, w = cols.n;
    std::vector<void*> owned;
    try {
        sweep::BoxParams p;
        p.src = src;
        p.out = out;
        p.rows = upload_axis(rows, stream, owned);
        p.cols = upload_axis(cols, stream, owned);
        void* v = nullptr;
        void* hs = nullptr;
        check(cudaMallocAsync(&v, sizeof(double) * src.channels * h * w, stream), "cudaMallocAsync");
        owned.push_back(v);
        check(cudaMallocAsync(&hs, sizeof(double) * src.channels * h * w, stream), "cudaMallocAsync");
        owned.push_back(hs);
        p.v = static_cast<double*>(v);
        p.h = static_cast<double*>(hs);
        const int threads = 128;
        box_vertical_kernel<<<static_cast<unsigned>((w + threads - 1) / threads), threads, 0, stream>>>(p);
        check(cudaGetLastError(), "box_vertical_kernel launch");
        box_horizontal_kernel<<<static_cast<unsigned>((h + threads - 1) / threads), threads, 0, stream>>>(p);
        check(cudaGetLastError(), "box_horizontal_kernel launch");
        if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    } catch (...) {
        for (void* d : owned) cudaFreeAsync(d, stream);
        throw;
    }
    for (void* d : owned) check(cudaFreeAsync(d, stream), "cudaFreeAsync");
}

}  // namespace cuda
}  // namespace jointfilter
