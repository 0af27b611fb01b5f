"""Tests of jointfilter.metrics.

Each fusion metric is checked against an independent, loop-style transcription of its
reference MATLAB code (written here from the MATLAB semantics: conv2/filter2/imfilter borders,
MATLAB ``round``, ``freqspace``, ``blkproc`` ...), against hand-computed values on tiny images,
and against properties (EN of a constant image is 0, MI(x, x, x) = 2 EN(x) ln 2 under VIFB,
SSIM sum = 2, Qab/f of F = A = B as the reference code gives, ...).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from jointfilter.errors import DTypeError, JointFilterError, ParameterError, ShapeError
from jointfilter.metrics import (
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
    psnr,
    qabf,
    qcb,
    qcv,
    rmse,
    scd,
    spatial_frequency,
    ssim,
    standard_deviation,
    viff,
)

RTOL = 1e-9

# ---------------------------------------------------------------------------------------------
# fixtures


def _smooth_random(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """uint8 image with spatial structure, spanning 0..255."""
    from scipy import ndimage

    x = ndimage.gaussian_filter(rng.random(shape), sigma) + 0.05 * rng.random(shape)
    x = (x - x.min()) / (x.max() - x.min())
    return np.round(x * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def tiny() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(infrared, visible, fused) 9x11 uint8 triple (odd and even-ish sizes)."""
    rng = np.random.default_rng(1)
    ir = rng.integers(0, 256, (9, 11), dtype=np.uint8)
    vis = rng.integers(0, 256, (9, 11), dtype=np.uint8)
    fused = (ir.astype(int) + vis.astype(int) + rng.integers(-20, 21, (9, 11))) // 2
    return ir, vis, np.clip(fused, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def medium() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(infrared, visible, fused) 50x46 uint8 triple with structure (VIFF needs >= 41)."""
    rng = np.random.default_rng(2)
    ir = _smooth_random(rng, (50, 46), 2.0)
    vis = _smooth_random(rng, (50, 46), 1.0)
    fused = np.maximum(ir, vis)
    fused[::7, ::5] = 17  # a few artefacts
    return ir, vis, fused


# ---------------------------------------------------------------------------------------------
# independent MATLAB-style reference transcriptions (loops, 2-D scipy.signal filters)


def m_round(x):
    """MATLAB round (half away from zero), scalar or array, via Python's exact arithmetic."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for idx, v in np.ndenumerate(x):
        fl = math.floor(abs(v))
        out[idx] = math.copysign(fl + (1 if abs(v) - fl >= 0.5 else 0), v)
    return out


def conv2_same(x, h):
    return signal.convolve2d(x, h, mode="same", boundary="fill")


def filter2(h, x, shape):
    return signal.correlate2d(x, h, mode=shape, boundary="fill")


def fspecial_gaussian(n, sigma):
    r = (n - 1) / 2
    y, x = np.mgrid[-r : r + 1, -r : r + 1]
    h = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0
    return h / h.sum()


def freqspace(rows, cols):
    f1 = (np.arange(cols) - math.floor(cols / 2)) * (2 / cols)
    f2 = (np.arange(rows) - math.floor(rows / 2)) * (2 / rows)
    return np.meshgrid(f1, f2)


def ref_entropy(f):
    m, n = f.shape
    h = np.zeros(256)
    for i in range(m):
        for j in range(n):
            h[math.floor(f[i, j])] += 1
    res = 0.0
    for k in range(256):
        p = h[k] / (m * n)
        if p != 0:
            res += p * math.log2(p)
    return -res


def ref_sf_vifb(f):
    m, n = f.shape
    rf = sum((f[i, j] - f[i, j - 1]) ** 2 for i in range(m) for j in range(1, n)) / (m * n)
    cf = sum((f[i, j] - f[i - 1, j]) ** 2 for j in range(n) for i in range(1, m)) / (m * n)
    return math.sqrt(rf + cf)


def matlab_gradient(f):
    m, n = f.shape
    gx = np.zeros((m, n))
    gy = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            if j == 0:
                gx[i, j] = f[i, 1] - f[i, 0]
            elif j == n - 1:
                gx[i, j] = f[i, n - 1] - f[i, n - 2]
            else:
                gx[i, j] = (f[i, j + 1] - f[i, j - 1]) / 2
            if i == 0:
                gy[i, j] = f[1, j] - f[0, j]
            elif i == m - 1:
                gy[i, j] = f[m - 1, j] - f[m - 2, j]
            else:
                gy[i, j] = (f[i + 1, j] - f[i - 1, j]) / 2
    return gx, gy


def ref_ag_vifb(f):
    gx, gy = matlab_gradient(f)
    r, c = f.shape
    return np.sqrt((gx**2 + gy**2) / 2).sum() / ((r - 1) * (c - 1))


def ref_ei(f):
    h = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float)
    p = np.pad(f, 1, mode="edge")
    gx = signal.correlate2d(p, h, mode="valid")
    gy = signal.correlate2d(p, h.T, mode="valid")
    return np.sqrt(gx * gx + gy * gy).mean()


def ref_df(f):
    m, n = f.shape
    g = 0.0
    for i in range(m - 1):
        for j in range(n - 1):
            dx = f[i, j] - f[i, j + 1]
            dy = f[i, j] - f[i + 1, j]
            g += math.sqrt((dx * dx + dy * dy) / 2)
    return g / ((m - 1) * (n - 1))


def ref_mutinf_vifb(a, b):
    a = a.astype(float)
    b = b.astype(float)
    m, n = a.shape
    a = (a - a.min()) / (a.max() - a.min()) if a.max() != a.min() else np.zeros((m, n))
    b = (b - b.min()) / (b.max() - b.min()) if b.max() != b.min() else np.zeros((m, n))
    a = m_round(a * 255).astype(int)
    b = m_round(b * 255).astype(int)
    hab = np.zeros((256, 256))
    ha = np.zeros(256)
    hb = np.zeros(256)
    for i in range(m):
        for j in range(n):
            hab[a[i, j], b[i, j]] += 1
            ha[a[i, j]] += 1
            hb[b[i, j]] += 1

    def ent(h):
        p = h[h != 0] / h.sum()
        return -(p * np.log(p)).sum()

    return ent(ha) + ent(hb) - ent(hab)


def ref_mutinf_tang(a, b):
    def ent(h):
        p = h[h != 0] / h.sum()
        return -(p * np.log2(p)).sum()

    a = a.astype(int)
    b = b.astype(int)
    hab = np.zeros((256, 256))
    for x, y in zip(a.ravel(), b.ravel(), strict=True):
        hab[x, y] += 1
    return ent(hab.sum(1)) + ent(hab.sum(0)) - ent(hab)


def ref_ce(a, f):
    m, n = a.shape
    x1 = np.zeros(256)
    x2 = np.zeros(256)
    for i in range(m):
        for j in range(n):
            x1[int(a[i, j])] += 1
            x2[int(f[i, j])] += 1
    res = 0.0
    for k in range(256):
        p1 = x1[k] / (m * n)
        p2 = x2[k] / (m * n)
        if p1 != 0 and p2 != 0:
            res += p1 * math.log2(p1 / p2)
    return res


def ref_ssim_pair(x, y, padding="valid"):
    w = fspecial_gaussian(11, 1.5)
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    if padding == "valid":

        def filt(z):
            return filter2(w, z, "valid")
    else:

        def filt(z):
            return signal.correlate2d(np.pad(z, 5, mode="edge"), w, mode="valid")

    ua, ub = filt(x), filt(y)
    sa = filt(x * x) - ua * ua
    sb = filt(y * y) - ub * ub
    sab = filt(x * y) - ua * ub
    m = ((2 * ua * ub + c1) * (2 * sab + c2)) / ((ua**2 + ub**2 + c1) * (sa + sb + c2))
    return m.mean()


def ref_qabf_vifb(a, b, f, unit_range=False):
    tg, kg, dg, ta, ka, da = 0.9994, -15, 0.5, 0.9879, -22, 0.8
    h1 = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float)
    h3 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)

    def grad(p):
        # exact responses on the integers, then the scale (VIFB: 255 * x; hli: x / 255)
        sx = conv2_same(p, h3)
        sy = conv2_same(p, h1)
        sx, sy = (sx / 255, sy / 255) if unit_range else (sx * 255, sy * 255)
        g = np.sqrt(sx**2 + sy**2)
        m, n = sx.shape
        al = np.zeros((m, n))
        for i in range(m):
            for j in range(n):
                al[i, j] = math.pi / 2 if sx[i, j] == 0 else math.atan(sy[i, j] / sx[i, j])
        return g, al

    ga, aa = grad(a)
    gb, ab = grad(b)
    gf, af = grad(f)

    def q(gx, ax):
        m, n = gx.shape
        out = np.zeros((m, n))
        for i in range(m):
            for j in range(n):
                if gx[i, j] > gf[i, j]:
                    gr = gf[i, j] / gx[i, j]
                elif gx[i, j] == gf[i, j]:
                    gr = gf[i, j]
                else:
                    gr = gx[i, j] / gf[i, j]
                ar = 1 - abs(ax[i, j] - af[i, j]) / (math.pi / 2)
                qg = tg / (1 + math.exp(kg * (gr - dg)))
                qa = ta / (1 + math.exp(ka * (ar - da)))
                out[i, j] = qg * qa
        return out

    qaf = q(ga, aa)
    qbf = q(gb, ab)
    return (qaf * ga + qbf * gb).sum() / (ga + gb).sum()


def per_extn(x):
    """per_extn_im_fn(x, 3) transcribed: periodic (mirror without edge) extension by 1."""
    p, q = x.shape
    out = np.zeros((p + 2, q + 2))
    out[1 : p + 1, 1 : q + 1] = x
    out[0, :] = out[2, :]
    out[p + 1, :] = out[p - 1, :]
    out[:, 0] = out[:, 2]
    out[:, q + 1] = out[:, q - 1]
    return out


def matlab_sum2(x):
    """sum(sum(x)) in MATLAB's order: each column top to bottom, then left to right."""
    cols = []
    for j in range(x.shape[1]):
        c = 0.0
        for i in range(x.shape[0]):
            c = c + float(x[i, j])
        cols.append(c)
    t = 0.0
    for c in cols:
        t = t + c
    return t


def ref_kumar(a, b, f):
    """objective_fusion_perform_fn transcribed: returns (QABF, NABF, NABF1)."""
    vt = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 8
    ht = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]) / 8

    def sob(x):
        e = per_extn(x)
        p, q = e.shape
        gv = np.zeros((p - 2, q - 2))
        gh = np.zeros((p - 2, q - 2))
        for i in range(1, p - 1):
            for j in range(1, q - 1):
                w = e[i - 1 : i + 2, j - 1 : j + 2]
                gv[i - 1, j - 1] = matlab_sum2(w * vt)
                gh[i - 1, j - 1] = matlab_sum2(w * ht)
        return gv, gh

    gva, gha = sob(a)
    gvb, ghb = sob(b)
    gvf, ghf = sob(f)
    ga = np.sqrt(gha**2 + gva**2)
    gb = np.sqrt(ghb**2 + gvb**2)
    gf = np.sqrt(ghf**2 + gvf**2)
    p, q = f.shape

    def ang(gv, gh, i, j):
        if gv[i, j] == 0 and gh[i, j] == 0:
            return 0.0
        if gh[i, j] == 0:
            return math.copysign(math.pi / 2, gv[i, j])
        return math.atan(gv[i, j] / gh[i, j])

    def rel(gx, i, j):
        if gx[i, j] == 0 or gf[i, j] == 0:
            return 0.0
        if gx[i, j] > gf[i, j]:
            return gf[i, j] / gx[i, j]
        return gx[i, j] / gf[i, j]

    num_q = num_n = num_n1 = wsum = 0.0
    for i in range(p):
        for j in range(q):
            af_ = ang(gvf, ghf, i, j)
            qs = []
            for gx, gv, gh in ((ga, gva, gha), (gb, gvb, ghb)):
                ar = abs(abs(ang(gv, gh, i, j) - af_) - math.pi / 2) * 2 / math.pi
                qg = 0.9999 / (1 + math.exp(-19 * (rel(gx, i, j) - 0.5)))
                qa = 0.9995 / (1 + math.exp(-22 * (ar - 0.5)))
                qs.append(math.sqrt(qg * qa))
            wa = ga[i, j] ** 1.5 if ga[i, j] >= 2 else 0.001
            wb = gb[i, j] ** 1.5 if gb[i, j] >= 2 else 0.001
            wsum += wa + wb
            num_q += qs[0] * wa + qs[1] * wb
            if gf[i, j] > ga[i, j] and gf[i, j] > gb[i, j]:
                num_n += (1 - qs[0]) * wa + (1 - qs[1]) * wb
                num_n1 += (2 - qs[0] - qs[1]) * (wa + wb)
    return num_q / wsum, num_n / wsum, num_n1 / wsum


def ref_viff(im1, im2, imf):
    sq = 0.005 * 255 * 255
    c = 1e-7
    p = np.array([1, 0, 0.15, 1]) / 2.15

    def com(ref, dist):
        nums, dens, gs = [], [], []
        for scale in range(1, 5):
            n = 2 ** (4 - scale + 1) + 1
            win = fspecial_gaussian(n, n / 5)
            if scale > 1:
                ref = filter2(win, ref, "valid")[::2, ::2]
                dist = filter2(win, dist, "valid")[::2, ::2]
            mu1 = filter2(win, ref, "valid")
            mu2 = filter2(win, dist, "valid")
            s1 = filter2(win, ref * ref, "valid") - mu1 * mu1
            s2 = filter2(win, dist * dist, "valid") - mu2 * mu2
            s12 = filter2(win, ref * dist, "valid") - mu1 * mu2
            s1[s1 < 0] = 0
            s2[s2 < 0] = 0
            g = s12 / (s1 + 1e-10)
            sv = s2 - g * s12
            m = s1 < 1e-10
            g[m] = 0
            sv[m] = s2[m]
            s1[m] = 0
            m = s2 < 1e-10
            g[m] = 0
            sv[m] = 0
            m = g < 0
            sv[m] = s2[m]
            g[m] = 0
            sv[sv <= 1e-10] = 1e-10
            gs.append(g)
            nums.append(np.log10(1 + g**2 * s1 / (sv + sq)))
            dens.append(np.log10(1 + s1 / sq))
        return nums, dens, gs

    n1, d1, g1 = com(im1.astype(float), imf.astype(float))
    n2, d2, g2 = com(im2.astype(float), imf.astype(float))
    total = 0.0
    for i in range(4):
        pick = g1[i] < g2[i]
        z = np.where(pick, n1[i], n2[i])
        m = np.where(pick, d1[i], d2[i])
        total += p[i] * (z + c).sum() / (m + c).sum()
    return total


def normalize1(x):
    x = x.astype(float)
    if x.max() == 0 and x.min() == 0:
        return x
    return m_round((x - x.min()) / (x.max() - x.min()) * 255)


def ref_qcb(im1, im2, fused):
    im1, im2, fused = normalize1(im1), normalize1(im2), normalize1(fused)
    f0, f1, a = 15.3870, 1.3456, 0.7622
    hang, lie = im1.shape
    u, v = freqspace(hang, lie)
    u = (lie / 30) * u
    v = (hang / 30) * v
    r = np.sqrt(u**2 + v**2)
    sd = np.exp(-((r / f0) ** 2)) - a * np.exp(-((r / f1) ** 2))

    def dog(x):
        return np.fft.ifft2(np.fft.ifftshift(np.fft.fftshift(np.fft.fft2(x)) * sd))

    xg, yg = np.meshgrid(np.arange(-15, 16), np.arange(-15, 16))

    def g2d(s):
        return np.exp(-(xg * xg + yg * yg) / (2 * s * s)) / (2 * math.pi * s * s)

    g1, g2 = g2d(2), g2d(4)

    def cp(x):
        buff = signal.correlate2d(x, g1, mode="same")
        buff1 = signal.correlate2d(x, g2, mode="same")
        cm = np.abs(buff / buff1 - 1)
        return cm**3 / (cm**2 + 0.0001)

    c1p, c2p, cfp = cp(dog(im1)), cp(dog(im2)), cp(dog(fused))
    q1f = np.where(c1p < cfp, c1p / cfp, cfp / c1p)
    q2f = np.where(c2p < cfp, c2p / cfp, cfp / c2p)
    l1 = c1p**2 / (c1p**2 + c2p**2)
    l2 = c2p**2 / (c1p**2 + c2p**2)
    return (l1 * q1f + l2 * q2f).mean()


def ref_qcv(im1, im2, fused):
    im1, im2, fused = normalize1(im1), normalize1(im2), normalize1(fused)
    flt1 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    flt2 = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float)

    def grad(x):
        return np.sqrt(filter2(flt1, x, "same") ** 2 + filter2(flt2, x, "same") ** 2)

    def blkproc(x, fun):
        hang, lie = x.shape
        hb, lb = -(-hang // 16), -(-lie // 16)
        pad = np.zeros((hb * 16, lb * 16), dtype=x.dtype)
        pad[:hang, :lie] = x
        out = np.zeros((hb, lb), dtype=complex if np.iscomplexobj(x) else float)
        for i in range(hb):
            for j in range(lb):
                out[i, j] = fun(pad[i * 16 : i * 16 + 16, j * 16 : j * 16 + 16])
        return out

    r1 = blkproc(grad(im1), lambda x: (x**5).sum())
    r2 = blkproc(grad(im2), lambda x: (x**5).sum())
    hang, lie = im1.shape
    u, v = freqspace(hang, lie)
    u = lie / 8 * u
    v = hang / 8 * v
    r = np.sqrt(u**2 + v**2)
    theta_m = 2.6 * (0.0192 + 0.144 * r) * np.exp(-((0.144 * r) ** 1.1))

    def filt(x):
        return np.fft.ifft2(np.fft.ifftshift(np.fft.fftshift(np.fft.fft2(x)) * theta_m))

    d1 = blkproc(filt(im1 - fused), lambda x: (x**2).mean())
    d2 = blkproc(filt(im2 - fused), lambda x: (x**2).mean())
    return ((r1 * d1 + r2 * d2).sum() / (r1 + r2).sum()).real


def f64(*xs):
    return [np.asarray(x, dtype=float) for x in xs]


# ---------------------------------------------------------------------------------------------
# agreement with the transcriptions


def test_single_image_metrics_match_reference(tiny):
    _, _, fused = tiny
    (f,) = f64(fused)
    assert entropy(fused) == pytest.approx(ref_entropy(f), rel=RTOL)
    assert standard_deviation(fused) == pytest.approx(np.std(f), rel=RTOL)
    assert standard_deviation(fused, variant="thfylsty") == pytest.approx(np.std(f, ddof=1))
    assert spatial_frequency(fused) == pytest.approx(ref_sf_vifb(f), rel=RTOL)
    tang = math.sqrt(np.mean(np.diff(f, axis=0) ** 2) + np.mean(np.diff(f, axis=1) ** 2))
    assert spatial_frequency(fused, variant="tang") == pytest.approx(tang, rel=RTOL)
    assert average_gradient(fused) == pytest.approx(ref_ag_vifb(f), rel=RTOL)
    kum = np.sqrt((f - np.roll(f, -1, 0)) ** 2 + (f - np.roll(f, -1, 1)) ** 2).sum() / f.size
    assert average_gradient(fused, variant="kumar") == pytest.approx(kum, rel=RTOL)
    assert edge_intensity(fused) == pytest.approx(ref_ei(f), rel=RTOL)
    assert definition(fused) == pytest.approx(ref_df(f), rel=RTOL)


def test_information_metrics_match_reference(tiny):
    ir, vis, fused = tiny
    a, b, f = f64(vis, ir, fused)
    mi = ref_mutinf_vifb(a, f) + ref_mutinf_vifb(b, f)
    assert mutual_information(ir, vis, fused) == pytest.approx(mi, rel=RTOL)
    mi_t = ref_mutinf_tang(a, f) + ref_mutinf_tang(b, f)
    assert mutual_information(ir, vis, fused, variant="tang") == pytest.approx(mi_t, rel=RTOL)
    ce = (ref_ce(a, f) + ref_ce(b, f)) / 2
    assert cross_entropy(ir, vis, fused) == pytest.approx(ce, rel=RTOL)


def test_error_and_correlation_metrics_match_reference(tiny):
    ir, vis, fused = tiny
    a, b, f = f64(vis, ir, fused)
    n = f.size
    m_af = math.sqrt(((a - f) ** 2).sum()) / n
    m_bf = math.sqrt(((b - f) ** 2).sum()) / n
    assert rmse(ir, vis, fused) == pytest.approx((m_af + m_bf) / 2, rel=RTOL)
    assert fusion_psnr(ir, vis, fused) == pytest.approx(
        20 * math.log10(255 / math.sqrt((m_af + m_bf) / 2)), rel=RTOL
    )
    mse = 0.5 * ((f - a) ** 2).mean() + 0.5 * ((f - b) ** 2).mean()
    std = 10 * math.log10(255**2 / mse)
    assert fusion_psnr(ir, vis, fused, variant="standard") == pytest.approx(std, rel=RTOL)
    assert fusion_psnr(ir, vis, fused, variant="tang") == pytest.approx(
        std + 20 * math.log10(255), rel=RTOL
    )
    rho = (np.corrcoef(a.ravel(), f.ravel())[0, 1] + np.corrcoef(b.ravel(), f.ravel())[0, 1]) / 2
    assert cc(ir, vis, fused) == pytest.approx(rho, rel=RTOL)
    s = (
        np.corrcoef((f - b).ravel(), a.ravel())[0, 1]
        + np.corrcoef((f - a).ravel(), b.ravel())[0, 1]
    )
    assert scd(ir, vis, fused) == pytest.approx(s, rel=RTOL)


def test_ssim_matches_reference(medium):
    ir, vis, fused = medium
    a, b, f = f64(vis, ir, fused)
    expected = ref_ssim_pair(a, f) + ref_ssim_pair(b, f)
    assert fusion_ssim(ir, vis, fused) == pytest.approx(expected, rel=RTOL)
    hli = (ref_ssim_pair(f, a, "replicate") + ref_ssim_pair(f, b, "replicate")) / 2
    assert fusion_ssim(ir, vis, fused, variant="hli") == pytest.approx(hli, rel=RTOL)


@pytest.mark.parametrize("which", ["tiny", "medium"])
def test_qabf_nabf_match_reference(which, request):
    ir, vis, fused = request.getfixturevalue(which)
    a, b, f = f64(vis, ir, fused)
    assert qabf(ir, vis, fused) == pytest.approx(ref_qabf_vifb(a, b, f), rel=RTOL)
    assert qabf(ir, vis, fused, variant="hli") == pytest.approx(
        ref_qabf_vifb(a, b, f, unit_range=True), rel=RTOL
    )
    q, n, n1 = ref_kumar(a, b, f)
    assert qabf(ir, vis, fused, variant="kumar") == pytest.approx(q, rel=RTOL)
    assert nabf(ir, vis, fused) == pytest.approx(n, rel=RTOL, abs=1e-15)
    assert nabf(ir, vis, fused, variant="petrovic") == pytest.approx(n1, rel=RTOL, abs=1e-15)
    _, n_hli, _ = ref_kumar(a / 255, b / 255, f / 255)  # im2double
    assert nabf(ir, vis, fused, variant="hli") == pytest.approx(n_hli, rel=RTOL, abs=1e-15)


def test_nabf_is_nonzero_for_artefacts(medium):
    ir, vis, fused = medium
    noisy = fused.copy()
    noisy[10:30, 10:30] = np.random.default_rng(0).integers(0, 256, (20, 20))
    assert nabf(ir, vis, noisy) > nabf(ir, vis, fused) > 0


def test_viff_matches_reference(medium):
    ir, vis, fused = medium
    assert viff(ir, vis, fused) == pytest.approx(ref_viff(vis, ir, fused), rel=RTOL)


@pytest.mark.parametrize("shape", [(13, 16), (16, 13), (20, 20), (33, 18)])
def test_qcb_qcv_match_reference(shape):
    rng = np.random.default_rng(sum(shape))
    ir = _smooth_random(rng, shape, 1.5)
    vis = _smooth_random(rng, shape, 0.8)
    fused = (ir.astype(float) * 0.6 + vis * 0.4).astype(np.uint8)
    assert qcb(ir, vis, fused) == pytest.approx(ref_qcb(vis, ir, fused), rel=1e-8)
    assert qcv(ir, vis, fused) == pytest.approx(ref_qcv(vis, ir, fused), rel=1e-8)


# ---------------------------------------------------------------------------------------------
# hand-computed values


def test_hand_computed_single_image_values():
    f = np.array([[0, 0], [255, 255]], dtype=np.uint8)
    assert entropy(f) == pytest.approx(1.0)  # two equiprobable levels
    assert standard_deviation(f) == pytest.approx(127.5)
    # vertical differences 255 in 2 columns; SF = sqrt(2 * 255^2 / 4)
    assert spatial_frequency(f) == pytest.approx(math.sqrt(2 * 255**2 / 4))
    # Tang: mean over the 2 vertical and 2 horizontal differences
    assert spatial_frequency(f, variant="tang") == pytest.approx(255.0)
    # gradient: gy = 255 everywhere, gx = 0; s = 255/sqrt(2) at 4 px; / ((2-1)(2-1))
    assert average_gradient(f) == pytest.approx(4 * 255 / math.sqrt(2))
    # definition: one pixel (0,0): dx = 0, dy = -255
    assert definition(f) == pytest.approx(255 / math.sqrt(2))
    # EI, replicate border: a step below row 1; Sobel rows sum to 4, so |g| = 4 * 90 on rows
    # 1 and 2 and 0 on row 0 -> mean = 6 * 360 / 9
    step = np.array([[0, 0, 0], [0, 0, 0], [90, 90, 90]], dtype=np.uint8)
    assert edge_intensity(step) == pytest.approx(240.0)


def test_hand_computed_pair_values():
    a = np.array([[0, 255], [255, 0]], dtype=np.uint8)  # visible
    b = np.zeros((2, 2), dtype=np.uint8)  # infrared
    f = np.array([[0, 255], [0, 0]], dtype=np.uint8)
    # RMSE (VIFB): sqrt(SSE_AF) = 255, sqrt(SSE_BF) = 255 -> (255/4 + 255/4)/2
    assert rmse(b, a, f) == pytest.approx(255 / 4)
    # PSNR (VIFB): 20 log10(255 / sqrt(255/4)) ; standard: MSE = (255^2/4 + 255^2/4)/2
    assert fusion_psnr(b, a, f) == pytest.approx(20 * math.log10(255 / math.sqrt(255 / 4)))
    assert fusion_psnr(b, a, f, variant="standard") == pytest.approx(10 * math.log10(4))
    # CE: h_A = {0: .5, 255: .5}, h_B = {0: 1}, h_F = {0: .75, 255: .25}
    ce = 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5 * math.log2(0.5 / 0.25)) + 0.5 * math.log2(
        1 / 0.75
    )
    assert cross_entropy(b, a, f) == pytest.approx(ce)
    # MI (VIFB, nats): I(A;F): joint {(0,0):.5, (255,255):.25, (255,0):.25}
    h = lambda *p: -sum(q * math.log(q) for q in p)  # noqa: E731
    i_af = h(0.5, 0.5) + h(0.75, 0.25) - h(0.5, 0.25, 0.25)
    # B is constant -> normalised to zeros -> I(B;F) = H(F) - H(F) = 0
    assert mutual_information(b, a, f) == pytest.approx(i_af)
    assert mutual_information(b, a, f, variant="tang") == pytest.approx(i_af / math.log(2))


# ---------------------------------------------------------------------------------------------
# properties


def test_entropy_of_constant_is_zero():
    assert entropy(np.full((5, 6), 77, np.uint8)) == 0.0


def test_mi_of_identical_images_is_twice_entropy_in_nats(medium):
    x = medium[2]
    assert x.min() == 0 or x.max() == 255
    full = np.round((x - float(x.min())) / (x.max() - x.min()) * 255).astype(np.uint8)
    assert mutual_information(full, full, full) == pytest.approx(
        2 * entropy(full) * math.log(2), rel=1e-12
    )
    assert mutual_information(full, full, full, variant="tang") == pytest.approx(
        2 * entropy(full), rel=1e-12
    )


def test_identity_properties(medium):
    x = medium[1]
    res = fusion_metrics(x, x, x)
    assert res["SSIM"].value == pytest.approx(2.0)  # VIFB sums the two SSIMs
    assert fusion_ssim(x, x, x, variant="hli") == pytest.approx(1.0)
    # Qab/f of F = A = B as VIFB's code gives it: G = g_F (quirk) -> Q_g = Tg; A = 1.
    assert res["Qabf"].value == pytest.approx(0.9994 * 0.9879 / (1 + math.exp(-22 * 0.2)))
    assert res["Qabf"].value < 1.0
    # on [0, 1] data (hli) the same quirk makes the value depend on the gradient sizes
    assert qabf(x, x, x, variant="hli") < res["Qabf"].value
    assert qabf(x, x, x, variant="kumar") == pytest.approx(
        math.sqrt(0.9999 * 0.9995 / ((1 + math.exp(-19 * 0.5)) * (1 + math.exp(-22 * 0.5))))
    )
    assert res["Nabf"].value == 0.0
    assert res["VIFF"].value == pytest.approx(1.0)
    assert res["Qcb"].value == pytest.approx(1.0)
    assert res["Qcv"].value == 0.0
    assert res["CC"].value == pytest.approx(1.0)
    assert res["CE"].value == 0.0
    assert res["RMSE"].value == 0.0
    assert res["PSNR"].value == math.inf
    assert math.isnan(res["SCD"].value)  # F - B is constant: corr2 is 0/0


def test_scd_guard_returns_nan_for_constant_difference():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    b = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    assert math.isnan(scd(b, a, a))  # F - A = 0
    assert math.isfinite(scd(b, a, (a // 2 + b // 2).astype(np.uint8)))


def test_small_images_give_nan_where_reference_is_undefined(tiny):
    ir, vis, fused = tiny
    assert math.isnan(viff(ir, vis, fused))  # < 41 px: empty 'valid' regions
    assert math.isnan(fusion_ssim(ir, vis, fused))  # < 11 px
    assert math.isfinite(fusion_ssim(ir, vis, fused, variant="hli"))


def test_qcb_constant_nonzero_image_is_nan():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (16, 16), dtype=np.uint8)
    c = np.full((16, 16), 9, np.uint8)
    assert math.isnan(qcb(c, a, a))


def test_variants_differ_as_documented(medium):
    ir, vis, fused = medium
    sf_v = spatial_frequency(fused)
    sf_t = spatial_frequency(fused, variant="tang")
    assert sf_t > sf_v  # means over fewer differences
    assert standard_deviation(fused, variant="thfylsty") > standard_deviation(fused)
    mi_v = mutual_information(ir, vis, fused)
    mi_t = mutual_information(ir, vis, fused, variant="tang")
    assert mi_v != pytest.approx(mi_t)
    p = {v: fusion_psnr(ir, vis, fused, variant=v) for v in ("vifb", "standard", "tang")}
    assert p["tang"] - p["standard"] == pytest.approx(20 * math.log10(255))
    assert p["vifb"] != pytest.approx(p["standard"])
    # VIFB sums two 'valid'-window SSIMs; hli averages two replicate-padded ones
    assert fusion_ssim(ir, vis, fused) != pytest.approx(
        2 * fusion_ssim(ir, vis, fused, variant="hli")
    )
    assert nabf(ir, vis, fused, variant="hli") != pytest.approx(nabf(ir, vis, fused))


# ---------------------------------------------------------------------------------------------
# fusion_metrics API


def test_fusion_metrics_returns_all_with_directions(medium):
    ir, vis, fused = medium
    res = fusion_metrics(ir, vis, fused)
    assert tuple(res) == METRIC_NAMES
    assert len(res) == 18
    lower = {"Nabf", "CE", "RMSE", "Qcv"}
    for name, mv in res.items():
        assert isinstance(mv, MetricValue)
        assert mv.higher_is_better is (name not in lower)
        assert mv.reference
        assert isinstance(mv.value, float)
        assert float(mv) == mv.value
    with pytest.raises(AttributeError):
        res["EN"].value = 1.0  # frozen


def test_fusion_metrics_agree_with_single_functions(medium):
    ir, vis, fused = medium
    res = fusion_metrics(ir, vis, fused)
    assert res["EN"].value == entropy(fused)
    assert res["MI"].value == mutual_information(ir, vis, fused)
    assert res["Qcv"].value == qcv(ir, vis, fused)


def test_metrics_selection_and_variants(medium):
    ir, vis, fused = medium
    res = fusion_metrics(ir, vis, fused, metrics=["psnr", "SF", "mi"], variant="tang")
    assert list(res) == ["PSNR", "SF", "MI"]
    assert all(mv.variant == "tang" for mv in res.values())
    assert res["PSNR"].value == fusion_psnr(ir, vis, fused, variant="tang")
    res = fusion_metrics(ir, vis, fused, metrics="EN", variant=None)
    assert list(res) == ["EN"]
    res = fusion_metrics(ir, vis, fused, metrics=["PSNR", "EN"], variant={"psnr": "standard"})
    assert res["PSNR"].variant == "standard"
    assert res["EN"].variant == "vifb"
    # a string variant applies only where it exists
    res = fusion_metrics(ir, vis, fused, metrics=["Nabf", "EN"], variant="hli")
    assert res["Nabf"].variant == "hli"
    assert res["EN"].variant == "vifb"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metrics": ["XYZ"]}, "metrics must name"),
        ({"metrics": []}, "at least one"),
        ({"variant": "nope"}, "applies to none"),
        ({"metrics": ["PSNR"], "variant": {"PSNR": "nope"}}, "variant for PSNR"),
        ({"metrics": ["PSNR"], "variant": {"EN": "vifb"}}, "not among the selected"),
        ({"variant": 3}, "variant must be"),
        ({"color_mode": "rgb"}, "color_mode must be"),
        ({"float_range": -1}, "float_range"),
    ],
)
def test_parameter_errors(medium, kwargs, match):
    ir, vis, fused = medium
    with pytest.raises(ParameterError, match=match):
        fusion_metrics(ir, vis, fused, **kwargs)


def test_shape_errors_name_argument_and_fix():
    ir = np.zeros((576, 768), np.uint8)
    with pytest.raises(ShapeError) as exc:
        fusion_metrics(ir, ir, np.zeros((575, 768), np.uint8))
    msg = str(exc.value)
    assert "fused must have the same height and width as infrared (576, 768)" in msg
    assert "got (575, 768)" in msg
    with pytest.raises(ShapeError, match="visible must be a 2-D gray image or an"):
        fusion_metrics(ir, np.zeros((576, 768, 4), np.uint8), ir)
    with pytest.raises(ShapeError, match="at least 2x2"):
        entropy(np.zeros((1, 5), np.uint8))
    assert isinstance(exc.value, ValueError)
    assert isinstance(exc.value, JointFilterError)


def test_dtype_errors():
    x = np.zeros((8, 8), np.uint8)
    with pytest.raises(DTypeError, match="fused must have dtype uint8, uint16 or float; got bool"):
        fusion_metrics(x, x, np.zeros((8, 8), bool))
    with pytest.raises(DTypeError, match="int32"):
        fusion_metrics(x, x.astype(np.int32), x)
    with pytest.raises(DTypeError, match="infrared must be an image array"):
        fusion_metrics("ir.png", x, x)
    with pytest.raises(TypeError):
        entropy(np.zeros((8, 8), complex))


def test_float_conversion_and_errors(medium):
    ir, vis, fused = medium
    ref = fusion_metrics(ir, vis, fused, metrics=["EN", "Qabf", "MI"])
    as_float = fusion_metrics(
        ir / 255.0, vis.astype(np.float32) / 255, fused / 255.0, metrics=["EN", "Qabf", "MI"]
    )
    for k in ref:
        assert as_float[k].value == ref[k].value
    as_255 = fusion_metrics(
        ir.astype(float),
        vis.astype(float),
        fused.astype(float),
        float_range=255,
        metrics=["EN"],
    )
    assert as_255["EN"].value == ref["EN"].value
    # uint16 like im2uint8
    as16 = fusion_metrics(
        ir.astype(np.uint16) * 257, vis.astype(np.uint16) * 257, fused, metrics=["EN", "MI"]
    )
    assert as16["MI"].value == ref["MI"].value
    # round half away from zero, clip
    f = np.array([[0.5 / 255, 1.5 / 255], [1.2, -0.1]])
    g = np.array([[1, 2], [255, 0]], np.uint8)
    assert entropy(f) == entropy(g)
    with pytest.raises(ParameterError, match="float_range=255"):
        entropy(fused.astype(float))
    with pytest.raises(ParameterError, match="NaN"):
        entropy(np.full((4, 4), np.nan))


def test_inputs_are_not_modified(medium):
    ir, vis, fused = medium
    copies = [x.copy() for x in medium]
    floats = [x / 255.0 for x in medium]
    float_copies = [x.copy() for x in floats]
    for arr in (*medium, *floats):
        arr.setflags(write=False)
    fusion_metrics(ir, vis, fused)
    fusion_metrics(*floats, color_mode="per_channel_mean")
    for x, y in zip(medium, copies, strict=True):
        assert np.array_equal(x, y)
    for x, y in zip(floats, float_copies, strict=True):
        assert np.array_equal(x, y)


def test_color_modes():
    rng = np.random.default_rng(7)
    ir = _smooth_random(rng, (48, 44), 2)
    vis = np.stack([_smooth_random(rng, (48, 44), s) for s in (1, 1.5, 2)], axis=2)
    fused = np.clip(vis.astype(int) + ir[..., None] // 3, 0, 255).astype(np.uint8)
    names = ["EN", "SF", "MI", "Qabf", "SSIM", "EI"]
    gray = fusion_metrics(ir, vis, fused, metrics=names)
    coef = np.linalg.inv([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])[0]

    def to_gray(x):
        return np.clip(m_round(x.astype(float) @ coef), 0, 255).astype(np.uint8)

    ref = fusion_metrics(ir, to_gray(vis), to_gray(fused), metrics=names)
    for n in names:
        assert gray[n].value == ref[n].value
    per = fusion_metrics(ir, vis, fused, metrics=names, color_mode="per_channel_mean")
    for n in ("EN", "MI", "Qabf", "SSIM", "EI"):
        expected = np.mean(
            [fusion_metrics(ir, vis[..., c], fused[..., c], metrics=[n])[n].value for c in range(3)]
        )
        assert per[n].value == pytest.approx(expected, rel=1e-12)
    mosaic = np.concatenate([fused[..., c] for c in range(3)], axis=1)
    assert per["SF"].value == pytest.approx(ref_sf_vifb(mosaic.astype(float)), rel=RTOL)
    # a gray fused image with colour sources: sources go through rgb2gray
    g = fusion_metrics(ir, vis, to_gray(fused), metrics=["MI"], color_mode="per_channel_mean")
    assert g["MI"].value == mutual_information(ir, to_gray(vis), to_gray(fused))
    # (H, W, 1) is accepted as gray
    assert entropy(fused[..., :1]) == entropy(fused[..., 0])


def test_rgb2gray_rounding_matches_matlab_weights():
    from jointfilter.metrics._convert import RGB2GRAY_COEF, rgb2gray

    assert np.allclose(RGB2GRAY_COEF, [0.2989, 0.5870, 0.1140], atol=5e-5)
    px = np.array([[[255, 255, 255], [0, 0, 0], [10, 200, 30]]], np.uint8)
    out = rgb2gray(px)
    assert out.dtype == np.uint8
    assert out.tolist() == [
        [
            255,
            0,
            int(m_round(10 * RGB2GRAY_COEF[0] + 200 * RGB2GRAY_COEF[1] + 30 * RGB2GRAY_COEF[2])),
        ]
    ]


# ---------------------------------------------------------------------------------------------
# restoration metrics


def test_psnr_restoration():
    ref = np.zeros((4, 4), np.uint8)
    tst = ref.copy()
    tst[0, 0] = 16
    assert psnr(ref, tst) == pytest.approx(10 * math.log10(255**2 / (256 / 16)))
    assert psnr(ref, ref) == math.inf
    assert psnr(ref / 255.0, tst / 255.0) == pytest.approx(psnr(ref, tst))
    assert psnr(ref.astype(np.uint16) * 257, tst.astype(np.uint16) * 257) == pytest.approx(
        psnr(ref, tst)
    )
    assert psnr(ref, tst, data_range=1000) == pytest.approx(10 * math.log10(1000**2 / 16))
    # crop removes the border pixel that differs
    assert psnr(ref, tst, crop=1) == math.inf


def test_ssim_restoration(medium):
    x = medium[1]
    y = medium[2]
    assert ssim(x, x) == pytest.approx(1.0)
    expected = ref_ssim_pair(x.astype(float), y.astype(float))
    assert ssim(x, y) == pytest.approx(expected, rel=RTOL)
    assert ssim(x / 255.0, y / 255.0) == pytest.approx(expected, rel=1e-9)
    assert ssim(x.astype(float), y.astype(float), data_range=255) == pytest.approx(expected)
    cropped = ref_ssim_pair(x[3:-3, 3:-3].astype(float), y[3:-3, 3:-3].astype(float))
    assert ssim(x, y, crop=3) == pytest.approx(cropped, rel=RTOL)
    rgb_x = np.stack([x, y, x], axis=2)
    rgb_y = np.stack([y, y, x], axis=2)
    assert ssim(rgb_x, rgb_y) == pytest.approx((expected + 1 + 1) / 3, rel=RTOL)
    assert 0 < ssim(rgb_x, rgb_y, channel_mode="gray") < 1


def test_restoration_errors():
    a = np.zeros((16, 16), np.uint8)
    with pytest.raises(ShapeError, match="test must have the same shape as reference"):
        psnr(a, np.zeros((16, 15), np.uint8))
    with pytest.raises(DTypeError, match="data_range"):
        psnr(a, a.astype(float))
    with pytest.raises(ParameterError, match="crop"):
        psnr(a, a, crop=8)
    with pytest.raises(ParameterError, match="crop"):
        psnr(a, a, crop=-1)
    with pytest.raises(ParameterError, match="data_range"):
        psnr(a, a, data_range=0)
    with pytest.raises(ShapeError, match="11x11"):
        ssim(a, a, crop=3)
    with pytest.raises(ParameterError, match="channel_mode"):
        ssim(a, a, channel_mode="max")
