"""Regression tests from the audit of ``jointfilter.models`` (runner, load, converter)."""

from __future__ import annotations

import importlib.machinery
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import jointfilter.models as jm
from jointfilter.errors import (
    DTypeError,
    MissingDependencyError,
    ModelError,
    NonFiniteError,
    ParameterError,
)

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from jointfilter.models import _backends, _zoo  # noqa: E402
from jointfilter.models.convert import convert, main  # noqa: E402

_BLUR_CFG = {"c1": 8, "c2": 8, "c3": 8, "hidden": 8}


@pytest.fixture(scope="module")
def denoise() -> jm.Model:
    return jm.load("mirnet-denoise", backend="onnx")


@pytest.fixture
def blur_ckpt(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    ref = _zoo.build("blur_cnn", **_BLUR_CFG).eval()
    ck = tmp_path / "EResNet_trained_model.pth"
    torch.save(ref.net.state_dict(), ck)
    return ck


def _names(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


# ----------------------------------------------------------------------------- runtimes
class _BrokenLoader:
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("libonnxruntime.so.1: cannot open shared object file")


class _BrokenFinder:
    """Makes ``onnxruntime`` look installed but fail to import (a broken wheel)."""

    def find_spec(self, name, path=None, target=None):
        if name == "onnxruntime":
            return importlib.machinery.ModuleSpec(name, _BrokenLoader())
        return None


class _BlockingFinder:
    """An import hook that refuses a module by raising from find_spec."""

    def find_spec(self, name, path=None, target=None):
        if name == "jf_audit_blocked_runtime":
            raise ImportError(f"blocked {name}")
        return None


def test_installed_check_survives_blocking_hooks_and_stubs(monkeypatch) -> None:
    monkeypatch.setattr(sys, "meta_path", [_BlockingFinder(), *sys.meta_path])
    assert _backends._installed("jf_audit_blocked_runtime") is False
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # __spec__ is None
    assert "torch" not in jm.available_backends()


def test_auto_falls_back_when_onnxruntime_fails_to_import(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenFinder(), *sys.meta_path])
    assert "onnx" in jm.available_backends()  # looks installed
    assert jm.load("derain").backend.name == "torch"
    with pytest.raises(MissingDependencyError, match=r"jointfilter\[onnx\].*failed to import"):
        jm.load("derain", backend="onnx")


def test_backend_torchscript_alias() -> None:
    assert jm.load("derain", backend="torchscript").backend.name == "torch"


def test_registry_name_rejects_path_only_overrides() -> None:
    with pytest.raises(ParameterError, match="multiple"):
        jm.load("mirnet-denoise", multiple=8)
    with pytest.raises(ParameterError, match="kind"):
        jm.load("derain", kind="image")


# ----------------------------------------------------------------------------- runner
def test_empty_stack_returns_empty_stack(denoise) -> None:
    x = np.zeros((0, 9, 11, 3), np.uint8)
    y = denoise(x)
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    out, density = jm.load("derain", backend="onnx")(np.zeros((0, 5, 6, 1), np.float32))
    assert out.shape == (0, 5, 6, 1)
    assert density.shape == (0,)
    with pytest.raises(DTypeError):
        denoise(np.zeros((0, 9, 11, 3), np.int32))


def test_big_endian_error_names_the_fix(denoise) -> None:
    x = np.zeros((8, 8, 3), ">f4")
    with pytest.raises(DTypeError, match=r"byte order.*astype\(np\.float32\)"):
        denoise(x)


def test_overlap_not_below_tile_raises_whatever_the_image_size(denoise) -> None:
    small = np.zeros((8, 8, 3), np.float32)  # smaller than the tile: was silently accepted
    with pytest.raises(ParameterError, match="must be smaller than tile"):
        denoise(small, tile=16, overlap=16)
    with pytest.raises(ParameterError, match="must be smaller than tile"):
        denoise(small, tile=16, overlap=10**9)


def test_load_options_passed_to_the_call_get_a_hint(denoise) -> None:
    with pytest.raises(ParameterError, match=r"chosen when loading.*load\(name, device="):
        denoise(np.zeros((8, 8, 3), np.float32), device="cpu")


def test_sample_rejects_z() -> None:
    net = jm.load("stochastic-enhance", backend="onnx")
    with pytest.raises(ParameterError, match=r"model\(image, z=z\)"):
        net.sample(np.zeros((8, 8, 3), np.float32), n=2, z=np.zeros(4))


def test_frames_are_batched(denoise) -> None:
    rng = np.random.default_rng(0)
    stack = rng.random((5, 13, 17, 3), dtype=np.float32)
    calls: list[int] = []
    run = denoise.backend.run

    def counting(inputs):
        calls.append(len(inputs[0]))
        return run(inputs)

    denoise.backend.run = counting
    try:
        y = denoise(stack, batch_size=4)
    finally:
        del denoise.backend.run
    assert calls == [4, 1]
    for i in range(5):
        np.testing.assert_allclose(y[i], denoise(stack[i]), atol=1e-5)


def test_classify_checks_its_input() -> None:
    net = jm.load("blur-cnn", backend="onnx")
    with pytest.raises(NonFiniteError):
        net.classify(np.full((1, 3, 64, 32), np.nan, np.float32))
    with pytest.raises(DTypeError, match="pairs"):
        net.classify("pairs")


# ----------------------------------------------------------------------------- converter
def test_convert_keeps_dotted_names(tmp_path, blur_ckpt) -> None:
    convert("blur_cnn", blur_ckpt, tmp_path / "ivif.v2.pt", formats=("pt",), config=_BLUR_CFG)
    assert {"ivif.v2.pt", "ivif.v2.json"} <= set(_names(tmp_path))
    assert "ivif.pt" not in _names(tmp_path)
    assert isinstance(jm.load(tmp_path / "ivif.v2.pt"), jm.BlurCNNModel)


def test_convert_bad_config_and_formats(tmp_path, blur_ckpt) -> None:
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="config"):
        convert("blur_cnn", blur_ckpt, out / "a.pt", config={"no_such_arg": 1})
    with pytest.raises(ParameterError, match="config"):
        convert("blur_cnn", blur_ckpt, out / "a.pt", config=[1])
    with pytest.raises(ParameterError, match="config"):
        convert("mirnet_v2", blur_ckpt, out / "a.pt", config={"n_feat": 8})  # torch ValueError
    with pytest.raises(ParameterError, match="formats"):
        convert("blur_cnn", blur_ckpt, out / "a.pt", formats=("png",), config=_BLUR_CFG)
    assert not out.exists() or _names(out) == []


def test_convert_rejects_non_string_keys(tmp_path) -> None:
    ck = tmp_path / "odd.pth"
    torch.save({1: torch.zeros(1)}, ck)
    with pytest.raises(ModelError, match="keys"):
        convert("blur_cnn", ck, tmp_path / "x.pt")


def test_convert_leaves_nothing_behind_on_failure(tmp_path, blur_ckpt, monkeypatch) -> None:
    from jointfilter.models import _export

    def fail(*args, **kwargs):
        raise RuntimeError("export failed")

    monkeypatch.setattr(_export, "export_onnx", fail)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="export failed"):
        convert("blur_cnn", blur_ckpt, out / "ivif.pt", config=_BLUR_CFG)
    assert _names(out) == []  # no .pt without its .onnx / .json, no temporary folder


def test_convert_without_torch_names_the_extra(tmp_path, blur_ckpt, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r"jointfilter\[models\]"):
        convert("blur_cnn", blur_ckpt, tmp_path / "x.pt", config=_BLUR_CFG)


def test_convert_cli_errors_are_one_line(tmp_path, blur_ckpt, capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(["blur_cnn", str(blur_ckpt), "--out", str(tmp_path / "a.pt"), "--config", "{bad"])
    assert e.value.code == 2
    assert "--config must be a JSON object" in capsys.readouterr().err
    argv = ["blur_cnn", str(tmp_path / "missing.pth"), "--out", str(tmp_path / "a.pt")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error: could not read checkpoint" in err
    assert "Traceback" not in err
    argv = ["blur_cnn", str(blur_ckpt), "--out", str(tmp_path / "a.pt"), "--formats", "pt,png"]
    assert main(argv) == 2
    assert "formats" in capsys.readouterr().err


def test_load_by_path_checks_the_side_file_checksum(tmp_path, blur_ckpt) -> None:
    convert("blur_cnn", blur_ckpt, tmp_path / "ivif.pt", formats=("pt",), config=_BLUR_CFG)
    meta = json.loads((tmp_path / "ivif.json").read_text())
    assert meta["files"]["torchscript"]["file"] == "ivif.pt"
    jm.load(tmp_path / "ivif.pt")
    data = bytearray((tmp_path / "ivif.pt").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "ivif.pt").write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"corrupt.*convert it again"):
        jm.load(tmp_path / "ivif.pt")


def test_from_module_validates_its_arguments() -> None:
    ident = torch.nn.Identity()
    with pytest.raises(ParameterError, match="multiple"):
        jm.from_module(ident, multiple=0)  # was a ZeroDivisionError at the first call
    with pytest.raises(ParameterError, match="latent_dim"):
        jm.from_module(ident, kind="stochastic", multiple=1)
    with pytest.raises(ParameterError, match="kind"):
        jm.from_module(ident, kind="video")
    with pytest.raises(DTypeError, match=r"torch\.nn\.Module"):
        jm.from_module("mirnet-denoise")
    x = np.random.default_rng(0).random((5, 7, 3), dtype=np.float32)
    np.testing.assert_array_equal(jm.from_module(ident, multiple=4)(x), x)


def test_wrong_convention_override_gives_a_model_error() -> None:
    x = np.zeros((12, 12, 3), np.float32)
    denoise_onnx = jm.REGISTRY["mirnet-denoise"].path("onnx")
    with pytest.raises(ModelError, match=r"returned 1 output.*kind="):
        jm.load(denoise_onnx, kind="derain")(x)  # was an IndexError
    stochastic_onnx = jm.REGISTRY["stochastic-enhance"].path("onnx")
    with pytest.raises(ModelError, match=r"failed on inputs of shape.*kind="):
        jm.load(stochastic_onnx, kind="image")(x)  # was onnxruntime's own error


def test_blur_cnn_stride_beyond_the_window_is_refused():
    net = jm.load("blur-cnn")
    a = np.random.default_rng(0).random((40, 40), dtype=np.float32)
    with pytest.raises(ParameterError, match="stride must be <= the window"):
        net(a, a, stride=net.window + 1)
    assert net(a, a, stride=net.window).shape == (40, 40)  # the largest stride that covers all
