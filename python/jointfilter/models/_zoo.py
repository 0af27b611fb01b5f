"""Architecture builders and their export signatures (imports torch: load lazily).

``build(arch, **config)`` returns an eager ``torch.nn.Module``; ``export(arch, module, base)``
writes ``base.pt`` (TorchScript trace) and ``base.onnx`` with the I/O names and dynamic axes the
runner expects for the architecture's *kind*:

=========== ====================================== ==========================================
kind        inputs                                 outputs
=========== ====================================== ==========================================
image       image ``N x 3 x H x W`` in [0, 1]      output ``N x 3 x H x W``
derain      image ``N x 3 x H x W``                output ``N x 3 x H x W``, rde ``N x S``
stochastic  image ``N x 3 x H x W``, z ``N x L``   output ``N x 3 x H x W``
pairs       pairs ``N x 3 x 64 x 32``              logits ``N x 2``
=========== ====================================== ==========================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["ARCHS", "build", "example_inputs", "export"]

# arch name -> (kind, multiple)
ARCHS: dict[str, tuple[str, int]] = {
    "mirnet": ("image", 4),
    "mirnet_v2": ("image", 4),
    "mirnet_tone": ("image", 4),
    "codenet": ("derain", 1),
    "stochastic": ("stochastic", 1),
    "stochastic_tone": ("stochastic", 1),
    "blur_cnn": ("pairs", 1),
}


def build(arch: str, **config: Any) -> Any:
    """Instantiate architecture ``arch`` with constructor arguments ``config``."""
    if arch == "mirnet":
        from .architectures.mirnet import MIRNet

        return MIRNet(**config)
    if arch == "mirnet_v2":
        from .architectures.mirnet_v2 import MIRNetV2

        return MIRNetV2(**config)
    if arch == "mirnet_tone":
        from .architectures.mirnet_tone import MIRNetTone

        return MIRNetTone(**config)
    if arch == "codenet":
        from .architectures.codenet import CODENet

        if "kernel_sizes" in config:
            config = {**config, "kernel_sizes": tuple(config["kernel_sizes"])}
        return CODENet(**config)
    if arch == "stochastic":
        from .architectures.stochastic import StochasticEnhancer

        return StochasticEnhancer(**config)
    if arch == "stochastic_tone":
        from .architectures.stochastic_tone import StochasticTone

        return StochasticTone(**config)
    if arch == "blur_cnn":
        from .architectures.blur_cnn import BlurCNN, BlurCNNPacked

        return BlurCNNPacked(BlurCNN(**config))
    msg = f"arch must be one of {sorted(ARCHS)}; got {arch!r}"
    raise ValueError(msg)


def example_inputs(arch: str, module: Any, h: int = 48, w: int = 40, n: int = 2) -> tuple:
    """Deterministic example inputs for tracing / exporting / parity checks."""
    import torch

    g = torch.Generator().manual_seed(0)
    kind = ARCHS[arch][0]
    if kind == "pairs":
        return (torch.rand(n, 3, 64, 32, generator=g),)
    x = torch.rand(n, 3, h, w, generator=g)
    if kind == "stochastic":
        return (x, torch.randn(n, module.latent_dim, generator=g))
    return (x,)


def _io(arch: str) -> tuple[list[str], list[str]]:
    kind = ARCHS[arch][0]
    if kind == "pairs":
        return ["pairs"], ["logits"]
    if kind == "stochastic":
        return ["image", "z"], ["output"]
    if kind == "derain":
        return ["image"], ["output", "rde"]
    return ["image"], ["output"]


def _with_ext(base: Path, ext: str) -> Path:
    """``base`` + ``ext``: appended, so a dotted stem such as ``net.v2`` is kept whole."""
    return base.with_name(base.name + ext)


def export(
    arch: str, module: Any, base: str | Path, *, onnx: bool = True, torchscript: bool = True
) -> dict[str, Path]:
    """Write ``base.pt`` and ``base.onnx`` for ``module``; returns the paths written.

    ``base`` is the path without extension; the extensions are appended (``net.v2`` ->
    ``net.v2.pt``), never substituted for a dotted part of the name.
    """
    from torch.export import Dim

    from ._export import export_onnx, export_torchscript

    kind, multiple = ARCHS[arch]
    module = module.eval()
    base = Path(base)
    ex = example_inputs(
        arch,
        module,
        h=12 * multiple if multiple > 1 else 45,
        w=10 * multiple if multiple > 1 else 38,
    )
    out: dict[str, Path] = {}
    if torchscript:
        out["torchscript"] = export_torchscript(module, ex, _with_ext(base, ".pt"))
    if onnx:
        batch = Dim("batch", min=1, max=4096)
        if kind == "pairs":
            shapes: Any = ({0: batch},)
            axes = {"pairs": {0: "batch"}, "logits": {0: "batch"}}
        else:
            if multiple > 1:
                hh, ww = multiple * Dim("h", min=1, max=4096), multiple * Dim("w", min=1, max=4096)
            else:
                hh, ww = Dim("h", min=2, max=16384), Dim("w", min=2, max=16384)
            img = {0: batch, 2: hh, 3: ww}
            shapes = (img, {0: batch}) if kind == "stochastic" else (img,)
            axes = {"image": {0: "batch", 2: "h", 3: "w"}, "output": {0: "batch", 2: "h", 3: "w"}}
            if kind == "stochastic":
                axes["z"] = {0: "batch"}
            if kind == "derain":
                axes["rde"] = {0: "batch"}
        ins, outs = _io(arch)
        out["onnx"] = export_onnx(
            module,
            ex,
            _with_ext(base, ".onnx"),
            input_names=ins,
            output_names=outs,
            dynamic_shapes=shapes,
            dynamic_axes=axes,
        )
    return out
