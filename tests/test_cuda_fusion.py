"""Fusion on the GPU (issue #5): ``jf.fuse(ir, vis, method="guided" | "focus")`` with CUDA arrays.

No GPU is available to this project, so the GPU arithmetic is checked through the host emulation
(``_core.cuda_emulated_fuse_guided``: the per-thread functions of ``cuda/fusion_sweeps.hpp`` and
the emulated CUDA guided and box filters over the launch grids of ``cuda/fusion.cu``) against the
CPU ``fuse``. The dispatch is tested with fake device arrays; the ``cuda``-marked tests run the
real kernels and skip without a device.

Tolerance: float outputs within 1e-5 of the CPU result, integer outputs within 1 level on fewer
than 1% of the values. The per-pixel steps are the CPU's formulas bit for bit (shared code); only
the guided and box filters' summation order differs (the CUDA filters' documented 1e-6 / 2e-6),
and on every case below the results have in fact been identical. The focus fusion
(``_core.cuda_emulated_fuse_focus``, ``cuda/fusion_focus.hpp``) is held to the same tolerance;
its pyramid resampling (reduce / expand per output pixel) and the pyramid blend without the
match rule use no filter and are compared bit for bit.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core, _cuda
from jointfilter.errors import CudaError, DTypeError, ParameterError, ShapeError
from jointfilter.fusion import _check_params
from jointfilter.fusion._gff import _kernel

_GFF = {"r1": 45, "eps1": 0.3, "r2": 7, "eps2": 1e-6, "base_radius": 15, "subsample": 1}


def _image(rng, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if dtype == np.uint16:
        return rng.integers(0, 65536, shape, dtype=np.uint16)
    return rng.random(shape, dtype=np.float32)


def _smooth(rng, shape, dtype):
    """A natural-ish image (smooth blobs plus noise), so the selection maps are not pure noise."""
    h, w = shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = 0.5 + 0.4 * np.sin(xx / 5.0 + rng.random() * 6) * np.cos(yy / 7.0)
    img = np.clip(base[..., None] + 0.05 * rng.standard_normal((h, w, 1)), 0, 1)
    img = np.broadcast_to(img, (h, w, shape[2])) if len(shape) == 3 else img[..., 0]
    if dtype == np.float32:
        return np.ascontiguousarray(img, dtype=np.float32)
    top = np.iinfo(dtype).max
    return np.ascontiguousarray(np.rint(img * top), dtype=dtype)


def _range(dtype, data_range=None):
    if np.dtype(dtype).kind == "u":
        return float(np.iinfo(dtype).max)
    return 1.0 if data_range is None else float(data_range)


def _emulated(ir, vis, *, data_range=None, clip=True, **params):
    p = {**_GFF, **params}
    out = np.empty_like(vis)
    _core.cuda_emulated_fuse_guided(
        ir, vis, out, _kernel(5.0, 11), _range(ir.dtype, data_range),
        _range(vis.dtype, data_range), clip, p["r1"], p["eps1"], p["r2"], p["eps2"],
        p["base_radius"], p["subsample"],
    )  # fmt: skip
    return out


def _assert_close(gpu, cpu):
    assert gpu.shape == cpu.shape
    assert gpu.dtype == cpu.dtype
    if cpu.dtype == np.float32:
        np.testing.assert_allclose(gpu, cpu, rtol=0, atol=1e-5)
        return
    diff = np.abs(gpu.astype(np.int64) - cpu.astype(np.int64))
    assert diff.max() <= 1
    assert np.mean(diff > 0) < 0.01


SHAPES = [(1, 1), (1, 9), (7, 1), (2, 3), (17, 29), (48, 61)]


@pytest.mark.parametrize("layout", ["gray", "gray1", "rgb"])
@pytest.mark.parametrize("vis_dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_emulated_fuse_matches_cpu(shape, vis_dtype, layout):
    rng = np.random.default_rng([SHAPES.index(shape), len(layout)])
    vshape = {"gray": shape, "gray1": (*shape, 1), "rgb": (*shape, 3)}[layout]
    ir_dtype = np.uint16 if vis_dtype == np.uint8 else np.uint8  # mixed dtypes
    ir = _image(rng, shape, ir_dtype)
    vis = _image(rng, vshape, vis_dtype)
    _assert_close(_emulated(ir, vis), jf.fuse(ir, vis, method="guided"))


@pytest.mark.parametrize("layout", ["gray", "rgb"])
@pytest.mark.parametrize("vis_dtype", [np.uint8, np.uint16, np.float32])
def test_emulated_fuse_matches_cpu_on_smooth_images(vis_dtype, layout):
    rng = np.random.default_rng(5)
    vshape = (53, 71, 3) if layout == "rgb" else (53, 71)
    ir = _smooth(rng, (53, 71), np.float32)
    vis = _smooth(rng, vshape, vis_dtype)
    _assert_close(_emulated(ir, vis), jf.fuse(ir, vis, method="guided"))


@pytest.mark.parametrize(
    "params",
    [
        {"r1": 5, "eps1": 0.1, "r2": 2, "eps2": 1e-3, "base_radius": 3},
        {"r1": 9, "subsample": 2},
        {"r1": 12, "subsample": 4, "base_radius": 40},
        {"r1": 0, "r2": 0, "base_radius": 0, "subsample": 3},
    ],
    ids=str,
)
def test_emulated_fuse_matches_cpu_with_parameters(params):
    rng = np.random.default_rng(1)
    ir = _smooth(rng, (37, 45), np.float32)
    vis = _smooth(rng, (37, 45, 3), np.uint8)
    _assert_close(_emulated(ir, vis, **params), jf.fuse(ir, vis, **params))


@pytest.mark.parametrize("clip", [True, False])
def test_emulated_fuse_float_range_and_clip(clip):
    rng = np.random.default_rng(2)
    ir = rng.random((21, 34), dtype=np.float32) * 2
    vis = rng.random((21, 34, 3), dtype=np.float32) * 2
    cpu = jf.fuse(ir, vis, data_range=2.0, clip=clip, r1=4, base_radius=3)
    gpu = _emulated(ir, vis, data_range=2.0, clip=clip, r1=4, base_radius=3)
    _assert_close(gpu, cpu)
    if not clip:  # the unclipped colour inverse leaves [0, data_range] somewhere
        assert cpu.min() < 0 or cpu.max() > 2.0


def test_emulated_fuse_identical_sources_give_the_source():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (19, 23), dtype=np.uint8)
    np.testing.assert_array_equal(_emulated(img, img), img)


def test_emulated_fuse_rejects_bad_arguments():
    ir = np.zeros((8, 8), np.float32)
    vis = np.zeros((8, 8, 3), np.float32)
    out = np.empty_like(vis)
    args = (_kernel(5.0, 11), 1.0, 1.0, True, 3, 0.1, 1, 1e-3, 2, 1)
    with pytest.raises(ParameterError, match="shape and dtype of visible"):
        _core.cuda_emulated_fuse_guided(ir, vis, np.empty((8, 8), np.float32), *args)
    with pytest.raises(ParameterError, match="one channel"):
        _core.cuda_emulated_fuse_guided(vis, vis, out, *args)
    with pytest.raises(ParameterError, match="same height and width"):
        _core.cuda_emulated_fuse_guided(np.zeros((8, 9), np.float32), vis, out, *args)
    with pytest.raises(ParameterError, match="odd length"):
        _core.cuda_emulated_fuse_guided(ir, vis, out, np.ones(4, np.float32), *args[1:])


# ---- focus fusion: pyramid steps, blend and the whole pipeline ---------------------------------


def _bits(x):
    return np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)


PYR_SHAPES = [(1, 1), (1, 2), (2, 1), (3, 5), (4, 4), (7, 1), (9, 13), (16, 31), (33, 20)]


@pytest.mark.parametrize("shape", PYR_SHAPES, ids=str)
def test_emulated_pyramid_reduce_and_expand_match_cpu_bit_for_bit(shape):
    rng = np.random.default_rng(PYR_SHAPES.index(shape))
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    half = ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
    cpu, emu = np.empty(half, np.float32), np.full(half, np.nan, np.float32)
    _core.fusion_pyramid_reduce(x, cpu)
    _core.cuda_emulated_pyramid_step(x, emu, False)
    np.testing.assert_array_equal(_bits(emu), _bits(cpu))
    for src_shape in (half, (half[0] + 2, half[1] + 3)):  # the CPU reads only the first half
        src = (rng.standard_normal(src_shape) * 3).astype(np.float32)
        cpu, emu = np.empty(shape, np.float32), np.full(shape, np.nan, np.float32)
        _core.fusion_pyramid_expand(src, cpu)
        _core.cuda_emulated_pyramid_step(src, emu, True)
        np.testing.assert_array_equal(_bits(emu), _bits(cpu))


@pytest.mark.parametrize("levels", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (17, 29), (40, 33)], ids=str)
def test_emulated_pyramid_blend_matches_cpu(shape, levels):
    rng = np.random.default_rng([levels, shape[0]])
    a, b, w = (rng.random(shape, dtype=np.float32) for _ in range(3))
    for match, threshold in ((False, 0.0), (True, 0.6), (True, 0.95)):
        cpu, emu = np.empty(shape, np.float32), np.full(shape, np.nan, np.float32)
        _core.fusion_pyramid_blend(a, b, w, levels, match, threshold, cpu)
        _core.cuda_emulated_pyramid_blend(a, b, w, levels, match, threshold, emu)
        if not match:  # no box filter involved: the shared per-pixel code, bit for bit
            np.testing.assert_array_equal(_bits(emu), _bits(cpu))
        else:
            np.testing.assert_allclose(emu, cpu, rtol=0, atol=1e-5)


def _emulated_focus(ir, vis, *, data_range=None, clip=True, **params):
    """The focus fusion's emulation with the very arguments the dispatcher builds."""
    p = _check_params("focus", params)
    out = np.full_like(vis, 7)
    args = _cuda.focus_arguments(
        p, ir.shape[:2], _range(ir.dtype, data_range), _range(vis.dtype, data_range), clip
    )
    _core.cuda_emulated_fuse_focus(ir, vis, out, *args)
    return out


@pytest.mark.parametrize("layout", ["gray", "gray1", "rgb"])
@pytest.mark.parametrize("vis_dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_emulated_focus_matches_cpu(shape, vis_dtype, layout):
    rng = np.random.default_rng([SHAPES.index(shape), len(layout), 9])
    vshape = {"gray": shape, "gray1": (*shape, 1), "rgb": (*shape, 3)}[layout]
    ir_dtype = np.uint16 if vis_dtype == np.uint8 else np.uint8  # mixed dtypes
    ir = _image(rng, shape, ir_dtype)
    vis = _image(rng, vshape, vis_dtype)
    _assert_close(_emulated_focus(ir, vis), jf.fuse(ir, vis, method="focus"))


@pytest.mark.parametrize("blend", ["pyramid", "two_scale", "weighted"])
@pytest.mark.parametrize("measure", ["sml", "eol", "tenengrad", "variance"])
def test_emulated_focus_measures_and_blends_match_cpu(measure, blend):
    rng = np.random.default_rng(11)
    ir = _smooth(rng, (53, 71), np.uint8)
    vis = _smooth(rng, (53, 71, 3), np.uint8)
    kw = {"measure": measure, "blend": blend}
    _assert_close(_emulated_focus(ir, vis, **kw), jf.fuse(ir, vis, method="focus", **kw))


@pytest.mark.parametrize(
    "params",
    [
        {"measure": "sml", "threshold": 0.05, "focus_radius": 2},
        {"focus_radius": 0, "radius": 0},
        {"radius": 5, "eps": 0.01, "subsample": 2},
        {"radius": 9, "subsample": 3, "blend": "weighted"},
        {"levels": 1},
        {"levels": 3, "match_threshold": None},
        {"levels": 12, "match_threshold": 0.9},
        {"match_threshold": 0.0, "measure": "variance"},
        {"blend": "two_scale", "r1": 6, "eps1": 0.1, "r2": 2, "eps2": 1e-3, "base_radius": 3},
        {"blend": "two_scale", "r1": 0, "r2": 0, "base_radius": 0, "subsample": 2},
    ],
    ids=str,
)
def test_emulated_focus_matches_cpu_with_parameters(params):
    rng = np.random.default_rng(12)
    ir = _smooth(rng, (37, 45), np.float32)
    vis = _smooth(rng, (37, 45), np.uint16)
    _assert_close(_emulated_focus(ir, vis, **params), jf.fuse(ir, vis, method="focus", **params))


@pytest.mark.parametrize("clip", [True, False])
def test_emulated_focus_float_range_and_clip(clip):
    rng = np.random.default_rng(13)
    ir = rng.random((21, 34), dtype=np.float32) * 2
    vis = rng.random((21, 34, 3), dtype=np.float32) * 2
    kw = {"method": "focus", "data_range": 2.0, "clip": clip, "radius": 3}
    cpu = jf.fuse(ir, vis, **kw)
    _assert_close(_emulated_focus(ir, vis, data_range=2.0, clip=clip, radius=3), cpu)
    if not clip:  # the unclipped colour inverse leaves [0, data_range] somewhere
        assert cpu.min() < 0 or cpu.max() > 2.0


@pytest.mark.parametrize("blend", ["pyramid", "two_scale", "weighted"])
def test_emulated_focus_identical_sources_give_the_source(blend):
    rng = np.random.default_rng(14)
    img = rng.integers(0, 256, (19, 23), dtype=np.uint8)
    np.testing.assert_array_equal(_emulated_focus(img, img, blend=blend), img)


def test_emulated_focus_rejects_bad_arguments():
    ir = np.zeros((8, 8), np.float32)
    vis = np.zeros((8, 8, 3), np.float32)
    out = np.empty_like(vis)
    args = list(_cuda.focus_arguments(_check_params("focus", {}), (8, 8), 1.0, 1.0, True))
    _core.cuda_emulated_fuse_focus(ir, vis, out, *args)  # the defaults are accepted
    for index, bad, message in [
        (3, 4, "measure code"),
        (6, 3, "blend code"),
        (9, 0, "levels"),
        (8, 0.0, "eps must be"),
        (4, -1, "radii"),
    ]:
        wrong = list(args)
        wrong[index] = bad
        with pytest.raises(ParameterError, match=message):
            _core.cuda_emulated_fuse_focus(ir, vis, out, *wrong)
    with pytest.raises(ParameterError, match="shape and dtype of visible"):
        _core.cuda_emulated_fuse_focus(ir, vis, np.empty((8, 8), np.float32), *args)
    with pytest.raises(ParameterError, match="one channel"):
        _core.cuda_emulated_fuse_focus(vis, vis, out, *args)


# ---- dispatch, with fake device arrays -------------------------------------------------------


class _FakeDeviceArray:
    """Looks like a CUDA array to the dispatcher, without a device."""

    def __init__(self, shape, dtype=np.float32):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.__cuda_array_interface__ = {
            "shape": self.shape,
            "typestr": self.dtype.str,
            "data": (0, False),
            "version": 3,
            "strides": None,
        }


class _FakeCupy:
    def __init__(self):
        self.cuda = SimpleNamespace(get_current_stream=lambda: SimpleNamespace(ptr=77))

    def empty(self, shape, dtype):
        return _FakeDeviceArray(tuple(shape), dtype)


@pytest.fixture
def fake_device(monkeypatch):
    """A CUDA build with a fake CuPy and a recording cuda_fuse_guided: no kernels run."""
    monkeypatch.setattr(_core, "has_cuda", True)
    monkeypatch.setattr(_cuda, "_cupy", _FakeCupy)
    calls = []
    monkeypatch.setattr(_core, "cuda_fuse_guided", lambda *a: calls.append(a), raising=False)
    monkeypatch.setattr(
        _core, "cuda_fuse_focus", lambda *a: calls.append(("focus", *a)), raising=False
    )
    return calls


def test_cuda_fuse_cnn_raises(fake_device):
    a = _FakeDeviceArray((32, 32))
    with pytest.raises(CudaError, match="only method='guided' and 'focus'"):
        jf.fuse(a, a, method="cnn")
    assert not fake_device


def test_cuda_fuse_mixed_host_and_device_raise(fake_device):
    dev = _FakeDeviceArray((16, 16))
    host = np.zeros((16, 16), np.float32)
    with pytest.raises(CudaError, match="infrared is a CUDA array but visible is not"):
        jf.fuse(dev, host)
    with pytest.raises(CudaError, match="visible is a CUDA array but infrared is not"):
        jf.fuse(host, dev)
    assert not fake_device


def test_cuda_fuse_unsupported_options_raise(fake_device):
    a = _FakeDeviceArray((16, 16))
    with pytest.raises(CudaError, match="return_weights"):
        jf.fuse(a, a, return_weights=True)
    with pytest.raises(CudaError, match="enhance='detail'"):
        jf.fuse(a, a, enhance="detail")
    with pytest.raises(CudaError, match="3-channel infrared"):
        jf.fuse(_FakeDeviceArray((16, 16, 3)), a)
    with pytest.raises(ParameterError, match="unknown parameter"):  # as on the CPU
        jf.fuse(a, a, radius=3)
    with pytest.raises(ShapeError, match="same height and width"):
        jf.fuse(a, _FakeDeviceArray((16, 17)))
    with pytest.raises(ShapeError, match="must not be empty"):
        jf.fuse(_FakeDeviceArray((0, 4)), _FakeDeviceArray((0, 4)))
    with pytest.raises(ShapeError, match=r"\(H, W, 3\)"):
        jf.fuse(a, _FakeDeviceArray((16, 16, 4)))
    with pytest.raises(DTypeError, match="uint8, uint16 or float32"):
        jf.fuse(a, _FakeDeviceArray((16, 16), np.float64))
    assert not fake_device


def test_cuda_fuse_without_cuda_build_raises(monkeypatch):
    monkeypatch.setattr(_core, "has_cuda", False)
    a = _FakeDeviceArray((16, 16))
    with pytest.raises(CudaError, match="built without CUDA"):
        jf.fuse(a, a)


@pytest.mark.parametrize(
    ("ir_dtype", "vis_shape", "vis_dtype", "kwargs"),
    [
        (np.uint8, (23, 31, 3), np.uint8, {}),
        (np.float32, (23, 31), np.uint16, {"r1": 6, "subsample": 2, "base_radius": 4}),
        (np.uint16, (23, 31, 1), np.float32, {"data_range": 2.0, "clip": False, "r2": 3}),
    ],
)
def test_cuda_fuse_dispatch_arguments_reproduce_cpu(
    fake_device, ir_dtype, vis_shape, vis_dtype, kwargs
):
    """The dispatcher's arguments to the GPU, given to the emulation, give the CPU result."""
    ir_dev = _FakeDeviceArray((23, 31), ir_dtype)
    res = jf.fuse(ir_dev, _FakeDeviceArray(vis_shape, vis_dtype), **kwargs)
    assert isinstance(res, _FakeDeviceArray)
    assert res.shape == vis_shape
    assert res.dtype == np.dtype(vis_dtype)
    (call,) = fake_device
    _, vis_d, out_d, *scalars, stream = call
    assert stream == 77
    assert out_d[1:5] == vis_d[1:5]  # dtype code, H, W, C of the visible image
    rng = np.random.default_rng(4)
    scale = kwargs.get("data_range", 1.0)
    ir = _image(rng, (23, 31), ir_dtype)
    vis = _image(rng, vis_shape, vis_dtype)
    if vis_dtype == np.float32:
        ir, vis = (x * np.float32(scale) if x.dtype == np.float32 else x for x in (ir, vis))
    out = np.empty_like(vis)
    _core.cuda_emulated_fuse_guided(ir, vis, out, *scalars)
    _assert_close(out, jf.fuse(ir, vis, **kwargs))


@pytest.mark.parametrize(
    ("vis_shape", "vis_dtype", "kwargs"),
    [
        ((29, 37, 3), np.uint8, {}),
        ((29, 37), np.uint16, {"measure": "eol", "blend": "two_scale", "r1": 5, "subsample": 2}),
        ((29, 37, 1), np.float32, {"data_range": 2.0, "clip": False, "match_threshold": None}),
        ((29, 37), np.uint8, {"measure": "variance", "blend": "weighted", "levels": 2}),
    ],
)
def test_cuda_fuse_focus_dispatch_arguments_reproduce_cpu(
    fake_device, vis_shape, vis_dtype, kwargs
):
    """method="focus" goes to cuda_fuse_focus; its arguments, emulated, give the CPU result."""
    ir_dev = _FakeDeviceArray((29, 37), np.uint8)
    res = jf.fuse(ir_dev, _FakeDeviceArray(vis_shape, vis_dtype), method="focus", **kwargs)
    assert isinstance(res, _FakeDeviceArray)
    assert res.shape == vis_shape
    assert res.dtype == np.dtype(vis_dtype)
    (call,) = fake_device
    tag, _, vis_d, out_d, *scalars, stream = call
    assert tag == "focus"
    assert stream == 77
    assert out_d[1:5] == vis_d[1:5]
    rng = np.random.default_rng(15)
    ir = _smooth(rng, (29, 37), np.uint8)
    vis = _smooth(rng, vis_shape, vis_dtype)
    if vis_dtype == np.float32:
        vis = vis * np.float32(kwargs.get("data_range", 1.0))
    out = np.empty_like(vis)
    _core.cuda_emulated_fuse_focus(ir, vis, out, *scalars)
    _assert_close(out, jf.fuse(ir, vis, method="focus", **kwargs))


def test_cuda_fuse_focus_unsupported_options_raise(fake_device):
    a = _FakeDeviceArray((16, 16))
    with pytest.raises(CudaError, match="return_weights"):
        jf.fuse(a, a, method="focus", return_weights=True)
    with pytest.raises(CudaError, match="enhance='detail'"):
        jf.fuse(a, a, method="focus", enhance="detail")
    with pytest.raises(ParameterError, match="measure must be one of"):  # as on the CPU
        jf.fuse(a, a, method="focus", measure="laplace")
    with pytest.raises(ParameterError, match="unknown parameter"):
        jf.fuse(a, a, method="focus", model="blur-cnn")
    assert not fake_device


# ---- on a device -------------------------------------------------------------------------------


@pytest.mark.cuda
@pytest.mark.parametrize("layout", ["gray", "rgb"])
@pytest.mark.parametrize("vis_dtype", [np.uint8, np.uint16, np.float32])
def test_gpu_fuse_matches_cpu(vis_dtype, layout):
    import cupy

    rng = np.random.default_rng(6)
    ir = _smooth(rng, (97, 131), np.uint8)
    vis = _smooth(rng, (97, 131, 3) if layout == "rgb" else (97, 131), vis_dtype)
    res = jf.fuse(cupy.asarray(ir), cupy.asarray(vis), method="guided")
    assert isinstance(res, cupy.ndarray)
    _assert_close(cupy.asnumpy(res), jf.fuse(ir, vis, method="guided"))


@pytest.mark.cuda
def test_gpu_fuse_runs_on_the_current_stream():
    import cupy

    rng = np.random.default_rng(7)
    ir = _smooth(rng, (64, 80), np.float32)
    vis = _smooth(rng, (64, 80, 3), np.uint8)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        res = jf.fuse(cupy.asarray(ir), cupy.asarray(vis), r1=9, subsample=2)
    stream.synchronize()
    _assert_close(cupy.asnumpy(res), jf.fuse(ir, vis, r1=9, subsample=2))


@pytest.mark.cuda
@pytest.mark.parametrize("blend", ["pyramid", "two_scale", "weighted"])
@pytest.mark.parametrize("vis_dtype", [np.uint8, np.float32])
def test_gpu_fuse_focus_matches_cpu(vis_dtype, blend):
    import cupy

    rng = np.random.default_rng(16)
    ir = _smooth(rng, (97, 131), np.uint8)
    vis = _smooth(rng, (97, 131, 3), vis_dtype)
    kw = {"method": "focus", "blend": blend}
    res = jf.fuse(cupy.asarray(ir), cupy.asarray(vis), **kw)
    assert isinstance(res, cupy.ndarray)
    _assert_close(cupy.asnumpy(res), jf.fuse(ir, vis, **kw))
    emulated = _emulated_focus(ir, vis, blend=blend)
    _assert_close(cupy.asnumpy(res), emulated)


@pytest.mark.cuda
def test_gpu_fuse_focus_runs_on_the_current_stream():
    import cupy

    rng = np.random.default_rng(17)
    ir = _smooth(rng, (64, 80), np.float32)
    vis = _smooth(rng, (64, 80), np.uint16)
    kw = {"method": "focus", "measure": "tenengrad", "subsample": 2, "levels": 6}
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        res = jf.fuse(cupy.asarray(ir), cupy.asarray(vis), **kw)
    stream.synchronize()
    _assert_close(cupy.asnumpy(res), jf.fuse(ir, vis, **kw))
