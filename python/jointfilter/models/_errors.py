"""Exception classes used by :mod:`jointfilter.models` (from :mod:`jointfilter.errors`)."""

from __future__ import annotations

from jointfilter.errors import (
    DTypeError,
    JointFilterError,
    MissingDependencyError,
    ModelError,
    NonFiniteError,
    ParameterError,
    ShapeError,
)

__all__ = [
    "DTypeError",
    "JointFilterError",
    "MissingDependencyError",
    "ModelError",
    "NonFiniteError",
    "ParameterError",
    "ShapeError",
]
