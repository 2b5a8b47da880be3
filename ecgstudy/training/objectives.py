"""Batch losses for :func:`~ecgstudy.training.fit`: ``loss(model_output, y_batch) -> BatchLoss``.

A :class:`BatchLoss` holds the scalar tensor that is minimised, the scalar terms logged per epoch
and the batch's weight in the epoch means: ``fit`` reports, per term,
``sum_b term_b * weight_b / sum_b weight_b`` over the epoch's batches.

* :func:`weighted_nll`: class-weighted NLL of log-probabilities (the ICLR chapter); weight = the
  batch's sum of class weights, so the epoch mean is the weighted mean over segments.
* :func:`cross_entropy`: softmax cross-entropy of logits (Chapter 4's controlled model); weight =
  batch size.
* :func:`column_loss`: a loss of output column 0 against ``y`` (the ECGradCAM chapter: MSE, or BCE
  with logits); weight = batch size.
* :func:`loss_terms`: a loss returning an object with a scalar ``total`` and other scalar tensor
  fields (the xECGNet chapter); every scalar field is logged; weight = batch size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class BatchLoss:
    """One batch's loss.

    Attributes:
        value: scalar tensor to minimise (``value.backward()``).
        terms: scalar tensors logged per epoch, keyed by name (the curve's ``train_<name>``).
        weight: the batch's weight in the epoch means of ``terms``.
    """

    value: Tensor
    terms: Mapping[str, Tensor]
    weight: float


LossFn = Callable[[Any, Tensor], BatchLoss]


def log_probs(output: Any) -> Tensor:
    """The ``(batch, n_classes)`` log-probabilities of a model output: the tensor itself or its ``log_probs``."""
    return output if isinstance(output, Tensor) else output.log_probs


def weighted_nll(class_weights: Tensor | None) -> LossFn:
    """``F.nll_loss(log_probs, y, weight=class_weights)``: ``sum_i w[y_i] nll_i / sum_i w[y_i]``
    (PyTorch's weighted mean); logged as ``loss`` with weight ``sum_i w[y_i]`` (batch size if unweighted).

    >>> lp = torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]]))
    >>> b = weighted_nll(torch.tensor([3.0, 1.0]))(lp, torch.tensor([0, 1]))
    >>> round(b.value.item(), 4), b.weight
    (0.5918, 4.0)
    """
    def loss(output: Any, y: Tensor) -> BatchLoss:
        value = F.nll_loss(log_probs(output), y, weight=class_weights)
        weight = float(class_weights[y].sum()) if class_weights is not None else float(len(y))
        return BatchLoss(value, {"loss": value}, weight)

    return loss


def cross_entropy() -> LossFn:
    """``F.cross_entropy(logits, y)`` of a model that returns logits ``(batch, n_classes)``; logged as ``loss``
    with weight = batch size.

    >>> b = cross_entropy()(torch.tensor([[0.0, 0.0], [2.0, 0.0]]), torch.tensor([1, 0]))
    >>> round(b.value.item(), 4), b.weight
    (0.41, 2.0)
    """
    def loss(output: Tensor, y: Tensor) -> BatchLoss:
        value = F.cross_entropy(output, y)
        return BatchLoss(value, {"loss": value}, float(len(y)))

    return loss


def column_loss(fn: Callable[[Tensor, Tensor], Tensor], *, column: int = 0) -> LossFn:
    """``fn(output[:, column], y)`` (e.g. ``F.mse_loss``); logged as ``loss`` with weight = batch size.

    >>> b = column_loss(F.mse_loss)(torch.tensor([[1.0, 9.0], [3.0, 9.0]]), torch.tensor([0.0, 0.0]))
    >>> b.value.item(), b.weight
    (5.0, 2.0)
    """
    def loss(output: Tensor, y: Tensor) -> BatchLoss:
        value = fn(output[:, column], y)
        return BatchLoss(value, {"loss": value}, float(len(y)))

    return loss


def scalar_fields(obj: Any) -> dict[str, Tensor]:
    """The 0-d tensor fields of a dataclass or plain object, in field order."""
    if dataclasses.is_dataclass(obj):
        items = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    else:
        items = dict(vars(obj))
    return {k: v for k, v in items.items() if isinstance(v, torch.Tensor) and v.ndim == 0}


def loss_terms(fn: Callable[[Any, Tensor], Any]) -> LossFn:
    """``fn(output, y)`` returns an object with a scalar tensor ``total`` (minimised) and maybe
    other scalar tensor fields; every scalar field is logged, with weight = batch size."""
    def loss(output: Any, y: Tensor) -> BatchLoss:
        result = fn(output, y)
        return BatchLoss(result.total, scalar_fields(result), float(len(y)))

    return loss
