"""Speed of jointfilter.fuse per method: C++ steps against the NumPy reference path.

Fuses a 768x576 pair (uint8 gray infrared, uint8 RGB or gray visible; random data, or the first
pair of ``../shared/data/ir_vis`` resized by cropping/tiling with ``--real``) and prints, per
method, the median wall time of ``--repeat`` calls after one warm-up call, with
``jointfilter.set_num_threads(--threads)``, and the same for the NumPy reference
implementations of the weighting and blending steps (``numpy_reference()``; the box and guided
filters are the C++ core's in both) with their ratio. Not a test: nothing fails.

Usage::

    python benchmarks/bench_fusion_speed.py [--threads 2] [--repeat 15] [--methods guided,focus]
                                            [--real] [--no-reference]

Timings on a machine shared with other jobs vary; compare the ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import jointfilter as jf
from jointfilter.fusion import fuse
from jointfilter.fusion._common import numpy_reference

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ir_vis"
SHAPE = (576, 768)


def _fit(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Mirror-tile or crop `img` to `shape` (no resampling)."""
    h, w = shape
    ph, pw = max(0, h - img.shape[0]), max(0, w - img.shape[1])
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (img.ndim - 2)
    return np.ascontiguousarray(np.pad(img, pad, mode="symmetric")[:h, :w])


def pair(real: bool) -> tuple[np.ndarray, np.ndarray]:
    """(infrared gray uint8, visible RGB uint8) of SHAPE."""
    if real:
        from PIL import Image

        for ir_path in sorted(DATA.glob("*_ir.*")):
            vis_path = sorted(DATA.glob(ir_path.name.replace("_ir.", "_vis.").split(".")[0] + ".*"))
            if not vis_path:
                continue
            with Image.open(ir_path) as a, Image.open(vis_path[0]) as b:
                ir = np.asarray(a.convert("L"))
                vis = np.asarray(b.convert("RGB"))
            if ir.shape[:2] == vis.shape[:2]:
                return _fit(ir, SHAPE), _fit(vis, SHAPE)
        raise SystemExit(f"no registered pair in {DATA}")
    rng = np.random.default_rng(0)
    return (
        rng.integers(0, 256, SHAPE, dtype=np.uint8),
        rng.integers(0, 256, (*SHAPE, 3), dtype=np.uint8),
    )


def median_ms(
    ir: np.ndarray, vis: np.ndarray, method: str, repeat: int
) -> tuple[float, float, float]:
    """Median and minimum wall time, median process CPU time (all threads) of a call, in ms."""
    fuse(ir, vis, method=method)  # warm-up (allocations, thread pool)
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fuse(ir, vis, method=method)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)), 1e3 * min(wall), 1e3 * float(np.median(cpu))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--methods", default="guided,focus")
    ap.add_argument("--real", action="store_true", help="a shared IR/VIS pair instead of noise")
    ap.add_argument("--no-reference", action="store_true", help="skip the NumPy reference path")
    args = ap.parse_args()
    jf.set_num_threads(args.threads)
    ir, vis = pair(args.real)
    print(
        f"fuse, {SHAPE[1]}x{SHAPE[0]}, {'real' if args.real else 'random'} data, "
        f"{jf.get_num_threads()} threads, median of {args.repeat}"
    )
    print("median wall ms [minimum] (median CPU ms of all threads: robust to other jobs)")
    print(f"{'method':7} {'visible':7} {'C++':>24} {'NumPy reference':>25} {'ratio':>6}")
    for method in args.methods.split(","):
        for label, v in (("rgb", vis), ("gray", np.ascontiguousarray(vis[:, :, 1]))):
            new, new_min, new_cpu = median_ms(ir, v, method, args.repeat)
            row = f"{method:7} {label:7} {new:6.1f} [{new_min:5.1f}] ({new_cpu:5.1f} cpu)"
            if not args.no_reference:
                with numpy_reference():
                    old, old_min, old_cpu = median_ms(ir, v, method, args.repeat)
                row += f" {old:6.1f} [{old_min:5.1f}] ({old_cpu:5.1f} cpu) {old / new:6.1f}"
            print(row)


if __name__ == "__main__":
    main()
