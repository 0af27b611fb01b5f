"""Video loop throughput and flicker.

Throughput (frames/s, median over ``--frames`` frames after 2 warm-up frames; the object and
function paths of each pair are timed alternately, frame by frame), for uint8 RGB
target frames with a gray uint8 guide (``flash_denoise``-style guided filtering, radius 8,
eps 1e-3) at 720p, 1080p and 4K:

* ``object``: :class:`jointfilter.video.VideoFilter` with ``out=`` (no per-frame allocation);
* ``function``: ``jointfilter.guided_filter(target, guide, ...)`` per frame (allocates);
* ``fuse object``: :class:`jointfilter.video.FusionVideoFilter` (GFF, ``method="guided"``) with
  ``out=``: preallocated buffers and reused guided-filter objects, bit-identical to the
  function;
* ``fuse function``: ``jointfilter.fuse(infrared, visible, method="guided")`` per frame.

Flicker: mean absolute frame-to-frame change (in 8-bit levels) of the output on a static
synthetic scene with per-frame sensor noise (dominated by the residual noise), and the standard
deviation over time of the frame mean (the global, brightness flicker that smoothing targets),
using the contrast stretch of ``VideoFilter`` (per-frame percentile range) with temporal
smoothing (``alpha=0.1``) and without (``alpha=1``), plus the input's own flicker; and the same
for fusion with ``FusionVideoFilter(normalise_ir=True)`` (per-frame infrared range).

Usage::

    python benchmarks/bench_video.py [--sizes 720p 1080p 4k] [--frames 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np

import jointfilter as jf
from jointfilter.video import FusionVideoFilter, VideoFilter

SIZES = {"720p": (720, 1280), "1080p": (1080, 1920), "4k": (2160, 3840)}


def _scene(h: int, w: int, n: int, seed: int = 0, noise: float = 8.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 128 + 60 * np.sin(xx / 37.0) * np.cos(yy / 53.0)
    base = base + 40 * (((xx // 64) + (yy // 64)) % 2)
    rgb = np.stack([base, base * 0.9, base * 0.8], axis=2)
    return [
        np.clip(rgb + rng.normal(0, noise, rgb.shape), 0, 255).astype(np.uint8) for _ in range(n)
    ]


def _fps_pair(
    step_a: Callable[[int], object], step_b: Callable[[int], object], n: int
) -> tuple[float, float]:
    """Frames/s of two paths measured alternately (fair on a machine shared with other jobs)."""
    for k in range(2):
        step_a(k)
        step_b(k)
    ta, tb = [], []
    for k in range(n):
        start = time.perf_counter()
        step_a(k)
        mid = time.perf_counter()
        step_b(k)
        ta.append(mid - start)
        tb.append(time.perf_counter() - mid)
    return 1.0 / statistics.median(ta), 1.0 / statistics.median(tb)


def throughput(name: str, n: int) -> list[tuple[str, str, float]]:
    h, w = SIZES[name]
    frames = _scene(h, w, 3)
    guides = [np.ascontiguousarray(f[..., 1]) for f in frames]
    vf = VideoFilter((h, w, 3), np.uint8, radius=8, eps=1e-3)
    out = np.empty((h, w, 3), np.uint8)

    def obj(k: int) -> object:
        return vf(frames[k % 3], guides[k % 3], out=out)

    def func(k: int) -> object:
        return jf.guided_filter(frames[k % 3], guides[k % 3], radius=8, eps=1e-3)

    fv = FusionVideoFilter((h, w, 3), np.uint8, method="guided")

    def fuse_obj(k: int) -> object:
        return fv(guides[k % 3], frames[k % 3], out=out)

    def fuse_func(k: int) -> object:
        return jf.fuse(guides[k % 3], frames[k % 3], method="guided")

    m = max(2, n // 2)
    gf_obj, gf_func = _fps_pair(obj, func, n)
    fu_obj, fu_func = _fps_pair(fuse_obj, fuse_func, m)
    return [
        ("object (VideoFilter, out=)", name, gf_obj),
        ("function (guided_filter)", name, gf_func),
        ("fuse object (FusionVideoFilter, out=)", name, fu_obj),
        ("fuse function (fuse, method='guided')", name, fu_func),
    ]


def _measures(frames: list[np.ndarray]) -> tuple[float, float]:
    """(mean abs frame-to-frame change, std over time of the frame mean), 8-bit levels."""
    f32 = [f.astype(np.float32) for f in frames]
    change = float(np.mean([np.abs(a - b).mean() for a, b in itertools.pairwise(f32)]))
    return change, float(np.std([f.mean() for f in f32]))


def flicker(h: int = 360, w: int = 640, n: int = 30) -> list[tuple[str, float, float]]:
    frames = _scene(h, w, n, seed=1)

    def run(alpha: float) -> tuple[float, float]:
        vf = VideoFilter((h, w, 3), np.uint8, radius=8, eps=1e-3, stretch=True, alpha=alpha)
        return _measures([vf(f, np.ascontiguousarray(f[..., 1])) for f in frames])

    ir = [np.ascontiguousarray(f[..., 1]) for f in _scene(h, w, n, seed=2)]

    def run_fuse(alpha: float) -> tuple[float, float]:
        fv = FusionVideoFilter((h, w, 3), np.uint8, normalise_ir=True, alpha=alpha)
        return _measures([fv(a, b) for a, b in zip(ir, frames, strict=True)])

    return [
        ("input (noisy static scene)", *_measures(frames)),
        ("stretch, no smoothing (alpha=1)", *run(1.0)),
        ("stretch, smoothed (alpha=0.1)", *run(0.1)),
        ("fusion, normalise_ir, no smoothing (alpha=1)", *run_fuse(1.0)),
        ("fusion, normalise_ir, smoothed (alpha=0.1)", *run_fuse(0.1)),
    ]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    p.add_argument("--frames", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    jf.set_num_threads(args.threads)
    print(f"threads: {args.threads}; median of {args.frames} frames after 2 warm-up frames")
    print("| path | size | frames/s |")
    print("|---|---|---|")
    for name in args.sizes:
        for label, size, fps in throughput(name, args.frames):
            print(f"| {label} | {size} | {fps:.1f} |")
    print()
    print("flicker on a static 640x360 scene, 30 frames, 8-bit levels (fusion: noisy static")
    print("infrared + visible pair, the infrared range estimated per frame)")
    print("| path | mean abs frame-to-frame change | std of frame mean over time |")
    print("|---|---|---|")
    for label, change, global_std in flicker():
        print(f"| {label} | {change:.3f} | {global_std:.4f} |")


if __name__ == "__main__":
    main()
