"""Counts and summaries of a :class:`~ecgstudy.data.types.BeatSegments` set (no plotting)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from ecgstudy.data.types import BeatSegments


def per_record_counts(seg: BeatSegments) -> pd.DataFrame:
    """Segments per record and label: index record id, one column per label, plus ``total``."""
    table = pd.crosstab(pd.Series(seg.record_ids, name="record"), pd.Series(seg.labels, name="label"))
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)


def segment_summary(seg: BeatSegments) -> dict[str, Any]:
    """JSON-able facts about a segment set (what ``metrics.json`` of a data page holds).

    Keys: ``segments`` (count per label), ``n_segments``, ``n_records``, ``records_per_label``,
    ``beats`` (count per beat symbol), ``beats_per_segment`` (min/median/max),
    ``unpadded_seconds`` (min/median/max of the unpadded length in s), ``fs``, ``leads``.
    """
    labels = Counter(map(str, seg.labels))
    n_beats = np.diff(seg.beat_offsets)
    seconds = seg.length / seg.fs
    per_label_records = {lab: int(len(set(seg.record_ids[seg.labels == lab]))) for lab in labels}
    return {
        "segments": dict(sorted(labels.items())),
        "n_segments": len(seg),
        "n_records": int(len(set(map(str, seg.record_ids)))),
        "records_per_label": per_label_records,
        "beats": dict(sorted(Counter(map(str, seg.beat_symbol)).items())),
        "beats_per_segment": {"min": int(n_beats.min()), "median": float(np.median(n_beats)),
                              "max": int(n_beats.max())} if len(seg) else {},
        "unpadded_seconds": {"min": float(seconds.min()), "median": float(np.median(seconds)),
                             "max": float(seconds.max())} if len(seg) else {},
        "fs": seg.fs,
        "leads": list(seg.lead_names),
    }
