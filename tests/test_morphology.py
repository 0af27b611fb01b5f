"""min_filter / max_filter against a brute-force window loop, every border, odd shapes."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import DTypeError, NonFiniteError, ParameterError

BORDERS = ["clipped", "symmetric", "reflect", "edge"]


def _pad_axis(img: np.ndarray, radius: int, axis: int, border: str) -> np.ndarray:
    widths = [(0, 0)] * img.ndim
    widths[axis] = (radius, radius)
    # numpy.pad names; "reflect" on a size-1 axis has nothing to reflect and behaves like "edge"
    mode = "edge" if border == "reflect" and img.shape[axis] == 1 else border
    return np.pad(img, widths, mode=mode)


def _brute(image: np.ndarray, radius: int, border: str, fn) -> np.ndarray:
    """Window extremum by explicit loops over clipped or numpy.pad-padded windows."""
    img = image if image.ndim == 3 else image[..., None]
    h, w, _ = img.shape
    out = np.empty_like(img)
    if border == "clipped":
        for y in range(h):
            for x in range(w):
                win = img[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
                out[y, x] = fn(win, axis=(0, 1))
    else:
        pad = _pad_axis(_pad_axis(img, radius, 0, border), radius, 1, border)
        for y in range(h):
            for x in range(w):
                out[y, x] = fn(pad[y : y + 2 * radius + 1, x : x + 2 * radius + 1], axis=(0, 1))
    return out if image.ndim == 3 else out[..., 0]


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (7, 5), (13, 17, 3), (6, 70, 2)])
@pytest.mark.parametrize("radius", [0, 1, 3, 12])
@pytest.mark.parametrize("maximum", [False, True])
def test_matches_brute_force(border, shape, radius, maximum):
    rng = np.random.default_rng(radius + len(shape))
    image = rng.integers(0, 65536, shape).astype(np.uint16)
    fn = np.max if maximum else np.min
    got = (jf.max_filter if maximum else jf.min_filter)(image, radius, border=border)
    assert got.dtype == image.dtype
    np.testing.assert_array_equal(got, _brute(image, radius, border, fn))


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_dtypes_and_float_inf(dtype):
    rng = np.random.default_rng(1)
    image = (rng.random((11, 9)) * 200).astype(dtype)
    if np.dtype(dtype).kind == "f":
        image[3, 4] = np.inf
    got = jf.max_filter(image, 2)
    assert got.dtype == image.dtype
    np.testing.assert_array_equal(got, _brute(image.astype(np.float32), 2, "clipped", np.max))


def test_huge_radius_is_the_global_extremum():
    image = np.random.default_rng(2).random((5, 8), dtype=np.float32)
    for border in BORDERS:
        assert np.all(jf.min_filter(image, 10**6, border=border) == image.min())


def test_errors_and_inputs_untouched():
    image = np.random.default_rng(3).random((6, 6), dtype=np.float32)
    before = image.copy()
    jf.min_filter(image, 2)
    np.testing.assert_array_equal(image, before)
    bad = image.copy()
    bad[2, 2] = np.nan
    with pytest.raises(NonFiniteError, match="NaN"):
        jf.min_filter(bad, 1)
    with pytest.raises(ParameterError, match="radius"):
        jf.max_filter(image, -1)
    with pytest.raises(DTypeError, match="dtype"):
        jf.max_filter(image.astype(np.int64), 1)
    with pytest.raises(ParameterError, match="border"):
        jf.max_filter(image, 1, border="wrap")


@pytest.mark.parametrize("radius", [1, 2, 3, 7])
@pytest.mark.parametrize("channels", [1, 2, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_larger_images_groups_bands_and_threads(radius, channels, dtype):
    """Several 8-row groups and row bands, small-window and van Herk paths, any thread count."""
    rng = np.random.default_rng(radius * 10 + channels)
    shape = (77, 53) if channels == 1 else (77, 53, channels)
    image = (rng.random(shape) * 250).astype(dtype)
    want = _brute(image, radius, "symmetric", np.min)
    before = jf.get_num_threads()
    try:
        for threads in (1, 2, 3):
            jf.set_num_threads(threads)
            got = jf.min_filter(image, radius, border="symmetric")
            np.testing.assert_array_equal(got, want)
    finally:
        jf.set_num_threads(before)


@pytest.mark.parametrize("radius", [2, 9])
def test_strided_rows_and_nan_in_border_rows(radius):
    rng = np.random.default_rng(7)
    base = rng.random((40, 70), dtype=np.float32)
    view = base[::2, 5:60]  # rows with a stride, not contiguous
    np.testing.assert_array_equal(
        jf.max_filter(view, radius, border="reflect"), _brute(view, radius, "reflect", np.max)
    )
    bad = rng.random((19, 23), dtype=np.float32)
    bad[18, 22] = np.nan  # last row of a partial 8-row group, last column
    with pytest.raises(NonFiniteError):
        jf.min_filter(bad, radius)


_SCIPY_MODE = {"symmetric": "reflect", "reflect": "mirror", "edge": "nearest"}


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("radius", [5, 31, 64])
@pytest.mark.parametrize("maximum", [False, True])
def test_large_images_match_scipy_for_any_thread_count(border, radius, maximum):
    """Several row bands (each with its halo), wide rows, every level count: scipy as the peer."""
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(radius)
    image = rng.random((257, 389, 3), dtype=np.float32)
    size = (2 * radius + 1, 2 * radius + 1, 1)
    peer = ndimage.maximum_filter if maximum else ndimage.minimum_filter
    if border == "clipped":
        fill = -np.inf if maximum else np.inf
        want = peer(image, size=size, mode="constant", cval=fill)
    else:
        want = peer(image, size=size, mode=_SCIPY_MODE[border])
    before = jf.get_num_threads()
    try:
        for threads in (1, 2, 3):
            jf.set_num_threads(threads)
            got = (jf.max_filter if maximum else jf.min_filter)(image, radius, border=border)
            np.testing.assert_array_equal(got, want)
    finally:
        jf.set_num_threads(before)


def test_core_refuses_in_place():
    from jointfilter import _core

    image = np.zeros((8, 8), np.float32)
    with pytest.raises(ParameterError, match="not in-place safe"):
        _core.minmax_filter(image, image, 1, 0, False)


_CV2_BORDER = {
    "edge": "BORDER_REPLICATE",
    "symmetric": "BORDER_REFLECT",
    "reflect": "BORDER_REFLECT_101",
}


@pytest.mark.parametrize("border", sorted(_CV2_BORDER))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("maximum", [False, True])
def test_parity_with_opencv_erode_and_dilate(border, dtype, maximum):
    """The peer: cv2.erode / cv2.dilate with a square kernel give the same values."""
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(5)
    image = (rng.random((120, 173, 3)) * 255).astype(dtype)
    for radius in (1, 4, 9):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
        peer = cv2.dilate if maximum else cv2.erode
        want = peer(image, kernel, borderType=getattr(cv2, _CV2_BORDER[border]))
        got = (jf.max_filter if maximum else jf.min_filter)(image, radius, border=border)
        np.testing.assert_array_equal(got, want)
