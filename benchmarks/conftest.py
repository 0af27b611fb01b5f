"""Fixtures for the pytest-benchmark suites in benchmarks/ (run: pytest benchmarks/bench_guided.py).

Inputs are natural images (scikit-image samples, mirror-tiled to the frame size) in [0, 1]
float32, built once per session. The JSON written by ``--benchmark-json`` carries a metadata
block (git sha, jointfilter build info, OpenCV version, thread settings, allocator variables).
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import jointfilter as jf

SIZES = {"720p": (720, 1280), "1080p": (1080, 1920), "4k": (2160, 3840)}
MALLOC_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


@functools.cache
def _sample(name: str) -> np.ndarray:
    import skimage.data

    return getattr(skimage.data, name)().astype(np.float32) / np.float32(255)


@functools.cache
def natural_frame(size: str, channels: int, name: str) -> np.ndarray:
    """A read-only (H, W) or (H, W, channels) float32 frame in [0, 1]."""
    h, w = SIZES[size]
    img = _sample(name)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    img = img[:, :, :channels] if channels == 3 else img.mean(axis=2, keepdims=True)
    reps = (-(-h // img.shape[0]) + 1, -(-w // img.shape[1]) + 1)
    img = np.pad(
        img, ((0, reps[0] * img.shape[0]), (0, reps[1] * img.shape[1]), (0, 0)), mode="symmetric"
    )[:h, :w]
    out = np.ascontiguousarray(img[:, :, 0] if channels == 1 else img, dtype=np.float32)
    out.flags.writeable = False
    return out


@pytest.fixture(scope="session")
def frames():
    """``frames(size, channels, name)`` -> cached natural frame."""
    return natural_frame


@pytest.fixture
def pinned_threads():
    """``pin(n)`` sets jointfilter's and OpenCV's thread counts; restored afterwards."""
    before = jf.get_num_threads()
    try:
        import cv2
    except ImportError:  # pragma: no cover - OpenCV is optional
        cv2 = None
    cv_before = cv2.getNumThreads() if cv2 is not None else None

    def pin(n: int) -> None:
        jf.set_num_threads(n)
        if cv2 is not None:
            cv2.setNumThreads(n)

    yield pin
    jf.set_num_threads(before)
    if cv2 is not None:
        cv2.setNumThreads(cv_before)


def _git_sha() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=Path(__file__).parent,
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
            or "unknown"
        )
    except OSError:
        return "unknown"


def pytest_benchmark_update_machine_info(config, machine_info):
    try:
        import cv2

        cv_version = cv2.__version__
    except ImportError:
        cv_version = None
    machine_info["jointfilter"] = {
        "git_sha": _git_sha(),
        "build_info": {k: str(v) for k, v in jf.build_info().items()},
        "opencv": cv_version,
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "malloc_env": {k: os.environ.get(k) for k in MALLOC_VARS},
    }
