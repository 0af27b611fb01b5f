"""The ``jointfilter demo`` job: flash/no-flash denoising on built-in synthetic data.

The scene is generated (no data files, no downloads): a colour image with edges, gradients
and fine texture. Its "flash" twin is the same scene relit (brighter, slightly different tone
curve, sharp and clean); the "no-flash" target is the scene at ambient light (dim) with
Poisson-Gaussian sensor noise. The guided filter restores the target under the flash image's
structure, and the demo reports PSNR against the clean ambient image.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._filters import guided_filter


@dataclass(frozen=True)
class DemoPair:
    clean: np.ndarray  # ambient ground truth, float32 [0, 1], (H, W, 3)
    noisy: np.ndarray  # no-flash target
    flash: np.ndarray  # guide


def synthetic_scene(height: int = 768, width: int = 1024, seed: int = 0) -> np.ndarray:
    """A deterministic colour test scene in [0, 1]: shapes, gradients, stripes and texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xx / width, yy / height
    img = np.stack([0.25 + 0.5 * u, 0.3 + 0.4 * v, 0.6 - 0.3 * u * v], axis=-1)
    for _ in range(14):  # discs and boxes with flat colours
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        size = rng.uniform(0.05, 0.18) * min(height, width)
        color = rng.uniform(0.05, 0.95, size=3).astype(np.float32)
        if rng.random() < 0.5:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 < size**2
        else:
            mask = (np.abs(yy - cy) < size) & (np.abs(xx - cx) < 0.7 * size)
        img[mask] = color
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * (xx + 0.3 * yy) / 9.0)  # fine periodic detail
    band = (v > 0.78) & (v < 0.9)
    img[band] = img[band] * (0.6 + 0.4 * stripes[band, None])
    texture = rng.normal(0.0, 1.0, (height // 4 + 1, width // 4 + 1)).astype(np.float32)
    texture = np.kron(texture, np.ones((4, 4), np.float32))[:height, :width]
    img *= 1.0 + 0.06 * texture[..., None]
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def make_pair(clean_scene: np.ndarray, ambient: float = 0.35, seed: int = 1) -> DemoPair:
    """Flash/no-flash pair from a clean scene: dim + Poisson-Gaussian noise vs relit guide."""
    rng = np.random.default_rng(seed)
    clean = (ambient * clean_scene).astype(np.float32)
    photons = 120.0  # photons at full scale: shot noise dominates in the dim image
    shot = rng.poisson(clean * photons).astype(np.float32) / photons
    noisy = np.clip(shot + rng.normal(0.0, 0.02, clean.shape), 0.0, 1.0).astype(np.float32)
    flash = np.clip(0.15 + 0.85 * clean_scene**0.8, 0.0, 1.0).astype(np.float32)
    return DemoPair(clean=clean, noisy=noisy, flash=flash)


def _to_u8(img: np.ndarray, gain: float = 1.0) -> np.ndarray:
    return np.clip(np.rint(img * gain * 255.0), 0, 255).astype(np.uint8)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB (or gray) image atomically: a crash or Ctrl-C leaves no partial file."""
    from .batch import write_image_atomic

    write_image_atomic(path, rgb)


def run_demo(
    out_dir: Path,
    *,
    height: int = 768,
    width: int = 1024,
    radius: int = 8,
    eps: float = 4e-3,
    repeat: int = 5,
    tasks: bool = True,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Run the demo, write PNGs and ``index.html`` to `out_dir`, and return the numbers.

    Besides the headline guided filter, every restore task runs on its synthetic protocol and a
    synthetic infrared/visible pair is fused (``tasks=True``); the real pairs of `data_dir`
    (``../shared/data``) are added to both galleries when present.
    """
    from ._gallery import gallery_html, run_fusion_gallery, run_real_pairs, run_task_gallery
    from .metrics import psnr

    pair = make_pair(synthetic_scene(height, width))
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        restored = guided_filter(pair.noisy, pair.flash, radius=radius, eps=eps)
        times.append(time.perf_counter() - t0)
    seconds = float(np.median(times))
    megapixels = height * width / 1e6
    result = {
        "psnr_before": psnr(pair.clean, pair.noisy, data_range=1.0),
        "psnr_after": psnr(pair.clean, restored, data_range=1.0),
        "ms": 1000.0 * seconds,
        "ms_per_megapixel": 1000.0 * seconds / megapixels,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    gain = 1.0 / 0.35  # show the dim images at normal brightness
    images = {
        "noflash_noisy.png": _to_u8(pair.noisy, gain),
        "flash_guide.png": _to_u8(pair.flash),
        "restored.png": _to_u8(restored, gain),
        "ground_truth.png": _to_u8(pair.clean, gain),
    }
    for name, img in images.items():
        _write_png(out_dir / name, img)
    task_rows = run_task_gallery(out_dir, min(height, 384), min(width, 512)) if tasks else []
    real_rows = run_real_pairs(out_dir, data_dir) if tasks and data_dir is not None else []
    fusion_rows = (
        run_fusion_gallery(out_dir, min(height, 384), min(width, 512), data_dir) if tasks else []
    )
    extra = gallery_html(task_rows, real_rows, fusion_rows) if tasks else ""
    _write_html(out_dir / "index.html", result, radius, eps, (height, width), extra)
    return {**result, "tasks": task_rows, "real": real_rows, "fusion": fusion_rows}


def _write_html(
    path: Path,
    r: dict[str, float],
    radius: int,
    eps: float,
    shape: tuple[int, int],
    extra: str = "",
) -> None:
    cells = [
        (
            "No-flash input (noisy, brightened for display)",
            "noflash_noisy.png",
            f"PSNR {r['psnr_before']:.2f} dB",
        ),
        ("Flash guide", "flash_guide.png", "guide"),
        ("Guided filter result", "restored.png", f"PSNR {r['psnr_after']:.2f} dB"),
        ("Ground truth (clean ambient)", "ground_truth.png", "reference"),
    ]
    figures = "\n".join(
        f'<figure><img src="{f}" alt="{html.escape(t)}"><figcaption>{html.escape(t)}<br>'
        f"{html.escape(c)}</figcaption></figure>"
        for t, f, c in cells
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jointfilter demo</title>
<style>body{{font-family:sans-serif;margin:2em}} figure{{display:inline-block;margin:.5em}}
img{{max-width:480px}} img.t{{max-width:200px}} td,th{{padding:.2em .8em;text-align:left}}
</style></head><body>
<h1>jointfilter demo: flash/no-flash denoising</h1>
<p>Synthetic {shape[1]}x{shape[0]} scene; the no-flash image is dim with Poisson-Gaussian noise,
the flash image is the relit scene. <code>guided_filter(noflash, flash, radius={radius},
eps={eps})</code>.</p>
<table><tr><th>PSNR before</th><td>{r["psnr_before"]:.2f} dB</td></tr>
<tr><th>PSNR after</th><td>{r["psnr_after"]:.2f} dB</td></tr>
<tr><th>time</th><td>{r["ms"]:.1f} ms ({r["ms_per_megapixel"]:.1f} ms per megapixel)</td></tr>
</table>
{figures}
{extra}
</body></html>
"""
    from .batch import _write_bytes_atomic

    _write_bytes_atomic(path, page.encode("utf-8"))
