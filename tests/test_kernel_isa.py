"""The baseline and AVX2 builds of the kernels give the same bits.

The kernels are compiled twice (x86-64 baseline and AVX2+FMA, contraction off) and the build
is picked at run time; ``JOINTFILTER_KERNEL_ISA=baseline`` forces the baseline build. A child
process computes a set of filters with it, and this process (with the default choice) must
reproduce them exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf

CASES_SCRIPT = """
import sys
import numpy as np
import jointfilter as jf

def cases():
    rng = np.random.default_rng(7)
    g3 = rng.random((61, 83, 3), dtype=np.float32)
    g1 = np.ascontiguousarray(g3[..., 1])
    t1 = rng.random((61, 83), dtype=np.float32)
    t3 = rng.random((61, 83, 3), dtype=np.float32)
    u3 = (g3 * 255).astype(np.uint8)
    ut = (t3 * 255).astype(np.uint8)
    out = {}
    for prec in ("double", "single"):
        for border in ("clipped", "symmetric", "reflect", "edge"):
            for r in (1, 4, 40):
                key = f"{prec}-{border}-{r}"
                kw = {"radius": r, "border": border, "precision": prec}
                out["col1-" + key] = jf.guided_filter(t1, g3, eps=1e-3, **kw)
                out["gray3-" + key] = jf.guided_filter(t3, g1, eps=1e-2, **kw)
        out["u8-" + prec] = jf.guided_filter(ut, u3, radius=5, eps=1e-3, precision=prec)
        out["fgf-" + prec] = jf.guided_filter(
            t3, g3, radius=6, eps=1e-3, subsample=2, precision=prec
        )
        # block-mean decimation (its own AVX2 row loop): float and integer sums, s = 2 and 3
        for s in (2, 3):
            for name, t in (("f32", t3), ("u8", ut)):
                out[f"fgf-mean-{name}-{s}-" + prec] = jf.guided_filter(
                    t, g1, radius=6, eps=1e-2, subsample=s, decimation="mean", precision=prec
                )
    for border in ("clipped", "symmetric"):
        out["box-" + border] = jf.box_filter(t3, 5, border=border)
        out["boxu8-" + border] = jf.box_filter(ut, 3, border=border)
    return out

if __name__ == "__main__":
    np.savez(sys.argv[1], isa=np.array(jf.build_info()["kernel_isa"]), **cases())
"""


def test_baseline_and_avx2_builds_agree_bit_for_bit(tmp_path: Path) -> None:
    if jf.build_info()["kernel_isa"] != "avx2":
        pytest.skip("this machine runs the baseline build only")
    script = tmp_path / "cases.py"
    script.write_text(CASES_SCRIPT)
    result = tmp_path / "baseline.npz"
    env = dict(os.environ, JOINTFILTER_KERNEL_ISA="baseline")
    subprocess.run([sys.executable, str(script), str(result)], env=env, check=True, timeout=300)
    sys.path.insert(0, str(tmp_path))
    try:
        import cases as mod  # the same script, run in this (AVX2) process
    finally:
        sys.path.pop(0)
        sys.modules.pop("cases", None)
    mine = mod.cases()
    with np.load(result) as base:
        assert str(base["isa"]) == "baseline"
        assert set(base.files) - {"isa"} == set(mine)
        for key, value in mine.items():
            np.testing.assert_array_equal(base[key], value, err_msg=key)
