"""Guided-filter fusion, GFF (S. Li, X. Kang, J. Hu, IEEE TIP 22(7), 2013).

Steps (``docs/fusion.md``; algorithms note section 8.1), for sources ``I_n`` in [0, 1]:

1. two-scale split ``B_n = I_n * Z`` (31x31 mean, replicate border), ``D_n = I_n - B_n``;
2. saliency ``S_n = |I_n * L| * g`` (3x3 Laplacian, Gaussian 11x11 sigma 5, replicate);
3. max-selection maps ``P_n = [n = argmax_m S_m]``;
4. ``WB_n = GF(P_n, guide=I_n, r1=45, eps1=0.3)``, ``WD_n = GF(P_n, guide=I_n, r2=7,
   eps2=1e-6)``, clipped to [0, 1] and normalised to sum 1;
5. ``F = sum WB_n B_n + sum WD_n D_n``.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import _core
from .. import _validate as v
from .._filters import guided_filter
from ._blend import two_scale_blend
from ._common import (
    _numpy_convolve_sep,
    _numpy_laplacian_abs,
    gaussian_kernel,
    normalise_weights,
    refine_precision,
    scratch,
    use_core,
)

__all__ = ["gff_fuse", "gff_saliency", "gff_weights", "max_selection"]


@functools.lru_cache(maxsize=8)
def _kernel(sigma: float, size: int) -> np.ndarray:
    k = gaussian_kernel(sigma, size)
    k.flags.writeable = False
    return k


def gff_saliency(x: np.ndarray, *, sigma: float = 5.0, size: int = 11) -> np.ndarray:
    """GFF saliency: Gaussian-smoothed absolute Laplacian (replicate borders)."""
    if use_core() and x.ndim == 2 and x.dtype == np.float32:
        out = scratch(x.shape)
        if out.size:
            _core.fusion_saliency(v.core_ready(x), _kernel(float(sigma), int(size)), out)
        return out
    return _numpy_gff_saliency(x, sigma=sigma, size=size)


def _numpy_gff_saliency(x: np.ndarray, *, sigma: float = 5.0, size: int = 11) -> np.ndarray:
    return _numpy_convolve_sep(_numpy_laplacian_abs(x), gaussian_kernel(sigma, size), mode="edge")


def max_selection(scores: list[np.ndarray]) -> list[np.ndarray]:
    """Binary maps ``P_n = [n = argmax_m score_m]`` (ties go to the first source)."""
    return list(_selection_stack(scores))


def _selection_stack(scores: list[np.ndarray], ties_to_last: bool = False) -> np.ndarray:
    """:func:`max_selection` as one ``(N, H, W)`` float32 stack; ``ties_to_last``: an exact
    tie goes to the last of the tied sources instead of the first."""
    two = len(scores) == 2 and scores[0].shape == scores[1].shape
    if two and use_core() and all(s.ndim == 2 and s.dtype == np.float32 for s in scores):
        maps = scratch((2, *scores[0].shape))
        if maps.size:
            s0, s1 = (v.core_ready(s) for s in scores)
            if ties_to_last:  # the selection of the reversed pair: [s1 >= s0], then 1 - that
                _core.fusion_max_selection(s1, s0, maps[1], maps[0])
            else:
                _core.fusion_max_selection(s0, s1, maps[0], maps[1])
        return maps
    if ties_to_last:
        return np.stack(_numpy_max_selection(scores[::-1])[::-1])
    return np.stack(_numpy_max_selection(scores))


def _numpy_max_selection(scores: list[np.ndarray]) -> list[np.ndarray]:
    if len(scores) == 2:  # the common case, without the (N, H, W) stack
        first = scores[0] >= scores[1]
        return [first.astype(np.float32), (~first).astype(np.float32)]
    idx = np.argmax(np.stack(scores), axis=0)
    return [(idx == n).astype(np.float32) for n in range(len(scores))]


def gff_weights(
    guides: list[np.ndarray],
    maps: list[np.ndarray],
    *,
    r1: int = 45,
    eps1: float = 0.3,
    r2: int = 7,
    eps2: float = 1e-6,
    subsample: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Refine per-source maps with the guided filter (each source guides its own map).

    Returns
    -------
    base, detail : ndarray (N, H, W)
        Weights in [0, 1] summing to 1 at every pixel.
    """
    n = len(maps)
    shape = maps[0].shape
    # the refinements are written straight into (N, H, W) stacks, normalised in place
    base = scratch((n, *shape))
    detail = scratch((n, *shape))
    for i, (p, g) in enumerate(zip(maps, guides, strict=True)):
        guided_filter(p, g, radius=r1, eps=eps1, subsample=subsample, data_range=1.0,
                      out=base[i], precision=refine_precision(eps1))  # fmt: skip
        guided_filter(p, g, radius=r2, eps=eps2, data_range=1.0, out=detail[i],
                      precision=refine_precision(eps2))  # fmt: skip
    if n == 2 and use_core() and base.size:
        for w in (base, detail):
            _core.fusion_normalise_weights(w[0], w[1], w[0], w[1])
        return base, detail
    return normalise_weights(list(base)), normalise_weights(list(detail))


def gff_fuse(
    sources: list[np.ndarray],
    *,
    blend_sources: list[np.ndarray] | None = None,
    r1: int = 45,
    eps1: float = 0.3,
    r2: int = 7,
    eps2: float = 1e-6,
    base_radius: int = 15,
    subsample: int = 1,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """GFF on gray planes in [0, 1].

    Parameters
    ----------
    sources : list of ndarray (H, W)
        The planes whose saliency decides and which guide the refinement.
    blend_sources : list of ndarray, optional
        Planes actually blended (e.g. enhanced versions of `sources`); default `sources`.
    r1, eps1, r2, eps2 : int, float
        Guided-filter parameters of the base and detail weights (eps in [0, 1]^2 units).
    base_radius : int
        Half-width of the two-scale averaging filter (15 = the paper's 31x31).
    subsample : int
        Fast-guided-filter factor for the large-radius base refinement.

    Returns
    -------
    fused : ndarray (H, W)
    weights : dict
        ``"base"`` and ``"detail"``: ``(N, H, W)`` weight stacks; ``"decision"``: the binary
        max-selection maps ``(N, H, W)``.

    Notes
    -----
    Where saliencies tie exactly (sources flat over the saliency window), the **last** source
    wins: :func:`jointfilter.fuse` passes ``[infrared, visible]``, so the tie goes to the
    visible image, as in VIFB's ``GFF.m`` (which picks its first source, and VIFB passes the
    visible image first; checked under Octave, ``tests/test_reference_parity_octave.py``).
    """
    decision = _selection_stack([gff_saliency(s) for s in sources], ties_to_last=True)
    wb, wd = gff_weights(
        sources, list(decision), r1=r1, eps1=eps1, r2=r2, eps2=eps2, subsample=subsample
    )
    blend = sources if blend_sources is None else blend_sources
    fused = two_scale_blend(blend, wb, wd, radius=base_radius)
    return fused, {"base": wb, "detail": wd, "decision": decision}
