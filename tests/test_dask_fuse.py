"""jointfilter.dask.fuse: every method chunked equals jointfilter.fuse, halos derived."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import jointfilter as jf
from jointfilter.errors import ParameterError, ShapeError

da = pytest.importorskip("dask.array")
jfd = pytest.importorskip("jointfilter.dask")

H, W = 61, 77  # odd, and not multiples of the chunks: partial last chunks on both axes
# Fusion has no data-dependent global estimate, so the only possible difference is float32
# rounding of the guided filter's running sums, which start at another place in each chunk:
# measured bit-identical here. Stated tolerance: 1 level for integer outputs, 1e-5 of the data
# range for float outputs.
INT_TOL = 1
FLOAT_TOL = 1e-5


def _pair(h: int = H, w: int = W, seed: int = 1, dtype: type = np.uint8) -> tuple:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    ir = ((xx // 11 + yy // 5) % 2) * 0.6 + rng.normal(0.2, 0.08, (h, w))
    base = np.sin(xx / 5.0) * 0.25 + 0.5
    vis = np.stack([base + rng.normal(0, 0.04, (h, w)) for _ in range(3)], axis=2)
    vis[:, :, 1] *= 0.9
    ir, vis = np.clip(ir, 0, 1), np.clip(vis, 0, 1)
    if dtype == np.float32:
        return ir.astype(np.float32), vis.astype(np.float32)
    top = np.iinfo(dtype).max
    return np.round(ir * top).astype(dtype), np.round(vis * top).astype(dtype)


def _check(out: object, ref: np.ndarray, *, multi: bool = True) -> None:
    assert out.shape == ref.shape
    assert out.dtype == ref.dtype
    if multi:  # the case really crosses chunk borders
        assert max(len(c) for c in out.chunks[:2]) > 1, out.chunks
    got = out.compute()
    tol = INT_TOL if ref.dtype.kind in "ui" else FLOAT_TOL
    assert np.abs(got.astype(np.float64) - ref.astype(np.float64)).max() <= tol


SMALL_GFF = {"r1": 5, "r2": 2, "base_radius": 3}


@pytest.mark.parametrize(
    ("method", "params", "chunks"),
    [
        ("guided", SMALL_GFF, (17, 23)),
        ("guided", {**SMALL_GFF, "enhance": "detail", "enhance_radius": 2}, (9, 11)),
        ("guided", {"r1": 6, "r2": 2, "base_radius": 4, "subsample": 2}, (13, 15)),
        ("focus", {"radius": 3}, (17, 23)),  # default pyramid depth of the whole image
        ("focus", {"radius": 3, "levels": 2, "match_threshold": None}, (10, 10)),
        ("focus", {"blend": "two_scale", **SMALL_GFF, "measure": "eol"}, (17, 23)),
        ("focus", {"blend": "weighted", "radius": 2, "measure": "tenengrad"}, (7, 9)),
        ("focus", {"blend": "weighted", "radius": 2, "measure": "variance", "subsample": 2},
         (12, 12)),
        ("focus", {"radius": 2, "enhance": "detail", "enhance_radius": 3, "levels": 3}, (20, 30)),
    ],
)  # fmt: skip
def test_fuse_chunked_equals_in_memory(method: str, params: dict, chunks: tuple) -> None:
    ir, vis = _pair()
    if params.get("subsample", 1) > 1:  # the fast guided filter needs multiples of s
        ir, vis = ir[:60, :76], vis[:60, :76]
    ref = jf.fuse(ir, vis, method=method, **params)
    _check(jfd.fuse(ir, vis, method=method, chunks=chunks, **params), ref)


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
@pytest.mark.parametrize("vis_layout", ["gray", "single", "rgb_ir"])
def test_fuse_dtypes_and_layouts(dtype: type, vis_layout: str) -> None:
    ir, vis = _pair(dtype=dtype, seed=2)
    if vis_layout == "gray":
        vis = np.ascontiguousarray(vis[:, :, 1])
    elif vis_layout == "single":
        vis = np.ascontiguousarray(vis[:, :, 1:2])
    else:  # an RGB infrared image is fused through its luma
        ir = np.repeat(ir[:, :, None], 3, axis=2)
    ref = jf.fuse(ir, vis, method="guided", **SMALL_GFF)
    _check(jfd.fuse(ir, vis, **SMALL_GFF, chunks=(19, 25)), ref)


def test_fuse_default_parameters_and_dask_inputs() -> None:
    # the GFF defaults need a 96-pixel halo: chunks are enlarged to it (here: the whole image)
    ir, vis = _pair(seed=3)
    ref = jf.fuse(ir, vis)
    out = jfd.fuse(da.from_array(ir, chunks=(20, 20)), da.from_array(vis, chunks=(30, 30, 1)))
    _check(out, ref, multi=False)
    # float data with a data range and without clipping
    irf, visf = (ir.astype(np.float32) * 4, vis.astype(np.float32) * 4)
    kw = {"data_range": 1020.0, "clip": False, **SMALL_GFF}
    _check(jfd.fuse(irf, visf, chunks=(17, 23), **kw), jf.fuse(irf, visf, **kw))


def test_inputs_not_modified() -> None:
    ir, vis = _pair(seed=4)
    ir0, vis0 = ir.copy(), vis.copy()
    jfd.fuse(ir, vis, method="focus", radius=2, chunks=(17, 23)).compute()
    np.testing.assert_array_equal(ir, ir0)
    np.testing.assert_array_equal(vis, vis0)


def _noise_pair(h: int, w: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random float data: every pixel a chunk misses changes the float result."""
    rng = np.random.default_rng(seed)
    return rng.random((h, w), dtype=np.float32), rng.random((h, w, 3), dtype=np.float32)


def test_derived_halo_is_needed() -> None:
    """A halo a few pixels short of the derived one breaks equality (the test can fail)."""
    from jointfilter.fusion import _check_params
    from jointfilter.fusion._blocks import fusion_footprint

    ir, vis = _noise_pair(H, W, 5)
    ref = jf.fuse(ir, vis, **SMALL_GFF)
    depth, align = fusion_footprint("guided", _check_params("guided", SMALL_GFF), (H, W))
    part = functools.partial(jfd._fuse_call, method="guided", **SMALL_GFF)

    def error(d: int) -> float:
        out = jfd._map(part, [ir, vis], d, align, (depth, depth), like=1).compute()
        return float(np.abs(out - ref).max())

    exact, short = error(depth), error(depth - 4)
    assert exact <= 1e-7 < 1e-6 < short


def test_pyramid_footprint_bounds_the_measured_one() -> None:
    """The derived pyramid halo is enough, and within one grid step of the smallest that is."""
    from jointfilter.fusion import _check_params
    from jointfilter.fusion._blocks import fusion_footprint

    ir, vis = _noise_pair(96, 112, 6)
    params = {"radius": 3, "levels": 3}
    ref = jf.fuse(ir, vis, method="focus", **params)
    depth, align = fusion_footprint("focus", _check_params("focus", params), (96, 112))
    assert align == 4
    part = functools.partial(jfd._fuse_call, method="focus", **params)

    def error(d: int) -> float:
        out = jfd._map(part, [ir, vis], d, align, (max(d, 8), max(d, 8)), like=1)
        return float(np.abs(out.compute() - ref).max())

    exact, short = error(depth), error(depth - 2 * align)
    assert exact <= 1e-7 < 1e-6 < short


def test_cnn_with_a_small_untrained_network() -> None:
    pytest.importorskip("torch")
    import torch

    import jointfilter.models as jm
    from jointfilter.models.architectures.blur_cnn import BlurCNN, BlurCNNPacked

    torch.manual_seed(0)
    net = jm.from_module(
        BlurCNNPacked(BlurCNN(c1=4, c2=8, c3=8, hidden=8)).eval(), kind="pairs", multiple=1
    )
    assert net.window == 32
    ir, vis = _pair(h=96, w=100, seed=7)
    kw = {"model": net, "blend": "weighted", "radius": 3, "stride": 16}
    ref = jf.fuse(ir, vis, method="cnn", **kw)
    out = jfd.fuse(ir, vis, method="cnn", chunks=(20, 20), **kw)
    assert all(c % 16 == 0 for axis in out.chunks[:2] for c in axis[:-1])  # window grid
    _check(out, ref)


def test_errors() -> None:
    ir, vis = _pair()
    with pytest.raises(ParameterError, match="multiples of 2"):
        jfd.fuse(ir, vis, subsample=2)  # 61 x 77
    with pytest.raises(ParameterError, match="return_weights"):
        jfd.fuse(ir, vis, return_weights=True)
    with pytest.raises(ParameterError, match="depth="):
        jfd.fuse(ir, vis, dtype=np.float32)
    with pytest.raises(ParameterError, match="unknown parameter"):
        jfd.fuse(ir, vis, r3=2)
    with pytest.raises(ShapeError, match="same height and width"):
        jfd.fuse(ir[:40], vis)

    def model(a: np.ndarray, b: np.ndarray, *, stride: int = 8) -> np.ndarray:
        return np.zeros(a.shape, np.float32)

    with pytest.raises(ParameterError, match="window"):
        jfd.fuse(ir, vis, method="cnn", model=model)


def test_legacy_stated_depth_still_maps_fuse_per_chunk() -> None:
    ir, vis = _pair(seed=8)
    out = jfd.fuse(ir, vis, depth=16, chunks=(31, 39), **SMALL_GFF)
    _check(out, jf.fuse(ir, vis, **SMALL_GFF))
