"""Per-plane metric kernels.

Every function takes float64 2-D planes holding 8-bit values (0..255): ``a`` = visible,
``b`` = infrared, ``f`` = fused, and returns a Python float.  Each one follows a named
reference code line by line in meaning (see ``docs/metrics.md`` and the public functions'
docstrings); no reference code was copied.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import fft as sfft

from ._convert import round_half_away
from ._filters import (
    block_reduce_sum,
    fft_freq_grid,
    fspecial_gaussian_1d,
    gauss_filter_same_replicate,
    gauss_filter_valid,
    gauss_filter_valid_t_stack,
    linear_filter_same_fft,
    sobel_from_padded,
    sobel_padded,
    sobel_zero,
)

_LN2 = math.log(2.0)


# --------------------------------------------------------------------------------------------
# helpers


def _hist256(x: np.ndarray) -> np.ndarray:
    return np.bincount(x.astype(np.intp).ravel(), minlength=256).astype(np.float64)


def _entropy_from_counts(h: np.ndarray) -> float:
    """Shannon entropy in nats of a histogram (zero bins skipped)."""
    p = h[h > 0] / h.sum()
    return float(0.0 - (p * np.log(p)).sum())  # 0.0 - x: a single bin gives 0.0, not -0.0


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """MATLAB ``corr2``: Pearson correlation over all pixels; NaN when either is constant."""
    xd = x - x.mean()
    yd = y - y.mean()
    den = math.sqrt(float((xd * xd).sum()) * float((yd * yd).sum()))
    if den == 0.0:
        return math.nan
    return float((xd * yd).sum()) / den


# --------------------------------------------------------------------------------------------
# intensity / gradient statistics (fused image only)


def entropy(f: np.ndarray) -> float:
    """VIFB ``metricsEntropy``: 256-bin histogram of ``floor(F)``, log2."""
    return _entropy_from_counts(_hist256(np.floor(f))) / _LN2


def standard_deviation(f: np.ndarray, ddof: int = 0) -> float:
    """VIFB ``metricsVariance`` (population std, ddof=0); thfylsty ``std2`` uses ddof=1."""
    mu = f.mean()
    d = f - mu
    return math.sqrt(float((d * d).sum()) / (f.size - ddof))


def spatial_frequency_vifb(f: np.ndarray) -> float:
    """VIFB ``metricsSpatial_frequency``: both sums divided by M*N (not the pair counts)."""
    rf = float(np.square(np.diff(f, axis=1)).sum())
    cf = float(np.square(np.diff(f, axis=0)).sum())
    return math.sqrt((rf + cf) / f.size)


def spatial_frequency_tang(f: np.ndarray) -> float:
    """Linfeng-Tang ``SF_evaluation``: means over the actual numbers of differences.

    ``RF1 = sqrt(mean(diff(F, 1, 1).^2))``, ``CF1`` likewise along rows,
    ``SF = sqrt(RF1^2 + CF1^2)`` (the square roots are kept, as in the reference).
    """
    rf1 = math.sqrt(float(np.square(np.diff(f, axis=0)).mean()))
    cf1 = math.sqrt(float(np.square(np.diff(f, axis=1)).mean()))
    return math.sqrt(rf1**2 + cf1**2)


def average_gradient_vifb(f: np.ndarray) -> float:
    """VIFB ``metricsAvg_gradient``: MATLAB ``gradient``, sum sqrt((gx²+gy²)/2) / ((M-1)(N-1))."""
    gy, gx = np.gradient(f)  # central inside, one-sided at the borders, like MATLAB
    s = np.sqrt((gx * gx + gy * gy) / 2.0)
    m, n = f.shape
    return float(s.sum()) / ((m - 1) * (n - 1))


def average_gradient_kumar(f: np.ndarray) -> float:
    """Kumar ``fusion_perform_fn``: circular forward differences, no /2, divided by M*N."""
    dy = f - np.roll(f, -1, axis=0)
    dx = f - np.roll(f, -1, axis=1)
    return float(np.sqrt(dx * dx + dy * dy).sum()) / f.size


def edge_intensity(f: np.ndarray) -> float:
    """VIFB ``metricsEdge_intensity``: Sobel (``fspecial('sobel')``), replicate border, mean."""
    gx, gy = sobel_padded(f, "edge")  # magnitudes do not depend on the sign conventions
    return float(np.sqrt(gx * gx + gy * gy).mean())


def definition(f: np.ndarray) -> float:
    """thfylsty ``Definition.m``: forward differences on the first (M-1)x(N-1) pixels."""
    c = f[:-1, :-1]
    dx = c - f[:-1, 1:]
    dy = c - f[1:, :-1]
    return float(np.sqrt((dx * dx + dy * dy) / 2.0).sum()) / c.size


# --------------------------------------------------------------------------------------------
# information measures


def _via_lut(x: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Apply a 256-entry table to a plane of 8-bit integer values (exact per value)."""
    return lut[x.astype(np.uint8)]


def _mi_vifb_quantise(x: np.ndarray) -> np.ndarray:
    """(x - min)/(max - min) (0 for a constant image), then int16(255 y): round half away.

    Evaluated per grey level through a table: the same float operations per value.
    """
    lo = x.min()
    hi = x.max()
    if hi == lo:
        return np.zeros_like(x)
    levels = np.arange(256, dtype=np.float64)
    return _via_lut(x, round_half_away((levels - lo) / (hi - lo) * 255.0))


def _mi_pair(xq: np.ndarray, fq: np.ndarray, hf: np.ndarray) -> float:
    """I(X;F) = H(X) + H(F) - H(X,F) in nats from 0..255 integer planes."""
    idx = xq.astype(np.intp).ravel()
    idx *= 256
    idx += fq.astype(np.intp).ravel()
    joint = np.bincount(idx, minlength=65536).astype(np.float64)
    hx = joint.reshape(256, 256).sum(axis=1)
    return _entropy_from_counts(hx) + _entropy_from_counts(hf) - _entropy_from_counts(joint)


def mutual_information_vifb(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """VIFB ``metricsMutinf``: min-max normalised, round(255x), 256 bins, nats, MI(A,F)+MI(B,F)."""
    fq = _mi_vifb_quantise(f)
    hf = _hist256(fq)
    return _mi_pair(_mi_vifb_quantise(a), fq, hf) + _mi_pair(_mi_vifb_quantise(b), fq, hf)


def mutual_information_tang(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Linfeng-Tang ``MI_evaluation``/``Hab``: raw 8-bit values, 256 bins, bits."""
    hf = _hist256(f)
    return (_mi_pair(a, f, hf) + _mi_pair(b, f, hf)) / _LN2


def cross_entropy(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """VIFB ``metricsCross_entropy``: mean of KL(h_A||h_F) and KL(h_B||h_F), log2."""
    hf = _hist256(f)
    pf = hf / hf.sum()

    def kl(x: np.ndarray) -> float:
        hx = _hist256(x)
        px = hx / hx.sum()
        m = (px > 0) & (pf > 0)
        return float((px[m] * np.log2(px[m] / pf[m])).sum())

    return (kl(a) + kl(b)) / 2.0


# --------------------------------------------------------------------------------------------
# error / correlation measures


def rmse_vifb(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """VIFB ``metricsRmse``: (sqrt(SSE_AF) + sqrt(SSE_BF)) / 2 / (M*N)."""
    n = f.size
    m_af = math.sqrt(float(np.square(a - f).sum())) / n
    m_bf = math.sqrt(float(np.square(b - f).sum())) / n
    return (m_af + m_bf) / 2.0


def psnr_vifb(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """VIFB ``metricsPsnr``: 20 log10(255 / sqrt((m_AF + m_BF)/2)), m = sqrt(SSE)/(M*N)."""
    mes = rmse_vifb(a, b, f)
    if mes == 0.0:
        return math.inf
    return 20.0 * math.log10(255.0 / math.sqrt(mes))


def _mse_mean(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    return 0.5 * float(np.square(f - a).mean()) + 0.5 * float(np.square(f - b).mean())


def psnr_standard(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Textbook fusion PSNR: 10 log10(255² / ((MSE_AF + MSE_BF)/2)) on 0-255 data."""
    mse = _mse_mean(a, b, f)
    if mse == 0.0:
        return math.inf
    return 10.0 * math.log10(255.0 * 255.0 / mse)


def psnr_tang(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Linfeng-Tang ``PSNR_evaluation``: MSE on /255 data but 255 kept in the numerator."""
    mse = _mse_mean(a / 255.0, b / 255.0, f / 255.0)
    if mse == 0.0:
        return math.inf
    return 20.0 * math.log10(255.0 / math.sqrt(mse))


def correlation_coefficient(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Linfeng-Tang ``CC_evaluation``: (rho(A,F) + rho(B,F)) / 2 on float data."""
    return (_pearson(a, f) + _pearson(b, f)) / 2.0


def scd(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Aslantas & Bendes ``SCD``/hli1221 ``analysis_SCD``: corr2(F-B, A) + corr2(F-A, B).

    NaN when a difference image (or a source) is constant (``corr2`` gives 0/0 there).
    """
    return _pearson(f - b, a) + _pearson(f - a, b)


# --------------------------------------------------------------------------------------------
# SSIM


_SSIM_G = fspecial_gaussian_1d(11, 1.5)
_SSIM_C1 = (0.01 * 255.0) ** 2
_SSIM_C2 = (0.03 * 255.0) ** 2


def _ssim_maps(
    x: np.ndarray, y: np.ndarray, filt, c1: float, c2: float, y_stats=None
) -> np.ndarray:
    ux = filt(x)
    if y_stats is None:
        uy = filt(y)
        yy = filt(y * y)
    else:
        uy, yy = y_stats
    ux2 = ux * ux
    uy2 = uy * uy
    uxy = ux * uy
    sx = filt(x * x) - ux2
    sy = yy - uy2
    sxy = filt(x * y) - uxy
    return ((2.0 * uxy + c1) * (2.0 * sxy + c2)) / ((ux2 + uy2 + c1) * (sx + sy + c2))


def ssim_index(
    x: np.ndarray,
    y: np.ndarray,
    data_range: float = 255.0,
    padding: str = "valid",
    y_stats=None,
) -> float:
    """Wang et al. 2004 SSIM, 11x11 Gaussian sigma 1.5, K = (0.01, 0.03).

    ``padding="valid"``: ``filter2(w, ., 'valid')`` (``ssim_index.m``, VIFB ``metricsSsim``);
    ``padding="replicate"``: MATLAB built-in ``ssim`` (``imfilter(..., 'replicate')``, same
    size).  Returns NaN when the image is smaller than the window under ``valid``.
    """
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    if padding == "valid":
        if min(x.shape) < _SSIM_G.size:
            return math.nan

        def filt(z: np.ndarray) -> np.ndarray:
            return gauss_filter_valid(z, _SSIM_G)
    else:

        def filt(z: np.ndarray) -> np.ndarray:
            return gauss_filter_same_replicate(z, _SSIM_G)

    return float(_ssim_maps(x, y, filt, c1, c2, y_stats).mean())


def ssim_vifb(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """VIFB ``metricsSsim``: SSIM(A,F) + SSIM(B,F) ('valid' windows, L = 255), up to 2."""
    if min(f.shape) < _SSIM_G.size:
        return math.nan
    st = np.empty((8, *f.shape))
    st[0] = a
    st[1] = b
    st[2] = f
    np.multiply(a, a, out=st[3])
    np.multiply(b, b, out=st[4])
    np.multiply(f, f, out=st[5])
    np.multiply(a, f, out=st[6])
    np.multiply(b, f, out=st[7])
    # transposed 'valid' outputs: only elementwise maps and their means follow
    m = gauss_filter_valid_t_stack(st, _SSIM_G)
    totals = [0.0, 0.0]
    for r0, r1 in _row_blocks(m.shape[1]):
        blk = m[:, r0:r1]
        uf = blk[2]
        uf2 = uf * uf
        sf = blk[5] - uf2
        for i, (ux, xx, xf) in enumerate(((blk[0], blk[3], blk[6]), (blk[1], blk[4], blk[7]))):
            ux2 = ux * ux
            uxf = ux * uf
            num = 2.0 * uxf + _SSIM_C1
            num *= 2.0 * (xf - uxf) + _SSIM_C2
            den = ux2 + uf2 + _SSIM_C1
            den *= (xx - ux2) + sf + _SSIM_C2
            num /= den
            totals[i] += float(num.sum())
    n = m.shape[1] * m.shape[2]
    return totals[0] / n + totals[1] / n


def ssim_hli(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """hli1221 ``analysis_Reference`` "SSIM_a": mean of MATLAB ``ssim(F, A)``, ``ssim(F, B)``.

    MATLAB's built-in ``ssim`` on ``im2double`` data: replicate padding, same-size map,
    dynamic range 1 (identical to range 255 on 0-255 data).
    """
    stats = (
        gauss_filter_same_replicate(f, _SSIM_G),
        gauss_filter_same_replicate(f * f, _SSIM_G),
    )
    sa = ssim_index(a, f, padding="replicate", y_stats=stats)
    sb = ssim_index(b, f, padding="replicate", y_stats=stats)
    return (sa + sb) / 2.0


# --------------------------------------------------------------------------------------------
# Qab/f and Nab/f


_CHUNK = 32  # rows per block for elementwise pipelines (keeps temporaries cache-resident)


def _row_blocks(rows: int):
    for r0 in range(0, rows, _CHUNK):
        yield r0, min(rows, r0 + _CHUNK)


def _qabf_vifb_plane(p: np.ndarray, scale: float, divide: bool) -> tuple[np.ndarray, np.ndarray]:
    """Strength and angle from a zero-padded block (``conv2(..., 'same')`` responses).

    conv2 flips the kernel: conv2(x, [-1 0 1; -2 0 2; -1 0 1]) = left - right (vertically
    smoothed) and conv2(x, [1 2 1; 0 0 0; -1 -2 -1]) = below - above (horizontally smoothed).
    The signs matter: where S_x == 0 the angle is fixed at +pi/2.  The responses are computed
    exactly on the 8-bit integers, then scaled (conv2 is linear); exact ties g_A == g_F
    therefore stay ties whatever the scale.
    """
    dx, sy = sobel_from_padded(p)
    sx = np.negative(dx, out=dx)  # left - right
    if divide:
        sx /= scale
        sy /= scale
    else:
        sx *= scale
        sy *= scale
    g = sx * sx
    g += sy * sy
    np.sqrt(g, out=g)
    nz = sx != 0
    alpha = np.divide(sy, sx, out=sy, where=nz)
    np.arctan(alpha, out=alpha, where=nz)
    np.copyto(alpha, math.pi / 2.0, where=~nz)
    return g, alpha


def _qabf_vifb_q(gx: np.ndarray, ax: np.ndarray, gf: np.ndarray, af: np.ndarray) -> np.ndarray:
    tg, kg, dg, ta, ka, da = 0.9994, -15.0, 0.5, 0.9879, -22.0, 0.8
    mx = np.maximum(gx, gf)
    # G = gF/gA if gA > gF, gA/gF if gA < gF: both are min/max.
    ratio = np.minimum(gx, gf)
    np.divide(ratio, mx, out=ratio, where=mx > 0)
    # reference quirk: the strength "ratio" is g_F, not 1, where g_A == g_F
    np.copyto(ratio, gf, where=gx == gf)
    ratio -= dg
    ratio *= kg
    np.exp(ratio, out=ratio)
    ratio += 1.0
    qg = np.divide(tg, ratio, out=ratio)
    orient = np.subtract(ax, af, out=mx)
    np.abs(orient, out=orient)
    orient *= -ka / (math.pi / 2.0)  # ka * (1 - |d|/(pi/2) - da) = ka (1 - da) - ka |d| 2/pi
    orient += ka * (1.0 - da)
    np.exp(orient, out=orient)
    orient += 1.0
    qa = np.divide(ta, orient, out=orient)
    qg *= qa
    return qg


def qabf_vifb(a: np.ndarray, b: np.ndarray, f: np.ndarray, unit_range: bool = False) -> float:
    """VIFB ``metricsQabf`` (= ``analysis_Qabf.m``).

    VIFB evaluates ``255 * im2double(double(x))``, i.e. the 8-bit values times 255 (0..65025);
    ``unit_range=True`` evaluates ``im2double`` data ``x / 255`` instead (hli1221 and
    Linfeng-Tang call ``analysis_Qabf`` that way).  Only the tie rule (``G = g_F`` where
    ``g_A == g_F``) sees the scale.  The Sobel responses are computed exactly on the integers
    and then scaled, so ties are exact ties; on ``x / 255`` data MATLAB's ``conv2`` rounds
    first and may break a coincidental tie between different neighbourhoods (a limitation of
    the ``"hli"`` parity mode only: on VIFB's integer data every step is exact).
    """
    pa, pb, pf = np.pad(a, 1), np.pad(b, 1), np.pad(f, 1)
    nume = deno = 0.0
    for r0, r1 in _row_blocks(f.shape[0]):
        blk = slice(r0, r1 + 2)
        ga, aa = _qabf_vifb_plane(pa[blk], 255.0, unit_range)
        gb, ab = _qabf_vifb_plane(pb[blk], 255.0, unit_range)
        gf, af = _qabf_vifb_plane(pf[blk], 255.0, unit_range)
        deno += float(ga.sum() + gb.sum())
        nume += float(np.vdot(_qabf_vifb_q(ga, aa, gf, af), ga))
        nume += float(np.vdot(_qabf_vifb_q(gb, ab, gf, af), gb))
    return nume / deno if deno != 0.0 else math.nan


def _sobel_fn_matlab_order(e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kumar's ``sobel_fn`` on a padded block, in MATLAB's ``sum(sum(w .* t))`` order.

    Column sums first (top to bottom), then the three column sums left to right.  On 8-bit
    integers every step is exact and any order gives the same result; on ``x / 255`` data the
    order decides how exact ties between gradient magnitudes round, and N^AB/F's strict
    comparisons ``g_F > g_A`` see those ties.
    """
    r0, r1, r2 = e[:-2], e[1:-1], e[2:]
    width = e.shape[1] - 2

    def col(r: np.ndarray, j: int) -> np.ndarray:
        return r[:, j : j + width]

    # gv: template [-1 0 1; -2 0 2; -1 0 1] / 8 (middle column contributes exact zeros)
    c1 = (col(r0, 0) * -0.125 + col(r1, 0) * -0.25) + col(r2, 0) * -0.125
    c3 = (col(r0, 2) * 0.125 + col(r1, 2) * 0.25) + col(r2, 2) * 0.125
    gv = c1 + c3
    # gh: template [-1 -2 -1; 0 0 0; 1 2 1] / 8 (middle row contributes exact zeros)
    k = (0.125, 0.25, 0.125)
    cs = [col(r0, j) * -k[j] + col(r2, j) * k[j] for j in range(3)]
    gh = (cs[0] + cs[1]) + cs[2]
    return gv, gh


def _kumar_plane(e: np.ndarray, matlab_order: bool = False) -> tuple[np.ndarray, ...]:
    """Strength ``g`` and the responses ``(gv, gh)`` of Kumar's ``sobel_fn`` on a padded block.

    sobel_fn correlates with [-1 0 1; -2 0 2; -1 0 1]/8 (gv) and [-1 -2 -1; 0 0 0; 1 2 1]/8
    (gh); its border (per_extn_im_fn) mirrors without repeating the edge.
    """
    if matlab_order:
        gv, gh = _sobel_fn_matlab_order(e)
    else:
        gv, gh = sobel_from_padded(e)
        gv *= 0.125
        gh *= 0.125
    g = gh * gh
    g += gv * gv
    np.sqrt(g, out=g)
    return g, gv, gh


def _kumar_angle(gv: np.ndarray, gh: np.ndarray) -> np.ndarray:
    """atan(gv / gh); +-pi/2 where gh == 0 (MATLAB atan(+-Inf)); 0 where both are 0."""
    zero = gh == 0
    alpha = np.divide(gv, gh, out=np.zeros_like(gv), where=~zero)
    np.arctan(alpha, out=alpha)
    if zero.any():
        alpha[zero] = (math.pi / 2.0) * np.sign(gv[zero])
    return alpha


def _kumar_q(gx: np.ndarray, ax: np.ndarray, gf: np.ndarray, af: np.ndarray) -> np.ndarray:
    nrg, kg, sg, nra, ka, sa = 0.9999, 19.0, 0.5, 0.9995, 22.0, 0.5
    mx = np.maximum(gx, gf)
    # 0 when either magnitude is 0 (then min == 0 as magnitudes are >= 0), else min/max
    ratio = np.divide(np.minimum(gx, gf), mx, out=np.zeros_like(mx), where=mx > 0)
    ratio -= sg
    ratio *= -kg
    np.exp(ratio, out=ratio)
    ratio += 1.0
    qg = np.divide(nrg, ratio, out=ratio)
    orient = np.subtract(ax, af)
    np.abs(orient, out=orient)
    orient -= math.pi / 2.0
    np.abs(orient, out=orient)
    orient *= -ka * 2.0 / math.pi
    orient += ka * sa
    np.exp(orient, out=orient)
    orient += 1.0
    qa = np.divide(nra, orient, out=orient)
    qg *= qa
    return np.sqrt(qg, out=qg)


def _kumar_weight(g: np.ndarray) -> np.ndarray:
    """w = g^1.5 where g >= T_d = 2, else w_min = 0.001."""
    w = np.sqrt(g)
    w *= g
    np.copyto(w, 0.001, where=g < 2.0)
    return w


def _kumar_sums(
    a: np.ndarray, b: np.ndarray, f: np.ndarray, unit_range: bool, want: str
) -> tuple[float, float]:
    """Blockwise sums of Kumar's ``objective_fusion_perform_fn``.

    Returns ``(sum(w_A + w_B), numerator)`` with the numerator of QABF (``want="q"``), NABF
    (``"n"``) or NABF1 (``"n1"``).
    """
    if unit_range:  # im2double: x / 255, evaluated in MATLAB's summation order
        a, b, f = a / 255.0, b / 255.0, f / 255.0
    pads = [np.pad(x, 1, mode="reflect") for x in (a, b, f)]
    wsum = num = 0.0
    for r0, r1 in _row_blocks(f.shape[0]):
        blk = slice(r0, r1 + 2)
        ga, gva, gha = _kumar_plane(pads[0][blk], unit_range)
        gb, gvb, ghb = _kumar_plane(pads[1][blk], unit_range)
        gf, gvf, ghf = _kumar_plane(pads[2][blk], unit_range)
        wa = _kumar_weight(ga)
        wb = _kumar_weight(gb)
        wsum += float(wa.sum() + wb.sum())
        if want == "q":
            af = _kumar_angle(gvf, ghf)
            num += float(np.vdot(_kumar_q(ga, _kumar_angle(gva, gha), gf, af), wa))
            num += float(np.vdot(_kumar_q(gb, _kumar_angle(gvb, ghb), gf, af), wb))
            continue
        # NABF / NABF1 only sum where g_F > g_A and g_F > g_B: evaluate Q there only
        na = (gf > ga) & (gf > gb)
        if not na.any():
            continue
        gf = gf[na]
        af = _kumar_angle(gvf[na], ghf[na])
        qaf = _kumar_q(ga[na], _kumar_angle(gva[na], gha[na]), gf, af)
        qbf = _kumar_q(gb[na], _kumar_angle(gvb[na], ghb[na]), gf, af)
        wa = wa[na]
        wb = wb[na]
        if want == "n":
            num += float(((1.0 - qaf) * wa + (1.0 - qbf) * wb).sum())
        else:
            num += float(((2.0 - qaf - qbf) * (wa + wb)).sum())
    return wsum, num


def qabf_kumar(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Petrovic Q^AB/F as in Kumar's ``objective_fusion_perform_fn`` (0-255 data)."""
    wsum, num = _kumar_sums(a, b, f, False, "q")
    return num / wsum


def nabf(
    a: np.ndarray, b: np.ndarray, f: np.ndarray, unit_range: bool = False, petrovic: bool = False
) -> float:
    """Kumar's modified N^AB/F (``objective_fusion_perform_fn``, output NABF).

    ``unit_range=True`` reproduces hli1221's ``im2double`` inputs (no pixel reaches T_d = 2,
    so every weight is 0.001); ``petrovic=True`` returns Petrovic's original artefact measure
    (output NABF1).  Q^AF is only evaluated where the artefact condition
    ``g_F > g_A and g_F > g_B`` holds (elsewhere it does not enter the sum).
    """
    wsum, num = _kumar_sums(a, b, f, unit_range, "n1" if petrovic else "n")
    return num / wsum


# --------------------------------------------------------------------------------------------
# VIFF (Han et al. 2013, VIFF_Public.m)


_VIFF_WINDOWS = tuple(
    fspecial_gaussian_1d(2 ** (5 - s) + 1, (2 ** (5 - s) + 1) / 5.0) for s in range(1, 5)
)
_VIFF_P = np.array([1.0, 0.0, 0.15, 1.0]) / 2.15


def _viff_source(mu1, xx, xd, mu2, sigma2_sq, sq: float):
    """``ComVidVindG`` for one source at one scale, before the logarithms.

    Returns ``(g^2 s1 / (sv + sq), s1 / sq, g)``; VID and VIND are ``log10(1 + .)`` of the
    first two (taken after the per-pixel source selection, which only looks at g).
    """
    sigma1_sq = xx - mu1 * mu1
    sigma12 = xd - mu1 * mu2
    np.maximum(sigma1_sq, 0.0, out=sigma1_sq)
    g = sigma12 / (sigma1_sq + 1e-10)
    sv_sq = sigma2_sq - g * sigma12
    m = sigma1_sq < 1e-10
    np.copyto(g, 0.0, where=m)
    np.copyto(sv_sq, sigma2_sq, where=m)
    np.copyto(sigma1_sq, 0.0, where=m)
    m = sigma2_sq < 1e-10
    np.copyto(g, 0.0, where=m)
    np.copyto(sv_sq, 0.0, where=m)
    m = g < 0
    np.copyto(sv_sq, sigma2_sq, where=m)
    np.copyto(g, 0.0, where=m)
    np.copyto(sv_sq, 1e-10, where=sv_sq <= 1e-10)
    sv_sq += sq
    vid = g * g
    vid *= sigma1_sq
    vid /= sv_sq
    vind = sigma1_sq
    vind /= sq
    return vid, vind, g


def viff(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Han et al. 2013 ``VIFF_Public.m`` (gray planes; A is ``Im1``, B is ``Im2``).

    NaN when a scale's 'valid' region is empty (images smaller than 41 pixels on a side),
    as the reference code then divides 0 by 0.  Maps are kept transposed internally (see
    :func:`gauss_filter_valid_t_stack`); only elementwise operations and sums use them.
    """
    sq = 0.005 * 255.0 * 255.0
    c = 1e-7
    total = 0.0
    src = np.stack([a, b, f])
    for s, win in enumerate(_VIFF_WINDOWS, start=1):
        if s > 1:
            if min(src.shape[1:]) < win.size:
                return math.nan
            src = gauss_filter_valid_t_stack(src, win, step=2)
        if min(src.shape[1:]) < win.size:
            return math.nan
        r1, r2, d = src
        st = np.empty((8, *d.shape))
        st[:3] = src
        np.multiply(r1, r1, out=st[3])
        np.multiply(r2, r2, out=st[4])
        np.multiply(d, d, out=st[5])
        np.multiply(r1, d, out=st[6])
        np.multiply(r2, d, out=st[7])
        m = gauss_filter_valid_t_stack(st, win)
        vid_sum = vind_sum = 0.0
        for r0, r1 in _row_blocks(m.shape[1]):
            blk = m[:, r0:r1]
            mu2 = blk[2]
            sigma2_sq = blk[5] - mu2 * mu2
            np.maximum(sigma2_sq, 0.0, out=sigma2_sq)
            vid1, vind1, g1 = _viff_source(blk[0], blk[3], blk[6], mu2, sigma2_sq, sq)
            vid2, vind2, g2 = _viff_source(blk[1], blk[4], blk[7], mu2, sigma2_sq, sq)
            pick1 = g1 < g2  # the reference keeps source 2 on ties
            vid = np.where(pick1, vid1, vid2)
            vid += 1.0
            vind = np.where(pick1, vind1, vind2)
            vind += 1.0
            vid_sum += float(np.log10(vid, out=vid).sum())
            vind_sum += float(np.log10(vind, out=vind).sum())
        count = m.shape[1] * m.shape[2]
        fs = (vid_sum + c * count) / (vind_sum + c * count)
        total += _VIFF_P[s - 1] * fs
    return total


# --------------------------------------------------------------------------------------------
# Chen-Blum (Qcb) and Chen-Varshney (Qcv), Z. Liu's metricChenBlum.m / metricChen.m via VIFB


def _normalize1(x: np.ndarray) -> np.ndarray:
    """Liu's ``normalize1``: min-max to 0..255 and round; all-zero input kept.

    A constant non-zero image divides 0 by 0 in the reference and yields NaN everywhere.
    Evaluated per grey level through a table (planes hold 8-bit integers).
    """
    hi = x.max()
    lo = x.min()
    if hi == 0 and lo == 0:
        return x.copy()
    levels = np.arange(256, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        lut = round_half_away((levels - lo) / (hi - lo) * 255.0)
    return _via_lut(x, lut)


def _qcb_gauss(sigma: float) -> tuple[np.ndarray, float]:
    # gaussian2d: exp(-(x²+y²)/(2 sigma²)) / (2 pi sigma²) on the -15..15 grid, NOT normalised.
    x = np.arange(-15, 16, dtype=np.float64)
    return np.exp(-(x * x) / (2.0 * sigma * sigma)), 1.0 / (2.0 * math.pi * sigma * sigma)


_QCB_G1 = _qcb_gauss(2.0)
_QCB_G2 = _qcb_gauss(4.0)


@lru_cache(maxsize=8)
def _qcb_dog(rows: int, cols: int) -> np.ndarray:
    """Contrast sensitivity DoG of metricChenBlum on the real-FFT grid (HH = rows/30...)."""
    f0, f1, aa = 15.3870, 1.3456, 0.7622
    u, v = fft_freq_grid(rows, cols)
    u = (cols / 30.0) * u
    v = (rows / 30.0) * v
    r = np.sqrt(u * u + v * v)
    sd = np.exp(-((r / f0) ** 2)) - aa * np.exp(-((r / f1) ** 2))
    sd.setflags(write=False)
    return sd


@lru_cache(maxsize=8)
def _qcv_csf(rows: int, cols: int) -> np.ndarray:
    """Mannos-Sakrison CSF of metricChen on the real-FFT grid (u = cols/8 * f_u ...)."""
    u, v = fft_freq_grid(rows, cols)
    u = (cols / 8.0) * u
    v = (rows / 8.0) * v
    r = np.sqrt(u * u + v * v)
    theta_m = 2.6 * (0.0192 + 0.144 * r) * np.exp(-((0.144 * r) ** 1.1))
    theta_m.setflags(write=False)
    return theta_m


def _qcb_contrast(stack: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """C^p / (C^q + Z) with p = 3, q = 2, k = h = 1 for a ``(K, H, W)`` stack of images."""
    rows, cols = stack.shape[-2:]
    norm = np.stack([_normalize1(x) for x in stack])
    y = sfft.irfft2(sfft.rfft2(norm) * sd, s=(rows, cols))
    buff, buff1 = linear_filter_same_fft(y, [_QCB_G1, _QCB_G2])
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.divide(buff, buff1)
        c -= 1.0
        np.abs(c, out=c)
        c2 = c * c
        c *= c2  # C^3
        c2 += 0.0001
        c /= c2
    return c


def qcb(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Chen-Blum metric, Z. Liu's ``metricChenBlum.m`` as wrapped by VIFB ``metricsQcb``.

    Constants: f0 15.3870, f1 1.3456, a 0.7622 (DoG scaled by size/30), k = h = 1, p = 3,
    q = 2, Z = 1e-4, 31x31 Gaussians with sigma 2 and 4 (unnormalised, zero padding).
    """
    sd = _qcb_dog(*f.shape)
    c1p, c2p, cfp = _qcb_contrast(np.stack([a, b, f]), sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        # where(C1P < CfP, C1P / CfP, CfP / C1P) is min / max (NaN for 0 / 0 either way)
        q1f = np.minimum(c1p, cfp)
        q1f /= np.maximum(c1p, cfp)
        q2f = np.minimum(c2p, cfp)
        q2f /= np.maximum(c2p, cfp)
        s1 = np.multiply(c1p, c1p)
        s2 = np.multiply(c2p, c2p)
        den = s1 + s2
        lam1 = np.divide(s1, den, out=s1)
        lam2 = np.divide(s2, den, out=s2)
        lam1 *= q1f
        lam2 *= q2f
        lam1 += lam2
    return float(lam1.mean())


def qcv(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Chen-Varshney metric, Z. Liu's ``metricChen.m`` as wrapped by VIFB ``metricsQcv``.

    Lower is better.  Regions of 16x16 (``blkproc`` zero-pads partial tiles), alpha = 5,
    Mannos-Sakrison CSF with ``u = cols/8 * f_u``, ``v = rows/8 * f_v``.
    """
    window = 16
    rows, cols = f.shape
    a = _normalize1(a)
    b = _normalize1(b)
    f = _normalize1(f)

    def saliency(x: np.ndarray) -> np.ndarray:
        gx, gy = sobel_zero(x)
        gx *= gx
        gy *= gy
        g = np.sqrt(gx + gy, out=gx)
        g5 = np.multiply(g, g, out=gy)
        g5 *= g5
        g5 *= g  # G^5 (alpha = 5), by multiplication rather than pow
        return block_reduce_sum(g5, window)

    lam1 = saliency(a)
    lam2 = saliency(b)
    theta_m = _qcv_csf(rows, cols)

    def distortion(x: np.ndarray) -> np.ndarray:
        df = sfft.irfft2(sfft.rfft2(x - f) * theta_m, s=(rows, cols))
        df *= df
        return block_reduce_sum(df, window) / float(window * window)

    d1 = distortion(a)
    d2 = distortion(b)
    num = np.float64((lam1 * d1 + lam2 * d2).sum())
    den = np.float64((lam1 + lam2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        # no saliency at all (e.g. all-zero images): 0 / 0 = NaN, as MATLAB gives
        return float(num / den)
