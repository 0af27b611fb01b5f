"""``restore()``: validation, parameter resolution and dtype handling around the tasks."""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validate as v
from ..errors import NonFiniteError, ParameterError, ShapeError
from ._common import (
    auto_subsample,
    from_unit,
    luminance,
    scaled_radius,
    to_unit,
)
from ._fast import Finish
from ._noise import estimate_noise
from ._tasks import FINISHING, GUIDE_CACHING, RAW_INPUT_TASKS, TASK_FUNCTIONS

__all__ = ["PRESETS", "TASKS", "preset_table", "restore"]

#: the task names accepted by :func:`restore` (``None`` is the generic restoration)
TASKS: tuple[str, ...] = (
    "flash_denoise",
    "flash_deblur",
    "nir_dehaze",
    "day_night",
    "structure_transfer",
    "depth_upsample",
)

#: the tasks whose parameters depend on the target's estimated noise level
NOISE_TASKS: tuple[str | None, ...] = (None, "flash_denoise", "depth_upsample")

#: Preset parameters per task. Values of keys ending in ``radius`` are for a 512-pixel short
#: side and are scaled linearly with the image (an override is used as given). ``"auto"``
#: values are resolved from the data (see ``docs/restore.md``); ``subsample="auto"`` is the
#: fast guided filter factor ``max(1, short side // 270)`` (1 up to 539 pixels, 2 at 720p, 4
#: at 1080p, 8 at 2160p), so the coefficients are fitted on a 270-539 pixel grid. eps values
#: are in [0, 1]**2 units, i.e. relative to the data range.
PRESETS: dict[str | None, dict[str, Any]] = {
    None: {
        "method": "gf",
        "radius": "auto",
        "eps": "auto",
        "radii": (2, 4, 8, 12),
        "eps_list": (1e-4, 1e-3, 1e-2),
        "lam": 1.0,
        "iterations": 5,
        "min_sigma": 0.002,
    },
    "flash_denoise": {
        "guide_mode": "color",
        "radius": 8,
        "eps": "auto",
        "n_diffusion": 1,
        "n_residual": 2,
        "relight_radius": 32,
        "blend_radius": 2,
        "subsample": "auto",
        "decimation": "mean",
        "precision": "auto",
    },
    "flash_deblur": {
        "radius": 4,
        "eps": 1e-4,
        "blur_radius": "auto",
        "max_blur_radius": 4,
        "precision": "auto",
    },
    "nir_dehaze": {
        "patch_radius": 7,
        "radius": 28,
        "eps": 1e-3,
        "omega": 0.95,
        "t0": 0.1,
        "refine": "gf",
        "nir_detail": 0.0,
        "detail_radius": 8,
        "subsample": "auto",
        "decimation": "nearest",
        "precision": "auto",
    },
    "day_night": {
        "radius": 8,
        "eps": 1e-2,
        "delta": 0.02,
        "strength": 1.0,
        "detail": "rgb",
        "subsample": "auto",
        "decimation": "mean",
        "precision": "auto",
    },
    "structure_transfer": {
        "radius": 6,
        "eps": 1e-2,
        "strength": 1.0,
        "gain": "auto",
        "guided_base": True,
        "subsample": "auto",
        "decimation": "mean",
        "precision": "auto",
    },
    "depth_upsample": {
        "guide_mode": "color",
        "denoise_radius": 1,
        "denoise_eps": "auto",
        "radius": "auto",
        "eps": 3e-4,
        "iterations": 1,
        "snap_radius": "auto",
        "snap_threshold": 0.05,
        "precision": "auto",
    },
}

_COMMON_KEYS = ("data_range", "guide_range")
_CHOICES: dict[str, tuple[Any, ...]] = {
    "method": ("gf", "msjf", "wgif", "gdgif"),
    "guide_mode": ("color", "gray"),
    "refine": ("gf", "msjf"),
    "detail": ("rgb", "luma"),
    "precision": ("auto", "single", "double"),
    "decimation": ("nearest", "mean"),
}


def preset_table() -> str:
    """The presets as a Markdown table (task, parameter, default).

    Returns
    -------
    str
        One row per (task, parameter); radii are at a 512-pixel short side.
    """
    rows = ["| task | parameter | default |", "|---|---|---|"]
    for task, params in PRESETS.items():
        for key, value in params.items():
            rows.append(f"| {task if task else 'None (generic)'} | {key} | {value!r} |")
    return "\n".join(rows)


def check_parameter_names(task: str | None, overrides: dict[str, Any]) -> None:
    """ParameterError naming the valid ones unless every key is a parameter of `task`."""
    allowed = set(PRESETS[task]) | set(_COMMON_KEYS)
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for task {task!r}; valid "
            f"ones: {', '.join(sorted(allowed))}."
        )


def _task_name(task: Any) -> str | None:
    if task is None or (isinstance(task, str) and task in TASKS):
        return task
    names = ", ".join(repr(t) for t in TASKS)
    raise ParameterError(
        f"task must be None (generic restoration) or one of {names}; got {v.describe(task)}."
    )


def _check_guide(g: np.ndarray, task: str | None) -> None:
    if g.ndim == 3 and g.shape[2] == 4 and g.shape[0] > 4:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. For an RGBA guide drop the "
            "alpha channel: guide[..., :3]."
        )
    ch = v.check_image_shape(g, "guide", 3)
    if ch == 2:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. Pass one channel or RGB."
        )


def _check_sizes(t: np.ndarray, g: np.ndarray, task: str | None) -> int:
    th, tw = t.shape[:2]
    gh, gw = g.shape[:2]
    if task == "depth_upsample":
        fy, fx = gh // max(th, 1), gw // max(tw, 1)
        ok = fy >= 1 and fy == fx and gh - fy * th < fy and gw - fx * tw < fx
        if not ok:
            raise ShapeError(
                f"depth_upsample needs a guide whose size is an integer factor f of the depth's, "
                f"the same along both axes (f*h <= H < f*(h+1), likewise for W); got depth "
                f"{(th, tw)} and guide {(gh, gw)}. Crop the guide to f*h x f*w or pass a depth "
                "map of the matching low resolution."
            )
        return fy
    if (th, tw) != (gh, gw):
        raise ShapeError(
            f"guide must have the height and width of target {(th, tw)}; got {(gh, gw)}. "
            "Resize or crop the guide so the two images are registered pixel for pixel "
            "(only task='depth_upsample' takes a smaller target)."
        )
    return 1


def _check_task_channels(t: np.ndarray, g: np.ndarray, task: str | None) -> np.ndarray:
    tc = 1 if t.ndim == 2 else t.shape[2]
    gc = 1 if g.ndim == 2 else g.shape[2]
    if task == "nir_dehaze":
        if tc != 3:
            raise ShapeError(
                f"nir_dehaze needs the hazy colour image as target, shape (H, W, 3); got shape "
                f"{t.shape}. The dark-channel prior needs three colour channels; pass the RGB "
                "image as target and the near-infrared image as guide."
            )
        if gc == 3:
            if not (
                np.array_equal(g[:, :, 0], g[:, :, 1]) and np.array_equal(g[:, :, 0], g[:, :, 2])
            ):
                raise ShapeError(
                    f"nir_dehaze needs a single-channel near-infrared guide, shape (H, W); got "
                    f"a colour image of shape {g.shape}. Pass the NIR frame (if it is stored "
                    "as three identical channels, pass guide[..., 0])."
                )
            g = g[:, :, 0]
    if task == "depth_upsample" and tc != 1:
        raise ShapeError(
            f"depth_upsample needs a single-channel depth map as target, shape (h, w); got "
            f"shape {t.shape}. Pass the depth as target and the RGB (or gray) image as guide."
        )
    return g  # a gray guide serves every target channel


def _resolve(
    task: str | None,
    t: np.ndarray,
    g: np.ndarray,
    sigma: float,
    factor: int,
    overrides: dict[str, Any],
    dtype: Any = np.float32,
) -> dict[str, Any]:
    preset = copy.deepcopy(PRESETS[task])
    check_parameter_names(task, overrides)
    _validate_params(overrides, task)  # before the values are used below
    shape = g.shape[:2]
    p: dict[str, Any] = {}
    for key, value in preset.items():
        if key in overrides:
            p[key] = overrides[key]
            continue
        if key.endswith("radius") and isinstance(value, int) and not isinstance(value, bool):
            # denoise_radius acts on the low-resolution depth: scaled with the depth's size
            own = t.shape[:2] if key == "denoise_radius" else shape
            p[key] = scaled_radius(value, own, minimum=1 if value > 0 else 0)
        else:
            p[key] = value
    if p.get("subsample") == "auto":
        p["subsample"] = auto_subsample(shape)
    # data-driven values
    if task is None:
        if "radii" not in overrides:
            p["radii"] = sorted({scaled_radius(r, shape) for r in p["radii"]})
        p["radii"] = list(p["radii"])
        p["eps_list"] = list(p["eps_list"])
        if p["method"] != "gf" or "radius" in overrides or "eps" in overrides:
            # a fixed filter: no SURE search
            if p["radius"] == "auto":
                p["radius"] = scaled_radius(3.0 + 40.0 * sigma, shape)
            if p["eps"] == "auto":
                p["eps"] = float(min(max(0.2 * sigma * sigma, 1e-4), 0.05))
            p["radii"] = [p["radius"]]
            p["eps_list"] = [p["eps"]]
    if task == "flash_denoise" and p["eps"] == "auto":
        p["eps"] = float(min(max(0.5 * sigma * sigma, 1e-5), 0.01))
    if task == "depth_upsample":
        if p["radius"] == "auto":
            p["radius"] = max(2, factor)
        if p["snap_radius"] == "auto":
            p["snap_radius"] = factor if factor > 1 else 0
        if p["denoise_eps"] == "auto":  # a quarter of the depth's noise variance
            p["denoise_eps"] = float(max(0.25 * sigma * sigma, 1e-6))
    _validate_params(p, task)
    if "max_blur_radius" in p:
        # blurs wider than the image are all the same constant (clipped box means), so the
        # search stops there: same choice, and a huge value cannot run for hours
        p["max_blur_radius"] = min(p["max_blur_radius"], max(shape))
    if p.get("precision") == "auto":
        # float32 sums where their error (under a tenth of a level, see SINGLE_MIN_EPS) cannot
        # show: 8-bit results; 16-bit and float results keep double
        p["precision"] = "single" if np.dtype(dtype) == np.uint8 else "double"
    p["noise_sigma"] = round(sigma, 6)
    return p


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"


def _validate_params(p: dict[str, Any], task: str | None) -> None:
    """ParameterError naming the parameter unless every value in `p` is valid for `task`.

    ``"auto"`` is accepted only where the task's preset is ``"auto"`` (and for
    ``subsample``, which every task with that parameter resolves).
    """
    preset = PRESETS[task]
    for key, value in p.items():
        if key not in preset:
            continue  # data-driven values added by the tasks
        if _is_auto(value):
            if _is_auto(preset[key]) or key == "subsample":
                continue
            raise ParameterError(
                f"{key} has no 'auto' value for task {task!r}; pass a value (default "
                f"{preset[key]!r}) or leave it out."
            )
        if key in _CHOICES:
            if not isinstance(value, str) or value not in _CHOICES[key]:
                opts = ", ".join(map(repr, _CHOICES[key]))
                raise ParameterError(f"{key} must be one of {opts}; got {v.describe(value)}.")
        elif key.endswith("radius") or key in (
            "iterations",
            "n_diffusion",
            "n_residual",
            "subsample",
        ):
            v.check_radius(value, key)
            if key == "subsample" and value < 1:
                raise ParameterError("subsample must be an int >= 1; got 0.")
        elif key in (
            "eps",
            "denoise_eps",
            "delta",
            "lam",
            "omega",
            "t0",
            "min_sigma",
            "snap_threshold",
        ):
            v.check_positive_float(value, key)
        elif key in ("radii", "eps_list"):
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, np.ndarray)):
                raise ParameterError(
                    f"{key} must be a non-empty list of candidate values, e.g. {key}="
                    f"{list(preset[key])}; got {v.describe(value)}."
                )
            if len(value) == 0:
                raise ParameterError(
                    f"{key} must list at least one candidate for the SURE search; got an "
                    f"empty {type(value).__name__}."
                )
            for item in value:
                if key == "radii":
                    v.check_radius(item, "radii")
                else:
                    v.check_positive_float(item, "eps_list")
        elif key in ("strength", "nir_detail", "gain"):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
            ):
                hint = " ('auto' or a number)" if key == "gain" else ""
                raise ParameterError(
                    f"{key} must be a finite number{hint}; got {v.describe(value)}."
                )
        elif key == "guided_base" and not isinstance(value, (bool, np.bool_)):
            raise ParameterError(
                f"guided_base must be True (guided-filter base) or False (box mean); got "
                f"{v.describe(value)}."
            )


def _check_finite(
    unit: np.ndarray, raw: np.ndarray, name: str, range_name: str, rng: float
) -> None:
    """NonFiniteError unless the float32 form `unit` (`raw` / `rng`) of float `raw` is finite."""
    if raw.dtype.kind != "f" or np.isfinite(unit).all():
        return
    if not np.isfinite(raw).all():
        raise NonFiniteError(
            f"{name} contains NaN or Inf; replace them first, e.g. np.nan_to_num({name})."
        )
    peak = float(np.abs(raw).max())
    if peak > float(np.finfo(np.float32).max):
        raise NonFiniteError(
            f"{name} has values beyond float32's range (max |value| {peak:.3g}), where the "
            f"computation runs; rescale it to [0, 1] first (float data are converted to "
            f"float32 before {range_name}= is applied)."
        )
    raise NonFiniteError(
        f"{name} / {range_name} overflows float32 ({range_name}={rng:.3g}, max |value| "
        f"{peak:.3g}); pass the data's peak value as {range_name}=."
    )


def restore(
    target: NDArray[Any],
    guide: NDArray[Any],
    task: str | None = None,
    *,
    return_params: bool = False,
    **overrides: Any,
) -> NDArray[Any] | tuple[NDArray[Any], dict[str, Any]]:
    """Restore `target` under the guidance of a registered image of another modality.

    Parameters
    ----------
    target : ndarray, shape (H, W) or (H, W, C), C <= 4
        Image to restore: uint8, uint16 or float (float data in [0, 1] unless
        ``data_range=`` is given). For ``depth_upsample`` a low-resolution depth ``(h, w)``.
    guide : ndarray, shape (H, W) or (H, W, 3)
        Registered guide (flash, NIR, day image, foreground, RGB), any supported dtype.
        Same height and width as the target, except for ``depth_upsample`` where
        ``H = f*h`` (up to ``f - 1`` extra rows/columns) for an integer factor ``f``.
    task : str or None
        ``"flash_denoise"``, ``"flash_deblur"``, ``"nir_dehaze"``, ``"day_night"``,
        ``"structure_transfer"``, ``"depth_upsample"``, or ``None`` for the generic
        noise-driven joint restoration.
    return_params : bool
        Also return the effective parameters (after scaling and data-driven choices).
    **overrides
        Parameters of the task's preset (see :data:`PRESETS` / :func:`preset_table`), used as
        given, plus ``data_range`` (target) and ``guide_range`` (guide) for float data not in
        [0, 1]. ``structure_transfer`` takes ``strength`` (detail gain, default 1).

    Returns
    -------
    ndarray or (ndarray, dict)
        The restored image in the target's dtype (guide's size for ``depth_upsample``); with
        ``return_params=True`` also the parameter dict.

    Raises
    ------
    ParameterError
        Unknown task (the message lists the valid ones), unknown or invalid parameters.
    ShapeError
        Mismatched sizes, wrong channel counts, a guide that cannot serve the task.
    DTypeError
        Unsupported dtypes.
    NonFiniteError
        NaN or Inf in an input.

    Examples
    --------
    >>> import numpy as np
    >>> from jointfilter import restore
    >>> flash = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    >>> noflash = (0.3 * flash).astype(np.float32)
    >>> restore(noflash, flash, "flash_denoise").shape
    (64, 64, 3)
    """
    return _restore(target, guide, task, return_params, overrides, None)


def _check_not_constant(luma_of: Callable[[np.ndarray], np.ndarray], guide: np.ndarray) -> None:
    """ShapeError if the guide's luma (``luma_of(guide)`` or of a view of it) is constant."""
    # a sample that varies settles it without a full pass (NaN compares unequal either way)
    if float(np.ptp(luma_of(guide[::8, ::8]))) == 0.0 and float(np.ptp(luma_of(guide))) == 0.0:
        raise ShapeError(
            "guide is constant: it carries no structure to guide the restoration. Pass "
            "the registered image of the other modality (flash, NIR, day, foreground or "
            "RGB)."
        )


def _restore(
    target: Any,
    guide: Any,
    task: str | None,
    return_params: Any,
    overrides: dict[str, Any],
    guide_state: dict[Any, Any] | None,
) -> NDArray[Any] | tuple[NDArray[Any], dict[str, Any]]:
    """:func:`restore`; `guide_state` (owned by a :class:`jointfilter.video.RestoreFilter`,
    which passes the same guide array, never changed, on every call) keeps what depends on the
    guide alone between calls: its float32 [0, 1] form and luma (for a raw integer guide of
    :data:`~._tasks.RAW_INPUT_TASKS`: that guide, no luma), and the guide-only filters of the
    tasks in :data:`~._tasks.GUIDE_CACHING` (same arithmetic, so the same bits)."""
    task = _task_name(task)
    if not isinstance(return_params, (bool, np.bool_)):
        raise ParameterError(f"return_params must be a bool; got {v.describe(return_params)}.")
    t = v.as_array(target, "target")
    g = v.as_array(guide, "guide")
    v.check_dtype(t, "target")
    v.check_dtype(g, "guide")
    v.check_image_shape(t, "target", 4)
    _check_guide(g, task)
    if min(t.shape[:2]) < 3 or min(g.shape[:2]) < 3:
        raise ShapeError(
            f"target and guide must be at least 3x3 pixels; got {t.shape} and {g.shape}."
        )
    factor = _check_sizes(t, g, task)
    g = _check_task_channels(t, g, task)
    cached = guide_state is not None and "gf" in guide_state
    t_range = overrides.pop("data_range", None)
    g_range = overrides.pop("guide_range", None)
    t_range = v.check_data_range(t_range, t.dtype)
    g_range = (
        v.default_data_range(g.dtype)
        if g_range is None
        else v.check_positive_float(g_range, "guide_range")
    )
    # the tasks never write to their inputs, so float32 [0, 1] data are used without a copy;
    # float data are checked for NaN / Inf on that copy (one pass, as on the input), which
    # also catches float64 values that overflow float32. Integer targets of RAW_INPUT_TASKS
    # are handed over as they are (the task converts what it needs).
    raw = task in RAW_INPUT_TASKS and t.dtype.kind in "ui"
    if raw:
        tf = t
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            tf = to_unit(t, t_range, copy=False)
        _check_finite(tf, t, "target", "data_range", t_range)
    squeeze = tf.ndim == 3 and tf.shape[2] == 1
    if squeeze:
        tf = tf[:, :, 0]
    # an integer 3-channel guide of a RAW_INPUT_TASKS task is handed over as it is too (the
    # task converts it where it needs floats): no float32 copy, no luma
    raw_guide = task in RAW_INPUT_TASKS and g.dtype.kind in "ui" and g.ndim == 3 and g.shape[2] == 3
    if cached:
        gf, gy = guide_state["gf"], guide_state["gy"]  # checked when the state was filled
    elif raw_guide:
        gf, gy = np.ascontiguousarray(g), None
        _check_not_constant(lambda x: luminance(np.asarray(x, np.float32)), gf)
        if guide_state is not None:
            guide_state.update(gf=gf, gy=gy)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            gf = to_unit(g, g_range, copy=False)
        _check_finite(gf, g, "guide", "guide_range", g_range)
        if gf.ndim == 3 and gf.shape[2] == 1:
            gf = gf[:, :, 0]
        gy = luminance(gf)
        _check_not_constant(lambda x: x, gy)
        if guide_state is not None:
            guide_state.update(gf=gf, gy=gy)
    sigma = float("nan")  # only the generic task, flash_denoise and depth_upsample use it
    if return_params or task in NOISE_TASKS:
        # integers exactly on the raw data, floats on the float32 [0, 1] copy
        if t.dtype.kind in "ui":
            sigma = estimate_noise(t, data_range=t_range)
        else:
            sigma = estimate_noise(tf)
    params = _resolve(task, tf, gf, sigma, factor, overrides, dtype=t.dtype)
    if task == "depth_upsample":
        fh, fw = factor * tf.shape[0], factor * tf.shape[1]
        gf = np.ascontiguousarray(gf[:fh, :fw])
        gy = None
    kw: dict[str, Any] = {"luma": gy}
    if raw:
        kw["target_range"] = t_range
    if raw_guide:
        kw["guide_range"] = g_range
    tf, gf = np.ascontiguousarray(tf), np.ascontiguousarray(gf)
    if guide_state is not None and task in GUIDE_CACHING:
        kw["cache"] = guide_state
    if task in FINISHING:  # the conversion to the target's dtype is fused into the task
        out = TASK_FUNCTIONS[task](tf, gf, params, finish=Finish(t.dtype, t_range), **kw)
    else:
        out = from_unit(TASK_FUNCTIONS[task](tf, gf, params, **kw), t.dtype, t_range)
    if squeeze:
        out = out[:, :, None]
    if out.dtype == t.dtype and np.may_share_memory(out, t):
        out = out.copy()  # never hand back (a view of) the caller's array
    params = {"task": task, **params}
    if task == "depth_upsample":
        params["factor"] = factor
    return (out, params) if return_params else out
