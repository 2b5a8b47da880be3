"""Regression scores and ROC AUC: hand values and agreement with scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, roc_auc_score

from ecgstudy.metrics import regression_scores, roc_auc


def test_regression_scores_by_hand():
    m = regression_scores(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), y_train=np.array([0.0, 4.0]))
    assert m["mae"] == pytest.approx(2 / 3)
    assert m["rmse"] == pytest.approx(math.sqrt(4 / 3))
    assert m["r2"] == pytest.approx(1 - 4 / 2)  # SS_res 4, SS_tot 2
    assert m["baseline_mae"] == pytest.approx((1 + 0 + 1) / 3)  # predicting the training mean 2
    assert list(m) == ["mae", "rmse", "r2", "baseline_mae"]


def test_regression_scores_agree_with_scikit_learn_bit_for_bit():
    rng = np.random.default_rng(0)
    y, pred, y_train = rng.normal(90, 12, 57), rng.normal(92, 10, 57), rng.normal(88, 11, 200)
    m = regression_scores(y, pred, y_train=y_train)
    assert m["mae"] == float(mean_absolute_error(y, pred))
    assert m["rmse"] == float(math.sqrt(mean_squared_error(y, pred)))
    assert m["r2"] == float(r2_score(y, pred))
    assert m["baseline_mae"] == float(np.mean(np.abs(y - np.mean(y_train))))


def test_r2_is_nan_for_one_value():
    m = regression_scores(np.array([3.0]), np.array([4.0]), y_train=np.array([1.0, 2.0]))
    assert math.isnan(m["r2"]) and m["mae"] == 1.0 and m["rmse"] == 1.0 and m["baseline_mae"] == 1.5


def test_ecgradcam_score_uses_it():
    from ecgstudy.studies.ecgradcam.targets import score

    y, pred, y_train = np.array([100.0, 110, 90]), np.array([104.0, 112, 96]), np.array([95.0, 105])
    assert score(y, pred, binary=False, y_train=y_train) == regression_scores(y, pred, y_train=y_train)


def test_roc_auc_by_hand_and_against_scikit_learn():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75  # 3 of the 4 (pos, neg) pairs ordered
    assert math.isnan(roc_auc([1, 1, 1], [0.1, 0.2, 0.3]))
    rng = np.random.default_rng(1)
    y, s = rng.integers(0, 2, 80), rng.random(80)
    assert roc_auc(y, s) == float(roc_auc_score(y, s))
