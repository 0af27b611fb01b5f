"""jointfilter.video.RestoreFilter: restore() with a fixed guide, its guide-only work kept."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data as skdata

import jointfilter as jf
import jointfilter.restoration._tasks as tasks
from jointfilter.errors import ConcurrentUseError, ParameterError, ShapeError
from jointfilter.restoration import TASKS
from jointfilter.restoration import _protocols as P
from jointfilter.video import RestoreFilter


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return (skdata.astronaut()[100:196, 120:248] / 255.0).astype(np.float32)


def _as_u8(x: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("task", [None, *TASKS])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_equals_restore_bit_for_bit(clean, task, dtype):
    s = P.make_sample(task or "flash_denoise", clean, seed=5)
    if task is None:
        s = P.make_noisy(s)
    t, g = (s.target, s.guide) if dtype == np.float32 else (_as_u8(s.target), _as_u8(s.guide))
    rf = RestoreFilter(task, **s.overrides)
    rf.set_guide(g)
    for frame in (t, t[::-1].copy()):  # two targets under the kept guide
        np.testing.assert_array_equal(rf(frame), jf.restore(frame, g, task, **s.overrides))
    np.testing.assert_array_equal(rf(t, g), jf.restore(t, g, task, **s.overrides))


@pytest.mark.parametrize("task", ["day_night", "structure_transfer"])
def test_guide_only_filters_run_once(clean, task, monkeypatch):
    calls = []
    real = tasks.guided_filter

    def count(*args, **kw):
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(tasks, "guided_filter", count)
    s = P.make_sample(task, clean, seed=2)
    rf = RestoreFilter(task)
    rf(s.target, s.guide)
    first = len(calls)
    rf(s.target, s.guide)  # the same guide (compared by content): its filter is kept
    rf(s.target)
    assert first == 2
    assert len(calls) == first + 2  # one filter (of the target) per later call


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_flash_coarse_grid_of_a_fixed_guide_is_kept(clean, dtype, monkeypatch):
    calls = []
    real = tasks.coarse_flash

    def count(*args, **kw):
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(tasks, "coarse_flash", count)
    s = P.make_sample("flash_denoise", clean, seed=3)
    t, g = (s.target, s.guide) if dtype == np.float32 else (_as_u8(s.target), _as_u8(s.guide))
    rf = RestoreFilter("flash_denoise", subsample=2)
    rf.set_guide(g)
    first = rf(t)
    second = rf(t[::-1].copy())
    assert len(calls) == 1  # the flash's coarse grid, once for the fixed guide
    np.testing.assert_array_equal(first, jf.restore(t, g, "flash_denoise", subsample=2))
    np.testing.assert_array_equal(
        second, jf.restore(t[::-1].copy(), g, "flash_denoise", subsample=2)
    )


def test_set_guide_copies_and_a_new_guide_resets(clean):
    s = P.make_sample("day_night", clean, seed=1)
    guide = s.guide.copy()
    rf = RestoreFilter("day_night")
    rf.set_guide(guide)
    want = jf.restore(s.target, s.guide, "day_night")
    guide[:] = 0.5  # the caller's array changes after set_guide: the kept copy does not
    np.testing.assert_array_equal(rf(s.target), want)
    other = np.ascontiguousarray(s.guide[::-1])
    np.testing.assert_array_equal(rf(s.target, other), jf.restore(s.target, other, "day_night"))
    np.testing.assert_array_equal(rf(s.target), jf.restore(s.target, other, "day_night"))


def test_errors(clean):
    with pytest.raises(ParameterError, match="task must be"):
        RestoreFilter("dehaze")
    with pytest.raises(ParameterError, match="unknown parameter"):
        RestoreFilter("day_night", radious=3)
    rf = RestoreFilter("day_night")
    with pytest.raises(ParameterError, match="no guide"):
        rf(clean)
    s = P.make_sample("day_night", clean, seed=1)
    rf.set_guide(s.guide)
    with pytest.raises(ShapeError):
        rf(s.target[:50])  # the object stays usable after a failed call
    np.testing.assert_array_equal(rf(s.target), jf.restore(s.target, s.guide, "day_night"))
    with pytest.raises(ShapeError, match="constant"):
        RestoreFilter("day_night")(s.target, np.zeros_like(s.guide))
    rf._busy.acquire()  # another thread inside the object
    try:
        with pytest.raises(ConcurrentUseError):
            rf(s.target)
    finally:
        rf._busy.release()
