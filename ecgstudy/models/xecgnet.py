"""xECGNet of Yoo et al. (CMPB 2021): an attention-branch network for multi-label 12-lead ECG.

Layout of the authors' Keras code (the version behind the paper's numbers); input
``(batch, in_leads, samples)``, every convolution 1-D with 'same' padding, every BatchNorm with
Keras' eps = 1.001e-5 and momentum 0.99 (PyTorch ``momentum=0.01``):

* backbone (``ieee_baseline_network``): five blocks of Conv(k3, bias)+BN with **no activation**,
  widths 64,64 | 128,128 | 256x3 | 512x3 | 512,256,128, each block followed by a Keras-'same'
  max pooling of ``pool_sizes[i]`` (size and stride; 1 = no pooling) -> ``f``, ``(batch, 128, T)``.
* attention branch: bottleneck(128 -> 256), BN, Conv1x1(256 -> n_classes, no bias), ReLU ->
  class response maps ``A``, ``(batch, n_classes, T)``, ``A >= 0``. Prediction ``mean_t A``
  (``"authors_code"``) or ``mean_t Conv1x1(A)`` (``"abn"``). Attention map
  ``M = sigmoid(BN(Conv1x1(A -> 1, no bias)))``, ``(batch, 1, T)``.
* perception branch on ``f' = f * M + f``: bottleneck(128 -> 256), mean over time,
  Linear(256, 512) (no activation), Linear(512, n_classes).

The bottleneck is ResNet's with n = 1: Conv1x1(-> 64)+BN+ReLU, Conv k3(-> 64)+BN+ReLU,
Conv1x1(-> 256)+BN, plus a Conv1x1(-> 256)+BN shortcut, then ReLU; its convolutions have no bias.
Weights are initialised as Keras does (Glorot-uniform kernels, zero biases).

Parameter count for 12 leads / 9 classes: 4,115,476 trainable + 10,242 BN running statistics
= 4,125,718, the "Total params" of the authors' Keras summary. That count requires the
``A`` convolution to have no bias (``use_bias=False`` in their code), not the Keras default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ecgstudy.attribution.maps import upsample
from ecgstudy.errors import ParameterError
from ecgstudy.models.keras_init import keras_init_

AttentionHead = Literal["authors_code", "abn"]
ATTENTION_HEADS: tuple[str, ...] = ("authors_code", "abn")

#: Keras ``BatchNormalization`` defaults as PyTorch arguments (momentum 0.99 -> 0.01).
BN_EPS = 1.001e-5
BN_MOMENTUM = 0.01

#: Output widths of the backbone's five blocks (Conv k3 + BN each).
BACKBONE_BLOCKS: tuple[tuple[int, ...], ...] = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 256, 128))
FEATURES = 128  # backbone output channels
BRANCH_WIDTH = 256  # bottleneck output channels
HIDDEN = 512  # perception branch's first Linear


@dataclass(frozen=True)
class XecgOutput:
    """What :class:`XecgNet` returns (T: time steps after the backbone, see :func:`output_length`).

    Attributes:
        logits_att: ``(batch, n_classes)`` attention-branch logits (``mean_t A`` for the authors' head).
        logits_per: ``(batch, n_classes)`` perception-branch logits.
        probs: ``(batch, n_classes)`` inference output, ``(sigmoid(logits_att) + sigmoid(logits_per)) / 2``.
        response: ``(batch, n_classes, T)`` class response maps ``A >= 0``.
        attention: ``(batch, 1, T)`` attention map ``M`` in [0, 1].
    """

    logits_att: Tensor
    logits_per: Tensor
    probs: Tensor
    response: Tensor
    attention: Tensor


def output_length(n_samples: int, pool_sizes: tuple[int, ...]) -> int:
    """Time steps T after the backbone: ``ceil(n / p)`` for every pool size ``p`` in turn."""
    if n_samples < 1 or any(p < 1 for p in pool_sizes):
        raise ParameterError(f"output_length: n_samples={n_samples}, pool_sizes={pool_sizes}: all must be >= 1")
    for p in pool_sizes:
        n_samples = math.ceil(n_samples / p)
    return n_samples


def same_max_pool1d(x: Tensor, pool: int) -> Tensor:
    """Keras ``MaxPooling1D(pool, strides=pool, padding='same')``: ``(batch, c, n) -> (batch, c, ceil(n/pool))``.

    TensorFlow pads ``total = pool * ceil(n / pool) - n`` samples, ``total // 2`` on the left and
    the rest on the right, with -inf. This equals PyTorch's ``ceil_mode=True`` only when
    ``total < 2``: for n = 889, pool = 3 (the last pool of a 72,000-sample input) the windows
    start one sample earlier than with ``ceil_mode``.
    """
    if pool == 1:
        return x
    total = pool * math.ceil(x.shape[-1] / pool) - x.shape[-1]
    if total:
        x = F.pad(x, (total // 2, total - total // 2), value=float("-inf"))
    return F.max_pool1d(x, pool, pool)


class _SameMaxPool1d(nn.Module):
    def __init__(self, pool: int) -> None:
        super().__init__()
        self.pool = pool

    def forward(self, x: Tensor) -> Tensor:
        return same_max_pool1d(x, self.pool)

    def extra_repr(self) -> str:
        return f"pool={self.pool}"


def _bn(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


def _conv_bn(c_in: int, c_out: int, kernel_size: int, bias: bool) -> list[nn.Module]:
    return [nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=bias), _bn(c_out)]


class Bottleneck(nn.Module):
    """ResNet bottleneck: ``(batch, c_in, T) -> (batch, c_out, T)``, inner width ``c_out // 4``."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        mid = c_out // 4
        self.main = nn.Sequential(
            *_conv_bn(c_in, mid, 1, bias=False),
            nn.ReLU(),
            *_conv_bn(mid, mid, 3, bias=False),
            nn.ReLU(),
            *_conv_bn(mid, c_out, 1, bias=False),
        )
        self.shortcut = nn.Sequential(*_conv_bn(c_in, c_out, 1, bias=False))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.main(x) + self.shortcut(x))


def upsample_attention(attention: Tensor, n_samples: int) -> Tensor:
    """Attention ``(batch, 1, T)`` or ``(batch, T)`` -> ``(batch, n_samples)`` on the input's time axis.

    Linear interpolation with ``align_corners=False``: step ``t`` is centred on input sample
    ``(t + 0.5) * n_samples / T - 0.5``; values stay in the range of the map.
    """
    if attention.ndim == 2:
        attention = attention.unsqueeze(1)
    if attention.ndim != 3 or attention.shape[1] != 1 or n_samples < 1:
        raise ParameterError(
            f"upsample_attention: attention shape {tuple(attention.shape)}, n_samples={n_samples}: "
            "expected (batch, 1, T) or (batch, T) and n_samples >= 1"
        )
    return upsample(attention, n_samples).squeeze(1)


class XecgNet(nn.Module):
    """xECGNet: ``(batch, in_leads, samples) -> XecgOutput``.

    Args:
        in_leads: input leads.
        n_classes: output classes (multi-label, one sigmoid each).
        pool_sizes: max-pooling size (= stride) after each of the five backbone blocks; 1 = none.
            ``(3, 3, 3, 3, 3)`` (authors, 500 Hz, 72,000 samples -> T = 297) or
            ``(3, 3, 3, 1, 1)`` (100 Hz inputs, 1,000 samples -> T = 38).
        attention_head: how the attention branch predicts.

            * ``"authors_code"``: ``logits_att = mean_t A``. Since ``A = ReLU(...) >= 0`` the
              logits are >= 0 and ``sigmoid(logits_att) >= 0.5`` for every class: the attention
              branch can never predict "absent" and its BCE on negatives is at least log 2.
              This is a flaw of the authors' code, kept for fidelity.
            * ``"abn"``: ``logits_att = mean_t Conv1x1(A)`` (n_classes -> n_classes, with bias), as
              in Fukui et al.'s ABN, so the logits can be negative.
    """

    def __init__(
        self,
        *,
        in_leads: int = 12,
        n_classes: int = 9,
        pool_sizes: tuple[int, int, int, int, int] = (3, 3, 3, 3, 3),
        attention_head: AttentionHead = "authors_code",
    ) -> None:
        super().__init__()
        problems = []
        if in_leads < 1 or n_classes < 1:
            problems.append(f"in_leads={in_leads}, n_classes={n_classes}: must be >= 1")
        if len(pool_sizes) != len(BACKBONE_BLOCKS) or any(int(p) != p or p < 1 for p in pool_sizes):
            problems.append(f"pool_sizes={pool_sizes}: expected {len(BACKBONE_BLOCKS)} integers >= 1")
        if attention_head not in ATTENTION_HEADS:
            problems.append(f"attention_head={attention_head!r}: expected one of {', '.join(ATTENTION_HEADS)}")
        if problems:
            raise ParameterError("XecgNet: " + "; ".join(problems))
        self.in_leads = in_leads
        self.n_classes = n_classes
        self.pool_sizes = tuple(int(p) for p in pool_sizes)
        self.attention_head = attention_head

        layers: list[nn.Module] = []
        c_in = in_leads
        for widths, pool in zip(BACKBONE_BLOCKS, self.pool_sizes):
            for w in widths:
                layers += _conv_bn(c_in, w, 3, bias=True)
                c_in = w
            if pool > 1:
                layers.append(_SameMaxPool1d(pool))
        self.backbone = nn.Sequential(*layers)

        # attention branch
        self.att_bottleneck = Bottleneck(FEATURES, BRANCH_WIDTH)
        self.att_response = nn.Sequential(
            _bn(BRANCH_WIDTH), nn.Conv1d(BRANCH_WIDTH, n_classes, 1, bias=False), nn.ReLU()
        )
        self.att_pred = nn.Conv1d(n_classes, n_classes, 1) if attention_head == "abn" else None
        self.att_map = nn.Sequential(nn.Conv1d(n_classes, 1, 1, bias=False), _bn(1), nn.Sigmoid())

        # perception branch
        self.per_bottleneck = Bottleneck(FEATURES, BRANCH_WIDTH)
        self.per_head = nn.Sequential(nn.Linear(BRANCH_WIDTH, HIDDEN), nn.Linear(HIDDEN, n_classes))

        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keras initialisation (:func:`~ecgstudy.models.keras_init.keras_init_`)."""
        keras_init_(self)

    def time_steps(self, n_samples: int) -> int:
        """T for an input of ``n_samples`` samples."""
        return output_length(n_samples, self.pool_sizes)

    def forward(self, x: Tensor) -> XecgOutput:
        if x.ndim != 3 or x.shape[1] != self.in_leads:
            raise ParameterError(
                f"XecgNet: input shape {tuple(x.shape)}: expected (batch, {self.in_leads}, samples)"
            )
        f = self.backbone(x)  # (batch, 128, T)
        response = self.att_response(self.att_bottleneck(f))  # A: (batch, n_classes, T)
        pred = response if self.att_pred is None else self.att_pred(response)
        logits_att = pred.mean(dim=-1)
        attention = self.att_map(response)  # M: (batch, 1, T)
        modulated = f * attention + f  # (1 + M) f, M broadcast over the 128 channels
        logits_per = self.per_head(self.per_bottleneck(modulated).mean(dim=-1))
        probs = (torch.sigmoid(logits_att) + torch.sigmoid(logits_per)) / 2
        return XecgOutput(logits_att, logits_per, probs, response, attention)
