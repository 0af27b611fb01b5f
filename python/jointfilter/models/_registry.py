"""Registry of the models shipped in ``jointfilter/models/weights`` (no torch import).

Each entry names its files and their SHA-256 (verified on load), the input convention, the size
multiple the network needs, and a model card. Full cards with the measured numbers and the
commands that reproduce them are in ``docs/models.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["REGISTRY", "WEIGHTS_DIR", "ModelSpec"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class ModelSpec:
    """Description of a runnable model.

    Attributes
    ----------
    name : str
        Registry name (``jointfilter.models.load(name)``).
    kind : str
        I/O convention: ``"image"``, ``"derain"``, ``"stochastic"`` or ``"pairs"``.
    multiple : int
        H and W are reflect-padded up to a multiple of this and cropped back.
    files : dict
        ``{"torchscript": (file, sha256), "onnx": (file, sha256)}``; relative paths are
        relative to :data:`WEIGHTS_DIR`.
    arch, config : str, dict
        Architecture name and constructor arguments (see ``jointfilter.models._zoo``).
    latent_dim : int
        Size of ``z`` for ``kind="stochastic"``.
    card : dict
        Model card: architecture, parameters, training data and protocol, measured quality.
    """

    name: str
    kind: str
    multiple: int
    files: dict[str, tuple[str, str | None]]
    arch: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    latent_dim: int = 0
    card: dict[str, Any] = field(default_factory=dict)

    def path(self, fmt: str) -> Path:
        """Absolute path of the file of format ``fmt`` (``"torchscript"`` or ``"onnx"``)."""
        p = Path(self.files[fmt][0])
        return p if p.is_absolute() else WEIGHTS_DIR / p


# SHA-256 of the shipped files (verified on load; updated when a model is retrained).
_SHA256: dict[str, str] = {
    "mirnet-denoise.pt": "be048935d012d545bb45d01e21f04f2ee2bb8c08c193f18429646f1b60524d77",
    "mirnet-denoise.onnx": "1d70e0fbef5a545e2b30b33202025fc81e7fd5ab62a5ef8862e9f42a2e21c388",
    "mirnet-enhance.pt": "467682dee576c78d74aa8c86111f1d036bae3231be80e419d7fdf6b241bf37e6",
    "mirnet-enhance.onnx": "770d1b334de2874b77adece1296744521a21f2fe1a611a9546fcc1f06f1eaeb9",
    "derain.pt": "4cdcedb6023b52e2ddcb9b4da1765e08c990f1b40ae2af77515b2a242828fe48",
    "derain.onnx": "44b5334ab5bab8abcf3db9bc6ae9d64132767bc6b1bb46fcda76d3f65db7c80e",
    "stochastic-enhance.pt": "10fff1f8a63251ddc79a1b8f8c7abba828ff801b12fb7d2a5fb6954301ec3647",
    "stochastic-enhance.onnx": "6b96e05ec5bbdb3716913096bb6e7788c1d1904b197c09477ce9435153fca441",
    "blur-cnn.pt": "c140df4b58734eed731e83c6792dc066e5255ea4b7036c21b07f5b04fb2067d1",
    "blur-cnn.onnx": "be505f4f21b5c193cda6798c8db3f6016748966629cb9e769bb11c5a3a0dda59",
}

_COMMON_TRAIN = (
    "scikit-image samples astronaut, chelsea, rocket, immunohistochemistry, retina, "
    "camera, brick, grass, gravel, coins, clock + Kodak kodim03/08/15; held out: "
    "scikit-image coffee, Kodak kodim23"
)

REGISTRY: dict[str, ModelSpec] = {
    "mirnet-denoise": ModelSpec(
        name="mirnet-denoise",
        kind="image",
        multiple=4,
        arch="mirnet_v2",
        config={"n_feat": 16, "n_MRB": 1},
        files={
            "torchscript": ("mirnet-denoise.pt", _SHA256["mirnet-denoise.pt"]),
            "onnx": ("mirnet-denoise.onnx", _SHA256["mirnet-denoise.onnx"]),
        },
        card={
            "architecture": "MIRNet-v2 (TPAMI 2022), reduced: n_feat=16, n_MRB=1, 4 RRGs "
            "(groups 1, 2, 4, 4), chan_factor 1.5",
            "parameters": 123472,
            "training": "AWGN sigma ~ U(15, 35)/255; " + _COMMON_TRAIN,
            "command": "5 stages: train mirnet-denoise, then train mirnet-denoise-ft "
            "--init <previous weights> with seeds 1, 2, 3 (the last two --iters 300) and 4 "
            "(--lr 2e-4 --iters 700); see docs/models.md",
            "quality": (
                "sigma 25/255 on 24 held-out crops: 29.84 dB, +9.09 dB over the noisy input (bar "
                "+9 dB met), +1.61 dB over the best guided-filter setting (bar +1 dB met)"
            ),
        },
    ),
    "mirnet-enhance": ModelSpec(
        name="mirnet-enhance",
        kind="image",
        multiple=4,
        arch="mirnet_tone",
        config={"n_feat": 16, "n_MRB": 1},
        files={
            "torchscript": ("mirnet-enhance.pt", _SHA256["mirnet-enhance.pt"]),
            "onnx": ("mirnet-enhance.onnx", _SHA256["mirnet-enhance.onnx"]),
        },
        card={
            "architecture": "global tone prior + MIRNet-v2 residual: a head predicts one "
            "(exposure e, gamma g) per image from pooled input statistics, the exact inverse "
            "(x / e) ** (1 / g) is applied to all three channels, and a reduced MIRNet-v2 "
            "(n_feat=16, n_MRB=1) adds a residual to the inverted image",
            "parameters": 140850,
            "training": "synthetic low light (exposure 0.2-0.6 x gamma 2-3.5, shot + read "
            "noise, 8-bit); L1 on the output + 0.25 L1 on the tone inverse alone + 0.1 L1 of "
            "the predicted against the true (log e, log g); "
            + _COMMON_TRAIN
            + " + the 32 extra images of _synth.EXTRA_TRAIN",
            "command": "train mirnet-enhance-tone --extra-images --seed 21 --iters 800, then "
            "train mirnet-enhance-tone --extra-images --seed 22 --lr 3e-4 --iters 800 --init "
            "<first .pth>; see docs/models.md",
            "quality": (
                "+15.91 dB over the dark input (bar +8 met); +3.90 dB over an oracle per-image "
                "gamma fit (bar +1 dB met); 800 + 800 training steps"
            ),
        },
    ),
    "derain": ModelSpec(
        name="derain",
        kind="derain",
        multiple=1,
        arch="codenet",
        config={"n_feat": 16, "n_code": 32, "kernel_sizes": [3, 5], "n_iter": 6},
        files={
            "torchscript": ("derain.pt", _SHA256["derain.pt"]),
            "onnx": ("derain.onnx", _SHA256["derain.onnx"]),
        },
        card={
            "architecture": "CODE-Net-style multi-scale unrolled weighted ISTA (2 scales 3x3/5x5, "
            "16 feature / 32 code channels, 6 steps); density = mean removed brightness "
            "mean(max(input - derained, 0)); CODE-Net read-out (mean LWB-1 channel weight per "
            "scale) in model.density_per_scale",
            "parameters": 40046,
            "training": "synthetic rain on clean crops: stage 1 single-layer streaks; stage 2 "
            "a mixture of thin / wide / dense streak layers (+-40 deg, added or screen-blended, "
            "optional veil) with the density read-out regressed on the added rain amount; "
            + _COMMON_TRAIN,
            "command": "train derain, then train derain-ft --seed 5 --iters 700 --init <stage-1 "
            ".pt>, then derain-ft --seed 7 --lr 3e-4 --density-weight 1.0 --iters 250 --init "
            "<stage-2 .pth>; see docs/models.md",
            "quality": (
                "real pairs (shared/data/derain, never used in training): +3.85 dB mean over 7 "
                "pairs (bar +3 dB met); density Spearman vs synthetic rain level 1.00 per scene, "
                "0.94 pooled over 12 scenes (bar 0.9 met; the LWB read-out: 1.00 / 0.86)"
            ),
        },
    ),
    "stochastic-enhance": ModelSpec(
        name="stochastic-enhance",
        kind="stochastic",
        multiple=1,
        arch="stochastic_tone",
        config={"ngf": 16, "latent_dim": 4, "n_res": 3, "residual_on_inverse": True},
        latent_dim=4,
        files={
            "torchscript": ("stochastic-enhance.pt", _SHA256["stochastic-enhance.pt"]),
            "onnx": ("stochastic-enhance.onnx", _SHA256["stochastic-enhance.onnx"]),
        },
        card={
            "architecture": "exact inverse of the protocol's tone model, x ** (1 / gamma) / gain_c,"
            " with (gamma, gain_c) from a head on pooled image statistics plus a z offset "
            "(learned spread), plus the residual of an Augmented-CycleGAN-style generator with "
            "StyleGAN2 modulated convs fed the tone-inverted image (ngf=16, latent 4; "
            "architectures/stochastic_tone.py)",
            "parameters": 71135,
            "training": "conditional VAE on synthetic low/high-quality pairs (colour gain, gamma,"
            " blur, noise, JPEG) with blur loss; stage 2 adds a best-of-8 prior-sample (IMLE) "
            "L1 term; stages 3-4 add the image-conditioned tone MLP and train by conditional "
            "IMLE only on 96x96 crops with the extra images; stage 5 (shipped) replaces the "
            "tone curve by the explicit inverse (generator from stage 4), conditional IMLE + "
            "auxiliary L1 of the head against the true (gain, gamma); stages 6-8 feed the "
            "generator the tone-inverted image, train the head on more tone-only crops and "
            "add a best-of-8 coverage term for the sampler; " + _COMMON_TRAIN + " (+ "
            "32 extra images from stage 3, _synth.EXTRA_TRAIN)",
            "command": "train stochastic-enhance, then train stochastic-enhance-ft --seed 8 "
            "--iters 300 --init <stage-1 .pt>, then train stochastic-enhance-cond --extra-images "
            "--seed 10 --iters 800 --init <stage-2 .pt>, then the same with --seed 12 --lr 3e-4 "
            "--batch 12 --iters 400 --init <stage-3 .pth>, then train stochastic-enhance-tone "
            "--extra-images --seed 21 --iters 650 --init <stage-4 .pt>, then train "
            "stochastic-enhance-tone-inv --extra-images --seed 31 --iters 550 --init <stage-5 "
            ".pt>, stochastic-enhance-tone-inv-ft --extra-images --seed 32 --iters 480 --init "
            "<stage-6 .pth>, stochastic-enhance-tone-cover --extra-images --seed 33 --iters 440 "
            "--init <stage-7 .pth>; see docs/models.md",
            "quality": (
                "best of 8 z samples +4.74 dB over input on held-out crops (mean bar +3 dB met; "
                "19 of 24 crops >= +3 dB, min -2.76; stage 5 +3.27, 14 of 24); sample spread "
                "(mean pairwise L1) 0.056"
            ),
        },
    ),
    "blur-cnn": ModelSpec(
        name="blur-cnn",
        kind="pairs",
        multiple=1,
        arch="blur_cnn",
        config={"c1": 16, "c2": 32, "c3": 64, "hidden": 64},
        files={
            "torchscript": ("blur-cnn.pt", _SHA256["blur-cnn.pt"]),
            "onnx": ("blur-cnn.onnx", _SHA256["blur-cnn.onnx"]),
        },
        card={
            "architecture": "IVIF three-path residual blur classifier, reduced widths 16/32/64, "
            "64 hidden units; input intensity + |Sobel| channels",
            "parameters": 301762,
            "training": "clean/blurred co-located 32x32 window pairs (Gaussian sigma 9 size "
            "9-15, Gaussian sigma 1-3, disc radius 2-5); " + _COMMON_TRAIN,
            "command": "python -m jointfilter.models.train blur-cnn --data ../shared/data/clean "
            "--out weights/blur-cnn.pt",
            "quality": (
                "100.0% on 2,000 held-out textured pairs (bar 95% met); swapping halves flips 100%"
            ),
        },
    ),
}
