"""Classifier C of Hu et al. (ICLR 2021 submission): stem, four Conv-BN-ReLU blocks, GAP, MLP.

Layout (Fig. 1b; channel/stride plan of the authors' ``Classifier``), all convolutions
'valid' (no padding), kernel 5 except the stem:

* stem: Conv1d(in_leads -> 32), BN, ReLU
* block 2: 2x Conv-BN-ReLU, 32 channels
* block 3: 2x Conv-BN-ReLU, 64 channels, stride 2 on the first conv
* block 4: 2x Conv-BN-ReLU, 64 channels
* block 5: 2x Conv-BN-ReLU, 128 channels, stride 2 on the first conv
* global average pooling, Linear 128x128, ReLU, Linear 128 x n_classes, log_softmax

``variant`` picks where the paper and the code differ:

============  ==========================  ===================================
              ``"paper"``                 ``"authors_code"``
============  ==========================  ===================================
stem kernel   1 ("point-wise")            5
MLP dropout   none (not mentioned)        Dropout(0.6) after the first ReLU
logits        Linear -> log_softmax       Linear -> ReLU -> log_softmax
============  ==========================  ===================================

Every conv is followed by BN and ReLU in both variants: the authors' block 4 has a ReLU
between its convs and their ``forward`` applies ``F.relu`` after every block, so no block
is Conv+BN only. The code's block-level ``F.relu`` after an existing ReLU is idempotent and
not repeated here.
"""

from __future__ import annotations

from typing import Literal

import torch.nn.functional as F
from torch import Tensor, nn

from ecgstudy.errors import ParameterError

ClassifierVariant = Literal["paper", "authors_code"]

#: (channels, stride of the first conv) of blocks 2-5.
BLOCKS: tuple[tuple[int, int], ...] = ((32, 1), (64, 2), (64, 1), (128, 2))
KERNEL = 5
STEM_CHANNELS = 32


def _conv_bn_relu(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv1d(c_in, c_out, kernel_size, stride=stride), nn.BatchNorm1d(c_out), nn.ReLU(inplace=True)]


class IclrClassifier(nn.Module):
    """``(batch, in_leads, samples) -> (batch, n_classes)`` log-probabilities.

    Args:
        in_leads: input channels.
        n_classes: output classes.
        variant: ``"paper"`` or ``"authors_code"`` (see the module docstring).
    """

    def __init__(self, *, in_leads: int, n_classes: int = 2, variant: ClassifierVariant = "paper") -> None:
        super().__init__()
        if variant not in ("paper", "authors_code"):
            raise ParameterError(f"IclrClassifier: variant={variant!r}: expected 'paper' or 'authors_code'")
        if in_leads < 1 or n_classes < 2:
            raise ParameterError(f"IclrClassifier: in_leads={in_leads}, n_classes={n_classes}: need >= 1 and >= 2")
        self.variant = variant
        self.stem_kernel = 1 if variant == "paper" else KERNEL
        self.stem = nn.Sequential(*_conv_bn_relu(in_leads, STEM_CHANNELS, self.stem_kernel))
        blocks, c_in = [], STEM_CHANNELS
        for c_out, stride in BLOCKS:
            blocks.append(
                nn.Sequential(*_conv_bn_relu(c_in, c_out, KERNEL, stride), *_conv_bn_relu(c_out, c_out, KERNEL))
            )
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        code = variant == "authors_code"
        self.head = nn.Sequential(
            nn.Linear(c_in, 128),
            nn.ReLU(inplace=True),
            *([nn.Dropout(0.6)] if code else []),
            nn.Linear(128, n_classes),
            *([nn.ReLU()] if code else []),
        )

    def output_length(self, samples: int) -> int:
        """Length of the last feature map for an input of ``samples`` (before GAP)."""
        n = samples - self.stem_kernel + 1
        for _, stride in BLOCKS:
            n = (n - KERNEL) // stride + 1
            n = n - KERNEL + 1
        return n

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, in_leads, samples) -> (batch, n_classes)`` log-probabilities."""
        if x.ndim != 3 or self.output_length(x.shape[-1]) < 1:
            raise ParameterError(
                f"IclrClassifier: input shape {tuple(x.shape)}: expected (batch, leads, samples) "
                f"with samples long enough for the valid convolutions"
            )
        x = self.blocks(self.stem(x))
        return F.log_softmax(self.head(x.mean(dim=-1)), dim=-1)
