"""The CUDA path: host emulation of the kernels (always), device tests (only with a GPU).

The CUDA kernels call per-thread functions (cuda/guided_sweeps.hpp) that are also compiled
for the CPU; ``_core.cuda_emulated_guided_filter`` runs them over the same launch grid on the
CPU. Comparing it with the CPU kernels checks the GPU arithmetic (borders, moments, solve,
rounding) without a GPU. What only a device can show (launch configuration, memory
allocation, streams, the device compiler's code) is covered by the ``cuda`` tests below, which
skip cleanly without one.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter.errors import CudaError

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


def _device_available() -> bool:
    if not _core.has_cuda:
        return False
    try:
        import cupy
    except ImportError:
        return False
    return bool(cupy.cuda.is_available())


cuda = pytest.mark.skipif(
    not _device_available(), reason="needs a CUDA device, CuPy and a CUDA build"
)


@pytest.mark.cuda
@cuda
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
@cuda
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
@cuda
@pytest.mark.parametrize("border", BORDERS)
def test_gpu_box_matches_cpu(border):
    import cupy

    image = np.random.default_rng(5).random((67, 45, 3), dtype=np.float32)
    out = jf.box_filter(cupy.asarray(image), 5, border=border)
    assert isinstance(out, cupy.ndarray)
    np.testing.assert_allclose(
        cupy.asnumpy(out), jf.box_filter(image, 5, border=border), rtol=0, atol=1e-6
    )
