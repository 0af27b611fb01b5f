"""Time per channel-iteration of the mutual-structure filter (restore's ``method="msjf"``).

The case of ``bench_restore.py``'s msjf row, one channel: the red channel of a noisy
(sigma 12/255) 1920x1080 astronaut frame as the target, the clean frame's luma as the guide,
radius 10 (what restore resolves there), eps 3.8e-4, lam_i 1, lam_g 30, 5 iterations. Prints
the median wall time and the median process CPU time per channel-iteration for the C++ kernel
and (``--numpy``) the former NumPy implementation, and their ratio. ``--channels 3`` also times
the whole RGB frame as restore filters it (``mutual_structure_channels``: three channels in one
call) against the former per-channel loop (a contiguous copy of each channel, one call each,
``np.stack``), per frame. On a machine shared with other jobs the CPU time is the steadier
figure.

Usage::

    python benchmarks/bench_mutual.py [--threads 2] [--repeat 7] [--numpy] [--channels 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import cv2
import numpy as np
from skimage import data as skdata

import jointfilter as jf
from jointfilter.restoration._mutual import (
    _mutual_structure_numpy,
    mutual_structure_channels,
    mutual_structure_filter,
)

ITERATIONS = 5
PARAMS = {"radius": 10, "eps_i": 3.8e-4, "eps_g": 3.8e-4, "lam_i": 1.0, "lam_g": 30.0}


def frame(channels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rgb = cv2.resize(skdata.astronaut(), (1920, 1080), interpolation=cv2.INTER_LINEAR)
    noise = np.random.default_rng(0).normal(0.0, 12.0, rgb.shape)
    noisy = np.clip(np.rint(rgb + noise), 0, 255) / np.float32(255)
    target = np.ascontiguousarray(
        noisy[:, :, 0] if channels == 1 else noisy[:, :, :channels], np.float32
    )
    guide = (cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) / np.float32(255)).astype(np.float32)
    return target, guide


def per_channel_loop(t: np.ndarray, g: np.ndarray, **kw: object) -> np.ndarray:
    """restore's former msjf branch: one call per contiguous channel copy, then np.stack."""
    chans = [
        mutual_structure_filter(np.ascontiguousarray(t[:, :, c]), g, **kw)[0]
        for c in range(t.shape[2])
    ]
    return np.stack(chans, axis=2)


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) milliseconds per channel-iteration over `repeat` runs."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)) / ITERATIONS, 1e3 * float(np.median(cpu)) / ITERATIONS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--numpy", action="store_true", help="also time the NumPy implementation")
    ap.add_argument(
        "--channels", type=int, default=1, help="also time a frame of this many channels"
    )
    args = ap.parse_args()
    jf.set_num_threads(args.threads)
    t, g = frame()
    runs = {"C++ kernel": mutual_structure_filter}
    if args.numpy:
        runs["NumPy (former)"] = _mutual_structure_numpy
    print(f"1920x1080, {jf.get_num_threads()} threads, {jf.build_info()['kernel_isa']}, {PARAMS}")
    print("| implementation | wall ms / channel-iteration | CPU ms / channel-iteration |")
    print("|---|---|---|")
    results = {}
    for name, fn in runs.items():
        wall, cpu = measure(lambda fn=fn: fn(t, g, iterations=ITERATIONS, **PARAMS), args.repeat)
        results[name] = wall
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    if len(results) == 2:
        print(f"\nspeed-up (wall): {results['NumPy (former)'] / results['C++ kernel']:.1f}x")
    if args.channels > 1:
        t3, _ = frame(args.channels)
        print(f"\n{args.channels} channels, {ITERATIONS} iterations: ms per frame")
        print("| implementation | wall ms / frame | CPU ms / frame |\n|---|---|---|")
        kw = dict(iterations=ITERATIONS, **PARAMS)
        frames = {
            "one call (mutual_structure_channels)": mutual_structure_channels,
            "per-channel loop (former)": per_channel_loop,
        }
        for name, fn in frames.items():
            wall, cpu = measure(lambda fn=fn: fn(t3, g, **kw), args.repeat)
            print(f"| {name} | {wall * ITERATIONS:.1f} | {cpu * ITERATIONS:.1f} |")
        same = np.array_equal(mutual_structure_channels(t3, g, **kw), per_channel_loop(t3, g, **kw))
        print(f"bit-identical: {same}")


if __name__ == "__main__":
    main()
