"""Metrics and their uncertainty (functional, scikit-learn / scipy underneath).

* :mod:`~ecgstudy.metrics.attribution`: localisation, faithfulness, randomisation, robustness and
  complexity of attribution maps, and per-method tables over patients (Chapter 4).
* :mod:`~ecgstudy.metrics.binary`: accuracy, sensitivity, specificity, ROC AUC, confusion counts.
* :mod:`~ecgstudy.metrics.intervals`: bootstrap intervals, mean ± sd over runs, paired tests.
* :mod:`~ecgstudy.metrics.multilabel`: micro / macro / per-class F1, exact-match accuracies,
  Hamming loss (xECGNet chapter).
* :mod:`~ecgstudy.metrics.regression`: MAE, RMSE, R² and the training-mean baseline (ECGradCAM chapter).
"""

from ecgstudy.metrics.binary import (
    METRIC_KEYS,
    binary_metrics,
    predict_labels,
    roc_auc,
    to_binary,
)
from ecgstudy.metrics.intervals import (
    CLAIM_WORDS,
    bootstrap_ci,
    format_bound,
    interval_verdict,
    mean_sd,
    paired_test,
    percentile_interval,
    resample_indices,
    summarise,
    unpaired_diff,
)
from ecgstudy.metrics.multilabel import (
    MULTILABEL_KEYS,
    multilabel_metrics,
    predict_multilabel,
)
from ecgstudy.metrics.regression import regression_scores

__all__ = [
    "CLAIM_WORDS",
    "METRIC_KEYS",
    "MULTILABEL_KEYS",
    "binary_metrics",
    "bootstrap_ci",
    "format_bound",
    "interval_verdict",
    "mean_sd",
    "multilabel_metrics",
    "paired_test",
    "percentile_interval",
    "predict_labels",
    "predict_multilabel",
    "regression_scores",
    "resample_indices",
    "roc_auc",
    "summarise",
    "unpaired_diff",
    "to_binary",
]
