"""The command line: demo, fuse, metrics, restore on files, input protection."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import cli

cv2 = pytest.importorskip("cv2")


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    ir = (rng.random((48, 64)) * 255).astype(np.uint8)
    vis = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "ir.png"), ir)
    cv2.imwrite(str(tmp_path / "vis.png"), vis)
    return tmp_path / "ir.png", tmp_path / "vis.png"


def test_demo_writes_gallery(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(out), "--height", "96", "--width", "128"]) == 0
    text = capsys.readouterr().out
    assert "PSNR before" in text
    assert "PSNR after" in text
    for name in ("index.html", "restored.png", "noflash_noisy.png", "flash_guide.png"):
        assert (out / name).is_file()
    before = float(text.split("PSNR before:")[1].split("dB")[0])
    after = float(text.split("PSNR after:")[1].split("dB")[0])
    assert after > before + 3
    # the restore gallery: one row per task, with its images
    from jointfilter.restoration import TASKS

    for task in TASKS:
        assert f"restore {task}" in text
        assert (out / f"{task}_result.png").is_file()
    page = (out / "index.html").read_text()
    assert "Every task" in page
    # the fusion section: the synthetic pair always, fused and scored against the baselines
    assert "fuse synthetic" in text
    assert "Infrared/visible fusion" in page
    for role in ("ir", "vis", "guided", "focus", "average", "maximum"):
        assert (out / f"fusion_synthetic_{role}.png").is_file()
    line = text.split("fuse synthetic")[1].split("\n")[0]
    found = re.search(r"Qabf ([0-9.]+) \(average\) -> ([0-9.]+) \(guided\)", line)
    assert found, line
    assert float(found.group(2)) > float(found.group(1))  # GFF keeps more edges than averaging


def test_fuse_and_metrics(pair, tmp_path, capsys):
    ir, vis = pair
    out = tmp_path / "fused.png"
    assert cli.main(["fuse", str(ir), str(vis), "-o", str(out)]) == 0
    fused = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert fused.shape == (48, 64, 3)
    capsys.readouterr()
    assert cli.main(["metrics", str(ir), str(vis), str(out), "--metrics", "EN,Qabf"]) == 0
    text = capsys.readouterr().out
    assert "EN" in text
    assert "Qabf" in text
    args = ["metrics", str(ir), str(vis), str(out), "--metrics", "EN,Qabf,RMSE"]
    assert cli.main([*args, "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "metric,value,better"
    got = {r.split(",")[0]: r.split(",")[1:] for r in rows[1:]}
    assert set(got) == {"EN", "Qabf", "RMSE"}
    assert got["EN"][1] == "higher"
    assert got["RMSE"][1] == "lower"
    from jointfilter.metrics import fusion_metrics

    imgs = [cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in (ir, vis, out)]
    imgs = [i[..., ::-1] if i.ndim == 3 else i for i in imgs]  # BGR -> RGB, as read_image
    assert float(got["EN"][0]) == fusion_metrics(*imgs, metrics=["EN"])["EN"].value
    with pytest.raises(SystemExit):  # --csv and --json exclude each other
        cli.main([*args, "--csv", "--json"])


def test_never_overwrites_inputs_or_outputs(pair, tmp_path, capsys):
    ir, vis = pair
    before = ir.read_bytes()
    assert cli.main(["fuse", str(ir), str(vis), "-o", str(ir)]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert ir.read_bytes() == before
    out = tmp_path / "o.png"
    out.write_bytes(b"keep")
    assert cli.main(["fuse", str(ir), str(vis), "-o", str(out)]) == 2
    assert out.read_bytes() == b"keep"


def test_unreadable_input_is_a_clean_error(tmp_path, pair, capsys):
    _, vis = pair
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert cli.main(["fuse", str(bad), str(vis), "-o", str(tmp_path / "f.png")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_float_range_for_float_images(tmp_path, capsys):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:48, 0:64]
    ir = (120 + 80 * np.sin(xx / 7.0) + rng.normal(0, 5, xx.shape)).clip(0, 255).astype(np.float32)
    vis = np.dstack([100 + 60 * np.cos(yy / 5.0)] * 3).astype(np.float32)
    for name, img in (("ir.tif", ir), ("vis.tif", vis)):
        cv2.imwrite(str(tmp_path / name), img)
    ir_p, vis_p, out = str(tmp_path / "ir.tif"), str(tmp_path / "vis.tif"), tmp_path / "f.tif"
    # [0, 255] floats taken as [0, 1] would come back white: refused, naming the option
    assert cli.main(["fuse", ir_p, vis_p, "-o", str(out)]) == 2
    assert "--float-range" in capsys.readouterr().err
    assert not out.exists()
    assert cli.main(["fuse", ir_p, vis_p, "-o", str(out), "--float-range", "255"]) == 0
    fused = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)[..., ::-1]
    expect = jf.fuse(ir, vis, data_range=255)
    np.testing.assert_array_equal(fused, expect)
    # restore: the float target takes the range, the uint8 guide keeps 255
    cv2.imwrite(str(tmp_path / "g.png"), vis.astype(np.uint8))
    r_out = tmp_path / "r.tif"
    args = ["restore", vis_p, str(tmp_path / "g.png"), "-o", str(r_out), "--task", "day_night"]
    assert cli.main([*args, "--float-range", "255"]) == 0
    got = cv2.imread(str(r_out), cv2.IMREAD_UNCHANGED)[..., ::-1]
    want = jf.restore(vis, vis.astype(np.uint8), task="day_night", data_range=255)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(SystemExit):
        cli.main([*args, "--float-range", "0"])
