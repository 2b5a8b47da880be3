"""How often the study's intervals hold the true value: coverage by simulation, for each design the chapters meet.

* :func:`mean_of_runs`: the mean of a few runs (seeds or folds with independent test sets): Student t against a
  percentile bootstrap.
* :func:`fixed_test_set`: seeds that all score one fixed test set (xECGNet's PTB-XL fold, the ECGradCAM transfer
  networks on LUDB): the seeds' paired t alone against :func:`~ecgstudy.metrics.stats.fixed_test_interval`, which adds
  a bootstrap over the test patients. Each patient has an effect of its own, so the test sample itself varies.
* :func:`cross_validation`: the mean over the folds of one k-fold cross-validation (ICLR, ECGradCAM): the plain t
  against Nadeau & Bengio's corrected t (:func:`~ecgstudy.metrics.stats.corrected_t_interval`). The learner is
  ordinary least squares on ``p`` standard normal features (20 on 60 records: a learner whose error depends on its
  training sample), whose expected test error after training on ``m``
  records is known exactly, ``sigma^2 (1 + p / (m - p - 1))``: that is the truth the fold mean estimates.

Every function is seeded and returns ``{interval name: coverage}`` (a share of ``n_sims``).

>>> cov = mean_of_runs(5, n_sims=400, seed=1)
>>> cov["Student t"] > cov["percentile bootstrap"]
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecgstudy.metrics.stats import corrected_t_interval, fixed_test_interval, paired_t_interval, t_interval

#: The interval names each function returns, in the page's order (first: the naive one).
MEAN_OF_RUNS = ("percentile bootstrap", "Student t")
FIXED_TEST_SET = ("seeds only (paired t)", "seeds + test patients (fixed_test_interval)")
CROSS_VALIDATION = ("plain t over folds", "corrected resampled t (Nadeau & Bengio)")


def mean_of_runs(n: int, *, n_sims: int, seed: int = 0) -> dict[str, float]:
    """Coverage of the mean of ``n`` independent normal runs (sd 1) by a percentile bootstrap
    (:func:`~ecgstudy.metrics.intervals.bootstrap_ci`, 400 resamples) and by Student t."""
    from ecgstudy.metrics.intervals import bootstrap_ci

    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(MEAN_OF_RUNS, 0)
    for _ in range(n_sims):
        v = rng.normal(0.0, 1.0, n)
        boot = bootstrap_ci(v, n_boot=400, seed=int(rng.integers(2 ** 31)))
        hits[MEAN_OF_RUNS[0]] += boot["low"] <= 0.0 <= boot["high"]
        t = t_interval(v)
        hits[MEAN_OF_RUNS[1]] += t.low <= 0.0 <= t.high
    return {k: v / n_sims for k, v in hits.items()}


def fixed_test_set(seeds: int, *, n_sims: int, seed: int = 0, n_patients: int = 100, tau: float = 0.1,
                   sigma_u: float = 0.005, noise: float = 0.05, delta: float = 0.02, n_boot: int = 300
                   ) -> dict[str, float]:
    """Coverage of a population difference ``delta`` by intervals over ``seeds`` runs that all score one test
    sample of ``n_patients``, drawn afresh in each simulation: each patient has an effect of their own (sd
    ``tau``), each seed a shift (sd ``sigma_u``), each score some noise (sd ``noise``)."""
    from ecgstudy.metrics.group_resample import group_counts, resampled_mean

    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(FIXED_TEST_SET, 0)
    for _ in range(n_sims):
        effect = delta + tau * rng.standard_normal(n_patients)
        x = effect + sigma_u * rng.standard_normal((seeds, 1)) + noise * rng.standard_normal((seeds, n_patients))
        d = x.mean(axis=1)  # each seed's difference on this test sample
        codes, counts = group_counts(np.arange(n_patients), n_boot=n_boot, seed=int(rng.integers(2 ** 31)))
        boot = resampled_mean(x.mean(axis=0), codes, counts)  # the seed-mean difference in each resample
        for name, ci in zip(FIXED_TEST_SET, (paired_t_interval(d, np.zeros(seeds)),
                                             fixed_test_interval(d, test_variance=float(boot.var(ddof=1)),
                                                                 n_units=n_patients))):
            hits[name] += ci.low <= delta <= ci.high
    return {k: v / n_sims for k, v in hits.items()}


def ols_test_error(m: int, p: int, sigma: float = 1.0) -> float:
    """Expected squared test error of least squares (no intercept) trained on ``m`` records of ``p`` standard normal
    features with noise sd ``sigma``: ``sigma^2 (1 + p / (m - p - 1))``.

    >>> round(ols_test_error(80, 5), 4)
    1.0676
    """
    return sigma ** 2 * (1 + p / (m - p - 1))


def cross_validation(k: int, *, n_sims: int, seed: int = 0, n: int = 60, p: int = 20, sigma: float = 1.0
                     ) -> dict[str, float]:
    """Coverage of the expected test error of least squares trained on ``n (k - 1) / k`` records by intervals over
    the ``k`` fold errors of one k-fold cross-validation of ``n`` records (drawn afresh in each simulation). The
    defaults, 20 features on 60 records, make a learner whose error depends on its training sample, as a network's
    does on a small dataset (with 5 features on 100 records the folds hardly move together, and the plain t covers
    about 94 %)."""
    rng = np.random.default_rng(seed)
    folds = np.arange(n) % k
    m = int(np.sum(folds != 0))
    truth = ols_test_error(m, p, sigma)
    beta = np.ones(p)
    hits = dict.fromkeys(CROSS_VALIDATION, 0)
    for _ in range(n_sims):
        x = rng.standard_normal((n, p))
        y = x @ beta + sigma * rng.standard_normal(n)
        errors = []
        for f in range(k):
            train, test = folds != f, folds == f
            coef, *_ = np.linalg.lstsq(x[train], y[train], rcond=None)
            errors.append(float(np.mean((y[test] - x[test] @ coef) ** 2)))
        for name, ci in zip(CROSS_VALIDATION, (t_interval(errors),
                                               corrected_t_interval(errors, n_train=m, n_test=n - m))):
            hits[name] += ci.low <= truth <= ci.high
    return {kk: v / n_sims for kk, v in hits.items()}


def coverage_table(*, n_sims: int, seed: int = 0) -> pd.DataFrame:
    """Every design at a few sizes: ``design, runs, interval, coverage`` (nominal 0.95)."""
    rows = []
    for n in (3, 5, 10, 25):
        for name, cov in mean_of_runs(n, n_sims=n_sims, seed=seed).items():
            rows.append({"design": "mean of independent runs", "runs": n, "interval": name, "coverage": cov})
    for s in (2, 3, 5, 10):
        for name, cov in fixed_test_set(s, n_sims=n_sims, seed=seed).items():
            rows.append({"design": "seeds on one fixed test set", "runs": s, "interval": name, "coverage": cov})
    for k in (3, 5, 10):
        for name, cov in cross_validation(k, n_sims=n_sims, seed=seed).items():
            rows.append({"design": "folds of one cross-validation", "runs": k, "interval": name, "coverage": cov})
    return pd.DataFrame(rows, columns=["design", "runs", "interval", "coverage"])


def naive_and_ours(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`coverage_table` as one row per design and size: the naive interval and the study's, each with its
    coverage (``design, runs, naive, naive coverage, ours, our coverage``).

    >>> t = pd.DataFrame({"design": "d", "runs": [5, 5], "interval": list(CROSS_VALIDATION), "coverage": [0.9, 0.95]})
    >>> row = naive_and_ours(t).iloc[0]
    >>> row["naive"], float(row["naive coverage"]), float(row["our coverage"])
    ('plain t over folds', 0.9, 0.95)
    """
    naive = {MEAN_OF_RUNS[0], FIXED_TEST_SET[0], CROSS_VALIDATION[0]}
    rows = []
    for (design, runs), part in table.groupby(["design", "runs"], sort=False):
        a, b = part[part["interval"].isin(naive)].iloc[0], part[~part["interval"].isin(naive)].iloc[0]
        rows.append({"design": design, "runs": int(runs), "naive": a["interval"], "naive coverage": a["coverage"],
                     "ours": b["interval"], "our coverage": b["coverage"]})
    return pd.DataFrame(rows, columns=["design", "runs", "naive", "naive coverage", "ours", "our coverage"])
