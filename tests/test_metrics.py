"""Binary metrics and intervals against scikit-learn, scipy and hand computations."""

from __future__ import annotations

import doctest
import importlib
import math
import statistics

import numpy as np
import pytest
from scipy.stats import wilcoxon
from sklearn.metrics import confusion_matrix, recall_score, roc_auc_score

from ecgstudy.errors import ParameterError
from ecgstudy.metrics import (
    binary_metrics,
    bootstrap_ci,
    mean_sd,
    paired_test,
    percentile_interval,
    resample_indices,
    summarise,
    unpaired_diff,
)

DOCTEST_MODULES = [
    "ecgstudy.metrics.binary", "ecgstudy.metrics.intervals", "ecgstudy.evaluation.folds",
    "ecgstudy.explain.beat_masks", "ecgstudy.explain.grade", "ecgstudy.explain.localisation",
]


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def _data(seed: int = 0, n: int = 300):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    score = 1 / (1 + np.exp(-(1.5 * y - 0.75 + rng.normal(0, 1, n))))
    labels = np.where(y, "NV", "AN")
    return labels, score


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_binary_metrics_agree_with_sklearn(threshold):
    labels, score = _data()
    y = (labels == "NV").astype(int)
    pred = (score >= threshold).astype(int)
    m = binary_metrics(labels, score, threshold=threshold, positive="NV")
    tn, fp, fn, tp = confusion_matrix(y, pred).ravel()
    assert (m["tp"], m["fp"], m["tn"], m["fn"], m["n"]) == (tp, fp, tn, fn, len(y))
    assert m["accuracy"] == pytest.approx((tp + tn) / len(y), abs=1e-12)
    assert m["sensitivity"] == pytest.approx(tp / (tp + fn), abs=1e-12)
    assert m["sensitivity"] == pytest.approx(recall_score(y, pred), abs=1e-12)
    assert m["specificity"] == pytest.approx(tn / (tn + fp), abs=1e-12)
    assert m["auc"] == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert 0 < m["specificity"] < 1 and 0 < m["sensitivity"] < 1  # a case where both matter


def test_polarity_swap_exchanges_sensitivity_and_specificity():
    """The spreadsheet's LV-positive columns are the RV-positive metrics swapped (spec §2.5)."""
    labels, score = _data(seed=1)
    score = np.where(score == 0.5, 0.51, score)
    rv = binary_metrics(labels, score, positive="NV")
    lv = binary_metrics(labels, 1 - score, positive="AN")
    assert lv["sensitivity"] == pytest.approx(rv["specificity"])
    assert lv["specificity"] == pytest.approx(rv["sensitivity"])
    assert lv["auc"] == pytest.approx(rv["auc"])
    assert (lv["tp"], lv["fn"]) == (rv["tn"], rv["fp"])


def test_binary_metrics_hand_case_and_undefined_values():
    m = binary_metrics([1, 1, 1, 0], [0.9, 0.4, 0.8, 0.7])
    assert (m["tp"], m["fn"], m["fp"], m["tn"]) == (2, 1, 1, 0)
    assert m["accuracy"] == 0.5 and m["sensitivity"] == pytest.approx(2 / 3) and m["specificity"] == 0.0
    assert m["auc"] == pytest.approx(2 / 3)  # 2 of 3 positive-negative pairs ranked right
    one = binary_metrics([0, 0, 0], [0.1, 0.6, 0.2])
    assert math.isnan(one["auc"]) and math.isnan(one["sensitivity"])
    assert one["specificity"] == pytest.approx(2 / 3)
    with pytest.raises(ParameterError):
        binary_metrics([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ParameterError):
        binary_metrics([0, 1], [0.1, float("nan")])


def test_bootstrap_ci_matches_a_manual_percentile_bootstrap():
    labels, score = _data(seed=2, n=40)
    y = (labels == "NV").astype(int)
    ci = bootstrap_ci(roc_auc_score, y, score, n_boot=300, level=0.9, seed=7)
    stats = [roc_auc_score(y[r], score[r]) for r in resample_indices(len(y), 300, seed=7)
             if len(np.unique(y[r])) == 2]
    assert ci["n_boot"] == len(stats) and ci["skipped"] == 300 - len(stats)
    assert (ci["low"], ci["high"]) == pytest.approx(tuple(np.quantile(stats, [0.05, 0.95])))
    assert ci["estimate"] == pytest.approx(roc_auc_score(y, score))
    assert bootstrap_ci(roc_auc_score, y, score, n_boot=300, level=0.9, seed=7) == ci  # seeded


def test_bootstrap_ci_counts_single_class_resamples():
    y = np.array([0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4])
    idx = resample_indices(4, 500, seed=3)
    expected_skips = sum(len(np.unique(y[r])) < 2 for r in idx)
    ci = bootstrap_ci(roc_auc_score, y, s, n_boot=500, seed=3)
    assert expected_skips > 100  # (3/4)^4 + (1/4)^4 = 32 % of resamples hold one class
    assert ci["skipped"] == expected_skips and ci["n_boot"] == 500 - expected_skips
    assert ci["low"] == ci["high"] == 1.0  # perfectly ranked in every two-class resample


def test_bootstrap_ci_of_values_is_the_mean_interval():
    v = np.array([0.90, 0.95, 0.85, 0.92, 0.88])
    ci = bootstrap_ci(v, n_boot=400, seed=0)
    means = v[resample_indices(5, 400, seed=0)].mean(axis=1)
    assert (ci["low"], ci["high"]) == pytest.approx(percentile_interval(means, 0.95))
    assert ci["estimate"] == pytest.approx(v.mean()) and ci["skipped"] == 0
    with pytest.raises(ParameterError):
        bootstrap_ci(v, v)
    with pytest.raises(ParameterError):
        bootstrap_ci(v, level=1.0)


def test_mean_sd_is_the_sample_sd():
    v = [0.981, 0.975, 0.986, 0.979, 0.984, 0.978]
    mean, sd = mean_sd(v)
    assert mean == pytest.approx(statistics.mean(v)) and sd == pytest.approx(statistics.stdev(v))
    assert math.isnan(mean_sd([0.5])[1]) and mean_sd([0.5])[0] == 0.5
    assert mean_sd([1.0, float("nan"), 3.0]) == pytest.approx((2.0, math.sqrt(2)))


def test_summarise_over_runs():
    runs = [{"accuracy": 0.9, "auc": 0.95, "tp": 10}, {"accuracy": 0.8, "auc": float("nan"), "tp": 12},
            {"accuracy": 0.7, "tp": 14}]
    out = summarise(runs)
    assert list(out) == ["accuracy", "auc", "tp"]
    assert out["accuracy"]["mean"] == pytest.approx(0.8) and out["accuracy"]["sd"] == pytest.approx(0.1)
    assert out["accuracy"]["n"] == 3 and out["auc"]["n"] == 1 and math.isnan(out["auc"]["sd"])
    assert out["tp"] == {"mean": 12.0, "sd": 2.0, "n": 3}


def test_paired_test_matches_scipy():
    rng = np.random.default_rng(4)
    a = 0.9 + rng.normal(0, 0.01, 10)
    b = a - 0.005 + rng.normal(0, 0.004, 10)
    r = paired_test(a, b, n_boot=500, seed=1)
    ref = wilcoxon(a, b)
    assert r["p_value"] == pytest.approx(ref.pvalue) and r["statistic"] == pytest.approx(ref.statistic)
    assert r["mean_diff"] == pytest.approx(np.mean(a - b)) and r["n"] == 10
    ci = bootstrap_ci(a - b, n_boot=500, seed=1)
    assert (r["low"], r["high"]) == (ci["low"], ci["high"])
    same = paired_test([0.9, 0.8, 0.7], [0.9, 0.8, 0.7])
    assert same["p_value"] == 1.0 and same["mean_diff"] == 0.0
    with pytest.raises(ParameterError):
        paired_test([1.0, 2.0], [1.0])


def test_unpaired_diff_matches_scipy_bootstrap_and_hand_values():
    from scipy.stats import bootstrap

    rng = np.random.default_rng(3)
    a, b = rng.normal(0.95, 0.02, 25), rng.normal(0.90, 0.03, 15)
    ours = unpaired_diff(a, b, n_boot=20000, seed=1)
    assert ours["mean_diff"] == pytest.approx(a.mean() - b.mean(), abs=1e-12)
    assert (ours["n_a"], ours["n_b"]) == (25, 15)
    ref = bootstrap((a, b), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis), paired=False,
                    vectorized=True, n_resamples=20000, method="percentile", random_state=1).confidence_interval
    # different random streams: the two Monte-Carlo intervals agree to about 1e-3
    assert ours["low"] == pytest.approx(ref.low, abs=2e-3) and ours["high"] == pytest.approx(ref.high, abs=2e-3)
    # constant groups: a point interval at the exact difference; too small groups: no interval
    c = unpaired_diff([1.0, 1.0], [0.25, 0.25, 0.25])
    assert (c["mean_diff"], c["low"], c["high"]) == (0.75, 0.75, 0.75)
    assert math.isnan(unpaired_diff([1.0], [0.5, 0.6])["low"])
    assert unpaired_diff([1.0, float("nan"), 3.0], [1.0, 1.0])["n_a"] == 2
