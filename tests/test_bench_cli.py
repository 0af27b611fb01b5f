"""``jointfilter bench`` (jointfilter._bench): the guided filter against OpenCV as a table."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _bench
from jointfilter.cli import main


def _args(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _bench.add_arguments(parser)
    args = parser.parse_args([])
    for k, v in kw.items():
        setattr(args, k, v)
    return args


SMALL = dict(sizes="720p", kinds="gray-1ch", threads="1", precision="single", repeat=1)


def test_cli_bench_prints_the_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "rows.json"
    before = jf.get_num_threads()
    argv = ["bench", "--sizes", "720p", "--kinds", "gray-1ch", "--threads", "1"]
    assert main([*argv, "--precision", "single", "--repeat", "1", "--json", str(path)]) == 0
    assert jf.get_num_threads() == before  # restored
    out = capsys.readouterr().out
    assert "| 720p | gray-1ch | 1 | single |" in out
    (row,) = json.loads(path.read_text())
    assert row["size"] == "720p"
    assert row["kind"] == "gray-1ch"
    assert row["threads"] == 1
    assert row["fn_ms"] > 0
    assert row["obj_ms"] > 0
    assert row["scratch_bytes"] < row["frame_bytes"]  # O(threads x width x radius)


def test_bench_agrees_with_opencv_when_it_is_installed():
    cv2 = pytest.importorskip("cv2")
    if not hasattr(cv2, "ximgproc"):
        pytest.skip("cv2.ximgproc missing")
    row = _bench.measure(cv2, "720p", "colour-1ch", 1, 1, "double")
    assert row.cv_ms > 0
    assert row.ratio_fn > 0
    assert row.max_diff < 1e-4  # the same filter (border="symmetric", [0, 255]-scaled data)


def test_bench_without_opencv_times_ours_only(monkeypatch, capsys):
    monkeypatch.setattr(_bench, "_opencv", lambda: None)
    assert _bench.run(_args(**SMALL)) == 0
    out = capsys.readouterr().out
    assert "cv2.ximgproc is missing" in out
    assert "pip install opencv-contrib-python-headless" in out
    row = _bench.measure(None, "720p", "gray-1ch", 1, 1, "single")
    assert math.isnan(row.cv_ms)
    assert math.isnan(row.max_diff)
    assert row.fn_ms > 0
    assert "| - |" in _bench.markdown([row], "t")


def test_synthetic_frames_stand_in_for_scikit_image():
    img = _bench._synthetic_frame("astronaut")
    assert img.shape == (512, 512, 3)
    assert img.dtype == np.float32
    assert 0 <= img.min()
    assert img.max() <= 1
    assert img.std() > 0.1
    np.testing.assert_array_equal(img, _bench._synthetic_frame("astronaut"))  # deterministic


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("sizes", "8k", "--sizes: unknown '8k'"),
        ("kinds", "rgb", "--kinds: unknown 'rgb'"),
        ("precision", "half", "--precision: unknown 'half'"),
        ("threads", "two", "--threads: expected integers"),
        ("threads", "0", "--threads: expected counts >= 1"),
        ("repeat", 0, "--repeat: expected >= 1"),
        ("sizes", ",", "--sizes: empty"),
    ],
)
def test_bench_rejects_bad_options(option, value, message):
    with pytest.raises(ValueError, match=message):
        _bench.run(_args(**{**SMALL, option: value}))


def test_cli_bench_bad_option_exits_2(capsys):
    assert main(["bench", "--sizes", "8k"]) == 2
    assert "--sizes: unknown '8k'" in capsys.readouterr().err


def test_cli_version(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")  # one line whatever the terminal width
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"jointfilter {jf.__version__} (kernels: ")
    assert out.count("\n") == 1
    assert jf.build_info()["kernel_isa"] in out
