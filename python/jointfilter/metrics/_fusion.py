"""Fusion metrics: the registry, :func:`fusion_metrics` and one public function per metric."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike

from jointfilter.errors import ParameterError

from . import _kernels as k
from ._convert import Planes, prepare_fused, prepare_planes

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
    "qabf",
    "qcb",
    "qcv",
    "rmse",
    "scd",
    "spatial_frequency",
    "standard_deviation",
    "viff",
]

Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
VariantArg = str | Mapping[str, str] | None


@dataclass(frozen=True)
class MetricValue:
    """One metric result.

    Attributes
    ----------
    value : float
        The metric value (NaN where the reference code is undefined, see ``docs/metrics.md``).
    higher_is_better : bool
        Direction: True when a larger value means a better fusion.
    reference : str
        The reference implementation whose definition was followed.
    variant : str
        The convention used (``"vifb"``, ``"tang"``, ``"kumar"``, ``"hli"`` ...).
    """

    value: float
    higher_is_better: bool
    reference: str
    variant: str

    def __float__(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class _Spec:
    name: str
    higher_is_better: bool
    default: str
    variants: Mapping[str, tuple[Kernel, str]]
    fused_only: bool = False


def _fused(fn: Callable[[np.ndarray], float]) -> Kernel:
    def kernel(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
        return fn(f)

    return kernel


_VIFB = "xingchenzhang/VIFB metrics/"
_TANG = "Linfeng-Tang/Evaluation-for-Image-Fusion "
_THF = "thfylsty/Objective-evaluation-for-image-fusion "
_KUMAR = "B. K. Shreyamsha Kumar objective_fusion_perform_fn.m (VIFB methods/CBF/)"

_SPECS: dict[str, _Spec] = {
    s.name: s
    for s in (
        _Spec("EN", True, "vifb", {"vifb": (_fused(k.entropy), _VIFB + "metricsEntropy.m")}, True),
        _Spec(
            "SD",
            True,
            "vifb",
            {
                "vifb": (_fused(k.standard_deviation), _VIFB + "metricsVariance.m"),
                "thfylsty": (
                    _fused(lambda f: k.standard_deviation(f, ddof=1)),
                    _THF + "evalution.m (std2, N-1)",
                ),
            },
            True,
        ),
        _Spec(
            "SF",
            True,
            "vifb",
            {
                "vifb": (_fused(k.spatial_frequency_vifb), _VIFB + "metricsSpatial_frequency.m"),
                "tang": (_fused(k.spatial_frequency_tang), _TANG + "SF_evaluation"),
            },
            True,
        ),
        _Spec(
            "AG",
            True,
            "vifb",
            {
                "vifb": (_fused(k.average_gradient_vifb), _VIFB + "metricsAvg_gradient.m"),
                "kumar": (
                    _fused(k.average_gradient_kumar),
                    "B. K. Shreyamsha Kumar fusion_perform_fn.m (VIFB methods/CBF/)",
                ),
            },
            True,
        ),
        _Spec(
            "EI",
            True,
            "vifb",
            {"vifb": (_fused(k.edge_intensity), _VIFB + "metricsEdge_intensity.m")},
            True,
        ),
        _Spec(
            "DF",
            True,
            "thfylsty",
            {"thfylsty": (_fused(k.definition), _THF + "Definition.m")},
            True,
        ),
        _Spec(
            "MI",
            True,
            "vifb",
            {
                "vifb": (k.mutual_information_vifb, _VIFB + "metricsMutinf.m (nats)"),
                "tang": (k.mutual_information_tang, _TANG + "MI_evaluation/Hab (bits)"),
            },
        ),
        _Spec(
            "Qabf",
            True,
            "vifb",
            {
                "vifb": (k.qabf_vifb, _VIFB + "metricsQabf.m"),
                "hli": (
                    lambda a, b, f: k.qabf_vifb(a, b, f, unit_range=True),
                    "hli1221/imagefusion_deeplearning analysis_Qabf.m on im2double data",
                ),
                "kumar": (k.qabf_kumar, _KUMAR + " QABF"),
            },
        ),
        _Spec(
            "Nabf",
            False,
            "kumar",
            {
                "kumar": (k.nabf, _KUMAR + " NABF (0-255 data)"),
                "hli": (
                    lambda a, b, f: k.nabf(a, b, f, unit_range=True),
                    "hli1221/imagefusion_deeplearning analysis_nabf.m on im2double data",
                ),
                "petrovic": (
                    lambda a, b, f: k.nabf(a, b, f, petrovic=True),
                    _KUMAR + " NABF1 (Petrovic's original)",
                ),
            },
        ),
        _Spec(
            "VIFF",
            True,
            "han",
            {"han": (k.viff, "Han et al. 2013 VIFF_Public.m (HarrisXia/image-fusion-evaluation)")},
        ),
        _Spec(
            "SCD",
            True,
            "aslantas",
            {
                "aslantas": (
                    k.scd,
                    "Aslantas & Bendes 2015 SCD.m / hli1221 analysis_SCD.m (corr2)",
                )
            },
        ),
        _Spec(
            "CC",
            True,
            "tang",
            {"tang": (k.correlation_coefficient, _TANG + "CC_evaluation")},
        ),
        _Spec("CE", False, "vifb", {"vifb": (k.cross_entropy, _VIFB + "metricsCross_entropy.m")}),
        _Spec("RMSE", False, "vifb", {"vifb": (k.rmse_vifb, _VIFB + "metricsRmse.m")}),
        _Spec(
            "PSNR",
            True,
            "vifb",
            {
                "vifb": (k.psnr_vifb, _VIFB + "metricsPsnr.m"),
                "standard": (k.psnr_standard, "textbook 10 log10(255^2 / mean MSE)"),
                "tang": (k.psnr_tang, _TANG + "PSNR_evaluation"),
            },
        ),
        _Spec(
            "SSIM",
            True,
            "vifb",
            {
                "vifb": (k.ssim_vifb, _VIFB + "metricsSsim.m (SSIM(A,F) + SSIM(B,F))"),
                "hli": (
                    k.ssim_hli,
                    "hli1221/imagefusion_deeplearning analysis_Reference.m SSIM_a "
                    "(MATLAB ssim, mean of the two)",
                ),
            },
        ),
        _Spec(
            "Qcb",
            True,
            "vifb",
            {"vifb": (k.qcb, _VIFB + "metricsQcb.m (Z. Liu metricChenBlum.m)")},
        ),
        _Spec(
            "Qcv",
            False,
            "vifb",
            {"vifb": (k.qcv, _VIFB + "metricsQcv.m (Z. Liu metricChen.m)")},
        ),
    )
}

METRIC_NAMES: tuple[str, ...] = tuple(_SPECS)
_LOOKUP = {name.lower(): name for name in _SPECS}


def _canonical(name: object) -> str:
    if not isinstance(name, str) or name.lower() not in _LOOKUP:
        msg = (
            f"metrics must name metrics from {', '.join(METRIC_NAMES)} (case-insensitive); "
            f"got {name!r}."
        )
        raise ParameterError(msg)
    return _LOOKUP[name.lower()]


def _check_variant(spec: _Spec, variant: str | None) -> str:
    if variant is None:
        return spec.default
    if variant not in spec.variants:
        msg = (
            f"variant for {spec.name} must be one of {tuple(spec.variants)}; got {variant!r}. "
            f"The default is {spec.default!r}."
        )
        raise ParameterError(msg)
    return variant


# VIFB wrappers that call double() before rgb2gray: with a gray fused image and a colour
# source (their b == 1 branch) they compare the unrounded luma, the others the uint8 luma.
_VIFB_UNROUNDED_GRAY = frozenset({"PSNR", "RMSE", "Qabf"})


def _evaluate(spec: _Spec, variant: str, planes: Planes) -> float:
    kernel = spec.variants[variant][0]
    if spec.name == "SF" and variant == "vifb":
        # VIFB calls [m, n] = size(F) on an RGB array: one M x 3W mosaic, seams included.
        return k.spatial_frequency_vifb(planes.mosaic)
    triples = planes.triples
    if (
        planes.unrounded_gray is not None
        and variant == "vifb"
        and spec.name in _VIFB_UNROUNDED_GRAY
    ):
        triples = planes.unrounded_gray
    values = [kernel(a, b, f) for a, b, f in triples]
    return float(np.mean(values)) if len(values) > 1 else float(values[0])


def _resolve_variants(names: list[str], variant: VariantArg) -> dict[str, str]:
    if variant is None:
        return {n: _SPECS[n].default for n in names}
    if isinstance(variant, str):
        chosen = {n: variant if variant in _SPECS[n].variants else _SPECS[n].default for n in names}
        if not any(variant in _SPECS[n].variants for n in names):
            known = sorted({v for n in names for v in _SPECS[n].variants})
            msg = (
                f"variant {variant!r} applies to none of the selected metrics; known variants "
                f"are {known}. Pass a mapping such as {{'PSNR': 'standard'}} to choose per metric."
            )
            raise ParameterError(msg)
        return chosen
    if isinstance(variant, Mapping):
        out = {n: _SPECS[n].default for n in names}
        for key, val in variant.items():
            name = _canonical(key)
            if name not in out:
                msg = (
                    f"variant names {name}, which is not among the selected metrics "
                    f"{names}; add it to metrics= or drop it from variant=."
                )
                raise ParameterError(msg)
            out[name] = _check_variant(_SPECS[name], val)
        return out
    msg = (
        "variant must be None, a variant name (str) or a mapping metric -> variant; got "
        f"{type(variant).__name__}."
    )
    raise ParameterError(msg)


def fusion_metrics(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    metrics: Iterable[str] | str | None = None,
    color_mode: str = "gray",
    variant: VariantArg = None,
    float_range: float = 1.0,
) -> dict[str, MetricValue]:
    """Evaluate infrared/visible fusion metrics, each following a named reference code.

    Parameters
    ----------
    infrared, visible, fused : array_like
        2-D gray or ``(H, W, 3)`` colour images of equal height and width; uint8, uint16 or
        float.  They are first converted to the 8-bit image the reference benchmarks read
        back: uint16 as ``round(x / 257)``, floats (taken to lie in ``[0, float_range]``)
        scaled to 0-255, rounded half away from zero and clipped.  Inputs are not modified.
    metrics : iterable of str or str, optional
        Names among ``EN, SD, SF, AG, EI, DF, MI, Qabf, Nabf, VIFF, SCD, CC, CE, RMSE, PSNR,
        SSIM, Qcb, Qcv`` (case-insensitive).  Default: all 18, in that order.
    color_mode : {"gray", "per_channel_mean"}
        ``"gray"``: colour images are converted with MATLAB ``rgb2gray`` (rounded to uint8),
        as in the Linfeng-Tang and thfylsty evaluators.  ``"per_channel_mean"``: VIFB's
        convention, each channel of a colour fused image against the same channel of each
        colour source (a gray source is reused), averaged; SF sees the channels side by side.
    variant : str or mapping, optional
        Convention per metric.  A string applies to every selected metric that has a variant
        of that name (the others keep their default); a mapping ``{"PSNR": "standard"}``
        chooses per metric.  See ``docs/metrics.md`` for the table of variants.
    float_range : float
        The value that maps to 255 for floating-point inputs (default 1.0).

    Returns
    -------
    dict of str to MetricValue
        Metric name -> value, direction (``higher_is_better``), reference and variant.

    Raises
    ------
    jointfilter.errors.ShapeError
        Wrong number of dimensions or channels, or mismatched height/width.
    jointfilter.errors.DTypeError
        Unsupported dtype.
    jointfilter.errors.ParameterError
        Unknown metric, variant or colour mode; non-finite floats; floats out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from jointfilter.metrics import fusion_metrics
    >>> rng = np.random.default_rng(0)
    >>> ir, vis = rng.integers(0, 256, (2, 64, 64), dtype=np.uint8)
    >>> fused = ((ir.astype(float) + vis) / 2).astype(np.uint8)
    >>> scores = fusion_metrics(ir, vis, fused, metrics=["EN", "Qabf"])
    >>> scores["Qabf"].higher_is_better
    True
    """
    if metrics is None:
        names = list(METRIC_NAMES)
    else:
        if isinstance(metrics, str):
            metrics = [metrics]
        elif not isinstance(metrics, Iterable):
            msg = (
                f"metrics must be a metric name or an iterable of names such as ['EN', 'Qabf']; "
                f"got {type(metrics).__name__} {metrics!r}."
            )
            raise ParameterError(msg)
        names = []
        for m in metrics:
            c = _canonical(m)
            if c not in names:
                names.append(c)
        if not names:
            msg = "metrics must name at least one metric; got an empty list. Pass None for all."
            raise ParameterError(msg)
    chosen = _resolve_variants(names, variant)
    planes = prepare_planes(infrared, visible, fused, color_mode, float_range)
    out: dict[str, MetricValue] = {}
    for name in names:
        spec = _SPECS[name]
        var = chosen[name]
        value = _evaluate(spec, var, planes)
        out[name] = MetricValue(value, spec.higher_is_better, spec.variants[var][1], var)
    return out


# the numpydoc sections every per-metric function shares, built from its signature and spec
_SOURCES_DOC = {
    True: (
        "fused : array_like",
        "    2-D gray or ``(H, W, 3)`` colour image; uint8, uint16 or float, converted to",
        "    8-bit as in :func:`fusion_metrics`.",
    ),
    False: (
        "infrared, visible, fused : array_like",
        "    2-D gray or ``(H, W, 3)`` colour images of equal height and width; uint8,",
        "    uint16 or float, converted to 8-bit as in :func:`fusion_metrics`.",
    ),
}
_F = TypeVar("_F", bound=Callable[..., float])


def _documented(name: str) -> Callable[[_F], _F]:
    """Append Parameters and Returns to the docstring of metric `name`'s function."""

    def deco(fn: _F) -> _F:
        spec = _SPECS[name]
        params = inspect.signature(fn).parameters
        lines = ["Parameters", "----------", *_SOURCES_DOC["infrared" not in params]]
        lines += [
            'color_mode : {"gray", "per_channel_mean"}',
            "    Colour handling, as in :func:`fusion_metrics`.",
        ]
        if "variant" in params:
            choices = ", ".join(f'"{v}"' for v in spec.variants)
            default = params["variant"].default
            lines += [
                f"variant : {{{choices}}}",
                f'    Convention (default ``"{default}"``), see above.',
            ]
        lines += [
            "float_range : float",
            "    The value that maps to 255 for floating-point input (default 1.0).",
            "",
            "Returns",
            "-------",
            "float",
            f"    The metric value ({'higher' if spec.higher_is_better else 'lower'} is better).",
        ]
        fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\n" + "\n".join(lines)
        return fn

    return deco


def _single(
    name: str,
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    color_mode: str,
    variant: str | None,
    float_range: float,
) -> float:
    spec = _SPECS[name]
    var = _check_variant(spec, variant)
    planes = prepare_planes(infrared, visible, fused, color_mode, float_range)
    return _evaluate(spec, var, planes)


def _single_fused(
    name: str, fused: ArrayLike, color_mode: str, variant: str | None, float_range: float
) -> float:
    spec = _SPECS[name]
    var = _check_variant(spec, variant)
    return _evaluate(spec, var, prepare_fused(fused, color_mode, float_range))


# ------------------------------------------------------------------------------------------
# one function per metric


@_documented("EN")
def entropy(fused: ArrayLike, *, color_mode: str = "gray", float_range: float = 1.0) -> float:
    """Entropy EN (bits), VIFB ``metricsEntropy.m``; higher is better.

    256-bin histogram of the 8-bit fused image, ``EN = -sum p log2 p``.
    Inputs are converted as in :func:`fusion_metrics`.

    """
    return _single_fused("EN", fused, color_mode, None, float_range)


@_documented("SD")
def standard_deviation(
    fused: ArrayLike, *, color_mode: str = "gray", variant: str = "vifb", float_range: float = 1.0
) -> float:
    """Standard deviation SD; higher is better.

    ``variant="vifb"``: VIFB ``metricsVariance.m`` (population std, divisor M*N, despite the
    name).  ``variant="thfylsty"``: MATLAB ``std2`` (divisor M*N - 1).

    """
    return _single_fused("SD", fused, color_mode, variant, float_range)


@_documented("SF")
def spatial_frequency(
    fused: ArrayLike, *, color_mode: str = "gray", variant: str = "vifb", float_range: float = 1.0
) -> float:
    """Spatial frequency SF; higher is better.

    ``variant="vifb"``: VIFB ``metricsSpatial_frequency.m``, ``sqrt((RF + CF) / (M N))`` with
    RF, CF the sums of squared horizontal/vertical neighbour differences; a colour image under
    ``per_channel_mean`` is one M x 3W mosaic (VIFB's ``size`` quirk, seams included).
    ``variant="tang"``: Linfeng-Tang ``SF_evaluation``, means over the actual number of
    differences.

    """
    return _single_fused("SF", fused, color_mode, variant, float_range)


@_documented("AG")
def average_gradient(
    fused: ArrayLike, *, color_mode: str = "gray", variant: str = "vifb", float_range: float = 1.0
) -> float:
    """Average gradient AG; higher is better.

    ``variant="vifb"``: VIFB ``metricsAvg_gradient.m`` (same in Linfeng-Tang): MATLAB
    ``gradient``, ``sum(sqrt((gx² + gy²)/2)) / ((M-1)(N-1))``.  ``variant="kumar"``: Kumar's
    ``fusion_perform_fn.m``, circular forward differences without the /2, divided by M*N.

    """
    return _single_fused("AG", fused, color_mode, variant, float_range)


@_documented("EI")
def edge_intensity(
    fused: ArrayLike, *, color_mode: str = "gray", float_range: float = 1.0
) -> float:
    """Edge intensity EI, VIFB ``metricsEdge_intensity.m``; higher is better.

    Mean Sobel magnitude (``fspecial('sobel')``, ``imfilter`` with replicate border).

    """
    return _single_fused("EI", fused, color_mode, None, float_range)


@_documented("DF")
def definition(fused: ArrayLike, *, color_mode: str = "gray", float_range: float = 1.0) -> float:
    """Definition DF (清晰度), thfylsty ``Definition.m``; higher is better.

    Forward differences on the first (M-1) x (N-1) pixels,
    ``mean(sqrt((dx² + dy²) / 2))``.

    """
    return _single_fused("DF", fused, color_mode, None, float_range)


@_documented("MI")
def mutual_information(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    variant: str = "vifb",
    float_range: float = 1.0,
) -> float:
    """Mutual information MI = I(A;F) + I(B;F); higher is better.

    ``variant="vifb"``: VIFB ``metricsMutinf.m`` (Qu et al. 2002): each image min-max
    normalised (constant -> 0), ``round(255 x)``, 256x256 joint histogram, **nats**.
    ``variant="tang"``: Linfeng-Tang ``MI_evaluation``: raw 8-bit values, **bits**.

    """
    return _single("MI", infrared, visible, fused, color_mode, variant, float_range)


@_documented("Qabf")
def qabf(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    variant: str = "vifb",
    float_range: float = 1.0,
) -> float:
    """Gradient-based fusion performance Q^AB/F (Xydeas & Petrovic 2000); higher is better.

    ``variant="vifb"``: VIFB ``metricsQabf.m``: Sobel by ``conv2(..., 'same')`` (zero
    padding), Tg 0.9994, kg -15, Dg 0.5, Ta 0.9879, ka -22, Da 0.8, strength "ratio" equal to
    g_F where g_A == g_F (reference quirk), evaluated on ``255 * x`` as VIFB does.
    ``variant="hli"``: the same code on ``im2double`` data (hli1221 / Linfeng-Tang).
    ``variant="kumar"``: Petrovic's measure as in Kumar's ``objective_fusion_perform_fn.m``.

    """
    return _single("Qabf", infrared, visible, fused, color_mode, variant, float_range)


@_documented("Nabf")
def nabf(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    variant: str = "kumar",
    float_range: float = 1.0,
) -> float:
    """Fusion artefacts N^AB/F; lower is better.

    ``variant="kumar"``: Kumar's modified measure (``objective_fusion_perform_fn.m`` NABF) on
    0-255 data.  ``variant="hli"``: hli1221 ``analysis_nabf.m`` parity, the same code on
    ``im2double`` data (no pixel reaches T_d = 2, all weights 0.001).
    ``variant="petrovic"``: Petrovic's original artefact measure (NABF1).

    """
    return _single("Nabf", infrared, visible, fused, color_mode, variant, float_range)


@_documented("VIFF")
def viff(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Visual-information-fidelity fusion metric VIFF, Han et al. 2013 ``VIFF_Public.m``.

    Higher is better.  Four scales, Gaussian windows 17/9/5/3 (sigma N/5), visual noise
    0.005*255², per pixel the source with the smaller gain g, weights [1, 0, 0.15, 1]/2.15.
    NaN for images smaller than 41 pixels on a side (empty 'valid' regions in the reference).

    """
    return _single("VIFF", infrared, visible, fused, color_mode, None, float_range)


@_documented("SCD")
def scd(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Sum of the correlations of differences SCD (Aslantas & Bendes 2015); higher is better.

    ``corr2(F - B, A) + corr2(F - A, B)`` as in the authors' ``SCD.m`` / hli1221
    ``analysis_SCD.m``.  NaN when a difference image or a source is constant.

    """
    return _single("SCD", infrared, visible, fused, color_mode, None, float_range)


@_documented("CC")
def cc(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Correlation coefficient CC = (rho(A,F) + rho(B,F)) / 2, Linfeng-Tang ``CC_evaluation``.

    Higher is better.  Pearson correlation on float data; NaN when an image is constant.

    """
    return _single("CC", infrared, visible, fused, color_mode, None, float_range)


@_documented("CE")
def cross_entropy(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Cross entropy CE, VIFB ``metricsCross_entropy.m``; lower is better.

    Mean of KL(h_A || h_F) and KL(h_B || h_F), 256-bin histograms, log2, bins where either
    probability is 0 skipped.

    """
    return _single("CE", infrared, visible, fused, color_mode, None, float_range)


@_documented("RMSE")
def rmse(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """RMSE as VIFB ``metricsRmse.m`` defines it; lower is better.

    ``(sqrt(SSE_AF) + sqrt(SSE_BF)) / 2 / (M N)``: the square root of the *sum*, divided by
    the pixel count (not the textbook root-mean-square error).

    """
    return _single("RMSE", infrared, visible, fused, color_mode, None, float_range)


@_documented("PSNR")
def fusion_psnr(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    variant: str = "vifb",
    float_range: float = 1.0,
) -> float:
    """Fusion PSNR (dB); higher is better.

    ``variant="vifb"``: VIFB ``metricsPsnr.m``, ``20 log10(255 / sqrt((m_AF + m_BF)/2))``
    with ``m = sqrt(SSE)/(M N)``.  ``variant="standard"``: ``10 log10(255² / MSE)`` with
    ``MSE = (MSE_AF + MSE_BF)/2``.  ``variant="tang"``: Linfeng-Tang ``PSNR_evaluation``
    (MSE of /255 data, 255 in the numerator: standard + 48.13 dB).  Infinite when F equals
    both sources.  For restoration use :func:`jointfilter.metrics.psnr`.

    """
    return _single("PSNR", infrared, visible, fused, color_mode, variant, float_range)


@_documented("SSIM")
def fusion_ssim(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    variant: str = "vifb",
    float_range: float = 1.0,
) -> float:
    """Fusion SSIM; higher is better.

    ``variant="vifb"``: VIFB ``metricsSsim.m``, **SSIM(A,F) + SSIM(B,F)** (range up to 2),
    11x11 Gaussian sigma 1.5, ``filter2(..., 'valid')``, L = 255.  ``variant="hli"``: hli1221's
    SSIM_a, the *mean* of MATLAB built-in ``ssim`` (replicate padding, same-size map).
    NaN under ``"vifb"`` for images smaller than 11 pixels on a side.
    For restoration use :func:`jointfilter.metrics.ssim`.

    """
    return _single("SSIM", infrared, visible, fused, color_mode, variant, float_range)


@_documented("Qcb")
def qcb(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Chen-Blum metric Q_CB, VIFB ``metricsQcb.m`` (Z. Liu ``metricChenBlum.m``).

    Higher is better.  Images min-max normalised to 0..255 and rounded, DoG contrast
    sensitivity filter in the frequency domain (f0 15.3870, f1 1.3456, a 0.7622, scaled by
    size/30), local contrast from 31x31 Gaussians (sigma 2 and 4, zero padding), contrast
    preservation weighted by saliency.  NaN for a constant non-zero input (0/0 in the
    reference's normalisation).

    """
    return _single("Qcb", infrared, visible, fused, color_mode, None, float_range)


@_documented("Qcv")
def qcv(
    infrared: ArrayLike,
    visible: ArrayLike,
    fused: ArrayLike,
    *,
    color_mode: str = "gray",
    float_range: float = 1.0,
) -> float:
    """Chen-Varshney metric Q_CV, VIFB ``metricsQcv.m`` (Z. Liu ``metricChen.m``).

    **Lower is better.**  16x16 regions, saliency = sum of Sobel magnitude^5, Mannos-Sakrison
    CSF-filtered differences, ``sum(l_A D_A + l_B D_B) / sum(l_A + l_B)``.

    """
    return _single("Qcv", infrared, visible, fused, color_mode, None, float_range)
