"""Bad-input battery for every public entry point beyond the core filters (issue 8).

Table-driven: every row of :data:`CASES` is one call of a public function with one bad (or
unusual but valid) argument, and the row says what must happen:

* ``raises=Class, match=regex``: the call raises ``Class`` (a ``jointfilter.errors`` class, or
  ``OSError`` where the function documents it for unreadable files) and the message matches
  ``regex``, which names the offending argument;
* ``same_as=(args, kwargs)``: the input is valid (read-only, strided, negative-stride, Fortran
  views, ...) and the result equals the call on plain contiguous copies;
* ``check=predicate``: a valid input with a documented result (e.g. an empty image in, an
  empty image out).

Whatever happens, the inputs are compared with copies taken before the call: no case may
modify an array, and no failing case may create, change or leave behind a file. The CLI rows
(:data:`CLI_CASES`) run ``jointfilter.cli.main`` in-process and must exit with status 2 and a
one-line ``jointfilter: error: ...`` message, never a traceback.

A row may carry ``xfail="reason"`` for a known bug in a file owned elsewhere, reported in
issue 8 with the exact change needed; the mark is strict, so a fix makes the row fail until the
marker is removed. (No row carries one at present: the dask, video, GuidedFilter and metric
bugs the battery found are fixed.)

Images are tiny (9x11; 32x34 where a network needs 32x32 windows) so the file runs in seconds.
Run ``python -m pytest tests/test_bad_input.py -q`` to see the case count.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import inspect
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import (
    DTypeError,
    JointFilterError,
    MissingDependencyError,
    ModelError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)
from jointfilter.restoration import TASKS

H, W = 9, 11

HAVE_CV2 = importlib.util.find_spec("cv2") is not None
HAVE_DASK = importlib.util.find_spec("dask") is not None
HAVE_ONNX = importlib.util.find_spec("onnxruntime") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None
NEEDS = {
    "cv2": (HAVE_CV2, "OpenCV (the [io] extra) is not installed"),
    "dask": (HAVE_DASK, "dask (the [dask] extra) is not installed"),
    "runtime": (HAVE_ONNX or HAVE_TORCH, "neither onnxruntime nor torch is installed"),
    "onnx": (HAVE_ONNX, "onnxruntime is not installed"),
    "torch": (HAVE_TORCH, "torch is not installed"),
}


def _img(shape: tuple[int, ...], dtype: Any = np.float32, seed: int = 0) -> np.ndarray:
    """Values in [0.1, 0.9] of the dtype's range: valid for every entry point."""
    x = 0.1 + 0.8 * np.random.default_rng(seed).random(shape)
    if np.dtype(dtype).kind == "u":
        return np.rint(x * np.iinfo(dtype).max).astype(dtype)
    return x.astype(dtype)


# ---------------------------------------------------------------------------------------------
# the case table machinery
# ---------------------------------------------------------------------------------------------


class Ref(str):
    """A prepared file or folder, resolved against the ``files`` fixture at run time."""


@dataclasses.dataclass(frozen=True)
class Case:
    """One call and what it must do (see the module docstring)."""

    id: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    raises: type[BaseException] | None = None
    match: str = ""
    same_as: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    check: Callable[[Any], bool] | None = None
    needs: tuple[str, ...] = ()
    xfail: str = ""


@dataclasses.dataclass(frozen=True)
class Expect:
    """Per-entry-point override of what a standard bad input must do."""

    raises: type[BaseException] | None = None
    match: str | None = None
    check: Callable[[Any], bool] | None = None
    xfail: str = ""
    skip: bool = False


SKIP = Expect(skip=True)


def _bad_images(v: np.ndarray) -> dict[str, tuple[Any, type[BaseException]]]:
    """The standard bad variants of a valid image `v`: kind -> (value, expected class)."""
    f = v.astype(np.float32)
    nan, inf = f.copy(), f.copy()
    nan[v.shape[0] // 2, v.shape[1] // 2] = np.nan
    inf[0, 0] = np.inf
    c3 = v if v.ndim == 3 else np.stack([v, v, v], axis=-1)
    return {
        "str": ("image.png", DTypeError),
        "none": (None, DTypeError),
        "bool": (v > np.median(v), DTypeError),
        "int64": (v.astype(np.int64), DTypeError),
        "complex64": (v.astype(np.complex64), DTypeError),
        "object": (v.astype(object), DTypeError),
        "0d": (np.asarray(v.flat[0]), ShapeError),
        "1d": (np.ascontiguousarray(v.reshape(v.shape[0], -1)[0]), ShapeError),
        "4d": (np.stack([c3, c3]), ShapeError),
        "5ch": (np.concatenate([c3, c3[..., :2]], axis=-1), ShapeError),
        "chw": (np.ascontiguousarray(np.moveaxis(c3, -1, 0)), ShapeError),
        "wider": (np.concatenate([v, v[:, :1]], axis=1), ShapeError),
        "nan": (nan, NonFiniteError),
        "inf": (inf, NonFiniteError),
    }


def _views(v: np.ndarray) -> dict[str, np.ndarray]:
    """Valid views equal to `v` that are not plain C-contiguous writable arrays."""
    ro = v.copy()
    ro.flags.writeable = False
    views = {
        "readonly": ro,
        "strided": np.repeat(v, 2, axis=1)[:, ::2],
        "negstride": np.ascontiguousarray(v[::-1, ::-1])[::-1, ::-1],
        "fortran": np.asfortranarray(v),
    }
    if v.ndim == 3:
        views["channelview"] = np.concatenate([v, v[..., :1]], axis=-1)[..., : v.shape[2]]
    return views


def image_cases(
    ep: str,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    pos: int,
    name: str,
    *,
    expect: dict[str, Expect] | None = None,
    views: bool = True,
    needs: tuple[str, ...] = (),
    view_needs: tuple[str, ...] = (),
    name_re: str | None = None,
) -> Iterator[Case]:
    """The standard bad variants and valid views of argument `pos` (called `name`).

    A message must match `name_re` (default: `name`) unless `expect` overrides it.
    """
    expect = expect or {}
    name_re = name if name_re is None else name_re
    for kind, (value, exc) in _bad_images(args[pos]).items():
        e = expect.get(kind, Expect())
        if e.skip:
            continue
        new = (*args[:pos], value, *args[pos + 1 :])
        if e.check is not None:
            yield Case(f"{ep}[{name}={kind}]", fn, new, kwargs, check=e.check, needs=needs)
            continue
        yield Case(
            f"{ep}[{name}={kind}]",
            fn,
            new,
            kwargs,
            raises=e.raises or exc,
            match=name_re if e.match is None else e.match,
            needs=needs,
            xfail=e.xfail,
        )
    if views:
        for kind, view in _views(args[pos]).items():
            e = expect.get(kind, Expect())
            if e.skip:
                continue
            new = (*args[:pos], view, *args[pos + 1 :])
            yield Case(
                f"{ep}[{name}={kind}]",
                fn,
                new,
                kwargs,
                raises=e.raises,
                match=e.match or "",
                same_as=None if e.raises else (args, kwargs),
                needs=needs + view_needs,
                xfail=e.xfail,
            )


def param_cases(
    ep: str,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    rows: list[tuple[Any, ...]],
    *,
    needs: tuple[str, ...] = (),
) -> Iterator[Case]:
    """Rows ``(label, overrides, Class, match[, xfail])``: call with ``kwargs | overrides``."""
    for row in rows:
        label, over, exc, match = row[:4]
        xfail = row[4] if len(row) > 4 else ""
        yield Case(
            f"{ep}[{label}]",
            fn,
            args,
            {**kwargs, **over},
            raises=exc,
            match=match,
            needs=needs,
            xfail=xfail,
        )


def _shape_is(shape: tuple[int, ...]) -> Callable[[Any], bool]:
    return lambda r: isinstance(r, np.ndarray) and r.shape == shape


BAD_EPS = [
    ("eps=0", {"eps": 0}, ParameterError, "eps"),
    ("eps=-1", {"eps": -1.0}, ParameterError, "eps"),
    ("eps=nan", {"eps": math.nan}, ParameterError, "eps"),
    ("eps=inf", {"eps": math.inf}, ParameterError, "eps"),
    ("eps=str", {"eps": "1e-3"}, ParameterError, "eps"),
]
BAD_RADIUS = [
    ("radius=-1", {"radius": -1}, ParameterError, "radius"),
    ("radius=1.5", {"radius": 1.5}, ParameterError, "radius"),
    ("radius=True", {"radius": True}, ParameterError, "radius"),
    ("radius=nan", {"radius": math.nan}, ParameterError, "radius"),
    ("radius=2**31", {"radius": 2**31}, ParameterError, "radius"),
]

# ---------------------------------------------------------------------------------------------
# jointfilter.restore: every task and the generic task=None
# ---------------------------------------------------------------------------------------------


def _restore_inputs(task: str | None) -> tuple[np.ndarray, np.ndarray]:
    if task == "nir_dehaze":
        return _img((H, W, 3), seed=1), _img((H, W), seed=2)
    if task == "depth_upsample":
        return _img((H, W), seed=1), _img((2 * H, 2 * W, 3), seed=2)
    return _img((H, W, 3), seed=1), _img((H, W, 3), seed=2)


def _restore_cases() -> Iterator[Case]:
    fn = jf.restore
    for task in (None, *TASKS):
        ep = f"restore.{task}"
        t, g = _restore_inputs(task)
        kw = {"task": task}
        target_expect: dict[str, Expect] = {}
        guide_expect: dict[str, Expect] = {}
        if task == "depth_upsample":
            # the size rule compares depth and guide: the message names both
            target_expect["wider"] = Expect(match="depth.*guide")
            # up to f - 1 extra guide columns are documented: the result has f*h x f*w pixels
            guide_expect["wider"] = Expect(check=_shape_is((2 * H, 2 * W)))
            for k in ("5ch", "chw", "4d"):
                target_expect.setdefault(k, Expect(match="target|depth"))
        if task == "nir_dehaze":
            target_expect["chw"] = Expect(match="target")
        yield from image_cases(ep, fn, (t, g), kw, 0, "target", expect=target_expect)
        yield from image_cases(ep, fn, (t, g), kw, 1, "guide", expect=guide_expect)
        # both images too small, empty, or a guide without structure
        small = {
            "empty": (t[:0], g[:0]),
            "1px": (t[:1, :1], g[:2, :2] if task == "depth_upsample" else g[:1, :1]),
            "2x2": (t[:2, :2], g[:4, :4] if task == "depth_upsample" else g[:2, :2]),
        }
        for label, (tt, gg) in small.items():
            yield Case(f"{ep}[{label}]", fn, (tt, gg), kw, raises=ShapeError, match="target")
        yield Case(
            f"{ep}[constant-guide]",
            fn,
            (t, np.full_like(g, 0.5)),
            kw,
            raises=ShapeError,
            match="guide is constant",
        )
        rows = [
            *BAD_RADIUS,
            *BAD_EPS,
            ("data_range=0", {"data_range": 0}, ParameterError, "data_range"),
            ("data_range=nan", {"data_range": math.nan}, ParameterError, "data_range"),
            ("guide_range=-1", {"guide_range": -1.0}, ParameterError, "guide_range"),
            ("guide_range=inf", {"guide_range": math.inf}, ParameterError, "guide_range"),
            ("unknown-param", {"strenght": 1.0}, ParameterError, "strenght"),
            ("return_params=1", {"return_params": 1}, ParameterError, "return_params"),
        ]
        if task in ("flash_denoise", "nir_dehaze", "day_night", "structure_transfer"):
            rows += [
                ("subsample=0", {"subsample": 0}, ParameterError, "subsample"),
                ("subsample=2**31", {"subsample": 2**31}, ParameterError, "subsample"),
            ]
        if task in (None, "depth_upsample"):
            rows.append(("iterations=-1", {"iterations": -1}, ParameterError, "iterations"))
        if task is None:
            rows += [
                ("method=nope", {"method": "nope"}, ParameterError, "method"),
                ("radii=[-1]", {"radii": [-1]}, ParameterError, "radii"),
                ("eps_list=[0]", {"eps_list": [0.0]}, ParameterError, "eps_list"),
            ]
        if task == "structure_transfer":
            rows.append(("strength=nan", {"strength": math.nan}, ParameterError, "strength"))
        yield from param_cases(ep, fn, (t, g), kw, rows)
        # a radius far beyond the image is valid: every window covers the whole image
        big = 4 * max(g.shape[:2])
        yield Case(
            f"{ep}[radius=2**30]",
            fn,
            (t, g),
            {**kw, "radius": 2**30},
            same_as=((t, g), {**kw, "radius": big}),
        )
    # the public noise estimator behind the presets
    from jointfilter.restoration import estimate_noise

    img = _img((H, W, 3), seed=7)
    yield from image_cases(
        "estimate_noise", estimate_noise, (img,), {}, 0, "image", expect={"wider": SKIP}
    )
    yield Case(
        "estimate_noise[2x2]",
        estimate_noise,
        (img[:2, :2],),
        raises=ShapeError,
        match="image must be at least 3x3",
    )
    yield from param_cases(
        "estimate_noise",
        estimate_noise,
        (img,),
        {},
        [
            ("data_range=0", {"data_range": 0}, ParameterError, "data_range"),
            ("data_range=nan", {"data_range": math.nan}, ParameterError, "data_range"),
            ("data_range=True", {"data_range": True}, ParameterError, "data_range"),
        ],
    )
    t, g = _restore_inputs(None)
    for label, task in (("nope", "nope"), ("int", 3), ("case", "Flash_Denoise")):
        yield Case(f"restore[task={label}]", fn, (t, g), {"task": task}, ParameterError, "task")
    t, g = _restore_inputs("nir_dehaze")
    yield Case(
        "restore.nir_dehaze[gray-target]",
        fn,
        (t[..., 0], g),
        {"task": "nir_dehaze"},
        raises=ShapeError,
        match="target",
    )
    yield Case(
        "restore.nir_dehaze[colour-guide]",
        fn,
        (t, _img((H, W, 3), seed=5)),
        {"task": "nir_dehaze"},
        raises=ShapeError,
        match="guide",
    )
    t, g = _restore_inputs("depth_upsample")
    yield Case(
        "restore.depth_upsample[colour-depth]",
        fn,
        (np.stack([t] * 3, -1), g),
        {"task": "depth_upsample"},
        raises=ShapeError,
        match="depth",
    )
    yield Case(
        "restore.depth_upsample[factor-mismatch]",
        fn,
        (t, _img((2 * H, 3 * W, 3), seed=6)),
        {"task": "depth_upsample"},
        raises=ShapeError,
        match="integer factor",
    )


# ---------------------------------------------------------------------------------------------
# jointfilter.fuse: every method
# ---------------------------------------------------------------------------------------------


def _fuse_cases() -> Iterator[Case]:
    fn = jf.fuse
    for method in ("guided", "focus", "cnn"):
        ep = f"fuse.{method}"
        shape = (32, 34) if method == "cnn" else (H, W)
        ir, vis = _img(shape, seed=3), _img((*shape, 3), seed=4)
        kw = {"method": method}
        view_needs = ("runtime",) if method == "cnn" else ()
        for pos, name in ((0, "infrared"), (1, "visible")):
            yield from image_cases(
                ep, fn, (ir, vis), kw, pos, name, view_needs=view_needs, expect={}
            )
        yield Case(f"{ep}[empty]", fn, (ir[:0], vis[:0]), kw, raises=ShapeError, match="empty")
        if method == "cnn":
            yield Case(
                f"{ep}[too-small]",
                fn,
                (ir[:H, :W], vis[:H, :W]),
                kw,
                raises=ShapeError,
                match="infrared and visible must be at least 32x32",
            )
        else:  # a single pixel is a valid (if pointless) image: one pixel comes back
            yield Case(f"{ep}[1px]", fn, (ir[:1, :1], vis[:1, :1]), kw, check=_shape_is((1, 1, 3)))
        rows = [
            ("unknown-param", {"r3": 1}, ParameterError, "r3"),
            ("data_range=0", {"data_range": 0}, ParameterError, "data_range"),
            ("data_range=nan", {"data_range": math.nan}, ParameterError, "data_range"),
            ("data_range=inf", {"data_range": math.inf}, ParameterError, "data_range"),
            ("clip=1", {"clip": 1}, ParameterError, "clip"),
            ("return_weights=str", {"return_weights": "yes"}, ParameterError, "return_weights"),
            ("enhance=nope", {"enhance": "nope"}, ParameterError, "enhance"),
            ("enhance_gain=nan", {"enhance_gain": math.nan}, ParameterError, "enhance_gain"),
            ("enhance_gain=-1", {"enhance_gain": -1.0}, ParameterError, "enhance_gain"),
            ("enhance_gain=1e39", {"enhance_gain": 1e39}, ParameterError, "enhance_gain"),
            ("enhance_radius=-1", {"enhance_radius": -1}, ParameterError, "enhance_radius"),
            ("enhance_eps=0", {"enhance_eps": 0}, ParameterError, "enhance_eps"),
            ("r1=-1", {"r1": -1}, ParameterError, "r1"),
            ("r1=2**40", {"r1": 2**40}, ParameterError, "r1"),
            ("r2=1.5", {"r2": 1.5}, ParameterError, "r2"),
            ("eps1=0", {"eps1": 0}, ParameterError, "eps1"),
            ("eps2=nan", {"eps2": math.nan}, ParameterError, "eps2"),
            ("base_radius=True", {"base_radius": True}, ParameterError, "base_radius"),
            ("subsample=0", {"subsample": 0}, ParameterError, "subsample"),
        ]
        if method != "guided":
            rows += [
                ("blend=nope", {"blend": "nope"}, ParameterError, "blend"),
                ("radius=-1", {"radius": -1}, ParameterError, "radius"),
                ("eps=-1", {"eps": -1.0}, ParameterError, "eps"),
                ("levels=0", {"levels": 0}, ParameterError, "levels"),
                ("match_threshold=nan", {"match_threshold": math.nan}, ParameterError, "match"),
            ]
        if method == "focus":
            rows += [
                ("measure=nope", {"measure": "nope"}, ParameterError, "measure"),
                ("focus_radius=-1", {"focus_radius": -1}, ParameterError, "focus_radius"),
                ("threshold=nan", {"threshold": math.nan}, ParameterError, "threshold"),
            ]
        if method == "cnn":
            rows += [
                ("stride=0", {"stride": 0}, ParameterError, "stride"),
                ("model=int", {"model": 3}, ParameterError, "model"),
            ]
        yield from param_cases(ep, fn, (ir, vis), kw, rows)
    ir, vis = _img((H, W), seed=3), _img((H, W, 3), seed=4)
    for label, method in (("nope", "nope"), ("none", None), ("upper", "Guided")):
        yield Case(
            f"fuse[method={label}]", fn, (ir, vis), {"method": method}, ParameterError, "method"
        )


# ---------------------------------------------------------------------------------------------
# jointfilter.metrics
# ---------------------------------------------------------------------------------------------

METRIC_EXPECT = {  # fusion metrics read images like the reference codes: see docs/metrics.md
    "nan": Expect(ParameterError),
    "inf": Expect(ParameterError),
    "chw": Expect(ShapeError),
}


def _metrics_cases() -> Iterator[Case]:
    import jointfilter.metrics as jm

    ir, vis, fused = _img((H, W), seed=5), _img((H, W, 3), seed=6), _img((H, W, 3), seed=7)
    fm = jm.fusion_metrics
    for pos, name in ((0, "infrared"), (1, "visible"), (2, "fused")):
        yield from image_cases(
            "fusion_metrics", fm, (ir, vis, fused), {}, pos, name, expect=METRIC_EXPECT
        )
    for label, cut in (("empty", np.s_[:0]), ("1px", np.s_[:1, :1])):
        yield Case(
            f"fusion_metrics[{label}]",
            fm,
            (ir[cut], vis[cut], fused[cut]),
            {},
            raises=ShapeError,
            match="infrared",
        )
    rows = [
        ("metrics=nope", {"metrics": ["EN", "nope"]}, ParameterError, "metrics.*'nope'"),
        ("metrics=[]", {"metrics": []}, ParameterError, "metrics"),
        ("metrics=int", {"metrics": 5}, ParameterError, "metrics"),
        ("metrics=[None]", {"metrics": [None]}, ParameterError, "metrics"),
        ("color_mode=nope", {"color_mode": "nope"}, ParameterError, "color_mode"),
        ("color_mode=None", {"color_mode": None}, ParameterError, "color_mode"),
        ("variant=nope", {"variant": "nope"}, ParameterError, "variant"),
        ("variant=int", {"variant": 5}, ParameterError, "variant"),
        ("variant=bad-map", {"variant": {"NOPE": "x"}}, ParameterError, "metrics"),
        ("variant=bad-value", {"variant": {"PSNR": "nope"}}, ParameterError, "variant"),
        ("float_range=0", {"float_range": 0}, ParameterError, "float_range"),
        ("float_range=-1", {"float_range": -1.0}, ParameterError, "float_range"),
        ("float_range=nan", {"float_range": math.nan}, ParameterError, "float_range"),
        ("float_range=inf", {"float_range": math.inf}, ParameterError, "float_range"),
        ("float_range=True", {"float_range": True}, ParameterError, "float_range"),
        ("float_range=str", {"float_range": "1"}, ParameterError, "float_range"),
    ]
    yield from param_cases("fusion_metrics", fm, (ir, vis, fused), {}, rows)
    yield Case(
        "fusion_metrics[float_range=np.float32]",
        fm,
        (ir, vis, fused),
        {"float_range": np.float32(1.0)},
        same_as=((ir, vis, fused), {"float_range": 1.0}),
    )
    yield Case(
        "fusion_metrics[0-255-floats]",
        fm,
        (ir * 255, vis, fused),
        {},
        raises=ParameterError,
        match="infrared.*float_range=255",
    )
    yield Case(
        "fusion_metrics[int32]",
        fm,
        (ir, vis, (fused * 255).astype(np.int32)),
        {},
        raises=DTypeError,
        match="fused",
    )
    zero = np.zeros((H, W), np.uint8)
    yield Case(
        "fusion_metrics[all-zero-images]",
        fm,
        (zero, zero, zero),
        {},
        check=lambda r: len(r) == len(jm.METRIC_NAMES) and math.isnan(r["Qcv"].value),
    )
    yield Case(  # no saliency anywhere: 0 / 0, NaN as for constant images (and in MATLAB)
        "qcv[all-zero-images]", jm.qcv, (zero, zero, zero), {}, check=math.isnan
    )
    yield Case(
        "qcv[constant-images]",
        jm.qcv,
        (zero + 7, zero + 7, zero + 7),
        {},
        check=math.isnan,
    )
    # every single-metric function: the fused-only ones take one image
    for fname in (n for n in jm.__all__ if n not in ("METRIC_NAMES", "MetricValue")):
        if fname in ("fusion_metrics", "psnr", "ssim"):
            continue
        f = getattr(jm, fname)
        params = list(inspect.signature(f).parameters)
        three = params[:3] == ["infrared", "visible", "fused"]
        base = (ir, vis, fused) if three else (fused,)
        fpos = len(base) - 1
        bad = _bad_images(fused)
        for kind in ("bool", "nan", "4d", "str"):
            value, exc = bad[kind]
            exc = ParameterError if kind == "nan" else exc
            new = (*base[:fpos], value)
            yield Case(f"{fname}[fused={kind}]", f, new, {}, raises=exc, match="fused")
        if three:
            yield Case(
                f"{fname}[visible=wider]",
                f,
                (ir, bad["wider"][0], fused),
                {},
                raises=ShapeError,
                match="visible",
            )
        yield Case(
            f"{fname}[color_mode=nope]",
            f,
            base,
            {"color_mode": "nope"},
            raises=ParameterError,
            match="color_mode",
        )
        if "variant" in params:
            yield Case(
                f"{fname}[variant=nope]",
                f,
                base,
                {"variant": "nope"},
                raises=ParameterError,
                match="variant",
            )
    # restoration metrics: psnr and ssim need an 11x11 window (ssim)
    ref, test = _img((12, 13, 3), seed=8), _img((12, 13, 3), seed=9)
    restoration_expect = {
        "nan": Expect(ParameterError, "NaN"),
        "inf": Expect(ParameterError, "NaN or infinite"),
        "5ch": Expect(match="same shape"),
        "chw": Expect(match="same shape"),
        "wider": Expect(match="same shape"),
        "int64": Expect(match="int64"),
    }
    for f in (jm.psnr, jm.ssim):
        ep = f.__name__
        for pos, name in ((0, "reference"), (1, "test")):
            yield from image_cases(ep, f, (ref, test), {}, pos, name, expect=restoration_expect)
        yield Case(
            f"{ep}[empty]",
            f,
            (ref[:0], test[:0]),
            {},
            raises=ShapeError,
            match="reference must not be empty",
        )
        rows = [
            ("data_range=0", {"data_range": 0}, ParameterError, "data_range"),
            ("data_range=-1", {"data_range": -1.0}, ParameterError, "data_range"),
            ("data_range=nan", {"data_range": math.nan}, ParameterError, "data_range"),
            ("data_range=inf", {"data_range": math.inf}, ParameterError, "data_range"),
            ("data_range=True", {"data_range": True}, ParameterError, "data_range"),
            ("data_range=str", {"data_range": "1"}, ParameterError, "data_range"),
            ("crop=-1", {"crop": -1}, ParameterError, "crop"),
            ("crop=1.5", {"crop": 1.5}, ParameterError, "crop"),
            ("crop=True", {"crop": True}, ParameterError, "crop"),
            ("crop=huge", {"crop": 100}, ParameterError, "crop"),
        ]
        yield from param_cases(ep, f, (ref, test), {}, rows)
        yield Case(
            f"{ep}[data_range=np.float32]",
            f,
            (ref, test),
            {"data_range": np.float32(1)},
            same_as=((ref, test), {"data_range": 1.0}),
        )
        yield Case(
            f"{ep}[mixed-dtypes]",
            f,
            (ref, test.astype(np.float64)),
            {},
            raises=DTypeError,
            match="data_range",
        )
    yield Case(
        "psnr[1px]",
        jm.psnr,
        (ref[:1, :1], test[:1, :1]),
        {},
        check=lambda r: isinstance(r, float) and math.isfinite(r),
    )
    yield Case(
        "ssim[1px]", jm.ssim, (ref[:1, :1], test[:1, :1]), {}, raises=ShapeError, match="11x11"
    )
    yield Case(
        "ssim[channel_mode=nope]",
        jm.ssim,
        (ref, test),
        {"channel_mode": "nope"},
        raises=ParameterError,
        match="channel_mode",
    )


# ---------------------------------------------------------------------------------------------
# jointfilter.models: load and run
# ---------------------------------------------------------------------------------------------


@functools.cache
def _model(name: str) -> Any:
    import jointfilter.models as jm

    return jm.load(name)


def _call_model(name: str, method: str = "__call__") -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_model(name), method)(*args, **kwargs)

    call.__name__ = f"{name}.{method}"
    return call


def _load(*args: Any, **kwargs: Any) -> Any:
    import jointfilter.models as jm

    return jm.load(*args, **kwargs)


def _verify_with(path: str, fmt: str = "onnx") -> Any:
    """``verify`` of the shipped mirnet-denoise entry pointed at another file."""
    import jointfilter.models as jm

    spec = jm.REGISTRY["mirnet-denoise"]
    spec = dataclasses.replace(spec, files={"onnx": (path, spec.files["onnx"][1])})
    return jm.verify(spec, fmt)


def _is_stack_of_two(r: Any) -> bool:
    """A 4-D input is a batch of frames: a 4-D result of the same length comes back."""
    return isinstance(r, np.ndarray) and r.ndim == 4 and r.shape[0] == 2


def _models_cases() -> Iterator[Case]:
    rt = ("runtime",)
    # load: names, paths, files
    yield Case("models.load[unknown-name]", _load, ("nope",), raises=ModelError, match="nope")
    yield Case("models.load[None]", _load, (None,), raises=ModelError, match="name_or_path")
    yield Case("models.load[int]", _load, (5,), raises=ModelError, match="name_or_path")
    yield Case(
        "models.load[missing-file]",
        _load,
        (Ref("models/missing.onnx"),),
        raises=ModelError,
        match="missing.onnx",
    )
    yield Case(
        "models.load[folder]", _load, (Ref("models/dir.onnx"),), raises=ModelError, match="dir.onnx"
    )
    yield Case(
        "models.load[wrong-suffix]",
        _load,
        (Ref("models/plain.txt"),),
        raises=ModelError,
        match="plain.txt",
    )
    for f in ("corrupt.onnx", "truncated.onnx", "empty.onnx"):
        yield Case(
            f"models.load[{f}]",
            _load,
            (Ref(f"models/{f}"),),
            {"backend": "onnx"},
            raises=ModelError,
            match=f,
            needs=("onnx",),
        )
    for f in ("corrupt.pt", "truncated.pt"):
        yield Case(
            f"models.load[{f}]",
            _load,
            (Ref(f"models/{f}"),),
            {"backend": "torch"},
            raises=ModelError,
            match=f,
            needs=("torch",),
        )
    yield Case(
        "models.load[torch-for-onnx-file]",
        _load,
        (Ref("models/corrupt.onnx"),),
        {"backend": "torch"},
        raises=ModelError,
        match="torchscript",
    )
    for stem, match in (
        ("badjson", "not valid JSON"),
        ("listjson", "JSON object"),
        ("badmultiple", "multiple"),
        ("badkind", "kind"),
    ):
        yield Case(
            f"models.load[{stem}-sidecar]",
            _load,
            (Ref(f"models/{stem}.onnx"),),
            raises=ModelError,
            match=match,
        )
    yield Case(
        "models.verify[wrong-sha]",
        _verify_with,
        (Ref("models/badsha.onnx"),),
        raises=ModelError,
        match="corrupt",
    )
    yield Case(
        "models.verify[missing]",
        _verify_with,
        (Ref("models/missing.onnx"),),
        raises=ModelError,
        match="missing",
    )
    yield Case(
        "models.verify[no-such-format]",
        _verify_with,
        (Ref("models/badsha.onnx"), "torchscript"),
        raises=ModelError,
        match="torchscript",
    )
    rows = [
        ("backend=nope", {"backend": "nope"}, ParameterError, "backend"),
        ("backend=None", {"backend": None}, ParameterError, "backend"),
        ("device=gpu", {"device": "gpu"}, ParameterError, "device", ""),
        ("device=int", {"device": 0}, ParameterError, "device"),
        ("half=str", {"half": "yes"}, ParameterError, "half"),
        ("kind=nope", {"kind": "nope"}, ParameterError, "kind"),
        ("multiple=0", {"multiple": 0}, ParameterError, "multiple"),
        ("multiple=1.5", {"multiple": 1.5}, ParameterError, "multiple"),
        ("latent_dim=-1", {"latent_dim": -1}, ParameterError, "latent_dim"),
    ]
    # device and half checks need the runtime that the backend imports
    for row in rows:
        needs = rt if row[0] in ("device=gpu",) else ()
        yield from param_cases(
            "models.load", _load, ("mirnet-denoise",), {}, [row[:4]], needs=needs
        )
    yield Case(
        "models.load[half-on-cpu]",
        _load,
        ("mirnet-denoise",),
        {"half": True},
        raises=ParameterError,
        match="half",
        needs=rt,
    )
    # model calls
    img = _img((H, W, 3), seed=10)
    model_expect = {
        "none": Expect(DTypeError, "image"),
        "4d": Expect(check=_is_stack_of_two),
        "5ch": Expect(ShapeError, "channels"),
        "wider": SKIP,  # one image: a different size is just another image
    }
    mirnet = _call_model("mirnet-denoise")
    yield from image_cases(
        "mirnet-denoise", mirnet, (img,), {}, 0, "image", expect=model_expect, needs=rt
    )
    yield Case(
        "mirnet-denoise[5d]",
        mirnet,
        (np.zeros((1, 1, H, W, 3), np.float32),),
        raises=ShapeError,
        match="image",
        needs=rt,
    )
    yield Case(
        "mirnet-denoise[2ch]",
        mirnet,
        (img[..., :2],),
        raises=ShapeError,
        match="channels",
        needs=rt,
    )
    yield Case(
        "mirnet-denoise[float16]",
        mirnet,
        (img.astype(np.float16),),
        raises=DTypeError,
        match="float16",
        needs=rt,
    )
    yield Case(
        "mirnet-denoise[float64-huge]",
        mirnet,
        (img.astype(np.float64) * 1e300,),
        raises=ParameterError,
        match="image",
        needs=rt,
    )
    yield Case(
        "mirnet-denoise[empty-list]", mirnet, ([],), raises=ShapeError, match="image", needs=rt
    )
    yield Case(
        "mirnet-denoise[list-with-bad-frame]",
        mirnet,
        ([img, img[..., 0] > 0.5],),
        raises=DTypeError,
        match=r"image\[1\]",
        needs=rt,
    )
    yield Case("mirnet-denoise[empty]", mirnet, (img[:0],), check=_shape_is((0, W, 3)), needs=rt)
    yield Case("mirnet-denoise[1px]", mirnet, (img[:1, :1],), check=_shape_is((1, 1, 3)), needs=rt)
    rows = [
        ("tile=-1", {"tile": -1}, ParameterError, "tile"),
        ("tile=2.5", {"tile": 2.5}, ParameterError, "tile"),
        ("tile=True", {"tile": True}, ParameterError, "tile"),
        ("tile<overlap", {"tile": 4}, ParameterError, "overlap.*tile"),
        ("overlap=-1", {"overlap": -1}, ParameterError, "overlap"),
        ("overlap=nan", {"overlap": math.nan}, ParameterError, "overlap"),
        ("batch_size=0", {"batch_size": 0}, ParameterError, "batch_size"),
        ("batch_size=True", {"batch_size": True}, ParameterError, "batch_size"),
        ("unknown-kwarg", {"z": [0.0] * 4}, ParameterError, "z"),
    ]
    yield from param_cases("mirnet-denoise", mirnet, (img,), {}, rows, needs=rt)
    derain = _call_model("derain")
    yield Case(
        "derain[nan]",
        derain,
        (_bad_images(img)["nan"][0],),
        raises=NonFiniteError,
        match="image",
        needs=rt,
    )
    yield Case(
        "derain[empty]",
        derain,
        (img[:0],),
        check=lambda r: r[0].shape == (0, W, 3) and math.isnan(r[1]),
        needs=rt,
    )
    sto = _call_model("stochastic-enhance")
    rows = [
        ("z=wrong-length", {"z": [0.0, 1.0]}, ShapeError, "z"),
        ("z=str", {"z": "abcd"}, DTypeError, "z"),
        ("z=nan", {"z": [math.nan] * 4}, NonFiniteError, "z"),
        ("z+seed", {"z": [0.0] * 4, "seed": 1}, ParameterError, "z=.*seed="),
        ("seed=-1", {"seed": -1}, ParameterError, "seed"),
        ("seed=str", {"seed": "x"}, ParameterError, "seed"),
        ("seed=1.5", {"seed": 1.5}, ParameterError, "seed"),
        ("unknown-kwarg", {"zz": 1}, ParameterError, "zz"),
    ]
    yield from param_cases("stochastic-enhance", sto, (img,), {}, rows, needs=rt)
    sample = _call_model("stochastic-enhance", "sample")
    yield Case(
        "stochastic-enhance.sample[n=-1]",
        sample,
        (img,),
        {"n": -1},
        raises=ParameterError,
        match="n must",
        needs=rt,
    )
    yield Case(
        "stochastic-enhance.sample[n=1.5]",
        sample,
        (img,),
        {"n": 1.5},
        raises=ParameterError,
        match="n must",
        needs=rt,
    )
    yield Case(
        "stochastic-enhance.sample[seed=-1]",
        sample,
        (img,),
        {"seed": -1},
        raises=ParameterError,
        match="seed",
        needs=rt,
    )
    blur = _call_model("blur-cnn")
    a, b = _img((32, 34), seed=11), _img((32, 34), seed=12)
    blur_expect = {
        "none": Expect(DTypeError, "a"),
        "4d": Expect(ShapeError, "a must have shape"),
        "5ch": Expect(ShapeError, "channels"),
        "wider": Expect(ShapeError, "same"),
    }
    yield from image_cases(
        "blur-cnn", blur, (a, b), {}, 0, "a", expect=blur_expect, needs=rt, name_re=r"\ba\b"
    )
    yield Case(
        "blur-cnn[small]",
        blur,
        (a[:H, :W], b[:H, :W]),
        raises=ShapeError,
        match="at least 32x32",
        needs=rt,
    )
    rows = [
        ("stride=0", {"stride": 0}, ParameterError, "stride"),
        ("stride=True", {"stride": True}, ParameterError, "stride"),
        ("batch_size=0", {"batch_size": 0}, ParameterError, "batch_size"),
        ("batch_size=-1", {"batch_size": -1}, ParameterError, "batch_size"),
    ]
    yield from param_cases("blur-cnn", blur, (a, b), {}, rows, needs=rt)
    classify = _call_model("blur-cnn", "classify")
    yield Case(
        "blur-cnn.classify[bad-shape]",
        classify,
        (np.zeros((2, 3, 64, 31), np.float32),),
        raises=ShapeError,
        match="pairs",
        needs=rt,
    )
    yield Case(
        "blur-cnn.classify[batch_size=0]",
        classify,
        (np.zeros((2, 3, 64, 32), np.float32),),
        {"batch_size": 0},
        raises=ParameterError,
        match="batch_size",
        needs=rt,
    )


# ---------------------------------------------------------------------------------------------
# jointfilter.dask
# ---------------------------------------------------------------------------------------------


def _dask(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        import jointfilter.dask as jfd

        return getattr(jfd, name)(*args, **kwargs).compute()  # errors may surface lazily

    call.__name__ = f"dask.{name}"
    return call


def _in_memory(name: str) -> Callable[..., Any]:
    """The in-memory twin of a jointfilter.dask function (same arguments, no chunks=)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("chunks", "depth")}
        return getattr(jf, name)(*args, **kwargs)

    return call


def _dask_cases() -> Iterator[Case]:
    dk = ("dask",)
    t, g = _img((H, W), seed=13), _img((H, W), seed=14)

    def dask_expect(name: str) -> dict[str, Expect]:
        return {
            "str": Expect(DTypeError, name),
            "none": Expect(DTypeError, name),
            "0d": Expect(ShapeError, name),
            "1d": Expect(ShapeError, name),
            "4d": Expect(ShapeError, name),
            "wider": Expect(ShapeError, name),
            "chw": Expect(ShapeError, rf"{name}.*\(3, {H}, {W}\)"),
            "5ch": Expect(ShapeError, rf"{name}.*\({H}, {W}, 5\)"),
        }

    box = _dask("box_filter")
    kw = {"radius": 1, "chunks": (4, 4)}
    box_expect = {**dask_expect("image"), "wider": SKIP}
    yield from image_cases(
        "dask.box_filter", box, (t,), kw, 0, "image", expect=box_expect, needs=dk
    )
    rows = [
        *BAD_RADIUS,
        ("border=wrap", {"border": "wrap"}, ParameterError, "border"),
        ("dtype=int64", {"dtype": np.int64}, DTypeError, "dtype"),
        ("dtype=bogus", {"dtype": "bogus"}, DTypeError, "dtype"),
        ("chunks=zero", {"chunks": (0, 4)}, ParameterError, "chunks"),
        ("chunks=bogus", {"chunks": "bogus"}, ParameterError, "chunks"),
    ]
    yield from param_cases("dask.box_filter", box, (t,), kw, rows, needs=dk)
    yield Case(
        "dask.box_filter[radius=10**6]",
        box,
        (t,),
        {**kw, "radius": 10**6},
        same_as=((t,), {**kw, "radius": 4 * W}),
        needs=dk,
    )
    gf = _dask("guided_filter")
    kw = {"radius": 1, "eps": 1e-2, "chunks": (4, 4)}
    for pos, name in ((0, "target"), (1, "guide")):
        yield from image_cases(
            "dask.guided_filter", gf, (t, g), kw, pos, name, expect=dask_expect(name), needs=dk
        )
    rows = [
        *BAD_RADIUS,
        *BAD_EPS,
        ("subsample=0", {"subsample": 0}, ParameterError, "subsample"),
        ("subsample=2-odd-size", {"subsample": 2}, ParameterError, "subsample=2"),
        ("border=wrap", {"border": "wrap"}, ParameterError, "border"),
        ("data_range=-1", {"data_range": -1.0}, ParameterError, "data_range"),
        ("dtype=bool", {"dtype": np.bool_}, DTypeError, "dtype"),
        ("dtype=bogus", {"dtype": "bogus"}, DTypeError, "dtype"),
        ("out=", {"out": np.empty((H, W), np.float32)}, ParameterError, "out"),
        ("unknown-kwarg", {"radious": 2}, ParameterError, "radious"),
        ("chunks=zero", {"chunks": (0, 4)}, ParameterError, "chunks"),
    ]
    yield from param_cases("dask.guided_filter", gf, (t, g), kw, rows, needs=dk)
    mf = _dask("map_filter")
    ident = np.copy
    rows = [
        ("depth=-1", {"depth": -1}, ParameterError, "depth"),
        ("depth=nan", {"depth": math.nan}, ParameterError, "depth"),
        ("depth=True", {"depth": True}, ParameterError, "depth"),
        ("like=5", {"like": 5}, ParameterError, "like"),
        ("like=str", {"like": "a"}, ParameterError, "like"),
        ("out_channels=-1", {"out_channels": -1}, ParameterError, "out_channels"),
        ("dtype=bogus", {"dtype": "bogus"}, DTypeError, "dtype"),
    ]
    yield from param_cases(
        "dask.map_filter", mf, (ident, t), {"depth": 1, "chunks": (4, 4)}, rows, needs=dk
    )
    yield Case(
        "dask.map_filter[no-arrays]",
        mf,
        (ident,),
        {"depth": 1},
        raises=ParameterError,
        match="at least one input",
        needs=dk,
    )
    yield Case(
        "dask.map_filter[func=None]",
        mf,
        (None, t),
        {"depth": 1},
        raises=ParameterError,
        match="func",
        needs=dk,
    )
    yield Case(
        "dask.map_filter[mismatch]",
        mf,
        (np.add, t, t[:, :-1].copy()),
        {"depth": 1},
        raises=ShapeError,
        match=r"arrays\[1\]",
        needs=dk,
    )
    yield Case(
        "dask.map_filter[func-changes-shape]",
        mf,
        (lambda x: x[:1], t),
        {"depth": 1, "chunks": (4, 4)},
        raises=ShapeError,
        match="func",
        needs=dk,
    )
    fu = _dask("fuse")
    vis = _img((H, W, 3), seed=15)
    rows = [
        ("depth=-1", {"depth": -1}, ParameterError, "depth"),
        ("method=nope", {"method": "nope"}, ParameterError, "method"),
        ("unknown-param", {"r3": 1}, ParameterError, "r3"),
    ]
    yield from param_cases("dask.fuse", fu, (t, vis), {"depth": 2}, rows, needs=dk)
    yield Case(
        "dask.fuse[infrared=nan]",
        fu,
        (_bad_images(t)["nan"][0], vis),
        {"depth": 2},
        raises=NonFiniteError,
        match="infrared",
        needs=dk,
    )
    yield Case(
        "dask.fuse[visible=wider]",
        fu,
        (t, _bad_images(vis)["wider"][0]),
        {"depth": 2},
        raises=ShapeError,
        match="visible",
        needs=dk,
    )
    rs = _dask("restore")
    tc, gc = _img((H, W, 3), seed=16), _img((H, W, 3), seed=17)
    rows = [
        ("depth=-1", {"depth": -1}, ParameterError, "depth"),
        ("task=nope", {"task": "nope"}, ParameterError, "task"),
        ("unknown-param", {"strenght": 1}, ParameterError, "strenght"),
    ]
    yield from param_cases("dask.restore", rs, (tc, gc), {"depth": 2}, rows, needs=dk)
    yield Case(
        "dask.restore[guide=nan]",
        rs,
        (tc, _bad_images(gc)["nan"][0]),
        {"depth": 2},
        raises=NonFiniteError,
        match="guide",
        needs=dk,
    )


# ---------------------------------------------------------------------------------------------
# jointfilter.video
# ---------------------------------------------------------------------------------------------


def _video_filter(*args: Any, **kwargs: Any) -> Any:
    from jointfilter.video import VideoFilter

    return VideoFilter(*args, **kwargs)


def _video_call(stretch: bool) -> Callable[..., Any]:
    def call(target: Any, guide: Any, **kwargs: Any) -> Any:
        from jointfilter.video import VideoFilter

        vf = VideoFilter(
            (H, W, 3), np.float32, guide_channels=3, radius=1, eps=1e-2, stretch=stretch
        )
        return vf(target, guide, **kwargs)

    call.__name__ = f"VideoFilter(stretch={stretch})"
    return call


def _smoother_update(*values: Any, alpha: float = 0.5) -> Any:
    from jointfilter.video import TemporalSmoother

    s = TemporalSmoother(alpha)
    out = None
    for value in values:
        out = s.update(value)
    return out


def _process_video(*args: Any, **kwargs: Any) -> Any:
    from jointfilter.video import process_video

    kwargs.setdefault("progress", False)
    kwargs.setdefault("fourcc", "MJPG")
    return process_video(*args, **kwargs)


def _video_cases() -> Iterator[Case]:
    rows = [
        ("shape=1d", {"shape": (H,)}, ShapeError, "shape"),
        ("shape=5ch", {"shape": (H, W, 5)}, ShapeError, "shape"),
        ("shape=negative", {"shape": (-1, W)}, ShapeError, "shape"),
        ("shape=str", {"shape": "ab"}, ShapeError, "shape"),
        ("shape=None", {"shape": None}, ShapeError, "shape"),
        ("dtype=bool", {"dtype": np.bool_}, DTypeError, "dtype"),
        ("dtype=float64", {"dtype": np.float64}, DTypeError, "dtype"),
        ("dtype=bogus", {"dtype": "bogus"}, DTypeError, "dtype"),
        ("guide_dtype=int64", {"guide_dtype": np.int64}, DTypeError, "guide_dtype"),
        ("guide_channels=2", {"guide_channels": 2}, ShapeError, "guide_channels"),
        *BAD_RADIUS[:4],
        *BAD_EPS,
        ("subsample=0", {"subsample": 0}, ParameterError, "subsample"),
        ("border=wrap", {"border": "wrap"}, ParameterError, "border"),
        ("data_range=0", {"data_range": 0}, ParameterError, "data_range"),
        ("percentiles=reversed", {"percentiles": (50, 10)}, ParameterError, "percentiles"),
        ("percentiles=nan", {"percentiles": (math.nan, 99)}, ParameterError, "percentiles"),
        ("percentiles=3", {"percentiles": (1, 2, 3)}, ParameterError, "percentiles"),
        ("percentiles=str", {"percentiles": ("a", "b")}, ParameterError, "percentile"),
        ("alpha=0", {"alpha": 0}, ParameterError, "alpha"),
        ("alpha=nan", {"alpha": math.nan}, ParameterError, "alpha"),
        ("alpha=2", {"alpha": 2}, ParameterError, "alpha"),
    ]
    base = {"shape": (H, W, 3), "dtype": np.float32}
    yield from param_cases("VideoFilter", _video_filter, (), base, rows)
    t, g = _img((H, W, 3), seed=18), _img((H, W, 3), seed=19)
    strict = Expect(ShapeError, "contiguous pixels")  # the object never copies frames
    frame_expect = {
        "str": Expect(DTypeError, "target"),
        "none": Expect(DTypeError, "target"),
        "int64": Expect(DTypeError, "target"),
        "0d": Expect(ShapeError, "target"),
        "strided": strict,
        "negstride": strict,
        "fortran": strict,
        "channelview": strict,
    }
    for stretch in (False, True):
        ep = f"VideoFilter(stretch={stretch})"
        call = _video_call(stretch)
        yield from image_cases(ep, call, (t, g), {}, 0, "target", expect=frame_expect)
        guide_expect = {**frame_expect, "none": Expect(ParameterError, "no guide set")}
        guide_expect = {
            k: dataclasses.replace(e, match=e.match.replace("target", "guide"))
            for k, e in guide_expect.items()
        }
        yield from image_cases(ep, call, (t, g), {}, 1, "guide", expect=guide_expect)
        ro = np.empty((H, W, 3), np.float32)
        ro.flags.writeable = False
        yield Case(
            f"{ep}[out=readonly]",
            call,
            (t, g),
            {"out": ro},
            raises=ParameterError,
            match="out",
        )
        yield Case(
            f"{ep}[out=wrong-shape]",
            call,
            (t, g),
            {"out": np.empty((H, W + 1, 3), np.float32)},
            raises=ShapeError,
            match="out",
        )
        yield Case(
            f"{ep}[out=wrong-dtype]",
            call,
            (t, g),
            {"out": np.empty((H, W, 3), np.float64)},
            raises=DTypeError,
            match="out",
        )
    yield Case(
        "TemporalSmoother[alpha=0]",
        _smoother_update,
        (1.0,),
        {"alpha": 0},
        raises=ParameterError,
        match="alpha",
    )
    yield Case(
        "TemporalSmoother[alpha=np.float32]",
        _smoother_update,
        (1.0,),
        {"alpha": np.float32(0.5)},
        same_as=((1.0,), {"alpha": 0.5}),
    )
    yield Case(
        "TemporalSmoother.update[str]",
        _smoother_update,
        (1.0, "x"),
        raises=ParameterError,
        match="value",
    )
    yield Case(
        "TemporalSmoother.update[nan]",
        _smoother_update,
        (1.0, math.nan),
        raises=NonFiniteError,
        match="value",
    )
    yield Case(
        "TemporalSmoother.update[None]",
        _smoother_update,
        (1.0, None),
        raises=ParameterError,
        match="value",
    )
    # process_video: files
    cv = ("cv2",)
    ok, gimg, out = Ref("video/ok.avi"), Ref("img/ok_gray_12x16.png"), Ref("video/out.avi")
    for f in ("missing.avi", "corrupt.avi", "truncated.avi", "empty.avi", "dir.avi"):
        yield Case(
            f"process_video[target={f}]",
            _process_video,
            (Ref(f"video/{f}"), gimg, out),
            raises=ParameterError,
            match=f"target.*{f}",
            needs=cv,
        )
    yield Case(
        "process_video[target=junk-image]",
        _process_video,
        (Ref("img/corrupt.png"), gimg, out),
        raises=ParameterError,
        match="target",
        needs=cv,
    )
    for f in ("corrupt.avi", "dir.avi"):
        yield Case(
            f"process_video[guide={f}]",
            _process_video,
            (ok, Ref(f"video/{f}"), out),
            raises=ParameterError,
            match=f"guide.*{f}",
            needs=cv,
        )
    for f in ("corrupt.png", "empty.png", "truncated.png", "missing.png"):
        yield Case(
            f"process_video[guide={f}]",
            _process_video,
            (ok, Ref(f"img/{f}"), out),
            raises=OSError,
            match=f,
            needs=cv,
        )
    yield Case(
        "process_video[guide=wrong-size]",
        _process_video,
        (ok, Ref("img/ok_gray.png"), out),
        raises=ShapeError,
        match="guide",
        needs=cv,
    )
    yield Case(
        "process_video[guide=bool-array]",
        _process_video,
        (ok, np.zeros((12, 16), bool), out),
        raises=DTypeError,
        match="guide",
        needs=cv,
    )
    yield Case(
        "process_video[guide=float64-colour]",
        _process_video,
        (ok, np.zeros((12, 16, 3)), out),
        raises=DTypeError,
        match="guide",
        needs=cv,
    )
    yield Case(
        "process_video[target=None]",  # a path of the wrong type: DTypeError, as in batch
        _process_video,
        (None, gimg, out),
        raises=DTypeError,
        match="target",
        needs=cv,
    )
    yield Case(
        "process_video[guide=None]",
        _process_video,
        (ok, None, out),
        raises=DTypeError,
        match="guide",
        needs=cv,
    )
    yield Case(
        "process_video[out-under-a-file]",
        _process_video,
        (ok, gimg, Ref("afile/out.avi")),
        raises=ParameterError,
        match="out",
        needs=cv,
    )
    yield Case(
        "process_video[out-is-a-folder]",
        _process_video,
        (ok, gimg, Ref("video/dir.avi")),
        raises=ParameterError,
        match="out",
        needs=cv,
    )
    rows = [
        ("radius=-1", {"radius": -1}, ParameterError, "radius"),
        ("eps=nan", {"eps": math.nan}, ParameterError, "eps"),
        ("alpha=0", {"alpha": 0, "stretch": True}, ParameterError, "alpha"),
        ("op=float-frames", {"op": lambda a, b: a.astype(np.float32)}, ParameterError, "op"),
        ("op=not-callable", {"op": 5}, ParameterError, "op"),
        ("op=changing-shape", {"op": _shrinking_op()}, ShapeError, "op"),
        ("fourcc=XY", {"fourcc": "XY"}, ParameterError, "fourcc"),
        ("fps=-5", {"fps": -5.0}, ParameterError, "fps"),
        ("fps=nan", {"fps": math.nan}, ParameterError, "fps"),
        ("max_frames=0", {"max_frames": 0}, ParameterError, "max_frames"),
        ("max_frames=-1", {"max_frames": -1}, ParameterError, "max_frames"),
        ("max_frames=1.5", {"max_frames": 1.5}, ParameterError, "max_frames"),
    ]
    yield from param_cases("process_video", _process_video, (ok, gimg, out), {}, rows, needs=cv)


class _shrinking_op:  # used like a function
    """An op whose frames change size from call to call (a broken user op)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, target: np.ndarray, guide: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.ascontiguousarray(target[: target.shape[0] - self.calls])


# ---------------------------------------------------------------------------------------------
# jointfilter.batch
# ---------------------------------------------------------------------------------------------


def _gf_op(target: np.ndarray, guide: np.ndarray) -> np.ndarray:
    return jf.guided_filter(target, guide, radius=1, eps=1e-2)


def _batch_cases() -> Iterator[Case]:
    from jointfilter import batch

    cv = ("cv2",)
    rb = batch.run_batch
    bt, bg, out = Ref("batch/target"), Ref("batch/guide"), Ref("batch_out")
    cases = [
        ("target_dir=missing", (Ref("batch/nope"), bg, out, _gf_op), ParameterError, "target_dir"),
        ("target_dir=file", (Ref("afile"), bg, out, _gf_op), ParameterError, "target_dir"),
        ("target_dir=None", (None, bg, out, _gf_op), DTypeError, "target_dir"),
        ("guide_dir=missing", (bt, Ref("batch/nope"), out, _gf_op), ParameterError, "guide_dir"),
        ("out_dir=target_dir", (bt, bg, bt, _gf_op), ParameterError, "out_dir must differ"),
        ("out_dir=guide_dir", (bt, bg, bg, _gf_op), ParameterError, "out_dir must differ"),
        (
            "out_dir=under-a-file",
            (bt, bg, Ref("afile/out"), _gf_op),
            ParameterError,
            "out_dir.*not writable",
        ),
        ("out_dir=a-file", (bt, bg, Ref("afile"), _gf_op), ParameterError, "out_dir"),
        ("out_dir=None", (bt, bg, None, _gf_op), DTypeError, "out_dir"),
        ("op=None", (bt, bg, out, None), ParameterError, "op"),
        ("op=str", (bt, bg, out, "restore"), ParameterError, "op"),
    ]
    for label, args, exc, match in cases:
        yield Case(
            f"run_batch[{label}]", rb, args, {"progress": False}, raises=exc, match=match, needs=cv
        )
    rows = [
        ("out_ext=int", {"out_ext": 5}, ParameterError, "out_ext"),
        ("out_ext=.xyz", {"out_ext": ".xyz"}, ParameterError, "out_ext"),
        ("extensions=str", {"extensions": ".png"}, ParameterError, "extensions"),
        ("extensions=None", {"extensions": None}, ParameterError, "extensions"),
        ("extensions=no-dot", {"extensions": ["png"]}, ParameterError, "extensions"),
    ]
    yield from param_cases(
        "run_batch", rb, (bt, bg, out, _gf_op), {"progress": False}, rows, needs=cv
    )
    for f in ("missing.png", "corrupt.png", "empty.png", "truncated.png", "dir.png"):
        yield Case(
            f"read_image[{f}]",
            batch.read_image,
            (Ref(f"img/{f}"),),
            raises=OSError,
            match=f,
            needs=cv,
        )
    yield Case(
        "read_image[None]", batch.read_image, (None,), raises=DTypeError, match="path", needs=cv
    )
    w = batch.write_image_atomic
    u8 = _img((H, W, 3), np.uint8)
    for label, img, exc, match in (
        ("0d", np.uint8(3), ShapeError, "shape"),
        ("1d", u8[0, :, 0], ShapeError, "shape"),
        ("4d", u8[None], ShapeError, "shape"),
        ("5ch", np.concatenate([u8, u8[..., :2]], -1), ShapeError, "shape"),
        ("empty", u8[:0], ShapeError, "empty"),
        ("float32-png", u8.astype(np.float32), DTypeError, "float32"),
        ("bool", u8 > 100, DTypeError, "bool"),
        ("object", u8.astype(object), DTypeError, "object"),
        ("None", None, ShapeError, "shape"),
    ):
        yield Case(
            f"write_image_atomic[{label}]",
            w,
            (Ref("img/new.png"), img),
            raises=exc,
            match=match,
            needs=cv,
        )
    yield Case(
        "write_image_atomic[under-a-file]",
        w,
        (Ref("afile/new.png"), u8),
        raises=OSError,
        match="cannot write.*new.png",
        needs=cv,
    )
    yield Case(
        "write_image_atomic[missing-folder]",
        w,
        (Ref("nope/new.png"), u8),
        raises=OSError,
        match="cannot write.*new.png",
        needs=cv,
    )
    yield Case(
        "write_image_atomic[unknown-suffix]",
        w,
        (Ref("img/new.xyz"), u8),
        raises=OSError,
        match="encode",
        needs=cv,
    )
    yield Case(
        "write_image_atomic[path=None]", w, (None, u8), raises=DTypeError, match="path", needs=cv
    )


def _self_overlapping_out(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A writable view whose rows overlap (row stride = half a row)."""
    base = np.zeros(shape[0] * shape[1] * 2, dtype)
    item = np.dtype(dtype).itemsize
    return np.lib.stride_tricks.as_strided(base, shape, (item * (shape[1] // 2), item))


def _core_out_cases() -> Iterator[Case]:
    """An ``out`` whose elements share memory: no defined result, so it is refused."""
    img = _img((H, W), np.uint8, seed=22)
    for name, fn, args in (
        ("box_filter", jf.box_filter, (img, 1)),
        ("min_filter", jf.min_filter, (img, 1)),
        ("max_filter", jf.max_filter, (img, 1)),
        ("guided_filter", jf.guided_filter, (img, img)),
    ):
        out = _self_overlapping_out((H, W), np.uint8)
        yield Case(
            f"{name}[out=self-overlapping]",
            fn,
            args,
            {"out": out},
            raises=ParameterError,
            match="out overlaps itself",
        )
        zero = np.lib.stride_tricks.as_strided(np.zeros(W, np.uint8), (H, W), (0, 1))
        yield Case(
            f"{name}[out=zero-row-stride]",
            fn,
            args,
            {"out": zero},
            raises=ParameterError,
            match="out",
        )


CASES: list[Case] = [
    *_core_out_cases(),
    *_restore_cases(),
    *_fuse_cases(),
    *_metrics_cases(),
    *_models_cases(),
    *_dask_cases(),
    *_video_cases(),
    *_batch_cases(),
]


# ---------------------------------------------------------------------------------------------
# prepared files
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of good, corrupt, truncated and empty files (see the ``Ref`` names above)."""
    cv2 = pytest.importorskip("cv2")
    root = tmp_path_factory.mktemp("bad_input")
    (root / "afile").write_bytes(b"a regular file, used where a folder is expected")
    img = root / "img"
    img.mkdir()
    rgb = _img((H, W, 3), np.uint8, seed=20)
    assert cv2.imwrite(str(img / "ok_rgb.png"), rgb)
    assert cv2.imwrite(str(img / "ok_gray.png"), rgb[..., 0])
    assert cv2.imwrite(str(img / "ok_gray_12x16.png"), _img((12, 16), np.uint8, seed=21))
    good = (img / "ok_rgb.png").read_bytes()
    (img / "corrupt.png").write_bytes(b"not an image at all")
    (img / "empty.png").write_bytes(b"")
    (img / "truncated.png").write_bytes(good[: len(good) // 2])
    (img / "dir.png").mkdir()
    # models
    import jointfilter.models as jm

    models = root / "models"
    models.mkdir()
    onnx = jm.REGISTRY["mirnet-denoise"].path("onnx").read_bytes()
    pt = jm.REGISTRY["mirnet-denoise"].path("torchscript").read_bytes()
    (models / "corrupt.onnx").write_bytes(b"garbage" * 10)
    (models / "truncated.onnx").write_bytes(onnx[: len(onnx) // 2])
    (models / "empty.onnx").write_bytes(b"")
    (models / "corrupt.pt").write_bytes(b"garbage" * 10)
    (models / "truncated.pt").write_bytes(pt[: len(pt) // 2])
    (models / "plain.txt").write_bytes(onnx)
    (models / "dir.onnx").mkdir()
    flipped = bytearray(onnx)
    flipped[len(flipped) // 2] ^= 0x01
    (models / "badsha.onnx").write_bytes(bytes(flipped))
    sidecars = {
        "badjson": "{not json",
        "listjson": "[1, 2]",
        "badmultiple": '{"kind": "image", "multiple": -3}',
        "badkind": '{"kind": "video"}',
    }
    for stem, text in sidecars.items():
        (models / f"{stem}.onnx").write_bytes(onnx)
        (models / f"{stem}.json").write_text(text)
    # video: three 12x16 frames
    video = root / "video"
    video.mkdir()
    writer = cv2.VideoWriter(
        str(video / "ok.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (16, 12), True
    )
    for i in range(3):
        writer.write(_img((12, 16, 3), np.uint8, seed=30 + i))
    writer.release()
    clip = (video / "ok.avi").read_bytes()
    (video / "corrupt.avi").write_bytes(b"not a video" * 20)
    (video / "truncated.avi").write_bytes(clip[: len(clip) // 3])
    (video / "empty.avi").write_bytes(b"")
    (video / "dir.avi").mkdir()
    # batch folders: one good pair, corrupt/empty/truncated targets, a folder, a lonely guide
    tdir, gdir = root / "batch" / "target", root / "batch" / "guide"
    tdir.mkdir(parents=True)
    gdir.mkdir()
    for name in ("a", "c", "d", "e", "lonely"):
        (gdir / f"{name}.png").write_bytes(good)
    (tdir / "a.png").write_bytes(good)
    (tdir / "c.png").write_bytes(good[: len(good) // 2])
    (tdir / "d.png").write_bytes(b"")
    (tdir / "e.png").write_bytes(b"junk")
    (tdir / "f.png").mkdir()
    return root


def _resolve(obj: Any, root: Path | None) -> Any:
    if isinstance(obj, Ref):
        assert root is not None
        return str(root / obj)
    if isinstance(obj, tuple):
        return tuple(_resolve(o, root) for o in obj)
    if isinstance(obj, list):
        return [_resolve(o, root) for o in obj]
    if isinstance(obj, dict):
        return {k: _resolve(v, root) for k, v in obj.items()}
    return obj


def _has_ref(obj: Any) -> bool:
    if isinstance(obj, Ref):
        return True
    if isinstance(obj, (tuple, list)):
        return any(_has_ref(o) for o in obj)
    if isinstance(obj, dict):
        return any(_has_ref(o) for o in obj.values())
    return False


def _arrays(obj: Any) -> Iterator[np.ndarray]:
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _arrays(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _arrays(o)


def _tree(root: Path | None) -> dict[str, tuple[int, int] | None]:
    """Every path under `root` with its size and modification time (None for folders)."""
    if root is None:
        return {}
    out: dict[str, tuple[int, int] | None] = {}
    for p in sorted(root.rglob("*")):
        st = p.stat()
        out[str(p.relative_to(root))] = None if p.is_dir() else (st.st_size, st.st_mtime_ns)
    return out


def _same(a: Any, b: Any) -> None:
    if hasattr(a, "compute"):
        a = a.compute()
    if hasattr(b, "compute"):
        b = b.compute()
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif hasattr(a, "value"):  # MetricValue
        _same(a.value, b.value)
    elif isinstance(a, float):  # summation order may follow the memory layout: 1e-12 relative
        assert a == pytest.approx(b, rel=1e-12, abs=1e-300, nan_ok=True)
    else:
        assert a == b


def _marks(needs: tuple[str, ...], xfail: str) -> list[pytest.MarkDecorator]:
    marks = []
    for n in needs:
        ok, reason = NEEDS[n]
        if not ok:
            marks.append(pytest.mark.skip(reason=reason))
    if xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=f"known bug, reported: {xfail}"))
    return marks


def _ids_unique(ids: list[str]) -> bool:
    return len(ids) == len(set(ids))


assert _ids_unique([c.id for c in CASES]), "duplicate case ids"


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_marks(c.needs, c.xfail)) for c in CASES]
)
def test_bad_input(case: Case, request: pytest.FixtureRequest) -> None:
    root = request.getfixturevalue("files") if _has_ref((case.args, case.kwargs)) else None
    args, kwargs = _resolve(case.args, root), _resolve(case.kwargs, root)
    before = [(a, a.copy(), a.flags.writeable) for a in _arrays((args, kwargs))]
    files_before = _tree(root)
    if case.raises is not None:
        with pytest.raises(case.raises, match=case.match) as info:
            case.fn(*args, **kwargs)
        # a documented class: ours, or OSError for unreadable/unwritable files
        assert isinstance(info.value, (JointFilterError, OSError)), repr(info.value)
        assert not isinstance(info.value, MissingDependencyError), repr(info.value)
        assert _tree(root) == files_before, "a failing call changed or left files"
    else:
        result = case.fn(*args, **kwargs)
        if case.same_as is not None:
            ref_args, ref_kwargs = case.same_as
            _same(result, case.fn(*ref_args, **ref_kwargs))
        if case.check is not None:
            assert case.check(result), f"unexpected result {result!r:.200}"
    for arr, copy, writeable in before:
        assert arr.flags.writeable == writeable
        assert np.array_equal(arr, copy, equal_nan=arr.dtype.kind in "fc"), "input modified"


# ---------------------------------------------------------------------------------------------
# documented results: a batch keeps going past bad files; process_video never overwrites inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAVE_CV2, reason=NEEDS["cv2"][1])
def test_run_batch_reports_corrupt_empty_and_truncated_files(files: Path, tmp_path: Path) -> None:
    from jointfilter.batch import run_batch

    before = _tree(files)
    res = run_batch(
        files / "batch/target", files / "batch/guide", tmp_path / "out", _gf_op, progress=False
    )
    assert [p.name for p in res.done] == ["a.png"]
    assert sorted(p.name for p, _ in res.failed) == ["c.png", "d.png", "e.png"]
    assert all("cannot read or decode" in msg for _, msg in res.failed)
    assert sorted(p.name for p in res.unmatched) == ["lonely.png"]  # the folder f.png is no file
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png"]  # no temp files
    assert _tree(files) == before


@pytest.mark.skipif(not HAVE_CV2, reason=NEEDS["cv2"][1])
def test_process_video_refuses_to_overwrite_its_input(files: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.avi"
    clip.write_bytes((files / "video/ok.avi").read_bytes())
    before = clip.read_bytes()
    try:
        with pytest.raises(ParameterError, match="out"):
            _process_video(clip, files / "img/ok_gray_12x16.png", clip)
    finally:
        assert clip.read_bytes() == before, "the input video was overwritten"


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CliCase:
    id: str
    argv: tuple[Any, ...]
    match: str
    xfail: str = ""


def _cli_cases() -> Iterator[CliCase]:
    ok_t, ok_g, out = Ref("img/ok_rgb.png"), Ref("img/ok_gray.png"), Ref("cli_out.png")
    bad = {
        "missing": (Ref("img/missing.png"), "cannot read.*missing.png"),
        "empty": (Ref("img/empty.png"), "cannot read.*empty.png"),
        "corrupt": (Ref("img/corrupt.png"), "cannot read.*corrupt.png"),
        "truncated": (Ref("img/truncated.png"), "cannot read.*truncated.png"),
        "folder": (Ref("img/dir.png"), "both be files or both be folders"),
    }
    for label, (path, match) in bad.items():
        yield CliCase(f"restore[target={label}]", ("restore", path, ok_g, "-o", out), match)
        yield CliCase(f"restore[guide={label}]", ("restore", ok_t, path, "-o", out), match)
        yield CliCase(f"fuse[infrared={label}]", ("fuse", path, ok_t, "-o", out), match)
        yield CliCase(f"fuse[visible={label}]", ("fuse", ok_g, path, "-o", out), match)
        m = "cannot read" if label == "folder" else match
        yield CliCase(f"metrics[fused={label}]", ("metrics", ok_g, ok_t, path), m)
        yield CliCase(f"metrics[infrared={label}]", ("metrics", path, ok_t, ok_t), m)
    outs = {
        "under-a-file": (Ref("afile/o.png"), "does not exist"),
        "missing-folder": (Ref("nope/o.png"), "does not exist"),
        "is-a-folder": (Ref("img/dir.png"), "is a folder"),
        "unknown-suffix": (Ref("o.xyz"), "image suffix"),
        "is-the-target": (ok_t, "refusing to overwrite an input"),
        "exists": (Ref("img/ok_gray_12x16.png"), "exists; pass --overwrite"),
    }
    for label, (path, match) in outs.items():
        yield CliCase(f"restore[out={label}]", ("restore", ok_t, ok_g, "-o", path), match)
        yield CliCase(f"fuse[out={label}]", ("fuse", ok_g, ok_t, "-o", path), match)
    yield CliCase(
        "restore[task=nope]", ("restore", ok_t, ok_g, "-o", out, "--task", "nope"), "task"
    )
    yield CliCase(
        "restore[folder-out=a-file]",
        ("restore", Ref("batch/target"), Ref("batch/guide"), "-o", Ref("afile")),
        "out_dir",
    )
    yield CliCase(
        "fuse[method=nope]", ("fuse", ok_g, ok_t, "-o", out, "--method", "nope"), "--method"
    )
    yield CliCase(
        "metrics[metrics=nope]",
        ("metrics", ok_g, ok_t, ok_t, "--metrics", "EN,nope"),
        "metrics.*'nope'",
    )
    yield CliCase(
        "metrics[mismatched-sizes]",
        ("metrics", ok_g, ok_t, Ref("img/ok_gray_12x16.png")),
        "fused must have the same height",
    )
    demo = Ref("demo_out")
    for label, extra, match in (
        ("out=a-file", ("--out", Ref("afile")), "--out must be a folder"),
        ("height=-5", ("--out", demo, "--height", "-5"), "--height"),
        ("height=0", ("--out", demo, "--height", "0"), "--height"),
        ("width=4", ("--out", demo, "--width", "4"), "--width"),
        ("threads=-1", ("--out", demo, "--threads", "-1"), "--threads"),
        ("threads=str", ("--out", demo, "--threads", "two"), "--threads"),
        ("data=a-file", ("--out", demo, "--data", Ref("afile")), "--data"),
        ("data=missing", ("--out", demo, "--data", Ref("nope")), "--data"),
    ):
        yield CliCase(f"demo[{label}]", ("demo", *extra), match)
    vout, vg = Ref("v.avi"), Ref("img/ok_gray_12x16.png")
    for f in ("missing.avi", "corrupt.avi", "truncated.avi", "empty.avi", "dir.avi"):
        yield CliCase(
            f"video[target={f}]", ("video", Ref(f"video/{f}"), vg, "-o", vout), f"target.*{f}"
        )
    yield CliCase(
        "video[target=junk-image]",
        ("video", Ref("img/corrupt.png"), vg, "-o", vout),
        "target: no frame",
    )
    yield CliCase(
        "video[guide=corrupt]",
        ("video", Ref("video/ok.avi"), Ref("img/corrupt.png"), "-o", vout),
        "corrupt.png",
    )
    yield CliCase(
        "video[guide=wrong-size]", ("video", Ref("video/ok.avi"), ok_g, "-o", vout), "guide"
    )
    for label, path, match in (
        ("under-a-file", Ref("afile/v.avi"), "does not exist"),
        ("is-a-folder", Ref("video/dir.avi"), "is a folder"),
        ("is-the-target", Ref("video/ok.avi"), "refusing to overwrite an input"),
        ("exists", Ref("video/corrupt.avi"), "exists; pass --overwrite"),
    ):
        yield CliCase(f"video[out={label}]", ("video", Ref("video/ok.avi"), vg, "-o", path), match)
    for label, extra, match in (
        ("eps=-1", ("--eps", "-1"), "eps"),
        ("radius=-1", ("--radius", "-1"), "radius"),
        ("task=nope", ("--task", "nope"), "task"),
    ):
        yield CliCase(
            f"video[{label}]", ("video", Ref("video/ok.avi"), vg, "-o", vout, *extra), match
        )
    yield CliCase("command=nope", ("nope",), "invalid choice")


CLI_CASES = list(_cli_cases())
assert _ids_unique([c.id for c in CLI_CASES]), "duplicate CLI case ids"


@pytest.mark.skipif(not HAVE_CV2, reason=NEEDS["cv2"][1])
@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_marks((), c.xfail)) for c in CLI_CASES]
)
def test_cli_bad_input(
    case: CliCase, files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jointfilter import cli

    monkeypatch.chdir(files)
    before = _tree(files)
    argv = [str(a) for a in _resolve(case.argv, files)]
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "error:" in err
    assert re.search(case.match, err), err
    assert _tree(files) == before, "a failing command changed or left files"
