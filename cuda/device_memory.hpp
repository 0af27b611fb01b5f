// Device memory of the CUDA launches: error checking and one owner of device allocations,
// either stream-ordered and freed when a call ends, or persistent (a filter object's
// workspace, freed with the object). CUDA-only (included by cuda/*.cu).
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "guided_cuda.hpp"
#include "guided_sweeps.hpp"

namespace jointfilter {
namespace cuda {

inline void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess)
        throw cuda_error(std::string("jointfilter: ") + what + ": " + cudaGetErrorName(status) + ": " +
                         cudaGetErrorString(status));
}

inline unsigned blocks_for(int64_t n, int threads) {
    return static_cast<unsigned>((n + threads - 1) / threads);
}

/// Device allocations. Stream-ordered (cudaMallocAsync on `stream`, released on it: a one-shot
/// call) or persistent (cudaMalloc: a workspace that outlives calls). Host arrays are uploaded
/// on `stream`; the destructor frees best effort, release() reports failures.
class DeviceMemory {
 public:
    DeviceMemory(cudaStream_t stream, bool stream_ordered) : stream_(stream), ordered_(stream_ordered) {}
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;
    ~DeviceMemory() {
        for (void* d : owned_) ordered_ ? cudaFreeAsync(d, stream_) : cudaFree(d);
    }

    template <typename T>
    T* alloc(size_t count) {
        void* d = nullptr;
        const size_t bytes = (count + 1) * sizeof(T);  // never 0
        if (ordered_)
            check(cudaMallocAsync(&d, bytes, stream_), "cudaMallocAsync");
        else
            check(cudaMalloc(&d, bytes), "cudaMalloc");
        owned_.push_back(d);
        bytes_ += bytes;
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
        for (void* d : owned) check(ordered_ ? cudaFreeAsync(d, stream_) : cudaFree(d), "cudaFree");
        bytes_ = 0;
    }

    size_t bytes() const { return bytes_; }

 private:
    cudaStream_t stream_;
    bool ordered_;
    std::vector<void*> owned_;
    size_t bytes_ = 0;
};

}  // namespace cuda
}  // namespace jointfilter
