"""depth_upsample's low-resolution denoising step (docs/restore.md)."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.restoration._tasks import _block_mean


@pytest.mark.parametrize("shape", [(8, 12), (9, 13, 3), (4, 4, 1)])
@pytest.mark.parametrize("f", [1, 2, 4])
def test_block_mean_matches_loops(shape: tuple[int, ...], f: int) -> None:
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    got = _block_mean(x, f)
    h, w = shape[0] // f, shape[1] // f
    want = np.empty((h, w, *shape[2:]), np.float64)
    for i in range(h):
        for j in range(w):
            want[i, j] = x[i * f : (i + 1) * f, j * f : (j + 1) * f].astype(np.float64).mean((0, 1))
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert got.dtype == np.float32


def _scene(f: int, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A piecewise-planar depth, an RGB guide with its edges, and a noisy f-times smaller copy."""
    rng = np.random.default_rng(3)
    h, w = 32 * f, 40 * f
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = (
        0.3 + 0.2 * (xx / w) + 0.4 * ((xx - 0.4 * w) ** 2 + (yy - 0.5 * h) ** 2 < (0.25 * h) ** 2)
    )
    rgb = np.stack([depth, 1.0 - depth, 0.5 + 0.0 * depth], axis=2).astype(np.float32)
    low = _block_mean(depth.astype(np.float32), f)
    low = (low + rng.normal(0.0, sigma, low.shape)).astype(np.float32)
    return depth.astype(np.float32), rgb, low


def test_denoise_eps_follows_the_noise_level() -> None:
    _, rgb, low = _scene(4, 0.02)
    _, p = jf.restore(low, rgb, "depth_upsample", return_params=True)
    assert p["denoise_radius"] == 1
    assert p["denoise_eps"] == pytest.approx(max(0.25 * p["noise_sigma"] ** 2, 1e-6), rel=1e-3)
    _, p = jf.restore(low, rgb, "depth_upsample", denoise_eps=0.5, return_params=True)
    assert p["denoise_eps"] == 0.5


def test_low_resolution_denoising_helps_on_noisy_depth() -> None:
    depth, rgb, low = _scene(4, 0.03)
    with_step = jf.restore(low, rgb, "depth_upsample")
    without = jf.restore(low, rgb, "depth_upsample", denoise_radius=0)
    err = [float(np.sqrt(np.mean((x - depth) ** 2))) for x in (with_step, without)]
    assert err[0] < err[1]


def test_bad_denoise_parameters() -> None:
    _, rgb, low = _scene(2, 0.01)
    with pytest.raises(jf.errors.ParameterError, match="denoise_eps"):
        jf.restore(low, rgb, "depth_upsample", denoise_eps=-1.0)
    with pytest.raises(jf.errors.ParameterError, match="denoise_radius"):
        jf.restore(low, rgb, "depth_upsample", denoise_radius=-1)
