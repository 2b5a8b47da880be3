"""Multi-label metrics against scikit-learn and a hand computation."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, hamming_loss

import ecgstudy.metrics.multilabel as multilabel_module
from ecgstudy.errors import ParameterError
from ecgstudy.metrics import MULTILABEL_KEYS, multilabel_metrics, predict_multilabel

NAMES = ["SNR", "AF", "IAVB", "LBBB", "RBBB"]


def test_docstring_examples_run():
    result = doctest.testmod(multilabel_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def _random(seed: int, n: int = 200, n_classes: int = 5, multi: bool = True):
    """Random indicators with exactly one true label per row, plus a second one on ~30% of rows."""
    rng = np.random.default_rng(seed)
    y = np.zeros((n, n_classes), dtype=np.int64)
    y[np.arange(n), rng.integers(0, n_classes, n)] = 1
    if multi:
        rows = np.flatnonzero(rng.random(n) < 0.3)
        y[rows, rng.integers(0, n_classes, len(rows))] = 1
    flip = rng.random((n, n_classes)) < 0.15
    pred = np.where(flip, 1 - y, y)
    return y, pred


@pytest.mark.parametrize("multi", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_agrees_with_sklearn(seed, multi):
    y, pred = _random(seed, multi=multi)
    m = multilabel_metrics(y, pred, NAMES)
    assert list(m) == list(MULTILABEL_KEYS)
    assert m["micro_f1"] == pytest.approx(f1_score(y, pred, average="micro", zero_division=0))
    assert m["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro", zero_division=0))
    per_class = f1_score(y, pred, average=None, zero_division=0)
    assert list(m["f1"]) == NAMES
    assert [m["f1"][c] for c in NAMES] == pytest.approx(per_class.tolist())
    assert m["macro_f1"] == pytest.approx(float(np.mean(per_class)))
    assert m["subset_acc"] == pytest.approx(accuracy_score(y, pred))
    assert m["hamming_loss"] == pytest.approx(hamming_loss(y, pred))
    n_true = y.sum(axis=1)
    exact = (y == pred).all(axis=1)
    assert m["n"] == len(y)
    assert m["n_single"] == int((n_true == 1).sum())
    assert m["n_multi"] == int((n_true >= 2).sum())
    assert m["single_acc"] == pytest.approx(exact[n_true == 1].mean())
    if multi:
        assert m["n_multi"] > 0
        assert m["multi_acc"] == pytest.approx(exact[n_true >= 2].mean())
    else:
        assert m["n_multi"] == 0 and math.isnan(m["multi_acc"])
    for key in ("micro_f1", "macro_f1", "subset_acc", "single_acc", "hamming_loss"):
        assert type(m[key]) is float
    assert all(type(v) is float for v in m["f1"].values())
    assert all(type(m[k]) is int for k in ("n", "n_multi", "n_single"))


def test_hand_computed_case():
    # 4 records, 3 classes (A, B, C)
    y = np.array([
        [1, 0, 0],  # r1: A        -> predicted A       (exact)
        [0, 1, 1],  # r2: B, C     -> predicted B, C    (exact, multi-label)
        [1, 0, 1],  # r3: A, C     -> predicted A       (misses C)
        [0, 0, 1],  # r4: C        -> predicted B, C    (extra B)
    ])
    pred = np.array([
        [1, 0, 0],
        [0, 1, 1],
        [1, 0, 0],
        [0, 1, 1],
    ])
    # per class: A tp=2 fp=0 fn=0; B tp=1 fp=1 fn=0; C tp=2 fp=0 fn=1
    # F1 = 2tp / (2tp + fp + fn): A 4/4 = 1, B 2/3, C 4/5
    # micro: tp=5 fp=1 fn=1 -> 10/12 = 5/6; macro: (1 + 2/3 + 4/5) / 3 = 37/45
    # exact: r1, r2 yes; r3, r4 no -> subset 2/4; multi (r2, r3) 1/2; single (r1, r4) 1/2
    # hamming: 2 wrong cells out of 12
    m = multilabel_metrics(y, pred, ["A", "B", "C"])
    assert m["f1"] == pytest.approx({"A": 1.0, "B": 2 / 3, "C": 4 / 5})
    assert m["micro_f1"] == pytest.approx(5 / 6)
    assert m["macro_f1"] == pytest.approx(37 / 45)
    assert m["subset_acc"] == pytest.approx(0.5)
    assert m["multi_acc"] == pytest.approx(0.5)
    assert m["single_acc"] == pytest.approx(0.5)
    assert (m["n"], m["n_multi"], m["n_single"]) == (4, 2, 2)
    assert m["hamming_loss"] == pytest.approx(2 / 12)


def test_zero_division_gives_zero_and_unlabelled_rows_count_in_subset_only():
    # class C is never true and never predicted; record 3 has no true label
    y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    pred = np.array([[1, 0, 0], [1, 0, 0], [0, 0, 0]])
    m = multilabel_metrics(y, pred, ["A", "B", "C"])
    assert m["f1"] == {"A": pytest.approx(2 / 3), "B": 0.0, "C": 0.0}
    assert m["n_single"] == 2 and m["n_multi"] == 0
    assert math.isnan(m["multi_acc"])
    assert m["single_acc"] == pytest.approx(0.5)
    assert m["subset_acc"] == pytest.approx(2 / 3)


def test_single_acc_nan_when_every_record_is_multi_label():
    y = np.array([[1, 1, 0], [0, 1, 1]])
    m = multilabel_metrics(y, y, ["A", "B", "C"])
    assert math.isnan(m["single_acc"]) and m["multi_acc"] == 1.0 and m["micro_f1"] == 1.0


def test_accepts_bool_and_float_indicators():
    y, pred = _random(5)
    ref = multilabel_metrics(y, pred, NAMES)
    other = multilabel_metrics(y.astype(bool), pred.astype(np.float32), NAMES)
    assert other["micro_f1"] == ref["micro_f1"] and other["macro_f1"] == ref["macro_f1"]


def test_predict_multilabel_threshold_inclusive():
    probs = np.array([[0.1, 0.5, 0.50001], [0.49999, 0.9, 0.0]])
    pred = predict_multilabel(probs)
    assert pred.dtype == np.uint8
    assert pred.tolist() == [[0, 1, 1], [0, 1, 0]]
    assert predict_multilabel(probs, threshold=0.1).tolist() == [[1, 1, 1], [1, 1, 0]]


@pytest.mark.parametrize(
    ("y", "pred", "names", "match"),
    [
        ([[1, 0], [0, 1]], [[1, 0]], ["A", "B"], "shape"),
        ([1, 0, 1], [1, 0, 1], ["A"], "2-D"),
        ([[1, 2], [0, 1]], [[1, 0], [0, 1]], ["A", "B"], r"only 0 and 1, found \[2\]"),
        ([[1, 0], [0, 1]], [[1, 0.5], [0, 1]], ["A", "B"], "only 0 and 1"),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], ["A", "B", "C"], "3 names, the arrays have 2 columns"),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], ["A", "A"], "distinct"),
        (np.zeros((0, 2)), np.zeros((0, 2)), ["A", "B"], "no records"),
        ([["a", "b"]], [[1, 0]], ["A", "B"], "numeric"),
    ],
)
def test_validation_errors(y, pred, names, match):
    with pytest.raises(ParameterError, match=match):
        multilabel_metrics(y, pred, names)


def test_predict_multilabel_validation():
    with pytest.raises(ParameterError, match="2-D"):
        predict_multilabel([0.2, 0.7])
    with pytest.raises(ParameterError, match="NaN"):
        predict_multilabel([[0.2, np.nan]])
    with pytest.raises(ParameterError, match="threshold"):
        predict_multilabel([[0.2, 0.3]], threshold=float("nan"))


def test_one_class_scores_the_positive_class_not_both_labels():
    # scikit-learn would read a single column as binary labels {0, 1} and average over both
    m = multilabel_metrics([[1], [1], [0], [0]], [[1], [0], [0], [0]], ["A"])
    assert m["micro_f1"] == m["macro_f1"] == m["f1"]["A"] == pytest.approx(2 / 3)
    assert multilabel_metrics([[1], [1]], [[0], [0]], ["A"])["micro_f1"] == 0.0
