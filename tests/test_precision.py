"""Precision of the float32 kernels against the float64 reference (issue 2 targets).

On [0, 1] float32 images, radius up to 64, gray and colour guides:
max |ours - reference| <= 1e-5 for eps >= 1e-4, and <= 1e-4 for eps down to 1e-6.

The 4K cases compare against the reference on three tiles (top-left corner, centre and
bottom-right corner, where drift in running sums would be largest). The reference is computed
on each tile plus a 2r margin (clipped at the image edge); pixels of the tile depend only on
input within 2r (two box passes), so the tile's reference values are exact. That keeps each
4K case to seconds instead of a minute of float64 reference time.
"""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _reference as ref

BORDERS = ("clipped", "symmetric", "reflect", "edge")


def _bound(tol, eps: float) -> float:
    return tol["precision_eps_ge_1e-4"] if eps >= 1e-4 else tol["precision_eps_ge_1e-6"]


def _max_error_on_tiles(out, target, guide, radius, eps, border, tile=192):
    h, w = target.shape[:2]
    m = 2 * radius
    corners = ((0, 0), ((h - tile) // 2, (w - tile) // 2), (h - tile, w - tile))
    worst = 0.0
    for y0, x0 in corners:
        y1, x1 = y0 + tile, x0 + tile
        ey0, ex0, ey1, ex1 = max(0, y0 - m), max(0, x0 - m), min(h, y1 + m), min(w, x1 + m)
        q = ref.guided_filter(
            target[ey0:ey1, ex0:ex1], guide[ey0:ey1, ex0:ex1], radius, eps, border=border
        )
        q = q[y0 - ey0 : y1 - ey0, x0 - ex0 : x1 - ex0]
        worst = max(worst, float(np.abs(out[y0:y1, x0:x1] - q).max()))
    return worst


@pytest.mark.parametrize("eps", [1e-1, 1e-2, 1e-4, 1e-6])
@pytest.mark.parametrize("radius", [1, 4, 16, 64])
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
@pytest.mark.parametrize("source", ["natural", "random"])
def test_precision_unit_range(rng, helpers, tol, source, guide_channels, radius, eps):
    shape = (203, 267)
    if source == "natural":
        guide = helpers.natural_image(shape, guide_channels, "astronaut")
        target = helpers.natural_image(shape, 3, "chelsea")
    else:
        guide = helpers.random_image(rng, shape, guide_channels)
        target = helpers.random_image(rng, shape, 3)
    out = jf.guided_filter(target, guide, radius=radius, eps=eps)
    expected = ref.guided_filter(target, guide, radius, eps)
    err = float(np.abs(out - expected).max())
    assert err <= _bound(tol, eps), f"max abs error {err:.3g}"


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("guide_channels", [1, 3], ids=["gray", "colour"])
def test_precision_every_border_small_eps(helpers, tol, border, guide_channels):
    # Flat regions (the astronaut's black background) with eps = 1e-6 are the hard case.
    guide = helpers.natural_image((256, 256), guide_channels, "astronaut")
    target = helpers.natural_image((256, 256), 1, "camera")
    for radius, eps in ((8, 1e-4), (32, 1e-6)):
        out = jf.guided_filter(target, guide, radius=radius, eps=eps, border=border)
        expected = ref.guided_filter(target, guide, radius, eps, border=border)
        err = float(np.abs(out - expected).max())
        assert err <= _bound(tol, eps), f"r={radius} eps={eps}: {err:.3g}"


def test_precision_offset_data_no_cancellation(helpers, tol):
    # Data far from zero (a [0.9, 1.0] band): naive E[I^2] - E[I]^2 in float32 would lose
    # ~3 digits here; mean-shifted sums must not.
    guide = 0.9 + 0.1 * helpers.natural_image((180, 200), 3, "coffee")
    target = 0.9 + 0.1 * helpers.natural_image((180, 200), 1, "camera")
    for eps in (1e-4, 1e-6):
        out = jf.guided_filter(target, guide, radius=12, eps=eps)
        expected = ref.guided_filter(target, guide, 12, eps)
        assert float(np.abs(out - expected).max()) <= _bound(tol, eps)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("guide_channels", "radius", "eps"),
    [(1, 64, 1e-6), (3, 64, 1e-6)],
    ids=["gray-r64-eps1e-6", "colour-r64-eps1e-6"],
)
def test_precision_4k(helpers, tol, guide_channels, radius, eps):
    shape = (2160, 3840)
    guide = helpers.natural_image(shape, guide_channels, "astronaut")
    target = helpers.natural_image(shape, 1, "coffee")
    out = jf.guided_filter(target, guide, radius=radius, eps=eps)
    err = _max_error_on_tiles(out, target, guide, radius, eps, "clipped")
    assert err <= _bound(tol, eps), f"max abs error {err:.3g}"
