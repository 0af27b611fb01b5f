"""The demo's galleries: every restore task on its synthetic protocol, real restore pairs, and
infrared/visible fusion (a synthetic pair and the real pairs of ``../shared/data/ir_vis``)."""

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


#: real infrared/visible pairs shown when ../shared/data/ir_vis is present (scene prefixes)
FUSION_PAIRS = ("tno_01", "roadscene_flir00211")
#: the fusion metrics shown per image (direction: all higher is better)
FUSION_METRICS = ("EN", "SD", "MI", "Qabf", "VIFF")


def synthetic_ir_vis(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A registered infrared/visible pair made from the built-in scene (float32 in [0, 1]).

    Visible: the scene darkened, with its texture. Infrared: a smooth warm background with two
    hot, textureless targets that the visible image does not show.
    """
    rgb = synthetic_scene(height, width, seed=3)
    vis = (0.55 * rgb).astype(np.float32)
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    ir = 0.3 + 0.15 * (yy / max(height - 1, 1))
    for cy, cx, r in ((0.35, 0.3, 0.12), (0.65, 0.7, 0.15)):
        disc = (yy - cy * height) ** 2 + (xx - cx * width) ** 2 < (r * min(height, width)) ** 2
        ir = np.where(disc, 0.9, ir)
    return ir.astype(np.float32), vis


def run_fusion_gallery(
    out_dir: Path, height: int, width: int, data_dir: Path | None
) -> list[dict[str, Any]]:
    """Fuse the synthetic pair (and the real pairs found under `data_dir`/ir_vis) with the
    ``"guided"`` and ``"focus"`` methods and the per-pixel average and maximum; returns the
    metrics of each result (VIFB definitions, :func:`jointfilter.metrics.fusion_metrics`)."""
    from .batch import read_image
    from .fusion import fuse
    from .fusion._color import rgb_to_ycbcr, ycbcr_to_rgb
    from .metrics import fusion_metrics

    pairs: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("synthetic", *synthetic_ir_vis(height, width))
    ]
    folder = data_dir / "ir_vis" if data_dir is not None else None
    for scene in FUSION_PAIRS if folder is not None and folder.is_dir() else ():
        found = [sorted(folder.glob(f"{scene}_{kind}.*")) for kind in ("ir", "vis")]
        if all(found):
            ir, vis = read_image(found[0][0]), read_image(found[1][0])
            if ir.ndim == 3:
                ir = ir[..., 0]  # infrared stored as three identical channels
            if ir.shape[:2] == vis.shape[:2]:
                pairs.append((f"ir_vis/{scene}", ir, vis))
    rows: list[dict[str, Any]] = []
    for name, ir, vis in pairs:
        ir01 = ir.astype(np.float32) / (255.0 if ir.dtype == np.uint8 else 1.0)
        vis01 = vis.astype(np.float32) / (255.0 if vis.dtype == np.uint8 else 1.0)
        results: dict[str, np.ndarray] = {}
        ms: dict[str, float] = {}
        for method in ("guided", "focus"):
            t0 = time.perf_counter()
            results[method] = fuse(ir01, vis01, method=method)
            ms[method] = 1000.0 * (time.perf_counter() - t0)
        # baselines fuse the visible luminance with the infrared and keep the chroma, as fuse does
        y, cb, cr = rgb_to_ycbcr(vis01) if vis01.ndim == 3 else (vis01, None, None)
        for base, plane in (("average", 0.5 * (ir01 + y)), ("maximum", np.maximum(ir01, y))):
            results[base] = plane if cb is None else ycbcr_to_rgb(plane, cb, cr)
        slug = name.replace("/", "_")
        files = {}
        for role, img in (("ir", ir01), ("vis", vis01), *results.items()):
            files[role] = f"fusion_{slug}_{role}.png"
            _write_png(out_dir / files[role], _display(img))
        scores = {
            method: {
                k: float(v.value)
                for k, v in fusion_metrics(
                    ir01, vis01, np.clip(img, 0.0, 1.0), metrics=list(FUSION_METRICS)
                ).items()
            }
            for method, img in results.items()
        }
        rows.append({"pair": name, "files": files, "metrics": scores, "ms": ms})
    return rows


def _cells(files: dict[str, str], roles: tuple[str, ...]) -> str:
    return "".join(f'<td><img class="t" src="{files[k]}" alt="{k}"></td>' for k in roles)


def gallery_html(
    tasks: list[dict[str, Any]],
    real: list[dict[str, Any]],
    fusion: list[dict[str, Any]] | None = None,
) -> str:
    """HTML tables of the task gallery, the real pairs and the fusion gallery."""
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
    if fusion:
        parts.append(
            "<h2>Infrared/visible fusion</h2><p><code>fuse(ir, vis, method=...)</code> against the "
            "per-pixel average and maximum of the infrared and the visible luminance (chroma "
            "kept); metrics: VIFB definitions, higher is better.</p><table>"
        )
        roles = ("ir", "vis", "guided", "focus", "average", "maximum")
        parts.append("<tr><th>pair</th>" + "".join(f"<th>{r}</th>" for r in roles) + "</tr>")
        for r in fusion:
            parts.append(f"<tr><td>{html.escape(r['pair'])}</td>{_cells(r['files'], roles)}</tr>")
        parts.append("</table><table><tr><th>pair</th><th>method</th>")
        parts.append("".join(f"<th>{m}</th>" for m in FUSION_METRICS) + "</tr>")
        for r in fusion:
            for method, scores in r["metrics"].items():
                values = "".join(f"<td>{scores[m]:.3f}</td>" for m in FUSION_METRICS)
                parts.append(f"<tr><td>{html.escape(r['pair'])}</td><td>{method}</td>{values}</tr>")
        parts.append("</table>")
    return "\n".join(parts)
