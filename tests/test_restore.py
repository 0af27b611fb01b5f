"""Tests of jointfilter.restore: tasks, dtypes, errors, and the filters against float64 refs.

Synthetic data only (scikit-image sample images through the documented protocols). Quality
targets against peers are measured by benchmarks/bench_restore.py, not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data as skdata

from jointfilter import max_filter, min_filter
from jointfilter.errors import DTypeError, NonFiniteError, ParameterError, ShapeError
from jointfilter.metrics import psnr
from jointfilter.restoration import (
    PRESETS,
    TASKS,
    estimate_noise,
    preset_table,
    restore,
)
from jointfilter.restoration import _protocols as P
from jointfilter.restoration._common import bilinear_resize
from jointfilter.restoration._edge_aware import gdgif, wgif
from jointfilter.restoration._mutual import mutual_structure_filter

# ------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return (skdata.astronaut()[64:448:3, 96:480:3] / 255.0).astype(np.float32)  # 128x128


def _psnr(truth: np.ndarray, x: np.ndarray) -> float:
    return psnr(
        np.clip(truth, 0, 1).astype(np.float64), np.clip(x, 0, 1).astype(np.float64), data_range=1.0
    )


def _ref_box(x: np.ndarray, r: int) -> np.ndarray:
    """Clipped-window mean by explicit loops (float64)."""
    h, w = x.shape
    out = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = x[max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1].mean()
    return out


def _ref_gf_coeffs(p, g, r, eps_map, gamma):
    mg, mp = _ref_box(g, r), _ref_box(p, r)
    cov = _ref_box(g * p, r) - mg * mp
    var = _ref_box(g * g, r) - mg * mg
    a = (cov + eps_map * gamma) / (var + eps_map)
    b = mp - a * mg
    return _ref_box(a, r) * g + _ref_box(b, r)


# ------------------------------------------------------------------------------ min / max


@pytest.mark.parametrize("border", ["clipped", "edge", "symmetric", "reflect"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 1), (7, 13), (10, 3, 2), (4, 9, 3)])
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 6, 20])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.uint16])
def test_min_max_filter_brute_force(border, shape, radius, dtype):
    rng = np.random.default_rng(hash((border, shape, radius)) % 2**32)
    if dtype == np.float32:
        x = rng.random(shape, dtype=np.float32)
    else:
        x = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    before = x.copy()
    for fn, red in ((min_filter, np.min), (max_filter, np.max)):
        got = fn(x, radius, border=border)
        x64 = x.astype(np.float64)
        pad = [(radius, radius), (radius, radius)] + [(0, 0)] * (x.ndim - 2)
        if border == "clipped":
            fill = np.inf if red is np.min else -np.inf
            xp = np.pad(x64, pad, constant_values=fill)
        else:
            mode = border
            if mode == "reflect" and min(shape[:2]) == 1:
                mode = "edge"
            xp = np.pad(x64, pad, mode=mode) if radius else x64
        ref = np.empty(x.shape)
        for i in range(shape[0]):
            for j in range(shape[1]):
                ref[i, j] = red(xp[i : i + 2 * radius + 1, j : j + 2 * radius + 1], axis=(0, 1))
        assert got.dtype == x.dtype
        assert got.shape == x.shape
        np.testing.assert_array_equal(got.astype(np.float64), ref)
    np.testing.assert_array_equal(x, before)


def test_min_filter_rejects_unknown_border():
    with pytest.raises(ParameterError, match="border must be one of 'clipped'"):
        min_filter(np.zeros((4, 4), np.float32), 1, border="wrap")


# --------------------------------------------------------------- WGIF / GDGIF / MSJF references


@pytest.mark.parametrize("shape", [(9, 11), (12, 7)])
@pytest.mark.parametrize("radius", [1, 2, 4])
def test_wgif_matches_float64_reference(shape, radius):
    rng = np.random.default_rng(1)
    g = rng.random(shape).astype(np.float32)
    p = (0.6 * g + 0.2 * rng.random(shape)).astype(np.float32)
    lam = 1e-2
    var1 = _ref_box(g.astype(np.float64) ** 2, 1) - _ref_box(g.astype(np.float64), 1) ** 2
    v1 = np.maximum(var1, 0) + 1e-6
    gamma_w = v1 * np.mean(1.0 / v1)
    ref = _ref_gf_coeffs(p.astype(np.float64), g.astype(np.float64), radius, lam / gamma_w, 0.0)
    np.testing.assert_allclose(wgif(p, g, radius, lam), ref, atol=2e-4)


@pytest.mark.parametrize("shape", [(9, 11), (12, 7)])
@pytest.mark.parametrize("radius", [1, 3])
def test_gdgif_matches_float64_reference(shape, radius):
    rng = np.random.default_rng(2)
    g = rng.random(shape)
    p = 0.5 * g + 0.3 * rng.random(shape)
    lam = 1e-2

    def std(x, r):
        return np.sqrt(np.maximum(_ref_box(x * x, r) - _ref_box(x, r) ** 2, 0))

    chi = std(g, 1) * std(g, radius)
    ce = chi + 1e-6
    gamma_hat = ce * np.mean(1.0 / ce)
    eta = 4.0 / (chi.mean() - chi.min())
    gam = 1.0 - 1.0 / (1.0 + np.exp(eta * (chi - chi.mean())))
    ref = _ref_gf_coeffs(p, g, radius, lam / gamma_hat, gam)
    got = gdgif(p.astype(np.float32), g.astype(np.float32), radius, lam)
    np.testing.assert_allclose(got, ref, atol=2e-4)


@pytest.mark.parametrize(("shape", "radius"), [((7, 9), 1), ((8, 6), 2)])
def test_msjf_matches_float64_reference(helpers, shape, radius):
    rng = np.random.default_rng(3)
    i0 = rng.random(shape)
    g0 = np.clip(0.7 * i0 + 0.3 * rng.random(shape), 0, 1)
    args = dict(radius=radius, eps_i=1e-3, eps_g=2e-3, lam_i=1.0, lam_g=5.0, iterations=3)
    ref_i, ref_g = helpers.msjf_brute_force(i0, g0, radius, 1e-3, 2e-3, 1.0, 5.0, 3)
    got_i, got_g = mutual_structure_filter(i0.astype(np.float32), g0.astype(np.float32), **args)
    np.testing.assert_allclose(got_i, ref_i, atol=5e-4)
    np.testing.assert_allclose(got_g, ref_g, atol=5e-4)


# ------------------------------------------------------------------------ tasks improve PSNR


@pytest.mark.parametrize("task", TASKS)
def test_task_improves_its_protocol(task, clean):
    if task == "depth_upsample":  # 128x128 at x4 leaves 32x32 samples: use a 256x256 scene
        clean = (skdata.astronaut()[::2, ::2] / 255.0).astype(np.float32)
    s = P.make_sample(task, clean, seed=5)
    out = restore(s.target, s.guide, task, **s.overrides)
    assert out.shape == s.truth.shape
    assert out.dtype == np.float32
    if task == "depth_upsample":
        before = _psnr(s.truth, bilinear_resize(s.target, s.truth.shape[:2]))
    else:
        before = _psnr(s.truth, s.target)
    after = _psnr(s.truth, out)
    assert after > before + 0.5, (task, before, after)


@pytest.mark.parametrize("task", TASKS)
def test_generic_improves_noisy_target_on_every_protocol(task, clean):
    s = P.make_noisy(P.make_sample(task, clean, seed=6), sigma=0.05)
    out, params = restore(s.target, s.guide, return_params=True)
    assert params["task"] is None
    before, after = _psnr(s.truth, s.target), _psnr(s.truth, out)
    assert after > before + 3.0, (task, before, after)


def test_generic_leaves_noise_free_target_alone(clean):
    ramp = np.add.outer(np.linspace(0, 0.5, 40), np.linspace(0, 0.4, 50)).astype(np.float32)
    out, params = restore(ramp, clean[:40, :50], return_params=True)
    assert params["noise_sigma"] < params["min_sigma"]
    np.testing.assert_array_equal(out, ramp)


@pytest.mark.parametrize("method", ["msjf", "wgif", "gdgif"])
def test_generic_alternative_methods_improve(method, clean):
    s = P.make_noisy(P.make_sample("day_night", clean, seed=7), sigma=0.05)
    out = restore(s.target, s.guide, method=method)
    assert _psnr(s.truth, out) > _psnr(s.truth, s.target) + 2.0


def test_structure_transfer_strength_scales_detail(clean):
    s = P.make_sample("structure_transfer", clean, seed=1)
    zero = restore(s.target, s.guide, "structure_transfer", strength=0.0)
    one = restore(s.target, s.guide, "structure_transfer", strength=1.0)
    two = restore(s.target, s.guide, "structure_transfer", strength=2.0)
    np.testing.assert_allclose(two - one, one - zero, atol=1e-5)
    assert np.abs(one - zero).mean() > 1e-3


# ------------------------------------------------------------------- dtypes, params, inputs


@pytest.mark.parametrize("task", [None, *TASKS])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_dtype_round_trip_and_inputs_untouched(task, dtype, clean):
    s = P.make_sample(task or "flash_denoise", clean, seed=2)
    scale = {np.uint8: 255, np.uint16: 65535}.get(dtype, 1)
    conv = (
        (lambda x: np.clip(np.rint(x * scale), 0, scale).astype(dtype))
        if scale > 1
        else (lambda x: x.astype(dtype))
    )
    t, g = conv(np.clip(s.target, 0, 1)), conv(s.guide)
    t0, g0 = t.copy(), g.copy()
    out = restore(t, g, task, **s.overrides)
    assert out.dtype == dtype
    assert out.shape == (s.truth.shape if task else t.shape)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(g, g0)
    if dtype == np.uint16:
        assert np.any(out % 256 != 0)  # 16-bit precision preserved, not 8-bit in disguise


def test_uint16_matches_float(clean):
    s = P.make_sample("day_night", clean, seed=3)
    t16 = np.rint(np.clip(s.target, 0, 1) * 65535).astype(np.uint16)
    g16 = np.rint(s.guide * 65535).astype(np.uint16)
    a = restore(t16, g16, "day_night").astype(np.float64) / 65535
    b = np.clip(
        restore(t16.astype(np.float32) / 65535, g16.astype(np.float32) / 65535, "day_night"), 0, 1
    )
    np.testing.assert_allclose(a, b, atol=2e-4)


@pytest.mark.parametrize("task", TASKS)
def test_precision_auto_single_for_8bit_only(task, clean):
    s = P.make_sample(task, clean, seed=5)
    t8 = np.rint(np.clip(s.target, 0, 1) * 255).astype(np.uint8)
    g8 = np.rint(s.guide * 255).astype(np.uint8)
    t16 = t8.astype(np.uint16) * 257
    auto, p8 = restore(t8, g8, task, return_params=True, **s.overrides)
    assert p8["precision"] == "single"
    assert restore(t16, g8, task, return_params=True, **s.overrides)[1]["precision"] == "double"
    assert (
        restore(s.target, s.guide, task, return_params=True, **s.overrides)[1]["precision"]
        == "double"
    )
    # single-precision sums are invisible in 8-bit results: at most one level, rarely
    double = restore(t8, g8, task, precision="double", **s.overrides)
    diff = np.abs(auto.astype(int) - double.astype(int))
    assert diff.max() <= 1
    assert np.mean(diff) < 1e-3
    assert np.array_equal(restore(t8, g8, task, precision="single", **s.overrides), auto)


def test_precision_rule_and_errors(clean, monkeypatch):
    import jointfilter.restoration._iterative as it
    import jointfilter.restoration._tasks as tk
    from jointfilter.restoration._common import SINGLE_MIN_EPS

    seen: list[tuple[float, str]] = []

    def spy(module):
        real = module.guided_filter

        def record(*args, **kw):
            seen.append((kw["eps"], kw["precision"]))
            return real(*args, **kw)

        monkeypatch.setattr(module, "guided_filter", record)

    spy(tk)
    spy(it)
    s = P.make_sample("flash_denoise", clean, seed=6)
    t8 = np.rint(np.clip(s.target, 0, 1) * 255).astype(np.uint8)
    g8 = np.rint(s.guide * 255).astype(np.uint8)
    for eps in (SINGLE_MIN_EPS / 10, SINGLE_MIN_EPS, 1e-2):
        seen.clear()
        restore(t8, g8, "flash_denoise", eps=eps)
        # below SINGLE_MIN_EPS float32 sums lose too much: double whatever `precision` says
        want = "single" if eps >= SINGLE_MIN_EPS else "double"
        assert seen
        assert all(p == want for _, p in seen), (eps, seen)
    with pytest.raises(ParameterError, match="precision must be one of"):
        restore(t8, g8, "flash_denoise", precision="half")
    with pytest.raises(ParameterError, match="unknown parameter"):
        restore(t8, g8, None, precision="single")  # the generic task's SURE search: double


def test_return_params_and_scaling(clean):
    s = P.make_sample("flash_denoise", clean, seed=4)
    _, small = restore(s.target, s.guide, "flash_denoise", return_params=True)
    big_t = np.repeat(np.repeat(s.target, 4, 0), 4, 1)
    big_g = np.repeat(np.repeat(s.guide, 4, 0), 4, 1)
    _, big = restore(big_t, big_g, "flash_denoise", return_params=True)
    assert big["radius"] > small["radius"] >= 1
    assert small["task"] == "flash_denoise"
    assert 0 < small["eps"] < 1
    _, fixed = restore(s.target, s.guide, "flash_denoise", radius=3, return_params=True)
    assert fixed["radius"] == 3
    assert set(PRESETS) == {None, *TASKS}
    table = preset_table()
    for task in TASKS:
        assert task in table


def test_gray_target_with_color_guide_and_hw1(clean):
    s = P.make_sample("flash_denoise", clean, seed=4)
    gray = s.target.mean(axis=2)
    assert restore(gray, s.guide, "flash_denoise").shape == gray.shape
    assert restore(gray[:, :, None], s.guide).shape == (*gray.shape, 1)


def test_estimate_noise():
    rng = np.random.default_rng(0)
    x = np.full((200, 200), 0.5) + rng.normal(0, 0.02, (200, 200))
    assert estimate_noise(x) == pytest.approx(0.02, rel=0.05)
    x8 = np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)
    assert estimate_noise(x8) == pytest.approx(0.02, rel=0.1)
    with pytest.raises(ShapeError, match="at least 3x3"):
        estimate_noise(np.zeros((2, 5)))


# -------------------------------------------------------------------------------- errors


def test_unknown_task_lists_valid_names():
    x = np.zeros((8, 8), np.float32)
    with pytest.raises(ParameterError, match=r"one of 'flash_denoise', 'flash_deblur'.*got str"):
        restore(x, x, "denoise")


def test_size_mismatch():
    with pytest.raises(ShapeError, match=r"height and width of target \(8, 8\); got \(8, 9\)"):
        restore(np.zeros((8, 8), np.float32), np.ones((8, 9), np.float32), "day_night")


def test_depth_scale_rule():
    rng = np.random.default_rng(0)
    g = rng.random((32, 40, 3), dtype=np.float32)
    out = restore(rng.random((8, 10), dtype=np.float32), g, "depth_upsample")
    assert out.shape == (32, 40)
    out = restore(rng.random((8, 10), dtype=np.float32), g[:35, :43], "depth_upsample")
    assert out.shape == (32, 40)  # extra guide rows/columns beyond f*h are cropped
    with pytest.raises(ShapeError, match="integer factor f"):
        restore(rng.random((8, 9), dtype=np.float32), g, "depth_upsample")
    with pytest.raises(ShapeError, match="single-channel depth"):
        restore(rng.random((8, 10, 3), dtype=np.float32), g, "depth_upsample")


def test_nir_dehaze_channel_errors():
    rng = np.random.default_rng(0)
    rgb = rng.random((16, 16, 3), dtype=np.float32)
    with pytest.raises(ShapeError, match=r"hazy colour image as target, shape \(H, W, 3\)"):
        restore(rgb[:, :, 0], rgb[:, :, 1], "nir_dehaze")
    with pytest.raises(ShapeError, match="single-channel near-infrared guide"):
        restore(rgb, rgb, "nir_dehaze")
    nir3 = np.repeat(rgb[:, :, :1], 3, axis=2)
    assert restore(rgb, nir3, "nir_dehaze").shape == rgb.shape


def test_guide_errors():
    rng = np.random.default_rng(0)
    t = rng.random((16, 16), dtype=np.float32)
    with pytest.raises(ShapeError, match="guide is constant"):
        restore(t, np.zeros((16, 16), np.float32))
    with pytest.raises(ShapeError, match="guide must have 1 or 3 channels"):
        restore(t, rng.random((16, 16, 2), dtype=np.float32))
    with pytest.raises(ShapeError, match="drop the alpha channel"):
        restore(t, rng.random((16, 16, 4), dtype=np.float32))
    with pytest.raises(ShapeError, match="channels-first"):
        restore(rng.random((3, 16, 16), dtype=np.float32), t)


def test_bad_values_and_types():
    rng = np.random.default_rng(0)
    t = rng.random((16, 16), dtype=np.float32)
    bad = t.copy()
    bad[3, 3] = np.nan
    with pytest.raises(NonFiniteError, match="target contains NaN"):
        restore(bad, t)
    with pytest.raises(DTypeError, match="dtype uint8, uint16, float32 or float64"):
        restore(t.astype(np.int64), t)
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) 'radus'.*valid ones"):
        restore(t, t, "day_night", radus=3)
    with pytest.raises(ParameterError, match="eps must be a finite number > 0"):
        restore(t, t, "day_night", eps=-1.0)
    with pytest.raises(ParameterError, match="method must be one of"):
        restore(t, t, method="bm3d")
    with pytest.raises(ShapeError, match="at least 3x3"):
        restore(np.zeros((2, 2), np.float32), np.eye(2, dtype=np.float32))


@pytest.mark.parametrize(
    ("task", "decimation"),
    [("day_night", "mean"), ("structure_transfer", "mean"), ("nir_dehaze", "nearest")],
)
def test_fast_filter_decimation_preset(task, decimation):
    # a 1024-pixel short side switches subsample="auto" to 3; the preset picks the decimation
    img = np.ascontiguousarray(
        np.tile(skdata.astronaut()[::2, ::2], (4, 5, 1))[:1024, :1100] / 255.0
    ).astype(np.float32)
    s = P.make_sample(task, img, seed=3)
    out, params = restore(s.target, s.guide, task, return_params=True)
    assert params["subsample"] == 3
    assert params["decimation"] == decimation
    other = "nearest" if decimation == "mean" else "mean"
    out2, params2 = restore(s.target, s.guide, task, decimation=other, return_params=True)
    assert params2["decimation"] == other
    assert not np.array_equal(out, out2)  # the option reaches the filter
    if task == "day_night":  # block means average the night noise before the fit
        assert psnr(s.truth, out, data_range=1.0) > psnr(s.truth, out2, data_range=1.0)
    with pytest.raises(ParameterError, match="decimation must be one of"):
        restore(s.target, s.guide, task, decimation="area")
