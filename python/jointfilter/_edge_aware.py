"""Edge-aware guided filters: weighted (WGIF) and gradient-domain (GDGIF).

Both are options of the C++ guided-filter kernel (``algorithms.md`` section 4): the kernel
takes a per-window regulariser ``eps_k`` and a per-window prior ``gamma_k`` of the slope and
solves ``a_k = (cov_k + eps_k gamma_k) / (var_k + eps_k)`` in its streaming pass. This module
computes the edge-aware weights from the guide (two box means and a global reduction) and
hands them to the kernel.

Weights (guide ``G`` scaled to [0, 1] by its data range, ``eps_w = (0.001 L)**2 = 1e-6``):

* WGIF: ``Gamma(k) = (var_1(k) + eps_w) * mean_i 1 / (var_1(i) + eps_w)``, with ``var_1`` the
  3x3 variance of the guide; ``eps_k = lam / Gamma(k)``, ``gamma_k = 0``.
* GDGIF: ``chi = sigma_1 sigma_r`` (3x3 and radius-r standard deviations),
  ``Gamma_hat(k) = (chi(k) + eps_w) * mean_i 1 / (chi(i) + eps_w)``,
  ``gamma_k = 1 - 1 / (1 + exp(eta (chi(k) - mean chi)))`` with ``eta = 4 / (mean chi - min
  chi)`` (``gamma = 0.5`` for a flat guide); ``eps_k = lam / Gamma_hat(k)``.

Local variances use the clipped border (windows cut at the image edge), as the guided filter's
default. The float64 specification is :mod:`jointfilter._reference.edge_aware`.

References
----------
Z. Li, J. Zheng, Z. Zhu, W. Yao, S. Wu. Weighted guided image filtering. IEEE TIP 24(1), 2015.
F. Kou, W. Chen, C. Wen, Z. Li. Gradient domain guided image filtering. IEEE TIP 24(11), 2015.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _core
from . import _validate as v
from .errors import NonFiniteError, ParameterError, ShapeError

__all__ = [
    "EPS_W",
    "edge_aware_filter",
    "gdgif_chi",
    "gdgif_stats",
    "gdgif_weights",
    "gradient_domain_guided_filter",
    "local_variance",
    "weighted_guided_filter",
    "wgif_weights",
]

F32 = NDArray[np.float32]
#: eps_w = (0.001 L)**2 with L = 1 (weights are computed on the guide scaled to [0, 1])
EPS_W = 1e-6


def local_variance(g: F32, radius: int) -> F32:
    """Variance of `g` over clipped ``(2r+1)**2`` windows, clamped at 0 (float32).

    Computed by the C++ box filter with the sums and the difference ``mean(g^2) - mean(g)^2``
    in float64, rounded once: nearly flat windows keep their (tiny) variance, which sets the
    edge-aware weights there.
    """
    out = np.empty(g.shape, np.float32)
    _core.local_variance(np.ascontiguousarray(g, np.float32), out, radius, 0)
    return out


def _mean_inverse(x: F32) -> float:
    """``mean(1 / x)`` accumulated in float64."""
    return float(np.mean(np.reciprocal(x), dtype=np.float64))


def wgif_weights(g: F32, mean_inv: float | None = None) -> F32:
    """WGIF's ``Gamma`` (float32) for a guide `g` scaled to [0, 1].

    `mean_inv` (``mean_i 1 / (var_1(i) + eps_w)``) may be given when the image is processed
    in blocks and the mean comes from the whole.
    """
    v1 = local_variance(g, 1)
    v1 += np.float32(EPS_W)
    if mean_inv is None:
        mean_inv = _mean_inverse(v1)
    v1 *= np.float32(mean_inv)
    return v1


def gdgif_chi(g: F32, radius: int) -> F32:
    """GDGIF's multi-scale edge indicator ``chi = sigma_1 sigma_r = sqrt(var_1 var_r)``."""
    chi = local_variance(g, 1)
    chi *= local_variance(g, max(1, radius))
    return np.sqrt(chi, out=chi)


def gdgif_stats(chi: F32) -> tuple[float, float, float]:
    """``(mean 1/(chi + eps_w), mean chi, min chi)``: the global values GDGIF's weights use."""
    return (
        _mean_inverse(chi + np.float32(EPS_W)),
        float(np.mean(chi, dtype=np.float64)),
        float(chi.min()),
    )


def gdgif_weights(
    g: F32, radius: int, stats: tuple[float, float, float] | None = None
) -> tuple[F32, F32]:
    """GDGIF's ``(Gamma_hat, gamma)`` (float32) for a guide `g` scaled to [0, 1].

    `stats` (see :func:`gdgif_stats`) may be given when the image is processed in blocks and
    the global values come from the whole.
    """
    chi = gdgif_chi(g, radius)
    mean_inv, mu, chi_min = gdgif_stats(chi) if stats is None else stats
    spread = mu - chi_min
    if spread <= 1e-12:  # flat guide: eta would be infinite
        gam = np.full(chi.shape, 0.5, np.float32)
    else:  # gamma = 1 - 1 / (1 + exp(x)) = 1 / (1 + exp(-x)), x = eta (chi - mu)
        x = np.subtract(np.float32(mu), chi)
        x *= np.float32(4.0 / spread)
        np.clip(x, -60.0, 60.0, out=x)
        gam = np.exp(x, out=x)
        gam += np.float32(1.0)
        np.reciprocal(gam, out=gam)
    chi += np.float32(EPS_W)
    chi *= np.float32(mean_inv)
    return chi, gam


def edge_aware_filter(
    target: np.ndarray,
    guide: np.ndarray,
    radius: int,
    eps_map: F32,
    gamma_map: F32 | None = None,
    *,
    out: np.ndarray,
    border_code: int = 0,
    single: bool = False,
) -> np.ndarray:
    """Kernel call with per-window ``eps_map`` (absolute, guide units squared) and prior.

    `target` (``(H, W)`` or ``(H, W, C)``, C <= 4), `guide` ``(H, W)`` and `out` are
    core-ready arrays (core dtypes, contiguous pixels).
    """
    maps = {"eps_map": np.ascontiguousarray(eps_map, np.float32)}
    if gamma_map is not None:
        maps["gamma_map"] = np.ascontiguousarray(gamma_map, np.float32)
    _core.guided_filter(target, guide, out, radius, 1.0, border_code, 1, single=single, **maps)
    return out


def _edge_aware_public(
    gradient_domain: bool,
    target: Any,
    guide: Any,
    radius: Any,
    lam: Any,
    border: Any,
    data_range: Any,
    dtype: Any,
    out: Any,
    precision: Any,
) -> NDArray[Any]:
    from ._filters import _cast_into, _check_precision, _nonfinite, _prepare_guided

    kind = "gradient-domain guided filter" if gradient_domain else "weighted guided filter"
    lam = v.check_positive_float(lam, "lam")
    t, g, eps_abs = _prepare_guided(target, guide, lam, data_range)
    if g.ndim == 3 and g.shape[2] != 1:
        raise ShapeError(
            f"guide must be one channel (H, W) for the {kind}; got shape {g.shape}. Pass a gray "
            "guide, e.g. its luminance."
        )
    g = g.reshape(g.shape[:2])
    radius = v.check_radius(radius)
    border_code = v.check_border(border)
    single = _check_precision(precision)
    out_dtype = v.output_dtype(dtype, t.dtype)
    plan = v.plan_output(out, t.shape, out_dtype, (("target", t), ("guide", g)))
    if t.size == 0:
        return plan.result
    if radius == 0:
        _cast_into(plan.core_out, t)
        return plan.finish()
    g_core = v.core_ready(g)
    if g_core.dtype == np.float32 and not np.isfinite(g_core).all():
        raise _nonfinite((("guide", g),), ValueError())
    g_range = v.check_data_range(data_range, g.dtype)
    # an extreme data_range (or lam) can push the float32 weights out of range: checked below
    # with an error naming the arguments, instead of warnings and the kernel's "eps_map"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        g01 = (g_core * np.float32(1.0 / g_range)).astype(np.float32, copy=False)
        if not np.isfinite(g01).all():
            raise ParameterError(
                f"data_range={g_range:g} scales the guide beyond float32's range (guide / "
                "data_range overflows); pass the guide's value range (255 for uint8, 65535 "
                "for uint16, 1.0 for floats in [0, 1]) or leave data_range=None."
            )
        if not gradient_domain:
            eps_map, gamma_map = np.float32(eps_abs) / wgif_weights(g01), None
        else:
            gamma_hat, gamma_map = gdgif_weights(g01, radius)
            eps_map = np.float32(eps_abs) / gamma_hat
            # the prior is a slope on the common [0, 1] scale: in data units it is gamma times
            # (target range / guide range)
            gamma_map *= np.float32(v.default_data_range(t.dtype) / g_range)
        maps_ok = bool(np.isfinite(eps_map).all() and (eps_map > 0).all())
        if gamma_map is not None:
            maps_ok = maps_ok and bool(np.isfinite(gamma_map).all())
    if not maps_ok:
        raise ParameterError(
            f"lam * data_range**2 = {eps_abs:g} (lam={lam:g}, data_range={g_range:g}) divided "
            "by the edge-aware weights is outside float32's range; pass the guide's true "
            "value range as data_range (255 for uint8, 65535 for uint16, 1.0 for floats in "
            "[0, 1]) and a lam nearer 1e-4..1e-1."
        )
    try:
        edge_aware_filter(
            v.core_ready(t),
            g_core,
            radius,
            eps_map,
            gamma_map,
            out=plan.core_out,
            border_code=border_code,
            single=single,
        )
    except NonFiniteError as exc:
        raise _nonfinite((("target", t), ("guide", g)), exc) from None
    return plan.finish()


_COMMON_DOC = """
    Parameters
    ----------
    target : ndarray, shape (H, W) or (H, W, C), C <= 4
        Image to filter: uint8, uint16 or float32 (float64 accepted, computed in float32).
    guide : ndarray, shape (H, W) or (H, W, 1)
        Registered gray guide, any supported dtype (use the luminance of a colour guide).
    radius : int, default 8
        Window half-width of the regression; 0 returns the target.
    lam : float, default 1e-3
        Regularisation lambda, in units of ``data_range**2`` of the guide (as the guided
        filter's eps; the papers use 1/64 to 1/128 on [0, 1] data for strong smoothing).
    border : {"clipped", "symmetric", "reflect", "edge"}, default "clipped"
        Window rule of the regression's box means (the edge-aware weights always use the
        clipped windows).
    data_range : float, optional
        Value range of the guide; default 255 (uint8), 65535 (uint16), 1.0 (float). The
        target's range is its dtype's (the same defaults); both are scaled to [0, 1] for the
        edge-aware weights and GDGIF's slope prior.
    dtype : dtype, optional
        Output dtype; default the target's.
    out : ndarray, optional
        Output array (exact shape and output dtype); returned.
    precision : {"double", "single"}, default "double"
        Arithmetic of the kernel's sums and solve, as in :func:`guided_filter`.

    Returns
    -------
    ndarray
        Filtered target, shape of `target`.

    Raises
    ------
    ShapeError, DTypeError, ParameterError, NonFiniteError
        As :func:`guided_filter`; a colour guide is a ShapeError.
"""


def weighted_guided_filter(
    target: NDArray[Any],
    guide: NDArray[Any],
    *,
    radius: int = 8,
    lam: float = 1e-3,
    border: str = "clipped",
    data_range: float | None = None,
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    precision: str = "double",
) -> NDArray[Any]:
    return _edge_aware_public(
        False,
        target,
        guide,
        radius,
        lam,
        border,
        data_range,
        dtype,
        out,
        precision,
    )


def gradient_domain_guided_filter(
    target: NDArray[Any],
    guide: NDArray[Any],
    *,
    radius: int = 8,
    lam: float = 1e-3,
    border: str = "clipped",
    data_range: float | None = None,
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    precision: str = "double",
) -> NDArray[Any]:
    return _edge_aware_public(
        True,
        target,
        guide,
        radius,
        lam,
        border,
        data_range,
        dtype,
        out,
        precision,
    )


weighted_guided_filter.__doc__ = (
    """Weighted guided filter (WGIF, Li et al. 2015): the guided filter with ``eps`` replaced
    per window by ``lam / Gamma``, where ``Gamma`` (from the guide's 3x3 variance, mean 1) is
    large at edges and small in flat regions, so edges are kept and flat regions smoothed more.
"""
    + _COMMON_DOC
    + """
    References
    ----------
    Z. Li, J. Zheng, Z. Zhu, W. Yao, S. Wu. Weighted guided image filtering. IEEE TIP 24(1),
    2015.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> g = np.random.default_rng(0).random((32, 32), dtype=np.float32)
    >>> jf.weighted_guided_filter(g, g, radius=4, lam=1e-2).shape
    (32, 32)
    """
)

gradient_domain_guided_filter.__doc__ = (
    """Gradient-domain guided filter (GDGIF, Kou et al. 2015): per-window ``eps = lam /
    Gamma_hat`` from a multi-scale edge indicator ``chi = sigma_1 sigma_r`` of the guide, and the
    slope pulled towards ``gamma`` (near 1 at edges, near 0 in flat regions):
    ``a = (cov + eps gamma) / (var + eps)``. Edges are kept sharper than by the guided filter.
"""
    + _COMMON_DOC
    + """
    References
    ----------
    F. Kou, W. Chen, C. Wen, Z. Li. Gradient domain guided image filtering. IEEE TIP 24(11),
    2015.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> g = np.random.default_rng(0).random((32, 32), dtype=np.float32)
    >>> jf.gradient_domain_guided_filter(g, g, radius=4, lam=1e-2).shape
    (32, 32)
    """
)
