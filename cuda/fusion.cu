// CUDA GFF fusion: per-pixel launches of the functions in fusion_sweeps.hpp around the CUDA
// guided and box filters (guided_filter.cu), all on the caller's stream. The planes are one
// stream-ordered allocation, freed in stream order when the launches are queued.
#include <cuda_runtime.h>

#include "device_memory.hpp"
#include "fusion_cuda.hpp"
#include "fusion_sweeps.hpp"

namespace jointfilter {
namespace cuda {
namespace {

/// One thread per pixel running one per-pixel step of cuda/fusion_sweeps.hpp.
template <void (*Step)(const sweep::FuseParams&, int64_t)>
__global__ void fuse_step_kernel(sweep::FuseParams p) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < p.h * p.w) Step(p, t);
}

constexpr int kThreads = 256;

}  // namespace

void fuse_guided(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                 const sweep::HostFusePlan& plan, const sweep::FuseSettings& s, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    sweep::FuseParams p = sweep::make_fuse_params(ir, vis, out, s);
    const int64_t n = p.h * p.w;
    if (n == 0) return;
    DeviceMemory scratch(stream, /*stream_ordered=*/true);
    sweep::assign_fuse_planes(p, scratch.alloc<float>(static_cast<size_t>(sweep::kFusePlanes * n)));
    p.kernel = scratch.upload(plan.kernel);
    p.ksize = static_cast<int64_t>(plan.kernel.size());
    const unsigned blocks = blocks_for(n, kThreads);
    fuse_step_kernel<sweep::fuse_prepare><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_prepare launch");
    fuse_step_kernel<sweep::fuse_laplacian><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_laplacian launch");
    fuse_step_kernel<sweep::fuse_gauss_rows><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_gauss_rows launch");
    fuse_step_kernel<sweep::fuse_gauss_cols_select><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_gauss_cols_select launch");
    // the four refinements: each source guides its own map
    guided_filter(sweep::fuse_plane(p, p.p0), sweep::fuse_plane(p, p.src0), sweep::fuse_plane(p, p.wb0),
                  plan.base, s.eps1, stream_handle);
    guided_filter(sweep::fuse_plane(p, p.p1), sweep::fuse_plane(p, p.src1), sweep::fuse_plane(p, p.wb1),
                  plan.base, s.eps1, stream_handle);
    guided_filter(sweep::fuse_plane(p, p.p0), sweep::fuse_plane(p, p.src0), sweep::fuse_plane(p, p.wd0),
                  plan.detail, s.eps2, stream_handle);
    guided_filter(sweep::fuse_plane(p, p.p1), sweep::fuse_plane(p, p.src1), sweep::fuse_plane(p, p.wd1),
                  plan.detail, s.eps2, stream_handle);
    fuse_step_kernel<sweep::fuse_normalise><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_normalise launch");
    box_filter(sweep::fuse_plane(p, p.src0), sweep::fuse_plane(p, p.t0), plan.box_rows, plan.box_cols,
               stream_handle);
    box_filter(sweep::fuse_plane(p, p.src1), sweep::fuse_plane(p, p.t1), plan.box_rows, plan.box_cols,
               stream_handle);
    fuse_step_kernel<sweep::fuse_output><<<blocks, kThreads, 0, stream>>>(p);
    check(cudaGetLastError(), "fuse_output launch");
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

}  // namespace cuda
}  // namespace jointfilter
