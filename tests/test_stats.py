"""The study's statistics: coverage shown by simulation, agreement with scipy, the verdict rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from ecgstudy.metrics.intervals import bootstrap_ci
from ecgstudy.metrics.stats import (VERDICTS, claim_verdict, cluster_bootstrap_ci, corrected_t_interval, coverage,
                                    min_wilcoxon_p, paired_t_interval, reachable_p, t_interval,
                                    welch_t_interval)


def _t(v):
    r = t_interval(v)
    return r.low, r.high


def _percentile_bootstrap(v):
    r = bootstrap_ci(np.asarray(v), n_boot=400, seed=1)
    return r["low"], r["high"]


@pytest.mark.parametrize("n", [5, 25])
def test_student_t_intervals_cover_95_percent_for_few_and_many_runs(n):
    assert 0.93 <= coverage(_t, n=n, n_sims=4000, seed=7) <= 0.97


def test_a_percentile_bootstrap_over_five_runs_undercovers_which_is_why_runs_get_student_t():
    assert coverage(_percentile_bootstrap, n=5, n_sims=600, seed=7) < 0.90


def test_t_interval_agrees_with_scipy():
    v = np.array([0.91, 0.88, 0.95, 0.90, 0.93, np.nan])
    r = t_interval(v, level=0.9)
    lo, hi = sps.t.interval(0.9, 4, loc=np.nanmean(v), scale=sps.sem(v[:5]))
    assert (r.n, r.low, r.high) == (5, pytest.approx(lo), pytest.approx(hi))
    assert r.contains(r.estimate) and math.isnan(t_interval([0.5]).low)


def test_paired_interval_is_the_t_interval_of_the_differences():
    a, b = [0.90, 0.92, 0.95], [0.88, 0.91, 0.90]
    r = paired_t_interval(a, b)
    ref = sps.t.interval(0.95, 2, loc=np.mean(np.subtract(a, b)), scale=sps.sem(np.subtract(a, b)))
    assert (r.low, r.high) == (pytest.approx(ref[0]), pytest.approx(ref[1]))


def test_corrected_t_interval_by_hand():
    d = np.array([0.02, 0.03, 0.01, 0.04, 0.02])
    r = corrected_t_interval(d, n_train=40, n_test=10)
    se = math.sqrt((1 / 5 + 10 / 40) * d.var(ddof=1))
    half = sps.t.ppf(0.975, 4) * se
    assert (r.estimate, r.low, r.high) == (pytest.approx(0.024), pytest.approx(0.024 - half), pytest.approx(0.024 + half))


def test_cluster_bootstrap_resamples_groups_not_rows():
    rng = np.random.default_rng(0)
    # 10 patients, 50 segments each, all segments of a patient alike: 10 independent units, not 500
    patient_rate = rng.uniform(0.5, 1.0, 10)
    groups = np.repeat(np.arange(10), 50)
    correct = (rng.uniform(size=500) < patient_rate[groups]).astype(float)
    by_patient = cluster_bootstrap_ci(lambda c: float(c.mean()), correct, groups=groups, n_boot=1000, seed=0)
    by_row = bootstrap_ci(lambda c: float(c.mean()), correct, n_boot=1000, seed=0)
    assert by_patient.n == 10 and by_patient.estimate == pytest.approx(correct.mean())
    assert by_patient.high - by_patient.low > 1.5 * (by_row["high"] - by_row["low"])
    # with one row per group it is an ordinary bootstrap: the same draws, by hand
    x = np.arange(6, dtype=float)
    r = cluster_bootstrap_ci(lambda v: float(v.mean()), x, groups=np.arange(6), n_boot=300, seed=3)
    draws = np.random.default_rng(3)
    means = [x[draws.integers(0, 6, 6)].mean() for _ in range(300)]
    assert (r.low, r.high) == tuple(pytest.approx(q) for q in np.quantile(means, [0.025, 0.975]))


def test_wilcoxon_floor_matches_scipy_and_says_when_a_p_value_cannot_reach_the_level():
    for n in (3, 5, 6):
        assert min_wilcoxon_p(n) == pytest.approx(sps.wilcoxon(np.arange(1, n + 1), method="exact").pvalue)
    assert not reachable_p(5) and reachable_p(6)


@pytest.mark.parametrize("low, high, effect, verdict", [
    (0.01, 0.09, 0.05, "agrees"),           # excludes 0, on the paper's side
    (0.001, 0.02, 0.05, "agrees"),          # smaller than the paper's, same direction
    (-0.09, -0.01, 0.05, "contradicts"),    # the other side
    (-0.02, 0.02, 0.05, "contradicts"),     # holds 0 but rules the paper's effect out
    (-0.03, 0.08, 0.05, "not detected"),    # holds both: underpowered
    (-0.09, -0.01, -0.05, "agrees"),        # a claimed decrease, shown
])
def test_the_verdict_rule(low, high, effect, verdict):
    assert claim_verdict(low, high, paper_effect=effect) == verdict
    assert claim_verdict(low, high, paper_effect=effect, testable=False) == VERDICTS[3]


@pytest.mark.parametrize("low, high, value, baseline, verdict", [
    (0.95, 0.99, 0.98, 0.88, "agrees"),        # holds the paper's value, excludes the baseline
    (0.90, 0.95, 0.98, 0.88, "contradicts"),   # excludes the paper's value (below it)
    (0.985, 1.0, 0.98, 0.88, "contradicts"),   # excludes it above
    (0.85, 0.99, 0.98, 0.88, "not detected"),  # holds both: underpowered
])
def test_the_verdict_rule_for_a_reported_value(low, high, value, baseline, verdict):
    assert claim_verdict(low, high, paper_effect=value, null=baseline, kind="value") == verdict
    with pytest.raises(Exception, match="kind"):
        claim_verdict(low, high, paper_effect=value, kind="size")


def test_welch_interval_agrees_with_scipy():
    a, b = [0.91, 0.88, 0.95, 0.90, 0.93], [0.80, 0.86, 0.79, 0.90]
    r = welch_t_interval(a, b, level=0.9)
    ref = sps.ttest_ind(a, b, equal_var=False).confidence_interval(0.9)
    assert (r.estimate, r.low, r.high) == (pytest.approx(np.mean(a) - np.mean(b)), pytest.approx(ref.low),
                                           pytest.approx(ref.high))
    assert math.isnan(welch_t_interval([1.0], [0.0, 1.0]).low)


def test_an_interval_held_to_its_range_keeps_its_estimate_and_its_coverage():
    from ecgstudy.metrics.stats import Interval, corrected_t_interval

    wide = corrected_t_interval([0.99, 1.0, 0.95, 1.0, 0.97], n_train=80, n_test=20)
    assert wide.high > 1  # the symmetric t interval passes the bound
    held = wide.within(0, 1)
    assert (held.estimate, held.low, held.high, held.n, held.method) == (wide.estimate, wide.low, 1.0, 5, wide.method)
    assert Interval(0.5, float("nan"), float("nan"), 1, 0.95, "t").within(0, 1).text() == "0.500"
    # coverage: values of a quantity in [0, 1] that the interval held, it still holds
    rng = np.random.default_rng(0)
    for _ in range(200):
        v = np.clip(rng.normal(0.97, 0.03, 5), 0, 1)
        i = corrected_t_interval(v, n_train=80, n_test=20)
        for p in (0.9, 0.95, 0.99, 1.0):
            assert i.contains(p) == i.within(0, 1).contains(p)


def _fixed_test_coverage(*, tau: float, sigma_u: float, n_sims: int = 800, seeds: int = 5, seed: int = 11
                         ) -> tuple[float, float]:
    """Coverage of :func:`fixed_test_interval` and of the seeds' paired t on one fixed test set
    (:func:`ecgstudy.metrics.coverage_sims.fixed_test_set`)."""
    from ecgstudy.metrics.coverage_sims import FIXED_TEST_SET, fixed_test_set

    cov = fixed_test_set(seeds, n_sims=n_sims, seed=seed, tau=tau, sigma_u=sigma_u)
    return cov[FIXED_TEST_SET[1]], cov[FIXED_TEST_SET[0]]


def test_on_one_fixed_test_set_the_seeds_alone_undercover_and_adding_the_patients_variance_covers():
    combined, seeds_only = _fixed_test_coverage(tau=0.1, sigma_u=0.005)  # patients vary more than seeds
    assert 0.93 <= combined <= 0.98
    assert seeds_only < 0.6


def test_when_the_seeds_vary_most_the_fixed_test_interval_still_covers():
    combined, seeds_only = _fixed_test_coverage(tau=0.01, sigma_u=0.02)
    assert 0.93 <= combined <= 0.99 and 0.92 <= seeds_only <= 0.98


def test_fixed_test_interval_adds_the_two_variances_with_satterthwaite_degrees_of_freedom():
    from ecgstudy.metrics.stats import fixed_test_interval

    d = np.array([0.01, 0.03, 0.02, 0.05, 0.04])
    v_seed = d.var(ddof=1) / 5
    ci = fixed_test_interval(d, test_variance=v_seed, n_units=80)  # two equal parts: df = 4 * (2 v)^2 / v^2 = 16
    half = sps.t.ppf(0.975, 16) * math.sqrt(2 * v_seed)
    assert (ci.estimate, ci.low, ci.high, ci.n) == (pytest.approx(0.03), pytest.approx(0.03 - half),
                                                    pytest.approx(0.03 + half), 5)
    assert "80 patients" in ci.method
    same = fixed_test_interval(d, test_variance=0.0, n_units=80)  # no test variance: the paired t
    plain = paired_t_interval(d, np.zeros(5))
    assert (same.low, same.high) == (pytest.approx(plain.low), pytest.approx(plain.high))
    one = fixed_test_interval([0.02], test_variance=1e-4, n_units=80)
    assert one.estimate == 0.02 and math.isnan(one.low)
    with pytest.raises(Exception):
        fixed_test_interval(d, test_variance=-1.0, n_units=80)


def test_fixed_test_interval_with_overlapping_training_sets_scales_the_runs_part_as_nadeau_and_bengio():
    from ecgstudy.metrics.stats import fixed_test_interval

    d = np.array([1.2, 1.5, 1.1, 1.4, 1.3])
    ci = fixed_test_interval(d, test_variance=0.0, n_units=200, correction=0.25)
    want = corrected_t_interval(d, n_train=160, n_test=40)  # (1/5 + 40/160) s^2, 4 df
    assert (ci.low, ci.high) == (pytest.approx(want.low), pytest.approx(want.high))
    assert "fold runs (corrected, Nadeau & Bengio)" in ci.method


@pytest.mark.parametrize("seeds", [2, 3])
def test_the_fixed_test_interval_covers_with_two_and_three_runs(seeds):
    # with 2 runs Welch-Satterthwaite would cover about 88 % here; the interval keeps the runs' 1 df instead
    combined, _ = _fixed_test_coverage(tau=0.05, sigma_u=0.02, seeds=seeds, n_sims=1000)
    assert combined >= 0.93


def test_corrected_welch_interval_corrects_each_side_and_takes_satterthwaite_degrees_of_freedom():
    from ecgstudy.metrics.stats import corrected_welch_interval

    a, b = np.array([0.97, 0.98, 0.96, 0.98, 0.97]), np.array([0.80, 0.78, 0.83, 0.79])
    ci = corrected_welch_interval(a, b, n_train_a=400, n_test_a=100, n_train_b=300, n_test_b=100)
    va = (1 / 5 + 100 / 400) * a.var(ddof=1)
    vb = (1 / 4 + 100 / 300) * b.var(ddof=1)
    df = (va + vb) ** 2 / (va ** 2 / 4 + vb ** 2 / 3)
    half = sps.t.ppf(0.975, df) * math.sqrt(va + vb)
    diff = a.mean() - b.mean()
    assert (ci.estimate, ci.low, ci.high, ci.n) == (pytest.approx(diff), pytest.approx(diff - half),
                                                    pytest.approx(diff + half), 4)
    plain = welch_t_interval(a, b)
    assert ci.high - ci.low > plain.high - plain.low
    assert math.isnan(corrected_welch_interval([1.0], b, n_train_a=4, n_test_a=1, n_train_b=4, n_test_b=1).low)
