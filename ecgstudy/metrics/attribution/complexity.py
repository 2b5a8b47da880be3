"""Complexity: how spread out a map is, as the entropy of its normalised absolute value (Bhatt et
al. 2020; Quantus' ``Complexity``).

With ``p = |a| / sum |a|`` over a record's samples (and leads), ``H = -sum p log p`` in nats
(``0 log 0 = 0``): 0 for all the mass on one sample, ``log N`` for a flat map of ``N`` samples.
``normalised=True`` divides by ``log N`` (0 to 1, comparable across record lengths). NaN for an
all-zero map.

>>> entropy([[0.0, 5.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0]]).tolist() == [0.0, float(np.log(4))]
True
>>> entropy([[1.0, 1.0, 1.0, 1.0]], normalised=True).tolist()
[1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ecgstudy.metrics.attribution._arrays import batch_maps


def entropy(maps: Any, *, normalised: bool = False) -> np.ndarray:
    """Entropy of each normalised absolute map, ``(batch,)`` nats (or over ``log N`` when
    ``normalised``); maps ``(batch, samples)`` or ``(batch, leads, samples)``."""
    a = np.abs(batch_maps(maps))
    a = a.reshape(len(a), -1)
    total = a.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = a / total
        h = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
    h = np.where(total[:, 0] > 0, h + 0.0, np.nan)
    return h / np.log(a.shape[1]) if normalised and a.shape[1] > 1 else h
