"""MIRNet-v2 (Zamir et al., TPAMI 2022), written so that the official checkpoints load strictly.

Like the official network, the four RRGs use grouped convolutions with groups 1, 2, 4, 4 and the
``n_RRG``, ``height`` and ``width`` arguments are accepted but do not change the network.
Input ``N x C x H x W`` in [0, 1], H and W multiples of 4; output ``conv_out(body(x)) + x``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MIRNetV2"]


class _ContextBlock(nn.Module):
    def __init__(self, c: int, bias: bool = False) -> None:
        super().__init__()
        self.conv_mask = nn.Conv2d(c, 1, 1, bias=bias)
        self.channel_add_conv = nn.Sequential(
            nn.Conv2d(c, c, 1, bias=bias), nn.LeakyReLU(0.2), nn.Conv2d(c, c, 1, bias=bias)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = self.conv_mask(x).flatten(2).softmax(dim=-1)  # N, 1, HW
        context = (x.flatten(2) * mask).sum(dim=-1)[:, :, None, None]  # N, C, 1, 1
        return x + self.channel_add_conv(context)


class RCB(nn.Module):
    """Residual contextual block (grouped convs + global-context attention)."""

    def __init__(self, c: int, bias: bool = False, groups: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c, c, 3, padding=1, bias=bias, groups=groups),
            nn.LeakyReLU(0.2),
            nn.Conv2d(c, c, 3, padding=1, bias=bias, groups=groups),
        )
        self.gcnet = _ContextBlock(c, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.gcnet(self.body(x)), 0.2) + x


class _DownStep(nn.Module):
    def __init__(self, c: int, factor: float, bias: bool = False) -> None:
        super().__init__()
        self.bot = nn.Sequential(
            nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False),
            nn.Conv2d(c, int(c * factor), 1, bias=bias),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bot(x)


class _UpStep(nn.Module):
    def __init__(self, c: int, factor: float, bias: bool = False) -> None:
        super().__init__()
        self.bot = nn.Sequential(
            nn.Conv2d(c, int(c // factor), 1, bias=bias),
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bot(x)


class _Resample(nn.Module):
    def __init__(self, step: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(step)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class SKFF(nn.Module):
    """Selective kernel feature fusion of ``height`` inputs (LeakyReLU variant)."""

    def __init__(self, c: int, height: int = 2, reduction: int = 8, bias: bool = False) -> None:
        super().__init__()
        d = max(int(c / reduction), 4)
        self.conv_du = nn.Sequential(nn.Conv2d(c, d, 1, bias=bias), nn.LeakyReLU(0.2))
        self.fcs = nn.ModuleList([nn.Conv2d(d, c, 1, bias=bias) for _ in range(height)])

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        stacked = torch.stack(feats, dim=1)
        z = self.conv_du(stacked.sum(dim=1).mean(dim=(2, 3), keepdim=True))
        att = torch.stack([fc(z) for fc in self.fcs], dim=1).softmax(dim=1)
        return (stacked * att).sum(dim=1)


class MRB(nn.Module):
    """Multi-scale residual block with three streams (1, 1/2, 1/4)."""

    def __init__(
        self, n_feat: int, chan_factor: float, bias: bool = False, groups: int = 1
    ) -> None:
        super().__init__()
        c0, c1, c2 = (int(n_feat * chan_factor**i) for i in range(3))
        self.dau_top = RCB(c0, bias, groups)
        self.dau_mid = RCB(c1, bias, groups)
        self.dau_bot = RCB(c2, bias, groups)
        self.down2 = _Resample(_DownStep(c0, chan_factor, bias))
        self.down4 = nn.Sequential(
            _Resample(_DownStep(c0, chan_factor, bias)), _Resample(_DownStep(c1, chan_factor, bias))
        )
        self.up21_1 = _Resample(_UpStep(c1, chan_factor, bias))
        self.up21_2 = _Resample(_UpStep(c1, chan_factor, bias))
        self.up32_1 = _Resample(_UpStep(c2, chan_factor, bias))
        self.up32_2 = _Resample(_UpStep(c2, chan_factor, bias))
        self.conv_out = nn.Conv2d(c0, c0, 1, bias=bias)
        self.skff_top = SKFF(c0, 2, bias=bias)
        self.skff_mid = SKFF(c1, 2, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, mid, bot = x, self.down2(x), self.down4(x)
        top, mid, bot = self.dau_top(top), self.dau_mid(mid), self.dau_bot(bot)
        mid = self.skff_mid([mid, self.up32_1(bot)])
        top = self.skff_top([top, self.up21_1(mid)])
        top, mid, bot = self.dau_top(top), self.dau_mid(mid), self.dau_bot(bot)
        mid = self.skff_mid([mid, self.up32_2(bot)])
        top = self.skff_top([top, self.up21_2(mid)])
        return self.conv_out(top) + x


class RRG(nn.Module):
    """Recursive residual group: MRBs, a 3x3 conv and a residual connection."""

    def __init__(
        self, n_feat: int, n_mrb: int, chan_factor: float, bias: bool = False, groups: int = 1
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [MRB(n_feat, chan_factor, bias, groups) for _ in range(n_mrb)]
        layers.append(nn.Conv2d(n_feat, n_feat, 3, padding=1, bias=bias))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class MIRNetV2(nn.Module):
    """MIRNet-v2 with the official defaults (5,858,560 parameters).

    Parameters
    ----------
    inp_channels, out_channels : int
        Image channels (3; 6 for the dual-pixel defocus-deblurring variant).
    n_feat : int
        Width of the full-resolution stream (80 official; a multiple of 16 keeps the grouped
        convs valid with ``chan_factor=1.5``).
    chan_factor : float
        Channel multiplier between streams (1.5).
    n_RRG, height, width, scale : int
        Accepted for signature compatibility, unused (as in the official code).
    n_MRB : int
        MRBs per group (2 official).
    bias : bool
        Conv biases (False).
    task : str or None
        ``"defocus_deblurring"`` adds the skip over features instead of over the input.
    """

    def __init__(
        self,
        inp_channels: int = 3,
        out_channels: int = 3,
        n_feat: int = 80,
        chan_factor: float = 1.5,
        n_RRG: int = 4,
        n_MRB: int = 2,
        height: int = 3,
        width: int = 2,
        scale: int = 1,
        bias: bool = False,
        task: str | None = None,
    ) -> None:
        super().__init__()
        del n_RRG, height, width, scale
        self.multiple = 4
        self.task = task
        self.conv_in = nn.Conv2d(inp_channels, n_feat, 3, padding=1, bias=bias)
        self.body = nn.Sequential(*[RRG(n_feat, n_MRB, chan_factor, bias, g) for g in (1, 2, 4, 4)])
        self.conv_out = nn.Conv2d(n_feat, out_channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shallow = self.conv_in(x)
        deep = self.body(shallow)
        if self.task == "defocus_deblurring":
            return self.conv_out(deep + shallow)
        return self.conv_out(deep) + x
