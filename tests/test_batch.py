"""jointfilter.batch: fault handling, skipping, atomic writes, a loopback LocalCluster."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import ParameterError

cv2 = pytest.importorskip("cv2")
batch = pytest.importorskip("jointfilter.batch")


def _gf(target: np.ndarray, guide: np.ndarray) -> np.ndarray:
    return jf.guided_filter(target, guide, radius=2, eps=1e-2)


def _boom(target: np.ndarray, guide: np.ndarray) -> np.ndarray:
    raise RuntimeError("op failed on purpose")


def _make_pairs(root: Path, n: int = 3, dtype: type = np.uint8) -> tuple[Path, Path]:
    tdir, gdir = root / "target", root / "guide"
    tdir.mkdir()
    gdir.mkdir()
    rng = np.random.default_rng(0)
    hi = 255 if dtype == np.uint8 else 65535
    for i in range(n):
        t = rng.integers(0, hi, (24, 32, 3), endpoint=True).astype(dtype)
        g = rng.integers(0, hi, (24, 32), endpoint=True).astype(dtype)
        assert cv2.imwrite(str(tdir / f"img{i}.png"), t)
        assert cv2.imwrite(str(gdir / f"img{i}.png"), g)
    return tdir, gdir


def _snapshot(*dirs: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for d in dirs for p in sorted(d.iterdir())}


def test_pairs_processed_and_16bit_kept(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path, dtype=np.uint16)
    (gdir / "lonely.png").write_bytes((gdir / "img0.png").read_bytes())
    res = batch.run_batch(tdir, gdir, tmp_path / "out", _gf, progress=False)
    assert res.ok
    assert [p.name for p in res.done] == ["img0.png", "img1.png", "img2.png"]
    assert [p.name for p in res.unmatched] == ["lonely.png"]
    out = cv2.imread(str(res.done[0]), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16
    assert out.shape == (24, 32, 3)
    t = batch.read_image(tdir / "img0.png")
    g = batch.read_image(gdir / "img0.png")
    np.testing.assert_array_equal(batch.read_image(res.done[0]), _gf(t, g))


def test_corrupt_file_in_the_middle(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    (tdir / "img1.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    before = _snapshot(tdir, gdir)
    res = batch.run_batch(tdir, gdir, tmp_path / "out", _gf, progress=False)
    assert [p.name for p in res.done] == ["img0.png", "img2.png"]
    assert [p.name for p, _ in res.failed] == ["img1.png"]
    assert "cannot read" in res.failed[0][1]
    assert "1 failed" in res.summary()
    assert _snapshot(tdir, gdir) == before  # inputs untouched
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["img0.png", "img2.png"]


def test_existing_outputs_skipped_unless_overwrite(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "img1.png").write_bytes(b"keep me")
    res = batch.run_batch(tdir, gdir, out, _gf, progress=False)
    assert [p.name for p in res.skipped] == ["img1.png"]
    assert (out / "img1.png").read_bytes() == b"keep me"
    res = batch.run_batch(tdir, gdir, out, _gf, progress=False)
    assert len(res.skipped) == 3
    assert not res.done
    res = batch.run_batch(tdir, gdir, out, _gf, overwrite=True, progress=False)
    assert len(res.done) == 3
    assert cv2.imread(str(out / "img1.png")) is not None


def test_atomic_write_leaves_no_partial_file(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "img0.png").write_bytes(b"old")
    res = batch.run_batch(tdir, gdir, out, _boom, overwrite=True, progress=False)
    assert len(res.failed) == 3
    assert "op failed on purpose" in res.failed[0][1]
    assert sorted(p.name for p in out.iterdir()) == ["img0.png"]  # no temp files, no partials
    assert (out / "img0.png").read_bytes() == b"old"


def test_encode_failure_cleans_temp_file(tmp_path: Path) -> None:
    img = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(TypeError, match="cannot write a float32"):
        batch.write_image_atomic(tmp_path / "x.png", img)
    with pytest.raises(OSError, match="encode"):
        batch.write_image_atomic(tmp_path / "x.unknownext", img)
    assert list(tmp_path.iterdir()) == []
    batch.write_image_atomic(tmp_path / "x.tif", img + 0.25)
    np.testing.assert_array_equal(batch.read_image(tmp_path / "x.tif"), img + 0.25)


def test_replace_failure_mid_run_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    before = _snapshot(tdir, gdir)
    out = tmp_path / "out"
    out.mkdir()

    def deny(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr(batch.os, "replace", deny)
    res = batch.run_batch(tdir, gdir, out, _gf, progress=False)
    assert len(res.failed) == 3
    assert "Permission denied" in res.failed[0][1]
    assert list(out.iterdir()) == []
    assert _snapshot(tdir, gdir) == before


def test_read_only_output_folder(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    before = _snapshot(tdir, gdir)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as a user who can write to read-only folders (root)")
        with pytest.raises(ParameterError, match="not writable"):
            batch.run_batch(tdir, gdir, out, _gf, progress=False)
    finally:
        out.chmod(0o755)
    assert list(out.iterdir()) == []
    assert _snapshot(tdir, gdir) == before


def test_read_only_output_folder_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same check when running as root (chmod does not stop root): the write probe fails."""
    tdir, gdir = _make_pairs(tmp_path)
    real = batch.tempfile.mkstemp

    def mkstemp(*args: object, **kw: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(batch.tempfile, "mkstemp", mkstemp)
    with pytest.raises(ParameterError, match="not writable"):
        batch.run_batch(tdir, gdir, tmp_path / "out", _gf, progress=False)
    monkeypatch.setattr(batch.tempfile, "mkstemp", real)


def test_out_dir_equal_to_input_refused(tmp_path: Path) -> None:
    tdir, gdir = _make_pairs(tmp_path)
    before = _snapshot(tdir, gdir)
    with pytest.raises(ParameterError, match="out_dir must differ"):
        batch.run_batch(tdir, gdir, tdir, _gf, progress=False)
    assert _snapshot(tdir, gdir) == before


def test_missing_folder_and_bad_op(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="target_dir"):
        batch.run_batch(tmp_path / "nope", tmp_path, tmp_path / "o", _gf)
    with pytest.raises(ParameterError, match="op must be"):
        batch.run_batch(tmp_path, tmp_path, tmp_path / "o", "guided")  # type: ignore[arg-type]


def test_restore_op_resolves_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_restore(t: np.ndarray, g: np.ndarray, *, task: str, **kw: object) -> np.ndarray:
        seen["task"] = task
        return t

    monkeypatch.setattr(jf, "restore", fake_restore, raising=False)
    op = batch.restore_op("flash_denoise")
    x = np.zeros((4, 4), np.uint8)
    assert op(x, x) is x
    assert seen["task"] == "flash_denoise"


def test_local_cluster_on_loopback(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    tdir, gdir = _make_pairs(tmp_path)
    (tdir / "img1.png").write_bytes(b"corrupt")
    res = batch.run_batch(
        tdir,
        gdir,
        tmp_path / "out",
        _gf,
        scheduler="local",
        n_workers=1,
        cluster_kwargs={"threads_per_worker": 1, "processes": False},
        progress=False,
    )
    assert sorted(p.name for p in res.done) == ["img0.png", "img2.png"]
    assert [p.name for p, _ in res.failed] == ["img1.png"]
