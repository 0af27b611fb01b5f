"""Model objects: array conventions, padding to the model's multiple, tiling, batching.

Backend-agnostic: a model holds a :class:`~jointfilter.models._backends.Backend` that maps
float32 NCHW arrays to outputs. No torch import here.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._backends import Backend
from ._errors import (
    DTypeError,
    JointFilterError,
    ModelError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)
from ._registry import ModelSpec

__all__ = ["BlurCNNModel", "DerainModel", "ImageModel", "Model", "StochasticModel", "make_model"]

_AUTO_TILE_PIXELS = 1024 * 1024
_AUTO_TILE = 512


# ----------------------------------------------------------------------------- conversions
def _scale_of(dtype: np.dtype) -> float | None:
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    if dtype in (np.float32, np.float64):
        return None
    return -1.0


def _to_float(image: np.ndarray, name: str) -> np.ndarray:
    """Copy to float32 in [0, 1] units (integers scaled by their range)."""
    if not isinstance(image, np.ndarray):
        msg = f"{name} must be a numpy.ndarray; got {type(image).__name__}"
        raise DTypeError(msg)
    scale = _scale_of(image.dtype)
    if scale is not None and scale < 0:
        native = image.dtype.newbyteorder("=")
        if not image.dtype.isnative and _scale_of(native) != -1.0:
            msg = (
                f"{name} must have dtype uint8, uint16, float32 or float64 in native byte "
                f"order; got {image.dtype} (non-native byte order): convert it with "
                f"{name}.astype(np.{native.name})"
            )
        else:
            msg = (
                f"{name} must have dtype uint8, uint16, float32 or float64; got {image.dtype}; "
                f"convert it first, e.g. {name}.astype(np.float32) / max_value"
            )
        raise DTypeError(msg)
    if scale is None and not np.isfinite(image).all():
        msg = (
            f"{name} contains NaN or Inf; the network would spread them over its receptive "
            f"field. Replace them first, e.g. np.nan_to_num({name})"
        )
        raise NonFiniteError(msg)
    with np.errstate(over="ignore"):  # float64 beyond float32's range: reported just below
        out = image.astype(np.float32, copy=True)
    if scale is not None:
        out /= np.float32(scale)
    elif not np.isfinite(out).all():
        msg = (
            f"{name} has values beyond float32's range (up to {float(np.abs(image).max()):g}); "
            "float images must be in [0, 1]"
        )
        raise ParameterError(msg)
    return out


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An int >= `minimum` (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        msg = f"{name} must be an int >= {minimum}; got {value!r}"
        raise ParameterError(msg)
    return int(value)


def _from_float(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    scale = _scale_of(dtype)
    if scale is None:
        return x.astype(dtype, copy=False)
    return np.rint(x * np.float32(scale)).astype(dtype)


def _check_layout(image: np.ndarray, name: str) -> None:
    if not isinstance(image, np.ndarray):
        msg = f"{name} must be a numpy.ndarray; got {type(image).__name__}"
        raise DTypeError(msg)
    if image.ndim not in (2, 3):
        msg = (
            f"{name} must have shape (H, W) or (H, W, C); got {image.shape}; pass a batch as "
            "a list of frames or a 4-D (N, H, W, C) array"
        )
        raise ShapeError(msg)
    if image.ndim == 3:
        c = image.shape[2]
        if c > 4 and image.shape[0] <= 4:
            msg = (
                f"{name} with shape {image.shape} looks like CHW; channels must be last: "
                f"use np.moveaxis({name}, 0, -1)"
            )
            raise ShapeError(msg)
        if c not in (1, 3, 4):
            msg = f"{name} must have 1, 3 or 4 channels (RGB[A] or grey); got shape {image.shape}"
            raise ShapeError(msg)


def _to_rgb(x: np.ndarray) -> tuple[np.ndarray, str, np.ndarray | None]:
    """HWC/HW float -> HW3 plus a tag to undo it (grey: mean of channels; RGBA: alpha kept)."""
    if x.ndim == 2:
        return np.repeat(x[:, :, None], 3, axis=2), "gray2", None
    if x.shape[2] == 1:
        return np.repeat(x, 3, axis=2), "gray3", None
    if x.shape[2] == 4:
        return x[:, :, :3], "rgba", x[:, :, 3:]
    return x, "rgb", None


def _from_rgb(y: np.ndarray, tag: str, alpha: np.ndarray | None) -> np.ndarray:
    if tag == "gray2":
        return y.mean(axis=2)
    if tag == "gray3":
        return y.mean(axis=2, keepdims=True)
    if tag == "rgba":
        return np.concatenate([y, alpha], axis=2)
    return y


def _pad_to(x: np.ndarray, multiple: int) -> tuple[np.ndarray, int, int]:
    """Reflect-pad NCHW bottom/right to a multiple (edge padding on 1-pixel axes)."""
    h, w = x.shape[2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return x, h, w
    mode_h = "reflect" if h > 1 else "edge"
    mode_w = "reflect" if w > 1 else "edge"
    if mode_h == mode_w:
        x = np.pad(x, ((0, 0), (0, 0), (0, ph), (0, pw)), mode=mode_h)
    else:
        x = np.pad(x, ((0, 0), (0, 0), (0, ph), (0, 0)), mode=mode_h)
        x = np.pad(x, ((0, 0), (0, 0), (0, 0), (0, pw)), mode=mode_w)
    return x, h, w


def _starts(n: int, tile: int, stride: int) -> list[int]:
    s = [0]
    while s[-1] + tile < n:
        s.append(s[-1] + stride)
    return s


def _ramp(n: int, start: int, stop: int, overlap: int) -> np.ndarray:
    """Blend weights along one axis of a tile: 0 within overlap/4 of an inner edge, then a
    linear ramp to 1 over overlap/2. Image borders get weight 1 (no neighbour there)."""
    idx = np.arange(start, stop, dtype=np.float64)
    big = np.full(idx.shape, np.inf)
    d_lo = idx - start if start > 0 else big
    d_hi = (stop - 1) - idx if stop < n else big
    d = np.minimum(d_lo, d_hi)
    if overlap <= 0:
        return np.ones_like(idx)
    q = overlap / 4.0
    return np.clip((d - q + 0.5) / (overlap / 2.0), 0.0, 1.0)


class _Prepared(NamedTuple):
    """One frame checked and converted for the backend (``result`` set: nothing to run)."""

    index: int
    image: np.ndarray
    rgb: np.ndarray | None  # H x W x 3 float32 in [0, 1]
    tag: str
    alpha: np.ndarray | None
    nchw: np.ndarray | None  # 1 x 3 x H x W, padded to the multiple unless tiled
    extras: list[np.ndarray]
    tiled: bool
    result: Any


# ----------------------------------------------------------------------------- models
class Model:
    """Base class of loaded models.

    Attributes
    ----------
    spec : ModelSpec
        Registry entry (name, kind, multiple, card).
    backend : Backend
        The inference backend (``backend.name`` is ``"torch"``, ``"onnx"`` or ``"torch-eager"``).
    """

    def __init__(self, spec: ModelSpec, backend: Backend) -> None:
        self.spec = spec
        self.backend = backend

    @property
    def name(self) -> str:
        """Registry name, or the file name for models loaded from a path."""
        return self.spec.name

    @property
    def card(self) -> dict[str, Any]:
        """Model card: architecture, parameters, training data and protocol, quality."""
        return dict(self.spec.card)

    @property
    def multiple(self) -> int:
        """H and W are padded up to a multiple of this."""
        return self.spec.multiple

    def __repr__(self) -> str:
        return (
            f"<jointfilter.models.{type(self).__name__} {self.name!r} kind={self.spec.kind!r} "
            f"backend={self.backend.name!r}>"
        )

    n_outputs = 1

    def _run_backend(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """``backend.run`` with runtime failures reported as :class:`ModelError`.

        A network that does not follow the declared convention (a file loaded with a wrong
        ``kind=``, ``multiple=`` or ``latent_dim=``) fails inside the runtime with a long
        runtime-specific message, or returns too few outputs.
        """
        hint = (
            "check kind=, multiple= and latent_dim= of load() (or the .json side file)"
            if self.name not in _registry_names()
            else "please report it"
        )
        try:
            outs = self.backend.run(inputs)
        except (JointFilterError, MemoryError):
            raise
        except Exception as e:
            lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()] or [""]
            # TorchScript puts its serialized traceback first and the cause last
            first = lines[-1] if lines[0].startswith("The following operation failed") else lines[0]
            shapes = ", ".join(str(tuple(a.shape)) for a in inputs)
            msg = (
                f"model {self.name!r} (kind {self.spec.kind!r}, multiple {self.multiple}) failed "
                f"on inputs of shape {shapes}: {type(e).__name__}: {first}; {hint}"
            )
            raise ModelError(msg) from e
        if len(outs) < self.n_outputs:
            msg = (
                f"model {self.name!r} returned {len(outs)} output(s); a {self.spec.kind!r} "
                f"model returns {self.n_outputs}; {hint}"
            )
            raise ModelError(msg)
        return outs


class ImageModel(Model):
    """Image-to-image restoration model (``kind="image"``): ``model(image) -> image``."""

    n_extra_outputs = 0

    def _extra_inputs(self, n: int, index: int, kw: dict[str, Any]) -> list[np.ndarray]:
        return []

    def _check_kwargs(self, kw: dict[str, Any]) -> None:
        if kw:
            msg = f"unexpected keyword arguments for a {self.spec.kind!r} model: {sorted(kw)}"
            raise ParameterError(msg + _load_time_hint(kw))

    def __call__(
        self,
        image: np.ndarray | Sequence[np.ndarray],
        *,
        tile: int | None = None,
        overlap: int = 32,
        batch_size: int = 4,
        **kwargs: Any,
    ) -> Any:
        """Run the model on one image or a batch of frames.

        Parameters
        ----------
        image : ndarray or sequence of ndarray
            ``(H, W)``, ``(H, W, C)`` with C in {1, 3, 4}, a 4-D ``(N, H, W, C)`` stack or a
            list of frames. dtype uint8, uint16, float32 or float64 (floats in [0, 1]). Grey
            input is run as RGB and converted back (channel mean); alpha passes through.
        tile : int, optional
            Tile size in pixels (rounded up to the model's multiple). ``None``: whole image up
            to 1 MP, 512-px tiles above. ``0``: never tile.
        overlap : int
            Overlap between tiles (rounded up to the multiple); seams are blended with a ramp
            that ignores each tile's outer quarter-overlap, so a model whose receptive field
            radius is <= overlap/4 gives the whole-image result.
        batch_size : int
            Frames (or tiles) per backend call: consecutive untiled frames of the same size
            go through the backend together.

        Returns
        -------
        ndarray or list of ndarray
            Same shape and dtype as the input (integers rounded and saturated, floats clipped
            to [0, 1]); a list for list input, a 4-D array for 4-D input.
        """
        self._check_kwargs(dict(kwargs))
        self._validate_tiling(tile, overlap, batch_size)
        frames, form = self._frames(image)
        if form == "empty-stack":  # (0, H, W, C): nothing to run, same shape and dtype back
            return self._empty_stack(frames[0])
        n = len(frames)
        results: list[Any] = [None] * n
        group: list[_Prepared] = []

        def flush() -> None:
            for p, r in zip(group, self._run_batch(group), strict=True):
                results[p.index] = r
            group.clear()

        for i, f in enumerate(frames):
            p = self._prepare(f, i, n, tile, kwargs)
            if p.result is not None or p.tiled:
                flush()
                results[i] = (
                    p.result
                    if p.result is not None
                    else self._run_tiled(p, tile or _AUTO_TILE, overlap, batch_size)
                )
                continue
            if group and (group[0].nchw.shape[2:] != p.nchw.shape[2:] or len(group) >= batch_size):
                flush()
            group.append(p)
        flush()
        return self._pack(results, form)

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _frames(image: Any) -> tuple[list[np.ndarray], str]:
        if isinstance(image, (list, tuple)):
            if not image:
                msg = "image must be an array or a non-empty list of arrays; got an empty list"
                raise ShapeError(msg)
            return list(image), "list"
        if isinstance(image, np.ndarray) and image.ndim == 4:
            if image.shape[0] == 0:
                return [image], "empty-stack"
            return list(image), "stack"
        return [image], "single"

    def _empty_stack(self, stack: np.ndarray) -> Any:
        """Result for a ``(0, H, W, C)`` stack after checking its frame layout and dtype."""
        frame = np.zeros(stack.shape[1:], stack.dtype)
        _check_layout(frame, "image[0]")
        _to_float(frame, "image")
        out = stack.copy()
        return (out, np.zeros((0,), np.float64)) if self.n_extra_outputs else out

    def _pack(self, results: list[Any], form: str) -> Any:
        if form == "single":
            return results[0]
        if form == "stack":
            if self.n_extra_outputs:
                return (
                    np.stack([r[0] for r in results]),
                    np.stack([np.asarray(r[1]) for r in results]),
                )
            return np.stack(results)
        if self.n_extra_outputs:
            return [r[0] for r in results], [r[1] for r in results]
        return results

    def _validate_tiling(self, tile: int | None, overlap: int, batch_size: int) -> None:
        if tile is not None and (
            isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 0
        ):
            msg = f"tile must be None, 0 or a positive int (pixels); got {tile!r}"
            raise ParameterError(msg)
        if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or overlap < 0:
            msg = f"overlap must be a non-negative int (pixels); got {overlap!r}"
            raise ParameterError(msg)
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            msg = f"batch_size must be a positive int; got {batch_size!r}"
            raise ParameterError(msg)
        if tile:  # checked whatever the image size, so the error does not depend on the data
            self._rounded_tiling(int(tile), int(overlap))

    def _rounded_tiling(self, tile: int, overlap: int) -> tuple[int, int]:
        """Tile and overlap rounded up to the model's multiple (overlap < tile checked)."""
        m = self.multiple
        tile = -(-tile // m) * m
        overlap = -(-overlap // m) * m
        if overlap >= tile:
            msg = (
                f"overlap ({overlap} px after rounding to the model's multiple {m}) must be "
                f"smaller than tile ({tile} px): pass a smaller overlap= or a larger tile="
            )
            raise ParameterError(msg)
        return tile, overlap

    def _prepare(
        self, image: np.ndarray, index: int, n_frames: int, tile: int | None, kw: dict[str, Any]
    ) -> _Prepared:
        """Check and convert one frame; decide whether it is tiled."""
        name = "image" if n_frames == 1 else f"image[{index}]"
        _check_layout(image, name)
        x = _to_float(image, name)
        if x.size == 0:
            out = image.copy()
            res = (out, self._empty_extra()) if self.n_extra_outputs else out
            return _Prepared(index, image, None, "", None, None, [], False, res)
        rgb, tag, alpha = _to_rgb(x)
        nchw = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None])
        extras = self._extra_inputs(n_frames, index, kw)
        h, w = nchw.shape[2:]
        if tile is None:
            tile = _AUTO_TILE if h * w > _AUTO_TILE_PIXELS else 0
        tiled = bool(tile) and (h > tile or w > tile)
        if not tiled:
            nchw = _pad_to(nchw, self.multiple)[0]
        return _Prepared(index, image, rgb, tag, alpha, nchw, extras, tiled, None)

    def _run_batch(self, group: list[_Prepared]) -> list[Any]:
        """Untiled frames of equal padded size in one backend call."""
        if not group:
            return []
        batch = group[0].nchw if len(group) == 1 else np.concatenate([p.nchw for p in group])
        extras = [
            e if len(group) == 1 else np.concatenate([p.extras[k] for p in group])
            for k, e in enumerate(group[0].extras)
        ]
        outs = self._run_backend([batch, *extras])
        results = []
        for i, p in enumerate(group):
            h, w = p.rgb.shape[:2]
            y = outs[0][i : i + 1, :, :h, :w]
            results.append(self._finish(p, y, [o[i : i + 1] for o in outs[1:]]))
        return results

    def _run_tiled(self, p: _Prepared, tile: int, overlap: int, batch_size: int) -> Any:
        y, extra = self._tiled(p.nchw, p.extras, tile, overlap, batch_size)
        return self._finish(p, y, extra)

    def _finish(self, p: _Prepared, y: np.ndarray, extra: list[np.ndarray]) -> Any:
        y_hwc = _from_rgb(y[0].transpose(1, 2, 0), p.tag, p.alpha)
        out = _from_float(y_hwc, p.image.dtype)
        if self.n_extra_outputs:
            return out, self._postprocess_extra(extra, p.rgb, y[0].transpose(1, 2, 0))
        return out

    def _empty_extra(self) -> Any:
        return None

    def _postprocess_extra(
        self, extra: list[np.ndarray], rgb_in: np.ndarray, rgb_out: np.ndarray
    ) -> Any:
        """The model's extra outputs for one frame (``rgb_in``/``rgb_out``: HxWx3 in [0, 1])."""
        return extra

    def _tiled(
        self, x: np.ndarray, extras: list[np.ndarray], tile: int, overlap: int, batch_size: int
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        m = self.multiple
        tile, overlap = self._rounded_tiling(tile, overlap)
        h, w = x.shape[2:]
        stride = tile - overlap
        boxes = [
            (y0, min(y0 + tile, h), x0, min(x0 + tile, w))
            for y0 in _starts(h, tile, stride)
            for x0 in _starts(w, tile, stride)
        ]
        acc = np.zeros((1, x.shape[1], h, w), np.float64)
        wsum = np.zeros((h, w), np.float64)
        extra_acc: list[np.ndarray] | None = None
        extra_w = 0.0
        for b0 in range(0, len(boxes), batch_size):
            group = boxes[b0 : b0 + batch_size]
            # tiles of equal padded size go through the backend together
            by_shape: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
            for bx in group:
                hh, ww = bx[1] - bx[0], bx[3] - bx[2]
                by_shape.setdefault((-(-hh // m) * m, -(-ww // m) * m), []).append(bx)
            for bxs in by_shape.values():
                crops = [_pad_to(x[:, :, y0:y1, x0:x1], m)[0] for (y0, y1, x0, x1) in bxs]
                batch = np.concatenate(crops, axis=0)
                ex = [np.repeat(e, len(bxs), axis=0) for e in extras]
                outs = self._run_backend([batch, *ex])
                for i, (y0, y1, x0, x1) in enumerate(bxs):
                    wy = _ramp(h, y0, y1, overlap)
                    wx = _ramp(w, x0, x1, overlap)
                    wt = wy[:, None] * wx[None, :]
                    acc[:, :, y0:y1, x0:x1] += outs[0][i : i + 1, :, : y1 - y0, : x1 - x0] * wt
                    wsum[y0:y1, x0:x1] += wt
                    area = float(wt.sum())
                    vals = [o[i : i + 1].astype(np.float64) * area for o in outs[1:]]
                    extra_acc = (
                        vals
                        if extra_acc is None
                        else [a + v for a, v in zip(extra_acc, vals, strict=False)]
                    )
                    extra_w += area
        y = (acc / np.maximum(wsum, 1e-12)).astype(np.float32)
        extra = (
            []
            if extra_acc is None
            else [(e / max(extra_w, 1e-12)).astype(np.float32) for e in extra_acc]
        )
        return y, extra


def _registry_names() -> set[str]:
    from ._registry import REGISTRY

    return set(REGISTRY)


class DerainModel(ImageModel):
    """Rain removal with a continuous rain-density estimate (``kind="derain"``).

    ``model(image)`` returns ``(derained, density)``: the derained image (same shape and dtype)
    and the density estimate, a float: the mean brightness the network removed,
    ``mean(max(image - derained, 0))`` over pixels and colour channels in [0, 1] units (rain
    streaks only ever add light, so this is the amount of rain taken out; 0 for a rain-free
    image that is returned unchanged). For a list or 4-D input both are lists / arrays.

    ``model.density_per_scale`` after a call holds the CODE-Net read-out: the mean channel-
    attention weight of the last unrolled step, one value per dictionary scale. It orders rain
    levels of one scene perfectly but depends on the scene's content (benchmark: Spearman 1.00
    per scene, 0.86 pooled over scenes, against 0.94 pooled for ``density``), which is why it is
    not the headline estimate.
    """

    n_extra_outputs = 1
    n_outputs = 2

    def __init__(self, spec: ModelSpec, backend: Backend) -> None:
        super().__init__(spec, backend)
        self.density_per_scale: np.ndarray | None = None

    def _empty_extra(self) -> Any:
        return float("nan")

    def _postprocess_extra(
        self, extra: list[np.ndarray], rgb_in: np.ndarray, rgb_out: np.ndarray
    ) -> Any:
        self.density_per_scale = np.asarray(extra[0], np.float32).reshape(-1)
        removed = np.clip(rgb_in, 0.0, 1.0) - np.clip(rgb_out, 0.0, 1.0)
        return float(np.maximum(removed, 0.0, dtype=np.float64).mean())


class StochasticModel(ImageModel):
    """Stochastic enhancement steered by a latent code (``kind="stochastic"``).

    ``model(image, z=..., seed=...)``: ``z`` is a vector of ``latent_dim`` values (or one per
    frame, shape ``(N, latent_dim)``); ``seed`` draws ``z ~ N(0, I)`` reproducibly (one per
    frame). Neither: ``z = 0`` (the mean enhancement). Same ``z`` -> same output.
    """

    def _check_kwargs(self, kw: dict[str, Any]) -> None:
        extra = set(kw) - {"z", "seed"}
        if extra:
            msg = f"unexpected keyword arguments for a stochastic model: {sorted(extra)}"
            raise ParameterError(msg + _load_time_hint(extra))
        if kw.get("z") is not None and kw.get("seed") is not None:
            msg = "pass either z= or seed=, not both"
            raise ParameterError(msg)
        if kw.get("z") is not None:
            self._check_z(kw["z"])
        _check_seed(kw.get("seed"))

    def _check_z(self, z: Any) -> None:
        try:
            za = np.asarray(z, dtype=np.float64)
        except (TypeError, ValueError) as e:
            msg = (
                f"z must be numbers, shape ({self.latent_dim},) or (n_frames, "
                f"{self.latent_dim}); got {type(z).__name__} {z!r:.60}"
            )
            raise DTypeError(msg) from e
        if not np.isfinite(za).all():
            msg = "z contains NaN or Inf; pass a finite latent code (e.g. z ~ N(0, I))"
            raise NonFiniteError(msg)

    @property
    def latent_dim(self) -> int:
        """Length of the latent code ``z``."""
        return self.spec.latent_dim

    def _extra_inputs(self, n: int, index: int, kw: dict[str, Any]) -> list[np.ndarray]:
        L = self.latent_dim
        z = kw.get("z")
        seed = kw.get("seed")
        if z is not None:
            za = np.asarray(z, dtype=np.float32)
            if za.shape == (L,):
                za = za[None]
            elif za.shape == (n, L):
                za = za[index : index + 1]
            else:
                msg = f"z must have shape ({L},) or (n_frames={n}, {L}); got {za.shape}"
                raise ShapeError(msg)
            return [np.ascontiguousarray(za)]
        if seed is not None:
            za = np.random.default_rng(seed).standard_normal((n, L)).astype(np.float32)
            return [za[index : index + 1]]
        return [np.zeros((1, L), np.float32)]

    def sample(
        self, image: np.ndarray, n: int = 8, *, seed: int | None = 0, **kwargs: Any
    ) -> list[np.ndarray]:
        """``n`` enhancements of one image with ``z ~ N(0, I)`` drawn from ``seed``.

        Parameters
        ----------
        image : ndarray or sequence of ndarray
            As for a model call (a list or 4-D stack gives a list of lists / stacks, one
            per draw, each draw's ``z`` shared by all frames).
        n : int
            Number of draws (>= 0).
        seed : int or None
            Seed of the draws (``None``: fresh randomness, not reproducible).
        **kwargs
            ``tile``, ``overlap``, ``batch_size`` as for a model call (``z`` is not
            accepted: call ``model(image, z=z)`` to run a chosen code).

        Returns
        -------
        list
            ``n`` results, each of the input's shape and dtype.
        """
        n = _positive_int(n, "n", 0)
        _check_seed(seed)
        if "z" in kwargs:
            msg = (
                "sample() draws z ~ N(0, I) itself from seed=; to run one chosen latent code "
                "call the model directly: model(image, z=z)"
            )
            raise ParameterError(msg)
        zs = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return [self(image, z=z, **kwargs) for z in zs]


def _load_time_hint(kw: Any) -> str:
    """Point options of ``load()`` passed to a model call back to ``load()``."""
    at_load = sorted(set(kw) & {"backend", "device", "half"})
    if not at_load:
        return ""
    return (
        f"; {', '.join(at_load)} {'is' if len(at_load) == 1 else 'are'} chosen when loading: "
        f"jointfilter.models.load(name, {', '.join(k + '=...' for k in at_load)})"
    )


def _check_seed(seed: Any) -> None:
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        msg = f"seed must be None or an int >= 0; got {seed!r}"
        raise ParameterError(msg)


class BlurCNNModel(Model):
    """Blur-detection CNN for infrared/visible (multi-focus) fusion (``kind="pairs"``).

    ``model(a, b)`` returns a float32 map in [0, 1]: for each pixel, the mean over the 32x32
    windows covering it of P(window of ``a`` is sharper than the same window of ``b``), each
    window scored in both orders ([a; b] and [b; a]) and averaged.
    """

    window = 32

    def classify(self, pairs: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Logits ``(N, 2)`` for raw pairs ``(N, 3, 64, 32)`` (class 0 = top half sharper)."""
        batch_size = _positive_int(batch_size, "batch_size")
        try:
            pairs = np.asarray(pairs, np.float32)
        except (TypeError, ValueError) as e:
            msg = f"pairs must be a float array of shape (N, 3, 64, 32); got {type(pairs).__name__}"
            raise DTypeError(msg) from e
        if pairs.ndim != 4 or pairs.shape[1:] != (3, 64, 32):
            msg = f"pairs must have shape (N, 3, 64, 32); got {pairs.shape}"
            raise ShapeError(msg)
        if not np.isfinite(pairs).all():
            msg = "pairs contains NaN or Inf; replace them first, e.g. np.nan_to_num(pairs)"
            raise NonFiniteError(msg)
        outs = [
            self._run_backend([pairs[i : i + batch_size]])[0]
            for i in range(0, len(pairs), batch_size)
        ]
        return np.concatenate(outs) if outs else np.zeros((0, 2), np.float32)

    @staticmethod
    def features(gray: np.ndarray) -> np.ndarray:
        """``H x W x 3`` network channels (intensity, |Sobel x|/4, |Sobel y|/4) of a grey image.

        NumPy only (no SciPy at inference); equal to the training features computed with
        ``scipy.ndimage.sobel(mode="reflect")`` (half-sample symmetric borders).
        """
        g = gray.astype(np.float32)
        p = np.pad(g, 1, mode="symmetric")
        dx = p[:, 2:] - p[:, :-2]
        gx = dx[:-2] + 2 * dx[1:-1] + dx[2:]
        dy = p[2:, :] - p[:-2, :]
        gy = dy[:, :-2] + 2 * dy[:, 1:-1] + dy[:, 2:]
        gx = np.clip(np.abs(gx) / 4.0, 0, 1)
        gy = np.clip(np.abs(gy) / 4.0, 0, 1)
        return np.stack([g, gx, gy], axis=-1).astype(np.float32)

    def __call__(
        self, a: np.ndarray, b: np.ndarray, *, stride: int = 8, batch_size: int = 1024
    ) -> np.ndarray:
        """Soft decision map: probability that ``a`` is the sharper source at each pixel.

        Parameters
        ----------
        a, b : ndarray
            Registered images of the same (H, W), grey or RGB (RGB is converted to luma);
            uint8, uint16, float32 or float64. H and W must be >= 32.
        stride : int
            Window stride in pixels (8 as in the reference pipeline), at most the window (32).
        batch_size : int
            Window pairs per backend call.

        Returns
        -------
        ndarray
            ``(H, W)`` float32 in [0, 1].
        """
        ga, gb = self._gray(a, "a"), self._gray(b, "b")
        if ga.shape != gb.shape:
            msg = f"a and b must have the same (H, W); got {ga.shape} and {gb.shape}"
            raise ShapeError(msg)
        stride = _positive_int(stride, "stride")
        batch_size = _positive_int(batch_size, "batch_size")
        h, w = ga.shape
        k = self.window
        if stride > k:  # windows every `stride` pixels would leave pixels no window covers
            msg = (
                f"stride must be <= the window ({k} pixels) so that every pixel is scored; "
                f"got {stride}. Use the default 8, or at most {k}."
            )
            raise ParameterError(msg)
        if h < k or w < k:
            msg = f"a and b must be at least {k}x{k}; got {ga.shape}"
            raise ShapeError(msg)
        fa, fb = self.features(ga), self.features(gb)
        ys = sorted(set([*list(range(0, h - k + 1, stride)), h - k]))
        xs = sorted(set([*list(range(0, w - k + 1, stride)), w - k]))
        coords = [(y, x) for y in ys for x in xs]
        wa = np.stack([fa[y : y + k, x : x + k] for y, x in coords]).transpose(0, 3, 1, 2)
        wb = np.stack([fb[y : y + k, x : x + k] for y, x in coords]).transpose(0, 3, 1, 2)
        p1 = _softmax0(self.classify(np.concatenate([wa, wb], axis=2), batch_size))
        p2 = _softmax0(self.classify(np.concatenate([wb, wa], axis=2), batch_size))
        score = 0.5 * (p1 + (1.0 - p2))
        acc = np.zeros((h, w), np.float64)
        cnt = np.zeros((h, w), np.float64)
        for (y, x), s in zip(coords, score, strict=False):
            acc[y : y + k, x : x + k] += s
            cnt[y : y + k, x : x + k] += 1
        return (acc / np.maximum(cnt, 1)).astype(np.float32)

    @staticmethod
    def _gray(img: np.ndarray, name: str) -> np.ndarray:
        _check_layout(img, name)
        x = _to_float(img, name)
        if x.ndim == 3:
            x = (
                x[:, :, 0]
                if x.shape[2] == 1
                else x[:, :, :3] @ np.array([0.299, 0.587, 0.114], np.float32)
            )
        return x


def _softmax0(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e[:, 0] / e.sum(axis=1)).astype(np.float32)


def make_model(spec: ModelSpec, backend: Backend) -> Model:
    """Wrap a backend in the model class of ``spec.kind``."""
    cls = {
        "image": ImageModel,
        "derain": DerainModel,
        "stochastic": StochasticModel,
        "pairs": BlurCNNModel,
    }.get(spec.kind)
    if cls is None:
        msg = f"kind must be 'image', 'derain', 'stochastic' or 'pairs'; got {spec.kind!r}"
        raise ParameterError(msg)
    return cls(spec, backend)
