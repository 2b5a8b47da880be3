"""Multi-label metrics of the xECGNet chapter (CPSC 2018 arrhythmia detection), via scikit-learn.

Every record carries one or more of ``n_classes`` labels; ``y_true`` and ``y_pred`` are
``(n, n_classes)`` 0/1 indicator matrices (row ``i``, column ``j`` is 1 when record ``i``
has class ``j``). Hard predictions come from per-class probabilities through
:func:`predict_multilabel` (``probs >= threshold`` is positive).

Measures (all F1 scores use ``zero_division=0``: a class with no true and no predicted
positive, or no predicted positive, gets precision / F1 0 rather than NaN):

* ``micro_f1``: F1 of the pooled TP / FP / FN over all classes, ``2 TP / (2 TP + FP + FN)``;
  the xECGNet paper's "F1".
* ``macro_f1``: unweighted mean of the per-class F1 scores; the official CPSC 2018 measure.
* ``f1``: per-class F1, ``{class_name: value}``.
* ``subset_acc``: exact-match accuracy (the whole label set right) over all records.
* ``multi_acc`` / ``single_acc``: exact-match accuracy over the records with at least two /
  exactly one true label(s) (NaN when there is no such record). Records without any true
  label count in ``subset_acc`` only.
* ``hamming_loss``: fraction of wrong (record, class) cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss

from ecgstudy.errors import ParameterError

#: Keys of :func:`multilabel_metrics`' result, in order.
MULTILABEL_KEYS = (
    "micro_f1", "macro_f1", "f1", "subset_acc", "multi_acc", "single_acc",
    "n", "n_multi", "n_single", "hamming_loss",
)


def _indicator(y: Sequence[Any] | np.ndarray, name: str) -> np.ndarray:
    """``(n, n_classes)`` int64 copy of a 0/1 indicator matrix, validated."""
    a = np.asarray(y)
    if a.ndim != 2:
        raise ParameterError(f"{name} must be 2-D (n, n_classes), got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise ParameterError(f"{name} must be numeric 0/1, got dtype {a.dtype}")
    bad = ~np.isin(a, (0, 1))
    if bad.any():
        values = np.unique(a[bad])[:5].tolist()
        raise ParameterError(f"{name} must hold only 0 and 1, found {values}")
    return a.astype(np.int64)


def predict_multilabel(probs: Sequence[Sequence[float]] | np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``(n, n_classes)`` uint8 hard predictions, 1 where ``probs >= threshold``.

    A probability equal to the threshold is positive. A record may end up with no
    positive class at all; no "at least one label" rule is applied.

    >>> predict_multilabel([[0.2, 0.5, 0.9], [0.7, 0.1, 0.49]]).tolist()
    [[0, 1, 1], [1, 0, 0]]
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2:
        raise ParameterError(f"probs must be 2-D (n, n_classes), got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ParameterError("probs holds NaN or infinite values")
    threshold = float(threshold)
    if not math.isfinite(threshold):
        raise ParameterError(f"threshold must be finite, got {threshold}")
    return (p >= threshold).astype(np.uint8)


def _exact_match(y: np.ndarray, pred: np.ndarray, rows: np.ndarray) -> float:
    """Exact-match accuracy over ``rows`` (boolean mask), NaN when no row is selected."""
    if not rows.any():
        return math.nan
    return float(accuracy_score(y[rows], pred[rows]))


def multilabel_metrics(
    y_true: Sequence[Sequence[int]] | np.ndarray,
    y_pred: Sequence[Sequence[int]] | np.ndarray,
    class_names: Sequence[str],
) -> dict[str, Any]:
    """Micro / macro / per-class F1, exact-match accuracies and Hamming loss.

    Args:
        y_true: ``(n, n_classes)`` 0/1 true label indicators (bool, int or float).
        y_pred: ``(n, n_classes)`` 0/1 predicted indicators, e.g. from
            :func:`predict_multilabel`.
        class_names: ``n_classes`` distinct names, in column order (keys of ``f1``).

    Returns:
        ``micro_f1``, ``macro_f1``, ``subset_acc``, ``multi_acc``, ``single_acc``,
        ``hamming_loss`` floats (``multi_acc`` / ``single_acc`` NaN without records with
        >= 2 / exactly 1 true label), ``f1`` ``{class_name: float}`` and the counts ``n``,
        ``n_multi`` (records with >= 2 true labels), ``n_single`` (exactly 1). F1 scores
        use scikit-learn's ``zero_division=0``.

    Raises:
        ParameterError: the arrays are not 2-D, differ in shape, hold values other than 0
            and 1 or have no rows, or ``class_names`` does not name every column once.

    Example (4 records, 3 classes; record 3 misses class C, record 4 gets a wrong B):

    >>> y = [[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1]]
    >>> p = [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1]]
    >>> m = multilabel_metrics(y, p, ["A", "B", "C"])
    >>> round(m["micro_f1"], 4), round(m["macro_f1"], 4), m["f1"]["A"]
    (0.8, 0.7778, 1.0)
    >>> m["subset_acc"], m["multi_acc"], round(m["single_acc"], 4), (m["n_multi"], m["n_single"])
    (0.5, 0.0, 0.6667, (1, 3))
    """
    y = _indicator(y_true, "y_true")
    pred = _indicator(y_pred, "y_pred")
    if y.shape != pred.shape:
        raise ParameterError(f"y_true has shape {y.shape}, y_pred has shape {pred.shape}")
    n, n_classes = y.shape
    if n == 0:
        raise ParameterError("no records")
    names = list(class_names)
    if len(names) != n_classes:
        raise ParameterError(f"class_names has {len(names)} names, the arrays have {n_classes} columns")
    if len(set(names)) != len(names):
        raise ParameterError(f"class_names must be distinct, got {names}")
    if n_classes == 1:  # scikit-learn reads one column as binary labels {0, 1}: score the positive class
        f1 = float(f1_score(y[:, 0], pred[:, 0], zero_division=0))
        per_class, micro, macro = np.array([f1]), f1, f1
    else:
        per_class = f1_score(y, pred, average=None, zero_division=0)
        micro = float(f1_score(y, pred, average="micro", zero_division=0))
        macro = float(f1_score(y, pred, average="macro", zero_division=0))
    n_true = y.sum(axis=1)
    multi, single = n_true >= 2, n_true == 1
    return {
        "micro_f1": micro,
        "macro_f1": macro,
        "f1": {name: float(v) for name, v in zip(names, per_class, strict=True)},
        "subset_acc": float(accuracy_score(y, pred)),
        "multi_acc": _exact_match(y, pred, multi),
        "single_acc": _exact_match(y, pred, single),
        "n": int(n),
        "n_multi": int(multi.sum()),
        "n_single": int(single.sum()),
        "hamming_loss": float(hamming_loss(y, pred)),
    }
