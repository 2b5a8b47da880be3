"""Loss of xECGNet (Yoo et al., CMPB 2021): two BCE terms plus a map regulariser.

The regulariser pulls the attention map ``M`` (``(batch, T)``) towards a reference ``R(t)``
built from the class response maps ``A`` (``(batch, n_classes, T)``) of the true classes, with
the per-sample L2 distance ``D = ||R - M||_2`` over time. ``regulariser`` picks the definition:

==================  ==================================  =========================================
                    ``"paper"``                         ``"authors_code"`` (their Keras loss)
==================  ==================================  =========================================
reference ``R``     mean of ``A_k`` over true classes   ``sum_k y_k A_k / n_classes``
                    (0 for a sample with no label)
distance            ``D``                               ``D mod batch_size`` (``torch.remainder``;
                                                        their comment says "divide by batch size")
total               ``bce_att + bce_per + g * mean D``  ``bce_att + bce_per + 2 g * mean D``
                                                        (the loss is applied to both outputs)
==================  ==================================  =========================================

Both BCE terms are means over classes and batch, on the logits. ``stop_gradient=True`` detaches
``R`` (the paper does not say; the authors' code does not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from ecgstudy.errors import ParameterError
from ecgstudy.models.xecgnet import XecgOutput

Regulariser = Literal["paper", "authors_code"]
REGULARISERS: tuple[str, ...] = ("paper", "authors_code")


@dataclass(frozen=True)
class XecgLoss:
    """Scalar loss tensors.

    Attributes:
        total: what is optimised.
        bce_att: BCE of the attention branch (mean over batch and classes).
        bce_per: BCE of the perception branch.
        reg: batch mean of the distance ``D`` as it enters ``total`` (after the modulo for
            ``"authors_code"``), before the factor gamma (2 gamma for ``"authors_code"``).
    """

    total: Tensor
    bce_att: Tensor
    bce_per: Tensor
    reg: Tensor


def _validate(out: XecgOutput, y: Tensor, gamma: float, regulariser: str) -> None:
    problems = []
    if regulariser not in REGULARISERS:
        problems.append(f"regulariser={regulariser!r}: expected one of {', '.join(REGULARISERS)}")
    if not (math.isfinite(gamma) and gamma >= 0):
        problems.append(f"gamma={gamma}: must be finite and >= 0")
    if y.ndim != 2:
        problems.append(f"y shape {tuple(y.shape)}: expected (batch, n_classes)")
    else:
        b, c = y.shape
        t = out.response.shape[-1]
        expected = {"logits_att": (b, c), "logits_per": (b, c), "response": (b, c, t), "attention": (b, 1, t)}
        for name, shape in expected.items():
            actual = tuple(getattr(out, name).shape)
            if actual != shape:
                problems.append(f"{name} shape {actual}: expected {shape} (y is {tuple(y.shape)}, T = {t})")
        if not torch.all((y == 0) | (y == 1)):
            problems.append("y: expected a multi-hot matrix of 0s and 1s")
    if problems:
        raise ParameterError("xecgnet_loss: " + "; ".join(problems))


def xecgnet_loss(
    out: XecgOutput,
    y: Tensor,
    *,
    gamma: float,
    regulariser: Regulariser = "paper",
    stop_gradient: bool = False,
) -> XecgLoss:
    """Loss of one batch.

    Args:
        out: the model's output (``response`` ``(batch, n_classes, T)``, ``attention`` ``(batch, 1, T)``).
        y: ``(batch, n_classes)`` float multi-hot labels.
        gamma: weight of the regulariser, >= 0.
        regulariser: ``"paper"`` or ``"authors_code"`` (see the module docstring).
        stop_gradient: detach the reference ``R``.
    """
    _validate(out, y, gamma, regulariser)
    y = y.to(out.response.dtype)
    bce_att = F.binary_cross_entropy_with_logits(out.logits_att, y)
    bce_per = F.binary_cross_entropy_with_logits(out.logits_per, y)

    weighted = (y.unsqueeze(-1) * out.response).sum(dim=1)  # (batch, T)
    if regulariser == "paper":
        reference = weighted / y.sum(dim=1, keepdim=True).clamp(min=1)  # no label: 0 / 1 = 0
    else:
        reference = weighted / y.shape[1]
    if stop_gradient:
        reference = reference.detach()
    distance = torch.linalg.vector_norm(reference - out.attention.squeeze(1), dim=-1)  # (batch,); grad 0 at 0
    if regulariser == "authors_code":
        distance = torch.remainder(distance, y.shape[0])
        factor = 2 * gamma
    else:
        factor = gamma
    reg = distance.mean()
    return XecgLoss(bce_att + bce_per + factor * reg, bce_att, bce_per, reg)
