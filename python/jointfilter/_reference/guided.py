"""Float64 reference guided filter and fast guided filter.

This module is the specification that the C++/CUDA guided-filter kernels are tested against.
It follows ``docs/algorithms.md`` sections 2 and 3 literally, computes everything in float64
and imports only NumPy (plus :mod:`.box` from this subpackage).

Definitions (``B`` is :func:`~jointfilter._reference.box.box_mean_spatial` with radius ``r``
and the chosen border rule; every ``B`` in one call uses the same rule):

Gray guide ``I`` (shape ``(H, W)`` or ``(H, W, 1)``), per target channel ``p``::

    mu = B[I];  mp = B[p];  cov = B[I p] - mu mp;  var = max(B[I I] - mu**2, 0)
    a = cov / (var + eps);  b = mp - a mu;  q = B[a] I + B[b]

Colour guide (shape ``(H, W, 3)``; 2 channels are also accepted as an extension)::

    mu_c = B[I_c];  Sigma_cd = B[I_c I_d] - mu_c mu_d  (diagonal clamped at >= 0)
    a = solve(Sigma + eps Id, B[I p] - mu mp);  b = mp - a . mu;  q = sum_c B[a_c] I_c + B[b]

``eps`` is absolute (guide value units squared). Radius 0 returns the target unchanged.

Fast guided filter (He & Sun 2015), ``subsample = s >= 2``:

* low-res size ``h = ceil(H / s)``, ``w = ceil(W / s)``;
* nearest decimation: low-res row ``d`` takes source row ``min(floor((d + 0.5) s), H - 1)``
  (columns alike), see :func:`decimation_indices`; the guide always, the target with
  ``decimation="nearest"`` (the default);
* ``decimation="mean"``: the target only is decimated by the mean of each ``s x s`` block
  (rows ``Y s .. min(Y s + s, H) - 1``, columns alike; partial blocks at the right/bottom edge
  are averaged over their own pixel count), rounded to float32, see :func:`downsample_mean`;
* low-res radius ``r' = max(1, floor(r / s + 0.5))`` (round half up, not Python's banker's
  ``round``), see :func:`fast_radius`;
* ``B[a]``, ``B[b]`` are computed on the low-res pair with radius ``r'`` and the same border
  rule, upsampled bilinearly with pixel-centre alignment (:func:`upsample_bilinear`, =
  OpenCV ``INTER_LINEAR`` / PyTorch ``align_corners=False``), and applied to the
  full-resolution guide: ``q = up(B[a]) . I + up(B[b])``.
"""

from __future__ import annotations

import math
import operator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .box import box_mean_spatial, check_border, check_radius

__all__ = [
    "DECIMATIONS",
    "decimation_indices",
    "downsample_mean",
    "downsample_nearest",
    "fast_radius",
    "guided_coefficients",
    "guided_filter",
    "linear_interp_weights",
    "upsample_bilinear",
    "window_coefficients",
]

#: Guide channel counts accepted (1 = gray, 3 = colour, 2 = extension with a 2x2 solve).
GUIDE_CHANNELS = (1, 2, 3)
#: Target channel counts accepted.
TARGET_CHANNELS = (1, 2, 3, 4)
#: Target decimation rules of the fast guided filter (the guide is always decimated by nearest).
DECIMATIONS = ("nearest", "mean")


# ---------------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------------


def _as_guide(guide: ArrayLike) -> NDArray[np.float64]:
    """Return the guide as float64 ``(H, W, Cg)``."""
    g = np.asarray(guide, dtype=np.float64)
    if g.ndim == 2:
        g = g[:, :, np.newaxis]
    if g.ndim != 3 or g.shape[2] not in GUIDE_CHANNELS:
        raise ValueError(
            "guide: expected shape (H, W), (H, W, 1) or (H, W, 3), got shape "
            f"{np.shape(guide)}; convert the guide to gray or RGB"
        )
    if g.shape[0] == 0 or g.shape[1] == 0:
        raise ValueError(f"guide: expected H >= 1 and W >= 1, got shape {g.shape}")
    return g


def _as_target(target: ArrayLike) -> tuple[NDArray[np.float64], bool]:
    """Return the target as float64 ``(H, W, Ct)`` and whether the input was 2-D."""
    p = np.asarray(target, dtype=np.float64)
    was_2d = p.ndim == 2
    if was_2d:
        p = p[:, :, np.newaxis]
    if p.ndim != 3 or p.shape[2] not in TARGET_CHANNELS:
        raise ValueError(
            "target: expected shape (H, W) or (H, W, C) with C in 1..4, got shape "
            f"{np.shape(target)}"
        )
    if p.shape[0] == 0 or p.shape[1] == 0:
        raise ValueError(f"target: expected H >= 1 and W >= 1, got shape {p.shape}")
    return p, was_2d


def _check_pair(p: NDArray[np.float64], g: NDArray[np.float64]) -> None:
    if p.shape[:2] != g.shape[:2]:
        raise ValueError(
            f"target, guide: expected the same (H, W), got target {p.shape[:2]} and guide "
            f"{g.shape[:2]}; resize or crop one of them"
        )


def _check_eps(eps: float) -> float:
    value = float(eps)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"eps: expected a finite number >= 0, got {eps!r}")
    return value


def _check_subsample(subsample: int) -> int:
    if isinstance(subsample, bool):
        raise TypeError(f"subsample: expected an int >= 1, got bool {subsample!r}")
    try:
        value = operator.index(subsample)
    except TypeError:
        raise TypeError(
            f"subsample: expected an int >= 1, got {type(subsample).__name__} {subsample!r}"
        ) from None
    if value < 1:
        raise ValueError(f"subsample: expected an int >= 1, got {value}")
    return value


def _check_decimation(decimation: str) -> str:
    if not isinstance(decimation, str) or decimation not in DECIMATIONS:
        raise ValueError(f"decimation: expected 'nearest' or 'mean', got {decimation!r}")
    return decimation


# ---------------------------------------------------------------------------------------------
# guided filter
# ---------------------------------------------------------------------------------------------


def window_coefficients(
    target: ArrayLike, guide: ArrayLike, radius: int, eps: float, border: str = "clipped"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-window linear coefficients ``a_k``, ``b_k`` (before the second box mean).

    Parameters
    ----------
    target : array_like
        ``(H, W)`` or ``(H, W, Ct)`` with ``Ct`` in 1..4.
    guide : array_like
        ``(H, W)``, ``(H, W, 1)`` (gray) or ``(H, W, 3)`` (colour).
    radius : int
        Window half-width ``r`` (>= 0).
    eps : float
        Absolute regularisation (guide units squared), >= 0. With ``eps == 0`` a flat window
        gives 0/0 (gray, NaN) or a singular system (colour, ``LinAlgError``).
    border : {"clipped", "symmetric", "reflect", "edge"}, optional
        Border rule for every box mean.

    Returns
    -------
    a : numpy.ndarray
        Float64, shape ``(H, W, Cg, Ct)``: ``a[y, x, g, t]`` is the gain of guide channel
        ``g`` for target channel ``t`` in the window centred at ``(y, x)``.
    b : numpy.ndarray
        Float64, shape ``(H, W, Ct)``.

    Notes
    -----
    For ``radius == 0`` the window is one pixel: ``a = 0`` and ``b = p`` exactly (the
    ``eps > 0`` limit, also returned for ``eps == 0``).
    """
    p, _ = _as_target(target)
    g = _as_guide(guide)
    _check_pair(p, g)
    radius = check_radius(radius)
    eps = _check_eps(eps)
    check_border(border)
    height, width, n_g = g.shape
    n_t = p.shape[2]
    if radius == 0:
        return np.zeros((height, width, n_g, n_t)), p.copy()

    def box(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return box_mean_spatial(x, radius, border)

    mu = box(g)  # (H, W, Cg)
    mp = box(p)  # (H, W, Ct)
    # B[I_c p_t] -> (H, W, Cg, Ct)
    corr_ip = box(g[:, :, :, np.newaxis] * p[:, :, np.newaxis, :])
    cov_ip = corr_ip - mu[:, :, :, np.newaxis] * mp[:, :, np.newaxis, :]

    if n_g == 1:
        var = np.maximum(box(g * g) - mu * mu, 0.0)  # (H, W, 1)
        a = cov_ip / (var[:, :, :, np.newaxis] + eps)  # (H, W, 1, Ct)
    else:
        sigma = np.empty((height, width, n_g, n_g), dtype=np.float64)
        for c in range(n_g):
            for d in range(c, n_g):
                s_cd = box(g[:, :, c] * g[:, :, d]) - mu[:, :, c] * mu[:, :, d]
                if c == d:
                    s_cd = np.maximum(s_cd, 0.0)
                sigma[:, :, c, d] = s_cd
                sigma[:, :, d, c] = s_cd
        system = sigma + eps * np.eye(n_g)
        a = np.linalg.solve(system, cov_ip)  # batched: (H, W, Cg, Cg) x (H, W, Cg, Ct)
    b = mp - np.sum(a * mu[:, :, :, np.newaxis], axis=2)  # (H, W, Ct)
    return a, b


def guided_coefficients(
    target: ArrayLike, guide: ArrayLike, radius: int, eps: float, border: str = "clipped"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Box-averaged guided-filter coefficients ``B[a]``, ``B[b]``.

    Parameters
    ----------
    target : array_like
        ``(H, W)`` or ``(H, W, Ct)`` with ``Ct`` in 1..4.
    guide : array_like
        ``(H, W)``, ``(H, W, 1)`` (gray) or ``(H, W, 3)`` (colour).
    radius : int
        Window half-width ``r`` (>= 0).
    eps : float
        Absolute regularisation (guide units squared), >= 0.
    border : {"clipped", "symmetric", "reflect", "edge"}, optional
        Border rule for every box mean.

    Returns
    -------
    mean_a : numpy.ndarray
        Float64, shape ``(H, W, Cg, Ct)`` (always 4-D, ``Cg = 1`` for a gray guide).
    mean_b : numpy.ndarray
        Float64, shape ``(H, W, Ct)`` (always 3-D, ``Ct = 1`` for a 2-D target).

    Notes
    -----
    The filter output is
    ``q[..., t] = sum_g mean_a[..., g, t] * I[..., g] + mean_b[..., t]``.
    For ``radius == 0``: ``mean_a = 0`` and ``mean_b = p``.
    """
    a, b = window_coefficients(target, guide, radius, eps, border)
    radius = check_radius(radius)
    return box_mean_spatial(a, radius, border), box_mean_spatial(b, radius, border)


def _apply(
    mean_a: NDArray[np.float64], mean_b: NDArray[np.float64], g: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``q[..., t] = sum_g mean_a[..., g, t] * I[..., g] + mean_b[..., t]``."""
    return np.sum(mean_a * g[:, :, :, np.newaxis], axis=2) + mean_b


def guided_filter(
    target: ArrayLike,
    guide: ArrayLike,
    radius: int,
    eps: float,
    border: str = "clipped",
    subsample: int = 1,
    apply_guide: ArrayLike | None = None,
    decimation: str = "nearest",
) -> NDArray[np.float64]:
    """Apply the guided filter (He, Sun, Tang 2010/2013) or the fast guided filter (2015).

    Parameters
    ----------
    target : array_like
        Image to filter, ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1..4; each channel is
        filtered independently with the same guide.
    guide : array_like
        ``(H, W)`` or ``(H, W, 1)`` for a gray guide, ``(H, W, 3)`` for a colour guide.
    radius : int
        Window half-width ``r`` (>= 0). Radius 0 returns the target (as float64).
    eps : float
        Absolute regularisation in guide units squared (>= 0); the public API converts
        relative ``eps`` to this before calling the kernels.
    border : {"clipped", "symmetric", "reflect", "edge"}, optional
        Border rule used by every box mean (default ``"clipped"``, He et al.).
    subsample : int, optional
        ``1`` (default) for the plain filter; ``s >= 2`` for the fast guided filter with the
        conventions of the module docstring.
    apply_guide : array_like, optional
        The coefficients fitted on `guide` are applied to this image (the guide's shape)
        instead of the guide: ``q = B[a] . apply_guide + B[b]``.
    decimation : {"nearest", "mean"}, optional
        How the fast guided filter decimates the target (ignored for ``subsample == 1``):
        ``"nearest"`` (default) as the guide, ``"mean"`` by the float32-rounded mean of each
        ``s x s`` block (:func:`downsample_mean`). The guide is always decimated by nearest.

    Returns
    -------
    numpy.ndarray
        Float64 array with the target's shape (``(H, W)`` in, ``(H, W)`` out).

    Raises
    ------
    ValueError
        On bad shapes, mismatched ``(H, W)``, negative ``radius``/``eps``, ``subsample < 1``,
        an unknown ``border`` or ``decimation``.
    TypeError
        If ``radius`` or ``subsample`` is not an integer.
    """
    p, was_2d = _as_target(target)
    g = _as_guide(guide)
    _check_pair(p, g)
    radius = check_radius(radius)
    eps = _check_eps(eps)
    check_border(border)
    s = _check_subsample(subsample)
    decimation = _check_decimation(decimation)

    a_g = g if apply_guide is None else _as_guide(apply_guide)
    if a_g.shape != g.shape:
        raise ValueError(f"apply_guide must have the guide's shape {g.shape}; got {a_g.shape}")
    if radius == 0:
        q = p.copy()
    elif s == 1:
        mean_a, mean_b = guided_coefficients(p, g, radius, eps, border)
        q = _apply(mean_a, mean_b, a_g)
    else:
        height, width = g.shape[:2]
        g_low = downsample_nearest(g, s)
        p_low = downsample_mean(p, s) if decimation == "mean" else downsample_nearest(p, s)
        mean_a, mean_b = guided_coefficients(p_low, g_low, fast_radius(radius, s), eps, border)
        q = _apply(
            upsample_bilinear(mean_a, height, width),
            upsample_bilinear(mean_b, height, width),
            a_g,
        )
    return q[:, :, 0] if was_2d else q


# ---------------------------------------------------------------------------------------------
# fast guided filter helpers
# ---------------------------------------------------------------------------------------------


def fast_radius(radius: int, subsample: int) -> int:
    """Low-resolution radius of the fast guided filter.

    Parameters
    ----------
    radius : int
        Full-resolution radius ``r`` (>= 0).
    subsample : int
        Subsampling factor ``s`` (>= 1).

    Returns
    -------
    int
        ``max(1, floor(r / s + 0.5))`` (round half up, computed exactly in integers as
        ``(2 r + s) // (2 s)``).
    """
    radius = check_radius(radius)
    s = _check_subsample(subsample)
    return max(1, (2 * radius + s) // (2 * s))


def decimation_indices(size: int, subsample: int) -> NDArray[np.intp]:
    """Source indices picked by nearest-neighbour decimation along one axis.

    Parameters
    ----------
    size : int
        Full-resolution length ``n`` (>= 1).
    subsample : int
        Factor ``s`` (>= 1).

    Returns
    -------
    numpy.ndarray
        Integer array of length ``ceil(n / s)``; entry ``d`` is
        ``min(floor((d + 0.5) * s), n - 1)``, computed exactly as ``((2 d + 1) s) // 2``.
    """
    n = check_radius(size, "size")
    if n < 1:
        raise ValueError(f"size: expected >= 1, got {n}")
    s = _check_subsample(subsample)
    n_low = -(-n // s)
    d = np.arange(n_low, dtype=np.intp)
    return np.minimum(((2 * d + 1) * s) // 2, n - 1)


def downsample_nearest(image: ArrayLike, subsample: int) -> NDArray[np.float64]:
    """Nearest-neighbour decimation of the two leading (spatial) axes.

    Parameters
    ----------
    image : array_like
        ``(H, W, ...)`` array.
    subsample : int
        Factor ``s`` (>= 1).

    Returns
    -------
    numpy.ndarray
        Float64 ``(ceil(H / s), ceil(W / s), ...)`` array,
        ``out[i, j] = image[rows[i], cols[j]]`` with :func:`decimation_indices`.
    """
    x = np.asarray(image, dtype=np.float64)
    rows = decimation_indices(x.shape[0], subsample)
    cols = decimation_indices(x.shape[1], subsample)
    return x[rows][:, cols].copy()


def downsample_mean(image: ArrayLike, subsample: int) -> NDArray[np.float64]:
    """Block-mean decimation of the two leading (spatial) axes, rounded to float32.

    Parameters
    ----------
    image : array_like
        ``(H, W, ...)`` array.
    subsample : int
        Factor ``s`` (>= 1).

    Returns
    -------
    numpy.ndarray
        Float64 ``(ceil(H / s), ceil(W / s), ...)`` array holding float32 values:
        ``out[Y, X] = float32(sum / count)`` over source rows ``Y s .. min(Y s + s, H) - 1`` and
        columns ``X s .. min(X s + s, W) - 1``, the sum taken in float64 and ``count`` the
        number of pixels of that (possibly partial, right/bottom edge) block.

    Notes
    -----
    The rounding to float32 mirrors the core, whose low-resolution target is float32 whatever
    the input dtype; the sum and the division are float64, so the only rounding is that one
    (up to the float64 summation order).
    """
    x = np.asarray(image, dtype=np.float64)
    s = _check_subsample(subsample)
    if x.ndim < 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"image: expected (H, W, ...) with H, W >= 1, got shape {x.shape}")
    height, width = x.shape[:2]
    rows = np.arange(0, height, s)
    cols = np.arange(0, width, s)
    # reduceat sums x[rows[i] : rows[i + 1]] (the last block runs to the end: partial blocks)
    sums = np.add.reduceat(np.add.reduceat(x, rows, axis=0), cols, axis=1)
    row_counts = np.minimum(rows + s, height) - rows
    col_counts = np.minimum(cols + s, width) - cols
    counts = np.multiply.outer(row_counts, col_counts).astype(np.float64)
    counts = counts.reshape(counts.shape + (1,) * (x.ndim - 2))
    return (sums / counts).astype(np.float32).astype(np.float64)


def linear_interp_weights(
    size_in: int, size_out: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Pixel-centre aligned linear interpolation taps along one axis.

    Parameters
    ----------
    size_in : int
        Source length ``h`` (>= 1).
    size_out : int
        Destination length ``H`` (>= 1).

    Returns
    -------
    i0, i1 : numpy.ndarray
        Integer arrays of length ``H``: ``i0 = floor(src)``, ``i1 = min(i0 + 1, h - 1)``.
    frac : numpy.ndarray
        Float64 array of length ``H``: ``src - i0``; output is
        ``(1 - frac) * x[i0] + frac * x[i1]``.

    Notes
    -----
    ``src = (dst + 0.5) * (h / H) - 0.5`` clamped to ``[0, h - 1]`` (OpenCV ``INTER_LINEAR``,
    PyTorch ``align_corners=False``).
    """
    h = check_radius(size_in, "size_in")
    n = check_radius(size_out, "size_out")
    if h < 1 or n < 1:
        raise ValueError(f"size_in, size_out: expected >= 1, got {h}, {n}")
    dst = np.arange(n, dtype=np.float64)
    src = (dst + 0.5) * (h / n) - 0.5
    src = np.clip(src, 0.0, h - 1)
    i0 = np.floor(src).astype(np.intp)
    i1 = np.minimum(i0 + 1, h - 1)
    frac = src - i0
    return i0, i1, frac


def upsample_bilinear(image: ArrayLike, height: int, width: int) -> NDArray[np.float64]:
    """Bilinear resize of the two leading axes with pixel-centre alignment.

    Parameters
    ----------
    image : array_like
        ``(h, w, ...)`` array; trailing axes are resized independently.
    height, width : int
        Output size ``(H, W)``.

    Returns
    -------
    numpy.ndarray
        Float64 ``(H, W, ...)`` array. Separable: rows are interpolated first, then columns,
        each with :func:`linear_interp_weights`.
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"image: expected at least 2 dimensions (h, w, ...), got {x.shape}")
    trailing = (1,) * (x.ndim - 1)
    r0, r1, fr = linear_interp_weights(x.shape[0], height)
    fr = fr.reshape((height, *trailing))
    rows = (1.0 - fr) * x[r0] + fr * x[r1]
    c0, c1, fc = linear_interp_weights(x.shape[1], width)
    fc = fc.reshape((1, width, *trailing[1:]))
    return (1.0 - fc) * rows[:, c0] + fc * rows[:, c1]
