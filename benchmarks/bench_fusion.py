"""Quality (and time) benchmark of jointfilter.fusion.fuse on the shared IR/VIS pairs.

For every pair ``<scene>_ir.* / <scene>_vis.*`` in ``../shared/data/ir_vis`` (or ``--data``),
fuses with ``method="guided"`` and ``method="focus"`` (and ``"cnn"`` when its model and runtime
are installed) and with two baselines, the per-pixel **average** and per-pixel **maximum**.
All methods use the same colour handling: the visible image's BT.601 luminance is fused with
the (gray) infrared image and the visible chroma is kept, so the baselines differ from ours only
in the fusion rule. Every result is the uint8 image a benchmark would save, scored with
``jointfilter.metrics.fusion_metrics`` (defaults: VIFB definitions, colour compared in gray
through MATLAB ``rgb2gray``) on EN, SD, SF, AG, MI, Qab/f and VIFF.

Prints the full table, the means over the set, the issue-4 targets (beat average and maximum
on Qab/f, VIFF and MI on every pair; beat both on >= 5 of the 7 metrics on average) and the
fusion time per pair. Not a test: nothing fails, the verdict is printed.

Usage::

    python benchmarks/bench_fusion.py [--data DIR] [--methods guided,focus,cnn] [--csv FILE]
                                      [--out DIR] [--cnn-model blur-cnn | FILE.onnx]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from jointfilter.errors import MissingDependencyError
from jointfilter.fusion import fuse
from jointfilter.fusion._color import rgb_to_ycbcr, ycbcr_to_rgb

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ir_vis"
METRICS = ("EN", "SD", "SF", "AG", "MI", "Qabf", "VIFF")
PER_PAIR_TARGETS = ("Qabf", "VIFF", "MI")
BASELINES = ("average", "maximum")


def read_image(path: Path) -> np.ndarray:
    """Read an 8-bit image as (H, W) or (H, W, 3) RGB uint8."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            arr = np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)
    except ImportError:
        import cv2

        arr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if arr.ndim == 3:
            arr = arr[:, :, ::-1]
    return np.ascontiguousarray(arr)


def find_pairs(data: Path) -> list[tuple[str, Path, Path]]:
    pairs = []
    for ir in sorted(data.glob("*_ir.*")):
        scene = ir.name.rsplit("_ir.", 1)[0]
        vis = sorted(data.glob(f"{scene}_vis.*"))
        if vis:
            pairs.append((scene, ir, vis[0]))
    return pairs


def baseline(ir: np.ndarray, vis: np.ndarray, rule: str) -> np.ndarray:
    """Per-pixel average or maximum of the IR and the visible luminance, chroma kept (uint8)."""
    i = ir.astype(np.float32) / 255.0
    if i.ndim == 3:
        i = i @ np.array([0.299, 0.587, 0.114], np.float32)
    v = vis.astype(np.float32) / 255.0
    if v.ndim == 3:
        y, cb, cr = rgb_to_ycbcr(v)
    else:
        y, cb, cr = v, None, None
    f = 0.5 * (i + y) if rule == "average" else np.maximum(i, y)
    if cb is not None and cr is not None:
        f = ycbcr_to_rgb(f, cb, cr)
    return np.clip(np.rint(f * 255.0), 0, 255).astype(np.uint8)


def run(args: argparse.Namespace) -> int:
    from jointfilter.metrics import fusion_metrics

    data = Path(args.data)
    if not data.is_dir():
        print(f"no data at {data}; skipping (pass --data DIR)")
        return 0
    pairs = find_pairs(data)
    if not pairs:
        print(f"no <scene>_ir / <scene>_vis pairs in {data}; skipping")
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    rows: dict[tuple[str, str], dict[str, float]] = {}
    times: dict[str, list[float]] = {m: [] for m in methods}
    skipped: dict[str, str] = {}
    for scene, ir_path, vis_path in pairs:
        ir, vis = read_image(ir_path), read_image(vis_path)
        fused: dict[str, np.ndarray] = {b: baseline(ir, vis, b) for b in BASELINES}
        for m in methods:
            if m in skipped:
                continue
            params: dict[str, Any] = {"model": args.cnn_model} if m == "cnn" else {}
            try:
                if not times[m]:
                    fuse(ir, vis, method=m, **params)  # warm-up (model load, caches)
                t0 = time.perf_counter()
                fused[m] = np.asarray(fuse(ir, vis, method=m, **params))
                times[m].append(time.perf_counter() - t0)
            except MissingDependencyError as exc:
                skipped[m] = str(exc)
        for name, img in fused.items():
            scores = fusion_metrics(ir, vis, img, metrics=list(METRICS))
            rows[(scene, name)] = {k: float(v.value) for k, v in scores.items()}
            if out_dir is not None and name in methods:
                from PIL import Image

                Image.fromarray(img).save(out_dir / f"{scene}_{name}.png")
        print(f"  {scene}: done", flush=True)

    evaluated = [m for m in methods if m not in skipped]
    names = [*BASELINES, *evaluated]
    scenes = [s for s, _, _ in pairs]
    print_table(rows, scenes, names)
    means = {
        n: {k: float(np.mean([rows[(s, n)][k] for s in scenes])) for k in METRICS} for n in names
    }
    print("\nMean over the set (higher is better for all seven)")
    print(f"{'method':<10}" + "".join(f"{k:>9}" for k in METRICS))
    for n in names:
        print(f"{n:<10}" + "".join(f"{means[n][k]:>9.4f}" for k in METRICS))

    print("\nIssue-4 targets")
    all_ok = True
    for m in evaluated:
        fails = [
            f"{s}:{k}"
            for s in scenes
            for k in PER_PAIR_TARGETS
            if not all(rows[(s, m)][k] > rows[(s, b)][k] for b in BASELINES)
        ]
        wins = [k for k in METRICS if all(means[m][k] > means[b][k] for b in BASELINES)]
        per_target = {
            k: sum(all(rows[(s, m)][k] > rows[(s, b)][k] for b in BASELINES) for s in scenes)
            for k in PER_PAIR_TARGETS
        }
        ok_pairs = not fails
        ok_mean = len(wins) >= 5
        all_ok &= ok_pairs and ok_mean
        print(
            f"  {m}: beats average and maximum on every pair for Qabf/VIFF/MI: "
            f"{'MET' if ok_pairs else 'NOT MET'} (pairs won out of {len(scenes)}: "
            + ", ".join(f"{k} {v}" for k, v in per_target.items())
            + ")"
        )
        print(
            f"  {m}: beats both on >= 5 of 7 metrics on average: "
            f"{'MET' if ok_mean else 'NOT MET'} ({len(wins)}/7: {', '.join(wins)})"
        )
    for m, why in skipped.items():
        print(f"  {m}: skipped ({why})")

    print("\nFusion time per pair (ms, mean / max over the set, NumPy weighting + C++ filters)")
    for m in evaluated:
        print(f"  {m}: {1e3 * np.mean(times[m]):.1f} / {1e3 * np.max(times[m]):.1f}")

    if args.csv:
        with open(args.csv, "w") as fh:
            fh.write("scene,method," + ",".join(METRICS) + "\n")
            for s in scenes:
                for n in names:
                    vals = ",".join(f"{rows[(s, n)][k]:.6f}" for k in METRICS)
                    fh.write(f"{s},{n},{vals}\n")
        print(f"\nwrote {args.csv}")
    print("\nall targets met" if all_ok else "\ntargets NOT all met (see above)")
    return 0


def print_table(
    rows: dict[tuple[str, str], dict[str, float]], scenes: list[str], names: Any
) -> None:
    print("\nPer pair (EN, SD, SF, AG, MI, Qabf, VIFF; VIFB definitions, gray evaluation)")
    head = f"{'scene':<22}{'method':<10}" + "".join(f"{k:>9}" for k in METRICS)
    print(head)
    print("-" * len(head))
    for s in scenes:
        for n in names:
            r = rows[(s, n)]
            print(f"{s:<22}{n:<10}" + "".join(f"{r[k]:>9.4f}" for k in METRICS))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="folder of <scene>_ir/_vis pairs")
    ap.add_argument("--methods", default="guided,focus,cnn", help="comma-separated methods")
    ap.add_argument(
        "--cnn-model",
        default="blur-cnn",
        help="model for method='cnn': registry name or a .onnx/.pt file",
    )
    ap.add_argument("--csv", default="", help="also write the table to this CSV file")
    ap.add_argument("--out", default="", help="save the fused images (PNG) to this folder")
    return run(ap.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
