"""Optimiser factories: ``factory(model.parameters()) -> torch.optim.Optimizer``.

:func:`~ecgstudy.training.fit` builds the optimiser itself, after seeding, so a factory is what
the chapters pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

OptimiserFactory = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]


def adam(lr: float) -> OptimiserFactory:
    """``torch.optim.Adam(params, lr=lr)`` (PyTorch's defaults otherwise; the ICLR and xECGNet chapters).

    >>> opt = adam(0.1)([nn.Parameter(torch.zeros(2))])
    >>> type(opt).__name__, opt.defaults["lr"]
    ('Adam', 0.1)
    """
    def make(params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.Adam(params, lr=lr)

    return make


def keras_nadam(lr: float) -> OptimiserFactory:
    """The Nadam of Keras that the ECGradCAM authors used:
    ``torch.optim.NAdam(params, lr, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)``.

    Keras' ``schedule_decay=0.004`` is Dozat's momentum schedule
    ``mu_t = beta1 (1 - 0.5 * 0.96^(0.004 t))``, which is what PyTorch's ``momentum_decay`` sets,
    and Keras' epsilon is 1e-7.

    >>> opt = keras_nadam(0.002)([nn.Parameter(torch.zeros(2))])
    >>> opt.defaults["eps"], opt.defaults["momentum_decay"], opt.defaults["betas"]
    (1e-07, 0.004, (0.9, 0.999))
    """
    def make(params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.NAdam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)

    return make
