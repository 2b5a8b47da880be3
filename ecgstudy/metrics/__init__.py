"""Metrics and their uncertainty (functional, scikit-learn / scipy underneath).

* :mod:`~ecgstudy.metrics.binary`: accuracy, sensitivity, specificity, ROC AUC, confusion counts.
* :mod:`~ecgstudy.metrics.intervals`: bootstrap intervals, mean ± sd over runs, paired tests.
"""

from ecgstudy.metrics.binary import (
    METRIC_KEYS,
    binary_metrics,
    predict_labels,
    to_binary,
)
from ecgstudy.metrics.intervals import (
    bootstrap_ci,
    mean_sd,
    paired_test,
    percentile_interval,
    resample_indices,
    summarise,
)

__all__ = [
    "METRIC_KEYS",
    "binary_metrics",
    "bootstrap_ci",
    "mean_sd",
    "paired_test",
    "percentile_interval",
    "predict_labels",
    "resample_indices",
    "summarise",
    "to_binary",
]
