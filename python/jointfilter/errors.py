"""Exception classes of jointfilter.

Every class subclasses a builtin as well as :class:`JointFilterError`, so callers can catch
either ``except ValueError`` or ``except jointfilter.errors.JointFilterError``.
Messages name the argument, what was expected, what arrived and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConcurrentUseError",
    "CudaError",
    "DTypeError",
    "JointFilterError",
    "MissingDependencyError",
    "ModelError",
    "NonFiniteError",
    "ParameterError",
    "ShapeError",
]


class JointFilterError(Exception):
    """Base class of every error raised by jointfilter."""


class ShapeError(JointFilterError, ValueError):
    """An array has the wrong number of dimensions, size, channel count or layout."""


class DTypeError(JointFilterError, TypeError):
    """An array has an unsupported dtype, or an argument has the wrong type."""


class ParameterError(JointFilterError, ValueError):
    """A scalar parameter (radius, eps, subsample, border, ...) is out of its valid range."""


class NonFiniteError(JointFilterError, ValueError):
    """An input array contains NaN or Inf where the algorithm cannot give a meaningful result."""


class ModelError(JointFilterError, RuntimeError):
    """A model file is missing, corrupt, or does not match its registry entry."""


class CudaError(JointFilterError, RuntimeError):
    """A CUDA call failed, or the CUDA path was requested where it is not available."""


class MissingDependencyError(JointFilterError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""


class ConcurrentUseError(JointFilterError, RuntimeError):
    """A stateful object (e.g. GuidedFilter) was used by two threads at the same time."""
