"""Binary classification metrics of the ICLR 2021 chapter (paper 2, §4.2), via scikit-learn.

The paper reports overall accuracy, sensitivity, specificity and ROC AUC, with the
positive class **RV** for (RV, LV), **RVOT** for (RVOT, LVOT) and **PVC** for
(PVC, APB). On MIT-BIH the PVC class is the ``"NV"`` segment label, so the chapter calls
``binary_metrics(labels, p_nv, positive="NV")``.

Definitions (``P`` = the positive class, predictions ``score >= threshold`` are ``P``):

* sensitivity = recall of ``P`` = tp / (tp + fn);
* specificity = recall of the negative class = tn / (tn + fp);
* accuracy = (tp + tn) / n;
* AUC = ``roc_auc_score`` of the positive-class score. The paper averages the AUC "per
  class"; for two classes the AUC of the negative class with score ``1 - p`` is the same
  number, so the average equals this AUC.

Caution (spec §2.5): the authors' result spreadsheet computes its "sensitivity /
specificity" columns with LV / LVOT as the positive class for the PVC-origin tasks, and
on MIT-BIH its column labelled "specificity" is PVC recall. Compare with the
spreadsheet through the confusion counts returned here, not through the column names.

Pooling: the spreadsheet pools the confusion matrix over all held-out predictions of a
5-fold run; concatenate the folds' predictions and call :func:`binary_metrics` once to
do the same, or call it per fold and aggregate with
:func:`ecgstudy.metrics.intervals.summarise`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    recall_score,
    roc_auc_score,
)

from ecgstudy.errors import ParameterError

#: Keys of :func:`binary_metrics`' result, in order.
METRIC_KEYS = ("accuracy", "sensitivity", "specificity", "auc", "tp", "fp", "tn", "fn", "n")


def to_binary(y_true: Sequence[Any] | np.ndarray, positive: Any = 1) -> np.ndarray:
    """``(n,)`` int64, 1 where ``y_true == positive`` and 0 elsewhere.

    >>> to_binary(["NV", "AN", "NV"], positive="NV").tolist()
    [1, 0, 1]
    """
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ParameterError(f"y_true must be 1-D, got shape {y.shape}")
    return (y == positive).astype(np.int64)


def predict_labels(score: Sequence[float] | np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``(n,)`` int64 hard predictions, 1 where ``score >= threshold``.

    >>> predict_labels([0.2, 0.5, 0.9]).tolist()
    [0, 1, 1]
    """
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 1:
        raise ParameterError(f"score must be 1-D (the positive-class score), got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ParameterError("score holds NaN or infinite values")
    return (s >= threshold).astype(np.int64)


def roc_auc(y: Sequence[Any] | np.ndarray, score: Sequence[float] | np.ndarray) -> float:
    """ROC AUC (scikit-learn's ``roc_auc_score``) of ``score`` for 0/1 labels ``y``; NaN when ``y``
    holds a single class (AUC undefined).

    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), roc_auc([1, 1], [0.2, 0.9])
    (0.75, nan)
    """
    return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else math.nan


def binary_metrics(
    y_true: Sequence[Any] | np.ndarray,
    score: Sequence[float] | np.ndarray,
    *,
    threshold: float = 0.5,
    positive: Any = 1,
) -> dict[str, float | int]:
    """Accuracy, sensitivity, specificity, ROC AUC and confusion counts.

    Args:
        y_true: ``(n,)`` true labels, any type (ints, or strings such as ``"NV"``/``"AN"``);
            every label other than ``positive`` is the negative class.
        score: ``(n,)`` score of the positive class (e.g. its probability).
        threshold: a sample is predicted positive when ``score >= threshold``.
        positive: the positive class' label (PVC = ``"NV"`` in the ICLR chapter).

    Returns:
        ``{"accuracy", "sensitivity", "specificity", "auc"}`` floats (NaN where undefined:
        sensitivity without positives, specificity without negatives, AUC with one class)
        and ``{"tp", "fp", "tn", "fn", "n"}`` ints.

    Polarity: the paper's sensitivity is the recall of RV / RVOT / PVC. The authors'
    spreadsheet swapped it for some tasks (spec §2.5); ``binary_metrics(y, 1 - p,
    positive=<other class>)`` gives that swapped reading (sensitivity and specificity
    exchanged, same AUC).

    Example (2 positives, 3 negatives; one negative scored above the threshold):

    >>> m = binary_metrics(["NV", "NV", "AN", "AN", "AN"], [0.9, 0.7, 0.6, 0.2, 0.1],
    ...                    positive="NV")
    >>> m["tp"], m["fp"], m["tn"], m["fn"]
    (2, 1, 2, 0)
    >>> m["accuracy"], m["sensitivity"], round(m["specificity"], 4), m["auc"]
    (0.8, 1.0, 0.6667, 1.0)
    """
    y = to_binary(y_true, positive)
    pred = predict_labels(score, threshold)
    if len(y) != len(pred):
        raise ParameterError(f"y_true has {len(y)} samples, score has {len(pred)}")
    if len(y) == 0:
        raise ParameterError("no samples")
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, pred, labels=[0, 1]).ravel())
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "sensitivity": float(recall_score(y, pred, pos_label=1, zero_division=np.nan)),
        "specificity": float(recall_score(y, pred, pos_label=0, zero_division=np.nan)),
        "auc": roc_auc(y, np.asarray(score, dtype=np.float64)),
        "tp": tp, "fp": fp, "tn": tn, "fn": fn, "n": len(y),
    }
