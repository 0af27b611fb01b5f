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

from .. import guided_filter
from .._morphology import max_filter, min_filter
from ._common import bilinear_resize, box_mean, luminance
from ._edge_aware import gdgif, guided_coefficients, wgif
from ._iterative import iterative_guided_filter
from ._mutual import mutual_structure_filter

__all__ = ["TASK_FUNCTIONS"]

F32 = NDArray[np.float32]


def _gf(x: F32, g: F32, radius: int, eps: float, subsample: int = 1) -> F32:
    return guided_filter(x, g, radius=radius, eps=eps, subsample=subsample, data_range=1.0)


def _as3(x: F32) -> F32:
    return x if x.ndim == 3 else x[:, :, None]


def _match(x: F32, like: F32) -> F32:
    return x[:, :, 0] if like.ndim == 2 and x.ndim == 3 else x


# ----------------------------------------------------------------------------- flash / no-flash
def flash_denoise(t: F32, g: F32, p: dict[str, Any]) -> F32:
    guide = g if (p["guide_mode"] == "color" and g.ndim == 3) else luminance(g)
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
    )
    return out


def _blur3(x: F32, radius: int) -> F32:
    for _ in range(3):
        x = box_mean(x, radius)
    return x


def flash_deblur(t: F32, g: F32, p: dict[str, Any]) -> F32:
    """Fit ``A ~ a F_blur + b`` on a blurred flash, apply the coefficients to the sharp flash."""
    gy = np.ascontiguousarray(luminance(g))
    br = p["blur_radius"]
    if br == "auto":
        br = _estimate_blur_radius(t, gy, p["radius"], p["eps"], p["max_blur_radius"])
    p["blur_radius_used"] = int(br)
    gb = _blur3(gy, int(br)) if br > 0 else gy
    a, b = guided_coefficients(t, gb, p["radius"], p["eps"])
    sharp = gy if t.ndim == 2 else gy[:, :, None]
    out = a * sharp + b
    return out.astype(np.float32)


def _estimate_blur_radius(t: F32, gy: F32, radius: int, eps: float, max_r: int) -> int:
    """Blur of the target relative to the guide: the 3-box radius whose blurred guide best
    explains the target by a local linear fit (smallest mean residual)."""
    ty = luminance(t) if t.ndim == 3 else t
    best, best_err = 0, np.inf
    for r in range(0, max_r + 1):
        gb = _blur3(gy, r) if r > 0 else gy
        a, b = guided_coefficients(ty, gb, radius, eps)
        err = float(np.mean(np.square(a * gb + b - ty)))
        if err < best_err * 0.995:
            best, best_err = r, err
    return best


# ----------------------------------------------------------------------------- dehazing
def nir_dehaze(t: F32, g: F32, p: dict[str, Any]) -> F32:
    rgb = _as3(t)
    nir = np.ascontiguousarray(luminance(g))
    pr = p["patch_radius"]
    dark = min_filter(rgb.min(axis=2), pr)
    n = dark.size
    k = max(1, round(n * 0.001))
    idx = np.argpartition(dark.ravel(), n - k)[n - k :]
    cand = rgb.reshape(-1, rgb.shape[2])[idx]
    air = cand[np.argmax(cand.sum(axis=1))].astype(np.float32)
    air = np.maximum(air, 1e-3)
    p["airlight"] = [round(float(v), 4) for v in air]
    raw_t = 1.0 - p["omega"] * min_filter((rgb / air).min(axis=2), pr)
    refine = p["refine"]
    if refine == "msjf":
        trans, _ = mutual_structure_filter(
            raw_t.astype(np.float32),
            nir,
            radius=p["radius"],
            eps_i=p["eps"],
            eps_g=p["eps"],
            lam_i=1.0,
            lam_g=30.0,
            iterations=5,
        )
    else:
        trans = _gf(raw_t.astype(np.float32), nir, p["radius"], p["eps"], p["subsample"])
    trans = np.maximum(trans, p["t0"])[:, :, None]
    out = (rgb - air) / trans + air
    if p["nir_detail"] > 0:
        r = p["detail_radius"]
        detail = nir - box_mean(nir, r)
        out = out + p["nir_detail"] * detail[:, :, None]
    return _match(out.astype(np.float32), t)


# ----------------------------------------------------------------------------- base / detail
def _detail_guide(g: F32, t: F32, mode: str) -> F32:
    if mode == "rgb" and g.ndim == 3 and t.ndim == 3 and g.shape[2] == t.shape[2]:
        return g
    gy = luminance(g)
    return gy if t.ndim == 2 else np.repeat(gy[:, :, None], t.shape[2], axis=2)


def day_night(t: F32, g: F32, p: dict[str, Any]) -> F32:
    """Multiplicative base/detail transfer: ``S(T) * ((G + d) / (S(G) + d)) ** k``."""
    gd = _detail_guide(g, t, p["detail"])
    r, eps, delta, k = p["radius"], p["eps"], p["delta"], p["strength"]
    gy = np.ascontiguousarray(luminance(g))
    base = _gf(t, gy, r, eps, p["subsample"])
    smooth_g = _gf(np.ascontiguousarray(gd), gy, r, eps, p["subsample"])
    ratio = (gd + delta) / (smooth_g + delta)
    if k != 1.0:
        ratio = np.power(np.maximum(ratio, 0.0), k)
    return (base * ratio).astype(np.float32)


def structure_transfer(t: F32, g: F32, p: dict[str, Any]) -> F32:
    """Additive base/detail transfer ``S(T) + strength * gain * (G - S(G))``."""
    gy = np.ascontiguousarray(luminance(g))
    r, eps = p["radius"], p["eps"]
    smooth_g = _gf(gy, gy, r, eps, p["subsample"])
    detail = gy - smooth_g
    base = _gf(t, gy, r, eps, p["subsample"]) if p["guided_base"] else box_mean(t, r)
    gain = p["gain"]
    if gain == "auto":
        gain_v = _global_gain(t, smooth_g)
        p["gain_used"] = [round(float(x), 4) for x in np.atleast_1d(gain_v)]
    else:
        gain_v = np.float32(gain)
    d = detail if t.ndim == 2 else detail[:, :, None]
    return (base + p["strength"] * gain_v * d).astype(np.float32)


def _global_gain(t: F32, sg: F32) -> np.ndarray | np.float32:
    """Per-channel slope of the target against the smoothed guide (contrast ratio if the two
    are uncorrelated, |r| < 0.3)."""
    t3 = _as3(t).reshape(-1, _as3(t).shape[2]).astype(np.float64)
    s = sg.ravel().astype(np.float64)
    s = s - s.mean()
    vs = float(np.mean(s * s)) + 1e-12
    gains = []
    for c in range(t3.shape[1]):
        x = t3[:, c] - t3[:, c].mean()
        cov = float(np.mean(x * s))
        corr = cov / np.sqrt(vs * (float(np.mean(x * x)) + 1e-12))
        gains.append(cov / vs if abs(corr) >= 0.3 else np.sqrt(float(np.mean(x * x)) / vs))
    g = np.asarray(gains, np.float32)
    return g[0] if t.ndim == 2 else g


# ----------------------------------------------------------------------------- depth
def depth_upsample(t: F32, g: F32, p: dict[str, Any]) -> F32:
    """Bilinear upsampling, colour-guided filtering, edge snapping, a final guided pass.

    Snapping: where the local depth range (``max - min`` over ``snap_radius``) exceeds
    ``snap_threshold`` (a depth edge), each pixel takes the local min or max, whichever is
    closer, so edges that the guided filter left as ramps become steps aligned with the guide;
    a guided filter of radius ``max(1, radius // 2)`` then re-smooths along the guide.
    """
    h, w = g.shape[:2]
    up = bilinear_resize(t, (h, w)) if t.shape[:2] != (h, w) else t.copy()
    guide = g if (p["guide_mode"] == "color" and g.ndim == 3) else luminance(g)
    guide = np.ascontiguousarray(guide)
    out = up
    for _ in range(p["iterations"]):
        out = _gf(out, guide, p["radius"], p["eps"], 1)
    if p["snap_radius"] > 0:
        lo = min_filter(out, p["snap_radius"])
        hi = max_filter(out, p["snap_radius"])
        snap = np.where(np.abs(out - lo) < np.abs(out - hi), lo, hi)
        out = np.where(hi - lo > p["snap_threshold"], snap, out).astype(np.float32)
        out = _gf(out, guide, max(1, p["radius"] // 2), p["eps"], 1)
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


def generic(t: F32, g: F32, p: dict[str, Any]) -> F32:
    """Joint restoration driven by the target's noise level (see docs/restore.md)."""
    if p["noise_sigma"] < p["min_sigma"]:
        return t.copy()
    gy = np.ascontiguousarray(luminance(g))
    method = p["method"]
    if method == "msjf":
        chans = []
        for c in range(1 if t.ndim == 2 else t.shape[2]):
            tc = t if t.ndim == 2 else np.ascontiguousarray(t[:, :, c])
            new_c, _ = mutual_structure_filter(
                tc,
                gy,
                radius=p["radius"],
                eps_i=p["eps"],
                eps_g=p["eps"],
                lam_i=p["lam"],
                lam_g=30.0,
                iterations=p["iterations"],
            )
            chans.append(new_c)
        return chans[0] if t.ndim == 2 else np.stack(chans, axis=2)
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


TASK_FUNCTIONS: dict[str | None, Callable[[F32, F32, dict[str, Any]], F32]] = {
    None: generic,
    "flash_denoise": flash_denoise,
    "flash_deblur": flash_deblur,
    "nir_dehaze": nir_dehaze,
    "day_night": day_night,
    "structure_transfer": structure_transfer,
    "depth_upsample": depth_upsample,
}
