"""jointfilter: fast, exact multi-modal joint image restoration.

A target image is improved under the guidance of an image of another modality (flash/no-flash,
RGB/NIR, infrared/visible, day/night, RGB/depth). The core is the O(1)-per-pixel guided filter
family, implemented in C++ (and CUDA) behind this Python API.

>>> import jointfilter as jf
>>> sorted(jf.build_info())[:3]
['compiler', 'cuda_architectures', 'cuda_built']

Submodules that pull in heavy dependencies (``models``: torch/onnxruntime, ``dask``) are
imported lazily, on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import errors
from ._edge_aware import gradient_domain_guided_filter, weighted_guided_filter
from ._filters import GuidedFilter, box_filter, guided_filter
from ._info import build_info, get_num_threads, set_num_threads
from ._morphology import max_filter, min_filter
from ._mutual_api import mutual_structure_filter
from ._scratch import get_scratch_limit, release_scratch, scratch_bytes, set_scratch_limit

__version__: str = build_info()["version"]

__all__ = [
    "GuidedFilter",
    "__version__",
    "box_filter",
    "build_info",
    "errors",
    "fuse",
    "get_num_threads",
    "get_scratch_limit",
    "gradient_domain_guided_filter",
    "guided_filter",
    "max_filter",
    "min_filter",
    "mutual_structure_filter",
    "release_scratch",
    "restore",
    "scratch_bytes",
    "set_num_threads",
    "set_scratch_limit",
    "weighted_guided_filter",
]

_LAZY_SUBMODULES = ("metrics", "models", "dask", "cli", "fusion", "restoration", "batch", "video")
# functions that live in lazily imported subpackages: name -> (module, attribute)
_LAZY_FUNCTIONS = {"fuse": (".fusion", "fuse"), "restore": (".restoration", "restore")}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_FUNCTIONS:
        module, attr = _LAZY_FUNCTIONS[name]
        return getattr(importlib.import_module(module, __name__), attr)
    raise AttributeError(f"module 'jointfilter' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY_SUBMODULES, *_LAZY_FUNCTIONS])
