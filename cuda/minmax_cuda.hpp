// Host entry point of the CUDA min/max filter (no CUDA headers needed by the caller).
#pragma once

#include <cstdint>
#include <vector>

#include "guided_cuda.hpp"
#include "guided_sweeps.hpp"

namespace jointfilter {
namespace cuda {

/// Min (or max) over (2r+1)^2 windows of a device image, on `stream`, with the CPU
/// minmax_filter's borders and results. `row_map` / `col_map` are the padded lines of
/// make_padded_map for the clamped radii r_y / r_x. NaN is not detected on the GPU.
void minmax_filter(const sweep::Image& src, const sweep::Image& out, const std::vector<int64_t>& row_map,
                   const std::vector<int64_t>& col_map, int64_t r_y, int64_t r_x, bool maximum,
                   uintptr_t stream);

}  // namespace cuda
}  // namespace jointfilter
