"""Device dispatch: CUDA arrays (anything with ``__cuda_array_interface__``) go to the GPU.

This is the one place that decides between the NumPy/CPU path and the CUDA path. CuPy is
imported only when a CUDA array arrives and an output must be allocated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from .errors import CudaError, DTypeError, MissingDependencyError, ShapeError

_DTYPE_CODES = {np.dtype(np.uint8): 0, np.dtype(np.uint16): 1, np.dtype(np.float32): 2}


def is_cuda_array(x: Any) -> bool:
    """True for objects exposing ``__cuda_array_interface__`` (CuPy, Numba, PyTorch CUDA)."""
    return hasattr(x, "__cuda_array_interface__")


def _describe(x: Any, name: str) -> tuple[int, int, int, int, int, int]:
    """(pointer, dtype code, H, W, C, row stride in elements) of a device image."""
    cai = x.__cuda_array_interface__
    shape = tuple(cai["shape"])
    dtype = np.dtype(cai["typestr"])
    if dtype not in _DTYPE_CODES:
        raise DTypeError(f"{name} (CUDA) must be uint8, uint16 or float32; got {dtype}.")
    if len(shape) not in (2, 3):
        raise ShapeError(f"{name} must have shape (H, W) or (H, W, C); got {shape}.")
    h, w = shape[:2]
    c = shape[2] if len(shape) == 3 else 1
    item = dtype.itemsize
    strides = cai.get("strides")
    if strides is None:
        row = w * c
    else:
        if (len(shape) == 3 and c > 1 and strides[2] != item) or (w > 1 and strides[1] != c * item):
            raise ShapeError(
                f"{name} must have contiguous pixels within rows; pass cupy.ascontiguousarray(x)."
            )
        if h > 1 and (strides[0] <= 0 or strides[0] % item):
            raise ShapeError(f"{name} must have a positive row stride; pass a contiguous copy.")
        row = strides[0] // item if h > 1 else w * c
    return (int(cai["data"][0]), _DTYPE_CODES[dtype], h, w, c, row)


def _cupy() -> Any:
    try:
        import cupy
    except ImportError as exc:
        raise MissingDependencyError(
            "CUDA arrays need CuPy for output allocation: pip install 'jointfilter[gpu]'"
        ) from exc
    return cupy


def guided_filter_cuda(
    target: Any,
    guide: Any,
    *,
    radius: int,
    eps_abs: float,
    border_code: int,
    subsample: int,
    out: Any,
) -> Any:
    """Guided filter of device arrays on the current CuPy stream; returns a device array."""
    if not _core.has_cuda:
        raise CudaError(
            "target is a CUDA array but this jointfilter was built without CUDA (nvcc was not "
            "found or JOINTFILTER_ENABLE_CUDA=OFF); reinstall where nvcc is available, or copy "
            "the arrays to the host."
        )
    if subsample != 1:
        raise CudaError("subsample > 1 is not implemented on the GPU yet; use subsample=1.")
    if not is_cuda_array(guide):
        raise CudaError("target is a CUDA array but guide is not; pass both on the same device.")
    cp = _cupy()
    t = _describe(target, "target")
    g = _describe(guide, "guide")
    if out is None:
        out = cp.empty(tuple(target.__cuda_array_interface__["shape"]), dtype=target.dtype)
    o = _describe(out, "out")
    stream = cp.cuda.get_current_stream().ptr
    _core.cuda_guided_filter(t, g, o, radius, eps_abs, border_code, stream)
    return out


def _require_cuda_build(name: str) -> None:
    if not _core.has_cuda:
        raise CudaError(
            f"{name} is a CUDA array but this jointfilter was built without CUDA (nvcc was not "
            "found or JOINTFILTER_ENABLE_CUDA=OFF); reinstall where nvcc is available, or copy "
            "the arrays to the host."
        )


def box_filter_cuda(image: Any, *, radius: int, border_code: int, out: Any) -> Any:
    """Box filter of a device array on the current CuPy stream; returns a device array."""
    _require_cuda_build("image")
    cp = _cupy()
    src = _describe(image, "image")
    if out is None:
        out = cp.empty(tuple(image.__cuda_array_interface__["shape"]), dtype=image.dtype)
    elif not is_cuda_array(out):
        raise CudaError("image is a CUDA array but out is not; pass a device array for out.")
    o = _describe(out, "out")
    if o[2:5] != src[2:5] or o[1] != src[1]:
        raise ShapeError(
            "out must have the shape and dtype of image on the GPU (no dtype conversion there); "
            f"got out {tuple(out.__cuda_array_interface__['shape'])} vs image "
            f"{tuple(image.__cuda_array_interface__['shape'])}."
        )
    stream = cp.cuda.get_current_stream().ptr
    _core.cuda_box_filter(src, o, radius, border_code, stream)
    return out
