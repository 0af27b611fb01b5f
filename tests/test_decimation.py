"""guided_filter(..., subsample=s, decimation="mean"): block-mean decimation of the target.

With ``decimation="mean"`` the fast guided filter decimates the target (only) by the mean of
each ``s x s`` block (partial blocks at the right/bottom edge averaged over their own pixels,
sum in float64, rounded to float32); the guide keeps nearest decimation. The CPU core is
compared with ``jointfilter._reference.guided_filter(..., decimation="mean")`` under the
tolerance conventions of tests/test_guided_filter.py (double precision: the ``float32`` row of
the table, integers within one level) and tests/test_single_precision.py (single precision:
5e-6 absolute on [0, 1] random data at eps = 1e-2).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref
from jointfilter.errors import NonFiniteError, ParameterError

BORDERS = ("clipped", "symmetric", "reflect", "edge")
# not multiples of 2, 3 or 4 (partial blocks on both edges), single rows and columns
SHAPES = ((1, 1), (1, 37), (41, 1), (2, 3), (37, 53), (61, 50))
RADII = (0, 1, 5, 70)  # 70 >= every size here (and its low radius >= every low size)
DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
DTYPE_IDS = {np.uint8: "u8", np.uint16: "u16", np.float32: "f32", np.float64: "f64"}
SINGLE_BOUND = 5e-6  # tests/test_single_precision.py, eps = 1e-2 on [0, 1] random data


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


def _mean_ref(target, guide, radius, eps_abs, subsample, **kw):
    return ref.guided_filter(
        np.asarray(target, np.float64),
        np.asarray(guide, np.float64),
        radius,
        eps_abs,
        subsample=subsample,
        decimation="mean",
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# the reference itself
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subsample", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (5, 7), (8, 12), (13, 10, 3)], ids=str)
def test_reference_block_mean_by_loops(rng, shape, subsample):
    x = rng.random(shape) * 1000.0
    h, w = shape[:2]
    low = ref.downsample_mean(x, subsample)
    assert low.shape == (-(-h // subsample), -(-w // subsample), *shape[2:])
    for yy in range(low.shape[0]):
        for xx in range(low.shape[1]):
            block = x[yy * subsample : yy * subsample + subsample]
            block = block[:, xx * subsample : xx * subsample + subsample]
            count = block.shape[0] * block.shape[1]
            want = np.float32(block.sum(axis=(0, 1)) / count)
            np.testing.assert_array_equal(low[yy, xx], want)


def test_reference_nearest_is_unchanged_and_bad_decimation_rejected(rng):
    target = rng.random((23, 31, 2))
    guide = rng.random((23, 31, 3))
    default = ref.guided_filter(target, guide, 4, 1e-2, subsample=3)
    nearest = ref.guided_filter(target, guide, 4, 1e-2, subsample=3, decimation="nearest")
    np.testing.assert_array_equal(default, nearest)
    low = ref.guided_coefficients(
        ref.downsample_nearest(target, 3), ref.downsample_nearest(guide, 3), 1, 1e-2
    )
    by_hand = np.sum(
        ref.upsample_bilinear(low[0], 23, 31) * guide[:, :, :, None], axis=2
    ) + ref.upsample_bilinear(low[1], 23, 31)
    np.testing.assert_allclose(nearest, by_hand, rtol=0, atol=1e-12)
    for bad in ("area", "Mean", 1, None):
        with pytest.raises(ValueError, match="decimation"):
            ref.guided_filter(target, guide, 4, 1e-2, subsample=3, decimation=bad)


# ---------------------------------------------------------------------------------------------
# CPU core against the reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subsample", [2, 3, 4])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_mean_matches_reference(rng, helpers, guide_channels, border, shape, subsample):
    target = helpers.random_image(rng, shape, 2)
    guide = helpers.random_image(rng, shape, guide_channels)
    for radius in RADII:
        out = jf.guided_filter(
            target,
            guide,
            radius=radius,
            eps=1e-2,
            border=border,
            subsample=subsample,
            decimation="mean",
        )
        expected = _mean_ref(target, guide, radius, 1e-2, subsample, border=border)
        _compare(helpers, out, target, expected, f"{border} {shape} r={radius} s={subsample}")


@pytest.mark.parametrize("target_channels", [1, 2, 3, 4])
@pytest.mark.parametrize("guide_shape", ["HW", "HW1", "HW3"])
@pytest.mark.parametrize("subsample", [2, 3])
def test_mean_target_channels(rng, helpers, target_channels, guide_shape, subsample):
    shape = (37, 53)
    target = helpers.random_image(rng, shape, target_channels)
    if target_channels == 1:
        target = target[:, :, None]  # (H, W, 1) here; (H, W) is covered above
    guide = helpers.random_image(rng, shape, 3 if guide_shape == "HW3" else 1)
    if guide_shape == "HW1":
        guide = guide[:, :, None]
    for border in ("clipped", "reflect"):
        out = jf.guided_filter(
            target,
            guide,
            radius=4,
            eps=3e-3,
            border=border,
            subsample=subsample,
            decimation="mean",
        )
        expected = _mean_ref(target, guide, 4, 3e-3, subsample, border=border)
        _compare(helpers, out, target, expected, border)


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize(
    ("target_dtype", "guide_dtype"),
    list(itertools.product(DTYPES, DTYPES[:3])),
    ids=lambda d: DTYPE_IDS[d],
)
def test_mean_dtype_combinations(rng, helpers, target_dtype, guide_dtype, guide_channels):
    # Natural guide (edges and flat areas), noisy natural target: the block means of integer
    # targets are not integers, so the low-res float32 target is really used as such.
    shape = (37, 45)
    guide01 = helpers.natural_image((120, 150), guide_channels, "chelsea")[::3, ::3][:37, :45]
    target01 = helpers.natural_image(shape, 2, "astronaut")
    target01 = np.clip(target01 + 0.05 * rng.standard_normal(target01.shape), 0, 1)
    target = helpers.to_dtype(target01, target_dtype)
    guide = helpers.to_dtype(guide01, guide_dtype)
    eps = 1e-3
    eps_abs = eps * _range(guide_dtype) ** 2
    for subsample, border in ((2, "clipped"), (3, "symmetric"), (4, "edge")):
        out = jf.guided_filter(
            target,
            guide,
            radius=5,
            eps=eps,
            border=border,
            subsample=subsample,
            decimation="mean",
        )
        expected = _mean_ref(target, guide, 5, eps_abs, subsample, border=border)
        _compare(helpers, out, target, expected, f"{border} s={subsample}")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["u8", "u16"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize("subsample", [2, 3, 4])
def test_mean_integer_random_inputs_within_one_level(
    rng, helpers, dtype, guide_channels, subsample
):
    shape = (53, 47)
    target = helpers.random_image(rng, shape, 3, dtype)
    guide = helpers.random_image(rng, shape, guide_channels, dtype)
    g_range = _range(dtype)
    for eps in (1e-1, 1e-3, 1e-5):
        out = jf.guided_filter(
            target, guide, radius=4, eps=eps, subsample=subsample, decimation="mean"
        )
        expected = _mean_ref(target, guide, 4, eps * g_range**2, subsample)
        _compare(helpers, out, target, expected, f"eps={eps}")


def test_mean_strided_views_and_apply_guide(rng, helpers):
    # Row strides larger than the row (crops of bigger arrays): the block sums read every row.
    big_t = helpers.random_image(rng, (60, 80), 3)
    big_g = helpers.random_image(rng, (60, 80), 3)
    target, guide = big_t[5:42, 7:60], big_g[11:48, 3:56]
    blurred = helpers.random_image(rng, (37, 53), 3)
    for subsample in (2, 3):
        out = jf.guided_filter(
            target, guide, radius=6, eps=1e-2, subsample=subsample, decimation="mean"
        )
        expected = _mean_ref(target, guide, 6, 1e-2, subsample)
        _compare(helpers, out, target, expected, f"view s={subsample}")
        out = jf.guided_filter(
            target,
            guide,
            radius=6,
            eps=1e-2,
            subsample=subsample,
            decimation="mean",
            apply_guide=blurred,
        )
        expected = _mean_ref(target, guide, 6, 1e-2, subsample, apply_guide=blurred)
        _compare(helpers, out, target, expected, f"apply_guide s={subsample}")


# ---------------------------------------------------------------------------------------------
# precision="single"
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("subsample", [2, 3, 4])
@pytest.mark.parametrize("shape", [(1, 37), (41, 1), (37, 53), (61, 50)], ids=str)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_mean_single_matches_reference(rng, helpers, guide_channels, shape, subsample):
    target = helpers.random_image(rng, shape, 2)
    guide = helpers.random_image(rng, shape, guide_channels)
    for border, radius in (("clipped", 6), ("symmetric", 1), ("reflect", 70), ("edge", 9)):
        out = jf.guided_filter(
            target,
            guide,
            radius=radius,
            eps=1e-2,
            border=border,
            subsample=subsample,
            decimation="mean",
            precision="single",
        )
        expected = _mean_ref(target, guide, radius, 1e-2, subsample, border=border)
        err = float(np.abs(out - expected).max())
        assert err <= SINGLE_BOUND, f"{border} r={radius}: max abs error {err:.3g}"


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["u8", "u16"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_mean_single_integer_within_one_level(rng, helpers, dtype, guide_channels):
    target = helpers.random_image(rng, (53, 47), 3, dtype)
    guide = helpers.random_image(rng, (53, 47), guide_channels, dtype)
    g_range = _range(dtype)
    for eps, subsample in ((1e-1, 2), (1e-2, 3)):
        out = jf.guided_filter(
            target,
            guide,
            radius=4,
            eps=eps,
            subsample=subsample,
            decimation="mean",
            precision="single",
        )
        expected = _mean_ref(target, guide, 4, eps * g_range**2, subsample)
        helpers.check_integer_close(out, expected, f"eps={eps} s={subsample}")


# ---------------------------------------------------------------------------------------------
# threads, the object, relations between the options
# ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_mean_bit_identical_for_one_and_two_threads(rng, helpers, guide_channels, precision):
    # tall enough for several row bands at low resolution
    target = helpers.random_image(rng, (301, 173), 3)
    guide = helpers.random_image(rng, (301, 173), guide_channels)
    for subsample in (2, 3):
        results = []
        for n in (1, 2):
            jf.set_num_threads(n)
            results.append(
                jf.guided_filter(
                    target,
                    guide,
                    radius=7,
                    subsample=subsample,
                    decimation="mean",
                    precision=precision,
                )
            )
        np.testing.assert_array_equal(results[1], results[0], err_msg=f"s={subsample}")


@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=["u8", "f32"])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_object_equals_function(rng, helpers, guide_channels, dtype, precision):
    shape = (40, 53, 2)
    target = helpers.random_image(rng, shape[:2], 2, dtype)
    guide = helpers.random_image(rng, shape[:2], guide_channels, dtype)
    for subsample in (1, 2, 3):
        kw = {"radius": 5, "eps": 1e-2, "subsample": subsample, "precision": precision}
        f = jf.GuidedFilter(shape, dtype, guide_channels=guide_channels, decimation="mean", **kw)
        f.set_guide(guide)
        expected = jf.guided_filter(target, guide, decimation="mean", **kw)
        np.testing.assert_array_equal(f(target), expected, err_msg=f"s={subsample}")
        out = np.empty_like(target)
        assert f(target, out=out) is out
        np.testing.assert_array_equal(out, expected, err_msg=f"out= s={subsample}")


@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_nearest_is_the_default_and_mean_differs(rng, helpers, guide_channels):
    target = helpers.random_image(rng, (45, 58), 3)  # uniform noise: blocks differ
    guide = helpers.random_image(rng, (45, 58), guide_channels)
    for precision in ("double", "single"):
        kw = {"radius": 6, "eps": 1e-2, "precision": precision}
        for subsample in (2, 3):
            default = jf.guided_filter(target, guide, subsample=subsample, **kw)
            nearest = jf.guided_filter(
                target, guide, subsample=subsample, decimation="nearest", **kw
            )
            mean = jf.guided_filter(target, guide, subsample=subsample, decimation="mean", **kw)
            np.testing.assert_array_equal(nearest, default)
            assert float(np.abs(mean - nearest).max()) > 1e-2, (precision, subsample)
            f = jf.GuidedFilter(
                (45, 58, 3),
                np.float32,
                guide_channels=guide_channels,
                subsample=subsample,
                decimation="nearest",
                **kw,
            )
            f.set_guide(guide)
            np.testing.assert_array_equal(f(target), default)
        # subsample == 1: the option is accepted and ignored
        plain = jf.guided_filter(target, guide, **kw)
        np.testing.assert_array_equal(
            jf.guided_filter(target, guide, subsample=1, decimation="mean", **kw), plain
        )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32], ids=["u8", "f32"])
def test_mean_radius_zero_returns_target(rng, helpers, dtype):
    target = helpers.random_image(rng, (9, 13), 3, dtype)
    guide = helpers.random_image(rng, (9, 13), 1, np.float32)
    out = jf.guided_filter(target, guide, radius=0, subsample=3, decimation="mean")
    np.testing.assert_array_equal(out, target)
    assert out is not target


@pytest.mark.parametrize("subsample", [2, 4])
def test_mean_reduces_noise_of_a_flat_target(helpers, subsample):
    # Constant 0.5 plus white noise, filtered under a natural guide: the block mean divides the
    # noise's standard deviation in the low-res fit by s, nearest keeps it. Measured with the
    # reference: RMS error ratio mean / nearest 0.50 (s = 2), 0.26 (s = 4), i.e. about 1 / s.
    rng = np.random.default_rng(20240607)
    shape = (120, 160)
    guide = helpers.natural_image(shape, 1, "camera")
    target = (0.5 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    errors = {}
    for decimation in ("nearest", "mean"):
        out = jf.guided_filter(
            target, guide, radius=8, eps=1e-2, subsample=subsample, decimation=decimation
        )
        errors[decimation] = float(np.sqrt(np.mean((out.astype(np.float64) - 0.5) ** 2)))
    bound = {2: 0.65, 4: 0.4}[subsample]
    assert errors["mean"] < bound * errors["nearest"], errors


def test_mean_reads_every_target_pixel_for_nonfinite(rng, helpers):
    # nearest with s = 2 never reads target pixel (0, 0) (it takes source 1, 3, ...); the
    # block mean reads it, so a NaN there is reported.
    target = helpers.random_image(rng, (20, 24), 1)
    guide = helpers.random_image(rng, (20, 24), 1)
    target[0, 0] = np.nan
    out = jf.guided_filter(target, guide, radius=3, subsample=2, decimation="nearest")
    assert np.isfinite(out).all()
    with pytest.raises(NonFiniteError, match="target"):
        jf.guided_filter(target, guide, radius=3, subsample=2, decimation="mean")


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["area", 1, None], ids=repr)
@pytest.mark.parametrize("subsample", [1, 2])
def test_bad_decimation_is_rejected(rng, helpers, bad, subsample):
    target = helpers.random_image(rng, (16, 18), 3, np.uint8)
    guide = helpers.random_image(rng, (16, 18), 3, np.float32)
    target0, guide0 = target.copy(), guide.copy()
    with pytest.raises(ParameterError, match="decimation") as info:
        jf.guided_filter(target, guide, radius=2, subsample=subsample, decimation=bad)
    message = str(info.value)
    assert "nearest" in message, message
    assert "mean" in message, message
    with pytest.raises(ParameterError, match="decimation") as info:
        jf.GuidedFilter(
            (16, 18, 3), np.uint8, guide_channels=3, subsample=subsample, decimation=bad
        )
    message = str(info.value)
    assert "nearest" in message, message
    assert "mean" in message, message
    np.testing.assert_array_equal(target, target0)
    np.testing.assert_array_equal(guide, guide0)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32], ids=["u8", "u16", "f32"])
def test_mean_does_not_modify_inputs(rng, helpers, dtype):
    target = helpers.random_image(rng, (29, 31), 3, dtype)
    guide = helpers.random_image(rng, (29, 31), 3, dtype)
    target0, guide0 = target.copy(), guide.copy()
    jf.guided_filter(target, guide, radius=4, subsample=3, decimation="mean")
    f = jf.GuidedFilter((29, 31, 3), dtype, guide_channels=3, subsample=2, decimation="mean")
    f.set_guide(guide)
    f(target)
    np.testing.assert_array_equal(target, target0)
    np.testing.assert_array_equal(guide, guide0)
