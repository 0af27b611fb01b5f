"""Blur-detection CNN of the IVIF fusion pipeline (three-path residual classifier).

The layout (``conv1_1`` ... ``ResBlock4_23``, ``fc``) matches the authors' checkpoint at the
default widths (4,782,850 parameters), so a user-supplied ``EResNet_trained_model.pth`` loads with
``strict=True``. Widths are arguments so that a reduced variant can be trained on a CPU.

Input: three tensors ``N x 1 x 64 x 32`` (a 32x32 window of image A above the same window of B),
output ``N x 2`` logits; class 0 = top half sharper.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BlurCNN", "BlurCNNPacked"]

# (mean, std) normalisation of the three inputs used by the authors' test script.
NORMALISATION = ((0.45, 0.10), (0.05, 0.09), (0.06, 0.09))


class ResBlock(nn.Module):
    """1x1-conv residual block with a max-pool down-sampling on both branches."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.shortcut = nn.Sequential(
            nn.Conv2d(cin, cout, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1), nn.MaxPool2d(2)
        )
        self.residual = nn.Sequential(
            nn.Conv2d(cin, cout, 1),
            nn.BatchNorm2d(cout),
            nn.Conv2d(cout, cout, 1),
            nn.BatchNorm2d(cout),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d(2),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.residual(x) + self.shortcut(x)


def _stem(c: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.LeakyReLU(0.1))


class BlurCNN(nn.Module):
    """Three-path classifier: ``forward(x, y, z)`` returns ``N x 2`` logits.

    Parameters
    ----------
    c1, c2, c3 : int
        Stem, middle and last widths (64, 128, 256 in the authors' model).
    hidden : int
        Units of the first linear layer (256).
    """

    def __init__(self, c1: int = 64, c2: int = 128, c3: int = 256, hidden: int = 256) -> None:
        super().__init__()
        self.conv1_1, self.conv1_2, self.conv1_3 = _stem(c1), _stem(c1), _stem(c1)
        self.ResBlock2_1 = ResBlock(c1, c2)
        self.ResBlock2_2 = ResBlock(c1, c2)
        self.ResBlock2_3 = ResBlock(c1, c2)
        self.ResBlock3_1 = ResBlock(c2, c2)
        self.ResBlock3_2 = ResBlock(c2, c2)
        self.ResBlock3_3 = ResBlock(c2, c2)
        self.ResBlock4_1 = ResBlock(c2, c3)
        self.ResBlock4_23 = ResBlock(2 * c2, c3)
        self.fc = nn.Sequential(
            nn.Linear(2 * c3 * 8 * 4, hidden),
            nn.BatchNorm1d(hidden),
            nn.LeakyReLU(0.1),
            nn.Linear(hidden, 2),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        x = self.ResBlock4_1(self.ResBlock3_1(self.ResBlock2_1(self.conv1_1(x))))
        y = self.ResBlock3_2(self.ResBlock2_2(self.conv1_2(y)))
        z = self.ResBlock3_3(self.ResBlock2_3(self.conv1_3(z)))
        yz = self.ResBlock4_23(torch.cat([y, z], dim=1))
        return self.fc(torch.cat([x.flatten(1), yz.flatten(1)], dim=1))


class BlurCNNPacked(nn.Module):
    """Export wrapper: one ``N x 3 x 64 x 32`` input (raw channels in [0, 1]) -> logits.

    The three channels are normalised with the test-script constants and routed to the paths.
    """

    def __init__(self, net: BlurCNN) -> None:
        super().__init__()
        self.net = net
        mean = torch.tensor([m for m, _ in NORMALISATION]).view(1, 3, 1, 1)
        std = torch.tensor([s for _, s in NORMALISATION]).view(1, 3, 1, 1)
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        t = (t - self.mean) / self.std
        return self.net(t[:, 0:1], t[:, 1:2], t[:, 2:3])
