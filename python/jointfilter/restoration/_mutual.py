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

from .. import box_filter
from ._common import box_mean
from ._fast import blocked, clip_below

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

    Notes
    -----
    Every quantity is a plane ``(H, W)``: 13 box means per iteration (5 moments, 8
    coefficient terms) through the C++ core, the elementwise steps in cache-sized row blocks
    on all threads (:mod:`._fast`). The 2x2 system of pixel ``i`` is divided by ``N(i)``
    (which leaves its solution unchanged), so the box means of ``x / N`` enter it directly and
    the terms that do not change between iterations (``B[1/N] + lam / N``, ``lam I0 / N``)
    are computed once.
    """
    i0 = np.ascontiguousarray(target, np.float32)
    g0 = np.ascontiguousarray(guide, np.float32)
    h, w = i0.shape
    n_inv = (1.0 / window_counts(i0.shape, radius)).astype(np.float32)
    # per-pixel system divided by N:  [[P11 + B[c2/N], -(B[a/N] + B[c/N])], [., P22 + B[a2/N]]]
    # [I, G] = [L_i + B[b/N] - B[cd/N], L_g + B[d/N] - B[ab/N]]
    ones = box_mean(n_inv, radius)  # S[1] / N
    p11 = ones + np.float32(lam_i) * n_inv
    p22 = ones + np.float32(lam_g) * n_inv
    l_i = np.float32(lam_i) * n_inv * i0
    l_g = np.float32(lam_g) * n_inv * g0
    del ones
    cur_i, cur_g = i0.copy(), g0.copy()
    prod = [np.empty_like(i0) for _ in range(3)]  # I G, I I, G G
    mom = [np.empty_like(i0) for _ in range(5)]  # box means of I, G, IG, II, GG
    coef = [np.empty_like(i0) for _ in range(8)]  # a, b, c, d, a2, c2, ab, cd (each / N)
    sums = [np.empty_like(i0) for _ in range(8)]  # their box means
    eps_i32, eps_g32 = np.float32(eps_i), np.float32(eps_g)

    def products(sl: slice) -> None:
        ii, gg = cur_i[sl], cur_g[sl]
        np.multiply(ii, gg, out=prod[0][sl])
        np.multiply(ii, ii, out=prod[1][sl])
        np.multiply(gg, gg, out=prod[2][sl])

    def coefficients(sl: slice) -> None:
        mi, mg, mig, mii, mgg = (m[sl] for m in mom)
        nv = n_inv[sl]
        an, bn, cn, dn, aa, cc, ab, cd = (c[sl] for c in coef)
        cov = mig - mi * mg
        var = mgg - mg * mg  # var(G), then var(I)
        clip_below(var, 0.0, out=var)
        var += eps_i32
        np.divide(cov, var, out=aa)  # a
        np.multiply(mi, mi, out=var)
        np.subtract(mii, var, out=var)
        clip_below(var, 0.0, out=var)
        var += eps_g32
        np.divide(cov, var, out=cc)  # c
        np.multiply(aa, mg, out=bn)
        np.subtract(mi, bn, out=bn)  # b = mi - a mg
        np.multiply(cc, mi, out=dn)
        np.subtract(mg, dn, out=dn)  # d = mg - c mi
        np.multiply(aa, nv, out=an)  # a / N
        np.multiply(cc, nv, out=cn)  # c / N
        np.multiply(an, bn, out=ab)  # a b / N
        np.multiply(cn, dn, out=cd)  # c d / N
        bn *= nv  # b / N
        dn *= nv  # d / N
        aa *= an  # a^2 / N
        cc *= cn  # c^2 / N

    def solve(sl: slice) -> None:
        sa, sb, sc, sd, saa, scc, sab, scd = (x[sl] for x in sums)
        m11 = p11[sl] + scc
        m22 = p22[sl] + saa
        m12 = sa + sc  # minus the off-diagonal entry
        r1 = l_i[sl] + sb
        r1 -= scd
        r2 = l_g[sl] + sd
        r2 -= sab
        det = m11 * m22
        det -= m12 * m12
        # I = (m22 r1 + m12 r2) / det, G = (m11 r2 + m12 r1) / det  (off-diagonal is -m12)
        out_i = m22
        out_i *= r1
        out_i += m12 * r2
        out_i /= det
        r2 *= m11
        r1 *= m12
        r2 += r1
        r2 /= det
        cur_i[sl] = out_i
        cur_g[sl] = r2

    for _ in range(iterations):
        blocked(products, h, w)
        for src, dst in zip((cur_i, cur_g, *prod), mom, strict=True):
            box_filter(src, radius, out=dst)
        blocked(coefficients, h, w)
        for src, dst in zip(coef, sums, strict=True):
            box_filter(src, radius, out=dst)
        blocked(solve, h, w)
    return cur_i, cur_g
