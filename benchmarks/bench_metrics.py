"""Benchmark of jointfilter.metrics.

Times all 18 fusion metrics on a 768x576 (width x height) infrared/visible/fused triple on one
thread (best of ``--repeat`` runs, wall clock and CPU time) and prints a per-metric breakdown.
When ``../shared/data/ir_vis`` (or ``--data``) exists, also prints the metric table for a few
pairs, with the per-pixel average and maximum as stand-in fused images.

Usage::

    python benchmarks/bench_metrics.py [--repeat 7] [--pairs 4] [--data DIR]

Single-thread: set the thread variables before NumPy/SciPy load (done below when unset).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from jointfilter.metrics import METRIC_NAMES, fusion_metrics  # noqa: E402
from jointfilter.metrics import _fusion as _impl  # noqa: E402
from jointfilter.metrics._convert import prepare_planes  # noqa: E402

HEIGHT, WIDTH = 576, 768
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ir_vis"


def synthetic_triple(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A structured 576x768 uint8 triple (smooth 'thermal' blobs, textured 'visible')."""
    rng = np.random.default_rng(seed)

    def to_u8(x: np.ndarray) -> np.ndarray:
        x = (x - x.min()) / (x.max() - x.min())
        return np.round(x * 255).astype(np.uint8)

    ir = to_u8(ndimage.gaussian_filter(rng.random((HEIGHT, WIDTH)), 6))
    vis = to_u8(ndimage.gaussian_filter(rng.random((HEIGHT, WIDTH)), 1.2))
    fused = to_u8(0.5 * ir.astype(float) + 0.5 * vis + ndimage.laplace(vis.astype(float)) * 0.2)
    return ir, vis, fused


def best_of(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds over ``repeat`` calls (after one warm-up)."""
    fn()
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def time_all(repeat: int) -> None:
    ir, vis, fused = synthetic_triple()
    wall, cpu = best_of(lambda: fusion_metrics(ir, vis, fused), repeat)
    print(f"all 18 metrics, {WIDTH}x{HEIGHT} uint8 triple, 1 thread, best of {repeat}:")
    print(f"  fusion_metrics: {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms CPU (target < 500 ms)")
    planes = prepare_planes(ir, vis, fused)
    print("  per metric (kernel only, wall ms):")
    for name in METRIC_NAMES:
        spec = _impl._SPECS[name]
        w, _ = best_of(lambda spec=spec: _impl._evaluate(spec, spec.default, planes), repeat)
        print(f"    {name:5s} {w * 1e3:7.1f}")


def _load(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)


def metric_table(data: Path, pairs: int) -> None:
    irs = sorted(data.glob("*_ir.*"))[:pairs]
    if not irs:
        print(f"no *_ir.* files in {data}")
        return
    print(f"\nmetric table ({data}, color_mode='gray'; fused = per-pixel mean / max):")
    header = "pair                        fused " + " ".join(f"{n:>8s}" for n in METRIC_NAMES)
    print(header)
    for ir_path in irs:
        stem = ir_path.name.rsplit("_ir.", 1)[0]
        vis_paths = sorted(data.glob(f"{stem}_vis.*"))
        if not vis_paths:
            continue
        ir = _load(ir_path)
        vis = _load(vis_paths[0])
        if ir.shape[:2] != vis.shape[:2]:
            print(f"{stem}: size mismatch {ir.shape} vs {vis.shape}, skipped")
            continue
        ir_g = ir if ir.ndim == 2 else ir[..., 0]
        vis_f = vis.astype(np.float64)
        ir_b = ir_g.astype(np.float64)[..., None] if vis.ndim == 3 else ir_g.astype(np.float64)
        for label, fused in (
            ("mean", np.round((vis_f + ir_b) / 2).astype(np.uint8)),
            ("max", np.maximum(vis_f, ir_b).astype(np.uint8)),
        ):
            res = fusion_metrics(ir_g, vis, fused)
            row = " ".join(f"{res[n].value:8.4f}" for n in METRIC_NAMES)
            print(f"{stem[:27]:27s} {label:5s} {row}")
    print(
        "direction: "
        + " ".join(f"{n}{'+' if mv.higher_is_better else '-'}" for n, mv in res.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    time_all(args.repeat)
    if args.data.is_dir():
        metric_table(args.data, args.pairs)


if __name__ == "__main__":
    main()
