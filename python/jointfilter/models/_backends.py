"""Inference backends: TorchScript (``torch.jit.load``), ONNX Runtime and eager PyTorch modules.

Every backend exposes ``run(inputs) -> list[numpy.ndarray]`` on float32 NCHW arrays, so the
runner (padding, tiling, dtype handling) is backend-agnostic. torch and onnxruntime are imported
here, lazily, inside the constructors: importing this module imports neither.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import MissingDependencyError, ModelError, ParameterError

__all__ = [
    "Backend",
    "OnnxBackend",
    "TorchModuleBackend",
    "TorchScriptBackend",
    "available_backends",
    "choose_backend",
]

_TORCH_HINT = "pip install 'jointfilter[models]'"
_ONNX_HINT = "pip install 'jointfilter[onnx]'"


def _installed(module: str) -> bool:
    # A blocking import hook raises ImportError from find_spec, and a stub left in sys.modules
    # without a __spec__ raises ValueError: both mean "not usable here".
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _missing(backend: str, error: BaseException | None = None) -> MissingDependencyError:
    """The error for a runtime that is absent, or installed but failing to import."""
    hint = _TORCH_HINT if backend == "torch" else _ONNX_HINT
    runtime = "PyTorch" if backend == "torch" else "onnxruntime"
    msg = f"model backend {backend!r} requires {runtime}: {hint}"
    if error is not None and not isinstance(error, ModuleNotFoundError):
        first = (str(error).splitlines() or [""])[0]
        msg += f" ({runtime} is installed but failed to import: {type(error).__name__}: {first})"
    return MissingDependencyError(msg)


def available_backends() -> list[str]:
    """Names of the backends whose runtime is installed (``"onnx"``, ``"torch"``)."""
    out = []
    if _installed("onnxruntime"):
        out.append("onnx")
    if _installed("torch"):
        out.append("torch")
    return out


def choose_backend(backend: str, device: str, formats: Sequence[str]) -> str:
    """Resolve ``backend="auto"`` to ``"onnx"`` or ``"torch"`` given device and file formats.

    ``auto`` prefers ONNX Runtime on CPU (lighter and faster here) and TorchScript on CUDA;
    it falls back to whichever runtime is installed and has a file.
    """
    if backend == "torchscript":  # the file format's name, accepted as an alias
        backend = "torch"
    if backend not in ("auto", "torch", "onnx"):
        msg = f"backend must be 'auto', 'torch' (alias 'torchscript') or 'onnx'; got {backend!r}"
        raise ParameterError(msg)
    have = available_backends()
    if backend != "auto":
        fmt = "torchscript" if backend == "torch" else "onnx"
        if fmt not in formats:
            msg = (
                f"backend={backend!r} needs a {fmt} file, but this model only has "
                f"{sorted(formats)}; pass backend='auto' or convert the model"
            )
            raise ModelError(msg)
        if backend not in have:
            raise _missing(backend)
        return backend
    order = ["torch", "onnx"] if device.startswith("cuda") else ["onnx", "torch"]
    for b in order:
        fmt = "torchscript" if b == "torch" else "onnx"
        if b in have and fmt in formats:
            return b
    needs = []
    if "onnx" in formats:
        needs.append(f"onnxruntime ({_ONNX_HINT})")
    if "torchscript" in formats:
        needs.append(f"PyTorch ({_TORCH_HINT})")
    msg = (
        "running a jointfilter model requires one of: "
        + " or ".join(needs)
        + "; neither is installed"
    )
    raise MissingDependencyError(msg)


class Backend:
    """Base class: ``run`` maps a list of float32 NCHW arrays to a list of output arrays."""

    name = "base"
    supports_half = False

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:  # pragma: no cover
        raise NotImplementedError


def _torch_device(device: str) -> Any:
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        msg = f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}"
        raise ParameterError(msg) from e
    if dev.type == "cuda" and not torch.cuda.is_available():
        msg = f"device={device!r} was requested but PyTorch sees no CUDA device; use device='cpu'"
        raise ParameterError(msg)
    return dev


class _TorchRunner(Backend):
    def __init__(self, module: Any, device: str, half: bool) -> None:
        import torch

        self.device = _torch_device(device)
        if half and self.device.type != "cuda":
            msg = "half=True (fp16) is only supported on CUDA devices; got device='cpu'"
            raise ParameterError(msg)
        self.half = half
        self.module = module.to(self.device)
        if half:
            self.module = self.module.half()
        self._torch = torch

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        torch = self._torch
        dtype = torch.float16 if self.half else torch.float32
        with torch.inference_mode():
            ts = [torch.from_numpy(np.ascontiguousarray(a)).to(self.device, dtype) for a in inputs]
            out = self.module(*ts)
        if not isinstance(out, (tuple, list)):
            out = (out,)
        return [o.float().cpu().numpy() for o in out]


class TorchScriptBackend(_TorchRunner):
    """Runs a traced TorchScript file (``.pt``) with ``torch.jit.load``."""

    name = "torch"
    supports_half = True

    def __init__(self, path: str | Path, device: str = "cpu", half: bool = False) -> None:
        try:
            import torch
        except (ImportError, OSError) as e:  # OSError: a shared library of torch is missing
            raise _missing("torch", e) from e
        from ._export import torchscript_warnings

        if not hasattr(torch, "jit") or not hasattr(torch.jit, "load"):
            msg = (
                f"this PyTorch ({torch.__version__}) has no torch.jit.load; TorchScript files "
                "cannot be loaded: use backend='onnx'"
            )
            raise ModelError(msg)
        try:
            with torchscript_warnings():
                module = torch.jit.load(str(path), map_location="cpu")
        except Exception as e:  # torch raises RuntimeError subclasses with long C++ traces
            msg = f"could not load TorchScript model {str(path)!r}: {str(e).splitlines()[0]}"
            raise ModelError(msg) from e
        module.eval()
        super().__init__(module, device, half)


class TorchModuleBackend(_TorchRunner):
    """Runs an eager ``torch.nn.Module`` (e.g. a converted official checkpoint)."""

    name = "torch-eager"
    supports_half = True

    def __init__(self, module: Any, device: str = "cpu", half: bool = False) -> None:
        super().__init__(module.eval(), device, half)


class OnnxBackend(Backend):
    """Runs an ONNX file with ONNX Runtime (CPU provider; CUDA provider when asked)."""

    name = "onnx"

    def __init__(
        self, path: str | Path, device: str = "cpu", half: bool = False, threads: int | None = None
    ) -> None:
        try:
            import onnxruntime as ort
        except (ImportError, OSError) as e:  # OSError: a shared library is missing
            raise _missing("onnx", e) from e
        if half:
            msg = "half=True (fp16) is only supported by backend='torch' on CUDA"
            raise ParameterError(msg)
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                msg = (
                    f"device={device!r} needs onnxruntime-gpu (CUDAExecutionProvider); "
                    "install it or use backend='torch' / device='cpu'"
                )
                raise ParameterError(msg)
            providers.insert(0, "CUDAExecutionProvider")
        elif device != "cpu":
            msg = f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}"
            raise ParameterError(msg)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = int(threads)
        try:
            self.session = ort.InferenceSession(str(path), sess_options=opts, providers=providers)
        except Exception as e:
            msg = f"could not load ONNX model {str(path)!r}: {str(e).splitlines()[0]}"
            raise ModelError(msg) from e
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        feeds = {
            n: np.ascontiguousarray(a, dtype=np.float32)
            for n, a in zip(self.input_names, inputs, strict=False)
        }
        return list(self.session.run(None, feeds))
