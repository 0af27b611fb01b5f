"""Float64 reference box mean with jointfilter's four border rules.

This module is the specification that the C++/CUDA box filters are tested against. It is
written to be obviously correct rather than fast: every window sum is a difference of two
float64 prefix sums along one axis, applied to rows and then to columns (cost independent of
the radius; the rounding error of a window mean is about ``1e-16 * n * max|x|`` for an axis of
length ``n``, far below float32 resolution). Radius 0 returns the input exactly. It imports
only NumPy.

Border rules (``border=``)
--------------------------
``"clipped"``
    He et al.'s rule: the window is clipped to the image and the mean is taken over the
    in-image part only. The mean at ``(y, x)`` is the sum over rows
    ``[max(0, y - r), min(H - 1, y + r)]`` times columns ``[max(0, x - r), min(W - 1, x + r)]``
    divided by the number of pixels in that rectangle. Any radius works; a radius at least
    the image size gives the global mean.
``"symmetric"``
    Samples outside the image come from ``numpy.pad(mode="symmetric")`` (OpenCV
    ``BORDER_REFLECT``, ``fedcba|abcdef``); the divisor is always ``(2r + 1)**2``.
``"reflect"``
    ``numpy.pad(mode="reflect")`` (OpenCV ``BORDER_REFLECT_101``, ``fedcb|abcdef``); divisor
    ``(2r + 1)**2``. Along an axis of size 1 there is nothing to reflect about, so that axis
    is padded like ``"edge"`` (replicated). This is also what NumPy itself does.
``"edge"``
    ``numpy.pad(mode="edge")`` (replicate, OpenCV ``BORDER_REPLICATE``); divisor
    ``(2r + 1)**2``.

For the padded rules the radius may exceed the image size: ``numpy.pad`` reflects
repeatedly (``symmetric`` has period ``2n``, ``reflect`` period ``2n - 2``).
"""

from __future__ import annotations

import operator
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BORDERS",
    "box_filter",
    "box_mean_axis",
    "box_mean_spatial",
    "check_border",
    "check_radius",
    "pad_axis",
    "pad_image",
]

#: Border rule names accepted by every reference function.
BORDERS: Final[tuple[str, ...]] = ("clipped", "symmetric", "reflect", "edge")

#: Border rules that are defined by padding the image (divisor ``(2r + 1)**2``).
PADDED_BORDERS: Final[tuple[str, ...]] = ("symmetric", "reflect", "edge")


def check_border(border: str) -> str:
    """Validate a border rule name.

    Parameters
    ----------
    border : str
        One of :data:`BORDERS`.

    Returns
    -------
    str
        The same name.

    Raises
    ------
    ValueError
        If ``border`` is not one of :data:`BORDERS`.
    """
    if not isinstance(border, str) or border not in BORDERS:
        raise ValueError(
            f"border: expected one of {BORDERS}, got {border!r}; pass one of those names"
        )
    return border


def check_radius(radius: int, name: str = "radius") -> int:
    """Validate a non-negative integer radius.

    Parameters
    ----------
    radius : int
        Window half-width; any integer type (not ``bool``) is accepted.
    name : str, optional
        Argument name used in the error message.

    Returns
    -------
    int
        ``radius`` as a Python ``int``.

    Raises
    ------
    TypeError
        If ``radius`` is not an integer.
    ValueError
        If ``radius`` is negative.
    """
    if isinstance(radius, bool):
        raise TypeError(f"{name}: expected a non-negative int, got bool {radius!r}")
    try:
        value = operator.index(radius)
    except TypeError:
        raise TypeError(
            f"{name}: expected a non-negative int, got {type(radius).__name__} {radius!r}"
        ) from None
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {value}")
    return value


def pad_axis(array: ArrayLike, radius: int, axis: int, border: str) -> NDArray[np.float64]:
    """Pad one axis by ``radius`` samples on both sides with a padded border rule.

    Parameters
    ----------
    array : array_like
        Input array (converted to float64).
    radius : int
        Number of samples added on each side of ``axis``.
    axis : int
        Axis to pad.
    border : {"symmetric", "reflect", "edge"}
        ``numpy.pad`` mode. ``"reflect"`` along an axis of size 1 pads like ``"edge"``.

    Returns
    -------
    numpy.ndarray
        Float64 array whose ``axis`` is ``2 * radius`` longer.
    """
    check_border(border)
    if border not in PADDED_BORDERS:
        raise ValueError(f"border: expected one of {PADDED_BORDERS} for padding, got {border!r}")
    x = np.asarray(array, dtype=np.float64)
    radius = check_radius(radius)
    mode = border
    if mode == "reflect" and x.shape[axis] == 1:
        mode = "edge"
    widths = [(0, 0)] * x.ndim
    widths[axis] = (radius, radius)
    return np.pad(x, widths, mode=mode)


def pad_image(image: ArrayLike, radius: int, border: str) -> NDArray[np.float64]:
    """Pad axes 0 and 1 (rows, then columns) by ``radius`` with a padded border rule.

    Parameters
    ----------
    image : array_like
        Array whose first two axes are spatial ``(H, W, ...)``.
    radius : int
        Padding on each side of both spatial axes.
    border : {"symmetric", "reflect", "edge"}
        Border rule, see :func:`pad_axis`.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(H + 2r, W + 2r, ...)``. Element ``[i, j]`` equals
        ``image[m(i - r), n(j - r)]`` for the per-axis index maps ``m``, ``n`` of the rule.
    """
    x = pad_axis(image, radius, 0, border)
    return pad_axis(x, radius, 1, border)


def _prefix_sum(x: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """Float64 prefix sums along ``axis`` with a leading zero (length ``n + 1``)."""
    zero_shape = list(x.shape)
    zero_shape[axis] = 1
    zeros = np.zeros(zero_shape, dtype=np.float64)
    return np.concatenate([zeros, np.cumsum(x, axis=axis, dtype=np.float64)], axis=axis)


def box_mean_axis(
    array: ArrayLike, radius: int, axis: int, border: str = "clipped"
) -> NDArray[np.float64]:
    """One-dimensional box mean of width ``2 * radius + 1`` along one axis.

    Parameters
    ----------
    array : array_like
        Input of any shape; converted to float64.
    radius : int
        Window half-width (>= 0).
    axis : int
        Axis along which the mean is taken.
    border : str, optional
        One of :data:`BORDERS`.

    Returns
    -------
    numpy.ndarray
        Float64 array of the input's shape. For ``"clipped"`` element ``k`` along ``axis`` is
        the mean of samples ``max(0, k - r) .. min(n - 1, k + r)``; for the padded rules it is
        the sum of the ``2r + 1`` padded samples ``k - r .. k + r`` divided by ``2r + 1``.
    """
    check_border(border)
    radius = check_radius(radius)
    x = np.asarray(array, dtype=np.float64)
    if radius == 0:
        # The one-sample window is the identity for every rule; return it exactly rather than
        # as a difference of prefix sums (which may differ from x in the last bit).
        return x.copy()
    n = x.shape[axis]
    k = np.arange(n)
    if border == "clipped":
        lo = np.maximum(k - radius, 0)
        hi = np.minimum(k + radius, n - 1) + 1  # exclusive end
        c = _prefix_sum(x, axis)
        total = np.take(c, hi, axis=axis) - np.take(c, lo, axis=axis)
        count_shape = [1] * x.ndim
        count_shape[axis] = n
        count = (hi - lo).astype(np.float64).reshape(count_shape)
        return total / count
    padded = pad_axis(x, radius, axis, border)
    c = _prefix_sum(padded, axis)
    # padded index k + 2r is sample k + r of the image; window is padded [k, k + 2r].
    total = np.take(c, k + 2 * radius + 1, axis=axis) - np.take(c, k, axis=axis)
    return total / float(2 * radius + 1)


def box_mean_spatial(array: ArrayLike, radius: int, border: str = "clipped") -> NDArray[np.float64]:
    """Box mean over axes 0 and 1 of an array of any rank ``(H, W, ...)``.

    The square-window mean is separable for every rule (the clipped count and the padded
    index maps are both products of per-axis terms), so it is computed as a row mean of the
    column means.

    Parameters
    ----------
    array : array_like
        Array with spatial axes first; trailing axes are filtered independently.
    radius : int
        Window half-width (>= 0).
    border : str, optional
        One of :data:`BORDERS`.

    Returns
    -------
    numpy.ndarray
        Float64 array of the input's shape.
    """
    x = np.asarray(array, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"array: expected at least 2 dimensions (H, W, ...), got shape {x.shape}")
    return box_mean_axis(box_mean_axis(x, radius, 0, border), radius, 1, border)


def box_filter(image: ArrayLike, radius: int, border: str = "clipped") -> NDArray[np.float64]:
    """Box mean over a ``(2r + 1) x (2r + 1)`` window, in float64.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` or ``(H, W, C)`` array, any real dtype; channels are independent.
    radius : int
        Window half-width ``r`` (>= 0); may exceed the image size for every rule.
    border : {"clipped", "symmetric", "reflect", "edge"}, optional
        Border rule, see the module docstring. Default ``"clipped"`` (He et al.).

    Returns
    -------
    numpy.ndarray
        Float64 array of the input's shape (always a new array).

    Raises
    ------
    ValueError
        If ``image`` is not 2-D or 3-D, is empty, or ``border`` / ``radius`` is invalid.
    TypeError
        If ``radius`` is not an integer.
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"image: expected shape (H, W) or (H, W, C), got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"image: expected H >= 1 and W >= 1, got shape {x.shape}")
    return box_mean_spatial(x, radius, border)
