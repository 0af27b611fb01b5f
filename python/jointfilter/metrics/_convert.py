"""Input validation and the conversions the reference codes apply before measuring.

The VIFB-style definitions evaluate the *saved 8-bit image*.  Every fusion metric therefore
starts from uint8 data:

* ``uint8`` is used as is;
* ``uint16`` is mapped like MATLAB ``im2uint8``: ``round(x / 257)``;
* floating point data are taken to lie in ``[0, float_range]`` (``float_range=1.0`` by default),
  scaled to ``[0, 255]``, rounded half away from zero (MATLAB ``round``) and clipped.

Colour images are turned into the planes the reference codes actually compare (see
:func:`prepare_planes`).  Nothing here modifies the caller's arrays.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from jointfilter.errors import DTypeError, ParameterError, ShapeError

__all__ = [
    "COLOR_MODES",
    "Planes",
    "as_image",
    "prepare_planes",
    "rgb2gray",
    "round_half_away",
    "to_uint8",
]

COLOR_MODES = ("gray", "per_channel_mean")

# MATLAB ``rgb2gray``: first row of the inverse of the NTSC (YIQ) matrix, i.e. the coefficients
# usually quoted as 0.2989, 0.5870, 0.1140 (exactly 0.298936..., 0.587043..., 0.114020...).
_NTSC = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])
RGB2GRAY_COEF: NDArray[np.float64] = np.linalg.inv(_NTSC)[0]

# Float data whose maximum exceeds ``_FLOAT_GUARD * float_range`` are almost certainly on a
# different scale (typically 0-255 stored as float); converting them would clip silently.
_FLOAT_GUARD = 1.5


def round_half_away(x: NDArray[np.floating]) -> NDArray[np.float64]:
    """Round half away from zero, exactly (MATLAB ``round`` and integer casts).

    ``np.floor(x + 0.5)`` is wrong for ``0.49999999999999994``; this form is exact.
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    f = np.floor(a)
    r = f + (a - f >= 0.5)
    return np.copysign(r, x)


def as_image(image: ArrayLike, name: str) -> np.ndarray:
    """Validate one image argument: 2-D, ``(H, W, 1)`` or ``(H, W, 3)``; numeric dtype."""
    if isinstance(image, (str, bytes)) or image is None:
        msg = (
            f"{name} must be an image array (2-D or (H, W, 3)); got {type(image).__name__}. "
            "Load files first, e.g. with imageio or PIL, and pass the array."
        )
        raise DTypeError(msg)
    arr = np.asarray(image)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        msg = (
            f"{name} must have dtype uint8, uint16 or float; got {arr.dtype}. "
            "Convert it, e.g. image.astype(np.uint8) for 0-255 data or "
            "image.astype(np.float32) / 255 for floats in [0, 1]."
        )
        raise DTypeError(msg)
    if not arr.dtype.isnative:  # e.g. big-endian uint16 from a FITS/TIFF reader: same values
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 3)):
        msg = (
            f"{name} must be a 2-D gray image or an (H, W, 3) colour image; got shape "
            f"{arr.shape}. Pass channels last and drop any alpha channel (image[..., :3])."
        )
        raise ShapeError(msg)
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        msg = (
            f"{name} must be at least 2x2 pixels; got height and width {arr.shape[:2]}. "
            "Pass a real image."
        )
        raise ShapeError(msg)
    return arr


def to_uint8(arr: np.ndarray, name: str, float_range: float = 1.0) -> NDArray[np.uint8]:
    """Convert a validated image to the 8-bit image the reference codes read back.

    Parameters
    ----------
    arr : ndarray
        Output of :func:`as_image`.
    name : str
        Argument name used in error messages.
    float_range : float
        Value that maps to 255 for floating-point input (1.0: floats are in ``[0, 1]``).
    """
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.uint16:
        return round_half_away(arr / 257.0).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.integer):
        msg = (
            f"{name} must have dtype uint8, uint16 or float; got {arr.dtype}. "
            "Convert it, e.g. np.clip(image, 0, 255).astype(np.uint8) for 0-255 data."
        )
        raise DTypeError(msg)
    x = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        msg = f"{name} contains NaN or infinite values; replace them (np.nan_to_num) first."
        raise ParameterError(msg)
    peak = float(x.max())
    if peak > _FLOAT_GUARD * float_range:
        msg = (
            f"{name} is floating point with values up to {peak:g}, but float_range is "
            f"{float_range:g} (floats are read as [0, {float_range:g}] and scaled to 0-255). "
            "For 0-255 data stored as float pass float_range=255, or convert to uint8."
        )
        raise ParameterError(msg)
    y = round_half_away(x * (255.0 / float_range))
    return np.clip(y, 0, 255).astype(np.uint8)


def rgb2gray(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray``: weighted sum; uint8 input is rounded (half away) and saturated."""
    y = rgb[..., 0] * RGB2GRAY_COEF[0] + rgb[..., 1] * RGB2GRAY_COEF[1]
    y = y + rgb[..., 2] * RGB2GRAY_COEF[2]
    if rgb.dtype == np.uint8:
        return np.clip(round_half_away(y), 0, 255).astype(np.uint8)
    return y


@dataclass(frozen=True)
class Planes:
    """The planes a metric compares: one (A, B, F) triple per evaluated channel.

    A is the visible image, B the infrared image, F the fused image (the reference codes'
    argument order ``metrics*(imgVI, imgIR, fused)``).  Values are float64 holding the 8-bit
    integers 0..255.  ``mosaic`` is the fused image as VIFB's spatial frequency sees it (the
    channels side by side when the fused image is colour under ``per_channel_mean``).
    ``unrounded_gray`` is set under ``per_channel_mean`` when the fused image is gray and a
    source is colour: the same triple with the colour sources converted by ``rgb2gray`` on
    *double* data (not rounded), which is what VIFB's ``metricsPsnr``, ``metricsRmse`` and
    ``metricsQabf`` compare (they call ``double`` before ``rgb2gray``).
    """

    triples: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    mosaic: np.ndarray
    unrounded_gray: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...] | None = None


def _check_color_mode(color_mode: str) -> None:
    if color_mode not in COLOR_MODES:
        msg = (
            f"color_mode must be one of {COLOR_MODES}; got {color_mode!r}. Use 'gray' "
            "(MATLAB rgb2gray, the Linfeng-Tang/thfylsty evaluators) or 'per_channel_mean' "
            "(VIFB's per-channel average)."
        )
        raise ParameterError(msg)


def prepare_images(
    named: dict[str, ArrayLike], float_range: float = 1.0
) -> dict[str, NDArray[np.uint8]]:
    """Validate a set of images (same height and width) and convert each to uint8."""
    if not (
        isinstance(float_range, numbers.Real)
        and not isinstance(float_range, bool)
        and math.isfinite(float_range)
        and float_range > 0
    ):
        msg = f"float_range must be a positive finite number; got {float_range!r}."
        raise ParameterError(msg)
    float_range = float(float_range)
    arrays = {name: as_image(img, name) for name, img in named.items()}
    items = list(arrays.items())
    first_name, first = items[0]
    for name, arr in items[1:]:
        if arr.shape[:2] != first.shape[:2]:
            msg = (
                f"{name} must have the same height and width as {first_name} "
                f"{first.shape[:2]}; got {arr.shape[:2]}. Resize or crop the images so that "
                "they are registered pixel to pixel."
            )
            raise ShapeError(msg)
    return {name: to_uint8(arr, name, float_range) for name, arr in arrays.items()}


def prepare_planes(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> Planes:
    """Validate the triple and build the planes the reference codes compare.

    ``color_mode="gray"``: every colour image goes through MATLAB ``rgb2gray`` (rounded to
    uint8) first; one plane triple.

    ``color_mode="per_channel_mean"`` (VIFB): when the fused image is colour, channel k of the
    fused image is compared with channel k of each colour source (a gray source is used as is
    for every channel); the metric is the mean over the three channels.  When the fused image
    is gray, colour sources are converted with ``rgb2gray`` (VIFB's ``b == 1`` branch), rounded
    to uint8, plus the unrounded conversion in ``Planes.unrounded_gray`` for the VIFB metrics
    that convert double data.
    """
    _check_color_mode(color_mode)
    imgs = prepare_images({"infrared": infrared, "visible": visible, "fused": fused}, float_range)
    a, b, f = imgs["visible"], imgs["infrared"], imgs["fused"]

    def gray(x: np.ndarray) -> np.ndarray:
        return (rgb2gray(x) if x.ndim == 3 else x).astype(np.float64)

    if color_mode == "gray" or f.ndim == 2:
        g = gray(f)
        unrounded = None
        if color_mode == "per_channel_mean" and (a.ndim == 3 or b.ndim == 3):
            # VIFB's b == 1 branch: metricsPsnr/Rmse/Qabf convert double(img) with rgb2gray
            # (no rounding); the others pass the uint8 image (rounded).  Keep both.
            def gray_double(x: np.ndarray) -> np.ndarray:
                return rgb2gray(x.astype(np.float64)) if x.ndim == 3 else x.astype(np.float64)

            unrounded = ((gray_double(a), gray_double(b), g),)
        return Planes(((gray(a), gray(b), g),), g, unrounded)

    def chan(x: np.ndarray, k: int) -> np.ndarray:
        return (x[:, :, k] if x.ndim == 3 else x).astype(np.float64)

    triples = tuple((chan(a, k), chan(b, k), chan(f, k)) for k in range(3))
    mosaic = np.concatenate([t[2] for t in triples], axis=1)
    return Planes(triples, mosaic)


def prepare_fused(fused: ArrayLike, color_mode: str = "gray", float_range: float = 1.0) -> Planes:
    """Single-image variant of :func:`prepare_planes` (A and B slots hold the fused plane)."""
    _check_color_mode(color_mode)
    f = prepare_images({"fused": fused}, float_range)["fused"]
    if color_mode == "gray" or f.ndim == 2:
        g = (rgb2gray(f) if f.ndim == 3 else f).astype(np.float64)
        return Planes(((g, g, g),), g)
    chans = tuple(f[:, :, k].astype(np.float64) for k in range(3))
    return Planes(tuple((c, c, c) for c in chans), np.concatenate(chans, axis=1))
