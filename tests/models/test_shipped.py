"""Shipped models: checksums, size budget, eager == TorchScript == ONNX, behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter.models as jm
from jointfilter.models._registry import REGISTRY

NAMES = sorted(REGISTRY)


def test_registry_files_exist_and_fit_budget() -> None:
    total = 0
    for spec in REGISTRY.values():
        for fmt in spec.files:
            path = jm.verify(spec, fmt)  # exists and sha256 matches
            total += path.stat().st_size
        assert {"architecture", "parameters", "training", "quality"} <= set(spec.card)
    assert total <= 20 * 1024 * 1024, f"shipped weights total {total / 2**20:.1f} MB > 20 MB"


def _eager_from_torchscript(spec):
    """Rebuild the eager module from the TorchScript file's named parameters."""
    torch = pytest.importorskip("torch")
    from jointfilter.models import _zoo
    from jointfilter.models._export import torchscript_warnings

    with torchscript_warnings():
        ts = torch.jit.load(str(spec.path("torchscript")))
    eager = _zoo.build(spec.arch, **spec.config).eval()
    keys = set(eager.state_dict())  # the traced file also lists non-persistent buffers
    eager.load_state_dict({k: v for k, v in ts.state_dict().items() if k in keys}, strict=True)
    return eager, ts


@pytest.mark.parametrize("name", NAMES)
def test_torchscript_and_onnx_equal_eager(name: str) -> None:
    torch = pytest.importorskip("torch")
    ort = pytest.importorskip("onnxruntime")
    from jointfilter.models import _zoo

    spec = REGISTRY[name]
    eager, ts = _eager_from_torchscript(spec)
    # a size the exported graphs were not traced at
    ex = _zoo.example_inputs(spec.arch, eager, h=36, w=52, n=3)
    with torch.no_grad():
        ref = eager(*ex)
        got = ts(*ex)
    ref = ref if isinstance(ref, tuple) else (ref,)
    got = got if isinstance(got, tuple) else (got,)
    sess = ort.InferenceSession(str(spec.path("onnx")), providers=["CPUExecutionProvider"])
    onnx_out = sess.run(
        None, {i.name: t.numpy() for i, t in zip(sess.get_inputs(), ex, strict=False)}
    )
    for r, g, o in zip(ref, got, onnx_out, strict=False):
        np.testing.assert_allclose(g.numpy(), r.numpy(), atol=1e-4, rtol=0)
        np.testing.assert_allclose(o, r.numpy(), atol=1e-4, rtol=0)


def _image(rng: np.random.Generator, h: int = 40, w: int = 56) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([yy, xx, 0.5 * (yy + xx)], axis=-1)
    return np.clip(base + 0.05 * rng.standard_normal((h, w, 3)), 0, 1).astype(np.float32)


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_image_models_run(backend: str) -> None:
    pytest.importorskip("torch" if backend == "torch" else "onnxruntime")
    rng = np.random.default_rng(0)
    x8 = (_image(rng, 37, 45) * 255).astype(np.uint8)
    for name in ("mirnet-denoise", "mirnet-enhance"):
        net = jm.load(name, backend=backend)
        y = net(x8)
        assert y.shape == x8.shape
        assert y.dtype == np.uint8


def test_onnx_and_torch_backends_agree() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    x = _image(np.random.default_rng(1), 33, 41)
    a = jm.load("mirnet-denoise", backend="onnx")(x)
    b = jm.load("mirnet-denoise", backend="torch")(x)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_derain_returns_density() -> None:
    pytest.importorskip("onnxruntime")
    from jointfilter.models import _synth

    net = jm.load("derain")
    rng = np.random.default_rng(0)
    x = _image(rng, 48, 48)
    y, rho = net(x)
    assert y.shape == x.shape
    assert isinstance(rho, float)
    assert net.density_per_scale.shape == (2,)
    rainy = np.clip(x + _synth.rain_layer((48, 48), 1.0, rng)[:, :, None], 0, 1)
    ys, rhos = net([x, rainy])
    assert len(ys) == 2
    assert len(rhos) == 2


def test_stochastic_enhancer_latent_control() -> None:
    pytest.importorskip("onnxruntime")
    net = jm.load("stochastic-enhance")
    assert net.latent_dim == 4
    x = _image(np.random.default_rng(2), 40, 40)
    a = net(x, seed=5)
    np.testing.assert_array_equal(a, net(x, seed=5))  # deterministic for a fixed z
    z = np.array([1.5, -1.0, 0.5, 2.0], np.float32)
    np.testing.assert_array_equal(net(x, z=z), net(x, z=z))
    assert np.abs(net(x, z=z) - net(x, z=-z)).mean() > 1e-4  # varies with z
    samples = net.sample(x, n=3, seed=0)
    assert len(samples) == 3
    from jointfilter.errors import ParameterError, ShapeError

    with pytest.raises(ParameterError, match="either z= or seed="):
        net(x, z=z, seed=1)
    with pytest.raises(ShapeError, match="z must have shape"):
        net(x, z=np.zeros(3))


def test_blur_cnn_weight_map() -> None:
    pytest.importorskip("onnxruntime")
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(3)
    sharp = np.clip(gaussian_filter(rng.random((96, 96)), 1.0) * 3 - 1, 0, 1).astype(np.float32)
    blurred = gaussian_filter(sharp, 3.0).astype(np.float32)
    net = jm.load("blur-cnn")
    w = net(sharp, blurred)
    assert w.shape == (96, 96)
    assert w.dtype == np.float32
    assert 0.0 <= w.min()
    assert w.max() <= 1.0
    assert w.mean() > 0.7  # the sharp image wins
    np.testing.assert_allclose(net(blurred, sharp), 1.0 - w, atol=1e-5)  # symmetric by design


def test_derain_density_is_the_removed_rain() -> None:
    pytest.importorskip("onnxruntime")
    from jointfilter.models import _synth

    net = jm.load("derain")
    rng = np.random.default_rng(3)
    x = np.clip(_image(rng, 40, 56) + _synth.rain_layer((40, 56), 0.8, rng)[:, :, None], 0, 1)
    y, rho = net(x.astype(np.float32))
    want = float(np.maximum(x.astype(np.float64) - y, 0.0).mean())
    assert rho == pytest.approx(want, rel=1e-5, abs=1e-7)
    assert rho > 0.0
    # batches give one value per frame, and the frames' own values
    _, rhos = net([x.astype(np.float32), y])
    assert rhos[0] == pytest.approx(rho, rel=1e-6)
    assert rhos[1] < rho
