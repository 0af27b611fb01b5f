"""guided_filter(..., precision="single"): the float32 pipeline against the float64 reference.

The single-precision kernels centre each band of rows on per-channel offsets and accumulate in
float32, eight rows per vector. Their error is bounded by float32 rounding of sums of centred
data, so it grows as eps shrinks; the bounds here are the ones documented in docs/core.md
(measured values are 3-10x below them).
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref
from jointfilter.errors import NonFiniteError, ParameterError

BORDERS = ("clipped", "symmetric", "reflect", "edge")
SHAPES = ((1, 37), (41, 1), (17, 23), (61, 50))


def _range(dtype) -> float:
    dt = np.dtype(dtype)
    return float(np.iinfo(dt).max) if dt.kind in "ui" else 1.0


@pytest.mark.parametrize("target_channels", [1, 2, 3, 4])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize("radius", [1, 5, 40])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("border", BORDERS)
def test_single_matches_reference(
    rng, helpers, border, shape, radius, guide_channels, target_channels
):
    target = helpers.random_image(rng, shape, target_channels)
    guide = helpers.random_image(rng, shape, guide_channels)
    out = jf.guided_filter(
        target, guide, radius=radius, eps=1e-2, border=border, precision="single"
    )
    expected = ref.guided_filter(target, guide, radius, 1e-2, border=border)
    err = float(np.abs(out - expected).max())
    assert err <= 5e-6, f"max abs error {err:.3g}"


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["u8", "u16"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_single_integer_within_one_level(rng, helpers, dtype, guide_channels):
    target = helpers.random_image(rng, (53, 47), 3, dtype)
    guide = helpers.random_image(rng, (53, 47), guide_channels, dtype)
    g_range = _range(dtype)
    for eps in (1e-1, 1e-2):
        out = jf.guided_filter(target, guide, radius=4, eps=eps, precision="single")
        expected = ref.guided_filter(
            target.astype(np.float64), guide.astype(np.float64), 4, eps * g_range**2
        )
        helpers.check_integer_close(out, expected, f"eps={eps}")


@pytest.mark.parametrize(("eps", "bound"), [(1e-1, 2e-6), (1e-2, 5e-6), (1e-3, 1e-4)])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_single_natural_images_within_documented_bound(helpers, guide_channels, eps, bound):
    # Flat dark regions far from the band's level are the hard case for float sums.
    guide = helpers.natural_image((203, 267), guide_channels, "astronaut")
    target = helpers.natural_image((203, 267), 3, "chelsea")
    for radius in (1, 4, 16):
        out = jf.guided_filter(target, guide, radius=radius, eps=eps, precision="single")
        expected = ref.guided_filter(target, guide, radius, eps)
        err = float(np.abs(out - expected).max())
        assert err <= bound, f"r={radius}: {err:.3g}"


@pytest.mark.parametrize("subsample", [2, 3])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_single_subsample_matches_reference(rng, helpers, guide_channels, subsample):
    target = helpers.random_image(rng, (61, 50), 2)
    guide = helpers.random_image(rng, (61, 50), guide_channels)
    out = jf.guided_filter(
        target, guide, radius=6, eps=1e-2, subsample=subsample, precision="single"
    )
    expected = ref.guided_filter(target, guide, 6, 1e-2, subsample=subsample)
    assert float(np.abs(out - expected).max()) <= 5e-6


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_single_bit_identical_for_any_thread_count(rng, helpers, guide_channels):
    target = helpers.random_image(rng, (301, 173), 3)
    guide = helpers.random_image(rng, (301, 173), guide_channels)
    results = []
    for n in (1, 2, 3):
        jf.set_num_threads(n)
        results.append(jf.guided_filter(target, guide, radius=7, precision="single"))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_single_differs_from_double_only_by_rounding(rng, helpers):
    target = helpers.random_image(rng, (64, 80), 1)
    guide = helpers.random_image(rng, (64, 80), 3)
    single = jf.guided_filter(target, guide, radius=5, eps=1e-2, precision="single")
    double = jf.guided_filter(target, guide, radius=5, eps=1e-2, precision="double")
    diff = np.abs(single - double)
    assert 0 < diff.max() <= 5e-6  # really a different pipeline, and a close one


def test_object_single_equals_function(rng, helpers):
    target = helpers.random_image(rng, (40, 52), 1)
    guide = helpers.random_image(rng, (40, 52), 3)
    f = jf.GuidedFilter((40, 52), np.float32, guide_channels=3, radius=3, precision="single")
    f.set_guide(guide)
    expected = jf.guided_filter(target, guide, radius=3, precision="single")
    np.testing.assert_array_equal(f(target), expected)


def test_single_reports_nonfinite(rng, helpers):
    target = helpers.random_image(rng, (30, 30), 1)
    guide = helpers.random_image(rng, (30, 30), 3)
    guide[12, 7, 1] = np.nan
    with pytest.raises(NonFiniteError):
        jf.guided_filter(target, guide, radius=2, precision="single")


@pytest.mark.parametrize("precision", ["float32", "", None, 32, "SINGLE"])
def test_unknown_precision_is_rejected(rng, helpers, precision):
    target = helpers.random_image(rng, (8, 8), 1)
    with pytest.raises(ParameterError, match="precision"):
        jf.guided_filter(target, target, radius=1, precision=precision)
    with pytest.raises(ParameterError, match="precision"):
        jf.GuidedFilter((8, 8), np.float32, precision=precision)
