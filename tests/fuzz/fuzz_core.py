"""Coverage-guided fuzzing of the compiled core (``jointfilter._core``) below the Python layer.

The Python API validates everything before it reaches the bindings; this target calls the
bindings directly, so the C++ checks (``view_of`` and ``JF_CHECK`` in ``src/bindings.cpp`` and
``cpp/``) are the only line of defence. Inputs: random shapes (0-D to 4-D, empty, one pixel),
dtypes (the three core dtypes and nine others, object included), channel counts, byte strides
(negative, zero, overlapping, misaligned, non-contiguous), read-only and aliasing ``out``
arrays, shared ``Workspace`` objects, radii, eps, border codes, subsample factors and thread
counts, including values that do not fit the C++ integer types.

Every array is a view into its own byte buffer (``out`` sometimes shares the target's). After
each call the target asserts:

* only the documented exceptions escape: ``ParameterError`` and ``NonFiniteError`` (the
  bindings' translators for ``invalid_argument`` / ``nonfinite_input``) and ``TypeError`` from
  pybind11's argument conversion ("incompatible function arguments");
* no byte of any buffer changed except the element bytes of ``out`` (inputs untouched, nothing
  written outside ``out``, whatever its strides);
* a call that succeeded had valid arguments (the preconditions of ``src/bindings.cpp``: core
  dtypes, (H, W[, C]) layout with contiguous pixels and a positive row stride, matching shapes,
  supported channel counts, radius >= 0, border code 0..3, finite eps > 0, subsample >= 1) and,
  for the box and min/max filters on finite input, produced values within the input's range.

Select the functions with ``JOINTFILTER_FUZZ_FUNCTIONS`` (comma-separated, default
``box,guided,minmax,threads``; ``emulated`` adds ``cuda_emulated_guided_filter``).
Run: ``python tests/fuzz/fuzz_core.py -seed=1 -max_total_time=60``.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import atheris
import numpy as np

from jointfilter import _core
from jointfilter.errors import NonFiniteError, ParameterError

FUNCTIONS = os.environ.get("JOINTFILTER_FUZZ_FUNCTIONS", "box,guided,minmax,threads").split(",")

CORE = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))
DTYPES = [
    *CORE,
    *CORE,  # weighted towards the dtypes that reach the kernels
    np.dtype(np.float64),
    np.dtype(np.float16),
    np.dtype(np.int8),
    np.dtype(np.int16),
    np.dtype(np.int32),
    np.dtype(np.int64),
    np.dtype(np.bool_),
    np.dtype(np.complex64),
    np.dtype(object),
]
INT64_EDGES = [2**31, 2**40, 2**62, 2**63 - 1, -(2**63), 2**63, 2**64, -(2**31) - 1]
FLOAT_EDGES = [0.0, -0.0, -1.0, math.nan, math.inf, -math.inf, 5e-324, 1e-300, 1e300, 1.7e308]
NOT_NUMBERS: list[Any] = [None, "3", 1.5, [1], object()]
SHARED_WORKSPACE = _core.Workspace()


ASPECTS = ("dtype", "strides", "shape", "scalars", "readonly", "alias", "nonarray", "workspace")


class Gen:
    """Draws the arguments of one call: valid ones, with zero, one or all aspects let loose.

    Fully random arguments almost never reach a kernel, so most calls are valid except for at
    most one aspect (a dtype, the strides, a shape, a scalar, ...): every check and every
    kernel gets exercised.
    """

    def __init__(self, fdp: atheris.FuzzedDataProvider) -> None:
        self.fdp = fdp
        mode = fdp.ConsumeIntInRange(0, 7)
        if mode == 0:
            self.loose = set(ASPECTS)
        elif mode <= 4:
            self.loose = {ASPECTS[fdp.ConsumeIntInRange(0, len(ASPECTS) - 1)]}
        else:
            self.loose = set()

    def wild(self, aspect: str, one_in: int = 3) -> bool:
        """True, sometimes, when `aspect` is loose in this call."""
        return aspect in self.loose and self.fdp.ConsumeIntInRange(1, one_in) == 1

    def int(self, lo: int, hi: int, *, big: bool = True) -> Any:
        """An int in [lo, hi] (sometimes a huge valid one); loose: edges and non-numbers."""
        fdp = self.fdp
        if self.wild("scalars"):
            kind = fdp.ConsumeIntInRange(0, 2)
            if kind == 0:
                return INT64_EDGES[fdp.ConsumeIntInRange(0, len(INT64_EDGES) - 1)]
            if kind == 1:
                return NOT_NUMBERS[fdp.ConsumeIntInRange(0, len(NOT_NUMBERS) - 1)]
            return fdp.ConsumeIntInRange(-3, -1)
        if big and fdp.ConsumeIntInRange(0, 31) == 0:
            return 2 ** fdp.ConsumeIntInRange(20, 40)  # valid, far beyond the image
        return fdp.ConsumeIntInRange(lo, hi)

    def eps(self) -> Any:
        fdp = self.fdp
        if self.wild("scalars"):
            kind = fdp.ConsumeIntInRange(0, 2)
            if kind == 0:
                return fdp.ConsumeFloat()
            if kind == 1:
                return NOT_NUMBERS[fdp.ConsumeIntInRange(0, len(NOT_NUMBERS) - 1)]
            return FLOAT_EDGES[fdp.ConsumeIntInRange(0, len(FLOAT_EDGES) - 1)]
        return 10.0 ** fdp.ConsumeIntInRange(-12, 4)

    def dtype(self) -> np.dtype:
        pool = DTYPES if self.wild("dtype") else CORE
        return pool[self.fdp.ConsumeIntInRange(0, len(pool) - 1)]

    def shape(self, h: int, w: int, c: int) -> tuple[int, ...]:
        """(h, w) for c == 0, else (h, w, c); loose: 0-D, 1-D, 4-D or a transposed shape."""
        if self.wild("shape"):
            kind = self.fdp.ConsumeIntInRange(0, 3)
            return [(), (w,), (1, h, w, max(c, 1)), (w, h, max(c, 1))][kind]
        return (h, w) if c == 0 else (h, w, c)

    def strides(self, shape: tuple[int, ...], item: int) -> list[int]:
        """Byte strides: channels and pixels contiguous, rows padded; loose: anything."""
        fdp = self.fdp
        strides = []
        natural = item
        for axis in reversed(range(len(shape))):
            n = shape[axis]
            if self.wild("strides", 2):
                kind = fdp.ConsumeIntInRange(0, 4)
                if kind == 0:
                    s = -natural
                elif kind == 1:
                    s = 0
                elif kind == 2:
                    s = natural * fdp.ConsumeIntInRange(2, 3)
                elif kind == 3:
                    s = natural // 2 or 1  # overlapping elements
                else:
                    s = fdp.ConsumeIntInRange(-3 * natural, 3 * natural)  # any byte stride
            elif axis == 0 and len(shape) >= 2:
                s = natural * fdp.ConsumeIntInRange(1, 3)  # rows may be padded
            else:
                s = natural
            strides.append(s)
            natural *= max(n, 1)
        strides.reverse()
        return strides


class Arena:
    """Byte buffers holding the arrays of one call; remembers which bytes `out` may write."""

    def __init__(self) -> None:
        self.buffers: list[np.ndarray] = []
        self.before: list[np.ndarray] = []
        self.writable: list[np.ndarray] = []  # per buffer: bytes that out's elements cover

    def _add(self, raw: np.ndarray) -> int:
        self.buffers.append(raw)
        self.before.append(raw.copy())
        self.writable.append(np.zeros(raw.size if raw.dtype.kind == "O" else raw.nbytes, bool))
        return len(self.buffers) - 1

    def array(
        self,
        g: Gen,
        shape: tuple[int, ...],
        *,
        into: int | None = None,
        dtype: np.dtype | None = None,
    ) -> tuple[Any, int]:
        """An array of `shape` in a new buffer (or sharing buffer `into`); `dtype` if valid."""
        fdp = g.fdp
        if g.wild("nonarray", 4):
            return NOT_NUMBERS[fdp.ConsumeIntInRange(0, len(NOT_NUMBERS) - 1)], -1
        if dtype is None or dtype not in CORE or g.wild("dtype"):
            dtype = g.dtype()
        if dtype.kind == "O":  # numpy builds object arrays only from Python objects
            arr = np.full(shape, 0.5, object)
            return arr, self._add(arr)
        item = dtype.itemsize
        strides = g.strides(shape, item)
        live = [(n, s) for n, s in zip(shape, strides, strict=True) if n > 0]
        lo = sum((n - 1) * s for n, s in live if s < 0)
        hi = sum((n - 1) * s for n, s in live if s > 0)
        span = hi - lo + item
        arr = None
        if into is not None and into >= 0 and self.buffers[into].dtype.kind != "O":
            raw = self.buffers[into]
            if span <= raw.nbytes:
                offset = -lo + fdp.ConsumeIntInRange(0, raw.nbytes - span)
                arr = np.ndarray(shape, dtype, buffer=raw, offset=offset, strides=strides)
                index = into
        if arr is None:
            pad = 32  # guard bytes on both sides
            size = span + 2 * pad
            raw = np.frombuffer(fdp.ConsumeBytes(size).ljust(size, b"\x5a"), np.uint8).copy()
            index = self._add(raw)
            arr = np.ndarray(shape, dtype, buffer=raw, offset=pad - lo, strides=strides)
            if dtype.kind == "f" and fdp.ConsumeIntInRange(0, 3):
                # mostly finite data (random bytes are often NaN/Inf): values in [0, 1]
                vals = np.frombuffer(raw.tobytes(), np.uint8)[: max(arr.size, 1)] / 255.0
                arr[...] = np.resize(vals, arr.shape).astype(dtype)
                self.before[index] = raw.copy()
        if g.wild("readonly", 2):
            arr.flags.writeable = False
        return arr, index

    def mark_writable(self, arr: Any, index: int) -> None:
        """The element bytes of `arr` (in buffer `index`) may change."""
        if index < 0 or arr.size == 0:
            return
        raw = self.buffers[index]
        if raw.dtype.kind == "O":
            self.writable[index][:] = True
            return
        start = arr.__array_interface__["data"][0] - raw.__array_interface__["data"][0]
        offsets = np.full(arr.shape, start, np.int64)
        for axis, s in enumerate(arr.strides):
            shape = [1] * arr.ndim
            shape[axis] = arr.shape[axis]
            offsets = offsets + (np.arange(arr.shape[axis]) * s).reshape(shape)
        for b in range(arr.itemsize):
            self.writable[index][(offsets + b).ravel()] = True

    def check_untouched(self) -> None:
        for raw, before, ok in zip(self.buffers, self.before, self.writable, strict=True):
            if raw.dtype.kind == "O":
                pairs = zip(raw.ravel(), before.ravel(), strict=True)
                changed = np.array([a is not b for a, b in pairs], bool)
            else:
                changed = raw != before
            bad = changed & ~ok
            assert not bad.any(), f"bytes outside out changed at {np.flatnonzero(bad)[:8]}"


# ---------------------------------------------------------------------------------------------
# the bindings' documented preconditions (src/bindings.cpp view_of, cpp/ JF_CHECKs)
# ---------------------------------------------------------------------------------------------


def _view_ok(a: Any, writable: bool, *, whole_rows: bool = True) -> bool:
    """``view_of``: a core dtype, 2-D/3-D, contiguous pixels, positive row stride.

    `whole_rows`: rows may not overlap (``check_view`` of the box and guided filters). An
    input whose rows overlap is well defined to read (the min/max filter accepts one); an
    output whose rows overlap is never valid: its value would depend on the write order.
    """
    if not isinstance(a, np.ndarray) or a.dtype not in CORE or a.ndim not in (2, 3):
        return False
    item = a.itemsize
    h, w = a.shape[:2]
    c = a.shape[2] if a.ndim == 3 else 1
    if h > 1 and (a.strides[0] <= 0 or a.strides[0] % item):
        return False
    if w > 1 and a.strides[1] != c * item:
        return False
    if a.ndim == 3 and c > 1 and a.strides[2] != item:
        return False
    if whole_rows and h > 1 and a.strides[0] // item < w * c:  # row stride shorter than a row
        return False
    return not (writable and not a.flags.writeable)


def _hwc(a: np.ndarray) -> tuple[int, int, int]:
    return (a.shape[0], a.shape[1], a.shape[2] if a.ndim == 3 else 1)


def _is_int(x: Any, lo: int, hi: int) -> bool:
    return isinstance(x, int) and lo <= x <= hi


def _expect_type_error(*ints: tuple[Any, int]) -> bool:
    """Some argument cannot convert to its C++ type (pybind11 raises TypeError)."""
    for value, bits in ints:
        if isinstance(value, bool):
            continue
        if not isinstance(value, int) or not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            return True
    return False


def _finite(a: np.ndarray) -> bool:
    return a.dtype.kind != "f" or bool(np.isfinite(a).all())


def _check_range(src: np.ndarray, out: np.ndarray) -> None:
    """Means and extrema of finite input stay within its range (after the output's rounding)."""
    if src.size == 0 or not _finite(src):
        return
    lo, hi = float(src.min()), float(src.max())
    if out.dtype.kind == "u":
        info = np.iinfo(out.dtype)
        lo, hi = min(max(math.floor(lo), info.min), info.max), max(min(math.ceil(hi), info.max), 0)
    tol = 1e-5 * max(abs(lo), abs(hi), 1.0) if out.dtype.kind == "f" else 0.0
    vals = out.astype(np.float64)
    if out.dtype.kind == "f" and not (lo >= -3.4e38 and hi <= 3.4e38):
        return  # beyond float32: inf is the right answer
    assert vals.min() >= lo - tol, (lo, hi, vals.min(), vals.max())
    assert vals.max() <= hi + tol, (lo, hi, vals.min(), vals.max())


# ---------------------------------------------------------------------------------------------
# one execution
# ---------------------------------------------------------------------------------------------


def _workspace(g: Gen) -> Any:
    if g.wild("workspace", 2):
        return "not a workspace"
    return SHARED_WORKSPACE if g.fdp.ConsumeBool() else None


def _call_box(g: Gen, arena: Arena, which: str) -> None:
    fdp = g.fdp
    h, w = fdp.ConsumeIntInRange(0, 13), fdp.ConsumeIntInRange(0, 13)
    c = fdp.ConsumeIntInRange(0, 4 if which == "box" else 6)
    if g.wild("shape"):
        c = fdp.ConsumeIntInRange(0, 7)
    image, img_index = arena.array(g, g.shape(h, w, c))
    alias = g.wild("alias", 1)
    out_shape = image.shape if isinstance(image, np.ndarray) and not alias else (h, w, c or 1)
    if g.wild("shape"):
        out_shape = g.shape(h, max(0, w + fdp.ConsumeIntInRange(-1, 1)), c)
    same = image.dtype if which == "minmax" and isinstance(image, np.ndarray) else None
    out, out_index = arena.array(g, out_shape, into=img_index if alias else None, dtype=same)
    arena.mark_writable(out, out_index)
    radius = g.int(0, 20)
    border = g.int(0, 3, big=False)
    if which == "box":
        ws = _workspace(g)
        args: tuple[Any, ...] = (image, out, radius, border, ws)
        fn = _core.box_filter
    else:
        maximum: Any = fdp.ConsumeBool()
        if g.wild("scalars", 4):
            maximum = NOT_NUMBERS[fdp.ConsumeIntInRange(0, len(NOT_NUMBERS) - 1)]
        args = (image, out, radius, border, maximum)
        fn = _core.minmax_filter
    if not _run(fn, args, _expect_type_error((radius, 64), (border, 32))):
        return
    # it succeeded: the arguments must have been valid
    assert _view_ok(image, False, whole_rows=which == "box"), image
    assert _view_ok(out, True), out
    assert _hwc(out) == _hwc(image), (image.shape, out.shape)
    assert _is_int(radius, 0, 2**63 - 1), radius
    assert _is_int(border, 0, 3), border
    if which == "box":
        assert 1 <= _hwc(image)[2] <= 4, image.shape
        assert ws is None or isinstance(ws, _core.Workspace), ws
    else:
        assert out.dtype == image.dtype, (image.dtype, out.dtype)
        assert _hwc(image)[2] >= 1, image.shape
    if not np.may_share_memory(image, out):
        _check_range(image, out)


def _call_guided(g: Gen, arena: Arena, which: str) -> None:
    fdp = g.fdp
    h, w = fdp.ConsumeIntInRange(0, 13), fdp.ConsumeIntInRange(0, 13)
    tc = fdp.ConsumeIntInRange(0, 4) if not g.wild("shape") else fdp.ConsumeIntInRange(0, 6)
    gc = (
        [0, 1, 3][fdp.ConsumeIntInRange(0, 2)]
        if not g.wild("shape")
        else [2, 4, 5][fdp.ConsumeIntInRange(0, 2)]
    )
    target, t_index = arena.array(g, g.shape(h, w, tc))
    gh = h + (fdp.ConsumeIntInRange(-1, 1) if g.wild("shape") else 0)
    guide, _ = arena.array(g, g.shape(max(gh, 0), w, gc))
    alias = g.wild("alias", 1)
    oshape = target.shape if isinstance(target, np.ndarray) and not alias else (h, w, tc or 1)
    if g.wild("shape"):
        oshape = g.shape(h, max(0, w + fdp.ConsumeIntInRange(-1, 1)), tc)
    out, out_index = arena.array(g, oshape, into=t_index if alias else None)
    arena.mark_writable(out, out_index)
    radius = g.int(0, 20)
    border = g.int(0, 3, big=False)
    eps = g.eps()
    if which == "guided":
        subsample = g.int(1, 6)
        ws = _workspace(g)
        args: tuple[Any, ...] = (target, guide, out, radius, eps, border, subsample, ws)
        fn = _core.guided_filter
        ints = [(radius, 64), (border, 32), (subsample, 64)]
    else:
        subsample = 1
        args = (target, guide, out, radius, eps, border)
        fn = _core.cuda_emulated_guided_filter
        ints = [(radius, 64), (border, 32)]
    bad_eps = not isinstance(eps, (int, float))
    if not _run(fn, args, _expect_type_error(*ints) or bad_eps):
        return
    assert _view_ok(target, False), target
    assert _view_ok(guide, False), guide
    assert _view_ok(out, True), out
    th, tw, tc = _hwc(target)
    gh, gw, gc = _hwc(guide)
    assert (gh, gw) == (th, tw), (target.shape, guide.shape)
    assert gc in (1, 3), guide.shape
    assert 1 <= tc <= 4, target.shape
    assert _hwc(out) == (th, tw, tc), (target.shape, out.shape)
    assert _is_int(radius, 0, 2**63 - 1), radius
    assert _is_int(border, 0, 3), border
    assert math.isfinite(eps), eps
    assert eps > 0, eps
    assert _is_int(subsample, 1, 2**63 - 1), subsample


def _call_threads(g: Gen) -> None:
    n = g.int(0, 4, big=False)
    if _run(_core.set_num_threads, (n,), _expect_type_error((n, 32))):
        got = _core.get_num_threads()
        assert got >= 1, got
        assert n <= 0 or got == n, (n, got)
    height, radius = g.int(0, 10**6), g.int(0, 10**6)
    if _run(_core.band_rows_for, (height, radius), _expect_type_error((height, 64), (radius, 64))):
        rows = _core.band_rows_for(height, radius)
        if isinstance(height, int) and 0 <= height <= 2**40 and 0 <= radius <= 2**40:
            assert 1 <= rows <= max(height, 1), (height, radius, rows)


def _run(fn: Any, args: tuple[Any, ...], type_error_expected: bool) -> bool:
    """Call; True if it returned. Only the documented exceptions may escape."""
    error: Exception | None = None
    try:
        fn(*args)
    except (ParameterError, NonFiniteError, TypeError) as exc:
        error = exc
    if error is None:
        assert not type_error_expected, ("accepted an unconvertible argument", args[3:])
        return True
    if isinstance(error, TypeError):  # pybind11's argument conversion, nothing else
        assert "incompatible function arguments" in str(error), repr(error)
    assert str(error), "empty error message"
    return False


def test_one(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    which = FUNCTIONS[fdp.ConsumeIntInRange(0, len(FUNCTIONS) - 1)]
    g = Gen(fdp)
    arena = Arena()
    if which in ("box", "minmax"):
        _call_box(g, arena, which)
    elif which in ("guided", "emulated"):
        _call_guided(g, arena, which)
    elif which == "threads":
        _call_threads(g)
    else:
        raise SystemExit(f"unknown function {which!r} in JOINTFILTER_FUZZ_FUNCTIONS")
    arena.check_untouched()


if __name__ == "__main__":
    # Coverage feedback comes from this harness only: the C++ core is not instrumented, and
    # instrumenting every loaded module (atheris.instrument_all) costs ~30 s of start-up.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    with atheris.instrument_imports(include=["fuzz_core"]):
        import fuzz_core as harness
    atheris.Setup(sys.argv, harness.test_one)
    atheris.Fuzz()
