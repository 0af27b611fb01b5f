"""Coverage-guided fuzzing of the public filter API with atheris.

Every input either gives a result of the documented shape and dtype or raises one of
jointfilter's documented exception classes; anything else (a crash, an unexpected exception
type, a modified input) is a finding. Run: ``python tests/fuzz/fuzz_api.py -max_total_time=60``.
"""

from __future__ import annotations

import sys

import atheris
import numpy as np

with atheris.instrument_imports():
    import jointfilter as jf
    from jointfilter.errors import JointFilterError

DTYPES = [np.uint8, np.uint16, np.float32, np.float64, np.int64, np.bool_, np.complex64]
BORDERS = ["clipped", "symmetric", "reflect", "edge", "wrap"]


def _array(fdp: atheris.FuzzedDataProvider, h: int, w: int, c: int) -> np.ndarray:
    dtype = DTYPES[fdp.ConsumeIntInRange(0, len(DTYPES) - 1)]
    shape = (h, w) if c == 0 else (h, w, c)
    raw = fdp.ConsumeBytes(h * w * max(c, 1) * 8)
    vals = np.frombuffer(raw.ljust(h * w * max(c, 1) * 8, b"\0"), dtype=np.float64)
    vals = np.nan_to_num(vals, nan=0.5, posinf=1.0, neginf=0.0) if fdp.ConsumeBool() else vals
    arr = np.resize(vals, shape)
    with np.errstate(all="ignore"):
        arr = arr.astype(dtype)
    if fdp.ConsumeBool() and arr.ndim >= 2 and arr.shape[1] > 1:
        arr = arr[:, ::-1]  # negative strides
    return arr


def test_one(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    h, w = fdp.ConsumeIntInRange(0, 12), fdp.ConsumeIntInRange(0, 12)
    target = _array(fdp, h, w, fdp.ConsumeIntInRange(0, 5))
    guide = _array(
        fdp, h if fdp.ConsumeBool() else h + 1, w, [0, 1, 3, 2][fdp.ConsumeIntInRange(0, 3)]
    )
    radius = fdp.ConsumeIntInRange(-2, 40)
    eps = fdp.ConsumeFloat()
    subsample = fdp.ConsumeIntInRange(0, 6)
    border = BORDERS[fdp.ConsumeIntInRange(0, len(BORDERS) - 1)]
    t0, g0 = target.copy(), guide.copy()
    which = fdp.ConsumeIntInRange(0, 3)
    try:
        if which == 0:
            out = jf.guided_filter(
                target, guide, radius=radius, eps=eps, subsample=subsample, border=border
            )
        elif which == 1:
            out = jf.box_filter(target, radius, border=border)
        elif which == 2:
            out = jf.min_filter(target, radius, border=border)
        else:
            out = jf.max_filter(target, radius, border=border)
    except JointFilterError:
        out = None
    assert np.array_equal(target, t0, equal_nan=target.dtype.kind in "fc")
    assert np.array_equal(guide, g0, equal_nan=guide.dtype.kind in "fc")
    if out is not None:
        assert out.shape == target.shape


if __name__ == "__main__":
    atheris.instrument_all()  # coverage feedback from every loaded Python module
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
