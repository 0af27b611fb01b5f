"""Float64 reference of the edge-aware guided filters (WGIF, GDGIF).

The specification the kernel's per-window options (``eps_map``, ``gamma_map``) and the public
:func:`jointfilter.weighted_guided_filter` / :func:`jointfilter.gradient_domain_guided_filter`
are tested against. Follows ``algorithms.md`` section 4 literally; imports only NumPy and
:mod:`.box`. Gray guide ``G`` (``(H, W)``), target ``X`` with any channel count; ``B`` is the
box mean with the chosen border::

    mu = B[G];  var = max(B[G G] - mu**2, 0);  cov = B[G X] - mu B[X]
    a = (cov + eps_k gamma_k) / (var + eps_k);  b = B[X] - a mu;  q = B[a] A + B[b]

with ``A`` the guide (or ``apply_guide``). Edge-aware weights use clipped windows and the guide
as given (scale it to [0, 1] first; ``eps_w = 1e-6``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .box import box_mean_spatial, check_radius

__all__ = [
    "EPS_W",
    "edge_aware_guided_filter",
    "gdgif_weights",
    "gradient_domain_guided_filter",
    "local_variance",
    "weighted_guided_filter",
    "wgif_weights",
]

F64 = NDArray[np.float64]
EPS_W = 1e-6


def local_variance(g: ArrayLike, radius: int) -> F64:
    """``max(B[g g] - B[g]**2, 0)`` over clipped windows."""
    g = np.asarray(g, np.float64)
    m = box_mean_spatial(g, radius, "clipped")
    return np.maximum(box_mean_spatial(g * g, radius, "clipped") - m * m, 0.0)


def wgif_weights(g: ArrayLike) -> F64:
    """``Gamma(k) = (var_1(k) + eps_w) mean_i 1 / (var_1(i) + eps_w)``."""
    v1 = local_variance(g, 1) + EPS_W
    return v1 * np.mean(1.0 / v1)


def gdgif_weights(g: ArrayLike, radius: int) -> tuple[F64, F64]:
    """``(Gamma_hat, gamma)`` of GDGIF from ``chi = sigma_1 sigma_max(1, r)``."""
    chi = np.sqrt(local_variance(g, 1)) * np.sqrt(local_variance(g, max(1, radius)))
    ce = chi + EPS_W
    gamma_hat = ce * np.mean(1.0 / ce)
    spread = chi.mean() - chi.min()
    if spread <= 1e-12:
        return gamma_hat, np.full(chi.shape, 0.5)
    eta = 4.0 / spread
    return gamma_hat, 1.0 - 1.0 / (1.0 + np.exp(eta * (chi - chi.mean())))


def edge_aware_guided_filter(
    target: ArrayLike,
    guide: ArrayLike,
    radius: int,
    eps_map: ArrayLike,
    gamma_map: ArrayLike = 0.0,
    border: str = "clipped",
    apply_guide: ArrayLike | None = None,
) -> F64:
    """Gray-guide guided filter with per-window ``eps_map`` and slope prior ``gamma_map``.

    `eps_map` and `gamma_map` are scalars or ``(H, W)`` arrays (window centres); the result has
    the target's shape, float64.
    """
    radius = check_radius(radius)
    x = np.asarray(target, np.float64)
    was_2d = x.ndim == 2
    x = x[:, :, None] if was_2d else x
    g = np.asarray(guide, np.float64)
    if radius == 0:
        return x[:, :, 0].copy() if was_2d else x.copy()
    e = np.broadcast_to(np.asarray(eps_map, np.float64), g.shape)[:, :, None]
    gam = np.broadcast_to(np.asarray(gamma_map, np.float64), g.shape)[:, :, None]
    mu = box_mean_spatial(g, radius, border)[:, :, None]
    var = np.maximum(box_mean_spatial(g * g, radius, border)[:, :, None] - mu * mu, 0.0)
    mx = box_mean_spatial(x, radius, border)
    cov = box_mean_spatial(g[:, :, None] * x, radius, border) - mu * mx
    a = (cov + e * gam) / (var + e)
    b = mx - a * mu
    apply = g if apply_guide is None else np.asarray(apply_guide, np.float64)
    q = box_mean_spatial(a, radius, border) * apply[:, :, None] + box_mean_spatial(
        b, radius, border
    )
    return q[:, :, 0] if was_2d else q


def weighted_guided_filter(
    target: ArrayLike, guide: ArrayLike, radius: int, lam: float, border: str = "clipped"
) -> F64:
    """WGIF on a guide in [0, 1]: ``eps_k = lam / Gamma(k)``, no prior."""
    return edge_aware_guided_filter(target, guide, radius, lam / wgif_weights(guide), 0.0, border)


def gradient_domain_guided_filter(
    target: ArrayLike, guide: ArrayLike, radius: int, lam: float, border: str = "clipped"
) -> F64:
    """GDGIF on a guide in [0, 1]: ``eps_k = lam / Gamma_hat(k)``, prior ``gamma``."""
    gamma_hat, gam = gdgif_weights(guide, radius)
    return edge_aware_guided_filter(target, guide, radius, lam / gamma_hat, gam, border)
