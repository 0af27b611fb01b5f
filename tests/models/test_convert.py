"""Converter: an official-format checkpoint -> TorchScript / ONNX -> jointfilter.models.load."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jointfilter.models as jm  # noqa: E402
from jointfilter.models import _zoo  # noqa: E402
from jointfilter.models.convert import convert, main  # noqa: E402


def test_convert_mirnet_checkpoint_to_torchscript(tmp_path) -> None:
    config = {"n_feat": 8, "n_RRG": 1, "n_MSRB": 1}
    torch.manual_seed(0)
    ref = _zoo.build("mirnet", **config).eval()
    ck = tmp_path / "model_denoising.pth"
    torch.save(
        {
            "epoch": 60,
            "state_dict": {"module." + k: v for k, v in ref.state_dict().items()},
            "optimizer": {},
        },
        ck,
    )
    meta = convert("mirnet", ck, tmp_path / "out" / "mirnet.pt", formats=("pt",), config=config)
    assert meta["kind"] == "image"
    assert meta["multiple"] == 4
    side = json.loads((tmp_path / "out" / "mirnet.json").read_text())
    assert side["source_sha256"] == meta["source_sha256"]
    net = jm.load(tmp_path / "out" / "mirnet.pt")
    assert net.multiple == 4
    assert net.backend.name == "torch"
    x = np.random.default_rng(0).random((22, 30, 3), dtype=np.float32)  # not a multiple of 4
    padded = np.pad(x, ((0, 2), (0, 2), (0, 0)), mode="reflect")
    with torch.no_grad():
        expect = ref(torch.from_numpy(padded.transpose(2, 0, 1).copy())[None])[0].numpy()
    expect = np.clip(expect.transpose(1, 2, 0)[:22, :30], 0, 1)
    np.testing.assert_allclose(net(x), expect, atol=1e-5)


def test_convert_cli_blur_cnn_to_onnx(tmp_path) -> None:
    pytest.importorskip("onnxruntime")
    config = {"c1": 8, "c2": 8, "c3": 8, "hidden": 8}
    torch.manual_seed(0)
    ref = _zoo.build("blur_cnn", **config).eval()
    ck = tmp_path / "EResNet_trained_model.pth"
    torch.save(ref.net.state_dict(), ck)
    assert (
        main(
            [
                "blur_cnn",
                str(ck),
                "--out",
                str(tmp_path / "ivif.onnx"),
                "--formats",
                "onnx",
                "--config",
                json.dumps(config),
            ]
        )
        == 0
    )
    net = jm.load(tmp_path / "ivif.onnx")
    assert isinstance(net, jm.BlurCNNModel)
    assert net.backend.name == "onnx"
    pairs = np.random.default_rng(1).random((5, 3, 64, 32), dtype=np.float32)
    with torch.no_grad():
        expect = ref(torch.from_numpy(pairs)).numpy()
    np.testing.assert_allclose(net.classify(pairs), expect, atol=1e-4)


def test_convert_rejects_unknown_arch(tmp_path) -> None:
    from jointfilter.errors import ParameterError
    from jointfilter.models.convert import load_official

    with pytest.raises(ParameterError, match="arch must be one of"):
        load_official("codenet", {})
