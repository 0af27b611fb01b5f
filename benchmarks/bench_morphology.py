"""min_filter (erosion) against OpenCV's ``cv2.erode`` with a square kernel, same machine.

Prints a markdown table: for 1080p frames (float32 one channel, uint8 RGB) and a range of radii,
the median time of ``jf.min_filter`` and of ``cv2.erode`` (rectangular kernel of side 2r+1,
``BORDER_REPLICATE`` = our ``border="edge"``), timed interleaved, their ratio, and whether the
outputs are identical (they must be: both are exact).

    python benchmarks/bench_morphology.py [--repeat 9] [--threads 1,2] [--radii 1,3,7,15,31,63]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from skimage import data, transform

import jointfilter as jf


def _frames() -> dict[str, np.ndarray]:
    rgb = transform.resize(data.astronaut(), (1080, 1920), anti_aliasing=True)
    noise = np.random.default_rng(0).normal(0, 0.05, rgb.shape)
    rgb = np.clip(rgb + noise, 0, 1)
    return {
        "float32 1-ch": np.ascontiguousarray(rgb[..., 1], np.float32),
        "uint8 RGB": np.round(rgb * 255).astype(np.uint8),
    }


def _time_pair(img: np.ndarray, r: int, repeat: int) -> tuple[dict[str, float], bool]:
    """Median ms of ours and of cv2.erode (interleaved, alternating the first), identical?"""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1))
    out = np.empty_like(img)
    fns = {
        "ours": lambda: jf.min_filter(img, r, border="edge", out=out),
        "cv": lambda: cv2.erode(img, kernel, borderType=cv2.BORDER_REPLICATE),
    }
    same = bool(np.array_equal(fns["ours"](), fns["cv"]()))
    times: dict[str, list[float]] = {"ours": [], "cv": []}
    for i in range(repeat):
        for key in ("ours", "cv") if i % 2 == 0 else ("cv", "ours"):
            t0 = time.perf_counter()
            fns[key]()
            times[key].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) * 1e3 for k, v in times.items()}, same


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--radii", default="1,3,7,15,31,63")
    a = ap.parse_args()
    radii = [int(r) for r in a.radii.split(",")]
    print("| frame | threads | radius | ours ms | cv2.erode ms | speed-up | identical |")
    print("|---|--:|--:|--:|--:|--:|---|")
    for name, img in _frames().items():
        for n in (int(t) for t in a.threads.split(",")):
            jf.set_num_threads(n)
            cv2.setNumThreads(n)
            for r in radii:
                ms, same = _time_pair(img, r, a.repeat)
                print(
                    f"| {name} | {n} | {r} | {ms['ours']:.2f} | {ms['cv']:.2f} | "
                    f"{ms['cv'] / ms['ours']:.2f}x | {'yes' if same else 'NO'} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
