"""Building blocks of :func:`~jointfilter.restoration.restore` for chunked (Dask) execution.

``restore()`` runs a task on the whole image. To run it chunk by chunk with the same result,
``jointfilter.dask.restore`` needs three things from each task, which this module exposes
without changing ``restore()``:

* **footprints**: how far from an output pixel the task reads (:func:`task_footprint`), in
  pixels, for the effective (resolved) parameters, and the grid the fast guided filter needs
  (:func:`task_alignment`);
* **global estimates** as per-chunk partial results that add up (or merge) to the whole-image
  value: the noise level (:func:`noise_partial`), dehazing's airlight
  (:func:`dark_channel`, :func:`airlight_from`), the blur radius of ``flash_deblur``
  (:func:`deblur_partial`), the gain of ``structure_transfer`` (:func:`gain_partial`), the SURE
  table of the generic task (:func:`sure_partial`, :func:`sure_probe`) and the image means of
  WGIF/GDGIF (:func:`edge_aware_partial`);
* **the per-pixel pass with the global estimates given** (:func:`run_task_block`), which is the
  task function itself wherever the task has no global estimate, and otherwise the task's
  code with the estimate passed in.

Every function works on float32 data in [0, 1] (the units of the task functions).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._edge_aware import EPS_W, gdgif_chi, local_variance
from .._morphology import min_filter
from ._common import coarse_radius, luminance
from ._edge_aware import gdgif_given, wgif_given
from ._tasks import TASK_FUNCTIONS, _as3, _blur3, _gf, generic, nir_dehaze

__all__ = [
    "SURE_SEED",
    "airlight_from",
    "dark_channel",
    "deblur_partial",
    "edge_aware_partial",
    "gain_from_moments",
    "gain_partial",
    "gf_footprint",
    "noise_partial",
    "run_task_block",
    "sure_choice",
    "sure_partial",
    "sure_probe",
    "task_alignment",
    "task_footprint",
]

F32 = NDArray[np.float32]

#: seed of the +-1 probe of the generic task's SURE search (``sure_guided_filter``'s default)
SURE_SEED = 0


# ----------------------------------------------------------------------------- footprints
def gf_footprint(radius: int, subsample: int = 1) -> int:
    """Pixels a guided filter reads around an output pixel (its halo for exact chunking).

    ``2 * radius`` (the coefficients are window means, then averaged over a window); with
    ``subsample = s > 1`` (fast guided filter) ``s * (2 r' + 2)``, ``r' = max(1, floor(r/s +
    0.5))``, valid when every chunk starts on the decimation grid (multiples of ``s``).
    """
    if radius == 0:
        return 0
    if subsample <= 1:
        return 2 * radius
    return subsample * (2 * coarse_radius(radius, subsample) + 2)


def _coarse_flash_reach(p: dict[str, Any], s: int) -> int:
    """Coarse pixels the coarse-grid iteration of ``flash_denoise`` reads around a coarse pixel."""
    fit = 2 * coarse_radius(p["radius"], s)
    diffusion = max(1, p["n_diffusion"]) * fit
    if p["n_residual"] <= 0:
        return diffusion
    residual = coarse_radius(p["relight_radius"], s) + p["n_residual"] * fit
    return max(diffusion, residual) + coarse_radius(p["blend_radius"], s, 0)


def task_alignment(task: str | None, p: dict[str, Any]) -> int:
    """Grid (pixels) chunk starts must lie on: the fast guided filter's ``subsample``."""
    if task in ("flash_denoise", "nir_dehaze", "day_night", "structure_transfer"):
        if task == "nir_dehaze" and p["refine"] != "gf":
            return 1
        return int(p["subsample"])
    return 1


def task_footprint(task: str | None, p: dict[str, Any], stage: str = "output") -> int:
    """Halo (pixels) a task needs for an exact chunked result, from its effective parameters.

    Parameters
    ----------
    task : str or None
        Task name (None = generic).
    p : dict
        Effective parameters (after :func:`restore`'s resolution and the global estimates,
        e.g. the chosen ``blur_radius`` or the SURE-chosen ``radius``).
    stage : {"output", "estimate"}
        ``"output"``: the per-pixel pass; ``"estimate"``: the pass that gathers the global
        estimate (``flash_deblur``'s blur search, the SURE table, ...).

    Returns
    -------
    int
        Footprint radius in output pixels (for ``depth_upsample``: guide pixels).
    """
    s = int(p.get("subsample", 1))
    if task == "flash_denoise":
        if s > 1:  # the iteration on the coarse grid, then one bilinear upsampling
            return s * (_coarse_flash_reach(p, s) + 2)
        gf = gf_footprint(p["radius"], s)
        diffusion = max(1, p["n_diffusion"]) * gf
        if p["n_residual"] <= 0:
            return diffusion
        residual = p["relight_radius"] + p["n_residual"] * gf
        return max(diffusion, residual) + p["blend_radius"]
    if task == "flash_deblur":
        br = p["max_blur_radius"] if stage == "estimate" else p["blur_radius"]
        return 3 * int(br) + 2 * p["radius"]
    if task == "nir_dehaze":
        if stage == "estimate":
            return p["patch_radius"]
        if p["refine"] == "msjf":
            refine = 2 * p["radius"] * 5  # 5 iterations, 2 box passes of `radius` each
        else:
            refine = gf_footprint(p["radius"], s)
        fp = p["patch_radius"] + refine
        if p["nir_detail"] > 0:
            fp = max(fp, p["detail_radius"])
        return fp
    if task in ("day_night", "structure_transfer"):
        return gf_footprint(p["radius"], s)
    if task == "depth_upsample":
        # the low-resolution denoising reads 2 * denoise_radius depth pixels = f times more
        fp = 2 * p["denoise_radius"] * int(p.get("factor", 1)) + p["iterations"] * 2 * p["radius"]
        if p["snap_radius"] > 0:
            fp += p["snap_radius"] + 2 * max(1, p["radius"] // 2)
        return fp
    if task is None:
        method = p["method"]
        if method == "gf":
            if stage == "estimate":
                return 2 * max(p["radii"])
            return 2 * p["radius"]
        if method == "msjf":
            return 2 * p["radius"] * p["iterations"]
        if method == "wgif":
            return 1 if stage == "estimate" else 2 * p["radius"] + 1
        # gdgif: chi reads max(1, r); the coefficients 2 r more
        reach = max(1, p["radius"])
        return reach if stage == "estimate" else reach + 2 * p["radius"]
    raise ValueError(f"unknown task {task!r}")


# ----------------------------------------------------------------------------- noise
def noise_partial(
    x: NDArray[Any],
    keep: tuple[slice, slice],
    origin: tuple[int, int],
    full: tuple[int, int],
    data_range: float | None = None,
) -> np.ndarray:
    """Immerkaer's estimate over a chunk's pixels, weighted by their count: ``[sigma * n, n]``.

    Immerkaer's sigma is ``sqrt(pi/2) / (6 N) * sum |I * M|`` over the ``N`` pixels one pixel
    inside the image, so it is the count-weighted mean of the estimates over any partition of
    those pixels. Each chunk runs :func:`~jointfilter.restoration.estimate_noise` on its own
    interior pixels plus their one-pixel ring (taken from the halo), so summing the parts and
    dividing gives the whole-image estimate (to float64 rounding).

    Parameters
    ----------
    x : ndarray (h, w) or (h, w, C)
        Padded chunk, as ``restore`` hands it to ``estimate_noise`` (raw integers, or float32
        in [0, 1]).
    keep : (slice, slice)
        The chunk's own pixels inside the padded array.
    origin : (int, int)
        Global row and column of ``keep``'s first pixel.
    full : (int, int)
        Global image height and width.
    data_range : float, optional
        As in ``estimate_noise``.

    Returns
    -------
    ndarray (2,)
        ``[sigma_chunk * n, n]`` with ``n`` the chunk's interior pixel count (0 if none).
    """
    from ._noise import estimate_noise

    (r0, r1), (c0, c1) = _interior(keep, origin, full)
    if r1 <= r0 or c1 <= c0:
        return np.zeros(2)
    n = float((r1 - r0) * (c1 - c0))
    sigma = estimate_noise(x[r0 - 1 : r1 + 1, c0 - 1 : c1 + 1], data_range=data_range)
    return np.array([sigma * n, n])


def _interior(
    keep: tuple[slice, slice], origin: tuple[int, int], full: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Local index ranges of the kept pixels that are 1 pixel inside the whole image."""
    ranges = []
    for sl, o, n in zip(keep, origin, full, strict=True):
        lo, hi = sl.start, sl.stop
        g_lo, g_hi = o, o + (hi - lo)  # global range of the kept pixels
        a, b = max(g_lo, 1), min(g_hi, n - 1)
        ranges.append((lo + a - g_lo, lo + b - g_lo))
    return ranges[0], ranges[1]


# ----------------------------------------------------------------------------- dehazing
def dark_channel(rgb: F32, patch_radius: int) -> F32:
    """Dark channel ``min_filter(min_c rgb, patch_radius)`` (as in ``nir_dehaze``)."""
    return min_filter(_as3(rgb).min(axis=2), patch_radius)


def airlight_from(candidates: F32) -> F32:
    """``nir_dehaze``'s airlight from its candidate colours (rows), in candidate order."""
    air = candidates[np.argmax(candidates.sum(axis=1))].astype(np.float32)
    return np.maximum(air, 1e-3)


# ----------------------------------------------------------------------------- flash_deblur
def deblur_partial(t: F32, g: F32, p: dict[str, Any], keep: tuple[slice, slice]) -> np.ndarray:
    """Sums of the local-fit residual ``(a gb + b - ty)^2`` for blur radii ``0..max``.

    Divided by the pixel count they are the errors ``flash_deblur`` compares when
    ``blur_radius="auto"``.
    """
    gy = np.ascontiguousarray(luminance(g))
    ty = luminance(t) if t.ndim == 3 else t
    out = np.zeros(p["max_blur_radius"] + 1, np.float64)
    for r in range(p["max_blur_radius"] + 1):
        gb = _blur3(gy, r) if r > 0 else gy
        fit = _gf(ty, gb, p["radius"], p["eps"], precision=p["precision"])
        out[r] = np.square(fit - ty)[keep].sum(dtype=np.float64)
    return out


def deblur_choice(errors: np.ndarray) -> int:
    """``flash_deblur``'s blur radius from the mean errors per radius (same rule)."""
    best, best_err = 0, np.inf
    for r, err in enumerate(errors):
        if err < best_err * 0.995:
            best, best_err = r, float(err)
    return best


# ----------------------------------------------------------------------------- structure gain
_SHIFT = 0.5  # moments are accumulated about 0.5 (data in [0, 1]) to limit cancellation


def gain_partial(t: F32, g: F32, p: dict[str, Any], keep: tuple[slice, slice]) -> np.ndarray:
    """Moment sums of ``structure_transfer``'s automatic gain over the kept pixels.

    Returns ``[n, S_s, S_ss, S_x[c]..., S_xx[c]..., S_xs[c]...]`` of ``s = S(G) - 0.5`` (the
    smoothed guide) and ``x = T - 0.5`` per channel, in float64.
    """
    gy = np.ascontiguousarray(luminance(g))
    sg = _gf(
        gy,
        gy,
        p["radius"],
        p["eps"],
        p["subsample"],
        precision=p["precision"],
        decimation=p["decimation"],
    )
    s = sg[keep].astype(np.float64).ravel() - _SHIFT
    t3 = _as3(t)[keep].astype(np.float64)
    x = t3.reshape(-1, t3.shape[2]) - _SHIFT
    return np.concatenate(
        [
            [float(s.size), s.sum(), (s * s).sum()],
            x.sum(axis=0),
            (x * x).sum(axis=0),
            (x * s[:, None]).sum(axis=0),
        ]
    )


def gain_from_moments(m: np.ndarray, channels: int) -> np.ndarray:
    """Per-channel gains (``_global_gain``'s rule) from summed :func:`gain_partial` moments."""
    n, ss, sss = m[0], m[1], m[2]
    sx, sxx, sxs = m[3 : 3 + channels], m[3 + channels : 3 + 2 * channels], m[3 + 2 * channels :]
    ms = ss / n
    vs = sss / n - ms * ms + 1e-12
    gains = []
    for c in range(channels):
        mx = sx[c] / n
        cov = sxs[c] / n - mx * ms
        vx = sxx[c] / n - mx * mx
        corr = cov / np.sqrt(vs * (vx + 1e-12))
        gains.append(cov / vs if abs(corr) >= 0.3 else np.sqrt(vx / vs))
    return np.asarray(gains, np.float32)


# ----------------------------------------------------------------------------- generic: SURE
def sure_probe(full: tuple[int, int], rows: tuple[int, int], cols: tuple[int, int]) -> F32:
    """Rows ``rows`` and columns ``cols`` of ``sure_guided_filter``'s +-1 probe.

    The probe is ``default_rng(0).choice([-1, 1], size=(H, W))``; each value takes one 32-bit
    draw of the PCG64 stream, so any window is generated by advancing the stream to its
    offset (checked against the whole probe in the tests).
    """
    w = full[1]
    vals = np.array([-1.0, 1.0], np.float32)
    r0, r1 = rows
    c0, c1 = cols
    out = np.empty((r1 - r0, c1 - c0), np.float32)

    def draw(offset: int, n: int) -> np.ndarray:
        bg = np.random.PCG64(SURE_SEED)
        gen = np.random.Generator(bg)
        bg.advance(offset // 2)
        if offset % 2:
            gen.integers(0, 2, size=1, dtype=np.int64)
        return vals[gen.integers(0, 2, size=n, dtype=np.int64)]

    if c0 == 0 and c1 == w:
        out[...] = draw(r0 * w, (r1 - r0) * w).reshape(out.shape)
    else:
        for i, r in enumerate(range(r0, r1)):
            out[i] = draw(r * w + c0, c1 - c0)
    return out


def _sure_guides(g: F32) -> list[tuple[str, F32]]:
    guides = [("gray", np.ascontiguousarray(luminance(g)))]
    if g.ndim == 3:
        guides.append(("color", np.ascontiguousarray(g)))
    return guides


def sure_partial(
    t: F32, g: F32, probe: F32, p: dict[str, Any], keep: tuple[slice, slice]
) -> np.ndarray:
    """Per candidate (guide mode, radius, eps): ``sum (q - t)^2`` and ``sum b * W b``.

    Returns an array ``(modes, radii, eps, 2)`` of float64 sums over the kept pixels.
    """
    guides = _sure_guides(g)
    out = np.zeros((len(guides), len(p["radii"]), len(p["eps_list"]), 2), np.float64)
    for m, (_, guide) in enumerate(guides):
        for i, r in enumerate(p["radii"]):
            for j, e in enumerate(p["eps_list"]):
                q = _gf(t, guide, r, e)
                out[m, i, j, 0] = np.square(q - t)[keep].sum(dtype=np.float64)
                out[m, i, j, 1] = (probe * _gf(probe, guide, r, e))[keep].sum(dtype=np.float64)
    return out


def sure_choice(
    sums: np.ndarray, n_values: int, n_pixels: int, p: dict[str, Any]
) -> tuple[str, int, float]:
    """``generic``'s choice (guide mode, radius, eps) from the summed :func:`sure_partial`.

    Same rule as ``sure_guided_filter`` + ``generic``: the smallest risk per guide mode, then
    the mode whose table minimum (rounded to 8 decimals) is smallest, gray first on ties.
    """
    s2 = float(p["noise_sigma"]) ** 2
    modes = ["gray", "color"][: sums.shape[0]]
    best_risk, choice = np.inf, ("gray", p["radii"][0], p["eps_list"][0])
    for m, name in enumerate(modes):
        best, pick, table = np.inf, None, []
        for i, r in enumerate(p["radii"]):
            for j, e in enumerate(p["eps_list"]):
                mse = sums[m, i, j, 0] / n_values
                div = sums[m, i, j, 1] / n_pixels
                risk = float(mse) - s2 + 2.0 * s2 * float(div)
                table.append(round(risk, 8))
                if risk < best:
                    best, pick = risk, (r, e)
        assert pick is not None
        risk_m = min(table)
        if risk_m < best_risk:
            best_risk, choice = risk_m, (name, pick[0], pick[1])
    return choice


# ----------------------------------------------------------------------------- generic: WGIF/GDGIF
def edge_aware_partial(g: F32, p: dict[str, Any], keep: tuple[slice, slice]) -> np.ndarray:
    """Image sums behind WGIF's / GDGIF's global means, over the kept pixels.

    ``wgif``: ``[sum 1/v1]``; ``gdgif``: ``[sum 1/(chi + eps_w), sum chi, min chi]``.
    """
    gy = np.ascontiguousarray(luminance(g))
    if p["method"] == "wgif":
        v1 = local_variance(gy, 1)
        v1 += np.float32(EPS_W)
        return np.array([np.reciprocal(v1)[keep].sum(dtype=np.float64)])
    chi = gdgif_chi(gy, p["radius"])[keep]
    return np.array(
        [
            np.reciprocal(chi + np.float32(EPS_W)).sum(dtype=np.float64),
            chi.sum(dtype=np.float64),
            float(chi.min()),
        ]
    )


# ----------------------------------------------------------------------------- per-pixel pass
def run_task_block(task: str | None, t: F32, g: F32, p: dict[str, Any], est: dict[str, Any]) -> F32:
    """The per-pixel pass of a task on a (padded) chunk, with the global estimates given.

    Parameters
    ----------
    task : str or None
        Task name.
    t, g : ndarray
        Target and guide chunk, float32 in [0, 1], as the task function receives them.
    p : dict
        Effective parameters (``blur_radius`` and ``gain`` already resolved to values).
    est : dict
        Global estimates: ``"airlight"`` (nir_dehaze), ``"mean_inv"`` (wgif),
        ``"gdgif"`` (gdgif), ``"guide_mode"`` (generic gf: the SURE choice).

    Returns
    -------
    ndarray
        The task's float32 result on the chunk.
    """
    if task == "nir_dehaze":
        return nir_dehaze(t, g, p, air=np.asarray(est["airlight"], np.float32))
    if task is None:
        if p["noise_sigma"] < p["min_sigma"]:
            return t.copy()
        method = p["method"]
        gy = np.ascontiguousarray(luminance(g))
        if method == "gf":
            guide = np.ascontiguousarray(g) if est["guide_mode"] == "color" else gy
            return _gf(t, guide, p["radius"], p["eps"])
        if method == "wgif":
            return wgif_given(t, gy, p["radius"], p["eps"], est["mean_inv"])
        if method == "gdgif":
            return gdgif_given(t, gy, p["radius"], p["eps"], est["gdgif"])
        return generic(t, g, dict(p))  # msjf: no global estimate
    return TASK_FUNCTIONS[task](t, g, dict(p))


def scaled_depth(depth: int, align: int) -> int:
    """`depth` rounded up to a multiple of `align`."""
    return int(math.ceil(depth / align) * align) if align > 1 else int(depth)
