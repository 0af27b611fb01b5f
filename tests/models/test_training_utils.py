"""Training helpers: synthetic rain v2, fine-tuning from a shipped TorchScript file."""

from __future__ import annotations

import numpy as np
import pytest

from jointfilter.models import _synth


def _crop(seed: int, size: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    from scipy.ndimage import gaussian_filter

    img = gaussian_filter(rng.random((size, size, 3)), (3, 3, 0)) * 0.8
    return img.astype(np.float32)


def test_add_rain_mix_is_seeded_bounded_and_ordered() -> None:
    x = _crop(0)
    x_before = x.copy()
    a, a_light = _synth.add_rain_mix(x, 0.8, np.random.default_rng(3))
    b, _ = _synth.add_rain_mix(x, 0.8, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)  # same seed, same rain
    np.testing.assert_array_equal(x, x_before)  # input untouched
    assert a.shape == x.shape
    assert a.dtype == np.float32
    assert a.min() >= 0.0
    assert a.max() <= 1.0
    # rain only brightens, and the lighter version holds less of it
    assert (a - x).mean() > (a_light - x).mean() > -1e-6
    assert (a - x).min() > -1e-5
    dry, dry_light = _synth.add_rain_mix(x, 0.0, np.random.default_rng(3))
    np.testing.assert_allclose(dry, x, atol=1e-6)
    np.testing.assert_allclose(dry_light, x, atol=1e-6)


def test_add_rain_mix_grows_with_density() -> None:
    x = _crop(1, 96)
    amounts = []
    for rho in (0.1, 0.4, 1.0):
        # average over seeds: the style draw is random, the density scales the seed count
        amounts.append(
            np.mean(
                [
                    (_synth.add_rain_mix(x, rho, np.random.default_rng(s))[0] - x).mean()
                    for s in range(6)
                ]
            )
        )
    assert amounts[0] < amounts[1] < amounts[2]


def test_init_state_from_torchscript(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    from jointfilter.models import _zoo
    from jointfilter.models._export import export_torchscript
    from jointfilter.models.train import load_init_state

    torch.manual_seed(0)
    cfg = {"n_feat": 4, "n_code": 6, "kernel_sizes": (3,), "n_iter": 1}
    src = _zoo.build("codenet", **cfg).eval()
    pt = export_torchscript(src, _zoo.example_inputs("codenet", src, 16, 16), tmp_path / "m.pt")
    dst = _zoo.build("codenet", **cfg)
    dst.load_state_dict(load_init_state(pt, dst), strict=True)
    for k, v in src.state_dict().items():
        torch.testing.assert_close(dst.state_dict()[k], v, rtol=0, atol=0)
    torch.save(src.state_dict(), tmp_path / "m.pth")  # the eager format loads too
    dst.load_state_dict(load_init_state(tmp_path / "m.pth", dst), strict=True)


def test_shipped_derain_density_grows_with_rain() -> None:
    pytest.importorskip("onnxruntime")
    import jointfilter.models as jm

    net = jm.load("derain")
    x = _crop(2, 96)
    rhos = []
    for level in (0.0, 0.25, 1.0):
        r = _synth.rain_layer((96, 96), level, np.random.default_rng(7), angle=5.0, length=20)
        _, rho = net(np.clip(x + r[:, :, None], 0, 1))
        rhos.append(rho)
    assert rhos[0] < rhos[1] < rhos[2], rhos
