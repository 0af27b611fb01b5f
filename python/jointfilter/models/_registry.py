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
    "mirnet-denoise.pt": "9f1ca2779eff028c9ad791ea999aab65e59498e0f62e61d4e214da82f7ec6424",
    "mirnet-denoise.onnx": "c84d8dacf70da7771b2551d509506be8409f8ca2a482fa74aeaa391a1062aa96",
    "mirnet-enhance.pt": "60113b88ab4dbe143b10e34c7ea43e3850cc349f4dfb19c69b8e59d13c6dca88",
    "mirnet-enhance.onnx": "75e201cde64e264f2321dd2a0a9b27676fab75e72274e27245dc3a63bfdc6f9f",
    "derain.pt": "5e0a99f00ac53a406e06bec722e05bf07649110a9f02b9104e8941bfdb84b14f",
    "derain.onnx": "8f1ced33983d9d75b9f6413562b1b562c1a20b2fcd2861ac7589d43fb6f16692",
    "stochastic-enhance.pt": "ba83d2e1f5267a4613a2e10c5a742953f348371b09d642e71581b012e409e7ed",
    "stochastic-enhance.onnx": "46641f61745d0ac5891b1b769613faf0b71b5f747281984f3db11a83e2dd376a",
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
            "command": "4 stages: train mirnet-denoise, then train mirnet-denoise-ft "
            "--init <previous .pth> with seeds 1, 2, 3 (the last two --iters 300); "
            "see docs/models.md",
            "quality": (
                "sigma 25/255 on 24 held-out crops: 29.65 dB, +8.90 dB over the noisy input (bar "
                "+9 dB not met), +1.42 dB over the best jf.guided_filter setting (bar +1 dB met)"
            ),
        },
    ),
    "mirnet-enhance": ModelSpec(
        name="mirnet-enhance",
        kind="image",
        multiple=4,
        arch="mirnet_v2",
        config={"n_feat": 16, "n_MRB": 1},
        files={
            "torchscript": ("mirnet-enhance.pt", _SHA256["mirnet-enhance.pt"]),
            "onnx": ("mirnet-enhance.onnx", _SHA256["mirnet-enhance.onnx"]),
        },
        card={
            "architecture": "MIRNet-v2 (TPAMI 2022), reduced: n_feat=16, n_MRB=1",
            "parameters": 123472,
            "training": "synthetic low light (exposure 0.2-0.6 x gamma 2-3.5, shot + read "
            "noise, 8-bit); " + _COMMON_TRAIN,
            "command": "python -m jointfilter.models.train mirnet-enhance --data "
            "../shared/data/clean --out weights/mirnet-enhance.pt",
            "quality": (
                "+11.50 dB over the dark input (bar +8 met); -0.51 dB vs an oracle per-image "
                "gamma fit (bar +1 dB not met); 346 training steps (time cap)"
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
            "16 feature / 32 code channels, 6 steps); rain-density read-out = "
            "mean LWB-1 channel weight per scale",
            "parameters": 40046,
            "training": "synthetic streak rain on clean crops; " + _COMMON_TRAIN,
            "command": "python -m jointfilter.models.train derain --data ../shared/data/clean "
            "--out weights/derain.pt",
            "quality": (
                "real pairs (shared/data/derain): +2.40 dB mean over 7 pairs (+3.30 on Rain100L),"
                " bar +3 dB not met; density read-out per-scene Spearman 0.99, pooled 0.78 (bar "
                "0.9 not met pooled)"
            ),
        },
    ),
    "stochastic-enhance": ModelSpec(
        name="stochastic-enhance",
        kind="stochastic",
        multiple=1,
        arch="stochastic",
        config={"ngf": 16, "latent_dim": 4, "n_res": 3},
        latent_dim=4,
        files={
            "torchscript": ("stochastic-enhance.pt", _SHA256["stochastic-enhance.pt"]),
            "onnx": ("stochastic-enhance.onnx", _SHA256["stochastic-enhance.onnx"]),
        },
        card={
            "architecture": "Augmented-CycleGAN-style generator with StyleGAN2 modulated convs "
            "(ngf=16, latent 4), residual output",
            "parameters": 53955,
            "training": "conditional VAE on synthetic low/high-quality pairs (colour gain, gamma,"
            " blur, noise, JPEG) with blur loss; " + _COMMON_TRAIN,
            "command": "python -m jointfilter.models.train stochastic-enhance --data "
            "../shared/data/clean --out weights/stochastic-enhance.pt",
            "quality": (
                "best of 8 z samples +1.56 dB over input (bar +3 dB not met); sample spread (mean"
                " pairwise L1) 0.055"
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
