"""Regression tests from the audit of ``jointfilter.restore`` (overrides, non-finite data, docs).

Small synthetic images only; each test failed before its fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from jointfilter.errors import NonFiniteError, ParameterError
from jointfilter.restoration import PRESETS, restore
from jointfilter.restoration._api import _CHOICES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "restore.md"


def _pair(task: str | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    guide = rng.random((40, 48, 3), dtype=np.float32)
    target = np.clip(0.3 * guide + rng.normal(0, 0.03, guide.shape), 0, 1).astype(np.float32)
    if task == "depth_upsample":
        return np.ascontiguousarray(target[::4, ::4, 0]), guide
    if task == "nir_dehaze":
        return target, np.ascontiguousarray(guide[:, :, 0])
    return target, guide


_NO_AUTO = [
    (task, key)
    for task, preset in PRESETS.items()
    for key, value in preset.items()
    if value != "auto" and key != "subsample" and key not in _CHOICES
]


@pytest.mark.parametrize(("task", "key"), _NO_AUTO)
def test_auto_only_where_the_preset_has_it(task, key):
    # was: TypeError / UFuncTypeError from deep inside, a message naming "radius" for
    # relight_radius, or silently accepted (lam, iterations of the generic task)
    t, g = _pair(task)
    with pytest.raises(ParameterError, match=rf"^{key} has no 'auto' value"):
        restore(t, g, task, **{key: "auto"})


def test_auto_still_accepted_where_documented():
    t, g = _pair("flash_denoise")
    _, p = restore(t, g, "flash_denoise", eps="auto", subsample="auto", return_params=True)
    assert p["eps"] != "auto"
    assert p["subsample"] == 1
    _, p = restore(t, g, "structure_transfer", gain="auto", return_params=True)
    assert "gain_used" in p


@pytest.mark.parametrize(
    ("key", "value"),
    [("radii", 3), ("radii", []), ("radii", "24"), ("eps_list", None), ("eps_list", ())],
)
def test_sure_candidate_lists_are_checked(key, value):
    # was: TypeError "'int' object is not iterable" / AssertionError for an empty list
    t, g = _pair(None)
    with pytest.raises(ParameterError, match=rf"^{key} must"):
        restore(t, g, **{key: value})


@pytest.mark.parametrize("gain", [float("nan"), float("inf"), None])
def test_structure_transfer_gain_must_be_finite(gain):
    t, g = _pair("structure_transfer")
    with pytest.raises(ParameterError, match=r"^gain must be a finite number"):
        restore(t, g, "structure_transfer", gain=gain)  # was: a NaN / Inf image


@pytest.mark.parametrize("value", ["no", None, 0])
def test_guided_base_must_be_bool(value):
    t, g = _pair("structure_transfer")
    with pytest.raises(ParameterError, match=r"^guided_base must be True"):
        restore(t, g, "structure_transfer", guided_base=value)  # was: truthiness


def test_numpy_scalars_accepted_for_gains():
    # np.float32 values (e.g. read from an array) were refused as "not a finite number"
    t, g = _pair("structure_transfer")
    a = restore(t, g, "structure_transfer", strength=np.float32(0.5), gain=np.float32(0.75))
    b = restore(t, g, "structure_transfer", strength=0.5, gain=0.75)
    np.testing.assert_array_equal(a, b)
    t, g = _pair("nir_dehaze")
    a = restore(t, g, "nir_dehaze", nir_detail=np.float32(0.25))
    b = restore(t, g, "nir_dehaze", nir_detail=0.25)
    np.testing.assert_array_equal(a, b)
    assert restore(t, g, "nir_dehaze", omega=np.float32(0.9)).shape == t.shape


def test_max_blur_radius_capped_at_the_image():
    # blurs wider than the image are one constant: the search stops there (the same choice);
    # a huge value used to run for minutes (10**6) or forever (2**30)
    t, g = _pair("flash_deblur")
    side = max(t.shape[:2])
    out, p = restore(t, g, "flash_deblur", max_blur_radius=side + 20, return_params=True)
    assert p["max_blur_radius"] == side
    ref = restore(t, g, "flash_deblur", max_blur_radius=side)
    np.testing.assert_array_equal(out, ref)
    out, p = restore(t, g, "flash_deblur", max_blur_radius=2**30, return_params=True)
    assert p["max_blur_radius"] == side
    np.testing.assert_array_equal(out, ref)


def test_float64_beyond_float32_range_is_a_nonfinite_error():
    # was: numpy's RuntimeWarning (an error under filterwarnings=error), then a NonFiniteError
    # naming "image" or "target and guide"
    t, g = _pair("day_night")
    big = t.astype(np.float64)
    big[3, 4, 1] = 1e300
    with pytest.raises(NonFiniteError, match=r"^target has values beyond float32's range"):
        restore(big, g, "day_night")
    with pytest.raises(NonFiniteError, match=r"^guide has values beyond float32's range"):
        restore(t, g.astype(np.float64) * 1e300, "day_night")
    with pytest.raises(NonFiniteError, match=r"^target / data_range overflows float32"):
        restore(t, g, "day_night", data_range=1e-39)
    nan = big.copy()
    nan[3, 4, 1] = np.nan
    with pytest.raises(NonFiniteError, match=r"^target contains NaN or Inf"):
        restore(nan, g)


def test_docs_example_runs():
    # the first example of docs/restore.md used `restore` and `target` without defining them
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert blocks
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], str(DOCS), "exec"), namespace)
    assert namespace["out"].shape == (96, 128, 3)  # type: ignore[attr-defined]
