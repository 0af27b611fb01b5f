"""Quality-bar benchmark of the shipped learned models (issue 6).

Usage::

    python benchmarks/bench_models.py [--only denoise,enhance,derain,stochastic,blur,parity]
                                      [--backend onnx|torch] [--json results.json]
                                      [--model NAME=FILE ...]

``--model mirnet-denoise=/tmp/candidate.onnx`` benchmarks a candidate file in place of the
shipped model of that registry name (same I/O convention), e.g. before replacing it.

Every synthetic set is made of seeded crops of the *held-out* images (scikit-image ``coffee``
and Kodak ``kodim23`` from ``../shared/data/clean`` when present); none of them is used in
training. PSNR is on RGB in [0, 1] after 8-bit rounding of every image (inputs and outputs).
The derain bar uses the real pairs of ``../shared/data/derain`` (evaluation only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "python"))

import jointfilter.models as jm  # noqa: E402
from jointfilter.models import _synth  # noqa: E402
from jointfilter.models import train as _train  # noqa: E402

N_CROPS = 24
CROP = 128

# registry name -> candidate file benchmarked instead of the shipped one (--model)
_CANDIDATES: dict[str, str] = {}


def load_model(name: str, backend: str):
    """The shipped model ``name``, or the candidate file given with ``--model``."""
    if name not in _CANDIDATES:
        return jm.load(name, backend=backend)
    spec = jm.REGISTRY[name]
    return jm.load(
        _CANDIDATES[name],
        backend=backend,
        kind=spec.kind,
        multiple=spec.multiple,
        latent_dim=spec.latent_dim or None,
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def q8(x: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)


def f(x8: np.ndarray) -> np.ndarray:
    return x8.astype(np.float32) / 255


def held_out_crops(seed: int, n: int = N_CROPS, size: int = CROP) -> np.ndarray:
    imgs = _synth.load_images(list(_synth.HELD_OUT))
    rng = np.random.default_rng(seed)
    return _synth.crops(imgs, n, size, rng)


# ----------------------------------------------------------------------------- classical
def _box(x: np.ndarray, r: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter

    return uniform_filter(x, size=(2 * r + 1, 2 * r + 1) + (1,) * (x.ndim - 2), mode="reflect")


def _numpy_guided(p: np.ndarray, r: int, eps: float) -> np.ndarray:
    """Self-guided filter per channel (He et al.), the fallback when the core is not built."""
    m = _box(p, r)
    var = _box(p * p, r) - m * m
    a = var / (var + eps)
    b = m - a * m
    return _box(a, r) * p + _box(b, r)


def _numpy_guided_colour(x: np.ndarray, r: int, eps: float) -> np.ndarray:
    """Guided filter of each channel of ``x`` with the RGB guide ``x`` (He et al., colour case)."""
    m_i = _box(x, r)  # H x W x 3
    cov = np.empty((*x.shape[:2], 3, 3), np.float64)
    for i in range(3):
        for j in range(i, 3):
            cov[..., i, j] = cov[..., j, i] = (
                _box(x[..., i] * x[..., j], r) - m_i[..., i] * m_i[..., j]
            )
    inv = np.linalg.inv(cov + eps * np.eye(3))
    out = np.empty_like(x)
    for c in range(3):
        p = x[..., c]
        m_p = m_i[..., c]
        cov_ip = _box(x * p[..., None], r) - m_i * m_p[..., None]
        a = np.einsum("...ij,...j->...i", inv, cov_ip)
        b = m_p - np.einsum("...i,...i->...", a, m_i)
        out[..., c] = np.einsum("...i,...i->...", _box(a, r), x) + _box(b, r)
    return out


def classical_candidates():
    """(label, fn(img_float_hwc) -> img) for the library's classical filters."""
    cands = []
    jf = None
    try:
        import jointfilter as jf  # type: ignore[no-redef]

        _ = jf.guided_filter
    except Exception:
        jf = None
    for r in (1, 2, 3, 4, 6):
        for eps in (1e-3, 3e-3, 1e-2, 3e-2):
            if jf is not None:

                def fn(x, r=r, eps=eps):
                    return np.stack(
                        [
                            jf.guided_filter(x[..., c], x[..., c], radius=r, eps=eps)
                            for c in range(3)
                        ],
                        axis=-1,
                    )

                cands.append((f"jf.guided_filter(self, per channel, r={r}, eps={eps})", fn))

                def fn_c(x, r=r, eps=eps):
                    return jf.guided_filter(x, x, radius=r, eps=eps)

                cands.append((f"jf.guided_filter(colour guide, r={r}, eps={eps})", fn_c))

            # NumPy references of the same two filters, always evaluated: the baseline stays
            # defined (and at least as strong) when the compiled core is missing or broken.
            def fn_n(x, r=r, eps=eps):
                return _numpy_guided(x, r, eps)

            cands.append((f"numpy guided filter (self, per channel, r={r}, eps={eps})", fn_n))

            def fn_nc(x, r=r, eps=eps):
                return _numpy_guided_colour(x, r, eps)

            cands.append((f"numpy guided filter (colour guide, r={r}, eps={eps})", fn_nc))
    return cands, jf is not None


# ----------------------------------------------------------------------------- bars
def bench_denoise(backend: str) -> dict:
    clean = held_out_crops(seed=101)
    rng = np.random.default_rng(202)
    noisy = [q8(_synth.add_gaussian_noise(c, 25 / 255, rng)) for c in clean]
    clean8 = [q8(c) for c in clean]
    net = load_model("mirnet-denoise", backend)
    t0 = time.time()
    outs = [net(x) for x in noisy]
    dt = (time.time() - t0) / len(noisy)
    p_in = np.mean([psnr(f(a), f(b)) for a, b in zip(noisy, clean8, strict=False)])
    p_out = np.mean([psnr(f(a), f(b)) for a, b in zip(outs, clean8, strict=False)])
    cands, core = classical_candidates()
    best = (-1.0, "")
    failed = 0
    for label, fn in cands:
        try:
            p = np.mean([psnr(f(q8(fn(f(x)))), f(c)) for x, c in zip(noisy, clean8, strict=False)])
        except Exception as e:  # a filter variant unsupported by the core
            print(f"  classical {label}: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr)
            failed += 1
            continue
        best = max(best, (float(p), label))
    return {
        "bar": "mirnet-denoise sigma 25/255: >= +9 dB over noisy, >= +1 dB over best classical",
        "crops": len(clean),
        "psnr_noisy": round(p_in, 2),
        "psnr_model": round(p_out, 2),
        "gain_over_noisy_db": round(p_out - p_in, 2),
        "best_classical": best[1],
        "psnr_best_classical": round(best[0], 2),
        "gain_over_classical_db": round(p_out - best[0], 2),
        "classical_candidates": f"{len(cands)} ({'core + NumPy' if core else 'NumPy only'}; "
        f"{failed} failed)",
        "seconds_per_128px_crop": round(dt, 3),
        "pass": bool(best[0] > 0 and p_out - p_in >= 9 and p_out - best[0] >= 1),
    }


def _gamma_fit(dark: np.ndarray, clean: np.ndarray) -> np.ndarray:
    best = (np.inf, dark)
    for g in np.linspace(0.1, 1.0, 91):
        out = np.power(dark, g)
        err = float(np.mean((out - clean) ** 2))
        if err < best[0]:
            best = (err, out)
    return best[1]


def bench_enhance(backend: str) -> dict:
    clean = held_out_crops(seed=303)
    rng = np.random.default_rng(404)
    dark = [q8(_synth.darken(c, rng)) for c in clean]
    clean8 = [q8(c) for c in clean]
    net = load_model("mirnet-enhance", backend)
    outs = [net(x) for x in dark]
    p_in = np.mean([psnr(f(a), f(b)) for a, b in zip(dark, clean8, strict=False)])
    p_out = np.mean([psnr(f(a), f(b)) for a, b in zip(outs, clean8, strict=False)])
    p_gamma = np.mean(
        [psnr(f(q8(_gamma_fit(f(a), f(b)))), f(b)) for a, b in zip(dark, clean8, strict=False)]
    )
    return {
        "bar": "mirnet-enhance: >= +8 dB over dark, >= +1 dB over a global gamma fit",
        "crops": len(clean),
        "psnr_dark": round(p_in, 2),
        "psnr_model": round(p_out, 2),
        "psnr_gamma_fit_oracle": round(p_gamma, 2),
        "gain_over_dark_db": round(p_out - p_in, 2),
        "gain_over_gamma_db": round(p_out - p_gamma, 2),
        "gamma_fit": "per image, out = dark**g, g on a 0.01 grid in [0.1, 1] chosen with the "
        "ground truth (oracle)",
        "pass": bool(p_out - p_in >= 8 and p_out - p_gamma >= 1),
    }


def bench_derain(backend: str) -> dict:
    from scipy.stats import spearmanr

    net = load_model("derain", backend)
    sd = _synth.shared_dir()
    pairs = []
    if sd is not None and (sd / "data" / "derain").is_dir():
        d = sd / "data" / "derain"
        for rainy in sorted(d.glob("*_rainy.*")):
            cleanp = next(
                iter(d.glob(rainy.name.replace("_rainy", "_clean").rsplit(".", 1)[0] + ".*")), None
            )
            if cleanp is not None:
                pairs.append((rainy, cleanp))
    real = []
    for rainy, cleanp in pairs:
        r8 = (_synth._read_png(rainy)).astype(np.uint8)
        c8 = (_synth._read_png(cleanp)).astype(np.uint8)
        h, w = min(r8.shape[0], c8.shape[0]), min(r8.shape[1], c8.shape[1])
        r8, c8 = r8[:h, :w], c8[:h, :w]
        out, rho = net(r8)
        real.append(
            {
                "pair": rainy.name,
                "psnr_rainy": round(psnr(f(r8), f(c8)), 2),
                "psnr_model": round(psnr(f(out), f(c8)), 2),
                "density": round(rho, 4),
            }
        )
    # synthetic density ranking on held-out crops
    clean = held_out_crops(seed=505, n=12, size=96)
    levels = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0]
    rhos, dens, per_crop, attention, attention_per_crop = [], [], [], [], []
    gains = {lv: [] for lv in levels if lv > 0}
    clean_kept: list[float] = []
    for i, c in enumerate(clean):
        row, row_att = [], []
        for lv in levels:
            rng = np.random.default_rng(1000 + i)  # same streak geometry, density varies
            r = _synth.rain_layer((96, 96), lv, rng, angle=10.0, length=25, intensity=0.6)
            x8 = q8(c + r[:, :, None])
            out, rho = net(x8)
            rhos.append(lv)
            dens.append(rho)
            row.append(rho)
            row_att.append(float(np.mean(net.density_per_scale)))
            attention.append(row_att[-1])
            if lv == 0:  # rain-free input: report how faithfully it is returned
                clean_kept.append(psnr(f(out), f(q8(c))))
            else:
                gains[lv].append(psnr(f(out), f(q8(c))) - psnr(f(x8), f(q8(c))))
        per_crop.append(spearmanr(levels, row).statistic)
        attention_per_crop.append(spearmanr(levels, row_att).statistic)
    sp = float(spearmanr(rhos, dens).statistic)
    mean_gain = (
        float(np.mean([r["psnr_model"] - r["psnr_rainy"] for r in real])) if real else float("nan")
    )
    return {
        "bar": "derain: >= +3 dB over rainy on shared/data/derain; density Spearman >= 0.9",
        "real_pairs": real,
        "mean_gain_real_db": round(mean_gain, 2),
        "synthetic_samples": len(rhos),
        "spearman_density_vs_level": round(sp, 4),
        "mean_per_crop_spearman": round(float(np.mean(per_crop)), 4),
        "attention_readout_spearman_pooled": round(float(spearmanr(rhos, attention).statistic), 4),
        "attention_readout_spearman_per_crop": round(float(np.mean(attention_per_crop)), 4),
        "rain_free_input_returned_psnr_db": round(float(np.mean(clean_kept)), 2),
        "synthetic_gain_db_by_level": {
            str(k): round(float(np.mean(v)), 2) for k, v in gains.items()
        },
        "pass": bool(real and mean_gain >= 3 and sp >= 0.9),
    }


def bench_stochastic(backend: str) -> dict:
    clean = held_out_crops(seed=606)
    rng = np.random.default_rng(707)
    low = [q8(_train.degrade_quality(c, rng)) for c in clean]
    clean8 = [q8(c) for c in clean]
    net = load_model("stochastic-enhance", backend)
    gains, spreads, zero_gain, blur_dev = [], [], [], []
    k = _train._gauss_kernel(4.3, 21)
    for i, (x, c) in enumerate(zip(low, clean8, strict=False)):
        samples = net.sample(x, n=8, seed=10_000 + i)
        p_in = psnr(f(x), f(c))
        best = max(psnr(f(s), f(c)) for s in samples)
        gains.append(best - p_in)
        zero_gain.append(psnr(f(net(x)), f(c)) - p_in)
        fs = [f(s) for s in samples]
        spreads.append(
            np.mean([np.abs(a - b).mean() for j, a in enumerate(fs) for b in fs[j + 1 :]])
        )
        bx = _train._blur(f(x), k)
        blur_dev.append(np.mean([np.abs(_train._blur(s, k) - bx).mean() for s in fs]))
    return {
        "bar": "stochastic: best of 8 latent samples >= +3 dB over input; samples differ",
        "crops": len(clean),
        "mean_best_of_8_gain_db": round(float(np.mean(gains)), 2),
        "min_best_of_8_gain_db": round(float(np.min(gains)), 2),
        # the wording is "for each input": how many crops reach the bar themselves
        "crops_at_least_3db": int(np.sum(np.asarray(gains) >= 3.0)),
        "per_crop_best_of_8_gain_db": [round(float(g), 2) for g in gains],
        "mean_z0_gain_db": round(float(np.mean(zero_gain)), 2),
        "mean_pairwise_L1_spread": round(float(np.mean(spreads)), 4),
        "mean_blur_consistency_L1": round(float(np.mean(blur_dev)), 4),
        "pass": bool(np.mean(gains) >= 3 and np.mean(spreads) >= 0.01),
        "pass_every_input": bool(np.min(gains) >= 3 and np.mean(spreads) >= 0.01),
    }


def bench_blur(backend: str) -> dict:
    net = load_model("blur-cnn", backend)
    gray = _synth.load_images(list(_synth.HELD_OUT), gray=True)
    rng = np.random.default_rng(808)
    x, y = _train.blur_pairs(gray, 2000, rng, textured_only=True)
    logits = net.classify(x)
    pred = logits.argmax(1)
    acc = float((pred == y).mean())
    swapped = np.concatenate([x[:, :, 32:], x[:, :, :32]], axis=2)
    flip = float((net.classify(swapped).argmax(1) != pred).mean())
    # founding protocol only (sigma 9, sizes 9-15)
    rng = np.random.default_rng(909)
    xs, ys = [], []
    for _ in range(500):
        g = gray[int(rng.integers(len(gray)))]
        h, w = g.shape
        y0, x0 = int(rng.integers(0, h - 96)), int(rng.integers(0, w - 96))
        crop = g[y0 : y0 + 96, x0 : x0 + 96]
        b = _train._blur(crop, _train._gauss_kernel(9.0, int(rng.choice([9, 15]))))
        a_f = _train.sobel_channels(crop)[32:64, 32:64]
        b_f = _train.sobel_channels(b)[32:64, 32:64]
        if a_f[..., 0].std() <= 0.03 or b_f[..., 0].std() <= 0.03:
            continue
        lab = int(rng.integers(2))
        xs.append(np.concatenate([a_f, b_f] if lab == 0 else [b_f, a_f], 0).transpose(2, 0, 1))
        ys.append(lab)
    acc9 = float((net.classify(np.stack(xs)).argmax(1) == np.array(ys)).mean())
    return {
        "bar": "blur CNN: >= 95% accuracy on held-out clean/blurred pairs",
        "pairs": len(y),
        "accuracy": round(acc, 4),
        "swap_flip_rate": round(flip, 4),
        "sigma9_pairs": len(ys),
        "accuracy_sigma9": round(acc9, 4),
        "pass": bool(acc >= 0.95),
    }


def bench_parity(backend: str) -> dict:
    import onnxruntime as ort
    import torch

    from jointfilter.models import _zoo
    from jointfilter.models._export import torchscript_warnings

    res = {}
    for name, spec in jm.REGISTRY.items():
        with torchscript_warnings():
            ts = torch.jit.load(str(spec.path("torchscript")))
        eager = _zoo.build(spec.arch, **spec.config).eval()
        keys = set(eager.state_dict())  # traced files also list non-persistent buffers
        eager.load_state_dict({k: v for k, v in ts.state_dict().items() if k in keys}, strict=True)
        ex = _zoo.example_inputs(spec.arch, eager, h=68, w=92, n=2)
        with torch.no_grad():
            r = eager(*ex)
            t = ts(*ex)
        r = r if isinstance(r, tuple) else (r,)
        t = t if isinstance(t, tuple) else (t,)
        s = ort.InferenceSession(str(spec.path("onnx")), providers=["CPUExecutionProvider"])
        o = s.run(None, {i.name: e.numpy() for i, e in zip(s.get_inputs(), ex, strict=False)})
        res[name] = {
            "max_abs_torchscript_vs_eager": float(
                max((a - b).abs().max() for a, b in zip(r, t, strict=False))
            ),
            "max_abs_onnx_vs_eager": float(
                max(np.abs(a.numpy() - b).max() for a, b in zip(r, o, strict=False))
            ),
        }
    ok = all(
        v["max_abs_torchscript_vs_eager"] <= 1e-4 and v["max_abs_onnx_vs_eager"] <= 1e-4
        for v in res.values()
    )
    return {"bar": "TorchScript and ONNX equal eager within 1e-4", "models": res, "pass": ok}


BENCHES = {
    "denoise": bench_denoise,
    "enhance": bench_enhance,
    "derain": bench_derain,
    "stochastic": bench_stochastic,
    "blur": bench_blur,
    "parity": bench_parity,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(BENCHES))
    ap.add_argument("--backend", default="onnx", choices=["onnx", "torch"])
    ap.add_argument("--json", default=None)
    ap.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="benchmark FILE (.onnx or .pt) in place of the shipped model NAME",
    )
    a = ap.parse_args(argv)
    for item in a.model:
        name, sep, path = item.partition("=")
        if not sep or name not in jm.REGISTRY:
            ap.error(f"--model takes NAME=FILE with NAME in {sorted(jm.REGISTRY)}; got {item!r}")
        _CANDIDATES[name] = path
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    results = {}
    for key in a.only.split(","):
        t0 = time.time()
        results[key] = BENCHES[key](a.backend)
        results[key]["bench_seconds"] = round(time.time() - t0, 1)
        print(f"== {key}: {json.dumps(results[key], indent=1)}", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
