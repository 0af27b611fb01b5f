"""Edge-aware guided filters built from box-filter moments: WGIF and GDGIF.

All functions work in float32 on [0, 1] data with a **gray** guide ``(H, W)`` and a target
``(H, W)`` or ``(H, W, C)`` (channels filtered with the same guide statistics). Box means are the
C++ :func:`jointfilter.box_filter` with the clipped border. Every formula is the one of
``algorithms.md`` §4; ``eps_w = (0.001 L)**2`` with ``L = 1``.

References
----------
Z. Li, J. Zheng, Z. Zhu, W. Yao, S. Wu. Weighted guided image filtering. IEEE TIP 24(1), 2015.
F. Kou, W. Chen, C. Wen, Z. Li. Gradient domain guided image filtering. IEEE TIP 24(11), 2015.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._common import box_mean
from ._fast import as_rows, blocked, clip_below, expand

__all__ = ["apply_coefficients", "gdgif", "guided_coefficients", "linear_guided", "wgif"]

F32 = NDArray[np.float32]
EPS_W = 1e-6  # (0.001 * L)**2 for L = 1


def _chan(x: F32) -> F32:
    return x[:, :, None] if x.ndim == 2 else x


def guided_coefficients(
    target: F32,
    guide: F32,
    radius: int,
    eps: F32 | float,
    gamma: F32 | float = 0.0,
) -> tuple[F32, F32]:
    """Averaged coefficients ``(a_bar, b_bar)`` of a gray-guide guided filter.

    Solves ``a_k = (cov_k(G, X) + eps_k * gamma_k) / (var_k(G) + eps_k)`` and
    ``b_k = mean_k(X) - a_k mean_k(G)`` per window, then box-averages both. ``eps`` and
    ``gamma`` may be per-window maps ``(H, W)``: the plain GF is ``gamma = 0`` with a scalar eps,
    WGIF uses ``eps = lambda / Gamma``, GDGIF adds the edge-aware ``gamma``.

    Parameters
    ----------
    target : ndarray, (H, W) or (H, W, C) float32
    guide : ndarray, (H, W) float32
    radius : int
    eps : float or ndarray (H, W)
    gamma : float or ndarray (H, W)

    Returns
    -------
    a_bar, b_bar : ndarray
        Shape of `target` (a 2-D target gives 2-D maps).
    """
    x = np.ascontiguousarray(_chan(target), np.float32)
    g = np.ascontiguousarray(guide, np.float32)
    h, w, c = x.shape
    mg = box_mean(g, radius)
    vg = box_mean(g * g, radius)

    def variance(sl: slice) -> None:
        m = mg[sl]
        v = vg[sl]
        v -= m * m
        clip_below(v, 0.0, out=v)

    blocked(variance, h, w)
    x2 = as_rows(x)
    gx = np.empty_like(x)  # X G, then the a coefficients
    gx2 = as_rows(gx)

    def product(sl: slice) -> None:
        np.multiply(x2[sl], expand(g[sl], c), out=gx2[sl])

    blocked(product, h, w * c)
    mx = box_mean(x, radius)  # then the b coefficients
    mgx = box_mean(gx, radius)
    eps_map = np.asarray(eps, np.float32)
    gam = np.asarray(gamma, np.float32)
    mx2, mgx2 = as_rows(mx), as_rows(mgx)

    def solve(sl: slice) -> None:
        m = expand(mg[sl], c)
        e = expand(eps_map[sl], c) if eps_map.ndim == 2 else eps_map
        num = mgx2[sl] - m * mx2[sl]  # cov
        num += e * (expand(gam[sl], c) if gam.ndim == 2 else gam)
        den = expand(vg[sl], c) + e
        a = np.divide(num, den, out=gx2[sl])
        mxs = mx2[sl]
        mxs -= a * m  # b = mx - a mg

    blocked(solve, h, w * c)
    a_bar = box_mean(gx, radius)
    b_bar = box_mean(mx, radius)
    if target.ndim == 2:
        return a_bar[:, :, 0], b_bar[:, :, 0]
    return a_bar, b_bar


def apply_coefficients(a: F32, b: F32, guide: F32) -> F32:
    """``a * guide + b`` (the guide broadcast over the channels of `a`), into `a`'s buffer.

    `a` and `b` are the (new, owned) coefficient maps of :func:`guided_coefficients`; the
    product is taken on ``(H, W*C)`` rows with the guide repeated per channel, which is
    several times faster than broadcasting ``guide[:, :, None]``.
    """
    c = a.shape[2] if a.ndim == 3 else 1
    a2, b2 = as_rows(a), as_rows(b)

    def step(sl: slice) -> None:
        o = a2[sl]
        o *= expand(guide[sl], c)
        o += b2[sl]

    blocked(step, a.shape[0], a2.shape[1])
    return a


def linear_guided(
    target: F32, guide: F32, radius: int, eps: float, apply_guide: F32 | None = None
) -> F32:
    """Gray-guide guided filter; coefficients fitted on `guide`, applied to `apply_guide`.

    With ``apply_guide=None`` this is the plain guided filter. Fitting on a blurred copy of the
    guide and applying to the sharp guide restores the detail a blur removed from the target
    (used by ``flash_deblur``).
    """
    a, b = guided_coefficients(target, guide, radius, eps)
    g = guide if apply_guide is None else apply_guide
    return apply_coefficients(a, b, np.ascontiguousarray(g, np.float32))


def _local_var(g: F32, radius: int) -> F32:
    m = box_mean(g, radius)
    return np.maximum(box_mean(g * g, radius) - m * m, 0.0)


def wgif(target: F32, guide: F32, radius: int, lam: float) -> F32:
    """Weighted guided image filter (Li et al. 2015), eps replaced by ``lam / Gamma_G``.

    ``Gamma_G(k) = (var_1(k) + eps_w) * mean_i 1 / (var_1(i) + eps_w)``, with ``var_1`` the
    3x3 variance of the guide and ``eps_w = 1e-6``.

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
    v1 = _local_var(guide, 1).astype(np.float64) + EPS_W
    gamma_w = (v1 * np.mean(1.0 / v1)).astype(np.float32)
    a, b = guided_coefficients(target, guide, radius, np.float32(lam) / gamma_w)
    return apply_coefficients(a, b, np.ascontiguousarray(guide, np.float32))


def gdgif(target: F32, guide: F32, radius: int, lam: float) -> F32:
    """Gradient-domain guided image filter (Kou et al. 2015).

    ``chi = sigma_1 * sigma_r`` (3x3 and radius-r standard deviations of the guide);
    ``Gamma = (chi + eps_w) * mean 1/(chi + eps_w)``; ``gamma = 1 - 1/(1 + exp(eta (chi -
    mean chi)))`` with ``eta = 4 / (mean chi - min chi)`` (guarded for flat guides); then
    ``a = (cov + lam/Gamma * gamma) / (var + lam/Gamma)``.

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
    chi = (np.sqrt(_local_var(guide, 1)) * np.sqrt(_local_var(guide, radius))).astype(np.float64)
    ce = chi + EPS_W
    gamma_hat = (ce * np.mean(1.0 / ce)).astype(np.float32)
    mu = float(chi.mean())
    spread = mu - float(chi.min())
    if spread <= 1e-12:
        gam = np.full(chi.shape, 0.5, np.float32)
    else:
        eta = 4.0 / spread
        gam = (1.0 - 1.0 / (1.0 + np.exp(np.clip(eta * (chi - mu), -60, 60)))).astype(np.float32)
    a, b = guided_coefficients(target, guide, radius, np.float32(lam) / gamma_hat, gam)
    return apply_coefficients(a, b, np.ascontiguousarray(guide, np.float32))
