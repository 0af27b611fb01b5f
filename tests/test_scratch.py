"""The scratch pool (jointfilter.set_scratch_limit & co.): reuse without changing results."""

from __future__ import annotations

import numpy as np
import pytest

import jointfilter as jf
from jointfilter import _scratch
from jointfilter.errors import ParameterError


@pytest.fixture
def default_limit():
    before = jf.get_scratch_limit()
    yield before
    jf.set_scratch_limit(before)


def test_freed_arrays_are_kept_up_to_the_limit(default_limit):
    assert default_limit == 256 << 20
    jf.release_scratch()
    assert jf.scratch_bytes() == 0
    a = _scratch.empty((300, 400))
    assert a.dtype == np.float32
    assert a.flags.c_contiguous
    assert a.flags.writeable
    del a
    assert jf.scratch_bytes() >= 300 * 400 * 4
    b = _scratch.empty((200, 100))  # best fit: the kept buffer is handed out again
    assert jf.scratch_bytes() == 0
    del b
    jf.set_scratch_limit(1000)  # lowering frees what exceeds the new limit
    assert jf.scratch_bytes() == 0
    c = _scratch.empty((300, 400))
    del c  # larger than the limit: freed, not kept
    assert jf.scratch_bytes() == 0
    assert jf.get_scratch_limit() == 1000


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", None, True])
def test_set_scratch_limit_checks_its_argument(bad, default_limit):
    with pytest.raises(ParameterError, match="nbytes must be an int >= 0"):
        jf.set_scratch_limit(bad)
    assert jf.get_scratch_limit() == default_limit


@pytest.mark.parametrize("task", ["day_night", "structure_transfer", "flash_denoise", "nir_dehaze"])
def test_results_do_not_depend_on_the_pool(task, default_limit):
    rng = np.random.default_rng(5)
    t = rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)
    g = rng.integers(0, 256, (70, 90) if task == "nir_dehaze" else (70, 90, 3), dtype=np.uint8)
    jf.set_scratch_limit(0)
    a = jf.restore(t, g, task=task)
    jf.set_scratch_limit(default_limit)
    b = jf.restore(t, g, task=task)
    c = jf.restore(t, g, task=task)  # now from reused buffers
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    tf = t.astype(np.float32) / 255
    r1 = jf.restore(tf, g, task=task)
    r2 = jf.restore(tf, g, task=task)
    r1_copy = r1.copy()
    del r2  # a result's buffer returns to the pool; r1 must not be touched by the next call
    jf.restore(tf[::-1].copy(), g, task=task)
    np.testing.assert_array_equal(r1, r1_copy)
