"""The iterative guided filter of ``flash_denoise`` on a coarse grid (subsample > 1) and the core
pieces it is built from (cpp/jointfilter/iterative_guided.hpp; guided_coefficients,
apply_coefficients and decimate_mean of guided_filter.hpp), against the float64 references
(jointfilter._reference.iterative and .guided).
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _core
from jointfilter._reference import guided as RG
from jointfilter._reference.iterative import iterative_guided_filter as reference
from jointfilter._reference.iterative import relight_mix
from jointfilter.errors import ShapeError
from jointfilter.restoration import restore
from jointfilter.restoration._iterative import iterative_guided_filter
from jointfilter.video import RestoreFilter


def _smooth_image(rng: np.random.Generator, h: int, w: int, c: int) -> np.ndarray:
    """Piecewise-smooth test content (blocky edges plus a gradient and a little noise)."""
    coarse = rng.random((h // 6 + 2, w // 6 + 2, c))
    x = np.repeat(np.repeat(coarse, 6, axis=0), 6, axis=1)[:h, :w]
    x = 0.7 * x + 0.3 * np.linspace(0, 1, w)[None, :, None] + rng.normal(0, 0.02, (h, w, c))
    x = np.clip(x, 0, 1).astype(np.float32)
    return np.ascontiguousarray(x[:, :, 0] if c == 1 else x)


KW = {"radius": 4, "eps": 1e-3, "noise_var": 2e-3, "relight_radius": 9, "blend_radius": 2}


@pytest.mark.parametrize("subsample", [1, 2, 3, 4])
@pytest.mark.parametrize(
    ("guide_channels", "channels"), [(3, 3), (1, 3), (3, 1), (1, 1), (1, 2), (3, 4)]
)
@pytest.mark.parametrize("shape", [(37, 53), (48, 64)])
def test_matches_reference(rng, subsample, guide_channels, channels, shape):
    flash = _smooth_image(rng, *shape, guide_channels)
    ambient = (0.4 * _smooth_image(rng, *shape, channels)).astype(np.float32)
    out, _ = iterative_guided_filter(
        ambient, flash, subsample=subsample, precision="double", return_parts=False, **KW
    )
    ref = reference(ambient, flash, subsample=subsample, **KW)
    assert out.shape == ambient.shape
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref, atol=2e-6, rtol=0)


@pytest.mark.parametrize("decimation", ["mean", "nearest"])
@pytest.mark.parametrize(("n_diffusion", "n_residual"), [(1, 0), (2, 1), (1, 3)])
def test_iteration_counts_and_decimation(rng, decimation, n_diffusion, n_residual):
    flash = _smooth_image(rng, 45, 61, 3)
    ambient = (0.4 * _smooth_image(rng, 45, 61, 3)).astype(np.float32)
    kw = {**KW, "n_diffusion": n_diffusion, "n_residual": n_residual, "decimation": decimation}
    out, _ = iterative_guided_filter(
        ambient, flash, subsample=3, precision="double", return_parts=False, **kw
    )
    np.testing.assert_allclose(out, reference(ambient, flash, subsample=3, **kw), atol=2e-6)


def test_single_precision_fits_stay_close(rng):
    flash = _smooth_image(rng, 64, 80, 3)
    ambient = (0.4 * _smooth_image(rng, 64, 80, 3)).astype(np.float32)
    out, _ = iterative_guided_filter(
        ambient, flash, subsample=2, precision="single", return_parts=False, **KW
    )
    np.testing.assert_allclose(out, reference(ambient, flash, subsample=2, **KW), atol=3e-4)


def test_threads_give_identical_bits(rng):
    flash = _smooth_image(rng, 150, 170, 3)
    ambient = (0.4 * _smooth_image(rng, 150, 170, 3)).astype(np.float32)
    before = jf.get_num_threads()
    outs = []
    try:
        for n in (1, 2, 3):
            jf.set_num_threads(n)
            outs.append(
                iterative_guided_filter(ambient, flash, subsample=2, return_parts=False, **KW)[0]
            )
    finally:
        jf.set_num_threads(before)
    assert all(np.array_equal(outs[0], o) for o in outs[1:])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_integer_output_is_the_rounded_float_result(rng, dtype):
    flash = _smooth_image(rng, 60, 72, 3)
    ambient = (0.4 * _smooth_image(rng, 60, 72, 3)).astype(np.float32)
    peak = np.iinfo(dtype).max
    t = np.round(ambient * peak).astype(dtype)
    g = np.round(flash * peak).astype(dtype)
    out = restore(t, g, "flash_denoise", subsample=2)
    as_float = restore(
        t.astype(np.float32) / peak, g.astype(np.float32) / peak, "flash_denoise", subsample=2
    )
    assert out.dtype == dtype
    expected = np.clip(np.rint(as_float.astype(np.float64) * peak), 0, peak)
    assert np.abs(out.astype(np.float64) - expected).max() <= 1


def test_restore_default_grid_and_inputs_untouched(rng):
    g = (255 * _smooth_image(rng, 560, 600, 3)).astype(np.uint8)
    t = (0.4 * g + rng.normal(0, 8, g.shape)).clip(0, 255).astype(np.uint8)
    t0, g0 = t.copy(), g.copy()
    out, p = restore(t, g, "flash_denoise", return_params=True)
    assert p["subsample"] == 2  # a 560-pixel short side: a 280-pixel grid
    assert out.shape == t.shape
    assert out.dtype == np.uint8
    assert np.array_equal(t, t0)
    assert np.array_equal(g, g0)
    # the coarse-grid result is close to the exact iteration's
    exact = restore(t, g, "flash_denoise", subsample=1)
    assert np.abs(out.astype(float) - exact).mean() < 1.0


# ----------------------------------------------------------------------------- core pieces


@pytest.mark.parametrize("subsample", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_decimate_mean_matches_reference(rng, subsample, dtype):
    x = rng.random((23, 31, 3))
    x = (x * np.iinfo(dtype).max).astype(dtype) if dtype != np.float32 else x.astype(dtype)
    out = np.empty((-(-23 // subsample), -(-31 // subsample), 3), np.float32)
    _core.decimate_mean(x, subsample, out)
    np.testing.assert_array_equal(out, RG.downsample_mean(x, subsample).astype(np.float32))


@pytest.mark.parametrize(("guide_channels", "channels"), [(3, 3), (1, 1), (1, 4), (3, 2)])
def test_guided_coefficients_match_reference(rng, guide_channels, channels):
    t = rng.random((29, 41, channels)).astype(np.float32)
    g = rng.random((29, 41, guide_channels)).astype(np.float32)
    k = channels * (guide_channels + 1)
    coef = np.empty((29, k, 41))  # row-planar
    _core.guided_coefficients(t, g, coef, 3, 1e-2, 0, False)
    mean_a, mean_b = RG.guided_coefficients(t, g, 3, 1e-2)
    c = coef.reshape(29, channels, guide_channels + 1, 41).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(c[..., :-1], mean_a.transpose(0, 1, 3, 2), atol=1e-11)
    np.testing.assert_allclose(c[..., -1], mean_b, atol=1e-11)


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize(
    ("low", "full"), [((9, 13), (36, 52)), ((10, 11), (29, 31)), ((7, 8), (7, 8))]
)
def test_apply_coefficients_matches_reference(rng, single, low, full):
    coef = rng.normal(0, 1, (low[0], 8, low[1]))  # row-planar; 2 target channels, colour guide
    g = rng.random((*full, 3)).astype(np.float32)
    out = np.empty((*full, 2), np.float32)
    _core.apply_coefficients(coef, g, out, single)
    c = coef.reshape(low[0], 2, 4, low[1]).transpose(0, 3, 1, 2)
    mean_a = RG.upsample_bilinear(c[..., :-1].transpose(0, 1, 3, 2), *full)
    mean_b = RG.upsample_bilinear(c[..., -1], *full)
    ref = np.sum(mean_a * g[:, :, :, None].astype(np.float64), axis=2) + mean_b
    np.testing.assert_allclose(out, ref, atol=2e-5 if single else 1e-6, rtol=1e-6)


def test_core_pieces_reject_bad_shapes(rng):
    t = rng.random((20, 24, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="coef"):
        _core.guided_coefficients(t, t, np.empty((20, 11, 24)), 2, 1e-2, 0, False)
    with pytest.raises(ValueError, match="coef"):
        _core.apply_coefficients(np.empty((5, 11, 6)), t, np.empty_like(t), False)
    with pytest.raises(ValueError, match="out"):
        _core.decimate_mean(t, 2, np.empty((10, 11, 3), np.float32))
    with pytest.raises(ValueError, match="coef"):
        _core.restore_coarse_iterative(
            t, t, relight_mix(3, 3), np.empty((20, 11, 24)), radius=2, eps=1e-2, single=False,
            n_diffusion=1, n_residual=2, relight_radius=4, blend_radius=1, noise_var=1e-3,
            scale=1.0,
        )  # fmt: skip


def test_relight_mix_follows_relit_guide(rng):
    from jointfilter.restoration._iterative import relit_guide

    a = rng.random((16, 18)).astype(np.float32)
    f = rng.random((16, 18, 3)).astype(np.float32)
    # a gray ambient relights with the flash's channel mean
    expected = relit_guide(a, f, 3)
    m = relight_mix(1, 3)
    fm = np.einsum("cg,yxg->yxc", m, f)[:, :, 0].astype(np.float32)
    np.testing.assert_allclose(relit_guide(a, fm, 3), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("target_dtype", "guide_dtype", "target_channels", "guide_channels"),
    [
        (np.uint16, np.uint8, 3, 3),
        (np.uint8, np.float32, 3, 3),
        (np.uint8, np.uint16, 1, 3),
        (np.uint8, np.uint8, 4, 3),
        (np.uint16, np.uint16, 3, 1),
    ],
)
def test_integer_inputs_read_raw_on_the_coarse_grid(
    rng, target_dtype, guide_dtype, target_channels, guide_channels
):
    # integer targets (and 3-channel integer guides) are decimated and applied to as they are;
    # the result equals the float path's within a level
    def as_dtype(x, dtype):
        if dtype == np.float32:
            return x.astype(np.float32)
        return np.round(x * np.iinfo(dtype).max).astype(dtype)

    f = _smooth_image(rng, 66, 70, guide_channels)
    a = (0.4 * _smooth_image(rng, 66, 70, target_channels)).astype(np.float32)
    t, g = as_dtype(a, target_dtype), as_dtype(f, guide_dtype)
    out = restore(t, g, "flash_denoise", subsample=2)
    peak = np.iinfo(target_dtype).max
    g_unit = g.astype(np.float32) / (
        1.0 if guide_dtype == np.float32 else np.iinfo(guide_dtype).max
    )
    as_float = restore(t.astype(np.float32) / peak, g_unit, "flash_denoise", subsample=2)
    assert out.shape == t.shape
    assert out.dtype == target_dtype
    expected = np.clip(np.rint(as_float.astype(np.float64) * peak), 0, peak)
    assert np.abs(out.astype(np.float64) - expected).max() <= 1


@pytest.mark.parametrize("subsample", [1, 2])
@pytest.mark.parametrize("target_dtype", [np.float32, np.uint8])
def test_integer_guide_is_handed_over_raw(rng, subsample, target_dtype):
    # an integer 3-channel flash reaches flash_denoise unconverted with any target dtype: the
    # coarse grid reads it raw, the exact iteration converts it; both equal the float guide's
    # result (float32 target: within float rounding; uint8: within a level)
    f = _smooth_image(rng, 66, 70, 3)
    a = (0.4 * _smooth_image(rng, 66, 70, 3)).astype(np.float32)
    g = np.round(f * 255).astype(np.uint8)
    t = a if target_dtype == np.float32 else np.round(a * 255).astype(np.uint8)
    out = restore(t, g, "flash_denoise", subsample=subsample)
    ref = restore(t, g.astype(np.float32) / np.float32(255), "flash_denoise", subsample=subsample)
    assert out.dtype == t.dtype
    tol = 2e-6 if target_dtype == np.float32 else 1
    assert np.abs(out.astype(np.float64) - ref.astype(np.float64)).max() <= tol
    # a fixed raw guide in RestoreFilter: float and integer targets in turn, same results
    rf = RestoreFilter("flash_denoise", subsample=subsample)
    rf.set_guide(g)
    for _ in range(2):
        np.testing.assert_array_equal(rf(t), out)
        other = np.round(a * 255).astype(np.uint8) if target_dtype == np.float32 else a
        expected = restore(other, g, "flash_denoise", subsample=subsample)
        np.testing.assert_array_equal(rf(other), expected)


def test_constant_integer_guide_is_refused():
    g = np.full((40, 50, 3), 77, np.uint8)
    with pytest.raises(ShapeError, match="guide is constant"):
        restore(np.zeros((40, 50, 3), np.uint8), g, "flash_denoise")
