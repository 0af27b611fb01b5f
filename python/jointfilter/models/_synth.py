"""Clean-image sources and synthetic degradations for training and the quality benchmark.

NumPy only (no torch), so the benchmark and the tests can use it. Every function takes a
``numpy.random.Generator``; nothing here reads global random state.

Image split (fixed, documented in docs/models.md): *training* images are scikit-image samples
(astronaut, chelsea, rocket, immunohistochemistry, retina, and the grey camera, brick, grass,
gravel, coins, clock as RGB) plus Kodak kodim03/08/15 from the shared data folder when present;
*held-out* images are scikit-image ``coffee`` and Kodak ``kodim23``: they never enter training.
:data:`EXTRA_TRAIN` lists 32 more clean training images (``train.py --extra-images``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "EXTRA_TRAIN",
    "HELD_OUT",
    "TRAIN",
    "add_gaussian_noise",
    "add_rain",
    "add_rain_mix",
    "colour_augment",
    "crops",
    "darken",
    "load_images",
    "rain_layer",
    "shared_dir",
]

TRAIN = (
    "skimage:astronaut",
    "skimage:chelsea",
    "skimage:rocket",
    "skimage:immunohistochemistry",
    "skimage:retina",
    "skimage:camera",
    "skimage:brick",
    "skimage:grass",
    "skimage:gravel",
    "skimage:coins",
    "skimage:clock",
    "clean:kodim03.png",
    "clean:kodim08.png",
    "clean:kodim15.png",
)
HELD_OUT = ("skimage:coffee", "clean:kodim23.png")

# Additional clean training images (``--extra-images`` of ``train.py``): scikit-image samples that
# ship inside the installed package (no pooch download) and clean frames of the shared data
# folder (``shared:`` paths relative to ``shared/data``; skipped when absent). Never the derain
# pairs (evaluation only), never the held-out images, never night / hazy / flash frames.
EXTRA_TRAIN = (
    "skimage:stereo_motorcycle",
    "skimage:moon",
    "skimage:text",
    "shared:dehaze/sots_in_1400_1_clean.png",
    "shared:dehaze/sots_out_0030_clean.png",
    "shared:dehaze/sots_out_0056_clean.png",
    "shared:dehaze/sots_out_0066_clean.png",
    "shared:dehaze/sots_out_0100_clean.png",
    "shared:flash_noflash/cave01_reference.jpg",
    "shared:ir_vis/roadscene_flir00211_vis.jpg",
    "shared:ir_vis/roadscene_flir04593_vis.jpg",
    "shared:ir_vis/roadscene_flir05857_vis.jpg",
    "shared:ir_vis/roadscene_flir06430_vis.jpg",
    "shared:ir_vis/tno_01_vis.png",
    "shared:ir_vis/tno_05_vis.png",
    "shared:ir_vis/tno_17_vis.png",
    "shared:ir_vis/tno_21_vis.png",
    "shared:ir_vis/vifb_elecbike_vis.jpg",
    "shared:ir_vis/vifb_labman_vis.jpg",
    "shared:ir_vis/vifb_snow_vis.jpg",
    "shared:rgb_nir/epfl_092_rgb.png",
    "shared:rgb_nir/epfl_fig3a_rgb.png",
    "shared:rgb_nir/epfl_fig4a_rgb.png",
    "shared:rgb_nir/epfl_fig4b_rgb.png",
    "shared:day_night/frankfurt_a_day.png",
    "shared:day_night/frankfurt_b_day.png",
    "shared:day_night/stlouis_day.png",
    "shared:rgb_depth/middlebury_art_rgb.png",
    "shared:rgb_depth/middlebury_moebius_rgb.png",
    "shared:rgb_depth/nyu1025_rgb.png",
    "shared:rgb_depth/tofmark_books_rgb.png",
    "shared:rgb_depth/tofmark_shark_rgb.png",
)
# folders / files of the shared data that must never be read for training
_FORBIDDEN_SHARED = ("derain/", "eval/", "clean/kodim23")


def shared_dir() -> Path | None:
    """The ``shared`` folder beside the checkout (or ``$JOINTFILTER_SHARED``), if present."""
    env = os.environ.get("JOINTFILTER_SHARED")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" for p in here.parents]
    for c in candidates:
        if (c / "data").is_dir():
            return c
    return None


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def load_images(
    names: tuple[str, ...] | list[str], data_dir: str | Path | None = None, gray: bool = False
) -> list[np.ndarray]:
    """Load ``skimage:NAME`` / ``clean:FILE`` / ``shared:REL`` / ``dir:*`` images as float32.

    Values are in [0, 1]. Missing ``clean:`` and ``shared:`` files (no shared folder) are
    skipped. ``data_dir`` replaces the folder used for ``clean:`` entries; ``shared:REL`` is
    read from ``shared/data/REL`` (never the derain evaluation pairs nor the held-out Kodak
    image: those raise ``ValueError``); ``dir:`` loads every PNG/JPEG of ``data_dir``.
    """
    import skimage.data

    out = []
    base = Path(data_dir) if data_dir is not None else None
    if base is None:
        sd = shared_dir()
        base = sd / "data" / "clean" if sd is not None else None
    for name in names:
        kind, _, item = name.partition(":")
        if kind == "skimage":
            img = getattr(skimage.data, item)()
            if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
                img = img[0]
        elif kind == "shared":
            if any(item.startswith(f) for f in _FORBIDDEN_SHARED):
                msg = f"shared:{item} is evaluation / held-out data and must not be read here"
                raise ValueError(msg)
            sd = shared_dir()
            if sd is None or not (sd / "data" / item).exists():
                continue
            img = _read_png(sd / "data" / item)
        elif kind == "clean":
            if base is None or not (base / item).exists():
                continue
            img = _read_png(base / item)
        elif kind == "dir":
            if base is None:
                continue
            for p in sorted(base.iterdir()):
                if p.suffix.lower() in (".png", ".jpg", ".jpeg"):
                    out.append(_prep(_read_png(p), gray))
            continue
        else:
            msg = (
                "image source must be 'skimage:NAME', 'clean:FILE', 'shared:REL' or 'dir:*'; "
                f"got {name!r}"
            )
            raise ValueError(msg)
        out.append(_prep(img, gray))
    return out


def _prep(img: np.ndarray, gray: bool) -> np.ndarray:
    x = img.astype(np.float32) / 255.0
    if x.ndim == 2:
        x = np.repeat(x[:, :, None], 3, axis=2)
    x = x[:, :, :3]
    if gray:
        x = x @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.ascontiguousarray(x)


def crops(
    images: list[np.ndarray], n: int, size: int, rng: np.random.Generator, augment: bool = False
) -> np.ndarray:
    """``n`` random ``size x size`` crops (``N x size x size [x C]``), optional flips/rotations."""
    out = []
    for _ in range(n):
        img = images[int(rng.integers(len(images)))]
        h, w = img.shape[:2]
        y = int(rng.integers(0, h - size + 1))
        x = int(rng.integers(0, w - size + 1))
        c = img[y : y + size, x : x + size]
        if augment:
            c = np.rot90(c, int(rng.integers(4)))
            if rng.random() < 0.5:
                c = c[:, ::-1]
        out.append(np.ascontiguousarray(c))
    return np.stack(out)


def colour_augment(
    x: np.ndarray, rng: np.random.Generator, max_saturation: float = 1.6
) -> np.ndarray:
    """Random channel permutation and saturation boost of ``N x H x W x 3`` crops (new array).

    Each crop gets one of the six RGB permutations and its chroma (distance from the luma) scaled
    by U(1, ``max_saturation``), then clipped to [0, 1]: a colour-symmetric, more saturated
    training distribution for degradations that act on each channel alike (low light).
    """
    out = np.empty_like(x)
    w = np.array([0.299, 0.587, 0.114], np.float32)
    for i, c in enumerate(x):
        c = c[..., rng.permutation(3)]
        lum = (c @ w)[..., None]
        s = np.float32(rng.uniform(1.0, max_saturation))
        out[i] = np.clip(lum + s * (c - lum), 0.0, 1.0)
    return out


def add_gaussian_noise(
    x: np.ndarray, sigma: float | np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Additive white Gaussian noise of standard deviation ``sigma`` (in [0, 1] units)."""
    return (x + rng.standard_normal(x.shape).astype(np.float32) * np.float32(sigma)).astype(
        np.float32
    )


def darken(
    x: np.ndarray,
    rng: np.random.Generator,
    gamma: float | None = None,
    exposure: float | None = None,
    photons: float | None = None,
) -> np.ndarray:
    """Low-light synthesis: ``exposure * x**gamma`` plus shot and read noise, 8-bit quantised.

    gamma ~ U(2, 3.5), exposure ~ U(0.2, 0.6) and a photon count at full scale ~ U(300, 1000)
    when not given.
    """
    g = rng.uniform(2.0, 3.5) if gamma is None else gamma
    e = rng.uniform(0.2, 0.6) if exposure is None else exposure
    k = rng.uniform(300.0, 1000.0) if photons is None else photons
    lin = e * np.power(np.clip(x, 0, 1), g)
    noisy = rng.poisson(lin * k) / k + rng.standard_normal(x.shape) * 0.002
    return (np.round(np.clip(noisy, 0, 1) * 255) / 255).astype(np.float32)


def _line_kernel(length: int, angle_deg: float) -> np.ndarray:
    size = length + 2 if length % 2 == 1 else length + 3
    k = np.zeros((size, size), np.float32)
    c = size // 2
    t = np.linspace(-length / 2, length / 2, 4 * length)
    a = np.deg2rad(angle_deg)
    ys = np.round(c + t * np.cos(a)).astype(int)
    xs = np.round(c + t * np.sin(a)).astype(int)
    k[ys, xs] = 1.0
    return k / k.sum()


def rain_layer(
    shape: tuple[int, int],
    density: float,
    rng: np.random.Generator,
    angle: float | None = None,
    length: int | None = None,
    intensity: float | None = None,
) -> np.ndarray:
    """Synthetic rain streaks (``H x W`` float32, >= 0) whose count grows with ``density``.

    Sparse seeds (probability ``0.006 * density`` per pixel) with random brightness are smeared
    by a motion-blur line of ``length`` 10-40 px at ``angle`` within +-25 degrees, then scaled
    so that a streak peaks at ``intensity`` 0.3-0.9. Add to an image and clip.
    """
    from scipy.signal import fftconvolve

    h, w = shape
    if density <= 0:
        return np.zeros((h, w), np.float32)
    ang = rng.uniform(-25, 25) if angle is None else angle
    ln = int(rng.integers(10, 41)) if length is None else int(length)
    inten = rng.uniform(0.3, 0.9) if intensity is None else intensity
    pad = ln + 2
    seeds = (rng.random((h + 2 * pad, w + 2 * pad)) < 0.006 * density).astype(np.float32)
    seeds *= rng.uniform(0.5, 1.0, seeds.shape).astype(np.float32)
    k = _line_kernel(ln, ang)
    r = fftconvolve(seeds, k, mode="same")[pad : pad + h, pad : pad + w]
    r = np.clip(r * ln * inten, 0, 1)
    # slight widening: 3-tap horizontal blur keeps streaks 1-2 px wide
    r = 0.25 * np.roll(r, 1, axis=1) + 0.5 * r + 0.25 * np.roll(r, -1, axis=1)
    return r.astype(np.float32)


def add_rain(
    x: np.ndarray, density: float, rng: np.random.Generator, veil: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rainy version of an RGB crop and a lighter one made of a subset of the same rain.

    Streaks from :func:`rain_layer` are added and clipped; heavy rain also gets a veil (rain
    accumulation, haze-like ``x (1 - v) + v A`` with a smooth random ``v`` up to
    ``0.35 * density`` and airlight ``A`` in [0.7, 1]). The lighter version keeps ~35% of the
    streaks (connected components) and a third of the veil. Returns ``(rainy, lighter)``.
    """
    from scipy.ndimage import gaussian_filter
    from scipy.ndimage import label as _label

    h, w = x.shape[:2]
    r = rain_layer((h, w), density, rng)
    v_amp = rng.uniform(0, 0.35) * density if veil is None else veil
    field = gaussian_filter(rng.random((h, w)), max(h, w) / 6)
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-6)
    v = (v_amp * (0.5 + 0.5 * field))[:, :, None].astype(np.float32)
    a = np.float32(rng.uniform(0.7, 1.0))
    lab, n = _label(r > 0.02)
    sel = rng.random(n + 1) < 0.35
    sel[0] = False
    r_light = r * sel[lab]
    heavy = np.clip(x * (1 - v) + v * a + r[:, :, None], 0, 1)
    light = np.clip(x * (1 - v / 3) + v / 3 * a + r_light[:, :, None], 0, 1)
    return heavy.astype(np.float32), light.astype(np.float32)


# ----------------------------------------------------------------------------- rain v2
# Streak families seen in public deraining benchmarks (Rain100L thin sparse streaks, Rain100H wide
# long saturating streaks, Rain1200/Rain14000 dense short slanted streaks). Parameters were
# chosen by eye from the look of such data, never fitted to the evaluation pairs.
_RAIN_STYLES = {
    #         seed prob / px   length      width sigma  peak
    "thin": ((0.002, 0.010), (15, 60), (0.0, 0.6), (0.2, 0.7)),
    "wide": ((0.0003, 0.0015), (40, 160), (0.8, 2.0), (0.4, 1.0)),
    "dense": ((0.010, 0.040), (4, 20), (0.0, 1.0), (0.1, 0.5)),
}


def _streak_kernel(length: int, angle_deg: float, width: float) -> np.ndarray:
    """Unnormalised streak footprint (peak 1): a line of ``length`` px, Gaussian-widened."""
    from scipy.ndimage import gaussian_filter

    size = int(length + 6 * width + 3) | 1
    k = np.zeros((size, size), np.float32)
    c = size // 2
    t = np.linspace(-length / 2, length / 2, 4 * max(length, 1))
    a = np.deg2rad(angle_deg)
    k[np.round(c + t * np.cos(a)).astype(int), np.round(c + t * np.sin(a)).astype(int)] = 1.0
    if width > 0.05:
        k = gaussian_filter(k, width)
    return (k / max(float(k.max()), 1e-6)).astype(np.float32)


def add_rain_mix(
    x: np.ndarray, density: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Rainy crop from a mixture of 1-3 streak layers (training protocol of ``derain`` v2).

    Each layer has a style (thin / wide / dense, see ``_RAIN_STYLES``), a common direction
    within +-40 degrees of vertical (+-5 degrees per layer), seeds with probability scaled by
    ``density`` in [0, 1] and random brightness in [0.5, 1], smeared by a widened line kernel
    of peak 1 and scaled to a peak brightness. Layers are summed, then composited on ``x`` by
    addition and clipping (70%) or a screen blend ``1 - (1 - x)(1 - r)`` (30%); half of the
    samples also get the smooth veil of :func:`add_rain`. Returns ``(rainy, lighter)``, the
    lighter one built from ~35% of the same seeds and a third of the veil.
    """
    from scipy.ndimage import gaussian_filter
    from scipy.signal import fftconvolve

    h, w = x.shape[:2]
    r = np.zeros((h, w), np.float32)
    r_light = np.zeros((h, w), np.float32)
    if density > 0:
        base = rng.uniform(-40, 40)
        for _ in range(int(rng.integers(1, 4))):
            style = ("thin", "wide", "dense")[int(rng.integers(3))]
            (p0, p1), (l0, l1), (w0, w1), (i0, i1) = _RAIN_STYLES[style]
            ln = int(rng.integers(l0, l1 + 1))
            k = _streak_kernel(ln, base + rng.uniform(-5, 5), rng.uniform(w0, w1))
            pad = k.shape[0] // 2 + 1
            prob = rng.uniform(p0, p1) * density
            seeds = (rng.random((h + 2 * pad, w + 2 * pad)) < prob).astype(np.float32)
            seeds *= rng.uniform(0.5, 1.0, seeds.shape).astype(np.float32)
            keep = (rng.random(seeds.shape) < 0.35).astype(np.float32)
            peak = rng.uniform(i0, i1)
            for dst, sd in ((r, seeds), (r_light, seeds * keep)):
                layer = fftconvolve(sd, k, mode="same")[pad : pad + h, pad : pad + w]
                dst += np.clip(layer, 0, None).astype(np.float32) * np.float32(peak)
        r = np.clip(r, 0, 1)
        r_light = np.clip(r_light, 0, 1)
    v_amp = rng.uniform(0, 0.35) * density if rng.random() < 0.5 else 0.0
    field = gaussian_filter(rng.random((h, w)), max(h, w) / 6)
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-6)
    v = (v_amp * (0.5 + 0.5 * field))[:, :, None].astype(np.float32)
    a = np.float32(rng.uniform(0.7, 1.0))
    screen = rng.random() < 0.3

    def comp(rr: np.ndarray, vv: np.ndarray) -> np.ndarray:
        base_img = x * (1 - vv) + vv * a
        rr = rr[:, :, None]
        out = 1 - (1 - base_img) * (1 - rr) if screen else base_img + rr
        return np.clip(out, 0, 1).astype(np.float32)

    return comp(r, v), comp(r_light, v / 3)
