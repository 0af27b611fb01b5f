"""CODE-Net-style deraining: multi-scale unrolled convolutional sparse coding (LwISTA).

Written from the paper's description and ``docs/models.md`` §3 (He et al., "Single Image
Deraining with Continuous Rain Density Estimation", 2020). A rainy image ``y = x + r``: an
extractor maps ``y`` to rain-streak features ``f``; for each scale ``s`` (kernel size 3, 5, ...)
an analysis conv ``DT_s`` and a synthesis conv ``D_s`` define a convolutional dictionary, and a
fixed number of learned, *weighted* ISTA steps refine the sparse codes ``c_s``::

    c_s = LWB_s2(ReLU(LWB_s1(DT_s f - T_s[0])))
    repeat n_iter times:
        e   = f - sum_s D_s c_s
        c_s = LWB_s2(ReLU(LWB_s1(c_s + DT_s e - T_s[i])))
    out = y + head(ReLU(sum_s D_s c_s))

LWB ("learned weight block") is channel attention (global pool, 1x1 bottleneck, sigmoid); the
pair of LWBs per scale is shared by all iterations. The **rain-density estimate** is the mean of
the channel weights produced by ``LWB_s1`` on the last step, one number per scale (shape
``(N, n_scales)``); :meth:`CODENet.forward` returns ``(derained, rde)``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CODENet"]


class LWB(nn.Module):
    """Learned weight block: ``x * w`` with ``w = sigmoid(W2 relu(W1 avgpool(x)))``."""

    def __init__(self, c: int, reduction: int = 4) -> None:
        super().__init__()
        self.fc = nn.Sequential(
            nn.Conv2d(c, max(c // reduction, 1), 1, bias=False),
            nn.ReLU(),
            nn.Conv2d(max(c // reduction, 1), c, 1, bias=False),
            nn.Sigmoid(),
        )

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """Channel weights in (0, 2): ``2 * sigmoid(.)`` so that an untrained block is ~identity
        (keeps the signal scale through the unrolled steps; the density read-out halves it)."""
        return 2.0 * self.fc(x.mean(dim=(2, 3), keepdim=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weights(x)


class CODENet(nn.Module):
    """Multi-scale CODE-Net.

    Parameters
    ----------
    channels : int
        Image channels (3).
    n_feat : int
        Feature channels of the extractor (48 in the released multi-scale model, 16 tiny).
    n_code : int
        Code channels per scale (96 released, 32 tiny).
    kernel_sizes : tuple of int
        One dictionary scale per kernel size ((3, 5, 7) released, (3, 5) tiny).
    n_iter : int
        Unrolled ISTA steps after the initialisation (25 released, 6 tiny); a constructor
        constant, never a forward argument, so the traced graph has a fixed loop.
    """

    def __init__(
        self,
        channels: int = 3,
        n_feat: int = 16,
        n_code: int = 32,
        kernel_sizes: tuple[int, ...] = (3, 5),
        n_iter: int = 6,
    ) -> None:
        super().__init__()
        self.n_iter = n_iter
        self.multiple = 1
        self.extract = nn.Sequential(
            nn.Conv2d(channels, n_feat, 3, padding=1, bias=False),
            nn.ReLU(),
            nn.Conv2d(n_feat, n_feat, 3, padding=1, bias=False),
            nn.ReLU(),
        )
        self.analysis = nn.ModuleList(
            [nn.Conv2d(n_feat, n_code, k, padding=k // 2, bias=False) for k in kernel_sizes]
        )
        self.synthesis = nn.ModuleList(
            [nn.Conv2d(n_code, n_feat, k, padding=k // 2, bias=False) for k in kernel_sizes]
        )
        self.lwb1 = nn.ModuleList([LWB(n_code) for _ in kernel_sizes])
        self.lwb2 = nn.ModuleList([LWB(n_code) for _ in kernel_sizes])
        self.thresholds = nn.Parameter(torch.zeros(len(kernel_sizes), n_iter + 1))
        self.head = nn.Conv2d(n_feat, channels, 3, padding=1, bias=False)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
        # small dictionary (a contractive ISTA step at initialisation) and a near-zero head
        for conv in [*self.analysis, *self.synthesis]:
            conv.weight.data *= 0.2
        self.head.weight.data *= 0.1

    def _step(self, s: int, v: torch.Tensor, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        v = v - self.thresholds[s, i]
        w = self.lwb1[s].weights(v)
        return self.lwb2[s](torch.relu(v * w)), w

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.extract(y)
        n_scales = len(self.analysis)
        codes: list[torch.Tensor] = []
        weights: list[torch.Tensor] = []
        for s in range(n_scales):
            c, w = self._step(s, self.analysis[s](f), 0)
            codes.append(c)
            weights.append(w)
        for i in range(1, self.n_iter + 1):
            recon = self.synthesis[0](codes[0])
            for s in range(1, n_scales):
                recon = recon + self.synthesis[s](codes[s])
            e = f - recon
            new_codes: list[torch.Tensor] = []
            for s in range(n_scales):
                c, w = self._step(s, codes[s] + self.analysis[s](e), i)
                new_codes.append(c)
                weights[s] = w
            codes = new_codes
        rain = self.synthesis[0](codes[0])
        for s in range(1, n_scales):
            rain = rain + self.synthesis[s](codes[s])
        out = y + self.head(torch.relu(rain))
        rde = torch.stack([0.5 * w.mean(dim=(1, 2, 3)) for w in weights], dim=1)
        return out, rde
