"""Metrics of attribution maps on 1-D signals, in torchmetrics' functional style: maps
``(batch, samples)`` or ``(batch, leads, samples)`` (numpy or torch) in, one score per record
``(batch,)`` out, no reduction (:mod:`~ecgstudy.metrics.attribution.summary` reduces over records).

* :mod:`~ecgstudy.metrics.attribution.localisation`: against a bool region mask: mass share and
  mass ratio, AUROC, pointing game (with a tolerance in samples), relevance rank accuracy.
* :mod:`~ecgstudy.metrics.attribution.faithfulness`: deletion and insertion curves of a model's
  score (map order vs a seeded random order) with linear or ROAD-style noisy linear replacement,
  their areas and the gap to random.
* :mod:`~ecgstudy.metrics.attribution.randomisation`: cascading parameter randomisation (Adebayo
  et al. 2018), Spearman rank correlation of trained vs randomised maps per layer, the flag for
  maps that do not change.
* :mod:`~ecgstudy.metrics.attribution.robustness`: max-sensitivity under uniform input noise of a
  stated radius in mV.
* :mod:`~ecgstudy.metrics.attribution.complexity`: entropy of the normalised absolute map.
* :mod:`~ecgstudy.metrics.attribution.summary`: methods x metrics tables with intervals over
  records or patients, ranks, and paired differences from a reference map.

Checked against scikit-learn's ``roc_auc_score``, scipy's ``spearmanr`` and, where the package
Quantus (0.6.0; not a dependency) is installed, Quantus' ``PointingGame``, ``AUC``,
``RelevanceMassAccuracy``, ``RelevanceRankAccuracy``, ``Complexity``, ``MaxSensitivity`` and
``MPRT`` on small arrays (``tests/test_attribution_metrics.py``). Quantus has no 1-D deletion /
insertion curve with interpolated replacement (its ``ROAD`` imputes over 2-D image neighbours):
those are checked against hand-computed curves of linear models.
"""

from ecgstudy.metrics.attribution.complexity import entropy
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
from ecgstudy.metrics.attribution.randomisation import (
    UNCHANGED_THRESHOLD,
    RandomisationResult,
    cascading_randomisation,
    forward_order,
    parameter_layers,
    parameter_randomisation,
    rank_correlation,
    reinitialise,
)
from ecgstudy.metrics.attribution.robustness import RADIUS_MV, max_sensitivity
from ecgstudy.metrics.attribution.summary import HIGHER_IS_BETTER, method_summary, versus_reference

__all__ = [
    "HIGHER_IS_BETTER",
    "LOCALISATION_KEYS",
    "NOISE_SD_MV",
    "RADIUS_MV",
    "REPLACEMENTS",
    "UNCHANGED_THRESHOLD",
    "RandomisationResult",
    "RemovalCurves",
    "auroc",
    "cascading_randomisation",
    "deletion_curves",
    "entropy",
    "forward_order",
    "impute",
    "insertion_curves",
    "localisation_scores",
    "mass_ratio",
    "mass_share",
    "max_sensitivity",
    "method_summary",
    "parameter_layers",
    "parameter_randomisation",
    "pointing_game",
    "rank_accuracy",
    "rank_correlation",
    "reinitialise",
    "removal_curves",
    "versus_reference",
    "widen",
]
