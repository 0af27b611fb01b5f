"""jointfilter.dask.restore: every task chunked equals jointfilter.restore, halos derived."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import NonFiniteError, ParameterError, ShapeError

da = pytest.importorskip("dask.array")
jfd = pytest.importorskip("jointfilter.dask")

H, W = 61, 77
# Stated tolerance (module docstring of jointfilter.dask.restore): float32 rounding. The
# chunk's guided filters start their running sums elsewhere, and whole-image sums (noise
# level, image means, the gain) are added in another order, so float outputs may differ by a
# few float32 ulps (measured: <= 3e-8 on [0, 1] data) and integer outputs by one level at a
# rounding boundary. Discrete choices made from the sums (SURE candidate, blur radius, the
# airlight) are equal, which the returned parameters show.
FLOAT_TOL = 1e-5
INT_TOL = 1


def _single_precision_core() -> bool:
    """True when the guided filter's default kernels sum in float32 (``precision="single"``)."""
    import inspect

    param = inspect.signature(jf.guided_filter).parameters.get("precision")
    return param is not None and param.default == "single"


# With float32 kernels each guided filter's rounding depends on its row bands (set by the image
# height), so a chunk and the whole image round differently; colour-guided filters with small
# eps amplify it (depth_upsample: colour guide, eps 1e-4, three passes: measured 4.6e-3).
COLOUR_SMALL_EPS_TOL = 1e-2 if _single_precision_core() else FLOAT_TOL


def _scene(h: int = H, w: int = W, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A structured colour guide in [0, 1] and a darker, noisy target of it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = ((xx // 9 + yy // 7) % 2) * 0.5 + 0.25 + 0.1 * np.sin(xx / 6.0)
    guide = np.stack([base, 0.8 * base + 0.1, 1.0 - base], axis=2)
    target = 0.6 * guide + rng.normal(0, 0.05, guide.shape)
    return np.clip(target, 0, 1).astype(np.float32), np.clip(guide, 0, 1).astype(np.float32)


def _as(x: np.ndarray, dtype: type) -> np.ndarray:
    if dtype == np.float32:
        return x.astype(np.float32)
    return np.round(x * np.iinfo(dtype).max).astype(dtype)


def _same_params(pd: dict, pr: dict) -> None:
    assert pd.keys() == pr.keys()
    for k, a in pr.items():
        b = pd[k]
        if isinstance(a, float) and np.isnan(a):
            assert np.isnan(b)
        elif isinstance(a, float):  # float64 sums in another order
            assert b == pytest.approx(a, rel=1e-9), k
        elif isinstance(a, list) and a and isinstance(a[0], float):
            assert b == pytest.approx(a, rel=1e-9, abs=1e-4), k  # airlight/gain: 4 decimals
        else:
            assert b == a, k


def _check(target: np.ndarray, guide: np.ndarray, task: str | None, chunks: tuple,
           multi: bool = True, float_tol: float = FLOAT_TOL, **kw: object) -> None:  # fmt: skip
    ref, pr = jf.restore(target, guide, task, return_params=True, **kw)
    out, pd = jfd.restore(target, guide, task, chunks=chunks, return_params=True, **kw)
    assert out.shape == ref.shape
    assert out.dtype == ref.dtype
    if multi:  # chunk borders are crossed
        assert max(len(c) for c in out.chunks[:2]) > 1, out.chunks
    got = out.compute()
    tol = INT_TOL if ref.dtype.kind in "ui" else float_tol
    assert np.abs(got.astype(np.float64) - ref.astype(np.float64)).max() <= tol
    _same_params(pd, pr)


T, G = _scene()
TASK_CASES = [
    # task=None: SURE over (gray, colour) x radii x eps, the +-1 probe made chunk by chunk
    (None, T, G, {}, (17, 23)),
    (None, _as(T, np.uint8), _as(G[:, :, 1], np.uint8), {}, (13, 31)),
    (None, T, G, {"method": "msjf", "iterations": 2}, (17, 23)),
    (None, T, G, {"method": "wgif"}, (11, 13)),
    (None, T, G, {"method": "gdgif", "radius": 3}, (17, 23)),
    ("flash_denoise", T, G, {}, (17, 23)),
    ("flash_denoise", _as(T, np.uint16), G, {"guide_mode": "gray", "relight_radius": 6}, (9, 40)),
    ("flash_deblur", T, G, {}, (17, 23)),  # blur radius estimated over the whole image
    ("flash_deblur", _as(T, np.uint8), G, {"blur_radius": 2}, (17, 23)),
    ("nir_dehaze", T, G[:, :, 0], {}, (17, 23)),
    ("nir_dehaze", T, G[:, :, 0], {"refine": "msjf", "radius": 2}, (25, 30)),
    ("nir_dehaze", T, G[:, :, 0], {"nir_detail": 0.5, "detail_radius": 20}, (17, 23)),
    ("day_night", T, G, {}, (17, 23)),
    ("day_night", _as(T, np.uint8), G, {"detail": "luma", "strength": 0.8}, (20, 20)),
    ("structure_transfer", T, G, {}, (17, 23)),  # per-channel gain from image moments
    ("structure_transfer", T[:, :, 1], G, {"guided_base": False}, (17, 23)),
    ("structure_transfer", T, G, {"gain": 0.7}, (17, 23)),
    # 8-bit targets: precision="auto" runs the guided filters in single precision
    ("flash_denoise", _as(T, np.uint8), G, {}, (17, 23)),
    ("nir_dehaze", _as(T, np.uint8), G[:, :, 0], {}, (17, 23)),
    ("structure_transfer", _as(T, np.uint8), G, {}, (17, 23)),
]


@pytest.mark.parametrize(
    ("task", "target", "guide", "kw", "chunks"),
    TASK_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(TASK_CASES)],
)
def test_restore_chunked_equals_in_memory(
    task: str | None, target: np.ndarray, guide: np.ndarray, kw: dict, chunks: tuple
) -> None:
    _check(target, guide, task, chunks, **kw)


def test_generic_returns_clean_target_unchanged() -> None:
    yy, xx = np.mgrid[0:H, 0:W]
    clean = ((xx + yy) / (H + W)).astype(np.float32)  # planar: Immerkaer's sigma ~ 0
    _check(clean, G, None, (17, 23))


def test_subsampled_tasks_on_multiples() -> None:
    t, g = T[:60, :76], G[:60, :76]  # multiples of s = 2: the fast filter's grid
    _check(t, g, "flash_denoise", (13, 17), subsample=2, radius=4)
    _check(_as(t, np.uint8), g, "day_night", (13, 17), subsample=2, radius=5)
    _check(t, g[:, :, 0], "nir_dehaze", (21, 17), subsample=2, radius=4)
    with pytest.raises(ParameterError, match="multiples of 2"):
        jfd.restore(T, G, "structure_transfer", subsample=2)


def test_depth_upsample_with_guide_crop() -> None:
    low = T[:60:3, :75:3, 0].copy()  # 20 x 25, factor 3; the 61 x 77 guide is cropped
    _check(low, G, "depth_upsample", (5, 7), float_tol=COLOUR_SMALL_EPS_TOL)
    _check(low, G, "depth_upsample", (5, 7), guide_mode="gray")
    low16 = _as(low, np.uint16)[:, :, None]  # (h, w, 1) keeps its layout
    _check(low16, G[:, :, 1], "depth_upsample", (6, 6), iterations=1, radius=2)


def test_nir_dehaze_airlight_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quantised data tie the 0.1% dark-channel boundary: the exact paths all agree."""
    calls = []
    gathered = jfd._airlight_gathered
    monkeypatch.setattr(jfd, "_airlight_gathered", lambda *a: calls.append(1) or gathered(*a))
    rng = np.random.default_rng(0)
    xx = np.mgrid[0:H, 0:W][1]
    haze = xx / W * 0.6 + 0.3
    t = np.clip(np.stack([haze + rng.normal(0, 0.05, (H, W)) for _ in range(3)], 2), 0, 1)
    t = ((t * 15).round() / 15).astype(np.float32)  # 16 levels: many ties
    nir = (haze + rng.random((H, W)) * 0.1).astype(np.float32)
    _check(t, nir, "nir_dehaze", (17, 23))
    assert calls  # the choice among the tied pixels mattered: gathered and reproduced
    calls.clear()
    t8 = _as(t, np.uint8)
    t8[:10, :20] = 255  # a saturated patch: the tied pixels share one colour
    _check(t8, _as(nir, np.uint8), "nir_dehaze", (17, 23))
    assert not calls
    # an RGB-stored gray guide is accepted (its first channel is used)
    _check(T, np.repeat(G[:, :, :1], 3, axis=2), "nir_dehaze", (17, 23))


def test_sure_probe_windows_equal_the_whole_probe() -> None:
    from jointfilter.restoration._blocks import sure_probe

    h, w = 37, 53
    whole = np.random.default_rng(0).choice(np.array([-1.0, 1.0], np.float32), size=(h, w))
    for rows, cols in [((0, 5), (0, 53)), ((3, 9), (7, 20)), ((10, 37), (1, 52)), ((36, 37),
                       (52, 53))]:  # fmt: skip
        np.testing.assert_array_equal(sure_probe((h, w), rows, cols), whole[slice(*rows),
                                      slice(*cols)])  # fmt: skip


def test_derived_halo_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pixels less than the derived halo break equality (the test can fail)."""
    import jointfilter.restoration._blocks as rb

    rng = np.random.default_rng(3)
    t = rng.random((H, W, 3), dtype=np.float32)
    g = rng.random((H, W), dtype=np.float32)
    kw = {"radius": 4}
    ref = jf.restore(t, g, "day_night", **kw)
    exact = jfd.restore(t, g, "day_night", chunks=(20, 20), **kw).compute()
    assert np.abs(exact - ref).max() <= FLOAT_TOL
    derived = rb.task_footprint

    def short(task: object, p: dict, stage: str = "output") -> int:
        return derived(task, p, stage) - (2 if stage == "output" else 0)

    monkeypatch.setattr(rb, "task_footprint", short)
    out = jfd.restore(t, g, "day_night", chunks=(20, 20), **kw).compute()
    assert np.abs(out - ref).max() > 1e-3


def test_inputs_not_modified_and_dask_inputs() -> None:
    t, g = _as(T, np.uint8), G.copy()
    t0, g0 = t.copy(), g.copy()
    td = da.from_array(t, chunks=(20, 30, 1))  # the channel axis is rechunked to one
    out = jfd.restore(td, g, "flash_denoise")
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(g, g0)
    ref = jf.restore(t, g, "flash_denoise")
    assert np.abs(out.compute().astype(int) - ref).max() <= INT_TOL


def test_errors() -> None:
    bad = T.copy()
    bad[5, 5, 0] = np.nan
    with pytest.raises(NonFiniteError, match="target"):
        jfd.restore(bad, G, "day_night", chunks=(20, 20))
    with pytest.raises(ShapeError, match="constant"):
        jfd.restore(T, np.full((H, W), 0.5, np.float32), chunks=(20, 20))
    with pytest.raises(ShapeError, match="single-channel near-infrared"):
        jfd.restore(T, G, "nir_dehaze", chunks=(20, 20))
    with pytest.raises(ShapeError, match="height and width"):
        jfd.restore(T, G[:40], "day_night")
    with pytest.raises(ParameterError, match="task must be"):
        jfd.restore(T, G, "deblur")
    with pytest.raises(ParameterError, match="depth="):
        jfd.restore(T, G, "day_night", dtype=np.uint8)
    with pytest.raises(ParameterError, match="exact mode"):
        jfd.restore(T, G, "day_night", depth=8, return_params=True)
    with pytest.raises(ParameterError, match="unknown parameter"):
        jfd.restore(T, G, "day_night", radiuss=3)
