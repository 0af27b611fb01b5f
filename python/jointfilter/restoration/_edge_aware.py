"""WGIF and GDGIF on the restoration layer's float32 [0, 1] data.

Thin wrappers over :mod:`jointfilter._edge_aware`: the edge-aware weights come from the gray
guide (double-precision local variances), the filter is the C++ guided-filter kernel with its
per-window options. The target may have any channel count. Formulas: ``algorithms.md`` §4.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._edge_aware import edge_aware_filter, gdgif_weights, wgif_weights

__all__ = ["gdgif", "gdgif_given", "wgif", "wgif_given"]

F32 = NDArray[np.float32]


def _run(t: F32, g: F32, radius: int, eps_map: F32, gamma_map: F32 | None = None) -> F32:
    t = np.ascontiguousarray(t, np.float32)
    out = np.empty_like(t)
    return edge_aware_filter(
        t, np.ascontiguousarray(g, np.float32), radius, eps_map, gamma_map, out=out
    )


def wgif_given(t: F32, gy: F32, radius: int, lam: float, mean_inv: float | None = None) -> F32:
    """WGIF with the global mean of ``1 / (var_1 + eps_w)`` given (blocks) or computed."""
    if radius == 0:
        return np.array(t, np.float32)
    return _run(t, gy, radius, np.float32(lam) / wgif_weights(gy, mean_inv))


def gdgif_given(
    t: F32, gy: F32, radius: int, lam: float, stats: tuple[float, float, float] | None = None
) -> F32:
    """GDGIF with the global statistics of chi given (blocks) or computed."""
    if radius == 0:
        return np.array(t, np.float32)
    gamma_hat, gam = gdgif_weights(gy, radius, stats)
    return _run(t, gy, radius, np.float32(lam) / gamma_hat, gam)


def wgif(target: F32, guide: F32, radius: int, lam: float) -> F32:
    """Weighted guided image filter (Li et al. 2015), eps replaced by ``lam / Gamma_G``.

    Parameters
    ----------
    target : ndarray, (H, W) or (H, W, C) float32 in [0, 1]
    guide : ndarray, (H, W) float32 in [0, 1]
    radius : int
        Window radius of the regression.
    lam : float
        Regularisation lambda (in [0, 1]**2 units).

    Returns
    -------
    ndarray
        Filtered target, float32.
    """
    return wgif_given(target, guide, radius, lam)


def gdgif(target: F32, guide: F32, radius: int, lam: float) -> F32:
    """Gradient-domain guided image filter (Kou et al. 2015).

    Parameters
    ----------
    target : ndarray, (H, W) or (H, W, C) float32 in [0, 1]
    guide : ndarray, (H, W) float32 in [0, 1]
    radius : int
    lam : float

    Returns
    -------
    ndarray
        Filtered target, float32.
    """
    return gdgif_given(target, guide, radius, lam)
