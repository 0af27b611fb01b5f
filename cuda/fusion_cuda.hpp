// Host entry point of the CUDA GFF fusion (no CUDA headers needed by the caller).
#pragma once

#include <cstdint>

#include "fusion_sweeps.hpp"
#include "guided_cuda.hpp"

namespace jointfilter {
namespace cuda {

/// jf.fuse(ir, vis, method="guided") on device images: ir gray (1 channel), vis and out gray or
/// RGB with out of vis's shape, u8/u16/f32. Runs on `stream` with stream-ordered scratch
/// (12 float32 planes plus the guided and box filters' own), without synchronising unless
/// JOINTFILTER_CUDA_SYNC=1. `plan` comes from make_fuse_plan.
void fuse_guided(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                 const sweep::HostFusePlan& plan, const sweep::FuseSettings& settings, uintptr_t stream);

}  // namespace cuda
}  // namespace jointfilter
