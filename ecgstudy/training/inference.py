"""Batched inference: :func:`predict` runs a model in eval mode and returns the output fields asked for.

A field is ``name -> extractor``, the extractor mapping one batch's model output to a tensor
``(batch, ...)`` (or ``None``: the model has no such output, and the field is left out). Extractors
for the chapters' models:

* :func:`probs_from_log_probs`: ``exp`` of the log-probabilities (ICLR models), ``(batch, n_classes)``.
* :func:`first_channel` of a field: e.g. the ICLR attention ``(batch, 1, samples) -> (batch, samples)``.
* :func:`field`: an attribute as it is (xECGNet's ``probs``, ``attention``, ``response``).
* :func:`column`: column ``k`` of a tensor output (KanResWide_X's output 0), ``(batch,)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ecgstudy.training.objectives import log_probs

Extractor = Callable[[Any], "Tensor | None"]


def probs_from_log_probs(output: Any) -> Tensor:
    """Class probabilities: ``exp`` of the output tensor or of its ``log_probs``."""
    return log_probs(output).exp()


def field(name: str) -> Extractor:
    """The output's attribute ``name`` (``None`` where the output has none, or it is ``None``)."""
    def get(output: Any) -> Tensor | None:
        return getattr(output, name, None)

    return get


def first_channel(name: str) -> Extractor:
    """Channel 0 of the output's attribute ``name``, ``(batch, C, ...) -> (batch, ...)`` (``None`` if absent)."""
    def get(output: Any) -> Tensor | None:
        value = getattr(output, name, None)
        return None if value is None else value[:, 0]

    return get


def column(k: int = 0) -> Extractor:
    """Column ``k`` of a tensor output ``(batch, n_outputs) -> (batch,)``."""
    def get(output: Tensor) -> Tensor:
        return output[:, k]

    return get


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray | Tensor, *, fields: Mapping[str, Extractor],
            batch_size: int = 64) -> dict[str, np.ndarray]:
    """Run ``model`` in eval mode over ``x`` ``(n, leads, samples)`` in batches of ``batch_size``.

    Batches go to the device of the model's parameters (a model training on a GPU is evaluated there).

    Returns:
        ``{name: array}`` for every field whose extractor gave a tensor: the batches' tensors as
        float32 numpy arrays, concatenated along the first axis (``(0,)`` float32 when ``x`` is
        empty). Fields whose extractor gives ``None`` are left out.

    >>> model = nn.Linear(2, 3, bias=False)
    >>> _ = model.weight.data.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    >>> out = predict(model, np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), fields={"y2": column(2)}, batch_size=2)
    >>> out["y2"].tolist(), out["y2"].dtype
    ([3.0, 7.0, 11.0], dtype('float32'))
    """
    model.eval()
    x = torch.as_tensor(x, dtype=torch.float32)
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    parts: dict[str, list[np.ndarray]] = {name: [] for name in fields}
    for lo in range(0, len(x), batch_size):
        out = model(x[lo:lo + batch_size].to(device))
        for name, extract in fields.items():
            value = extract(out)
            if value is not None:
                parts[name].append(value.float().cpu().numpy())
    if len(x) == 0:
        return {name: np.zeros((0,), np.float32) for name in fields}
    return {name: np.concatenate(v) for name, v in parts.items() if v}
