"""Full-reference restoration metrics: PSNR and SSIM with explicit data range and border crop."""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

from jointfilter.errors import DTypeError, ParameterError, ShapeError

from ._convert import RGB2GRAY_COEF
from ._kernels import ssim_index

__all__ = ["psnr", "ssim"]

_CHANNEL_MODES = ("mean", "gray")


def _validate_pair(
    reference: ArrayLike, test: ArrayLike, data_range: float | None, crop: int
) -> tuple[np.ndarray, np.ndarray, float]:
    ref = np.asarray(reference)
    tst = np.asarray(test)
    # non-native byte order (big-endian uint16 from FITS/TIFF readers): same values, native
    ref = ref if ref.dtype.isnative else ref.astype(ref.dtype.newbyteorder("="))
    tst = tst if tst.dtype.isnative else tst.astype(tst.dtype.newbyteorder("="))
    for name, arr in (("reference", ref), ("test", tst)):
        if arr.dtype == np.bool_ or not (
            np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
        ):
            msg = (
                f"{name} must have an integer or float dtype; got {arr.dtype}. "
                "Convert it with .astype(np.float32) (and pass data_range)."
            )
            raise DTypeError(msg)
        if arr.ndim not in (2, 3):
            msg = (
                f"{name} must be a 2-D image or an (H, W, C) image; got shape {arr.shape}. "
                "Pass channels last."
            )
            raise ShapeError(msg)
        if arr.size == 0:
            msg = f"{name} must not be empty; got shape {arr.shape}. Pass a real image."
            raise ShapeError(msg)
    if ref.shape != tst.shape:
        msg = (
            f"test must have the same shape as reference {ref.shape}; got {tst.shape}. "
            "Crop or resize so that the images are registered pixel to pixel."
        )
        raise ShapeError(msg)
    if ref.ndim == 3 and ref.shape[0] in (1, 3, 4) and ref.shape[2] > 4:
        # crop and the SSIM window would run over (C, H) instead of (H, W)
        msg = (
            f"reference and test of shape {ref.shape} look like channels-first (C, H, W); "
            "pass channels last (H, W, C), e.g. np.moveaxis(x, 0, -1)."
        )
        raise ShapeError(msg)
    if ref.dtype != tst.dtype and data_range is None:
        msg = (
            f"test has dtype {tst.dtype} but reference has {ref.dtype}, so the data range is "
            "ambiguous; pass data_range= explicitly or convert both to one dtype."
        )
        raise DTypeError(msg)
    if data_range is None:
        if ref.dtype == np.uint8:
            data_range = 255.0
        elif ref.dtype == np.uint16:
            data_range = 65535.0
        elif np.issubdtype(ref.dtype, np.floating):
            data_range = 1.0
        else:
            msg = (
                f"reference has dtype {ref.dtype}, which has no default data range; pass "
                "data_range= (e.g. 255 for 8-bit data)."
            )
            raise DTypeError(msg)
    if not (
        isinstance(data_range, numbers.Real)
        and not isinstance(data_range, bool)
        and math.isfinite(data_range)
        and data_range > 0
    ):
        msg = f"data_range must be a positive finite number; got {data_range!r}."
        raise ParameterError(msg)
    if not isinstance(crop, (int, np.integer)) or isinstance(crop, bool) or crop < 0:
        msg = f"crop must be a non-negative integer (pixels removed at each border); got {crop!r}."
        raise ParameterError(msg)
    rows, cols = ref.shape[:2]
    if 2 * crop >= min(rows, cols):
        msg = (
            f"crop={crop} removes the whole image of height and width {(rows, cols)}; "
            f"use crop < {min(rows, cols) // 2 + (min(rows, cols) % 2)}."
        )
        raise ParameterError(msg)
    if crop:
        ref = ref[crop:-crop, crop:-crop]
        tst = tst[crop:-crop, crop:-crop]
    ref = ref.astype(np.float64)
    tst = tst.astype(np.float64)
    if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(tst))):
        msg = "reference and test must not contain NaN or infinite values."
        raise ParameterError(msg)
    return ref, tst, float(data_range)


def psnr(
    reference: ArrayLike, test: ArrayLike, *, data_range: float | None = None, crop: int = 0
) -> float:
    """Peak signal-to-noise ratio ``10 log10(data_range² / MSE)`` in dB.

    Parameters
    ----------
    reference, test : array_like
        Images of the same shape, 2-D or ``(H, W, C)``; the MSE runs over all pixels and
        channels.
    data_range : float, optional
        Peak value.  Default from the dtype: 255 for uint8, 65535 for uint16, 1.0 for floats
        (float data are assumed to lie in [0, 1]; pass ``data_range=255`` for 0-255 floats).
    crop : int
        Pixels removed at every border before measuring (super-resolution convention).

    Returns
    -------
    float
        PSNR in dB; ``inf`` for identical images.
    """
    ref, tst, rng = _validate_pair(reference, test, data_range, crop)
    mse = float(np.square(ref - tst).mean())
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(rng * rng / mse)


def ssim(
    reference: ArrayLike,
    test: ArrayLike,
    *,
    data_range: float | None = None,
    crop: int = 0,
    channel_mode: str = "mean",
) -> float:
    """Structural similarity, Wang et al. 2004 reference form (``ssim_index.m``).

    11x11 Gaussian window (sigma 1.5, normalised), K1 = 0.01, K2 = 0.03,
    ``C = (K * data_range)²``, statistics by ``filter2(..., 'valid')`` and the mean of the
    SSIM map over the valid region.

    Parameters
    ----------
    reference, test : array_like
        Images of the same shape, 2-D or ``(H, W, C)``, at least 11x11 after cropping.
    data_range : float, optional
        Dynamic range; default 255 (uint8), 65535 (uint16), 1.0 (float).
    crop : int
        Pixels removed at every border first.
    channel_mode : {"mean", "gray"}
        ``"mean"``: SSIM per channel, averaged.  ``"gray"``: 3-channel images are converted to
        luma with MATLAB ``rgb2gray`` weights (no rounding) and compared once.

    Returns
    -------
    float
        Mean SSIM (1 for identical images).
    """
    if channel_mode not in _CHANNEL_MODES:
        msg = f"channel_mode must be one of {_CHANNEL_MODES}; got {channel_mode!r}."
        raise ParameterError(msg)
    ref, tst, rng = _validate_pair(reference, test, data_range, crop)
    if min(ref.shape[:2]) < 11:
        msg = (
            f"ssim needs images of at least 11x11 pixels after cropping (the Gaussian "
            f"window); got {ref.shape[:2]}. Reduce crop or use larger images."
        )
        raise ShapeError(msg)
    if ref.ndim == 2:
        return ssim_index(ref, tst, data_range=rng)
    if channel_mode == "gray":
        if ref.shape[2] != 3:
            msg = (
                f"channel_mode='gray' needs 3-channel images; got {ref.shape[2]} channels. "
                "Use channel_mode='mean'."
            )
            raise ShapeError(msg)
        return ssim_index(ref @ RGB2GRAY_COEF, tst @ RGB2GRAY_COEF, data_range=rng)
    vals = [ssim_index(ref[:, :, c], tst[:, :, c], data_range=rng) for c in range(ref.shape[2])]
    return float(np.mean(vals))
