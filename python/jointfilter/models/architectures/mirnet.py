"""MIRNet (Zamir et al., ECCV 2020), written so that the official checkpoints load strictly.

The module tree reproduces the official ``state_dict`` layout (797 entries at the default
configuration): key names, order, shapes, the persistent blur-pool buffers ``filt``, the DAU
shared between the two columns of a stream, and one single-parameter PReLU shared by every DAU
of the network (see ``docs/models.md``, "checkpoint-compatibility traps").

Input ``N x 3 x H x W`` in [0, 1] with H and W multiples of ``2 ** (height - 1)``; output of the
same shape (global residual, not clamped: the runner clamps).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MIRNet"]


def _conv(cin: int, cout: int, k: int, bias: bool = False, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=bias)


class _SpatialConv(nn.Module):
    def __init__(self, k: int = 5) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, k, padding=k // 2, bias=False)


class _SpatialAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.spatial = _SpatialConv(5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial.conv(pooled))


class _ChannelAttention(nn.Module):
    def __init__(self, c: int, reduction: int = 8, bias: bool = False) -> None:
        super().__init__()
        self.conv_du = nn.Sequential(
            nn.Conv2d(c, c // reduction, 1, bias=bias),
            nn.ReLU(inplace=False),
            nn.Conv2d(c // reduction, c, 1, bias=bias),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv_du(x.mean(dim=(2, 3), keepdim=True))


class DAU(nn.Module):
    """Dual attention unit: conv-act-conv, spatial and channel attention, 1x1 fusion, residual."""

    def __init__(self, c: int, act: nn.Module, bias: bool = False) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(c, c, 3, bias), act, _conv(c, c, 3, bias))
        self.SA = _SpatialAttention()
        self.CA = _ChannelAttention(c, 8, bias)
        self.conv1x1 = nn.Conv2d(2 * c, c, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.body(x)
        return self.conv1x1(torch.cat([self.SA(r), self.CA(r)], dim=1)) + x


class SKFF(nn.Module):
    """Selective kernel feature fusion of ``height`` inputs with the same shape."""

    def __init__(self, c: int, height: int = 3, reduction: int = 8, bias: bool = False) -> None:
        super().__init__()
        d = max(c // reduction, 4)
        self.conv_du = nn.Sequential(nn.Conv2d(c, d, 1, bias=bias), nn.PReLU())
        self.fcs = nn.ModuleList([nn.Conv2d(d, c, 1, bias=bias) for _ in range(height)])

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        stacked = torch.stack(feats, dim=1)  # N, height, C, H, W
        z = self.conv_du(stacked.sum(dim=1).mean(dim=(2, 3), keepdim=True))
        att = torch.stack([fc(z) for fc in self.fcs], dim=1).softmax(dim=1)
        return (stacked * att).sum(dim=1)


class _BlurPool(nn.Module):
    """Anti-aliased stride-2 down-sampling: reflect pad 1, depthwise [1,2,1]x[1,2,1]/16."""

    def __init__(self, c: int) -> None:
        super().__init__()
        a = torch.tensor([1.0, 2.0, 1.0])
        filt = (a[:, None] * a[None, :]) / 16.0
        self.register_buffer("filt", filt[None, None].repeat(c, 1, 1, 1))
        self.channels = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(
            F.pad(x, (1, 1, 1, 1), mode="reflect"), self.filt, stride=2, groups=self.channels
        )


class _ResidualDown(nn.Module):
    def __init__(self, c: int, bias: bool = False) -> None:
        super().__init__()
        self.top = nn.Sequential(
            nn.Conv2d(c, c, 1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(c, c, 3, padding=1, bias=bias),
            nn.PReLU(),
            _BlurPool(c),
            nn.Conv2d(c, 2 * c, 1, bias=bias),
        )
        self.bot = nn.Sequential(_BlurPool(c), nn.Conv2d(c, 2 * c, 1, bias=bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.top(x) + self.bot(x)


class _ResidualUp(nn.Module):
    def __init__(self, c: int, bias: bool = False) -> None:
        super().__init__()
        self.top = nn.Sequential(
            nn.Conv2d(c, c, 1, bias=bias),
            nn.PReLU(),
            nn.ConvTranspose2d(c, c, 3, stride=2, padding=1, output_padding=1, bias=bias),
            nn.PReLU(),
            nn.Conv2d(c, c // 2, 1, bias=bias),
        )
        self.bot = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(c, c // 2, 1, bias=bias),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.top(x) + self.bot(x)


class _Down(nn.Module):
    def __init__(self, c: int, factor: int, bias: bool = False) -> None:
        super().__init__()
        layers = []
        while factor > 1:
            layers.append(_ResidualDown(c, bias))
            c, factor = 2 * c, factor // 2
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class _Up(nn.Module):
    def __init__(self, c: int, factor: int, bias: bool = False) -> None:
        super().__init__()
        layers = []
        while factor > 1:
            layers.append(_ResidualUp(c, bias))
            c, factor = c // 2, factor // 2
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class MSRB(nn.Module):
    """Multi-scale residual block: parallel streams at 1, 1/2, 1/4 ... resolution."""

    def __init__(
        self, n_feat: int, height: int, width: int, stride: int, act: nn.Module, bias: bool = False
    ) -> None:
        super().__init__()
        self.height, self.width = height, width
        feats = [n_feat * stride**j for j in range(height)]
        self.feats = feats
        # The same DAU object in every column (official checkpoints store it under both keys).
        self.blocks = nn.ModuleList()
        for j in range(height):
            dau = DAU(feats[j], act, bias)
            self.blocks.append(nn.ModuleList([dau] * width))
        self.last_up = nn.ModuleDict()
        for k in range(1, height):
            self.last_up[str(k)] = _Up(feats[k], 2**k, bias)
        # Insertion order of the official ModuleDicts: largest factor first.
        scales = [2**i for i in range(height - 1, 0, -1)]
        self.down = nn.ModuleDict()
        for s in scales:
            levels = s.bit_length() - 1
            for f in feats[: height - levels]:
                self.down[f"{f}_{s}"] = _Down(f, s, bias)
        self.up = nn.ModuleDict()
        for s in scales:
            levels = s.bit_length() - 1
            for f in reversed(feats[levels:]):
                self.up[f"{f}_{s}"] = _Up(f, s, bias)
        self.conv_out = nn.Conv2d(n_feat, n_feat, 3, padding=1, bias=bias)
        self.selective_kernel = nn.ModuleList([SKFF(f, height) for f in feats])
        # Resampler lookup precomputed (no string building from tensor shapes in forward).
        self._plan = [[self._key(j, k) for k in range(height)] for j in range(height)]

    def _key(self, j: int, k: int) -> tuple[str, str]:
        if j == k:
            return ("id", "")
        diff = 2 ** abs(j - k)
        return ("up" if j < k else "down", f"{self.feats[k]}_{diff}")

    def _resample(self, x: torch.Tensor, j: int, k: int) -> torch.Tensor:
        kind, key = self._plan[j][k]
        if kind == "id":
            return x
        if kind == "up":
            return self.up[key](x)
        return self.down[key](x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs: list[torch.Tensor] = []
        inp = x
        for j in range(self.height):
            if j > 0:
                inp = self.down[f"{self.feats[j - 1]}_2"](inp)
            inp = self.blocks[j][0](inp)
            outs.append(inp)
        for i in range(1, self.width):
            fused = [
                self.selective_kernel[j](
                    [self._resample(outs[k], j, k) for k in range(self.height)]
                )
                for j in range(self.height)
            ]
            outs = [self.blocks[j][i](fused[j]) for j in range(self.height)]
        last = [outs[0]] + [self.last_up[str(k)](outs[k]) for k in range(1, self.height)]
        return self.conv_out(self.selective_kernel[0](last)) + x


class RRG(nn.Module):
    """Recursive residual group: ``n_MSRB`` MSRBs, a 3x3 conv and a residual connection."""

    def __init__(
        self,
        n_feat: int,
        n_msrb: int,
        height: int,
        width: int,
        stride: int,
        act: nn.Module,
        bias: bool = False,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            MSRB(n_feat, height, width, stride, act, bias) for _ in range(n_msrb)
        ]
        layers.append(nn.Conv2d(n_feat, n_feat, 3, padding=1, bias=bias))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


class MIRNet(nn.Module):
    """MIRNet with the official constructor defaults (31,787,419 parameters).

    Parameters
    ----------
    in_channels, out_channels : int
        Image channels (3 for the official checkpoints).
    n_feat : int
        Width of the full-resolution stream (64 official; 16 for the tiny variant).
    kernel_size : int
        Kept for signature compatibility (the official network uses 3 everywhere).
    stride : int
        Channel multiplier between streams (2).
    n_RRG, n_MSRB, height, width : int
        Groups, blocks per group, streams and columns.
    bias : bool
        Conv biases (False in the official network).
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        n_feat: int = 64,
        kernel_size: int = 3,
        stride: int = 2,
        n_RRG: int = 3,
        n_MSRB: int = 2,
        height: int = 3,
        width: int = 2,
        bias: bool = False,
    ) -> None:
        super().__init__()
        del kernel_size
        self.multiple = 2 ** (height - 1)
        # One PReLU shared by every DAU (the official default-argument quirk, kept for loading).
        act = nn.PReLU()
        self.conv_in = nn.Conv2d(in_channels, n_feat, 3, padding=1, bias=bias)
        self.body = nn.Sequential(
            *[RRG(n_feat, n_MSRB, height, width, stride, act, bias) for _ in range(n_RRG)]
        )
        self.conv_out = nn.Conv2d(n_feat, out_channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_out(self.body(self.conv_in(x))) + x
