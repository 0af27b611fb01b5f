"""Export of PyTorch modules to TorchScript (``.pt``) and ONNX (``.onnx``).

This module and :mod:`jointfilter.models._backends` are the only places that touch
``torch.jit``; :func:`torchscript_warnings` is the one place that handles its deprecation
warnings (PyTorch 2.x marks TorchScript deprecated in favour of ``torch.export``). If a future
PyTorch removes ``torch.jit``, the TorchScript backend fails there with a clear
:class:`~jointfilter.errors.ModelError` and the ONNX backend keeps working.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["export_onnx", "export_torchscript", "sha256", "torchscript_warnings"]


@contextlib.contextmanager
def torchscript_warnings() -> Iterator[None]:
    """Silence TorchScript's deprecation and tracer warnings (the single place that does it)."""
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit.*deprecated.*")
        warnings.filterwarnings("ignore", message=r".*TorchScript.*deprecated.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit.*")
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        yield


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_torchscript(module: Any, example: Sequence[Any], path: str | Path) -> Path:
    """Trace ``module`` (in eval mode) on ``example`` inputs and save it to ``path``."""
    import torch

    module = module.eval()
    with torch.no_grad(), torchscript_warnings():
        # Not frozen: the file keeps the named parameters, so ``torch.jit.load(f).state_dict()``
        # restores the eager module (used by the parity tests and by re-exports).
        traced = torch.jit.trace(module, tuple(example), check_trace=False)
        torch.jit.save(traced, str(path))
    return Path(path)


def export_onnx(
    module: Any,
    example: Sequence[Any],
    path: str | Path,
    *,
    input_names: Sequence[str],
    output_names: Sequence[str],
    dynamic_shapes: Any = None,
    dynamic_axes: dict | None = None,
) -> Path:
    """Export to a single-file ONNX model (weights embedded, ``external_data=False``).

    Uses the dynamo exporter (needs ``onnxscript``) with ``dynamic_shapes``; falls back to the
    legacy TorchScript-based exporter with ``dynamic_axes`` when onnxscript is missing.
    """
    import torch

    module = module.eval()
    path = Path(path)
    try:
        import onnxscript  # noqa: F401

        have_onnxscript = True
    except ImportError:
        have_onnxscript = False
    import logging

    onnx_log = logging.getLogger("torch.onnx")
    old_level = onnx_log.level
    onnx_log.setLevel(logging.ERROR)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if have_onnxscript:
            prog = torch.onnx.export(
                module,
                tuple(example),
                dynamo=True,
                dynamic_shapes=dynamic_shapes,
                input_names=list(input_names),
                output_names=list(output_names),
                external_data=False,
                verbose=False,
                optimize=True,
            )
            prog.save(str(path), external_data=False)
        else:
            torch.onnx.export(
                module,
                tuple(example),
                str(path),
                dynamo=False,
                opset_version=17,
                input_names=list(input_names),
                output_names=list(output_names),
                dynamic_axes=dynamic_axes,
            )
    onnx_log.setLevel(old_level)
    stray = path.with_name(path.name + ".data")
    if stray.exists():
        msg = f"ONNX export wrote external data {stray}; expected a single file"
        raise RuntimeError(msg)
    return path
