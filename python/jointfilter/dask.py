"""Filters on Dask arrays with exact halos: the chunked result equals the in-memory one.

Every function here splits the image into spatial chunks, gives each chunk a halo of the
neighbouring pixels that the filter reads (``dask.array.overlap`` with ``boundary="none"``),
filters each padded chunk with the in-memory function and trims the halo. Because the halo is at
least as wide as the filter's footprint, every kept pixel sees exactly the pixels it would see in
the whole image, and at the true image edge (where no halo is added) the filter's own ``border``
rule applies, as in memory.

Halo depths:

* :func:`box_filter`: ``radius``.
* :func:`guided_filter`: ``2 * radius`` (the coefficients ``a, b`` are window means, and they are
  averaged again over a window); with ``subsample = s > 1``: ``s * (2 r' + 2)`` with chunks
  realigned to multiples of ``s`` (see :func:`guided_filter`).
* :func:`fuse`, :func:`restore`: derived from the method's / task's effective parameters
  (``jointfilter.fusion._blocks``, ``jointfilter.restoration._blocks.task_footprint``): the sum
  of the footprints of the steps in sequence (guided filters, box means, min filters, the
  Gaussian saliency, pyramid levels, the CNN's window), with chunks realigned to the grid of
  the fast guided filter, the pyramid decimation or the CNN windows. Whole-image estimates
  (``restore``'s noise level, SURE table, blur radius, airlight, gain) are computed first with
  Dask reductions and handed to every chunk.
* :func:`map_filter`: stated by the caller (``depth=``); ``fuse``/``restore`` with ``depth=``
  keep the older behaviour of mapping the in-memory function with that halo.

Tolerance: with ``float32`` data the chunked result matches the in-memory result to float32
rounding (the running sums start at a different place in each chunk): ``|chunked - whole| <=
1e-5 * data_range`` is what the tests assert (measured with the default double-precision
kernels: at most a few float32 ulps, usually bit-identical). The guided filter's
``precision="single"`` kernels round per band of rows, and the bands follow the image height,
so a chunk rounds differently from the whole image: differences are then of the order of the
single kernel's own error (docs/scale.md: up to 4.6e-3 for colour guides with eps 1e-4).
Integer outputs (uint8, uint16) match bit for bit except where a value falls within rounding
of a half-integer, where they may differ by one level; the tests allow 1 level.
:func:`restore`'s whole-image sums are added in another order than in memory (float64); the
discrete choices made from them are equal unless two candidates tie to ~1e-7 relative (see
:func:`restore`).

The channel axis is never chunked: it is rechunked to a single chunk. ``subsample > 1`` (fast
guided filter) is exact when ``H`` and ``W`` are multiples of ``s`` and raises
:class:`~jointfilter.errors.ParameterError` otherwise: its bilinear upsampling scale
``ceil(H/s)/H`` depends on the whole image size and is exactly ``1/s`` only then.

This module imports dask; ``import jointfilter`` does not.

Examples
--------
>>> import numpy as np
>>> import jointfilter.dask as jfd
>>> img = np.random.default_rng(0).random((300, 200), dtype=np.float32)
>>> out = jfd.guided_filter(img, img, radius=4, eps=1e-2, chunks=(128, 96))
>>> out.compute().shape
(300, 200)
"""

from __future__ import annotations

import functools
import numbers
import string
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import _validate as v
from .batch import _fuse_call, _restore_call  # jointfilter.fuse/restore, resolved per call
from .errors import DTypeError, MissingDependencyError, ParameterError, ShapeError

try:
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(
        "jointfilter.dask needs dask: pip install 'jointfilter[dask]' (or 'dask[array]')."
    ) from exc

__all__ = [
    "box_filter",
    "fuse",
    "guided_filter",
    "map_filter",
    "max_filter",
    "min_filter",
    "restore",
]

ChunksLike = Any
_MAX_CHANNELS = 4  # target channels of the box and guided filters, as in memory


def _input(x: Any, name: str) -> Any:
    """`x` as an array with ``shape``/``dtype`` metadata, nothing read or copied.

    Dask arrays and array-likes with ``shape`` and ``dtype`` (numpy, zarr, h5py, ...) are kept
    as they are (Dask reads the latter lazily); other array-likes go through
    ``numpy.asarray``. None, strings and non-arrays raise a DTypeError naming `name`.
    """
    if isinstance(x, da.Array) or (hasattr(x, "shape") and hasattr(x, "dtype")):
        return x
    bad = x is None or isinstance(x, (str, bytes))
    if not bad:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError):  # ragged sequences
            bad = True
        else:
            bad = arr.dtype.kind in "OSUV" and not isinstance(x, np.ndarray)
    if bad:
        raise DTypeError(
            f"{name} must be a numpy or Dask array of shape (H, W) or (H, W, C); got "
            f"{v.describe(x)}. Read the image first (e.g. jointfilter.batch.read_image) or "
            "wrap it with dask.array.from_array / numpy.asarray."
        )
    return arr


def _chunk_entry_ok(c: Any) -> bool:
    """One axis of a chunk spec: a size >= 1, -1/None (whole axis), "auto", or explicit sizes."""
    if c is None or isinstance(c, str):  # "auto" or a byte size such as "64MiB" (dask parses)
        return True
    if isinstance(c, (bool, np.bool_)):
        return False
    if isinstance(c, numbers.Integral):
        return c >= 1 or c == -1
    if isinstance(c, (tuple, list)):  # explicit chunk sizes (dask checks that they add up)
        return len(c) > 0 and all(
            isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_)) and k >= 0
            for k in c
        )
    return False


def _check_chunks(chunks: Any) -> None:
    """Refuse chunk specs that dask would reject with a raw error or silently misread."""
    if chunks is None:
        return
    if isinstance(chunks, dict):
        ok = all(_chunk_entry_ok(c) for c in chunks.values())
    elif isinstance(chunks, (tuple, list)):
        ok = len(chunks) in (2, 3) and all(_chunk_entry_ok(c) for c in chunks)
    else:
        ok = _chunk_entry_ok(chunks)
    if not ok:
        raise ParameterError(_chunks_message(chunks))


def _chunks_message(chunks: Any, shape: Any = None, detail: str = "") -> str:
    at = f" for an array of shape {tuple(shape)}" if shape is not None else ""
    why = f" ({detail})" if detail else ""
    return (
        f"chunks must be a chunk size per axis such as (2048, 2048) (ints >= 1, or -1 for a "
        f"whole axis), one int for every axis, 'auto' or a byte size such as '64MiB'; got "
        f"{v.describe(chunks)}{at}{why}."
    )


def _as_dask(x: Any, name: str, chunks: ChunksLike | None) -> da.Array:
    """`x` as a Dask array (numpy inputs wrapped with `chunks`), after the type/ndim checks."""
    x = _input(x, name)
    if isinstance(x, da.Array):
        arr = x
    elif x.ndim not in (2, 3):
        arr = x  # the ndim check below names it
    else:
        _check_chunks(chunks)
        spec = "auto" if chunks is None else chunks
        if isinstance(spec, (tuple, list)) and len(spec) == 2 and x.ndim == 3:
            spec = (*tuple(spec), -1)
        try:
            arr = da.from_array(x, chunks=spec)
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise ParameterError(_chunks_message(chunks, x.shape, str(exc))) from None
    if arr.ndim not in (2, 3):
        raise ShapeError(
            f"{name} must have shape (H, W) or (H, W, C) (channels last); got {arr.ndim}-D "
            f"array of shape {tuple(arr.shape)}."
        )
    return arr


def _check_guide(g: Any) -> None:
    """The guided filter's guide rules (as in memory): gray or RGB, channels last."""
    if g.ndim == 3 and g.shape[2] == 4 and g.shape[0] > 4:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. For an RGBA guide drop the "
            "alpha channel: guide[..., :3]."
        )
    if v.check_image_shape(g, "guide", 3) == 2:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. Use one channel or convert "
            "to gray."
        )


def _check_same_size(a: Any, b: Any, a_name: str, b_name: str) -> None:
    if tuple(a.shape[:2]) != tuple(b.shape[:2]):
        raise ShapeError(
            f"{b_name} must have the height and width of {a_name} {tuple(a.shape[:2])}; got "
            f"{tuple(b.shape[:2])}. Resize or crop it so the two images are registered pixel "
            "for pixel."
        )


def _check_map_options(
    n: int, like: Any, out_channels: Any, dtype: Any, what: str = "arrays"
) -> np.dtype | None:
    """`like`, `out_channels` and `dtype` of :func:`map_filter` (and the legacy modes)."""
    if isinstance(like, (bool, np.bool_)) or not isinstance(like, numbers.Integral):
        raise ParameterError(
            f"like must be an int index into the {n} input {what} (whose channels and dtype "
            f"the output has); got {v.describe(like)}."
        )
    if not 0 <= like < n:
        raise ParameterError(f"like must index one of the {n} input {what}; got {like!r}.")
    if out_channels is not None and (
        isinstance(out_channels, (bool, np.bool_))
        or not isinstance(out_channels, numbers.Integral)
        or out_channels < 0
    ):
        raise ParameterError(
            f"out_channels must be None (as the `like` input), 0 (an (H, W) output) or an int "
            f"n >= 1 (an (H, W, n) output); got {v.describe(out_channels)}."
        )
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError(
            f"dtype must be a numpy dtype (the dtype of the blocks func returns), e.g. "
            f"np.float32; got {v.describe(dtype)}."
        ) from None


def _checked_block(
    op: Callable[..., Any],
    channels: int,
    dtype: np.dtype,
    label: str,
    *blocks: np.ndarray,
) -> np.ndarray:
    """`op` on one padded block; its result must have the block's size, `channels`, `dtype`.

    A block of another size would be trimmed by the halo into garbage, silently: refuse it.
    """
    out = op(*blocks)
    h, w = blocks[0].shape[:2]
    expected = (h, w, channels) if channels else (h, w)
    shape = getattr(out, "shape", None)
    if not isinstance(out, np.ndarray) or out.shape != expected:
        got = f"shape {tuple(shape)}" if shape is not None else v.describe(out)
        raise ShapeError(
            f"{label} returned a block of {got} for an input block of shape "
            f"{blocks[0].shape}; expected a numpy array of shape {expected} (the input "
            "block's height and width, halo included, and the output channels). Return an "
            "image of the input's size, and set out_channels= (0 for (H, W)) to match."
        )
    if out.dtype != dtype:
        raise DTypeError(
            f"{label} returned a block of dtype {out.dtype}; expected {dtype} (dtype=, default "
            "that of the `like` input). Pass dtype= matching what the function returns."
        )
    return out


def _spatial_depth(depth: Any) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ParameterError(
            f"depth must be an int >= 0 (the halo in pixels the operation reads around each "
            f"output pixel); got {v.describe(depth)}."
        )
    return int(depth)


def map_filter(
    func: Callable[..., np.ndarray],
    *arrays: Any,
    depth: int,
    chunks: ChunksLike | None = None,
    like: int = 0,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    **kwargs: Any,
) -> da.Array:
    """Apply an image operation chunk by chunk with a halo of `depth` pixels.

    Parameters
    ----------
    func : callable
        ``func(*blocks, **kwargs) -> ndarray``: an in-memory operation on ``(h, w)`` or
        ``(h, w, C)`` numpy arrays of equal height and width, returning an array of that height
        and width. It must be picklable to run on a distributed cluster (a module-level function
        or a :func:`functools.partial` of one).
    *arrays : dask.array.Array or array_like
        Inputs, ``(H, W)`` or ``(H, W, C)``, all with the same ``(H, W)``. Numpy inputs are
        wrapped with `chunks`; every input is rechunked to the spatial chunks of the first
        Dask input (or of the first input), and the channel axis to one chunk.
    depth : int
        Halo in pixels: how far from an output pixel `func` reads. The result is exact (equal
        to ``func`` on the whole image) only if `depth` is at least the true footprint radius.
    chunks : tuple or str, optional
        Chunking for numpy inputs, e.g. ``(1024, 1024)``; default ``"auto"``.
    like : int, default 0
        Index of the input whose channel count and dtype the output has.
    out_channels : int, optional
        Output channel count: ``None`` = as ``arrays[like]``, ``0`` = ``(H, W)`` output,
        ``n`` = ``(H, W, n)``.
    dtype : dtype, optional
        Output dtype; default ``arrays[like].dtype``.
    **kwargs
        Passed to `func`.

    Returns
    -------
    dask.array.Array
        Lazy result, chunked like the inputs in ``(H, W)``.

    Raises
    ------
    ShapeError
        Inputs that are not 2-D/3-D or whose ``(H, W)`` differ (raised by this call). When
        computed: a block from `func` whose shape is not the input block's ``(h, w)`` with
        the output channels (it would be trimmed into garbage).
    DTypeError
        An input that is not an array, a `dtype` that is not a numpy dtype; when computed, a
        block from `func` of another dtype than `dtype`.
    ParameterError
        `func` not callable, a negative or non-integer `depth`, `like` out of range, a
        negative `out_channels`, or bad `chunks`.
    """
    if not callable(func):
        raise ParameterError(
            f"func must be a callable func(*blocks, **kwargs) -> ndarray (e.g. "
            f"jointfilter.box_filter); got {v.describe(func)}."
        )
    if not arrays:
        raise ParameterError("map_filter needs at least one input array after func.")
    d = _spatial_depth(depth)
    dt = _check_map_options(len(arrays), like, out_channels, dtype)
    _check_chunks(chunks)
    op = functools.partial(func, **kwargs) if kwargs else func
    return _map(op, arrays, d, 1, chunks, like=like, out_channels=out_channels, dtype=dt)


def _prepare(
    arrays: tuple[Any, ...] | list[Any],
    depth: int,
    align: int,
    chunks: ChunksLike | None,
    names: tuple[str, ...] | None = None,
) -> tuple[list[da.Array], list[da.Array], tuple[tuple[int, ...], ...], tuple[int, int]]:
    """Wrap, check, rechunk (spatial chunks >= `depth`, starts on multiples of `align`) and pad.

    Returns the unpadded Dask inputs, the padded ones, the spatial chunks and the per-axis halo
    (0 along an axis held in one chunk).
    """
    names = names or tuple(f"arrays[{i}]" for i in range(len(arrays)))
    # spatial chunks come from the first dask input, else from `chunks`
    first = next((i for i, a in enumerate(arrays) if isinstance(a, da.Array)), None)
    dask_arrays = [_as_dask(a, n, chunks) for a, n in zip(arrays, names, strict=True)]
    ref = dask_arrays[first if first is not None else 0]
    if ref.ndim not in (2, 3):
        raise ShapeError(f"arrays must be (H, W) or (H, W, C); got shape {ref.shape}.")
    hw = ref.shape[:2]
    spatial = ref.chunks[:2]
    if align > 1:  # starts on the grid, every chunk >= depth (depth is a multiple of align)
        spatial = tuple(
            _aligned_chunks(n, c, align, depth) for n, c in zip(hw, spatial, strict=True)
        )
    elif depth > 0:  # a halo can only come from the neighbouring chunk: chunks must be >= depth
        spatial = tuple(
            da.overlap.ensure_minimum_chunksize(min(depth, n), c)
            for n, c in zip(hw, spatial, strict=True)
        )
    # per-axis halo: none along an axis held in one chunk
    axis_depth = tuple(
        0 if len(c) == 1 else min(depth, n) for n, c in zip(hw, spatial, strict=True)
    )
    prepared = []
    for name, a in zip(names, dask_arrays, strict=True):
        if a.ndim not in (2, 3):
            raise ShapeError(
                f"{name} must be (H, W) or (H, W, C); got shape {a.shape}. Channels last."
            )
        if a.shape[:2] != hw:
            raise ShapeError(
                f"{name} must have the height and width {hw} of the first array; got "
                f"{a.shape[:2]}. Register (resize/crop) the images first."
            )
        target_chunks = spatial if a.ndim == 2 else (*spatial, (a.shape[2],))
        if a.chunks != target_chunks:
            a = a.rechunk(target_chunks)
        if any(axis_depth):
            depth_map = {0: axis_depth[0], 1: axis_depth[1]}
            if a.ndim == 3:
                depth_map[2] = 0
            a = da.overlap.overlap(a, depth=depth_map, boundary="none")
        prepared.append(a)
    return dask_arrays, prepared, spatial, (axis_depth[0], axis_depth[1])


def _map(
    op: Callable[..., np.ndarray],
    arrays: tuple[Any, ...] | list[Any],
    depth: int,
    align: int,
    chunks: ChunksLike | None,
    *,
    like: int,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    names: tuple[str, ...] | None = None,
    label: str = "func",
) -> da.Array:
    """`op` on every padded chunk, halo trimmed (the engine of :func:`map_filter`).

    Each block `op` returns is checked (shape and dtype, see :func:`_checked_block`);
    `label` names `op` in that error.
    """
    dask_arrays, prepared, _, axis_depth = _prepare(arrays, depth, align, chunks, names)
    template = dask_arrays[like]
    out_dt = np.dtype(template.dtype if dtype is None else dtype)
    if out_channels is None:
        out_ndim = template.ndim
        n_out = template.shape[2] if template.ndim == 3 else 0
    else:
        n_out = int(out_channels)
        out_ndim = 2 if n_out == 0 else 3
    letters = iter(string.ascii_lowercase[2:])
    args: list[Any] = []
    for a in prepared:
        args.extend([a, "ij" if a.ndim == 2 else "ij" + next(letters)])
    out_index = "ij" if out_ndim == 2 else "ijz"
    new_axes = {} if out_ndim == 2 else {"z": n_out}
    checked = functools.partial(_checked_block, op, n_out if out_ndim == 3 else 0, out_dt, label)
    result = da.blockwise(
        checked,
        out_index,
        *args,
        new_axes=new_axes,
        concatenate=True,
        dtype=out_dt,
        meta=np.empty((0,) * out_ndim, dtype=out_dt),
    )
    if any(axis_depth):
        axes = {0: axis_depth[0], 1: axis_depth[1]}
        if out_ndim == 3:
            axes[2] = 0
        result = da.overlap.trim_internal(result, axes, boundary="none")
    return result


def _reduce(
    part: Callable[..., Any],
    arrays: list[da.Array],
    depth: int,
    align: int = 1,
    combine: Callable[[list[Any]], Any] | None = None,
) -> Any:
    """A lazy whole-image reduction from per-chunk partial results (a ``dask.delayed``).

    ``part(*padded_blocks, keep=(rows, cols), origin=(y0, x0))`` sees each chunk with its halo
    (`keep` = the chunk's own pixels inside the padded block, `origin` = their global first
    row and column) and returns a partial result; `combine` merges the list of partial results
    (default: their sum, in block order).
    """
    import dask

    _, prepared, spatial, axis_depth = _prepare(arrays, depth, align, None)
    starts = [np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int) for c in spatial]
    grids = [a.to_delayed() for a in prepared]
    parts = []
    for i, h in enumerate(spatial[0]):
        top = axis_depth[0] if i else 0
        for j, w in enumerate(spatial[1]):
            left = axis_depth[1] if j else 0
            keep = (slice(top, top + h), slice(left, left + w))
            origin = (int(starts[0][i]), int(starts[1][j]))
            blocks = [g[i, j] if g.ndim == 2 else g[i, j, 0] for g in grids]
            parts.append(dask.delayed(part)(*blocks, keep=keep, origin=origin))
    return dask.delayed(combine or _sum_parts)(parts)


def _sum_parts(parts: list[Any]) -> Any:
    total = parts[0]
    for x in parts[1:]:
        total = total + x
    return total


def _box_block(image: np.ndarray, *, radius: int, **kw: Any) -> np.ndarray:
    from ._filters import box_filter as _box

    return _box(image, radius, **kw)


def _check_precision(precision: Any) -> None:
    from ._filters import _check_precision as check

    check(precision)


def _guided_block(target: np.ndarray, guide: np.ndarray, **kw: Any) -> np.ndarray:
    from ._filters import guided_filter as _gf

    return _gf(target, guide, **kw)


def _check_no_out(kw: dict[str, Any]) -> None:
    if kw.get("out") is not None:
        raise ParameterError(
            "out= is not supported on Dask arrays; store the result with "
            "result.store(target) or dask.array.to_zarr(result, path)."
        )
    kw.pop("out", None)


def box_filter(
    image: Any,
    radius: int,
    *,
    chunks: ChunksLike | None = None,
    border: str = "clipped",
    dtype: DTypeLike | None = None,
) -> da.Array:
    """:func:`jointfilter.box_filter` on a Dask array, with a halo of `radius`.

    Parameters
    ----------
    image : dask.array.Array or array_like
        ``(H, W)`` or ``(H, W, C)``; a numpy array is wrapped with `chunks`.
    radius : int
        Window half-width (the halo depth).
    chunks : tuple or str, optional
        Chunks for a numpy input, e.g. ``(2048, 2048)``; default ``"auto"``.
    border, dtype
        As in :func:`jointfilter.box_filter`; the border rule applies at the true image edge.

    Returns
    -------
    dask.array.Array
        Lazy result; equal to the in-memory filter to float32 rounding (see module notes).

    Raises
    ------
    ShapeError, DTypeError, ParameterError
        As :func:`jointfilter.box_filter`, checked on the whole array's metadata by this
        call (nothing is read); bad `chunks`. NaN/Inf raise
        :class:`~jointfilter.errors.NonFiniteError` when computed.
    """
    img = _input(image, "image")
    v.check_dtype(img, "image")
    v.check_image_shape(img, "image", _MAX_CHANNELS)
    r = v.check_radius(radius)
    v.check_border(border)
    out_dt = v.output_dtype(dtype, img.dtype)
    _check_chunks(chunks)
    part = functools.partial(_box_block, radius=r, border=border, dtype=dtype)
    return _map(
        part, [img], r, 1, chunks, like=0, dtype=out_dt, names=("image",), label="box_filter"
    )


def _extremum_block(image: np.ndarray, *, radius: int, border: str, maximum: bool) -> np.ndarray:
    from ._morphology import max_filter as _max
    from ._morphology import min_filter as _min

    return (_max if maximum else _min)(image, radius, border=border)


def _extremum(image: Any, radius: Any, chunks: Any, border: Any, maximum: bool) -> da.Array:
    from ._morphology import check_layout

    img = _input(image, "image")
    v.check_dtype(img, "image")
    check_layout(img, "image")  # any channel count; channels-first refused as in memory
    r = v.check_radius(radius)
    v.check_border(border)
    _check_chunks(chunks)
    part = functools.partial(_extremum_block, radius=r, border=border, maximum=maximum)
    label = "max_filter" if maximum else "min_filter"
    return _map(part, [img], r, 1, chunks, like=0, dtype=img.dtype, names=("image",), label=label)


def min_filter(
    image: Any, radius: int, *, chunks: ChunksLike | None = None, border: str = "clipped"
) -> da.Array:
    """:func:`jointfilter.min_filter` on a Dask array, with a halo of `radius`.

    Comparisons are exact, so the chunked result equals the in-memory one bit for bit.

    Parameters
    ----------
    image : dask.array.Array or array_like
        ``(H, W)`` or ``(H, W, C)``; a numpy array is wrapped with `chunks`.
    radius : int
        Window half-width (the halo depth).
    chunks : tuple or str, optional
        Chunks for a numpy input; default ``"auto"``.
    border : str
        As in :func:`jointfilter.min_filter`; applies at the true image edge.

    Returns
    -------
    dask.array.Array
        Lazy result, shape and dtype of `image`.
    """
    return _extremum(image, radius, chunks, border, maximum=False)


def max_filter(
    image: Any, radius: int, *, chunks: ChunksLike | None = None, border: str = "clipped"
) -> da.Array:
    """:func:`jointfilter.max_filter` on a Dask array; as :func:`min_filter`."""
    return _extremum(image, radius, chunks, border, maximum=True)


def guided_filter(
    target: Any,
    guide: Any,
    *,
    radius: int = 8,
    eps: float = 1e-3,
    subsample: int = 1,
    border: str = "clipped",
    data_range: float | None = None,
    dtype: DTypeLike | None = None,
    chunks: ChunksLike | None = None,
    precision: str = "double",
    decimation: str = "nearest",
    **kw: Any,
) -> da.Array:
    """:func:`jointfilter.guided_filter` on Dask arrays, with a halo of ``2 * radius``.

    Parameters
    ----------
    target, guide : dask.array.Array or array_like
        As in :func:`jointfilter.guided_filter`; numpy inputs are wrapped with `chunks`, and the
        guide is rechunked to the target's spatial chunks.
    radius, eps, border, data_range, dtype
        As in :func:`jointfilter.guided_filter`. Pass `data_range` for float data whose range
        is not 1; it is never estimated per chunk (that would make chunks disagree).
    subsample : int, default 1
        Fast guided filter factor. ``subsample > 1`` is exact too, but needs ``H`` and ``W``
        to be multiples of ``s``: the spatial chunks are then realigned to multiples of ``s``
        and the halo is ``s * (2 r' + 2)`` with ``r' = max(1, floor(radius / s + 0.5))``, so
        every padded chunk starts on the decimation grid and covers the low-res footprint
        (``r'`` for the coefficients, ``r'`` for their mean, 1 for the bilinear upsampling).
    decimation : {"nearest", "mean"}, default "nearest"
        As in :func:`jointfilter.guided_filter`; the aligned chunks hold whole s x s blocks,
        so ``"mean"`` is exact on chunks too.
    chunks : tuple or str, optional
        Chunks for numpy inputs, e.g. ``(2048, 2048)``; default ``"auto"``.
    precision : {"double", "single"}, default "double"
        As in :func:`jointfilter.guided_filter`; with ``"single"`` chunks round differently
        from the whole image (see the module notes on tolerance).

    Returns
    -------
    dask.array.Array
        Lazy result, shape and dtype as the in-memory call.

    Raises
    ------
    ParameterError
        ``subsample > 1`` with ``H`` or ``W`` not a multiple of ``s``: the fast filter
        upsamples with scale ``ceil(H/s)/H``, set by the whole image, which a chunk cannot
        reproduce unless it is exactly ``1/s``; pad or crop first. Also ``out=`` and bad
        `chunks`.
    ShapeError, DTypeError
        As :func:`jointfilter.guided_filter`, checked on the whole arrays' metadata by this
        call (nothing is read). NaN/Inf raise :class:`~jointfilter.errors.NonFiniteError`
        when computed.
    """
    _check_no_out(kw)
    if kw:
        raise ParameterError(f"unknown keyword argument(s) {sorted(kw)} for guided_filter.")
    t = _input(target, "target")
    g = _input(guide, "guide")
    v.check_dtype(t, "target")
    v.check_dtype(g, "guide")
    v.check_image_shape(t, "target", _MAX_CHANNELS)
    _check_guide(g)
    _check_same_size(t, g, "target", "guide")
    s = v.check_subsample(subsample)
    r = v.check_radius(radius)
    v.check_border(border)
    v.check_positive_float(eps, "eps")
    v.check_data_range(data_range, g.dtype)
    out_dt = v.output_dtype(dtype, t.dtype)
    _check_precision(precision)
    v.check_decimation(decimation)
    _check_chunks(chunks)
    names = ("target", "guide")
    part = functools.partial(
        _guided_block,
        radius=r,
        eps=eps,
        subsample=s,
        decimation=decimation,
        border=border,
        data_range=data_range,
        dtype=dtype,
        precision=precision,
    )
    if s == 1:
        return _map(
            part, [t, g], 2 * r, 1, chunks, like=0, dtype=out_dt, names=names,
            label="guided_filter",
        )  # fmt: skip
    t = _as_dask(t, "target", chunks)
    h, w = t.shape[:2]
    if h % s or w % s:
        raise ParameterError(
            f"subsample={s} on Dask arrays needs height and width that are multiples of {s}; "
            f"got {(h, w)}. The fast filter's upsampling scale ceil(H/s)/H is exactly 1/s only "
            f"then, so chunks can reproduce it. Pad or crop the images to a multiple of {s}, "
            "or use subsample=1."
        )
    # low-res footprint: r' (coefficients) + r' (their mean) + 1 (bilinear), in whole low-res
    # pixels so that every padded block starts on the decimation grid
    r_low = max(1, (2 * r + s) // (2 * s))  # floor(r / s + 0.5)
    depth = s * (2 * r_low + 2)
    aligned = tuple(
        _aligned_chunks(n, c, s, depth) for n, c in zip((h, w), t.chunks[:2], strict=True)
    )
    t = t.rechunk(aligned if t.ndim == 2 else (*aligned, (t.shape[2],)))
    return _map(
        part, [t, g], depth, 1, chunks, like=0, dtype=out_dt, names=names, label="guided_filter"
    )


def _aligned_chunks(n: int, chunks: tuple[int, ...], s: int, depth: int) -> tuple[int, ...]:
    """Chunks of an axis of length `n` (a multiple of `s`): multiples of `s`, all >= `depth`."""
    c0 = -(-max(chunks[0], depth) // s) * s
    if c0 >= n:
        return (n,)
    sizes = [c0] * (n // c0)
    rem = n - sum(sizes)
    if rem >= max(depth, 1):
        sizes.append(rem)
    elif rem:
        sizes[-1] += rem
    return tuple(sizes)


# ============================================================================ fusion
def fuse(
    infrared: Any,
    visible: Any,
    *,
    method: str = "guided",
    depth: int | None = None,
    chunks: ChunksLike | None = None,
    data_range: float | None = None,
    clip: bool = True,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    **params: Any,
) -> da.Array:
    """:func:`jointfilter.fuse` on Dask arrays, with the halo each method needs.

    The halo and the chunk grid are derived from the method's effective parameters
    (:mod:`jointfilter.fusion._blocks` lists the footprints): ``"guided"`` with the GFF
    defaults needs 96 pixels, ``"focus"`` with the default pyramid about ``2**(levels+1)``
    pixels (the default pyramid depth makes its coarsest level ~8 pixels, so the footprint
    is a sizeable part of the image: pass a smaller ``levels=`` for large images, in memory
    too, to keep chunks independent). Fusion has no data-dependent global estimate (each
    source is divided by its dtype's fixed range); the one whole-image quantity, the default
    pyramid depth, is fixed from the whole image. So the result equals the in-memory
    ``jointfilter.fuse`` (float32 rounding aside; measured bit-identical).

    Parameters
    ----------
    infrared, visible : dask.array.Array or array_like
        As in :func:`jointfilter.fuse`; numpy inputs are wrapped with `chunks`, and both are
        rechunked to the infrared's (or the first Dask input's) spatial chunks, enlarged to at
        least the halo and realigned to the method's grid (``subsample``, pyramid
        decimation, CNN window stride).
    method : {"guided", "focus", "cnn"}, default "guided"
        As in :func:`jointfilter.fuse`. ``"cnn"`` needs a model with an integer ``window``
        (its receptive field; the shipped ``"blur-cnn"`` has 32) to derive the halo.
    depth : int, optional
        Legacy mode: apply :func:`jointfilter.fuse` to every chunk with this caller-stated
        halo (no footprint derivation, the pyramid depth then follows each chunk's size).
        Leave it None for the exact mode.
    chunks : tuple or str, optional
        Chunks for numpy inputs, e.g. ``(2048, 2048)``; default ``"auto"``.
    data_range, clip, **params
        As in :func:`jointfilter.fuse` (``return_weights`` is not supported).
    out_channels, dtype
        Legacy mode only (with `depth`): output channels and dtype.

    Returns
    -------
    dask.array.Array
        Lazy fused image, shaped like `visible`'s ``(H, W)`` with its channels and dtype.

    Raises
    ------
    ParameterError
        As :func:`jointfilter.fuse`; ``subsample > 1`` with ``H`` or ``W`` not a multiple of
        it (the fast guided filter's upsampling scale is whole-image); a ``"cnn"`` model
        without a ``window``; ``return_weights``.
    ShapeError, DTypeError
        As :func:`jointfilter.fuse`, checked on the arrays' metadata before anything runs
        (NaN/Inf raise :class:`~jointfilter.errors.NonFiniteError` when computed).
    """
    ir = _input(infrared, "infrared")
    vis = _input(visible, "visible")
    from .fusion._common import check_source_layout

    check_source_layout(ir, vis)
    _check_chunks(chunks)
    names = ("infrared", "visible")
    if depth is not None:
        from .fusion import _check_params

        _check_params(method, params)
        d = _spatial_depth(depth)
        dt = _check_map_options(2, 1, out_channels, dtype, "images")
        part = functools.partial(
            _fuse_call, method=method, data_range=data_range, clip=clip, **params
        )
        return _map(
            part, [ir, vis], d, 1, chunks, like=1, out_channels=out_channels, dtype=dt,
            names=names, label="jointfilter.fuse",
        )  # fmt: skip
    if out_channels is not None or dtype is not None:
        raise ParameterError(
            "out_channels= and dtype= apply only with depth= (legacy mode); the exact mode "
            "returns visible's channels and dtype like jointfilter.fuse. Cast the result "
            "instead (result.astype(...))."
        )
    if "return_weights" in params:
        raise ParameterError(
            "return_weights is not supported on Dask arrays; call jointfilter.fuse on a crop "
            "to inspect the weight maps."
        )
    from .fusion import _check_params
    from .fusion._blocks import fusion_footprint, pyramid_levels

    p = _check_params(method, params)
    if not isinstance(clip, bool):
        raise ParameterError("clip must be a bool.")
    ir = _as_dask(ir, "infrared", chunks)
    vis = _as_dask(vis, "visible", chunks)
    if data_range is not None:
        v.check_positive_float(data_range, "data_range")
    window = 0
    if method == "cnn":
        from .fusion._cnn import load_blur_model

        window = getattr(load_blur_model(p["model"], p["backend"]), "window", None)
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
            raise ParameterError(
                "method='cnn' on Dask needs the model's receptive field to derive the halo: "
                "give the model an int attribute `window` (pixels read around a window "
                "position, windows on the `stride` grid, as the shipped 'blur-cnn' has), or "
                "pass depth= to apply jointfilter.fuse per chunk with your own halo."
            )
    shape = ir.shape[:2]
    depth_, align = fusion_footprint(method, p, shape, int(window))
    _check_grid(shape, int(p.get("subsample", 1)))
    block = dict(params)
    if method != "guided" and p["blend"] == "pyramid":
        block["levels"] = pyramid_levels(p, shape)  # the whole image's depth, not the chunk's
    part = functools.partial(_fuse_call, method=method, data_range=data_range, clip=clip, **block)
    return _map(
        part, [ir, vis], depth_, align, chunks, like=1, names=names, label="jointfilter.fuse"
    )


def _check_grid(shape: tuple[int, ...], s: int) -> None:
    if s > 1 and (shape[0] % s or shape[1] % s):
        raise ParameterError(
            f"subsample={s} on Dask arrays needs height and width that are multiples of {s}; "
            f"got {tuple(shape[:2])}. The fast filter's upsampling scale ceil(H/s)/H is exactly "
            f"1/s only then, so chunks can reproduce it. Pad or crop the images to a multiple "
            f"of {s}, or use subsample=1."
        )


# ============================================================================ restoration
class _Shape:
    """Stand-in with a ``shape`` for the parameter resolution, which reads only shapes."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.ndim = len(self.shape)


def _units(
    tb: np.ndarray, gb: np.ndarray, t_range: float, g_range: float
) -> tuple[np.ndarray, np.ndarray, bool]:
    """A chunk as ``restore`` hands it to the task: float32 [0, 1], singleton channels dropped."""
    from .restoration._common import to_unit

    tf = to_unit(tb, t_range)
    gf = to_unit(gb, g_range)
    if gf.ndim == 3 and gf.shape[2] == 1:
        gf = gf[:, :, 0]
    squeeze = tf.ndim == 3 and tf.shape[2] == 1
    if squeeze:
        tf = tf[:, :, 0]
    return np.ascontiguousarray(tf), np.ascontiguousarray(gf), squeeze


def _restore_block(
    tb: np.ndarray,
    gb: np.ndarray,
    *,
    task: str | None,
    p: dict[str, Any],
    est: dict[str, Any],
    t_range: float,
    g_range: float,
    keep: tuple[slice, slice] | None = None,
) -> np.ndarray:
    from .restoration._blocks import run_task_block
    from .restoration._common import from_unit

    tf, gf, squeeze = _units(tb, gb, t_range, g_range)
    if task == "depth_upsample":
        f = int(p["factor"])
        gf = np.ascontiguousarray(gf[: f * tf.shape[0], : f * tf.shape[1]])
    result = run_task_block(task, tf, gf, p, est)
    if squeeze:
        result = result[:, :, None]
    out = from_unit(result, tb.dtype, t_range)
    return out if keep is None else np.ascontiguousarray(out[keep])


def _unit_luminance(gb: np.ndarray, *, g_range: float) -> np.ndarray:
    from .restoration._common import luminance, to_unit

    gf = to_unit(gb, g_range)
    return luminance(gf[:, :, 0] if gf.ndim == 3 and gf.shape[2] == 1 else gf)


def _noise_part(
    tb: np.ndarray, *, keep: Any, origin: Any, t_range: float, full: tuple[int, int]
) -> np.ndarray:
    """``restore``'s noise estimate: raw integers with their range, floats in [0, 1]."""
    from .restoration._blocks import noise_partial
    from .restoration._common import to_unit

    if tb.dtype.kind in "ui":
        return noise_partial(tb, keep, origin, full, data_range=t_range)
    return noise_partial(to_unit(tb, t_range), keep, origin, full)


def _task_part(
    tb: np.ndarray,
    gb: np.ndarray | None = None,
    *,
    keep: Any,
    origin: Any,
    kind: str,
    p: dict[str, Any],
    t_range: float,
    g_range: float,
    full: tuple[int, int],
) -> Any:
    """Per-chunk partial result of a task's global estimate."""
    from .restoration import _blocks as rb
    from .restoration._common import to_unit

    if gb is None:  # nir_dehaze's airlight passes read the target only
        tf = to_unit(tb, t_range)
        if kind == "dark_top":  # pass A: the chunk's k largest dark-channel values
            return _dark_top(tf, keep, origin, p, full)
        return _dark_ties(tf, keep, p)  # pass B: the pixels tied with the k-th largest
    tf, gf, _ = _units(tb, gb, t_range, g_range)
    if kind == "deblur":
        return rb.deblur_partial(tf, gf, p, keep)
    if kind == "gain":
        return rb.gain_partial(tf, gf, p, keep)
    if kind == "edge_aware":
        return rb.edge_aware_partial(gf, p, keep)
    if kind == "sure":
        y0 = origin[0] - keep[0].start
        x0 = origin[1] - keep[1].start
        rows, cols = (y0, y0 + tf.shape[0]), (x0, x0 + tf.shape[1])
        probe = rb.sure_probe(full, rows, cols)
        return rb.sure_partial(tf, gf, probe, p, keep)
    raise AssertionError(kind)


def _edge_combine(parts: list[np.ndarray]) -> np.ndarray:
    total = _sum_parts(parts)
    if total.size == 3:  # gdgif: [sum, sum, min]
        total[2] = min(float(x[2]) for x in parts)
    return total


def _dark_rows(tf: np.ndarray, keep: Any, p: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    from .restoration._blocks import dark_channel

    dark = dark_channel(tf, p["patch_radius"])[keep]
    rgb = tf[keep]
    return dark, rgb


def _dark_top(
    tf: np.ndarray, keep: Any, origin: Any, p: dict[str, Any], full: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dark, rgb = _dark_rows(tf, keep, p)
    w = dark.shape[1]
    flat = dark.ravel()
    k = min(int(p["_k"]), flat.size)
    yy, xx = np.divmod(np.arange(flat.size), w)
    index = (yy + origin[0]) * full[1] + (xx + origin[1])
    order = np.lexsort((index, -flat))[:k]  # largest first, ties by raster order
    return flat[order], index[order], rgb.reshape(-1, 3)[order]


def _dark_ties(tf: np.ndarray, keep: Any, p: dict[str, Any]) -> tuple[int, np.ndarray, np.ndarray]:
    """(count, colours with the largest sum, up to two distinct colours) of the tied pixels."""
    dark, rgb = _dark_rows(tf, keep, p)
    tied = rgb[dark == np.float32(p["_dk"])]
    if not len(tied):
        return 0, np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)
    sums = tied.sum(axis=1)
    top = np.unique(tied[sums == sums.max()], axis=0)
    return len(tied), top, np.unique(tied, axis=0)[:2]


def _ties_combine(
    parts: list[tuple[int, np.ndarray, np.ndarray]],
) -> tuple[int, np.ndarray, np.ndarray]:
    count = sum(c for c, _, _ in parts)
    tops = np.concatenate([t for _, t, _ in parts])
    distinct = np.unique(np.concatenate([d for _, _, d in parts]), axis=0)[:2]
    if len(tops):
        sums = tops.sum(axis=1)
        tops = np.unique(tops[sums == sums.max()], axis=0)
    return count, tops, distinct


def _unique_max_colour(colours: np.ndarray) -> np.ndarray | None:
    """The colour of largest sum (as ``nir_dehaze`` sums it) if only one colour attains it."""
    sums = colours.sum(axis=1)
    top = np.unique(colours[sums == sums.max()], axis=0)
    return top[0] if len(top) == 1 else None


def _airlight(t: da.Array, p: dict[str, Any], t_range: float) -> np.ndarray:
    """``nir_dehaze``'s airlight over the whole Dask array, equal to the in-memory one.

    In memory, the airlight is the colour of largest R+G+B among the ``k = round(0.001 N)``
    pixels of largest dark channel, selected by ``np.argpartition``. Pass A merges each
    chunk's top k; if the k-th value is tied, pass B counts the tied pixels and their
    colours. When the choice among the tied pixels can change the result (or several colours
    share the largest sum), the selection depends on ``np.argpartition``'s internal order over
    the whole dark channel: then the dark channel is gathered once on the client (4 bytes per
    pixel) and the in-memory selection is run on it.
    """
    from .restoration._blocks import airlight_from

    h, w = t.shape[:2]
    n = h * w
    k = max(1, round(n * 0.001))
    pk = {**p, "_k": k}
    depth = int(p["patch_radius"])
    common = {"t_range": t_range, "g_range": 1.0, "full": (h, w)}
    tops = _reduce(
        functools.partial(_task_part, kind="dark_top", p=pk, **common),
        [t],
        depth,
        combine=list,
    ).compute()
    vals = np.concatenate([x[0] for x in tops])
    index = np.concatenate([x[1] for x in tops])
    rgb = np.concatenate([x[2] for x in tops])
    order = np.lexsort((index, -vals))[:k]
    vals, rgb = vals[order], rgb[order]
    d_k = vals[-1]
    strict = rgb[vals > d_k]
    m = len(strict)
    count, t_top, t_distinct = _reduce(
        functools.partial(_task_part, kind="dark_ties", p={**p, "_dk": float(d_k)}, **common),
        [t],
        depth,
        combine=_ties_combine,
    ).compute()
    air = None
    if count == k - m:  # every tied pixel is selected: the candidate set is known
        air = _unique_max_colour(rgb)
    elif len(t_distinct) == 1:  # one colour among the tied pixels: any subset gives it
        air = _unique_max_colour(np.concatenate([strict, t_distinct]))
    elif m and strict.sum(axis=1).max() > t_top.sum(axis=1).max():
        air = _unique_max_colour(strict)  # the tied pixels cannot win
    if air is None:
        air = _airlight_gathered(t, p, t_range, k)
    return airlight_from(np.asarray(air, np.float32)[None, :])


def _dark_block(tb: np.ndarray, *, t_range: float, patch_radius: int) -> np.ndarray:
    from .restoration._blocks import dark_channel
    from .restoration._common import to_unit

    return dark_channel(to_unit(tb, t_range), patch_radius)


def _airlight_gathered(t: da.Array, p: dict[str, Any], t_range: float, k: int) -> np.ndarray:
    """The in-memory selection on the gathered dark channel (ambiguous ties only)."""
    from .restoration._common import to_unit

    pr = int(p["patch_radius"])
    dark_d = _map(
        functools.partial(_dark_block, t_range=t_range, patch_radius=pr),
        [t], pr, 1, None, like=0, out_channels=0, dtype=np.float32,
    )  # fmt: skip
    dark = np.asarray(dark_d.compute())
    n = dark.size
    idx = np.argpartition(dark.ravel(), n - k)[n - k :]
    rows, cols = np.divmod(idx, dark.shape[1])
    cand = to_unit(np.asarray(t.vindex[rows, cols].compute()), t_range)
    return cand[np.argmax(cand.sum(axis=1))]


def restore(
    target: Any,
    guide: Any,
    task: str | None = None,
    *,
    depth: int | None = None,
    chunks: ChunksLike | None = None,
    return_params: bool = False,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    **overrides: Any,
) -> da.Array | tuple[da.Array, dict[str, Any]]:
    """``jointfilter.restore`` on Dask arrays: global estimates once, exact halos per task.

    The call first computes the task's whole-image estimates with Dask reductions (this reads
    the data: one pass for the noise level and the input checks, one more per estimate) and
    then returns the lazy per-pixel pass, chunked with the halo the task's effective
    parameters need (``restoration/_blocks.task_footprint``). Estimates:

    * ``task=None``, ``flash_denoise`` (or ``return_params=True``): the target's noise level
      (Immerkaer; the count-weighted mean of per-chunk estimates), which sets ``eps="auto"``
      and the generic task's behaviour; radii always scale with the whole image;
    * ``task=None``: the SURE table (per chunk sums of ``(q - t)^2`` and ``b W b`` with the
      same +-1 probe as in memory, generated chunk by chunk), or WGIF/GDGIF's image means;
    * ``flash_deblur`` with ``blur_radius="auto"``: the residual of each blur radius;
    * ``nir_dehaze``: the airlight (the chunks' top dark-channel pixels, merged; see below);
    * ``structure_transfer`` with ``gain="auto"``: the gain's image moments.

    Tolerance: the result equals ``jointfilter.restore`` to float32 rounding. Sums over the
    whole image are accumulated in float64 in a different order than in memory, so a
    continuous estimate (noise sigma, image means, the gain) may differ in its last float64
    bits and a derived float32 value by one rounding step; the tests allow ``1e-5`` of the
    data range (measured: at most a few float32 ulps) and 1 level for integer outputs. A
    discrete choice made from such sums (the SURE candidate, the blur radius, the gain's
    correlation test ``|r| >= 0.3``, ``noise_sigma`` rounded to 6 decimals) can only differ
    if two candidates agree to about 1e-7 relative, which the tests do not meet; if it does
    differ, the result is that of the other candidate. ``nir_dehaze``'s airlight is exact:
    when the 0.1% boundary falls inside tied dark-channel values and the choice among them
    matters (common with 8-bit data), the dark channel is gathered once on the client
    (4 bytes per pixel) to reproduce ``np.argpartition``'s choice.

    Parameters
    ----------
    target, guide : dask.array.Array or array_like
        As in ``jointfilter.restore``. Numpy inputs are wrapped with `chunks`; the guide is
        rechunked to the target's spatial chunks (``depth_upsample``: the guide's chunks are
        the target's times the factor).
    task : str or None
        As in ``jointfilter.restore``.
    depth : int, optional
        Legacy mode: apply ``jointfilter.restore`` to every chunk with this caller-stated halo
        (estimates and radius scaling then follow each chunk, so the result is not the
        whole-image one). Leave it None for the exact mode.
    chunks : tuple or str, optional
        Chunks for numpy inputs, e.g. ``(2048, 2048)``; default ``"auto"``. Chunks are
        enlarged to at least the halo and realigned to multiples of ``subsample``.
    return_params : bool, default False
        Also return the effective parameters (as ``jointfilter.restore``'s).
    out_channels, dtype
        Legacy mode only (with `depth`).
    **overrides
        As in ``jointfilter.restore`` (``data_range``, ``guide_range``, preset parameters).

    Returns
    -------
    dask.array.Array or (dask.array.Array, dict)
        The lazy restored image (target's dtype; guide's size for ``depth_upsample``).

    Raises
    ------
    ParameterError, ShapeError, DTypeError, NonFiniteError
        As ``jointfilter.restore``, raised by this call. Also ``ParameterError`` for
        ``subsample > 1`` with ``H`` or ``W`` not a multiple of it.
    """
    if depth is not None:
        if return_params:
            raise ParameterError("return_params=True needs the exact mode (depth=None).")
        from .restoration import _api

        d = _spatial_depth(depth)
        task = _api._task_name(task)
        if task == "depth_upsample":
            raise ParameterError(
                "task='depth_upsample' needs the exact mode (depth=None): its target and "
                "guide have different sizes, which a per-chunk map cannot pair."
            )
        t, g = _restore_inputs(target, guide, task)
        dt = _check_map_options(2, 0, out_channels, dtype, "images")
        _check_chunks(chunks)
        part = functools.partial(_restore_call, task=task, **overrides)
        return _map(
            part, [t, g], d, 1, chunks, like=0, out_channels=out_channels, dtype=dt,
            names=("target", "guide"), label="jointfilter.restore",
        )  # fmt: skip
    if out_channels is not None or dtype is not None:
        raise ParameterError(
            "out_channels= and dtype= apply only with depth= (legacy mode); the exact mode "
            "returns the target's dtype like jointfilter.restore. Cast the result instead."
        )
    if not isinstance(return_params, bool):
        raise ParameterError(f"return_params must be a bool; got {v.describe(return_params)}.")
    result, params = _restore_exact(target, guide, task, chunks, return_params, dict(overrides))
    return (result, params) if return_params else result


def _restore_inputs(target: Any, guide: Any, task: str | None) -> tuple[Any, Any]:
    """``restore``'s input rules on the whole arrays' metadata (nothing is read)."""
    from .restoration import _api

    t = _input(target, "target")
    g = _input(guide, "guide")
    v.check_dtype(t, "target")
    v.check_dtype(g, "guide")
    v.check_image_shape(t, "target", 4)
    _api._check_guide(g, task)
    if min(t.shape[:2]) < 3 or min(g.shape[:2]) < 3:
        raise ShapeError(
            f"target and guide must be at least 3x3 pixels; got {t.shape} and {g.shape}."
        )
    _api._check_sizes(t, g, task)
    return t, g


def _restore_exact(
    target: Any,
    guide: Any,
    task: Any,
    chunks: ChunksLike | None,
    return_params: bool,
    overrides: dict[str, Any],
) -> tuple[da.Array, dict[str, Any]]:
    import dask

    from .errors import NonFiniteError
    from .restoration import _api
    from .restoration import _blocks as rb

    task = _api._task_name(task)
    t, g = _restore_inputs(target, guide, task)
    _check_chunks(chunks)
    t = _as_dask(t, "target", chunks)
    g = _as_dask(g, "guide", chunks)
    factor = _api._check_sizes(t, g, task)
    nir_rgb = task == "nir_dehaze" and g.ndim == 3 and g.shape[2] == 3
    if nir_rgb:
        _api._check_task_channels(t, g[:, :, 0], task)  # the target checks
    else:
        g = _api._check_task_channels(t, g, task)
    t_range = v.check_data_range(overrides.pop("data_range", None), t.dtype)
    g_range = overrides.pop("guide_range", None)
    g_range = (
        v.default_data_range(g.dtype)
        if g_range is None
        else v.check_positive_float(g_range, "guide_range")
    )
    if g.ndim == 3:
        g = g.rechunk({2: -1})
    if t.ndim == 3:
        t = t.rechunk({2: -1})

    # ---- pass 1: input checks, the guide's range and the noise level, in one compute
    checks: dict[str, Any] = {}
    if nir_rgb:
        checks["nir_gray"] = ((g[:, :, 0] == g[:, :, 1]) & (g[:, :, 0] == g[:, :, 2])).all()
    g_used = g[:, :, 0] if nir_rgb else g
    if t.dtype.kind == "f":
        checks["target"] = da.isfinite(t).all()
    if g_used.dtype.kind == "f":
        checks["guide"] = da.isfinite(g_used).all()
    lum = g_used.map_blocks(
        _unit_luminance,
        g_range=g_range,
        dtype=np.float32,
        drop_axis=2 if g_used.ndim == 3 else None,
    )
    checks["lum_min"] = lum.min()
    checks["lum_max"] = lum.max()
    t_hw = (int(t.shape[0]), int(t.shape[1]))
    if return_params or task in _api.NOISE_TASKS:  # the tasks that use it, as restore
        checks["noise"] = _reduce(
            functools.partial(_noise_part, t_range=t_range, full=t_hw), [t], 1
        )
    (got,) = dask.compute(checks)
    if nir_rgb and not got["nir_gray"]:
        raise ShapeError(
            f"nir_dehaze needs a single-channel near-infrared guide, shape (H, W); got "
            f"a colour image of shape {g.shape}. Pass the NIR frame (if it is stored "
            "as three identical channels, pass guide[..., 0])."
        )
    for name in ("target", "guide"):
        if name in got and not got[name]:
            raise NonFiniteError(
                f"{name} contains NaN or Inf; replace them first, e.g. np.nan_to_num({name})."
            )
    if float(got["lum_max"]) - float(got["lum_min"]) == 0.0:
        raise ShapeError(
            "guide is constant: it carries no structure to guide the restoration. Pass the "
            "registered image of the other modality (flash, NIR, day, foreground or RGB)."
        )
    sigma = float("nan")
    if "noise" in got:
        sigma = float(got["noise"][0] / got["noise"][1])
    g = g_used
    params = _api._resolve(
        task, _Shape(t.shape), _Shape(g.shape), sigma, factor, overrides, dtype=t.dtype
    )
    if task == "depth_upsample":
        g = g[: factor * t_hw[0], : factor * t_hw[1]]
        params["factor"] = factor

    # ---- the task's global estimates
    p = dict(params)  # what the chunks get (estimates resolved to values)
    est: dict[str, Any] = {}
    n_pixels = t_hw[0] * t_hw[1]
    channels = 1 if t.ndim == 2 or t.shape[2] == 1 else int(t.shape[2])
    common = {"t_range": t_range, "g_range": g_range, "full": t_hw}

    def estimate(kind: str, depth: int, align: int = 1, combine: Any = None) -> Any:
        part = functools.partial(_task_part, kind=kind, p=p, **common)
        return _reduce(part, [t, g], depth, align, combine).compute()

    align = rb.task_alignment(task, p)
    if align > 1:
        _check_grid(t_hw, align)
    if task == "flash_deblur":
        if p["blur_radius"] == "auto":
            sums = estimate("deblur", rb.task_footprint(task, p, "estimate"))
            p["blur_radius"] = rb.deblur_choice(sums / n_pixels)
        params["blur_radius_used"] = int(p["blur_radius"])
    elif task == "nir_dehaze":
        air = _airlight(t, p, t_range)
        est["airlight"] = air
        params["airlight"] = [round(float(x), 4) for x in air]
    elif task == "structure_transfer" and p["gain"] == "auto":
        depth = rb.scaled_depth(rb.gf_footprint(p["radius"], p["subsample"]), align)
        gains = rb.gain_from_moments(estimate("gain", depth, align), channels)
        params["gain_used"] = [round(float(x), 4) for x in gains]
        p["gain"] = float(gains[0]) if channels == 1 else [float(x) for x in gains]
    elif task is None and p["noise_sigma"] >= p["min_sigma"]:
        if p["method"] == "gf":
            sums = estimate("sure", rb.task_footprint(None, p, "estimate"))
            mode, radius, eps = rb.sure_choice(sums, n_pixels * channels, n_pixels, p)
            p["radius"], p["eps"], p["guide_mode"] = radius, eps, mode
            params.update(radius=radius, eps=eps, guide_mode=mode)
            est["guide_mode"] = mode
        elif p["method"] in ("wgif", "gdgif"):
            sums = estimate("edge_aware", rb.task_footprint(None, p, "estimate"), 1, _edge_combine)
            if p["method"] == "wgif":
                est["mean_inv"] = float(sums[0] / n_pixels)
            else:
                est["gdgif"] = (sums[0] / n_pixels, sums[1] / n_pixels, float(sums[2]))

    # ---- the per-pixel pass
    if task is None and p["noise_sigma"] < p["min_sigma"]:
        depth = 0
    else:
        depth = rb.scaled_depth(rb.task_footprint(task, p), align)
    block = functools.partial(
        _restore_block, task=task, p=p, est=est, t_range=t_range, g_range=g_range
    )
    if task == "depth_upsample":
        result = _map_upsample(block, t, g, factor, depth)
    else:
        result = _map(block, [t, g], depth, align, None, like=0, names=("target", "guide"))
    return result, {"task": task, **params}


def _map_upsample(
    block: Callable[..., np.ndarray], t: da.Array, g: da.Array, f: int, depth: int
) -> da.Array:
    """Chunked ``depth_upsample``: low-res chunks with a halo, guide chunks ``f`` times larger.

    The bilinear upsampling of a chunk reads one low-res pixel beyond it and puts its own
    clipping within ``f / 2`` pixels of the chunk edge, so the low-res halo is
    ``ceil(depth / f) + 1``.
    """
    import dask

    h, w = t.shape[:2]
    dl = -(-depth // f) + 1 if depth else 0
    spatial = tuple(
        da.overlap.ensure_minimum_chunksize(min(dl, n), c) if dl else c
        for n, c in zip((h, w), t.chunks[:2], strict=True)
    )
    axis = tuple(0 if len(c) == 1 else min(dl, n) for n, c in zip((h, w), spatial, strict=True))
    t = t.rechunk(spatial if t.ndim == 2 else (*spatial, (t.shape[2],)))
    g_spatial = tuple(tuple(f * c for c in cs) for cs in spatial)
    g = g.rechunk(g_spatial if g.ndim == 2 else (*g_spatial, (g.shape[2],)))
    if any(axis):
        t_depth = {0: axis[0], 1: axis[1], 2: 0} if t.ndim == 3 else {0: axis[0], 1: axis[1]}
        g_depth = {0: f * axis[0], 1: f * axis[1]}
        if g.ndim == 3:
            g_depth[2] = 0
        t = da.overlap.overlap(t, depth=t_depth, boundary="none")
        g = da.overlap.overlap(g, depth=g_depth, boundary="none")
    tg, gg = t.to_delayed(), g.to_delayed()
    rows = []
    for i, hc in enumerate(spatial[0]):
        top = f * axis[0] if i else 0
        row = []
        for j, wc in enumerate(spatial[1]):
            left = f * axis[1] if j else 0
            keep = (slice(top, top + f * hc), slice(left, left + f * wc))
            tb = tg[i, j] if tg.ndim == 2 else tg[i, j, 0]
            gb = gg[i, j] if gg.ndim == 2 else gg[i, j, 0]
            shape = (f * hc, f * wc) + ((t.shape[2],) if t.ndim == 3 else ())
            piece = dask.delayed(block)(tb, gb, keep=keep)
            arr = da.from_delayed(piece, shape=shape, dtype=t.dtype)
            row.append([arr] if t.ndim == 3 else arr)  # da.block nests down to the last axis
        rows.append(row)
    return da.block(rows)
