"""The scratch pool: full-size float32 work arrays that are reused instead of page-faulted in.

Large NumPy arrays are fresh ``mmap`` blocks: glibc hands them back to the OS when they are
freed, and the next call's arrays are page-faulted in again, the kernel zeroing every page (a
third of a 1080p ``restore()`` call, more than the arithmetic of a 768x576 ``fuse()``). The
fusion and restore layers therefore take their float32 planes from a process-wide pool in the
C++ core: a freed array gives its buffer back to the pool (up to :func:`get_scratch_limit`
bytes are kept) and the next call reuses it. Arrays from the pool are ordinary NumPy arrays,
results included; their memory returns to the pool when they are freed.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _core
from .errors import ParameterError

__all__ = ["empty", "get_scratch_limit", "release_scratch", "scratch_bytes", "set_scratch_limit"]


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised C-contiguous float32 array whose buffer comes from the pool."""
    return _core.scratch_empty(list(shape))  # type: ignore[no-any-return]


def scratch_bytes() -> int:
    """Bytes the scratch pool keeps for reuse now.

    Returns
    -------
    int
    """
    return int(_core.scratch_bytes())


def get_scratch_limit() -> int:
    """Most bytes the scratch pool keeps between calls (default 256 MiB).

    Returns
    -------
    int
    """
    return int(_core.scratch_limit())


def set_scratch_limit(nbytes: int) -> None:
    """Set how many bytes of freed work arrays the pool keeps for reuse.

    The default, 256 MiB, holds the planes of a 1080p ``restore()`` call (~100 MiB), so a loop
    of such calls allocates nothing new. Lower it to bound the memory a process keeps after
    large calls (kept buffers beyond the new limit are freed now); 0 keeps nothing, as plain
    NumPy arrays would. Results are the same for any limit.

    Parameters
    ----------
    nbytes : int
        Limit in bytes, >= 0.

    Raises
    ------
    ParameterError
        `nbytes` is not an int >= 0.
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral) or nbytes < 0:
        raise ParameterError(f"nbytes must be an int >= 0 (bytes); got {nbytes!r}.")
    _core.set_scratch_limit(int(nbytes))


def release_scratch() -> None:
    """Free every buffer the scratch pool keeps (arrays still in use are not affected)."""
    _core.release_scratch()
