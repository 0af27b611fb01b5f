"""Stochastic enhancement: a generator with StyleGAN2-style modulated convolutions.

Modified Augmented CycleGAN (``docs/models.md`` §2): ``G(x, z)`` maps a low-quality image and a
latent code ``z`` (``N x latent_dim``) to an enhanced image; different ``z`` give different,
plausible enhancements, a fixed ``z`` is deterministic. The modulated convolution is written in
the export-friendly scaled-input form (no batch-folded grouped conv)::

    y[n, o] = d[n, o] * conv(x[n, c] * (s[n, c] + 1), W)[o]
    d[n, o] = (sum_{c,k} W[o, c, k]^2 (s[n, c] + 1)^2 + 1e-8) ** -0.5

Our modifications for CPU training: the generator predicts a bounded residual
(``0.5 tanh(.)``) on top of a latent-controlled global tone curve of the input
(per-channel gamma, gain and offset from a linear map of ``z``, identity at ``z``-map zero),
instead of the absolute image; the latent therefore steers colour/tone as well as detail.
With ``cond_tone=True`` (the shipped variant since stage 3) a small MLP of pooled image
statistics (per-channel mean, standard deviation and mean log of the input, the spatial mean of
the stem features) and ``z`` is added to the nine tone parameters, so the tone curve follows the
image and ``z`` only has to cover what the statistics leave open. Its last layer starts at zero
(a ``z``-only file loads as the starting point). The pooling spans the whole input: tiled and
whole-image results then differ slightly (as for MIRNet).
:class:`LatentEncoder` (training only, not exported) infers ``z`` from an (input, target)
pair as a Gaussian posterior.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._heads import zero_last_mlp

__all__ = ["LatentEncoder", "ModulatedConv2d", "StochasticEnhancer"]


class ModulatedConv2d(nn.Module):
    """3x3 modulated + demodulated convolution, style from a linear map of ``z``."""

    def __init__(self, cin: int, cout: int, latent_dim: int, k: int = 3) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k) * (2.0 / (cin * k * k)) ** 0.5)
        self.style = nn.Linear(latent_dim, cin)
        nn.init.normal_(self.style.weight, 0.0, 0.02)
        nn.init.zeros_(self.style.bias)
        self.pad = k // 2

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        s = self.style(z) + 1.0  # N, Cin
        wsq = self.weight.pow(2).sum(dim=(2, 3))  # Cout, Cin
        d = torch.rsqrt(s.pow(2) @ wsq.t() + 1e-8)  # N, Cout
        y = F.conv2d(x * s[:, :, None, None], self.weight, padding=self.pad)
        return y * d[:, :, None, None]


def add_trunk(m: nn.Module, ngf: int, latent_dim: int, n_res: int) -> None:
    """Register the generator trunk on ``m``: ``stem``, ``res``, ``mod1``, ``mod2``, ``out``.

    Shared by :class:`StochasticEnhancer` and
    :class:`~jointfilter.models.architectures.stochastic_tone.StochasticTone` under the same
    module names, so trained generator weights load into either.
    """
    m.stem = nn.Sequential(
        nn.Conv2d(3, ngf, 7, padding=3),
        nn.LeakyReLU(0.2),
        nn.Conv2d(ngf, ngf, 3, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(ngf, 2 * ngf, 3, padding=1),
        nn.LeakyReLU(0.2),
    )
    m.res = nn.ModuleList([ModulatedConv2d(2 * ngf, 2 * ngf, latent_dim) for _ in range(n_res)])
    m.mod1 = ModulatedConv2d(2 * ngf, 2 * ngf, latent_dim)
    m.mod2 = ModulatedConv2d(2 * ngf, ngf, latent_dim)
    m.out = nn.Conv2d(ngf, 3, 7, padding=3)
    nn.init.zeros_(m.out.bias)


def trunk_features(m: nn.Module, h: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """The trunk after its stem: modulated residual blocks, then ``mod1`` and ``mod2``."""
    for block in m.res:
        h = F.leaky_relu(F.leaky_relu(block(h, z), 0.2) + h, 0.2)
    h = F.leaky_relu(m.mod1(h, z), 0.2)
    return F.leaky_relu(m.mod2(h, z), 0.2)


class StochasticEnhancer(nn.Module):
    """Generator ``G(x, z)``; ``forward(x, z)`` with ``x`` in [0, 1], ``z`` of shape (N, latent).

    Parameters
    ----------
    ngf : int
        Base width (32 in the original, 16 for the shipped variant).
    latent_dim : int
        Size of the latent code (4).
    n_res : int
        Modulated residual blocks (3).
    cond_tone : bool
        Predict the tone curve from pooled image statistics and ``z`` (an MLP with
        ``tone_hidden`` units) instead of from ``z`` alone.
    tone_hidden : int
        Hidden width of that MLP (64).
    """

    def __init__(
        self,
        ngf: int = 16,
        latent_dim: int = 4,
        n_res: int = 3,
        cond_tone: bool = False,
        tone_hidden: int = 64,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.multiple = 1
        add_trunk(self, ngf, latent_dim, n_res)
        self.out.weight.data *= 0.1
        self.tone = nn.Linear(latent_dim, 9)
        nn.init.normal_(self.tone.weight, 0.0, 0.02)
        nn.init.zeros_(self.tone.bias)
        self.cond_tone = bool(cond_tone)
        if self.cond_tone:
            # added to tone(z): zero-initialised, so a z-only model loads as its starting point
            self.tone_mlp = zero_last_mlp([2 * ngf + 9 + latent_dim, tone_hidden, tone_hidden, 9])

    def tone_params(self, x: torch.Tensor, h: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The nine tone parameters ``N x 9`` (log-gamma, gain - 1, offset per channel)."""
        if not self.cond_tone:
            return self.tone(z)
        m = x.mean(dim=(2, 3))
        sd = torch.sqrt((x * x).mean(dim=(2, 3)) - m * m + 1e-6)
        lg = torch.log(x.clamp(1e-3, 1.0)).mean(dim=(2, 3))
        feats = torch.cat([h.mean(dim=(2, 3)), m, sd, lg, z], dim=1)
        return self.tone(z) + self.tone_mlp(feats)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.stem(2.0 * x - 1.0)
        t = self.tone_params(x, h, z)[:, :, None, None]  # N, 9, 1, 1
        h = trunk_features(self, h, z)
        toned = x.clamp(1e-3, 1.0).pow(torch.exp(t[:, 0:3])) * (1.0 + t[:, 3:6]) + t[:, 6:9]
        return toned + 0.5 * torch.tanh(self.out(h))


class LatentEncoder(nn.Module):
    """``E(x, y)`` -> (mean, log-variance) of the latent posterior (training only)."""

    def __init__(self, nef: int = 16, latent_dim: int = 4) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 6
        for cout in (nef, 2 * nef, 4 * nef, 4 * nef):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            cin = cout
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin + 12, 2 * latent_dim)
        self.latent_dim = latent_dim

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(torch.cat([x, y], dim=1)).mean(dim=(2, 3))
        stats = torch.cat(
            [x.mean(dim=(2, 3)), y.mean(dim=(2, 3)), x.std(dim=(2, 3)), y.std(dim=(2, 3))], dim=1
        )
        out = self.fc(torch.cat([h, stats], dim=1))
        return out[:, : self.latent_dim], out[:, self.latent_dim :].clamp(-8.0, 4.0)
