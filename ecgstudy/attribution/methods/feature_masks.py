"""Feature masks for the perturbation methods: integer segment ids per sample, ``(batch, samples)``.

A mask groups the samples of a record into features that KernelSHAP or LIME switch on and off
together (across all leads). Two ways to build one from annotations given as sample indices:

* :func:`segment_mask`: cut points, e.g. where each beat starts. They tile the signal: the samples
  before the first cut are segment 0, those from cut ``k - 1`` up to (not including) cut ``k`` are
  segment ``k``. That is the convention of
  :mod:`ecgstudy.explain.beat_masks` (beat ``k`` occupies ``[b[k], b[k+1])``).
* :func:`interval_mask`: intervals ``(onset, offset)``, both samples included, as the package's wave
  tables give them (P, QRS, T). Interval ``k`` gets id ``k + 1``; every sample outside all intervals
  is id 0, one background feature.
* :func:`beat_feature_mask`: the beats of ICLR segments (:class:`~ecgstudy.data.types.BeatSegments`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.explain.beat_masks import beat_extents


def _rows(what: str, rows: Sequence) -> list:
    if isinstance(rows, Tensor):
        rows = rows.tolist()
    rows = list(rows)
    if not rows:
        raise ParameterError(f"{what}: no rows")
    return rows


def segment_mask(cuts: Sequence[Sequence[int]], n_samples: int) -> Tensor:
    """``(batch, n_samples)`` int64 ids from per-row cut points (strictly increasing, in ``1 .. n_samples - 1``).

    Row ``b`` with ``k`` cuts has ids ``0 .. k``.

    >>> segment_mask([[2, 5], []], 7).tolist()
    [[0, 0, 1, 1, 1, 2, 2], [0, 0, 0, 0, 0, 0, 0]]
    """
    out = torch.empty((len(_rows("segment_mask", cuts)), n_samples), dtype=torch.int64)
    for b, row in enumerate(_rows("segment_mask", cuts)):
        c = [int(v) for v in row]
        if any(v != w for v, w in zip(c, row)) or any(not 0 < v < n_samples for v in c) or \
                any(x >= y for x, y in zip(c, c[1:])):
            raise ParameterError(f"segment_mask: row {b} cuts {list(row)}: expected strictly increasing integers "
                                 f"in 1..{n_samples - 1}")
        out[b] = torch.bucketize(torch.arange(n_samples), torch.tensor(c, dtype=torch.int64), right=True)
    return out


def interval_mask(intervals: Sequence[Sequence[tuple[int, int]]], n_samples: int) -> Tensor:
    """``(batch, n_samples)`` int64 ids: interval ``k`` of a row (``(onset, offset)``, both included) -> ``k + 1``, else 0.

    Intervals of a row must not overlap (they may touch).

    >>> interval_mask([[(1, 2), (4, 4)]], 6).tolist()
    [[0, 1, 1, 0, 2, 0]]
    """
    rows = _rows("interval_mask", intervals)
    out = torch.zeros((len(rows), n_samples), dtype=torch.int64)
    for b, row in enumerate(rows):
        for k, pair in enumerate(row):
            on, off = (int(v) for v in pair)
            if (on, off) != tuple(pair) or not 0 <= on <= off < n_samples:
                raise ParameterError(f"interval_mask: row {b} interval {tuple(pair)}: expected integers "
                                     f"0 <= onset <= offset < {n_samples}")
            if bool((out[b, on:off + 1] != 0).any()):
                raise ParameterError(f"interval_mask: row {b} interval {tuple(pair)} overlaps an earlier one")
            out[b, on:off + 1] = k + 1
    return out


def check_mask(who: str, mask: object, batch: int, n_samples: int) -> Tensor:
    """``mask`` as ``(batch, n_samples)`` int64 (a ``(n_samples,)`` mask is used for every row); ids >= 0."""
    if not isinstance(mask, Tensor) or mask.dtype.is_floating_point or mask.dtype == torch.bool:
        raise ParameterError(f"{who}: feature_mask must be an integer tensor, got "
                             f"{mask.dtype if isinstance(mask, Tensor) else type(mask).__name__}")
    if mask.ndim == 1:
        mask = mask.unsqueeze(0).expand(batch, -1)
    if mask.shape != (batch, n_samples) or bool((mask < 0).any()):
        raise ParameterError(f"{who}: feature_mask {tuple(mask.shape)}: expected ({batch}, {n_samples}) "
                             "non-negative ids")
    return mask.to(torch.int64)


def beat_feature_mask(segments: BeatSegments, indices: Sequence[int], *,
                      window_s: tuple[float, float] | None = None) -> Tensor:
    """``(len(indices), samples)`` ids: beat ``k`` of each ICLR segment -> ``k + 1``, padding (and gaps) -> 0.

    Beats are :func:`~ecgstudy.explain.beat_masks.beat_extents` (``[start, stop)`` in the padded
    segment): by default their RR cells, which tile the unpadded region; with ``window_s`` a window
    around each R peak, the rest of the segment then joins the padding as id 0.
    """
    rows = [int(i) for i in indices]
    out = torch.zeros((len(rows), segments.signals.shape[-1]), dtype=torch.int64)
    for b, i in enumerate(rows):
        start, stop, _ = beat_extents(segments, i, window_s=window_s)
        for k, (lo, hi) in enumerate(zip(start.tolist(), stop.tolist())):
            out[b, lo:hi] = k + 1
    return out
