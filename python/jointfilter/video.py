"""Video loops: an allocation-free per-frame filter, temporal smoothing, and file-to-file video.

* :class:`VideoFilter` wraps :class:`jointfilter.GuidedFilter`: once the first frame has sized
  the scratch, a call with ``out=`` allocates no frame-sized memory (the GIL is released while
  the C++ core runs). An optional contrast stretch uses per-frame global estimates (the frame's
  low/high percentiles of intensity) smoothed over time, so the output does not flicker.
* :class:`TemporalSmoother` is the exponential moving average behind it, usable for any
  per-frame global estimate (dehazing's airlight, normalisation ranges); ``reset()`` on a cut.
* :func:`process_video` reads a target video and a guide video (or one fixed guide image) with
  OpenCV, applies a :class:`VideoFilter` or any ``op(target, guide)``, writes the result with
  ``cv2.VideoWriter`` and reports frames per second.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from ._filters import GuidedFilter
from .errors import MissingDependencyError, ParameterError, ShapeError

__all__ = ["TemporalSmoother", "VideoFilter", "VideoResult", "process_video"]


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
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
            raise ParameterError(
                f"alpha must be a float in (0, 1] (1 = no smoothing); got {alpha!r}."
            )
        self.alpha = float(alpha)
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
        returned array is that state: copy it to keep it). Scalars return a float.
        """
        v = np.asarray(value, dtype=np.float64)
        if self._state is None or self._state.shape != (v.shape or (1,)):
            self._scalar = v.ndim == 0
            self._state = np.array(v.reshape(v.shape or (1,)), dtype=np.float64)
        else:
            st = self._state
            st *= 1.0 - self.alpha
            st += self.alpha * v if v.ndim else self.alpha * float(v)
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
    radius, eps, subsample, border, data_range
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
    ) -> None:
        self.stretch = bool(stretch)
        self.dtype = np.dtype(dtype)
        self._filter = GuidedFilter(
            shape,
            self.dtype,
            guide_channels=guide_channels,
            guide_dtype=guide_dtype,
            radius=radius,
            eps=eps,
            subsample=subsample,
            border=border,
            data_range=data_range,
            out_dtype=np.float32 if self.stretch else self.dtype,
        )
        self.shape = self._filter.shape
        lo, hi = percentiles
        if not 0 <= lo < hi <= 100:
            raise ParameterError(
                f"percentiles must be (low, high) with 0 <= low < high <= 100; got {percentiles}."
            )
        self.percentiles = (float(lo), float(hi))
        self.smoother = TemporalSmoother(alpha)
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
        if guide is not None:
            self._filter.set_guide(guide)
        if not self.stretch:
            return self._filter(target, out=out)
        if self._work is None:
            self._work = np.empty(self.shape, np.float32)
        if out is None:
            out = np.empty(self.shape, self.dtype)
        work = self._filter(target, out=self._work)
        self._stretch_into(work, out)
        return out

    def _stretch_into(self, work: np.ndarray, out: np.ndarray) -> None:
        sub = work[:: self._STEP, :: self._STEP]
        if self._sample is None:
            self._sample = np.empty(sub.size, np.float32)
        flat = self._sample
        flat.reshape(sub.shape)[...] = sub
        n = flat.size - 1
        k_lo = round(self.percentiles[0] / 100 * n)
        k_hi = round(self.percentiles[1] / 100 * n)
        flat.partition((k_lo, k_hi))
        self._range[0] = flat[k_lo]
        self._range[1] = flat[k_hi]
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


_IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".exr")


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
    fourcc: str = "mp4v",
    fps: float | None = None,
    max_frames: int | None = None,
    progress: bool | None = None,
) -> VideoResult:
    """Filter a video under a guide video (frame by frame) or a fixed guide image.

    Parameters
    ----------
    target : path
        Video to filter (any format OpenCV's VideoCapture reads).
    guide : path or ndarray
        Guide video of the same frame size, or a still image (path with an image suffix, or an
        RGB/gray array) used for every frame.
    out : path
        Output video; the container follows the suffix (``.mp4`` with ``fourcc="mp4v"``,
        ``.avi`` with ``"MJPG"``). Written to a temporary name and renamed at the end.
    op : callable, optional
        ``op(target_frame, guide_frame) -> frame`` (RGB uint8), e.g.
        :func:`jointfilter.batch.restore_op`. Default: a :class:`VideoFilter` with `radius`,
        `eps`, `stretch`, `alpha` (allocation-free per frame).
    radius, eps, stretch, alpha
        Parameters of the default :class:`VideoFilter`.
    gray_guide : bool, default True
        Convert guide frames to gray (the fast one-channel model); False uses the colour guide.
    fourcc : str, default "mp4v"
        Four-character codec code for ``cv2.VideoWriter``.
    fps : float, optional
        Output frame rate; default the target's (25 if unknown).
    max_frames : int, optional
        Stop after this many frames.
    progress : bool, optional
        tqdm progress bar (if installed); None = only on a terminal.

    Returns
    -------
    VideoResult
        ``frames``, ``seconds`` and ``fps`` (achieved, including I/O).

    Raises
    ------
    ParameterError
        A video that cannot be opened, or an output that cannot be created.
    ShapeError
        Guide frames of another size than the target's.
    """
    cv2 = _cv2()
    cap = cv2.VideoCapture(os.fspath(target))
    if not cap.isOpened():
        raise ParameterError(f"target: cannot open video {os.fspath(target)!r}.")
    fixed_guide: np.ndarray | None = None
    gcap = None
    if isinstance(guide, np.ndarray):
        fixed_guide = guide
    elif Path(guide).suffix.lower() in _IMAGE_SUFFIXES:
        from .batch import read_image

        fixed_guide = read_image(guide)
    else:
        gcap = cv2.VideoCapture(os.fspath(guide))
        if not gcap.isOpened():
            cap.release()
            raise ParameterError(f"guide: cannot open video {os.fspath(guide)!r}.")
    rate = fps or cap.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    if max_frames is not None:
        total = min(total or max_frames, max_frames)
    out_path = Path(out)
    tmp_path = out_path.with_name(f".{out_path.stem}.tmp{out_path.suffix}")
    writer = None
    bar = None
    try:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="frame", disable=None if progress is None else not progress)
    except ImportError:
        pass
    frames = 0
    bgr = gbgr = rgb = grgb = gbuf = outbuf = None  # reused frame buffers
    vf: VideoFilter | None = None
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
                    break
                graw = grgb = cv2.cvtColor(gbgr, cv2.COLOR_BGR2RGB, dst=grgb)
            else:
                graw = fixed_guide
            assert graw is not None
            if graw.shape[:2] != rgb.shape[:2]:
                raise ShapeError(
                    f"guide frames must be {rgb.shape[:2]} like the target's; got "
                    f"{graw.shape[:2]}. Resize the guide first."
                )
            if gray_guide and graw.ndim == 3:
                gbuf = cv2.cvtColor(graw, cv2.COLOR_RGB2GRAY, dst=gbuf)
                g = gbuf
            else:
                g = np.ascontiguousarray(graw)
            if op is not None:
                result = np.asarray(op(rgb, g))
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
            if result.dtype != np.uint8:
                raise ParameterError(
                    f"op must return uint8 frames for video output; got {result.dtype}. Pass "
                    "dtype=np.uint8 to the operation."
                )
            if writer is None:
                h, w = result.shape[:2]
                writer = cv2.VideoWriter(
                    os.fspath(tmp_path),
                    cv2.VideoWriter_fourcc(*fourcc),
                    rate,
                    (w, h),
                    result.ndim == 3,
                )
                if not writer.isOpened():
                    raise ParameterError(
                        f"out: cannot create video {os.fspath(out)!r} with fourcc {fourcc!r}; "
                        "try fourcc='MJPG' with an .avi suffix."
                    )
            frame = cv2.cvtColor(result, cv2.COLOR_RGB2BGR) if result.ndim == 3 else result
            writer.write(frame)
            frames += 1
            if bar is not None:
                bar.update(1)
        seconds = time.perf_counter() - start
        if writer is not None:
            writer.release()
            writer = None
            os.replace(tmp_path, out_path)
    finally:
        cap.release()
        if gcap is not None:
            gcap.release()
        if writer is not None:
            writer.release()
        tmp_path.unlink(missing_ok=True)
        if bar is not None:
            bar.close()
    return VideoResult(frames=frames, seconds=seconds, path=out_path)
