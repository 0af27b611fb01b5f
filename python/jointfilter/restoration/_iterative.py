"""Iterative guided filtering for flash / no-flash pairs (after Seo & Milanfar, 2012).

``W_F`` is the guided filter with the flash image ``F`` as guide (one C++ guided-filter call).
Two iterations are run and combined (``algorithms.md`` §6.2; the iteration forms follow
Milanfar's filtering framework and the combination rule is our documented choice, not a claim
of reproducing the paper's equations):

* diffusion of the noisy/blurred ambient image ``A``: ``x_n = W_F x_{n-1}``, ``x_0 = A``;
* residual (reaction-diffusion) iteration started from the relit flash
  ``F' = F * S(A) / S(F)`` (``S`` a wide box mean, so ``F'`` has the ambient's low
  frequencies): ``z_n = z_{n-1} + W_F (A - z_{n-1})``, ``z_0 = F'``;
* per-pixel LMMSE-style blend ``w = s2 / (s2 + B[(z - x)^2])``, ``out = w z + (1 - w) x``,
  ``s2`` the target's noise variance: where the two disagree (flash shadows, specularities,
  structure only in the flash) the result falls back to the diffusion branch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import guided_filter
from ._common import box_mean

__all__ = ["iterative_guided_filter", "relit_guide"]

F32 = NDArray[np.float32]


def _w(x: F32, guide: F32, radius: int, eps: float, subsample: int) -> F32:
    return guided_filter(x, guide, radius=radius, eps=eps, subsample=subsample, data_range=1.0)


def relit_guide(ambient: F32, flash: F32, radius: int, delta: float = 1e-2) -> F32:
    """The flash image rescaled to the ambient's local mean level (wide box ratio)."""
    f = (
        flash
        if flash.ndim == ambient.ndim
        else (flash[:, :, None] if flash.ndim == 2 else flash.mean(axis=2))
    )
    if f.ndim == 3 and f.shape[2] != ambient.shape[2]:
        f = np.repeat(f[:, :, :1], ambient.shape[2], axis=2)
    ratio = (box_mean(ambient, radius) + delta) / (
        box_mean(np.ascontiguousarray(f), radius) + delta
    )
    return (f * ratio).astype(np.float32)


def iterative_guided_filter(
    ambient: F32,
    flash: F32,
    *,
    radius: int,
    eps: float,
    noise_var: float,
    n_diffusion: int = 1,
    n_residual: int = 2,
    relight_radius: int = 32,
    blend_radius: int = 2,
    subsample: int = 1,
) -> tuple[F32, dict[str, F32]]:
    """Combine a diffusion and a residual iteration of the flash-guided filter.

    Parameters
    ----------
    ambient : ndarray, (H, W) or (H, W, C) float32 in [0, 1]
        Noisy or blurred no-flash image ``A``.
    flash : ndarray, (H, W) or (H, W, 3) float32 in [0, 1]
        Flash image ``F`` (the guide).
    radius, eps : int, float
        Guided filter window radius and regulariser ([0, 1]**2 units).
    noise_var : float
        Noise variance of ``A`` (drives the blend).
    n_diffusion, n_residual : int
        Iteration counts of the two branches (>= 1 and >= 0).
    relight_radius : int
        Radius of the box means that relight the flash.
    blend_radius : int
        Radius of the local disagreement energy ``B[(z - x)^2]``.
    subsample : int
        Fast guided filter factor for every ``W_F``.

    Returns
    -------
    out : ndarray
        The combined estimate, float32, shape of `ambient`.
    parts : dict
        ``{"diffusion": x_n, "residual": z_n, "weight": w}``.
    """
    x = ambient
    for _ in range(max(1, n_diffusion)):
        x = _w(x, flash, radius, eps, subsample)
    if n_residual <= 0:
        return x, {"diffusion": x}
    z = relit_guide(ambient, flash, relight_radius)
    for _ in range(n_residual):
        z = z + _w(ambient - z, flash, radius, eps, subsample)
    d2 = box_mean(np.square(z - x), blend_radius)
    s2 = np.float32(max(noise_var, 1e-8))
    w = s2 / (s2 + d2)
    out = (w * z + (1.0 - w) * x).astype(np.float32)
    return out, {"diffusion": x, "residual": z, "weight": w}
