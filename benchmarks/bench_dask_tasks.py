"""Chunked restore/fuse (derived halos, global estimates first) vs the in-memory calls.

For a 2048 x 2048 synthetic scene (``--size``), chunks ``--chunk``: the time
``jointfilter.dask.restore``/``fuse`` takes to return (the whole-image estimates are computed
then), the time to compute the lazy result (Dask's threaded scheduler, the kernels on one
thread each), the in-memory call on 2 threads, and the largest difference between the two.

Usage::

    python benchmarks/bench_dask_tasks.py [--size 2048] [--chunk 1024]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import jointfilter as jf
import jointfilter.dask as jfd


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=2048)
    p.add_argument("--chunk", type=int, default=1024)
    args = p.parse_args(argv)
    n, c = args.size, (args.chunk, args.chunk)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    g = np.stack(
        [np.sin(xx / 37) * 0.3 + 0.5, np.cos(yy / 23) * 0.3 + 0.5,
         ((xx // 64 + yy // 64) % 2) * 0.5 + 0.2], axis=2,
    ).astype(np.float32)  # fmt: skip
    t = np.clip(0.6 * g + rng.normal(0, 0.05, g.shape), 0, 1).astype(np.float32)
    ir, vis = (g[..., 2] * 255).astype(np.uint8), (t * 255).astype(np.uint8)
    cases = [
        ("restore flash_denoise", lambda: jfd.restore(t, g, "flash_denoise", chunks=c),
         lambda: jf.restore(t, g, "flash_denoise")),
        ("restore None (SURE)", lambda: jfd.restore(t, g, chunks=c), lambda: jf.restore(t, g)),
        ("restore nir_dehaze", lambda: jfd.restore(t, g[..., 0], "nir_dehaze", chunks=c),
         lambda: jf.restore(t, g[..., 0], "nir_dehaze")),
        ("fuse guided", lambda: jfd.fuse(ir, vis, chunks=c), lambda: jf.fuse(ir, vis)),
    ]  # fmt: skip
    print(f"{n} x {n}, chunks {args.chunk}")
    print("| path | call (estimates) s | compute s | in-memory (2 threads) s | max diff |")
    print("|---|---|---|---|---|")
    for name, chunked, whole in cases:
        jf.set_num_threads(1)  # Dask's threads parallelise over chunks
        t0 = time.perf_counter()
        lazy = chunked()
        t1 = time.perf_counter()
        out = lazy.compute()
        t2 = time.perf_counter()
        jf.set_num_threads(2)
        ref = whole()
        t3 = time.perf_counter()
        diff = np.abs(out.astype(np.float64) - ref).max()
        print(f"| {name} | {t1 - t0:.2f} | {t2 - t1:.2f} | {t3 - t2:.2f} | {diff:.2g} |")


if __name__ == "__main__":
    main()
