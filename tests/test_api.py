"""API contracts of box_filter, guided_filter and GuidedFilter: errors, dtypes, out=, views.

Every error path is checked with ``pytest.raises(..., match=...)`` against our exception classes
(which also subclass the builtins, so ``except ValueError`` works). Inputs must never be
modified, including when a call fails.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter.errors import (
    DTypeError,
    JointFilterError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)

H, W = 24, 31


@pytest.fixture
def pair(rng):
    target = rng.random((H, W)).astype(np.float32)
    guide = rng.random((H, W, 3)).astype(np.float32)
    return target, guide


# ---------------------------------------------------------------------------------------------
# exception classes
# ---------------------------------------------------------------------------------------------


def test_error_classes_subclass_builtins():
    assert issubclass(ShapeError, ValueError)
    assert issubclass(ParameterError, ValueError)
    assert issubclass(NonFiniteError, ValueError)
    assert issubclass(DTypeError, TypeError)
    for cls in (ShapeError, DTypeError, ParameterError, NonFiniteError):
        assert issubclass(cls, JointFilterError)


# ---------------------------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------------------------


def test_chw_target_is_detected(rng):
    chw = rng.random((3, 64, 64)).astype(np.float32)
    with pytest.raises(ShapeError, match=r"channels-first.*np\.moveaxis"):
        jf.guided_filter(chw, np.moveaxis(chw, 0, -1))
    with pytest.raises(ShapeError, match="channels-first"):
        jf.box_filter(chw, 2)


def test_chw_guide_is_detected(rng):
    target = rng.random((64, 64)).astype(np.float32)
    with pytest.raises(ShapeError, match=r"guide.*channels-first"):
        jf.guided_filter(target, rng.random((3, 64, 64)).astype(np.float32))


@pytest.mark.parametrize("shape", [(10,), (2, 10, 10, 1), (1, 2, 3, 4, 5)], ids=str)
def test_wrong_ndim_rejected(shape):
    bad = np.zeros(shape, np.float32)
    good = np.zeros((10, 10), np.float32)
    with pytest.raises(ShapeError, match=r"target must have shape \(H, W\) or \(H, W, C\)"):
        jf.guided_filter(bad, good)
    with pytest.raises(ShapeError, match=r"guide must have shape \(H, W\) or \(H, W, C\)"):
        jf.guided_filter(good, bad)
    with pytest.raises(ShapeError, match=r"image must have shape \(H, W\)"):
        jf.box_filter(bad, 1)


def test_five_channel_target_rejected():
    with pytest.raises(ShapeError, match="1 to 4 channels"):
        jf.guided_filter(np.zeros((10, 10, 5), np.float32), np.zeros((10, 10), np.float32))


def test_mismatched_guide_size_rejected(pair):
    target, guide = pair
    with pytest.raises(ShapeError, match=r"guide must have the height and width of target"):
        jf.guided_filter(target, guide[:-1])
    with pytest.raises(ShapeError, match=r"height and width"):
        jf.guided_filter(target, np.ascontiguousarray(np.swapaxes(guide, 0, 1)))


@pytest.mark.parametrize("channels", [2, 4])
def test_two_or_four_channel_guide_rejected(rng, channels):
    target = rng.random((H, W)).astype(np.float32)
    guide = rng.random((H, W, channels)).astype(np.float32)
    with pytest.raises(ShapeError, match=r"guide must have 1 or 3 channels"):
        jf.guided_filter(target, guide)


# ---------------------------------------------------------------------------------------------
# dtypes and types
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "hint"),
    [(np.bool_, "mask"), (np.int64, "astype"), (np.int32, "astype"), (np.complex64, "Convert")],
    ids=["bool", "int64", "int32", "complex64"],
)
def test_unsupported_dtypes_rejected(dtype, hint):
    bad = np.zeros((H, W), dtype)
    good = np.zeros((H, W), np.float32)
    with pytest.raises(DTypeError, match=rf"target must have dtype uint8.*{hint}"):
        jf.guided_filter(bad, good)
    with pytest.raises(DTypeError, match=rf"guide must have dtype uint8.*{hint}"):
        jf.guided_filter(good, bad)
    with pytest.raises(DTypeError, match="image must have dtype"):
        jf.box_filter(bad, 1)


def test_object_dtype_rejected():
    bad = np.empty((4, 4), dtype=object)
    with pytest.raises(DTypeError, match="must have dtype"):
        jf.guided_filter(bad, np.zeros((4, 4), np.float32))


def test_lists_rejected():
    nested = [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(DTypeError, match=r"target must be a numpy.ndarray.*numpy.asarray"):
        jf.guided_filter(nested, np.zeros((2, 2), np.float32))
    with pytest.raises(DTypeError, match=r"guide must be a numpy.ndarray"):
        jf.guided_filter(np.zeros((2, 2), np.float32), nested)
    with pytest.raises(DTypeError, match=r"image must be a numpy.ndarray"):
        jf.box_filter(nested, 1)


def test_bad_output_dtype_rejected(pair):
    target, guide = pair
    with pytest.raises(DTypeError, match="dtype must be uint8, uint16, float32 or float64"):
        jf.guided_filter(target, guide, dtype=np.int16)
    with pytest.raises(DTypeError, match="dtype must be"):
        jf.box_filter(target, 1, dtype=np.complex64)


# ---------------------------------------------------------------------------------------------
# scalar parameters
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("radius", "match"),
    [
        (-1, "radius must be >= 0"),
        (2.0, "radius must be an int"),
        (True, "radius must be an int"),
        ("3", "radius must be an int"),
        (None, "radius must be an int"),
    ],
    ids=["negative", "float", "bool", "str", "None"],
)
def test_bad_radius_rejected(pair, radius, match):
    target, guide = pair
    with pytest.raises(ParameterError, match=match):
        jf.guided_filter(target, guide, radius=radius)
    with pytest.raises(ParameterError, match=match):
        jf.box_filter(target, radius)
    with pytest.raises(ParameterError, match=match):
        jf.GuidedFilter((H, W), np.float32, radius=radius)


def test_numpy_integer_radius_accepted(pair):
    target, guide = pair
    a = jf.guided_filter(target, guide, radius=np.int64(3))
    np.testing.assert_array_equal(a, jf.guided_filter(target, guide, radius=3))


@pytest.mark.parametrize(
    "eps",
    [0.0, -1e-3, float("nan"), float("inf"), -float("inf"), True, "1e-3", None],
    ids=["zero", "negative", "nan", "inf", "-inf", "bool", "str", "None"],
)
def test_bad_eps_rejected(pair, eps):
    target, guide = pair
    with pytest.raises(ParameterError, match="eps must be a finite number > 0"):
        jf.guided_filter(target, guide, eps=eps)
    with pytest.raises(ParameterError, match="eps must be a finite number > 0"):
        jf.GuidedFilter((H, W), np.float32, eps=eps)


@pytest.mark.parametrize("subsample", [0, -2, 1.5, True], ids=["zero", "negative", "float", "bool"])
def test_bad_subsample_rejected(pair, subsample):
    target, guide = pair
    with pytest.raises(ParameterError, match="subsample must be an int >= 1"):
        jf.guided_filter(target, guide, subsample=subsample)
    with pytest.raises(ParameterError, match="subsample must be an int >= 1"):
        jf.GuidedFilter((H, W), np.float32, subsample=subsample)


@pytest.mark.parametrize("data_range", [0, -1.0, float("nan")], ids=["zero", "negative", "nan"])
def test_bad_data_range_rejected(pair, data_range):
    target, guide = pair
    with pytest.raises(ParameterError, match="data_range must be a finite number > 0"):
        jf.guided_filter(target, guide, data_range=data_range)


@pytest.mark.parametrize(
    ("border", "hint"),
    [
        ("replicate", "'edge'"),
        ("BORDER_REFLECT", "'symmetric'"),
        ("reflect101", "'reflect'"),
        ("BORDER_REFLECT_101", "'reflect'"),
    ],
)
def test_opencv_border_names_get_a_hint(pair, border, hint):
    target, guide = pair
    msg = rf"border must be one of .*OpenCV's {border} is border={hint}"
    with pytest.raises(ParameterError, match=msg):
        jf.guided_filter(target, guide, border=border)
    with pytest.raises(ParameterError, match=rf"border={hint}"):
        jf.box_filter(target, 1, border=border)


@pytest.mark.parametrize("border", ["wrap", "", 1, None, "Symmetric"])
def test_unknown_border_rejected(pair, border):
    target, guide = pair
    with pytest.raises(ParameterError, match=r"border must be one of 'clipped', 'symmetric'"):
        jf.guided_filter(target, guide, border=border)
    with pytest.raises(ParameterError, match="border must be one of"):
        jf.GuidedFilter((H, W), np.float32, border=border)


def test_bad_thread_count_rejected():
    with pytest.raises(ParameterError, match="n must be an int >= 0"):
        jf.set_num_threads(-1)
    with pytest.raises(ParameterError, match="n must be an int >= 0"):
        jf.set_num_threads(1.5)


# ---------------------------------------------------------------------------------------------
# non-finite input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("where", ["target", "guide"])
def test_nonfinite_input_raises(pair, value, where):
    target, guide = pair
    target, guide = target.copy(), guide.copy()
    (target if where == "target" else guide)[5, 7] = value
    t_before, g_before = target.copy(), guide.copy()
    with pytest.raises(NonFiniteError, match=rf"{where} contains NaN or Inf.*nan_to_num"):
        jf.guided_filter(target, guide)
    np.testing.assert_array_equal(target, t_before)
    np.testing.assert_array_equal(guide, g_before)
    f = jf.GuidedFilter((H, W), np.float32, guide_channels=3)
    f.set_guide(guide)
    with pytest.raises(NonFiniteError, match=rf"{where} contains NaN or Inf"):
        f(target, out=np.empty_like(target))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonfinite_box_filter_raises(dtype):
    image = np.zeros((9, 9), dtype)
    image[-1, -1] = np.nan
    with pytest.raises(NonFiniteError, match="image contains NaN or Inf"):
        jf.box_filter(image, 1)


def test_nonfinite_guide_pixel_skipped_by_subsampling_still_raises(pair):
    # Pixel (0, 0) is not picked by the 2x nearest decimation (rows/cols 1, 3, 5, ...), but the
    # guide is used at full resolution, so the output there would be NaN: it must raise.
    target, guide = (a.copy() for a in pair)
    guide[0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="guide contains NaN or Inf"):
        jf.guided_filter(target, guide, subsample=2)


def test_nonfinite_target_pixel_skipped_by_subsampling_is_not_read(pair):
    # Documented behaviour: with subsample > 1 the target is read only at the decimated pixels,
    # so a NaN elsewhere cannot affect the result, and the result is finite.
    target, guide = (a.copy() for a in pair)
    target[0, 0] = np.nan
    out = jf.guided_filter(target, guide, subsample=2)
    assert np.isfinite(out).all()
    clean = target.copy()
    clean[0, 0] = 0.5
    np.testing.assert_array_equal(out, jf.guided_filter(clean, guide, subsample=2))


# ---------------------------------------------------------------------------------------------
# output dtype, saturation, out=
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target_dtype", "guide_dtype"),
    [
        (np.uint8, np.float32),
        (np.uint16, np.uint8),
        (np.float32, np.uint16),
        (np.float64, np.uint8),
    ],
    ids=["u8-f32", "u16-u8", "f32-u16", "f64-u8"],
)
def test_output_dtype_is_target_dtype(rng, target_dtype, guide_dtype):
    target = np.zeros((8, 9), target_dtype)
    guide = np.zeros((8, 9, 3), guide_dtype)
    assert jf.guided_filter(target, guide, radius=2).dtype == np.dtype(target_dtype)
    assert jf.box_filter(target, 2).dtype == np.dtype(target_dtype)


def test_integer_output_saturates(rng):
    target = np.full((16, 16), -500.0, np.float32)  # left half far below 0
    target[:, 8:] = 900.0  # right half far above 255
    guide = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (16, 1))
    out = jf.guided_filter(target, guide, radius=2, eps=1e-4, dtype=np.uint8)
    assert out.dtype == np.uint8
    assert out[:, 0].tolist() == [0] * 16
    assert out[:, -1].tolist() == [255] * 16


@pytest.mark.parametrize("out_dtype", [None, np.float64, np.uint8])
def test_out_is_returned_as_same_object(pair, out_dtype):
    target, guide = pair
    dt = np.float32 if out_dtype is None else out_dtype
    out = np.empty(target.shape, dt)
    res = jf.guided_filter(target, guide, dtype=out_dtype, out=out)
    assert res is out
    np.testing.assert_array_equal(res, jf.guided_filter(target, guide, dtype=out_dtype))
    out2 = np.empty(target.shape, dt)
    assert jf.box_filter(target, 2, dtype=out_dtype, out=out2) is out2


def test_out_strided_view_is_written_in_place(pair):
    target, guide = pair
    big = np.zeros((H, 2 * W), np.float32)
    view = big[:, ::2]
    res = jf.guided_filter(target, guide, out=view)
    assert res is view
    np.testing.assert_array_equal(big[:, ::2], jf.guided_filter(target, guide))
    assert not big[:, 1::2].any()


def test_out_mismatches_rejected(pair):
    target, guide = pair
    with pytest.raises(ShapeError, match=r"out must have shape \(24, 31\)"):
        jf.guided_filter(target, guide, out=np.empty((H, W + 1), np.float32))
    with pytest.raises(ShapeError, match="out must have shape"):
        jf.guided_filter(target, guide, out=np.empty((H, W, 1), np.float32))
    with pytest.raises(DTypeError, match=r"out must have dtype float32.*dtype="):
        jf.guided_filter(target, guide, out=np.empty((H, W), np.float64))
    with pytest.raises(DTypeError, match="out must have dtype uint8"):
        jf.guided_filter(target, guide, dtype=np.uint8, out=np.empty((H, W), np.float32))
    with pytest.raises(DTypeError, match=r"out must be a numpy\.ndarray"):
        jf.guided_filter(target, guide, out=[[0.0] * W] * H)
    read_only = np.empty((H, W), np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ParameterError, match="out is read-only"):
        jf.guided_filter(target, guide, out=read_only)
    with pytest.raises(ParameterError, match="out is read-only"):
        jf.box_filter(target, 1, out=read_only)


def test_out_overlapping_inputs_rejected(rng):
    target = rng.random((H, W)).astype(np.float32)
    guide = rng.random((H, W)).astype(np.float32)
    with pytest.raises(ParameterError, match="out overlaps target"):
        jf.guided_filter(target, guide, out=target)
    with pytest.raises(ParameterError, match="out overlaps guide"):
        jf.guided_filter(target, guide, out=guide)
    with pytest.raises(ParameterError, match="out overlaps image"):
        jf.box_filter(target, 1, out=target)
    # a view sharing memory with a channel of a colour guide
    colour = rng.random((H, W, 3)).astype(np.float32)
    with pytest.raises(ParameterError, match="out overlaps guide"):
        jf.guided_filter(target, colour, out=colour[:, :, 1])


# ---------------------------------------------------------------------------------------------
# inputs are never modified; views; empty images
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_inputs_not_modified(rng, helpers, dtype):
    target = helpers.random_image(rng, (H, W), 3, dtype)
    guide = helpers.random_image(rng, (H, W), 3, dtype)
    t0, g0 = target.copy(), guide.copy()
    jf.guided_filter(target, guide, radius=3, eps=1e-3, subsample=2)
    jf.guided_filter(target, guide[:, :, 0], radius=0)
    jf.box_filter(target, 5, border="reflect")
    np.testing.assert_array_equal(target, t0)
    np.testing.assert_array_equal(guide, g0)
    if np.dtype(dtype) != np.float64:
        f = jf.GuidedFilter((H, W, 3), dtype, guide_channels=3)
        f.set_guide(guide)
        f(target, out=np.empty_like(target))
        np.testing.assert_array_equal(target, t0)
        np.testing.assert_array_equal(guide, g0)


def _views(base: np.ndarray) -> dict[str, np.ndarray]:
    """Non-contiguous views of the same (H, W[, C]) logical shape family."""
    return {
        "row_stride_crop": base[2:-3, 1:-4],
        "column_step": base[:, ::2],
        "row_step": base[::2],
        "flip_rows": base[::-1],
        "flip_cols": base[:, ::-1],
        "transposed": np.swapaxes(base, 0, 1),
    }


@pytest.mark.parametrize(
    "kind", ["row_stride_crop", "column_step", "row_step", "flip_rows", "flip_cols", "transposed"]
)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_function_accepts_views(rng, kind, guide_channels):
    base_t = rng.random((40, 40, 2)).astype(np.float32)
    base_g = rng.random((40, 40, guide_channels)).astype(np.float32)
    t = _views(base_t)[kind]
    g = _views(base_g)[kind]
    if guide_channels == 1:
        g = g[:, :, 0]  # channel-strided gray guide
    out = jf.guided_filter(t, g, radius=3, eps=1e-3)
    np.testing.assert_array_equal(
        out, jf.guided_filter(np.ascontiguousarray(t), np.ascontiguousarray(g), radius=3, eps=1e-3)
    )
    box = jf.box_filter(t, 3, border="symmetric")
    contiguous = jf.box_filter(np.ascontiguousarray(t), 3, border="symmetric")
    np.testing.assert_array_equal(box, contiguous)


def test_channel_views_accepted(rng):
    rgba = rng.random((30, 20, 4)).astype(np.float32)
    out = jf.guided_filter(rgba[:, :, 3], rgba[:, :, :3], radius=2)
    np.testing.assert_array_equal(
        out, jf.guided_filter(rgba[:, :, 3].copy(), rgba[:, :, :3].copy(), radius=2)
    )
    bgr = rgba[:, :, 2::-1]
    np.testing.assert_array_equal(
        jf.guided_filter(rgba[:, :, 3], bgr, radius=2),
        jf.guided_filter(rgba[:, :, 3].copy(), bgr.copy(), radius=2),
    )


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0), (0, 7, 3)], ids=str)
def test_empty_images_give_empty_outputs(shape):
    for dtype in (np.uint8, np.float32, np.float64):
        target = np.zeros(shape, dtype)
        guide = np.zeros(shape[:2], np.float32)
        out = jf.guided_filter(target, guide)
        assert out.shape == shape
        assert out.dtype == np.dtype(dtype)
        assert jf.box_filter(target, 3).shape == shape
        buf = np.empty(shape, dtype)
        assert jf.guided_filter(target, guide, out=buf) is buf


# ---------------------------------------------------------------------------------------------
# GuidedFilter object
# ---------------------------------------------------------------------------------------------


def test_object_rejects_non_contiguous_frames(rng):
    f = jf.GuidedFilter((20, 20), np.float32, radius=2)
    base = rng.random((40, 40)).astype(np.float32)
    f.set_guide(base[:20, :20])  # a row-strided crop is fine (no copy needed)
    out = np.empty((20, 20), np.float32)
    views = (base[:20, ::2], base[:20, :20][::-1], base[:20, :20].T, base[:20, 19::-1])
    for view in views:
        with pytest.raises(ShapeError, match="target must have contiguous pixels within rows"):
            f(view, out=out)
        with pytest.raises(ShapeError, match="guide must have contiguous pixels"):
            f.set_guide(view)
    with pytest.raises(ShapeError, match="out must have contiguous pixels"):
        f(base[20:, 20:], out=np.empty((40, 40), np.float32)[::2, ::2])


def test_object_row_strided_crop_matches_function(rng):
    base_t = rng.random((50, 60, 3)).astype(np.float32)
    base_g = rng.random((50, 60, 3)).astype(np.float32)
    t, g = base_t[5:35, 7:47], base_g[10:40, 3:43]
    f = jf.GuidedFilter((30, 40, 3), np.float32, guide_channels=3, radius=3, eps=1e-3)
    f.set_guide(g)
    out_base = np.zeros((40, 50, 3), np.float32)
    res = f(t, out=out_base[2:32, 4:44])
    np.testing.assert_array_equal(res, jf.guided_filter(t, g, radius=3, eps=1e-3))


def test_object_validation_errors(rng):
    with pytest.raises(DTypeError, match="dtype must be uint8, uint16 or float32 for a Guided"):
        jf.GuidedFilter((8, 8), np.float64)
    with pytest.raises(DTypeError, match="guide_dtype must be"):
        jf.GuidedFilter((8, 8), np.uint8, guide_dtype=np.int32)
    with pytest.raises(ShapeError, match="guide_channels must be 1 or 3"):
        jf.GuidedFilter((8, 8), np.uint8, guide_channels=2)
    with pytest.raises(ShapeError, match=r"shape must be \(H, W\) or \(H, W, C\)"):
        jf.GuidedFilter((8, 8, 5), np.uint8)
    with pytest.raises(ShapeError, match=r"shape must be"):
        jf.GuidedFilter((8,), np.uint8)
    f = jf.GuidedFilter((8, 8), np.uint8, radius=1)
    frame = np.zeros((8, 8), np.uint8)
    with pytest.raises(ParameterError, match="no guide set: call set_guide"):
        f(frame)
    with pytest.raises(ShapeError, match=r"guide must have shape \(8, 8\)"):
        f.set_guide(np.zeros((8, 9), np.uint8))
    with pytest.raises(DTypeError, match="guide must have dtype uint8"):
        f.set_guide(np.zeros((8, 8), np.float32))
    f.set_guide(frame)
    with pytest.raises(ShapeError, match="target must have shape"):
        f(np.zeros((8, 8, 1), np.uint8))
    with pytest.raises(DTypeError, match="target must have dtype uint8"):
        f(np.zeros((8, 8), np.uint16))
    with pytest.raises(DTypeError, match=r"target must be a numpy\.ndarray"):
        f([[0] * 8] * 8)
    with pytest.raises(DTypeError, match="out must have dtype uint8"):
        f(frame.copy(), out=np.empty((8, 8), np.float32))
    ro = np.empty((8, 8), np.uint8)
    ro.flags.writeable = False
    with pytest.raises(ParameterError, match="out is read-only"):
        f(frame.copy(), out=ro)
    with pytest.raises(ParameterError, match="out overlaps target or guide"):
        f(frame.copy(), out=frame)
    t = frame.copy()
    with pytest.raises(ParameterError, match="out overlaps target or guide"):
        f(t, out=t)


def test_object_out_dtype_and_return(rng):
    f = jf.GuidedFilter((16, 16), np.uint16, guide_dtype=np.uint8, out_dtype=np.float32, radius=2)
    guide = rng.integers(0, 256, (16, 16), dtype=np.uint8)
    target = rng.integers(0, 65536, (16, 16), dtype=np.uint16)
    f.set_guide(guide)
    out = np.empty((16, 16), np.float32)
    assert f(target, out=out) is out
    fresh = f(target)
    assert fresh.dtype == np.float32
    np.testing.assert_array_equal(
        fresh, jf.guided_filter(target, guide, radius=2, dtype=np.float32)
    )


def test_object_context_manager_releases(rng):
    guide = rng.random((64, 64)).astype(np.float32)
    with jf.GuidedFilter((64, 64), np.float32, radius=4) as f:
        f.set_guide(guide)
        f(guide.copy())
        assert f.scratch_nbytes > 0
    assert f.scratch_nbytes == 0
    with pytest.raises(ParameterError, match="no guide set"):
        f(guide.copy())


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_object_steady_state_allocates_nothing(rng, guide_channels):
    shape = (256, 192, 3)
    f = jf.GuidedFilter(shape, np.float32, guide_channels=guide_channels, radius=6, eps=1e-3)
    guide = rng.random(f.guide_shape).astype(np.float32)
    frames = [rng.random(shape).astype(np.float32) for _ in range(3)]
    out = np.empty(shape, np.float32)
    f.set_guide(guide)
    for frame in frames:  # first calls size the scratch
        f(frame, out=out)
    scratch = f.scratch_nbytes
    assert scratch > 0
    tracemalloc.start()
    try:
        f(frames[0], out=out)  # let tracemalloc's own bookkeeping settle
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(10):
            for frame in frames:
                assert f(frame, out=out) is out
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before <= 0, f"Python memory grew by {after - before} bytes over 30 calls"
    # no frame-sized temporary on the Python side (a frame is 590 kB)
    assert peak - before < 16 * 1024, f"transient Python allocation of {peak - before} bytes"
    assert f.scratch_nbytes == scratch


def test_object_scratch_does_not_grow_with_height():
    # O(threads x width x radius), not O(image): a 4x taller frame needs the same scratch.
    sizes = {}
    for height in (1024, 4096):
        f = jf.GuidedFilter((height, 256), np.float32, guide_channels=3, radius=8)
        f.set_guide(np.zeros((height, 256, 3), np.float32))
        f(np.zeros((height, 256), np.float32), out=np.empty((height, 256), np.float32))
        sizes[height] = f.scratch_nbytes
    assert sizes[4096] == sizes[1024]
    assert sizes[4096] < 4096 * 256 * 4, "scratch is as large as a full image plane"


def test_build_info_and_threads(restore_threads):
    info = jf.build_info()
    for key in ("version", "compiler", "kernel_isa", "num_threads", "cuda_built"):
        assert key in info
    assert info["version"] == jf.__version__
    jf.set_num_threads(1)
    assert jf.get_num_threads() == 1
    jf.set_num_threads(2)
    assert jf.get_num_threads() == 2
    assert _core.band_rows_for(1080, 8) >= 1
