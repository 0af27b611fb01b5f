"""Mutual-structure joint filter (Shen, Zhou, Xu, Jia — ICCV 2015), box-filter form.

Block-coordinate descent on

``E = sum_k mean_{i in w_k} [(a_k G_i + b_k - I_i)^2 + (c_k I_i + d_k - G_i)^2]
      + sum_k (eps_I a_k^2 + eps_G c_k^2) + lam_I |I - I0|^2 + lam_G |G - G0|^2``

(window **means**, the normalised variant of ``algorithms.md`` §5.1). Each iteration:

(a) two guided-filter regressions give ``a, b`` (I on G) and ``c, d`` (G on I);
(b) the image step separates per pixel into a 2x2 SPD system, with
    ``S[x]_i = sum_{k: i in w_k} x_k / N(k)`` (box sums of the coefficients divided by the
    clipped window sizes ``N``), solved in closed form.

Energy is non-increasing. Single-channel float32 images in [0, 1].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._common import box_mean

__all__ = ["mutual_structure_filter", "window_counts"]

F32 = NDArray[np.float32]


def window_counts(shape: tuple[int, int], radius: int) -> NDArray[np.float32]:
    """Number of in-image pixels ``N(k)`` of the clipped window centred at every pixel."""

    def counts(n: int) -> np.ndarray:
        i = np.arange(n)
        return (np.minimum(i + radius, n - 1) - np.maximum(i - radius, 0) + 1).astype(np.float32)

    return np.outer(counts(shape[0]), counts(shape[1])).astype(np.float32)


def mutual_structure_filter(
    target: F32,
    guide: F32,
    *,
    radius: int = 3,
    eps_i: float = 1e-4,
    eps_g: float = 5e-4,
    lam_i: float = 1.0,
    lam_g: float = 30.0,
    iterations: int = 10,
) -> tuple[F32, F32]:
    """Filter `target` and `guide` jointly so that only their common structure remains.

    Parameters
    ----------
    target, guide : ndarray, (H, W) float32 in [0, 1]
        ``I0`` and ``G0``.
    radius : int
        Window radius of the regressions.
    eps_i, eps_g : float
        Regularisers of ``a`` (I explained by G) and ``c`` (G explained by I); larger is
        smoother.
    lam_i, lam_g : float
        Weights of the fidelity terms ``|I - I0|^2`` and ``|G - G0|^2`` (> 0).
    iterations : int
        Number of alternating iterations.

    Returns
    -------
    (I, G) : tuple of ndarray
        The filtered target and guide, float32.
    """
    i0 = np.asarray(target, np.float32)
    g0 = np.asarray(guide, np.float32)
    cur_i, cur_g = i0.copy(), g0.copy()
    n = window_counts(i0.shape, radius)
    n_inv = (1.0 / n).astype(np.float32)
    # S[x] = N * box_mean(x / N); n_i = S[1 / N]... with window means every window weighs 1/N(k)
    ones_s = n * box_mean(n_inv, radius)
    for _ in range(iterations):
        stack = np.stack([cur_i, cur_g, cur_i * cur_g, cur_i * cur_i, cur_g * cur_g], axis=2)
        m = box_mean(stack[:, :, :4], radius)
        m_gg = box_mean(stack[:, :, 4], radius)
        mi, mg, mig, mii = m[:, :, 0], m[:, :, 1], m[:, :, 2], m[:, :, 3]
        cov = mig - mi * mg
        vg = np.maximum(m_gg - mg * mg, 0.0)
        vi = np.maximum(mii - mi * mi, 0.0)
        a = cov / (vg + eps_i)
        b = mi - a * mg
        c = cov / (vi + eps_g)
        d = mg - c * mi
        coeffs = np.stack([a, b, c, d], axis=2) * n_inv[:, :, None]
        quad = np.stack([a * a, c * c, a * b, c * d], axis=2) * n_inv[:, :, None]
        s1 = box_mean(coeffs, radius) * n[:, :, None]
        s2 = box_mean(quad, radius) * n[:, :, None]
        sa, sb, sc, sd = s1[:, :, 0], s1[:, :, 1], s1[:, :, 2], s1[:, :, 3]
        saa, scc, sab, scd = s2[:, :, 0], s2[:, :, 1], s2[:, :, 2], s2[:, :, 3]
        m11 = ones_s + scc + lam_i
        m22 = ones_s + saa + lam_g
        m12 = -(sa + sc)
        r1 = lam_i * i0 + sb - scd
        r2 = lam_g * g0 + sd - sab
        det = m11 * m22 - m12 * m12
        cur_i = ((m22 * r1 - m12 * r2) / det).astype(np.float32)
        cur_g = ((m11 * r2 - m12 * r1) / det).astype(np.float32)
    return cur_i, cur_g
