"""Row-blocked, multi-threaded evaluation of the elementwise steps of the restoration tasks.

NumPy runs one ufunc at a time over the whole array, on one thread, and allocates a
full-size temporary per step; at 1080p RGB (6.2 M values) every such pass costs a few
milliseconds and the tasks would spend more time there than in the C++ filters. The helpers
here evaluate a chain of elementwise steps block by block instead (numexpr-style): the rows are
split between ``jointfilter.get_num_threads()`` threads (NumPy releases the GIL inside its
loops), and each thread walks its rows in blocks of ~64 K values, so the chain's temporaries
stay in cache and nothing full-size is allocated besides the result. Results are identical to
the whole-array expression (the same operations on the same values), whatever the thread
count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _core, _scratch
from .._info import get_num_threads
from .._validate import CORE_DTYPES

__all__ = [
    "Finish",
    "as_rows",
    "channel_min",
    "clip_below",
    "expand",
    "from_unit",
    "parallel_rows",
    "row_blocks",
    "tile_row",
    "to_unit",
]

F32 = NDArray[np.float32]

#: values per block of a chain (256 KB of float32): big enough that the Python overhead per
#: block is small, small enough that a chain's temporaries stay in cache and below glibc's
#: mmap threshold: with 512 KB blocks every temporary was a fresh mmap whose page faults
#: (expensive in a VM) made a chain up to 10x slower
BLOCK_VALUES = 1 << 16
#: below this many values a chain runs on the calling thread in one block
_SERIAL_VALUES = 1 << 16

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            old = _pool
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jf-restore")
            _pool_size = workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def parallel_rows(fn: Callable[[int, int], Any], rows: int, values_per_row: int) -> None:
    """Call ``fn(r0, r1)`` on contiguous row ranges that cover ``[0, rows)``, in parallel.

    One range per thread (``jointfilter.get_num_threads()``); the calling thread does the
    first. ``fn`` must only write to its own rows. Exceptions propagate.
    """
    n = get_num_threads()
    if rows * values_per_row < _SERIAL_VALUES:
        n = 1
    n = max(1, min(n, rows))
    if n == 1:
        fn(0, rows)
        return
    bounds = [rows * i // n for i in range(n + 1)]
    pool = _executor(n - 1)
    futures = [pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(1, n)]
    try:
        fn(bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()


def row_blocks(r0: int, r1: int, values_per_row: int) -> Iterator[slice]:
    """Slices of ``[r0, r1)`` with about :data:`BLOCK_VALUES` values each."""
    step = max(1, BLOCK_VALUES // max(1, values_per_row))
    for a in range(r0, r1, step):
        yield slice(a, min(a + step, r1))


def blocked(fn: Callable[[slice], Any], rows: int, values_per_row: int) -> None:
    """Call ``fn(rows_slice)`` on cache-sized row blocks, the blocks shared between threads."""

    def run(r0: int, r1: int) -> None:
        for sl in row_blocks(r0, r1, values_per_row):
            fn(sl)

    parallel_rows(run, rows, values_per_row)


def as_rows(x: np.ndarray) -> np.ndarray:
    """``(H, W)`` / ``(H, W, C)`` C-contiguous data as ``(H, W*C)`` (a view).

    NumPy's loops run over the last axis: broadcasting a per-channel ``(C,)`` vector or a
    ``(H, W, 1)`` plane against ``(H, W, C)`` makes that loop C long and runs ~15x slower than
    a contiguous pass. Elementwise chains therefore work on ``(H, W*C)`` rows, with per-channel
    vectors tiled to a row (:func:`tile_row`) and planes repeated per channel (:func:`expand`).
    """
    return x.reshape(x.shape[0], -1)


def tile_row(vec: NDArray[Any], width: int) -> F32:
    """A per-channel vector ``(C,)`` repeated along an ``(H, W*C)`` row: ``(W*C,)``."""
    return np.tile(np.asarray(vec, np.float32), width)


def expand(plane: F32, channels: int) -> F32:
    """Rows of an ``(h, W)`` plane with each value repeated per channel: ``(h, W*C)``.

    For ``channels == 1`` this is `plane` itself, not a copy. (C strided copies are ~1.5x
    faster than ``np.repeat``.)
    """
    if channels == 1:
        return plane
    out = np.empty((plane.shape[0], plane.shape[1] * channels), plane.dtype)
    for k in range(channels):
        out[:, k::channels] = plane
    return out


#: upper bound for np.clip used as a one-sided maximum (np.clip is SIMD, np.maximum with a
#: scalar is ~2.5x slower)
INF = np.float32(np.inf)


def clip_below(x: F32, lo: float, out: F32 | None = None) -> F32:
    """``np.maximum(x, lo)`` (NaN kept) via the faster ``np.clip``."""
    return np.clip(x, np.float32(lo), INF, out=out)


def _row_values(x: np.ndarray) -> int:
    return int(np.prod(x.shape[1:], dtype=np.int64)) if x.ndim > 1 else 1


def to_unit(arr: NDArray[Any], data_range: float) -> F32:
    """``float32(arr) * float32(1 / data_range)`` in one blocked pass (a new array)."""
    out = _scratch.empty(arr.shape)
    if arr.ndim < 2:
        np.multiply(arr, np.float32(1.0 / data_range), out=out, dtype=np.float32)
        return out
    if arr.flags.c_contiguous and arr.dtype in CORE_DTYPES and arr.size:
        # the C++ loop (all threads, one pass) of fusion.to_unit: the same float32 product
        rows = arr.shape[0]
        _core.fusion_to_unit(arr.reshape(rows, -1), 1.0 / data_range, out.reshape(rows, -1))
        return out
    scale = np.float32(1.0 / data_range)
    if data_range == 1.0:

        def step(sl: slice) -> None:
            np.copyto(out[sl], arr[sl], casting="unsafe")

    else:

        def step(sl: slice) -> None:
            o = out[sl]
            np.copyto(o, arr[sl], casting="unsafe")
            o *= scale

    blocked(step, arr.shape[0], _row_values(arr))
    return out


class Finish:
    """Conversion of a task's float32 [0, 1] result to the caller's dtype, block by block.

    A task given a ``Finish`` converts each block of its last elementwise step while the
    block is in cache (instead of a separate :func:`from_unit` pass over the result), with
    exactly :func:`from_unit`'s arithmetic.
    """

    def __init__(self, dtype: Any, data_range: float) -> None:
        self.dtype = np.dtype(dtype)
        self.scale = np.float32(data_range)
        self.integer = self.dtype.kind in "ui"
        if self.integer:
            info = np.iinfo(self.dtype)
            self.lo, self.hi = np.float32(info.min), np.float32(info.max)
        #: float32 output in [0, 1] units: the float result is the output, nothing to do
        self.identity = self.dtype == np.float32 and float(data_range) == 1.0
        #: the conversion runs in the C++ core (one pass, the same float32 arithmetic)
        self.core = self.dtype in CORE_DTYPES

    def empty(self, like: np.ndarray) -> np.ndarray:
        """`like` itself when :attr:`identity`, else a new output array of its shape."""
        return like if self.identity else np.empty(like.shape, self.dtype)

    def store(self, y: F32, out: np.ndarray, *, scaled: bool = False) -> None:
        """Write float32 block `y` to `out` in the output dtype (`y` may be overwritten).

        ``scaled=True``: `y` is already multiplied by the data range.
        """
        if self.identity:
            if not np.may_share_memory(out, y):  # else `out` is `y` (the result in place)
                np.copyto(out, y)
            return
        if (
            self.core
            and y.dtype == np.float32
            and y.ndim >= 2
            and y.size
            and y.shape == out.shape
            and y.flags.c_contiguous
            and out.flags.c_contiguous
        ):
            # one C++ pass on this thread (the caller splits the rows between threads): the
            # float32 product, NaN -> 0, clip and rint below, bit for bit
            rows = y.shape[0]
            scale = 1.0 if scaled else float(self.scale)
            _core.restore_from_unit(y.reshape(rows, -1), out.reshape(rows, -1), scale, False)
            return
        if self.scale != 1.0 and not scaled:
            np.multiply(y, self.scale, out=y)
        if not self.integer:
            np.copyto(out, y, casting="unsafe")
            return
        np.clip(y, self.lo, self.hi, out=y)
        np.rint(y, out=y)
        if np.isnan(y).any():  # only from non-finite task results: NaN -> 0 like nan_to_num
            np.copyto(y, np.float32(0), where=np.isnan(y))
        np.copyto(out, y, casting="unsafe")


def from_unit(x: F32, dtype: np.dtype, data_range: float) -> NDArray[Any]:
    """``x * data_range`` as `dtype`: integers rounded half-to-even and saturated, NaN -> 0.

    The scaling is done in float32 (the precision of `x`), so a value within float32
    rounding of a half-integer may round to the other neighbour (at most 1 unit).
    """
    dtype = np.dtype(dtype)
    x = np.asarray(x)
    out = _scratch.empty(x.shape) if dtype == np.float32 else np.empty(x.shape, dtype)
    if x.ndim < 2:
        x = x.reshape(1, -1) if x.ndim == 1 else x.reshape(1, 1)
    o = out.reshape(x.shape)
    finish = Finish(dtype, data_range)
    if (
        finish.core
        and not finish.identity
        and x.dtype == np.float32
        and x.flags.c_contiguous
        and x.size
    ):
        # one C++ pass on all threads, the arithmetic of Finish.store
        rows = x.shape[0]
        _core.restore_from_unit(x.reshape(rows, -1), o.reshape(rows, -1), float(finish.scale))
        return out

    def step(sl: slice) -> None:
        if finish.identity or finish.scale == 1.0:
            finish.store(np.array(x[sl], np.float32), o[sl])
        else:
            finish.store(np.multiply(x[sl], finish.scale, dtype=np.float32), o[sl], scaled=True)

    blocked(step, x.shape[0], _row_values(x))
    return out


def channel_min(x: F32, scale: NDArray[np.float32] | None = None) -> F32:
    """Minimum over the channels of ``(H, W, C)`` (of ``x / scale`` per channel if given).

    ``x.min(axis=2)`` reduces a length-3 axis per pixel and is ~50x slower than taking the
    elementwise minimum of the channel planes, which this does, block by block.
    """
    h, w, c = x.shape
    out = _scratch.empty((h, w)) if x.dtype.kind == "f" else np.empty((h, w), x.dtype)
    sc = None if scale is None else np.asarray(scale)
    if (
        x.dtype == np.float32
        and (sc is None or (sc.dtype == np.float32 and sc.shape == (c,)))
        and x.size
        and x.strides[2] == 4
        and x.strides[1] == 4 * c
        and x.strides[0] > 0
        and x.strides[0] % 4 == 0
    ):
        # one C++ pass on all threads: the divisions and np.minimum below, bit for bit
        _core.restore_channel_min(x, None if sc is None else np.ascontiguousarray(sc), out)
        return out

    def step(sl: slice) -> None:
        o = out[sl]
        if scale is None:
            np.copyto(o, x[sl, :, 0])
            for k in range(1, c):
                np.minimum(o, x[sl, :, k], out=o)
        else:
            np.divide(x[sl, :, 0], scale[0], out=o)
            tmp = np.empty_like(o)
            for k in range(1, c):
                np.divide(x[sl, :, k], scale[k], out=tmp)
                np.minimum(o, tmp, out=o)

    blocked(step, h, w * c)
    return out
