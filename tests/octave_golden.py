"""Helpers shared by the tests that lock values printed by reference codes run under Octave.

``test_metrics_golden``, ``test_reference_parity_octave``, ``test_filters_parity_octave`` and
``test_cnn_fusion_parity_octave`` rebuild the drivers' inputs from scikit-image samples and
check them, and the recorded outputs, with these; ``benchmarks/golden/*_compare.py`` load the
test modules (and so this one) to write the same inputs.
"""

from __future__ import annotations

import hashlib

import numpy as np


def fingerprint(arrays: tuple[np.ndarray, ...]) -> str:
    """sha256 (first 16 hex digits) of the shapes and bytes: guards the regenerated inputs."""
    h = hashlib.sha256()
    for x in arrays:
        h.update(str(x.shape).encode())
        h.update(x.tobytes())
    return h.hexdigest()[:16]


def sha16(x: np.ndarray) -> str:
    """sha256 (first 16 hex digits) of an array's bytes."""
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()[:16]


def unit(x: np.ndarray) -> np.ndarray:
    """``double(x) / 255`` (exactly what the drivers do after ``imread``)."""
    return x.astype(np.float64) / 255.0


def pixels(shape: tuple[int, ...]) -> list[tuple[int, int]]:
    """Fixed sample coordinates: corners, edge midpoints, centre and two interior points."""
    h, w = shape[:2]
    return [
        (0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (0, w // 2), (h // 2, 0),
        (h // 2, w - 1), (h - 1, w // 2), (h // 2, w // 2), (h // 4, w // 3), (3 * h // 4, 5),
    ]  # fmt: skip


def matlab_uint8(x01: np.ndarray) -> np.ndarray:
    """``uint8(F * 255)``: round half away from zero, saturate."""
    return np.clip(np.floor(x01 * 255.0 + 0.5), 0.0, 255.0).astype(np.uint8)
