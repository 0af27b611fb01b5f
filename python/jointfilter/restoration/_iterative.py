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

With ``subsample = s > 1`` the whole iteration runs on a coarse grid (:func:`_coarse_iteration`):
``W_F`` is linear in its input for a fixed guide, and each pass adds a field of the form
``a . F + b``; so every branch is ``a . F + b`` (plus the relit flash, itself a per-channel
factor times ``F``), the branches and the blend combine coefficient grids fitted on the
block-mean decimated ``A`` and ``F``, and one bilinear upsampling applies the result to the
full-resolution flash. At ``s = 1`` this is the exact iteration above.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import _core, _scratch, box_filter, guided_filter
from ._common import box_mean, coarse_radius, filter_precision, to_unit
from ._fast import Finish, blocked, from_unit

__all__ = ["iterative_guided_filter", "relit_guide"]

F32 = NDArray[np.float32]


def _w(
    x: F32,
    guide: F32,
    radius: int,
    eps: float,
    subsample: int,
    precision: str,
    out: F32 | None = None,
    decimation: str = "nearest",
) -> F32:
    return guided_filter(
        x,
        guide,
        radius=radius,
        eps=eps,
        subsample=subsample,
        data_range=1.0,
        out=_scratch.empty(x.shape) if out is None else out,
        precision=precision,
        decimation=decimation,
    )


def relit_guide(ambient: F32, flash: F32, radius: int, delta: float = 1e-2) -> F32:
    """The flash image rescaled to the ambient's local mean level (wide box ratio)."""
    f = (
        flash
        if flash.ndim == ambient.ndim
        else (flash[:, :, None] if flash.ndim == 2 else flash.mean(axis=2))
    )
    if f.ndim == 3 and f.shape[2] != ambient.shape[2]:
        f = np.repeat(f[:, :, :1], ambient.shape[2], axis=2)
    num = box_mean(ambient, radius)  # becomes the result: F * (B(A) + d) / (B(F) + d)
    den = box_mean(np.ascontiguousarray(f), radius)

    def step(sl: slice) -> None:
        n = num[sl]
        n += delta
        n /= den[sl] + delta
        n *= f[sl]

    blocked(step, num.shape[0], _row_values(num))
    return num


def _row_values(x: np.ndarray) -> int:
    return x.shape[1] * (x.shape[2] if x.ndim == 3 else 1)


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
    decimation: str = "mean",
    precision: str = "double",
    return_parts: bool = True,
    finish: Finish | None = None,
    ambient_range: float | None = None,
    raw_flash: tuple[np.ndarray, float] | None = None,
    flash_low: F32 | None = None,
) -> tuple[np.ndarray, dict[str, F32]]:
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
        Factor ``s`` of the coarse grid the iteration runs on (1: the exact iteration; see
        the module docstring).
    decimation : {"mean", "nearest"}
        How the ambient and the flash are decimated to the coarse grid: block means or the
        fast guided filter's nearest pixel.
    precision : {"double", "single"}
        Precision of every ``W_F`` (``"single"`` only when ``eps >= SINGLE_MIN_EPS``, see
        :func:`._common.filter_precision`).
    return_parts : bool
        Fill the ``parts`` dict (``False`` skips materialising the blend weight).
    finish : Finish, optional
        Convert the result to this output dtype while blending (see :class:`._fast.Finish`).
    ambient_range, raw_flash
        With ``ambient_range``, `ambient` is integer data of that range (with ``subsample > 1``
        only its coarse grid is ever converted to float); ``raw_flash = (integer flash,
        range)`` stands for `flash` (= that flash / range) where the full-resolution flash is
        read (``subsample > 1``; ignored otherwise).
    flash_low : ndarray, optional
        ``subsample > 1``: the flash's coarse grid (:func:`coarse_flash`), when the caller
        keeps it for a fixed flash.

    Returns
    -------
    out : ndarray
        The combined estimate, shape of `ambient`: float32, or `finish`'s dtype.
    parts : dict
        ``{"diffusion": x_n, "residual": z_n, "weight": w}`` (empty with
        ``return_parts=False``).
    """
    prec = filter_precision(precision, eps)
    if subsample <= 1 and ambient_range is not None:  # the exact iteration filters floats
        ambient = to_unit(ambient, ambient_range)
    if subsample > 1:
        result = _coarse_iteration(
            ambient,
            flash,
            radius,
            eps,
            noise_var,
            n_diffusion,
            n_residual,
            relight_radius,
            blend_radius,
            subsample,
            decimation,
            prec,
            finish,
            ambient_range,
            raw_flash,
            flash_low,
        )
        return result, {}
    x = ambient
    for _ in range(max(1, n_diffusion)):
        x = _w(x, flash, radius, eps, subsample, prec, decimation=decimation)
    if n_residual <= 0:
        parts = {"diffusion": x} if return_parts else {}
        return (x if finish is None else from_unit(x, finish.dtype, float(finish.scale))), parts
    z = relit_guide(ambient, flash, relight_radius)
    rows, row_values = z.shape[0], _row_values(z)
    buf = _scratch.empty(z.shape)  # A - z, then (z - x)^2, then the result
    wz = _scratch.empty(z.shape)  # W_F (A - z), then B[(z - x)^2]

    def residual(sl: slice) -> None:
        np.subtract(ambient[sl], z[sl], out=buf[sl])

    def update(sl: slice) -> None:
        z[sl] += wz[sl]
        np.subtract(ambient[sl], z[sl], out=buf[sl])

    def update_last(sl: slice) -> None:
        zs = z[sl]
        zs += wz[sl]
        b = buf[sl]
        np.subtract(zs, x[sl], out=b)
        np.square(b, out=b)

    blocked(residual, rows, row_values)
    for i in range(n_residual):
        _w(buf, flash, radius, eps, subsample, prec, out=wz, decimation=decimation)
        blocked(update_last if i == n_residual - 1 else update, rows, row_values)
    d2 = box_filter(buf, blend_radius, out=wz)
    s2 = np.float32(max(noise_var, 1e-8))
    weight = _scratch.empty(z.shape) if return_parts else None
    result = buf if finish is None else finish.empty(buf)

    def blend(sl: slice) -> None:  # w z + (1 - w) x, w = s2 / (s2 + d2)
        w = np.add(s2, d2[sl])
        np.divide(s2, w, out=w)
        o = buf[sl]
        np.multiply(w, z[sl], out=o)
        if weight is not None:
            weight[sl] = w
        np.subtract(1.0, w, out=w)
        w *= x[sl]
        o += w
        if finish is not None:
            finish.store(o, result[sl])

    blocked(blend, rows, row_values)
    parts = {"diffusion": x, "residual": z, "weight": weight} if return_parts else {}
    return result, parts


# ----------------------------------------------------------------------------- coarse grid form
def _decimate(x: np.ndarray, s: int, decimation: str, scale: float = 1.0) -> F32:
    """Block means (``"mean"``) or the nearest pixel (``"nearest"``, the core's rule) of `x`
    (float32, or integer data then multiplied by `scale` on the coarse grid)."""
    if decimation == "mean":
        out = np.empty(
            ((x.shape[0] + s - 1) // s, (x.shape[1] + s - 1) // s, *x.shape[2:]), np.float32
        )
        _core.decimate_mean(x, s, out)
    else:
        rows = np.minimum((np.arange(0, x.shape[0], s) + 0.5 * s).astype(np.intp), x.shape[0] - 1)
        cols = np.minimum((np.arange(0, x.shape[1], s) + 0.5 * s).astype(np.intp), x.shape[1] - 1)
        out = np.ascontiguousarray(x[rows][:, cols], np.float32)
    if scale != 1.0:
        out *= np.float32(scale)
    return out


def coarse_flash(
    flash: F32, s: int, decimation: str, raw_flash: tuple[np.ndarray, float] | None = None
) -> F32:
    """The flash on the coarse grid of factor `s` (from `raw_flash` = (data, range) if given)."""
    if raw_flash is None:
        return _decimate(flash, s, decimation)
    return _decimate(raw_flash[0], s, decimation, 1.0 / raw_flash[1])


def _relight_mix(channels: int, guide_channels: int) -> np.ndarray:
    """``M`` with ``relit flash channel c = sum_g M[c, g] F_g`` (:func:`relit_guide`'s rule)."""
    if channels == guide_channels:
        return np.eye(channels)
    m = np.zeros((channels, guide_channels))
    if channels == 1:  # a gray target: the mean of the flash's colours
        m[0, :] = 1.0 / guide_channels
    else:  # otherwise the flash's first channel for every target channel
        m[:, 0] = 1.0
    return m


def _coarse_iteration(
    ambient: F32,
    flash: F32,
    radius: int,
    eps: float,
    noise_var: float,
    n_diffusion: int,
    n_residual: int,
    relight_radius: int,
    blend_radius: int,
    s: int,
    decimation: str,
    precision: str,
    finish: Finish | None,
    ambient_range: float | None = None,
    raw_flash: tuple[np.ndarray, float] | None = None,
    flash_low: F32 | None = None,
) -> np.ndarray:
    """The iteration on an ``s``-times coarser grid, applied once at full resolution.

    `ambient` may be the caller's integer data (of range ``ambient_range``): only its coarse
    grid is ever needed in float. `raw_flash` = (integer flash, range), when given, is
    decimated and applied to in place of the float32 `flash` (same values / range).
    `flash_low` is the flash's coarse grid when the caller has it (:func:`coarse_flash`).
    """
    a_low = _decimate(ambient, s, decimation, 1.0 if ambient_range is None else 1.0 / ambient_range)
    f_low = coarse_flash(flash, s, decimation, raw_flash) if flash_low is None else flash_low
    a3 = a_low if a_low.ndim == 3 else a_low[:, :, None]
    channels, cg = a3.shape[2], (flash.shape[2] if flash.ndim == 3 else 1)
    scale, dtype = 1.0, np.dtype(np.float32)
    if finish is not None and finish.core:
        scale, dtype = float(finish.scale), finish.dtype  # round(scale * value) in the core
    h, w = a3.shape[:2]
    coef = _scratch.empty((h, channels * (cg + 1), 2 * w)).view(np.float64)  # row-planar
    _core.restore_coarse_iterative(
        a3,
        f_low,
        _relight_mix(channels, cg),
        coef,
        radius=coarse_radius(radius, s),
        eps=eps,
        single=precision == "single",
        n_diffusion=max(1, n_diffusion),
        n_residual=n_residual,
        relight_radius=coarse_radius(relight_radius, s),
        blend_radius=coarse_radius(blend_radius, s, 0),
        noise_var=max(noise_var, 1e-8),
        scale=scale,
    )
    apply_to = flash
    if raw_flash is not None:  # a . (F_raw / range) + b: the slopes divided by the range
        apply_to = raw_flash[0]
        coef.reshape(h, channels, cg + 1, w)[:, :, :-1] /= raw_flash[1]
    result = np.empty(ambient.shape, dtype)
    out3 = result if result.ndim == 3 else result[:, :, None]
    _core.apply_coefficients(coef, apply_to, out3, precision == "single")
    if finish is not None and not finish.core:
        return from_unit(result, finish.dtype, float(finish.scale))
    return result
