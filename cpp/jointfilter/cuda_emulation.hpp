// Host emulation of the CUDA guided filter: the per-thread functions of cuda/guided_sweeps.hpp
// run over the same launch grid on the CPU. Tests compare it with the CPU kernels, which is how
// the GPU arithmetic is verified where no GPU exists.
#pragma once

#include "guided_filter.hpp"
#include "guided_sweeps.hpp"
#include "image.hpp"

namespace jointfilter {

/// Image view in the form the CUDA sweeps take.
sweep::Image to_sweep(const ImageView& v);

/// The sliding-window plan of one axis, with the window of position 0 flattened.
sweep::HostAxis make_host_axis(int64_t n, int64_t radius, Border border);

/// The CUDA algorithm of guided_filter (subsample 1), executed on the CPU.
void emulate_cuda_guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                                const GuidedParams& params);

/// The CUDA algorithm of box_filter, executed on the CPU.
void emulate_cuda_box_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border);

}  // namespace jointfilter
