// Min and max (erosion, dilation) over square windows, exact, any radius.
//
// | function      | dtypes        | channels | borders                               |
// |---------------|---------------|----------|---------------------------------------|
// | minmax_filter | u8, u16, f32  | any      | clipped, symmetric, reflect, edge     |
//
// The window is separable: a row filter, then a column filter. Along a line padded by r on both
// sides (border map; for "clipped" the padding is the neutral element), the extremum of 2r+1
// values is built by doubling (level m holds the extremum of 2^m values) up to the largest span
// s with 2s <= 2r+1, then taken over four level entries that cover the window (min and max are
// idempotent, overlaps change nothing): log2(s) + 1 vector passes per axis, 3 at r = 7, 6 at
// r = 63. The radius is clamped to the axis length, so the count is bounded whatever r. (van
// Herk / Gil-Werman needs three comparisons per value whatever r, but they do not vectorise
// along a line; measured here the doubling was faster at every radius up to 127, see
// benchmarks/bench_morphology.py.) Rows stream through: each band of output rows row-filters
// its source rows into a ring and forms the column levels as rows arrive, so no full-size
// intermediate image is written. Values are compared as integer keys (float32: -0 below +0):
// exact, and independent of the order of the comparisons.
#pragma once

#include <cstdint>

#include "border.hpp"
#include "image.hpp"

namespace jointfilter {

enum class Extremum : int { min = 0, max = 1 };

/// The preconditions of minmax_filter (also checked by its CUDA emulation); throws invalid_argument.
void check_minmax_arguments(const ImageView& src, const ImageView& dst, int64_t radius);

/// dst = min (or max) of src over (2r+1)^2 windows. src and dst have the same shape and dtype
/// and are different arrays (not in-place safe).
void minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border, Extremum which);

}  // namespace jointfilter
