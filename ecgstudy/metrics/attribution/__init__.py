"""Metrics of attribution maps on 1-D signals, torchmetrics' functional style: maps ``(batch, samples)``
or ``(batch, leads, samples)`` (numpy or torch) in, one score per record ``(batch,)`` out.

* :mod:`~ecgstudy.metrics.attribution.localisation`: mass share and ratio, AUROC, pointing game,
  relevance rank accuracy against a region mask.
* :mod:`~ecgstudy.metrics.attribution.faithfulness`: deletion and insertion curves (map order vs a
  seeded random order) with linear or noisy linear (ROAD) replacement, their areas and gap.
"""

from ecgstudy.metrics.attribution.faithfulness import (
    NOISE_SD_MV,
    REPLACEMENTS,
    RemovalCurves,
    deletion_curves,
    impute,
    insertion_curves,
    removal_curves,
)
from ecgstudy.metrics.attribution.localisation import (
    LOCALISATION_KEYS,
    auroc,
    localisation_scores,
    mass_ratio,
    mass_share,
    pointing_game,
    rank_accuracy,
    widen,
)

__all__ = [
    "LOCALISATION_KEYS",
    "NOISE_SD_MV",
    "REPLACEMENTS",
    "RemovalCurves",
    "auroc",
    "deletion_curves",
    "impute",
    "insertion_curves",
    "localisation_scores",
    "mass_ratio",
    "mass_share",
    "pointing_game",
    "rank_accuracy",
    "removal_curves",
    "widen",
]
