"""Keras' default initialisation, for models ported from Keras code."""

from __future__ import annotations

from torch import nn


def keras_init_(model: nn.Module) -> None:
    """Initialise ``model`` in place as Keras does by default: Glorot-uniform kernels of every
    ``Conv1d`` and ``Linear``, zero biases; BatchNorm gamma 1, beta 0 and fresh running statistics."""
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm1d):
            m.reset_parameters()
