"""Input checking, range normalisation and small separable convolutions shared by the methods.

Everything here works on float32 planes in ``[0, 1]``; the public :func:`~jointfilter.fusion.fuse`
converts the caller's arrays once on entry and once on exit. Nothing writes to a caller's array.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import _validate as v
from ..errors import ParameterError, ShapeError

__all__ = [
    "LUMA_BT601",
    "check_float",
    "check_int",
    "convolve_sep",
    "from_unit",
    "gaussian_kernel",
    "laplacian_abs",
    "normalise_weights",
    "prepare_inputs",
    "to_unit",
]

#: ITU-R BT.601 luma weights (R, G, B), also used by JPEG's YCbCr.
LUMA_BT601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _range_of(arr: np.ndarray, data_range: float | None) -> float:
    if arr.dtype.kind in "ui":
        return v.default_data_range(arr.dtype)
    return 1.0 if data_range is None else data_range


def to_unit(arr: np.ndarray, data_range: float) -> np.ndarray:
    """Return ``arr / data_range`` as a new float32 array (never a view of the caller's)."""
    return arr.astype(np.float32) * np.float32(1.0 / data_range)


def from_unit(
    x: np.ndarray, dtype: np.dtype, data_range: float, *, clip: bool = True
) -> np.ndarray:
    """Scale a ``[0, 1]`` plane back to ``dtype``.

    Integer outputs are rounded half-to-even and saturated (the core's rule); float outputs are
    clipped to ``[0, data_range]`` when `clip` is true.
    """
    y = x.astype(np.float64) * data_range
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
    if clip:
        np.clip(y, 0.0, data_range, out=y)
    return y.astype(dtype)


def check_source_layout(ir: Any, vis: Any) -> None:
    """The two sources' dtype and shape rules, on metadata only (numpy or Dask arrays)."""
    v.check_dtype(ir, "infrared")
    v.check_dtype(vis, "visible")
    for name, arr in (("infrared", ir), ("visible", vis)):
        channels = v.check_image_shape(arr, name, 4)
        if channels not in (1, 3):
            raise ShapeError(
                f"{name} must have shape (H, W), (H, W, 1) or (H, W, 3); got {arr.shape}. "
                "Drop an alpha channel with x[..., :3]."
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ShapeError(f"{name} must not be empty; got shape {arr.shape}.")
    if ir.shape[:2] != vis.shape[:2]:
        raise ShapeError(
            f"infrared and visible must have the same height and width; got infrared "
            f"{ir.shape} and visible {vis.shape}. Register and crop/resize them to one size first."
        )


def prepare_inputs(
    infrared: Any, visible: Any, data_range: float | None
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Validate the two sources and return them as float32 in [0, 1].

    Returns
    -------
    ir : ndarray (H, W)
        Infrared plane; a 3-channel infrared image is converted to BT.601 luma.
    vis : ndarray (H, W) or (H, W, 3)
        Visible image (colour kept).
    ir_range, vis_range : float
        The value range each source was divided by.
    """
    ir = v.as_array(infrared, "infrared")
    vis = v.as_array(visible, "visible")
    check_source_layout(ir, vis)
    if data_range is not None:
        data_range = v.check_positive_float(data_range, "data_range")
    ir_range = _range_of(ir, data_range)
    vis_range = _range_of(vis, data_range)
    for name, arr in (("infrared", ir), ("visible", vis)):
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            from ..errors import NonFiniteError

            raise NonFiniteError(
                f"{name} contains NaN or Inf; replace them first, e.g. np.nan_to_num(x)."
            )
    ir_u = to_unit(ir, ir_range)
    vis_u = to_unit(vis, vis_range)
    if ir_u.ndim == 3:
        ir_u = ir_u[:, :, 0].copy() if ir_u.shape[2] == 1 else ir_u @ LUMA_BT601
    if vis_u.ndim == 3 and vis_u.shape[2] == 1:
        vis_u = vis_u[:, :, 0].copy()
    return np.ascontiguousarray(ir_u), np.ascontiguousarray(vis_u), ir_range, vis_range


def check_int(value: Any, name: str, minimum: int = 0) -> int:
    """An int >= `minimum` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"{name} must be an int >= {minimum}; got {v.describe(value)}.")
    return int(value)


def check_float(value: Any, name: str, *, minimum: float = 0.0, inclusive: bool = True) -> float:
    """A finite real >= `minimum` (or > when not `inclusive`)."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value >= minimum if inclusive else value > minimum)
    if not ok:
        op = ">=" if inclusive else ">"
        raise ParameterError(f"{name} must be a finite number {op} {minimum}; got {value!r}.")
    return float(value)


def gaussian_kernel(sigma: float, size: int) -> np.ndarray:
    """Normalised 1-D Gaussian of odd length `size` (MATLAB ``fspecial('gaussian')`` factor)."""
    half = (size - 1) / 2.0
    x = np.arange(size, dtype=np.float64) - half
    k = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return (k / k.sum()).astype(np.float32)


def convolve_sep(x: np.ndarray, k: np.ndarray, mode: str = "edge") -> np.ndarray:
    """Separable correlation of a 2-D plane with the symmetric 1-D kernel `k` on both axes.

    `mode` is a :func:`numpy.pad` mode (``"edge"`` = MATLAB ``'replicate'``).
    """
    r = (len(k) - 1) // 2
    p = np.pad(x, r, mode=mode)  # type: ignore[call-overload]
    h, w = x.shape
    tmp = np.zeros((p.shape[0], w), np.float32)
    for i, c in enumerate(k):
        tmp += c * p[:, i : i + w]
    out = np.zeros((h, w), np.float32)
    for i, c in enumerate(k):
        out += c * tmp[i : i + h, :]
    return out


def laplacian_abs(x: np.ndarray) -> np.ndarray:
    """``|x * [0 1 0; 1 -4 1; 0 1 0]|`` with replicate borders."""
    p = np.pad(x, 1, mode="edge")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * x
    return np.abs(lap)


def normalise_weights(maps: list[np.ndarray]) -> np.ndarray:
    """Clip each map to [0, 1] and normalise so the maps sum to 1 at every pixel.

    Returns an ``(N, H, W)`` float32 stack. Where every map is 0 the weights are equal.
    """
    w = np.clip(np.stack(maps).astype(np.float32), 0.0, 1.0)
    total = w.sum(axis=0)
    n = len(maps)
    flat = total < 1e-12
    safe = np.where(flat, 1.0, total)
    w = w / safe
    if flat.any():
        w[:, flat] = 1.0 / n
    return w.astype(np.float32)
