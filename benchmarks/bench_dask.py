"""Large guided filter on a Dask LocalCluster vs the in-memory call.

Measures, for a ``--size x --size`` float32 image (target = guide, self-guided, random data made
on the workers so nothing crosses the wire):

* ``dask``: ``jointfilter.dask.guided_filter`` on a ``LocalCluster`` (processes, loopback) with
  ``--workers`` workers x ``--threads`` threads, ``--chunk`` square chunks; the result is reduced
  per chunk (sum) so it is computed in full but not gathered. Reports wall time, throughput
  (megapixels/s) and the peak resident memory of each worker process (``ru_maxrss``).
* ``in-memory``: ``jointfilter.guided_filter`` in a fresh subprocess on ``--mem-size`` (default:
  the same size), with the same number of threads (workers x threads); wall time, throughput
  and the process's peak resident memory.

The issue's target is ``--size 20000`` (400 MP; 1.6 GB per float32 image in memory, about 5 GB
peak for the in-memory call): run it when time allows. The default (8000) fits any machine.

Usage::

    python benchmarks/bench_dask.py [--size 8000] [--chunk 2048] [--radius 8] [--workers 2]
                                    [--threads 1] [--mem-size N] [--no-memory]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _worker_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_dask(size: int, chunk: int, radius: int, workers: int, threads: int) -> dict:
    import dask.array as da
    from distributed import Client, LocalCluster

    import jointfilter.dask as jfd

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("jointfilter").set_num_threads(1))
        warm = da.ones((64, 64), dtype=np.float32, chunks=32)  # imports on every worker
        jfd.guided_filter(warm, warm, radius=2).sum().compute()
        base = client.run(_worker_peak_mib)
        img = da.random.default_rng(0).random((size, size), dtype=np.float32, chunks=chunk)
        out = jfd.guided_filter(img, img, radius=radius, eps=1e-3)
        total = out.map_blocks(lambda b: np.array([[b.sum(dtype=np.float64)]]), chunks=(1, 1))
        start = time.perf_counter()
        total.sum().compute()
        seconds = time.perf_counter() - start
        peaks = client.run(_worker_peak_mib)
    return {
        "path": "dask",
        "size": size,
        "chunk": chunk,
        "workers": workers,
        "threads_per_worker": threads,
        "seconds": seconds,
        "mp_per_s": size * size / 1e6 / seconds,
        "worker_peak_mib": sorted(peaks.values()),
        "worker_start_mib": sorted(base.values()),
    }


_IN_MEMORY = """
import json, resource, sys, time
import numpy as np, jointfilter as jf
size, radius, threads = map(int, sys.argv[1:4])
jf.set_num_threads(threads)
img = np.random.default_rng(0).random((size, size), dtype=np.float32)
start = time.perf_counter()
out = jf.guided_filter(img, img, radius=radius, eps=1e-3)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"path": "in-memory", "size": size, "threads": threads, "seconds": seconds,
                  "mp_per_s": size * size / 1e6 / seconds, "peak_mib": peak}))
"""


def bench_in_memory(size: int, radius: int, threads: int) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", _IN_MEMORY, str(size), str(radius), str(threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=8000)
    p.add_argument("--chunk", type=int, default=2048)
    p.add_argument("--radius", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--mem-size", type=int, default=None, help="in-memory size (default --size)")
    p.add_argument("--no-memory", action="store_true", help="skip the in-memory run")
    args = p.parse_args(argv)
    rows = [bench_dask(args.size, args.chunk, args.radius, args.workers, args.threads)]
    if not args.no_memory:
        rows.append(
            bench_in_memory(args.mem_size or args.size, args.radius, args.workers * args.threads)
        )
    print("| path | size | seconds | MP/s | peak MiB |")
    print("|---|---|---|---|---|")
    for r in rows:
        peak = r.get("peak_mib") or max(r["worker_peak_mib"])
        label = r["path"]
        if r["path"] == "dask":
            label += f" ({r['workers']}x{r['threads_per_worker']}, chunk {r['chunk']})"
            peak_s = "per worker " + ", ".join(f"{m:.0f}" for m in r["worker_peak_mib"])
        else:
            label += f" ({r['threads']} threads)"
            peak_s = f"{peak:.0f}"
        print(
            f"| {label} | {r['size']}x{r['size']} | {r['seconds']:.2f} | "
            f"{r['mp_per_s']:.1f} | {peak_s} |"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
