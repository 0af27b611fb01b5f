"""Immerkaer's fast noise-variance estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validate as v
from ..errors import ShapeError

__all__ = ["estimate_noise"]


def _immerkaer(x: np.ndarray) -> float:
    h, w = x.shape
    lap = (
        x[:-2, :-2]
        - 2 * x[:-2, 1:-1]
        + x[:-2, 2:]
        - 2 * x[1:-1, :-2]
        + 4 * x[1:-1, 1:-1]
        - 2 * x[1:-1, 2:]
        + x[2:, :-2]
        - 2 * x[2:, 1:-1]
        + x[2:, 2:]
    )
    return float(np.sqrt(np.pi / 2.0) * np.abs(lap).sum() / (6.0 * (w - 2) * (h - 2)))


def estimate_noise(image: NDArray[Any], *, data_range: float | None = None) -> float:
    """Standard deviation of additive white noise, Immerkaer's estimator, in data-range units.

    ``sigma = sqrt(pi/2) / (6 (W-2)(H-2)) * sum |I * M|`` with the 3x3 Laplacian-difference
    mask ``M = [[1,-2,1],[-2,4,-2],[1,-2,1]]``, averaged over channels. The mask annihilates
    locally planar signal, so what remains is dominated by noise; strong texture biases the
    estimate upwards.

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
    x = arr.astype(np.float64).reshape(arr.shape[0], arr.shape[1], channels)
    return float(np.mean([_immerkaer(x[:, :, c]) for c in range(channels)]) / rng)
