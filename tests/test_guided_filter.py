"""jointfilter.guided_filter against the float64 reference (jointfilter._reference.guided_filter).

The reference takes eps in absolute guide units squared; the public API takes it relative to
``data_range**2`` of the guide, so every call here converts with ``eps * data_range**2``.
Integer inputs are compared with the reference run on the same integer values (style.md:
"same quantized inputs"), rounded half-to-even and saturated, within 1 level.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref

BORDERS = ("clipped", "symmetric", "reflect", "edge")
SHAPES = ((1, 1), (1, 37), (41, 1), (17, 23), (48, 35))
RADII = (0, 1, 4, 60)  # 60 >= every size here
DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
DTYPE_IDS = {np.uint8: "u8", np.uint16: "u16", np.float32: "f32", np.float64: "f64"}


def _range(dtype) -> float:
    dt = np.dtype(dtype)
    return float(np.iinfo(dt).max) if dt.kind in "ui" else 1.0


def _compare(helpers, out, target, expected, msg=""):
    assert out.shape == target.shape
    assert out.dtype == target.dtype
    if out.dtype.kind in "ui":
        helpers.check_integer_close(out, expected, msg)
    else:
        helpers.check_close(out, expected, data_range=_range(target.dtype), err_msg=msg)


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("border", BORDERS)
def test_float32_matches_reference(rng, helpers, border, shape, radius, guide_channels):
    target = helpers.random_image(rng, shape, 2)
    guide = helpers.random_image(rng, shape, guide_channels)
    eps = 1e-2
    out = jf.guided_filter(target, guide, radius=radius, eps=eps, border=border)
    expected = ref.guided_filter(target, guide, radius, eps, border=border)
    _compare(helpers, out, target, expected, f"{border} {shape} r={radius}")


@pytest.mark.parametrize("subsample", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(1, 37), (41, 1), (17, 23), (61, 50)], ids=str)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_subsample_matches_reference(rng, helpers, guide_channels, border, shape, subsample):
    target = helpers.random_image(rng, shape, 1)
    guide = helpers.random_image(rng, shape, guide_channels)
    for radius in (1, 5, 9):
        out = jf.guided_filter(
            target, guide, radius=radius, eps=1e-2, border=border, subsample=subsample
        )
        expected = ref.guided_filter(
            target, guide, radius, 1e-2, border=border, subsample=subsample
        )
        _compare(helpers, out, target, expected, f"r={radius} s={subsample}")


@pytest.mark.parametrize("target_channels", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(9, 6), (9, 8), (10, 10), (13, 64)], ids=str)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_subsample_two_even_widths(rng, helpers, guide_channels, shape, target_channels):
    # s = 2 on an even width takes the upsampler's vectorised halving path (low width >= 4);
    # width 6 (low width 3) and odd low widths take the general one
    target = helpers.random_image(rng, shape, target_channels)
    guide = helpers.random_image(rng, shape, guide_channels)
    for radius in (1, 4):
        out = jf.guided_filter(target, guide, radius=radius, eps=1e-2, subsample=2)
        expected = ref.guided_filter(target, guide, radius, 1e-2, subsample=2)
        _compare(helpers, out, target, expected, f"{shape} r={radius} c={target_channels}")


@pytest.mark.parametrize("target_channels", [1, 2, 3, 4])
@pytest.mark.parametrize("guide_shape", ["HW", "HW1", "HW3"])
def test_target_channels_matches_reference(rng, helpers, target_channels, guide_shape):
    shape = (33, 29)
    target = helpers.random_image(rng, shape, target_channels)
    if target_channels == 1:
        target = target[:, :, None]  # exercise (H, W, 1) targets; (H, W) is covered above
    guide = helpers.random_image(rng, shape, 3 if guide_shape == "HW3" else 1)
    if guide_shape == "HW1":
        guide = guide[:, :, None]
    for border in ("clipped", "symmetric"):
        out = jf.guided_filter(target, guide, radius=5, eps=3e-3, border=border)
        expected = ref.guided_filter(target, guide, 5, 3e-3, border=border)
        _compare(helpers, out, target, expected, border)


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize(
    ("target_dtype", "guide_dtype"),
    list(itertools.product(DTYPES, DTYPES)),
    ids=lambda d: DTYPE_IDS[d],
)
def test_dtype_combinations_match_reference(
    rng, helpers, target_dtype, guide_dtype, guide_channels
):
    # Natural content, so that the solve sees real edges and flat areas.
    shape = (37, 45)
    guide01 = helpers.natural_image((120, 150), guide_channels, "chelsea")[::3, ::3][:37, :45]
    target01 = helpers.natural_image(shape, 2, "astronaut")
    target01 = np.clip(target01 + 0.05 * rng.standard_normal(target01.shape), 0, 1)
    target = helpers.to_dtype(target01, target_dtype)
    guide = helpers.to_dtype(guide01, guide_dtype)
    eps = 1e-3
    g_range = _range(guide_dtype)
    for border in ("clipped", "reflect"):
        out = jf.guided_filter(target, guide, radius=3, eps=eps, border=border)
        expected = ref.guided_filter(
            target.astype(np.float64), guide.astype(np.float64), 3, eps * g_range**2, border=border
        )
        _compare(helpers, out, target, expected, border)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["u8", "u16"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize("subsample", [1, 2, 3])
def test_integer_random_inputs_within_one_level(rng, helpers, dtype, guide_channels, subsample):
    shape = (53, 47)
    target = helpers.random_image(rng, shape, 3, dtype)
    guide = helpers.random_image(rng, shape, guide_channels, dtype)
    g_range = _range(dtype)
    for eps in (1e-1, 1e-3, 1e-5):
        out = jf.guided_filter(target, guide, radius=4, eps=eps, subsample=subsample)
        expected = ref.guided_filter(
            target.astype(np.float64),
            guide.astype(np.float64),
            4,
            eps * g_range**2,
            subsample=subsample,
        )
        _compare(helpers, out, target, expected, f"eps={eps}")


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_data_range_scales_eps(rng, helpers, guide_channels):
    # A float guide holding 12-bit values: data_range=4095 must equal scaling eps by hand.
    guide = (helpers.random_image(rng, (30, 40), guide_channels) * 4095).astype(np.float32)
    target = helpers.random_image(rng, (30, 40), 1)
    out = jf.guided_filter(target, guide, radius=3, eps=1e-3, data_range=4095)
    expected = ref.guided_filter(target, guide, 3, 1e-3 * 4095.0**2)
    helpers.check_close(out, expected)
    same = jf.guided_filter(target, guide / np.float32(4095), radius=3, eps=1e-3)
    helpers.check_close(out, same)


def test_float64_target_gives_float64_output(rng, helpers):
    target = rng.random((25, 31))
    guide = rng.random((25, 31, 3))
    out = jf.guided_filter(target, guide, radius=3, eps=1e-3, border="edge")
    assert out.dtype == np.float64
    # Computed in float32 (documented), so the float32 row of the table applies.
    helpers.check_close(out, ref.guided_filter(target, guide, 3, 1e-3, border="edge"))


@pytest.mark.parametrize("out_dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_dtype_argument_converts_output(rng, helpers, out_dtype):
    # float target beyond [0, 65535] on both sides (left half < 0, right half > 65535), so
    # integer outputs saturate at both ends.
    target = rng.random((24, 28)) * 1000.0 + np.where(np.arange(28) < 14, -9000.0, 70000.0)
    target = target.astype(np.float32)
    guide = helpers.natural_image((24, 28), 3, "coffee")
    out = jf.guided_filter(target, guide, radius=2, eps=1e-2, dtype=out_dtype)
    assert out.dtype == np.dtype(out_dtype)
    expected = ref.guided_filter(target, guide, 2, 1e-2)
    if np.dtype(out_dtype).kind in "ui":
        info = np.iinfo(out_dtype)
        assert out.min() == info.min
        assert out.max() == info.max
        helpers.check_integer_close(out, expected, "dtype=")
    else:
        helpers.check_close(out, expected, data_range=80000.0)


def test_uint8_output_saturates_from_uint16_target(rng):
    target = np.full((12, 14), 60000, np.uint16)
    guide = rng.random((12, 14)).astype(np.float32)
    out = jf.guided_filter(target, guide, radius=2, eps=1e-2, dtype=np.uint8)
    np.testing.assert_array_equal(out, np.full((12, 14), 255, np.uint8))


@pytest.mark.parametrize("border", BORDERS)
def test_radius_zero_returns_target(rng, border):
    target = rng.integers(0, 256, (9, 13, 3), dtype=np.uint8)
    guide = rng.random((9, 13)).astype(np.float32)
    out = jf.guided_filter(target, guide, radius=0, eps=1e-3, border=border)
    np.testing.assert_array_equal(out, target)
    assert out is not target


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_natural_images_every_border(helpers, border, guide_channels):
    guide = helpers.natural_image((96, 128), guide_channels, "astronaut")
    target = helpers.natural_image((96, 128), 3, "coffee")
    for radius, eps in ((2, 1e-4), (8, 1e-3), (70, 1e-2)):
        out = jf.guided_filter(target, guide, radius=radius, eps=eps, border=border)
        expected = ref.guided_filter(target, guide, radius, eps, border=border)
        helpers.check_close(out, expected, err_msg=f"r={radius} eps={eps}")
