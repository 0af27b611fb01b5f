"""The C++ restore steps (cpp/jointfilter/restore_steps.hpp) against float64 references and,
bit for bit, against the NumPy code they replace (which remains the fallback for layouts the
core does not take): the conversion to the output dtype, the integer Immerkaer sum and the
moments of the structure-transfer gain.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter.errors import ParameterError
from jointfilter.restoration import _fast as F
from jointfilter.restoration import _tasks as T
from jointfilter.restoration import restore
from jointfilter.restoration._noise import _lap_abs_sum
from jointfilter.restoration._tasks import _global_gain


@pytest.fixture(params=[1, 2, 3])
def threads(request):
    before = jf.get_num_threads()
    jf.set_num_threads(request.param)
    yield request.param
    jf.set_num_threads(before)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------- from_unit


def _from_unit_ref(x: np.ndarray, dtype: np.dtype, scale: float) -> np.ndarray:
    """float64 definition: the float32 product (exact in float64, then rounded to float32),
    NaN -> 0, clipped, rounded half to even."""
    v = (x.astype(np.float64) * float(np.float32(scale))).astype(np.float32).astype(np.float64)
    if dtype.kind == "f":
        return v.astype(dtype)
    top = float(np.iinfo(dtype).max)
    return np.rint(np.clip(np.nan_to_num(v, nan=0.0, posinf=top, neginf=0.0), 0, top)).astype(dtype)


def _awkward_values(shape: tuple[int, ...], top: float, seed: int) -> np.ndarray:
    """Values around every rounding boundary, out of range, signed zeros and non-finite ones."""
    rng = _rng(seed)
    x = rng.uniform(-0.2, 1.2, shape).astype(np.float32)
    flat = x.reshape(-1)
    k = min(flat.size, 4000)
    half = (rng.integers(0, int(top), k) + 0.5) / top  # near-ties after scaling
    flat[:k] = np.nextafter(half.astype(np.float32), rng.choice([-1.0, 1.0], k).astype(np.float32))
    flat[k // 2 : k // 2 + min(k // 2, 256)] = half[: min(k // 2, 256)].astype(np.float32)
    special = np.float32([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1e-30, 1e30, 1.0 + 1e-7])
    flat[-special.size :] = special[: flat.size]
    return x


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("shape", [(1, 1), (3, 17), (37, 41, 3), (64, 300, 4)])
def test_from_unit_core_matches_float64_reference(dtype, shape, threads):
    dtype = np.dtype(dtype)
    top = 255.0 if dtype == np.uint8 else 65535.0
    x = _awkward_values(shape, top, seed=sum(shape))
    for scale in (top, 1.0, 3.7):
        out = np.empty(shape, dtype)
        _core.restore_from_unit(x, out, scale)
        np.testing.assert_array_equal(out, _from_unit_ref(x, dtype, scale))
        serial = np.empty(shape, dtype)
        _core.restore_from_unit(x, serial, scale, False)
        np.testing.assert_array_equal(serial, out)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_from_unit_core_is_the_numpy_path_bit_for_bit(dtype, threads):
    """Contiguous data take the core; a strided copy of the same values takes NumPy."""
    dtype = np.dtype(dtype)
    top = 255.0 if dtype == np.uint8 else 65535.0
    x = _awkward_values((120, 333, 3), top, seed=3)
    strided = np.empty((120, 333, 6), np.float32)[:, :, ::2]
    strided[...] = x
    for data_range in (top, 1.0, 0.25):
        fast = F.from_unit(x, dtype, data_range)
        plain = F.from_unit(strided, dtype, data_range)
        np.testing.assert_array_equal(fast, plain)
        # the per-block store of the fused tasks
        finish = F.Finish(dtype, data_range)
        if not finish.identity:
            out = np.empty(x.shape, dtype)
            finish.store(x.copy(), out)
            np.testing.assert_array_equal(out, plain)
            scaled = np.multiply(x, finish.scale, dtype=np.float32)
            finish.store(scaled, out, scaled=True)
            np.testing.assert_array_equal(out, plain)


def test_from_unit_core_writes_in_place_and_into_strided_rows():
    x = _rng(4).random((40, 50, 3)).astype(np.float32)
    ref = _from_unit_ref(x, np.dtype(np.float32), 2.5)
    y = x.copy()
    _core.restore_from_unit(y, y, 2.5)
    np.testing.assert_array_equal(y, ref)
    big = np.zeros((40, 70, 3), np.uint8)
    _core.restore_from_unit(x, big[:, 10:60], 255.0)
    np.testing.assert_array_equal(big[:, 10:60], _from_unit_ref(x, np.dtype(np.uint8), 255.0))
    assert not big[:, :10].any()
    assert not big[:, 60:].any()


def test_from_unit_core_rejects_bad_arguments():
    x = np.zeros((4, 5), np.float32)
    with pytest.raises(ParameterError, match="out: expected the shape of image"):
        _core.restore_from_unit(x, np.zeros((4, 6), np.uint8), 255.0)
    with pytest.raises(ParameterError, match="image: expected float32"):
        _core.restore_from_unit(np.zeros((4, 5), np.uint8), np.zeros((4, 5), np.uint8), 255.0)
    with pytest.raises(ParameterError, match="dtype must be uint8, uint16 or float32"):
        _core.restore_from_unit(x, np.zeros((4, 5), np.float64), 1.0)
    ro = np.zeros((4, 5), np.uint8)
    ro.flags.writeable = False
    with pytest.raises(ParameterError, match="read-only"):
        _core.restore_from_unit(x, ro, 255.0)


# ------------------------------------------------------------------------- Immerkaer sum


def _lap_sum_ref(x: np.ndarray) -> int:
    p = x.astype(np.int64).reshape(x.shape[0], x.shape[1], -1)
    lap = (
        p[:-2, :-2]
        - 2 * p[:-2, 1:-1]
        + p[:-2, 2:]
        - 2 * p[1:-1, :-2]
        + 4 * p[1:-1, 1:-1]
        - 2 * p[1:-1, 2:]
        + p[2:, :-2]
        - 2 * p[2:, 1:-1]
        + p[2:, 2:]
    )
    return int(np.abs(lap).sum())


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(3, 3), (3, 40, 2), (35, 3), (97, 131, 3), (70, 33, 4)])
def test_laplacian_sum_is_exact(dtype, shape, threads):
    top = np.iinfo(dtype).max
    rng = _rng(len(shape) + shape[0])
    x = rng.integers(0, top, shape, dtype=dtype, endpoint=True)
    x.reshape(-1)[: x.size // 3] = rng.choice([0, top], x.size // 3)  # extreme differences
    ref = _lap_sum_ref(x)
    assert _core.restore_laplacian_abs_sum(x) == ref
    x3 = x.reshape(shape[0], shape[1], -1)
    assert _lap_abs_sum(x3) == float(ref)
    # strided rows (a crop) take the core too; a channel view takes the NumPy path
    wide = np.zeros((shape[0], shape[1] + 5, *shape[2:]), dtype)
    wide[:, 2 : 2 + shape[1]] = x
    assert _core.restore_laplacian_abs_sum(wide[:, 2 : 2 + shape[1]]) == ref
    if x3.shape[2] > 1:
        ch = x3[:, :, 1:2]
        assert _lap_abs_sum(ch) == float(_lap_sum_ref(np.ascontiguousarray(ch)))


def test_laplacian_sum_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="at least 3 rows and 3 columns"):
        _core.restore_laplacian_abs_sum(np.zeros((2, 9), np.uint8))
    with pytest.raises(ParameterError, match="expected uint8 or uint16"):
        _core.restore_laplacian_abs_sum(np.zeros((9, 9), np.float32))


# ------------------------------------------------------------------------- gain moments


@pytest.mark.parametrize("channels", [None, 1, 3, 4])
@pytest.mark.parametrize("shape", [(7, 5), (260, 410), (300, 1301)])
def test_gain_core_is_the_numpy_loop_bit_for_bit(channels, shape, threads):
    """Contiguous images take the core; the same values with strided rows take NumPy."""
    rng = _rng(11)
    h, w = shape
    sg = (0.3 + 0.2 * rng.random((h, w))).astype(np.float32)
    tshape = (h, w) if channels is None else (h, w, channels)
    t = (0.5 * (sg if channels is None else sg[:, :, None]) + 0.3 * rng.random(tshape)).astype(
        np.float32
    )
    t_strided = np.empty((h, w + 3, *tshape[2:]), np.float32)[:, 1 : w + 1]
    t_strided[...] = t
    fast = _global_gain(t, sg)
    plain = _global_gain(t_strided, sg)
    np.testing.assert_array_equal(fast, plain)


def test_gain_moments_match_float64_sums():
    rng = _rng(12)
    h, w, c = 50, 70, 3
    t = rng.random((h, w, c)).astype(np.float32)
    s = rng.random((h, w)).astype(np.float32)
    mx = rng.random(w * c).astype(np.float32)
    ms = 0.4
    acc, acc_s = np.zeros((3, w * c)), np.zeros((2, w))
    _core.restore_gain_moments(t, s, mx, ms, 5, 44, 7, acc, acc_s)
    x = t[5:44].reshape(39, -1).astype(np.float64) - mx
    v = s[5:44].astype(np.float64) - np.float32(ms)
    vx = np.repeat(v, c, axis=1)
    np.testing.assert_allclose(
        acc, [x.sum(0), (x * x).sum(0), (x * vx).sum(0)], rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(acc_s, [v.sum(0), (v * v).sum(0)], rtol=1e-5, atol=1e-5)


def test_gain_moments_reject_bad_arguments():
    t = np.zeros((6, 5, 3), np.float32)
    s = np.zeros((6, 5), np.float32)
    mx = np.zeros(15, np.float32)
    acc, acc_s = np.zeros((3, 15)), np.zeros((2, 5))
    with pytest.raises(ParameterError, match="rows"):
        _core.restore_gain_moments(t, s, mx, 0.0, 0, 7, 2, acc, acc_s)
    with pytest.raises(ParameterError, match="block_rows"):
        _core.restore_gain_moments(t, s, mx, 0.0, 0, 6, 0, acc, acc_s)
    with pytest.raises(ParameterError, match="mx"):
        _core.restore_gain_moments(t, s, mx[:14], 0.0, 0, 6, 2, acc, acc_s)
    with pytest.raises(ParameterError, match="acc"):
        _core.restore_gain_moments(t, s, mx, 0.0, 0, 6, 2, np.zeros((3, 14)), acc_s)
    with pytest.raises(ParameterError, match="smooth"):
        _core.restore_gain_moments(t, s[:5], mx, 0.0, 0, 5, 2, acc, acc_s)


# ------------------------------------------------------------------------- fused last steps


def _pair(seed: int, channels: int | None, guide_channels: int | None):
    rng = _rng(seed)
    h, w = 83, 121
    base = rng.random((h, w)).astype(np.float32)
    tshape = (h, w) if channels is None else (h, w, channels)
    gshape = (h, w) if guide_channels is None else (h, w, guide_channels)
    g = (0.7 * base.reshape(h, w, *(1,) * (len(gshape) - 2)) + 0.3 * rng.random(gshape)).astype(
        np.float32
    )
    t = (0.8 * base.reshape(h, w, *(1,) * (len(tshape) - 2)) + 0.25 * rng.random(tshape)).astype(
        np.float32
    )
    return t, g


_FUSED_CASES = [
    ("structure_transfer", {}),
    ("structure_transfer", {"gain": -1.5, "strength": 2}),
    ("day_night", {}),
    ("day_night", {"detail": "luma"}),
    ("nir_dehaze", {}),
    ("nir_dehaze", {"nir_detail": 0.5}),
]


@pytest.mark.parametrize(("task", "kw"), _FUSED_CASES)
@pytest.mark.parametrize("out", ["u8", "u16", "f32", "f32_range", "u8_range", "f64"])
def test_fused_steps_are_the_numpy_paths_bit_for_bit(task, kw, out, threads):
    for channels, guide_channels in [(3, 3), (3, None), (None, 3), (4, None)]:
        if task == "nir_dehaze" and (channels != 3 or guide_channels is not None):
            continue
        t, g = _pair(7, channels, guide_channels)
        extra = dict(kw)
        if out == "u8":
            t = np.rint(t.clip(0, 1) * 255).astype(np.uint8)
        elif out == "u16":
            t = np.rint(t.clip(0, 1) * 65535).astype(np.uint16)
        elif out == "f32_range":
            t, extra["data_range"] = t * np.float32(7), 7.0
        elif out == "u8_range":  # values beyond the range: saturation
            t, extra["data_range"] = np.rint(t.clip(0, 1) * 255).astype(np.uint8), 150.0
        elif out == "f64":
            t = t.astype(np.float64)
        fast = restore(t, g, task, **extra)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(T, "_fused_scale", lambda finish: None)
            mp.setattr(F, "CORE_DTYPES", ())
            plain = restore(t, g, task, **extra)
        assert fast.dtype == plain.dtype == t.dtype
        np.testing.assert_array_equal(fast, plain)


def test_fused_steps_match_float64_formulas():
    rng = _rng(8)
    h, w, c = 37, 52, 3
    base = rng.random((h, w, c)).astype(np.float32)
    luma = rng.random((h, w)).astype(np.float32)
    smooth = (rng.random((h, w)) - 0.1).astype(np.float32)
    gain = np.float32([0.5, -1.0, 2.0])
    b64, l64, s64 = (x.astype(np.float64) for x in (base, luma, smooth))
    out = np.empty_like(base)
    _core.restore_add_detail(base, luma, smooth, gain, 1.0, out)
    ref = b64 + (l64 - s64)[:, :, None] * gain.astype(np.float64)
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)

    delta = 0.02
    d32 = float(np.float32(delta))
    _core.restore_ratio_detail(base, luma, smooth, delta, 1.0, out)
    ratio = (l64 + d32) / (np.maximum(s64, 0) + d32)
    np.testing.assert_allclose(out, b64 * ratio[:, :, None], rtol=1e-5)
    smooth3 = np.repeat(smooth[:, :, None], c, axis=2) + np.float32(0.01)
    luma3 = np.ascontiguousarray(base[:, :, ::-1])
    _core.restore_ratio_detail(base, luma3, smooth3, delta, 1.0, out)
    ratio3 = (luma3.astype(np.float64) + d32) / (np.maximum(smooth3, 0) + d32)
    np.testing.assert_allclose(out, b64 * ratio3, rtol=1e-5)

    air = np.float32([0.9, 0.8, 0.95])
    _core.restore_dehaze_recover(base, smooth, air, 0.1, 1.0, out)
    ref = (b64 - air) / np.maximum(s64, np.float64(np.float32(0.1)))[:, :, None] + air
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    # with the conversion: u8 of the float32 result
    out8 = np.empty(base.shape, np.uint8)
    _core.restore_dehaze_recover(base, smooth, air, 0.1, 255.0, out8)
    np.testing.assert_array_equal(out8, _from_unit_ref(out, np.dtype(np.uint8), 255.0))


def test_fused_steps_keep_nan_and_write_in_place():
    base = np.full((4, 5, 3), 0.5, np.float32)
    plane = np.full((4, 5), 0.5, np.float32)
    plane[0, 0] = np.nan
    out = base.copy()
    _core.restore_add_detail(out, plane, np.zeros_like(plane), np.ones(3, np.float32), 1.0, out)
    assert np.isnan(out[0, 0]).all()
    assert (out[1:] == 1.0).all()
    out = base.copy()
    _core.restore_ratio_detail(out, np.ones_like(plane), plane, 1.0, 1.0, out)
    assert np.isnan(out[0, 0]).all()
    out8 = np.ones((4, 5, 3), np.uint8)
    _core.restore_dehaze_recover(base, plane, np.ones(3, np.float32), 0.1, 255.0, out8)
    assert (out8[0, 0] == 0).all()  # NaN -> 0


def test_fused_steps_reject_bad_arguments():
    base = np.zeros((4, 5, 3), np.float32)
    plane = np.zeros((4, 5), np.float32)
    out = np.zeros((4, 5, 3), np.uint8)
    with pytest.raises(ParameterError, match="gain: expected a float32 vector"):
        _core.restore_add_detail(base, plane, plane, np.ones(2, np.float32), 255.0, out)
    with pytest.raises(ParameterError, match="luma: expected a float32 image"):
        _core.restore_add_detail(base, plane[:3], plane, np.ones(3, np.float32), 255.0, out)
    with pytest.raises(ParameterError, match="out: expected the shape of image"):
        _core.restore_add_detail(base, plane, plane, np.ones(3, np.float32), 255.0, out[:, :4])
    with pytest.raises(ParameterError, match="smooth: expected the channels of detail"):
        _core.restore_ratio_detail(base, base, plane, 0.1, 255.0, out)
    with pytest.raises(ParameterError, match="detail: expected one channel"):
        _core.restore_ratio_detail(
            base, base[:, :, :2].copy(), base[:, :, :2].copy(), 0.1, 1.0, out
        )
    with pytest.raises(ParameterError, match="trans: expected a plane"):
        _core.restore_dehaze_recover(base, base, np.ones(3, np.float32), 0.1, 255.0, out)
    with pytest.raises(ParameterError, match="air: expected a float32 vector"):
        _core.restore_dehaze_recover(base, plane, np.ones(4, np.float32), 0.1, 255.0, out)
    with pytest.raises(ParameterError, match="image: expected float32"):
        _core.restore_dehaze_recover(out, plane, np.ones(3, np.float32), 0.1, 255.0, out)


# ------------------------------------------------------------------------- channel minimum


def _channel_min_numpy(x: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """_fast.channel_min's NumPy form (np.minimum in channel order)."""
    m = x[:, :, 0] / scale[0] if scale is not None else x[:, :, 0].copy()
    for k in range(1, x.shape[2]):
        m = np.minimum(m, x[:, :, k] / scale[k] if scale is not None else x[:, :, k])
    return m


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_channel_min_core_matches_numpy_with_nan_and_signed_zeros(channels, threads):
    rng = _rng(20 + channels)
    x = rng.uniform(-1, 1, (45, 77, channels)).astype(np.float32)
    x[0, :6, 0] = [np.nan, 0.0, -0.0, np.inf, -np.inf, 0.0]
    x[0, :6, -1] = [0.5, -0.0, 0.0, np.nan, 1.0, np.nan]
    scale = np.linspace(0.5, 1.5, channels).astype(np.float32)
    for sc in (None, scale):
        got = F.channel_min(x, sc)
        ref = _channel_min_numpy(x, sc)
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(ref))
        # float64 definition (NaN where any channel is NaN)
        x64 = x.astype(np.float64) / (1 if sc is None else sc.astype(np.float64))
        np.testing.assert_allclose(got, x64.min(axis=2).astype(np.float32), rtol=1e-7)
        # strided pixels take the NumPy path: same bits
        wide = np.empty((45, 77, 2 * channels), np.float32)[:, :, ::2]
        wide[...] = x
        np.testing.assert_array_equal(F.channel_min(wide, sc), got)


@pytest.mark.parametrize("channels", [3, 4])
def test_luma_core_matches_numpy_path_and_float64(channels, threads):
    from jointfilter.restoration._common import luminance

    rng = _rng(30 + channels)
    x = rng.uniform(0, 1, (45, 77, channels)).astype(np.float32)
    x[0, :3, 0] = [np.nan, -0.0, np.inf]
    got = luminance(x)  # C-contiguous float32: the C++ pass
    wide = np.empty((45, 77, 2 * channels), np.float32)[:, :, ::2]
    wide[...] = x
    np.testing.assert_array_equal(luminance(wide), got)  # strided: the NumPy path, same bits
    ref = x[:, :, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(got[1:], ref[1:], rtol=3e-7, atol=1e-7)
    assert np.isnan(got[0, 0])
    assert np.isinf(got[0, 2])


def test_luma_core_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="at least 3 channels"):
        _core.restore_luma(np.zeros((4, 5, 2), np.float32), np.zeros((4, 5), np.float32))
    with pytest.raises(ParameterError, match="out: expected the image's height and width"):
        _core.restore_luma(np.zeros((4, 5, 3), np.float32), np.zeros((4, 6), np.float32))


def test_channel_min_core_rejects_bad_arguments():
    x = np.zeros((4, 5, 3), np.float32)
    with pytest.raises(ParameterError, match="scale: expected a float32 vector"):
        _core.restore_channel_min(x, np.ones(3), np.zeros((4, 5), np.float32))
    with pytest.raises(ParameterError, match="scale: expected a float32 vector"):
        _core.restore_channel_min(x, np.ones(2, np.float32), np.zeros((4, 5), np.float32))
    with pytest.raises(ParameterError, match="out: expected the image's height and width"):
        _core.restore_channel_min(x, None, np.zeros((4, 6), np.float32))
    with pytest.raises(ParameterError, match="expected a float32 image and a float32 plane"):
        _core.restore_channel_min(x, None, np.zeros((4, 5), np.uint8))
