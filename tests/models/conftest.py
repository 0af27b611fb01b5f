"""Fixtures for the learned-model tests (tiny models are built and exported in-test)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest


def shared_models_dir() -> Path | None:
    """``shared/data/models`` beside the checkout, or under ``$JOINTFILTER_SHARED``."""
    env = os.environ.get("JOINTFILTER_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / ".." / "shared")
    for c in candidates:
        d = c / "data" / "models"
        if d.is_dir():
            return d
    return None


@pytest.fixture(scope="session")
def models_dir() -> Path:
    d = shared_models_dir()
    if d is None:
        pytest.skip("shared/data/models not present (set JOINTFILTER_SHARED)")
    return d


@pytest.fixture(scope="session")
def tiny_local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny fully-convolutional net (receptive-field radius 3) exported to .pt and .onnx.

    Returns the paths and the eager module (key "module").
    """
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from jointfilter.models import _export

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.c2 = torch.nn.Conv2d(8, 8, 3, padding=1)
            self.c3 = torch.nn.Conv2d(8, 3, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = torch.relu(self.c1(x))
            h = torch.relu(self.c2(h))
            return x + 0.2 * torch.tanh(self.c3(h))

    torch.manual_seed(0)
    m = Tiny().eval()
    d = tmp_path_factory.mktemp("tiny")
    ex = (torch.rand(2, 3, 20, 24),)
    pt = _export.export_torchscript(m, ex, d / "tiny.pt")
    onnx = _onnx(m, ex, d / "tiny.onnx")
    for p in (pt, onnx):
        p.with_suffix(".json").write_text(json.dumps({"kind": "image", "multiple": 4}))
    return {"pt": pt, "onnx": onnx, "module": m}


def _onnx(m, ex, path: Path) -> Path:
    """Dynamic-shape ONNX export of the tiny net (dynamo exporter; a few seconds)."""
    from torch.export import Dim

    from jointfilter.models import _export

    shapes = (
        {0: Dim("n", min=1, max=64), 2: Dim("h", min=2, max=4096), 3: Dim("w", min=2, max=4096)},
    )
    return _export.export_onnx(
        m, ex, path, input_names=["image"], output_names=["output"], dynamic_shapes=shapes
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
