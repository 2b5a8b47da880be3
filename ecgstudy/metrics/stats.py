"""The study's statistics: intervals that are valid for few runs, comparisons across cross-validation
folds, resampling of the independent unit, and the one rule that turns an interval into a verdict.

* :func:`t_interval`: the mean of a few runs (folds, seeds) with a Student-t interval. A percentile
  bootstrap over 5 runs covers about 85 % at a nominal 95 % (see :func:`coverage`); Student t covers
  95 % for normal data at any n >= 2.
* :func:`paired_t_interval`: the mean paired difference of two methods run on the same folds/seeds.
* :func:`corrected_t_interval`: the mean difference over k-fold cross-validation (r repeats) with
  Nadeau & Bengio's variance correction ``(1 / (k r) + n_test / n_train) s^2`` (Bouckaert & Frank's
  corrected repeated k-fold test): folds share training data, so their differences are not
  independent and the plain t interval is too narrow.
* :func:`corrected_welch_interval`: the difference of two independent sets of cross-validation runs (two split
  schemes), each side corrected as :func:`corrected_t_interval` corrects one.
* :func:`fixed_test_interval`: the mean paired difference over seeds that all share one fixed test set, with the
  test set's own sampling variance (a bootstrap over its patients) added to the seeds' (Satterthwaite degrees of
  freedom): the seeds alone say how much training varies, not how much another sample of patients would.
* :func:`cluster_bootstrap_ci`: a percentile bootstrap of a pooled metric that resamples the
  independent unit (patients or records) with all its rows, not the rows (segments, beats).
* :func:`min_wilcoxon_p`: the smallest two-sided p the Wilcoxon signed-rank test can give with n
  pairs (2 / 2^n); :func:`reachable_p` says whether a p-value is worth printing at a level.
* :func:`claim_verdict`: agrees / contradicts / not detected / not testable at this budget.

>>> t = t_interval([0.90, 0.92, 0.91, 0.93, 0.89])
>>> round(t.estimate, 3), round(t.low, 4), round(t.high, 4), t.n
(0.91, 0.8904, 0.9296, 5)
>>> claim_verdict(0.01, 0.05, paper_effect=0.03)
'agrees'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.intervals import _check_level, _finite_1d, percentile_interval

#: The four outcomes of a claim, in the order the book lists them.
VERDICTS = ("agrees", "contradicts", "not detected", "not testable at this budget")


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval.

    Attributes:
        estimate: the point estimate (a mean, a mean difference, a pooled metric).
        low, high: the interval's ends (NaN when it cannot be computed, e.g. one run).
        n: how many independent units it rests on (runs, fold pairs, patients).
        level: the interval's nominal coverage.
        method: how it was computed, in words (for the page).
    """

    estimate: float
    low: float
    high: float
    n: int
    level: float
    method: str

    def within(self, lower: float, upper: float) -> "Interval":
        """The interval held to ``[lower, upper]``, the range the quantity can take (an accuracy, AUC or share in
        [0, 1]): the t interval is symmetric and can pass a bound, and holding it there keeps every value it held
        that the quantity can take, so its coverage does not drop. The estimate, a mean of values in the range, is
        in it already (held too, for hand-made values that are not).

        >>> Interval(0.983, 0.947, 1.020, 5, 0.95, "t").within(0, 1).text()
        '0.983 (0.947 to 1.000)'
        >>> Interval(1.03, 1.015, 1.045, 5, 0.95, "t").within(0, 1).text()  # wholly past the bound: held at it
        '1.000 (1.000 to 1.000)'
        """
        def hold(v: float) -> float:
            return v if math.isnan(v) else min(max(v, lower), upper)

        return Interval(hold(self.estimate), hold(self.low), hold(self.high), self.n, self.level, self.method)

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]`` (False when the interval is undefined)."""
        return bool(self.low <= value <= self.high)

    def text(self, digits: int = 3, *, signed: bool = False) -> str:
        """``"0.907 (0.820 to 0.953)"``; ``"0.907"`` without an interval; ``"n/a"`` without an estimate.

        >>> Interval(0.02, -0.01, 0.05, 5, 0.95, "Student t").text(signed=True)
        '+0.020 (-0.010 to +0.050)'
        """
        if self.estimate != self.estimate:
            return "n/a"
        f = f"{{:{'+' if signed else ''}.{digits}f}}"
        if self.low != self.low:
            return f.format(self.estimate)
        return f"{f.format(self.estimate)} ({f.format(self.low)} to {f.format(self.high)})"


def _values(values: Sequence[float] | np.ndarray, name: str = "values") -> np.ndarray:
    v = _finite_1d(values, name)
    return v[np.isfinite(v)]


def t_interval(values: Sequence[float] | np.ndarray, *, level: float = 0.95) -> Interval:
    """Mean of ``values`` (one per run; NaN dropped) with the Student-t interval
    ``mean ± t_{n-1} s / sqrt(n)``; NaN ends with fewer than 2 values.

    >>> t_interval([1.0, 3.0]).low < 2.0 < t_interval([1.0, 3.0]).high
    True
    """
    level = _check_level(level)
    v = _values(values)
    n = len(v)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, level, "Student t")
    mean = float(v.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n, level, "Student t")
    half = float(_stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n, level, f"Student t over {n} runs")


def paired_t_interval(a: Sequence[float], b: Sequence[float], *, level: float = 0.95) -> Interval:
    """Mean of ``a - b`` over pairs (same fold and seed) with its Student-t interval; pairs with a NaN
    are dropped."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ParameterError(f"paired_t_interval: {a.shape} and {b.shape} values do not pair")
    r = t_interval(a - b, level=level)
    return Interval(r.estimate, r.low, r.high, r.n, r.level, f"paired Student t over {r.n} pairs")


def welch_t_interval(a: Sequence[float], b: Sequence[float], *, level: float = 0.95) -> Interval:
    """Difference of the means of two independent sets of runs, ``mean(a) - mean(b)``, with Welch's
    t interval (unequal variances, Welch-Satterthwaite degrees of freedom); NaN dropped, NaN ends
    with fewer than 2 values on a side.

    >>> w = welch_t_interval([1.0, 2.0, 3.0], [0.0, 0.5, 1.0])
    >>> round(w.estimate, 3), w.low < 1.5 < w.high
    (1.5, True)
    """
    x, y = _values(a, "a"), _values(b, "b")
    return _welch(x, y, level=level, method=f"Welch t over {len(x)} and {len(y)} runs")


def _welch(x: np.ndarray, y: np.ndarray, *, level: float, method: str, overlap_x: float = 0.0,
           overlap_y: float = 0.0) -> Interval:
    """``mean(x) - mean(y)`` with a Welch-Satterthwaite t interval; each side's variance of its mean is
    ``s^2 / n + overlap s^2`` (``overlap``: Nadeau & Bengio's ``n_test / n_train`` of folds that share training
    data, 0 for independent runs). NaN ends with fewer than 2 values on a side."""
    level = _check_level(level)
    est = float(x.mean() - y.mean()) if len(x) and len(y) else math.nan
    if len(x) < 2 or len(y) < 2:
        return Interval(est, math.nan, math.nan, min(len(x), len(y)), level, method)
    sx, sy = float(x.var(ddof=1)), float(y.var(ddof=1))
    vx, vy = sx / len(x) + overlap_x * sx, sy / len(y) + overlap_y * sy
    se = math.sqrt(vx + vy)
    if se == 0:
        return Interval(est, est, est, min(len(x), len(y)), level, method)
    df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
    half = float(_stats.t.ppf(0.5 + level / 2, df) * se)
    return Interval(est, est - half, est + half, min(len(x), len(y)), level, method)


def corrected_welch_interval(a: Sequence[float], b: Sequence[float], *, n_train_a: int, n_test_a: int,
                             n_train_b: int, n_test_b: int, level: float = 0.95) -> Interval:
    """Difference of the means of two independent sets of cross-validation runs, ``mean(a) - mean(b)``, each
    set's variance with Nadeau & Bengio's correction (:func:`corrected_t_interval`: its folds share training
    data, ``(1 / J + n_test / n_train) s^2``) and Welch-Satterthwaite degrees of freedom; NaN dropped, NaN ends
    with fewer than 2 runs on a side.

    >>> plain = welch_t_interval([0.97, 0.98, 0.96, 0.98, 0.97], [0.80, 0.78, 0.83, 0.79, 0.81])
    >>> fixed = corrected_welch_interval([0.97, 0.98, 0.96, 0.98, 0.97], [0.80, 0.78, 0.83, 0.79, 0.81],
    ...                                  n_train_a=2000, n_test_a=500, n_train_b=2000, n_test_b=500)
    >>> round(fixed.estimate, 3), fixed.high - fixed.low > plain.high - plain.low
    (0.17, True)
    """
    x, y = _values(a, "a"), _values(b, "b")
    for name, n_train, n_test in (("a", n_train_a, n_test_a), ("b", n_train_b, n_test_b)):
        if n_train < 1 or n_test < 1:
            raise ParameterError(f"corrected_welch_interval: {name}: n_train={n_train}, n_test={n_test}: both must be "
                                 ">= 1")
    return _welch(x, y, level=level, overlap_x=n_test_a / n_train_a, overlap_y=n_test_b / n_train_b,
                  method=f"corrected Welch t (Nadeau & Bengio on each side) over {len(x)} and {len(y)} fold runs")


def corrected_t_interval(differences: Sequence[float], *, n_train: int, n_test: int,
                         level: float = 0.95) -> Interval:
    """Mean difference of two methods over the folds (and repeats) of a cross-validation, with
    Nadeau & Bengio's corrected variance: ``var = (1 / J + n_test / n_train) s^2`` with ``J``
    differences (k folds x r repeats) and ``J - 1`` degrees of freedom.

    Args:
        differences: one per fold (and repeat): metric of method A minus method B.
        n_train, n_test: how many independent units train and test one fold (patients, records).

    >>> plain = t_interval([0.02, 0.03, 0.01, 0.04, 0.02])
    >>> fixed = corrected_t_interval([0.02, 0.03, 0.01, 0.04, 0.02], n_train=40, n_test=10)
    >>> fixed.high - fixed.low > plain.high - plain.low  # wider: folds share training data
    True
    """
    level = _check_level(level)
    d = _values(differences, "differences")
    j = len(d)
    if n_train < 1 or n_test < 1:
        raise ParameterError(f"corrected_t_interval: n_train={n_train}, n_test={n_test}: both must be >= 1")
    method = f"corrected resampled t (Nadeau & Bengio) over {j} fold runs"
    if j < 2:
        return Interval(float(d.mean()) if j else math.nan, math.nan, math.nan, j, level, method)
    mean = float(d.mean())
    se = math.sqrt((1 / j + n_test / n_train) * float(d.var(ddof=1)))
    half = float(_stats.t.ppf(0.5 + level / 2, j - 1) * se)
    return Interval(mean, mean - half, mean + half, j, level, method)


#: Fewest runs for which :func:`fixed_test_interval` takes Welch-Satterthwaite degrees of freedom (below: ``S - 1``).
MIN_SATTERTHWAITE_RUNS = 3


def fixed_test_interval(differences: Sequence[float], *, test_variance: float, n_units: int,
                        correction: float = 0.0, level: float = 0.95) -> Interval:
    """Mean of per-seed paired differences measured on one fixed test set, with an interval that counts both
    sources of its uncertainty: the seeds (training varies: ``s^2 / S`` over ``S`` seeds, ``S - 1`` degrees of
    freedom) and the test sample (another draw of its patients: ``test_variance``, the variance of the
    seed-mean difference over resamples of the test patients, taken as known). The two add up,
    ``se^2 = s^2 / S + test_variance``, with Welch-Satterthwaite degrees of freedom
    ``se^4 / ((s^2 / S)^2 / (S - 1))`` from 3 runs on (with 2, the runs' own ``S - 1 = 1``: the approximation
    under-covers there). A patient-by-seed interaction is counted in both terms, so the interval
    errs on the wide side (its coverage is shown by simulation in the tests).

    When the runs are not seeds of one training set but networks trained on the folds of another dataset (each
    leaves out a different part), their training sets overlap and their spread understates how much training
    varies: ``correction`` (Nadeau & Bengio's ``n_left_out / n_train``) scales the runs' part to
    ``(1 / S + correction) s^2``, as :func:`corrected_t_interval` does.

    Args:
        differences: one per seed (or fold): metric of method A minus method B on the same test set, or one
            method's value.
        test_variance: bootstrap variance of the mean of ``differences`` over resampled test patients (>= 0).
        n_units: how many patients the test set holds (for the method text).
        correction: the training sets' overlap term (0 for seeds of one training set).

    >>> plain = paired_t_interval([0.03, 0.01, 0.02, 0.04, 0.02], [0.0] * 5)
    >>> both = fixed_test_interval([0.03, 0.01, 0.02, 0.04, 0.02], test_variance=0.01 ** 2, n_units=200)
    >>> round(both.estimate, 3), both.high - both.low > plain.high - plain.low
    (0.024, True)
    >>> round(fixed_test_interval([0.02] * 3, test_variance=0.01 ** 2, n_units=50).high, 4)  # seeds agree: normal
    0.0396
    """
    level = _check_level(level)
    d = _values(differences, "differences")
    s_count = len(d)
    if not (test_variance >= 0 and math.isfinite(test_variance)) or not (correction >= 0 and math.isfinite(correction)):
        raise ParameterError(f"fixed_test_interval: test_variance {test_variance} and correction {correction} must be "
                             "finite and >= 0")
    runs = f"{s_count} seed{'s' if s_count != 1 else ''}" if correction == 0 else \
        f"{s_count} fold run{'s' if s_count != 1 else ''} (corrected, Nadeau & Bengio)"
    method = f"Student t over {runs} plus the bootstrap variance over the test set's {n_units} patients"
    if s_count < 2:
        return Interval(float(d.mean()) if s_count else math.nan, math.nan, math.nan, s_count, level, method)
    mean = float(d.mean())
    v_seed = float(d.var(ddof=1)) * (1 / s_count + correction)
    total = v_seed + float(test_variance)
    if total == 0:
        return Interval(mean, mean, mean, s_count, level, method)
    # Welch-Satterthwaite degrees of freedom; with 2 runs (1 df) that approximation covers about 88 % (simulation
    # in the tests), so there the runs' own 1 degree of freedom is kept: wider, never below the nominal coverage
    df = s_count - 1 if s_count < MIN_SATTERTHWAITE_RUNS else \
        math.inf if v_seed == 0 else total ** 2 / (v_seed ** 2 / (s_count - 1))
    q = float(_stats.norm.ppf(0.5 + level / 2)) if math.isinf(df) else float(_stats.t.ppf(0.5 + level / 2, df))
    half = q * math.sqrt(total)
    return Interval(mean, mean - half, mean + half, s_count, level, method)


def cluster_bootstrap_ci(metric: Callable[..., float], *arrays: Sequence | np.ndarray, groups: Sequence | np.ndarray,
                         n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> Interval:
    """Percentile bootstrap of ``metric(*arrays)`` resampling whole groups (patients, records): each
    resample draws as many groups as there are, with replacement, and keeps every row of each drawn
    group (a group drawn twice counts twice). Resamples whose metric is NaN are skipped.

    Args:
        metric: ``metric(*rows)`` on row-aligned arrays (e.g. ``(y_true, score)``).
        groups: ``(n,)`` the group of each row.

    >>> y = np.array([1, 1, 0, 0, 1, 0]); g = np.array(["a", "a", "b", "b", "c", "c"])
    >>> ci = cluster_bootstrap_ci(lambda y: float(np.mean(y)), y, groups=g, n_boot=200)
    >>> ci.n, round(ci.estimate, 3), 0 <= ci.low <= ci.estimate <= ci.high <= 1
    (3, 0.5, True)
    """
    level = _check_level(level)
    cols = [np.asarray(a) for a in arrays]
    groups = np.asarray(groups)
    if any(len(c) != len(groups) for c in cols):
        raise ParameterError("cluster_bootstrap_ci: every array needs one row per entry of groups")
    names, inverse = np.unique(groups, return_inverse=True)
    rows_of = [np.flatnonzero(inverse == k) for k in range(len(names))]
    estimate = float(metric(*cols))
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(n_boot):
        idx = np.concatenate([rows_of[k] for k in rng.integers(0, len(names), len(names))])
        value = float(metric(*(c[idx] for c in cols)))
        if value == value:
            stats.append(value)
    if not stats:
        return Interval(estimate, math.nan, math.nan, len(names), level, "cluster bootstrap")
    low, high = percentile_interval(np.asarray(stats), level)
    return Interval(estimate, low, high, len(names), level,
                    f"bootstrap over {len(names)} groups ({len(stats)} resamples)")


def min_wilcoxon_p(n: int) -> float:
    """The smallest two-sided p-value the exact Wilcoxon signed-rank test can give with ``n`` pairs.

    >>> min_wilcoxon_p(5)
    0.0625
    """
    return min(1.0, 2.0 / 2 ** n) if n > 0 else 1.0


def reachable_p(n: int, alpha: float = 0.05) -> bool:
    """Whether ``n`` pairs can give a Wilcoxon p below ``alpha`` (5 pairs cannot reach 0.05).

    >>> reachable_p(5), reachable_p(6)
    (False, True)
    """
    return min_wilcoxon_p(n) < alpha


def claim_verdict(low: float, high: float, *, paper_effect: float, null: float = 0.0,
                  testable: bool = True, kind: str = "direction") -> str:
    """The one rule that turns our interval ``[low, high]`` of a claim's quantity into a verdict.

    Two kinds of claim share it:

    * ``kind="direction"``: the paper claims an effect (a difference from ``null``: one method beats
      another, the attention prefers abnormal beats) and reports ``paper_effect``;
      A claim whose size the paper does not report (a figure, a sentence) passes
      ``paper_effect=math.inf`` (or ``-math.inf``): only its direction is tested;
    * ``kind="value"``: the paper reports a value (an accuracy) and ``null`` is what a trivial
      baseline reaches (the majority class, the training mean).

    The outcomes:

    * ``"not testable at this budget"``: the claim depends on training our budget does not reach
      (``testable=False``, decided by the chapter's budget), or the interval is undefined;
    * ``"not detected"``: the interval holds both ``null`` and the paper's value or effect
      (underpowered: never "not reproduced");
    * ``"agrees"``: direction: the interval excludes ``null`` on the paper's side; value: it holds
      the paper's value and excludes the baseline;
    * ``"contradicts"``: direction: the interval excludes ``null`` on the other side, or holds ``null``
      but excludes the paper's effect (an effect as large as the paper's is ruled out); value: the
      interval excludes the paper's value.

    >>> [claim_verdict(lo, hi, paper_effect=0.05) for lo, hi in
    ...  [(0.01, 0.09), (-0.09, -0.01), (-0.02, 0.02), (-0.03, 0.08), (0.01, 0.02)]]
    ['agrees', 'contradicts', 'contradicts', 'not detected', 'agrees']
    >>> [claim_verdict(lo, hi, paper_effect=0.98, null=0.88, kind="value") for lo, hi in
    ...  [(0.95, 0.99), (0.90, 0.95), (0.85, 0.99), (0.99, 1.0)]]
    ['agrees', 'contradicts', 'not detected', 'contradicts']
    >>> [claim_verdict(lo, hi, paper_effect=math.inf) for lo, hi in [(0.1, 0.2), (-0.1, 0.2), (-0.2, -0.1)]]
    ['agrees', 'not detected', 'contradicts']
    >>> claim_verdict(float("nan"), float("nan"), paper_effect=0.05)
    'not testable at this budget'
    """
    if kind not in ("direction", "value"):
        raise ParameterError(f"claim_verdict: kind {kind!r} is not 'direction' or 'value'")
    if not testable or not (low == low and high == high):
        return VERDICTS[3]
    if low > high:
        raise ParameterError(f"claim_verdict: low {low} > high {high}")
    holds_paper = low <= paper_effect <= high
    holds_null = low <= null <= high
    if kind == "value":
        if not holds_paper:
            return VERDICTS[1]
        return VERDICTS[2] if holds_null else VERDICTS[0]
    if not holds_null:  # an effect is shown: on the paper's side or the other
        on_papers_side = low > null if paper_effect >= null else high < null
        return VERDICTS[0] if on_papers_side else VERDICTS[1]
    return VERDICTS[2] if holds_paper or math.isinf(paper_effect) else VERDICTS[1]


def coverage(interval: Callable[[np.ndarray], tuple[float, float]], *, n: int, n_sims: int = 2000,
             seed: int = 0, mean: float = 0.0, sd: float = 1.0) -> float:
    """Share of ``n_sims`` simulated samples of ``n`` normal values (``mean``, ``sd``) whose
    ``interval(sample) -> (low, high)`` contains ``mean``: the interval's actual coverage.

    >>> round(coverage(lambda v: (t_interval(v).low, t_interval(v).high), n=5, n_sims=500), 2) >= 0.93
    True
    """
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n_sims):
        low, high = interval(rng.normal(mean, sd, n))
        hits += bool(low <= mean <= high)
    return hits / n_sims
