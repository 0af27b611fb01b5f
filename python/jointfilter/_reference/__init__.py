"""Slow, obviously-correct float64 NumPy reference implementations.

Every C++/CUDA kernel of jointfilter is tested against a function here. The subpackage is
self-contained: it imports only NumPy and the standard library, never the compiled core or
other jointfilter modules, so it can be imported (and tested) before the core is built.

Modules
-------
box
    :func:`box_filter` with the border rules ``"clipped"``, ``"symmetric"``, ``"reflect"`` and
    ``"edge"``.
guided
    :func:`guided_filter` (gray and colour guides, multi-channel targets, fast guided filter
    via ``subsample``, target decimation ``"nearest"`` or ``"mean"``) and its building blocks.
edge_aware
    The weighted and gradient-domain guided filters (per-window eps and slope prior; import
    ``jointfilter._reference.edge_aware``).
mutual
    The mutual-structure joint filter (restoration ``method="msjf"``): one iteration, the
    iterated filter and its energy (import ``jointfilter._reference.mutual``).
"""

from __future__ import annotations

from .box import (
    BORDERS,
    box_filter,
    box_mean_axis,
    box_mean_spatial,
    check_border,
    check_radius,
    pad_axis,
    pad_image,
)
from .guided import (
    DECIMATIONS,
    decimation_indices,
    downsample_mean,
    downsample_nearest,
    fast_radius,
    guided_coefficients,
    guided_filter,
    linear_interp_weights,
    upsample_bilinear,
    window_coefficients,
)

__all__ = [
    "BORDERS",
    "DECIMATIONS",
    "box_filter",
    "box_mean_axis",
    "box_mean_spatial",
    "check_border",
    "check_radius",
    "decimation_indices",
    "downsample_mean",
    "downsample_nearest",
    "fast_radius",
    "guided_coefficients",
    "guided_filter",
    "linear_interp_weights",
    "pad_axis",
    "pad_image",
    "upsample_bilinear",
    "window_coefficients",
]
