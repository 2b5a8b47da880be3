"""Uncertainty of metrics: bootstrap intervals, mean ± sd over runs, paired comparisons.

* :func:`bootstrap_ci`: percentile bootstrap of a metric over samples. Rows of the
  arrays (e.g. ``(y_true, score)`` pairs) are resampled together with replacement and
  the metric is recomputed on each resample. A resample whose first array holds a
  single class (AUC and recalls are undefined there) or whose metric is NaN is skipped
  and counted in ``skipped``; the interval comes from the remaining ones.
* :func:`mean_sd` / :func:`summarise`: mean and sample standard deviation (``ddof=1``)
  over folds x seeds, as the paper's "mean ± sd" cells.
* :func:`paired_test`: Wilcoxon signed-rank test (scipy) of paired per-run values of two
  methods plus the mean difference with a bootstrap interval.
* :func:`interval_verdict`: the study's one rule for reading an interval against a reference
  value (above, below, no clear difference).
* :func:`unpaired_diff`: the difference of two groups' means (runs that cannot be paired,
  e.g. segment-wise against record-wise folds) with a bootstrap interval that resamples each
  group on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import wilcoxon

from ecgstudy.errors import ParameterError


def _check_level(level: float) -> float:
    level = float(level)
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level}")
    return level


def _finite_1d(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ParameterError(f"{name} must be 1-D, got shape {v.shape}")
    return v


def resample_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """``(n_boot, n)`` int64 row indices drawn with replacement (``numpy`` PCG64, ``seed``).

    >>> resample_indices(4, 2, seed=0).shape
    (2, 4)
    """
    if n < 1:
        raise ParameterError("cannot bootstrap zero samples")
    if int(n_boot) < 1:
        raise ParameterError(f"n_boot must be >= 1, got {n_boot}")
    return np.random.default_rng(seed).integers(0, n, size=(int(n_boot), n))


def percentile_interval(stats: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """``(low, high)``: the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles (linear) of ``stats``.

    >>> percentile_interval(np.arange(101.0), 0.5)
    (25.0, 75.0)
    """
    level = _check_level(level)
    stats = np.asarray(stats, dtype=np.float64)
    if stats.size == 0:
        return math.nan, math.nan
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap_ci(
    metric: Callable[..., float] | Sequence[float] | np.ndarray,
    *arrays: Sequence[Any] | np.ndarray,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
    skip_single_class: bool = True,
) -> dict[str, float | int]:
    """Percentile bootstrap interval of a metric over samples.

    Two forms:

    * ``bootstrap_ci(fn, y_true, score, ...)``: ``fn(*resampled_arrays) -> float``; the
      rows of all ``arrays`` (same length ``n``) are resampled together. With
      ``skip_single_class``, a resample whose *first* array holds one distinct value is
      skipped (so pass the labels first when the metric is an AUC or a recall).
    * ``bootstrap_ci(values)``: the interval of the mean of ``values`` (e.g. per-run
      accuracies); nothing is skipped.

    Args:
        metric: a callable, or ``(n,)`` values.
        arrays: the callable's arguments, each with ``n`` rows.
        n_boot: resamples drawn (including skipped ones).
        level: coverage of the interval, in (0, 1).
        seed: seeds the resampling (``numpy.random.default_rng``).
        skip_single_class: see above.

    Returns:
        ``estimate`` (the metric on the original data), ``low``, ``high``, ``level``,
        ``n_boot`` (resamples used), ``skipped`` (resamples left out).

    >>> from ecgstudy.metrics.binary import binary_metrics
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]
    >>> ci = bootstrap_ci(lambda y, s: binary_metrics(y, s)["auc"], y, s, n_boot=200, seed=1)
    >>> round(ci["estimate"], 4), ci["low"] <= ci["estimate"] <= ci["high"], ci["n_boot"] + ci["skipped"]
    (0.7778, True, 200)
    >>> bootstrap_ci([1.0, 1.0, 1.0], n_boot=50)["low"]
    1.0
    """
    if callable(metric):
        if not arrays:
            raise ParameterError("bootstrap_ci(fn, *arrays): give the arrays fn is computed on")
        data = [np.asarray(a) for a in arrays]
        n = len(data[0])
        if any(len(a) != n for a in data):
            raise ParameterError(f"arrays differ in length: {[len(a) for a in data]}")
        fn = metric
    else:
        if arrays:
            raise ParameterError("bootstrap_ci(values) takes no further arrays; pass a callable")
        data = [_finite_1d(metric, "values")]
        n = len(data[0])
        fn = np.mean
        skip_single_class = False
    idx = resample_indices(n, n_boot, seed)
    estimate = float(fn(*data))
    stats, skipped = [], 0
    for rows in idx:
        sample = [a[rows] for a in data]
        if skip_single_class and len(np.unique(sample[0])) < 2:
            skipped += 1
            continue
        value = float(fn(*sample))
        if math.isnan(value):
            skipped += 1
            continue
        stats.append(value)
    low, high = percentile_interval(np.asarray(stats), level)
    return {"estimate": estimate, "low": low, "high": high, "level": float(level),
            "n_boot": len(stats), "skipped": skipped}


def mean_sd(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of the non-NaN values.

    The sd is NaN with fewer than two values; both are NaN with none.

    >>> m, sd = mean_sd([0.9, 0.92, 0.94])
    >>> round(m, 6), round(sd, 6)
    (0.92, 0.02)
    """
    v = _finite_1d(values, "values")
    v = v[~np.isnan(v)]
    if v.size == 0:
        return math.nan, math.nan
    mean = float(np.mean(v))
    sd = float(np.std(v, ddof=1)) if v.size > 1 else math.nan
    return mean, sd


def mean_sd_text(values: Sequence[float] | np.ndarray) -> str:
    """``"mean ± sd"`` of the non-NaN values (:func:`mean_sd`), or the mean alone for one value.

    >>> mean_sd_text([0.5, 0.7]), mean_sd_text([0.5, float("nan")])
    ('0.600 ± 0.141', '0.500')
    """
    mean, sd = mean_sd(values)
    return f"{mean:.3f} ± {sd:.3f}" if sd == sd else f"{mean:.3f}"


def summarise(runs: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float | int]]:
    """Aggregate metric dicts over runs (folds x seeds): per key ``{"mean", "sd", "n"}``.

    Keys are the union over runs, in first-seen order; a run lacking a key, or holding
    NaN for it, does not count towards that key's ``n``.

    >>> out = summarise([{"accuracy": 0.9, "auc": 0.95}, {"accuracy": 0.8, "auc": float("nan")}])
    >>> out["accuracy"]["n"], round(out["accuracy"]["mean"], 10), out["auc"]["n"]
    (2, 0.85, 1)
    """
    keys: dict[str, None] = {}
    for run in runs:
        keys.update(dict.fromkeys(run))
    out: dict[str, dict[str, float | int]] = {}
    for key in keys:
        vals = np.array([float(r[key]) for r in runs if key in r], dtype=np.float64)
        mean, sd = mean_sd(vals)
        out[key] = {"mean": mean, "sd": sd, "n": int(np.sum(~np.isnan(vals)))}
    return out


def paired_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, float | int]:
    """Compare two methods on paired values (same folds and seeds): ``a - b``.

    Returns:
        ``n``, ``mean_diff`` (mean of ``a - b``), ``low`` / ``high`` (percentile bootstrap
        interval of the mean difference), ``statistic`` and ``p_value`` of the two-sided
        Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, zero differences dropped;
        ``p_value`` is 1.0 when every difference is zero).

    >>> r = paired_test([0.91, 0.92, 0.90, 0.93, 0.94, 0.92], [0.88, 0.90, 0.89, 0.90, 0.91, 0.90])
    >>> round(r["mean_diff"], 4), r["p_value"] < 0.05
    (0.0233, True)
    """
    a = _finite_1d(a, "a")
    b = _finite_1d(b, "b")
    if a.shape != b.shape:
        raise ParameterError(f"a and b must be paired (same length), got {len(a)} and {len(b)}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise ParameterError("a and b must not hold NaN (drop the unpaired runs first)")
    d = a - b
    ci = bootstrap_ci(d, n_boot=n_boot, level=level, seed=seed)
    if np.all(d == 0):
        stat, p = 0.0, 1.0
    else:
        res = wilcoxon(a, b)
        stat, p = float(res.statistic), float(res.pvalue)
    return {"n": len(d), "mean_diff": float(np.mean(d)), "low": ci["low"], "high": ci["high"],
            "statistic": stat, "p_value": p}


def unpaired_diff(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, float | int]:
    """Difference of means ``mean(a) - mean(b)`` of two unpaired groups, with a percentile
    bootstrap interval (each group resampled with replacement on its own, the two draws from
    one seeded generator).

    Returns:
        ``n_a``, ``n_b``, ``mean_diff``, ``low``, ``high``, ``level``; NaN interval when a
        group has fewer than two values.

    >>> r = unpaired_diff([0.95, 0.96, 0.97], [0.90, 0.91, 0.92], n_boot=500)
    >>> round(r["mean_diff"], 4), 0 < r["low"] <= r["mean_diff"] <= r["high"]
    (0.05, True)
    """
    level = _check_level(level)
    x = _finite_1d(a, "a")
    y = _finite_1d(b, "b")
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    out: dict[str, float | int] = {"n_a": int(x.size), "n_b": int(y.size),
                                   "mean_diff": float(x.mean() - y.mean()) if x.size and y.size else math.nan,
                                   "low": math.nan, "high": math.nan, "level": level}
    if x.size < 2 or y.size < 2:
        return out
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, x.size, size=(n_boot, x.size))
    ib = rng.integers(0, y.size, size=(n_boot, y.size))
    stats = x[ia].mean(axis=1) - y[ib].mean(axis=1)
    out["low"], out["high"] = percentile_interval(stats, level)
    return out


def interval_verdict(low: float, high: float, *, reference: float = 0.0) -> str:
    """The study's rule for an estimate with a 95 % interval ``[low, high]``: ``"higher"`` when
    the whole interval lies above ``reference``, ``"lower"`` when below, ``"no clear
    difference"`` when it contains it, ``"too few runs"`` without an interval (NaN).

    >>> interval_verdict(0.002, 0.01), interval_verdict(-0.01, 0.003), interval_verdict(float("nan"), 1.0)
    ('higher', 'no clear difference', 'too few runs')
    >>> interval_verdict(1.2, 1.9, reference=1.0)
    'higher'
    """
    if low != low or high != high:
        return "too few runs"
    if low > reference:
        return "higher"
    if high < reference:
        return "lower"
    return "no clear difference"


def format_bound(x: float, digits: int = 3) -> str:
    """A signed interval end (or difference) for the pages; exactly 0 (e.g. a bootstrap over
    runs without change) prints as ``0``, not ``+0.000``, so it does not read as a small gain.

    >>> format_bound(0.0123), format_bound(-0.5, 2), format_bound(0.0)
    ('+0.012', '-0.50', '0')
    """
    return "0" if x == 0 else f"{x:+.{digits}f}"


#: How a claim that predicts "higher" reads each :func:`interval_verdict` (bold, for the pages).
CLAIM_WORDS = {"higher": "**agrees**", "lower": "**contradicts the paper**", "no clear difference": "**not shown**",
               "too few runs": "**not yet testable**"}
