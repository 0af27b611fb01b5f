"""Regression tests of the core-API audit (box/guided/edge-aware/min-max/mutual filters,
GuidedFilter, video objects, Dask wrappers, errors).

Each test failed before its fix; the comment above it says what happened.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import (
    DTypeError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)
from jointfilter.video import FusionVideoFilter, VideoFilter

RNG = np.random.default_rng(2024)
X3 = RNG.random((30, 40, 3), dtype=np.float32)
G = RNG.random((30, 40), dtype=np.float32)


# before: float16 passed the dtype check, then the core refused the float16 output buffer
# ("out: dtype must be uint8, uint16 or float32"), an error about an argument never passed
@pytest.mark.parametrize(
    "call",
    [
        lambda x, g: jf.box_filter(x, 2),
        lambda x, g: jf.guided_filter(x, g, radius=3, eps=1e-2),
        lambda x, g: jf.guided_filter(x, g, radius=3, eps=1e-2, subsample=2),
        lambda x, g: jf.weighted_guided_filter(x, g, radius=3, lam=1e-2),
        lambda x, g: jf.gradient_domain_guided_filter(x, g, radius=3, lam=1e-2),
    ],
)
def test_float16_inputs_are_computed_in_float32(call) -> None:
    x16, g16 = X3.astype(np.float16), G.astype(np.float16)
    got = call(x16, g16)
    assert got.dtype == np.float16
    want = call(x16.astype(np.float32), g16.astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal(got, want)


def test_float16_out_and_saturation() -> None:
    x16 = X3.astype(np.float16)
    out = np.empty_like(x16)
    assert jf.box_filter(x16, 2, out=out) is out
    # the fit overshoots (to ~71000 in float32) where the guide's edge is not the target's:
    # float16 saturates at its max instead of becoming inf
    target = np.zeros((30, 40), np.float16)
    target[:, 20:] = 65000
    guide = np.zeros((30, 40), np.float16)
    guide[:, 20:] = 1.0
    guide[:, 22:] = 0.5
    got = jf.guided_filter(target, guide, radius=3, eps=1e-6)
    assert got.dtype == np.float16
    assert np.isfinite(got).all()
    assert float(got.max()) == float(np.finfo(np.float16).max)


# before: a finite float64 beyond float32's range became inf in float32; box/guided said
# "an input contains NaN or Inf" (there is none), min/max returned inf for 1e300
@pytest.mark.parametrize(
    "call",
    [
        lambda x: jf.box_filter(x, 1),
        lambda x: jf.min_filter(x, 1),
        lambda x: jf.max_filter(x, 1),
        lambda x: jf.guided_filter(x, x, radius=1),
        lambda x: jf.guided_filter(G, x, radius=1),
        lambda x: jf.mutual_structure_filter(x, G, radius=1, iterations=1),
    ],
)
def test_float64_beyond_float32_range_is_named(call) -> None:
    big = np.full((30, 40), 1.0, np.float64)
    big[5, 5] = 1e300
    with pytest.raises(NonFiniteError, match="beyond float32's range"):
        call(big)


def test_min_filter_float64_still_works_with_inf() -> None:
    x = G.astype(np.float64)
    x[3, 3] = np.inf  # +-inf compare fine: not an error
    assert jf.max_filter(x, 1)[3, 3] == np.inf


# before: min_filter / max_filter (and their Dask versions) filtered a (C, H, W) image as C
# rows of W pixels with H channels, silently; every other filter refuses it
def test_min_max_filter_refuse_channels_first() -> None:
    chw = np.moveaxis(X3, 2, 0).copy()
    for f in (jf.min_filter, jf.max_filter):
        with pytest.raises(ShapeError, match="channels-first"):
            f(chw, 1)
    pytest.importorskip("dask")
    import jointfilter.dask as jfd

    with pytest.raises(ShapeError, match="channels-first"):
        jfd.min_filter(chw, 1)
    # many channels on a normal image stay fine
    assert jf.min_filter(RNG.random((10, 12, 8)), 1).shape == (10, 12, 8)


# before: numpy gives empty arrays zero strides, so set_guide refused an empty guide as
# "not contiguous" although the object was built for shape (0, W)
def test_guided_filter_object_and_video_filter_accept_empty_frames() -> None:
    f = jf.GuidedFilter((0, 30), np.float32)
    empty = np.zeros((0, 30), np.float32)
    f.set_guide(empty)
    assert f(empty).shape == (0, 30)
    vf = VideoFilter((0, 30), np.float32, stretch=True)
    assert vf(empty, empty).shape == (0, 30)


# before: an `out` whose rows overlap (as_strided) was written from several threads at once,
# giving a result that depends on the write order; the function refuses it, the object not
def test_guided_filter_object_refuses_self_overlapping_out() -> None:
    f = jf.GuidedFilter((20, 30), np.float32, radius=2)
    f.set_guide(G[:20, :30].copy())
    buf = np.zeros(20 * 30 + 30, np.float32)
    out = np.lib.stride_tricks.as_strided(buf, shape=(20, 30), strides=(4, 4))
    with pytest.raises(ParameterError, match="overlaps itself"):
        f(G[:20, :30].copy(), out=out)


def test_guided_filter_object_negative_stride_message() -> None:
    f = jf.GuidedFilter((30, 40), np.float32)
    with pytest.raises(ShapeError, match="positive row stride"):
        f.set_guide(G[::-1])


# before: shape=None raised a raw TypeError, shape=(40.7, 50) was truncated to 40 silently,
# dtype="bogus" raised numpy's TypeError
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"shape": None, "dtype": np.uint8}, ShapeError),
        ({"shape": (40.7, 50), "dtype": np.uint8}, ShapeError),
        ({"shape": (40, 50), "dtype": "bogus"}, DTypeError),
        ({"shape": (40, 50), "dtype": np.uint8, "ir_dtype": "bogus"}, DTypeError),
    ],
)
def test_fusion_video_filter_checks_shape_and_dtype(kwargs, error) -> None:
    with pytest.raises(error):
        FusionVideoFilter(**kwargs)


# before: ConcurrentUseError was missing from jointfilter.errors.__all__
def test_errors_all_lists_every_error_class() -> None:
    import jointfilter.errors as errors

    classes = {
        name
        for name, obj in vars(errors).items()
        if isinstance(obj, type) and issubclass(obj, errors.JointFilterError)
    }
    assert classes == set(errors.__all__)


# before: warnings (errors under pytest) and the kernel's "eps_map must be finite and > 0",
# naming an internal array instead of lam / data_range
@pytest.mark.parametrize("data_range", [1e-39, 1e-30, 1e30])
@pytest.mark.parametrize("func", [jf.weighted_guided_filter, jf.gradient_domain_guided_filter])
def test_edge_aware_extreme_data_range_names_the_argument(func, data_range) -> None:
    with pytest.raises(ParameterError, match="data_range"):
        func(G, G, radius=3, data_range=data_range)


# before: ">f4" was refused as "must have dtype ... float32; got >f4. Convert it to ... float32"
def test_big_endian_input_gets_a_byte_order_hint() -> None:
    with pytest.raises(DTypeError, match=r"byte order.*newbyteorder"):
        jf.box_filter(G.astype(">f4"), 1)
    with pytest.raises(DTypeError, match="byte order"):
        jf.guided_filter(G, G.astype(">u2"), radius=1)


def test_border_case_hint() -> None:
    with pytest.raises(ParameterError, match="lower case: border='reflect'"):
        jf.box_filter(G, 1, border="REFLECT")


# before: "jointfilter: target contains NaN or Inf" (no fix), and the same text when only
# data_range made target / data_range overflow
def test_mutual_structure_nonfinite_messages() -> None:
    bad = G.copy()
    bad[2, 2] = np.nan
    with pytest.raises(NonFiniteError, match=r"guide contains NaN.*nan_to_num"):
        jf.mutual_structure_filter(G, bad, iterations=1)
    with pytest.raises(NonFiniteError, match="data_range"):
        jf.mutual_structure_filter(G, G, data_range=1e-40, iterations=1)


# before: the docstring said max(1, round(radius / s)); Python's round(2.5) is 2, the filter
# uses floor(r / s + 0.5) = 3 (MATLAB's uint16 rounding)
def test_fast_radius_rule_documented_as_implemented() -> None:
    from jointfilter._reference import fast_radius

    assert fast_radius(5, 2) == 3 != max(1, round(5 / 2))
    doc = " ".join(jf.guided_filter.__doc__.split())
    assert "max(1, floor(radius / s + 0.5))" in doc
    assert "round(radius / s)" not in doc


def test_set_num_threads_caps_the_count_and_keeps_the_old_one():
    before = jf.get_num_threads()
    for n in (2**31, 100_000, jf._info.MAX_THREADS + 1):
        with pytest.raises(ParameterError, match="at most"):
            jf.set_num_threads(n)
        assert jf.get_num_threads() == before
