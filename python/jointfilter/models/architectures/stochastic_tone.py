"""Stochastic enhancement behind an explicit parametric tone inverse (``stochastic_tone``).

The ``stochastic-enhance`` protocol degrades the tone as ``x = (gain_c * y) ** gamma`` (one
gamma per image, one gain per channel) before blur, noise and JPEG. This model does not let a
network re-learn that curve: a head predicts ``t0 = (log gamma, log gain_0, log gain_1,
log gain_2)`` from pooled statistics of the input, the latent ``z ~ N(0, I)`` moves the four
parameters around that estimate (a learned per-parameter spread times a linear map of ``z``,
plus a zero-initialised MLP of ``z`` and ``t0``), and the *exact* inverse
``clamp(max(x, floor) ** (1 / gamma) / gain_c, 0, 1)`` is applied. The modulated-conv
generator of :mod:`.stochastic` (same module names ``stem``, ``res``, ``mod1``, ``mod2``,
``out``, so a shipped ``stochastic`` file initialises it) adds a bounded residual
``0.5 tanh(out(h))`` (deblur, denoise, deJPEG); its last conv starts at zero, so an untrained
model *is* the tone inverse. With ``residual_on_inverse`` (stage 6 on) the generator is fed the
tone-inverted image at the sampled parameters instead of the degraded input, so the residual
restores detail of an image whose tone is already undone rather than re-learning the tone.

``forward(x, z)`` with ``x`` ``N x 3 x H x W`` in [0, 1] and ``z`` ``N x latent_dim``; a fixed
``z`` is deterministic. ``tone_params(x)`` is the z-free estimate (trained against the true
protocol parameters), ``params(x, z)`` the sampled ones and ``invert(x, t)`` the inverse. The
pooling spans the whole input (tiled and whole-image results differ slightly).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._heads import strided_stem, zero_last_mlp
from .stochastic import add_trunk, trunk_features

__all__ = ["StochasticTone", "ToneHead", "tone_inverse_rgb"]


def tone_inverse_rgb(x: torch.Tensor, t: torch.Tensor, floor: float) -> torch.Tensor:
    """``clamp(max(x, floor) ** (1 / gamma) / gain_c, 0, 1)``.

    ``t`` is ``N x 4``: ``(log gamma, log gain_0, log gain_1, log gain_2)``; the inverse of the
    protocol's ``x = (gain_c * y) ** gamma``, computed in the log domain.
    """
    lg = t[:, 0:1, None, None]
    lgain = t[:, 1:4, None, None]
    lx = torch.log(x.clamp(floor, 1.0))
    return torch.exp(lx * torch.exp(-lg) - lgain).clamp(0.0, 1.0)


class ToneHead(nn.Module):
    """``(log gamma, log gain_c)`` per image from pooled statistics of the degraded input.

    Features (pooled over the whole 2x-average-pooled input): per-channel soft histograms of
    the intensity (Gaussian bins), per-channel mean and standard deviation of the intensity and
    of its log, and the mean- and max-pooled features of a two-layer strided conv stem. An MLP
    maps them to four numbers; its last layer starts at zero (gamma = gain = 1) and the outputs
    are bounded by ``bound * tanh``.
    """

    def __init__(
        self,
        n_bins: int = 12,
        hidden: int = 64,
        stem: int = 16,
        floor: float = 1e-3,
        bound: tuple[float, float] = (0.6, 0.4),
    ) -> None:
        super().__init__()
        self.floor = float(floor)
        centres = torch.linspace(0.0, 1.0, n_bins)
        self.register_buffer("centres", centres.reshape(1, 1, n_bins, 1, 1), persistent=False)
        self.width = float(1.0 / (n_bins - 1))
        self.register_buffer(
            "bound",
            torch.tensor([bound[0], bound[1], bound[1], bound[1]]).reshape(1, 4),
            persistent=False,
        )
        self.stem = strided_stem(3, stem)
        self.n_features = 3 * n_bins + 12 + 4 * stem
        self.mlp = zero_last_mlp([self.n_features, hidden, hidden, 4])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled statistics ``N x F`` the MLP sees."""
        xp = F.avg_pool2d(x.clamp(self.floor, 1.0), 2, ceil_mode=True)
        w = torch.exp(-0.5 * ((xp[:, :, None] - self.centres) / self.width) ** 2)
        w = w / (w.sum(dim=2, keepdim=True) + 1e-6)
        hist = w.mean(dim=(3, 4)).flatten(1)  # N, 3 * n_bins
        lx = torch.log(xp)
        m = xp.mean(dim=(2, 3))
        sd = torch.sqrt(((xp - m[:, :, None, None]) ** 2).mean(dim=(2, 3)) + 1e-6)
        ml = lx.mean(dim=(2, 3))
        sl = torch.sqrt(((lx - ml[:, :, None, None]) ** 2).mean(dim=(2, 3)) + 1e-6)
        h = self.stem(2.0 * xp - 1.0)
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return torch.cat([4.0 * hist, 2.0 * m, 4.0 * sd, ml / 3.0, sl, pooled], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bound * torch.tanh(self.mlp(self.features(x)))


class StochasticTone(nn.Module):
    """Tone inverse (head + ``z`` spread) + modulated-conv residual generator.

    Parameters
    ----------
    ngf, latent_dim, n_res : int
        Generator width, latent size and modulated residual blocks, as
        :class:`~jointfilter.models.architectures.stochastic.StochasticEnhancer`.
    n_bins, tone_hidden, tone_stem : int
        Histogram bins per channel, MLP width and stem width of the tone head.
    spread : tuple of float
        Initial standard deviation of the ``z`` offset of (log gamma, log gain).
    floor : float
        Inputs are clipped to ``>= floor`` before the log / power.
    zero_residual : bool
        Zero-initialise the generator's last conv (the untrained model is the tone inverse).
    residual_on_inverse : bool
        Feed the generator the tone-inverted image (at the sampled parameters) instead of the
        degraded input, so that the residual only restores detail (deblur, denoise, deJPEG)
        of an image whose tone is already undone (stage 6; stage 5 used the input).
    """

    def __init__(
        self,
        ngf: int = 16,
        latent_dim: int = 4,
        n_res: int = 3,
        n_bins: int = 12,
        tone_hidden: int = 64,
        tone_stem: int = 16,
        spread: tuple[float, float] = (0.08, 0.05),
        floor: float = 1e-3,
        zero_residual: bool = True,
        residual_on_inverse: bool = False,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.multiple = 1
        self.floor = float(floor)
        self.residual_on_inverse = bool(residual_on_inverse)
        self.head = ToneHead(n_bins, tone_hidden, tone_stem, floor)
        self.zproj = nn.Linear(latent_dim, 4, bias=False)
        with torch.no_grad():
            self.zproj.weight.zero_()
            for i in range(4):  # parameter i follows z[i mod latent_dim]
                self.zproj.weight[i, i % latent_dim] = 1.0
        s = torch.tensor([spread[0], spread[1], spread[1], spread[1]])
        self.log_spread = nn.Parameter(torch.log(s))
        self.zoff = zero_last_mlp([latent_dim + 4, 32, 4])
        add_trunk(self, ngf, latent_dim, n_res)
        if zero_residual:
            nn.init.zeros_(self.out.weight)

    def tone_params(self, x: torch.Tensor) -> torch.Tensor:
        """The z-free estimate ``N x 4``: (log gamma, log gain_0, log gain_1, log gain_2)."""
        return self.head(x)

    def offset(self, t0: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The ``z``-dependent move of the four log-parameters around ``t0``."""
        return torch.exp(self.log_spread) * self.zproj(z) + self.zoff(torch.cat([z, t0], 1))

    def sampled(self, t0: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Log-parameters ``N x 4`` for ``z`` around the estimate ``t0``, clamped (safe range)."""
        return (t0 + self.offset(t0, z)).clamp(-1.0, 1.0)

    def params(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Sampled log-parameters ``N x 4`` (estimate + ``z`` offset, clamped to a safe range)."""
        return self.sampled(self.head(x), z)

    def invert(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The exact tone inverse for log-parameters ``t`` (see :func:`tone_inverse_rgb`)."""
        return tone_inverse_rgb(x, t, self.floor)

    def residual(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The generator's bounded residual ``0.5 tanh(out(h))`` for generator input ``x``."""
        h = trunk_features(self, self.stem(2.0 * x - 1.0), z)
        return 0.5 * torch.tanh(self.out(h))

    def forward_parts(self, x: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(output, inverse, t, t0)``: the training loss uses all four."""
        t0 = self.head(x)
        t = self.sampled(t0, z)
        inv = self.invert(x, t)
        return inv + self.residual(inv if self.residual_on_inverse else x, z), inv, t, t0

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.forward_parts(x, z)[0]
