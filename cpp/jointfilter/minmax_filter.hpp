// O(1)-per-pixel min and max (erosion, dilation) over square windows: van Herk / Gil-Werman.
//
// | function      | dtypes        | channels | borders                               |
// |---------------|---------------|----------|---------------------------------------|
// | minmax_filter | u8, u16, f32  | any      | clipped, symmetric, reflect, edge     |
//
// The window is separable, so a row pass is followed by a column pass. Along a line padded by r
// on both sides (border map; for "clipped" the padding is the neutral element, +inf for min and
// -inf for max), blocks of length 2r+1 get a forward running extremum g and a backward one h;
// the window extremum at x is combine(h[x], g[x + 2r]) in padded coordinates: three comparisons
// per pixel per pass whatever the radius. Values are compared in their own type: exact.
#pragma once

#include <cstdint>

#include "border.hpp"
#include "image.hpp"

namespace jointfilter {

enum class Extremum : int { min = 0, max = 1 };

/// The preconditions of minmax_filter (also checked by its CUDA emulation); throws invalid_argument.
void check_minmax_arguments(const ImageView& src, const ImageView& dst, int64_t radius);

/// dst = min (or max) of src over (2r+1)^2 windows. src and dst have the same shape and dtype.
void minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border, Extremum which);

}  // namespace jointfilter
