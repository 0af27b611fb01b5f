"""Tests of jointfilter.fusion.fuse (synthetic data only; the whole file runs in a few seconds)."""

from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np
import pytest

from jointfilter.errors import (
    DTypeError,
    MissingDependencyError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)
from jointfilter.fusion import fuse
from jointfilter.fusion._blend import laplacian_pyramid, reconstruct
from jointfilter.fusion._color import rgb_to_ycbcr, ycbcr_to_rgb

METHODS_NO_MODEL = ("guided", "focus")


@functools.cache
def _camera() -> np.ndarray:
    import skimage.data

    return (skimage.data.camera()[::2, ::2].astype(np.float64) / 255.0).astype(np.float32)


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(x, sigma, mode="nearest").astype(np.float32)


@functools.cache
def multifocus_pair() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sharp-inside, sharp-outside, all-in-focus, mask) built from a 256x256 natural image."""
    clean = _camera()
    h, w = clean.shape
    yy, xx = np.mgrid[:h, :w]
    mask = (yy - 0.45 * h) ** 2 + (xx - 0.55 * w) ** 2 < (0.3 * h) ** 2
    blurred = _blur(clean, 3.0)
    a = np.where(mask, clean, blurred).astype(np.float32)
    b = np.where(mask, blurred, clean).astype(np.float32)
    return a, b, clean, mask


def ir_vis_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """IR-like (smooth background, hot blobs) and VIS-like (textured, dark) float32 pair."""
    vis = 0.6 * _camera()
    h, w = vis.shape
    yy, xx = np.mgrid[:h, :w]
    ir = 0.25 + 0.1 * _blur(rng.random((h, w)).astype(np.float32), 8.0)
    for cy, cx, r in ((60, 70, 18), (170, 190, 25)):
        ir = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < r * r, 0.9, ir)
    return _blur(ir.astype(np.float32), 1.0), vis.astype(np.float32)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _to(x01: np.ndarray, dtype: Any) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind in "ui":
        return np.rint(x01.astype(np.float64) * np.iinfo(dt).max).astype(dt)
    return x01.astype(dt)


# ------------------------------------------------------------------------------------------
# basic properties


@pytest.mark.parametrize("method", METHODS_NO_MODEL)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_identical_inputs_return_input(method: str, dtype: Any) -> None:
    x = _to(_camera()[:96, :128], dtype)
    out = fuse(x, x, method=method)
    assert out.dtype == x.dtype
    assert out.shape == x.shape
    # weights sum to 1, so F = sum_n W_n x = x up to float32 rounding (integers: exact)
    atol = 1 if np.dtype(dtype).kind in "ui" else 1e-5
    np.testing.assert_allclose(out.astype(np.float64), x.astype(np.float64), atol=atol, rtol=0)


@pytest.mark.parametrize("method", METHODS_NO_MODEL)
def test_identical_color_inputs_return_input(method: str) -> None:
    rgb = np.stack([_camera(), 1.0 - _camera(), 0.5 * _camera()], axis=-1)[:64, :80]
    x = _to(rgb, np.uint8)
    out = fuse(x, x, method=method)
    assert out.shape == x.shape
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - x.astype(int)).max() <= 1


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("guided", {}),
        ("focus", {"blend": "pyramid"}),
        ("focus", {"blend": "two_scale"}),
        ("focus", {"blend": "weighted"}),
    ],
)
def test_weight_maps_are_partitions_of_unity(
    method: str, params: dict[str, Any], rng: np.random.Generator
) -> None:
    ir, vis = ir_vis_pair(rng)
    _, w = fuse(ir, vis, method=method, return_weights=True, **params)
    for key in ("decision", "base", "detail"):
        maps = w[key]
        assert maps.shape == (2, *ir.shape), key
        assert maps.dtype == np.float32
        assert maps.min() >= 0.0, key
        assert maps.max() <= 1.0, key
        np.testing.assert_allclose(maps.sum(axis=0), 1.0, atol=1e-6, err_msg=key)
    assert set(np.unique(w["decision"])) <= {0.0, 1.0}


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("guided", {}),
        ("focus", {}),
        ("focus", {"blend": "two_scale"}),
        ("focus", {"blend": "weighted"}),
        ("focus", {"measure": "eol"}),
        ("focus", {"measure": "tenengrad"}),
        ("focus", {"measure": "variance"}),
    ],
)
def test_multifocus_pair_recovers_all_in_focus(method: str, params: dict[str, Any]) -> None:
    a, b, clean, mask = multifocus_pair()
    fused, w = fuse(a, b, method=method, return_weights=True, **params)
    err = float(np.abs(fused - clean).mean())
    err_a = float(np.abs(a - clean).mean())
    err_b = float(np.abs(b - clean).mean())
    # measured: 0.0009-0.0018 against 0.025 / 0.018 for the sources
    assert err < 0.25 * min(err_a, err_b)
    # the refined decision (the detail weight of source a) matches the mask (issue: IoU >= 0.9)
    assert iou(w["detail"][0] > 0.5, mask) >= 0.9
    # the raw (unrefined) decision is noisier: measured 0.76-0.98
    assert iou(w["decision"][0] > 0.5, mask) >= 0.7


def test_ir_vis_pair_keeps_texture(rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    avg = 0.5 * (ir + vis)
    for method in METHODS_NO_MODEL:
        fused = fuse(ir, vis, method=method)
        # visible texture survives: gradient energy well above the plain average's
        g = np.abs(np.diff(fused, axis=1)).mean()
        assert g > 1.2 * np.abs(np.diff(avg, axis=1)).mean(), method


def test_focus_pyramid_keeps_flat_hot_targets(rng: np.random.Generator) -> None:
    """Liu's selection rule keeps textureless hot targets that saliency weights fade.

    GFF (method="guided") gives the flat hot blobs of this pair almost entirely to the textured
    visible image (measured mean 0.37 inside the blobs, average 0.61, infrared 0.89): the
    documented pitfall of saliency/focus weights on IR/VIS data (docs/fusion.md).
    """
    ir, vis = ir_vis_pair(rng)
    hot = ir > 0.8
    fused = fuse(ir, vis, method="focus")
    # measured 0.77
    assert fused[hot].mean() > 0.5 * (ir[hot].mean() + vis[hot].mean()) + 0.1


# ------------------------------------------------------------------------------------------
# colour, dtypes, layouts


def test_color_in_color_out_keeps_chroma(rng: np.random.Generator) -> None:
    ir, gray = ir_vis_pair(rng)
    tint = np.stack([gray * 1.2, gray, gray * 0.6], axis=-1).clip(0, 1).astype(np.float32)
    out = fuse(ir, tint, method="guided")
    assert out.shape == tint.shape
    assert out.dtype == np.float32
    y_in, cb_in, cr_in = rgb_to_ycbcr(tint)
    y_out, cb_out, cr_out = rgb_to_ycbcr(out)
    unclipped = (out > 1e-6).all(axis=-1) & (out < 1 - 1e-6).all(axis=-1)
    assert unclipped.mean() > 0.9
    np.testing.assert_allclose(cb_out[unclipped], cb_in[unclipped], atol=1e-5)
    np.testing.assert_allclose(cr_out[unclipped], cr_in[unclipped], atol=1e-5)
    # the luminance is the fused gray result
    np.testing.assert_allclose(
        y_out[unclipped], fuse(ir, y_in, method="guided")[unclipped], atol=1e-5
    )


def test_ycbcr_round_trip_is_exact_and_unclipped() -> None:
    rgb = np.array([[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.7, 0.4]]], np.float32)
    y, cb, cr = rgb_to_ycbcr(rgb)
    # chroma is zero-centred with its full range +-0.5: no offset, no 8-bit clipping
    np.testing.assert_allclose(
        [cb.max(), cr.max(), cb.min()], [0.5, 0.5, -0.299 / 1.772], atol=1e-6
    )
    np.testing.assert_allclose(ycbcr_to_rgb(y, cb, cr), rgb, atol=1e-6)


def test_gray_as_rgb_stays_gray(rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    v3 = _to(np.repeat(vis[:, :, None], 3, axis=2), np.uint8)
    i3 = _to(np.repeat(ir[:, :, None], 3, axis=2), np.uint8)
    out = fuse(i3, v3)
    assert out.shape == v3.shape
    assert (out[:, :, 0] == out[:, :, 1]).all()
    assert (out[:, :, 1] == out[:, :, 2]).all()
    np.testing.assert_array_equal(out[:, :, 0], fuse(i3[:, :, 0], v3[:, :, 0]))


@pytest.mark.parametrize(
    ("ir_dtype", "vis_dtype"),
    [
        (np.uint8, np.uint8),
        (np.uint16, np.uint16),
        (np.float32, np.float32),
        (np.uint16, np.uint8),
        (np.uint8, np.float32),
        (np.float64, np.uint16),
    ],
)
def test_output_dtype_is_visible_dtype(
    ir_dtype: Any, vis_dtype: Any, rng: np.random.Generator
) -> None:
    ir, vis = ir_vis_pair(rng)
    out = fuse(_to(ir, ir_dtype), _to(vis, vis_dtype), method="focus")
    assert out.dtype == np.dtype(vis_dtype)
    ref = fuse(ir, vis, method="focus")
    scale = np.iinfo(vis_dtype).max if np.dtype(vis_dtype).kind in "ui" else 1.0
    # quantisation of the inputs moves the result by a few levels at most on average
    assert np.abs(out / scale - ref).mean() < 0.01


def test_float_data_range_and_clip(rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    out255 = fuse(ir * 255, vis * 255, data_range=255.0)
    np.testing.assert_allclose(out255 / 255, fuse(ir, vis), atol=1e-5)
    raw = fuse(ir, vis, method="focus", enhance="detail", enhance_gain=3.0, clip=False)
    clipped = fuse(ir, vis, method="focus", enhance="detail", enhance_gain=3.0)
    assert clipped.min() >= 0.0
    assert clipped.max() <= 1.0
    np.testing.assert_allclose(np.clip(raw, 0, 1), clipped, atol=1e-6)


def test_single_channel_3d_layouts(rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    out = fuse(ir[:, :, None], vis[:, :, None])
    assert out.shape == (*vis.shape, 1)
    np.testing.assert_array_equal(out[:, :, 0], fuse(ir, vis))


@pytest.mark.parametrize("method", METHODS_NO_MODEL)
def test_inputs_are_not_modified(method: str, rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    ir8 = _to(ir, np.uint8)
    vis8 = _to(np.stack([vis, vis * 0.9, vis * 0.8], -1), np.uint8)
    copies = ir8.copy(), vis8.copy()
    ir8.flags.writeable = False
    vis8.flags.writeable = False
    fuse(ir8, vis8, method=method, enhance="detail")
    np.testing.assert_array_equal(ir8, copies[0])
    np.testing.assert_array_equal(vis8, copies[1])


def test_enhancement_boosts_detail(rng: np.random.Generator) -> None:
    ir, vis = ir_vis_pair(rng)
    plain = fuse(ir, vis, method="focus")
    boosted = fuse(ir, vis, method="focus", enhance="detail", enhance_gain=2.0)
    assert np.abs(np.diff(boosted, axis=1)).mean() > 1.2 * np.abs(np.diff(plain, axis=1)).mean()


def test_laplacian_pyramid_round_trip() -> None:
    x = _camera()[:77, :101]
    pyr = laplacian_pyramid(x, 4)
    assert [p.shape for p in pyr][-1] == (10, 13)
    np.testing.assert_allclose(reconstruct(pyr), x, atol=1e-5)


# ------------------------------------------------------------------------------------------
# errors


def test_size_mismatch_names_both_shapes() -> None:
    with pytest.raises(ShapeError, match=r"infrared \(40, 50\) and visible \(40, 51, 3\)"):
        fuse(np.zeros((40, 50), np.uint8), np.zeros((40, 51, 3), np.uint8))


@pytest.mark.parametrize(
    ("ir", "vis", "exc", "pattern"),
    [
        (np.zeros((8, 8, 2)), np.zeros((8, 8)), ShapeError, r"infrared must have shape"),
        (np.zeros((8, 8)), np.zeros((8, 8, 4)), ShapeError, r"visible must have shape"),
        (np.zeros((2, 8, 8, 1)), np.zeros((8, 8)), ShapeError, r"infrared must have shape"),
        (np.zeros((8, 8), bool), np.zeros((8, 8)), DTypeError, r"infrared must have dtype"),
        (np.zeros((8, 8)), np.zeros((8, 8), np.int64), DTypeError, r"visible must have dtype"),
        (np.full((8, 8), np.nan), np.zeros((8, 8)), NonFiniteError, r"infrared contains NaN"),
    ],
)
def test_bad_inputs(ir: Any, vis: Any, exc: type[Exception], pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        fuse(ir, vis)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"method": "mean"}, r"method must be one of 'guided', 'focus', 'cnn'; got 'mean'"),
        ({"method": "guided", "radius": 3}, r"unknown parameter\(s\) radius for method='guided'"),
        ({"method": "focus", "measure": "fft"}, r"measure must be one of 'sml'"),
        ({"method": "focus", "blend": "max"}, r"blend must be one of 'pyramid'"),
        ({"enhance": "clahe"}, r"enhance must be one of 'none', 'detail'"),
        ({"r1": -1}, r"r1 must be an int >= 0"),
        ({"eps1": 0.0}, r"eps1 must be a finite number > 0"),
        ({"method": "focus", "levels": 0}, r"levels must be an int >= 1"),
        ({"data_range": -1.0}, r"data_range must be a finite number > 0"),
    ],
)
def test_bad_parameters(kwargs: dict[str, Any], pattern: str) -> None:
    x = np.zeros((16, 16), np.float32)
    with pytest.raises(ParameterError, match=pattern):
        fuse(x, x, **kwargs)


# ------------------------------------------------------------------------------------------
# method="cnn"


def test_cnn_missing_model_raises_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    import jointfilter.models as jm
    from jointfilter.errors import ModelError
    from jointfilter.fusion import _cnn

    monkeypatch.setattr(_cnn, "_CACHE", {})

    def no_model(*args: Any, **kwargs: Any) -> Any:
        raise ModelError("model 'blur-cnn': onnx file 'blur-cnn.onnx' is missing")

    monkeypatch.setattr(jm, "load", no_model)
    x = np.zeros((64, 64), np.uint8)
    with pytest.raises(MissingDependencyError, match=r"blur-detection model 'blur-cnn'.*pip"):
        fuse(x, x, method="cnn")


def test_cnn_missing_runtime_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import jointfilter.models as jm
    from jointfilter.fusion import _cnn

    monkeypatch.setattr(_cnn, "_CACHE", {})

    def no_runtime(*args: Any, **kwargs: Any) -> Any:
        raise MissingDependencyError("neither onnxruntime nor torch is installed")

    monkeypatch.setattr(jm, "load", no_runtime)
    x = np.zeros((64, 64), np.uint8)
    with pytest.raises(MissingDependencyError, match=r"pip install 'jointfilter\[onnx\]'"):
        fuse(x, x, method="cnn")


def test_cnn_missing_models_subpackage(monkeypatch: pytest.MonkeyPatch) -> None:
    from jointfilter.fusion import _cnn

    monkeypatch.setattr(_cnn, "_CACHE", {})
    monkeypatch.setitem(sys.modules, "jointfilter.models", None)  # import raises ImportError
    x = np.zeros((64, 64), np.uint8)
    with pytest.raises(MissingDependencyError, match=r"jointfilter\.models subpackage"):
        fuse(x, x, method="cnn")


class _OracleBlurModel:
    """Stand-in for a loaded blur CNN: window-mean Laplacian energy comparison."""

    def __call__(self, a: np.ndarray, b: np.ndarray, *, stride: int = 8) -> np.ndarray:
        from jointfilter.fusion._focus import focus_measure

        fa = focus_measure(a, "eol", radius=16)
        fb = focus_measure(b, "eol", radius=16)
        return (fa > fb).astype(np.float32)


def test_cnn_pipeline_with_injected_model() -> None:
    a, b, clean, mask = multifocus_pair()
    fused, w = fuse(a, b, method="cnn", model=_OracleBlurModel(), return_weights=True)
    assert w["score"].shape == a.shape
    assert iou(w["detail"][0] > 0.5, mask) >= 0.9
    assert np.abs(fused - clean).mean() < 0.5 * np.abs(b - clean).mean()


def test_cnn_with_untrained_network_runs() -> None:
    """The real runner path (windows, both orders, votes) on a randomly initialised network."""
    torch = pytest.importorskip("torch")
    import jointfilter.models as jm
    from jointfilter.models.architectures.blur_cnn import BlurCNN, BlurCNNPacked

    torch.manual_seed(0)
    net = jm.from_module(
        BlurCNNPacked(BlurCNN(c1=4, c2=8, c3=8, hidden=8)).eval(), kind="pairs", multiple=1
    )
    a, b, _, _ = multifocus_pair()
    out, w = fuse(a[:48, :64], b[:48, :64], method="cnn", model=net, stride=16, return_weights=True)
    assert out.shape == (48, 64)
    assert out.dtype == np.float32
    assert 0.0 <= w["score"].min() <= w["score"].max() <= 1.0


def test_cnn_rejects_tiny_images() -> None:
    x = np.zeros((16, 64), np.float32)
    with pytest.raises(ShapeError, match=r"at least 32x32"):
        fuse(x, x, method="cnn", model=_OracleBlurModel())


def test_cnn_shipped_model_on_held_out_multifocus_pair() -> None:
    """With the shipped ``blur-cnn`` (skipped when absent): refined map IoU >= 0.9 (models.md §4).

    scikit-image's ``coffee`` is held out from the model's training set. Measured with the
    first trained weights: IoU 0.925 (sigma 3), 0.919 (sigma 1.5).
    """
    from jointfilter.fusion._cnn import load_blur_model

    try:
        load_blur_model("blur-cnn")
    except MissingDependencyError as exc:
        pytest.skip(f"blur-cnn not available: {exc}")
    import skimage.color
    import skimage.data

    clean = skimage.color.rgb2gray(skimage.data.coffee())[::2, ::2].astype(np.float32)
    h, w = clean.shape
    yy, xx = np.mgrid[:h, :w]
    mask = (yy - 0.45 * h) ** 2 + (xx - 0.55 * w) ** 2 < (0.3 * h) ** 2
    blurred = _blur(clean, 3.0)
    a = np.where(mask, clean, blurred).astype(np.float32)
    b = np.where(mask, blurred, clean).astype(np.float32)
    fused, wts = fuse(a, b, method="cnn", return_weights=True)
    assert iou(wts["detail"][0] > 0.5, mask) >= 0.9
    assert np.abs(fused - clean).mean() < 0.25 * np.abs(b - clean).mean()
