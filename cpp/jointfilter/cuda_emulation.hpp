// Host emulation of the CUDA kernels: the per-thread functions of cuda/guided_sweeps.hpp and
// cuda/minmax_sweeps.hpp run over the same launch grids on the CPU. Tests compare it with the
// CPU kernels, which is how the GPU arithmetic is verified where no GPU exists. The plan
// builders here are shared with the GPU entry points (the bindings call them), so both run
// from the same host-side tables.
#pragma once

#include <vector>

#include "fusion_sweeps.hpp"
#include "guided_filter.hpp"
#include "guided_sweeps.hpp"
#include "image.hpp"
#include "minmax_filter.hpp"

namespace jointfilter {

/// Image view in the form the CUDA sweeps take.
sweep::Image to_sweep(const ImageView& v);

/// The sliding-window plan of one axis, with the window of position 0 flattened.
sweep::HostAxis make_host_axis(int64_t n, int64_t radius, Border border);

/// Everything the (fast) guided filter's launches need for these shapes and parameters; the
/// fast filter's decimation (of the target: `decimation`; the guide's is always nearest), low
/// radius and bilinear taps follow guided_filter.cpp.
sweep::HostGuidedPlan make_guided_plan(int64_t height, int64_t width, int64_t guide_channels,
                                       int64_t target_channels, int64_t radius, Border border,
                                       int64_t subsample, Decimation decimation = Decimation::nearest);

/// The padded line of the min/max filter: entry i is border_map(i - r, n), for i < n + 2r.
std::vector<int64_t> make_padded_map(int64_t n, int64_t radius, Border border);

/// The CUDA algorithm of guided_filter (any subsample), executed on the CPU.
void emulate_cuda_guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                                const GuidedParams& params);

/// The CUDA algorithm of box_filter, executed on the CPU.
void emulate_cuda_box_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border);

/// The CUDA algorithm of minmax_filter, executed on the CPU (raises on NaN, as the CPU does).
void emulate_cuda_minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                                Extremum which);

/// Checks the arguments of the GFF fusion on the GPU (shapes, channels, settings).
void check_fuse_arguments(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                          const sweep::FuseSettings& s, const std::vector<float>& kernel);

/// The tables of one GPU GFF fusion of H x W sources: the guided filters' plans (clipped border;
/// radius 0 runs without subsampling, as the CPU path), the box axes (edge border), the taps.
sweep::HostFusePlan make_fuse_plan(int64_t height, int64_t width, const sweep::FuseSettings& s,
                                   const std::vector<float>& kernel);

/// The CUDA algorithm of fuse(method="guided") (cuda/fusion.cu), executed on the CPU: the same
/// per-thread functions over the same grids, and the emulated guided and box filters.
void emulate_cuda_fuse_guided(const ImageView& ir, const ImageView& vis, const ImageView& out,
                              const sweep::FuseSettings& s, const std::vector<float>& kernel);

}  // namespace jointfilter
