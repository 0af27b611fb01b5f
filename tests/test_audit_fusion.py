"""Regression tests of the fusion/metrics audit (fuse's cnn model checks, float16 outputs,
metric edge cases). Synthetic data only, no model runtime needed; runs in about a second."""

from __future__ import annotations

import math
import pathlib
import re
from typing import Any

import numpy as np
import pytest

from jointfilter.errors import MissingDependencyError, ParameterError, ShapeError
from jointfilter.fusion import _cnn, fuse
from jointfilter.metrics import entropy, fusion_metrics, psnr, qabf, ssim

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def _pair(h: int = 48, w: int = 56) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return (
        rng.integers(0, 256, (h, w), dtype=np.uint8),
        rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
    )


class _Windowed:
    """A stand-in blur model with the shipped network's 32-pixel window."""

    window = 32

    def __call__(self, a: np.ndarray, b: np.ndarray, *, stride: int = 8) -> np.ndarray:
        return np.full(a.shape[:2], 0.75, np.float32)


# ------------------------------------------------------------------------------------------
# fuse(method="cnn"): model and stride checks


@pytest.mark.parametrize("name", ["derain", "mirnet-denoise"])
def test_cnn_registry_model_of_another_kind_is_a_parameter_error(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: TypeError "ImageModel.__call__() takes 2 positional arguments but 3 were given"
    monkeypatch.setattr(_cnn, "_CACHE", {})
    ir, vis = _pair(64, 64)
    with pytest.raises(ParameterError, match=rf"model must be a blur-detection model.*{name}"):
        fuse(ir, vis, method="cnn", model=name)


def test_cnn_loaded_model_of_another_kind_is_a_parameter_error() -> None:
    import jointfilter.models as jm

    derain = object.__new__(jm.DerainModel)  # the class is what matters, not its weights
    ir, vis = _pair(64, 64)
    with pytest.raises(ParameterError, match="DerainModel"):
        fuse(ir, vis, method="cnn", model=derain)


@pytest.mark.parametrize("model", ["no-such-model", "/no/such/file.onnx"])
def test_cnn_unknown_model_is_a_parameter_error(model: str) -> None:
    # before: MissingDependencyError telling the user to reinstall jointfilter
    ir, vis = _pair(64, 64)
    with pytest.raises(ParameterError, match="neither a shipped model name nor an existing"):
        fuse(ir, vis, method="cnn", model=model)


def test_cnn_stride_larger_than_window_is_rejected() -> None:
    # before: pixels between windows were never scored and silently went to the visible image
    ir, vis = _pair(70, 90)
    with pytest.raises(ParameterError, match=r"stride must be <= the network's window \(32"):
        fuse(ir, vis, method="cnn", model=_Windowed(), stride=33)
    out, w = fuse(ir, vis, method="cnn", model=_Windowed(), stride=32, return_weights=True)
    assert out.shape == vis.shape
    assert np.all(w["score"] == np.float32(0.75))


def test_cnn_explicit_backend_without_its_runtime_suggests_auto(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # before: "no runtime is installed" although the other runtime may well be installed
    import jointfilter.models as jm

    monkeypatch.setattr(_cnn, "_CACHE", {})

    def no_onnx(*args: Any, **kwargs: Any) -> Any:
        raise MissingDependencyError("model backend 'onnx' requires onnxruntime")

    monkeypatch.setattr(jm, "load", no_onnx)
    ir, vis = _pair(64, 64)
    with pytest.raises(MissingDependencyError, match="backend='auto'") as info:
        fuse(ir, vis, method="cnn", backend="onnx")
    assert "no runtime is installed" not in str(info.value)


# ------------------------------------------------------------------------------------------
# fuse: outputs and flags


def test_float16_output_with_a_range_beyond_float16_saturates() -> None:
    # before: 65535 cast to float16 gave inf (and a RuntimeWarning)
    ir, vis = _pair()
    vis16 = (vis.astype(np.float64) * 255.0).astype(np.float16)  # up to 65025
    out = fuse(ir, vis16, data_range=65535.0, enhance="detail", enhance_gain=5.0)
    assert out.dtype == np.float16
    assert np.isfinite(out).all()
    assert float(out.max()) == float(np.finfo(np.float16).max)


def test_numpy_bool_flags_are_accepted_and_bad_flags_named() -> None:
    ir, vis = _pair()
    ref = fuse(ir, vis, clip=True)
    np.testing.assert_array_equal(fuse(ir, vis, clip=np.bool_(True)), ref)
    with pytest.raises(ParameterError, match=r"return_weights must be a bool.*got str"):
        fuse(ir, vis, return_weights="yes")


# ------------------------------------------------------------------------------------------
# metrics


def test_entropy_of_a_constant_image_is_plus_zero() -> None:
    c = np.full((16, 16), 7, np.uint8)
    assert math.copysign(1.0, entropy(c)) == 1.0  # before: -0.0
    res = fusion_metrics(c, c, c, metrics=["EN", "MI"])
    assert math.copysign(1.0, res["EN"].value) == 1.0
    assert res["MI"].value == 0.0


def test_fusion_metrics_accept_big_endian_uint16() -> None:
    # before: DTypeError "must have dtype uint8, uint16 or float; got >u2"
    rng = np.random.default_rng(1)
    ir, vis, fused = rng.integers(0, 65536, (3, 24, 24), dtype=np.uint16)
    native = fusion_metrics(ir, vis, fused, metrics=["EN", "MI", "Qabf"])
    swapped = fusion_metrics(
        ir.astype(">u2"), vis.astype(">u2"), fused.astype(">u2"), metrics=["EN", "MI", "Qabf"]
    )
    assert {k: v.value for k, v in swapped.items()} == {k: v.value for k, v in native.items()}


def test_restoration_metrics_accept_big_endian_uint16() -> None:
    # before: DTypeError "reference has dtype >u2, which has no default data range"
    rng = np.random.default_rng(2)
    x = rng.integers(0, 65536, (20, 20), dtype=np.uint16)
    y = np.clip(x.astype(np.int64) + 300, 0, 65535).astype(np.uint16)
    assert psnr(x.astype(">u2"), y.astype(">u2")) == psnr(x, y)
    assert ssim(x.astype(">u2"), y.astype(">u2")) == ssim(x, y)


@pytest.mark.parametrize("fn", [psnr, ssim])
def test_restoration_metrics_reject_channels_first(fn: Any) -> None:
    # before: psnr(..., crop=1) cropped the channel axis; ssim blamed the image size
    rng = np.random.default_rng(3)
    x = rng.random((3, 40, 50))
    with pytest.raises(ShapeError, match="channels-first"):
        fn(x, x, crop=1)


def test_docs_qabf_identical_value_matches_the_code() -> None:
    # docs/metrics.md quoted 0.97723 for Qab/f(x, x, x); the formula gives 0.97533
    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, (32, 32), dtype=np.uint8)
    value = f"{qabf(x, x, x):.5f}"
    assert value == f"{0.9994 * 0.9879 / (1 + math.exp(-4.4)):.5f}"
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r"= (0\.97\d{3})", text))
    assert quoted == {value}


def test_float_inputs_in_0_255_without_data_range_are_refused():
    rng = np.random.default_rng(3)
    ir = rng.uniform(0, 255, (40, 48)).astype(np.float32)
    vis = rng.uniform(0, 255, (40, 48, 3)).astype(np.float32)
    with pytest.raises(ParameterError, match="data_range"):
        fuse(ir, vis)
    with pytest.raises(ParameterError, match="infrared is float with values up to"):
        fuse(ir, vis / 255)
    out = fuse(ir, vis, data_range=255)  # the fix the message names
    assert out.dtype == np.float32
    assert 0 <= out.min() <= out.max() <= 255
    assert out.max() > 2  # not clipped to [0, 1]
    hdr = fuse(ir / 100, vis / 100, clip=False)  # above 1 on purpose
    assert hdr.max() > 1.5
