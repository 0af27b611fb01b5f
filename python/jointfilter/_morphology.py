"""Min and max filters (grey-level erosion and dilation over square windows), exact."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core, _cuda
from . import _validate as v
from .errors import NonFiniteError

__all__ = ["max_filter", "min_filter"]


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
    if arr.ndim not in (2, 3):
        v.check_image_shape(arr, "image", 4)  # raises the standard shape error
    radius = v.check_radius(radius)
    border_code = v.check_border(border)
    plan = v.plan_output(out, arr.shape, arr.dtype, (("image", arr),))
    if arr.size == 0:
        return plan.result
    src = v.core_ready(arr)
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
        uint8, uint16 or float32 (float64 is computed in float32); each channel separately.
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
        Same shape and dtype as `image`. Values are compared exactly, never converted.

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
