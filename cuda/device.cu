// CUDA runtime queries used by build_info() and by the GPU dispatch. Kernels mirroring cpp/
// land here (one .cu per algorithm family); this file keeps pybind11 out of nvcc's way.
#include <cuda_runtime.h>

#include "device.hpp"

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

int runtime_version() {
    int v = 0;
    cudaRuntimeGetVersion(&v);
    return v;
}

}  // namespace cuda
}  // namespace jointfilter
