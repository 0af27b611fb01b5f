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

__all__ = ["rgb_to_ycbcr", "ycbcr_to_rgb"]

_KR, _KG, _KB = 0.299, 0.587, 0.114


def rgb_to_ycbcr(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``(H, W, 3)`` RGB in [0, 1] into float32 Y, Cb, Cr planes (chroma centred on 0)."""
    x = rgb.astype(np.float64)
    r, g, b = x[:, :, 0], x[:, :, 1], x[:, :, 2]
    y = _KR * r + _KG * g + _KB * b
    cb = (b - y) / (2.0 * (1.0 - _KB))
    cr = (r - y) / (2.0 * (1.0 - _KR))
    return y.astype(np.float32), cb.astype(np.float32), cr.astype(np.float32)


def ycbcr_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr`; returns an unclipped ``(H, W, 3)`` float32 array."""
    y64, cb64, cr64 = (p.astype(np.float64) for p in (y, cb, cr))
    r = y64 + 2.0 * (1.0 - _KR) * cr64
    b = y64 + 2.0 * (1.0 - _KB) * cb64
    g = (y64 - _KR * r - _KB * b) / _KG
    return np.stack([r, g, b], axis=-1).astype(np.float32)
