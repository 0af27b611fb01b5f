"""Make the gallery images of docs/tasks/*.md: every task on its synthetic protocol.

Each image is one strip, left to right: the degraded target, the guide, ``restore()``'s result
with the task's defaults, and the ground truth. The clean images are scikit-image samples with
no copyright restrictions (astronaut: NASA, public domain; coffee and chelsea: CC0), resized to
a 256-pixel short side; the degradations are the documented protocols of
``jointfilter.restoration._protocols`` (seed 0). The script prints the Markdown lines (PSNR and
SSIM of the target and of the result against the truth) that docs/tasks/<task>.md shows under each
image.

Usage (needs scikit-image and OpenCV, the ``test`` extra)::

    python docs/gallery/make_gallery.py            # writes docs/gallery/<task>.jpg
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from skimage import data, transform

from jointfilter import restore
from jointfilter.metrics import psnr, ssim
from jointfilter.restoration._common import bilinear_resize
from jointfilter.restoration._protocols import make_noisy, make_sample

OUT = Path(__file__).resolve().parent
SHORT_SIDE = 256
GAP = 4  # white pixels between the panels
#: task -> clean sample image (None: the generic task, on the flash_denoise sample's truth)
IMAGES = {
    None: "chelsea",
    "flash_denoise": "astronaut",
    "flash_deblur": "coffee",
    "nir_dehaze": "coffee",
    "day_night": "astronaut",
    "structure_transfer": "chelsea",
    "depth_upsample": "astronaut",
}


def clean_image(name: str) -> np.ndarray:
    img = getattr(data, name)()
    h, w = img.shape[:2]
    s = SHORT_SIDE / min(h, w)
    out = transform.resize(img, (round(h * s), round(w * s)), anti_aliasing=True)
    return out.astype(np.float32)


def panel(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 RGB of `shape` (a smaller depth map is shown upsampled, nearest)."""
    x = np.clip(np.asarray(img, np.float32), 0.0, 1.0)
    if x.shape[:2] != shape:
        ys = np.arange(shape[0]) * x.shape[0] // shape[0]
        xs = np.arange(shape[1]) * x.shape[1] // shape[1]
        x = x[ys][:, xs]
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    return np.rint(x * 255).astype(np.uint8)


def strip(images: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    out = np.full((h, len(images) * (w + GAP) - GAP, 3), 255, np.uint8)
    for i, img in enumerate(images):
        out[:, i * (w + GAP) : i * (w + GAP) + w] = panel(img, shape)
    return out


def main() -> int:
    lines = []
    for task, name in IMAGES.items():
        clean = clean_image(name)
        sample = make_sample(task or "flash_denoise", clean)
        if task is None:
            sample = make_noisy(sample)
        result = restore(sample.target, sample.guide, task=task, **sample.overrides)
        truth = sample.truth
        before = sample.target
        if before.shape[:2] != truth.shape[:2]:  # depth: score a bilinear upsampling
            before = bilinear_resize(before, truth.shape[:2])
        shape = truth.shape[:2]
        img = strip([sample.target, sample.guide, result, truth], shape)
        file = OUT / f"{task or 'generic'}.jpg"
        cv2.imwrite(str(file), img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
        scores = [
            f"PSNR {psnr(truth, x, data_range=1.0):.2f} dB, "
            f"SSIM {ssim(truth, x, data_range=1.0):.3f}"
            for x in (before, result)
        ]
        lines.append(
            f"{task}: `{file.name}` ({name}): target {scores[0]}; result {scores[1]} "
            f"({file.stat().st_size // 1024} KB)"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
