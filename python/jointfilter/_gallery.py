"""The demo's restore gallery: every task on its synthetic protocol, and real pairs."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._demo import _to_u8, _write_png, synthetic_scene

#: real pairs shown when ../shared/data is present: (task, folder, target, guide)
REAL_PAIRS = [
    ("flash_denoise", "flash_noflash", "cave_noflash.png", "cave_flash.png"),
    ("nir_dehaze", "rgb_nir", "knoll_rgb.png", "knoll_nir.png"),
    ("day_night", "day_night", "stlouis_night.png", "stlouis_day.png"),
]


def _display(img: np.ndarray) -> np.ndarray:
    """uint8 RGB for the gallery (gray stacked to three channels)."""
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    return _to_u8(np.clip(x, 0.0, 1.0))


def run_task_gallery(out_dir: Path, height: int, width: int) -> list[dict[str, Any]]:
    """Every restore task on its protocol (``jointfilter.restoration._protocols``), made from
    the built-in synthetic scene; returns PSNR/SSIM before and after per task."""
    from .metrics import psnr, ssim
    from .restoration import TASKS, restore
    from .restoration._common import bilinear_resize
    from .restoration._protocols import make_sample

    clean = synthetic_scene(height, width, seed=2)
    rows: list[dict[str, Any]] = []
    for task in TASKS:
        sample = make_sample(task, clean)
        t0 = time.perf_counter()
        result = restore(sample.target, sample.guide, task=task, **sample.overrides)
        ms = 1000.0 * (time.perf_counter() - t0)
        before = sample.target
        if before.shape[:2] != sample.truth.shape[:2]:  # depth: compare a bilinear upsampling
            before = bilinear_resize(before, sample.truth.shape[:2])
        files = {}
        images = (
            ("target", sample.target),
            ("guide", sample.guide),
            ("result", result),
            ("truth", sample.truth),
        )
        for role, img in images:
            name = f"{task}_{role}.png"
            _write_png(out_dir / name, _display(img))
            files[role] = name
        rows.append(
            {
                "task": task,
                "psnr_before": psnr(sample.truth, before, data_range=1.0),
                "psnr_after": psnr(sample.truth, result, data_range=1.0),
                "ssim_before": float(ssim(sample.truth, before, data_range=1.0)),
                "ssim_after": float(ssim(sample.truth, result, data_range=1.0)),
                "ms": ms,
                "files": files,
            }
        )
    return rows


def run_real_pairs(out_dir: Path, data_dir: Path) -> list[dict[str, Any]]:
    """Restore the real pairs found in `data_dir` (no ground truth: gallery only)."""
    from .batch import read_image
    from .restoration import restore

    rows: list[dict[str, Any]] = []
    for task, folder, target_name, guide_name in REAL_PAIRS:
        tp, gp = data_dir / folder / target_name, data_dir / folder / guide_name
        if not (tp.is_file() and gp.is_file()):
            continue
        target, guide = read_image(tp), read_image(gp)
        if task == "nir_dehaze" and guide.ndim == 3:
            guide = guide[..., 0]  # NIR stored as three identical channels
        if guide.shape[:2] != target.shape[:2]:
            continue
        result = restore(target, guide, task=task)
        files = {}
        for role, img in (("target", target), ("guide", guide), ("result", result)):
            name = f"real_{folder}_{role}.png"
            _write_png(
                out_dir / name, np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img
            )
            files[role] = name
        rows.append({"task": task, "source": f"{folder}/{target_name}", "files": files})
    return rows


def _cells(files: dict[str, str], roles: tuple[str, ...]) -> str:
    return "".join(f'<td><img class="t" src="{files[k]}" alt="{k}"></td>' for k in roles)


def gallery_html(tasks: list[dict[str, Any]], real: list[dict[str, Any]]) -> str:
    """HTML tables of the task gallery and the real pairs."""
    parts = [
        "<h2>Every task on its synthetic protocol</h2><table>",
        "<tr><th>task</th><th>target</th><th>guide</th><th>result</th><th>truth</th>"
        "<th>PSNR before / after</th><th>SSIM before / after</th></tr>",
    ]
    for r in tasks:
        parts.append(
            f"<tr><td>{r['task']}</td>{_cells(r['files'], ('target', 'guide', 'result', 'truth'))}"
            f"<td>{r['psnr_before']:.2f} / {r['psnr_after']:.2f} dB</td>"
            f"<td>{r['ssim_before']:.3f} / {r['ssim_after']:.3f}</td></tr>"
        )
    parts.append("</table>")
    if real:
        parts.append("<h2>Real pairs (../shared/data; no ground truth)</h2><table>")
        parts.append(
            "<tr><th>task</th><th>source</th><th>target</th><th>guide</th><th>result</th></tr>"
        )
        for r in real:
            source = html.escape(str(r["source"]))
            cells = _cells(r["files"], ("target", "guide", "result"))
            parts.append(f"<tr><td>{r['task']}</td><td>{source}</td>{cells}</tr>")
        parts.append("</table>")
    return "\n".join(parts)
