"""Concurrency: the GIL is released during compute, so Python threads may call the filters at
once. Concurrent calls must give exactly the results of serial calls (no shared scratch, no
races), whatever the kernel thread count. No timing is asserted.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import jointfilter as jf

N_THREADS = 2
ROUNDS = 4


def _run_concurrently(jobs):
    """Run the callables in ``jobs`` in parallel threads, started together; return results."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def worker(i):
        try:
            barrier.wait()
            results[i] = [jobs[i]() for _ in range(ROUNDS)]
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a filter call did not return"
    if errors:
        raise errors[0]
    return results


@pytest.mark.parametrize("kernel_threads", [1, 2])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_concurrent_function_calls_equal_serial(
    helpers, restore_threads, kernel_threads, guide_channels
):
    jf.set_num_threads(kernel_threads)
    inputs = []
    for i, name in enumerate(("astronaut", "coffee")):
        guide = helpers.natural_image((360, 480), guide_channels, name)
        target = helpers.natural_image((360, 480), 3, ("chelsea", "camera")[i])
        inputs.append((target, guide))
    kw = {"radius": 8, "eps": 1e-3, "border": "symmetric"}
    serial = [jf.guided_filter(t, g, **kw) for t, g in inputs]
    jobs = [lambda t=t, g=g: jf.guided_filter(t, g, **kw) for t, g in inputs]
    for per_thread, expected in zip(_run_concurrently(jobs), serial, strict=True):
        for got in per_thread:
            np.testing.assert_array_equal(got, expected)


def test_concurrent_objects_and_box_filter_equal_serial(rng, restore_threads):
    jf.set_num_threads(2)
    shape = (300, 257)
    frames = [rng.integers(0, 256, (*shape, 3), dtype=np.uint8) for _ in range(N_THREADS)]
    guides = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(N_THREADS)]
    filters = []
    for g in guides:
        f = jf.GuidedFilter((*shape, 3), np.uint8, radius=5, eps=1e-2, subsample=2)
        f.set_guide(g)
        filters.append(f)
    serial = [f(t) for f, t in zip(filters, frames, strict=True)]
    serial_box = [jf.box_filter(t, 7, border="reflect") for t in frames]
    outs = [np.empty_like(t) for t in frames]

    def obj_job(i):
        return filters[i](frames[i], out=outs[i]).copy()

    jobs = [lambda i=i: obj_job(i) for i in range(N_THREADS)]
    jobs += [lambda t=t: jf.box_filter(t, 7, border="reflect") for t in frames]
    results = _run_concurrently(jobs)
    for i in range(N_THREADS):
        for got in results[i]:
            np.testing.assert_array_equal(got, serial[i])
        for got in results[N_THREADS + i]:
            np.testing.assert_array_equal(got, serial_box[i])
