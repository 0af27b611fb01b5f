"""MIRNet-v2 behind a global tone inverse: the structural prior of ``mirnet-enhance-tone``.

The low-light protocol darkens every channel alike, ``y = e * x**g`` (plus noise), so the
model does not let a network re-learn the colours: a small head predicts *one* exposure ``e``
and gamma ``g`` per image from pooled statistics of the input, the exact inverse
``(y / e) ** (1 / g)`` is applied to all three channels with those same two numbers, and a
reduced MIRNet-v2 only adds a residual (denoising, detail) to the inverted image. Its last conv
starts at zero, so an untrained model *is* the tone inverse at the head's prior (e, g).

Input ``N x 3 x H x W`` in [0, 1] (H, W multiples of 4); output ``N x 3 x H x W``.
``tone_params(x)`` returns the per-image ``(e, g)`` and ``invert(x, e, g)`` the tone inverse,
so both can be used and tested on their own.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._heads import strided_stem, zero_last_mlp
from .mirnet_v2 import MIRNetV2

__all__ = ["GlobalToneHead", "MIRNetTone", "tone_inverse"]


def tone_inverse(x: torch.Tensor, e: torch.Tensor, g: torch.Tensor, floor: float) -> torch.Tensor:
    """``clamp((max(x, floor) / e) ** (1 / g), 0, 1)`` with ``e``, ``g`` of shape ``N``.

    The same two numbers act on every channel and pixel of an image; ``x`` is floored before
    the power (a zero input pixel would otherwise give a zero or infinite gradient).
    """
    e4 = e.reshape(-1, 1, 1, 1)
    g4 = g.reshape(-1, 1, 1, 1)
    lx = torch.log(x.clamp(floor, 1.0))
    return torch.exp((lx - torch.log(e4)) / g4).clamp(0.0, 1.0)


class GlobalToneHead(nn.Module):
    """Per-image exposure and gamma from pooled statistics of the dark input.

    Features (all pooled over the whole image, so the result is one pair per image): soft
    histograms (Gaussian bins) of the log of the per-pixel channel maximum and channel mean,
    per-channel mean and standard deviation of the log-intensity and of the intensity, and the
    mean- and max-pooled features of a two-layer strided conv stem on the log-intensity. An MLP
    maps them to ``e`` in ``e_range`` and ``g`` in ``g_range`` through sigmoids; its last layer
    starts at zero weights with the bias at ``(e_init, g_init)``.
    """

    def __init__(
        self,
        n_bins: int = 24,
        hidden: int = 64,
        stem: int = 16,
        floor: float = 1e-3,
        e_range: tuple[float, float] = (0.05, 1.0),
        g_range: tuple[float, float] = (1.0, 5.0),
        e_init: float = 0.4,
        g_init: float = 2.75,
    ) -> None:
        super().__init__()
        self.floor = float(floor)
        self.e_lo, self.e_hi = float(e_range[0]), float(e_range[1])
        self.g_lo, self.g_hi = float(g_range[0]), float(g_range[1])
        lo = math.log(self.floor)
        centres = torch.linspace(lo, 0.0, n_bins)
        self.register_buffer("centres", centres.reshape(1, n_bins, 1, 1), persistent=False)
        self.width = float(-lo / (n_bins - 1))
        self.log_scale = float(-lo)  # log-intensity / log_scale lies in [-1, 0]
        self.stem = strided_stem(3, stem)
        n_in = 2 * n_bins + 12 + 4 * stem
        self.mlp = zero_last_mlp([n_in, hidden, hidden, 2])  # bias set to (e_init, g_init) below
        pe = (e_init - self.e_lo) / (self.e_hi - self.e_lo)
        pg = (g_init - self.g_lo) / (self.g_hi - self.g_lo)
        with torch.no_grad():
            logits = [math.log(pe / (1 - pe)), math.log(pg / (1 - pg))]
            self.mlp[-1].bias.copy_(torch.tensor(logits))

    def _hist(self, v: torch.Tensor) -> torch.Tensor:
        # v: N, 1, H, W log-intensities -> N, n_bins soft histogram (sums to ~1 per image)
        w = torch.exp(-0.5 * ((v - self.centres) / self.width) ** 2)
        w = w / (w.sum(dim=1, keepdim=True) + 1e-6)
        return w.mean(dim=(2, 3))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled statistics ``N x F`` of the input the MLP sees."""
        xc = x.clamp(self.floor, 1.0)
        lx = torch.log(xc)
        hmax = self._hist(lx.max(dim=1, keepdim=True)[0])
        hmean = self._hist(lx.mean(dim=1, keepdim=True))
        ml = lx.mean(dim=(2, 3))
        sl = torch.sqrt(((lx - ml[:, :, None, None]) ** 2).mean(dim=(2, 3)) + 1e-6)
        mx = xc.mean(dim=(2, 3))
        sx = torch.sqrt(((xc - mx[:, :, None, None]) ** 2).mean(dim=(2, 3)) + 1e-6)
        h = self.stem(lx / self.log_scale)
        pooled = torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)
        return torch.cat([hmax, hmean, ml / self.log_scale, sl, 4.0 * mx, 4.0 * sx, pooled], 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = self.mlp(self.features(x))
        e = self.e_lo + (self.e_hi - self.e_lo) * torch.sigmoid(t[:, 0])
        g = self.g_lo + (self.g_hi - self.g_lo) * torch.sigmoid(t[:, 1])
        return e, g


class MIRNetTone(nn.Module):
    """Global tone inverse (``GlobalToneHead``) + reduced MIRNet-v2 residual.

    Parameters
    ----------
    n_feat, n_MRB, chan_factor : int, int, float
        Passed to :class:`~jointfilter.models.architectures.mirnet_v2.MIRNetV2` (the residual
        network, module ``net``; its keys are those of a plain MIRNet-v2 under ``net.``).
    n_bins, tone_hidden, tone_stem : int
        Histogram bins, MLP width and stem width of the tone head (module ``tone``).
    floor : float
        Inputs are clipped to ``>= floor`` before the log / power (1e-3, about a quarter of an
        8-bit step).
    zero_residual : bool
        Zero-initialise the residual network's last conv, so the untrained model returns the
        tone inverse exactly.
    """

    def __init__(
        self,
        n_feat: int = 16,
        n_MRB: int = 1,
        chan_factor: float = 1.5,
        n_bins: int = 24,
        tone_hidden: int = 64,
        tone_stem: int = 16,
        floor: float = 1e-3,
        zero_residual: bool = True,
    ) -> None:
        super().__init__()
        self.multiple = 4
        self.floor = float(floor)
        self.tone = GlobalToneHead(n_bins, tone_hidden, tone_stem, floor)
        self.net = MIRNetV2(n_feat=n_feat, chan_factor=chan_factor, n_MRB=n_MRB)
        if zero_residual:
            nn.init.zeros_(self.net.conv_out.weight)

    def tone_params(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-image exposure and gamma, each of shape ``N``."""
        return self.tone(x)

    def invert(self, x: torch.Tensor, e: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        """The tone inverse ``(x / e) ** (1 / g)`` (same curve on every channel), clamped."""
        return tone_inverse(x, e, g, self.floor)

    def forward_parts(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(output, inverse, e, g)``: the training loss uses all four."""
        e, g = self.tone(x)
        inv = self.invert(x, e, g)
        return self.net(inv), inv, e, g

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_parts(x)[0]
