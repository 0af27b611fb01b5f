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


def test_extra_train_images_respect_the_split() -> None:
    held = {s.partition(":")[2] for s in _synth.HELD_OUT}
    for src in _synth.EXTRA_TRAIN:
        kind, _, item = src.partition(":")
        assert kind in ("skimage", "shared")
        assert item not in held
        assert not item.startswith(("derain/", "eval/", "clean/"))
        assert src not in _synth.TRAIN
    for bad in ("shared:derain/rain100l_001_clean.png", "shared:clean/kodim23.png"):
        with pytest.raises(ValueError, match="must not be read"):
            _synth.load_images([bad])


def test_extra_skimage_samples_are_local(monkeypatch) -> None:
    """The extra scikit-image samples ship with the package (no pooch download)."""
    import skimage.data._fetchers as fetchers

    monkeypatch.setattr(fetchers, "_image_fetcher", None)
    names = [s for s in _synth.EXTRA_TRAIN if s.startswith("skimage:")]
    imgs = _synth.load_images(names)
    assert len(imgs) == len(names)
    for im in imgs:
        assert im.ndim == 3
        assert im.shape[2] == 3
        assert im.dtype == np.float32
        assert min(im.shape[:2]) >= 128


def test_cond_tone_starts_from_the_z_only_generator() -> None:
    """The image-conditioned tone MLP is zero-initialised: a z-only file loads as the start."""
    torch = pytest.importorskip("torch")
    from jointfilter.models import _zoo

    torch.manual_seed(0)
    cfg = {"ngf": 4, "latent_dim": 2, "n_res": 1}
    old = _zoo.build("stochastic", **cfg).eval()
    new = _zoo.build("stochastic", **cfg, cond_tone=True).eval()
    res = new.load_state_dict(old.state_dict(), strict=False)
    assert res.missing_keys
    assert all(k.startswith("tone_mlp.") for k in res.missing_keys)
    ex = _zoo.example_inputs("stochastic", new, 20, 24, 2)
    with torch.no_grad():
        torch.testing.assert_close(new(*ex), old(*ex), rtol=0, atol=0)
        # once trained, the tone depends on the image, not only on z
        torch.nn.init.normal_(new.tone_mlp[-1].weight, 0.0, 0.1)
        x, z = ex
        t_dark = new.tone_params(x * 0.3, new.stem(2 * x * 0.3 - 1), z)
        t_bright = new.tone_params(x, new.stem(2 * x - 1), z)
        assert (t_dark - t_bright).abs().max() > 1e-4


def test_colour_augment_permutes_and_saturates() -> None:
    x = np.stack([_crop(s, 32) * 0.6 + 0.2 for s in range(4)])
    before = x.copy()
    a = _synth.colour_augment(x, np.random.default_rng(0))
    b = _synth.colour_augment(x, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)  # seeded
    np.testing.assert_array_equal(x, before)  # input untouched
    assert a.shape == x.shape
    assert a.dtype == x.dtype
    assert a.min() >= 0.0
    assert a.max() <= 1.0
    # never less chroma than the input (before clipping, which this range avoids mostly)
    chroma = lambda v: np.abs(v - v.mean(axis=-1, keepdims=True)).mean()  # noqa: E731
    assert chroma(a) >= chroma(x) * 0.99
    # saturation 1 and the identity permutation are possible draws: an exact no-op then
    np.testing.assert_allclose(
        _synth.colour_augment(x[:1], np.random.default_rng(0), max_saturation=1.0)[0],
        x[0][..., np.random.default_rng(0).permutation(3)],
        atol=1e-6,
    )
