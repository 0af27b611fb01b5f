"""Learned restoration models: lightweight runners for TorchScript and ONNX files.

>>> import jointfilter.models as jm                               # doctest: +SKIP
>>> net = jm.load("mirnet-denoise")                                # doctest: +SKIP
>>> clean = net(noisy_uint8_image)                                 # doctest: +SKIP

Importing this package imports neither torch nor onnxruntime; they are imported when a model is
loaded. Backends: ``"onnx"`` (ONNX Runtime, ``pip install 'jointfilter[onnx]'``, the light one)
and ``"torch"`` (TorchScript, ``pip install 'jointfilter[models]'``); ``backend="auto"`` picks
what is installed (ONNX Runtime first on CPU, TorchScript on CUDA).

Shipped models (see :func:`list_models` and ``docs/models.md`` for the model cards):
``mirnet-denoise``, ``mirnet-enhance``, ``derain`` (returns the image and a rain-density
estimate), ``stochastic-enhance`` (``z=`` / ``seed=``) and ``blur-cnn`` (fusion weight maps).
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._backends import (
    OnnxBackend,
    TorchModuleBackend,
    TorchScriptBackend,
    available_backends,
    choose_backend,
)
from ._errors import DTypeError, MissingDependencyError, ModelError, ParameterError
from ._registry import REGISTRY, WEIGHTS_DIR, ModelSpec
from ._runner import (
    BlurCNNModel,
    DerainModel,
    ImageModel,
    Model,
    StochasticModel,
    make_model,
)

__all__ = [
    "REGISTRY",
    "BlurCNNModel",
    "DerainModel",
    "ImageModel",
    "Model",
    "ModelSpec",
    "StochasticModel",
    "available_backends",
    "from_module",
    "list_models",
    "load",
    "verify",
]

_VERIFIED: dict[tuple[str, int, int], str] = {}


def list_models() -> dict[str, dict[str, Any]]:
    """Shipped models and their cards: ``{name: {"kind", "multiple", "files", "card"}}``."""
    return {
        n: {
            "kind": s.kind,
            "multiple": s.multiple,
            "files": {k: v[0] for k, v in s.files.items()},
            "card": dict(s.card),
        }
        for n, s in REGISTRY.items()
    }


def _sha256(path: Path) -> str:
    from ._export import sha256

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = sha256(path)
    return _VERIFIED[key]


def verify(spec: ModelSpec, fmt: str) -> Path:
    """Check that the ``fmt`` file of ``spec`` exists and matches its SHA-256; return its path.

    Raises
    ------
    ModelError
        The file is missing or its checksum differs (corrupt or replaced file).
    """
    if fmt not in spec.files:
        msg = (
            f"model {spec.name!r} has no {fmt} file (it has {sorted(spec.files)}); pass "
            "backend= for a format that is present"
        )
        raise ModelError(msg)
    path = spec.path(fmt)
    if not path.is_file():
        msg = (
            f"model {spec.name!r}: {fmt} file {str(path)!r} is missing; reinstall jointfilter "
            "or pass backend= for a format that is present"
        )
        raise ModelError(msg)
    expected = spec.files[fmt][1]
    if expected:
        got = _sha256(path)
        if got != expected:
            fix = (
                "reinstall jointfilter or re-download it"
                if REGISTRY.get(spec.name) is spec
                else f"convert it again (the checksum is in {str(path.with_suffix('.json'))!r})"
            )
            msg = (
                f"model {spec.name!r}: {fmt} file {str(path)!r} is corrupt (sha256 {got[:12]}"
                f"..., expected {expected[:12]}...); {fix}"
            )
            raise ModelError(msg)
    return path


def _spec_from_path(
    path: Path, kind: str | None, multiple: int | None, latent_dim: int | None
) -> ModelSpec:
    meta: dict[str, Any] = {}
    side = path.with_suffix(".json")
    if side.is_file():
        try:
            meta = json.loads(side.read_text())
        except (ValueError, OSError) as e:
            msg = f"model metadata {str(side)!r} is not valid JSON: {e}"
            raise ModelError(msg) from e
        if not isinstance(meta, dict):
            msg = (
                f"model metadata {str(side)!r} must be a JSON object with keys such as 'kind' "
                f"and 'multiple'; got a JSON {type(meta).__name__}"
            )
            raise ModelError(msg)
        if "multiple" in meta and not _is_int_at_least(meta["multiple"], 1):
            msg = (
                f"model metadata {str(side)!r}: multiple must be an int >= 1; got "
                f"{meta['multiple']!r}"
            )
            raise ModelError(msg)
        if "kind" in meta and meta["kind"] not in _KINDS:
            msg = (
                f"model metadata {str(side)!r}: kind must be one of "
                f"{', '.join(map(repr, _KINDS))}; got {meta['kind']!r}"
            )
            raise ModelError(msg)
        if not isinstance(meta.get("config", {}), dict):
            msg = f"model metadata {str(side)!r}: config must be a JSON object"
            raise ModelError(msg)
    arch = meta.get("arch", "")
    from_arch = {
        "mirnet": ("image", 4),
        "mirnet_v2": ("image", 4),
        "mirnet_tone": ("image", 4),
        "codenet": ("derain", 1),
        "stochastic": ("stochastic", 1),
        "stochastic_tone": ("stochastic", 1),
        "blur_cnn": ("pairs", 1),
    }.get(arch)
    k = kind or meta.get("kind") or (from_arch[0] if from_arch else None)
    m = multiple if multiple is not None else meta.get("multiple")
    m = m if m is not None else (from_arch[1] if from_arch else None)
    if k is None and path.suffix == ".onnx":
        k = _kind_from_onnx(path)
    k = k or "image"
    if m is None:
        m = 4 if k == "image" else 1
    ld = latent_dim or meta.get("config", {}).get("latent_dim") or (4 if k == "stochastic" else 0)
    fmt = "onnx" if path.suffix == ".onnx" else "torchscript"
    # the side file written by convert / train records each file's SHA-256: check it on load
    entry = meta.get("files", {}).get(fmt) if isinstance(meta.get("files"), dict) else None
    expected = None
    if isinstance(entry, dict) and entry.get("file") == path.name:
        expected = entry.get("sha256") if isinstance(entry.get("sha256"), str) else None
    return ModelSpec(
        name=path.name,
        kind=k,
        multiple=int(m),
        files={fmt: (str(path), expected)},
        arch=arch,
        config=meta.get("config", {}),
        latent_dim=int(ld),
        card={k2: meta[k2] for k2 in ("protocol", "parameters", "steps") if k2 in meta},
    )


def _is_int_at_least(value: Any, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and value >= minimum


def _check_overrides(kind: Any, multiple: Any, latent_dim: Any) -> None:
    if kind is not None and kind not in _KINDS:
        msg = f"kind must be None or one of {', '.join(map(repr, _KINDS))}; got {kind!r}"
        raise ParameterError(msg)
    if multiple is not None and not _is_int_at_least(multiple, 1):
        msg = f"multiple must be None or an int >= 1; got {multiple!r}"
        raise ParameterError(msg)
    if latent_dim is not None and not _is_int_at_least(latent_dim, 1):
        msg = f"latent_dim must be None or an int >= 1; got {latent_dim!r}"
        raise ParameterError(msg)


_KINDS = ("image", "derain", "stochastic", "pairs")


def _kind_from_onnx(path: Path) -> str | None:
    try:
        import onnx
    except ImportError:
        return None
    try:
        g = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # unreadable file: the backend reports it with a clear message
        return None
    ins = [i.name for i in g.input]
    outs = [o.name for o in g.output]
    if "pairs" in ins:
        return "pairs"
    if "z" in ins:
        return "stochastic"
    if "rde" in outs:
        return "derain"
    return "image"


def load(
    name_or_path: str | Path,
    *,
    backend: str = "auto",
    device: str = "cpu",
    half: bool = False,
    kind: str | None = None,
    multiple: int | None = None,
    latent_dim: int | None = None,
) -> Model:
    """Load a shipped model by name, or a ``.pt`` / ``.onnx`` file.

    Parameters
    ----------
    name_or_path : str or Path
        A registry name (``list_models()``) or a path to a TorchScript ``.pt`` or ONNX
        ``.onnx`` file (e.g. written by ``python -m jointfilter.models.convert``). A ``.json``
        side file of the same stem supplies the kind and multiple, and the file's SHA-256 if
        it records one (checked on load).
    backend : {"auto", "onnx", "torch", "torchscript"}
        Runtime (``"torchscript"`` is an alias of ``"torch"``). ``"auto"``: ONNX Runtime on
        CPU if installed, TorchScript on CUDA, else whichever is installed (and falls back to
        the other runtime if the preferred one fails to import).
    device : str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    half : bool
        Run in float16 (TorchScript backend on CUDA only).
    kind, multiple, latent_dim : optional
        Override the I/O convention of a model loaded from a path (not allowed for a
        shipped model's name: its convention is fixed).

    Returns
    -------
    Model
        :class:`ImageModel`, :class:`DerainModel`, :class:`StochasticModel` or
        :class:`BlurCNNModel`.

    Raises
    ------
    ModelError
        Unknown name, missing or corrupt file (SHA-256 mismatch with the registry or the
        side file), unloadable file.
    MissingDependencyError
        Neither onnxruntime nor torch is installed (the message names the extra).
    ParameterError
        Bad ``backend``, ``device``, ``half``, ``kind``, ``multiple`` or ``latent_dim``.
    """
    if not isinstance(device, str):
        msg = f"device must be a string such as 'cpu' or 'cuda'; got {device!r}"
        raise ParameterError(msg)
    if not isinstance(half, (bool, np.bool_)):
        msg = f"half must be a bool; got {half!r}"
        raise ParameterError(msg)
    _check_overrides(kind, multiple, latent_dim)
    if not isinstance(name_or_path, (str, os.PathLike)):
        known = ", ".join(sorted(REGISTRY))
        msg = (
            f"name_or_path must be a shipped model name ({known}) or a path to a .pt/.onnx "
            f"file; got {type(name_or_path).__name__} {name_or_path!r}"
        )
        raise ModelError(msg)
    if isinstance(name_or_path, str) and name_or_path in REGISTRY:
        given = [
            k
            for k, v in (("kind", kind), ("multiple", multiple), ("latent_dim", latent_dim))
            if v is not None
        ]
        if given:
            msg = (
                f"{', '.join(given)} only override models loaded from a file; the shipped "
                f"model {name_or_path!r} has a fixed convention: drop {', '.join(given)}="
            )
            raise ParameterError(msg)
        spec = REGISTRY[name_or_path]
    else:
        path = Path(name_or_path)
        if path.suffix not in (".pt", ".onnx") or not path.is_file():
            known = ", ".join(sorted(REGISTRY))
            msg = (
                f"name_or_path must be a shipped model ({known}) or an existing .pt/.onnx "
                f"file; got {str(name_or_path)!r}"
            )
            raise ModelError(msg)
        spec = _spec_from_path(path, kind, multiple, latent_dim)
    if half and backend == "auto":
        backend = "torch"
    chosen = choose_backend(backend, device, list(spec.files))
    candidates = [chosen]
    if backend == "auto":
        # an installed runtime can still fail to import (broken wheel, missing shared
        # library): "auto" then falls back to the other runtime if it has a file
        other = "onnx" if chosen == "torch" else "torch"
        if other in available_backends() and _FORMAT[other] in spec.files:
            candidates.append(other)
    for i, name in enumerate(candidates):
        try:
            be: Any = (
                TorchScriptBackend(verify(spec, "torchscript"), device=device, half=half)
                if name == "torch"
                else OnnxBackend(verify(spec, "onnx"), device=device, half=half)
            )
        except MissingDependencyError:
            if i == len(candidates) - 1:
                raise
            continue
        return make_model(spec, be)
    raise AssertionError("unreachable")  # pragma: no cover


_FORMAT = {"torch": "torchscript", "onnx": "onnx"}


def from_module(
    module: Any,
    kind: str = "image",
    *,
    multiple: int = 4,
    latent_dim: int = 0,
    name: str = "eager",
    device: str = "cpu",
    half: bool = False,
) -> Model:
    """Wrap an eager ``torch.nn.Module`` in the runner (padding, tiling, dtype handling).

    Useful for official checkpoints loaded into :mod:`jointfilter.models.architectures`
    without exporting them first.

    Parameters
    ----------
    module : torch.nn.Module
        The network; it is put in eval mode and moved to ``device``.
    kind : {"image", "derain", "stochastic", "pairs"}
        I/O convention (see :mod:`jointfilter.models._zoo`).
    multiple : int
        H and W are reflect-padded up to a multiple of this (>= 1).
    latent_dim : int
        Length of ``z`` for ``kind="stochastic"`` (>= 1 there; ignored otherwise).
    name : str
        Name shown in ``repr`` and ``model.name``.
    device, half
        As for :func:`load` (``half=True`` needs CUDA).

    Returns
    -------
    Model
        The runner of ``kind``, with ``backend.name == "torch-eager"``.

    Raises
    ------
    ParameterError
        Bad ``kind``, ``multiple``, ``latent_dim``, ``device`` or ``half``.
    DTypeError
        ``module`` is not a torch module.
    """
    if kind not in _KINDS:
        msg = f"kind must be one of {', '.join(map(repr, _KINDS))}; got {kind!r}"
        raise ParameterError(msg)
    if not _is_int_at_least(multiple, 1):
        msg = f"multiple must be an int >= 1; got {multiple!r}"
        raise ParameterError(msg)
    if not _is_int_at_least(latent_dim, 1 if kind == "stochastic" else 0):
        low = 1 if kind == "stochastic" else 0
        msg = f"latent_dim must be an int >= {low} for kind={kind!r}; got {latent_dim!r}"
        raise ParameterError(msg)
    if not callable(module) or not hasattr(module, "eval") or not hasattr(module, "to"):
        msg = f"module must be a torch.nn.Module; got {type(module).__name__}"
        raise DTypeError(msg)
    if not isinstance(half, (bool, np.bool_)):
        msg = f"half must be a bool; got {half!r}"
        raise ParameterError(msg)
    if not isinstance(device, str):
        msg = f"device must be a string such as 'cpu' or 'cuda'; got {device!r}"
        raise ParameterError(msg)
    spec = ModelSpec(
        name=name, kind=kind, multiple=int(multiple), files={}, latent_dim=int(latent_dim)
    )
    return make_model(spec, TorchModuleBackend(module, device=device, half=half))


def __dir__() -> list[str]:
    return sorted(__all__)


_ = WEIGHTS_DIR
