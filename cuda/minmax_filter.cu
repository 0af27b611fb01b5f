// CUDA min/max filter: two launches of the per-thread functions in minmax_sweeps.hpp (row pass
// one thread per (row, channel), column pass one thread per interleaved column, coalesced), on
// the caller's stream. The row pass's result and the padded maps are stream-ordered scratch.
#include <cuda_runtime.h>

#include "device_memory.hpp"
#include "minmax_cuda.hpp"
#include "minmax_sweeps.hpp"

namespace jointfilter {
namespace cuda {
namespace {

template <typename T, bool Max>
__global__ void minmax_row_kernel(sweep::MinMaxParams p) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < p.src.height * p.src.channels) sweep::minmax_row<T, Max>(p, t);
}

template <typename T, bool Max>
__global__ void minmax_column_kernel(sweep::MinMaxParams p) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < p.src.width * p.src.channels) sweep::minmax_column<T, Max>(p, t);
}

template <typename T, bool Max>
void launch(const sweep::MinMaxParams& p, cudaStream_t stream) {
    const int threads = 128;
    minmax_row_kernel<T, Max><<<blocks_for(p.src.height * p.src.channels, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "minmax_row_kernel launch");
    minmax_column_kernel<T, Max>
        <<<blocks_for(p.src.width * p.src.channels, threads), threads, 0, stream>>>(p);
    check(cudaGetLastError(), "minmax_column_kernel launch");
}

template <typename T>
void launch_typed(const sweep::MinMaxParams& p, bool maximum, cudaStream_t stream) {
    if (maximum)
        launch<T, true>(p, stream);
    else
        launch<T, false>(p, stream);
}

}  // namespace

void minmax_filter(const sweep::Image& src, const sweep::Image& out, const std::vector<int64_t>& row_map,
                   const std::vector<int64_t>& col_map, int64_t r_y, int64_t r_x, bool maximum,
                   uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    DeviceMemory scratch(stream, /*stream_ordered=*/true);
    sweep::MinMaxParams p;
    p.src = src;
    p.out = out;
    p.r_y = r_y;
    p.r_x = r_x;
    p.row_map = scratch.upload(row_map);
    p.col_map = scratch.upload(col_map);
    const size_t n = static_cast<size_t>(src.height * src.width * src.channels);
    switch (src.dtype) {
        case sweep::kU8:
            p.tmp = scratch.alloc<uint8_t>(n);
            launch_typed<uint8_t>(p, maximum, stream);
            break;
        case sweep::kU16:
            p.tmp = scratch.alloc<uint16_t>(n);
            launch_typed<uint16_t>(p, maximum, stream);
            break;
        default:
            p.tmp = scratch.alloc<float>(n);
            launch_typed<float>(p, maximum, stream);
            break;
    }
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

}  // namespace cuda
}  // namespace jointfilter
