// Host side of the focus fusion on the GPU (cuda/fusion_focus.hpp): argument checks and plans,
// shared by the GPU entry point and the host emulation, and the emulation itself (the same
// launch sequence, each launch a loop over its grid on the CPU; tests compare it with the CPU
// fuse(method="focus")).
#pragma once

#include "fusion_focus.hpp"
#include "image.hpp"

namespace jointfilter {

/// Checks the arguments of the focus fusion on the GPU (shapes, channels, settings).
void check_focus_arguments(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                           const sweep::FocusSettings& s);

/// The tables of one focus fusion of H x W sources: the refinement's and the two-scale rule's
/// guided filter plans (clipped border; radius 0 without subsampling, as the CPU path), the box
/// axes (edge border) and the pyramid's level sizes and 3x3 axes.
sweep::HostFocusPlan make_focus_plan(int64_t height, int64_t width, const sweep::FocusSettings& s);

/// The pyramid's level sizes (ceil halving), their offsets in the coarse-level storage and
/// their 3x3 box axes (edge border), `levels` >= 1 of them.
void add_pyramid_levels(sweep::HostFocusPlan& plan, int64_t height, int64_t width, int64_t levels);

/// One reduction / expansion of the CUDA pyramid (fusion_focus.hpp's per-pixel steps), on the
/// CPU: the same contracts as fusion.hpp's pyramid_reduce / pyramid_expand.
void emulate_cuda_pyramid_reduce(const ImageView& src, const ImageView& dst);
void emulate_cuda_pyramid_expand(const ImageView& src, const ImageView& dst);

/// The CUDA Laplacian-pyramid blend (run_pyramid_blend) on the CPU: fusion.hpp's pyramid_blend.
void emulate_cuda_pyramid_blend(const ImageView& a, const ImageView& b, const ImageView& w, int64_t levels,
                                bool match, double threshold, const ImageView& dst);

/// The CUDA algorithm of fuse(method="focus") (cuda/fusion_focus.cu), executed on the CPU.
void emulate_cuda_fuse_focus(const ImageView& ir, const ImageView& vis, const ImageView& out,
                             const sweep::FocusSettings& s);

}  // namespace jointfilter
