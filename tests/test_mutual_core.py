"""The C++ mutual-structure kernel against its float64 reference (issue #3).

``restoration._mutual.mutual_structure_filter`` runs ``cpp/jointfilter/mutual_structure.hpp``;
the specification is ``jointfilter._reference.mutual`` (float64, NumPy), itself checked here
against explicit per-window loops on tiny images.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import jointfilter as jf
from jointfilter._reference import mutual as ref
from jointfilter.errors import DTypeError, NonFiniteError, ParameterError, ShapeError
from jointfilter.restoration._mutual import (
    _mutual_structure_numpy,
    mutual_structure_channels,
    mutual_structure_filter,
)

#: kernel (float32 planes between iterations, float64 sums) vs the float64 reference on [0, 1]
#: images: the only differences are the float32 roundings of I and G after each iteration.
#: Measured: <= 5e-8 (the float32 rounding of the outputs) for every case below.
ATOL = 1e-5


def _pair(rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A target and a guide that share part of their structure, float32 in [0, 1]."""
    base = rng.random(shape)
    target = np.clip(0.6 * base + 0.4 * rng.random(shape), 0, 1).astype(np.float32)
    guide = np.clip(0.7 * base + 0.3 * rng.random(shape), 0, 1).astype(np.float32)
    return target, guide


@pytest.mark.parametrize(("shape", "radius"), [((5, 7), 1), ((6, 4), 2), ((1, 6), 1), ((4, 3), 5)])
def test_reference_matches_brute_force(rng, helpers, shape, radius):
    i0, g0 = _pair(rng, shape)
    args = (radius, 1e-3, 2e-3, 0.5, 5.0, 2)
    want = helpers.msjf_brute_force(i0, g0, *args)
    got = ref.mutual_structure_filter(
        i0, g0, radius=radius, eps_i=1e-3, eps_g=2e-3, lam_i=0.5, lam_g=5.0, iterations=2
    )
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=0, atol=1e-12)


SHAPES = [(1, 1), (1, 23), (23, 1), (17, 23), (48, 37), (2, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("radius", [0, 1, 3, 8, 40])
def test_kernel_matches_reference(rng, shape, radius):
    i0, g0 = _pair(rng, shape)
    kw = dict(radius=radius, eps_i=1e-3, eps_g=2e-3, lam_i=1.0, lam_g=5.0, iterations=3)
    got_i, got_g = mutual_structure_filter(i0, g0, **kw)
    want_i, want_g = ref.mutual_structure_filter(i0, g0, **kw)
    assert got_i.dtype == got_g.dtype == np.float32
    assert got_i.shape == got_g.shape == shape
    np.testing.assert_allclose(got_i, want_i, rtol=0, atol=ATOL)
    np.testing.assert_allclose(got_g, want_g, rtol=0, atol=ATOL)


@pytest.mark.parametrize("shape", [(3000, 1), (1, 3000), (400, 3)], ids=str)
def test_kernel_long_lines_huge_radius(rng, shape):
    """A radius far beyond the image: every window is the whole line (scratch stays O(size))."""
    i0, g0 = _pair(rng, shape)
    kw = dict(radius=100_000, eps_i=1e-3, eps_g=2e-3, lam_i=1.0, lam_g=5.0, iterations=2)
    got_i, got_g = mutual_structure_filter(i0, g0, **kw)
    want_i, want_g = ref.mutual_structure_filter(i0, g0, **kw)
    np.testing.assert_allclose(got_i, want_i, rtol=0, atol=ATOL)
    np.testing.assert_allclose(got_g, want_g, rtol=0, atol=ATOL)


@pytest.mark.parametrize(
    ("eps_i", "eps_g", "lam_i", "lam_g", "iterations"),
    [
        (1e-4, 5e-4, 1.0, 30.0, 5),  # the restore defaults
        (1e-2, 1e-2, 0.1, 0.1, 4),  # weak fidelity: the 2x2 systems are the least well posed
        (1e-6, 1e-6, 10.0, 10.0, 2),  # tiny regularisers
        (0.5, 0.5, 1.0, 1.0, 1),
        (1e-3, 1e-3, 1.0, 1.0, 0),  # no iteration: a copy
    ],
)
def test_kernel_matches_reference_parameters(rng, eps_i, eps_g, lam_i, lam_g, iterations):
    i0, g0 = _pair(rng, (61, 45))
    kw = dict(radius=4, eps_i=eps_i, eps_g=eps_g, lam_i=lam_i, lam_g=lam_g, iterations=iterations)
    got_i, got_g = mutual_structure_filter(i0, g0, **kw)
    want_i, want_g = ref.mutual_structure_filter(i0, g0, **kw)
    np.testing.assert_allclose(got_i, want_i, rtol=0, atol=ATOL)
    np.testing.assert_allclose(got_g, want_g, rtol=0, atol=ATOL)


def test_kernel_matches_reference_natural_many_bands(helpers):
    """Natural images, several row bands and (width > 2048) two column strips."""
    t = helpers.natural_image((40, 2100), 1, "astronaut")
    g = helpers.natural_image((40, 2100), 1, "camera")
    kw = dict(radius=3, eps_i=1e-4, eps_g=5e-4, lam_i=1.0, lam_g=30.0, iterations=3)
    got_i, got_g = mutual_structure_filter(t, g, **kw)
    want_i, want_g = ref.mutual_structure_filter(t, g, **kw)
    np.testing.assert_allclose(got_i, want_i, rtol=0, atol=ATOL)
    np.testing.assert_allclose(got_g, want_g, rtol=0, atol=ATOL)


@pytest.mark.parametrize(("shape", "radius"), [((203, 150), 3), ((97, 64), 10), ((40, 2100), 2)])
def test_bit_identical_for_any_thread_count(rng, restore_threads, shape, radius):
    i0, g0 = _pair(rng, shape)
    kw = dict(radius=radius, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=3)
    results = []
    for n in (1, 2, 3, 8):
        jf.set_num_threads(n)
        results.append(mutual_structure_filter(i0, g0, **kw))
    for got in results[1:]:
        np.testing.assert_array_equal(got[0], results[0][0])
        np.testing.assert_array_equal(got[1], results[0][1])


def test_concurrent_calls_equal_serial(rng, restore_threads):
    """Python threads calling at once (the GIL is released; each call has its own scratch)."""
    jf.set_num_threads(2)
    pairs = [_pair(rng, (120, 90)) for _ in range(4)]
    kw = dict(radius=4, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=3)
    serial = [mutual_structure_filter(t, g, **kw) for t, g in pairs]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(mutual_structure_filter, t, g, **kw) for t, g in pairs * 3]
        results = [f.result() for f in futures]
    for k, got in enumerate(results):
        np.testing.assert_array_equal(got[0], serial[k % 4][0])
        np.testing.assert_array_equal(got[1], serial[k % 4][1])


def test_inputs_not_modified_and_layouts(rng):
    i0, g0 = _pair(rng, (30, 50))
    i_copy, g_copy = i0.copy(), g0.copy()
    kw = dict(radius=2, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=2)
    want = mutual_structure_filter(i0, g0, **kw)
    np.testing.assert_array_equal(i0, i_copy)
    np.testing.assert_array_equal(g0, g_copy)
    # strided rows (a crop), float64 input, a transposed (column-major) view: same results
    big_i = np.zeros((40, 70), np.float32)
    big_g = np.zeros((40, 70), np.float32)
    big_i[5:35, 10:60], big_g[5:35, 10:60] = i0, g0
    crop = mutual_structure_filter(big_i[5:35, 10:60], big_g[5:35, 10:60], **kw)
    as64 = mutual_structure_filter(i0.astype(np.float64), g0.astype(np.float64), **kw)
    fortran = mutual_structure_filter(np.asfortranarray(i0), np.asfortranarray(g0), **kw)
    for got in (crop, as64, fortran):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_energy_non_increasing(rng):
    i0, g0 = _pair(rng, (24, 31))
    args = (3, 1e-3, 2e-3, 1.0, 5.0)
    kw = dict(radius=3, eps_i=1e-3, eps_g=2e-3, lam_i=1.0, lam_g=5.0)
    energies = []
    for k in range(6):
        i, g = mutual_structure_filter(i0, g0, iterations=k, **kw)
        energies.append(ref.mutual_energy(i, g, i0, g0, *args))
    # float32 storage of I and G perturbs E by ~1e-7 relative; the decrease is far larger
    for before, after in itertools.pairwise(energies):
        assert after <= before * (1 + 1e-6)
    assert energies[-1] < energies[0]


def test_numpy_implementation_agrees(rng):
    i0, g0 = _pair(rng, (50, 41))
    kw = dict(radius=3, eps_i=1e-4, eps_g=5e-4, lam_i=1.0, lam_g=30.0, iterations=4)
    got = mutual_structure_filter(i0, g0, **kw)
    old = _mutual_structure_numpy(i0, g0, **kw)
    # the NumPy version computes in float32 throughout (see test_restore: 5e-4 vs float64)
    np.testing.assert_allclose(got[0], old[0], rtol=0, atol=5e-4)
    np.testing.assert_allclose(got[1], old[1], rtol=0, atol=5e-4)


def test_empty_image():
    out_i, out_g = mutual_structure_filter(
        np.zeros((0, 5), np.float32), np.zeros((0, 5), np.float32), iterations=2
    )
    assert out_i.shape == out_g.shape == (0, 5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"target": np.zeros((4, 4), np.uint8)}, DTypeError, "target must be a floating-point"),
        ({"guide": np.zeros((4, 4), np.int32)}, DTypeError, "guide must be a floating-point"),
        ({"target": np.zeros((4, 4, 3), np.float32)}, ShapeError, r"target must be .*\(H, W\)"),
        ({"guide": np.zeros((4, 5), np.float32)}, ShapeError, "guide must have the shape"),
        ({"radius": -1}, ParameterError, "radius"),
        ({"radius": 1.5}, ParameterError, "radius"),
        ({"eps_i": 0.0}, ParameterError, "eps_i"),
        ({"eps_g": float("nan")}, ParameterError, "eps_g"),
        ({"lam_i": -1.0}, ParameterError, "lam_i"),
        ({"lam_g": 0}, ParameterError, "lam_g"),
        ({"iterations": -1}, ParameterError, "iterations"),
        ({"iterations": 2.0}, ParameterError, "iterations"),
        ({"iterations": True}, ParameterError, "iterations"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    args = {"target": np.zeros((4, 4), np.float32), "guide": np.zeros((4, 4), np.float32)}
    args.update(kwargs)
    target, guide = args.pop("target"), args.pop("guide")
    with pytest.raises(error, match=match):
        mutual_structure_filter(target, guide, **args)


@pytest.mark.parametrize("which", ["target", "guide"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [(4, 3), (0, 0), (-1, -1)], ids=["inside", "first", "last"])
@pytest.mark.parametrize(("shape", "iterations"), [((9, 7), 1), ((200, 150), 2), ((9, 7), 0)])
def test_non_finite_input(which, value, where, shape, iterations):
    arrays = {"target": np.full(shape, 0.5, np.float32), "guide": np.full(shape, 0.5, np.float32)}
    arrays[which][where] = value
    with pytest.raises(NonFiniteError, match=f"{which} contains NaN or Inf"):
        mutual_structure_filter(arrays["target"], arrays["guide"], radius=2, iterations=iterations)


def test_core_rejects_overlapping_outputs():
    """The binding refuses outputs sharing memory with the inputs (the Python layer never
    passes such arrays; this guards direct use of the private core)."""
    from jointfilter import _core

    t = np.full((8, 8), 0.5, np.float32)
    g = np.full((8, 8), 0.5, np.float32)
    out = np.empty((8, 8), np.float32)
    with pytest.raises(ParameterError, match="must not share memory"):
        _core.mutual_structure_filter(t, g, t, out, 1, 1e-3, 1e-3, 1.0, 1.0, 1)


# ---- several target channels against one guide (restore's method="msjf") ---------------------


def _stack(rng: np.random.Generator, shape: tuple[int, int], channels: int):
    """A (H, W, C) target whose channels share structure with a common guide."""
    pairs = [_pair(rng, shape) for _ in range(channels)]
    target = np.stack([p[0] for p in pairs], axis=2)
    return target, pairs[0][1]


@pytest.mark.parametrize("shape", [(1, 1), (1, 23), (23, 1), (17, 23), (48, 37)], ids=str)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_channels_match_reference_and_planes(rng, shape, channels):
    t, g = _stack(rng, shape, channels)
    kw = dict(radius=3, eps_i=1e-3, eps_g=2e-3, lam_i=1.0, lam_g=5.0, iterations=3)
    got = mutual_structure_channels(t, g, **kw)
    assert got.dtype == np.float32
    assert got.shape == t.shape
    for c in range(channels):
        want, _ = ref.mutual_structure_filter(t[:, :, c], g, **kw)
        np.testing.assert_allclose(got[:, :, c], want, rtol=0, atol=ATOL)
        plane, _ = mutual_structure_filter(np.ascontiguousarray(t[:, :, c]), g, **kw)
        np.testing.assert_array_equal(got[:, :, c], plane)  # the per-channel call, bit for bit


def test_channels_2d_target_equals_filter(rng):
    t, g = _pair(rng, (31, 26))
    kw = dict(radius=2, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=2)
    np.testing.assert_array_equal(
        mutual_structure_channels(t, g, **kw), mutual_structure_filter(t, g, **kw)[0]
    )


@pytest.mark.parametrize(("shape", "radius"), [((203, 150), 3), ((40, 2100), 2)])
def test_channels_bit_identical_for_any_thread_count(rng, restore_threads, shape, radius):
    t, g = _stack(rng, shape, 3)
    kw = dict(radius=radius, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=2)
    results = []
    for n in (1, 2, 3, 8):
        jf.set_num_threads(n)
        results.append(mutual_structure_channels(t, g, **kw))
    for got in results[1:]:
        np.testing.assert_array_equal(got, results[0])


def test_channels_inputs_not_modified_and_layouts(rng):
    t, g = _stack(rng, (30, 50), 3)
    t_copy, g_copy = t.copy(), g.copy()
    kw = dict(radius=2, eps_i=1e-3, eps_g=1e-3, lam_i=1.0, lam_g=10.0, iterations=2)
    want = mutual_structure_channels(t, g, **kw)
    np.testing.assert_array_equal(t, t_copy)
    np.testing.assert_array_equal(g, g_copy)
    big = np.zeros((40, 70, 4), np.float32)
    big[5:35, 10:60, :3] = t
    planar = np.ascontiguousarray(t.transpose(2, 0, 1)).transpose(1, 2, 0)  # channel-first memory
    for layout in (big[5:35, 10:60, :3], t.astype(np.float64), planar, t[::-1, ::-1][::-1, ::-1]):
        np.testing.assert_array_equal(mutual_structure_channels(layout, g, **kw), want)


def test_channels_empty_and_no_iteration(rng):
    assert mutual_structure_channels(np.zeros((0, 4, 3)), np.zeros((0, 4))).shape == (0, 4, 3)
    t, g = _stack(rng, (9, 7), 2)
    np.testing.assert_array_equal(mutual_structure_channels(t, g, iterations=0), t)


@pytest.mark.parametrize(
    ("target", "guide", "error", "match"),
    [
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4)), DTypeError, "target must be a floating"),
        (np.zeros((4, 4, 0)), np.zeros((4, 4)), ShapeError, r"target must be .*\(H, W, C\)"),
        (np.zeros((4, 4, 3, 1)), np.zeros((4, 4)), ShapeError, r"target must be .*\(H, W, C\)"),
        (np.zeros((4, 4, 3)), np.zeros((4, 4, 3)), ShapeError, r"guide must be .*\(H, W\)"),
        (np.zeros((4, 4, 3)), np.zeros((4, 5)), ShapeError, "guide must have the height"),
    ],
)
def test_channels_bad_arguments(target, guide, error, match):
    with pytest.raises(error, match=match):
        mutual_structure_channels(target, guide)


@pytest.mark.parametrize("channel", [0, 2])
@pytest.mark.parametrize("iterations", [0, 1])
def test_channels_non_finite(channel, iterations):
    t = np.full((9, 7, 3), 0.5, np.float32)
    t[4, 3, channel] = np.nan
    with pytest.raises(NonFiniteError, match="target contains NaN or Inf"):
        mutual_structure_channels(t, np.full((9, 7), 0.5, np.float32), iterations=iterations)
    with pytest.raises(NonFiniteError, match="guide contains NaN or Inf"):
        mutual_structure_channels(
            np.full((9, 7, 3), 0.5, np.float32), np.full((9, 7), np.inf, np.float32)
        )


def test_core_channels_checks():
    """The binding checks channel counts and overlaps of the (private) multi-channel form."""
    from jointfilter import _core

    t = np.full((8, 8, 3), 0.5, np.float32)
    g = np.full((8, 8), 0.5, np.float32)
    out = np.empty((8, 8, 2), np.float32)
    with pytest.raises(ParameterError, match="channels of target"):
        _core.mutual_structure_filter(t, g, out, None, 1, 1e-3, 1e-3, 1.0, 1.0, 1)
    with pytest.raises(ParameterError, match="must not share memory"):
        _core.mutual_structure_filter(t, g, t, None, 1, 1e-3, 1e-3, 1.0, 1.0, 1)
    with pytest.raises(ParameterError, match="out_guide: expected an array"):
        _core.mutual_structure_filter(t, g, np.empty_like(t), 3, 1, 1e-3, 1e-3, 1.0, 1.0, 1)
    # an output sharing only the last channel of the last target pixel
    base = np.full(2 * 8 * 8 * 3 - 1, 0.5, np.float32)
    t_view, out_view = base[:192].reshape(8, 8, 3), base[191:].reshape(8, 8, 3)
    with pytest.raises(ParameterError, match="must not share memory"):
        _core.mutual_structure_filter(t_view, g, out_view, None, 1, 1e-3, 1e-3, 1.0, 1.0, 1)
