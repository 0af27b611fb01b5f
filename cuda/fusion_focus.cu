// CUDA focus fusion: the launch sequence of fusion_focus.hpp with one kernel template per
// per-pixel step, the CUDA guided and box filters, all on the caller's stream. Scratch is one
// stream-ordered allocation, freed in stream order when the launches are queued.
#include <cuda_runtime.h>

#include "device_memory.hpp"
#include "fusion_cuda.hpp"
#include "fusion_focus.hpp"

namespace jointfilter {
namespace cuda {
namespace {

/// One thread per grid point running one step of cuda/fusion_focus.hpp.
template <auto Step, class P>
__global__ void focus_step_kernel(P p, int64_t n) {
    const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (t < n) Step(p, t);
}

constexpr int kThreads = 256;

struct DeviceExec {
    uintptr_t handle;
    template <auto Step, class P>
    void run(const P& p, int64_t n) {
        if (n == 0) return;
        focus_step_kernel<Step, P>
            <<<blocks_for(n, kThreads), kThreads, 0, reinterpret_cast<cudaStream_t>(handle)>>>(p, n);
        check(cudaGetLastError(), "focus fusion launch");
    }
    void guided(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                const sweep::HostGuidedPlan& plan, int64_t, double eps) {
        guided_filter(target, guide, out, plan, eps, handle);
    }
    void box(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
             const sweep::HostAxis& cols, int64_t) {
        box_filter(src, out, rows, cols, handle);
    }
};

}  // namespace

void fuse_focus(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                const sweep::HostFocusPlan& plan, const sweep::FocusSettings& s, uintptr_t stream_handle) {
    cudaStream_t stream = reinterpret_cast<cudaStream_t>(stream_handle);
    const int64_t n = vis.height * vis.width;
    if (n == 0) return;
    DeviceMemory scratch(stream, /*stream_ordered=*/true);
    float* storage =
        scratch.alloc<float>(static_cast<size_t>(sweep::focus_scratch_floats(plan, vis.height, vis.width)));
    DeviceExec ex{stream_handle};
    sweep::run_fuse_focus(ex, ir, vis, out, plan, s, storage);
    if (sync_after_launch()) check(cudaStreamSynchronize(stream), "kernel execution");
    scratch.release();
}

}  // namespace cuda
}  // namespace jointfilter
