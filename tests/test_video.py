"""jointfilter.video: allocation-free frame loop, temporal smoothing, file-to-file video."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import ParameterError, ShapeError
from jointfilter.video import TemporalSmoother, VideoFilter, process_video

H, W = 96, 128


def _frames(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    scene = ((xx // 16 + yy // 16) % 2 * 120 + 60).astype(np.float32)
    return [
        np.clip(scene[..., None] + rng.normal(0, 20, (H, W, 3)), 0, 255).astype(np.uint8)
        for _ in range(n)
    ]


@pytest.mark.parametrize("stretch", [False, True])
def test_no_frame_sized_allocation(stretch: bool) -> None:
    frames = _frames(6)
    guide = np.ascontiguousarray(frames[0][..., 0])
    vf = VideoFilter((H, W, 3), np.uint8, radius=4, eps=1e-2, stretch=stretch)
    out = np.empty((H, W, 3), np.uint8)
    vf(frames[0], guide, out=out)  # warm-up sizes the scratch
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for f in frames[1:]:
            assert vf(f, guide, out=out) is out
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    frame_bytes = H * W * 3
    assert peak - base < frame_bytes // 8  # transient: a few small Python objects only
    assert current - base < 4096  # nothing kept


def test_matches_function_without_stretch() -> None:
    f = _frames(1)[0]
    g = np.ascontiguousarray(f[..., 1])
    vf = VideoFilter((H, W, 3), np.uint8, radius=3, eps=1e-2)
    np.testing.assert_array_equal(vf(f, g), jf.guided_filter(f, g, radius=3, eps=1e-2))
    vf.set_guide(g)
    np.testing.assert_array_equal(vf(f), jf.guided_filter(f, g, radius=3, eps=1e-2))
    kw = {"radius": 4, "eps": 1e-2, "subsample": 2, "decimation": "mean"}
    vf = VideoFilter((H, W, 3), np.uint8, **kw)
    np.testing.assert_array_equal(vf(f, g), jf.guided_filter(f, g, **kw))


def test_smoothing_reduces_flicker_and_reset() -> None:
    frames = _frames(12, seed=3)  # static scene + sensor noise: the range estimate jitters

    def flicker(alpha: float) -> float:
        vf = VideoFilter((H, W, 3), np.uint8, radius=4, eps=1e-2, stretch=True, alpha=alpha)
        outs = [vf(f, np.ascontiguousarray(f[..., 0])).astype(np.float64) for f in frames]
        return float(np.mean([np.abs(a - b).mean() for a, b in itertools.pairwise(outs)]))

    assert flicker(0.1) < flicker(1.0)
    vf = VideoFilter((H, W), np.uint8, radius=2, stretch=True, alpha=0.5)
    g = np.ascontiguousarray(frames[0][..., 0])
    vf(g, g)
    assert vf.smoother.value is not None
    vf.reset()
    assert vf.smoother.value is None


def test_temporal_smoother() -> None:
    s = TemporalSmoother(alpha=0.25)
    assert s.value is None
    assert s.update(4.0) == 4.0
    assert s.update(8.0) == pytest.approx(5.0)
    arr = s.update(np.array([1.0, 2.0]))  # shape change restarts
    np.testing.assert_array_equal(arr, [1.0, 2.0])
    np.testing.assert_allclose(s.update(np.array([5.0, 2.0])), [2.0, 2.0])
    s.reset()
    assert s.value is None
    assert s.update(7.0) == 7.0
    with pytest.raises(ParameterError, match="alpha"):
        TemporalSmoother(alpha=0.0)


def _write_video(path: Path, frames: list[np.ndarray]) -> None:
    cv2 = pytest.importorskip("cv2")
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H), True)
    assert w.isOpened()
    for f in frames:
        w.write(f)
    w.release()


def test_process_video_two_videos_and_fixed_guide(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    frames = _frames(5)
    _write_video(tmp_path / "t.avi", frames)
    _write_video(tmp_path / "g.avi", frames[::-1])
    res = process_video(
        tmp_path / "t.avi", tmp_path / "g.avi", tmp_path / "o.avi", fourcc="MJPG", radius=3,
        progress=False,
    )  # fmt: skip
    assert res.frames == 5
    assert res.fps > 0
    cap = cv2.VideoCapture(str(res.path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.avi", "o.avi", "t.avi"]
    # fixed guide image + a custom op + stretch off
    cv2.imwrite(str(tmp_path / "guide.png"), frames[0])
    res = process_video(
        tmp_path / "t.avi", tmp_path / "guide.png", tmp_path / "o2.avi", fourcc="MJPG",
        op=lambda t, g: jf.guided_filter(t, g, radius=2), max_frames=3, progress=False,
    )  # fmt: skip
    assert res.frames == 3


def test_video_command_with_a_task_and_a_fixed_guide(tmp_path: Path) -> None:
    # `jointfilter video T GUIDE.png --task day_night`: a RestoreFilter keeps the guide's work
    cv2 = pytest.importorskip("cv2")
    from jointfilter import cli
    from jointfilter.video import RestoreFilter

    frames = _frames(4)
    _write_video(tmp_path / "t.avi", [(f // 3).astype(np.uint8) for f in frames])  # "night"
    cv2.imwrite(str(tmp_path / "day.png"), frames[0])
    out = tmp_path / "o.avi"
    assert cli.main(["video", str(tmp_path / "t.avi"), str(tmp_path / "day.png"), "-o", str(out),
                     "--task", "day_night"]) == 0  # fmt: skip
    cap = cv2.VideoCapture(str(out))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == 4
    # what the command runs per frame: restore(frame, day) through one RestoreFilter
    day = np.ascontiguousarray(frames[0][:, :, ::-1])
    rf = RestoreFilter("day_night")
    for f in frames[:2]:
        night = np.ascontiguousarray((f // 3).astype(np.uint8)[:, :, ::-1])
        np.testing.assert_array_equal(rf(night, day), jf.restore(night, day, "day_night"))


def test_process_video_errors(tmp_path: Path) -> None:
    frames = _frames(2)
    _write_video(tmp_path / "t.avi", frames)
    with pytest.raises(ParameterError, match="cannot open"):
        process_video(tmp_path / "missing.avi", frames[0], tmp_path / "o.avi", progress=False)
    with pytest.raises(ShapeError, match="guide frames"):
        process_video(tmp_path / "t.avi", frames[0][:10], tmp_path / "o.avi", progress=False)
    assert not (tmp_path / "o.avi").exists()
    assert not (tmp_path / ".o.tmp.avi").exists()


def test_process_video_never_overwrites_an_input(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    _write_video(tmp_path / "t.avi", _frames(2))
    guide = np.ascontiguousarray(_frames(1)[0][..., 0])
    before = (tmp_path / "t.avi").read_bytes()
    (tmp_path / "sym.avi").symlink_to(tmp_path / "t.avi")
    (tmp_path / "hard.avi").hardlink_to(tmp_path / "t.avi")
    (tmp_path / "sub").mkdir()
    for out in ("t.avi", "sym.avi", "hard.avi", "sub/../t.avi"):
        with pytest.raises(ParameterError, match="refusing to overwrite an input"):
            process_video(tmp_path / "t.avi", guide, tmp_path / out, progress=False)
    _write_video(tmp_path / "g.avi", _frames(2, seed=1))
    with pytest.raises(ParameterError, match="out is the same file as guide"):
        process_video(tmp_path / "t.avi", tmp_path / "g.avi", tmp_path / "g.avi", progress=False)
    assert (tmp_path / "t.avi").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "g.avi", "hard.avi", "sub", "sym.avi", "t.avi"
    ]  # fmt: skip


def test_process_video_failure_keeps_the_existing_output(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    _write_video(tmp_path / "t.avi", _frames(3))
    guide = np.ascontiguousarray(_frames(1)[0][..., 0])
    (tmp_path / "o.avi").write_bytes(b"an earlier result")

    def failing_op(t: np.ndarray, g: np.ndarray) -> np.ndarray:
        failing_op.calls += 1  # type: ignore[attr-defined]
        if failing_op.calls == 3:  # type: ignore[attr-defined]
            raise RuntimeError("op failed on frame 2")
        return t

    failing_op.calls = 0  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="frame 2"):
        process_video(tmp_path / "t.avi", guide, tmp_path / "o.avi", op=failing_op,
                      fourcc="MJPG", progress=False)  # fmt: skip
    assert failing_op.calls == 3  # type: ignore[attr-defined]  # two frames were written
    assert (tmp_path / "o.avi").read_bytes() == b"an earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.avi", "t.avi"]  # no temp file


def test_process_video_without_frames_writes_nothing(tmp_path: Path) -> None:
    pytest.importorskip("cv2")
    _write_video(tmp_path / "t.avi", _frames(2))
    _write_video(tmp_path / "empty.avi", [])
    guide = np.ascontiguousarray(_frames(1)[0][..., 0])
    with pytest.raises(ParameterError, match="target: no frame could be read"):
        process_video(tmp_path / "empty.avi", guide, tmp_path / "o.avi", progress=False)
    (tmp_path / "junk.avi").write_bytes(b"\x00" * 4096)
    with pytest.raises(ParameterError, match=r"guide: (no frame could be read|cannot open)"):
        process_video(tmp_path / "t.avi", tmp_path / "junk.avi", tmp_path / "o.avi",
                      progress=False)  # fmt: skip
    assert not (tmp_path / "o.avi").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_temporal_smoother_rejects_without_changing_state() -> None:
    from jointfilter.errors import NonFiniteError

    s = TemporalSmoother(alpha=np.float32(0.5))
    assert s.alpha == 0.5
    s.update(np.array([1.0, 3.0]))
    for bad, exc in ((np.array([np.nan, 1.0]), NonFiniteError), (None, ParameterError),
                     ("1.0", ParameterError), (np.array([True, False]), ParameterError),
                     (1j, ParameterError), ([1.0, [2.0]], ParameterError)):  # fmt: skip
        with pytest.raises(exc, match="value"):
            s.update(bad)
        np.testing.assert_array_equal(s.value, [1.0, 3.0])
    np.testing.assert_array_equal(s.update(np.array([3, 5], np.uint8)), [2.0, 4.0])


def test_stretch_out_is_checked_before_any_state_changes() -> None:
    vf = VideoFilter((H, W), np.uint8, radius=2, stretch=True, alpha=0.5)
    g = np.ascontiguousarray(_frames(1)[0][..., 0])
    with pytest.raises(ShapeError, match="out must have shape"):
        vf(g, g, out=np.empty((H, W + 1), np.uint8))
    with pytest.raises(ParameterError, match="out overlaps target"):
        vf(g, g.copy(), out=g)
    assert vf.smoother.value is None  # the failed calls did not update the range
    buf = np.empty((2 * H, W), np.uint8)[::2]  # any layout: the stretch writes with copyto
    np.testing.assert_array_equal(vf(g, g, out=buf), VideoFilter(
        (H, W), np.uint8, radius=2, stretch=True, alpha=0.5)(g, g))  # fmt: skip


def test_process_video_refuses_an_image_name_for_out(tmp_path: Path) -> None:
    _write_video(tmp_path / "t.avi", _frames(2))
    for name in ("o.png", "o.JPG", "o.webp"):
        with pytest.raises(ParameterError, match="must be a video file"):
            process_video(tmp_path / "t.avi", tmp_path / "t.avi", tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.avi"]


def test_process_video_output_mode_and_plain_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins
    import os

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    _write_video(tmp_path / "t.avi", _frames(3))
    mask = os.umask(0o027)
    try:
        process_video(
            tmp_path / "t.avi", tmp_path / "t.avi", tmp_path / "o.avi", fourcc="MJPG", radius=2,
            progress=True,
        )  # fmt: skip
    finally:
        os.umask(mask)
    assert (tmp_path / "o.avi").stat().st_mode & 0o777 == 0o640  # 0666 less the umask
    assert "3/3 frames" in capsys.readouterr().err
