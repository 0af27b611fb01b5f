"""Small building blocks shared by the global tone heads (MIRNet tone prior, stochastic tone).

Both functions create their layers in a fixed order, so seeded initialisation and the
``state_dict`` keys (``0.weight``, ``2.weight``, ...) are those of the inline ``nn.Sequential``
they replace.
"""

from __future__ import annotations

from torch import nn


def strided_stem(channels: int, width: int) -> nn.Sequential:
    """Two stride-2 3x3 convs, ``channels -> width -> 2 * width``, LeakyReLU(0.2) after each."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
    )


def zero_last_mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers ``sizes[0] -> ... -> sizes[-1]`` with LeakyReLU(0.2) between them; the last
    layer's weight and bias start at zero, so the MLP adds nothing until trained."""
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        if i:
            layers.append(nn.LeakyReLU(0.2))
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    nn.init.zeros_(layers[-1].weight)
    nn.init.zeros_(layers[-1].bias)
    return nn.Sequential(*layers)
