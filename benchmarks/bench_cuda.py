"""GPU guided filter timing, with the device recorded (needs a CUDA device, CuPy, CUDA build).

Run: ``python benchmarks/bench_cuda.py [--repeat 20]``. Compare with the plan in docs/cuda.md.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import jointfilter as jf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    info = jf.build_info()
    try:
        import cupy
    except ImportError:
        print("CuPy is not installed: pip install 'jointfilter[gpu]'")
        return 0
    if not info["cuda_built"] or not cupy.cuda.is_available():
        print(f"no CUDA device: {info['cuda_status']}")
        return 0
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    print(json.dumps({"device": props["name"].decode(), "jointfilter": info}, default=str))
    rng = np.random.default_rng(0)
    for name, (h, w) in {"1080p": (1080, 1920), "4K": (2160, 3840)}.items():
        for guide_channels, target_channels in ((1, 1), (3, 1), (3, 3)):
            guide = cupy.asarray(rng.random((h, w, guide_channels), dtype=np.float32))
            target = cupy.asarray(rng.random((h, w, target_channels), dtype=np.float32))
            out = cupy.empty_like(target)
            start, stop = cupy.cuda.Event(), cupy.cuda.Event()
            jf.guided_filter(target, guide, radius=8, eps=1e-3, out=out)  # warm-up
            times = []
            for _ in range(args.repeat):
                start.record()
                jf.guided_filter(target, guide, radius=8, eps=1e-3, out=out)
                stop.record()
                stop.synchronize()
                times.append(cupy.cuda.get_elapsed_time(start, stop))
            ms = float(np.median(times))
            print(f"{name} guide {guide_channels}ch target {target_channels}ch: {ms:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
