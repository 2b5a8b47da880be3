"""The data the ICLR chapter reads: MIT-BIH PVC / APB segments (or their synthetic stand-in) and their labels.

Labels: PVC segments (``"NV"``) are the positive class 1, APB segments (``"AN"``) 0.
Signals are used in mV as read (the paper's range normalisation is described for its
private 500 Hz data; the authors' MIT-BIH pipeline does not normalise)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ecgstudy.data.segments import BeatSegments


POSITIVE = "NV"


def load_segments(data_kind: str, *, n_synthetic: int, folder: str | Path | None = None) -> BeatSegments:
    """The chapter's segments: MIT-BIH's (from ``folder``) on real data, else ``n_synthetic`` synthetic ones.

    Synthetic data is drawn once (seed 0) so that seeds vary training, not the data.
    """
    from ecgstudy.data.sources import iclr_segments_for

    return iclr_segments_for(data_kind, seed=0, n_synthetic=n_synthetic, folder=folder)


def labels(segments: BeatSegments) -> np.ndarray:
    """``(n,)`` int64: 1 for a PVC segment, 0 for an APB segment."""
    return (segments.labels == POSITIVE).astype(np.int64)

