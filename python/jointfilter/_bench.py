"""``jointfilter bench``: the guided filter against ``cv2.ximgproc.guidedFilter``, as a table.

For every case (frame size x guide kind x target channels x thread count x precision) the three
calls - OpenCV's ``guidedFilter``, our function and our ``GuidedFilter`` object - are timed
INTERLEAVED (one of each per repetition, in rotating order), so load changes on the machine hit
all of them alike. Both libraries are pinned to the same thread count (``set_num_threads``,
``cv2.setNumThreads``). Reported: medians, the ratio OpenCV / ours, MP/s, frames/s, the max abs
difference to OpenCV (``border="symmetric"``), and the object's scratch memory vs the frame.

Data: float32 natural frames in [0, 1] (scikit-image's astronaut and coffee, mirror-tiled, when
scikit-image is installed; else smooth synthetic frames with edges), radius 8, eps 1e-3. The
difference column is measured on the same frames scaled to [0, 255] with eps x 255**2
(``data_range=255`` for ours) and divided by 255: OpenCV's colour path replaces
det(Sigma + eps I) < 1e-6 by 1, which on [0, 1] data makes it a near box blur in flat regions,
so only the scaled data compares the same filter.

Allocator: OpenCV allocates full-size temporaries on every call; with glibc's default allocator
those are fresh mmaps whose page faults make it 1.5-2x slower and noisy. ``--both-allocators``
runs the cases twice in child processes, with ``MALLOC_MMAP_THRESHOLD_=2000000000
MALLOC_TRIM_THRESHOLD_=2000000000`` and without, and prints both ratios side by side.

Without OpenCV's contrib module only our two calls are timed (the OpenCV columns read "-").
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import GuidedFilter, build_info, get_num_threads, guided_filter, set_num_threads
from .errors import ParameterError

__all__ = ["KINDS", "SIZES", "Row", "add_arguments", "measure", "run"]

SIZES = {"720p": (720, 1280), "1080p": (1080, 1920), "4k": (2160, 3840)}
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "2000000000", "MALLOC_TRIM_THRESHOLD_": "2000000000"}
RADIUS, EPS = 8, 1e-3
#: (guide channels, target channels) of the three kinds of case
KINDS = {"colour-1ch": (3, 1), "gray-1ch": (1, 1), "colour-3ch": (3, 3)}
NAN = float("nan")


@dataclass
class Row:
    """One measured case; times are medians in milliseconds (NaN: OpenCV not timed)."""

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


def _fmt(v: float, spec: str, suffix: str = "") -> str:
    return "-" if v != v else f"{v:{spec}}{suffix}"  # v != v: NaN


def natural_frame(shape: tuple[int, int], channels: int, name: str) -> np.ndarray:
    """A float32 [0, 1] frame of `shape`: a scikit-image sample mirror-tiled, or synthetic."""
    try:
        import skimage.data

        img = getattr(skimage.data, name)().astype(np.float32) / np.float32(255)
    except ImportError:
        img = _synthetic_frame(name)
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


def _synthetic_frame(name: str, size: int = 512) -> np.ndarray:
    """Smooth colour gradients, discs with sharp edges and mild texture (deterministic)."""
    rng = np.random.default_rng(sum(map(ord, name)))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.stack([0.3 + 0.4 * xx, 0.3 + 0.4 * yy, 0.5 - 0.3 * xx * yy], axis=2)
    for _ in range(12):
        cy, cx, rad = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.03, 0.2)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 < rad**2
        img[disc] = rng.uniform(0, 1, 3)
    img += 0.03 * np.sin(40 * xx + 25 * yy)[:, :, None]
    return np.clip(img, 0, 1).astype(np.float32)


def _opencv() -> Any | None:
    """``cv2`` when its ``ximgproc`` contrib module is importable, else None."""
    try:
        import cv2
    except ImportError:
        return None
    return cv2 if hasattr(cv2, "ximgproc") else None


def measure(
    cv2: Any | None, size: str, kind: str, threads: int, repeat: int, precision: str
) -> Row:
    """Time one case (interleaved medians) and measure the difference to OpenCV.

    Parameters
    ----------
    cv2 : module or None
        OpenCV with ``ximgproc``; None times our two calls only.
    size : str
        A key of :data:`SIZES`.
    kind : str
        A key of :data:`KINDS`.
    threads : int
        Thread count for both libraries.
    repeat : int
        Timed calls per contender.
    precision : {"double", "single"}
        Our kernels' arithmetic.

    Returns
    -------
    Row
    """
    gc, tc = KINDS[kind]
    shape = SIZES[size]
    guide = natural_frame(shape, gc, "astronaut")
    target = natural_frame(shape, tc, "coffee")
    set_num_threads(threads)
    out_fn = np.empty_like(target)
    out_obj = np.empty_like(target)
    obj = GuidedFilter(
        target.shape,
        np.float32,
        guide_channels=gc,
        radius=RADIUS,
        eps=EPS,
        border="symmetric",
        precision=precision,
    )
    obj.set_guide(guide)
    calls: dict[str, Callable[[], object]] = {
        "fn": lambda: guided_filter(
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
    if cv2 is not None:
        cv2.setNumThreads(threads)
        calls["cv"] = lambda: cv2.ximgproc.guidedFilter(guide, target, RADIUS, EPS)
    for call in calls.values():  # warm-up: scratch sized, pages touched, pools started
        call()
        call()
    times: dict[str, list[float]] = {k: [] for k in calls}
    order = list(calls)
    for i in range(repeat):
        k = i % len(order)
        for name in order[k:] + order[:k]:  # rotate who goes first
            t0 = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}

    diff = NAN
    if cv2 is not None:  # outside the timed region: [0, 255]-scaled data (module docstring)
        g255, t255 = guide * np.float32(255), target * np.float32(255)
        ours = guided_filter(
            t255, g255, radius=RADIUS, eps=EPS, border="symmetric", data_range=255,
            precision=precision,
        )  # fmt: skip
        theirs = cv2.ximgproc.guidedFilter(g255, t255, RADIUS, EPS * 255.0**2)
        diff = float(np.abs(ours.astype(np.float64) - theirs).max() / 255.0)
    return Row(
        size,
        kind,
        threads,
        med.get("cv", NAN),
        med["fn"],
        med["obj"],
        shape[0] * shape[1] / 1e6,
        diff,
        obj.scratch_nbytes,
        target.nbytes,
        precision,
    )


def allocator_note() -> str:
    """Which malloc settings this process runs under."""
    env = {k: os.environ.get(k) for k in MALLOC_ENV}
    if all(env[k] == v for k, v in MALLOC_ENV.items()):
        return "page-fault-free allocator (" + " ".join(f"{k}={v}" for k, v in env.items()) + ")"
    if any(env.values()):
        return "partially tuned allocator: " + ", ".join(f"{k}={v}" for k, v in env.items())
    return "glibc default allocator (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ unset)"


def markdown(rows: list[Row], title: str) -> str:
    """The measured rows as a markdown table."""
    lines = [
        f"### {title}",
        "",
        "| size | guide-target | thr | precision | OpenCV ms | ours fn ms | ours obj ms "
        "| OpenCV/ours fn | OpenCV/ours obj | MP/s (obj) | frames/s fn / obj "
        "| max abs diff vs OpenCV | scratch MiB (% of frame) |",
        "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size} | {r.kind} | {r.threads} | {r.precision} | {_fmt(r.cv_ms, '.2f')} "
            f"| {r.fn_ms:.2f} | {r.obj_ms:.2f} | {_fmt(r.ratio_fn, '.2f', 'x')} "
            f"| {_fmt(r.ratio_obj, '.2f', 'x')} | {r.megapixels / (r.obj_ms / 1e3):.0f} "
            f"| {1e3 / r.fn_ms:.1f} / {1e3 / r.obj_ms:.1f} | {_fmt(r.max_diff, '.1e')} "
            f"| {r.scratch_bytes / 2**20:.2f} ({100 * r.scratch_bytes / r.frame_bytes:.0f}%) |"
        )
    return "\n".join(lines)


def environment(cv2: Any | None) -> str:
    """One line: versions, CPUs, load and allocator."""
    info = build_info()
    peer = f"OpenCV {cv2.__version__}" if cv2 is not None else "OpenCV ximgproc not installed"
    return (
        f"jointfilter {info['version']} ({info['kernel_isa']}, {info['compiler']}), {peer}, "
        f"numpy {np.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}; {allocator_note()}"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``jointfilter bench`` (also ``benchmarks/compare_opencv.py``)."""
    parser.add_argument(
        "--sizes",
        default="1080p",
        help="comma-separated subset of " + ",".join(SIZES) + " (default: %(default)s)",
    )
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per contender")
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
        help="run with and without the page-fault-free malloc settings (child processes)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE")


def _split(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _parse(args: argparse.Namespace) -> tuple[list[str], list[int], list[str], list[str]]:
    """The case lists of `args`, validated (ParameterError naming the option and the choices)."""
    sizes = [s.lower() for s in _split(args.sizes)]
    kinds = _split(args.kinds)
    precisions = _split(args.precision)
    for opt, vals, allowed in (
        ("--sizes", sizes, SIZES),
        ("--kinds", kinds, KINDS),
        ("--precision", precisions, ("double", "single")),
    ):
        if not vals:
            raise ParameterError(f"{opt}: empty; choose from {', '.join(allowed)}")
        for v in vals:
            if v not in allowed:
                raise ParameterError(f"{opt}: unknown {v!r}; choose from {', '.join(allowed)}")
    try:
        threads = [int(t) for t in _split(args.threads)]
    except ValueError:
        raise ParameterError(
            f"--threads: expected integers like 1,2, got {args.threads!r}"
        ) from None
    if not threads or min(threads) < 1:
        raise ParameterError(f"--threads: expected counts >= 1, got {args.threads!r}")
    if args.repeat < 1:
        raise ParameterError(f"--repeat: expected >= 1, got {args.repeat}")
    return sizes, threads, kinds, precisions


def _child_rows(args: argparse.Namespace, tuned: bool) -> list[Row]:
    """Run the cases in a child ``python -m jointfilter bench`` with or without MALLOC_ENV."""
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    if tuned:
        env.update(MALLOC_ENV)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rows.json")
        argv = [sys.executable, "-m", "jointfilter", "bench", "--sizes", args.sizes]
        argv += ["--threads", args.threads, "--repeat", str(args.repeat), "--kinds", args.kinds]
        argv += ["--precision", args.precision, "--json", path]
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        with open(path) as fh:
            return [Row(**d) for d in json.load(fh)]


def run(args: argparse.Namespace) -> int:
    """Measure the cases of `args` (see :func:`add_arguments`), print tables; exit status."""
    sizes, threads, kinds, precisions = _parse(args)
    if args.both_allocators:
        tuned, default = _child_rows(args, True), _child_rows(args, False)
        print("### OpenCV/ours ratio: page-fault-free vs default allocator (function path)")
        print()
        print(
            "| size | guide-target | thr | precision | ratio (no page faults) "
            "| ratio (default malloc) | OpenCV ms tuned / default | ours fn ms tuned / default |"
        )
        print("|---|---|--:|---|--:|--:|--:|--:|")
        for a, b in zip(tuned, default, strict=True):
            print(
                f"| {a.size} | {a.kind} | {a.threads} | {a.precision} "
                f"| {_fmt(a.ratio_fn, '.2f', 'x')} | {_fmt(b.ratio_fn, '.2f', 'x')} "
                f"| {_fmt(a.cv_ms, '.1f')} / {_fmt(b.cv_ms, '.1f')} "
                f"| {a.fn_ms:.1f} / {b.fn_ms:.1f} |"
            )
        rows = tuned + default
    else:
        cv2 = _opencv()
        before = get_num_threads()
        rows = []
        try:
            for size in sizes:
                for kind in kinds:
                    for thr in threads:
                        for prec in precisions:
                            rows.append(measure(cv2, size, kind, thr, args.repeat, prec))
                            print(
                                f"  measured {size} {kind} {thr} thread(s) {prec}", file=sys.stderr
                            )
        finally:
            set_num_threads(before)
        print(f"Environment: {environment(cv2)}")
        print(
            f"Parameters: float32 [0, 1] natural frames, radius {RADIUS}, eps {EPS}, "
            f"border='symmetric', {args.repeat} interleaved calls each, medians."
        )
        if cv2 is None:
            print(
                "OpenCV columns empty: cv2.ximgproc is missing "
                "(pip install opencv-contrib-python-headless, or jointfilter[io])."
            )
        else:
            print("max abs diff: on the same frames scaled to [0, 255] (eps x 255^2), / 255.")
        print()
        print(markdown(rows, f"guided filter: jointfilter vs cv2.ximgproc ({allocator_note()})"))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([asdict(r) for r in rows], fh)
    return 0
