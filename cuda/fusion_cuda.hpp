// Host entry point of the CUDA GFF fusion (no CUDA headers needed by the caller).
#pragma once

#include <cstdint>

#include "fusion_focus.hpp"
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

/// jf.fuse(ir, vis, method="focus") on device images (same layouts as fuse_guided): the focus
/// decision, its refinement and the chosen blend (pyramid, two-scale or weighted), on `stream`
/// with stream-ordered scratch (12 float32 planes plus the pyramid's coarser levels, about 13
/// H x W in all, and the filters' own). `plan` comes from make_focus_plan.
void fuse_focus(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                const sweep::HostFocusPlan& plan, const sweep::FocusSettings& settings, uintptr_t stream);

}  // namespace cuda
}  // namespace jointfilter
