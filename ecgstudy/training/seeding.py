"""Seeding: one call fixes every random source a training run draws from.

On CPU the same seed, data and thread count give bit-identical weights (see :func:`~ecgstudy.training.fit`).
"""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int, *, threads: int = 2) -> torch.Generator:
    """Seed Python, NumPy and torch; fix torch's thread count; return a seeded generator.

    >>> a = torch.randperm(5, generator=seed_everything(3))
    >>> b = torch.randperm(5, generator=seed_everything(3))
    >>> torch.equal(a, b)
    True
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen
