"""jointfilter.dask: chunked results equal the in-memory results (exact halos)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import ParameterError, ShapeError

da = pytest.importorskip("dask.array")
jfd = pytest.importorskip("jointfilter.dask")

BORDERS = ["clipped", "symmetric", "reflect", "edge"]
# float32: the tiled result may differ from the whole-image result by float32 rounding only
# (measured: bit-identical on this machine); integers: at most one level.
FLOAT_TOL = 1e-5
INT_TOL = 1


def _rand(shape: tuple[int, ...], dtype: type, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.random(shape, dtype=np.float32)
    # piecewise-constant structure + noise, so edges fall on chunk borders too
    x += (np.indices(shape[:2]).sum(0) // 17 % 2).reshape(shape[:2] + (1,) * (len(shape) - 2))
    x /= 2
    if dtype == np.uint8:
        return np.round(x * 255).astype(np.uint8)
    return x.astype(dtype)


def _close(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    tol = FLOAT_TOL if a.dtype.kind == "f" else INT_TOL
    assert np.abs(a.astype(np.float64) - b.astype(np.float64)).max() <= tol


def test_import_jointfilter_does_not_import_dask() -> None:
    code = "import sys, jointfilter; jointfilter.guided_filter; print('dask' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("guide_channels", [0, 3])
def test_guided_equals_in_memory(border: str, dtype: type, guide_channels: int) -> None:
    shape = (131, 97, 3)
    target = _rand(shape, dtype, 1)
    guide = _rand((131, 97, 3) if guide_channels else (131, 97), dtype, 2)
    ref = jf.guided_filter(target, guide, radius=5, eps=1e-2, border=border)
    # odd chunking, smaller than the image in both axes, larger than the 2r halo
    out = jfd.guided_filter(target, guide, radius=5, eps=1e-2, border=border, chunks=(37, 29))
    _close(out.compute(), ref)


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_box_equals_in_memory(border: str, dtype: type) -> None:
    image = _rand((101, 77), dtype)
    ref = jf.box_filter(image, 6, border=border)
    _close(jfd.box_filter(image, 6, border=border, chunks=(23, 41)).compute(), ref)


def test_chunks_smaller_than_halo_are_enlarged() -> None:
    t = _rand((90, 70), np.float32)
    arr = da.from_array(t, chunks=(7, 9))  # halo 16 > chunk: rechunked, still exact
    out = jfd.guided_filter(arr, arr, radius=8, eps=1e-3)
    _close(out.compute(), jf.guided_filter(t, t, radius=8, eps=1e-3))


def test_guide_with_other_chunks_and_gray_target_colour_guide() -> None:
    t = _rand((80, 66), np.float32, 3)
    g = _rand((80, 66, 3), np.uint8, 4)
    td = da.from_array(t, chunks=(25, 30))
    gd = da.from_array(g, chunks=(40, 11, 1))  # channel axis chunked: rechunked to one
    out = jfd.guided_filter(td, gd, radius=3, eps=1e-3, dtype=np.uint8)
    assert out.dtype == np.uint8
    _close(out.compute(), jf.guided_filter(t, g, radius=3, eps=1e-3, dtype=np.uint8))


def test_single_chunk_and_radius_larger_than_chunks() -> None:
    t = _rand((40, 30), np.float32)
    _close(jfd.guided_filter(t, t, radius=20, chunks=(13, 11)).compute(),
           jf.guided_filter(t, t, radius=20))  # fmt: skip
    _close(jfd.box_filter(t, 3, chunks=-1).compute(), jf.box_filter(t, 3))


@pytest.mark.parametrize("decimation", ["nearest", "mean"])
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    ("s", "radius", "chunks", "dtype", "guide_channels"),
    [
        (2, 6, (40, 31), np.float32, 0),  # odd chunk width: realigned to multiples of s
        (3, 7, (37, 50), np.float32, 3),
        (4, 8, (41, 23), np.uint8, 3),  # chunks smaller than the halo: enlarged
    ],
)
def test_subsample_exact_on_multiples(
    border: str,
    s: int,
    radius: int,
    chunks: tuple[int, int],
    dtype: type,
    guide_channels: int,
    decimation: str,
) -> None:
    target = _rand((120, 96, 3), dtype, 11)
    guide = _rand((120, 96, 3) if guide_channels else (120, 96), dtype, 12)
    kw = {"radius": radius, "eps": 1e-2, "subsample": s, "border": border}
    kw["decimation"] = decimation  # chunks hold whole blocks: block means are exact too
    ref = jf.guided_filter(target, guide, **kw)
    out = jfd.guided_filter(target, guide, chunks=chunks, **kw)
    assert all(c % s == 0 for axis in out.chunks[:2] for c in axis)
    _close(out.compute(), ref)


def test_subsample_needs_multiple_of_s() -> None:
    t = _rand((40, 30), np.float32)
    with pytest.raises(ParameterError, match="multiples of 4"):
        jfd.guided_filter(t, t, subsample=4, chunks=(20, 15))
    with pytest.raises(ParameterError, match="decimation"):
        jfd.guided_filter(t, t, subsample=2, decimation="area")


def test_out_rejected_and_shape_mismatch() -> None:
    t = _rand((40, 30), np.float32)
    with pytest.raises(ParameterError, match="out="):
        jfd.guided_filter(t, t, out=np.empty_like(t), chunks=(20, 15))
    with pytest.raises(ShapeError, match="height and width"):
        jfd.guided_filter(t, t[:20], chunks=(20, 15))


def _blur_then_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return jf.box_filter(a, 2) + jf.box_filter(b, 3)


def test_map_filter_generic_with_stated_halo() -> None:
    a = _rand((70, 50), np.float32, 5)
    b = _rand((70, 50), np.float32, 6)
    out = jfd.map_filter(_blur_then_sum, a, b, depth=3, chunks=(19, 23))
    _close(out.compute(), _blur_then_sum(a, b))
    with pytest.raises(ParameterError, match="depth"):
        jfd.map_filter(_blur_then_sum, a, b, depth=-1)


def test_map_filter_out_channels() -> None:
    a = _rand((40, 30), np.float32)

    def to_rgb(x: np.ndarray) -> np.ndarray:
        return np.repeat(x[:, :, None], 3, axis=2)

    out = jfd.map_filter(to_rgb, a, depth=0, chunks=(16, 16), out_channels=3)
    assert out.shape == (40, 30, 3)
    np.testing.assert_array_equal(out.compute(), to_rgb(a))


def test_restore_wrapper_resolves_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_restore(t: np.ndarray, g: np.ndarray, *, task: str) -> np.ndarray:
        assert task == "flash_denoise"
        return jf.guided_filter(t, g, radius=3, eps=1e-2)

    monkeypatch.setattr(jf, "restore", fake_restore, raising=False)
    t = _rand((60, 45, 3), np.float32, 7)
    g = _rand((60, 45), np.float32, 8)
    out = jfd.restore(t, g, depth=6, chunks=(17, 19), task="flash_denoise")
    _close(out.compute(), fake_restore(t, g, task="flash_denoise"))


def test_fuse_guided_exact_with_footprint_depth() -> None:
    # GFF footprint: 2 * r1 (=90, guided weight refinement) + 6 (3x3 Laplacian, 11x11 Gaussian)
    ir = _rand((250, 230), np.uint8, 9)
    vis = _rand((250, 230, 3), np.uint8, 10)
    ref = jf.fuse(ir, vis, method="guided")
    out = jfd.fuse(ir, vis, depth=96, chunks=(125, 115), method="guided")
    assert out.shape == ref.shape
    _close(out.compute(), ref)


def test_inputs_checked_at_call_time_with_the_argument_names() -> None:
    from jointfilter.errors import DTypeError

    t = _rand((40, 30), np.float32)
    five = np.zeros((40, 30, 5), np.float32)  # a (4, 4, 5) chunk looks channels-first
    with pytest.raises(ShapeError, match=r"target must have 1 to 4 channels.*\(40, 30, 5\)"):
        jfd.guided_filter(five, t, chunks=(4, 4))  # no compute: raised by the call
    with pytest.raises(ShapeError, match=r"guide must have 1 or 3 channels.*\(40, 30, 4\)"):
        jfd.guided_filter(t, five[..., :4], chunks=(4, 4))
    with pytest.raises(DTypeError, match="image must have dtype"):
        jfd.box_filter(da.from_array(t > 0.5, chunks=(8, 8)), 2)
    with pytest.raises(DTypeError, match="infrared must be a numpy or Dask array"):
        jfd.fuse("ir.png", t, depth=4)
    with pytest.raises(ParameterError, match="'depth_upsample' needs the exact mode"):
        jfd.restore(t[:20, :15], t, task="depth_upsample", depth=4)


@pytest.mark.parametrize("chunks", [(-2, 8), (True, 8), (8, 0), (8.5, 8), "bogus", (8,), [[]]])
def test_bad_chunks_are_refused(chunks: object) -> None:
    t = _rand((40, 30), np.float32)
    with pytest.raises(ParameterError, match="chunks must be"):
        jfd.box_filter(t, 1, chunks=chunks)
    with pytest.raises(ParameterError, match="chunks must be"):
        jfd.map_filter(np.copy, t, depth=1, chunks=chunks)


def test_map_filter_checks_every_block_from_func() -> None:
    from jointfilter.errors import DTypeError

    a = _rand((40, 30), np.float32)
    out = jfd.map_filter(lambda x: x[1:-1], a, depth=1, chunks=(16, 16))
    with pytest.raises(
        ShapeError, match=r"func returned a block of shape \(\d+, \d+\) for an input block"
    ):
        out.compute()  # trimmed by the halo, this would have been garbage
    out = jfd.map_filter(lambda x: x[:, :, None], a, depth=1, chunks=(16, 16))  # 3-D, not 2-D
    with pytest.raises(ShapeError, match="out_channels"):
        out.compute()
    out = jfd.map_filter(lambda x: x.astype(np.float64), a, depth=1, chunks=(16, 16))
    with pytest.raises(DTypeError, match="dtype float64; expected float32"):
        out.compute()
    ok = jfd.map_filter(lambda x: x.astype(np.float64), a, depth=1, dtype=np.float64)
    np.testing.assert_array_equal(ok.compute(), a.astype(np.float64))


def test_guided_filter_single_precision_on_dask_within_its_rounding():
    image = np.random.default_rng(11).random((300, 200), dtype=np.float32)
    whole = jf.guided_filter(image, image, radius=5, precision="single")
    chunked = jfd.guided_filter(
        da.from_array(image, chunks=(77, 90)), image, radius=5, precision="single"
    ).compute()
    # bands follow the chunk height, so rounding differs, within the single kernel's error
    assert float(np.abs(whole - chunked).max()) <= 2e-5
    with pytest.raises(ParameterError, match="precision"):
        jfd.guided_filter(image, image, precision="half")


@pytest.mark.parametrize("maximum", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("border", ["clipped", "symmetric", "reflect", "edge"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_min_max_filter_chunked_equals_in_memory(border, dtype, maximum):
    rng = np.random.default_rng(12)
    image = (rng.random((61, 77, 2)) * 200).astype(dtype)
    radius = 9  # more than the smallest chunk below
    fn, dfn = (jf.max_filter, jfd.max_filter) if maximum else (jf.min_filter, jfd.min_filter)
    whole = fn(image, radius, border=border)
    chunked = dfn(da.from_array(image, chunks=(7, 30, 2)), radius, border=border).compute()
    np.testing.assert_array_equal(chunked, whole)


def test_min_filter_on_dask_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="radius"):
        jfd.min_filter(np.zeros((8, 8), np.float32), -1)
    with pytest.raises(ShapeError, match="image"):
        jfd.max_filter(np.zeros((8,), np.float32), 1)
