"""The six restoration tasks and the generic default, on float32 [0, 1] data.

Each task is a function ``fn(target, guide, params) -> result`` working on float32 images in
[0, 1]; :func:`jointfilter.restore` validates, converts and resolves ``params`` (see
:data:`PRESETS`). Radii in the presets are for a 512-pixel short side and scale linearly with
the image; every eps is in [0, 1]**2 units (i.e. relative to the data range).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _core, _scratch, guided_filter
from .._morphology import max_filter, min_filter
from ._common import bilinear_resize, box_mean, filter_precision, from_unit, luminance, to_unit
from ._edge_aware import gdgif, wgif
from ._fast import (
    BLOCK_VALUES,
    Finish,
    as_rows,
    blocked,
    channel_min,
    clip_below,
    expand,
    parallel_rows,
    row_blocks,
    tile_row,
)
from ._iterative import coarse_flash, iterative_guided_filter
from ._mutual import mutual_structure_channels, mutual_structure_filter

__all__ = ["FINISHING", "GUIDE_CACHING", "RAW_INPUT_TASKS", "TASK_FUNCTIONS"]

F32 = NDArray[np.float32]


def _gf(
    x: F32,
    g: F32,
    radius: int,
    eps: float,
    subsample: int = 1,
    out: F32 | None = None,
    precision: str = "double",
    decimation: str = "nearest",
) -> F32:
    prec = filter_precision(precision, eps)
    return guided_filter(
        x,
        g,
        radius=radius,
        eps=eps,
        subsample=subsample,
        data_range=1.0,
        out=_scratch.empty(x.shape) if out is None else out,
        precision=prec,
        decimation=decimation,
    )


def _luma(g: F32, luma: F32 | None) -> F32:
    """The guide's luma, contiguous: `luma` when the caller computed it already."""
    return np.ascontiguousarray(luminance(g) if luma is None else luma)


def _row_values(x: np.ndarray) -> int:
    return x.shape[1] * (x.shape[2] if x.ndim == 3 else 1)


def _as3(x: F32) -> F32:
    return x if x.ndim == 3 else x[:, :, None]


def _match(x: F32, like: F32) -> F32:
    return x[:, :, 0] if like.ndim == 2 and x.ndim == 3 else x


def _fused_scale(finish: Finish | None) -> float | None:
    """The ``scale`` of a C++ fused last step (``restore_steps.hpp``: the task's float32
    formula and :meth:`Finish.store`, bit for bit), or None when the output dtype needs the
    NumPy path (float64)."""
    if finish is None or finish.identity:
        return 1.0  # the float32 result itself
    return float(finish.scale) if finish.core else None


# ----------------------------------------------------------------------------- flash / no-flash
def flash_denoise(
    t: np.ndarray,
    g: np.ndarray,
    p: dict[str, Any],
    luma: F32 | None = None,
    finish: Finish | None = None,
    target_range: float | None = None,
    guide_range: float | None = None,
    cache: dict[Any, Any] | None = None,
) -> np.ndarray:
    """`t` is float32 [0, 1], or (``target_range`` given) the caller's integer target: the
    coarse grid reads it as is, the exact iteration converts it. `g` likewise: float32 [0, 1],
    or (``guide_range`` given) the caller's integer 3-channel guide, which the coarse grid's
    colour path decimates and applies to as it is and every other path converts. A fixed
    guide's `cache` keeps its coarse grid."""
    color = p["guide_mode"] == "color" and g.ndim == 3
    coarse = p["subsample"] > 1
    raw_flash = None
    if guide_range is not None:
        if coarse and color:
            raw_flash = (g, guide_range)
        else:  # this path filters the float32 guide
            g = to_unit(g, guide_range)
            luma = None
    guide = g if color else _luma(g, luma)
    flash_low = None
    if coarse:
        key = ("flash_low", p["subsample"], p["decimation"], color, raw_flash is not None)
        flash_low = _guide_only(
            cache,
            key,
            lambda: coarse_flash(guide, p["subsample"], p["decimation"], raw_flash),
        )
    out, _ = iterative_guided_filter(
        t,
        np.ascontiguousarray(guide),
        radius=p["radius"],
        eps=p["eps"],
        noise_var=p["noise_sigma"] ** 2,
        n_diffusion=p["n_diffusion"],
        n_residual=p["n_residual"],
        relight_radius=p["relight_radius"],
        blend_radius=p["blend_radius"],
        subsample=p["subsample"],
        decimation=p["decimation"],
        precision=p["precision"],
        return_parts=False,
        finish=finish,
        ambient_range=target_range,
        raw_flash=raw_flash,
        flash_low=flash_low,
    )
    return out


def _blur3(x: F32, radius: int) -> F32:
    for _ in range(3):
        x = box_mean(x, radius)
    return x


def flash_deblur(t: F32, g: F32, p: dict[str, Any], luma: F32 | None = None) -> F32:
    """Fit ``A ~ a F_blur + b`` on a blurred flash, apply the coefficients to the sharp flash."""
    gy = _luma(g, luma)
    br = p["blur_radius"]
    if br == "auto":
        br = _estimate_blur_radius(
            t, gy, p["radius"], p["eps"], p["max_blur_radius"], p["precision"]
        )
    p["blur_radius_used"] = int(br)
    gb = _blur3(gy, int(br)) if br > 0 else gy
    # the coefficients fitted on the blurred flash, applied to the sharp flash
    prec = filter_precision(p["precision"], p["eps"])
    return guided_filter(
        t, gb, radius=p["radius"], eps=p["eps"], data_range=1.0, apply_guide=gy, precision=prec
    )


def _estimate_blur_radius(
    t: F32, gy: F32, radius: int, eps: float, max_r: int, precision: str = "double"
) -> int:
    """Blur of the target relative to the guide: the 3-box radius whose blurred guide best
    explains the target by a local linear fit (smallest mean residual)."""
    ty = luminance(t) if t.ndim == 3 else t
    best, best_err = 0, np.inf
    for r in range(0, max_r + 1):
        gb = _blur3(gy, r) if r > 0 else gy
        err = float(np.mean(np.square(_gf(ty, gb, radius, eps, precision=precision) - ty)))
        if err < best_err * 0.995:
            best, best_err = r, err
    return best


# ----------------------------------------------------------------------------- dehazing
#: share of the pixels with the largest dark channel whose brightest colour is the airlight
AIRLIGHT_SHARE = 0.001


def airlight(rgb: F32, dark: F32) -> F32:
    """Colour of largest ``R + G + B`` among the ``k = round(0.001 N)`` largest-dark pixels.

    The selection is ``np.argpartition(dark, N - k)[N - k:]`` (He et al.'s rule); with ties
    at the k-th value the chosen subset is NumPy's. :func:`_airlight_fast` finds the same
    colour from the few pixels above a sampled threshold whenever the choice among tied
    pixels cannot matter (nearly always); otherwise the full ``argpartition`` runs.
    """
    flat = dark.ravel()
    n = flat.size
    k = max(1, round(n * AIRLIGHT_SHARE))
    colours = rgb.reshape(-1, rgb.shape[2])
    air = _airlight_fast(colours, flat, k)
    if air is None:
        idx = np.argpartition(flat, n - k)[n - k :]
        cand = colours[idx]
        air = cand[np.argmax(cand.sum(axis=1))]
    return np.maximum(np.asarray(air, np.float32), np.float32(1e-3))


def _unique_top(cand: np.ndarray) -> np.ndarray | None:
    """The colour of largest sum if every row attaining that sum has the same colour."""
    if not len(cand):
        return None
    sums = cand.sum(axis=1)
    top = cand[sums == sums.max()]
    return top[0] if bool((top == top[0]).all()) else None


def _airlight_fast(colours: F32, flat: F32, k: int, max_pool: int = 1 << 16) -> F32 | None:
    n = flat.size
    if n < 64 * k:
        return None
    # a threshold below the k-th largest value: the 4k-th largest of a 1/16 sample, scaled
    sample = flat[::16]
    rank = min(sample.size - 1, sample.size - 1 - (4 * k) // 16)
    thr = np.partition(sample, rank)[rank]
    pool = np.flatnonzero(flat >= thr)
    if not k <= pool.size <= max_pool:
        return None
    vals = flat[pool]
    d_k = np.partition(vals, pool.size - k)[pool.size - k]  # the k-th largest of all pixels
    strict = pool[vals > d_k]
    tied = pool[vals == d_k]
    need = k - strict.size  # tied pixels argpartition takes (>= 1), which ones is NumPy's
    tied_c = colours[tied]
    if tied.size == need:  # all tied pixels are taken: the set is known
        return _unique_top(np.concatenate([colours[strict], tied_c]))
    if bool((tied_c == tied_c[0]).all()):  # any subset of the tied pixels has one colour
        return _unique_top(np.concatenate([colours[strict], tied_c[:1]]))
    strict_c = colours[strict]
    if strict.size and strict_c.sum(axis=1).max() > tied_c.sum(axis=1).max():
        return _unique_top(strict_c)  # no tied pixel can win
    return None


def nir_dehaze(
    t: F32,
    g: F32,
    p: dict[str, Any],
    luma: F32 | None = None,
    finish: Finish | None = None,
    air: F32 | None = None,
) -> np.ndarray:
    """Dark-channel dehazing refined under the NIR guide; `air` skips the airlight estimate
    (given when the image is processed in chunks and the airlight comes from the whole)."""
    rgb = _as3(t)
    nir = _luma(g, luma)
    pr = p["patch_radius"]
    if air is None:
        air = airlight(rgb, min_filter(channel_min(rgb), pr))
    p["airlight"] = [round(float(v), 4) for v in air]
    raw_t = min_filter(channel_min(rgb, air), pr)  # min_c(I / A), then 1 - omega * it
    omega = p["omega"]

    def transmission(sl: slice) -> None:
        r = raw_t[sl]
        np.multiply(omega, r, out=r)
        np.subtract(1.0, r, out=r)

    blocked(transmission, raw_t.shape[0], raw_t.shape[1])
    refine = p["refine"]
    if refine == "msjf":
        trans, _ = mutual_structure_filter(
            raw_t,
            nir,
            radius=p["radius"],
            eps_i=p["eps"],
            eps_g=p["eps"],
            lam_i=1.0,
            lam_g=30.0,
            iterations=5,
        )
    else:
        trans = _gf(
            raw_t,
            nir,
            p["radius"],
            p["eps"],
            p["subsample"],
            precision=p["precision"],
            decimation=p["decimation"],
        )
    detail = p["nir_detail"] > 0
    fuse = finish is not None and not detail  # convert each block to the output dtype
    out = np.empty(rgb.shape, finish.dtype if fuse else np.float32)
    t0, c = p["t0"], rgb.shape[2]
    scale = _fused_scale(finish if fuse else None)
    if scale is not None:  # one C++ pass, J = (I - A) / max(t, t0) + A and the conversion
        air32 = np.ascontiguousarray(air, np.float32)
        _core.restore_dehaze_recover(rgb, trans, air32, float(t0), scale, out)
    else:
        rgb2, out2, air_row = as_rows(rgb), as_rows(out), tile_row(air, rgb.shape[1])

        def recover(sl: slice) -> None:  # J = (I - A) / max(t, t0) + A
            tr = expand(clip_below(trans[sl], t0), c)
            o = (
                np.subtract(rgb2[sl], air_row)
                if fuse
                else np.subtract(rgb2[sl], air_row, out=out2[sl])
            )
            np.divide(o, tr, out=o)
            np.add(o, air_row, out=o)
            if fuse:
                finish.store(o, out2[sl])

        blocked(recover, rgb.shape[0], rgb.shape[1] * c)
    if detail:
        r = p["detail_radius"]
        nir_d = nir - box_mean(nir, r)
        out = out + p["nir_detail"] * nir_d[:, :, None]
        if finish is not None:
            out = from_unit(out, finish.dtype, float(finish.scale))
    return _match(out, t)


# ----------------------------------------------------------------------------- base / detail
def _guide_only(cache: dict[Any, Any] | None, key: tuple[Any, ...], compute: Any) -> F32:
    """`compute()`, or its result kept in `cache` under `key` (a fixed guide's filter)."""
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def day_night(
    t: F32,
    g: F32,
    p: dict[str, Any],
    luma: F32 | None = None,
    finish: Finish | None = None,
    cache: dict[Any, Any] | None = None,
) -> np.ndarray:
    """Multiplicative base/detail transfer: ``S(T) * ((G + d) / (S(G) + d)) ** k``."""
    r, eps, delta, k, s = p["radius"], p["eps"], p["delta"], p["strength"], p["subsample"]
    gy = _luma(g, luma)
    rgb_detail = p["detail"] == "rgb" and g.ndim == 3 and t.ndim == 3 and g.shape[2] == t.shape[2]
    # luma detail: the ratio of the luma serves every channel (filtered once, broadcast)
    gd = g if rgb_detail else gy
    prec, dec = p["precision"], p["decimation"]
    base = _gf(t, gy, r, eps, s, precision=prec, decimation=dec)
    smooth_g = _guide_only(
        cache,
        ("day_night", rgb_detail, r, eps, s, prec, dec),
        lambda: _gf(gd, gy, r, eps, s, precision=prec, decimation=dec),
    )
    c = t.shape[2] if t.ndim == 3 and gd.ndim == 2 else 1  # luma ratio for every channel
    out = base if finish is None else finish.empty(base)
    scale = _fused_scale(finish)
    if k == 1.0 and scale is not None:  # one C++ pass, the formula below and the conversion
        _core.restore_ratio_detail(base, gd, smooth_g, float(delta), scale, out)
        return out
    b2, gd2, sg2 = as_rows(base), as_rows(gd), as_rows(smooth_g)
    o2 = as_rows(out)

    def combine(sl: slice) -> None:
        ratio = np.add(gd2[sl], delta)
        den = clip_below(sg2[sl], 0.0)  # S(G) < 0 is filter overshoot in dark regions
        den += delta
        ratio /= den
        if k != 1.0:
            clip_below(ratio, 0.0, out=ratio)
            np.power(ratio, k, out=ratio)
        b = b2[sl]
        b *= expand(ratio, c)
        if finish is not None:
            finish.store(b, o2[sl])

    blocked(combine, base.shape[0], b2.shape[1])
    return out


def structure_transfer(
    t: F32,
    g: F32,
    p: dict[str, Any],
    luma: F32 | None = None,
    finish: Finish | None = None,
    cache: dict[Any, Any] | None = None,
) -> np.ndarray:
    """Additive base/detail transfer ``S(T) + strength * gain * (G - S(G))``."""
    gy = _luma(g, luma)
    r, eps, s = p["radius"], p["eps"], p["subsample"]
    c = t.shape[2] if t.ndim == 3 else 1
    prec, dec = p["precision"], p["decimation"]
    smooth_g = _guide_only(
        cache,
        ("structure_transfer", r, eps, s, prec, dec),
        lambda: _gf(gy, gy, r, eps, s, precision=prec, decimation=dec),
    )
    if p["guided_base"]:
        base = _gf(t, gy, r, eps, s, precision=prec, decimation=dec)
    else:
        base = box_mean(t, r)
    gain = p["gain"]
    if gain == "auto":
        gain_v = _global_gain(t, smooth_g)
        p["gain_used"] = [round(float(x), 4) for x in np.atleast_1d(gain_v)]
    else:
        gain_v = np.float32(gain)
    kg = p["strength"] * gain_v  # float32, per channel or scalar
    out = base if finish is None else finish.empty(base)
    scale = _fused_scale(finish)
    if scale is not None:  # one C++ pass, the formula below and the conversion
        kg_c = np.ascontiguousarray(np.broadcast_to(kg, (c,)), np.float32)
        _core.restore_add_detail(base, gy, smooth_g, kg_c, scale, out)
        return out
    b2 = as_rows(base)
    kg_row = tile_row(np.broadcast_to(kg, (c,)), t.shape[1])
    o2 = as_rows(out)

    def add_detail(sl: slice) -> None:
        d = expand(np.subtract(gy[sl], smooth_g[sl]), c)
        d *= kg_row
        b = b2[sl]
        b += d
        if finish is not None:
            finish.store(b, o2[sl])

    blocked(add_detail, base.shape[0], b2.shape[1])
    return out


def _global_gain(t: F32, sg: F32) -> np.ndarray | np.float32:
    """Per-channel slope of the target against the smoothed guide (contrast ratio if the two
    are uncorrelated, |r| < 0.3).

    The moments ``sum x, sum x^2, sum x s, sum s, sum s^2`` of the target ``x`` (per channel)
    and the smoothed guide ``s`` are taken about their means on a 1/8 x 1/8 subsample (so
    that the variances do not cancel), summed over row blocks in parallel: float32 within a
    block of rows, float64 across blocks.
    """
    t3 = _as3(t)
    h, w, c = t3.shape
    mx = t3[::8, ::8].reshape(-1, c).mean(axis=0, dtype=np.float64).astype(np.float32)
    ms = np.float32(sg[::8, ::8].mean(dtype=np.float64))
    t2, mx_row = as_rows(t3), tile_row(mx, w)
    parts: list[tuple[int, np.ndarray]] = []

    # the C++ core runs each thread's rows in one pass, with the blocks and float32 / float64
    # sums of the NumPy loop below (bit for bit); that loop remains for other layouts
    core = t3.flags.c_contiguous and sg.flags.c_contiguous
    block_rows = max(1, BLOCK_VALUES // max(1, w * c))

    def moments(r0: int, r1: int) -> None:
        acc = np.zeros((3, w * c))  # sum x, sum x^2, sum x s (per row position)
        acc_s = np.zeros((2, w))  # sum s, sum s^2
        if core:
            _core.restore_gain_moments(t3, sg, mx_row, float(ms), r0, r1, block_rows, acc, acc_s)
        else:
            for sl in row_blocks(r0, r1, w * c):
                x = np.subtract(t2[sl], mx_row)
                sv = np.subtract(sg[sl], ms)
                acc_s[0] += sv.sum(axis=0)
                acc[0] += x.sum(axis=0)
                acc[2] += np.multiply(expand(sv, c), x).sum(axis=0)
                np.square(sv, out=sv)
                acc_s[1] += sv.sum(axis=0)
                np.square(x, out=x)
                acc[1] += x.sum(axis=0)
        s_sums = np.repeat(acc_s.sum(axis=1)[:, None], c, axis=1)
        parts.append((r0, np.concatenate([acc.reshape(3, w, c).sum(axis=1), s_sums])))

    parallel_rows(moments, h, w * c)
    # summed in row order, not in the order the threads finished (same bits for any timing);
    # means: x, x^2, x s, s, s^2 (rows, per channel)
    ordered = [part for _, part in sorted(parts, key=lambda rp: rp[0])]
    tot = np.sum(ordered, axis=0) / float(h * w)
    ex, exx, exs, es, ess = tot
    vs = float(ess[0] - es[0] * es[0]) + 1e-12
    gains = []
    for ch in range(c):
        cov = float(exs[ch] - ex[ch] * es[ch])
        vx = max(float(exx[ch] - ex[ch] * ex[ch]), 0.0)
        corr = cov / np.sqrt(vs * (vx + 1e-12))
        gains.append(cov / vs if abs(corr) >= 0.3 else np.sqrt(vx / vs))
    g = np.asarray(gains, np.float32)
    return g[0] if t.ndim == 2 else g


# ----------------------------------------------------------------------------- depth
def _block_mean(x: F32, f: int) -> F32:
    """Mean over non-overlapping ``f x f`` blocks (the guide at the depth's resolution)."""
    h, w = x.shape[0] // f, x.shape[1] // f
    blocks = x[: f * h, : f * w].reshape(h, f, w, f, *x.shape[2:])
    return np.ascontiguousarray(blocks.mean(axis=(1, 3), dtype=np.float32))


def depth_upsample(t: F32, g: F32, p: dict[str, Any], luma: F32 | None = None) -> F32:
    """Denoising at the depth's resolution, bilinear upsampling, guided filtering, edge snapping.

    Denoising: a guided filter of radius ``denoise_radius`` on the low-resolution depth under
    the guide block-averaged to that resolution, ``denoise_eps`` a quarter of the estimated
    noise variance, so the noise is not spread over ``f x f`` pixels by the upsampling.
    Snapping: where the local depth range (``max - min`` over ``snap_radius``) exceeds
    ``snap_threshold`` (a depth edge), each pixel takes the local min or max, whichever is
    closer, so edges that the guided filter left as ramps become steps aligned with the guide;
    a guided filter of radius ``max(1, radius // 2)`` then re-smooths along the guide.
    """
    h, w = g.shape[:2]
    guide = g if (p["guide_mode"] == "color" and g.ndim == 3) else _luma(g, luma)
    guide = np.ascontiguousarray(guide)
    if p["denoise_radius"] > 0:
        low_guide = _block_mean(guide, h // t.shape[0]) if t.shape[:2] != (h, w) else guide
        t = _gf(t, low_guide, p["denoise_radius"], p["denoise_eps"], 1, precision=p["precision"])
    up = bilinear_resize(t, (h, w)) if t.shape[:2] != (h, w) else t.copy()
    out = up
    for _ in range(p["iterations"]):
        out = _gf(out, guide, p["radius"], p["eps"], 1, precision=p["precision"])
    if p["snap_radius"] > 0:
        lo = min_filter(out, p["snap_radius"])
        hi = max_filter(out, p["snap_radius"])
        snap = np.where(np.abs(out - lo) < np.abs(out - hi), lo, hi)
        out = np.where(hi - lo > p["snap_threshold"], snap, out).astype(np.float32)
        out = _gf(out, guide, max(1, p["radius"] // 2), p["eps"], 1, precision=p["precision"])
    return out.astype(np.float32)


# ----------------------------------------------------------------------------- generic
def sure_guided_filter(
    t: F32, guide: F32, sigma: float, radii: list[int], eps_list: list[float], seed: int = 0
) -> tuple[F32, dict[str, Any]]:
    """Guided filter with (radius, eps) chosen by Stein's unbiased risk estimate.

    With the guide fixed, the guided filter is linear in the target, ``q = W p``, so for white
    noise of std ``sigma`` the risk is ``mean((Wp - p)^2) - sigma^2 + 2 sigma^2 tr(W)/N``;
    ``tr(W)/N`` is estimated with one random +-1 probe ``b`` as ``mean(b * W b)`` (one extra
    guided filter per candidate).
    """
    rng = np.random.default_rng(seed)
    probe = rng.choice(np.array([-1.0, 1.0], np.float32), size=t.shape[:2])
    s2 = float(sigma) ** 2
    best: tuple[float, F32 | None, dict[str, Any]] = (np.inf, None, {})
    table = []
    for r in radii:
        for e in eps_list:
            q = _gf(t, guide, r, e)
            div = float(np.mean(probe * _gf(probe, guide, r, e)))
            risk = float(np.mean(np.square(q - t))) - s2 + 2.0 * s2 * div
            table.append((r, e, round(risk, 8)))
            if risk < best[0]:
                best = (risk, q, {"radius": r, "eps": e})
    assert best[1] is not None
    return best[1], {**best[2], "sure_table": table}


def generic(t: F32, g: F32, p: dict[str, Any], luma: F32 | None = None) -> F32:
    """Joint restoration driven by the target's noise level (see docs/tasks/generic.md)."""
    if p["noise_sigma"] < p["min_sigma"]:
        return t.copy()
    gy = _luma(g, luma)
    method = p["method"]
    if method == "msjf":
        # every channel against the same luma, in one call (no per-channel copies)
        return mutual_structure_channels(
            t,
            gy,
            radius=p["radius"],
            eps_i=p["eps"],
            eps_g=p["eps"],
            lam_i=p["lam"],
            lam_g=30.0,
            iterations=p["iterations"],
        )
    if method == "wgif":
        return wgif(t, gy, p["radius"], p["eps"])
    if method == "gdgif":
        return gdgif(t, gy, p["radius"], p["eps"])
    # "gf": joint guided filter, (guide mode, radius, eps) picked by SURE
    guides = [("gray", gy)]
    if g.ndim == 3:
        guides.append(("color", np.ascontiguousarray(g)))
    best_risk, best_out = np.inf, t
    for name, guide in guides:
        out, info = sure_guided_filter(t, guide, p["noise_sigma"], p["radii"], p["eps_list"])
        risk = min(row[2] for row in info["sure_table"])
        if risk < best_risk:
            best_risk, best_out = risk, out
            p["radius"], p["eps"], p["guide_mode"] = info["radius"], info["eps"], name
    return best_out


#: ``fn(target, guide, params, luma=None) -> result`` on float32 [0, 1] data; ``luma`` is the
#: guide's luma when the caller has it (it is computed otherwise). The functions never write to
#: `target` or `guide`. The tasks in :data:`FINISHING` also take ``finish=Finish(dtype,
#: data_range)`` and then return the result converted to that dtype (fused into their last
#: elementwise step), else float32 [0, 1].
FINISHING = frozenset({"flash_denoise", "nir_dehaze", "day_night", "structure_transfer"})
#: tasks given an integer target as it is (``target_range=``) and an integer 3-channel guide
#: as it is (``guide_range=``; then ``luma=None``): they convert only what they need in float
RAW_INPUT_TASKS = frozenset({"flash_denoise"})
#: tasks with guide-only filters that a fixed guide's state keeps (``cache=`` argument)
GUIDE_CACHING = frozenset({"day_night", "structure_transfer", "flash_denoise"})

TASK_FUNCTIONS: dict[str | None, Callable[..., np.ndarray]] = {
    None: generic,
    "flash_denoise": flash_denoise,
    "flash_deblur": flash_deblur,
    "nir_dehaze": nir_dehaze,
    "day_night": day_night,
    "structure_transfer": structure_transfer,
    "depth_upsample": depth_upsample,
}
