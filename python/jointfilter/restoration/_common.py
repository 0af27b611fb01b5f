"""Shared helpers of :mod:`jointfilter.restoration`: float conversion, luminance, resampling."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _core, _scratch, box_filter
from .._validate import default_data_range
from . import _fast

__all__ = [
    "REFERENCE_SIZE",
    "SINGLE_MIN_EPS",
    "auto_subsample",
    "bilinear_resize",
    "box_mean",
    "filter_precision",
    "from_unit",
    "luminance",
    "scaled_radius",
    "to_unit",
]

F32 = NDArray[np.float32]

#: short side (pixels) at which the presets' base radii apply; radii scale linearly with it
REFERENCE_SIZE = 512

#: Smallest eps ([0, 1]**2 units) at which a task runs a guided filter in single precision
#: when its ``precision`` is "single": the kernel's error against float64 stays below ~3e-4
#: there (under a tenth of an 8-bit level; docs/core.md) and grows fast below it.
SINGLE_MIN_EPS = 1e-4


def filter_precision(precision: str, eps: float) -> str:
    """The precision a task's guided filter runs in: ``precision`` ("single" / "double"),
    except that single falls back to double below :data:`SINGLE_MIN_EPS`."""
    return "single" if precision == "single" and eps >= SINGLE_MIN_EPS else "double"


_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def scaled_radius(base: float, shape: tuple[int, ...], minimum: int = 1) -> int:
    """``base`` radius at a 512-pixel short side, scaled linearly to ``shape``."""
    return max(minimum, round(base * min(shape[0], shape[1]) / REFERENCE_SIZE))


def coarse_radius(radius: int, s: int, minimum: int = 1) -> int:
    """A radius on an s-times coarser grid: the fast guided filter's ``max(minimum, floor(r /
    s + 0.5))`` (halves round up; exact integer arithmetic)."""
    return max(minimum, (2 * radius + s) // (2 * s))


#: Short side of the fast guided filter's coarse grid for ``subsample="auto"`` (every task
#: that has the parameter): the coefficients are fitted on a 270-539 pixel grid (s = 4 at
#: 1080p, 1 up to 539 pixels, so the Kodak-size benchmark runs the exact filters). At a
#: 1080-pixel short side s = 4 is also better than s = 2 on the restore protocols (docs/restore.md).
COARSE_GRID_SIZE = 270


def auto_subsample(shape: tuple[int, ...], grid: int = COARSE_GRID_SIZE) -> int:
    """Fast guided filter factor for ``subsample="auto"``: ``max(1, short side // grid)``.

    The coefficients are then fitted at ``grid`` to ``2 grid - 1`` pixels on the short side
    whatever the resolution, with the radius divided by the factor, and applied at full
    resolution.
    """
    return max(1, min(shape[0], shape[1]) // grid)


def to_unit(arr: NDArray[Any], data_range: float | None = None, *, copy: bool = True) -> F32:
    """`arr` as float32 scaled so that its dtype's range maps to [0, 1].

    A new array, except with ``copy=False`` for float32 data with ``data_range`` 1, which is
    returned as is (the caller must then not write to the result). One blocked pass
    (:func:`._fast.to_unit`), bit-identical to ``float32(arr) * float32(1 / data_range)``.
    """
    rng = default_data_range(arr.dtype) if data_range is None else float(data_range)
    if rng == 1.0 and arr.dtype == np.float32 and not copy:
        return arr
    return _fast.to_unit(arr, rng)


def from_unit(x: NDArray[Any], dtype: np.dtype, data_range: float | None = None) -> NDArray[Any]:
    """Back from [0, 1] units to `dtype`: integers are rounded and saturated, floats scaled.

    Integers: ``x * data_range`` in float32, rounded half-to-even, NaN -> 0, saturated. A
    float32 `x` with ``data_range`` 1 and a float32 `dtype` is returned as is.
    """
    dtype = np.dtype(dtype)
    rng = default_data_range(dtype) if data_range is None else float(data_range)
    if dtype.kind == "f" and rng == 1.0 and np.asarray(x).dtype == dtype:
        return np.asarray(x)
    return _fast.from_unit(np.asarray(x, np.float32), dtype, rng)


def luminance(x: F32) -> F32:
    """Rec. 601 luma of an ``(H, W, 3)`` image; ``(H, W)`` and ``(H, W, 1)`` pass through."""
    if x.ndim == 2:
        return x
    if x.shape[2] == 1:
        return x[:, :, 0]
    if x.shape[2] >= 3:
        if x.dtype == np.float32 and x.flags.c_contiguous and x.size:
            out = _scratch.empty(x.shape[:2])
            _core.restore_luma(x, out)  # all threads, one pass; the formula below
            return out
        r, g, b = (np.asarray(x[:, :, k], np.float32) for k in range(3))
        return (r * _LUMA[0] + g * _LUMA[1]) + b * _LUMA[2]
    return np.asarray(x.mean(axis=2), np.float32)


def box_mean(x: F32, radius: int) -> F32:
    """Clipped-border box mean through the C++ core (float32 in, float32 out, any channels)."""
    if x.ndim == 3 and x.shape[2] > 4:
        return np.stack([box_mean(x[:, :, c], radius) for c in range(x.shape[2])], axis=2)
    x = np.ascontiguousarray(x, np.float32)
    return box_filter(x, radius, out=_scratch.empty(x.shape))


def _interp_matrix_1d(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scale = n_in / n_out
    src = (np.arange(n_out) + 0.5) * scale - 0.5
    src = np.clip(src, 0.0, n_in - 1)
    i0 = np.floor(src).astype(np.intp)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w = (src - i0).astype(np.float32)
    return i0, i1, w


def bilinear_resize(x: F32, shape: tuple[int, int]) -> F32:
    """Bilinear resampling with pixel-centre alignment (OpenCV ``INTER_LINEAR`` convention)."""
    h, w = shape
    r0, r1, rw = _interp_matrix_1d(x.shape[0], h)
    c0, c1, cw = _interp_matrix_1d(x.shape[1], w)
    extra = (None,) * (x.ndim - 2)
    rows = x[r0] * (1 - rw)[(slice(None), None, *extra)] + x[r1] * rw[(slice(None), None, *extra)]
    out = rows[:, c0] * (1 - cw)[(None, slice(None), *extra)]
    out += rows[:, c1] * cw[(None, slice(None), *extra)]
    return out.astype(np.float32, copy=False)
