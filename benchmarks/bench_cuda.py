"""GPU timings of every CUDA kernel family, with the device recorded.

Needs a CUDA device, CuPy and a CUDA build; without them it says why and exits 0. Run:
``python benchmarks/bench_cuda.py [--repeat 20] [--json out.json]``. Compare with the plan in
docs/cuda.md (written before any GPU run): a result far outside it means the model is wrong.

Timed with CUDA events on the current stream (median of `repeat` runs after one warm-up):

- guided filter, ``subsample=1`` (gray/colour guide, 1/3-channel target);
- fast guided filter, ``subsample=2`` and ``4``;
- the ``GuidedFilter`` object (device workspace and stream kept) against the function, and the
  bytes CuPy's pool allocates per frame (should be 0 for the object with ``out=``);
- min and max filters (uint8 and float32, 1 and 3 channels, radius 7: the dark channel's 15x15);
- box filter;
- GFF fusion, ``jf.fuse(ir, vis, method="guided")`` (gray infrared + RGB uint8 visible, default
  parameters, and the fast variant ``subsample=4``) and focus fusion (``method="focus"`` with the
  pyramid, two-scale and weighted blends) at 768x576 and 1080p, with the CPU's time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import jointfilter as jf

SIZES = {"1080p": (1080, 1920), "4K": (2160, 3840)}
FUSE_SIZES = {"768x576": (576, 768), "1080p": (1080, 1920)}


def _time(cupy: Any, fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of fn() between CUDA events on the current stream."""
    fn()  # warm-up (CuPy's pool, module loading)
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    times = []
    for _ in range(repeat):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop))
    return float(np.median(times))


def _pool_growth(cupy: Any, fn: Callable[[], Any]) -> int:
    """Bytes CuPy's default pool holds more after one more call (steady state)."""
    fn()
    cupy.cuda.get_current_stream().synchronize()
    pool = cupy.get_default_memory_pool()
    before = pool.used_bytes()
    fn()
    cupy.cuda.get_current_stream().synchronize()
    return int(pool.used_bytes() - before)


def run(cupy: Any, repeat: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    rows: list[dict[str, Any]] = []

    def record(case: str, size: str, ms: float, **extra: Any) -> None:
        h, w = {**SIZES, **FUSE_SIZES}[size]
        row = {"case": case, "size": size, "ms": round(ms, 4), "mpix_per_s": h * w / ms / 1e3}
        row.update(extra)
        rows.append(row)
        print(f"{size:5s} {case:44s} {ms:8.3f} ms  {row['mpix_per_s']:9.0f} MP/s", flush=True)

    for size, (h, w) in SIZES.items():
        for cg, ct in ((1, 1), (3, 1), (3, 3)):
            guide = cupy.asarray(rng.random((h, w, cg), dtype=np.float32))
            target = cupy.asarray(rng.random((h, w, ct), dtype=np.float32))
            out = cupy.empty_like(target)
            for s in (1, 2, 4):
                call = partial(
                    jf.guided_filter, target, guide, radius=8, eps=1e-3, subsample=s, out=out
                )
                record(f"guided {cg}ch guide {ct}ch target s={s}", size, _time(cupy, call, repeat))
            for s in (1, 4):
                f = jf.GuidedFilter(
                    (h, w, ct), np.float32, guide_channels=cg, radius=8, subsample=s
                )
                f.set_guide(guide)
                call = partial(f, target, out=out)
                grow = _pool_growth(cupy, call)
                ms = _time(cupy, call, repeat)
                device = f._device.nbytes if f._device is not None else 0
                record(
                    f"GuidedFilter object {cg}ch/{ct}ch s={s}",
                    size,
                    ms,
                    pool_growth_bytes=grow,
                    device_workspace_bytes=device,
                )
                f.close()
        for dtype in (np.uint8, np.float32):
            for c in (1, 3):
                img = cupy.asarray((rng.random((h, w, c)) * 255).astype(dtype))
                out = cupy.empty_like(img)
                for name, fn in (("min", jf.min_filter), ("max", jf.max_filter)):
                    ms = _time(cupy, partial(fn, img, 7, out=out), repeat)
                    record(f"{name}_filter r=7 {np.dtype(dtype).name} {c}ch", size, ms)
        img = cupy.asarray(rng.random((h, w, 3), dtype=np.float32))
        out = cupy.empty_like(img)
        ms = _time(cupy, partial(jf.box_filter, img, 8, out=out), repeat)
        record("box_filter r=8 float32 3ch", size, ms)
    for size, (h, w) in FUSE_SIZES.items():
        ir_host = (rng.random((h, w)) * 255).astype(np.uint8)
        vis_host = (rng.random((h, w, 3)) * 255).astype(np.uint8)
        ir, vis = cupy.asarray(ir_host), cupy.asarray(vis_host)
        cases = [("guided", {}), ("guided", {"subsample": 4})]
        cases += [("focus", {"blend": b}) for b in ("pyramid", "two_scale", "weighted")]
        for method, params in cases:
            run_gpu = partial(jf.fuse, ir, vis, method=method, **params)
            gpu_ms = _time(cupy, run_gpu, repeat)
            cpu_ms = _cpu_time(partial(jf.fuse, ir_host, vis_host, method=method, **params))
            extra = " ".join(f"{k}={v}" for k, v in params.items())
            label = f"fuse {method} gray+RGB u8" + (f" {extra}" if extra else "")
            record(label, size, gpu_ms, cpu_ms=round(cpu_ms, 2), cpu_over_gpu=cpu_ms / gpu_ms)
    return rows


def _cpu_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Median milliseconds of fn() on the host (the CPU path, for the ratio)."""
    import time

    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", help="also write the results (and the device) to this file")
    args = parser.parse_args()
    info = jf.build_info()
    try:
        import cupy
    except ImportError:
        print("skipped: CuPy is not installed (pip install 'jointfilter[gpu]')")
        return 0
    if not info["cuda_built"]:
        print(f"skipped: {info['cuda_status']}")
        return 0
    try:
        available = cupy.cuda.is_available()
    except cupy.cuda.runtime.CUDARuntimeError:
        available = False
    if not available or not info["cuda_devices"]:
        print(f"skipped: no CUDA device ({info['cuda_status']})")
        return 0
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    header = {"device": name, "jointfilter": info}
    print(json.dumps(header, default=str))
    rows = run(cupy, args.repeat)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({**header, "results": rows}, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
