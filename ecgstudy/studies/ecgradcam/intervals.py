"""Confidence intervals for the ECGradCAM chapter's per-target scores, by resampling records.

A target's score is the mean over its runs (folds, seeds) of each run's held-out metric. Its
95 % interval comes from resampling the *records* with replacement: one resample of the record
ids is drawn for all runs at once, every run is rescored on its own records as they occur in that
resample (a record drawn twice counts twice), and the run scores are averaged again. For
cross-validated runs, where each record is held out once, this is the record bootstrap of the
pooled out-of-fold score; for the transfer runs, whose five networks are all tested on every
LUDB record, it keeps the records shared between runs paired. The intervals say how much a score
depends on which records were drawn, not how much it would move with another training seed.

The baseline is rescored the same way (the training mean for regression, the training majority
for sex), so the difference *network - baseline* gets a paired interval too. Sex runs are scored
from their logits when stored; a committed run whose stored float32 probabilities are saturated
(exact 0 or 1, no logits) keeps the AUC of its ``metrics.json`` (computed before saving) in every
resample: its ranking is not in the saved arrays.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ecgstudy.metrics import percentile_interval, resample_indices

if TYPE_CHECKING:
    import pandas as pd

REGRESSION_SCORES = ("mae", "r2", "baseline_mae", "mae_minus_baseline")
BINARY_SCORES = ("accuracy", "auc", "baseline_accuracy", "accuracy_minus_baseline", "balanced_accuracy")


def _weighted_regression(w: np.ndarray, y: np.ndarray, p: np.ndarray, base: float) -> dict[str, np.ndarray]:
    """Scores of one run under record weights ``w`` ``(n_boot, m)``; ``y``, ``p`` ``(m,)``."""
    tot = w.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = (w * np.abs(y - p)).sum(1) / tot
        base_mae = (w * np.abs(y - base)).sum(1) / tot
        ybar = (w * y).sum(1, keepdims=True) / tot[:, None]
        r2 = 1.0 - (w * (y - p) ** 2).sum(1) / (w * (y - ybar) ** 2).sum(1)
    return {"mae": mae, "r2": r2, "baseline_mae": base_mae, "mae_minus_baseline": mae - base_mae}


def _weighted_binary(w: np.ndarray, y: np.ndarray, p: np.ndarray, majority: float) -> dict[str, np.ndarray]:
    """Accuracy at 0.5, AUC (Mann-Whitney, ties count one half), the majority's accuracy and the
    balanced accuracy (mean of the two classes' recalls; the majority class's is 0.5)."""
    tot = w.sum(1)
    pos, neg = y == 1, y == 0
    # pairwise (positive, negative) wins: the AUC of a weighted sample is w_pos' C w_neg / (W_pos W_neg)
    wins = (p[pos][:, None] > p[neg][None, :]) + 0.5 * (p[pos][:, None] == p[neg][None, :])
    wp, wn = w[:, pos], w[:, neg]
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = (w * ((p >= 0.5) == y)).sum(1) / tot
        base = (w * (y == majority)).sum(1) / tot
        auc = np.einsum("bi,ij,bj->b", wp, wins, wn) / (wp.sum(1) * wn.sum(1))
        hit = p >= 0.5
        balanced = 0.5 * ((wp * hit[pos]).sum(1) / wp.sum(1) + (wn * ~hit[neg]).sum(1) / wn.sum(1))
    return {"accuracy": acc, "auc": auc, "baseline_accuracy": base, "accuracy_minus_baseline": acc - base,
            "balanced_accuracy": balanced}


def _run_arrays(rec) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """A run's held-out ids, targets and predictions (sex: probabilities from the logits when
    stored, :func:`~ecgstudy.studies.ecgradcam.health.binary_scores`) and its metrics, with
    ``saturated`` added (sex probabilities stored at exactly 0 or 1, no logits)."""
    from ecgstudy.studies.ecgradcam.health import binary_scores, saturated

    m = dict(rec.metrics())
    with np.load(rec.path / "predictions.npz") as z:
        ids = np.asarray(z["ids"]).astype(str)
        binary = m["task"] == "binary"
        p = binary_scores(z) if binary else np.asarray(z["prediction"], dtype=np.float64)
        m["saturated"] = binary and "logit" not in z and saturated(z["prediction"])
        return ids, np.asarray(z["y"], dtype=np.float64), p, m


def _majority(y: np.ndarray, baseline_accuracy: float) -> float:
    """The training majority class, recovered from the run's recorded ``baseline_accuracy``
    (the share of held-out records equal to it)."""
    return 1.0 if abs(float(np.mean(y == 1)) - baseline_accuracy) <= abs(float(np.mean(y == 0)) - baseline_accuracy) \
        else 0.0


def record_bootstrap(records: Iterable, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> "pd.DataFrame":
    """Per dataset and target, the mean over runs of each headline score with its record-bootstrap interval.

    Args:
        records: run records of the chapter's experiments (those not ``ok`` are skipped); each
            holds ``metrics.json`` (``dataset``, ``target``, ``task``, ``train_mean``,
            ``baseline_accuracy``) and ``predictions.npz`` (``ids``, ``y``, ``prediction``:
            held-out values in the target's units, or probabilities for sex).
        n_boot: resamples of the record ids. level: coverage of the interval. seed: seeds the resampling.

    Returns:
        One row per dataset and target: ``dataset, target, task, n_runs, n_records`` (distinct
        records scored), then for each score of :data:`REGRESSION_SCORES` (regression) or
        :data:`BINARY_SCORES` (sex) ``<score>`` (mean over runs, on the records as drawn),
        ``<score>_low`` and ``<score>_high``.

    Example (two folds of two records each; the point estimates are the mean of the runs' scores)::

        >>> import json, tempfile, types
        >>> from pathlib import Path
        >>> def run(folder, ids, y, p):
        ...     path = Path(tempfile.mkdtemp(dir=folder))
        ...     np.savez(path / "predictions.npz", ids=np.array(ids), y=np.array(y), prediction=np.array(p))
        ...     m = {"dataset": "d", "target": "qrs_ms", "task": "regression", "train_mean": 100.0}
        ...     return types.SimpleNamespace(ok=True, path=path, metrics=lambda: m)
        >>> tmp = tempfile.mkdtemp()
        >>> runs = [run(tmp, ["a", "b"], [90.0, 110.0], [92.0, 104.0]),
        ...         run(tmp, ["c", "d"], [80.0, 120.0], [85.0, 125.0])]
        >>> row = record_bootstrap(runs, n_boot=500).iloc[0]
        >>> float(row["mae"]), float(row["baseline_mae"]), float(row["mae_minus_baseline"])
        (4.5, 15.0, -10.5)
        >>> bool(row["mae_low"] < 4.5 < row["mae_high"]), int(row["n_records"])
        (True, 4)
    """
    import pandas as pd

    groups: dict[tuple[str, str], list] = {}
    for rec in records:
        if rec.ok:
            ids, y, p, m = _run_arrays(rec)
            groups.setdefault((m["dataset"], m["target"]), []).append((ids, y, p, m))
    rows = []
    for (ds, target), runs in groups.items():
        task = runs[0][3]["task"]
        binary = task == "binary"
        universe = np.unique(np.concatenate([r[0] for r in runs]))
        idx = resample_indices(len(universe), n_boot, seed)
        weights = np.zeros((n_boot + 1, len(universe)))
        weights[0] = 1.0  # row 0: the records as they are
        np.add.at(weights, (np.arange(1, n_boot + 1)[:, None], idx), 1.0)
        per_run = []
        for ids, y, p, m in runs:
            w = weights[:, np.searchsorted(universe, ids)]
            scores = (_weighted_binary(w, y, p, _majority(y, m["baseline_accuracy"])) if binary
                      else _weighted_regression(w, y, p, float(m["train_mean"])))
            if m.get("saturated"):  # the saved ties cannot rank: the AUC computed before saving, held fixed
                scores["auc"] = np.full(len(w), float(m["auc"]))
            per_run.append(scores)
        row = {"dataset": ds, "target": target, "task": task, "n_runs": len(runs), "n_records": len(universe)}
        for score in BINARY_SCORES if binary else REGRESSION_SCORES:
            stack = np.stack([r[score] for r in per_run])  # (runs, 1 + n_boot)
            with warnings.catch_warnings():  # a resample may leave a run without records (or one class)
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(stack, axis=0)
            boot = mean[1:][np.isfinite(mean[1:])]
            row[score] = float(mean[0])
            row[f"{score}_low"], row[f"{score}_high"] = percentile_interval(boot, level) if len(boot) \
                else (math.nan, math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def add_intervals(summary: "pd.DataFrame", intervals: "pd.DataFrame") -> "pd.DataFrame":
    """``summary`` (:func:`~ecgstudy.studies.ecgradcam.tables.target_summary`, means and sds over runs)
    joined on dataset and target with :func:`record_bootstrap`'s intervals (``<score>_low``,
    ``<score>_high``), its paired differences (``mae_minus_baseline``,
    ``accuracy_minus_baseline``), the sex networks' ``balanced_accuracy`` and ``n_records`` (distinct records scored); targets without an
    interval keep NaN."""
    if not len(summary) or not len(intervals):
        return summary
    diffs = [c for c in ("mae_minus_baseline", "accuracy_minus_baseline", "balanced_accuracy")
             if c in intervals.columns]
    keep = ["dataset", "target", "n_records", *diffs,
            *(c for c in intervals.columns if c.endswith(("_low", "_high")))]
    return summary.merge(intervals[keep], on=["dataset", "target"], how="left")
