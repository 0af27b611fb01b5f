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
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._errors import JointFilterError, MissingDependencyError, ModelError, ParameterError

__all__ = ["convert", "load_official", "main", "unwrap_state_dict"]

ARCHS = ("mirnet", "mirnet_v2", "blur_cnn")
FORMATS = ("pt", "onnx")
_PROG = "python -m jointfilter.models.convert"


def _import_torch() -> Any:
    try:
        import torch
    except (ImportError, OSError) as e:
        msg = (
            "converting a checkpoint requires PyTorch: pip install 'jointfilter[models]' "
            f"({type(e).__name__}: {e})"
        )
        raise MissingDependencyError(msg) from e
    return torch


def _check_formats(formats: Any) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    try:
        fmts = tuple(formats)
    except TypeError:
        fmts = ()
    bad = [f for f in fmts if f not in FORMATS]
    if not fmts or bad:
        msg = (
            f"formats must be a non-empty selection of {FORMATS} (CLI: --formats pt,onnx); "
            f"got {formats!r}"
        )
        raise ParameterError(msg)
    return fmts


def _check_config(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        msg = (
            "config must be a JSON object / dict of constructor arguments such as "
            f'{{"n_feat": 64}}; got {type(config).__name__} {config!r:.80}'
        )
        raise ParameterError(msg)
    return config


def _base(out: str | Path) -> Path:
    """``out`` without a .pt/.onnx/.json extension (other dots belong to the name)."""
    out = Path(out)
    return out.with_suffix("") if out.suffix in (".pt", ".onnx", ".json") else out


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
    odd = [k for k in obj if not isinstance(k, str)]
    if odd:
        msg = (
            "checkpoint must contain a state_dict whose keys are parameter names (str); "
            f"got keys such as {odd[0]!r} ({type(odd[0]).__name__})"
        )
        raise ModelError(msg)
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module.") :]: v for k, v in obj.items()}
    return dict(obj)


def load_official(arch: str, checkpoint: str | Path | dict, config: dict | None = None) -> Any:
    """Build our ``arch`` and load an official checkpoint into it with ``strict=True``.

    Returns the eager module in eval mode (for ``blur_cnn``: the packed single-input wrapper).
    """
    if arch not in ARCHS:
        msg = f"arch must be one of {ARCHS}; got {arch!r}"
        raise ParameterError(msg)
    config = _check_config(config)
    torch = _import_torch()

    from . import _zoo

    if isinstance(checkpoint, dict):
        raw = checkpoint
    else:
        try:
            raw = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
        except Exception as e:
            first = (str(e).splitlines() or [""])[0]
            msg = (
                f"could not read checkpoint {str(checkpoint)!r} (expected a PyTorch .pth file): "
                f"{type(e).__name__}: {first}"
            )
            raise ModelError(msg) from e
    sd = unwrap_state_dict(raw)
    try:
        model = _zoo.build(arch, **config)
    except (TypeError, ValueError) as e:
        msg = f"config does not fit the {arch} constructor: {e} (CLI: --config)"
        raise ParameterError(msg) from e
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
    """Convert ``checkpoint`` and write ``out`` (.pt / .onnx / .json); returns the metadata.

    ``out`` names the files: a ``.pt``, ``.onnx`` or ``.json`` extension is dropped and the
    others are kept (``net.v2.pt`` -> ``net.v2.pt``, ``net.v2.onnx``, ``net.v2.json``). The
    files are written to a temporary folder beside them and moved into place only when all
    of them are complete, so a failed conversion leaves no partial files behind.
    """
    from . import _zoo
    from ._export import sha256

    formats = _check_formats(formats)
    model = load_official(arch, checkpoint, config)
    base = _base(out)
    base.parent.mkdir(parents=True, exist_ok=True)
    kind, multiple = _zoo.ARCHS[arch]
    with tempfile.TemporaryDirectory(dir=base.parent, prefix=".jointfilter-convert-") as tmp:
        files = _zoo.export(
            arch, model, Path(tmp) / base.name, torchscript="pt" in formats, onnx="onnx" in formats
        )
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
        side = Path(tmp) / (base.name + ".json")
        side.write_text(json.dumps(meta, indent=1))
        for f in [*files.values(), side]:
            os.replace(f, base.parent / f.name)
    return meta


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(prog=_PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("arch", choices=ARCHS)
    ap.add_argument("checkpoint")
    ap.add_argument("--out", required=True)
    ap.add_argument("--formats", default="pt,onnx", help="comma list of pt, onnx")
    ap.add_argument("--config", default=None, help="JSON constructor arguments")
    a = ap.parse_args(argv)
    try:
        cfg = json.loads(a.config) if a.config else None
    except ValueError as e:
        ap.error(f"--config must be a JSON object such as '{{\"n_feat\": 64}}'; {e}")
    formats = tuple(f.strip() for f in a.formats.split(","))
    try:
        meta = convert(a.arch, a.checkpoint, a.out, formats=formats, config=cfg)
    except (JointFilterError, OSError) as e:
        print(f"{_PROG}: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(meta["files"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
