"""Immerkaer's fast noise-variance estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _core
from .. import _validate as v
from ..errors import NonFiniteError, ShapeError
from ._fast import parallel_rows

__all__ = ["estimate_noise"]


def _lap_abs_sum(x: np.ndarray) -> float:
    """``sum |I * M|`` over the interior of ``x`` ``(H, W, C)``, all channels together.

    ``M = [1, -2, 1]^T [1, -2, 1]`` is separable: a second difference along the columns, then
    along the rows, computed on row blocks (two halo rows) in parallel. Integer images are
    summed exactly by the C++ core (``restore_steps.hpp``; the NumPy form below, differenced
    in int16 (uint8) / int32 (uint16), is its fallback for layouts the core does not take);
    floats in float32.
    """
    h, w, c = x.shape
    item = x.itemsize
    if (
        x.dtype in (np.uint8, np.uint16)
        and x.strides[2] == item
        and x.strides[1] == c * item
        and x.strides[0] > 0
        and x.strides[0] % item == 0
    ):
        # the C++ core (all threads, one pass): the same integer sum, exact
        return float(_core.restore_laplacian_abs_sum(x))
    if x.dtype == np.uint8:
        work, acc = np.int16, np.int64
    elif x.dtype == np.uint16:
        work, acc = np.int32, np.int64
    else:
        work, acc = np.float32, np.float64
    step = max(1, (1 << 16) // max(1, w * c))
    parts: list[Any] = []

    def run(r0: int, r1: int) -> None:  # interior rows 1 + r0 .. 1 + r1 - 1
        total = acc(0)
        for a in range(1 + r0, 1 + r1, step):
            b = min(a + step, 1 + r1)
            xs = x[a - 1 : b + 1].astype(work)  # rows a-1 .. b (one halo row each side)
            d = xs[:, :-2] + xs[:, 2:]
            d -= xs[:, 1:-1]
            d -= xs[:, 1:-1]
            lap = d[:-2] + d[2:]
            lap -= d[1:-1]
            lap -= d[1:-1]
            np.abs(lap, out=lap)
            total += lap.sum(dtype=acc)
        parts.append(total)  # list.append is atomic

    parallel_rows(run, h - 2, w * c)
    return float(sum(parts))


def _immerkaer(x: np.ndarray) -> float:
    """Immerkaer's sigma of one ``(H, W)`` plane (in the units of `x`)."""
    h, w = x.shape
    s = _lap_abs_sum(x[:, :, None])
    return float(np.sqrt(np.pi / 2.0) * s / (6.0 * (w - 2) * (h - 2)))


def estimate_noise(image: NDArray[Any], *, data_range: float | None = None) -> float:
    """Standard deviation of additive white noise, Immerkaer's estimator, in data-range units.

    ``sigma = sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * M|`` with the 3x3 Laplacian-difference
    mask ``M = [[1,-2,1],[-2,4,-2],[1,-2,1]]``, averaged over channels. The mask annihilates
    locally planar signal, so what remains is dominated by noise; strong texture biases the
    estimate upwards.

    ``M`` is separable (a second difference along the columns, then along the rows), so the
    sum takes two small passes, on row blocks in parallel: in exact integer arithmetic for
    uint8 / uint16 images, in float32 (sums in float64) otherwise.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C), H, W >= 3
        uint8, uint16 or float.
    data_range : float, optional
        Peak value; default 255 (uint8), 65535 (uint16), 1.0 (float). The result is divided
        by it, so 0.01 means 1 % of the range.

    Returns
    -------
    float
        Estimated noise standard deviation in units of `data_range`.

    References
    ----------
    J. Immerkaer. Fast noise variance estimation. CVIU 64(2), 1996.

    Examples
    --------
    >>> import numpy as np
    >>> from jointfilter.restoration import estimate_noise
    >>> x = np.random.default_rng(0).normal(0.5, 0.05, (256, 256))
    >>> round(estimate_noise(x), 2)
    0.05
    """
    arr = v.as_array(image, "image")
    v.check_dtype(arr, "image")
    channels = v.check_image_shape(arr, "image", 4)
    if arr.shape[0] < 3 or arr.shape[1] < 3:
        raise ShapeError(f"image must be at least 3x3 to estimate noise; got shape {arr.shape}.")
    rng = v.check_data_range(data_range, arr.dtype)
    h, w = arr.shape[:2]
    x = arr.reshape(h, w, channels)
    if x.dtype not in (np.uint8, np.uint16, np.float32):
        x = x.astype(np.float32)
    # the mean of the per-channel estimates is the estimate of the sum over all channels / C
    total = _lap_abs_sum(x)
    if not np.isfinite(total) and x.dtype.kind == "f" and not np.isfinite(x).all():
        # checked only when the sum is not finite: no extra pass over valid images
        raise NonFiniteError(
            "image contains NaN or Inf; the noise estimate would be NaN. Replace them first, "
            "e.g. np.nan_to_num(image)."
        )
    return float(np.sqrt(np.pi / 2.0) * total / (6.0 * (w - 2) * (h - 2) * channels) / rng)
