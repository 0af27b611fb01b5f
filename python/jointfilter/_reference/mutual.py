"""Float64 reference of the mutual-structure joint filter (Shen et al., ICCV 2015), box form.

This module is the specification that the C++ kernel
(``cpp/jointfilter/mutual_structure.hpp``) is tested against. It is written to be obviously
correct rather than fast: every quantity is a full float64 image, the window sums come from
:func:`.box.box_filter` (clipped border), and the per-pixel 2x2 systems are solved with
:func:`numpy.linalg.solve`. It imports only NumPy.

The filter minimises, by block-coordinate descent,

``E = sum_k [mean_{i in w_k} ((a_k G_i + b_k - I_i)^2 + (c_k I_i + d_k - G_i)^2)
       + eps_i a_k^2 + eps_g c_k^2] + lam_i |I - I0|^2 + lam_g |G - G0|^2``

over the images ``I, G`` and the per-window coefficients ``a, b, c, d``; ``w_k`` is the
``(2r + 1)**2`` window centred at pixel ``k`` clipped to the image, of ``N(k)`` pixels. One
iteration:

1. with ``I, G`` fixed, the coefficients are two ridge regressions (guided-filter
   coefficients): ``a = cov(I, G) / (var G + eps_i)``, ``b = mean I - a mean G``,
   ``c = cov(I, G) / (var I + eps_g)``, ``d = mean G - c mean I`` (window means, population
   variances);
2. with the coefficients fixed, ``E`` separates per pixel ``i`` into the 2x2 system

   ``[[lam_i + S[(1 + c^2)/N], -S[(a + c)/N]], [-S[(a + c)/N], lam_g + S[(1 + a^2)/N]]]
   [I_i, G_i] = [lam_i I0_i + S[(b - c d)/N], lam_g G0_i + S[(d - a b)/N]]``

   where ``S[x]_i`` sums ``x_k`` over the windows ``w_k`` that contain ``i`` (the centres
   ``k`` within ``r`` of ``i``: the clipped window sum at ``i``).

Each step minimises ``E`` over its block, so :func:`mutual_energy` never increases.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .box import box_filter, check_radius

__all__ = [
    "mutual_coefficients",
    "mutual_energy",
    "mutual_step",
    "mutual_structure_filter",
    "window_counts",
]

F64 = NDArray[np.float64]


def window_counts(shape: tuple[int, int], radius: int) -> F64:
    """``N(k)``: the number of pixels of the clipped window centred at every pixel."""
    radius = check_radius(radius)

    def counts(n: int) -> F64:
        i = np.arange(n)
        return (np.minimum(i + radius, n - 1) - np.maximum(i - radius, 0) + 1).astype(np.float64)

    return np.outer(counts(shape[0]), counts(shape[1]))


def _window_sum(x: F64, radius: int) -> F64:
    """Sum of `x` over the clipped window of every pixel."""
    return box_filter(x, radius, "clipped") * window_counts(x.shape, radius)


def mutual_coefficients(
    i: ArrayLike, g: ArrayLike, radius: int, eps_i: float, eps_g: float
) -> tuple[F64, F64, F64, F64]:
    """Per-window ``(a, b, c, d)``: ``I ~ a G + b`` and ``G ~ c I + d`` (ridge regressions)."""
    i = np.asarray(i, np.float64)
    g = np.asarray(g, np.float64)
    mi, mg = box_filter(i, radius), box_filter(g, radius)
    cov = box_filter(i * g, radius) - mi * mg
    var_i = np.maximum(box_filter(i * i, radius) - mi * mi, 0.0)
    var_g = np.maximum(box_filter(g * g, radius) - mg * mg, 0.0)
    a = cov / (var_g + eps_i)
    c = cov / (var_i + eps_g)
    return a, mi - a * mg, c, mg - c * mi


def mutual_step(
    i: ArrayLike,
    g: ArrayLike,
    i0: ArrayLike,
    g0: ArrayLike,
    radius: int,
    eps_i: float,
    eps_g: float,
    lam_i: float,
    lam_g: float,
) -> tuple[F64, F64]:
    """One iteration from ``(I, G)``: coefficients, then the per-pixel 2x2 solves."""
    i0 = np.asarray(i0, np.float64)
    g0 = np.asarray(g0, np.float64)
    a, b, c, d = mutual_coefficients(i, g, radius, eps_i, eps_g)
    n = window_counts(i0.shape, radius)

    def s(x: F64) -> F64:
        return _window_sum(x / n, radius)

    m = np.empty((*i0.shape, 2, 2))
    m[..., 0, 0] = lam_i + s(1.0 + c * c)
    m[..., 1, 1] = lam_g + s(1.0 + a * a)
    m[..., 0, 1] = m[..., 1, 0] = -s(a + c)
    rhs = np.stack([lam_i * i0 + s(b - c * d), lam_g * g0 + s(d - a * b)], axis=-1)
    sol = np.linalg.solve(m, rhs[..., None])[..., 0]
    return sol[..., 0], sol[..., 1]


def mutual_structure_filter(
    target: ArrayLike,
    guide: ArrayLike,
    *,
    radius: int,
    eps_i: float,
    eps_g: float,
    lam_i: float,
    lam_g: float,
    iterations: int,
) -> tuple[F64, F64]:
    """``iterations`` steps of :func:`mutual_step` from ``(I0, G0) = (target, guide)``.

    Parameters
    ----------
    target, guide : array_like, (H, W)
        ``I0`` and ``G0`` (converted to float64).
    radius : int
        Window radius (clipped windows; any radius >= 0).
    eps_i, eps_g : float
        Regularisers of ``a`` and ``c`` (> 0).
    lam_i, lam_g : float
        Fidelity weights (> 0).
    iterations : int
        Number of iterations (>= 0).

    Returns
    -------
    (I, G) : tuple of numpy.ndarray
        Float64 images.
    """
    radius = check_radius(radius)
    i0 = np.array(target, np.float64)
    g0 = np.array(guide, np.float64)
    cur_i, cur_g = i0.copy(), g0.copy()
    for _ in range(iterations):
        cur_i, cur_g = mutual_step(cur_i, cur_g, i0, g0, radius, eps_i, eps_g, lam_i, lam_g)
    return cur_i, cur_g


def mutual_energy(
    i: ArrayLike,
    g: ArrayLike,
    i0: ArrayLike,
    g0: ArrayLike,
    radius: int,
    eps_i: float,
    eps_g: float,
    lam_i: float,
    lam_g: float,
) -> float:
    """``E`` at ``(I, G)`` with the coefficients that minimise it (those of step 1)."""
    i = np.asarray(i, np.float64)
    g = np.asarray(g, np.float64)
    a, b, c, d = mutual_coefficients(i, g, radius, eps_i, eps_g)

    def mean(x: F64) -> F64:
        return box_filter(x, radius)

    # mean over w_k of (a G + b - I)^2 and (c I + d - G)^2, expanded into window moments
    mi, mg, mii, mgg, mig = mean(i), mean(g), mean(i * i), mean(g * g), mean(i * g)
    fit_i = a * a * mgg + b * b + mii + 2 * a * b * mg - 2 * a * mig - 2 * b * mi
    fit_g = c * c * mii + d * d + mgg + 2 * c * d * mi - 2 * c * mig - 2 * d * mg
    data = lam_i * np.sum((i - np.asarray(i0)) ** 2) + lam_g * np.sum((g - np.asarray(g0)) ** 2)
    return float(np.sum(fit_i + fit_g + eps_i * a * a + eps_g * c * c) + data)
