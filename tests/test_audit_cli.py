"""Audit regressions of the command line, jointfilter.batch and the demo's file writing."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _demo, cli

cv2 = pytest.importorskip("cv2")
batch = pytest.importorskip("jointfilter.batch")


def _img(shape: tuple[int, ...], dtype: type = np.uint8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    return rng.integers(0, np.iinfo(dtype).max, shape, endpoint=True).astype(dtype)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    names = {
        "rgb": _img((24, 32, 3)),
        "gray": _img((24, 32), seed=1),
        "rgba": _img((24, 32, 4), seed=2),
    }
    out = {}
    for name, a in names.items():
        out[name] = tmp_path / f"{name}.png"
        assert cv2.imwrite(str(out[name]), a)
    return out


def test_missing_input_names_the_argument(files, tmp_path, capsys) -> None:
    code = cli.main(["restore", str(tmp_path / "nope.png"), str(files["gray"]), "-o", "x.png"])
    assert code == 2
    err = capsys.readouterr().err
    assert "target" in err
    assert "no such file" in err
    tdir = tmp_path / "t"
    tdir.mkdir()
    assert cli.main(["fuse", str(tdir), str(tmp_path / "nodir"), "-o", str(tmp_path / "o")]) == 2
    assert "visible" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match=r"nope\.png': no such file"):
        batch.read_image(tmp_path / "nope.png")


def test_outputs_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        batch.write_image_atomic(tmp_path / "a.png", _img((8, 8)))
        _demo._write_png(tmp_path / "b.png", _img((8, 8, 3)))
    finally:
        os.umask(old)
    for name in ("a.png", "b.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_float64_colour_tiff(tmp_path: Path, files, capsys) -> None:
    f64 = _img((24, 32, 3), np.float64)
    assert cv2.imwrite(str(tmp_path / "f.tif"), f64)
    np.testing.assert_array_equal(batch.read_image(tmp_path / "f.tif"), f64[..., ::-1])
    out = tmp_path / "o.tif"
    assert cli.main(["restore", str(tmp_path / "f.tif"), str(files["gray"]), "-o", str(out)]) == 0
    assert batch.read_image(out).dtype == np.float64
    assert cli.main(["restore", str(tmp_path / "f.tif"), str(files["gray"]), "-o", "o.png"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err
    assert ".tif" in err


def test_rgba_files(files, tmp_path: Path, capsys) -> None:
    rgba, gray = batch.read_image(files["rgba"]), batch.read_image(files["gray"])
    out = tmp_path / "r.png"
    assert cli.main(["restore", str(files["rgba"]), str(files["rgba"]), "-o", str(out)]) == 0
    got = batch.read_image(out)
    np.testing.assert_array_equal(got[..., 3], rgba[..., 3])  # alpha passed through
    np.testing.assert_array_equal(got[..., :3], jf.restore(rgba[..., :3], rgba[..., :3]))
    fused = tmp_path / "f.png"
    assert cli.main(["fuse", str(files["gray"]), str(files["rgba"]), "-o", str(fused)]) == 0
    np.testing.assert_array_equal(batch.read_image(fused), jf.fuse(gray, rgba[..., :3]))
    capsys.readouterr()
    args = ["metrics", str(files["rgba"]), str(files["rgba"]), str(fused), "--metrics", "EN, SD"]
    assert cli.main(args) == 0
    assert "SD" in capsys.readouterr().out


def test_rgba_alpha_rescaled_to_result_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    rgba = _img((6, 7, 4))
    monkeypatch.setattr(jf, "restore", lambda t, g, **kw: t[..., :3].astype(np.uint16) * 257)
    got = batch.restore_op(None)(rgba, rgba)
    np.testing.assert_array_equal(got, rgba.astype(np.uint16) * 257)
    monkeypatch.setattr(jf, "restore", lambda t, g, **kw: t[..., :3] / np.float32(255))
    np.testing.assert_allclose(batch.restore_op(None)(rgba, rgba), rgba / 255.0, rtol=1e-6)


def test_duplicate_stems_are_reported(tmp_path: Path) -> None:
    tdir, gdir = tmp_path / "t", tmp_path / "g"
    tdir.mkdir()
    gdir.mkdir()
    for p in (tdir / "a.png", tdir / "a.tif", gdir / "a.png"):
        assert cv2.imwrite(str(p), _img((8, 8)))
    pairs, unmatched = batch.match_pairs(tdir, gdir)
    assert pairs == [(tdir / "a.png", gdir / "a.png")]
    assert unmatched == [tdir / "a.tif"]
    res = batch.run_batch(tdir, gdir, tmp_path / "o", batch.restore_op(None), progress=False)
    assert "a.tif" in res.summary()


def test_no_pair_is_an_error(tmp_path: Path, capsys) -> None:
    tdir, gdir = tmp_path / "t", tmp_path / "g"
    tdir.mkdir()
    gdir.mkdir()
    assert cv2.imwrite(str(tdir / "a.png"), _img((8, 8)))
    assert cv2.imwrite(str(gdir / "b.png"), _img((8, 8)))
    assert cli.main(["restore", str(tdir), str(gdir), "-o", str(tmp_path / "o")]) == 1
    assert "no image" in capsys.readouterr().err


def test_bad_task_refused_before_any_work(tmp_path: Path, files) -> None:
    tdir = tmp_path / "t"
    tdir.mkdir()
    with pytest.raises(SystemExit) as exc:
        cli.main(["restore", str(tdir), str(tdir), "-o", str(tmp_path / "o"), "--task", "nope"])
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()


def test_video_to_an_image_name_refused(tmp_path: Path, capsys) -> None:
    args = ["video", str(tmp_path / "t.mp4"), str(tmp_path / "g.mp4"), "-o"]
    assert cli.main([*args, str(tmp_path / "out.png")]) == 2
    assert "video file" in capsys.readouterr().err


def test_ctrl_c_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files, capsys
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _demo._write_png(tmp_path / "x.png", _img((8, 8, 3)))
    with pytest.raises(KeyboardInterrupt):
        batch.write_image_atomic(tmp_path / "y.tif", _img((8, 8), np.float32))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())
    monkeypatch.setattr(batch, "read_image", interrupt)
    out = tmp_path / "o.png"
    assert cli.main(["restore", str(files["rgb"]), str(files["gray"]), "-o", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_demo_html_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    r = {"psnr_before": 1.0, "psnr_after": 2.0, "ms": 1.0, "ms_per_megapixel": 1.0}
    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _demo._write_html(tmp_path / "index.html", r, 1, 1e-3, (8, 8))
    assert list(tmp_path.iterdir()) == []


def test_progress_without_tqdm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    tdir, gdir = tmp_path / "t", tmp_path / "g"
    tdir.mkdir()
    gdir.mkdir()
    for i in range(3):
        assert cv2.imwrite(str(tdir / f"{i}.png"), _img((8, 8)))
        assert cv2.imwrite(str(gdir / f"{i}.png"), _img((8, 8)))
    res = batch.run_batch(tdir, gdir, tmp_path / "o", batch.restore_op(None), progress=True)
    assert res.ok
    assert "3/3 images" in capsys.readouterr().err


def test_video_radius_with_task_refused(tmp_path: Path, capsys) -> None:
    args = [
        "video",
        str(tmp_path / "t.mp4"),
        str(tmp_path / "g.png"),
        "-o",
        str(tmp_path / "o.mp4"),
    ]
    assert cli.main([*args, "--task", "day_night", "--radius", "4"]) == 2
    assert "--radius" in capsys.readouterr().err
