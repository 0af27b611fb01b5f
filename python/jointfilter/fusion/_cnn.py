"""``method="cnn"``: the blur-detection CNN's decision map, refined by the guided filter.

The network is the IVIF three-path blur classifier shipped by :mod:`jointfilter.models` as
``"blur-cnn"`` (models.md section 4). Pipeline: 32x32 windows at stride 8 of both sources ->
the network scores each window pair in both orders -> per-pixel mean score (probability that
the infrared window is the sharper one) -> decision ``P = [score > 0.5]`` (ties go to the
visible image, as in the reference's ``votes >= 0``) -> guided-filter refinement and blending
exactly as in ``method="focus"`` (:func:`._focus.blend_with_decision`).

Nothing here imports torch or onnxruntime at module import time.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingDependencyError, ModelError, ParameterError

__all__ = ["DEFAULT_MODEL", "cnn_decision", "load_blur_model"]

DEFAULT_MODEL = "blur-cnn"

_INSTALL = (
    "install a runtime with pip install 'jointfilter[onnx]' (ONNX Runtime, light) or "
    "pip install 'jointfilter[models]' (PyTorch)"
)
_CACHE: dict[tuple[str, str], Any] = {}


def _not_a_blur_model(what: str) -> ParameterError:
    return ParameterError(
        f"model must be a blur-detection model ({DEFAULT_MODEL!r}, a .onnx/.pt file of kind "
        f"'pairs' or a loaded jointfilter.models.BlurCNNModel); got {what}, which is not one. "
        f"Pass model={DEFAULT_MODEL!r} (the default)."
    )


def _check_loaded(net: Any, jm: Any) -> Any:
    """Reject a loaded jointfilter model of another kind (e.g. 'derain') with a clear error."""
    model_cls = getattr(jm, "Model", None)
    blur_cls = getattr(jm, "BlurCNNModel", None)
    if (
        isinstance(model_cls, type)
        and isinstance(blur_cls, type)
        and isinstance(net, model_cls)
        and not isinstance(net, blur_cls)
    ):
        raise _not_a_blur_model(f"a {type(net).__name__}")
    return net


def _runtime_missing(model: Any, backend: str, exc: Exception) -> MissingDependencyError:
    if backend == "auto":
        return MissingDependencyError(
            f"method='cnn' runs the {str(model)!r} blur-detection network and no runtime is "
            f"installed: {_INSTALL}. ({exc})"
        )
    return MissingDependencyError(
        f"method='cnn' with backend={backend!r} cannot run the {str(model)!r} blur-detection "
        f"network: {exc}. Install that runtime, or pass backend='auto' to use whichever of "
        "ONNX Runtime / PyTorch is installed."
    )


def load_blur_model(model: Any = DEFAULT_MODEL, backend: str = "auto") -> Any:
    """Return a callable ``model(a, b) -> (H, W) map`` for a name, a path or a loaded model.

    Parameters
    ----------
    model : str, path-like or callable
        ``"blur-cnn"`` (the shipped network), a ``.onnx`` / ``.pt`` file of kind ``"pairs"``,
        or an already loaded model (any callable ``model(a, b, stride=...)``).
    backend : {"auto", "onnx", "torch"}
        Runtime used to load a name or a path.

    Returns
    -------
    callable
        The loaded model (cached per name/path and backend).

    Raises
    ------
    MissingDependencyError
        The models subpackage, the shipped model file or the runtime is unavailable; the
        message says what to install.
    ParameterError
        `model` is neither the shipped name nor an existing .onnx/.pt file, or is a model of
        another kind (e.g. ``"derain"``).
    """
    if callable(model) and not isinstance(model, str):
        jm_loaded = sys.modules.get("jointfilter.models")
        return model if jm_loaded is None else _check_loaded(model, jm_loaded)
    if not isinstance(model, str) and not hasattr(model, "__fspath__"):
        raise ParameterError(
            f"model must be a registry name (e.g. {DEFAULT_MODEL!r}), a .pt/.onnx path or a "
            f"loaded jointfilter.models model; got {type(model).__name__}."
        )
    if not (isinstance(model, str) and model == DEFAULT_MODEL):
        path = Path(model)
        if path.suffix in (".onnx", ".pt") and path.is_file():
            model = str(path.resolve())  # jm.load reads relative paths from its weights folder
    key = (str(model), backend)
    if key in _CACHE:
        return _CACHE[key]
    try:
        jm = importlib.import_module("jointfilter.models")
    except ImportError as exc:
        raise MissingDependencyError(
            f"method='cnn' needs the jointfilter.models subpackage, which failed to import "
            f"({exc}); reinstall jointfilter with pip install 'jointfilter[onnx]'."
        ) from exc
    if isinstance(model, str) and model == DEFAULT_MODEL and model not in jm.REGISTRY:
        raise MissingDependencyError(
            f"method='cnn' needs the {DEFAULT_MODEL!r} model, which this jointfilter build does "
            "not register; upgrade jointfilter (pip install -U 'jointfilter[onnx]') or pass "
            "model= with a .onnx/.pt file."
        )
    name = str(model)
    if name != DEFAULT_MODEL:
        spec = jm.REGISTRY.get(name) if isinstance(model, str) else None
        if spec is not None and getattr(spec, "kind", "pairs") != "pairs":
            raise _not_a_blur_model(f"{name!r} (a model of kind {getattr(spec, 'kind', '?')!r})")
        path = Path(model)
        if spec is None and not (path.suffix in (".onnx", ".pt") and path.is_file()):
            raise ParameterError(
                f"model must be {DEFAULT_MODEL!r}, an existing .onnx/.pt file or a loaded "
                f"blur-detection model; got {name!r}, which is neither a shipped model name nor "
                f"an existing .onnx/.pt file. Check the path, or omit model= for {DEFAULT_MODEL!r}."
            )
    try:
        net = jm.load(model, backend=backend)
    except MissingDependencyError as exc:
        raise _runtime_missing(model, backend, exc) from exc
    except ModelError as exc:
        raise MissingDependencyError(
            f"method='cnn' needs the blur-detection model {name!r}, which is not "
            f"available ({exc}). Reinstall jointfilter with its model files "
            "(pip install --force-reinstall 'jointfilter[onnx]') or pass model= with a "
            ".onnx/.pt file; method='focus' is the classical alternative that needs nothing."
        ) from exc
    except ImportError as exc:
        raise _runtime_missing(model, backend, exc) from exc
    net = _check_loaded(net, jm)
    _CACHE[key] = net
    return net


def cnn_decision(
    ir: np.ndarray,
    vis: np.ndarray,
    *,
    model: Any = DEFAULT_MODEL,
    backend: str = "auto",
    stride: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """Binary IR decision map and the CNN's soft score map for two planes in [0, 1].

    Returns
    -------
    decision : ndarray (H, W)
        1 where the network finds the infrared window sharper (score > 0.5).
    score : ndarray (H, W)
        Mean probability over the covering windows that the infrared source is sharper.
    """
    net = load_blur_model(model, backend)
    window = getattr(net, "window", None)
    if isinstance(window, int) and not isinstance(window, bool) and stride > window:
        # the runner places windows every `stride` pixels (plus one flush with the far edge):
        # a larger stride leaves uncovered pixels, which would score 0 (visible) silently
        raise ParameterError(
            f"stride must be <= the network's window ({window} pixels) so that every pixel is "
            f"scored; got stride={stride}. Use the default 8, or at most {window}."
        )
    if min(ir.shape) < 32:
        from ..errors import ShapeError

        raise ShapeError(
            f"method='cnn' scores 32x32 windows; the images must be at least 32x32, got "
            f"{ir.shape}. Use method='focus' for small images."
        )
    score = np.asarray(net(ir, vis, stride=stride), dtype=np.float32)
    if score.shape != ir.shape:
        raise ParameterError(
            f"the blur model returned a map of shape {score.shape} for images of shape "
            f"{ir.shape}; pass a jointfilter.models blur-cnn model."
        )
    return (score > 0.5).astype(np.float32), score
