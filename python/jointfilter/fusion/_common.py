"""Input checking, range normalisation and small separable convolutions shared by the methods.

Everything here works on float32 planes in ``[0, 1]``; the public :func:`~jointfilter.fusion.fuse`
converts the caller's arrays once on entry and once on exit. Nothing writes to a caller's array.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import _core, _scratch
from .. import _validate as v
from ..errors import ParameterError, ShapeError

__all__ = [
    "LUMA_BT601",
    "check_float",
    "check_inputs",
    "check_int",
    "convolve_sep",
    "from_unit",
    "gaussian_kernel",
    "infrared_unit",
    "laplacian_abs",
    "normalise_complement",
    "normalise_weights",
    "numpy_reference",
    "prepare_inputs",
    "refine_precision",
    "scratch",
    "to_unit",
    "use_core",
]

#: ITU-R BT.601 luma weights (R, G, B), also used by JPEG's YCbCr.
LUMA_BT601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


_NUMPY_REFERENCE = False
#: the compiled core has the fusion steps (False only for a stale build of ``_core``; the NumPy
#: path then runs, and tests/test_fusion_core.py fails on purpose)
HAS_CORE_STEPS = hasattr(_core, "scratch_empty")


def refine_precision(eps: float) -> str:
    """Precision of a weight-map refinement by the guided filter with regulariser `eps`.

    Float32 sums (``"single"``, ~1.4x faster) where eps >= 1e-2: the single pipeline's error is
    then <= 1e-6 (docs/core.md), far below what a blend weight can show; the small eps of GFF's
    detail weights (1e-6) keeps float64.
    """
    return "single" if eps >= 1e-2 else "double"


def use_core() -> bool:
    """False while :func:`numpy_reference` is active: the NumPy reference implementations run."""
    return HAS_CORE_STEPS and not _NUMPY_REFERENCE


@contextlib.contextmanager
def numpy_reference() -> Iterator[None]:
    """Run the fusion steps with their NumPy reference implementations (tests, benchmarks).

    The C++ steps (``cpp/jointfilter/fusion.hpp``) compute the same float32 operations in the
    same order; this switch keeps the original NumPy code callable to check that. The box and
    guided filters run in the C++ core either way. Not thread-safe (a module-level flag).
    """
    global _NUMPY_REFERENCE
    old = _NUMPY_REFERENCE
    _NUMPY_REFERENCE = True
    try:
        yield
    finally:
        _NUMPY_REFERENCE = old


def scratch(shape: tuple[int, ...]) -> np.ndarray:
    """Uninitialised float32 array; from the C++ scratch pool on the core path.

    The pool (``cpp/jointfilter/fusion.hpp``) keeps freed buffers for the next call, so repeated
    fusions touch no fresh pages; the array owns its buffer until it is freed.
    """
    if use_core():
        return _scratch.empty(shape)
    return np.empty(shape, np.float32)


def core_float(arr: np.ndarray) -> np.ndarray:
    """`arr` if the core reads its dtype, else ``arr.astype(float32)`` (as the reference)."""
    return arr if arr.dtype in v.CORE_DTYPES else arr.astype(np.float32)


def _range_of(arr: np.ndarray, data_range: float | None) -> float:
    if arr.dtype.kind in "ui":
        return v.default_data_range(arr.dtype)
    return 1.0 if data_range is None else data_range


def to_unit(arr: np.ndarray, data_range: float) -> np.ndarray:
    """Return ``arr / data_range`` as a new float32 array (never a view of the caller's).

    Computed as ``float32(arr) * float32(1 / data_range)``.
    """
    if use_core() and (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1)):
        src = core_float(arr)
        out = scratch(arr.shape)
        if out.size:
            _core.fusion_to_unit(v.core_ready(src), 1.0 / data_range, out)
        return out
    return _numpy_to_unit(arr, data_range)


def _numpy_to_unit(arr: np.ndarray, data_range: float) -> np.ndarray:
    return arr.astype(np.float32) * np.float32(1.0 / data_range)


def from_unit(
    x: np.ndarray, dtype: np.dtype, data_range: float, *, clip: bool = True
) -> np.ndarray:
    """Scale a ``[0, 1]`` plane back to ``dtype``.

    Integer outputs are rounded half-to-even and saturated (the core's rule); float outputs are
    clipped to ``[0, data_range]`` when `clip` is true. Computed in float64 from ``x``.
    """
    dtype = np.dtype(dtype)
    if use_core() and dtype in v.CORE_DTYPES and x.dtype == np.float32 and x.ndim in (2, 3):
        out = np.empty(x.shape, dtype)
        if out.size:
            _core.fusion_from_unit(v.core_ready(x), out, float(data_range), bool(clip))
        return out
    return _numpy_from_unit(x, dtype, data_range, clip=clip)


def _numpy_from_unit(
    x: np.ndarray, dtype: np.dtype, data_range: float, *, clip: bool = True
) -> np.ndarray:
    y = x.astype(np.float64) * data_range
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
    if clip:  # saturate at the dtype's largest finite value (float16: 65504 < 65535)
        np.clip(y, 0.0, min(data_range, float(np.finfo(dtype).max)), out=y)
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


def check_inputs(
    infrared: Any, visible: Any, data_range: float | None
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Validate the two sources; returns them as arrays (not converted) and their ranges."""
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
    return ir, vis, ir_range, vis_range


def infrared_unit(ir: np.ndarray, ir_range: float) -> np.ndarray:
    """The infrared plane in [0, 1]; a 3-channel image becomes its BT.601 luma (float32)."""
    if ir.ndim == 3 and ir.shape[2] == 3:
        return np.ascontiguousarray(_numpy_to_unit(ir, ir_range) @ LUMA_BT601)
    return np.ascontiguousarray(to_unit(ir[:, :, 0] if ir.ndim == 3 else ir, ir_range))


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
    ir, vis, ir_range, vis_range = check_inputs(infrared, visible, data_range)
    vis_u = to_unit(vis[:, :, 0] if vis.ndim == 3 and vis.shape[2] == 1 else vis, vis_range)
    return infrared_unit(ir, ir_range), np.ascontiguousarray(vis_u), ir_range, vis_range


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


def _plane(x: np.ndarray) -> bool:
    """A 2-D float32 plane the C++ steps take (when the core path is on)."""
    return use_core() and x.ndim == 2 and x.dtype == np.float32


def convolve_sep(x: np.ndarray, k: np.ndarray, mode: str = "edge") -> np.ndarray:
    """Separable correlation of a 2-D plane with the symmetric 1-D kernel `k` on both axes.

    `mode` is a :func:`numpy.pad` mode (``"edge"`` = MATLAB ``'replicate'``). float32 sums in
    tap order, horizontal pass first.
    """
    if _plane(x) and mode in ("edge", "symmetric", "reflect") and len(k) % 2 == 1:
        out = scratch(x.shape)
        if out.size:
            _core.fusion_convolve_sep(
                v.core_ready(x), np.asarray(k, np.float32), v.BORDERS[mode], out
            )
        return out
    return _numpy_convolve_sep(x, k, mode)


def _numpy_convolve_sep(x: np.ndarray, k: np.ndarray, mode: str = "edge") -> np.ndarray:
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


_UNIT_KERNEL = np.ones(1, np.float32)


def laplacian_abs(x: np.ndarray) -> np.ndarray:
    """``|x * [0 1 0; 1 -4 1; 0 1 0]|`` with replicate borders."""
    if _plane(x):
        out = scratch(x.shape)
        if out.size:  # the saliency step with a 1-tap kernel is the bare |Laplacian|
            _core.fusion_saliency(v.core_ready(x), _UNIT_KERNEL, out)
        return out
    return _numpy_laplacian_abs(x)


def _numpy_laplacian_abs(x: np.ndarray) -> np.ndarray:
    p = np.pad(x, 1, mode="edge")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * x
    return np.abs(lap)


def normalise_weights(maps: list[np.ndarray]) -> np.ndarray:
    """Clip each map to [0, 1] and normalise so the maps sum to 1 at every pixel.

    Returns an ``(N, H, W)`` float32 stack. Where every map is 0 the weights are equal.
    """
    if len(maps) == 2 and all(_plane(m) for m in maps) and maps[0].shape == maps[1].shape:
        out = scratch((2, *maps[0].shape))
        if out.size:
            _core.fusion_normalise_weights(
                v.core_ready(maps[0]), v.core_ready(maps[1]), out[0], out[1]
            )
        return out
    return _numpy_normalise_weights(maps)


def normalise_complement(w: np.ndarray) -> np.ndarray:
    """``normalise_weights([clip(w, 0, 1), 1 - clip(w, 0, 1)])`` as one ``(2, H, W)`` stack."""
    if _plane(w):
        out = scratch((2, *w.shape))
        if out.size:
            _core.fusion_normalise_weights(v.core_ready(w), None, out[0], out[1])
        return out
    c = np.clip(w, 0.0, 1.0)
    return _numpy_normalise_weights([c, 1.0 - c])


def _numpy_normalise_weights(maps: list[np.ndarray]) -> np.ndarray:
    w = np.clip(np.stack(maps).astype(np.float32), 0.0, 1.0)
    total = w.sum(axis=0)
    n = len(maps)
    flat = total < 1e-12
    safe = np.where(flat, 1.0, total)
    w = w / safe
    if flat.any():
        w[:, flat] = 1.0 / n
    return w.astype(np.float32)
