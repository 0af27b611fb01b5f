"""Build and runtime information, and the thread count of the compiled kernels."""

from __future__ import annotations

import numbers
from typing import Any

from . import _core
from .errors import ParameterError


def build_info() -> dict[str, Any]:
    """Describe this build: version, kernel instruction set, threads, CUDA.

    Returns
    -------
    dict
        ``version``, ``compiler``, ``kernel_isa`` ("avx2" or "baseline", chosen at run time),
        ``num_threads``, ``thread_backend``, ``cuda_built`` (the CUDA module was compiled),
        ``cuda_architectures``, ``cuda_runtime_version`` and ``cuda_devices`` (0 without a
        device or driver, with ``cuda_status`` saying why).
    """
    info: dict[str, Any] = {
        "version": _core.__version__,
        "compiler": _core.compiler,
        "kernel_isa": _core.kernel_isa(),
        "num_threads": _core.get_num_threads(),
        "thread_backend": "std::thread pool (fixed row bands, bit-identical for any count)",
        "cuda_built": bool(_core.has_cuda),
        "cuda_architectures": getattr(_core, "cuda_architectures", ""),
        "cuda_runtime_version": None,
        "cuda_devices": 0,
        "cuda_status": "not built (nvcc was not found or JOINTFILTER_ENABLE_CUDA=OFF)",
    }
    if _core.has_cuda:
        count, status = _core.cuda_device_count()
        info["cuda_runtime_version"] = _core.cuda_runtime_version()
        info["cuda_devices"] = count
        info["cuda_status"] = status or f"{count} device(s)"
    return info


#: Largest thread count :func:`set_num_threads` accepts.
MAX_THREADS = 1024


def set_num_threads(n: int) -> None:
    """Set the number of threads the kernels use (0 = all cores).

    Results do not depend on it: work is split into row bands fixed by image size and radius.

    Parameters
    ----------
    n : int
        Thread count, 0 to :data:`MAX_THREADS`; 0 means one thread per core.

    Raises
    ------
    ParameterError
        `n` is not an int in [0, MAX_THREADS].
    RuntimeError
        The operating system refused to start the threads; the previous count stays in force.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ParameterError(f"n must be an int >= 0 (0 = all cores); got {n!r}.")
    if n > MAX_THREADS:
        raise ParameterError(
            f"n must be at most {MAX_THREADS}; got {n}. Bands of rows are the unit of work, so "
            "more threads than cores only add overhead: pass 0 for one thread per core."
        )
    before = int(_core.get_num_threads())
    try:
        _core.set_num_threads(int(n))
    except RuntimeError:
        _core.set_num_threads(before)  # e.g. the OS's thread limit: keep the old pool
        raise


def get_num_threads() -> int:
    """The number of threads the kernels use.

    Returns
    -------
    int
        The count set by :func:`set_num_threads` (all cores by default).
    """
    return int(_core.get_num_threads())
