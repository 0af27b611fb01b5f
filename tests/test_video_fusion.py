"""jointfilter.video.FusionVideoFilter: equal to jointfilter.fuse per frame, allocation-free."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import DTypeError, NonFiniteError, ParameterError, ShapeError
from jointfilter.video import FusionVideoFilter, process_video

H, W = 72, 96
SMALL = {"r1": 6, "r2": 2, "base_radius": 4}


def _frames(n: int, vis_shape: tuple, ir_shape: tuple, dtype: type, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : vis_shape[0], 0 : vis_shape[1]]
    ir_scene = ((xx // 12 + yy // 9) % 2) * 0.5 + 0.2
    vis_scene = np.sin(xx / 7.0) * 0.3 + 0.5
    out = []
    for _ in range(n):
        ir = ir_scene + rng.normal(0, 0.05, ir_scene.shape)
        if len(ir_shape) == 3:
            ir = np.repeat(ir[:, :, None], 3, axis=2) * [1.0, 0.95, 0.9]
        vis = vis_scene[:, :, None] * [1.0, 0.8, 0.6] + rng.normal(0, 0.03, (*vis_scene.shape, 3))
        vis = vis.reshape(*vis_scene.shape, 3)
        if len(vis_shape) == 2:
            vis = vis[:, :, 0]
        elif vis_shape[2] == 1:
            vis = vis[:, :, :1]
        ir, vis = np.clip(ir, 0, 1), np.clip(vis, 0, 1)
        if dtype == np.float32:
            out.append((ir.astype(np.float32), vis.astype(np.float32)))
        else:
            top = np.iinfo(dtype).max
            out.append((np.round(ir * top).astype(dtype), np.round(vis * top).astype(dtype)))
    return out


@pytest.mark.parametrize(
    ("vis_shape", "ir_channels", "dtype", "params"),
    [
        ((H, W, 3), 1, np.uint8, SMALL),
        ((H, W, 3), 3, np.uint16, {**SMALL, "enhance": "detail", "enhance_radius": 3}),
        ((H, W), 1, np.float32, {**SMALL, "subsample": 2}),
        ((H, W, 1), 3, np.uint8, {}),  # the GFF defaults (r1 = 45)
    ],
)
def test_equals_fuse_frame_by_frame(
    vis_shape: tuple, ir_channels: int, dtype: type, params: dict
) -> None:
    ir_shape = (H, W) if ir_channels == 1 else (H, W, 3)
    f = FusionVideoFilter(vis_shape, dtype, ir_channels=ir_channels, **params)
    out = np.empty(vis_shape, dtype)
    for ir, vis in _frames(3, vis_shape, ir_shape, dtype):
        assert f(ir, vis, out=out) is out
        np.testing.assert_array_equal(out, jf.fuse(ir, vis, **params))
    # without out=: a new array, same values
    np.testing.assert_array_equal(f(ir, vis), jf.fuse(ir, vis, **params))


def test_float_data_range_and_clip() -> None:
    (ir, vis), = _frames(1, (H, W, 3), (H, W), np.float32, seed=1)  # fmt: skip
    ir, vis = ir * 4, vis * 4
    kw = {"data_range": 4.0, "clip": False, **SMALL}
    f = FusionVideoFilter((H, W, 3), np.float32, **kw)
    np.testing.assert_array_equal(f(ir, vis), jf.fuse(ir, vis, **kw))


def test_other_methods_call_fuse() -> None:
    (ir, vis), = _frames(1, (H, W, 3), (H, W), np.uint8, seed=2)  # fmt: skip
    f = FusionVideoFilter((H, W, 3), np.uint8, method="focus", radius=3)
    out = np.empty_like(vis)
    assert f(ir, vis, out=out) is out
    np.testing.assert_array_equal(out, jf.fuse(ir, vis, method="focus", radius=3))
    g = FusionVideoFilter((H, W, 3), np.uint8, method="focus", radius=3, normalise_ir=True,
                          alpha=1.0)  # fmt: skip
    got = g(ir, vis)
    lo, hi = (np.float32(x) for x in g.ir_window)
    unit = ir.astype(np.float32) * np.float32(1.0 / 255.0)
    inv = np.float32(1.0) / max(hi - lo, np.float32(1e-6))
    stretched = np.clip((unit - lo) * inv, 0.0, 1.0).astype(np.float32)
    np.testing.assert_array_equal(got, jf.fuse(stretched, vis, method="focus", radius=3))


def _peak_and_kept(f: FusionVideoFilter, pairs: list, out: np.ndarray) -> tuple[int, int]:
    f(*pairs[0], out=out)  # first call sizes the buffers
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for ir, vis in pairs[1:]:
            f(ir, vis, out=out)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, current - base


@pytest.mark.parametrize("params", [SMALL, {**SMALL, "enhance": "detail"}])
def test_no_frame_sized_allocation(params: dict) -> None:
    peaks = []
    for h, w in ((H, W), (2 * H, 2 * W)):
        pairs = _frames(4, (h, w, 3), (h, w), np.uint8, seed=3)
        f = FusionVideoFilter((h, w, 3), np.uint8, normalise_ir=True, **params)
        peak, kept = _peak_and_kept(f, pairs, np.empty((h, w, 3), np.uint8))
        assert peak < 16384  # small Python objects only; one float32 plane is 27 KB here
        assert kept < 8192  # nothing per frame is kept (a bounded cache of the core)
        peaks.append(peak)
    assert peaks[1] < peaks[0] + 4096  # does not grow with the frame size


def test_normalise_ir_is_fuse_of_the_stretched_frame() -> None:
    pairs = _frames(3, (H, W, 3), (H, W), np.uint16, seed=4)
    f = FusionVideoFilter((H, W, 3), np.uint16, normalise_ir=True, alpha=1.0, **SMALL)
    for ir, vis in pairs:
        got = f(ir, vis)
        lo, hi = (np.float32(x) for x in f.ir_window)
        unit = ir.astype(np.float32) * np.float32(1.0 / 65535.0)
        inv = np.float32(1.0) / max(hi - lo, np.float32(1e-6))
        stretched = np.clip((unit - lo) * inv, 0.0, 1.0).astype(np.float32)
        np.testing.assert_array_equal(got, jf.fuse(stretched, vis, **SMALL))
        sub = np.sort(unit[::8, ::8].ravel())
        n = sub.size - 1
        assert (lo, hi) == (sub[round(0.01 * n)], sub[round(0.99 * n)])


def test_smoothing_reduces_flicker_and_reset() -> None:
    # static scene; per-frame sensor noise makes the infrared range estimate jitter
    pairs = _frames(12, (H, W, 3), (H, W), np.uint8, seed=5)

    def flicker(alpha: float) -> float:
        f = FusionVideoFilter((H, W, 3), np.uint8, normalise_ir=True, alpha=alpha, **SMALL)
        means = [f(ir, vis).astype(np.float64).mean() for ir, vis in pairs]
        return float(np.mean([abs(a - b) for a, b in itertools.pairwise(means)]))

    assert flicker(0.1) < 0.5 * flicker(1.0)
    f = FusionVideoFilter((H, W, 3), np.uint8, normalise_ir=True, **SMALL)
    f(*pairs[0])
    assert f.ir_window is not None
    f.reset()
    assert f.ir_window is None


def test_errors() -> None:
    (ir, vis), = _frames(1, (H, W, 3), (H, W), np.uint8)  # fmt: skip
    f = FusionVideoFilter((H, W, 3), np.uint8, **SMALL)
    with pytest.raises(ShapeError, match="infrared must have shape"):
        f(ir[:10], vis)
    with pytest.raises(DTypeError, match="visible must have dtype"):
        f(ir, vis.astype(np.uint16))
    with pytest.raises(ParameterError, match="overlaps"):
        f(ir, vis, out=vis)
    with pytest.raises(ParameterError, match="unknown parameter"):
        FusionVideoFilter((H, W, 3), np.uint8, r3=1)
    with pytest.raises(ParameterError, match="percentiles"):
        FusionVideoFilter((H, W, 3), np.uint8, normalise_ir=True, percentiles=(50, 10))
    with pytest.raises(ShapeError, match="shape must be"):
        FusionVideoFilter((H, W, 4), np.uint8)
    with pytest.raises(DTypeError, match="ir_dtype"):
        FusionVideoFilter((H, W, 3), np.uint8, ir_dtype=np.float64)
    g = FusionVideoFilter((H, W), np.float32)
    bad = np.full((H, W), np.nan, np.float32)
    with pytest.raises(NonFiniteError, match="infrared"):
        g(bad, np.zeros((H, W), np.float32))


def test_process_video_fusion(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    pairs = _frames(4, (H, W, 3), (H, W, 3), np.uint8, seed=7)

    def write(path: Path, frames: list) -> None:
        wr = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H), True)
        for fr in frames:
            wr.write(fr)
        wr.release()

    write(tmp_path / "ir.avi", [ir for ir, _ in pairs])
    write(tmp_path / "vis.avi", [vis for _, vis in pairs])
    res = process_video(
        tmp_path / "ir.avi", tmp_path / "vis.avi", tmp_path / "f.avi", method="guided",
        fusion_params=SMALL, fourcc="MJPG", progress=False,
    )  # fmt: skip
    assert res.frames == 4
    # the first written frame is fuse() of the decoded first frames (up to MJPG's loss)
    caps = [cv2.VideoCapture(str(tmp_path / n)) for n in ("ir.avi", "vis.avi", "f.avi")]
    ir0, vis0, out0 = (cv2.cvtColor(c.read()[1], cv2.COLOR_BGR2RGB) for c in caps)
    for c in caps:
        c.release()
    ref = jf.fuse(ir0, vis0, **SMALL).astype(np.float64)
    assert np.abs(out0.astype(np.float64) - ref).mean() < 4.0
    with pytest.raises(ParameterError, match="not both"):
        process_video(tmp_path / "ir.avi", vis0, tmp_path / "g.avi", method="guided",
                      op=lambda a, b: a, progress=False)  # fmt: skip
