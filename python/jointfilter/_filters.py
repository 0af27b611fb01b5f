"""Box and guided filters: the public functions and the reusable GuidedFilter object."""

from __future__ import annotations

import operator
import threading
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _core, _cuda
from . import _validate as v
from .errors import ConcurrentUseError, DTypeError, NonFiniteError, ParameterError, ShapeError

__all__ = ["GuidedFilter", "box_filter", "guided_filter"]

_MAX_TARGET_CHANNELS = 4


def _nonfinite(names: tuple[tuple[str, np.ndarray], ...], exc: Exception) -> NonFiniteError:
    bad = [n for n, a in names if a.dtype.kind == "f" and not np.isfinite(a).all()]
    big = [n for n, a in names if v.beyond_float32(a)]
    if big and not bad:  # finite float64 that became Inf in float32
        return NonFiniteError(v.beyond_float32_message(big))
    which = " and ".join(bad) if bad else "an input"
    return NonFiniteError(
        f"{which} contains NaN or Inf; box-filter sums cannot localise them, so the result "
        "would be wrong far from the bad pixels. Replace them first, e.g. np.nan_to_num(x)."
    )


def box_filter(
    image: NDArray[Any],
    radius: int,
    *,
    border: str = "clipped",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]:
    """Mean over a ``(2*radius+1) x (2*radius+1)`` window, in O(1) time per pixel.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C), C <= 4
        uint8, uint16 or float32 (float64 is accepted and computed in float32).
    radius : int
        Half-width of the window; 0 returns a copy. Any radius works, including one larger
        than the image.
    border : {"clipped", "symmetric", "reflect", "edge"}
        ``"clipped"`` (default): the window is cut at the image edge and the mean is taken over
        its in-image part (He et al.'s reference). The others pad like ``numpy.pad`` and divide by
        ``(2*radius+1)**2``: ``"symmetric"`` = OpenCV ``BORDER_REFLECT``, ``"reflect"`` =
        ``BORDER_REFLECT_101``, ``"edge"`` = ``BORDER_REPLICATE``.
    dtype : dtype, optional
        Output dtype; default the input's. Integer outputs are rounded half-to-even and saturated.
    out : ndarray, optional
        Array to write into (exact shape and dtype); it is returned.

    Returns
    -------
    ndarray
        The filtered image, same shape as `image`.

    Raises
    ------
    ShapeError, DTypeError, ParameterError, NonFiniteError
        On bad input; the message names the argument and the fix.

    Notes
    -----
    Sums are accumulated in float64: exact for integer images, ~1e-16 relative for floats.
    CUDA arrays (CuPy, or anything with ``__cuda_array_interface__``) are filtered on the GPU
    on the current CuPy stream, in the input's dtype, and a device array is returned.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> jf.box_filter(np.ones((4, 5), np.float32), 1)[0, 0]
    np.float32(1.0)
    """
    if _cuda.is_cuda_array(image):
        if dtype is not None:
            raise ParameterError(
                "dtype= is not supported for CUDA arrays (the GPU writes the input's dtype); "
                "convert with cupy's astype before or after."
            )
        return _cuda.box_filter_cuda(
            image, radius=v.check_radius(radius), border_code=v.check_border(border), out=out
        )
    arr = v.as_array(image, "image")
    v.check_dtype(arr, "image")
    v.check_image_shape(arr, "image", _MAX_TARGET_CHANNELS)
    radius = v.check_radius(radius)
    border_code = v.check_border(border)
    out_dtype = v.output_dtype(dtype, arr.dtype)
    plan = v.plan_output(out, arr.shape, out_dtype, (("image", arr),))
    if arr.size == 0:
        return plan.result
    src = v.core_ready(arr)
    try:
        _core.box_filter(src, plan.core_out, radius, border_code)
    except NonFiniteError as exc:
        raise _nonfinite((("image", arr),), exc) from None
    return plan.finish()


def _prepare_guided(
    target: Any, guide: Any, eps: Any, data_range: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    t = v.as_array(target, "target")
    g = v.as_array(guide, "guide")
    v.check_dtype(t, "target")
    v.check_dtype(g, "guide")
    v.check_image_shape(t, "target", _MAX_TARGET_CHANNELS)
    if g.ndim == 3 and g.shape[2] == 4 and g.shape[0] > 4:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. For an RGBA guide drop the "
            "alpha channel: guide[..., :3]."
        )
    guide_channels = v.check_image_shape(g, "guide", 3)
    if guide_channels == 2:
        raise ShapeError(
            f"guide must have 1 or 3 channels; got shape {g.shape}. Use one channel or convert "
            "to gray."
        )
    if g.shape[:2] != t.shape[:2]:
        raise ShapeError(
            f"guide must have the height and width of target {t.shape[:2]}; got {g.shape[:2]}. "
            "Resize or crop the guide so the two images are registered pixel for pixel."
        )
    eps = v.check_positive_float(eps, "eps")
    data_range = v.check_data_range(data_range, g.dtype)
    return t, g, eps * data_range * data_range


_PRECISIONS = {"single": True, "double": False}


def _check_precision(precision: Any) -> bool:
    """True for the single-precision kernels, False for double."""
    if not isinstance(precision, str) or precision not in _PRECISIONS:
        raise ParameterError(
            f"precision must be 'single' or 'double'; got {precision!r}. Use 'double' for "
            "float64 sums (exact for integer inputs), 'single' for speed."
        )
    return _PRECISIONS[precision]


def guided_filter(
    target: NDArray[Any],
    guide: NDArray[Any],
    *,
    radius: int = 8,
    eps: float = 1e-3,
    subsample: int = 1,
    border: str = "clipped",
    data_range: float | None = None,
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    precision: str = "double",
    apply_guide: NDArray[Any] | None = None,
    decimation: str = "nearest",
) -> NDArray[Any]:
    """Guided filter (He, Sun & Tang): filter `target` under the structure of `guide`.

    In every window the output is an affine function of the guide, ``q = a . I + b``, fitted to
    the target by ridge regression; the coefficients are then averaged over all windows that
    cover a pixel.

    Parameters
    ----------
    target : ndarray, shape (H, W) or (H, W, C), C <= 4
        Image to filter: uint8, uint16 or float32 (float64 accepted, computed in float32).
    guide : ndarray, shape (H, W), (H, W, 1) or (H, W, 3)
        Registered guide image, any supported dtype (may differ from the target's). A 3-channel
        guide uses the colour model (a per-pixel 3x3 regularised solve).
    radius : int, default 8
        Window half-width; the window is ``2*radius+1`` wide. 0 returns the target.
    eps : float, default 1e-3
        Regularisation, in units of ``data_range**2`` of the guide, so the same value means the
        same smoothing for 8-bit, 16-bit and float images. Windows whose guide variance is well
        below eps are averaged; above it, edges are kept.
    subsample : int, default 1
        Fast guided filter factor s (He & Sun 2015): coefficients are computed on an s-times
        nearest-decimated pair with radius ``max(1, floor(radius / s + 0.5))`` (halves round
        up, as MATLAB's ``uint16(r / s)``) and upsampled bilinearly. Cost of the box passes
        falls by about s**2.
    decimation : {"nearest", "mean"}, default "nearest"
        How the fast filter (``subsample > 1``) decimates the **target**: ``"nearest"`` takes
        one pixel per s x s block (He & Sun's reference); ``"mean"`` takes the block's mean,
        so a noisy target enters the fit with s**2 times less noise variance (the guide is
        always point-sampled, keeping the edges the fit follows). Ignored when
        ``subsample == 1``. See docs/core.md.
    border : {"clipped", "symmetric", "reflect", "edge"}, default "clipped"
        Window rule at the image edge (see :func:`box_filter`); ``"symmetric"`` reproduces
        ``cv2.ximgproc.guidedFilter``.
    data_range : float, optional
        Value range of the guide; default 255 (uint8), 65535 (uint16), 1.0 (float).
    dtype : dtype, optional
        Output dtype; default the target's. Integer outputs round half-to-even and saturate.
    out : ndarray, optional
        Output array of exactly the target's shape and the output dtype; returned.
    precision : {"double", "single"}, default "double"
        Arithmetic of the running sums and the per-window fit. ``"double"``: float64
        throughout (sums of integer inputs exact; max error ~1e-7 against the float64
        reference). ``"single"``: float32 sums on data centred per band of rows, eight rows
        per vector, about 1.5x faster; its error grows as eps shrinks and where the local
        mean is far from the band's level (measured on natural [0, 1] images: <= 2e-6 for
        eps >= 1e-2, ~2e-5 colour / ~4e-6 gray at eps = 1e-3, ~3e-4 at eps = 1e-4; table in
        docs/core.md). Use it where such errors are far below the noise (video, previews).
    apply_guide : ndarray, optional
        Apply the coefficients fitted on `guide` to this image instead (the guide's shape, any
        supported dtype, values in the guide's units: they are used as they are, not rescaled
        by dtype): ``q = mean(a) . apply_guide + mean(b)``. Fitting on a blurred guide
        and applying to the sharp one restores detail a blur removed from the target
        (flash/no-flash deblurring).

    Returns
    -------
    ndarray
        Filtered target, shape of `target`.

    Raises
    ------
    ShapeError
        Mismatched sizes, channels-first input, unsupported channel counts.
    DTypeError
        Unsupported dtypes (bool, int64, complex, ...).
    ParameterError
        radius < 0, eps <= 0, subsample < 1, unknown border, read-only or aliasing `out`.
    NonFiniteError
        NaN or Inf in a float input that the filter reads. With ``subsample > 1`` and
        ``decimation="nearest"`` the target is read only at the decimated pixels, so a NaN
        elsewhere in the target does not affect (and is not reported for) the result; the
        guide, and the target with ``decimation="mean"``, are read in full.

    Notes
    -----
    Computed by a streaming pipeline: running sums over rows and columns and the per-window
    solve in the chosen precision, no full-size temporaries. Results are bit-identical for any
    thread count. The GIL is released while it runs.

    CUDA arrays (CuPy, anything with ``__cuda_array_interface__``, or DLPack on a CUDA device)
    are filtered on the GPU on the current CuPy stream and a CuPy array is returned (any
    `subsample`; see docs/cuda.md).

    References
    ----------
    K. He, J. Sun, X. Tang. Guided image filtering. IEEE TPAMI 35(6), 2013.
    K. He, J. Sun. Fast guided filter. arXiv:1505.00996, 2015.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> rng = np.random.default_rng(0)
    >>> guide = rng.random((64, 64), dtype=np.float32)
    >>> jf.guided_filter(guide, guide, radius=4, eps=1e-2).shape
    (64, 64)
    """
    if _cuda.is_cuda_array(target):
        if apply_guide is not None:
            raise ParameterError("apply_guide= is not supported for CUDA arrays yet.")
        return _guided_filter_device(
            target, guide, radius, eps, subsample, border, data_range, dtype, out, decimation
        )
    t, g, eps_abs = _prepare_guided(target, guide, eps, data_range)
    inputs = (("target", t), ("guide", g))
    extra = {}
    if apply_guide is not None:
        ag = _check_apply_guide(apply_guide, g)
        inputs += (("apply_guide", ag),)
        extra["apply_guide"] = v.core_ready(ag)
    radius = v.check_radius(radius)
    subsample = v.check_subsample(subsample)
    decimation_code = v.check_decimation(decimation)
    border_code = v.check_border(border)
    single = _check_precision(precision)
    out_dtype = v.output_dtype(dtype, t.dtype)
    plan = v.plan_output(out, t.shape, out_dtype, inputs)
    if t.size == 0:
        return plan.result
    if radius == 0:  # every window is one pixel: a = 0, b = p
        _cast_into(plan.core_out, t)
        return plan.finish()
    try:
        _core.guided_filter(
            v.core_ready(t),
            v.core_ready(g),
            plan.core_out,
            radius,
            eps_abs,
            border_code,
            subsample,
            single=single,
            decimation=decimation_code,
            **extra,
        )
    except NonFiniteError as exc:
        raise _nonfinite(inputs, exc) from None
    return plan.finish()


def _check_apply_guide(apply_guide: Any, guide: np.ndarray) -> np.ndarray:
    ag = v.as_array(apply_guide, "apply_guide")
    v.check_dtype(ag, "apply_guide")
    if ag.ndim == 3 and ag.shape[2] == 1 and guide.ndim == 2:
        ag = ag[:, :, 0]
    if ag.ndim == 2 and guide.ndim == 3 and guide.shape[2] == 1:
        ag = ag[:, :, None]
    if ag.shape != guide.shape:
        raise ShapeError(
            f"apply_guide must have the guide's shape {guide.shape}; got {ag.shape}. Pass an "
            "image registered with the guide, with its channel count."
        )
    return ag


def _guided_filter_device(
    target: Any,
    guide: Any,
    radius: Any,
    eps: Any,
    subsample: Any,
    border: Any,
    data_range: Any,
    dtype: Any,
    out: Any,
    decimation: Any = "nearest",
) -> Any:
    """CUDA arrays in, CUDA array out (same library as the caller's, on its current stream)."""
    target, guide = _cuda.prepare_guided_inputs(target, guide)
    radius = v.check_radius(radius)
    subsample = v.check_subsample(subsample)
    decimation_code = v.check_decimation(decimation)
    border_code = v.check_border(border)
    eps = v.check_positive_float(eps, "eps")
    if dtype is not None and np.dtype(dtype) != np.dtype(target.dtype):
        raise DTypeError("dtype= is not supported for CUDA arrays yet; convert on the device.")
    rng = v.check_data_range(data_range, np.dtype(guide.dtype))
    return _cuda.guided_filter_cuda(
        target,
        guide,
        radius=radius,
        eps_abs=eps * rng * rng,
        border_code=border_code,
        subsample=subsample,
        decimation=decimation_code,
        out=out,
    )


def _cast_into(dst: np.ndarray, src: np.ndarray) -> None:
    """Copy with the core's conversion rule: integers round half-to-even and saturate."""
    if dst.dtype.kind == "f" or src.dtype.kind in "ui":
        if dst.dtype.kind in "ui" and src.dtype.kind in "ui":
            info = np.iinfo(dst.dtype)
            np.copyto(dst, np.clip(src, info.min, info.max), casting="unsafe")
        else:
            np.copyto(dst, src, casting="unsafe")
        return
    info = np.iinfo(dst.dtype)
    rounded = np.nan_to_num(np.rint(src.astype(np.float64)), nan=0.0)
    np.copyto(dst, np.clip(rounded, info.min, info.max), casting="unsafe")


class GuidedFilter:
    """Reusable guided filter for video loops: fixed shape and dtypes, scratch kept between calls.

    The object is strict where the function is lenient: frames must match the shapes and dtypes
    given at construction (no hidden conversions or copies), and ``out=`` calls allocate
    nothing once the first call has sized the scratch.

    With CUDA arrays (set_guide and calls with device frames) the object keeps a device
    workspace and a CUDA stream of its own, created on the first frame: a video loop with
    ``out=`` allocates nothing per frame on the GPU either (docs/cuda.md).

    Thread safety: one object serves one thread at a time. Its scratch memory and current
    guide belong to the object and the core fills the scratch with the GIL released, so a call
    (or ``set_guide``) that starts while another is running on the same object raises
    :class:`~jointfilter.errors.ConcurrentUseError` instead of corrupting both results. Use one
    object per thread (the scratch is small: O(threads x width x radius)), or hold one lock
    around every ``set_guide`` and call on a shared object. Separate objects, and the
    functions, are safe to call from any number of threads at once (``tests/test_threads.py``,
    ``tests/test_shared_object.py``).

    Parameters
    ----------
    shape : tuple of int
        Target shape, ``(H, W)`` or ``(H, W, C)``.
    dtype : dtype
        Target dtype (uint8, uint16 or float32).
    guide_channels : {1, 3}, default 1
        Channels of the guide.
    guide_dtype : dtype, optional
        Guide dtype; default `dtype`.
    radius, eps, subsample, border, data_range, precision, decimation
        As in :func:`guided_filter`.
    out_dtype : dtype, optional
        Output dtype; default `dtype`.

    Examples
    --------
    >>> import numpy as np, jointfilter as jf
    >>> f = jf.GuidedFilter((48, 64), np.float32, radius=4, eps=1e-2)
    >>> frame = np.zeros((48, 64), np.float32)
    >>> buf = np.empty_like(frame)
    >>> f.set_guide(frame)
    >>> f(frame, out=buf) is buf
    True
    """

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
        out_dtype: DTypeLike | None = None,
        precision: str = "double",
        decimation: str = "nearest",
    ) -> None:
        shape = self._check_shape(shape)
        self.shape = shape
        self.dtype = self._core_dtype(dtype, "dtype")
        self.guide_dtype = self._core_dtype(
            self.dtype if guide_dtype is None else guide_dtype, "guide_dtype"
        )
        self.out_dtype = self._core_dtype(
            self.dtype if out_dtype is None else out_dtype, "out_dtype"
        )
        if guide_channels not in (1, 3):
            raise ShapeError(f"guide_channels must be 1 or 3; got {guide_channels!r}.")
        self.guide_channels = guide_channels
        self.radius = v.check_radius(radius)
        self.subsample = v.check_subsample(subsample)
        self.decimation = decimation
        self._decimation_code = v.check_decimation(decimation)
        self.border = border
        self._border_code = v.check_border(border)
        rng = v.check_data_range(data_range, self.guide_dtype)
        self.eps = v.check_positive_float(eps, "eps")
        self._eps_abs = self.eps * rng * rng
        self.precision = precision
        self._single = _check_precision(precision)
        self._workspace = _core.Workspace()
        self._guide: np.ndarray | None = None
        self._device: _cuda.DeviceGuidedFilter | None = None  # CUDA frames (docs/cuda.md)
        self._busy = threading.Lock()

    @staticmethod
    def _check_shape(shape: Any) -> tuple[int, ...]:
        expect = "shape must be (H, W) or (H, W, C) with H, W >= 0 and C in 1..4"
        try:
            dims = tuple(operator.index(s) for s in shape)
        except TypeError:
            raise ShapeError(
                f"{expect}; got {shape!r}. Pass a tuple of ints, e.g. frame.shape."
            ) from None
        if len(dims) not in (2, 3) or min(dims) < 0 or (len(dims) == 3 and not 1 <= dims[2] <= 4):
            raise ShapeError(f"{expect}; got {dims}. Pass frame.shape of the target frames.")
        return dims

    def _enter(self, what: str) -> None:
        if not self._busy.acquire(blocking=False):
            raise ConcurrentUseError(
                f"GuidedFilter.{what}: this object is already in use by another thread. "
                "Use one GuidedFilter per thread, or hold one lock around set_guide and the "
                "call."
            )

    @staticmethod
    def _core_dtype(dtype: DTypeLike, name: str) -> np.dtype:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise DTypeError(
                f"{name} must be uint8, uint16 or float32 for a GuidedFilter; got {dtype!r}."
            ) from None
        if dt not in v.CORE_DTYPES:
            raise DTypeError(
                f"{name} must be uint8, uint16 or float32 for a GuidedFilter; got {dt}."
            )
        return dt

    def _check_frame(
        self, arr: Any, name: str, shape: tuple[int, ...], dtype: np.dtype
    ) -> np.ndarray:
        if not isinstance(arr, np.ndarray):
            raise DTypeError(f"{name} must be a numpy.ndarray; got {v.describe(arr)}.")
        if arr.shape != shape:
            raise ShapeError(
                f"{name} must have shape {shape} (fixed at construction); got {arr.shape}."
            )
        if arr.dtype != dtype:
            raise DTypeError(
                f"{name} must have dtype {dtype} (fixed at construction); got {arr.dtype}."
            )
        if not v._rows_ok(arr):
            raise ShapeError(
                f"{name} must have contiguous pixels within rows and a positive row stride "
                f"(got strides {arr.strides}; a row-strided crop is fine); pass "
                "np.ascontiguousarray(x). The object never copies frames."
            )
        return arr

    @property
    def guide_shape(self) -> tuple[int, ...]:
        h, w = self.shape[:2]
        return (h, w) if self.guide_channels == 1 else (h, w, 3)

    @property
    def scratch_nbytes(self) -> int:
        """Bytes of scratch memory this object holds (O(threads x width x radius))."""
        return int(self._workspace.nbytes)

    def set_guide(self, guide: NDArray[Any]) -> None:
        """Set the guide used by the following calls (kept by reference, not copied).

        The guide must not be modified while it is in use. A ``(H, W, 1)`` guide is accepted
        for a one-channel filter.
        """
        if _cuda.is_cuda_array(guide):
            self._enter("set_guide")
            try:
                self._device_state().set_guide(guide)
            finally:
                self._busy.release()
            return
        if isinstance(guide, np.ndarray) and guide.ndim == 3 and guide.shape[2] == 1:
            guide = guide[:, :, 0]
        checked = self._check_frame(guide, "guide", self.guide_shape, self.guide_dtype)
        self._enter("set_guide")
        try:
            self._guide = checked
        finally:
            self._busy.release()

    def __call__(self, target: NDArray[Any], *, out: NDArray[Any] | None = None) -> NDArray[Any]:
        """Filter one frame with the current guide; returns `out` when given.

        Raises :class:`~jointfilter.errors.ConcurrentUseError` if another thread is using
        this object at the same moment.
        """
        self._enter("__call__")
        try:
            return self._filter(target, out)
        finally:
            self._busy.release()

    def _device_state(self) -> _cuda.DeviceGuidedFilter:
        """The GPU workspace holder, created on first use with CUDA arrays."""
        if self._device is None:
            self._device = _cuda.DeviceGuidedFilter(
                self.shape,
                self.dtype,
                self.guide_shape,
                self.guide_dtype,
                self.out_dtype,
                radius=self.radius,
                subsample=self.subsample,
                decimation=self._decimation_code,
                border_code=self._border_code,
                eps_abs=self._eps_abs,
            )
        return self._device

    def _filter(self, target: NDArray[Any], out: NDArray[Any] | None) -> NDArray[Any]:
        if _cuda.is_cuda_array(target):
            return self._device_state()(target, out)
        if self._guide is None:
            raise ParameterError("no guide set: call set_guide(guide) before filtering.")
        t = self._check_frame(target, "target", self.shape, self.dtype)
        if out is None:
            out = np.empty(self.shape, self.out_dtype)
        else:
            self._check_frame(out, "out", self.shape, self.out_dtype)
            if not out.flags.writeable:
                raise ParameterError("out is read-only; pass a writable array.")
            if v._overlaps_itself(out):
                raise ParameterError(
                    f"out overlaps itself (strides {out.strides} for shape {out.shape}: its "
                    "rows share memory); pass an array with distinct elements, e.g. "
                    "np.empty_like(target)."
                )
            if np.may_share_memory(out, t) or np.may_share_memory(out, self._guide):
                raise ParameterError("out overlaps target or guide; pass a separate array.")
        if t.size == 0:
            return out
        if self.radius == 0:
            _cast_into(out, t)
            return out
        try:
            _core.guided_filter(
                t,
                self._guide,
                out,
                self.radius,
                self._eps_abs,
                self._border_code,
                self.subsample,
                self._workspace,
                self._single,
                decimation=self._decimation_code,
            )
        except NonFiniteError as exc:
            raise _nonfinite((("target", t), ("guide", self._guide)), exc) from None
        return out

    def close(self) -> None:
        """Release the scratch memory and the guide reference."""
        self._enter("close")
        try:
            self._workspace = _core.Workspace()
            self._guide = None
            if self._device is not None:
                self._device.close()
                self._device = None
        finally:
            self._busy.release()

    def __enter__(self) -> GuidedFilter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
