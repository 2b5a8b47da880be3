"""Window pooling that turns the segmenter output L into the attention A (Hu et al., Eq. 1).

Both poolings use stride 1 and zero padding so the length is kept. The window at output
``m`` is ``[m - (k-1)//2, m + k//2]``: centred for odd ``k`` (``(k-1)/2`` on each side, as
the authors' ``ConstantPad1d(75)`` + ``LPPool1d(2, 151, stride=1)``); for even ``k`` it has
one more sample on the right than on the left, the convention of PyTorch's ``padding='same'``.
Samples outside the signal count as zeros.
"""

from __future__ import annotations

from typing import Literal

import torch.nn.functional as F
from torch import Tensor, nn

from ecgstudy.errors import ParameterError

PoolKind = Literal["l2", "max", "none"]

#: Floor of the windowed sum of squares before the square root. ``d sqrt(s)/ds`` is infinite
#: at ``s = 0`` (an all-zero window, e.g. zero-padded segments), which makes the gradient NaN;
#: with the floor the output is ``sqrt(1e-12) = 1e-6`` there and the gradient is 0.
#: Windows with a sum of squares >= 1e-12 are exact.
L2_EPS = 1e-12


def _check(kernel_size: int) -> tuple[int, int]:
    if kernel_size < 1:
        raise ParameterError(f"window pooling: kernel_size={kernel_size}: must be >= 1")
    return (kernel_size - 1) // 2, kernel_size // 2


class L2WindowPool(nn.Module):
    """L2-norm window pooling ``a[m] = sqrt(sum_{i in window(m)} l[i]^2)``, length kept.

    ``(batch, channels, samples) -> (batch, channels, samples)``. Equals the authors'
    ``ConstantPad1d((k-1)/2) + LPPool1d(2, k, stride=1)`` for odd ``k`` except that the sum is
    floored at :data:`L2_EPS` (finite gradients on all-zero windows). No ReLU: negative values
    count through their square.
    """

    def __init__(self, *, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.pad = _check(kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        k = self.kernel_size
        s = F.avg_pool1d(F.pad(x * x, self.pad), k, stride=1) * k
        return s.clamp_min(L2_EPS).sqrt()

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"


class ReluMaxWindowPool(nn.Module):
    """ReLU then max over the window, ``a[m] = max_{i in window(m)} relu(l[i])``, length kept.

    ``(batch, channels, samples) -> (batch, channels, samples)``. Paper Eq. 1 (the authors'
    code has the ReLU commented out and pads the max pooling with -inf; after the ReLU, zero
    padding gives the same result).

    Beware: where the segmenter output is negative over a whole window, ``a`` is 0 with zero
    gradient. If that holds everywhere (2 of 20 random U-Net inits on random ``(8, 2, 2000)`` input:
    the final conv's bias dominates its output), the classifier sees all zeros and the joint
    model cannot learn (loss stuck at ln 2).
    """

    def __init__(self, *, kernel_size: int) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.pad = _check(kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool1d(F.pad(F.relu(x), self.pad), self.kernel_size, stride=1)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"


def window_pool(kind: PoolKind, kernel_size: int) -> nn.Module:
    """``"l2"`` -> :class:`L2WindowPool`, ``"max"`` -> :class:`ReluMaxWindowPool`, ``"none"`` -> identity."""
    if kind == "l2":
        return L2WindowPool(kernel_size=kernel_size)
    if kind == "max":
        return ReluMaxWindowPool(kernel_size=kernel_size)
    if kind == "none":
        return nn.Identity()
    raise ParameterError(f"window_pool: kind={kind!r}: expected 'l2', 'max' or 'none'")
