"""Argument checking and array preparation for the public API.

Every public function funnels its arguments through here, so the messages are uniform: they
name the argument, say what was expected, what arrived, and how to fix it. Nothing here ever
writes to a caller's array.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import DTypeError, ParameterError, ShapeError

#: dtypes the compiled core reads and writes
CORE_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))
#: dtypes the functions accept (float64 and float16 are computed in float32)
ACCEPTED_DTYPES = (*CORE_DTYPES, np.dtype(np.float64), np.dtype(np.float16))

BORDERS = {"clipped": 0, "symmetric": 1, "reflect": 2, "edge": 3}
_BORDER_HINTS = {
    "replicate": "edge",
    "border_replicate": "edge",
    "border_reflect": "symmetric",
    "border_reflect_101": "reflect",
    "reflect101": "reflect",
    "reflect_101": "reflect",
    "border_default": "reflect",
    "nearest": "edge",
    "mirror": "reflect",
}

MAX_RADIUS = 1 << 30


def describe(value: Any) -> str:
    """Short description of an argument for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def _dlpack_on_cuda(value: Any) -> bool:
    from ._cuda import _dlpack_on_cuda as on_cuda  # late: _cuda imports the compiled core

    return on_cuda(value)


def as_array(value: Any, name: str) -> np.ndarray:
    """Return `value` as an ndarray without copying when it already is one."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "__cuda_array_interface__") or _dlpack_on_cuda(value):
        from .errors import CudaError

        raise CudaError(
            f"{name} is a CUDA array ({type(value).__name__}); this function has no GPU path "
            "yet. Copy it to the host first (e.g. cupy.asnumpy(x))."
        )
    if hasattr(value, "__array_interface__") or hasattr(value, "__array__"):
        return np.asarray(value)
    raise DTypeError(
        f"{name} must be a numpy.ndarray of shape (H, W) or (H, W, C); got "
        f"{describe(value)}. Wrap it with numpy.asarray()."
    )


def check_dtype(arr: np.ndarray, name: str) -> None:
    if arr.dtype not in ACCEPTED_DTYPES:
        hint = ""
        if not arr.dtype.isnative and arr.dtype.newbyteorder("=") in ACCEPTED_DTYPES:
            raise DTypeError(
                f"{name} has non-native byte order ({arr.dtype.str}, e.g. big-endian data read "
                "from a file); the compiled core reads native-order arrays only. Convert it "
                "with x.astype(x.dtype.newbyteorder('='))."
            )
        if arr.dtype.kind in "iu":
            hint = (
                " Convert it, e.g. x.astype(np.uint16) if the values fit, or "
                "x.astype(np.float32) and pass data_range=."
            )
        elif arr.dtype.kind == "b":
            hint = " Convert the mask to numbers first, e.g. x.astype(np.float32)."
        else:
            hint = " Convert it to uint8, uint16 or float32."
        raise DTypeError(
            f"{name} must have dtype uint8, uint16, float32 or float64; got {arr.dtype}.{hint}"
        )


def check_image_shape(arr: np.ndarray, name: str, max_channels: int) -> int:
    """Validate (H, W) / (H, W, C) layout and return the channel count."""
    if arr.ndim == 2:
        return 1
    if arr.ndim != 3:
        raise ShapeError(
            f"{name} must have shape (H, W) or (H, W, C) (channels last); got {arr.ndim}-D "
            f"array of shape {arr.shape}."
        )
    channels = arr.shape[2]
    if channels > max_channels and arr.shape[0] <= max_channels:
        raise ShapeError(
            f"{name} of shape {arr.shape} looks like channels-first (C, H, W); jointfilter "
            "expects channels last: pass np.moveaxis(x, 0, -1)."
        )
    if channels < 1 or channels > max_channels:
        raise ShapeError(
            f"{name} must have 1 to {max_channels} channels; got shape {arr.shape} with "
            f"{channels} channels."
        )
    return channels


def core_ready(arr: np.ndarray) -> np.ndarray:
    """Array the compiled core can read: core dtype, contiguous pixels, positive row stride."""
    if arr.dtype not in CORE_DTYPES:
        # float64 beyond float32's range becomes inf, which the kernels then report as a
        # NonFiniteError naming the argument; numpy's overflow warning would only add noise
        with np.errstate(over="ignore"):
            arr = arr.astype(np.float32)
    if not _rows_ok(arr):
        arr = np.ascontiguousarray(arr)
    return arr


def _rows_ok(arr: np.ndarray) -> bool:
    if arr.size == 0:  # numpy gives empty arrays zero strides; there is nothing to read
        return True
    item = arr.itemsize
    channels = arr.shape[2] if arr.ndim == 3 else 1
    if arr.ndim == 3 and channels > 1 and arr.strides[2] != item:
        return False
    if arr.shape[1] > 1 and arr.strides[1] != channels * item:
        return False
    return not (arr.shape[0] > 1 and (arr.strides[0] <= 0 or arr.strides[0] % item))


def _overlaps_itself(arr: np.ndarray) -> bool:
    """True if two elements of `arr` may share memory (zero or overlapping strides).

    Axes sorted by stride must each step over everything the inner axes span: the usual
    sufficient test for distinct elements (exotic interleaved views are refused too).
    """
    if arr.size <= 1:
        return False
    extent = arr.itemsize
    for stride, n in sorted(
        (abs(s), n) for s, n in zip(arr.strides, arr.shape, strict=True) if n > 1
    ):
        if stride < extent:
            return True
        extent += stride * (n - 1)
    return False


def check_radius(radius: Any, name: str = "radius") -> int:
    if isinstance(radius, bool) or not isinstance(radius, numbers.Integral):
        raise ParameterError(
            f"{name} must be an int >= 0 (window 2*{name}+1); got {describe(radius)}."
        )
    radius = int(radius)
    if radius < 0:
        raise ParameterError(f"{name} must be >= 0 (window 2*{name}+1); got {radius}.")
    if radius > MAX_RADIUS:
        raise ParameterError(f"{name} must be <= 2**30; got {radius}.")
    return radius


def check_positive_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be a finite number > 0; got {describe(value)}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ParameterError(f"{name} must be a finite number > 0; got {value}.")
    return value


def check_subsample(subsample: Any) -> int:
    if isinstance(subsample, bool) or not isinstance(subsample, numbers.Integral):
        raise ParameterError(f"subsample must be an int >= 1; got {describe(subsample)}.")
    subsample = int(subsample)
    if subsample < 1 or subsample > MAX_RADIUS:
        raise ParameterError(f"subsample must be an int >= 1; got {subsample}.")
    return subsample


#: codes of the fast guided filter's target decimation (cpp/jointfilter/guided_filter.hpp)
DECIMATIONS = {"nearest": 0, "mean": 1}


def check_decimation(decimation: Any) -> int:
    """The core code of a ``decimation=`` value ("nearest" or "mean")."""
    if isinstance(decimation, str) and decimation in DECIMATIONS:
        return DECIMATIONS[decimation]
    names = ", ".join(repr(d) for d in DECIMATIONS)
    raise ParameterError(
        f'decimation must be one of {names}; got {describe(decimation)}. "mean" averages '
        "the target over each subsample x subsample block before the fit (less noise)."
    )


def check_border(border: Any) -> int:
    if isinstance(border, str) and border in BORDERS:
        return BORDERS[border]
    hint = ""
    if isinstance(border, str) and border.lower() in _BORDER_HINTS:
        hint = f" (OpenCV's {border} is border={_BORDER_HINTS[border.lower()]!r})"
    elif isinstance(border, str) and border.lower() in BORDERS:
        hint = f" (names are lower case: border={border.lower()!r})"
    names = ", ".join(repr(b) for b in BORDERS)
    raise ParameterError(f"border must be one of {names}; got {describe(border)}{hint}.")


def default_data_range(dtype: np.dtype) -> float:
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    return 1.0


def check_data_range(data_range: Any, guide_dtype: np.dtype) -> float:
    if data_range is None:
        return default_data_range(guide_dtype)
    return check_positive_float(data_range, "data_range")


def output_dtype(dtype: Any, target_dtype: np.dtype) -> np.dtype:
    if dtype is None:
        return target_dtype
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise DTypeError(f"dtype must be a numpy dtype; got {describe(dtype)}.") from exc
    if dt not in (*CORE_DTYPES, np.dtype(np.float64)):
        raise DTypeError(f"dtype must be uint8, uint16, float32 or float64; got {dt}.")
    return dt


def beyond_float32(arr: np.ndarray) -> bool:
    """True if a float64 `arr` has finite values that float32 turns into Inf (|x| > 3.4e38)."""
    if arr.dtype != np.float64 or arr.size == 0:
        return False
    with np.errstate(over="ignore"):
        inf32 = np.isinf(arr.astype(np.float32))
    return bool((inf32 & np.isfinite(arr)).any())


def beyond_float32_message(names: list[str]) -> str:
    """Error text for float64 inputs whose values overflow the float32 computation."""
    which = " and ".join(names)
    return (
        f"{which} has float64 values beyond float32's range (|x| > 3.4e38); the filters "
        "compute in float32, where they would become Inf. Rescale the data first (and pass "
        "data_range= for the new scale)."
    )


@dataclass(frozen=True)
class OutPlan:
    """Where the core writes, and what to hand back to the caller."""

    core_out: np.ndarray  # array the core writes into
    result: np.ndarray  # array returned to the caller (== out when given)

    def finish(self) -> np.ndarray:
        if self.core_out is not self.result:
            if self.result.dtype == np.float16:  # saturate, as integer outputs do (not inf)
                big = float(np.finfo(np.float16).max)
                np.clip(self.core_out, -big, big, out=self.core_out)
            np.copyto(self.result, self.core_out, casting="unsafe")
        return self.result


def plan_output(
    out: Any, shape: tuple[int, ...], dtype: np.dtype, inputs: tuple[tuple[str, np.ndarray], ...]
) -> OutPlan:
    """Validate `out` (or allocate) and choose the buffer the core writes into."""
    # float64 and float16 outputs are computed in float32 and converted at the end
    core_dtype = dtype if dtype in CORE_DTYPES else np.dtype(np.float32)
    if out is None:
        result = np.empty(shape, dtype)
        core = result if dtype == core_dtype else np.empty(shape, core_dtype)
        return OutPlan(core, result)
    if not isinstance(out, np.ndarray):
        raise DTypeError(f"out must be a numpy.ndarray; got {describe(out)}.")
    if out.shape != shape:
        raise ShapeError(f"out must have shape {shape} (the target's); got {out.shape}.")
    if out.dtype != dtype:
        raise DTypeError(
            f"out must have dtype {dtype} (the output dtype); got {out.dtype}. Pass dtype= to "
            "choose another output dtype."
        )
    if not out.flags.writeable:
        raise ParameterError("out is read-only; pass a writable array (or out=None).")
    if _overlaps_itself(out):
        raise ParameterError(
            f"out overlaps itself (strides {out.strides} for shape {out.shape}: its elements "
            "share memory, so the result would depend on the write order); pass an array "
            "with distinct elements, e.g. np.empty_like(out)."
        )
    for name, arr in inputs:
        if np.may_share_memory(out, arr):
            raise ParameterError(
                f"out overlaps {name}; the filter is not in-place safe. Pass a separate array."
            )
    if out.dtype == core_dtype and _rows_ok(out):
        return OutPlan(out, out)
    return OutPlan(np.empty(shape, core_dtype), out)
