"""Multi-modal joint restoration: ``restore(target, guide, task=...)``.

A target image is improved with a registered guide of another modality. Six tasks have
presets that work without tuning (radii scale with the image size, eps is relative to the
data range, noise-driven parameters come from :func:`estimate_noise`); ``task=None`` runs a
generic noise-driven joint filter. See ``docs/restore.md``.

>>> import numpy as np
>>> from jointfilter import restore
>>> rng = np.random.default_rng(0)
>>> guide = rng.random((64, 64), dtype=np.float32)
>>> out, params = restore(guide + 0.05, guide, return_params=True)
>>> out.shape, params["task"]
((64, 64), None)
"""

from __future__ import annotations

from ._api import PRESETS, TASKS, preset_table, restore
from ._noise import estimate_noise

__all__ = [
    "PRESETS",
    "TASKS",
    "estimate_noise",
    "preset_table",
    "restore",
]
