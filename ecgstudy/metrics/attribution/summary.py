"""Per-method summary tables of attribution metrics, with intervals over the independent unit.

The input is a long table of scores: one row per scored item (a record, a beat, a lead), a column
naming the method, a column naming the independent unit (``group``: the patient, or the record when
each patient has one), and one column per metric. Rows of one group are not independent (beats of
one patient), so intervals rest on groups (:mod:`ecgstudy.metrics.stats`):

* ``interval="t"``: each group's rows are averaged first, then the mean over groups with its
  Student-t interval (:func:`~ecgstudy.metrics.stats.t_interval`): every patient counts once.
* ``interval="bootstrap"``: the mean over all rows with a percentile bootstrap that resamples whole
  groups (:func:`~ecgstudy.metrics.stats.cluster_bootstrap_ci`): a patient counts by its rows.

NaN scores (an empty region, a constant map) are left out per metric. :func:`method_summary` also
ranks the methods per metric (1 = best, by :data:`HIGHER_IS_BETTER`); :func:`versus_reference`
gives each method's paired difference from a reference map (the edge detector) over the groups
both were scored on, with its verdict.

>>> scores = pd.DataFrame({"method": ["a", "a", "a", "b", "b", "b"], "patient": [1, 2, 3, 1, 2, 3],
...                        "auroc": [0.9, 0.8, 0.85, 0.5, 0.6, 0.55]})
>>> t = method_summary(scores, ["auroc"], group="patient")
>>> t[["method", "metric", "estimate", "n", "rank"]].round(3).values.tolist()
[['a', 'auroc', 0.85, 3, 1], ['b', 'auroc', 0.55, 3, 2]]
>>> v = versus_reference(scores, ["auroc"], reference="b", group="patient")
>>> v[["method", "difference", "verdict"]].round(3).values.tolist()
[['a', 0.3, 'better']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.intervals import interval_verdict
from ecgstudy.metrics.stats import cluster_bootstrap_ci, paired_t_interval, t_interval

#: Which way each metric of this package is better (True: higher is better).
HIGHER_IS_BETTER: dict[str, bool] = {
    "mass_share": True, "mass_ratio": True, "auroc": True, "pointing_game": True, "rank_accuracy": True,
    "deletion_auc": False, "insertion_auc": True, "deletion_gap": True, "insertion_gap": True,
    "randomisation_correlation": False, "max_sensitivity": False, "entropy": False,
}

SUMMARY_COLUMNS = ("method", "metric", "estimate", "low", "high", "n", "interval", "rank", "text")
REFERENCE_COLUMNS = ("method", "metric", "reference", "difference", "low", "high", "n", "verdict", "text")


def _check(scores: pd.DataFrame, metrics: Sequence[str], method: str, group: str) -> None:
    missing = [c for c in (method, group, *metrics) if c not in scores.columns]
    if missing:
        raise ParameterError(f"scores lack the columns {missing} (have {list(scores.columns)})")


def _direction(metric: str, higher_is_better: Mapping[str, bool] | None) -> bool:
    table = {**HIGHER_IS_BETTER, **(higher_is_better or {})}
    if metric not in table:
        raise ParameterError(f"say whether a higher {metric!r} is better (higher_is_better={{{metric!r}: ...}})")
    return table[metric]


def method_summary(scores: pd.DataFrame, metrics: Sequence[str], *, method: str = "method", group: str = "record",
                   interval: Literal["t", "bootstrap"] = "t", level: float = 0.95, n_boot: int = 2000,
                   seed: int = 0, higher_is_better: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """One row per method and metric: the estimate with its interval over groups, and the rank.

    Args:
        scores: the long table (see the module docstring).
        metrics: the metric columns to summarise.
        method, group: the names of the method and group columns.
        interval: ``"t"`` (Student t over group means) or ``"bootstrap"`` (cluster bootstrap of the
            row mean).
        level: the intervals' coverage.
        n_boot, seed: the bootstrap's resamples and seed.
        higher_is_better: directions of metrics beyond :data:`HIGHER_IS_BETTER`.

    Returns:
        Columns :data:`SUMMARY_COLUMNS`: ``n`` groups with a score, ``interval`` how it was computed,
        ``rank`` 1 for the best estimate of the metric (ties share the lower rank), ``text`` the
        estimate with its interval.
    """
    _check(scores, metrics, method, group)
    if interval not in ("t", "bootstrap"):
        raise ParameterError(f"interval={interval!r}: expected 't' or 'bootstrap'")
    rows = []
    for metric in metrics:
        _direction(metric, higher_is_better)
        for name, part in scores.groupby(method, sort=False):
            part = part[np.isfinite(part[metric].to_numpy(dtype=np.float64))]
            if interval == "t":
                r = t_interval(part.groupby(group)[metric].mean().to_numpy(dtype=np.float64), level=level)
            elif len(part):
                r = cluster_bootstrap_ci(lambda v: float(np.mean(v)), part[metric].to_numpy(dtype=np.float64),
                                         groups=part[group].to_numpy(), n_boot=n_boot, level=level, seed=seed)
            else:
                r = t_interval([], level=level)
            rows.append({"method": name, "metric": metric, "estimate": r.estimate, "low": r.low, "high": r.high,
                         "n": r.n, "interval": r.method, "text": r.text()})
    out = pd.DataFrame(rows, columns=[c for c in SUMMARY_COLUMNS if c != "rank"])
    ranks = out.groupby("metric", sort=False)["estimate"].rank(method="min", ascending=False)
    flip = out["metric"].map(lambda m: not _direction(m, higher_is_better))
    ranks[flip] = out[flip].groupby("metric", sort=False)["estimate"].rank(method="min", ascending=True)
    out.insert(7, "rank", ranks.astype("Int64"))
    return out


def versus_reference(scores: pd.DataFrame, metrics: Sequence[str], *, reference: str, method: str = "method",
                     group: str = "record", level: float = 0.95,
                     higher_is_better: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Each method's paired difference from ``reference`` (method minus reference) over the groups
    scored by both (group means first), with its Student-t interval and a verdict.

    Returns:
        Columns :data:`REFERENCE_COLUMNS`; ``verdict`` is ``"better"`` / ``"worse"`` when the interval
        excludes 0 (in the metric's direction), ``"no clear difference"``, or ``"too few groups"``.
    """
    _check(scores, metrics, method, group)
    names = list(pd.unique(scores[method]))
    if reference not in names:
        raise ParameterError(f"reference method {reference!r} is not among {names}")
    rows = []
    for metric in metrics:
        up = _direction(metric, higher_is_better)
        means = scores.groupby([method, group])[metric].mean().unstack(method)
        for name in names:
            if name == reference:
                continue
            r = paired_t_interval(means[name].to_numpy(dtype=np.float64), means[reference].to_numpy(dtype=np.float64),
                                  level=level)
            word = interval_verdict(r.low, r.high)
            verdict = {"higher": "better" if up else "worse", "lower": "worse" if up else "better",
                       "too few runs": "too few groups"}.get(word, word)
            rows.append({"method": name, "metric": metric, "reference": reference, "difference": r.estimate,
                         "low": r.low, "high": r.high, "n": r.n, "verdict": verdict, "text": r.text(signed=True)})
    return pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))
