"""Learning-rate schedules, stepped once per optimiser step."""

from __future__ import annotations

import math
from typing import Literal

import torch

Schedule = Literal["constant", "cosine"]

#: The schedules :func:`lr_factor` knows.
SCHEDULES: tuple[str, ...] = ("constant", "cosine")


def lr_factor(step: int, total_steps: int, schedule: str) -> float:
    """Multiplier of the base learning rate at optimiser step ``step`` (0-based) of ``total_steps``.

    ``"constant"`` (the papers): 1. ``"cosine"``: from 1 at the first step down towards 0 at the
    last (short CPU budgets use it so that the last epoch's model is not a noisy one).

    >>> [round(lr_factor(s, 4, "cosine"), 3) for s in range(4)]
    [1.0, 0.854, 0.5, 0.146]
    """
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * step / max(total_steps, 1)))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}: use 'constant' or 'cosine'")


def lr_scheduler(optimizer: torch.optim.Optimizer, *, total_steps: int,
                 schedule: str) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` applying :func:`lr_factor` over ``total_steps`` steps (step it after each ``optimizer.step()``).

    Raises:
        ValueError: an unknown ``schedule``.
    """
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, total_steps, schedule))
