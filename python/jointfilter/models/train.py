"""Train the shipped reduced models on a CPU (never run in tests or CI).

Usage::

    nice -n 19 python -m jointfilter.models.train NAME --data DIR --out FILE.pt [--minutes M]

``NAME`` is a recipe of :data:`RECIPES`: ``mirnet-denoise``, ``mirnet-enhance``, ``derain``,
``stochastic-enhance``, ``blur-cnn`` and their later stages (``*-ft``, ``mirnet-enhance-col``,
``stochastic-enhance-cond``, started from the previous stage with ``--init``);
``mirnet-enhance-tone`` trains the tone-prior variant of ``mirnet-enhance`` from scratch;
``stochastic-enhance-tone`` the explicit (gain, gamma) inverse variant of ``stochastic-enhance``
(``--init`` a ``stochastic`` file: its generator modules are reused, the tone head is new);
``stochastic-enhance-tone-inv`` (generator fed the tone-inverted image), ``-tone-inv-ft`` and
``-tone-cover`` (best-of-8 coverage term for the sampler) continue it from a ``stochastic_tone``
file.
``--data`` is a folder of clean PNG/JPEG images used *in addition to* the fixed training list of
:mod:`jointfilter.models._synth` (Kodak files named there are read from it);
``--extra-images`` adds ``_synth.EXTRA_TRAIN`` (more scikit-image samples and clean frames of
the shared data folder); held-out images (scikit-image ``coffee``, ``kodim23``) are never read.
The run is seeded (``--seed``), single-threaded (``torch.set_num_threads(1)``) and stops at
``--iters`` steps or ``--minutes`` of wall time, whichever comes first; the step count reached
is written to the JSON side file so that a rerun with ``--iters`` that number (and no time
limit) reproduces it. It writes ``FILE.pt`` (TorchScript), ``FILE.onnx`` and ``FILE.json``
(config, protocol, sha256, loss log) and keeps the eager state_dict in ``FILE.pth`` only if
``--keep-state-dict`` is given.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import _synth

__all__ = ["RECIPES", "main"]

RECIPES: dict[str, dict[str, Any]] = {
    "mirnet-denoise": {
        "arch": "mirnet_v2",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 64,
        "batch": 8,
        "lr": 1e-3,
        "iters": 800,
        "protocol": "AWGN sigma ~ U(15, 35)/255 on clean crops; L1 loss; Adam 1e-3, cosine decay",
    },
    "mirnet-denoise-ft": {
        "arch": "mirnet_v2",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 64,
        "batch": 8,
        "lr": 5e-4,
        "iters": 700,
        "protocol": "stage 2 of mirnet-denoise (--init the stage-1 state_dict): AWGN sigma ~ "
        "U(15, 35)/255, then clipped to [0, 1] and rounded to 8 bits (as a uint8 input is); "
        "L1 loss; Adam 5e-4, cosine decay",
    },
    "mirnet-enhance": {
        "arch": "mirnet_v2",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 64,
        "batch": 8,
        "lr": 1e-3,
        "iters": 600,
        "protocol": (
            "low light: exposure U(0.2, 0.6) * x**gamma, gamma U(2, 3.5), Poisson shot "
            "noise (300-1000 photons at full scale) + read noise 0.002, 8-bit "
            "quantised; L1 loss; Adam 1e-3, cosine decay"
        ),
    },
    "mirnet-enhance-ft": {
        "arch": "mirnet_v2",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 128,
        "batch": 4,
        "lr": 3e-4,
        "iters": 600,
        "protocol": (
            "stage 2 of mirnet-enhance (--init the stage-1 weights): the same low-light "
            "synthesis on 128x128 crops (the global-context blocks see the crop's statistics "
            "at the benchmark size); L1 loss; Adam 3e-4, cosine decay"
        ),
    },
    "mirnet-enhance-col": {
        "arch": "mirnet_v2",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 128,
        "batch": 4,
        "lr": 3e-4,
        "iters": 600,
        "colour_augment": True,
        "protocol": (
            "stage 3 of mirnet-enhance (--init the stage-2 weights): the stage-2 low-light "
            "synthesis on 128x128 crops whose colours are first augmented (random RGB "
            "permutation, chroma scaled by U(1, 1.6), clipped): the darkening acts on each "
            "channel alike, and the stage-2 model desaturated strong colours and lifted dark "
            "channels; L1 loss; Adam 3e-4, cosine decay"
        ),
    },
    "mirnet-enhance-tone": {
        "arch": "mirnet_tone",
        "config": {"n_feat": 16, "n_MRB": 1},
        "patch": 128,
        "batch": 4,
        "lr": 5e-4,
        "iters": 800,
        "tone_batch": 12,
        "protocol": (
            "structural tone prior (architectures/mirnet_tone.py), from scratch: a head "
            "predicts one (exposure e, gamma g) per crop from pooled input statistics, the "
            "exact inverse (max(y, 1e-3) / e) ** (1 / g) is applied to all three channels and "
            "a reduced MIRNet-v2 (last conv zero-initialised) adds a residual. The "
            "mirnet-enhance low-light synthesis on 128x128 crops, with the sampled (e, g) of "
            "each crop kept. Loss: L1(output, clean) + 0.25 L1(inverse, clean) + 0.1 x "
            "auxiliary L1 of (log e, log g) against the true values, plus the same tone-only "
            "terms (inverse and auxiliary, the MIRNet body not run) on 12 more crops per "
            "step; Adam 5e-4, cosine decay"
        ),
    },
    "derain": {
        "arch": "codenet",
        "config": {"n_feat": 16, "n_code": 32, "kernel_sizes": [3, 5], "n_iter": 6},
        "patch": 48,
        "batch": 8,
        "lr": 2e-3,
        "iters": 750,
        "protocol": (
            "synthetic streaks (density U(0.05, 1), 1/8 of samples rain-free, length "
            "10-40 px, angle +-25 deg, peak 0.3-0.9) added and clipped, plus a smooth "
            "haze-like veil up to 0.35 x density (airlight 0.7-1); L1 loss + 0.1 x "
            "pairwise ranking hinge on the density read-out between a rain layer and a "
            "subset of its own streaks (order only, no density values)"
        ),
    },
    "derain-ft": {
        "arch": "codenet",
        "config": {"n_feat": 16, "n_code": 32, "kernel_sizes": [3, 5], "n_iter": 6},
        "patch": 64,
        "batch": 8,
        "lr": 5e-4,
        "iters": 600,
        "protocol": (
            "stage 2 of derain (--init the stage-1 weights): 3/4 of the rainy crops from a "
            "mixture of 1-3 streak layers (thin: 15-60 px, wide: 40-160 px Gaussian-widened "
            "sigma 0.8-2, dense: 4-20 px), common direction +-40 deg, added and clipped or "
            "screen-blended, half with the smooth veil; 1/4 from the stage-1 streaks; 1/8 "
            "rain-free. L1 loss + 0.1 x ranking hinge (rain vs ~35% of its seeds) + 0.1 x "
            "L1 between the density read-out and a = A / (A + 0.04), A = mean added "
            "intensity of the rain (rainy - clean) of the crop; Adam 5e-4, cosine decay"
        ),
    },
    "stochastic-enhance": {
        "arch": "stochastic",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3},
        "patch": 64,
        "batch": 8,
        "lr": 1e-3,
        "iters": 1000,
        "protocol": (
            "synthetic low-quality variants: per-channel colour gain U(0.85, 1.15), "
            "gamma U(0.75, 1.35), Gaussian blur sigma U(0, 1.5), AWGN sigma U(0, 12)/255,"
            " JPEG quality 30-80; conditional VAE: z ~ E(x, y), L1(G(x, z), y) + "
            "blur loss L1(blur21(G(x, z)), blur21(y)) + 0.01 KL(q(z|x,y) || N(0, I))"
        ),
    },
    "stochastic-enhance-ft": {
        "arch": "stochastic",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3},
        "patch": 64,
        "batch": 8,
        "lr": 5e-4,
        "iters": 500,
        "protocol": (
            "stage 2 of stochastic-enhance (--init the stage-1 generator, new encoder): the "
            "same synthetic pairs; conditional VAE loss as stage 1 with KL weight 0.05, plus "
            "an IMLE-style term: L1(G(x, z*), y) with z* the best of 8 draws z ~ N(0, I) "
            "(chosen without gradient), so that prior samples cover the targets; Adam 5e-4, "
            "cosine decay"
        ),
    },
    "stochastic-enhance-cond": {
        "arch": "stochastic",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3, "cond_tone": True},
        "patch": 96,
        "batch": 8,
        "lr": 5e-4,
        "iters": 900,
        "protocol": (
            "stage 3 of stochastic-enhance (--init the stage-2 generator; the new "
            "image-conditioned tone MLP starts at zero, so training starts from the stage-2 "
            "model): the same synthetic pairs on 96x96 crops; conditional IMLE only: for each "
            "crop 8 draws z ~ N(0, I), the one with the lowest MSE to the target chosen without "
            "gradient, loss L1(G(x, z*), y) + blur loss L1(blur21(G(x, z*)), blur21(y)); "
            "Adam 5e-4, cosine decay"
        ),
    },
    "stochastic-enhance-tone": {
        "arch": "stochastic_tone",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3},
        "patch": 96,
        "batch": 8,
        "lr": 5e-4,
        "iters": 700,
        "tone_batch": 16,
        "init_fresh": ["head.", "zproj.", "log_spread", "zoff.", "out."],
        "protocol": (
            "explicit tone inverse (architectures/stochastic_tone.py; --init the generator "
            "stem/res/mod1/mod2 from the shipped stage-4 stochastic file, the head, the z "
            "spread and the zero-initialised last conv new): a head predicts (log gamma, "
            "log gain_c) per crop from pooled input statistics, z ~ N(0, I) moves them by a "
            "learned spread, the exact inverse clamp(max(x, 1e-3) ** (1 / gamma) / gain_c, "
            "0, 1) is applied and the modulated-conv generator adds a residual. The "
            "stochastic-enhance synthetic pairs on 96x96 crops with each crop's true (gain, "
            "gamma) kept; conditional IMLE: per crop 8 draws z ~ N(0, I), the one with the "
            "lowest MSE chosen without gradient; loss L1(G(x, z*), y) + blur loss + 0.25 "
            "L1(inverse(x, z*), y) + 0.25 x L1 of the head's z-free (log gamma, log gain) "
            "against the true values, plus the tone-only terms (inverse at the z-free "
            "estimate, auxiliary) on 16 more crops per step; Adam 5e-4, cosine decay"
        ),
    },
    "stochastic-enhance-tone-inv": {
        "arch": "stochastic_tone",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3, "residual_on_inverse": True},
        "patch": 96,
        "batch": 8,
        "lr": 5e-4,
        "iters": 600,
        "tone_batch": 32,
        "init_fresh": ["out."],
        "protocol": (
            "stage 6 of stochastic-enhance (--init the shipped stage-5 stochastic_tone file; "
            "every weight but the generator's last conv, which restarts at zero, is kept): "
            "the generator now sees the tone-inverted image at the sampled parameters instead "
            "of the degraded input, so its residual only restores detail of an image whose "
            "tone is already undone. Same pairs, conditional IMLE and loss as "
            "stochastic-enhance-tone, with 32 tone-only crops per step; Adam 5e-4, cosine decay"
        ),
    },
    "stochastic-enhance-tone-inv-ft": {
        "arch": "stochastic_tone",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3, "residual_on_inverse": True},
        "patch": 96,
        "batch": 8,
        "lr": 3e-4,
        "iters": 500,
        "tone_batch": 64,
        "init_fresh": [],
        "protocol": (
            "stage 7 of stochastic-enhance (--init the stage-6 state_dict, every weight kept): "
            "the stochastic-enhance-tone-inv recipe continued with 64 tone-only crops per "
            "step (more data for the blind (gain, gamma) head); Adam 3e-4, cosine decay"
        ),
    },
    "stochastic-enhance-tone-cover": {
        "arch": "stochastic_tone",
        "config": {"ngf": 16, "latent_dim": 4, "n_res": 3, "residual_on_inverse": True},
        "patch": 96,
        "batch": 8,
        "lr": 3e-4,
        "iters": 440,
        "tone_batch": 64,
        "cover_weight": 1.0,
        "init_fresh": [],
        "protocol": (
            "stochastic-enhance-tone-inv-ft plus a coverage term for the sampler: on each of "
            "the 64 tone-only crops 8 draws z ~ N(0, I) of the inverse at the sampled "
            "parameters, the one with the lowest MSE chosen without gradient, + L1 of that "
            "inverse against the clean crop (trains the z spread / offset MLP and the head "
            "for the best of 8 tone inversions, as the bar counts them); Adam 3e-4, cosine"
        ),
    },
    "blur-cnn": {
        "arch": "blur_cnn",
        "config": {"c1": 16, "c2": 32, "c3": 64, "hidden": 64},
        "patch": 32,
        "batch": 64,
        "lr": 1e-3,
        "iters": 250,
        "protocol": (
            "grey clean images; blurred copy by a random kernel: Gaussian sigma 9 with "
            "size 9-15 (founding protocol), Gaussian sigma U(1, 3), or defocus disc "
            "radius 2-5; 32x32 co-located windows, sharp on top (label 0) or bottom "
            "(label 1); channels intensity, |Sobel x|/4, |Sobel y|/4 clipped to [0, 1]; "
            "sigma-1..3 JPEG-free; cross-entropy, Adam 1e-3, cosine decay"
        ),
    },
}


# ----------------------------------------------------------------------------- degradations
def _gauss_kernel(sigma: float, size: int | None = None) -> np.ndarray:
    r = math.ceil(3 * sigma) if size is None else size // 2
    t = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (t / max(sigma, 1e-3)) ** 2)
    return (k / k.sum()).astype(np.float32)


def _blur(img: np.ndarray, k1: np.ndarray) -> np.ndarray:
    from scipy.ndimage import convolve1d

    out = convolve1d(img, k1, axis=0, mode="reflect")
    return convolve1d(out, k1, axis=1, mode="reflect")


def _disc_blur(img: np.ndarray, radius: int) -> np.ndarray:
    from scipy.ndimage import convolve

    t = np.arange(-radius, radius + 1)
    k = ((t[:, None] ** 2 + t[None, :] ** 2) <= radius**2).astype(np.float32)
    k /= k.sum()
    if img.ndim == 3:
        k = k[:, :, None]
    return convolve(img, k, mode="reflect")


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)).save(
        buf, format="JPEG", quality=int(quality)
    )
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB")).astype(np.float32) / 255.0


def degrade_quality(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Low-quality variant of a clean RGB crop (stochastic-enhance protocol)."""
    return degrade_quality_params(y, rng)[0]


def degrade_quality_params(
    y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`degrade_quality` and its tone parameters ``(x, gain (3,), gamma)``.

    Same random draws in the same order, so ``degrade_quality`` is unchanged for its callers;
    the tone part is ``x = clip(gain_c * y, 0, 1) ** gamma``.
    """
    gain = rng.uniform(0.85, 1.15, 3).astype(np.float32)
    gamma = float(rng.uniform(0.75, 1.35))
    x = np.power(np.clip(y * gain, 0, 1), gamma)
    s = rng.uniform(0, 1.5)
    if s > 0.3:
        x = _blur(x, _gauss_kernel(s))
    x = x + rng.standard_normal(x.shape) * rng.uniform(0, 12) / 255
    x = _jpeg(x, int(rng.integers(30, 81)))
    return x.astype(np.float32), gain, gamma


def blur_for_cnn(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blurred copy of a grey image with a random kernel family (blur-cnn protocol)."""
    u = rng.random()
    if u < 0.4:
        return _blur(g, _gauss_kernel(9.0, int(rng.choice([9, 11, 13, 15]))))
    if u < 0.75:
        return _blur(g, _gauss_kernel(rng.uniform(1.0, 3.0)))
    return _disc_blur(g, int(rng.integers(2, 6)))


def sobel_channels(g: np.ndarray) -> np.ndarray:
    """``H x W x 3`` float32: intensity, |Sobel x|/4, |Sobel y|/4 clipped to [0, 1]."""
    from scipy.ndimage import sobel

    gx = np.clip(np.abs(sobel(g, axis=1, mode="reflect")) / 4.0, 0, 1)
    gy = np.clip(np.abs(sobel(g, axis=0, mode="reflect")) / 4.0, 0, 1)
    return np.stack([g, gx, gy], axis=-1).astype(np.float32)


def blur_pairs(
    images: list[np.ndarray], n: int, rng: np.random.Generator, textured_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pairs ``N x 3 x 64 x 32`` and labels (0 = sharp window on top)."""
    xs, ys = [], []
    while len(xs) < n:
        img = images[int(rng.integers(len(images)))]
        h, w = img.shape
        y0, x0 = int(rng.integers(0, h - 96)), int(rng.integers(0, w - 96))
        crop = img[y0 : y0 + 96, x0 : x0 + 96]
        blurred = blur_for_cnn(crop, rng)
        a = sobel_channels(crop)[32:64, 32:64]
        b = sobel_channels(blurred)[32:64, 32:64]
        if textured_only and (a[..., 0].std() <= 0.03 or b[..., 0].std() <= 0.03):
            continue
        label = int(rng.integers(2))
        pair = np.concatenate([a, b] if label == 0 else [b, a], axis=0)
        xs.append(pair.transpose(2, 0, 1))
        ys.append(label)
    return np.stack(xs).astype(np.float32), np.array(ys, np.int64)


# ----------------------------------------------------------------------------- batches
def _batch(
    name: str,
    images: list[np.ndarray],
    gray: list[np.ndarray],
    spec: dict,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    p, b = spec["patch"], spec["batch"]
    if name == "blur-cnn":
        x, y = blur_pairs(gray, b, rng)
        return {"x": x, "y": y}
    clean = _synth.crops(images, b, p, rng, augment=True)
    if name == "mirnet-denoise":
        sig = rng.uniform(15, 35, (b, 1, 1, 1)) / 255
        noisy = _synth.add_gaussian_noise(clean, sig, rng)
        return {"x": noisy, "y": clean}
    if name == "mirnet-denoise-ft":
        sig = rng.uniform(15, 35, (b, 1, 1, 1)) / 255
        noisy = _synth.add_gaussian_noise(clean, sig, rng)
        return {"x": np.rint(np.clip(noisy, 0, 1) * 255).astype(np.float32) / 255, "y": clean}
    if spec.get("colour_augment"):
        clean = _synth.colour_augment(clean, rng)
    if name == "mirnet-enhance-tone":  # keep each crop's true (exposure, gamma)
        b2 = b + int(spec.get("tone_batch", 0))
        clean = np.concatenate([clean, _synth.crops(images, b2 - b, p, rng, augment=True)])
        gam = rng.uniform(2.0, 3.5, b2)
        exp_ = rng.uniform(0.2, 0.6, b2)
        dark = np.stack(
            [
                _synth.darken(c, rng, gamma=g, exposure=e)
                for c, g, e in zip(clean, gam, exp_, strict=True)
            ]
        )
        return {"x": dark, "y": clean, "e": exp_.astype(np.float32), "g": gam.astype(np.float32)}
    if name.startswith("mirnet-enhance"):
        dark = np.stack([_synth.darken(c, rng) for c in clean])
        return {"x": dark, "y": clean}
    if name == "derain":
        rainy, sub = [], []
        for c in clean:
            rho = 0.0 if rng.random() < 0.125 else rng.uniform(0.05, 1.0)
            heavy, light = _synth.add_rain(c, rho, rng)
            rainy.append(heavy)
            sub.append(light)
        return {"x": np.stack(rainy), "y": clean, "x_light": np.stack(sub)}
    if name == "derain-ft":
        rainy, sub = [], []
        for c in clean:
            rho = 0.0 if rng.random() < 0.125 else rng.uniform(0.05, 1.0)
            if rng.random() < 0.25:
                heavy, light = _synth.add_rain(c, rho, rng)
            else:
                heavy, light = _synth.add_rain_mix(c, rho, rng)
            rainy.append(heavy)
            sub.append(light)
        return {"x": np.stack(rainy), "y": clean, "x_light": np.stack(sub)}
    if name.startswith("stochastic-enhance-tone"):  # keep each crop's true (gain, gamma)
        b2 = b + int(spec.get("tone_batch", 0))
        clean = np.concatenate([clean, _synth.crops(images, b2 - b, p, rng, augment=True)])
        parts = [degrade_quality_params(c, rng) for c in clean]
        return {
            "x": np.stack([q[0] for q in parts]),
            "y": clean,
            "gain": np.stack([q[1] for q in parts]).astype(np.float32),
            "gamma": np.array([q[2] for q in parts], np.float32),
        }
    if name.startswith("stochastic-enhance"):
        low = np.stack([degrade_quality(c, rng) for c in clean])
        return {"x": low, "y": clean}
    raise KeyError(name)


def _nchw(a: np.ndarray) -> Any:
    import torch

    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


# ----------------------------------------------------------------------------- training
def train(
    name: str,
    data: str | None,
    out: str,
    *,
    seed: int = 0,
    minutes: float = 25.0,
    iters: int | None = None,
    keep_state_dict: bool = False,
    init: str | None = None,
    log_every: int = 50,
    overrides: dict[str, Any] | None = None,
    threads: int = 1,
    extra_images: bool = False,
) -> dict[str, Any]:
    """Train recipe ``name`` and export it next to ``out`` (see module docstring).

    ``extra_images`` adds :data:`jointfilter.models._synth.EXTRA_TRAIN` to the training images.
    """
    import torch
    import torch.nn.functional as F

    from . import _zoo
    from ._export import sha256

    torch.set_num_threads(int(threads))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    spec = {**RECIPES[name], **{k: v for k, v in (overrides or {}).items() if v is not None}}
    total = int(iters if iters is not None else spec["iters"])
    sources = list(_synth.TRAIN) + (list(_synth.EXTRA_TRAIN) if extra_images else [])
    sources += ["dir:*"] if data else []
    sources_clean = [s for s in sources if not s.startswith("dir:")]
    images = _synth.load_images(sources_clean, data_dir=data)
    if data:
        extra = _synth.load_images(["dir:*"], data_dir=data)
        held = {"kodim23.png", "coffee"}
        names = sorted(
            p.name for p in Path(data).iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")
        )
        images += [
            im
            for im, n in zip(extra, names, strict=False)
            if n not in held and f"clean:{n}" not in sources_clean
        ]
    gray = [im @ np.array([0.299, 0.587, 0.114], np.float32) for im in images]
    model = _zoo.build(spec["arch"], **spec["config"])
    new_modules: list[str] = []
    if init is not None:
        fresh = tuple(spec.get("init_fresh", ("tone_mlp.",)))
        state = {k: v for k, v in load_init_state(init, model).items() if not k.startswith(fresh)}
        res = model.load_state_dict(state, strict=False)
        # only modules a recipe adds on top of the previous stage may start fresh
        bad = [k for k in res.missing_keys if not k.startswith(fresh)]
        if bad or res.unexpected_keys:
            msg = f"--init {init}: missing {bad}, unexpected {res.unexpected_keys}"
            raise ValueError(msg)
        new_modules = sorted({k.rsplit(".", 2)[0] for k in res.missing_keys})
    encoder = None
    params = list(model.parameters())
    if name.startswith(("stochastic-enhance-cond", "stochastic-enhance-tone")):
        blur_k = torch.from_numpy(_gauss_kernel(4.3, 21))
        blur_w = (blur_k[:, None] * blur_k[None, :])[None, None].repeat(3, 1, 1, 1)
    if name in ("stochastic-enhance", "stochastic-enhance-ft"):
        from .architectures.stochastic import LatentEncoder

        encoder = LatentEncoder(16, spec["config"]["latent_dim"])
        params += list(encoder.parameters())
        blur_k = torch.from_numpy(_gauss_kernel(4.3, 21))
        blur_w = (blur_k[:, None] * blur_k[None, :])[None, None].repeat(3, 1, 1, 1)
    opt = torch.optim.Adam(params, lr=spec["lr"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: 0.5 * (1 + math.cos(math.pi * min(i, total) / total)) * 0.98 + 0.02
    )
    model.train()
    t0 = time.time()
    log: list[tuple[int, float]] = []
    run = 0.0
    step = 0
    while step < total and (time.time() - t0) < minutes * 60:
        bt = _batch(name, images, gray, spec, rng)
        if name == "blur-cnn":
            logits = model(torch.from_numpy(bt["x"]))
            loss = F.cross_entropy(logits, torch.from_numpy(bt["y"]))
        elif name in ("derain", "derain-ft"):
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            out_img, rde = model(torch.cat([x, _nchw(bt["x_light"][:4])]))
            n = x.shape[0]
            loss = F.l1_loss(out_img[:n], y)
            rain_amount = (x - y).abs().mean(dim=(1, 2, 3))
            has = (rain_amount > 1e-3).float()
            margin = F.relu(0.02 - (rde[:4].mean(1) - rde[n:].mean(1)))
            loss = loss + 0.1 * (margin * has[:4]).mean()
            if name == "derain-ft":
                added = (x - y).mean(dim=(1, 2, 3)).clamp_min(0)
                target = added / (added + 0.04)
                loss = loss + spec.get("density_weight", 0.1) * F.l1_loss(rde[:n].mean(1), target)
        elif name == "stochastic-enhance-cond":
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            n, k_draws = x.shape[0], 8
            with torch.no_grad():  # conditional IMLE: train the best of 8 prior samples
                zs = torch.randn(k_draws, n, model.latent_dim)
                errs = torch.stack(
                    [(model(x, zs[k]) - y).pow(2).mean(dim=(1, 2, 3)) for k in range(k_draws)]
                )
                z_best = zs[errs.argmin(0), torch.arange(n)]
            pred = model(x, z_best)
            bl = F.l1_loss(
                F.conv2d(pred, blur_w, padding=10, groups=3),
                F.conv2d(y, blur_w, padding=10, groups=3),
            )
            loss = F.l1_loss(pred, y) + bl
        elif name.startswith("stochastic-enhance-tone"):
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            n, k_draws = spec["batch"], 8
            log_true = torch.from_numpy(
                np.concatenate([np.log(bt["gamma"])[:, None], np.log(bt["gain"])], 1)
            )
            with torch.no_grad():  # conditional IMLE: train the best of 8 prior samples
                zs = torch.randn(k_draws, n, model.latent_dim)
                errs = torch.stack(
                    [(model(x[:n], zs[k]) - y[:n]).pow(2).mean(dim=(1, 2, 3)) for k in range(8)]
                )
                z_best = zs[errs.argmin(0), torch.arange(n)]
            pred, inv, _, t_hat = model.forward_parts(x[:n], z_best)
            t2 = model.tone_params(x[n:])  # tone-only crops: the generator is not run
            inv2 = model.invert(x[n:], t2)
            bl = F.l1_loss(
                F.conv2d(pred, blur_w, padding=10, groups=3),
                F.conv2d(y[:n], blur_w, padding=10, groups=3),
            )
            loss = (
                F.l1_loss(pred, y[:n])
                + bl
                + 0.25 * F.l1_loss(inv, y[:n])
                + 0.25 * F.l1_loss(inv2, y[n:])
                + 0.25 * F.l1_loss(torch.cat([t_hat, t2]), log_true)
            )
            if spec.get("cover_weight"):  # best of 8 tone inversions on the tone-only crops
                m2 = x.shape[0] - n
                zs2 = torch.randn(k_draws, m2, model.latent_dim)
                with torch.no_grad():
                    e2 = torch.stack(
                        [
                            (model.invert(x[n:], model.sampled(t2, zs2[k])) - y[n:])
                            .pow(2)
                            .mean(dim=(1, 2, 3))
                            for k in range(k_draws)
                        ]
                    )
                z2 = zs2[e2.argmin(0), torch.arange(m2)]
                inv3 = model.invert(x[n:], model.sampled(t2, z2))
                loss = loss + float(spec["cover_weight"]) * F.l1_loss(inv3, y[n:])
        elif name in ("stochastic-enhance", "stochastic-enhance-ft"):
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            mu, logvar = encoder(x, y)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            pred = model(x, z)
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean()
            bl = F.l1_loss(
                F.conv2d(pred, blur_w, padding=10, groups=3),
                F.conv2d(y, blur_w, padding=10, groups=3),
            )
            if name == "stochastic-enhance":
                loss = F.l1_loss(pred, y) + bl + 0.01 * kl
            else:
                n, k_draws = x.shape[0], 8
                with torch.no_grad():
                    zs = torch.randn(k_draws, n, mu.shape[1])
                    errs = torch.stack(
                        [(model(x, zs[k]) - y).abs().mean(dim=(1, 2, 3)) for k in range(k_draws)]
                    )
                    z_best = zs[errs.argmin(0), torch.arange(n)]
                loss = F.l1_loss(pred, y) + bl + 0.05 * kl + F.l1_loss(model(x, z_best), y)
        elif name == "mirnet-enhance-tone":
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            n = spec["batch"]
            log_true = torch.stack(
                [torch.from_numpy(np.log(bt["e"])), torch.from_numpy(np.log(bt["g"]))], 1
            )
            pred, inv, e_hat, g_hat = model.forward_parts(x[:n])
            e2, g2 = model.tone_params(x[n:])  # tone-only crops: the MIRNet body is not run
            inv2 = model.invert(x[n:], e2, g2)
            log_hat = torch.log(torch.stack([torch.cat([e_hat, e2]), torch.cat([g_hat, g2])], 1))
            loss = (
                F.l1_loss(pred, y[:n])
                + 0.25 * F.l1_loss(torch.cat([inv, inv2]), y)
                + 0.1 * F.l1_loss(log_hat, log_true)
            )
        else:
            x, y = _nchw(bt["x"]), _nchw(bt["y"])
            pred = model(x)
            kind = spec.get("loss", "l1")
            if kind == "l1":
                loss = F.l1_loss(pred, y)
            elif kind == "mse":
                loss = F.mse_loss(pred, y)
            else:  # "l1+mse": L1 for detail, MSE (what PSNR measures) weighted x10
                loss = F.l1_loss(pred, y) + 10.0 * F.mse_loss(pred, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        lv = loss.item()
        run = 0.98 * run + 0.02 * lv if step > 1 else lv
        if step % log_every == 0:
            log.append((step, round(run, 5)))
            print(
                f"[{name}] step {step}/{total} loss {run:.4f} {time.time() - t0:.0f}s", flush=True
            )
    model.eval()
    out_path = Path(out).with_suffix(".pt")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if keep_state_dict:
        torch.save(model.state_dict(), out_path.with_suffix(".pth"))
    files = _zoo.export(spec["arch"], model, out_path.with_suffix(""))
    meta = {
        "name": name,
        "arch": spec["arch"],
        "config": spec["config"],
        "seed": seed,
        "steps": step,
        "patch": spec["patch"],
        "batch": spec["batch"],
        "lr": spec["lr"],
        "wall_seconds": round(time.time() - t0, 1),
        "protocol": spec["protocol"],
        "init": init,
        "new_modules": new_modules,
        "overrides": {k: v for k, v in (overrides or {}).items() if v is not None},
        "train_images": sources_clean + (["dir:" + str(data)] if data else []),
        "n_train_images": len(images),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "files": {
            k: {"file": v.name, "sha256": sha256(v), "bytes": v.stat().st_size}
            for k, v in files.items()
        },
        "loss_log": log,
        "torch": torch.__version__,
    }
    out_path.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    print(json.dumps({k: meta[k] for k in ("name", "steps", "wall_seconds", "files")}))
    return meta


def load_init_state(path: str | Path, model: Any) -> dict[str, Any]:
    """State dict to start from: an eager ``.pth`` or a shipped TorchScript ``.pt``.

    A traced ``.pt`` keeps the named parameters (and may list non-persistent buffers, which are
    dropped), so fine-tuning can start from the shipped weights without a separate ``.pth``.
    """
    import zipfile

    import torch

    from ._export import torchscript_warnings

    p = Path(path)
    scripted = False
    if zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as zf:
            scripted = any(n.split("/", 2)[1:2] == ["code"] for n in zf.namelist())
    if not scripted:
        return torch.load(p, map_location="cpu", weights_only=True)
    with torchscript_warnings():
        ts = torch.jit.load(str(p), map_location="cpu")
    keys = set(model.state_dict())
    return {k: v for k, v in ts.state_dict().items() if k in keys}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        prog="python -m jointfilter.models.train", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("name", choices=sorted(RECIPES))
    ap.add_argument("--data", default=None, help="folder of extra clean images (optional)")
    ap.add_argument("--out", required=True, help="output path; writes .pt, .onnx and .json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--minutes",
        type=float,
        default=25.0,
        help="wall-time safety cap (the schedule follows --iters)",
    )
    ap.add_argument("--iters", type=int, default=None, help="step budget (default: recipe)")
    ap.add_argument("--keep-state-dict", action="store_true")
    ap.add_argument(
        "--init", default=None, help="start from this state_dict (.pth) or TorchScript file (.pt)"
    )
    ap.add_argument("--lr", type=float, default=None, help="override the recipe's learning rate")
    ap.add_argument("--patch", type=int, default=None, help="override the recipe's crop size")
    ap.add_argument("--batch", type=int, default=None, help="override the recipe's batch size")
    ap.add_argument(
        "--density-weight",
        type=float,
        default=None,
        help="derain-ft: weight of the density read-out regression (recipe: 0.1)",
    )
    ap.add_argument(
        "--colour-augment",
        action="store_true",
        default=None,
        help="random RGB permutation + chroma x U(1, 1.6) of the clean crops (_synth)",
    )
    ap.add_argument(
        "--loss",
        choices=("l1", "mse", "l1+mse"),
        default=None,
        help="image models: training loss (recipes: l1); l1+mse = L1 + 10 x MSE",
    )
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument(
        "--extra-images",
        action="store_true",
        help="also train on _synth.EXTRA_TRAIN (more scikit-image samples, clean shared frames)",
    )
    a = ap.parse_args(argv)
    train(
        a.name,
        a.data,
        a.out,
        seed=a.seed,
        minutes=a.minutes,
        iters=a.iters,
        keep_state_dict=a.keep_state_dict,
        init=a.init,
        overrides={
            "lr": a.lr,
            "patch": a.patch,
            "batch": a.batch,
            "density_weight": a.density_weight,
            "loss": a.loss,
            "colour_augment": a.colour_augment,
        },
        threads=a.threads,
        extra_images=a.extra_images,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
