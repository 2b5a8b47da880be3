"""A small 1-D CNN for the controlled task of :mod:`ecgstudy.synthetic.planted` (Chapter 4).

Input ``(batch, in_leads, samples)`` in mV; output the class logits ``(batch, n_classes)`` (a tensor, so
the attribution methods explain it as it is: :mod:`ecgstudy.attribution.methods.adapters`, family
``"tensor"``). Shapes for the default (3 leads, 1000 samples = 4 s at 250 Hz):

* ``blocks[0..2]``: Conv1d(k7, 'same') -> BatchNorm -> ReLU -> AvgPool1d(2):
  ``(batch, 16, 500)``, ``(batch, 16, 250)``, ``(batch, 32, 125)``.
* ``blocks[3]``: Conv1d(k7, 'same') -> BatchNorm -> ReLU, no pooling: ``(batch, 32, 125)`` (Grad-CAM's
  default layer, one cell per 8 samples = 32 ms).
* mean over time, Linear(32, n_classes).

Receptive field of a last-block cell: 98 samples (392 ms at 250 Hz), enough to see a P wave together with
the QRS that follows it. 13,234 parameters for the default (3 leads, 2 classes).

Average (not max) pooling: in eval mode every operation is linear but the ReLUs, so DeepLIFT's rescale
rule covers the whole network and its maps sum exactly to the change of the score (captum's summation
check fails on max pooling for some records).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ecgstudy.errors import ParameterError


class PlantedCNN(nn.Module):
    """Conv blocks (all but the last halve the time axis by average pooling), global average pooling, a
    linear layer.

    Args:
        in_leads: input leads. n_classes: output logits.
        channels: output channels of each block (>= 1 block). kernel_size: odd, >= 1.
    """

    def __init__(self, *, in_leads: int, n_classes: int = 2, channels: Sequence[int] = (16, 16, 32, 32),
                 kernel_size: int = 7) -> None:
        super().__init__()
        channels = tuple(int(c) for c in channels)
        if in_leads < 1 or n_classes < 1 or not channels or min(channels) < 1:
            raise ParameterError(f"PlantedCNN: in_leads={in_leads}, n_classes={n_classes}, channels={channels}: "
                                 f"expected positive sizes and at least one block")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ParameterError(f"PlantedCNN: kernel_size={kernel_size}: expected an odd number >= 1")
        blocks = []
        width = in_leads
        for i, c in enumerate(channels):
            layers: list[nn.Module] = [nn.Conv1d(width, c, kernel_size, padding=kernel_size // 2),
                                       nn.BatchNorm1d(c), nn.ReLU()]
            if i < len(channels) - 1:
                layers.append(nn.AvgPool1d(2))
            blocks.append(nn.Sequential(*layers))
            width = c
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(width, n_classes)

    def features(self, x: Tensor) -> Tensor:
        """``(batch, in_leads, samples) -> (batch, channels[-1], samples // 2 ** (len(channels) - 1))``."""
        for block in self.blocks:
            x = block(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, in_leads, samples)`` mV -> logits ``(batch, n_classes)``."""
        return self.head(torch.mean(self.features(x), dim=-1))
