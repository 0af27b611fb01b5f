"""Parity with cv2.ximgproc.guidedFilter (opencv-contrib), border="symmetric" (BORDER_REFLECT).

Tolerances (tests/conftest.py, "opencv_*" rows) are set by OpenCV's own float32 error, not ours:
OpenCV forms var = mean(I*I) - mean(I)**2 without mean shifting. Against the float64 reference
ours is within ~6e-8 everywhere; OpenCV is within ~4e-5 (gray, [0, 1]) and up to ~2.3e-4 x 255
(colour, [0, 255] data, eps x 255**2). Each test also checks that ours is at least as close to
the float64 reference as OpenCV is.

Colour-guide parity is measured on [0, 255]-scaled data with eps x 255**2, or on high-variance
random data: OpenCV replaces det(Sigma + eps I) < 1e-6 by 1 (design.md §3), which on [0, 1]
natural images with small eps makes it return nearly a box blur in flat regions.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref

cv2 = pytest.importorskip("cv2")
if not hasattr(cv2, "ximgproc"):
    pytest.skip(
        "cv2.ximgproc missing (install opencv-contrib-python-headless)", allow_module_level=True
    )

pytestmark = pytest.mark.opencv

SIZE = (161, 203)  # odd on purpose


def _check(ours, theirs, reference, atol, scale=1.0):
    ours = np.asarray(ours, np.float64) / scale
    theirs = np.asarray(theirs, np.float64) / scale
    reference = np.asarray(reference, np.float64) / scale
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=atol)
    # ours is never further from the float64 definition than OpenCV (plus float32 noise)
    assert np.abs(ours - reference).max() <= np.abs(theirs - reference).max() + 1e-6


@pytest.mark.parametrize("eps", [1e-4, 1e-3, 1e-2, 1e-1])
@pytest.mark.parametrize("radius", [1, 4, 8, 16])
def test_gray_guide_unit_range(helpers, tol, radius, eps):
    guide = helpers.natural_image(SIZE, 1, "camera")
    target = helpers.natural_image(SIZE, 1, "astronaut")
    ours = jf.guided_filter(target, guide, radius=radius, eps=eps, border="symmetric")
    theirs = cv2.ximgproc.guidedFilter(guide, target, radius, eps)
    reference = ref.guided_filter(target, guide, radius, eps, border="symmetric")
    _check(ours, theirs, reference, tol["opencv_gray"])


@pytest.mark.parametrize("target_channels", [1, 3])
@pytest.mark.parametrize("eps", [1e-3, 1e-2, 1e-1])
@pytest.mark.parametrize("radius", [1, 4, 8, 16])
def test_colour_guide_255_scaled(helpers, tol, radius, eps, target_channels):
    guide = helpers.natural_image(SIZE, 3, "astronaut") * np.float32(255)
    target = helpers.natural_image(SIZE, target_channels, "coffee") * np.float32(255)
    ours = jf.guided_filter(
        target, guide, radius=radius, eps=eps, border="symmetric", data_range=255
    )
    theirs = cv2.ximgproc.guidedFilter(guide, target, radius, eps * 255.0**2)
    reference = ref.guided_filter(target, guide, radius, eps * 255.0**2, border="symmetric")
    _check(ours, theirs, reference, tol["opencv_colour"], scale=255.0)


@pytest.mark.parametrize("eps", [1e-3, 1e-2, 1e-1])
@pytest.mark.parametrize("radius", [2, 5, 12])
def test_colour_guide_random_unit_range(rng, tol, radius, eps):
    guide = rng.random((*SIZE, 3)).astype(np.float32)
    target = rng.random(SIZE).astype(np.float32)
    ours = jf.guided_filter(target, guide, radius=radius, eps=eps, border="symmetric")
    theirs = cv2.ximgproc.guidedFilter(guide, target, radius, eps)
    reference = ref.guided_filter(target, guide, radius, eps, border="symmetric")
    _check(ours, theirs, reference, tol["opencv_colour_random"])


def test_uint8_gray_parity(helpers):
    guide = helpers.to_dtype(helpers.natural_image(SIZE, 1, "camera"), np.uint8)
    target = helpers.to_dtype(helpers.natural_image(SIZE, 1, "chelsea"), np.uint8)
    ours = jf.guided_filter(target, guide, radius=6, eps=1e-2, border="symmetric")
    theirs = cv2.ximgproc.guidedFilter(guide, target, 6, 1e-2 * 255.0**2)
    # Both round a float result to uint8; OpenCV's float32 error (~4e-5 x 255 = 0.01 level)
    # can flip values that sit at .5, so allow 1 level, like the reference comparisons.
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_box_filter_symmetric_matches_opencv_blur(helpers):
    image = helpers.natural_image(SIZE, 3, "coffee")
    for radius in (1, 7, 40):
        ours = jf.box_filter(image, radius, border="symmetric")
        theirs = cv2.blur(image, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
        ours = jf.box_filter(image, radius, border="reflect")
        theirs = cv2.blur(image, (2 * radius + 1,) * 2, borderType=cv2.BORDER_REFLECT_101)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
        ours = jf.box_filter(image, radius, border="edge")
        theirs = cv2.blur(image, (2 * radius + 1,) * 2, borderType=cv2.BORDER_REPLICATE)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
