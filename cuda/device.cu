// CUDA runtime queries used by build_info() and by the GPU dispatch. Kernels mirroring cpp/
// land here (one .cu per algorithm family); this file keeps pybind11 out of nvcc's way.
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>

#include "device.hpp"
#include "guided_cuda.hpp"

namespace jointfilter {
namespace cuda {

int device_count(std::string* error) {
    int n = 0;
    const cudaError_t status = cudaGetDeviceCount(&n);
    if (status != cudaSuccess) {
        if (error) *error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
        cudaGetLastError();  // clear the sticky error so later calls report their own
        return 0;
    }
    return n;
}

bool sync_after_launch() {
    static const bool sync = [] {
        const char* v = std::getenv("JOINTFILTER_CUDA_SYNC");
        return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return sync;
}

int runtime_version() {
    int v = 0;
    cudaRuntimeGetVersion(&v);
    return v;
}

}  // namespace cuda
}  // namespace jointfilter
