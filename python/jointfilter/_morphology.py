"""Min and max filters (grey-level erosion and dilation over square windows), exact."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core, _cuda
from . import _validate as v
from .errors import NonFiniteError, ShapeError

__all__ = ["max_filter", "min_filter"]


def check_layout(arr: Any, name: str) -> None:
    """(H, W) or (H, W, C), any C; refuse what looks like channels-first (C, H, W).

    The min/max filters take any channel count, so the shape rules of the other filters (at
    most 4 channels) do not apply; a small first axis with many "channels" is almost surely a
    (C, H, W) image, which would be filtered as C rows without an error.
    """
    if arr.ndim not in (2, 3):
        v.check_image_shape(arr, name, 4)  # raises the standard shape error
    if arr.ndim == 3 and arr.shape[2] > 4 and arr.shape[0] <= 4:
        raise ShapeError(
            f"{name} of shape {tuple(arr.shape)} looks like channels-first (C, H, W); "
            "jointfilter expects channels last: pass np.moveaxis(x, 0, -1). (For a real image "
            "of at most 4 rows with more than 4 channels, filter x.swapaxes(0, 1) and swap "
            "the result back.)"
        )


def _extremum(image: Any, radius: Any, border: Any, out: Any, maximum: bool) -> NDArray[Any]:
    if _cuda.is_cuda_array(image):
        return _cuda.min_max_filter_cuda(
            image,
            radius=v.check_radius(radius),
            border_code=v.check_border(border),
            out=out,
            maximum=maximum,
        )
    arr = v.as_array(image, "image")
    v.check_dtype(arr, "image")
    check_layout(arr, "image")
    radius = v.check_radius(radius)
    border_code = v.check_border(border)
    plan = v.plan_output(out, arr.shape, arr.dtype, (("image", arr),))
    if arr.size == 0:
        return plan.result
    src = v.core_ready(arr)
    if arr.dtype == np.float64 and not np.isfinite(src).all() and v.beyond_float32(arr):
        # a finite 1e300 would come back as inf
        raise NonFiniteError(v.beyond_float32_message(["image"]))
    core_out = plan.core_out if plan.core_out.dtype == src.dtype else np.empty(arr.shape, src.dtype)
    try:
        _core.minmax_filter(src, core_out, radius, border_code, maximum)
    except NonFiniteError:
        raise NonFiniteError(
            "image contains NaN; the minimum/maximum of a window with NaN is undefined. Replace "
            "them first, e.g. np.nan_to_num(x)."
        ) from None
    if core_out is not plan.core_out:
        np.copyto(plan.core_out, core_out, casting="unsafe")
    return plan.finish()


def min_filter(
    image: NDArray[Any], radius: int, *, border: str = "clipped", out: NDArray[Any] | None = None
) -> NDArray[Any]:
    """Minimum over a ``(2*radius+1) x (2*radius+1)`` window (grey erosion), exact.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        uint8, uint16 or float32; each channel separately. float64 (and float16) are
        compared after rounding to float32, so a float64 result holds float32-rounded values.
    radius : int
        Window half-width; any radius works.
    border : {"clipped", "symmetric", "reflect", "edge"}
        As in :func:`jointfilter.box_filter`; ``"clipped"`` takes the minimum over the in-image
        part of the window.
    out : ndarray, optional
        Output of the image's shape and dtype; returned.

    Returns
    -------
    ndarray
        Same shape and dtype as `image`. uint8, uint16 and float32 values are compared
        exactly, never converted.

    Raises
    ------
    ShapeError
        Not (H, W) or (H, W, C), or what looks like a channels-first (C, H, W) image.
    DTypeError, ParameterError
        An unsupported dtype; a bad radius, border or `out`.
    NonFiniteError
        NaN in the image (the extremum of a window with NaN is undefined; +-Inf is fine), or
        float64 values beyond float32's range.

    Notes
    -----
    Separable; along each axis the window's extremum is taken over power-of-two spans built by
    doubling: about log2(2r+1) vector passes per axis (3 for r = 7), bounded whatever the
    radius because it is clamped to the image size; rows stream through cache, no full-size
    intermediate. Used for the dark channel of haze removal.
    CUDA arrays (CuPy, ``__cuda_array_interface__`` or DLPack on a CUDA device) are filtered
    on the GPU (van Herk / Gil-Werman) on the current CuPy stream, with the same results bit
    for bit, and a device array is returned; NaN is not detected there.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> jf.min_filter(np.arange(5, dtype=np.uint8)[None, :], 1)
    array([[0, 0, 1, 2, 3]], dtype=uint8)
    """
    return _extremum(image, radius, border, out, maximum=False)


def max_filter(
    image: NDArray[Any], radius: int, *, border: str = "clipped", out: NDArray[Any] | None = None
) -> NDArray[Any]:
    """Maximum over a ``(2*radius+1) x (2*radius+1)`` window (grey dilation), exact.

    Parameters and behaviour as :func:`min_filter`.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> jf.max_filter(np.arange(5, dtype=np.uint8)[None, :], 1)
    array([[1, 2, 3, 4, 4]], dtype=uint8)
    """
    return _extremum(image, radius, border, out, maximum=True)
