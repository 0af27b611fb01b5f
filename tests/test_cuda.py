"""The CUDA path: host emulation of the kernels (always), device tests (only with a GPU).

The CUDA kernels call per-thread functions (cuda/guided_sweeps.hpp) that are also compiled
for the CPU; ``_core.cuda_emulated_guided_filter`` runs them over the same launch grid on the
CPU. Comparing it with the CPU kernels checks the GPU arithmetic (borders, moments, solve,
rounding) without a GPU. What only a device can show (launch configuration, memory
allocation, streams, the device compiler's code) is covered by the ``cuda`` tests below, which
skip cleanly without one.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core, _cuda
from jointfilter.errors import CudaError, DTypeError, NonFiniteError, ParameterError, ShapeError

BORDERS = ["clipped", "symmetric", "reflect", "edge"]


def _emulated(target, guide, radius, eps, border):
    out = np.empty_like(target)
    _core.cuda_emulated_guided_filter(target, guide, out, radius, eps, BORDERS.index(border))
    return out


def _image(rng, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if dtype == np.uint16:
        return rng.integers(0, 65536, shape, dtype=np.uint16)
    return rng.random(shape, dtype=np.float32)


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    ("target_shape", "guide_shape"),
    [
        ((17, 23), (17, 23)),
        ((19, 13, 3), (19, 13, 3)),
        ((9, 31, 2), (9, 31)),
        ((1, 7, 4), (1, 7, 3)),
    ],
)
@pytest.mark.parametrize("radius", [1, 4, 40])
def test_emulated_cuda_matches_cpu_float(border, target_shape, guide_shape, radius):
    rng = np.random.default_rng(radius)
    target = _image(rng, target_shape, np.float32)
    guide = _image(rng, guide_shape, np.float32)
    cpu = jf.guided_filter(target, guide, radius=radius, eps=1e-3, border=border)
    gpu = _emulated(target, guide, radius, 1e-3, border)
    # both sum in float64, in different orders: differences are float32 rounding only
    np.testing.assert_allclose(gpu, cpu, rtol=0, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("border", ["clipped", "symmetric"])
def test_emulated_cuda_matches_cpu_integer(dtype, border):
    rng = np.random.default_rng(3)
    target = _image(rng, (21, 17, 3), dtype)
    guide = _image(rng, (21, 17, 3), dtype)
    scale = float(np.iinfo(dtype).max) ** 2
    cpu = jf.guided_filter(target, guide, radius=3, eps=1e-2, border=border)
    gpu = _emulated(target, guide, 3, 1e-2 * scale, border)
    diff = np.abs(cpu.astype(np.int64) - gpu.astype(np.int64))
    # integer sums are exact in both; only the final solve may round across a .5 boundary
    assert diff.max() <= 1
    assert np.mean(diff > 0) < 0.01


class _FakeDeviceArray:
    """Looks like a CUDA array to the dispatcher, without a device."""

    def __init__(self, shape, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self.__cuda_array_interface__ = {
            "shape": shape,
            "typestr": self.dtype.str,
            "data": (0, False),
            "version": 3,
            "strides": None,
        }


def test_cuda_array_without_cuda_build_raises_clear_error(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    arr = _FakeDeviceArray((8, 8))
    with pytest.raises(CudaError, match="built without CUDA"):
        jf.guided_filter(arr, arr, radius=2, eps=1e-3)


def test_cuda_array_with_host_guide_raises(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", True)
    arr = _FakeDeviceArray((8, 8))
    with pytest.raises(CudaError, match="guide is not"):
        jf.guided_filter(arr, np.zeros((8, 8), np.float32), radius=2, eps=1e-3)


def test_build_info_reports_cuda_state():
    info = jf.build_info()
    assert info["cuda_built"] == bool(_core.has_cuda)
    if info["cuda_built"]:
        assert isinstance(info["cuda_devices"], int)
        assert info["cuda_status"]


@pytest.mark.cuda
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("guide_channels", [1, 3])
def test_gpu_matches_cpu(border, guide_channels):
    import cupy

    rng = np.random.default_rng(7)
    target = rng.random((67, 45, 3), dtype=np.float32)
    guide = rng.random((67, 45, guide_channels), dtype=np.float32)
    cpu = jf.guided_filter(target, guide, radius=5, eps=1e-3, border=border)
    out = jf.guided_filter(
        cupy.asarray(target), cupy.asarray(guide), radius=5, eps=1e-3, border=border
    )
    assert isinstance(out, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(out), cpu, rtol=0, atol=2e-6)


@pytest.mark.cuda
def test_gpu_runs_on_the_current_stream_and_honours_out():
    import cupy

    img = cupy.asarray(np.random.default_rng(0).random((64, 80), dtype=np.float32))
    out = cupy.empty_like(img)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        res = jf.guided_filter(img, img, radius=4, eps=1e-2, out=out)
    stream.synchronize()
    assert res is out
    expected = jf.guided_filter(cupy.asnumpy(img), cupy.asnumpy(img), radius=4, eps=1e-2)
    np.testing.assert_allclose(cupy.asnumpy(out), expected, rtol=0, atol=2e-6)


def _emulated_box(image: np.ndarray, radius: int, border: str) -> np.ndarray:
    out = np.empty_like(image)
    _core.cuda_emulated_box_filter(image, out, radius, BORDERS.index(border))
    return out


@pytest.mark.parametrize("radius", [0, 1, 4, 40])
@pytest.mark.parametrize("shape", [(1, 1), (1, 23), (19, 1), (17, 29, 3), (33, 20, 4)], ids=str)
@pytest.mark.parametrize("border", BORDERS)
def test_emulated_cuda_box_matches_cpu_float(border, shape, radius):
    image = np.random.default_rng(3).random(shape, dtype=np.float32)
    cpu = jf.box_filter(image, radius, border=border)
    np.testing.assert_allclose(_emulated_box(image, radius, border), cpu, rtol=0, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("border", BORDERS)
def test_emulated_cuda_box_matches_cpu_integer(dtype, border):
    # integer sums are exact on both paths, and both round half to even: identical outputs
    info = np.iinfo(dtype)
    image = np.random.default_rng(4).integers(0, info.max, (23, 31, 2), dtype=dtype)
    for radius in (1, 3, 30):
        np.testing.assert_array_equal(
            _emulated_box(image, radius, border), jf.box_filter(image, radius, border=border)
        )


def test_emulated_cuda_box_rejects_bad_arguments():
    image = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match="radius"):
        _core.cuda_emulated_box_filter(image, np.empty_like(image), -1, 0)
    with pytest.raises(ValueError, match="shape"):
        _core.cuda_emulated_box_filter(image, np.empty((4, 8), np.float32), 1, 0)


def test_cuda_box_without_cuda_build_raises_clear_error(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    with pytest.raises(CudaError, match="built without CUDA"):
        jf.box_filter(_FakeDeviceArray((8, 8)), 2)


@pytest.mark.cuda
@pytest.mark.parametrize("border", BORDERS)
def test_gpu_box_matches_cpu(border):
    import cupy

    image = np.random.default_rng(5).random((67, 45, 3), dtype=np.float32)
    out = jf.box_filter(cupy.asarray(image), 5, border=border)
    assert isinstance(out, cupy.ndarray)
    np.testing.assert_allclose(
        cupy.asnumpy(out), jf.box_filter(image, 5, border=border), rtol=0, atol=1e-6
    )


# ---- min/max filter (issue #5, step 1) -----------------------------------------------------


def _emulated_minmax(image: np.ndarray, radius: int, border: str, maximum: bool) -> np.ndarray:
    out = np.empty_like(image)
    _core.cuda_emulated_min_max_filter(image, out, radius, BORDERS.index(border), maximum)
    return out


def _minmax_reference(image: np.ndarray, radius: int, border: str, maximum: bool) -> np.ndarray:
    """Window extremum over numpy.pad-padded windows (clipped: the neutral element pads)."""
    img = image if image.ndim == 3 else image[..., None]
    fn = np.max if maximum else np.min
    widths = ((radius, radius), (radius, radius), (0, 0))
    if border == "clipped":
        neutral = -np.inf if maximum else np.inf
        pad = np.pad(img.astype(np.float64), widths, constant_values=neutral)
    else:
        pad = img.astype(np.float64)
        for axis in (0, 1):  # "reflect" on a size-1 axis has nothing to reflect: like "edge"
            w = [(0, 0)] * 3
            w[axis] = (radius, radius)
            mode = "edge" if border == "reflect" and img.shape[axis] == 1 else border
            pad = np.pad(pad, w, mode=mode)
    k = 2 * radius + 1
    win = np.lib.stride_tricks.sliding_window_view(pad, (k, k), axis=(0, 1))
    out = fn(win, axis=(-2, -1)).astype(image.dtype)
    return out if image.ndim == 3 else out[..., 0]


def _minmax_image(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    if np.dtype(dtype).kind == "f":
        # signed zeros and infinities: bit-for-bit equality must hold for them too
        pool = np.array([-np.inf, -1.5, -0.0, 0.0, 0.25, 1.0, np.inf], np.float32)
        img = rng.random(shape, dtype=np.float32)
        special = rng.random(shape) < 0.3
        img[special] = rng.choice(pool, size=int(special.sum()))
        return img
    return _image(rng, shape, dtype)


MINMAX_SHAPES = [(1, 1), (1, 23), (19, 1), (2, 3), (17, 29), (13, 31, 2), (9, 40, 3), (33, 20, 4)]


@pytest.mark.parametrize("maximum", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("border", BORDERS)
def test_emulated_cuda_minmax_matches_cpu_bit_for_bit(border, dtype, maximum):
    rng = np.random.default_rng(11)
    cpu_filter = jf.max_filter if maximum else jf.min_filter
    for shape in MINMAX_SHAPES:
        image = _minmax_image(rng, shape, dtype)
        for radius in range(41):  # 0..40: radii beyond every side of the small shapes
            emulated = _emulated_minmax(image, radius, border, maximum)
            cpu = cpu_filter(image, radius, border=border)
            assert emulated.dtype == cpu.dtype
            # compare the bits, not the values: -0.0 and 0.0 differ here
            bits = np.uint32 if dtype == np.float32 else cpu.dtype
            np.testing.assert_array_equal(
                emulated.view(bits), cpu.view(bits), err_msg=f"{shape} radius {radius}"
            )


@pytest.mark.parametrize("maximum", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("border", BORDERS)
def test_emulated_cuda_minmax_matches_reference(border, maximum):
    rng = np.random.default_rng(12)
    for shape in [(1, 1), (1, 9), (9, 1), (7, 5), (13, 17, 3), (6, 30, 2)]:
        image = _image(rng, shape, np.uint16)
        for radius in (0, 1, 3, 12):
            np.testing.assert_array_equal(
                _emulated_minmax(image, radius, border, maximum),
                _minmax_reference(image, radius, border, maximum),
                err_msg=f"{shape} radius {radius}",
            )


def test_emulated_cuda_minmax_rejects_nan_and_bad_arguments():
    image = np.zeros((6, 7), np.float32)
    image[2, 3] = np.nan
    with pytest.raises(NonFiniteError):
        _emulated_minmax(image, 1, "clipped", False)
    ok = np.zeros((6, 7), np.float32)
    with pytest.raises(ValueError, match="radius"):
        _core.cuda_emulated_min_max_filter(ok, np.empty_like(ok), -1, 0, False)
    with pytest.raises(ValueError, match="shape"):
        _core.cuda_emulated_min_max_filter(ok, np.empty((6, 6), np.float32), 1, 0, False)
    with pytest.raises(ValueError, match="dtype"):
        _core.cuda_emulated_min_max_filter(ok, np.empty((6, 7), np.uint8), 1, 0, False)


def test_cuda_minmax_without_cuda_build_raises_clear_error(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    for fn in (jf.min_filter, jf.max_filter):
        with pytest.raises(CudaError, match="built without CUDA"):
            fn(_FakeDeviceArray((8, 8)), 2)


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("border", BORDERS)
def test_gpu_minmax_matches_cpu(border, dtype):
    import cupy

    rng = np.random.default_rng(13)
    for shape in [(67, 45), (31, 77, 3), (5, 9, 4)]:
        image = _minmax_image(rng, shape, dtype)
        for radius in (0, 1, 7, 40):
            for maximum in (False, True):
                fn = jf.max_filter if maximum else jf.min_filter
                out = fn(cupy.asarray(image), radius, border=border)
                assert isinstance(out, cupy.ndarray)
                cpu = fn(image, radius, border=border)
                bits = np.uint32 if dtype == np.float32 else cpu.dtype
                np.testing.assert_array_equal(cupy.asnumpy(out).view(bits), cpu.view(bits))


# ---- fast guided filter, subsample > 1 (issue #5, step 2) ---------------------------------

FAST_TOL = 1e-6  # float32 outputs; both paths sum in float64 (observed: identical bits)


@pytest.mark.parametrize("subsample", [2, 3, 4])
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    ("target_shape", "guide_shape"),
    [
        ((37, 45), (37, 45)),
        ((29, 41, 3), (29, 41, 3)),
        ((23, 17, 2), (23, 17)),
        ((9, 31, 4), (9, 31, 3)),
    ],
)
@pytest.mark.parametrize("radius", [1, 6, 40])
def test_emulated_cuda_fast_guided_matches_cpu_float(
    subsample, border, target_shape, guide_shape, radius
):
    rng = np.random.default_rng(radius + subsample)
    target = _image(rng, target_shape, np.float32)
    guide = _image(rng, guide_shape, np.float32)
    cpu = jf.guided_filter(
        target, guide, radius=radius, eps=1e-3, border=border, subsample=subsample
    )
    out = np.empty_like(target)
    _core.cuda_emulated_guided_filter(
        target, guide, out, radius, 1e-3, BORDERS.index(border), subsample
    )
    np.testing.assert_allclose(out, cpu, rtol=0, atol=FAST_TOL)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("subsample", [2, 5])
def test_emulated_cuda_fast_guided_matches_cpu_integer(dtype, subsample):
    rng = np.random.default_rng(5)
    target = _image(rng, (43, 38, 3), dtype)
    guide = _image(rng, (43, 38, 3), dtype)
    scale = float(np.iinfo(dtype).max) ** 2
    cpu = jf.guided_filter(target, guide, radius=8, eps=1e-2, subsample=subsample)
    out = np.empty_like(target)
    _core.cuda_emulated_guided_filter(target, guide, out, 8, 1e-2 * scale, 0, subsample)
    diff = np.abs(cpu.astype(np.int64) - out.astype(np.int64))
    assert diff.max() <= 1
    assert np.mean(diff > 0) < 0.01


def test_emulated_cuda_radius_zero_returns_target():
    # the GPU runs radius 0 as subsample 1 (as the CPU, which returns the target): exact
    rng = np.random.default_rng(6)
    for dtype in (np.uint8, np.float32):
        target = _image(rng, (9, 11, 2), dtype)
        guide = _image(rng, (9, 11, 3), dtype)
        out = np.empty_like(target)
        _core.cuda_emulated_guided_filter(target, guide, out, 0, 1e-3, 0, 1)
        np.testing.assert_array_equal(out, target)


# ---- fast guided filter, decimation="mean" (the target's s x s block means, float32) ------

MEAN_SHAPES = [(37, 53), (24, 30), (5, 4), (1, 7)]  # not divisible by 2 or 3; both; tiny


def _emulated_fast(target, guide, radius, eps_abs, subsample, decimation, border="clipped"):
    out = np.empty_like(target)
    _core.cuda_emulated_guided_filter(
        target, guide, out, radius, eps_abs, BORDERS.index(border), subsample, decimation
    )
    return out


@pytest.mark.parametrize("target_channels", [1, 3])
@pytest.mark.parametrize("guide_channels", [1, 3])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("subsample", [2, 3])
def test_emulated_cuda_mean_decimation_matches_cpu(
    subsample, dtype, guide_channels, target_channels
):
    rng = np.random.default_rng(subsample * 10 + guide_channels + target_channels)
    scale = 1.0 if dtype == np.float32 else float(np.iinfo(dtype).max) ** 2
    for shape in MEAN_SHAPES:
        target = _image(rng, (*shape, target_channels), dtype)
        guide = _image(rng, (*shape, guide_channels), dtype)
        for radius, border in ((1, "clipped"), (5, "symmetric"), (40, "reflect")):
            cpu = jf.guided_filter(
                target,
                guide,
                radius=radius,
                eps=1e-2,
                border=border,
                subsample=subsample,
                decimation="mean",
            )
            gpu = _emulated_fast(target, guide, radius, 1e-2 * scale, subsample, 1, border)
            assert gpu.dtype == cpu.dtype == dtype
            where = f"{shape} r={radius} {border}"
            if dtype == np.float32:  # the fast filter's float tolerance (observed: same bits)
                np.testing.assert_allclose(gpu, cpu, rtol=0, atol=FAST_TOL, err_msg=where)
            else:  # the fast filter's integer bound (a .5 may round either way)
                diff = np.abs(cpu.astype(np.int64) - gpu.astype(np.int64))
                assert diff.max() <= 1, where
                assert np.mean(diff > 0) < 0.01, where


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_emulated_cuda_mean_decimation_matches_reference(helpers, dtype):
    from jointfilter import _reference as ref

    rng = np.random.default_rng(21)
    eps_abs = 1e-2 * helpers.data_range_of(dtype) ** 2  # the reference takes eps absolute
    for subsample in (2, 3):
        for guide_channels in (1, 3):
            target = _image(rng, (37, 53, 2), dtype)
            guide = _image(rng, (37, 53, guide_channels), dtype)
            gpu = _emulated_fast(target, guide, 6, eps_abs, subsample, 1)
            expected = ref.guided_filter(
                target, guide, 6, eps_abs, subsample=subsample, decimation="mean"
            )
            where = f"s={subsample} guide channels {guide_channels}"
            if dtype == np.float32:
                helpers.check_close(gpu, expected, err_msg=where)
            else:
                helpers.check_integer_close(gpu, expected, err_msg=where)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_emulated_cuda_mean_decimation_of_block_constant_target_is_nearest(dtype):
    # a target constant on every s x s block has block means equal to its samples: both
    # decimations give the same low-res values, hence the same bits (the guide is the same
    # nearest decimation in both); a target varying inside the blocks tells them apart
    rng = np.random.default_rng(22)
    s = 3
    blocks = _image(rng, (13, 18, 2), dtype)
    target = np.ascontiguousarray(np.repeat(np.repeat(blocks, s, 0), s, 1)[:37, :53])
    guide = _image(rng, (37, 53), dtype)
    scale = 1.0 if dtype == np.float32 else float(np.iinfo(dtype).max) ** 2
    mean = _emulated_fast(target, guide, 4, 1e-2 * scale, s, 1)
    nearest = _emulated_fast(target, guide, 4, 1e-2 * scale, s, 0)
    np.testing.assert_array_equal(mean, nearest)
    noisy = _image(rng, (37, 53, 2), dtype)
    assert not np.array_equal(
        _emulated_fast(noisy, guide, 4, 1e-2 * scale, s, 1),
        _emulated_fast(noisy, guide, 4, 1e-2 * scale, s, 0),
    )


def test_emulated_cuda_decimation_is_a_no_op_without_subsampling():
    rng = np.random.default_rng(23)
    target = _image(rng, (19, 22, 3), np.float32)
    guide = _image(rng, (19, 22, 3), np.float32)
    np.testing.assert_array_equal(
        _emulated_fast(target, guide, 4, 1e-3, 1, 1), _emulated_fast(target, guide, 4, 1e-3, 1, 0)
    )


def test_emulated_cuda_rejects_unknown_decimation_code():
    img = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match="decimation"):
        _emulated_fast(img, img, 2, 1e-3, 2, 2)


def test_cuda_dispatch_passes_the_decimation_code(fake_device, monkeypatch):
    calls = []
    monkeypatch.setattr(
        _core, "cuda_guided_filter", lambda *args: calls.append(args), raising=False
    )
    arr = _FakeDeviceArray((8, 8))
    jf.guided_filter(arr, arr, radius=3, eps=1e-3, subsample=2, decimation="mean")
    jf.guided_filter(arr, arr, radius=3, eps=1e-3, subsample=2)
    jf.guided_filter(arr, arr, radius=0, eps=1e-3, subsample=2, decimation="mean")
    jf.guided_filter(arr, arr, radius=3, eps=1e-3, subsample=1, decimation="mean")
    # (subsample, decimation) are the last two arguments; no subsampling: nothing to decimate
    assert [c[-2:] for c in calls] == [(2, 1), (2, 0), (1, 0), (1, 0)]
    with pytest.raises(ParameterError, match="decimation"):
        jf.guided_filter(arr, arr, radius=3, eps=1e-3, subsample=2, decimation="area")
    with pytest.raises(ParameterError, match="decimation"):
        _cuda.guided_filter_cuda(
            arr, arr, radius=3, eps_abs=1e-3, border_code=0, subsample=2, out=None, decimation=2
        )
    assert len(calls) == 4


def test_guided_filter_object_passes_the_decimation_code(fake_device):
    f = jf.GuidedFilter((16, 20), np.float32, radius=4, eps=1e-2, subsample=2, decimation="mean")
    f.set_guide(_FakeDeviceArray((16, 20)))
    f(_FakeDeviceArray((16, 20)))
    assert f._device._workspace.args == (16, 20, 1, 1, 4, 0, 2, 1)  # ..., subsample, decimation


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("subsample", [2, 3])
@pytest.mark.parametrize("guide_channels", [1, 3])
def test_gpu_mean_decimation_matches_emulation(guide_channels, subsample, dtype):
    import cupy

    rng = np.random.default_rng(24)
    target = _image(rng, (131, 97, 3), dtype)
    guide = _image(rng, (131, 97, guide_channels), dtype)
    scale = 1.0 if dtype == np.float32 else 255.0**2
    out = jf.guided_filter(
        cupy.asarray(target),
        cupy.asarray(guide),
        radius=8,
        eps=1e-2,
        subsample=subsample,
        decimation="mean",
    )
    emulated = _emulated_fast(target, guide, 8, 1e-2 * scale, subsample, 1)
    np.testing.assert_array_equal(cupy.asnumpy(out), emulated)  # same code, --fmad=false


@pytest.mark.cuda
@pytest.mark.parametrize("subsample", [2, 4])
@pytest.mark.parametrize("guide_channels", [1, 3])
def test_gpu_fast_guided_matches_cpu(subsample, guide_channels):
    import cupy

    rng = np.random.default_rng(8)
    target = rng.random((131, 97, 3), dtype=np.float32)
    guide = rng.random((131, 97, guide_channels), dtype=np.float32)
    cpu = jf.guided_filter(target, guide, radius=8, eps=1e-3, subsample=subsample)
    out = jf.guided_filter(
        cupy.asarray(target), cupy.asarray(guide), radius=8, eps=1e-3, subsample=subsample
    )
    np.testing.assert_allclose(cupy.asnumpy(out), cpu, rtol=0, atol=FAST_TOL)


# ---- GuidedFilter object on the GPU (issue #5, step 3) -------------------------------------


class _FakeCupy:
    """Enough of CuPy for the dispatcher: allocation, DLPack import, the current stream."""

    def __init__(self):
        self.imported = []
        self.cuda = SimpleNamespace(get_current_stream=lambda: SimpleNamespace(ptr=0))

    def empty(self, shape, dtype):
        return _FakeDeviceArray(tuple(shape), dtype)

    def from_dlpack(self, x):
        self.imported.append(x)
        return _FakeDeviceArray(x.shape, x.dtype)


class _FakeWorkspace:
    created = 0

    def __init__(self, *args):
        type(self).created += 1
        self.args = args
        self.runs = []
        self.nbytes = 1234

    def run(self, *args):
        self.runs.append(args)


@pytest.fixture
def fake_device(monkeypatch):
    """A CUDA build with a fake CuPy and a fake workspace: the dispatch runs, no kernels do."""
    monkeypatch.setattr(_core, "has_cuda", True)
    fake = _FakeCupy()
    monkeypatch.setattr(_cuda, "_cupy", lambda: fake)
    _FakeWorkspace.created = 0
    monkeypatch.setattr(_core, "CudaGuidedWorkspace", _FakeWorkspace, raising=False)
    return fake


def test_guided_filter_object_keeps_one_device_workspace(fake_device):
    f = jf.GuidedFilter((16, 20, 2), np.float32, guide_channels=3, radius=4, eps=1e-2, subsample=2)
    f.set_guide(_FakeDeviceArray((16, 20, 3)))
    out = _FakeDeviceArray((16, 20, 2))
    for _ in range(3):
        assert f(_FakeDeviceArray((16, 20, 2)), out=out) is out
    assert _FakeWorkspace.created == 1  # created on the first frame, reused after
    ws = f._device._workspace
    assert ws.args == (16, 20, 3, 2, 4, 0, 2, 0)  # ..., subsample, decimation ("nearest")
    assert len(ws.runs) == 3
    assert all(run[3] == pytest.approx(1e-2) for run in ws.runs)
    f.close()
    assert f._device is None


def test_guided_filter_object_device_validation(fake_device):
    f = jf.GuidedFilter((16, 20), np.uint8, radius=4, eps=1e-2)
    with pytest.raises(CudaError, match="no CUDA guide"):
        f(_FakeDeviceArray((16, 20), np.uint8))
    with pytest.raises(ShapeError, match="shape"):
        f.set_guide(_FakeDeviceArray((16, 21), np.uint8))
    with pytest.raises(DTypeError, match="dtype"):
        f.set_guide(_FakeDeviceArray((16, 20), np.float32))
    f.set_guide(_FakeDeviceArray((16, 20, 1), np.uint8))  # (H, W, 1) is a one-channel guide
    with pytest.raises(ShapeError, match="shape"):
        f(_FakeDeviceArray((16, 20, 3), np.uint8))
    with pytest.raises(CudaError, match="out is not"):
        f(_FakeDeviceArray((16, 20), np.uint8), out=np.empty((16, 20), np.uint8))
    with pytest.raises(ShapeError, match="out must have"):
        f(_FakeDeviceArray((16, 20), np.uint8), out=_FakeDeviceArray((16, 20), np.float32))
    # the host path of the same object is untouched by its device state
    with pytest.raises(ParameterError, match="no guide set"):
        f(np.zeros((16, 20), np.uint8))
    g = jf.GuidedFilter((16, 20), np.uint8, out_dtype=np.float32)
    with pytest.raises(DTypeError, match="out_dtype"):
        g.set_guide(_FakeDeviceArray((16, 20), np.uint8))
    assert _FakeWorkspace.created == 0


def test_guided_filter_object_without_cuda_build(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    f = jf.GuidedFilter((8, 8), np.float32)
    with pytest.raises(CudaError, match="built without CUDA"):
        f.set_guide(_FakeDeviceArray((8, 8)))


def test_guided_filter_radius_zero_runs_without_decimation(fake_device, monkeypatch):
    calls = []
    monkeypatch.setattr(
        _core, "cuda_guided_filter", lambda *args: calls.append(args), raising=False
    )
    arr = _FakeDeviceArray((8, 8))
    jf.guided_filter(arr, arr, radius=0, eps=1e-3, subsample=4)
    jf.guided_filter(arr, arr, radius=3, eps=1e-3, subsample=4)
    assert [c[-2:] for c in calls] == [(1, 0), (4, 0)]  # subsample, decimation: the last two


@pytest.mark.cuda
@pytest.mark.parametrize("subsample", [1, 3])
def test_gpu_guided_filter_object_matches_function(subsample):
    import cupy

    rng = np.random.default_rng(9)
    frames = [rng.random((72, 90, 3), dtype=np.float32) for _ in range(3)]
    guide = rng.random((72, 90, 3), dtype=np.float32)
    f = jf.GuidedFilter((72, 90, 3), np.float32, guide_channels=3, radius=5, subsample=subsample)
    f.set_guide(cupy.asarray(guide))
    out = cupy.empty((72, 90, 3), cupy.float32)
    pool = cupy.get_default_memory_pool()
    for i, frame in enumerate(frames):
        dev = cupy.asarray(frame)
        before = pool.used_bytes()
        assert f(dev, out=out) is out
        assert pool.used_bytes() == before  # nothing allocated per frame through CuPy
        cupy.cuda.get_current_stream().synchronize()
        cpu = jf.guided_filter(frame, guide, radius=5, eps=1e-3, subsample=subsample)
        np.testing.assert_allclose(cupy.asnumpy(out), cpu, rtol=0, atol=2e-6, err_msg=f"frame {i}")
    assert f._device.nbytes > 0
    f.close()


# ---- DLPack inputs (issue #5, step 4) -------------------------------------------------------


class _FakeDLPack:
    """A DLPack producer without __cuda_array_interface__ (like a torch CUDA tensor)."""

    def __init__(self, shape, dtype=np.float32, device=(2, 0)):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self._device = device

    def __dlpack__(self, stream=None):
        raise AssertionError("the dispatcher converts through cupy.from_dlpack")

    def __dlpack_device__(self):
        return self._device


def test_dlpack_dispatch_decision():
    assert _cuda.is_cuda_array(_FakeDLPack((4, 4)))
    assert not _cuda.is_cuda_array(_FakeDLPack((4, 4), device=(1, 0)))  # kDLCPU
    assert not _cuda.is_cuda_array(np.zeros((4, 4), np.float32))  # NumPy speaks DLPack too
    assert _cuda.is_cuda_array(_FakeDeviceArray((4, 4)))


def test_dlpack_on_cpu_stays_on_the_host():
    host = _FakeDLPack((4, 4), device=(1, 0))
    with pytest.raises((TypeError, DTypeError, ShapeError)):
        jf.min_filter(host, 1)  # not routed to the GPU: the host path rejects the object


def test_dlpack_without_cuda_build_raises_clear_error(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    x = _FakeDLPack((8, 8))
    with pytest.raises(CudaError, match="built without CUDA"):
        jf.guided_filter(x, x, radius=2, eps=1e-3)
    with pytest.raises(CudaError, match="built without CUDA"):
        jf.max_filter(x, 2)


def test_dlpack_inputs_are_imported_with_from_dlpack(fake_device, monkeypatch):
    calls = []
    monkeypatch.setattr(
        _core, "cuda_min_max_filter", lambda *args: calls.append(args), raising=False
    )
    monkeypatch.setattr(
        _core, "cuda_guided_filter", lambda *args: calls.append(args), raising=False
    )
    x = _FakeDLPack((8, 9), np.uint16)
    out = jf.min_filter(x, 3)
    assert isinstance(out, _FakeDeviceArray)  # a CuPy array comes back
    assert calls[-1][0][2:5] == (8, 9, 1)  # (H, W, C)
    assert calls[-1][0][1] == 1  # uint16 code
    assert fake_device.imported == [x]
    dl_out = _FakeDLPack((8, 9), np.uint16)
    assert jf.max_filter(x, 1, out=dl_out) is dl_out  # the caller's out object is returned
    t, g = _FakeDLPack((8, 9)), _FakeDLPack((8, 9))
    jf.guided_filter(t, g, radius=2, eps=1e-3, subsample=2)
    assert fake_device.imported[-2:] == [t, g]


class _DLPackOnly:
    """A device array seen only through DLPack (as a torch CUDA tensor without the interface)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):  # whatever keywords this CuPy's from_dlpack passes
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


@pytest.mark.cuda
def test_gpu_dlpack_inputs_are_zero_copy():
    import cupy

    rng = np.random.default_rng(10)
    image = rng.random((40, 50), dtype=np.float32)
    dev = cupy.asarray(image)
    out = cupy.empty_like(dev)
    res = jf.min_filter(_DLPackOnly(dev), 3, out=_DLPackOnly(out))
    assert isinstance(res, _DLPackOnly)
    np.testing.assert_array_equal(cupy.asnumpy(out), jf.min_filter(image, 3))  # written in place
    guided = jf.guided_filter(_DLPackOnly(dev), _DLPackOnly(dev), radius=4, eps=1e-2)
    assert isinstance(guided, cupy.ndarray)
    np.testing.assert_allclose(
        cupy.asnumpy(guided), jf.guided_filter(image, image, radius=4, eps=1e-2), atol=2e-6
    )


@pytest.mark.skipif(
    not _core.has_cuda or _core.cuda_device_count()[0] > 0,
    reason="needs a CUDA build on a machine without a usable device",
)
def test_cuda_workspace_without_device_raises_cuda_error():
    # the real C++ workspace: argument checks first, then a clean CudaError (no leak, no crash)
    with pytest.raises(ValueError, match="non-empty"):
        _core.CudaGuidedWorkspace(0, 8, 1, 1, 2, 0, 2)
    with pytest.raises(ValueError, match="guide"):
        _core.CudaGuidedWorkspace(8, 8, 2, 1, 2, 0, 2)
    with pytest.raises(ValueError, match="decimation"):
        _core.CudaGuidedWorkspace(8, 8, 1, 1, 2, 0, 2, 5)
    with pytest.raises(CudaError, match="cuda"):
        _core.CudaGuidedWorkspace(8, 8, 1, 1, 2, 0, 2)


def test_dlpack_cuda_array_to_a_host_only_function_raises_clear_error():
    from jointfilter import _validate

    with pytest.raises(CudaError, match="no GPU path"):
        _validate.as_array(_FakeDLPack((4, 4)), "image")
    with pytest.raises(DTypeError):  # a DLPack producer on the CPU is not a CUDA array
        _validate.as_array(_FakeDLPack((4, 4), device=(1, 0)), "image")
