"""Float64 reference of the iterative guided filter for flash / no-flash pairs.

The specification of :func:`jointfilter.restoration._iterative.iterative_guided_filter` (the
``flash_denoise`` task, ``docs/algorithms.md`` section 6.2), in float64, from the guided
filter's reference pieces (:mod:`.guided`, :mod:`.box`; clipped borders throughout).

``W`` is the guided filter with the flash ``F`` as guide, radius ``r`` and ``eps``. On a grid
of factor ``s`` (``s = 1``: the image itself) with ``A_s``, ``F_s`` the decimated ambient and
flash (block means, or the nearest pixel, :func:`.guided.downsample_mean` /
:func:`.guided.downsample_nearest`) and radii ``r_s = max(1, floor(r / s + 0.5))`` (likewise
the relighting radius; the blend radius may become 0), every iterate is a coefficient field
``c = (a, b)`` applied to the flash, ``c . F = a . F + b``:

* diffusion: ``x_0 = A_s``, ``c_x`` = the coefficients of ``W x_{n-1}`` on the grid and
  ``x_n = c_x . F_s``;
* relit flash: ``F' = M F`` (``M``: the flash's channels to the target's, :func:`relight_mix`),
  ``ratio = (B[A_s] + delta) / (B[M F_s] + delta)`` with relighting radius, ``z_0 = ratio M F``,
  whose field is ``a_{c,g} = ratio_c M_{c,g}``, ``b = 0``;
* residual: ``c_z += `` the coefficients of ``W (A_s - z_{k-1})``, ``z_k = c_z . F_s``;
* blend: ``w = s2 / (s2 + B[(z - x)^2])`` (blend radius; none at radius 0), per target channel,
  and the field ``c = c_x + w (c_z - c_x)``;
* result: ``up(c) . F``, ``up`` the bilinear upsampling of :func:`.guided.upsample_bilinear`
  (none at ``s = 1``, where this is the exact iteration ``x + w (z - x)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .box import box_mean_spatial
from .guided import (
    downsample_mean,
    downsample_nearest,
    fast_radius,
    guided_coefficients,
    upsample_bilinear,
)

__all__ = ["iterative_guided_filter", "relight_mix"]

F64 = NDArray[np.float64]


def relight_mix(channels: int, guide_channels: int) -> F64:
    """``M`` (channels x guide_channels): relit channel ``c = sum_g M[c, g] F_g``.

    The identity for equal counts; for a 1-channel target the mean of the flash's channels;
    otherwise the flash's first channel for every target channel.
    """
    if channels == guide_channels:
        return np.eye(channels)
    m = np.zeros((channels, guide_channels))
    if channels == 1:
        m[0, :] = 1.0 / guide_channels
    else:
        m[:, 0] = 1.0
    return m


def _field_apply(a: F64, b: F64, g: F64) -> F64:
    """``sum_g a[..., g, c] I_g + b[..., c]`` (a: (H, W, Cg, C), b: (H, W, C))."""
    return np.einsum("yxgc,yxg->yxc", a, g) + b


def iterative_guided_filter(
    ambient: ArrayLike,
    flash: ArrayLike,
    *,
    radius: int,
    eps: float,
    noise_var: float,
    n_diffusion: int = 1,
    n_residual: int = 2,
    relight_radius: int = 32,
    blend_radius: int = 2,
    subsample: int = 1,
    decimation: str = "mean",
    delta: float = 1e-2,
) -> F64:
    """The combined estimate (module docstring), float64 with the ambient's shape.

    Parameters
    ----------
    ambient : array_like
        ``(H, W)`` or ``(H, W, C)``, C in 1..4: the no-flash image ``A``.
    flash : array_like
        ``(H, W)`` or ``(H, W, 1 or 3)``: the flash image ``F``.
    radius, eps : int, float
        Of the guided filter ``W`` (``eps`` absolute).
    noise_var : float
        ``s2`` of the blend (> 0).
    n_diffusion, n_residual : int
        Iteration counts (>= 1 and >= 0; ``n_residual = 0`` returns the diffusion branch).
    relight_radius, blend_radius : int
        Box radii of the relighting ratio and of the disagreement energy.
    subsample : int
        Grid factor ``s`` (1: full resolution).
    decimation : {"mean", "nearest"}
        How ``A`` and ``F`` are decimated for ``s > 1``.
    delta : float
        Offset of the relighting ratio.

    Returns
    -------
    numpy.ndarray
        Float64, the ambient's shape.
    """
    a_full = np.asarray(ambient, np.float64)
    f_full = np.asarray(flash, np.float64)
    was_2d = a_full.ndim == 2
    a_full = a_full[:, :, None] if was_2d else a_full
    f_full = f_full[:, :, None] if f_full.ndim == 2 else f_full
    s = int(subsample)
    if s == 1:
        a_s, f_s = a_full, f_full
    else:
        down = downsample_mean if decimation == "mean" else downsample_nearest
        a_s, f_s = down(a_full, s), down(f_full, s)
    r_s = fast_radius(radius, s)

    def fit(p: F64) -> tuple[F64, F64]:
        return guided_coefficients(p, f_s, r_s, eps)

    x = a_s
    for _ in range(max(1, n_diffusion)):
        ax, bx = fit(x)
        x = _field_apply(ax, bx, f_s)
    a_out, b_out = ax, bx
    if n_residual > 0:
        mix = relight_mix(a_s.shape[2], f_s.shape[2])
        f_mixed = np.einsum("cg,yxg->yxc", mix, f_s)
        rr = fast_radius(relight_radius, s)
        ratio = (box_mean_spatial(a_s, rr) + delta) / (box_mean_spatial(f_mixed, rr) + delta)
        az = np.einsum("yxc,cg->yxgc", ratio, mix)
        bz = np.zeros_like(ratio)
        z = _field_apply(az, bz, f_s)
        for _ in range(n_residual):
            da, db = fit(a_s - z)
            az, bz = az + da, bz + db
            z = _field_apply(az, bz, f_s)
        d2 = (z - x) ** 2
        rb = (2 * blend_radius + s) // (2 * s)
        if rb > 0:
            d2 = box_mean_spatial(d2, rb)
        w = noise_var / (noise_var + d2)
        a_out = ax + w[:, :, None, :] * (az - ax)
        b_out = bx + w * (bz - bx)
    if s > 1:
        h, wd = f_full.shape[:2]
        a_out, b_out = upsample_bilinear(a_out, h, wd), upsample_bilinear(b_out, h, wd)
    out = _field_apply(a_out, b_out, f_full)
    return out[:, :, 0] if was_2d else out
