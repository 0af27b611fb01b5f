"""A bounded run of the atheris fuzz target (tests/fuzz/fuzz_api.py); skipped without atheris.

The target asserts that every generated input either gives a result of the documented shape
or raises a jointfilter error, and leaves the inputs untouched; a crash, an unexpected
exception or a modified input makes the fuzzer exit non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

TARGET = Path(__file__).parent / "fuzz" / "fuzz_api.py"
# a fixed seed and run count make the run reproducible; raise RUNS for a longer campaign
RUNS = int(os.environ.get("JOINTFILTER_FUZZ_RUNS", "60000"))


CORE_TARGET = Path(__file__).parent / "fuzz" / "fuzz_core.py"
# about 20-30 s on two busy cores; raise JOINTFILTER_FUZZ_CORE_RUNS for a longer campaign
CORE_RUNS = int(os.environ.get("JOINTFILTER_FUZZ_CORE_RUNS", "30000"))


def _run_fuzzer(
    tmp_path: Path, target: Path, runs: int, extra: tuple[str, ...] = (), env=None
) -> tuple[int, str]:
    """Run an atheris target with a fixed seed and run count; return (exit status, stderr)."""
    proc = subprocess.run(
        [
            sys.executable,
            str(target),
            "-seed=1",
            f"-runs={runs}",
            "-max_total_time=300",
            *extra,
            # libFuzzer's RSS check reads ru_maxrss, which Linux carries across exec from the
            # forked pytest process (GBs once the model tests ran); guard single allocations
            # instead: nothing on <= 13x13 images needs 512 MiB
            "-rss_limit_mb=16384",
            "-malloc_limit_mb=512",
            "-print_final_stats=1",
            f"-artifact_prefix={tmp_path}/",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    return proc.returncode, proc.stderr


def _executed(stderr: str) -> int:
    stats = [line for line in stderr.splitlines() if line.startswith("stat::")]
    return next(int(x.split(":")[-1]) for x in stats if "number_of_executed_units" in x)


def _run_core_fuzzer(tmp_path: Path, runs: int, functions: str) -> tuple[int, str]:
    """Run tests/fuzz/fuzz_core.py on the named binding groups."""
    # inputs up to 1 KiB from the start: 13x13 arrays with several channels need them
    return _run_fuzzer(
        tmp_path,
        CORE_TARGET,
        runs,
        ("-len_control=0", "-max_len=1024"),
        env={**os.environ, "JOINTFILTER_FUZZ_FUNCTIONS": functions},
    )


def test_fuzz_public_api_for_a_bounded_time(tmp_path):
    code, err = _run_fuzzer(tmp_path, TARGET, RUNS)
    assert code == 0, err[-4000:]
    assert _executed(err) >= min(RUNS, 1000)


def test_fuzz_core_bindings_for_a_bounded_time(tmp_path):
    """The compiled core called directly (below the Python validation): box, guided and
    min/max filters, thread count. Only documented exceptions, no byte written outside `out`,
    successful calls only on valid arguments and (box, min/max) with in-range values."""
    code, err = _run_core_fuzzer(tmp_path, CORE_RUNS, "box,guided,minmax,threads")
    assert code == 0, err[-4000:]
    assert _executed(err) >= min(CORE_RUNS, 1000)


def test_fuzz_core_cuda_emulation_binding(tmp_path):
    # before the emulation checked its arguments (as guided_filter does) the heap overflow
    # came within 2966 to 22900 runs
    code, err = _run_core_fuzzer(tmp_path, 25000, "emulated")
    assert code == 0, err[-4000:]
