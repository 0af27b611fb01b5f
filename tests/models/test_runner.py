"""Runner contract: dtypes, shapes, padding, tiling, batches, backends, errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import jointfilter.models as jm
from jointfilter.errors import (
    DTypeError,
    MissingDependencyError,
    ModelError,
    ParameterError,
    ShapeError,
)

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")


def _eager(module, x: np.ndarray) -> np.ndarray:
    """Reference: eager module on a float HxWx3 image (no padding needed for the tiny net)."""
    with torch.no_grad():
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))[None])
        return np.clip(module(t)[0].numpy().transpose(1, 2, 0), 0, 1)


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_backends_match_eager(tiny_local, rng, backend: str) -> None:
    m = jm.load(tiny_local["pt" if backend == "torch" else "onnx"], backend=backend)
    assert m.backend.name == backend
    x = rng.random((36, 44, 3), dtype=np.float32)
    np.testing.assert_allclose(m(x), _eager(tiny_local["module"], x), atol=1e-5)


def test_auto_backend_prefers_onnx_on_cpu(tiny_local) -> None:
    assert jm.load(tiny_local["onnx"]).backend.name == "onnx"
    assert jm.load(tiny_local["pt"]).backend.name == "torch"


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(33, 47, 3), (33, 47), (33, 47, 1), (30, 22, 4), (1, 5, 3)])
def test_dtype_and_shape_preserved(tiny_local, rng, dtype, shape) -> None:
    m = jm.load(tiny_local["onnx"])
    if np.issubdtype(dtype, np.integer):
        x = rng.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)
    else:
        x = rng.random(shape).astype(dtype)
    before = x.copy()
    y = m(x)
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(x, before)  # caller's array untouched
    if shape[-1] == 4:  # alpha passes through (float64 is computed in float32)
        np.testing.assert_allclose(y[..., 3], x[..., 3], rtol=0, atol=1e-7)


def test_integer_output_is_rounded_float_output(tiny_local, rng) -> None:
    m = jm.load(tiny_local["onnx"])
    x8 = rng.integers(0, 256, (40, 40, 3)).astype(np.uint8)
    yf = m(x8.astype(np.float32) / 255)
    np.testing.assert_array_equal(m(x8), np.rint(np.clip(yf, 0, 1) * 255).astype(np.uint8))


def test_padding_to_multiple_matches_reflect_pad(tiny_local, rng) -> None:
    m = jm.load(tiny_local["onnx"])  # multiple 4 from the side file
    x = rng.random((21, 30, 3), dtype=np.float32)
    padded = np.pad(x, ((0, 3), (0, 2), (0, 0)), mode="reflect")
    np.testing.assert_allclose(m(x), _eager(tiny_local["module"], padded)[:21, :30], atol=1e-5)


@pytest.mark.parametrize(("tile", "overlap"), [(32, 16), (48, 24), (64, 32)])
def test_tiled_equals_whole_image(tiny_local, rng, tile: int, overlap: int) -> None:
    # receptive-field radius 3 <= overlap / 4: the blended tiles reproduce the whole image
    m = jm.load(tiny_local["onnx"])
    x = rng.random((101, 77, 3), dtype=np.float32)
    whole = m(x, tile=0)
    tiled = m(x, tile=tile, overlap=overlap)
    np.testing.assert_allclose(tiled, whole, atol=1e-4)


def test_auto_tiling_for_large_images(tiny_local, rng) -> None:
    m = jm.load(tiny_local["onnx"])
    x = rng.random((1030, 1030, 3), dtype=np.float32)  # > 1 MP: tiled automatically
    np.testing.assert_allclose(m(x), m(x, tile=0), atol=1e-4)


def test_batches(tiny_local, rng) -> None:
    m = jm.load(tiny_local["onnx"])
    frames = [rng.random((24, 28, 3), dtype=np.float32) for _ in range(3)]
    out_list = m(frames)
    out_stack = m(np.stack(frames))
    assert isinstance(out_list, list)
    assert out_stack.shape == (3, 24, 28, 3)
    for f, a, b in zip(frames, out_list, out_stack, strict=False):
        np.testing.assert_allclose(a, m(f), atol=1e-6)
        np.testing.assert_allclose(b, a, atol=1e-6)
    mixed = m([frames[0], rng.random((13, 9), dtype=np.float32)])
    assert mixed[1].shape == (13, 9)


def test_empty_image(tiny_local) -> None:
    m = jm.load(tiny_local["onnx"])
    x = np.zeros((0, 5, 3), np.uint8)
    assert m(x).shape == (0, 5, 3)


def test_deterministic(tiny_local, rng) -> None:
    m = jm.load(tiny_local["pt"])
    x = rng.random((40, 40, 3), dtype=np.float32)
    np.testing.assert_array_equal(m(x), m(x))


@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (np.zeros((3, 40, 50), np.float32), ShapeError, "looks like CHW"),
        (np.zeros((40, 50, 2), np.float32), ShapeError, "1, 3 or 4 channels"),
        (np.zeros((40,), np.float32), ShapeError, r"\(H, W\) or \(H, W, C\)"),
        (np.zeros((40, 50), np.int32), DTypeError, "uint8, uint16, float32 or float64"),
        ([[0.0, 1.0]], DTypeError, "numpy.ndarray"),
    ],
)
def test_bad_images_raise(tiny_local, bad, exc, match) -> None:
    m = jm.load(tiny_local["onnx"])
    with pytest.raises(exc, match=match):
        m([bad] if isinstance(bad, list) else bad)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"tile": -1}, "tile must be"),
        ({"overlap": -2}, "overlap must be"),
        ({"tile": 16, "overlap": 16}, "must be smaller than tile"),
        ({"batch_size": 0}, "batch_size"),
        ({"seed": 3}, "unexpected keyword"),
    ],
)
def test_bad_parameters_raise(tiny_local, rng, kw, match) -> None:
    m = jm.load(tiny_local["onnx"])
    with pytest.raises(ParameterError, match=match):
        m(rng.random((40, 40, 3), dtype=np.float32), **kw)


def test_load_errors(tiny_local, tmp_path) -> None:
    with pytest.raises(ModelError, match="shipped model"):
        jm.load("no-such-model")
    with pytest.raises(ParameterError, match="backend must be"):
        jm.load(tiny_local["onnx"], backend="tensorflow")
    with pytest.raises(ModelError, match="needs a torchscript file"):
        jm.load(tiny_local["onnx"], backend="torch")
    with pytest.raises(ParameterError, match=r"only supported on CUDA"):
        jm.load(tiny_local["pt"], backend="torch", half=True)
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not load ONNX model"):
        jm.load(bad)
    badpt = tmp_path / "broken.pt"
    badpt.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not load TorchScript model"):
        jm.load(badpt)


def test_corrupt_registry_file_is_detected(tiny_local, tmp_path, monkeypatch) -> None:
    from jointfilter.models import _registry

    good = tmp_path / "t.onnx"
    shutil.copy(tiny_local["onnx"], good)
    from jointfilter.models._export import sha256

    spec = _registry.ModelSpec(
        name="t", kind="image", multiple=4, files={"onnx": (str(good), sha256(good))}
    )
    monkeypatch.setitem(_registry.REGISTRY, "t", spec)
    assert jm.load("t").backend.name == "onnx"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    good.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        jm.load("t")
    good.unlink()
    with pytest.raises(ModelError, match="missing"):
        jm.load("t")


def test_missing_runtime_names_the_extra(tiny_local, monkeypatch) -> None:
    from jointfilter.models import _backends

    monkeypatch.setattr(_backends, "available_backends", lambda: [])
    with pytest.raises(MissingDependencyError, match=r"jointfilter\[onnx\]"):
        jm.load(tiny_local["onnx"])
    with pytest.raises(MissingDependencyError, match=r"jointfilter\[models\]"):
        jm.load(tiny_local["pt"], backend="torch")
    assert issubclass(MissingDependencyError, ImportError)


def test_from_module_eager(tiny_local, rng) -> None:
    m = jm.from_module(tiny_local["module"], multiple=4)
    x = rng.random((30, 30, 3), dtype=np.float32)
    np.testing.assert_allclose(m(x), jm.load(tiny_local["onnx"])(x), atol=1e-5)


def test_blur_features_match_training_features() -> None:
    pytest.importorskip("scipy")
    from jointfilter.models.train import sobel_channels

    g = np.random.default_rng(0).random((37, 29)).astype(np.float32)
    np.testing.assert_allclose(jm.BlurCNNModel.features(g), sobel_channels(g), atol=1e-6)
