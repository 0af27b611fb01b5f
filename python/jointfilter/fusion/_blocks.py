"""Footprints of the fusion methods, for exact chunked (Dask) fusion.

:func:`~jointfilter.fusion.fuse` has no data-dependent global estimate (each source is divided
by its dtype's fixed range), so a chunk with a halo at least as wide as the method's footprint,
starting on the method's grid, gives exactly the whole-image result. The only whole-image
quantity is the pyramid depth (``levels``), which depends on the image size: the chunked
caller fixes it from the whole image (:func:`pyramid_levels`).

Footprints (pixels around an output pixel), with ``GF(r, s)`` the guided filter's
(``2 r``, or ``s (2 r' + 2)`` for the fast filter) and ``E`` the enhancement's (``2 *
enhance_radius`` for ``enhance="detail"``, else 0):

* ``"guided"`` (GFF): ``max(6 + max(GF(r1, s), 2 r2), E + base_radius)``: saliency = 3x3
  Laplacian (1) + 11x11 Gaussian (5); weights = guided refinement of the selection maps; the
  two-scale split is a box of ``base_radius`` on the (enhanced) sources.
* ``"focus"``: decision ``D = focus_radius + 1`` (second differences + box); then
  ``"weighted"``: ``max(D + GF(radius, s), E)``; ``"two_scale"``: as GFF with ``D`` for 6;
  ``"pyramid"``: :func:`pyramid_footprint`.
* ``"cnn"``: ``D`` = the network's window (32 for ``blur-cnn``: a pixel's score averages the
  windows covering it, each reading 1 pixel more for its Sobel features), windows on a
  ``stride`` grid; then as ``"focus"``.

Grid: chunk starts on multiples of ``lcm(s, 2**(levels-1), stride)`` (fast guided filter,
pyramid decimation, CNN windows).
"""

from __future__ import annotations

import math
from typing import Any

from ..restoration._blocks import gf_footprint
from ._blend import default_levels

__all__ = ["fusion_footprint", "pyramid_footprint", "pyramid_levels"]


def pyramid_levels(p: dict[str, Any], shape: tuple[int, ...]) -> int:
    """Pyramid depth ``fuse`` uses for an image of `shape` (the given ``levels`` or default)."""
    return int(p["levels"]) if p.get("levels") is not None else default_levels(shape)


def pyramid_footprint(levels: int, f_e: int, f_w: int, match: bool) -> int:
    """Footprint of :func:`~._blend.pyramid_blend` with inputs of footprints `f_e`, `f_w`.

    Tracks, level by level, how far from a chunk edge values can be wrong (in full-resolution
    pixels, the chunk starting on a multiple of ``2**(levels-1)``): a 5-tap reduce or expand at
    level ``l`` adds ``2**(l+1)``, the 3x3 match window ``2**l``; the weights ``w`` enter as
    their Gaussian pyramid.

    Parameters
    ----------
    levels : int
        Pyramid depth.
    f_e : int
        Footprint of the blended sources (the enhancement).
    f_w : int
        Footprint of the weight map.
    match : bool
        Whether the match/selection rule (3x3 energies) is used.

    Returns
    -------
    int
        Footprint of the blended result, plus one pixel for the far chunk edge.
    """
    n = int(levels)

    def gauss(c0: int, level: int) -> int:  # c(G_l) from c(G_0) = c0
        return c0 + 2 ** (level + 1) - 2

    contrib = []
    for lev in range(n):
        w = gauss(f_w, lev)
        if lev == n - 1:
            contrib.append(max(gauss(f_e, lev), w))
            continue
        lap = gauss(f_e, lev + 1) + 2 ** (lev + 1)  # G_l - expand(G_{l+1})
        if match:
            lap += 2**lev
        contrib.append(max(lap, w))
    rec = contrib[-1]
    for lev in range(n - 2, -1, -1):
        rec = max(contrib[lev], rec + 2 ** (lev + 1))
    return rec + 1


def fusion_footprint(
    method: str, p: dict[str, Any], shape: tuple[int, ...], window: int = 0
) -> tuple[int, int]:
    """Halo and chunk grid for exact chunked fusion.

    Parameters
    ----------
    method : {"guided", "focus", "cnn"}
        Fusion method.
    p : dict
        Effective parameters (``fuse``'s defaults merged with the caller's).
    shape : tuple of int
        Whole-image shape (fixes the default pyramid depth).
    window : int
        ``"cnn"``: the network's window (receptive field) in pixels.

    Returns
    -------
    depth, align : int
        Halo in pixels (a multiple of `align`) and the grid chunk starts must lie on.
    """
    s = int(p.get("subsample", 1))
    f_e = 2 * p["enhance_radius"] if p["enhance"] == "detail" else 0
    align = s
    if method == "guided":
        fp = max(6 + max(gf_footprint(p["r1"], s), 2 * p["r2"]), f_e + p["base_radius"])
    else:
        if method == "focus":
            f_d = p["focus_radius"] + 1
        else:
            f_d = int(window)
            align = math.lcm(align, int(p["stride"]))
        blend = p["blend"]
        if blend == "two_scale":
            fp = max(f_d + max(gf_footprint(p["r1"], s), 2 * p["r2"]), f_e + p["base_radius"])
        else:
            f_w = f_d + gf_footprint(p["radius"], s)
            if blend == "weighted":
                fp = max(f_w, f_e)
            else:
                levels = pyramid_levels(p, shape)
                align = math.lcm(align, 2 ** (levels - 1))
                fp = pyramid_footprint(levels, f_e, f_w, p["match_threshold"] is not None)
    depth = -(-fp // align) * align
    return depth, align
