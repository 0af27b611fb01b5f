"""Property tests (hypothesis) of the guided filter, on small images.

Images are generated from a drawn seed (fast, and reproducible from the failure report);
hypothesis draws the shapes, radii, eps, borders and scalars. Each property runs a modest
number of examples so the file stays well under a minute.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jointfilter as jf
from jointfilter import _core

BORDERS = ("clipped", "symmetric", "reflect", "edge")
# float32 vs float32 (both sides rounded): the "property" row of tests/conftest.py's table.
RTOL, ATOL = 1e-4, 1e-5

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the suite is deterministic; hypothesis explores the same cases each run
)

sizes = st.integers(1, 40)
radii = st.integers(1, 12)
seeds = st.integers(0, 2**32 - 1)
borders = st.sampled_from(BORDERS)
eps_values = st.sampled_from([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0])
guide_channel_counts = st.sampled_from([1, 3])


def _images(seed, h, w, target_channels, guide_channels, dtype=np.float32):
    rng = np.random.default_rng(seed)
    t_shape = (h, w) if target_channels == 1 else (h, w, target_channels)
    g_shape = (h, w) if guide_channels == 1 else (h, w, guide_channels)
    if np.dtype(dtype).kind in "ui":
        top = np.iinfo(dtype).max
        return (
            rng.integers(0, top, t_shape, endpoint=True, dtype=dtype),
            rng.integers(0, top, g_shape, endpoint=True, dtype=dtype),
        )
    return rng.random(t_shape).astype(dtype), rng.random(g_shape).astype(dtype)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    subsample=st.integers(1, 3),
    value=st.floats(-1e3, 1e3, allow_nan=False, width=32),
)
def test_constant_target_gives_constant_output(
    h, w, radius, eps, border, gc, seed, subsample, value
):
    _, guide = _images(seed, h, w, 1, gc)
    target = np.full((h, w), value, np.float32)
    out = jf.guided_filter(
        target, guide, radius=radius, eps=eps, border=border, subsample=subsample
    )
    np.testing.assert_allclose(out, target, rtol=RTOL, atol=ATOL * max(1.0, abs(value)))


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    value=st.integers(0, 255),
)
def test_constant_uint8_target_is_returned_exactly(h, w, radius, eps, border, gc, seed, value):
    _, guide = _images(seed, h, w, 1, gc, np.uint8)
    target = np.full((h, w, 2), value, np.uint8)
    out = jf.guided_filter(target, guide, radius=radius, eps=eps, border=border)
    np.testing.assert_array_equal(out, target)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    a=st.floats(-4, 4, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
    b=st.floats(-10, 10, allow_nan=False),
)
def test_affine_equivariance_in_target(h, w, radius, eps, border, gc, seed, a, b):
    target, guide = _images(seed, h, w, 1, gc)
    mapped = (np.float64(a) * target + b).astype(np.float32)
    lhs = jf.guided_filter(mapped, guide, radius=radius, eps=eps, border=border)
    rhs = a * jf.guided_filter(target, guide, radius=radius, eps=eps, border=border) + b
    # both sides are float32 results on data of magnitude |a| + |b| (a*t + b is itself rounded)
    np.testing.assert_allclose(lhs, rhs, rtol=RTOL, atol=ATOL * (abs(a) + abs(b) + 1.0))


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    channels=st.integers(2, 4),
    subsample=st.integers(1, 3),
)
def test_channels_equal_separate_runs(h, w, radius, eps, border, gc, seed, channels, subsample):
    target, guide = _images(seed, h, w, channels, gc)
    kw = {"radius": radius, "eps": eps, "border": border, "subsample": subsample}
    joint = jf.guided_filter(target, guide, **kw)
    for c in range(channels):
        single = jf.guided_filter(np.ascontiguousarray(target[:, :, c]), guide, **kw)
        np.testing.assert_allclose(joint[:, :, c], single, rtol=RTOL, atol=ATOL)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=st.integers(0, 12),
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    tc=st.integers(1, 4),
    subsample=st.integers(1, 3),
    dtype=st.sampled_from([np.uint8, np.uint16, np.float32]),
)
def test_object_equals_function(h, w, radius, eps, border, gc, seed, tc, subsample, dtype):
    target, guide = _images(seed, h, w, tc, gc, dtype)
    kw = {"radius": radius, "eps": eps, "border": border, "subsample": subsample}
    f = jf.GuidedFilter(target.shape, dtype, guide_channels=gc, **kw)
    f.set_guide(guide)
    out = np.empty_like(target)
    expected = jf.guided_filter(target, guide, **kw)
    np.testing.assert_array_equal(f(target, out=out), expected)
    # a second call through the same scratch gives the same bits (no stale state)
    np.testing.assert_array_equal(f(target, out=out), expected)


@SETTINGS
@given(
    radius=st.integers(1, 5),
    extra=st.integers(0, 120),
    w=st.integers(1, 48),
    eps=eps_values,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
    tc=st.integers(1, 3),
    subsample=st.integers(1, 2),
    threads=st.integers(2, 4),
)
def test_one_thread_equals_n_threads_bit_identical(
    radius, extra, w, eps, border, gc, seed, tc, subsample, threads
):
    # Tall enough for several row bands (band height = _core.band_rows_for(H, radius)).
    h = 8 * (2 * radius + 1) * subsample + extra
    # the banded pass runs at the (decimated) resolution of the coefficient computation
    run_h = -(-h // subsample)
    run_r = radius if subsample == 1 else max(1, (2 * radius + subsample) // (2 * subsample))
    assert _core.band_rows_for(run_h, run_r) < run_h, "image too short for several bands"
    target, guide = _images(seed, h, w, tc, gc)
    kw = {"radius": radius, "eps": eps, "border": border, "subsample": subsample}
    before = jf.get_num_threads()
    try:
        jf.set_num_threads(1)
        one = jf.guided_filter(target, guide, **kw)
        box_one = jf.box_filter(target, radius, border=border)
        jf.set_num_threads(threads)
        many = jf.guided_filter(target, guide, **kw)
        box_many = jf.box_filter(target, radius, border=border)
    finally:
        jf.set_num_threads(before)
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(box_one, box_many)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    border=borders,
    gc=guide_channel_counts,
    seed=seeds,
)
def test_large_eps_tends_to_double_box_mean(h, w, radius, border, gc, seed):
    # eps -> inf: a -> 0, b -> B[p], q -> B[B[p]] (the mean of the window means).
    target, guide = _images(seed, h, w, 2, gc)
    out = jf.guided_filter(target, guide, radius=radius, eps=1e8, border=border)
    twice = jf.box_filter(jf.box_filter(target, radius, border=border), radius, border=border)
    np.testing.assert_allclose(out, twice, rtol=RTOL, atol=ATOL)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    radius=radii,
    eps=eps_values,
    gc=guide_channel_counts,
    seed=seeds,
    axis=st.sampled_from([0, 1, (0, 1)]),
    border=st.sampled_from(["symmetric", *BORDERS]),
)
def test_flips_commute_with_filter(h, w, radius, eps, gc, seed, axis, border):
    # Every border rule is mirror-symmetric; "symmetric" (OpenCV's) is the one the issue names,
    # so it is drawn twice as often.
    target, guide = _images(seed, h, w, 2, gc)
    kw = {"radius": radius, "eps": eps, "border": border}
    flipped = jf.guided_filter(np.flip(target, axis), np.flip(guide, axis), **kw)
    np.testing.assert_allclose(
        flipped, np.flip(jf.guided_filter(target, guide, **kw), axis), rtol=RTOL, atol=ATOL
    )


@SETTINGS
@given(h=sizes, w=sizes, seed=seeds, border=borders)
def test_guide_equal_target_small_eps_is_near_identity(h, w, seed, border):
    target, _ = _images(seed, h, w, 1, 1)
    out = jf.guided_filter(target, target, radius=2, eps=1e-8, border=border)
    # a = var / (var + eps) ~ 1 - eps/var; windows with var ~ eps are rare but possible on
    # random data, so compare with a looser bound than the table (1e-3, not 1e-5).
    np.testing.assert_allclose(out, target, atol=1e-3)
