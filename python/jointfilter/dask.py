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
* :func:`map_filter`, :func:`fuse`, :func:`restore`: stated by the caller (``depth=``).

Tolerance: with ``float32`` data the chunked result matches the in-memory result to float32
rounding (the running sums start at a different place in each chunk): ``|chunked - whole| <=
1e-5 * data_range`` is what the tests assert (measured: bit-identical, since the core sums in
float64). Integer outputs (uint8,
uint16) are computed with exact integer sums and match bit for bit except where a value falls
within rounding of a half-integer, where they may differ by one level; the tests allow 1 level.

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
import string
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import _validate as v
from .batch import _fuse_call, _restore_call  # jointfilter.fuse/restore, resolved per call
from .errors import MissingDependencyError, ParameterError, ShapeError

try:
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(
        "jointfilter.dask needs dask: pip install 'jointfilter[dask]' (or 'dask[array]')."
    ) from exc

__all__ = ["box_filter", "fuse", "guided_filter", "map_filter", "restore"]

ChunksLike = Any


def _as_dask(x: Any, name: str, chunks: ChunksLike | None) -> da.Array:
    if isinstance(x, da.Array):
        return x
    arr = np.asarray(x) if not hasattr(x, "shape") else x
    if arr.ndim not in (2, 3):
        raise ShapeError(
            f"{name} must be (H, W) or (H, W, C); got shape {tuple(arr.shape)}. Channels last."
        )
    if chunks is None:
        chunks = "auto"
    elif isinstance(chunks, (tuple, list)) and len(chunks) == 2 and arr.ndim == 3:
        chunks = (*tuple(chunks), -1)
    return da.from_array(arr, chunks=chunks)


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
        Inputs that are not 2-D/3-D or whose ``(H, W)`` differ.
    ParameterError
        A negative or non-integer `depth`, or `like` out of range.
    """
    if not arrays:
        raise ParameterError("map_filter needs at least one input array after func.")
    d = _spatial_depth(depth)
    if not 0 <= like < len(arrays):
        raise ParameterError(f"like must index one of the {len(arrays)} arrays; got {like!r}.")
    # spatial chunks come from the first dask input, else from `chunks`
    first = next((a for a in arrays if isinstance(a, da.Array)), None)
    dask_arrays = [_as_dask(a, f"arrays[{i}]", chunks) for i, a in enumerate(arrays)]
    ref = first if first is not None else dask_arrays[0]
    if ref.ndim not in (2, 3):
        raise ShapeError(f"arrays must be (H, W) or (H, W, C); got shape {ref.shape}.")
    hw = ref.shape[:2]
    spatial = ref.chunks[:2]
    if d > 0:  # a halo can only come from the neighbouring chunk: chunks must be >= depth
        spatial = tuple(
            da.overlap.ensure_minimum_chunksize(min(d, n), c)
            for n, c in zip(hw, spatial, strict=True)
        )
    # per-axis halo: none along an axis held in one chunk
    axis_depth = tuple(0 if len(c) == 1 else min(d, n) for n, c in zip(hw, spatial, strict=True))
    prepared = []
    for i, a in enumerate(dask_arrays):
        if a.ndim not in (2, 3):
            raise ShapeError(
                f"arrays[{i}] must be (H, W) or (H, W, C); got shape {a.shape}. Channels last."
            )
        if a.shape[:2] != hw:
            raise ShapeError(
                f"arrays[{i}] must have the height and width {hw} of the first array; got "
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
    op = functools.partial(func, **kwargs) if kwargs else func
    result = da.blockwise(
        op,
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


def _box_block(image: np.ndarray, *, radius: int, **kw: Any) -> np.ndarray:
    from ._filters import box_filter as _box

    return _box(image, radius, **kw)


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
    """
    r = v.check_radius(radius)
    v.check_border(border)
    part = functools.partial(_box_block, radius=r, border=border, dtype=dtype)
    return map_filter(part, image, depth=r, chunks=chunks, dtype=dtype)


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
    chunks : tuple or str, optional
        Chunks for numpy inputs, e.g. ``(2048, 2048)``; default ``"auto"``.

    Returns
    -------
    dask.array.Array
        Lazy result, shape and dtype as the in-memory call.

    Raises
    ------
    ParameterError
        ``subsample > 1`` with ``H`` or ``W`` not a multiple of ``s``: the fast filter
        upsamples with scale ``ceil(H/s)/H``, set by the whole image, which a chunk cannot
        reproduce unless it is exactly ``1/s``; pad or crop first. Also ``out=``.
    """
    _check_no_out(kw)
    if kw:
        raise ParameterError(f"unknown keyword argument(s) {sorted(kw)} for guided_filter.")
    s = v.check_subsample(subsample)
    r = v.check_radius(radius)
    v.check_border(border)
    v.check_positive_float(eps, "eps")
    part = functools.partial(
        _guided_block,
        radius=r,
        eps=eps,
        subsample=s,
        border=border,
        data_range=data_range,
        dtype=dtype,
    )
    if s == 1:
        return map_filter(part, target, guide, depth=2 * r, chunks=chunks, dtype=dtype)
    t = _as_dask(target, "target", chunks)
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
    return map_filter(part, t, guide, depth=depth, dtype=dtype)


def _aligned_chunks(n: int, chunks: tuple[int, ...], s: int, depth: int) -> tuple[int, ...]:
    """Chunks of an axis of length `n` (a multiple of `s`): multiples of `s`, all >= `depth`."""
    c0 = -(-max(chunks[0], depth) // s) * s
    if c0 >= n:
        return (n,)
    sizes = [c0] * (n // c0)
    rem = n - sum(sizes)
    if rem >= depth:
        sizes.append(rem)
    elif rem:
        sizes[-1] += rem
    return tuple(sizes)


def fuse(
    infrared: Any,
    visible: Any,
    *,
    depth: int,
    chunks: ChunksLike | None = None,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    **kw: Any,
) -> da.Array:
    """:func:`jointfilter.fuse` chunk by chunk with a caller-stated halo.

    Parameters
    ----------
    infrared, visible : dask.array.Array or array_like
        As in :func:`jointfilter.fuse`.
    depth : int
        Halo in pixels; must cover the method's footprint for an exact result (for the
        guided-filter methods: twice the largest guided radius plus any weight-map blur radius).
        Methods with global statistics (normalisation over the whole image) are not exact
        chunk by chunk whatever the depth.
    chunks, dtype
        As in :func:`map_filter`.
    out_channels : int, optional
        Output channels; default: those of `visible` (colour in, colour out).
    **kw
        Passed to :func:`jointfilter.fuse` (``method=...``).

    Returns
    -------
    dask.array.Array
        Lazy fused image.
    """
    part = functools.partial(_fuse_call, **kw)
    return map_filter(
        part, infrared, visible, depth=depth, chunks=chunks, like=1,
        out_channels=out_channels, dtype=dtype,
    )  # fmt: skip


def restore(
    target: Any,
    guide: Any,
    *,
    depth: int,
    chunks: ChunksLike | None = None,
    out_channels: int | None = None,
    dtype: DTypeLike | None = None,
    **kw: Any,
) -> da.Array:
    """``jointfilter.restore`` chunk by chunk with a caller-stated halo.

    Parameters
    ----------
    target, guide : dask.array.Array or array_like
        As in ``jointfilter.restore``.
    depth : int
        Halo in pixels covering the task's footprint (for an iterated guided filter with
        radius r and k iterations: ``2 * r * k``). Tasks with global estimates (dehazing's
        airlight) are not exact chunk by chunk whatever the depth.
    chunks, out_channels, dtype
        As in :func:`map_filter` (the output is shaped like `target` by default).
    **kw
        Passed to ``jointfilter.restore`` (``task=...``).

    Returns
    -------
    dask.array.Array
        Lazy restored image.
    """
    part = functools.partial(_restore_call, **kw)
    return map_filter(
        part, target, guide, depth=depth, chunks=chunks, out_channels=out_channels, dtype=dtype
    )
