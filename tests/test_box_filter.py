"""jointfilter.box_filter against the float64 reference (jointfilter._reference.box_filter).

Covers odd shapes (1x1, 1xN, Nx1, 17x23), radius 0 and radius >= image size, every border rule,
every dtype (uint8, uint16, float32, float64) and 1 to 4 channels. Integer inputs are compared
with the reference run on the same integer values, rounded half-to-even and saturated.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref

BORDERS = ("clipped", "symmetric", "reflect", "edge")
SHAPES = ((1, 1), (1, 29), (31, 1), (17, 23), (64, 48))
RADII = (0, 1, 3, 12, 40)  # 12 >= 1x29's height, 40 >= every size here
DTYPES = (np.uint8, np.uint16, np.float32, np.float64)


@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_box_filter_matches_reference(rng, helpers, dtype, border, shape, radius):
    image = helpers.random_image(rng, shape, 1, dtype)
    out = jf.box_filter(image, radius, border=border)
    expected = ref.box_filter(image, radius, border)
    assert out.dtype == image.dtype
    assert out.shape == image.shape
    if np.dtype(dtype).kind in "ui":
        helpers.check_integer_close(out, expected, f"{dtype} {border} {shape} r={radius}")
    else:
        helpers.check_close(out, expected)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=["uint8", "float32"])
def test_box_filter_multichannel_matches_reference(rng, helpers, dtype, border, channels):
    image = helpers.random_image(rng, (19, 26), channels, dtype)
    if channels == 1:
        image = image[:, :, None]  # (H, W, 1) is a valid 3-D layout too
    out = jf.box_filter(image, 4, border=border)
    assert out.shape == image.shape
    expected = ref.box_filter(image, 4, border)
    if np.dtype(dtype).kind in "ui":
        helpers.check_integer_close(out, expected, f"{border} C={channels}")
    else:
        helpers.check_close(out, expected)


@pytest.mark.parametrize("border", BORDERS)
def test_box_filter_radius_zero_is_identity(rng, helpers, border):
    image = helpers.random_image(rng, (9, 11), 3, np.float32)
    np.testing.assert_array_equal(jf.box_filter(image, 0, border=border), image)


def test_box_filter_radius_beyond_size_clipped_is_global_mean(rng):
    image = rng.random((7, 5)).astype(np.float32)
    out = jf.box_filter(image, 100, border="clipped")
    np.testing.assert_allclose(out, np.full_like(image, image.mean(dtype=np.float64)), atol=1e-6)


def test_box_filter_natural_image_every_border(helpers):
    image = helpers.natural_image((120, 157), 3, "coffee")
    for border in BORDERS:
        for radius in (2, 9, 33):
            helpers.check_close(
                jf.box_filter(image, radius, border=border),
                ref.box_filter(image, radius, border),
                err_msg=f"{border} r={radius}",
            )


@pytest.mark.parametrize(
    ("dtype", "out_dtype"),
    [
        (np.float32, np.uint8),
        (np.float32, np.uint16),
        (np.uint8, np.float32),
        (np.uint16, np.uint8),
        (np.uint8, np.float64),
    ],
    ids=lambda d: np.dtype(d).name,
)
def test_box_filter_dtype_argument_rounds_and_saturates(rng, helpers, dtype, out_dtype):
    if np.dtype(dtype).kind == "f":
        image = (rng.random((21, 18)) * 90000.0 - 10000.0).astype(dtype)  # beyond both ranges
    else:
        image = helpers.random_image(rng, (21, 18), 1, dtype)
    out = jf.box_filter(image, 2, border="edge", dtype=out_dtype)
    assert out.dtype == np.dtype(out_dtype)
    expected = ref.box_filter(image, 2, "edge")
    if np.dtype(out_dtype).kind in "ui":
        helpers.check_integer_close(out, expected, "dtype=")
    else:
        helpers.check_close(out, expected, data_range=helpers.data_range_of(dtype))


def test_box_filter_rounds_half_to_even():
    # 1x2 images, radius 1, clipped: both pixels are the mean of the two values.
    for a, b, want in ((0, 1, 0), (1, 2, 2), (2, 3, 2), (253, 254, 254)):
        image = np.array([[a, b]], np.uint8)
        np.testing.assert_array_equal(jf.box_filter(image, 1), [[want, want]])
        as_float = image.astype(np.float32)
        np.testing.assert_array_equal(jf.box_filter(as_float, 1, dtype=np.uint8), [[want, want]])


def test_box_filter_uint16_sums_are_exact_at_full_scale():
    # All pixels at 65535 and one at 0: integer sums must not lose the single 0 (float32 sums
    # of 65535s at radius 50 would round).
    image = np.full((101, 101), 65535, np.uint16)
    image[50, 50] = 0
    out = jf.box_filter(image, 50)
    expected = ref.box_filter(image, 50, "clipped")
    np.testing.assert_array_equal(out, np.rint(expected).astype(np.uint16))
