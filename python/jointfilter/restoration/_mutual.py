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

:func:`mutual_structure_filter` runs the C++ kernel (``cpp/jointfilter/mutual_structure.hpp``,
one fused row pipeline per iteration, float64 sums); :func:`_mutual_structure_numpy` is the
former NumPy implementation (13 box filters and elementwise steps per iteration, float32),
kept for comparison. The float64 specification is :mod:`jointfilter._reference.mutual`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _core, box_filter
from .._validate import as_array, check_positive_float, check_radius, describe
from ..errors import DTypeError, ParameterError, ShapeError
from ._common import box_mean
from ._fast import blocked, clip_below

__all__ = ["mutual_structure_channels", "mutual_structure_filter", "window_counts"]

F32 = NDArray[np.float32]


def window_counts(shape: tuple[int, int], radius: int) -> NDArray[np.float32]:
    """Number of in-image pixels ``N(k)`` of the clipped window centred at every pixel."""

    def counts(n: int) -> np.ndarray:
        i = np.arange(n)
        return (np.minimum(i + radius, n - 1) - np.maximum(i - radius, 0) + 1).astype(np.float32)

    return np.outer(counts(shape[0]), counts(shape[1])).astype(np.float32)


def _plane(x: Any, name: str) -> F32:
    """`x` as a float32 (H, W) array with contiguous rows (no copy when it already is one)."""
    arr = as_array(x, name)
    if arr.dtype.kind != "f":
        raise DTypeError(
            f"{name} must be a floating-point image in [0, 1] (float32 or float64); got "
            f"{describe(arr)}. Convert it, e.g. x.astype(np.float32) / 255 for uint8 data."
        )
    if arr.ndim != 2:
        raise ShapeError(
            f"{name} must be a single-channel image of shape (H, W); got shape {arr.shape}. "
            "Filter each channel separately, e.g. x[:, :, c]."
        )
    if arr.dtype != np.float32 or (arr.shape[1] > 1 and arr.strides[1] != 4):
        with np.errstate(over="ignore"):  # out-of-range float64 becomes inf: NonFiniteError
            arr = np.ascontiguousarray(arr, np.float32)
    if arr.shape[0] > 1 and (arr.strides[0] <= 0 or arr.strides[0] % 4):
        arr = np.ascontiguousarray(arr)
    return arr


def _channels(x: Any, name: str) -> F32:
    """`x` as a float32 (H, W) or (H, W, C) array whose pixels are contiguous within a row
    (no copy when it already is one)."""
    arr = as_array(x, name)
    if arr.ndim == 2:
        return _plane(arr, name)
    if arr.dtype.kind != "f":
        raise DTypeError(
            f"{name} must be a floating-point image in [0, 1] (float32 or float64); got "
            f"{describe(arr)}. Convert it, e.g. x.astype(np.float32) / 255 for uint8 data."
        )
    if arr.ndim != 3 or arr.shape[2] == 0:
        raise ShapeError(
            f"{name} must be an image of shape (H, W) or (H, W, C) with C >= 1; got shape "
            f"{arr.shape}."
        )
    c = arr.shape[2]
    if (
        arr.dtype != np.float32
        or (c > 1 and arr.strides[2] != 4)
        or (arr.shape[1] > 1 and arr.strides[1] != 4 * c)
        or (arr.shape[0] > 1 and (arr.strides[0] <= 0 or arr.strides[0] % 4))
    ):
        with np.errstate(over="ignore"):  # out-of-range float64 becomes inf: NonFiniteError
            arr = np.ascontiguousarray(arr, np.float32)
    return arr


def _iterations(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(f"iterations must be an int >= 0; got {describe(value)}.")
    return int(value)


def _scalars(
    radius: Any, eps_i: Any, eps_g: Any, lam_i: Any, lam_g: Any, iterations: Any
) -> tuple[int, float, float, float, float, int]:
    """The checked scalar parameters, in the core's argument order."""
    return (
        check_radius(radius),
        check_positive_float(eps_i, "eps_i"),
        check_positive_float(eps_g, "eps_g"),
        check_positive_float(lam_i, "lam_i"),
        check_positive_float(lam_g, "lam_g"),
        _iterations(iterations),
    )


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
        ``I0`` and ``G0`` (float64 is converted to float32). Not modified.
    radius : int
        Window radius of the regressions (>= 0; windows are clipped to the image).
    eps_i, eps_g : float
        Regularisers of ``a`` (I explained by G) and ``c`` (G explained by I), > 0; larger
        is smoother.
    lam_i, lam_g : float
        Weights of the fidelity terms ``|I - I0|^2`` and ``|G - G0|^2`` (> 0).
    iterations : int
        Number of alternating iterations (>= 0).

    Returns
    -------
    (I, G) : tuple of ndarray
        The filtered target and guide, float32, new arrays.

    Raises
    ------
    DTypeError
        If an image is not floating-point.
    ShapeError
        If an image is not 2-D or the two shapes differ.
    ParameterError
        If a scalar parameter is out of range.
    NonFiniteError
        If an image contains NaN or Inf.

    Notes
    -----
    Runs in the C++ core, without the GIL, on ``jointfilter.get_num_threads()`` threads:
    per iteration one streaming pass over horizontal bands of rows (moments, coefficients,
    second box pass and the 2x2 solves while the rows are in cache), float64 sums. Results
    are bit-identical for any thread count.
    """
    i0 = _plane(target, "target")
    g0 = _plane(guide, "guide")
    if i0.shape != g0.shape:
        raise ShapeError(
            f"guide must have the shape of target; got target {i0.shape} and guide {g0.shape}."
        )
    scalars = _scalars(radius, eps_i, eps_g, lam_i, lam_g, iterations)
    out_i = np.empty(i0.shape, np.float32)
    out_g = np.empty(i0.shape, np.float32)
    if out_i.size == 0:
        return out_i, out_g
    _core.mutual_structure_filter(i0, g0, out_i, out_g, *scalars)
    return out_i, out_g


def mutual_structure_channels(
    target: F32,
    guide: F32,
    *,
    radius: int = 3,
    eps_i: float = 1e-4,
    eps_g: float = 5e-4,
    lam_i: float = 1.0,
    lam_g: float = 30.0,
    iterations: int = 10,
) -> F32:
    """The filtered target of :func:`mutual_structure_filter` for every channel of `target`.

    Parameters
    ----------
    target : ndarray, (H, W) or (H, W, C) float32 in [0, 1]
        ``I0``; each channel is filtered jointly with `guide`, independently of the others
        (float64 is converted to float32). Not modified.
    guide : ndarray, (H, W) float32 in [0, 1]
        ``G0``, the same for every channel. Not modified.
    radius, eps_i, eps_g, lam_i, lam_g, iterations
        As in :func:`mutual_structure_filter`.

    Returns
    -------
    ndarray
        The filtered target, float32, the shape of `target`; channel ``c`` equals (bit for bit)
        ``mutual_structure_filter(target[:, :, c], guide, ...)[0]``. The filtered guides are
        not kept.

    Raises
    ------
    DTypeError
        If an image is not floating-point.
    ShapeError
        If `target` is not (H, W) or (H, W, C >= 1), `guide` is not 2-D, or their heights
        and widths differ.
    ParameterError
        If a scalar parameter is out of range.
    NonFiniteError
        If an image contains NaN or Inf.

    Notes
    -----
    One C++ call for all channels: the channels are split into planes and merged back inside
    the core (on all threads), with no per-channel copies in Python.
    """
    i0 = _channels(target, "target")
    g0 = _plane(guide, "guide")
    if i0.shape[:2] != g0.shape:
        raise ShapeError(
            f"guide must have the height and width of target; got target {i0.shape} and "
            f"guide {g0.shape}."
        )
    scalars = _scalars(radius, eps_i, eps_g, lam_i, lam_g, iterations)
    out_i = np.empty(i0.shape, np.float32)
    if out_i.size == 0:
        return out_i
    _core.mutual_structure_filter(i0, g0, out_i, None, *scalars)
    return out_i


def _mutual_structure_numpy(
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
    """The former NumPy implementation of :func:`mutual_structure_filter` (float32, kept for
    comparison; same parameters and results up to float32 rounding).

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
