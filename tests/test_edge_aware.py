"""Edge-aware options of the guided-filter kernel (per-window eps and slope prior, apply_guide),
the double-precision local variance, and the public WGIF / GDGIF, against float64 references."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter._edge_aware import edge_aware_filter, local_variance
from jointfilter._reference import edge_aware as ref_ea
from jointfilter._reference.guided import guided_filter as ref_gf
from jointfilter.errors import NonFiniteError, ParameterError, ShapeError

BORDERS = ["clipped", "symmetric", "reflect", "edge"]
BORDER_CODES = {"clipped": 0, "symmetric": 1, "reflect": 2, "edge": 3}
SHAPES = [(1, 9), (9, 1), (17, 23), (40, 33)]


def _pair(shape, channels, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.random(shape).astype(np.float32)
    t_shape = shape if channels == 1 else (*shape, channels)
    noise = rng.random(t_shape).astype(np.float32)
    t = 0.6 * (g if channels == 1 else g[:, :, None]) + 0.4 * noise
    return t.astype(np.float32), g


def _maps(shape, seed=1):
    rng = np.random.default_rng(seed)
    eps = (10.0 ** rng.uniform(-4, -1, shape)).astype(np.float32)
    gamma = rng.uniform(-0.5, 1.5, shape).astype(np.float32)
    return eps, gamma


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("radius", [1, 3, 50])
def test_kernel_maps_match_reference(shape, border, channels, radius):
    t, g = _pair(shape, channels)
    eps, gamma = _maps(shape)
    before = (t.copy(), g.copy(), eps.copy(), gamma.copy())
    out = np.empty_like(t)
    edge_aware_filter(t, g, radius, eps, gamma, out=out, border_code=BORDER_CODES[border])
    ref = ref_ea.edge_aware_guided_filter(t, g, radius, eps, gamma, border)
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-6)
    for a, b in zip((t, g, eps, gamma), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_kernel_maps_integer_output_within_one_level(dtype):
    t, g = _pair((31, 29), 3, seed=4)
    top = np.iinfo(dtype).max
    ti, gi = np.round(t * top).astype(dtype), np.round(g * top).astype(dtype)
    eps, gamma = _maps(g.shape)
    eps_abs = eps * np.float32(top) ** 2
    out = np.empty_like(ti)
    edge_aware_filter(ti, gi, 4, eps_abs, gamma, out=out)
    ref = ref_ea.edge_aware_guided_filter(ti, gi, 4, eps_abs, gamma)
    assert np.abs(out.astype(np.float64) - np.clip(np.rint(ref), 0, top)).max() <= 1


def test_single_precision_maps_close_to_reference():
    t, g = _pair((64, 80), 2, seed=5)
    eps, gamma = _maps(g.shape)
    out = np.empty_like(t)
    edge_aware_filter(t, g, 5, eps, gamma, out=out, single=True)
    ref = ref_ea.edge_aware_guided_filter(t, g, 5, eps, gamma)
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-5)


def test_constant_eps_map_without_prior_is_the_plain_filter_bit_for_bit():
    t, g = _pair((45, 38), 3, seed=6)
    eps = np.float32(2.0**-7)  # exact in float32 and float64
    out = np.empty_like(t)
    edge_aware_filter(t, g, 4, np.full(g.shape, eps, np.float32), out=out)
    plain = jf.guided_filter(t, g, radius=4, eps=float(eps), data_range=1.0)
    np.testing.assert_array_equal(out, plain)


def test_maps_bit_identical_for_any_thread_count():
    t, g = _pair((300, 70), 2, seed=7)
    eps, gamma = _maps(g.shape)
    outs = []
    previous = jf.get_num_threads()
    try:
        for n in (1, 2, 3):
            jf.set_num_threads(n)
            out = np.empty_like(t)
            edge_aware_filter(t, g, 6, eps, gamma, out=out)
            outs.append(out)
    finally:
        jf.set_num_threads(previous)
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])


def test_kernel_rejects_bad_maps():
    t, g = _pair((12, 10), 1)
    out = np.empty_like(t)
    eps = np.full(g.shape, 1e-2, np.float32)
    bad_eps = eps.copy()
    bad_eps[3, 4] = 0.0
    with pytest.raises(ParameterError, match="eps_map must be finite and > 0"):
        _core.guided_filter(t, g, out, 2, 1.0, 0, 1, eps_map=bad_eps)
    bad_gamma = np.zeros(g.shape, np.float32)
    bad_gamma[0, 0] = np.nan
    with pytest.raises(ParameterError, match="gamma_map must be finite"):
        _core.guided_filter(t, g, out, 2, 1.0, 0, 1, gamma_map=bad_gamma)
    with pytest.raises(ParameterError, match="eps_map must have the guide's height and width"):
        _core.guided_filter(t, g, out, 2, 1.0, 0, 1, eps_map=eps[:, :5].copy())
    with pytest.raises(ParameterError, match="need subsample=1"):
        _core.guided_filter(t, g, out, 2, 1.0, 0, 2, eps_map=eps)
    colour = np.stack([g, g, g], axis=2)
    with pytest.raises(ParameterError, match="1-channel guide"):
        _core.guided_filter(t, colour, out, 2, 1.0, 0, 1, eps_map=eps)


# ------------------------------------------------------------------------------- local variance


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 4, 40])
def test_local_variance_matches_reference(shape, radius):
    g = np.random.default_rng(8).random(shape).astype(np.float32)
    ref = ref_ea.local_variance(g, radius)
    np.testing.assert_allclose(local_variance(g, radius), ref, rtol=1e-6, atol=1e-12)


def test_local_variance_keeps_nearly_flat_windows():
    # a 1e-4 ripple on a level of 0.7: float32 means of g and g**2 would lose it entirely
    g = (0.7 + 1e-4 * np.random.default_rng(9).random((20, 30))).astype(np.float32)
    ref = ref_ea.local_variance(g, 1)
    np.testing.assert_allclose(local_variance(g, 1), ref, rtol=1e-4, atol=1e-14)


# ------------------------------------------------------------------------- public WGIF / GDGIF


def _natural(shape=(96, 128)):
    from skimage import data

    rgb = data.astronaut()[100 : 100 + shape[0], 150 : 150 + shape[1]].astype(np.float32) / 255
    gy = rgb.mean(axis=2, dtype=np.float32)
    noisy = rgb + np.random.default_rng(10).normal(0, 0.05, rgb.shape).astype(np.float32)
    return noisy.astype(np.float32), gy


@pytest.mark.parametrize("radius", [1, 4, 12])
@pytest.mark.parametrize("lam", [1e-2, 1e-4])
def test_weighted_guided_filter_matches_reference(radius, lam):
    t, g = _natural()
    got = jf.weighted_guided_filter(t, g, radius=radius, lam=lam)
    np.testing.assert_allclose(got, ref_ea.weighted_guided_filter(t, g, radius, lam), atol=1e-6)


@pytest.mark.parametrize("radius", [1, 4, 12])
@pytest.mark.parametrize("lam", [1e-2, 1e-4])
def test_gradient_domain_guided_filter_matches_reference(radius, lam):
    t, g = _natural()
    got = jf.gradient_domain_guided_filter(t, g, radius=radius, lam=lam)
    ref = ref_ea.gradient_domain_guided_filter(t, g, radius, lam)
    # chi = sqrt(var_1 var_r) amplifies the reference's own prefix-sum noise (~1e-13) in flat
    # 8-bit windows to ~1e-8 against eps_w = 1e-6; random data has no such windows (above)
    np.testing.assert_allclose(got, ref, atol=2e-5)


@pytest.mark.parametrize("fn", [jf.weighted_guided_filter, jf.gradient_domain_guided_filter])
def test_edge_aware_dtypes_and_data_range(fn):
    t, g = _natural((40, 52))
    t8 = np.round(np.clip(t, 0, 1) * 255).astype(np.uint8)
    g8 = np.round(g * 255).astype(np.uint8)
    as_float = fn(t8.astype(np.float32) / 255, g8.astype(np.float32) / 255, radius=3, lam=1e-3)
    got = fn(t8, g8, radius=3, lam=1e-3)
    assert got.dtype == np.uint8
    assert np.abs(got.astype(np.float64) - np.clip(np.rint(as_float * 255), 0, 255)).max() <= 1
    g16 = g8.astype(np.uint16) * 257
    np.testing.assert_allclose(
        fn(t, g16, radius=3, lam=1e-3),
        fn(t, g8.astype(np.float32) / 255, radius=3, lam=1e-3),
        atol=1e-5,
    )


@pytest.mark.parametrize("fn", [jf.weighted_guided_filter, jf.gradient_domain_guided_filter])
def test_edge_aware_errors(fn):
    t, g = _natural((20, 24))
    with pytest.raises(ShapeError, match="one channel"):
        fn(t, np.stack([g, g, g], axis=2), radius=2, lam=1e-3)
    with pytest.raises(ParameterError, match="lam"):
        fn(t, g, radius=2, lam=0.0)
    bad = g.copy()
    bad[3, 3] = np.nan
    with pytest.raises(NonFiniteError, match="guide"):
        fn(t, bad, radius=2, lam=1e-3)
    with pytest.raises(ShapeError):
        fn(t, g[:10], radius=2, lam=1e-3)
    np.testing.assert_array_equal(fn(t, g, radius=0, lam=1e-3), t)


def test_edge_aware_keeps_edges_better_than_the_guided_filter():
    # a step edge with noise: both edge-aware filters leave less of the step smeared
    rng = np.random.default_rng(11)
    clean = np.zeros((64, 64), np.float32)
    clean[:, 32:] = 1.0
    noisy = (clean + rng.normal(0, 0.05, clean.shape)).astype(np.float32)
    kw = {"radius": 8}
    err_gf = np.abs(jf.guided_filter(noisy, noisy, eps=1e-2, **kw) - clean)[:, 28:36].mean()
    err_w = np.abs(jf.weighted_guided_filter(noisy, noisy, lam=1e-2, **kw) - clean)[:, 28:36].mean()
    err_gd = np.abs(jf.gradient_domain_guided_filter(noisy, noisy, lam=1e-2, **kw) - clean)
    assert err_w < err_gf
    assert err_gd[:, 28:36].mean() < err_gf


# ------------------------------------------------------------------------------- apply_guide


@pytest.mark.parametrize("guide_channels", [1, 3])
@pytest.mark.parametrize("subsample", [1, 2])
@pytest.mark.parametrize("border", ["clipped", "symmetric"])
def test_apply_guide_matches_reference(guide_channels, subsample, border):
    rng = np.random.default_rng(12)
    shape = (33, 27) if guide_channels == 1 else (33, 27, 3)
    g = rng.random(shape).astype(np.float32)
    other = rng.random(shape).astype(np.float32)
    t = rng.random((33, 27, 2)).astype(np.float32)
    got = jf.guided_filter(
        t, g, radius=3, eps=1e-2, subsample=subsample, border=border, apply_guide=other
    )
    ref = ref_gf(t, g, 3, 1e-2, border, subsample, apply_guide=other)
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_apply_guide_equal_to_guide_is_the_plain_filter():
    t, g = _pair((21, 19), 3)
    np.testing.assert_array_equal(
        jf.guided_filter(t, g, radius=2, eps=1e-3, apply_guide=g.copy()),
        jf.guided_filter(t, g, radius=2, eps=1e-3),
    )


def test_apply_guide_errors():
    t, g = _pair((21, 19), 1)
    with pytest.raises(ShapeError, match="apply_guide must have the guide's shape"):
        jf.guided_filter(t, g, radius=2, eps=1e-3, apply_guide=g[:20])
    out = np.empty_like(t)
    with pytest.raises(ParameterError, match="overlaps apply_guide"):
        jf.guided_filter(t, g, radius=2, eps=1e-3, apply_guide=out, out=out)
