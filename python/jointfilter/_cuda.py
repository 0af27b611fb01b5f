"""Device dispatch: CUDA arrays go to the GPU, everything else to the NumPy/CPU path.

This is the one place that decides between the two. A CUDA array is an object exposing
``__cuda_array_interface__`` (CuPy, Numba, PyTorch) or, failing that, ``__dlpack__`` with a
``__dlpack_device__`` on a CUDA device (a DLPack producer; converted with
``cupy.from_dlpack``, zero-copy). CuPy is imported only when a CUDA array arrives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from . import _validate as v
from .errors import CudaError, DTypeError, MissingDependencyError, ShapeError

_DTYPE_CODES = {np.dtype(np.uint8): 0, np.dtype(np.uint16): 1, np.dtype(np.float32): 2}
_DLPACK_CUDA = 2  # kDLCUDA in DLPack's DLDeviceType


def _dlpack_on_cuda(x: Any) -> bool:
    """True for a DLPack producer whose data lives on a CUDA device."""
    device = getattr(x, "__dlpack_device__", None)
    if device is None or not hasattr(x, "__dlpack__"):
        return False
    try:
        kind = device()[0]
    except (TypeError, ValueError, RuntimeError, IndexError, BufferError):
        return False
    return int(kind) == _DLPACK_CUDA


def is_cuda_array(x: Any) -> bool:
    """True for CUDA arrays: ``__cuda_array_interface__``, or DLPack on a CUDA device."""
    if isinstance(x, np.ndarray):  # the common case, and NumPy speaks DLPack (on the CPU)
        return False
    return hasattr(x, "__cuda_array_interface__") or _dlpack_on_cuda(x)


def as_cuda_array(x: Any, name: str) -> Any:
    """`x` itself when it has ``__cuda_array_interface__``, else a zero-copy CuPy view (DLPack)."""
    if hasattr(x, "__cuda_array_interface__"):
        return x
    cp = _cupy()
    try:
        return cp.from_dlpack(x)
    except (TypeError, ValueError, RuntimeError, BufferError) as exc:
        raise CudaError(
            f"{name} is a DLPack array on a CUDA device but cupy.from_dlpack could not import it "
            f"({exc}); pass a CuPy array, e.g. cupy.asarray(...)."
        ) from exc


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.__cuda_array_interface__["shape"])


def _dtype(x: Any) -> np.dtype:
    return np.dtype(x.__cuda_array_interface__["typestr"])


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


def prepare_guided_inputs(target: Any, guide: Any) -> tuple[Any, Any]:
    """Check the build and the guide's device; DLPack inputs become CuPy views."""
    require_cuda_build("target")
    if not is_cuda_array(guide):
        raise CudaError("target is a CUDA array but guide is not; pass both on the same device.")
    return as_cuda_array(target, "target"), as_cuda_array(guide, "guide")


def _device_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, like: str) -> tuple[Any, Any]:
    """(what to return, device view to write): a new CuPy array, or the caller's `out`."""
    if out is None:
        created = _cupy().empty(shape, dtype=dtype)
        return created, created
    if not is_cuda_array(out):
        raise CudaError(f"{like} is a CUDA array but out is not; pass a device array for out.")
    view = as_cuda_array(out, "out")
    if _shape(view) != shape or _dtype(view) != dtype:
        raise ShapeError(
            f"out must have the shape and dtype of {like} on the GPU (no dtype conversion "
            f"there); got out {_shape(view)} {_dtype(view)} vs {like} {shape} {dtype}."
        )
    return out, view


def decimation_code(decimation: str | int) -> int:
    """The core's code of `decimation`: a name (``"nearest"``, ``"mean"``) or a valid code."""
    if isinstance(decimation, int) and not isinstance(decimation, bool) and decimation in (0, 1):
        return decimation
    return v.check_decimation(decimation)  # a name, or ParameterError naming the choices


def guided_filter_cuda(
    target: Any,
    guide: Any,
    *,
    radius: int,
    eps_abs: float,
    border_code: int,
    subsample: int,
    out: Any,
    decimation: str | int = "nearest",
) -> Any:
    """(Fast) guided filter of device arrays on the current CuPy stream; returns a device array.

    `decimation` (``"nearest"`` or ``"mean"``, or its code 0 / 1) is how the target is
    decimated when ``subsample > 1``; the guide is always decimated by nearest neighbour.
    """
    code = decimation_code(decimation)
    target, guide = prepare_guided_inputs(target, guide)
    cp = _cupy()
    t = _describe(target, "target")
    g = _describe(guide, "guide")
    result, view = _device_out(out, _shape(target), _dtype(target), "target")
    o = _describe(view, "out")
    if radius == 0:  # every window is one pixel (q = target), as on the CPU: no decimation
        subsample = 1
    if subsample == 1:  # nothing is decimated
        code = 0
    stream = cp.cuda.get_current_stream().ptr
    _core.cuda_guided_filter(t, g, o, radius, eps_abs, border_code, stream, subsample, code)
    return result


def require_cuda_build(name: str) -> None:
    """Raise CudaError when a CUDA array meets a build without the CUDA module."""
    if not _core.has_cuda:
        raise CudaError(
            f"{name} is a CUDA array but this jointfilter was built without CUDA (nvcc was not "
            "found or JOINTFILTER_ENABLE_CUDA=OFF); reinstall where nvcc is available, or copy "
            "the arrays to the host."
        )


def box_filter_cuda(image: Any, *, radius: int, border_code: int, out: Any) -> Any:
    """Box filter of a device array on the current CuPy stream; returns a device array."""
    require_cuda_build("image")
    image = as_cuda_array(image, "image")
    cp = _cupy()
    src = _describe(image, "image")
    result, view = _device_out(out, _shape(image), _dtype(image), "image")
    stream = cp.cuda.get_current_stream().ptr
    _core.cuda_box_filter(src, _describe(view, "out"), radius, border_code, stream)
    return result


def min_max_filter_cuda(
    image: Any, *, radius: int, border_code: int, out: Any, maximum: bool
) -> Any:
    """Min (max) filter of a device array on the current CuPy stream; returns a device array.

    Results equal the CPU's bit for bit; NaN is not detected on the GPU (a window holding NaN
    gives an unspecified value there, where the CPU raises).
    """
    require_cuda_build("image")
    image = as_cuda_array(image, "image")
    cp = _cupy()
    src = _describe(image, "image")
    result, view = _device_out(out, _shape(image), _dtype(image), "image")
    stream = cp.cuda.get_current_stream().ptr
    _core.cuda_min_max_filter(src, _describe(view, "out"), radius, border_code, maximum, stream)
    return result


class DeviceGuidedFilter:
    """The GPU half of :class:`jointfilter.GuidedFilter`: device workspace and stream.

    The workspace (``_core.CudaGuidedWorkspace``: every buffer of the filter for the object's
    shape, plus a CUDA stream and two events) is created on the first frame and reused, so a
    video loop with ``out=`` allocates nothing per frame. Each call is ordered after the
    caller's current CuPy stream and the caller's stream after it (events, no host sync).
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: np.dtype,
        guide_shape: tuple[int, ...],
        guide_dtype: np.dtype,
        out_dtype: np.dtype,
        *,
        radius: int,
        subsample: int,
        border_code: int,
        eps_abs: float,
        decimation: str | int = "nearest",
    ) -> None:
        code = decimation_code(decimation)
        require_cuda_build("the frame")
        if out_dtype != dtype:
            raise DTypeError(
                f"a GuidedFilter used with CUDA arrays writes the target dtype ({dtype}); "
                f"construct it without out_dtype (got {out_dtype})."
            )
        self.shape, self.dtype, self.out_dtype = shape, dtype, out_dtype
        self.guide_shape, self.guide_dtype = guide_shape, guide_dtype
        self.radius, self.border_code, self.eps_abs = radius, border_code, eps_abs
        self.subsample = 1 if radius == 0 else subsample  # radius 0: q = target, no decimation
        self.decimation = code if self.subsample > 1 else 0  # of the target; the guide: nearest
        self._workspace: Any = None
        self._guide: Any = None

    @property
    def nbytes(self) -> int:
        """Device bytes held by the workspace (0 before the first frame)."""
        return 0 if self._workspace is None else int(self._workspace.nbytes)

    def _check(
        self, x: Any, name: str, shapes: tuple[tuple[int, ...], ...], dtype: np.dtype
    ) -> Any:
        if not is_cuda_array(x):
            raise CudaError(
                f"{name} must be a CUDA array like the other frames of this object; got a host "
                "array. Use one GuidedFilter per device, or copy the frame with cupy.asarray."
            )
        x = as_cuda_array(x, name)
        if _shape(x) not in shapes:
            raise ShapeError(
                f"{name} must have shape {shapes[0]} (fixed at construction); got {_shape(x)}."
            )
        if _dtype(x) != dtype:
            raise DTypeError(
                f"{name} must have dtype {dtype} (fixed at construction); got {_dtype(x)}."
            )
        return x

    def set_guide(self, guide: Any) -> None:
        """Keep a reference to the device guide (not copied; must not change while in use)."""
        shapes = (self.guide_shape,)
        if len(self.guide_shape) == 2:
            shapes += ((*self.guide_shape, 1),)
        self._guide = self._check(guide, "guide", shapes, self.guide_dtype)

    def __call__(self, target: Any, out: Any) -> Any:
        if self._guide is None:
            raise CudaError(
                "no CUDA guide set: call set_guide(guide) with a CUDA array before filtering "
                "CUDA frames."
            )
        t = self._check(target, "target", (self.shape,), self.dtype)
        result, view = _device_out(out, self.shape, self.out_dtype, "target")
        if min(self.shape[:2]) == 0:
            return result
        cp = _cupy()
        if self._workspace is None:
            h, w = self.shape[:2]
            self._workspace = _core.CudaGuidedWorkspace(
                h,
                w,
                _describe(self._guide, "guide")[4],
                _describe(t, "target")[4],
                self.radius,
                self.border_code,
                self.subsample,
                self.decimation,
            )
        self._workspace.run(
            _describe(t, "target"),
            _describe(self._guide, "guide"),
            _describe(view, "out"),
            self.eps_abs,
            cp.cuda.get_current_stream().ptr,
        )
        return result

    def close(self) -> None:
        """Drop the guide reference and free the device workspace."""
        self._workspace = None
        self._guide = None


def fuse_cuda(
    infrared: Any,
    visible: Any,
    *,
    method: str,
    params: dict[str, Any],
    data_range: float | None,
    clip: bool,
    return_weights: bool,
) -> Any:
    """``jf.fuse`` with CUDA arrays: ``method="guided"`` or ``"focus"`` on the current CuPy stream.

    `params` are the method's checked parameters (defaults filled in). Supported on the GPU:
    gray infrared (H, W) or (H, W, 1), gray or RGB visible, uint8/uint16/float32, any GFF or
    focus parameters (every measure and blend); not ``enhance``, ``return_weights`` or
    ``method="cnn"`` (CudaError). NaN and Inf are not detected on the GPU. Returns a CuPy array
    of the visible's dtype and shape.
    """
    first = "infrared" if is_cuda_array(infrared) else "visible"
    require_cuda_build(first)
    if not (is_cuda_array(infrared) and is_cuda_array(visible)):
        other = "visible" if first == "infrared" else "infrared"
        raise CudaError(
            f"{first} is a CUDA array but {other} is not; pass both on the same device "
            "(cupy.asarray(...)) or both on the host."
        )
    if method not in ("guided", "focus"):
        raise CudaError(
            f"method={method!r} does not run on the GPU: only method='guided' and 'focus' do. "
            "Copy the arrays to the host (cupy.asnumpy) for 'cnn'."
        )
    if return_weights:
        raise CudaError(
            "return_weights=True is not supported with CUDA arrays (the GPU keeps the weight "
            "maps in scratch); copy the arrays to the host to get them."
        )
    if params["enhance"] != "none":
        raise CudaError(
            f"enhance={params['enhance']!r} is not supported with CUDA arrays (only "
            "enhance='none'); copy the arrays to the host for the detail enhancement."
        )
    ir = as_cuda_array(infrared, "infrared")
    vis = as_cuda_array(visible, "visible")
    irs, viss = _shape(ir), _shape(vis)
    for name, shape in (("infrared", irs), ("visible", viss)):
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3)):
            raise ShapeError(f"{name} must have shape (H, W), (H, W, 1) or (H, W, 3); got {shape}.")
        if shape[0] == 0 or shape[1] == 0:
            raise ShapeError(f"{name} must not be empty; got shape {shape}.")
    if len(irs) == 3 and irs[2] == 3:
        raise CudaError(
            "a 3-channel infrared image is not supported on the GPU (only gray infrared: "
            "(H, W) or (H, W, 1)); pass one channel, e.g. infrared[..., 0]."
        )
    if irs[:2] != viss[:2]:
        raise ShapeError(
            f"infrared and visible must have the same height and width; got infrared {irs} and "
            f"visible {viss}. Register and crop/resize them to one size first."
        )
    if data_range is not None:
        data_range = v.check_positive_float(data_range, "data_range")
    ir_d = _describe(ir, "infrared")
    vis_d = _describe(vis, "visible")

    def value_range(dtype: np.dtype) -> float:
        if dtype.kind == "u":
            return float(np.iinfo(dtype).max)
        return 1.0 if data_range is None else float(data_range)

    cp = _cupy()
    result = cp.empty(viss, dtype=_dtype(vis))
    p = params
    if method == "focus":
        _core.cuda_fuse_focus(
            ir_d,
            vis_d,
            _describe(result, "out"),
            *focus_arguments(p, viss[:2], value_range(_dtype(ir)), value_range(_dtype(vis)), clip),
            cp.cuda.get_current_stream().ptr,
        )
        return result

    from .fusion._gff import _kernel  # lazy: jointfilter.fusion imports this module's users

    _core.cuda_fuse_guided(
        ir_d,
        vis_d,
        _describe(result, "out"),
        _kernel(5.0, 11),
        value_range(_dtype(ir)),
        value_range(_dtype(vis)),
        bool(clip),
        p["r1"],
        float(p["eps1"]),
        p["r2"],
        float(p["eps2"]),
        p["base_radius"],
        p["subsample"],
        cp.cuda.get_current_stream().ptr,
    )
    return result


def focus_arguments(
    p: dict[str, Any], shape: tuple[int, ...], ir_range: float, vis_range: float, clip: bool
) -> tuple[Any, ...]:
    """The scalar arguments of ``_core.cuda_fuse_focus`` (and its emulation) after the images.

    `p` are fuse(method="focus")'s checked parameters; ``levels=None`` becomes the CPU's default
    depth for `shape`, ``match_threshold=None`` the plain weighted pyramid.
    """
    from .fusion._blend import default_levels  # lazy, as above
    from .fusion._focus import BLEND_MODES, FOCUS_MEASURES

    levels = default_levels(shape) if p["levels"] is None else p["levels"]
    match = p["match_threshold"] is not None
    return (
        ir_range,
        vis_range,
        bool(clip),
        FOCUS_MEASURES.index(p["measure"]),
        p["focus_radius"],
        float(p["threshold"]),
        BLEND_MODES.index(p["blend"]),
        p["radius"],
        float(p["eps"]),
        int(levels),
        match,
        float(p["match_threshold"]) if match else 0.0,
        p["r1"],
        float(p["eps1"]),
        p["r2"],
        float(p["eps2"]),
        p["base_radius"],
        p["subsample"],
    )
