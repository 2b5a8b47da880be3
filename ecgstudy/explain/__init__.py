"""Explanations of the ICLR attention model, measured against the annotated beats.

* :mod:`~ecgstudy.explain.beat_masks`: beat extents and per-sample abnormal / normal masks.
* :mod:`~ecgstudy.explain.grade`: the paper's grade study (Class I / II / III) as a rule.
* :mod:`~ecgstudy.explain.localisation`: attention mass, AUROC and pointing game per segment.
"""

from ecgstudy.explain.beat_masks import (
    ABNORMAL_SYMBOLS,
    NORMAL_SYMBOLS,
    beat_extents,
    beat_masks,
    extents_from_peaks,
    region_mask,
    segment_masks,
)
from ecgstudy.explain.grade import (
    GRADES,
    beat_scores,
    grade_from_scores,
    grade_ratio,
    grade_segments,
)
from ecgstudy.explain.localisation import localisation_scores, localise

__all__ = [
    "ABNORMAL_SYMBOLS",
    "GRADES",
    "NORMAL_SYMBOLS",
    "beat_extents",
    "beat_masks",
    "beat_scores",
    "extents_from_peaks",
    "grade_from_scores",
    "grade_ratio",
    "grade_segments",
    "localisation_scores",
    "localise",
    "region_mask",
    "segment_masks",
]
