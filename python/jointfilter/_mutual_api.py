"""Public mutual-structure joint filter: any supported dtype in, the target's dtype out."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _validate as v
from .errors import NonFiniteError, ParameterError, ShapeError

__all__ = ["mutual_structure_filter"]


def _nonfinite_error(t: np.ndarray, g: np.ndarray) -> NonFiniteError:
    """The NonFiniteError of the public call: which input, and how to fix it."""
    names = (("target", t), ("guide", g))
    bad = [n for n, a in names if a.dtype.kind == "f" and not np.isfinite(a).all()]
    if bad:
        return NonFiniteError(
            f"{' and '.join(bad)} contains NaN or Inf; the box sums of the regressions cannot "
            "localise them. Replace them first, e.g. np.nan_to_num(x)."
        )
    big = [n for n, a in names if v.beyond_float32(a)]
    if big:
        return NonFiniteError(v.beyond_float32_message(big))
    return NonFiniteError(
        "target / data_range or guide / guide_range overflows float32 (Inf); pass the images' "
        "true value ranges as data_range= and guide_range= (or leave them None)."
    )


def mutual_structure_filter(
    target: NDArray[Any],
    guide: NDArray[Any],
    *,
    radius: int = 3,
    eps_i: float = 1e-4,
    eps_g: float = 5e-4,
    lam_i: float = 1.0,
    lam_g: float = 30.0,
    iterations: int = 10,
    data_range: float | None = None,
    guide_range: float | None = None,
    dtype: DTypeLike | None = None,
    return_guide: bool = False,
) -> NDArray[Any] | tuple[NDArray[Any], NDArray[Any]]:
    """Mutual-structure joint filter (Shen et al. 2015): keep only the structure that the
    target and the guide share.

    Both images are filtered together: each is regressed locally on the other (two guided-
    filter fits per window) and pulled back towards its input, so edges present in only one of
    them (texture of one modality, shadows, noise) are smoothed away while common edges stay.

    Parameters
    ----------
    target : ndarray, shape (H, W) or (H, W, C), C <= 4
        uint8, uint16 or float32 (float64 accepted, computed in float32). Each channel is
        filtered jointly with the guide, independently of the other channels.
    guide : ndarray, shape (H, W) or (H, W, 1)
        Registered gray guide (use the luminance of a colour guide), any supported dtype.
    radius : int, default 3
        Window radius of the regressions (windows are clipped to the image).
    eps_i, eps_g : float, default 1e-4, 5e-4
        Regularisers of the target-on-guide and guide-on-target slopes, in units of the
        images scaled to [0, 1] (``data_range**2``); larger is smoother.
    lam_i, lam_g : float, default 1.0, 30.0
        Weights of the fidelity terms ``|I - I0|^2`` and ``|G - G0|^2``: a large ``lam_g``
        keeps the guide close to its input.
    iterations : int, default 10
        Number of alternating iterations (each costs about two guided filters per channel).
    data_range, guide_range : float, optional
        Value ranges of the target and the guide; default 255 (uint8), 65535 (uint16), 1.0
        (float). The images are scaled to [0, 1] by them.
    dtype : dtype, optional
        Output dtype; default the target's. Integers are rounded half to even and saturated.
    return_guide : bool, default False
        Also return the filtered guide (one per target channel, ``(H, W)`` or ``(H, W, C)``,
        float32 in the guide's units).

    Returns
    -------
    ndarray or (ndarray, ndarray)
        The filtered target (shape of `target`), and the filtered guide if asked.

    Raises
    ------
    ShapeError
        Mismatched heights/widths, a colour guide, unsupported shapes.
    DTypeError
        Unsupported dtypes.
    ParameterError
        Negative radius or iterations, non-positive eps/lam, bad ranges.
    NonFiniteError
        NaN or Inf in an input.

    Notes
    -----
    Runs in the C++ core (``cpp/jointfilter/mutual_structure.hpp``): per iteration one
    streaming pass over bands of rows with float64 sums, on ``get_num_threads()`` threads
    without the GIL, bit-identical for any thread count; all channels in one call. The float64
    specification is ``jointfilter._reference.mutual``.

    References
    ----------
    X. Shen, C. Zhou, L. Xu, J. Jia. Mutual-structure for joint filtering. ICCV 2015.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> rng = np.random.default_rng(0)
    >>> g = rng.random((48, 48), dtype=np.float32)
    >>> jf.mutual_structure_filter((g * 255).astype(np.uint8), g, iterations=2).dtype
    dtype('uint8')
    """
    from .restoration._fast import from_unit, to_unit
    from .restoration._mutual import mutual_structure_channels
    from .restoration._mutual import mutual_structure_filter as planes_filter

    t = v.as_array(target, "target")
    g = v.as_array(guide, "guide")
    v.check_dtype(t, "target")
    v.check_dtype(g, "guide")
    channels = v.check_image_shape(t, "target", 4)
    if g.ndim == 3 and g.shape[2] == 1:
        g = g[:, :, 0]
    if g.ndim != 2:
        raise ShapeError(
            f"guide must be one channel (H, W); got shape {g.shape}. Pass a gray guide, e.g. "
            "its luminance."
        )
    if g.shape != t.shape[:2]:
        raise ShapeError(
            f"guide must have the height and width of target {t.shape[:2]}; got {g.shape}."
        )
    t_range = v.check_data_range(data_range, t.dtype)
    g_range = (
        v.default_data_range(g.dtype)
        if guide_range is None
        else v.check_positive_float(guide_range, "guide_range")
    )
    out_dtype = v.output_dtype(dtype, t.dtype)
    if not isinstance(return_guide, bool):
        raise ParameterError(f"return_guide must be a bool; got {v.describe(return_guide)}.")
    params = {
        "radius": radius,
        "eps_i": eps_i,
        "eps_g": eps_g,
        "lam_i": lam_i,
        "lam_g": lam_g,
        "iterations": iterations,
    }
    with np.errstate(over="ignore"):  # float64 beyond float32 becomes inf: NonFiniteError
        t01, g01 = to_unit(t, t_range), to_unit(g, g_range)
    try:
        if not return_guide:
            out = mutual_structure_channels(t01, g01, **params)
            return from_unit(out, out_dtype, t_range)
        planes = [t01] if t.ndim == 2 else [t01[:, :, c] for c in range(channels)]
        pairs = [planes_filter(p, g01, **params) for p in planes]
    except NonFiniteError:
        raise _nonfinite_error(t, g) from None
    if t.ndim == 2:
        out, gout = pairs[0]
    else:
        out = np.stack([p[0] for p in pairs], axis=2)
        gout = np.stack([p[1] for p in pairs], axis=2)
    return from_unit(out, out_dtype, t_range), gout * np.float32(g_range)
