"""Thousands of calls, successful and failing, keep the process's memory flat."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import JointFilterError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/statm")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _calls(rng: np.random.Generator) -> None:
    target = rng.random((37, 41, 3), dtype=np.float32)
    guide = rng.random((37, 41), dtype=np.float32)
    out = np.empty_like(target)
    jf.guided_filter(target, guide, radius=3, eps=1e-3, out=out)
    jf.guided_filter(target, guide, radius=5, eps=1e-3, subsample=2, border="symmetric")
    jf.box_filter(target, 4)
    jf.min_filter(target, 2)
    bad = guide.copy()
    bad[3, 3] = np.nan
    for call in (
        lambda: jf.guided_filter(target, bad, radius=3, eps=1e-3),  # fails inside the kernel
        lambda: jf.guided_filter(target, guide[:10], radius=3, eps=1e-3),
        lambda: jf.guided_filter(target, guide, radius=-1, eps=1e-3),
    ):
        with pytest.raises(JointFilterError):
            call()


def test_memory_stays_flat_over_thousands_of_calls():
    rng = np.random.default_rng(0)
    f = jf.GuidedFilter((37, 41), np.float32, radius=3, eps=1e-3)
    frame = rng.random((37, 41), dtype=np.float32)
    buf = np.empty_like(frame)
    f.set_guide(frame)
    for _ in range(200):  # warm up pools, caches and the allocator
        _calls(rng)
        f(frame, out=buf)
    before = _rss_bytes()
    for _ in range(2000):
        _calls(rng)
        f(frame, out=buf)
    growth = _rss_bytes() - before
    # a leak of even one small scratch buffer per call would be > 100 MiB here
    assert growth < 8 * 1024 * 1024, f"RSS grew by {growth / 2**20:.1f} MiB over 2000 rounds"
