"""Compare jointfilter.guided_filter with cv2.ximgproc.guidedFilter and print a markdown table.

For every case (frame size x guide kind x target channels x thread count) the three calls -
OpenCV's ``guidedFilter``, our function and our ``GuidedFilter`` object - are timed
INTERLEAVED (one of each per repetition, in rotating order), so load changes on the machine hit
all of them alike. Both libraries are pinned to the same thread count (``jf.set_num_threads``,
``cv2.setNumThreads``). Reported: medians, the ratio OpenCV / ours, MP/s, frames/s, the max
abs difference to OpenCV (border="symmetric"), and the object's scratch memory vs the frame.

Data: float32 natural frames in [0, 1] (scikit-image samples, mirror-tiled), radius 8,
eps 1e-3. Speed is timed on that data. The difference column is measured on the same frames
scaled to [0, 255] with eps x 255**2 (data_range=255 for ours) and divided by 255: OpenCV's
colour path replaces det(Sigma + eps I) < 1e-6 by 1, which on [0, 1] data makes it a near box
blur in flat regions (docs/design.md §3), so only the scaled data compares the same filter.

Allocator: OpenCV allocates full-size temporaries on every call; with glibc's default
allocator those are fresh mmaps whose page faults make it 1.5-2x slower and noisy. Issue 2
asks for the comparison with ``MALLOC_MMAP_THRESHOLD_=2000000000
MALLOC_TRIM_THRESHOLD_=2000000000`` and the default-allocator ratio beside it:
``--both-allocators`` runs this script twice in subprocesses (variables set / unset) and
prints both tables plus a side-by-side ratio table.

Usage::

    python benchmarks/compare_opencv.py                      # current environment
    python benchmarks/compare_opencv.py --both-allocators    # the issue's table
    python benchmarks/compare_opencv.py --sizes 1080p --threads 1 --repeat 31
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

import numpy as np

import jointfilter as jf

SIZES = {"720p": (720, 1280), "1080p": (1080, 1920), "4k": (2160, 3840)}
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "2000000000", "MALLOC_TRIM_THRESHOLD_": "2000000000"}
RADIUS, EPS = 8, 1e-3
# (guide channels, target channels): the three kinds of case
KINDS = {"colour-1ch": (3, 1), "gray-1ch": (1, 1), "colour-3ch": (3, 3)}


@dataclass
class Row:
    size: str
    kind: str
    threads: int
    cv_ms: float
    fn_ms: float
    obj_ms: float
    megapixels: float
    max_diff: float
    scratch_bytes: int
    frame_bytes: int
    precision: str = "double"

    @property
    def ratio_fn(self) -> float:
        return self.cv_ms / self.fn_ms

    @property
    def ratio_obj(self) -> float:
        return self.cv_ms / self.obj_ms


def natural_frame(shape: tuple[int, int], channels: int, name: str) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, name)().astype(np.float32) / np.float32(255)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if channels == 1:
        img = img.mean(axis=2, keepdims=True)
    h, w = shape
    img = np.pad(
        img,
        ((0, max(0, h - img.shape[0])), (0, max(0, w - img.shape[1])), (0, 0)),
        mode="symmetric",
    )[:h, :w]
    return np.ascontiguousarray(img[:, :, 0] if channels == 1 else img, dtype=np.float32)


def measure(cv2, size: str, kind: str, threads: int, repeat: int, precision: str) -> Row:
    gc, tc = KINDS[kind]
    shape = SIZES[size]
    guide = natural_frame(shape, gc, "astronaut")
    target = natural_frame(shape, tc, "coffee")
    jf.set_num_threads(threads)
    cv2.setNumThreads(threads)
    out_fn = np.empty_like(target)
    out_obj = np.empty_like(target)
    obj = jf.GuidedFilter(
        target.shape,
        np.float32,
        guide_channels=gc,
        radius=RADIUS,
        eps=EPS,
        border="symmetric",
        precision=precision,
    )
    obj.set_guide(guide)
    calls = {
        "cv": lambda: cv2.ximgproc.guidedFilter(guide, target, RADIUS, EPS),
        "fn": lambda: jf.guided_filter(
            target,
            guide,
            radius=RADIUS,
            eps=EPS,
            border="symmetric",
            out=out_fn,
            precision=precision,
        ),
        "obj": lambda: obj(target, out=out_obj),
    }
    for call in calls.values():  # warm-up: scratch sized, pages touched, pools started
        call()
        call()
    times: dict[str, list[float]] = {k: [] for k in calls}
    order = list(calls)
    for i in range(repeat):
        for name in order[i % 3 :] + order[: i % 3]:  # rotate who goes first
            t0 = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - t0)

    # accuracy, outside the timed region: [0, 255]-scaled data (see module docstring)
    g255, t255 = guide * np.float32(255), target * np.float32(255)
    ours = jf.guided_filter(
        t255,
        g255,
        radius=RADIUS,
        eps=EPS,
        border="symmetric",
        data_range=255,
        precision=precision,
    )
    theirs = cv2.ximgproc.guidedFilter(g255, t255, RADIUS, EPS * 255.0**2)
    diff = float(np.abs(ours.astype(np.float64) - theirs).max() / 255.0)

    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    return Row(
        size,
        kind,
        threads,
        med["cv"],
        med["fn"],
        med["obj"],
        shape[0] * shape[1] / 1e6,
        diff,
        obj.scratch_nbytes,
        target.nbytes,
        precision,
    )


def allocator_note() -> str:
    env = {k: os.environ.get(k) for k in MALLOC_ENV}
    if all(env[k] == v for k, v in MALLOC_ENV.items()):
        return "page-fault-free allocator (" + " ".join(f"{k}={v}" for k, v in env.items()) + ")"
    if any(env.values()):
        return "partially tuned allocator: " + ", ".join(f"{k}={v}" for k, v in env.items())
    return "glibc default allocator (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ unset)"


def markdown(rows: list[Row], title: str) -> str:
    lines = [
        f"### {title}",
        "",
        "| size | guide-target | thr | precision | OpenCV ms | ours fn ms | ours obj ms "
        "| OpenCV/ours fn "
        "| OpenCV/ours obj | MP/s (obj) | frames/s fn / obj | max abs diff vs OpenCV "
        "| scratch MiB (% of frame) |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size} | {r.kind} | {r.threads} | {r.precision} | {r.cv_ms:.2f} | {r.fn_ms:.2f} "
            f"| {r.obj_ms:.2f} | {r.ratio_fn:.2f}x | {r.ratio_obj:.2f}x "
            f"| {r.megapixels / (r.obj_ms / 1e3):.0f} "
            f"| {1e3 / r.fn_ms:.1f} / {1e3 / r.obj_ms:.1f} | {r.max_diff:.1e} "
            f"| {r.scratch_bytes / 2**20:.2f} ({100 * r.scratch_bytes / r.frame_bytes:.0f}%) |"
        )
    return "\n".join(lines)


def environment() -> str:
    import cv2

    info = jf.build_info()
    return (
        f"jointfilter {info['version']} ({info['kernel_isa']}, {info['compiler']}), "
        f"OpenCV {cv2.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {allocator_note()}"
    )


def run_child(argv: list[str], tuned: bool) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    if tuned:
        env.update(MALLOC_ENV)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rows.json")
        subprocess.run(
            [sys.executable, os.path.abspath(__file__), *argv, "--json-out", path],
            env=env,
            check=True,
        )
        with open(path) as fh:
            return json.load(fh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="720p,1080p,4k", help="comma-separated subset of " + ",".join(SIZES)
    )
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per library")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="comma-separated subset of " + ",".join(KINDS) + " (guide kind - target channels)",
    )
    parser.add_argument(
        "--precision",
        default="double,single",
        help="comma-separated subset of double,single (our kernels' arithmetic)",
    )
    parser.add_argument(
        "--both-allocators",
        action="store_true",
        help="run with and without the page-fault-free malloc settings",
    )
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    precisions = [p.strip() for p in args.precision.split(",") if p.strip()]
    for p in precisions:
        if p not in ("double", "single"):
            parser.error(f"--precision: unknown {p!r}; choose from double, single")
    for s in sizes:
        if s not in SIZES:
            parser.error(f"--sizes: unknown size {s!r}; choose from {', '.join(SIZES)}")
    for k in kinds:
        if k not in KINDS:
            parser.error(f"--kinds: unknown case {k!r}; choose from {', '.join(KINDS)}")

    if args.both_allocators:
        child = [
            "--sizes",
            ",".join(sizes),
            "--threads",
            ",".join(map(str, threads)),
            "--repeat",
            str(args.repeat),
            "--kinds",
            ",".join(kinds),
            "--precision",
            ",".join(precisions),
        ]
        tuned = [Row(**d) for d in run_child(child, tuned=True)]
        default = [Row(**d) for d in run_child(child, tuned=False)]
        print()
        print("### OpenCV/ours ratio: page-fault-free vs default allocator (function path)")
        print()
        print(
            "| size | guide-target | thr | precision | ratio (no page faults) "
            "| ratio (default malloc) "
            "| OpenCV ms tuned / default | ours fn ms tuned / default |"
        )
        print("|---|---|--:|---|--:|--:|--:|--:|")
        for a, b in zip(tuned, default, strict=True):
            print(
                f"| {a.size} | {a.kind} | {a.threads} | {a.precision} | {a.ratio_fn:.2f}x "
                f"| {b.ratio_fn:.2f}x "
                f"| {a.cv_ms:.1f} / {b.cv_ms:.1f} | {a.fn_ms:.1f} / {b.fn_ms:.1f} |"
            )
        return 0

    import cv2

    if not hasattr(cv2, "ximgproc"):
        print(
            "cv2.ximgproc is missing: pip install opencv-contrib-python-headless", file=sys.stderr
        )
        return 2
    before = jf.get_num_threads()
    rows = []
    try:
        for size in sizes:
            for kind in kinds:
                for thr in threads:
                    for prec in precisions:
                        rows.append(measure(cv2, size, kind, thr, args.repeat, prec))
                        print(f"  measured {size} {kind} {thr} thread(s) {prec}", file=sys.stderr)
    finally:
        jf.set_num_threads(before)
    print()
    print(f"Environment: {environment()}")
    print(
        f"Parameters: float32 [0, 1] natural frames, radius {RADIUS}, eps {EPS}, "
        f"border='symmetric', {args.repeat} interleaved calls each, medians."
    )
    print("max abs diff: on the same frames scaled to [0, 255] (eps x 255^2), / 255.")
    print()
    print(markdown(rows, f"guided filter: jointfilter vs cv2.ximgproc ({allocator_note()})"))
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump([asdict(r) for r in rows], fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
