"""`import jointfilter` / `import jointfilter.models` must not import torch or onnxruntime."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "stmt",
    [
        "import jointfilter",
        "import jointfilter.models",
        "import jointfilter.models as m; m.list_models()",
    ],
)
def test_import_is_light(stmt: str) -> None:
    code = (
        f"{stmt}\nimport sys\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'onnx') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    env = dict(os.environ)
    src = Path(__file__).resolve().parents[2] / "python"
    env.setdefault("PYTHONPATH", "")
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(src.parent),
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"{stmt!r} imported {r.stdout.strip()}"
