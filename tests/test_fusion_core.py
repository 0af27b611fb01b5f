"""The C++ fusion steps (cpp/jointfilter/fusion.hpp) against their NumPy references.

Every step computes the reference's float32/float64 operations in the same order, so the
comparisons are exact (``assert_array_equal``), far inside the stated 1e-5 tolerance on [0, 1]
planes. The references are the ``_numpy_*`` functions of ``jointfilter.fusion`` and, end to end,
``fuse`` under :func:`jointfilter.fusion._common.numpy_reference`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter.errors import ParameterError
from jointfilter.fusion import _blend, _color, _common, _focus, _gff, fuse
from jointfilter.fusion._common import numpy_reference

# odd shapes, shapes smaller than the 11-tap Gaussian and the pyramid's 5-tap kernel
SHAPES = [(1, 1), (1, 9), (9, 1), (2, 3), (3, 2), (4, 4), (17, 23), (23, 17), (40, 57)]


def _plane(rng: np.random.Generator, shape: tuple[int, ...], lo: float = 0.0) -> np.ndarray:
    return rng.uniform(lo, 1.0, shape).astype(np.float32)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)


@pytest.fixture
def threads() -> Iterator[None]:
    old = jf.get_num_threads()
    yield
    jf.set_num_threads(old)


def test_core_has_the_fusion_steps() -> None:
    # a stale _core build would silently compare the NumPy path with itself
    assert _common.HAS_CORE_STEPS
    assert _common.use_core()


# ---------------------------------------------------------------------------- conversions


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64, np.float16])
def test_to_unit_and_ycbcr_match_reference(
    rng: np.random.Generator, shape: tuple[int, int], dtype: Any
) -> None:
    if np.dtype(dtype).kind == "u":
        top = np.iinfo(dtype).max
        rgb = rng.integers(0, top + 1, (*shape, 3)).astype(dtype)
        data_range = float(top)
    else:
        rgb = rng.uniform(0, 2.0, (*shape, 3)).astype(dtype)
        data_range = 2.0
    gray = np.ascontiguousarray(rgb[:, :, 1])
    _same(_common.to_unit(gray, data_range), _common._numpy_to_unit(gray, data_range))
    _same(
        _common.to_unit(gray[:, :, None], data_range),
        _common._numpy_to_unit(gray[:, :, None], data_range),
    )
    got = _color.rgb_to_ycbcr_scaled(rgb, data_range)
    ref = _color._numpy_rgb_to_ycbcr(_common._numpy_to_unit(rgb, data_range))
    for g, r in zip(got, ref, strict=True):
        _same(g, r)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64, np.float16])
@pytest.mark.parametrize("clip", [True, False])
def test_back_conversion_matches_reference(
    rng: np.random.Generator, shape: tuple[int, int], dtype: Any, clip: bool
) -> None:
    # values beyond [0, 1] (clipping), exact halves (rounding to even)
    y, cb, cr = (rng.uniform(-0.3, 1.3, shape).astype(np.float32) for _ in range(3))
    data_range = 255.0 if np.dtype(dtype).kind == "u" else 3.0
    if dtype == np.uint16:
        data_range = 65535.0
    y.flat[0] = 0.5 / 255.0
    got = _color.ycbcr_to_rgb_out(y, cb, cr, np.dtype(dtype), data_range, clip=clip)
    ref = _common._numpy_from_unit(
        _color._numpy_ycbcr_to_rgb(y, cb, cr), np.dtype(dtype), data_range, clip=clip
    )
    _same(got, ref)
    _same(
        _common.from_unit(y, np.dtype(dtype), data_range, clip=clip),
        _common._numpy_from_unit(y, np.dtype(dtype), data_range, clip=clip),
    )
    _same(_color.ycbcr_to_rgb(y, cb, cr), _color._numpy_ycbcr_to_rgb(y, cb, cr))
    rgb = ref.astype(np.float32)
    for g, r in zip(_color.rgb_to_ycbcr(rgb), _color._numpy_rgb_to_ycbcr(rgb), strict=True):
        _same(g, r)


def test_rounding_is_half_to_even() -> None:
    x = (np.array([[0.5, 1.5, 2.5, 254.5, 255.5, -0.5, 300.0]]) / 255.0).astype(np.float32)
    got = _common.from_unit(x, np.dtype(np.uint8), 255.0)
    _same(got, _common._numpy_from_unit(x, np.dtype(np.uint8), 255.0))


# ---------------------------------------------------------------------------- stencils


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["edge", "symmetric", "reflect"])
@pytest.mark.parametrize("taps", [1, 3, 5, 11])
def test_convolve_sep_matches_reference(
    rng: np.random.Generator, shape: tuple[int, int], mode: str, taps: int
) -> None:
    x = _plane(rng, shape, -1.0)
    k = rng.uniform(-1, 1, taps).astype(np.float32)
    _same(_common.convolve_sep(x, k, mode), _common._numpy_convolve_sep(x, k, mode))


@pytest.mark.parametrize("shape", SHAPES)
def test_saliency_and_laplacian_match_reference(
    rng: np.random.Generator, shape: tuple[int, int]
) -> None:
    x = _plane(rng, shape)
    _same(_common.laplacian_abs(x), _common._numpy_laplacian_abs(x))
    _same(_gff.gff_saliency(x), _gff._numpy_gff_saliency(x))
    _same(_gff.gff_saliency(x, sigma=1.5, size=5), _gff._numpy_gff_saliency(x, sigma=1.5, size=5))
    view = np.zeros((shape[0], shape[1] + 5), np.float32)[:, 2 : 2 + shape[1]]  # strided rows
    view[...] = x
    _same(_gff.gff_saliency(view), _gff._numpy_gff_saliency(x))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("measure", ["sml", "eol", "tenengrad", "variance"])
@pytest.mark.parametrize(("radius", "threshold"), [(0, 0.0), (1, 0.0), (4, 0.0), (4, 0.05)])
def test_focus_measure_matches_reference(
    rng: np.random.Generator, shape: tuple[int, int], measure: str, radius: int, threshold: float
) -> None:
    x = _plane(rng, shape)
    got = _focus.focus_measure(x, measure, radius=radius, threshold=threshold)
    ref = _focus._numpy_focus_measure(x, measure, radius=radius, threshold=threshold)
    _same(got, ref)


# ---------------------------------------------------------------------------- weights


@pytest.mark.parametrize("shape", SHAPES)
def test_selection_and_normalisation_match_reference(
    rng: np.random.Generator, shape: tuple[int, int]
) -> None:
    s0, s1 = _plane(rng, shape), _plane(rng, shape)
    s1.flat[0] = s0.flat[0]  # a tie goes to the first source
    for got, ref in zip(
        _gff.max_selection([s0, s1]), _gff._numpy_max_selection([s0, s1]), strict=True
    ):
        _same(got, ref)
    # out-of-range weights, exact zeros (equal weights) and tiny sums
    w0 = rng.uniform(-0.5, 1.5, shape).astype(np.float32)
    w1 = rng.uniform(-0.5, 1.5, shape).astype(np.float32)
    w0.flat[-1] = w1.flat[-1] = 0.0
    w0.flat[0], w1.flat[0] = 1e-13, 0.0
    _same(_common.normalise_weights([w0, w1]), _common._numpy_normalise_weights([w0, w1]))
    c = np.clip(w0, 0.0, 1.0)
    _same(_common.normalise_complement(w0), _common._numpy_normalise_weights([c, 1.0 - c]))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 3, 15])
def test_two_scale_and_weighted_blend_match_reference(
    rng: np.random.Generator, shape: tuple[int, int], radius: int
) -> None:
    a, b = _plane(rng, shape), _plane(rng, shape)
    wb = _common._numpy_normalise_weights([_plane(rng, shape), _plane(rng, shape)])
    wd = _common._numpy_normalise_weights([_plane(rng, shape), _plane(rng, shape)])
    got = _blend.two_scale_blend([a, b], wb, wd, radius=radius)
    _same(got, _blend._numpy_two_scale_blend([a, b], wb, wd, radius=radius))
    w = wb[0]
    _same(_focus._weighted(a, b, w), w * a + (1.0 - w) * b)


# ---------------------------------------------------------------------------- pyramid


@pytest.mark.parametrize("shape", SHAPES)
def test_reduce_expand_match_reference(rng: np.random.Generator, shape: tuple[int, int]) -> None:
    x = _plane(rng, shape, -1.0)
    small = _blend._reduce(x)
    _same(small, _blend._numpy_reduce(x))
    _same(_blend._expand(small, shape), _blend._numpy_expand(small, shape))
    bigger = _plane(rng, (small.shape[0] + 2, small.shape[1] + 3))  # extra rows/cols unused
    _same(_blend._expand(bigger, shape), _blend._numpy_expand(bigger, shape))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("levels", [1, 2, 3, 6, None])
@pytest.mark.parametrize("match", [0.6, None, 0.0, 1.5])
def test_pyramid_blend_matches_reference(
    rng: np.random.Generator, shape: tuple[int, int], levels: int | None, match: float | None
) -> None:
    a, b, w = _plane(rng, shape), _plane(rng, shape), _plane(rng, shape)
    lev = _blend.default_levels(shape) if levels is None else levels
    got = _blend.pyramid_blend(a, b, w, levels=levels, match_threshold=match)
    ref = _blend._numpy_pyramid_blend(a, b, w, levels=lev, match_threshold=match)
    _same(got, ref)
    with numpy_reference():
        pyr = _blend.laplacian_pyramid(a, lev)
        rec = _blend.reconstruct(pyr)
    for g, r in zip(_blend.laplacian_pyramid(a, lev), pyr, strict=True):
        _same(g, r)
    _same(_blend.reconstruct(pyr), rec)


def test_thresholds_beyond_float32_range(rng: np.random.Generator) -> None:
    a, b, w = (_plane(rng, (19, 26)) for _ in range(3))
    for t in (1e300, 3.5e38):
        got = _blend.pyramid_blend(a, b, w, levels=3, match_threshold=t)
        sml = _focus.focus_measure(a, "sml", radius=2, threshold=t)
        with warnings.catch_warnings():  # NumPy warns when it casts t to float32 (inf)
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = _blend._numpy_pyramid_blend(a, b, w, levels=3, match_threshold=t)
            ref_sml = _focus._numpy_focus_measure(a, "sml", radius=2, threshold=t)
        _same(got, ref)
        _same(sml, ref_sml)


# ---------------------------------------------------------------------------- end to end

CONFIGS = [
    ("guided", {}),
    ("guided", {"r1": 4, "r2": 1, "base_radius": 2, "subsample": 2}),
    ("guided", {"enhance": "detail", "enhance_radius": 2}),
    ("focus", {}),
    ("focus", {"blend": "weighted", "measure": "variance"}),
    ("focus", {"blend": "two_scale", "measure": "eol", "r1": 5, "r2": 2}),
    ("focus", {"measure": "tenengrad", "match_threshold": None, "levels": 2}),
    ("focus", {"threshold": 0.02, "levels": 8}),
]


def _pair(
    rng: np.random.Generator, shape: tuple[int, int], dtype: Any, vis_channels: int
) -> tuple[np.ndarray, np.ndarray]:
    vshape = shape if vis_channels == 0 else (*shape, vis_channels)
    if np.dtype(dtype).kind == "u":
        top = np.iinfo(dtype).max
        return (
            rng.integers(0, top + 1, shape).astype(dtype),
            rng.integers(0, top + 1, vshape).astype(dtype),
        )
    return rng.random(shape).astype(dtype), rng.random(vshape).astype(dtype)


@pytest.mark.parametrize(("method", "params"), CONFIGS)
@pytest.mark.parametrize("shape", [(1, 7), (7, 1), (5, 6), (17, 23), (48, 61)])
@pytest.mark.parametrize("vis_channels", [0, 1, 3])
def test_fuse_matches_numpy_reference(
    rng: np.random.Generator,
    method: str,
    params: dict[str, Any],
    shape: tuple[int, int],
    vis_channels: int,
) -> None:
    for dtype in (np.uint8, np.uint16, np.float32):
        ir, vis = _pair(rng, shape, dtype, vis_channels)
        got, gw = fuse(ir, vis, method=method, return_weights=True, **params)
        with numpy_reference():
            ref, rw = fuse(ir, vis, method=method, return_weights=True, **params)
        _same(got, ref)
        assert sorted(gw) == sorted(rw)
        for key in rw:
            _same(gw[key], rw[key])


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize("clip", [True, False])
def test_fuse_other_dtypes_and_rgb_infrared(
    rng: np.random.Generator, dtype: Any, clip: bool
) -> None:
    ir = rng.random((21, 30, 3)).astype(dtype)
    vis = (rng.random((21, 30, 3)) * 2.0).astype(dtype)
    for method in ("guided", "focus"):
        got = fuse(ir, vis, method=method, clip=clip, data_range=2.0)
        with numpy_reference():
            ref = fuse(ir, vis, method=method, clip=clip, data_range=2.0)
        _same(got, ref)


@pytest.mark.parametrize("method", ["guided", "focus"])
def test_strided_and_flipped_inputs(rng: np.random.Generator, method: str) -> None:
    ir, vis = _pair(rng, (40, 70), np.uint16, 3)
    cases = [
        (ir[::-1], vis[:, ::-1]),
        (ir[:, ::2], vis[::-1, ::-2]),
        (ir.T, vis.transpose(1, 0, 2)),
        (ir[:, ::-1, None], vis[:, :, ::-1]),
    ]
    for a, b in cases:
        got = fuse(a, b, method=method)
        with numpy_reference():
            ref = fuse(a, b, method=method)
        _same(got, ref)
        _same(got, fuse(np.ascontiguousarray(a), np.ascontiguousarray(b), method=method))


@pytest.mark.parametrize(("method", "params"), CONFIGS[:1] + CONFIGS[3:5])
def test_results_do_not_depend_on_thread_count(
    rng: np.random.Generator, threads: None, method: str, params: dict[str, Any]
) -> None:
    ir, vis = _pair(rng, (131, 97), np.uint8, 3)
    results = []
    for n in (1, 2, 3):
        jf.set_num_threads(n)
        results.append(fuse(ir, vis, method=method, return_weights=True, **params))
    for out, weights in results[1:]:
        _same(out, results[0][0])
        for key in weights:
            _same(weights[key], results[0][1][key])


@pytest.mark.parametrize("method", ["guided", "focus"])
def test_inputs_are_not_modified(rng: np.random.Generator, method: str) -> None:
    ir, vis = _pair(rng, (33, 47), np.float32, 3)
    ir_copy, vis_copy = ir.copy(), vis.copy()
    ir.flags.writeable = False
    vis.flags.writeable = False
    fuse(ir, vis, method=method)
    _same(ir, ir_copy)
    _same(vis, vis_copy)
    a, b, w = (_plane(rng, (19, 26)) for _ in range(3))
    keep = [x.copy() for x in (a, b, w)]
    for x in (a, b, w):
        x.flags.writeable = False
    _blend.pyramid_blend(a, b, w)
    _blend.two_scale_blend([a, b], np.stack([w, 1 - w]), np.stack([w, 1 - w]), radius=3)
    _gff.gff_saliency(a)
    _focus.focus_measure(a, "sml")
    _common.normalise_weights([a, b])
    for x, k in zip((a, b, w), keep, strict=True):
        _same(x, k)


def test_scratch_pool_reuses_and_releases() -> None:
    x = _common.scratch((64, 80))
    assert x.shape == (64, 80)
    assert x.dtype == np.float32
    assert x.flags.c_contiguous
    assert x.flags.writeable
    x[...] = 1.0
    del x
    assert _core.scratch_bytes() > 0
    _core.release_scratch()
    assert _core.scratch_bytes() == 0
    with numpy_reference():
        assert _common.scratch((2, 3)).base is None  # plain NumPy array


# ---------------------------------------------------------------------------- bad input


def test_core_functions_reject_bad_arguments() -> None:
    x = np.zeros((8, 9), np.float32)
    out = np.zeros((8, 9), np.float32)
    with pytest.raises(ParameterError, match="odd length"):
        _core.fusion_saliency(x, np.ones(4, np.float32), out)
    with pytest.raises(ParameterError, match="overlap"):
        _core.fusion_saliency(x, np.ones(3, np.float32), x)
    with pytest.raises(ParameterError, match="shape"):
        _core.fusion_saliency(x, np.ones(3, np.float32), np.zeros((8, 8), np.float32))
    with pytest.raises(ParameterError, match="float32"):
        _core.fusion_max_selection(x, x.astype(np.uint8), out, out.copy())
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ParameterError, match="read-only"):
        _core.fusion_normalise_weights(x, None, ro, out)
    with pytest.raises(ParameterError, match="levels"):
        _core.fusion_pyramid_blend(x, x, x, 0, True, 0.6, out)
    with pytest.raises(ParameterError, match="border"):
        _core.fusion_convolve_sep(x, np.ones(3, np.float32), 0, out)
    with pytest.raises(ParameterError, match="measure"):
        _core.fusion_focus_measure(x, 7, 1, 0.0, out)
    with pytest.raises(ParameterError, match="three channels"):
        _core.fusion_rgb_to_ycbcr(x, 1.0, out, out.copy(), out.copy())
    with pytest.raises(ParameterError, match="data_range"):
        _core.fusion_from_unit(x, out.copy(), 0.0, True)
    with pytest.raises(ParameterError, match="measure must be one of"):
        _focus.focus_measure(x, "laplace")
