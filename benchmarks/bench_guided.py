"""pytest-benchmark suite of the guided filter: ours (function and object) vs cv2.ximgproc.

Run::

    MALLOC_MMAP_THRESHOLD_=2000000000 MALLOC_TRIM_THRESHOLD_=2000000000 \
        pytest benchmarks/bench_guided.py --benchmark-json=bench.json

Each group is one (size, guide, target channels, threads) case, so ours and OpenCV's baseline
sit side by side in the group table. float32 [0, 1] natural frames, radius 8, eps 1e-3,
border="symmetric" (OpenCV's border). ``extra_info`` records MP/s (from the median) and, for
the object path, the scratch bytes. Correctness is checked outside the timed region (ours vs
the float64-equivalent definition is covered by tests/; here only shape and finiteness).
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf

RADIUS, EPS = 8, 1e-3
SIZES = ["720p", "1080p", "4k"]
GUIDES = {"gray": 1, "colour": 3}


def _rounds(size: str) -> tuple[int, int]:
    """(rounds, warmup_rounds): fewer rounds for 4K to keep the suite to a few minutes."""
    return (5, 1) if size == "4k" else (15, 2)


def _record(benchmark, frame: np.ndarray) -> None:
    megapixels = frame.shape[0] * frame.shape[1] / 1e6
    median = benchmark.stats.stats.median
    benchmark.extra_info["megapixels"] = megapixels
    benchmark.extra_info["mp_per_s"] = megapixels / median
    benchmark.extra_info["frames_per_s"] = 1.0 / median


def _case(size, guide_kind, target_channels, threads):
    return f"{size}-{guide_kind}-guide-{target_channels}ch-{threads}thr"


CASES = [
    (size, guide, tc, thr) for size in SIZES for guide in GUIDES for tc in (1, 3) for thr in (1, 2)
]
IDS = [_case(*c) for c in CASES]


@pytest.mark.parametrize("api", ["function", "object"])
@pytest.mark.parametrize(("size", "guide_kind", "target_channels", "threads"), CASES, ids=IDS)
def test_jointfilter(
    benchmark, frames, pinned_threads, size, guide_kind, target_channels, threads, api
):
    pinned_threads(threads)
    guide = frames(size, GUIDES[guide_kind], "astronaut")
    target = frames(size, target_channels, "coffee")
    out = np.empty(target.shape, np.float32)
    benchmark.group = _case(size, guide_kind, target_channels, threads)
    benchmark.extra_info.update(api=api, threads=threads, library="jointfilter")
    if api == "function":

        def run():
            return jf.guided_filter(
                target, guide, radius=RADIUS, eps=EPS, border="symmetric", out=out
            )
    else:
        f = jf.GuidedFilter(
            target.shape,
            np.float32,
            guide_channels=GUIDES[guide_kind],
            radius=RADIUS,
            eps=EPS,
            border="symmetric",
        )
        f.set_guide(guide)

        def run():
            return f(target, out=out)

    rounds, warmup = _rounds(size)
    result = benchmark.pedantic(run, rounds=rounds, warmup_rounds=warmup, iterations=1)
    assert result is out
    assert np.isfinite(out).all()
    if api == "object":
        benchmark.extra_info["scratch_nbytes"] = f.scratch_nbytes
        benchmark.extra_info["scratch_over_image"] = f.scratch_nbytes / target.nbytes
    _record(benchmark, target)


@pytest.mark.opencv
@pytest.mark.parametrize(("size", "guide_kind", "target_channels", "threads"), CASES, ids=IDS)
def test_opencv_baseline(
    benchmark, frames, pinned_threads, size, guide_kind, target_channels, threads
):
    cv2 = pytest.importorskip("cv2")
    if not hasattr(cv2, "ximgproc"):
        pytest.skip("cv2.ximgproc missing (opencv-contrib-python-headless)")
    pinned_threads(threads)
    guide = frames(size, GUIDES[guide_kind], "astronaut")
    target = frames(size, target_channels, "coffee")
    benchmark.group = _case(size, guide_kind, target_channels, threads)
    benchmark.extra_info.update(api="cv2.ximgproc.guidedFilter", threads=threads, library="opencv")

    def run():
        return cv2.ximgproc.guidedFilter(guide, target, RADIUS, EPS)

    rounds, warmup = _rounds(size)
    result = benchmark.pedantic(run, rounds=rounds, warmup_rounds=warmup, iterations=1)
    assert result.shape == target.shape
    _record(benchmark, target)
