"""Image quality metrics.

Fusion metrics (:func:`fusion_metrics` and one function per metric) follow named reference
codes exactly, quirks included (VIFB's MATLAB code for most of them; see ``docs/metrics.md``).
Restoration metrics :func:`psnr` and :func:`ssim` are the textbook full-reference forms with an
explicit data range and border crop.

Pure NumPy/SciPy.
"""

from __future__ import annotations

from ._fusion import (
    METRIC_NAMES,
    MetricValue,
    average_gradient,
    cc,
    cross_entropy,
    definition,
    edge_intensity,
    entropy,
    fusion_metrics,
    fusion_psnr,
    fusion_ssim,
    mutual_information,
    nabf,
    qabf,
    qcb,
    qcv,
    rmse,
    scd,
    spatial_frequency,
    standard_deviation,
    viff,
)
from ._restoration import psnr, ssim

__all__ = [
    "METRIC_NAMES",
    "MetricValue",
    "average_gradient",
    "cc",
    "cross_entropy",
    "definition",
    "edge_intensity",
    "entropy",
    "fusion_metrics",
    "fusion_psnr",
    "fusion_ssim",
    "mutual_information",
    "nabf",
    "psnr",
    "qabf",
    "qcb",
    "qcv",
    "rmse",
    "scd",
    "spatial_frequency",
    "ssim",
    "standard_deviation",
    "viff",
]
