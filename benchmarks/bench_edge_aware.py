"""Speed and accuracy of the edge-aware guided filters (WGIF, GDGIF) against the plain filter.

Prints, for a 1080p float32 RGB target with a gray guide (a natural image: skimage's astronaut
resized), the median time of ``guided_filter``, ``weighted_guided_filter`` and
``gradient_domain_guided_filter`` (interleaved, per thread count) with the ratio to the plain
filter, and the max abs error of both against the float64 reference on a 256x256 crop.

    python benchmarks/bench_edge_aware.py [--repeat 7] [--radius 16] [--lam 1e-2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from skimage import data, transform

import jointfilter as jf
from jointfilter._reference import edge_aware as ref


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--radius", type=int, default=16)
    ap.add_argument("--lam", type=float, default=1e-2)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    rgb = transform.resize(data.astronaut(), (1080, 1920), anti_aliasing=True).astype(np.float32)
    gy = np.ascontiguousarray(rgb.mean(axis=2, dtype=np.float32))
    noise = np.random.default_rng(0).normal(0, 0.05, rgb.shape).astype(np.float32)
    t = (rgb + noise).astype(np.float32)
    r, lam = a.radius, a.lam
    fns = {
        "guided_filter": lambda: jf.guided_filter(t, gy, radius=r, eps=lam),
        "weighted_guided_filter": lambda: jf.weighted_guided_filter(t, gy, radius=r, lam=lam),
        "gradient_domain_guided_filter": lambda: jf.gradient_domain_guided_filter(
            t, gy, radius=r, lam=lam
        ),
    }
    print(f"1920x1080 float32 RGB target, gray guide, radius {r}, lam/eps {lam}")
    print("| threads | function | median ms | / guided_filter |")
    print("|--:|---|--:|--:|")
    for n in (int(x) for x in a.threads.split(",")):
        jf.set_num_threads(n)
        times: dict[str, list[float]] = {k: [] for k in fns}
        for f in fns.values():
            f()
        for _ in range(a.repeat):  # interleaved
            for k, f in fns.items():
                t0 = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t0)
        base = np.median(times["guided_filter"])
        for k, ts in times.items():
            m = np.median(ts)
            print(f"| {n} | {k} | {m * 1e3:.1f} | {m / base:.2f}x |")
    crop_t, crop_g = t[300:556, 800:1056], gy[300:556, 800:1056]
    for name, fn, rf in (
        ("weighted_guided_filter", jf.weighted_guided_filter, ref.weighted_guided_filter),
        (
            "gradient_domain_guided_filter",
            jf.gradient_domain_guided_filter,
            ref.gradient_domain_guided_filter,
        ),
    ):
        err = np.abs(fn(crop_t, crop_g, radius=r, lam=lam) - rf(crop_t, crop_g, r, lam)).max()
        print(f"{name}: max abs error vs float64 reference (256x256 crop) {err:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
