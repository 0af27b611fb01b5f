"""Quality and speed of ``jointfilter.restore`` against tuned peers.

For every task, its synthetic protocol (``jointfilter.restoration._protocols``) makes
(target, guide, truth) triples from clean images. Two splits:

* tuning split: scikit-image's astronaut (half size) and coffee (always available);
* evaluation split: the Kodak images in ``../shared/data/clean`` when present, else
  scikit-image's rocket, immunohistochemistry and motorcycle_left.

Rows per task (PSNR / SSIM on [0, 1] data, mean over the evaluation split):

* ``degraded``: the target as given (for depth: bicubic upsampling, ``cv2.INTER_CUBIC``);
* ``guided``: ``jf.guided_filter(target, guide)`` (depth: on the bicubic upsampling), radius
  and eps tuned on the tuning split by grid search (best mean PSNR);
* ``jbf``: ``cv2.ximgproc.jointBilateralFilter`` (depth: joint bilateral upsampling = JBF of
  the bicubic upsampling under the RGB guide), sigmaSpace / sigmaColor tuned likewise;
* ``restore``: ``restore(target, guide, task)`` with its defaults (no tuning).

``task=None`` is measured on the ``noisy`` protocol (each protocol's truth + Gaussian noise
0.05, with that protocol's guide), one row per protocol.

Middlebury (``../shared/data/rgb_depth``, when present): RMSE in 8-bit disparity units of the
x4 / x8 noisy inputs upsampled to the ground truth grid; baselines tuned on moebius and
reported on both scenes.

Speed: 1920x1080 frames (uint8, or float32 with ``--dtype float32``), 2 threads, median of
``--repeat`` runs, per task. The target of ``flash_denoise``, ``day_night`` and the generic
task is noisy (Gaussian, sigma 12/255): the generic task returns a noise-free target as is.

Usage::

    python benchmarks/bench_restore.py [--quick] [--repeat 5] [--no-speed] [--no-quality]
        [--only PROTOCOL ...] [--size 1080 [--exact] [--subsamples 2,3,4]] [--dtype float32]

``--size 1080`` resizes the clean images to a 1080-pixel short side first, which is where
``subsample="auto"`` runs the fast guided filter (factor 4; 1 at the native Kodak size);
``--exact`` adds a row with ``subsample=1`` to show what it costs.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from skimage import data as skdata

import jointfilter as jf
from jointfilter.metrics import psnr, ssim
from jointfilter.restoration import PRESETS, restore
from jointfilter.restoration import _protocols as P
from jointfilter.video import RestoreFilter

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GF_GRID = list(itertools.product([2, 4, 8, 16], [1e-4, 1e-3, 1e-2]))
JBF_GRID = list(itertools.product([1.0, 2.0, 4.0, 8.0], [0.03, 0.1, 0.3]))


def _load_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def _resized(img: np.ndarray, size: int | None) -> np.ndarray:
    """`img` scaled (bicubic) so that its short side is `size` pixels (None: unchanged)."""
    if size is None:
        return img
    h, w = img.shape[:2]
    f = size / min(h, w)
    out = cv2.resize(
        np.asarray(img, np.float32), (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC
    )
    return np.clip(out, 0.0, 1.0)


def tuning_images(size: int | None = None) -> list[np.ndarray]:
    imgs = [skdata.astronaut()[::2, ::2] / 255.0, skdata.coffee() / 255.0]
    return [_resized(i, size) for i in imgs]


def eval_images(size: int | None = None) -> tuple[str, list[np.ndarray]]:
    clean = DATA / "clean"
    files = sorted(clean.glob("*.png")) if clean.is_dir() else []
    if files:
        name = "Kodak (" + ", ".join(f.stem for f in files) + ")"
        return name, [_resized(_load_rgb(f), size) for f in files]
    return "skimage (rocket, ihc, motorcycle)", [
        _resized(i, size)
        for i in (
            skdata.rocket() / 255.0,
            skdata.immunohistochemistry() / 255.0,
            skdata.stereo_motorcycle()[0][::2, ::2] / 255.0,
        )
    ]


def _score(truth: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    x = np.clip(np.asarray(x, np.float64), 0, 1)
    t = np.clip(np.asarray(truth, np.float64), 0, 1)
    return psnr(t, x, data_range=1.0), ssim(t, x, data_range=1.0)


def _bicubic(low: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(low, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _prep(s: P.Sample) -> tuple[np.ndarray, np.ndarray]:
    """The target the baselines filter (bicubic-upsampled for depth) and the guide."""
    t = s.target
    if t.shape[:2] != s.guide.shape[:2]:
        t = _bicubic(t, s.guide.shape[:2])
    return np.ascontiguousarray(t, np.float32), np.ascontiguousarray(s.guide, np.float32)


def run_gf(s: P.Sample, r: int, eps: float) -> np.ndarray:
    t, g = _prep(s)
    scale = min(g.shape[:2]) / 512.0
    return jf.guided_filter(t, g, radius=max(1, round(r * scale)), eps=eps)


def run_jbf(s: P.Sample, sigma_s: float, sigma_c: float) -> np.ndarray:
    t, g = _prep(s)
    scale = min(g.shape[:2]) / 512.0
    ss = sigma_s * scale
    if t.ndim == 3 and g.ndim == 3 and t.shape[2] != g.shape[2]:
        g = g[:, :, :1]
    out = cv2.ximgproc.jointBilateralFilter(g, t, -1, sigma_c, ss)
    return out.reshape(t.shape)


def tune(samples: list[P.Sample], runner: Any, grid: list[tuple[float, float]]) -> tuple:
    best, best_v = grid[0], -np.inf
    for params in grid:
        v = np.mean(
            [
                psnr(np.clip(s.truth, 0, 1), np.clip(runner(s, *params), 0, 1), data_range=1.0)
                for s in samples
            ]
        )
        if v > best_v:
            best, best_v = params, v
    return best


def _samples(task: str | None, images: list[np.ndarray], seed0: int) -> list[P.Sample]:
    out = []
    for i, img in enumerate(images):
        if task is None:
            continue
        out.append(P.make_sample(task, img, seed0 + i))
    return out


def quality(
    quick: bool,
    only: list[str] | None = None,
    size: int | None = None,
    exact: bool = False,
    factors: list[int] | None = None,
) -> None:
    tune_imgs = tuning_images(size)
    eval_name, eval_imgs = eval_images(size)
    if quick:
        tune_imgs, eval_imgs = tune_imgs[:1], eval_imgs[:1]
    scale = f", resized to a {size}-pixel short side" if size else ""
    print(f"evaluation split: {eval_name}; tuning split: skimage astronaut/2, coffee{scale}\n")
    print("| protocol | method | PSNR dB | SSIM | params |")
    print("|---|---|---|---|---|")
    cases: list[tuple[str, str | None, list[P.Sample], list[P.Sample]]] = []
    for task in P.PROTOCOLS:
        cases.append((task, task, _samples(task, tune_imgs, 100), _samples(task, eval_imgs, 0)))
    for task in P.PROTOCOLS:
        tn = [P.make_noisy(s) for s in _samples(task, tune_imgs, 100)]
        ev = [P.make_noisy(s) for s in _samples(task, eval_imgs, 0)]
        cases.append((f"noisy/{task}", None, tn, ev))
    if only:
        cases = [c for c in cases if c[0] in only]
    wins = []
    for name, task, tn, ev in cases:
        rows: dict[str, tuple[float, float, str]] = {}

        def mean_scores(fn: Any, samples: list[P.Sample] = ev) -> tuple[float, float]:
            sc = np.array([_score(s.truth, fn(s)) for s in samples])
            return float(sc[:, 0].mean()), float(sc[:, 1].mean())

        deg_label = "bicubic" if task == "depth_upsample" else "degraded"
        rows[deg_label] = (*mean_scores(lambda s: _prep(s)[0]), "")
        gp = tune(tn, run_gf, GF_GRID)
        rows["guided (tuned)"] = (
            *mean_scores(lambda s, gp=gp: run_gf(s, *gp)),
            f"r={gp[0]} eps={gp[1]}",
        )
        jp = tune(tn, run_jbf, JBF_GRID)
        lab = "jbu (tuned)" if task == "depth_upsample" else "jbf (tuned)"
        rows[lab] = (*mean_scores(lambda s, jp=jp: run_jbf(s, *jp)), f"sS={jp[0]} sC={jp[1]}")
        rows["restore (defaults)"] = (
            *mean_scores(lambda s, task=task: restore(s.target, s.guide, task, **s.overrides)),
            _effective(ev[0], task, "subsample"),
        )
        if exact and "subsample" in PRESETS[task]:  # the exact guided filter, for reference
            rows["restore (subsample=1)"] = (
                *mean_scores(
                    lambda s, task=task: restore(
                        s.target, s.guide, task, **{**s.overrides, "subsample": 1}
                    )
                ),
                "",
            )
            preset = PRESETS[task]
            if preset.get("subsample") == "auto" and preset.get("decimation") == "mean":
                # He & Sun's point sampling, for comparison
                rows["restore (decimation=nearest)"] = (
                    *mean_scores(
                        lambda s, task=task: restore(
                            s.target, s.guide, task, **{**s.overrides, "decimation": "nearest"}
                        )
                    ),
                    "",
                )
        for k in (factors or []) if "subsample" in PRESETS[task] else []:
            rows[f"restore (subsample={k})"] = (
                *mean_scores(
                    lambda s, task=task, k=k: restore(
                        s.target, s.guide, task, **{**s.overrides, "subsample": k}
                    )
                ),
                "",
            )
        ours = rows["restore (defaults)"]
        others = [v for k, v in rows.items() if not k.startswith("restore")]
        ok_p = all(ours[0] > o[0] for o in others)
        ok_s = all(ours[1] > o[1] for o in others)
        wins.append((name, ok_p, ok_s))
        for k, (p_, s_, par) in rows.items():
            print(f"| {name} | {k} | {p_:.2f} | {s_:.4f} | {par} |")
    print("\n| protocol | restore beats all in PSNR | in SSIM |\n|---|---|---|")
    for name, ok_p, ok_s in wins:
        print(f"| {name} | {'yes' if ok_p else 'NO'} | {'yes' if ok_s else 'NO'} |")


def _effective(s: P.Sample, task: str | None, key: str) -> str:
    """`key`'s effective value for `task` on sample `s` (empty if the task has no such key)."""
    if key not in PRESETS[task]:
        return ""
    _, params = restore(s.target, s.guide, task, return_params=True, **s.overrides)
    return f"{key}={params[key]}"


def middlebury() -> None:
    root = DATA / "rgb_depth"
    scenes = ["moebius", "art"]
    if not all((root / f"middlebury_{s}_depth_gt.png").exists() for s in scenes):
        print("\nMiddlebury data not found; skipped.")
        return
    print("\nMiddlebury depth upsampling, RMSE (8-bit disparity), baselines tuned on moebius\n")
    print("| scene | factor | bicubic | guided (tuned) | jbu (tuned) | restore |")
    print("|---|---|---|---|---|---|")

    def load(scene: str, f: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        gt = cv2.imread(str(root / f"middlebury_{scene}_depth_gt.png"), cv2.IMREAD_UNCHANGED)
        low = cv2.imread(
            str(root / f"middlebury_{scene}_depth_x{f}_noisy.png"), cv2.IMREAD_UNCHANGED
        )
        rgb = _load_rgb(root / f"middlebury_{scene}_rgb.png")
        return gt.astype(np.float32) / 255, low.astype(np.float32) / 255, rgb

    def rmse(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.sqrt(np.mean((np.clip(a, 0, 1) * 255 - b * 255) ** 2)))

    for f in (4, 8):
        gt, low, rgb = load("moebius", f)
        tune_s = [P.Sample(low, rgb, gt, "depth_upsample")]
        gp = tune(tune_s, run_gf, GF_GRID)
        jp = tune(tune_s, run_jbf, JBF_GRID)
        for scene in scenes:
            gt, low, rgb = load(scene, f)
            s = P.Sample(low, rgb, gt, "depth_upsample")
            vals = [
                rmse(_prep(s)[0], gt),
                rmse(run_gf(s, *gp), gt),
                rmse(run_jbf(s, *jp), gt),
                rmse(restore(low, rgb, "depth_upsample"), gt),
            ]
            print(f"| {scene} | x{f} | " + " | ".join(f"{x:.2f}" for x in vals) + " |")


def speed(repeat: int, dtype: str = "uint8") -> None:
    jf.set_num_threads(2)
    base = skdata.astronaut()
    rgb = cv2.resize(base, (1920, 1080), interpolation=cv2.INTER_LINEAR)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    low = cv2.resize(gray, (480, 270), interpolation=cv2.INTER_AREA)
    # a noisy target (sigma 12/255): the generic task returns a noise-free target unchanged
    noise = np.random.default_rng(0).normal(0.0, 12.0, rgb.shape)
    noisy = np.clip(np.rint(rgb + noise), 0, 255).astype(np.uint8)
    if dtype == "float32":
        rgb, gray, low, noisy = (
            x.astype(np.float32) / np.float32(255) for x in (rgb, gray, low, noisy)
        )
    print(f"\nSpeed: 1920x1080 {dtype}, {jf.get_num_threads()} threads, median of {repeat}\n")
    print("| task | target | guide | ms/frame | frames/s |\n|---|---|---|---|---|")
    cases = [
        ("flash_denoise", noisy, rgb, {}),
        ("flash_deblur", rgb, rgb, {}),
        ("nir_dehaze", rgb, gray, {}),
        ("day_night", noisy, rgb, {}),
        ("structure_transfer", rgb, gray, {}),
        ("depth_upsample", low, rgb, {}),
        (None, noisy, rgb, {}),
        (None, noisy, rgb, {"method": "msjf"}),
        ("RestoreFilter day_night (fixed guide)", noisy, rgb, {}),
        ("RestoreFilter structure_transfer (fixed guide)", rgb, gray, {}),
        ("jf.guided_filter r=8 (reference)", rgb, rgb, {}),
    ]
    for task, t, g, kw in cases:
        if isinstance(task, str) and task.startswith("jf."):

            def fn(t=t, g=g) -> Any:
                return jf.guided_filter(t, g, radius=8, eps=1e-3)
        elif isinstance(task, str) and task.startswith("RestoreFilter"):
            rf = RestoreFilter(task.split()[1])
            rf.set_guide(g)

            def fn(t=t, rf=rf) -> Any:
                return rf(t)
        else:

            def fn(t=t, g=g, task=task, kw=kw) -> Any:
                return restore(t, g, task, **kw)

        fn()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        ms = 1e3 * float(np.median(times))
        label = f"{task} {kw}" if kw else str(task)
        tshape = "x".join(map(str, t.shape))
        gshape = "x".join(map(str, g.shape))
        print(f"| {label} | {tshape} | {gshape} | {ms:.1f} | {1e3 / ms:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one image per split")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--only", nargs="*", help="protocol names to run (e.g. depth_upsample)")
    ap.add_argument("--no-middlebury", action="store_true")
    ap.add_argument(
        "--size",
        type=int,
        default=None,
        help="resize the clean images to this short side first (e.g. 1080: the fast guided "
        "filter of subsample='auto' is then in use)",
    )
    ap.add_argument(
        "--exact",
        action="store_true",
        help="also report restore with subsample=1 for the tasks that have a subsample",
    )
    ap.add_argument(
        "--subsamples",
        default="",
        help="comma-separated factors: also report restore with each subsample=k for the "
        "tasks that have a subsample (e.g. 2,3,4 with --size 1080)",
    )
    ap.add_argument("--dtype", choices=["uint8", "float32"], default="uint8", help="speed input")
    args = ap.parse_args()
    if not args.no_quality:
        factors = [int(k) for k in args.subsamples.split(",") if k.strip()]
        quality(args.quick, args.only, args.size, args.exact, factors)
        if not args.no_middlebury and args.size is None:
            middlebury()
    if not args.no_speed:
        speed(args.repeat, args.dtype)


if __name__ == "__main__":
    main()
