"""Video loops: an allocation-free per-frame filter, temporal smoothing, and file-to-file video.

* :class:`VideoFilter` wraps :class:`jointfilter.GuidedFilter`: once the first frame has sized
  the scratch, a call with ``out=`` allocates no frame-sized memory (the GIL is released while
  the C++ core runs). An optional contrast stretch uses per-frame global estimates (the frame's
  low/high percentiles of intensity) smoothed over time, so the output does not flicker.
* :class:`TemporalSmoother` is the exponential moving average behind it, usable for any
  per-frame global estimate (dehazing's airlight, normalisation ranges); ``reset()`` on a cut.
* :class:`RestoreFilter` is :func:`jointfilter.restore` with a fixed guide: the guide's
  conversion, luma and guide-only filters are computed once (same results, bit for bit).
* :func:`process_video` reads a target video and a guide video (or one fixed guide image) with
  OpenCV, applies a :class:`VideoFilter` or any ``op(target, guide)``, writes the result with
  ``cv2.VideoWriter`` and reports frames per second.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _validate as v
from ._filters import GuidedFilter
from .batch import IMAGE_EXTENSIONS, _temp_beside
from .errors import (
    ConcurrentUseError,
    DTypeError,
    MissingDependencyError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)

__all__ = [
    "FusionVideoFilter",
    "RestoreFilter",
    "TemporalSmoother",
    "VideoFilter",
    "VideoResult",
    "process_video",
]


def _check_alpha(alpha: Any) -> float:
    """The smoothing weight: a real number in (0, 1] (numpy scalars too)."""
    if (
        isinstance(alpha, (bool, np.bool_))
        or not isinstance(alpha, numbers.Real)
        or not 0 < float(alpha) <= 1
    ):
        raise ParameterError(
            f"alpha must be a number in (0, 1] (the weight of the newest frame; 1 = no "
            f"smoothing); got {v.describe(alpha)}. A time constant of n frames is alpha = 1/n."
        )
    return float(alpha)


def _check_estimate(value: Any) -> np.ndarray:
    """A per-frame estimate as a float64 array (no copy for float64 arrays); checked."""
    try:
        kind = "" if value is None else np.asarray(value).dtype.kind
    except (TypeError, ValueError):  # ragged nested sequences
        kind = ""
    if kind not in ("i", "u", "f"):
        raise ParameterError(
            f"value must be a real number or an array of real numbers (this frame's "
            f"estimate); got {v.describe(value)}. Pass e.g. float(x) or np.asarray(x, float)."
        )
    x = np.asarray(value, dtype=np.float64)
    if not np.isfinite(x).all():
        raise NonFiniteError(
            f"value contains NaN or Inf ({v.describe(value)}); it would poison the smoothed "
            "state for good. Skip this frame's update (the state is unchanged) or replace "
            "the non-finite entries first."
        )
    return x


def _sampled_range(
    x: np.ndarray,
    step: int,
    percentiles: tuple[float, float],
    sample: np.ndarray | None,
    out: np.ndarray,
) -> np.ndarray:
    """Low/high percentiles of ``x[::step, ::step]`` into ``out[0], out[1]``.

    `sample` is the float32 scratch of a previous call, reused when it fits (no per-frame
    allocation); the buffer used is returned for the next call.
    """
    sub = x[::step, ::step]
    if sample is None or sample.size != sub.size:
        sample = np.empty(sub.size, np.float32)
    sample.reshape(sub.shape)[...] = sub
    n = sample.size - 1
    k_lo = round(percentiles[0] / 100 * n)
    k_hi = round(percentiles[1] / 100 * n)
    sample.partition((k_lo, k_hi))
    out[0] = sample[k_lo]
    out[1] = sample[k_hi]
    return sample


def _check_percentiles(percentiles: Any) -> tuple[float, float]:
    """``(low, high)`` with ``0 <= low < high <= 100``."""
    ok = (
        isinstance(percentiles, (tuple, list, np.ndarray))
        and len(percentiles) == 2
        and all(
            isinstance(p, numbers.Real) and not isinstance(p, (bool, np.bool_)) for p in percentiles
        )
    )
    if ok:
        lo, hi = float(percentiles[0]), float(percentiles[1])
        ok = 0 <= lo < hi <= 100
    if not ok:
        raise ParameterError(
            f"percentiles must be two numbers (low, high) with 0 <= low < high <= 100, e.g. "
            f"(1, 99); got {v.describe(percentiles)}."
        )
    return lo, hi


class TemporalSmoother:
    """Exponential moving average of a per-frame global estimate.

    ``s_t = value_0`` on the first update (or after :meth:`reset`), then
    ``s_t = (1 - alpha) * s_{t-1} + alpha * value_t``.

    Parameters
    ----------
    alpha : float, default 0.1
        Weight of the newest frame, in (0, 1]; 1 disables smoothing. The time constant is about
        ``1 / alpha`` frames.

    Examples
    --------
    >>> s = TemporalSmoother(alpha=0.5)
    >>> s.update(2.0), s.update(4.0)
    (2.0, 3.0)
    >>> s.reset(); s.update(10.0)
    10.0
    """

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = _check_alpha(alpha)
        self._state: np.ndarray | None = None
        self._scalar = False

    @property
    def value(self) -> float | np.ndarray | None:
        """The current smoothed estimate (None before the first update)."""
        if self._state is None:
            return None
        return float(self._state[0]) if self._scalar else self._state

    def update(self, value: float | NDArray[Any]) -> float | np.ndarray:
        """Fold in this frame's estimate and return the smoothed one.

        Arrays are smoothed element-wise into a state array allocated on the first call (the
        returned array is that state: copy it to keep it). Scalars return a float. A value of
        another shape than the state's restarts the smoothing from it.

        Raises
        ------
        ParameterError
            `value` is not a real number or an array of real numbers (None, a string, a bool,
            a complex number, ...).
        NonFiniteError
            `value` contains NaN or Inf; the state is left unchanged.
        """
        x = _check_estimate(value)
        if self._state is None or self._state.shape != (x.shape or (1,)):
            self._scalar = x.ndim == 0
            self._state = np.array(x.reshape(x.shape or (1,)), dtype=np.float64)
        else:
            st = self._state
            st *= 1.0 - self.alpha
            st += self.alpha * x if x.ndim else self.alpha * float(x)
        return self.value  # type: ignore[return-value]

    def reset(self) -> None:
        """Forget the history (call at a scene cut); the next update starts afresh."""
        self._state = None


class VideoFilter:
    """Guided filter for frame loops, with an optional flicker-free contrast stretch.

    Parameters
    ----------
    shape : tuple of int
        Frame shape of the target, ``(H, W)`` or ``(H, W, C)``.
    dtype : dtype
        Target dtype (uint8, uint16 or float32); outputs have it too.
    guide_channels : {1, 3}, default 1
        Channels of the guide frames.
    guide_dtype : dtype, optional
        Guide dtype; default `dtype`.
    radius, eps, subsample, border, data_range, decimation
        As in :func:`jointfilter.guided_filter`.
    stretch : bool, default False
        Linearly map the filtered frame's ``[low, high]`` percentile range (estimated per
        frame, then smoothed over time) to the full output range.
    percentiles : (float, float), default (1, 99)
        Percentiles used by `stretch`.
    alpha : float, default 0.1
        Smoothing weight of :class:`TemporalSmoother` for the stretch range; 1 = per frame.

    Notes
    -----
    With ``out=``, a call allocates no frame-sized memory once the first call has sized the
    scratch (tested with :mod:`tracemalloc`); without ``out=`` a new output is allocated. The
    stretch estimates its range on a fixed strided subsample of the frame (every 8th pixel in
    each direction) into a preallocated buffer. One object per thread.

    Examples
    --------
    >>> import numpy as np
    >>> vf = VideoFilter((48, 64), np.uint8, radius=4, eps=1e-2)
    >>> frame = np.zeros((48, 64), np.uint8); buf = np.empty_like(frame)
    >>> vf(frame, frame, out=buf) is buf
    True
    """

    _STEP = 8

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: DTypeLike,
        *,
        guide_channels: int = 1,
        guide_dtype: DTypeLike | None = None,
        radius: int = 8,
        eps: float = 1e-3,
        subsample: int = 1,
        border: str = "clipped",
        data_range: float | None = None,
        stretch: bool = False,
        percentiles: tuple[float, float] = (1.0, 99.0),
        alpha: float = 0.1,
        decimation: str = "nearest",
    ) -> None:
        if not isinstance(stretch, (bool, np.bool_)):
            raise ParameterError(f"stretch must be a bool; got {v.describe(stretch)}.")
        self.stretch = bool(stretch)
        self.percentiles = _check_percentiles(percentiles)
        self.smoother = TemporalSmoother(alpha)
        self._filter = GuidedFilter(
            shape,
            dtype,  # validated there (uint8, uint16 or float32)
            guide_channels=guide_channels,
            guide_dtype=guide_dtype,
            radius=radius,
            eps=eps,
            subsample=subsample,
            border=border,
            data_range=data_range,
            out_dtype=np.float32 if self.stretch else None,
            decimation=decimation,
        )
        self.dtype = self._filter.dtype
        self.shape = self._filter.shape
        if self.dtype.kind == "u":
            self._full = float(np.iinfo(self.dtype).max)
        else:
            self._full = 1.0
        self._work: np.ndarray | None = None
        self._sample: np.ndarray | None = None
        self._range = np.zeros(2, np.float64)

    def set_guide(self, guide: NDArray[Any]) -> None:
        """Set a fixed guide used when a call passes no guide."""
        self._filter.set_guide(guide)

    def reset(self) -> None:
        """Forget the temporal state (call at a scene cut)."""
        self.smoother.reset()

    def __call__(
        self,
        target: NDArray[Any],
        guide: NDArray[Any] | None = None,
        *,
        out: NDArray[Any] | None = None,
    ) -> NDArray[Any]:
        """Filter one frame (with `guide`, or the fixed guide); returns `out` when given."""
        if self.stretch and out is not None:
            self._check_out(out, target, guide)
        if guide is not None:
            self._filter.set_guide(guide)
        if not self.stretch:
            return self._filter(target, out=out)
        if out is None:
            out = np.empty(self.shape, self.dtype)
        if self._work is None:
            self._work = np.empty(self.shape, np.float32)
        work = self._filter(target, out=self._work)
        if work.size:  # an empty frame has no range to estimate
            self._stretch_into(work, out)
        return out

    def _check_out(self, out: Any, target: Any, guide: Any) -> None:
        """`out` of the stretch path (any memory layout: it is written with ``np.copyto``)."""
        if not isinstance(out, np.ndarray):
            raise DTypeError(f"out must be a numpy.ndarray or None; got {v.describe(out)}.")
        if out.shape != self.shape:
            raise ShapeError(
                f"out must have shape {self.shape} (fixed at construction); got {out.shape}. "
                "Allocate it with np.empty_like(target)."
            )
        if out.dtype != self.dtype:
            raise DTypeError(
                f"out must have dtype {self.dtype} (the target's, fixed at construction); got "
                f"{out.dtype}. Allocate it with np.empty_like(target)."
            )
        if not out.flags.writeable:
            raise ParameterError("out is read-only; pass a writable array (or out=None).")
        if v._overlaps_itself(out):
            raise ParameterError(
                "out overlaps itself (its elements share memory); pass a separate array, "
                "e.g. np.empty_like(target)."
            )
        for name, arr in (("target", target), ("guide", guide)):
            if isinstance(arr, np.ndarray) and np.may_share_memory(out, arr):
                raise ParameterError(f"out overlaps {name}; pass a separate array.")

    def _stretch_into(self, work: np.ndarray, out: np.ndarray) -> None:
        self._sample = _sampled_range(work, self._STEP, self.percentiles, self._sample, self._range)
        smoothed = self.smoother.update(self._range)
        lo = float(smoothed[0])  # type: ignore[index]
        hi = float(smoothed[1])  # type: ignore[index]
        scale = self._full / max(hi - lo, 1e-12)
        np.subtract(work, np.float32(lo), out=work)
        np.multiply(work, np.float32(scale), out=work)
        np.clip(work, 0.0, self._full, out=work)
        if out.dtype.kind == "u":
            np.rint(work, out=work)
        np.copyto(out, work, casting="unsafe")


class RestoreFilter:
    """:func:`jointfilter.restore` for frame loops with a fixed guide.

    With one guide for many targets (a day image for a night video, a fixed foreground), what
    depends on the guide alone is computed once and kept: its float32 form and luma, and the
    guide-only filters of ``day_night`` (the day image's smoothed colours) and
    ``structure_transfer`` (the smoothed guide luma). Each call returns exactly
    ``restore(target, guide, task, **params)``: the same arithmetic, so the same bits.

    Parameters
    ----------
    task : str or None
        As in :func:`jointfilter.restore`.
    **params
        Parameters of the task's preset and ``data_range`` / ``guide_range``, as in
        :func:`jointfilter.restore` (names are checked now, values on the first call).

    Notes
    -----
    :meth:`set_guide` copies the guide, so later changes to the caller's array cannot make the
    kept state stale. A call with ``guide=`` compares it with that copy (one pass) and sets it
    only if it differs, so an ``op(target, guide)`` loop such as :func:`process_video` with a
    fixed guide image keeps the state. 1080p uint8 ``day_night`` on 2 threads: 15-20 ms per
    frame against 30-32 ms for :func:`jointfilter.restore` (docs/scale.md). One object per
    thread (:class:`~jointfilter.errors.ConcurrentUseError` otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from jointfilter.video import RestoreFilter
    >>> rng = np.random.default_rng(0)
    >>> day = rng.random((48, 64, 3), dtype=np.float32)
    >>> night = (0.2 * day).astype(np.float32)
    >>> rf = RestoreFilter("day_night")
    >>> rf.set_guide(day)
    >>> rf(night).shape
    (48, 64, 3)
    """

    def __init__(self, task: str | None = None, **params: Any) -> None:
        from .restoration._api import _task_name, check_parameter_names

        self.task = _task_name(task)
        check_parameter_names(self.task, params)
        self.params = dict(params)
        self._guide: np.ndarray | None = None
        self._state: dict[Any, Any] = {}
        self._busy = threading.Lock()

    def set_guide(self, guide: NDArray[Any]) -> None:
        """Keep a copy of `guide` for the calls that pass none; forget the previous state."""
        self._enter()
        try:
            self._set(guide)
        finally:
            self._busy.release()

    def _set(self, guide: Any) -> None:
        self._guide = np.array(v.as_array(guide, "guide"), copy=True)
        self._state = {}

    def _enter(self) -> None:
        if not self._busy.acquire(blocking=False):
            raise ConcurrentUseError(
                "RestoreFilter: this object is already in use by another thread. Use one "
                "RestoreFilter per thread."
            )

    def __call__(self, target: NDArray[Any], guide: NDArray[Any] | None = None) -> NDArray[Any]:
        """Restore `target` under `guide` (or the kept guide); as :func:`jointfilter.restore`."""
        from .restoration._api import _restore

        self._enter()
        try:
            if guide is not None:
                g = v.as_array(guide, "guide")
                same = (
                    self._guide is not None
                    and g.shape == self._guide.shape
                    and g.dtype == self._guide.dtype
                    and np.array_equal(g, self._guide, equal_nan=g.dtype.kind == "f")
                )
                if not same:
                    self._set(g)
            if self._guide is None:
                raise ParameterError(
                    "no guide: pass guide= or call set_guide(guide) before restoring."
                )
            params = dict(self.params)  # restore pops data_range / guide_range
            try:
                out = _restore(target, self._guide, self.task, False, params, self._state)
            except Exception:
                self._state = {}  # a failed first call must not leave a half-filled state
                raise
            return out  # type: ignore[return-value]
        finally:
            self._busy.release()


class FusionVideoFilter:
    """Infrared/visible fusion for frame loops: buffers and filter objects allocated once.

    ``f(infrared, visible, out=buf)`` returns exactly ``jointfilter.fuse(infrared, visible,
    method=..., **params)`` (bit for bit, tested) for frames of the shapes and dtypes fixed at
    construction. For ``method="guided"`` (GFF) every step runs in preallocated buffers: the
    guided refinements through reused :class:`jointfilter.GuidedFilter` objects, the colour
    conversion, saliency, max selection, weight normalisation, two-scale blend and output
    scaling through the C++ fusion steps ``fuse`` itself uses (the GIL is released while they
    run). Other methods call :func:`jointfilter.fuse` per frame (allocating) and copy into
    `out`.

    Parameters
    ----------
    shape : tuple of int
        Visible frame shape: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; the output has it.
    dtype : dtype
        Visible dtype (uint8, uint16 or float32); the output has it.
    ir_channels : {1, 3}, default 1
        Infrared frame channels (``(H, W)`` or ``(H, W, 3)``, converted to BT.601 luma as in
        ``fuse``).
    ir_dtype : dtype, optional
        Infrared dtype; default `dtype`.
    method : {"guided", "focus", "cnn"}, default "guided"
        Fusion method; only ``"guided"`` has the allocation-free path.
    data_range : float, optional
        Range of float frames (default 1.0), as in ``fuse``.
    clip : bool, default True
        Clip a float result to ``[0, data_range]``, as in ``fuse``.
    normalise_ir : bool, default False
        Stretch each infrared frame's ``[low, high]`` percentile range to [0, 1] before fusing
        (the automatic gain control thermal streams need: raw 14/16-bit counts often occupy a
        narrow band). The range is estimated per frame on a fixed 1/8 x 1/8 subsample and
        smoothed over time by a :class:`TemporalSmoother`, so the fused output does not
        flicker with the per-frame estimate. The frame fused is then
        ``clip((ir - lo) * (1 / (hi - lo)), 0, 1)`` in float32 (``ir`` in [0, 1] units), i.e.
        the output equals ``fuse`` of that image; with ``normalise_ir=False`` (default) it
        equals ``fuse`` of the raw frames.
    percentiles : (float, float), default (1, 99)
        Percentiles of `normalise_ir`.
    alpha : float, default 0.1
        Smoothing weight of the newest frame's range (1 = per frame, no smoothing).
    **params
        Method parameters, as in :func:`jointfilter.fuse` (validated here).

    Notes
    -----
    Allocation (measured with :mod:`tracemalloc`, ``tests/test_video_fusion.py``): after the
    first call, a ``method="guided"`` call with ``out=`` allocates no frame-sized NumPy memory
    (a few hundred bytes of Python objects per call; nothing kept). The C++ scratch (box
    filter rows, one plane of the two-scale blend from the fusion scratch pool) is not visible
    to tracemalloc; the guided-filter objects keep theirs between calls. Buffers: about
    ``14 x H x W x 4`` bytes (float32 planes) plus one output frame. One object per thread.

    Examples
    --------
    >>> import numpy as np
    >>> ir = np.zeros((48, 64), np.uint8); vis = np.zeros((48, 64, 3), np.uint8)
    >>> f = FusionVideoFilter((48, 64, 3), np.uint8, r1=4, r2=2, base_radius=3)
    >>> buf = np.empty_like(vis)
    >>> f(ir, vis, out=buf) is buf
    True
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: DTypeLike,
        *,
        ir_channels: int = 1,
        ir_dtype: DTypeLike | None = None,
        method: str = "guided",
        data_range: float | None = None,
        clip: bool = True,
        normalise_ir: bool = False,
        percentiles: tuple[float, float] = (1.0, 99.0),
        alpha: float = 0.1,
        **params: Any,
    ) -> None:
        from .fusion import _check_params

        self.p = _check_params(method, params)
        self.method = method
        self.params = dict(params)
        expect = "shape must be (H, W), (H, W, 1) or (H, W, 3) (the visible frame)"
        try:  # operator.index: ints (numpy too), never a silently truncated 40.7
            shape = tuple(operator.index(n) for n in shape)
        except TypeError:
            raise ShapeError(
                f"{expect}; got {v.describe(shape)}. Pass a tuple of ints, e.g. visible.shape."
            ) from None
        if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3)):
            raise ShapeError(f"{expect}; got {shape}.")
        if shape[0] < 1 or shape[1] < 1:
            raise ShapeError(f"shape must not be empty; got {shape}.")
        if ir_channels not in (1, 3):
            raise ShapeError(f"ir_channels must be 1 or 3; got {ir_channels!r}.")
        self.shape = shape
        self.dtype = self._dtype(dtype, "dtype")
        self.ir_dtype = self.dtype if ir_dtype is None else self._dtype(ir_dtype, "ir_dtype")
        for name, dt in (("dtype", self.dtype), ("ir_dtype", self.ir_dtype)):
            if dt not in v.CORE_DTYPES:
                raise DTypeError(
                    f"{name} must be uint8, uint16 or float32 for a FusionVideoFilter; got {dt}."
                )
        h, w = shape[:2]
        self.ir_shape = (h, w) if ir_channels == 1 else (h, w, 3)
        if not isinstance(clip, bool) or not isinstance(normalise_ir, bool):
            raise ParameterError("clip and normalise_ir must be bools.")
        self.clip = clip
        if data_range is not None:
            data_range = v.check_positive_float(data_range, "data_range")
        self.data_range = data_range
        self.ir_range = v.check_data_range(data_range, self.ir_dtype)
        self.vis_range = v.check_data_range(data_range, self.dtype)
        self.normalise_ir = normalise_ir
        self.percentiles = _check_percentiles(percentiles)
        self.smoother = TemporalSmoother(alpha)
        self._range = np.zeros(2, np.float64)
        self._sample: np.ndarray | None = None
        self._buffers_ready = False

    @staticmethod
    def _dtype(dtype: Any, name: str) -> np.dtype:
        try:
            return np.dtype(dtype)
        except TypeError:
            raise DTypeError(
                f"{name} must be uint8, uint16 or float32 for a FusionVideoFilter; got "
                f"{v.describe(dtype)}."
            ) from None

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget the temporal state (call at a scene cut)."""
        self.smoother.reset()

    @property
    def ir_window(self) -> tuple[float, float] | None:
        """The smoothed infrared range ``(lo, hi)`` used by the last call (`normalise_ir`)."""
        val = self.smoother.value
        if val is None:
            return None
        return float(val[0]), float(val[1])  # type: ignore[index]

    def _allocate(self) -> None:
        from ._filters import GuidedFilter
        from .fusion._gff import _kernel

        h, w = self.shape[:2]
        p = self.p
        f32 = np.float32

        def plane() -> np.ndarray:
            return np.zeros((h, w), f32)

        self._ir3 = np.empty(self.ir_shape, f32) if len(self.ir_shape) == 3 else None
        self._ir = plane()
        self._vis = plane()
        if self._colour:
            self._cb, self._cr = plane(), plane()
        self._kernel = _kernel(5.0, 11)
        self._sal = [plane(), plane()]
        self._maps = [plane(), plane()]
        self._wb = [plane(), plane()]
        self._wd = [plane(), plane()]
        self._base = plane()
        self._fused = plane()
        # the output goes straight to `out` when the core can write it, else through this
        self._out_buf = np.empty(self.shape, self.dtype)
        kw = {"guide_channels": 1, "data_range": 1.0}
        self._gf1 = GuidedFilter(
            (h, w), f32, radius=p["r1"], eps=p["eps1"], subsample=p["subsample"], **kw
        )
        self._gf2 = GuidedFilter((h, w), f32, radius=p["r2"], eps=p["eps2"], **kw)
        if p["enhance"] == "detail":
            self._gfe = GuidedFilter(
                (h, w), f32, radius=p["enhance_radius"], eps=p["enhance_eps"], **kw
            )
            self._enh = [plane(), plane()]
        self._buffers_ready = True

    @property
    def _colour(self) -> bool:
        return len(self.shape) == 3 and self.shape[2] == 3

    # ------------------------------------------------------------------ call
    def __call__(
        self,
        infrared: NDArray[Any],
        visible: NDArray[Any],
        *,
        out: NDArray[Any] | None = None,
    ) -> NDArray[Any]:
        """Fuse one frame pair; returns `out` when given (shape and dtype of the visible)."""
        ir = self._check(infrared, "infrared", self.ir_shape, self.ir_dtype)
        vis = self._check(visible, "visible", self.shape, self.dtype)
        if out is None:
            out = np.empty(self.shape, self.dtype)
        else:
            self._check(out, "out", self.shape, self.dtype)
            if not out.flags.writeable:
                raise ParameterError("out is read-only; pass a writable array.")
            if np.may_share_memory(out, ir) or np.may_share_memory(out, vis):
                raise ParameterError("out overlaps an input frame; pass a separate array.")
        from .fusion._common import use_core

        if self.method != "guided" or not use_core():  # (no C++ steps: a stale core build)
            self._fuse_function(ir, vis, out)
            return out
        if not self._buffers_ready:
            self._allocate()
        self._fuse_guided(ir, vis, out)
        return out

    @staticmethod
    def _check(arr: Any, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        if not isinstance(arr, np.ndarray):
            raise DTypeError(f"{name} must be a numpy.ndarray; got {type(arr).__name__}.")
        if arr.shape != shape:
            raise ShapeError(
                f"{name} must have shape {shape} (fixed at construction); got {arr.shape}."
            )
        if arr.dtype != dtype:
            raise DTypeError(
                f"{name} must have dtype {dtype} (fixed at construction); got {arr.dtype}."
            )
        if arr.dtype.kind == "f" and name != "out" and not np.isfinite(arr).all():
            from .errors import NonFiniteError

            raise NonFiniteError(
                f"{name} contains NaN or Inf; replace them first, e.g. np.nan_to_num(x)."
            )
        return arr

    def _infrared_unit(self, ir: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """The infrared plane in [0, 1] (``prepare_inputs``), normalised if asked."""
        from .fusion._common import LUMA_BT601

        scale = np.float32(1.0 / self.ir_range)
        if ir.ndim == 3:
            buf = self._ir3 if self._buffers_ready else np.empty(ir.shape, np.float32)
            np.copyto(buf, ir)  # astype(float32), then the scale: as to_unit
            np.multiply(buf, scale, out=buf)
            np.matmul(buf, LUMA_BT601, out=dst)
        else:
            np.copyto(dst, ir)
            np.multiply(dst, scale, out=dst)
        if self.normalise_ir:
            self._normalise(dst)
        return dst

    def _normalise(self, x: np.ndarray) -> None:
        self._sample = _sampled_range(x, 8, self.percentiles, self._sample, self._range)
        smoothed = self.smoother.update(self._range)
        lo = np.float32(smoothed[0])  # type: ignore[index]
        hi = np.float32(smoothed[1])  # type: ignore[index]
        inv = np.float32(1.0) / max(hi - lo, np.float32(1e-6))
        np.subtract(x, lo, out=x)
        np.multiply(x, inv, out=x)
        np.clip(x, 0.0, 1.0, out=x)

    def _fuse_function(self, ir: np.ndarray, vis: np.ndarray, out: np.ndarray) -> None:
        from .fusion import fuse

        kw = {} if self.data_range is None else {"data_range": self.data_range}
        if self.normalise_ir:  # the stretched plane is in [0, 1]: hand it over in data units
            ir = self._infrared_unit(ir, np.empty(ir.shape[:2], np.float32))
            if self.data_range is not None:
                ir = ir * np.float32(self.data_range)
        result = fuse(ir, vis, method=self.method, clip=self.clip, **kw, **self.params)
        np.copyto(out, result)

    def _fuse_guided(self, ir: np.ndarray, vis: np.ndarray, out: np.ndarray) -> None:
        """``fuse(method="guided")`` step by step into the preallocated planes.

        The steps are the C++ functions ``fuse`` itself calls (``cpp/jointfilter/fusion.hpp``),
        with the same arguments, so the result is ``fuse``'s bit for bit.
        """
        from . import _core

        p = self.p
        ir_u = self._infrared_unit(ir, self._ir)
        vis_c = v.core_ready(vis)
        if self._colour:  # to_unit and rgb_to_ycbcr in one pass
            _core.fusion_rgb_to_ycbcr(vis_c, 1.0 / self.vis_range, self._vis, self._cb, self._cr)
        else:
            _core.fusion_to_unit(vis_c, 1.0 / self.vis_range, self._vis)
        sources = (ir_u, self._vis)
        # pre-fusion enhancement of the blended planes (the weights use the originals)
        if p["enhance"] == "detail":
            gain = np.float32(p["enhance_gain"])
            blend = []
            for src, e in zip(sources, self._enh, strict=True):
                self._gfe.set_guide(src)
                smooth = self._gfe(src, out=self._base)
                np.subtract(src, smooth, out=e)
                np.multiply(e, gain, out=e)
                np.add(smooth, e, out=e)
                blend.append(e)
        else:
            blend = list(sources)
        # saliency |x * L| * g, max selection
        for src, sal in zip(sources, self._sal, strict=True):
            _core.fusion_saliency(src, self._kernel, sal)
        # ties to the visible image (gff_fuse's rule): the selection of the reversed pair
        _core.fusion_max_selection(self._sal[1], self._sal[0], self._maps[1], self._maps[0])
        # guided refinement of the maps, each source guiding its own; normalised in place
        for n in range(2):
            self._gf1.set_guide(sources[n])
            self._gf1(self._maps[n], out=self._wb[n])
            self._gf2.set_guide(sources[n])
            self._gf2(self._maps[n], out=self._wd[n])
        for wts in (self._wb, self._wd):
            _core.fusion_normalise_weights(wts[0], wts[1], wts[0], wts[1])
        _core.fusion_two_scale_blend(
            blend[0], blend[1], *self._wb, *self._wd, p["base_radius"], self._fused
        )
        # back to the visible's colour space and dtype (from_unit)
        direct = v._rows_ok(out)
        dst = out if direct else self._out_buf
        rng, clip = float(self.vis_range), self.clip
        if self._colour:
            _core.fusion_ycbcr_to_rgb(self._fused, self._cb, self._cr, dst, rng, clip)
        else:
            _core.fusion_from_unit(self._fused, dst if dst.ndim == 2 else dst[:, :, 0], rng, clip)
        if not direct:
            np.copyto(out, dst)


@dataclass
class VideoResult:
    """Outcome of :func:`process_video`: frames written, wall seconds, frames per second."""

    frames: int
    seconds: float
    path: Path

    @property
    def fps(self) -> float:
        """Achieved frames per second (reading, filtering and writing)."""
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise MissingDependencyError(
            "video I/O needs OpenCV: pip install 'jointfilter[io]' (opencv-python-headless)."
        ) from exc
    return cv2


#: suffixes taken as images: a guide with one is a still image, an `out` with one is refused
_IMAGE_SUFFIXES = (*IMAGE_EXTENSIONS, ".webp")


def _as_path(value: Any, name: str, what: str) -> Path:
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise DTypeError(
            f"{name} must be a str or os.PathLike path ({what}); got {v.describe(value)}."
        )
    return Path(value)


def _same_file(a: Path, b: Path) -> bool:
    """True if `a` and `b` name the same file (hard and symbolic links included)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _check_out_path(out: Path, inputs: list[tuple[str, Path]]) -> None:
    """`out` can be written by a rename in its folder, is a video name, and is no input."""
    if out.suffix.lower() in _IMAGE_SUFFIXES:
        raise ParameterError(
            f"out must be a video file (e.g. .mp4 or .avi); got {os.fspath(out)!r}, an image "
            "name, which cannot hold a video. Pass e.g. "
            f"{os.fspath(out.with_suffix('.mp4'))!r}."
        )
    for name, p in inputs:
        if _same_file(out, p):
            raise ParameterError(
                f"out is the same file as {name} ({os.fspath(p)!r}); refusing to overwrite an "
                "input video. Pass another output path."
            )
    if out.is_dir():
        raise ParameterError(
            f"out must be a file path; got the folder {os.fspath(out)!r}. Pass e.g. "
            f"{os.fspath(out / 'result.mp4')!r}."
        )
    folder = out.parent
    if not folder.is_dir():
        state = "is a file" if folder.exists() else "does not exist"
        raise ParameterError(
            f"out: the folder {os.fspath(folder)!r} {state}; create the folder first or pass "
            "another output path."
        )


def _check_guide_image(guide: Any, for_fusion: bool) -> np.ndarray:
    """A fixed guide image: core dtype, ``(H, W)`` or ``(H, W, 3)``, finite; never modified."""
    g = guide
    if g.dtype not in v.CORE_DTYPES:
        raise DTypeError(
            f"guide must have dtype uint8, uint16 or float32 (an image like the video's "
            f"frames); got {g.dtype}. Convert it, e.g. guide.astype(np.float32) with values "
            "in [0, 1], or guide.astype(np.uint8)."
        )
    if for_fusion and g.dtype != np.uint8:
        raise DTypeError(
            f"guide (the visible image) must be uint8 with method=: the fused frames have the "
            f"visible's dtype and video files store uint8; got {g.dtype}. Convert it, e.g. "
            "np.rint(guide * 255).astype(np.uint8) for floats in [0, 1]."
        )
    if g.ndim == 3 and g.shape[2] == 1:
        g = g[:, :, 0]
    if g.ndim not in (2, 3) or (g.ndim == 3 and g.shape[2] != 3):
        hint = " Drop an alpha channel with guide[..., :3]." if g.ndim == 3 else ""
        raise ShapeError(
            f"guide must be a gray (H, W) or RGB (H, W, 3) image (channels last); got shape "
            f"{g.shape}.{hint}"
        )
    if g.size == 0:
        raise ShapeError(f"guide must not be empty; got shape {g.shape}.")
    if g.dtype.kind == "f" and not np.isfinite(g).all():
        raise NonFiniteError("guide contains NaN or Inf; replace them first, e.g. np.nan_to_num.")
    return np.ascontiguousarray(g)  # a copy only if needed: the caller's array is never written


def _check_frame_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(
            f"max_frames must be None (the whole video) or an int >= 1; got {v.describe(value)}."
        )
    return int(value)


def _check_fourcc(fourcc: Any) -> str:
    if not (isinstance(fourcc, str) and len(fourcc) == 4 and fourcc.isascii()):
        raise ParameterError(
            f"fourcc must be a four-character ASCII codec code such as 'mp4v' (.mp4) or 'MJPG' "
            f"(.avi); got {v.describe(fourcc)}."
        )
    return fourcc


def _check_bool(value: Any, name: str, none_ok: bool = False) -> None:
    if not (isinstance(value, (bool, np.bool_)) or (none_ok and value is None)):
        allowed = "True, False or None" if none_ok else "True or False"
        raise ParameterError(f"{name} must be {allowed}; got {v.describe(value)}.")


def _prop(cap: Any, prop: int) -> float:
    """A capture property, NaN when unknown (backends report 0, -1 or NaN)."""
    x = float(cap.get(prop))
    return x if math.isfinite(x) and x > 0 else math.nan


def process_video(
    target: str | os.PathLike[str],
    guide: str | os.PathLike[str] | NDArray[Any],
    out: str | os.PathLike[str],
    *,
    op: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    radius: int = 8,
    eps: float = 1e-3,
    gray_guide: bool = True,
    stretch: bool = False,
    alpha: float = 0.1,
    method: str | None = None,
    fusion_params: dict[str, Any] | None = None,
    normalise_ir: bool = False,
    fourcc: str = "mp4v",
    fps: float | None = None,
    max_frames: int | None = None,
    progress: bool | None = None,
) -> VideoResult:
    """Filter a video under a guide video (frame by frame) or a fixed guide image, or fuse them.

    Every argument is checked before a video is opened, and nothing is written unless at
    least one frame is processed: the output is written to a hidden temporary file in the
    folder of `out` and renamed to `out` when the last frame is written. On any error the
    temporary file is removed and an existing `out` is left untouched.

    Parameters
    ----------
    target : path
        Video to filter (any format OpenCV's VideoCapture reads); with `method`, the infrared
        video.
    guide : path or ndarray
        Guide video of the same frame size, or a still image (path with an image suffix, or an
        RGB/gray uint8, uint16 or float32 array) used for every frame; with `method`, the
        visible video (or uint8 image). The video stops at the shorter of the two videos.
    out : path
        Output video, in an existing folder; the container follows the suffix (``.mp4`` with
        ``fourcc="mp4v"``, ``.avi`` with ``"MJPG"``). Never one of the inputs; an existing
        file is replaced (atomically) on success.
    op : callable, optional
        ``op(target_frame, guide_frame) -> frame`` (RGB or gray uint8, the same size for every
        frame), e.g. a :class:`RestoreFilter` (with a fixed guide image it keeps the guide's
        work between frames) or :func:`jointfilter.batch.restore_op`. Default: a
        :class:`VideoFilter`
        with `radius`, `eps`, `stretch`, `alpha` (allocation-free per frame).
    radius, eps, stretch, alpha
        Parameters of the default :class:`VideoFilter`.
    gray_guide : bool, default True
        Convert guide frames to gray (the fast one-channel model); False uses the colour guide.
        Not used with `method`.
    method : {"guided", "focus", "cnn"}, optional
        Fuse the infrared `target` with the visible `guide` instead of filtering: a
        :class:`FusionVideoFilter` (``method="guided"``: preallocated buffers, reused filter
        objects) gives ``jointfilter.fuse(infrared_rgb, visible_rgb, method=method,
        **fusion_params)`` per frame (the infrared frame's luma is taken in float, as
        ``fuse`` does). `alpha` smooths its `normalise_ir` range.
    fusion_params : dict, optional
        Method parameters for `method` (as in :func:`jointfilter.fuse`).
    normalise_ir : bool, default False
        With `method`: stretch each infrared frame's percentile range to [0, 1], smoothed
        over time (see :class:`FusionVideoFilter`).
    fourcc : str, default "mp4v"
        Four-character codec code for ``cv2.VideoWriter``.
    fps : float, optional
        Output frame rate (> 0); default the target's (25 if unknown).
    max_frames : int, optional
        Stop after this many frames (>= 1).
    progress : bool, optional
        Progress on stderr: a tqdm bar if tqdm is installed, else a plain frame counter;
        None = only on a terminal.

    Returns
    -------
    VideoResult
        ``frames`` (>= 1), ``seconds`` and ``fps`` (achieved, including I/O).

    Raises
    ------
    ParameterError
        A bad argument; `out` that is an input, a folder, or in a missing folder; a video
        that cannot be opened or yields no frame; an output that cannot be created; an `op`
        that is not callable or returns non-uint8 frames.
    DTypeError
        A path argument that is not a str or os.PathLike; a guide array of another dtype than
        uint8, uint16 or float32 (uint8 with `method`).
    ShapeError
        Guide frames of another size than the target's, a guide image that is not gray or
        RGB, or an `op` whose frames change size.
    NonFiniteError
        A float guide array with NaN or Inf.
    OSError
        A guide image that cannot be read, or a failure writing `out`.
    """
    # ---- every argument, before anything is opened or written
    target_p = _as_path(target, "target", "the video to filter")
    inputs = [("target", target_p)]
    guide_p: Path | None = None
    if isinstance(guide, np.ndarray):
        pass
    elif isinstance(guide, (str, os.PathLike)) and not isinstance(guide, bytes):
        guide_p = Path(guide)
        inputs.append(("guide", guide_p))
    else:
        raise DTypeError(
            f"guide must be a path (a guide video, or one image for every frame) or a numpy "
            f"array (the guide image); got {v.describe(guide)}."
        )
    out_p = _as_path(out, "out", "the output video")
    _check_out_path(out_p, inputs)
    if method is not None and op is not None:
        raise ParameterError("pass either op= or method= (fusion), not both.")
    if fusion_params is not None and method is None:
        raise ParameterError("fusion_params needs method= (e.g. method='guided').")
    if op is not None and not callable(op):
        raise ParameterError(
            f"op must be a callable op(target_frame, guide_frame) -> uint8 frame (or None for "
            f"the default guided filter); got {v.describe(op)}."
        )
    if method is not None:
        from .fusion import _check_params

        if fusion_params is not None and not isinstance(fusion_params, dict):
            raise ParameterError(
                f"fusion_params must be a dict of fuse() parameters; got "
                f"{v.describe(fusion_params)}."
            )
        _check_params(method, dict(fusion_params or {}))
    v.check_radius(radius)
    v.check_positive_float(eps, "eps")
    _check_alpha(alpha)
    _check_bool(gray_guide, "gray_guide")
    _check_bool(stretch, "stretch")
    _check_bool(normalise_ir, "normalise_ir")
    _check_bool(progress, "progress", none_ok=True)
    fourcc = _check_fourcc(fourcc)
    if fps is not None:
        fps = v.check_positive_float(fps, "fps")
    max_frames = _check_frame_count(max_frames)
    fixed_guide: np.ndarray | None = None
    if guide_p is None:
        fixed_guide = _check_guide_image(guide, method is not None)
    elif guide_p.suffix.lower() in _IMAGE_SUFFIXES:
        from .batch import read_image

        fixed_guide = _check_guide_image(read_image(guide_p), method is not None)
    cv2 = _cv2()

    # ---- open the inputs
    cap = cv2.VideoCapture(os.fspath(target_p))
    gcap = None
    try:
        if not cap.isOpened():
            raise ParameterError(
                f"target: cannot open video {os.fspath(target_p)!r} (missing, not a video, or "
                "a format this OpenCV build cannot read)."
            )
        if guide_p is not None and fixed_guide is None:
            gcap = cv2.VideoCapture(os.fspath(guide_p))
            if not gcap.isOpened():
                raise ParameterError(
                    f"guide: cannot open video {os.fspath(guide_p)!r} (missing, not a video, "
                    "or a format this OpenCV build cannot read)."
                )
        rate = fps or _prop(cap, cv2.CAP_PROP_FPS)
        rate = rate if math.isfinite(rate) else 25.0
        count = _prop(cap, cv2.CAP_PROP_FRAME_COUNT)
        total = int(count) if math.isfinite(count) else None
        if max_frames is not None:
            total = min(total or max_frames, max_frames)
        return _run(
            cv2, cap, gcap, fixed_guide, target_p, guide_p, out_p, op, rate, total,
            method=method, fusion_params=fusion_params, normalise_ir=normalise_ir,
            radius=radius, eps=eps, gray_guide=gray_guide, stretch=stretch, alpha=alpha,
            fourcc=fourcc, max_frames=max_frames, progress=progress,
        )  # fmt: skip
    finally:
        cap.release()
        if gcap is not None:
            gcap.release()


def _run(
    cv2: Any,
    cap: Any,
    gcap: Any,
    fixed_guide: np.ndarray | None,
    target_p: Path,
    guide_p: Path | None,
    out_p: Path,
    op: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    rate: float,
    total: int | None,
    *,
    method: str | None,
    fusion_params: dict[str, Any] | None,
    normalise_ir: bool,
    radius: int,
    eps: float,
    gray_guide: bool,
    stretch: bool,
    alpha: float,
    fourcc: str,
    max_frames: int | None,
    progress: bool | None,
) -> VideoResult:
    """The frame loop of :func:`process_video` (arguments checked, captures open)."""
    tmp_path: Path | None = None
    writer = None
    from .batch import _progress

    bar = _progress(total, progress, unit="frame")
    frames = 0
    frame_shape: tuple[int, ...] | None = None
    bgr = gbgr = rgb = grgb = gbuf = outbuf = None  # reused frame buffers
    vf: VideoFilter | None = None
    fv: FusionVideoFilter | None = None
    start = time.perf_counter()
    try:
        while max_frames is None or frames < max_frames:
            ok, bgr = cap.read(bgr)
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=rgb)
            if gcap is not None:
                gok, gbgr = gcap.read(gbgr)
                if not gok:
                    if frames == 0:
                        raise ParameterError(
                            f"guide: no frame could be read from {os.fspath(guide_p)!r} "
                            "(corrupt, truncated or not a video); nothing was written."
                        )
                    break  # the shorter video ends the output
                graw = grgb = cv2.cvtColor(gbgr, cv2.COLOR_BGR2RGB, dst=grgb)
            else:
                graw = fixed_guide
            assert graw is not None
            if graw.shape[:2] != rgb.shape[:2]:
                raise ShapeError(
                    f"guide frames must be {rgb.shape[:2]} like the target's; got "
                    f"{graw.shape[:2]}. Resize the guide first."
                )
            if method is not None:
                if fv is None:
                    fv = FusionVideoFilter(
                        graw.shape, graw.dtype, ir_channels=3, ir_dtype=rgb.dtype,
                        method=method, normalise_ir=normalise_ir, alpha=alpha,
                        **(fusion_params or {}),
                    )  # fmt: skip
                    outbuf = np.empty(graw.shape, graw.dtype)
                result = fv(rgb, np.ascontiguousarray(graw), out=outbuf)
            else:
                if gray_guide and graw.ndim == 3:
                    gbuf = cv2.cvtColor(graw, cv2.COLOR_RGB2GRAY, dst=gbuf)
                    g = gbuf
                else:
                    g = np.ascontiguousarray(graw)
                if op is not None:
                    result = _check_op_frame(op(rgb, g), frame_shape, frames)
                else:
                    if vf is None:
                        vf = VideoFilter(
                            rgb.shape,
                            rgb.dtype,
                            guide_channels=1 if g.ndim == 2 else 3,
                            guide_dtype=g.dtype,
                            radius=radius,
                            eps=eps,
                            stretch=stretch,
                            alpha=alpha,
                        )
                        outbuf = np.empty(rgb.shape, rgb.dtype)
                    result = vf(rgb, g, out=outbuf)
            if writer is None:
                frame_shape = result.shape
                h, w = result.shape[:2]
                tmp_path, fd = _temp_beside(out_p)  # the usual permissions, not mkstemp's 0600
                os.close(fd)
                writer = cv2.VideoWriter(
                    os.fspath(tmp_path), cv2.VideoWriter_fourcc(*fourcc), rate, (w, h),
                    result.ndim == 3,
                )  # fmt: skip
                if not writer.isOpened():
                    raise ParameterError(
                        f"out: cannot create video {os.fspath(out_p)!r} with fourcc {fourcc!r}; "
                        "try fourcc='MJPG' with an .avi suffix, or 'mp4v' with .mp4."
                    )
            frame = cv2.cvtColor(result, cv2.COLOR_RGB2BGR) if result.ndim == 3 else result
            writer.write(frame)
            frames += 1
            if bar is not None:
                bar.update(1)
        if frames == 0:
            raise ParameterError(
                f"target: no frame could be read from {os.fspath(target_p)!r} (corrupt, "
                "truncated or not a video); nothing was written."
            )
        seconds = time.perf_counter() - start
        assert writer is not None
        assert tmp_path is not None
        writer.release()
        writer = None
        os.replace(tmp_path, out_p)
        tmp_path = None
    finally:
        if writer is not None:
            writer.release()
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)
        if bar is not None:
            bar.close()
    return VideoResult(frames=frames, seconds=seconds, path=out_p)


def _check_op_frame(result: Any, shape: tuple[int, ...] | None, index: int) -> np.ndarray:
    """A frame returned by `op`: a uint8 gray or RGB image of the size of the first frame."""
    if not isinstance(result, np.ndarray):
        raise ParameterError(
            f"op must return a numpy array (a uint8 frame); got {v.describe(result)} for "
            f"frame {index}."
        )
    if result.dtype != np.uint8:
        raise ParameterError(
            f"op must return uint8 frames for video output; got {result.dtype}. Pass "
            "dtype=np.uint8 to the operation."
        )
    if result.ndim == 3 and result.shape[2] == 1:
        result = result[:, :, 0]
    if result.ndim not in (2, 3) or (result.ndim == 3 and result.shape[2] != 3) or not result.size:
        raise ShapeError(
            f"op must return gray (H, W) or RGB (H, W, 3) frames; got shape {result.shape} for "
            f"frame {index}."
        )
    if shape is not None and result.shape != shape:
        raise ShapeError(
            f"op returned a frame of shape {result.shape} for frame {index} after frames of "
            f"shape {shape}; a video has one frame size. Make op return frames of one size."
        )
    return result
