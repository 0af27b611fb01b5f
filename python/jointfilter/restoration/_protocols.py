"""Synthetic degradation protocols: (target, guide, ground truth) from a clean image.

Every protocol takes a clean float image in [0, 1] (``(H, W, 3)``; a gray image is stacked to
three channels) and a seed, and returns a :class:`Sample` in float32 [0, 1]. The same
protocols drive the tests (scikit-image sample images) and the benchmark (Kodak images in
``../shared/data/clean`` when present). All randomness comes from
``numpy.random.default_rng(seed)``.

``flash_denoise``
    Ambient truth = clean x warm tint [1.0, 0.85, 0.65] x 0.35 (dim, warm light). Target =
    Poisson-Gaussian noise on it (``peak`` photons at 1.0, default 60; read noise 0.01).
    Guide (flash) = clean x cool tint [0.9, 0.95, 1.0] x radial fall-off (1 at the centre,
    0.6 in the corners), a specular highlight (saturated Gaussian blob) and a hard flash
    shadow (a band at 55 % brightness), plus Gaussian noise 0.005.
``flash_deblur``
    Same ambient truth and flash; target = ambient blurred by a Gaussian (sigma 2.0 px at a
    512-pixel short side, scaled with size) + Gaussian noise 0.005.
``nir_dehaze``
    Truth = clean RGB. Scene depth = vertical ramp (far at the top) + a smooth random field.
    Hazy target = ``J t + A (1 - t)`` with ``t = exp(-1.6 d)``, airlight A = [0.85, 0.88,
    0.92], + noise 0.005. NIR guide = luma with a vegetation boost (``0.3R + 0.5G + 0.2B`` +
    0.3 x max(G - R, 0)), through 3x less haze, + noise 0.005.
``day_night``
    Night truth = clean x night illumination (0.12 ambient + three street-lamp Gaussian glows)
    x sodium tint [1.0, 0.8, 0.5]. Target = night truth with Poisson-Gaussian noise (peak
    40) after a 1 px Gaussian blur. Guide (day) = clean x a smooth daylight gradient
    (0.85-1.0), + noise 0.003.
``structure_transfer``
    Truth = clean RGB. Target (background) = clean blurred by a Gaussian (sigma 3 px at 512)
    with a colour shift: its detail is gone. Guide (foreground) = gray ``luma**0.8`` (a
    different tone curve), + noise 0.003. ``strength = 1`` restores the lost detail.
``depth_upsample``
    A scene of 5 layers (a smooth random field quantised into 5 levels): truth depth is a
    plane per layer in [0.1, 0.9]; the RGB guide is the clean image with a random tint and
    offset per layer (objects at different depths differ in colour, so depth edges are colour
    edges, while the clean image's texture is not in the depth). Target = truth
    box-downsampled by ``factor`` (default 4) + Gaussian noise 0.005.
``noisy`` (for ``task=None``)
    Any protocol's guide and truth, with the target = truth + Gaussian noise (sigma 0.05),
    resized to the guide for depth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._common import box_mean, luminance

__all__ = ["PROTOCOLS", "Sample", "make_noisy", "make_sample"]

F32 = NDArray[np.float32]


@dataclass
class Sample:
    """One synthetic case: degraded target, guide, ground truth and the task's overrides."""

    target: F32
    guide: F32
    truth: F32
    task: str
    overrides: dict[str, Any] = field(default_factory=dict)


def _rgb(clean: NDArray[Any]) -> F32:
    x = np.asarray(clean, np.float32)
    if x.dtype.kind != "f" or x.max() > 1.0:
        x = x / np.float32(255.0)
    if x.ndim == 2:
        x = np.repeat(x[:, :, None], 3, axis=2)
    return np.ascontiguousarray(x[:, :, :3], np.float32)


def _gauss_blur(x: F32, sigma: float) -> F32:
    """Gaussian blur approximated by three box passes (variance r(r+1) per pass)."""
    if sigma <= 0:
        return x
    var_per = sigma * sigma / 3.0
    r = max(1, round((-1 + np.sqrt(1 + 4 * var_per)) / 2))
    y = x
    for _ in range(3):
        y = box_mean(y, r)
    return y


def _scale(shape: tuple[int, ...]) -> float:
    return min(shape[0], shape[1]) / 512.0


def _poisson_gauss(x: F32, rng: np.random.Generator, peak: float, read: float) -> F32:
    y = rng.poisson(np.clip(x, 0, None) * peak).astype(np.float32) / np.float32(peak)
    y += rng.normal(0.0, read, x.shape).astype(np.float32)
    return y


def _flash(clean: F32, rng: np.random.Generator) -> F32:
    h, w = clean.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rr = np.hypot((yy - h / 2) / (h / 2), (xx - w / 2) / (w / 2)) / np.sqrt(2)
    falloff = 1.0 - 0.4 * rr**2
    f = clean * np.array([0.9, 0.95, 1.0], np.float32) * falloff[:, :, None]
    # a hard flash shadow: a band beside the centre at 55 % brightness
    x0 = int(w * rng.uniform(0.15, 0.3))
    f[:, x0 : x0 + max(2, w // 20)] *= 0.55
    # a specular highlight
    cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
    s = 0.03 * min(h, w)
    spec = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    f = f + 0.8 * spec[:, :, None]
    f += rng.normal(0.0, 0.005, f.shape).astype(np.float32)
    return np.clip(f, 0.0, 1.0).astype(np.float32)


def _ambient(clean: F32) -> F32:
    return (clean * np.array([1.0, 0.85, 0.65], np.float32) * 0.35).astype(np.float32)


def flash_denoise(clean: NDArray[Any], seed: int = 0, peak: float = 60.0) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    truth = _ambient(c)
    target = _poisson_gauss(truth, rng, peak, 0.01)
    return Sample(target, _flash(c, rng), truth, "flash_denoise")


def flash_deblur(clean: NDArray[Any], seed: int = 0, sigma: float = 2.0) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    truth = _ambient(c)
    target = _gauss_blur(truth, sigma * _scale(c.shape))
    target = target + rng.normal(0.0, 0.005, target.shape).astype(np.float32)
    return Sample(target.astype(np.float32), _flash(c, rng), truth, "flash_deblur")


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int = 6) -> F32:
    h, w = shape
    small = rng.random((cells, cells)).astype(np.float32)
    from ._common import bilinear_resize

    return _gauss_blur(bilinear_resize(small, (h, w)), 0.05 * min(h, w))


def nir_dehaze(clean: NDArray[Any], seed: int = 0, beta: float = 1.6) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    h, w = c.shape[:2]
    ramp = np.linspace(1.0, 0.2, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    depth = np.clip(0.7 * ramp + 0.3 * _smooth_field((h, w), rng), 0.0, 1.0)
    t = np.exp(-beta * depth)[:, :, None]
    air = np.array([0.85, 0.88, 0.92], np.float32)
    hazy = c * t + air * (1 - t) + rng.normal(0.0, 0.005, c.shape).astype(np.float32)
    nir_clean = 0.3 * c[:, :, 0] + 0.5 * c[:, :, 1] + 0.2 * c[:, :, 2]
    nir_clean = nir_clean + 0.3 * np.maximum(c[:, :, 1] - c[:, :, 0], 0.0)
    tn = np.exp(-beta / 3.0 * depth)
    nir = nir_clean * tn + 0.88 * (1 - tn) + rng.normal(0.0, 0.005, (h, w))
    return Sample(
        hazy.astype(np.float32),
        np.clip(nir, 0, 1).astype(np.float32),
        c,
        "nir_dehaze",
    )


def day_night(clean: NDArray[Any], seed: int = 0, peak: float = 40.0) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    h, w = c.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.full((h, w), 0.12, np.float32)
    for _ in range(3):
        cy, cx = rng.uniform(0.1, 0.9) * h, rng.uniform(0.1, 0.9) * w
        s = rng.uniform(0.1, 0.25) * min(h, w)
        light += 0.5 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    truth = c * light[:, :, None] * np.array([1.0, 0.8, 0.5], np.float32)
    target = _poisson_gauss(_gauss_blur(truth, 1.0 * _scale(c.shape)), rng, peak, 0.01)
    day = c * (0.85 + 0.15 * np.linspace(0, 1, w, dtype=np.float32))[None, :, None]
    day = day + rng.normal(0.0, 0.003, c.shape).astype(np.float32)
    return Sample(
        target, np.clip(day, 0, 1).astype(np.float32), truth.astype(np.float32), "day_night"
    )


def structure_transfer(clean: NDArray[Any], seed: int = 0, sigma: float = 3.0) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    shift = np.array([1.0, 0.97, 1.02], np.float32)
    truth = np.clip(c * shift, 0, 1).astype(np.float32)
    target = _gauss_blur(truth, sigma * _scale(c.shape))
    guide = np.power(luminance(c), 0.8) + rng.normal(0.0, 0.003, c.shape[:2])
    return Sample(
        target.astype(np.float32),
        np.clip(guide, 0, 1).astype(np.float32),
        truth,
        "structure_transfer",
        {"strength": 1.0},
    )


def depth_upsample(clean: NDArray[Any], seed: int = 0, factor: int = 4) -> Sample:
    c = _rgb(clean)
    rng = np.random.default_rng(seed)
    h, w = (c.shape[0] // factor) * factor, (c.shape[1] // factor) * factor
    c = np.ascontiguousarray(c[:h, :w])
    levels = 5
    field_ = _smooth_field((h, w), rng, cells=5)
    q = np.clip((field_ - field_.min()) / max(float(np.ptp(field_)), 1e-6), 0, 0.999)
    labels = np.floor(q * levels).astype(np.int64)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy /= h
    xx /= w
    depth = np.zeros((h, w), np.float32)
    rgb = np.empty_like(c)
    for k in range(levels):
        m = labels == k
        gy, gx = rng.uniform(-0.15, 0.15, 2)
        base = 0.1 + 0.8 * (k + 0.5) / levels
        depth[m] = (base + gy * (yy - 0.5) + gx * (xx - 0.5))[m]
        tint = rng.uniform(0.45, 1.0, 3).astype(np.float32)
        rgb[m] = c[m] * tint + rng.uniform(0.0, 0.3)
    depth = np.clip(depth, 0.0, 1.0).astype(np.float32)
    low = depth.reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))
    low = low + rng.normal(0.0, 0.005, low.shape)
    return Sample(low.astype(np.float32), np.clip(rgb, 0, 1), depth, "depth_upsample")


PROTOCOLS: dict[str, Callable[..., Sample]] = {
    "flash_denoise": flash_denoise,
    "flash_deblur": flash_deblur,
    "nir_dehaze": nir_dehaze,
    "day_night": day_night,
    "structure_transfer": structure_transfer,
    "depth_upsample": depth_upsample,
}


def make_sample(task: str, clean: NDArray[Any], seed: int = 0, **kwargs: Any) -> Sample:
    """Run the protocol of `task` on `clean` (see the module docstring)."""
    return PROTOCOLS[task](clean, seed, **kwargs)


def make_noisy(sample: Sample, sigma: float = 0.05, seed: int = 0) -> Sample:
    """The ``task=None`` protocol: the sample's truth + Gaussian noise, with its guide."""
    rng = np.random.default_rng(seed + 1000)
    noisy = sample.truth + rng.normal(0.0, sigma, sample.truth.shape).astype(np.float32)
    return Sample(noisy.astype(np.float32), sample.guide, sample.truth, "none")
