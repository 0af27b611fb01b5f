"""The speed paths of jointfilter.restore against their plain NumPy definitions.

Row-blocked multi-threaded conversions and elementwise steps, the exact fast airlight, the
integer Immerkaer sums, the moments of the structure-transfer gain and ``subsample="auto"``.
Small images; the 1080p timings are in benchmarks/bench_restore.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.restoration import PRESETS, estimate_noise, restore
from jointfilter.restoration import _fast as F
from jointfilter.restoration import _protocols as P
from jointfilter.restoration._iterative import iterative_guided_filter
from jointfilter.restoration._tasks import _airlight_fast, _global_gain, airlight


@pytest.fixture
def two_threads():
    before = jf.get_num_threads()
    jf.set_num_threads(2)
    yield
    jf.set_num_threads(before)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------- conversions


@pytest.mark.parametrize("shape", [(1, 5), (3, 4, 2), (200, 700, 3), (301, 450)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_to_unit_is_the_plain_expression(shape, dtype, two_threads):
    rng = _rng(0)
    if np.dtype(dtype).kind == "u":
        x = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
        data_range = float(np.iinfo(dtype).max)
    else:
        x = (rng.random(shape) * 3).astype(dtype)
        data_range = 3.0
    ref = x.astype(np.float32) * np.float32(1.0 / data_range)
    got = F.to_unit(x, data_range)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(F.to_unit(x, 1.0), x.astype(np.float32))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_from_unit_rounds_saturates_and_zeroes_nan(dtype, two_threads):
    rng = _rng(1)
    x = rng.uniform(-0.2, 1.2, (300, 500, 3)).astype(np.float32)
    x[0, :4, 0] = [np.nan, np.inf, -np.inf, 0.5 / 255]
    top = float(np.iinfo(dtype).max)
    got = F.from_unit(x, np.dtype(dtype), top)
    ref = np.clip(np.rint(np.nan_to_num(x.astype(np.float64) * top)), 0, top)
    assert got.dtype == dtype
    # float32 scaling: a value within float32 rounding of a half-integer may go either way
    assert np.abs(got.astype(np.float64) - ref).max() <= 1
    assert np.mean(got.astype(np.float64) != ref) < 1e-3
    assert list(got[0, :3, 0]) == [0, top, 0]


def test_from_unit_float_outputs(two_threads):
    x = _rng(2).random((130, 600, 2)).astype(np.float32)
    np.testing.assert_array_equal(F.from_unit(x, np.dtype(np.float64), 1.0), x.astype(np.float64))
    np.testing.assert_array_equal(F.from_unit(x, np.dtype(np.float32), 2.0), x * np.float32(2))


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 5, 3), (250, 600, 3), (90, 80, 4)])
def test_channel_min_matches_numpy(shape, two_threads):
    x = _rng(3).random(shape).astype(np.float32)
    np.testing.assert_array_equal(F.channel_min(x), x.min(axis=2))
    scale = np.linspace(0.5, 0.9, shape[2]).astype(np.float32)
    np.testing.assert_array_equal(F.channel_min(x, scale), (x / scale).min(axis=2))


def test_parallel_rows_covers_every_row_once(two_threads):
    seen = np.zeros(1000, np.int64)

    def mark(r0: int, r1: int) -> None:
        seen[r0:r1] += 1

    F.parallel_rows(mark, 1000, 10_000)
    assert (seen == 1).all()
    with pytest.raises(ZeroDivisionError):
        F.parallel_rows(lambda r0, r1: 1 // 0, 1000, 10_000)


# ------------------------------------------------------------------------- airlight


def _airlight_ref(rgb: np.ndarray, dark: np.ndarray) -> np.ndarray:
    flat = dark.ravel()
    n = flat.size
    k = max(1, round(n * 0.001))
    idx = np.argpartition(flat, n - k)[n - k :]
    cand = rgb.reshape(-1, 3)[idx]
    return np.maximum(cand[np.argmax(cand.sum(axis=1))].astype(np.float32), 1e-3)


@pytest.mark.parametrize("levels", [0, 256, 16, 3])
@pytest.mark.parametrize("seed", range(4))
def test_airlight_matches_argpartition_selection(levels, seed):
    rng = _rng(seed)
    h, w = 240, 320
    dark = rng.random((h, w)).astype(np.float32)
    rgb = rng.random((h, w, 3)).astype(np.float32)
    if levels:  # quantised data: many ties at the k-th value
        dark = np.floor(dark * levels) / levels
        rgb = np.floor(rgb * levels) / levels
    if seed == 3:  # a bright region whose colours tie on the sum
        rgb[:20, :20] = [0.9, 0.8, 0.7]
        rgb[20:40, :20] = [0.7, 0.8, 0.9]
        dark[:40, :20] = dark.max()
    got = airlight(rgb, dark)
    np.testing.assert_array_equal(got, _airlight_ref(rgb, dark))
    fast = _airlight_fast(rgb.reshape(-1, 3), dark.ravel(), max(1, round(h * w * 0.001)))
    if fast is not None:
        np.testing.assert_array_equal(np.maximum(fast, np.float32(1e-3)), got)


def test_airlight_fast_path_is_taken_on_continuous_data():
    rng = _rng(7)
    dark = rng.random((300, 400)).astype(np.float32)
    rgb = rng.random((300, 400, 3)).astype(np.float32)
    assert _airlight_fast(rgb.reshape(-1, 3), dark.ravel(), 120) is not None


# ------------------------------------------------------------------------- noise


def _immerkaer_ref(x: np.ndarray) -> float:
    x = x.astype(np.float64).reshape(x.shape[0], x.shape[1], -1)
    sig = []
    for c in range(x.shape[2]):
        p = x[:, :, c]
        lap = (
            p[:-2, :-2]
            - 2 * p[:-2, 1:-1]
            + p[:-2, 2:]
            - 2 * p[1:-1, :-2]
            + 4 * p[1:-1, 1:-1]
            - 2 * p[1:-1, 2:]
            + p[2:, :-2]
            - 2 * p[2:, 1:-1]
            + p[2:, 2:]
        )
        h, w = p.shape
        sig.append(np.sqrt(np.pi / 2) * np.abs(lap).sum() / (6 * (w - 2) * (h - 2)))
    return float(np.mean(sig))


@pytest.mark.parametrize("shape", [(3, 3), (5, 9, 2), (400, 300, 3)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_estimate_noise_matches_the_float64_definition(shape, dtype, two_threads):
    rng = _rng(4)
    if np.dtype(dtype).kind == "u":
        top = np.iinfo(dtype).max
        x = rng.integers(0, top, shape, dtype=dtype, endpoint=True)
        ref = _immerkaer_ref(x) / top
        assert estimate_noise(x) == pytest.approx(ref, rel=1e-12)  # integer sums: exact
    else:
        x = rng.random(shape).astype(dtype)
        assert estimate_noise(x) == pytest.approx(_immerkaer_ref(x), rel=1e-6)


# ------------------------------------------------------------------------- gain


def _gain_ref(t: np.ndarray, sg: np.ndarray) -> np.ndarray:
    t3 = (t if t.ndim == 3 else t[:, :, None]).reshape(-1, t.shape[2] if t.ndim == 3 else 1)
    t3 = t3.astype(np.float64)
    s = sg.ravel().astype(np.float64)
    s = s - s.mean()
    vs = np.mean(s * s) + 1e-12
    out = []
    for c in range(t3.shape[1]):
        x = t3[:, c] - t3[:, c].mean()
        cov = np.mean(x * s)
        corr = cov / np.sqrt(vs * (np.mean(x * x) + 1e-12))
        out.append(cov / vs if abs(corr) >= 0.3 else np.sqrt(np.mean(x * x) / vs))
    return np.asarray(out)


@pytest.mark.parametrize("channels", [None, 1, 3])
@pytest.mark.parametrize("offset", [0.0, 0.45])
def test_global_gain_matches_centred_float64(channels, offset, two_threads):
    rng = _rng(5)
    h, w = 260, 410
    sg = (offset + (0.02 if offset else 1.0) * rng.random((h, w))).astype(np.float32)
    shape = (h, w) if channels is None else (h, w, channels)
    noise = rng.random(shape).astype(np.float32)
    sgb = sg if channels is None else sg[:, :, None]
    for mix in (0.9, 0.05):  # correlated (slope) and uncorrelated (contrast ratio)
        t = (mix * sgb + (1 - mix) * 0.02 * noise + offset).astype(np.float32)
        got = np.atleast_1d(_global_gain(t, sg)).astype(np.float64)
        np.testing.assert_allclose(got, _gain_ref(t, sg), rtol=1e-5)


@pytest.fixture(scope="module")
def clean_image() -> np.ndarray:
    from skimage import data as skdata

    return (skdata.astronaut()[::4, ::4] / 255.0).astype(np.float32)  # 128x128


# ------------------------------------------------------------------------- tasks


def test_iterative_filter_parts_do_not_change_the_result(clean_image):
    s = P.make_sample("flash_denoise", clean_image, seed=1)
    kw = {"radius": 3, "eps": 1e-3, "noise_var": 1e-3}
    a, parts = iterative_guided_filter(s.target, s.guide, **kw)
    b, none = iterative_guided_filter(s.target, s.guide, return_parts=False, **kw)
    np.testing.assert_array_equal(a, b)
    assert none == {}
    w = parts["weight"]
    np.testing.assert_allclose(w * parts["residual"] + (1 - w) * parts["diffusion"], a, atol=1e-6)


@pytest.mark.parametrize(
    "task", [None, "flash_denoise", "nir_dehaze", "day_night", "structure_transfer"]
)
def test_results_do_not_depend_on_the_thread_count(task, clean_image):
    big = np.repeat(np.repeat(clean_image, 2, 0), 3, 1)  # 256x384: blocked paths in use
    s = P.make_sample(task or "flash_denoise", big, seed=3)
    target = s.target if task else P.make_noisy(s).target
    before = jf.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            jf.set_num_threads(n)
            outs.append(restore(target, s.guide, task, **s.overrides))
    finally:
        jf.set_num_threads(before)
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-6)


def test_subsample_auto_follows_the_short_side():
    rng = _rng(10)
    for task in ("flash_denoise", "nir_dehaze", "day_night", "structure_transfer"):
        assert PRESETS[task]["subsample"] == "auto"
    small = rng.random((64, 80, 3)).astype(np.float32)
    _, p = restore(small, small[:, :, 0], "structure_transfer", return_params=True)
    assert p["subsample"] == 1
    big_t = rng.random((1030, 1100, 3)).astype(np.float32)
    big_g = rng.random((1030, 1100)).astype(np.float32)
    _, p = restore(big_t, big_g, "structure_transfer", return_params=True)
    assert p["subsample"] == 3  # 1030 // 270
    _, p = restore(big_t, big_g, "structure_transfer", subsample=1, return_params=True)
    assert p["subsample"] == 1


@pytest.mark.parametrize("task", ["flash_denoise", "nir_dehaze", "day_night", "structure_transfer"])
@pytest.mark.parametrize(("short", "expected"), [(269, 1), (539, 1), (540, 2), (1080, 4)])
def test_coarse_grid_follows_the_short_side(task, short, expected):
    # every fast filter's coarse grid has a 270-539 pixel short side (COARSE_GRID_SIZE)
    rng = _rng(11)
    g = rng.random((short, short + 7, 3)).astype(np.float32)
    t = (0.3 * g + 0.05 * rng.standard_normal(g.shape)).astype(np.float32)
    guide = g[:, :, 0] if task in ("nir_dehaze", "structure_transfer") else g
    _, p = restore(t, guide, task, return_params=True)
    assert p["subsample"] == expected
