"""What the ``*_compare.py`` scripts of this folder share: loading the test module whose inputs
they write, writing those inputs as lossless PNGs, and reading Octave's ``fwrite`` output."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

TESTS = Path(__file__).resolve().parents[2] / "tests"


def load_test_module(name: str) -> ModuleType:
    """``tests/<name>.py`` as a module (with ``tests/`` importable for its shared helpers)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    spec = importlib.util.spec_from_file_location(name, TESTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def save_png(out: Path, name: str, img: np.ndarray) -> str:
    """Write ``out/<name>.png``, check that it reads back unchanged, return the file name."""
    import imageio.v3 as iio

    path = out / f"{name}.png"
    iio.imwrite(path, img)
    assert np.array_equal(iio.imread(path), img)  # lossless round trip
    return path.name


def read_octave(path: Path, shape: tuple[int, ...], dtype: str = "<f8") -> np.ndarray:
    """An array of `shape` written column-major by Octave's ``fwrite``."""
    return np.fromfile(path, dtype).reshape(shape[::-1]).transpose()
