"""Colour in, colour out: fuse the luminance, keep the chroma.

The transform is full-range YCbCr with ITU-R BT.601 luma weights (the JPEG/JFIF form), computed
in float on [0, 1] data with **zero-centred** chroma and no offsets, rounding or clipping:

    Y  = 0.299 R + 0.587 G + 0.114 B
    Cb = (B - Y) / 1.772
    Cr = (R - Y) / 1.402

and its exact inverse

    R = Y + 1.402 Cr
    G = Y - (0.299 * 1.402 / 0.587) Cr - (0.114 * 1.772 / 0.587) Cb
    B = Y + 1.772 Cb

Only the final RGB result is clipped to the output range (and rounded for integer outputs).
A gray image stored as three equal channels has Cb = Cr = 0 and stays gray.
"""

from __future__ import annotations

import numpy as np

from .. import _core
from .. import _validate as v
from ._common import core_float, scratch, use_core

__all__ = ["rgb_to_ycbcr", "rgb_to_ycbcr_scaled", "ycbcr_to_rgb", "ycbcr_to_rgb_out"]

_KR, _KG, _KB = 0.299, 0.587, 0.114


def rgb_to_ycbcr(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(H, W, 3)`` RGB in [0, 1] into float32 Y, Cb, Cr planes (chroma centred on 0)."""
    if use_core() and rgb.dtype == np.float32:
        return rgb_to_ycbcr_scaled(rgb, 1.0)
    return _numpy_rgb_to_ycbcr(rgb)


def rgb_to_ycbcr_scaled(
    rgb: np.ndarray, data_range: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rgb_to_ycbcr(to_unit(rgb, data_range))`` without the intermediate RGB float array."""
    if not use_core():
        from ._common import to_unit

        return _numpy_rgb_to_ycbcr(to_unit(rgb, data_range))
    planes = scratch((3, *rgb.shape[:2]))
    if planes.size:
        src = v.core_ready(core_float(rgb))
        _core.fusion_rgb_to_ycbcr(src, 1.0 / data_range, planes[0], planes[1], planes[2])
    return planes[0], planes[1], planes[2]


def _numpy_rgb_to_ycbcr(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = rgb.astype(np.float64)
    r, g, b = x[:, :, 0], x[:, :, 1], x[:, :, 2]
    y = _KR * r + _KG * g + _KB * b
    cb = (b - y) / (2.0 * (1.0 - _KB))
    cr = (r - y) / (2.0 * (1.0 - _KR))
    return y.astype(np.float32), cb.astype(np.float32), cr.astype(np.float32)


def ycbcr_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr`; returns an unclipped ``(H, W, 3)`` float32 array."""
    return ycbcr_to_rgb_out(y, cb, cr, np.dtype(np.float32), 1.0, clip=False)


def ycbcr_to_rgb_out(
    y: np.ndarray,
    cb: np.ndarray,
    cr: np.ndarray,
    dtype: np.dtype,
    data_range: float,
    *,
    clip: bool = True,
) -> np.ndarray:
    """``from_unit(ycbcr_to_rgb(y, cb, cr), dtype, data_range, clip=clip)`` in one pass."""
    from ._common import from_unit

    dtype = np.dtype(dtype)
    planes = (y, cb, cr)
    if not (use_core() and all(p.dtype == np.float32 and p.ndim == 2 for p in planes)):
        return from_unit(_numpy_ycbcr_to_rgb(y, cb, cr), dtype, data_range, clip=clip)
    direct = dtype in v.CORE_DTYPES
    out = np.empty((*y.shape, 3), dtype if direct else np.float32)
    if out.size:
        src = [v.core_ready(p) for p in planes]
        rng, clp = (float(data_range), bool(clip)) if direct else (1.0, False)
        _core.fusion_ycbcr_to_rgb(*src, out, rng, clp)
    if direct:
        return out
    return from_unit(out, dtype, data_range, clip=clip)  # float64/float16 outputs


def _numpy_ycbcr_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    y64, cb64, cr64 = (p.astype(np.float64) for p in (y, cb, cr))
    r = y64 + 2.0 * (1.0 - _KR) * cr64
    b = y64 + 2.0 * (1.0 - _KB) * cb64
    g = (y64 - _KR * r - _KB * b) / _KG
    return np.stack([r, g, b], axis=-1).astype(np.float32)
