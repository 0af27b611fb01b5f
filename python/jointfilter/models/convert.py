"""Convert an official checkpoint (user-supplied ``.pth``) to our TorchScript / ONNX files.

Usage::

    python -m jointfilter.models.convert ARCH CHECKPOINT --out FILE.pt [--formats pt,onnx]
                                          [--config '{"n_feat": 64}']

``ARCH`` is ``mirnet`` (swz30/MIRNet ``model_denoising.pth`` / ``model_enhancement.pth`` /
``model_SR*.pth``: ``{'epoch', 'state_dict', 'optimizer'}``, keys possibly prefixed
``module.``), ``mirnet_v2`` (swz30/MIRNetv2 releases: ``{'params': ...}``) or ``blur_cnn``
(eyob12/Deep_infrared_and_visible_image_fusion ``EResNet_trained_model.pth``, a bare
state_dict). The state_dict is loaded with ``strict=True`` into our definition (official
constructor defaults unless ``--config`` overrides), then exported. Output: ``FILE.pt``,
``FILE.onnx`` and ``FILE.json`` (kind, multiple, source checksum) for
``jointfilter.models.load(FILE)``.

jointfilter never ships or downloads these weights: MIRNet's are under a non-commercial licence.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._errors import ModelError, ParameterError

__all__ = ["convert", "load_official", "main", "unwrap_state_dict"]

ARCHS = ("mirnet", "mirnet_v2", "blur_cnn")


def unwrap_state_dict(obj: Any) -> dict[str, Any]:
    """Return the bare state_dict of a checkpoint object (strip wrappers and ``module.``)."""
    if isinstance(obj, dict):
        for key in ("state_dict", "params", "params_ema", "model"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        msg = f"checkpoint must contain a state_dict (a dict of tensors); got {type(obj).__name__}"
        raise ModelError(msg)
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module.") :]: v for k, v in obj.items()}
    return dict(obj)


def load_official(arch: str, checkpoint: str | Path | dict, config: dict | None = None) -> Any:
    """Build our ``arch`` and load an official checkpoint into it with ``strict=True``.

    Returns the eager module in eval mode (for ``blur_cnn``: the packed single-input wrapper).
    """
    import torch

    from . import _zoo

    if arch not in ARCHS:
        msg = f"arch must be one of {ARCHS}; got {arch!r}"
        raise ParameterError(msg)
    if isinstance(checkpoint, dict):
        raw = checkpoint
    else:
        try:
            raw = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
        except Exception as e:
            msg = f"could not read checkpoint {str(checkpoint)!r}: {str(e).splitlines()[0]}"
            raise ModelError(msg) from e
    sd = unwrap_state_dict(raw)
    model = _zoo.build(arch, **(config or {}))
    target = model.net if arch == "blur_cnn" else model
    try:
        target.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        msg = (
            f"checkpoint does not match the {arch} layout (config {config or 'official'}): "
            f"{str(e).splitlines()[0]} ... pass --config if the model was built with "
            "non-default arguments"
        )
        raise ModelError(msg) from e
    return model.eval()


def convert(
    arch: str,
    checkpoint: str | Path,
    out: str | Path,
    *,
    formats: tuple[str, ...] = ("pt", "onnx"),
    config: dict | None = None,
) -> dict:
    """Convert ``checkpoint`` and write ``out`` (.pt / .onnx / .json); returns the metadata."""
    from . import _zoo
    from ._export import sha256

    model = load_official(arch, checkpoint, config)
    base = Path(out).with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    files = _zoo.export(arch, model, base, torchscript="pt" in formats, onnx="onnx" in formats)
    kind, multiple = _zoo.ARCHS[arch]
    meta = {
        "arch": arch,
        "kind": kind,
        "multiple": multiple,
        "config": config or {},
        "source": str(checkpoint),
        "source_sha256": sha256(checkpoint),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "files": {k: {"file": v.name, "sha256": sha256(v)} for k, v in files.items()},
        "license_note": "weights converted from a user-supplied checkpoint; check its licence",
    }
    base.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return meta


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        prog="python -m jointfilter.models.convert", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("arch", choices=ARCHS)
    ap.add_argument("checkpoint")
    ap.add_argument("--out", required=True)
    ap.add_argument("--formats", default="pt,onnx", help="comma list of pt, onnx")
    ap.add_argument("--config", default=None, help="JSON constructor arguments")
    a = ap.parse_args(argv)
    cfg = json.loads(a.config) if a.config else None
    meta = convert(a.arch, a.checkpoint, a.out, formats=tuple(a.formats.split(",")), config=cfg)
    print(json.dumps(meta["files"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
