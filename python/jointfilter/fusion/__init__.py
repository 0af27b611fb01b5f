"""Infrared/visible (and multi-focus) image fusion with guided-filter weight maps.

>>> import numpy as np
>>> from jointfilter.fusion import fuse
>>> rng = np.random.default_rng(0)
>>> ir = rng.integers(0, 256, (64, 80), dtype=np.uint8)
>>> vis = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
>>> fuse(ir, vis).shape, fuse(ir, vis).dtype
((64, 80, 3), dtype('uint8'))

Methods: ``"guided"`` (GFF, Li, Kang & Hu 2013), ``"focus"`` (weight map from a focus measure,
the classical stand-in for the blur-detection CNN) and ``"cnn"`` (the blur-detection network of
:mod:`jointfilter.models`). See ``docs/fusion.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _cuda
from .. import _validate as v
from ..errors import ParameterError, ShapeError
from ._blend import ENHANCE_MODES, enhance
from ._color import rgb_to_ycbcr_scaled, ycbcr_to_rgb_out
from ._common import check_float, check_inputs, check_int, from_unit, infrared_unit, to_unit
from ._focus import BLEND_MODES, FOCUS_MEASURES, blend_with_decision, focus_decision
from ._gff import gff_fuse

__all__ = ["METHODS", "fuse"]

METHODS = ("guided", "focus", "cnn")
_CNN_WINDOW = 32  # the blur-detection network's window (BlurCNNModel.window)

_COMMON = {"enhance": "none", "enhance_gain": 1.5, "enhance_radius": 8, "enhance_eps": 1e-2}
_GFF = {"r1": 45, "eps1": 0.3, "r2": 7, "eps2": 1e-6, "base_radius": 15, "subsample": 1}
_BLEND = {
    "blend": "pyramid",
    "radius": 8,
    "eps": 0.1,
    "levels": None,
    "match_threshold": 0.6,
    **_GFF,
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "guided": {**_COMMON, **_GFF},
    "focus": {**_COMMON, **_BLEND, "measure": "sml", "focus_radius": 4, "threshold": 0.0},
    "cnn": {**_COMMON, **_BLEND, "model": "blur-cnn", "backend": "auto", "stride": 8},
}
#: largest accepted enhance_gain: beyond it the detail boost saturates every pixel
_MAX_GAIN = 1e6
_INTS = ("r1", "r2", "base_radius", "radius", "enhance_radius", "focus_radius")
_POSITIVE = ("eps1", "eps2", "eps", "enhance_eps")


def _check_params(method: Any, params: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(method, str) or method not in METHODS:
        names = ", ".join(repr(m) for m in METHODS)
        raise ParameterError(f"method must be one of {names}; got {method!r}.")
    defaults = _DEFAULTS[method]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(unknown)} for method={method!r}; accepted: "
            f"{', '.join(sorted(defaults))}."
        )
    p = {**defaults, **params}
    for k in _INTS:
        if k in p:
            p[k] = v.check_radius(check_int(p[k], k, 0), k)
    for k in ("subsample", "stride"):
        if k in p:
            p[k] = check_int(p[k], k, 1)
    if p.get("levels") is not None:
        p["levels"] = check_int(p["levels"], "levels", 1)
    for k in _POSITIVE:
        if k in p:
            p[k] = check_float(p[k], k, inclusive=False)
    p["enhance_gain"] = check_float(p["enhance_gain"], "enhance_gain")
    if p["enhance_gain"] > _MAX_GAIN:
        raise ParameterError(
            f"enhance_gain must be <= {_MAX_GAIN:g}; got {p['enhance_gain']!r}. Larger gains "
            "saturate every pixel of the enhanced source to 0 or 1 (typical values: 1 to 5)."
        )
    if "threshold" in p:
        p["threshold"] = check_float(p["threshold"], "threshold")
    if p.get("match_threshold") is not None:
        p["match_threshold"] = check_float(p["match_threshold"], "match_threshold")
    if p["enhance"] not in ENHANCE_MODES:
        names = ", ".join(repr(m) for m in ENHANCE_MODES)
        raise ParameterError(f"enhance must be one of {names}; got {p['enhance']!r}.")
    if "blend" in p and p["blend"] not in BLEND_MODES:
        names = ", ".join(repr(m) for m in BLEND_MODES)
        raise ParameterError(f"blend must be one of {names}; got {p['blend']!r}.")
    if "measure" in p and p["measure"] not in FOCUS_MEASURES:
        names = ", ".join(repr(m) for m in FOCUS_MEASURES)
        raise ParameterError(f"measure must be one of {names}; got {p['measure']!r}.")
    return p


def _fuse_planes(
    ir: np.ndarray, vis: np.ndarray, method: str, p: dict[str, Any]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fuse two gray planes in [0, 1]; returns the fused plane and the weight maps."""

    def enh(x: np.ndarray) -> np.ndarray:
        return enhance(
            x,
            p["enhance"],
            gain=p["enhance_gain"],
            radius=p["enhance_radius"],
            eps=p["enhance_eps"],
        )

    e_ir, e_vis = enh(ir), enh(vis)
    if method == "guided":
        return gff_fuse(
            [ir, vis],
            blend_sources=[e_ir, e_vis],
            r1=p["r1"], eps1=p["eps1"], r2=p["r2"], eps2=p["eps2"],
            base_radius=p["base_radius"], subsample=p["subsample"],
        )  # fmt: skip
    if method == "focus":
        decision = focus_decision(
            ir, vis, measure=p["measure"], focus_radius=p["focus_radius"],
            threshold=p["threshold"],
        )  # fmt: skip
        extra: dict[str, np.ndarray] = {}
    else:
        from ._cnn import cnn_decision

        decision, score = cnn_decision(
            ir, vis, model=p["model"], backend=p["backend"], stride=p["stride"]
        )
        extra = {"score": score}
    fused, weights = blend_with_decision(
        ir, vis, decision, blend_ir=e_ir, blend_vis=e_vis, blend=p["blend"],
        radius=p["radius"], eps=p["eps"], levels=p["levels"],
        match_threshold=p["match_threshold"], r1=p["r1"], eps1=p["eps1"], r2=p["r2"],
        eps2=p["eps2"], base_radius=p["base_radius"], subsample=p["subsample"],
    )  # fmt: skip
    weights.update(extra)
    return fused, weights


def _check_float_scale(arr: np.ndarray, name: str) -> None:
    """Refuse float data far above the default range 1.0 (e.g. [0, 255] floats), which the
    clipped result would turn almost white without an error."""
    if arr.dtype.kind == "f" and arr.size:
        top = float(arr.max())
        if top > 1.5:
            raise ParameterError(
                f"{name} is float with values up to {top:g}, but float inputs are taken in "
                "[0, 1] unless data_range= says otherwise, and the result would be clipped "
                "to [0, 1]. Pass data_range= with the data's range (e.g. 255; on the command "
                "line --float-range), or clip=False for data above 1 on purpose."
            )


def fuse(
    infrared: NDArray[Any],
    visible: NDArray[Any],
    *,
    method: str = "guided",
    data_range: float | None = None,
    clip: bool = True,
    return_weights: bool = False,
    **params: Any,
) -> NDArray[Any] | tuple[NDArray[Any], dict[str, NDArray[Any]]]:
    """Fuse a registered infrared/visible pair (or any two registered sources).

    Parameters
    ----------
    infrared : ndarray, shape (H, W), (H, W, 1) or (H, W, 3)
        Infrared image, uint8, uint16 or float (float16/32/64). A 3-channel infrared image
        (usually gray stored as RGB) is converted to BT.601 luma first.
    visible : ndarray, shape (H, W), (H, W, 1) or (H, W, 3)
        Visible image of the same height and width. An RGB visible image gives an RGB result:
        the luminance Y (full-range BT.601 YCbCr in float) is fused with the infrared image and
        the chroma Cb, Cr is kept unchanged (``docs/fusion.md``).
    method : {"guided", "focus", "cnn"}, default "guided"
        ``"guided"``: GFF (Li, Kang & Hu 2013). ``"focus"``: decision map from a focus measure
        refined with the guided filter. ``"cnn"``: the same with the blur-detection CNN's
        decision map (needs ``jointfilter.models``' ``"blur-cnn"`` and ONNX Runtime or torch).
    data_range : float, optional
        Value range of **float** inputs (default 1.0); uint8 / uint16 inputs always use 255 /
        65535. Each source is divided by its own range, so mixed dtypes are fine. With the
        default range and ``clip=True``, float values above 1.5 raise ``ParameterError``
        (data in [0, 255] passed as float without ``data_range=255``).
    clip : bool, default True
        Clip a float result to ``[0, data_range]`` (integer results are always rounded
        half-to-even and saturated).
    return_weights : bool, default False
        Also return a dict of ``(2, H, W)`` float32 maps (index 0 = infrared, 1 = visible):
        ``"decision"`` (binary selection maps), ``"base"`` and ``"detail"`` (the refined weights,
        each in [0, 1] and summing to 1; identical except for two-scale blending) and, for
        ``"cnn"``, ``"score"`` (H, W) (the network's soft infrared-is-sharper map).
    **params
        Method parameters (unknown names raise ``ParameterError``):

        all methods
            ``enhance`` ("none" | "detail", default "none"): pre-fusion enhancement of each
            source, ``E(x) = S(x) + enhance_gain * (x - S(x))`` with ``S`` the self-guided
            filter (``enhance_radius`` 8, ``enhance_eps`` 1e-2); ``enhance_gain`` 1.5
            (0 to 1e6).
            The weight maps are always computed from the original sources.
        "guided"
            ``r1`` 45, ``eps1`` 0.3 (base weights), ``r2`` 7, ``eps2`` 1e-6 (detail
            weights), ``base_radius`` 15 (31x31 two-scale mean), ``subsample`` 1 (fast guided
            filter factor for the refinements). eps values are in [0, 1]^2 units.
        "focus"
            ``measure`` ("sml" | "eol" | "tenengrad" | "variance", default "sml"),
            ``focus_radius`` 4, ``threshold`` 0.0 (SML threshold); then the blending
            parameters below.
        "cnn"
            ``model`` ("blur-cnn", a .onnx/.pt path of kind "pairs" or a loaded model),
            ``backend`` ("auto" | "onnx" | "torch"), ``stride`` 8 (at most the network's
            32-pixel window); then the blending parameters below.
        blending ("focus", "cnn")
            ``blend`` ("pyramid" | "two_scale" | "weighted", default "pyramid"), ``radius`` 8,
            ``eps`` 0.1 (refinement ``W = GF(P, (ir + vis) / 2)``), ``levels`` (default:
            coarsest level >= 8 px), ``match_threshold`` 0.6 (None: plain weighted pyramid);
            ``"two_scale"`` uses the GFF parameters ``r1, eps1, r2, eps2, base_radius``.

    Returns
    -------
    fused : ndarray
        Shape ``(H, W)`` for a gray visible image, ``(H, W, 3)`` for a colour one; **dtype of
        `visible`** and its value range (e.g. uint8 visible + uint16 infrared -> uint8).
    weights : dict, optional
        Only with ``return_weights=True``, see above.

    Raises
    ------
    jointfilter.errors.ShapeError
        Different heights/widths (the message names both shapes), wrong layouts, images
        smaller than 32x32 for ``method="cnn"``.
    jointfilter.errors.DTypeError
        Unsupported dtypes.
    jointfilter.errors.ParameterError
        Unknown method or parameter, out-of-range values; for ``method="cnn"`` a `model`
        that is neither "blur-cnn" nor an existing .onnx/.pt file, a model of another kind
        (e.g. "derain"), or a `stride` larger than the network's window.
    jointfilter.errors.NonFiniteError
        NaN or Inf in a float input.
    jointfilter.errors.MissingDependencyError
        ``method="cnn"`` without the model or a runtime; the message says what to install.

    Notes
    -----
    The inputs are never modified. Identical sources give back the source (all weight maps
    sum to 1). Every step runs in the C++ core (``cpp/jointfilter/fusion.hpp``: conversions,
    saliency and focus measures, weight normalisation, two-scale and pyramid blending, next
    to the box and guided filters), multi-threaded (:func:`jointfilter.set_num_threads`) and
    bit-identical to the NumPy reference implementations kept in ``jointfilter.fusion``.

    CUDA arrays (CuPy, ``__cuda_array_interface__`` or DLPack on a CUDA device) run
    ``method="guided"`` and ``method="focus"`` (every measure and blend) on the GPU on the
    current CuPy stream and return a CuPy array: gray infrared, gray or RGB visible,
    uint8/uint16/float32, any method parameters. ``method="cnn"``, ``enhance``,
    ``return_weights``, a 3-channel infrared image or mixed host/device inputs raise
    :class:`~jointfilter.errors.CudaError`; NaN is not detected there (docs/cuda.md).

    References
    ----------
    S. Li, X. Kang, J. Hu. Image fusion with guided filtering. IEEE TIP 22(7), 2013.
    Y. Liu, X. Chen, H. Peng, Z. Wang. Multi-focus image fusion with a deep convolutional
    neural network. Information Fusion 36, 2017.
    S. K. Nayar, Y. Nakagawa. Shape from focus. IEEE TPAMI 16(8), 1994.
    """
    p = _check_params(method, params)
    for name, flag in (("clip", clip), ("return_weights", return_weights)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ParameterError(f"{name} must be a bool (True or False); got {v.describe(flag)}.")
    clip, return_weights = bool(clip), bool(return_weights)
    if _cuda.is_cuda_array(infrared) or _cuda.is_cuda_array(visible):  # GFF / focus on the GPU
        return _cuda.fuse_cuda(
            infrared, visible, method=method, params=p, data_range=data_range, clip=clip,
            return_weights=return_weights,
        )  # fmt: skip
    ir_raw, vis_raw, ir_range, vis_range = check_inputs(infrared, visible, data_range)
    if clip and data_range is None:
        _check_float_scale(ir_raw, "infrared")
        _check_float_scale(vis_raw, "visible")
    ir = infrared_unit(ir_raw, ir_range)
    if method == "cnn" and min(ir.shape) < _CNN_WINDOW:
        raise ShapeError(
            f"infrared and visible must be at least {_CNN_WINDOW}x{_CNN_WINDOW} for "
            f"method='cnn' (the network scores {_CNN_WINDOW}x{_CNN_WINDOW} windows); got "
            f"{ir.shape}. Use method='focus' or 'guided' for small images."
        )
    out_dtype = vis_raw.dtype
    if vis_raw.ndim == 3 and vis_raw.shape[2] == 3:
        y, cb, cr = rgb_to_ycbcr_scaled(vis_raw, vis_range)
        fused_y, weights = _fuse_planes(ir, y, method, p)
        result = ycbcr_to_rgb_out(fused_y, cb, cr, out_dtype, vis_range, clip=clip)
    else:
        vis = to_unit(vis_raw[:, :, 0] if vis_raw.ndim == 3 else vis_raw, vis_range)
        fused, weights = _fuse_planes(ir, np.ascontiguousarray(vis), method, p)
        result = from_unit(fused, out_dtype, vis_range, clip=clip)
    if _single_channel_3d(visible):
        result = result[:, :, None]
    if return_weights:
        return result, weights
    return result


def _single_channel_3d(visible: Any) -> bool:
    """True for a ``(H, W, 1)`` visible image (the result keeps that layout)."""
    arr = np.asarray(visible)
    return arr.ndim == 3 and arr.shape[2] == 1
