"""Public jointfilter.mutual_structure_filter: dtypes and ranges in and out, errors, against the
float64 reference (the kernel itself is tested in test_mutual_core.py)."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter._reference import mutual as ref
from jointfilter.errors import DTypeError, NonFiniteError, ParameterError, ShapeError

PARAMS = {"radius": 2, "eps_i": 1e-3, "eps_g": 2e-3, "lam_i": 1.0, "lam_g": 10.0, "iterations": 3}


def _pair(shape=(23, 31), seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random(shape)
    target = np.clip(0.6 * base + 0.4 * rng.random(shape), 0, 1)
    guide = np.clip(0.7 * base + 0.3 * rng.random(shape), 0, 1)
    return target, guide


def test_float_matches_reference_and_inputs_are_kept():
    t, g = _pair()
    t32, g32 = t.astype(np.float32), g.astype(np.float32)
    before = (t32.copy(), g32.copy())
    out, gout = jf.mutual_structure_filter(t32, g32, return_guide=True, **PARAMS)
    r_i, r_g = ref.mutual_structure_filter(t32, g32, **PARAMS)
    np.testing.assert_allclose(out, r_i, atol=1e-5)
    np.testing.assert_allclose(gout, r_g, atol=1e-5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(t32, before[0])
    np.testing.assert_array_equal(g32, before[1])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_images_scaled_by_their_range(dtype):
    t, g = _pair(seed=1)
    top = np.iinfo(dtype).max
    ti = np.round(t * top).astype(dtype)
    gi = np.round(g * 255).astype(np.uint8)  # guide of another dtype
    out = jf.mutual_structure_filter(ti, gi, **PARAMS)
    assert out.dtype == dtype
    r_i, _ = ref.mutual_structure_filter(ti / top, gi / 255, **PARAMS)
    expected = np.clip(np.rint(r_i * top), 0, top)
    assert np.abs(out.astype(np.float64) - expected).max() <= 1


def test_channels_and_return_guide():
    t, g = _pair(seed=2)
    rgb = np.stack([t, 1 - t, 0.5 * t], axis=2).astype(np.float32)
    out, gout = jf.mutual_structure_filter(rgb, g, return_guide=True, **PARAMS)
    assert out.shape == rgb.shape
    assert gout.shape == rgb.shape
    for c in range(3):
        r_i, r_g = ref.mutual_structure_filter(rgb[:, :, c], g.astype(np.float32), **PARAMS)
        np.testing.assert_allclose(out[:, :, c], r_i, atol=1e-5)
        np.testing.assert_allclose(gout[:, :, c], r_g, atol=1e-5)
    np.testing.assert_array_equal(jf.mutual_structure_filter(rgb, g, **PARAMS), out)


def test_data_range_and_dtype_arguments():
    t, g = _pair(seed=3)
    t32 = (t * 4).astype(np.float32)  # data in [0, 4]
    out = jf.mutual_structure_filter(t32, g, data_range=4.0, dtype=np.float32, **PARAMS)
    r_i, _ = ref.mutual_structure_filter(t, g, **PARAMS)
    np.testing.assert_allclose(out, 4 * r_i, atol=4e-5)
    g16 = np.round(g * 1000).astype(np.uint16)
    a = jf.mutual_structure_filter(t, g16, guide_range=1000.0, **PARAMS)
    b = jf.mutual_structure_filter(t, g16.astype(np.float32) / 1000, **PARAMS)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_errors():
    t, g = _pair()
    with pytest.raises(ShapeError, match="one channel"):
        jf.mutual_structure_filter(t, np.stack([g, g, g], axis=2))
    with pytest.raises(ShapeError, match="height and width"):
        jf.mutual_structure_filter(t, g[:-1])
    with pytest.raises(DTypeError):
        jf.mutual_structure_filter(t.astype(np.int64), g)
    with pytest.raises(ParameterError, match="eps_i"):
        jf.mutual_structure_filter(t, g, eps_i=0.0)
    with pytest.raises(ParameterError, match="guide_range"):
        jf.mutual_structure_filter(t, g, guide_range=-1.0)
    with pytest.raises(ParameterError, match="return_guide"):
        jf.mutual_structure_filter(t, g, return_guide=1)
    bad = g.copy()
    bad[2, 2] = np.inf
    with pytest.raises(NonFiniteError):
        jf.mutual_structure_filter(t, bad)
