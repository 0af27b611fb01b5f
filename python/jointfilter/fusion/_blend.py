"""Blending: two-scale (base/detail) and Laplacian-pyramid, and the pre-fusion enhancement step.

All functions take and return float32 planes in ``[0, 1]`` (values may overshoot slightly after
detail boosting; the caller clips once at the end).
"""

from __future__ import annotations

import numpy as np

from .. import _core
from .. import _validate as v
from .._filters import box_filter, guided_filter
from ..errors import ParameterError
from ._common import _numpy_convolve_sep, scratch, use_core

__all__ = [
    "ENHANCE_MODES",
    "enhance",
    "gaussian_pyramid",
    "laplacian_pyramid",
    "pyramid_blend",
    "reconstruct",
    "two_scale",
    "two_scale_blend",
]

#: 5-tap binomial kernel of Burt & Adelson's pyramid
_BINOMIAL = np.array([1, 4, 6, 4, 1], np.float32) / 16.0

ENHANCE_MODES = ("none", "detail")


def two_scale(x: np.ndarray, radius: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Split a plane into base = ``(2r+1)^2`` mean (replicate border) and detail = x - base.

    ``radius=15`` is GFF's 31x31 averaging filter.
    """
    base = box_filter(x, radius, border="edge")
    return base, x - base


def two_scale_blend(
    sources: list[np.ndarray],
    base_weights: np.ndarray,
    detail_weights: np.ndarray,
    *,
    radius: int = 15,
) -> np.ndarray:
    """``F = sum_n WB_n B_n + sum_n WD_n D_n`` (Li, Kang & Hu 2013, eq. 11-12).

    Parameters
    ----------
    sources : list of ndarray (H, W)
        Planes to fuse (already enhanced if wanted).
    base_weights, detail_weights : ndarray (N, H, W)
        Per-source weights summing to 1 at every pixel.
    radius : int
        Half-width of the averaging filter of the two-scale split.
    """
    planes = [*sources, base_weights[0], base_weights[1], detail_weights[0], detail_weights[1]]
    if len(sources) == 2 and len(base_weights) == 2 and _planes(planes):
        out = scratch(sources[0].shape)
        if out.size:
            _core.fusion_two_scale_blend(*(v.core_ready(p) for p in planes), int(radius), out)
        return out
    return _numpy_two_scale_blend(sources, base_weights, detail_weights, radius=radius)


def _planes(planes: list[np.ndarray]) -> bool:
    """All float32 planes of one shape, and the C++ path on."""
    shape = planes[0].shape
    return use_core() and all(
        p.ndim == 2 and p.dtype == np.float32 and p.shape == shape for p in planes
    )


def _numpy_two_scale_blend(
    sources: list[np.ndarray],
    base_weights: np.ndarray,
    detail_weights: np.ndarray,
    *,
    radius: int = 15,
) -> np.ndarray:
    out = np.zeros(sources[0].shape, np.float32)
    for n, src in enumerate(sources):
        base, detail = two_scale(src, radius)
        out += base_weights[n] * base + detail_weights[n] * detail
    return out


def _reduce(x: np.ndarray) -> np.ndarray:
    if _planes([x]) and x.size:
        out = scratch(((x.shape[0] + 1) // 2, (x.shape[1] + 1) // 2))
        _core.fusion_pyramid_reduce(v.core_ready(x), out)
        return out
    return _numpy_reduce(x)


def _numpy_reduce(x: np.ndarray) -> np.ndarray:
    return _numpy_convolve_sep(x, _BINOMIAL, mode="symmetric")[::2, ::2]


def _expand(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if _planes([x]) and shape[0] > 0 and shape[1] > 0:
        out = scratch(shape[:2])
        _core.fusion_pyramid_expand(v.core_ready(x), out)
        return out
    return _numpy_expand(x, shape)


def _numpy_expand(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """2 x binomial over the zero-interleaved upsampling of `x`, the coarse plane replicated by
    one sample on each side first (so a constant stays constant up to the border; mirroring the
    zero-interleaved plane instead would put a coarse sample on an odd position there)."""
    h, w = shape[:2]
    xp = np.pad(x[: (h + 1) // 2, : (w + 1) // 2], 1, mode="edge")
    up = np.zeros((2 * xp.shape[0], 2 * xp.shape[1]), np.float32)
    up[::2, ::2] = xp  # fine index u sits at up[u + 2]
    k = 2.0 * _BINOMIAL
    tmp = np.zeros((up.shape[0], w), np.float32)
    for i, c in enumerate(k):  # horizontal first, taps in order (the C++ core's sums)
        tmp += c * up[:, i : i + w]
    out = np.zeros((h, w), np.float32)
    for i, c in enumerate(k):
        out += c * tmp[i : i + h, :]
    return out


def gaussian_pyramid(x: np.ndarray, levels: int) -> list[np.ndarray]:
    """Gaussian pyramid with the 5-tap binomial kernel; ``levels`` planes, finest first."""
    pyr = [x.astype(np.float32)]
    for _ in range(levels - 1):
        pyr.append(_reduce(pyr[-1]))
    return pyr


def laplacian_pyramid(x: np.ndarray, levels: int) -> list[np.ndarray]:
    """Laplacian pyramid (band-pass levels, the last one is the Gaussian residual)."""
    g = gaussian_pyramid(x, levels)
    return [g[i] - _expand(g[i + 1], g[i].shape) for i in range(levels - 1)] + [g[-1]]


def reconstruct(pyr: list[np.ndarray]) -> np.ndarray:
    """Inverse of :func:`laplacian_pyramid` (exact up to float rounding)."""
    out = pyr[-1]
    for lev in reversed(pyr[:-1]):
        out = lev + _expand(out, lev.shape)
    return out


def default_levels(shape: tuple[int, ...]) -> int:
    """Pyramid depth so that the coarsest level is at least ~8 pixels on its short side."""
    return max(1, int(np.floor(np.log2(max(min(shape[:2]), 1) / 8.0))) + 1)


def pyramid_blend(
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    *,
    levels: int | None = None,
    match_threshold: float | None = 0.6,
) -> np.ndarray:
    """Blend two planes in a Laplacian pyramid with a per-pixel weight of `a` (Liu et al. 2017).

    The weight map is Gaussian-pyramided; at each level (the coarsest residual included) with
    local energies ``S_n = sum_3x3 L_n^2`` and match ``M = 2 sum_3x3 L_a L_b / (S_a + S_b)``,
    the level is ``W L_a + (1 - W) L_b`` where ``M > match_threshold`` and otherwise the
    coefficient with the larger energy (``b`` on equal energies), as VIFB's ``band_fuse.m``
    in ``run_CNN.m``, the 3x3 sums over its ``es2`` extension (mirrored without the edge
    sample, corners zero; checked under Octave: ``tests/test_cnn_fusion_parity_octave.py``).
    ``match_threshold=None`` always uses the weighted average (plain pyramid blending).
    """
    if levels is None:
        levels = default_levels(a.shape)
    if _planes([a, b, weight]) and a.size:
        out = scratch(a.shape)
        match = match_threshold is not None
        thr = float(match_threshold) if match_threshold is not None else 0.0
        _core.fusion_pyramid_blend(
            *(v.core_ready(p) for p in (a, b, weight)), int(levels), match, thr, out
        )
        return out
    return _numpy_pyramid_blend(a, b, weight, levels=levels, match_threshold=match_threshold)


def _numpy_pyramid_blend(
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    *,
    levels: int,
    match_threshold: float | None = 0.6,
) -> np.ndarray:
    la, lb = laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)
    gw = gaussian_pyramid(weight, levels)
    out = []
    for ca, cb, w in zip(la, lb, gw, strict=True):
        avg = w * ca + (1.0 - w) * cb
        if match_threshold is None:
            out.append(avg)
            continue
        # 3x3 window sums over band_fuse.m's es2 extension
        sa, sb = _es2_sum3(ca * ca), _es2_sum3(cb * cb)
        m = 2.0 * _es2_sum3(ca * cb) / np.maximum(sa + sb, np.float32(1e-30))
        sel = np.where(sa > sb, ca, cb)  # equal energies: b (the visible image)
        out.append(np.where(m > match_threshold, avg, sel).astype(np.float32))
    return reconstruct(out)


def _es2_index(i: np.ndarray, n: int) -> np.ndarray:
    """es2's mirror without repeating the edge sample (-1 -> 1, n -> n - 2); n = 1 repeats."""
    if n == 1:
        return np.zeros_like(i)
    return np.where(i < 0, -i, np.where(i >= n, 2 * n - 2 - i, i))


def _es2_sum3(x: np.ndarray) -> np.ndarray:
    """3x3 window sums over band_fuse.m's es2 extension (VIFB run_CNN.m): mirrored without the
    edge sample, the extension's four corners zero; rows then columns in order, float32 from 0
    (the C++ core's ``es2_sum3_px``)."""
    h, w = x.shape
    rows = _es2_index(np.arange(-1, h + 1), h)
    cols = _es2_index(np.arange(-1, w + 1), w)
    p = np.asarray(x, np.float32)[rows][:, cols]
    p[0, 0] = p[0, -1] = p[-1, 0] = p[-1, -1] = 0.0
    acc = np.zeros((h, w), np.float32)
    for dy in range(3):
        for dx in range(3):
            acc += p[dy : dy + h, dx : dx + w]
    return acc


def enhance(
    x: np.ndarray,
    mode: str = "none",
    *,
    gain: float = 1.5,
    radius: int = 8,
    eps: float = 1e-2,
) -> np.ndarray:
    """Pre-fusion enhancement of one source plane.

    ``"none"`` returns `x`; ``"detail"`` is the guided-filter detail boost
    ``E(x) = S(x) + gain * (x - S(x))`` with ``S`` the self-guided filter
    (radius `radius`, eps `eps` in [0, 1]^2 units), i.e. edge-preserving unsharp masking.
    """
    if mode == "none":
        return x
    if mode == "detail":
        smooth = guided_filter(x, x, radius=radius, eps=eps, data_range=1.0)
        return smooth + np.float32(gain) * (x - smooth)
    names = ", ".join(repr(m) for m in ENHANCE_MODES)
    raise ParameterError(f"enhance must be one of {names}; got {mode!r}.")
