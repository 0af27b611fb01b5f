"""Focus/blur-measure weight maps (the classical stand-in for the blur-detection CNN).

Pipeline (algorithms note section 8.2), for two planes in [0, 1]:

1. focus maps ``f_n`` (all O(1) per pixel through the box filter):
   ``"sml"``  sum-modified Laplacian (Nayar & Nakagawa 1994), ``B_r[ML * (ML >= T)]``;
   ``"eol"``  energy of Laplacian ``B_r[(lap I)^2]``;
   ``"tenengrad"`` energy of gradient ``B_r[Ix^2 + Iy^2]`` (central differences);
   ``"variance"`` local variance ``B_r[I^2] - B_r[I]^2``;
2. decision ``P = [f_ir > f_vis]`` (ties go to the visible image);
3. refinement ``W = GF(P, guide=(ir + vis) / 2, radius, eps)``, clipped to [0, 1];
4. blending of the (optionally enhanced) sources: Laplacian pyramid with Liu et al.'s
   match/selection rule (default), GFF's two-scale rule, or a plain per-pixel weighted mean.
"""

from __future__ import annotations

import numpy as np

from .. import _core
from .. import _validate as v
from .._filters import box_filter, guided_filter
from ..errors import ParameterError
from ._blend import pyramid_blend, two_scale_blend
from ._common import (
    normalise_complement,
    normalise_weights,
    refine_precision,
    scratch,
    use_core,
)
from ._gff import gff_weights

__all__ = ["BLEND_MODES", "FOCUS_MEASURES", "blend_with_decision", "focus_measure", "refine"]

FOCUS_MEASURES = ("sml", "eol", "tenengrad", "variance")
BLEND_MODES = ("pyramid", "two_scale", "weighted")


def focus_measure(
    x: np.ndarray, measure: str = "sml", *, radius: int = 4, threshold: float = 0.0
) -> np.ndarray:
    """Per-pixel focus (sharpness) score of a plane in [0, 1]; larger = sharper.

    Parameters
    ----------
    x : ndarray (H, W)
        float32 plane.
    measure : {"sml", "eol", "tenengrad", "variance"}
        See the module docstring.
    radius : int
        Half-width of the box window the score is accumulated over.
    threshold : float
        SML threshold ``T`` (in [0, 1] units); ignored by the other measures.
    """
    if measure not in FOCUS_MEASURES:
        names = ", ".join(repr(m) for m in FOCUS_MEASURES)
        raise ParameterError(f"measure must be one of {names}; got {measure!r}.")
    if use_core() and x.ndim == 2 and x.dtype == np.float32:
        out = scratch(x.shape)
        if out.size:
            code = FOCUS_MEASURES.index(measure)
            _core.fusion_focus_measure(v.core_ready(x), code, int(radius), float(threshold), out)
        return out
    return _numpy_focus_measure(x, measure, radius=radius, threshold=threshold)


def _numpy_focus_measure(
    x: np.ndarray, measure: str = "sml", *, radius: int = 4, threshold: float = 0.0
) -> np.ndarray:
    p = np.pad(x, 1, mode="edge")
    left, right = p[1:-1, :-2], p[1:-1, 2:]
    up, down = p[:-2, 1:-1], p[2:, 1:-1]
    if measure == "sml":
        ml = np.abs(2.0 * x - left - right) + np.abs(2.0 * x - up - down)
        if threshold > 0.0:
            ml = np.where(ml >= threshold, ml, 0.0)
        e = ml
    elif measure == "eol":
        e = (left + right + up + down - 4.0 * x) ** 2
    elif measure == "tenengrad":
        e = 0.25 * ((right - left) ** 2 + (down - up) ** 2)
    elif measure == "variance":
        m = box_filter(x, radius, border="edge")
        e2 = box_filter(x * x, radius, border="edge")
        return np.maximum(e2 - m * m, 0.0).astype(np.float32)
    else:
        names = ", ".join(repr(m) for m in FOCUS_MEASURES)
        raise ParameterError(f"measure must be one of {names}; got {measure!r}.")
    return box_filter(np.ascontiguousarray(e, dtype=np.float32), radius, border="edge")


def refine(
    decision: np.ndarray,
    guide: np.ndarray,
    *,
    radius: int = 8,
    eps: float = 0.1,
    subsample: int = 1,
) -> np.ndarray:
    """Guided-filter refinement of a decision map, clipped to [0, 1] (eps in [0, 1]^2 units)."""
    w = guided_filter(
        decision.astype(np.float32),
        guide,
        radius=radius,
        eps=eps,
        subsample=subsample,
        data_range=1.0,
        precision=refine_precision(eps),
    )
    return np.clip(w, 0.0, 1.0)


def blend_with_decision(
    ir: np.ndarray,
    vis: np.ndarray,
    decision: np.ndarray,
    *,
    blend_ir: np.ndarray | None = None,
    blend_vis: np.ndarray | None = None,
    blend: str = "pyramid",
    radius: int = 8,
    eps: float = 0.1,
    levels: int | None = None,
    match_threshold: float | None = 0.6,
    r1: int = 45,
    eps1: float = 0.3,
    r2: int = 7,
    eps2: float = 1e-6,
    base_radius: int = 15,
    subsample: int = 1,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Refine a binary IR decision map and blend the two sources with it.

    Parameters
    ----------
    ir, vis : ndarray (H, W)
        Source planes in [0, 1] (they guide the refinement).
    decision : ndarray (H, W)
        1 where the infrared source is to be taken, 0 for the visible one.
    blend_ir, blend_vis : ndarray, optional
        Planes actually blended (enhanced sources); default `ir`, `vis`.
    blend : {"pyramid", "two_scale", "weighted"}
        ``"pyramid"``: Laplacian pyramid with Liu et al.'s match rule (`levels`,
        `match_threshold`), weights ``W = GF(P, (ir + vis) / 2, radius, eps)``;
        ``"weighted"``: ``F = W ir + (1 - W) vis`` with the same ``W``;
        ``"two_scale"``: GFF's rule, each source guiding its own map (`r1`, `eps1` base,
        `r2`, `eps2` detail, `base_radius` split).

    Returns
    -------
    fused : ndarray (H, W)
    weights : dict
        ``"decision"``, ``"base"``, ``"detail"``: ``(2, H, W)`` stacks (IR first); base and
        detail are the same map except for ``blend="two_scale"``.
    """
    a = ir if blend_ir is None else blend_ir
    b = vis if blend_vis is None else blend_vis
    if use_core():  # the same float32 operations into pooled buffers
        maps = scratch((2, *decision.shape))
        np.copyto(maps[0], decision, casting="unsafe")  # as astype
        np.subtract(np.float32(1.0), maps[0], out=maps[1])
        p = maps[0]
    else:
        p = decision.astype(np.float32)
        maps = np.stack([p, 1.0 - p])
    if blend == "two_scale":
        wb, wd = gff_weights(
            [ir, vis], [p, 1.0 - p], r1=r1, eps1=eps1, r2=r2, eps2=eps2, subsample=subsample
        )
        fused = two_scale_blend([a, b], wb, wd, radius=base_radius)
        return fused, {"decision": maps, "base": wb, "detail": wd}
    if blend not in BLEND_MODES:
        names = ", ".join(repr(m) for m in BLEND_MODES)
        raise ParameterError(f"blend must be one of {names}; got {blend!r}.")
    if use_core():  # refine's clip is part of normalise_complement
        guide = scratch(ir.shape)
        np.add(ir, vis, out=guide)
        np.multiply(guide, np.float32(0.5), out=guide)
        w = guided_filter(p, guide, radius=radius, eps=eps, subsample=subsample,
                          data_range=1.0, out=scratch(p.shape),
                          precision=refine_precision(eps))  # fmt: skip
        stack = normalise_complement(w)
    else:
        w = refine(p, 0.5 * (ir + vis), radius=radius, eps=eps, subsample=subsample)
        stack = normalise_weights([w, 1.0 - w])
    w = stack[0]
    if blend == "weighted":
        fused = _weighted(a, b, w)
    else:
        fused = pyramid_blend(a, b, w, levels=levels, match_threshold=match_threshold)
    return fused, {"decision": maps, "base": stack, "detail": stack}


def _weighted(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w a + (1 - w) b``."""
    planes = (a, b, w)
    if use_core() and all(x.ndim == 2 and x.dtype == np.float32 for x in planes):
        out = scratch(a.shape)
        _core.fusion_weighted_blend(*(v.core_ready(x) for x in planes), out)
        return out
    return w * a + (1.0 - w) * b


def focus_decision(
    ir: np.ndarray,
    vis: np.ndarray,
    *,
    measure: str = "sml",
    focus_radius: int = 4,
    threshold: float = 0.0,
) -> np.ndarray:
    """Binary map ``[f_ir > f_vis]`` of the chosen focus measure."""
    f_ir = focus_measure(ir, measure, radius=focus_radius, threshold=threshold)
    f_vis = focus_measure(vis, measure, radius=focus_radius, threshold=threshold)
    if use_core() and f_ir.ndim == 2:  # max_selection(f_vis, f_ir)[1] = [f_vis < f_ir]
        maps = scratch((2, *f_ir.shape))
        _core.fusion_max_selection(f_vis, f_ir, maps[0], maps[1])
        return maps[1]
    return (f_ir > f_vis).astype(np.float32)
