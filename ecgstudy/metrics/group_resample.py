"""Multi-label metrics over many resamples of the independent unit (patients), in one pass.

A resample draws as many patients as the test set holds, with replacement, and keeps every record of each
drawn patient (a patient drawn twice counts twice), as :func:`~ecgstudy.metrics.stats.cluster_bootstrap_ci`
does. Here the draws are counts, ``(n_boot, n_patients)``, made once and shared by every run scored on the
same test set, so that the differences between runs are resampled in pairs; each metric is then a ratio of
count-weighted sums, computed for all resamples at once.

>>> y = np.array([[1, 0], [0, 1], [1, 1], [0, 1]]); p = np.array([[1, 0], [0, 0], [1, 1], [0, 1]])
>>> codes, counts = group_counts(["a", "a", "b", "c"], n_boot=3, seed=0)
>>> counts.sum(axis=1).tolist()  # three patients drawn in every resample
[3, 3, 3]
>>> m = multilabel_resampled(y, p, codes, np.ones((1, 3)))  # every patient once: the plain metrics
>>> round(float(m["micro_f1"][0]), 4), float(m["subset_acc"][0]), float(m["multi_acc"][0])
(0.8889, 0.75, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ecgstudy.errors import ParameterError

#: The metrics :func:`multilabel_resampled` returns (keys of :func:`ecgstudy.metrics.multilabel.multilabel_metrics`).
RESAMPLED = ("micro_f1", "macro_f1", "subset_acc", "multi_acc")


def group_counts(groups: Sequence | np.ndarray, *, n_boot: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Resamples of the groups (patients) of ``n`` rows.

    Returns:
        ``codes`` ``(n,)`` int, the group index of every row (groups in sorted order), and ``counts``
        ``(n_boot, n_groups)`` int, how often each group is drawn in each resample (each row sums to
        ``n_groups``: a multinomial draw with equal probabilities).
    """
    if n_boot < 1:
        raise ParameterError(f"group_counts: n_boot must be >= 1, got {n_boot}")
    names, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    if not len(names):
        raise ParameterError("group_counts: no rows")
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(names), np.full(len(names), 1.0 / len(names)), size=n_boot)
    return codes, counts


def _group_sums(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """``(n, ...)`` row values -> ``(n_groups, ...)`` their sums per group."""
    out = np.zeros((n_groups, *values.shape[1:]), dtype=np.float64)
    np.add.at(out, codes, values)
    return out


def resampled_mean(values: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``(n_boot,)`` the mean of per-row ``values`` (NaN skipped) in every resample of the groups: the rows of each
    drawn group count as often as it is drawn; NaN in a resample that draws no finite value.

    >>> resampled_mean(np.array([1.0, 3.0, np.nan, 5.0]), np.array([0, 0, 1, 2]), np.array([[1, 1, 1], [0, 3, 0]])
    ...                ).tolist()
    [3.0, nan]
    """
    values, codes = np.asarray(values, dtype=np.float64), np.asarray(codes)
    counts = np.asarray(counts, dtype=np.float64)
    ok = np.isfinite(values)
    n_groups = counts.shape[1]
    return _ratio(counts @ _group_sums(codes[ok], values[ok], n_groups),
                  counts @ _group_sums(codes[ok], np.ones(int(ok.sum())), n_groups), np.nan)


def _ratio(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, empty, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def multilabel_resampled(y_true: np.ndarray, y_pred: np.ndarray, codes: np.ndarray, counts: np.ndarray
                         ) -> dict[str, np.ndarray]:
    """:data:`RESAMPLED` of every resample: ``{metric: (n_boot,)}``, each as
    :func:`~ecgstudy.metrics.multilabel.multilabel_metrics` computes it on the rows of the drawn patients
    (F1 with ``zero_division=0``; ``multi_acc`` NaN in a resample without a record of two or more labels).

    Args:
        y_true, y_pred: ``(n, n_classes)`` 0/1 indicators of the test records.
        codes: ``(n,)`` the patient index of every record (:func:`group_counts`).
        counts: ``(n_boot, n_patients)`` draws of each patient (:func:`group_counts`).
    """
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    codes = np.asarray(codes)
    if y.shape != p.shape or y.ndim != 2 or len(codes) != len(y):
        raise ParameterError(f"multilabel_resampled: y_true {y.shape}, y_pred {p.shape} and codes {codes.shape} "
                             "do not match")
    counts = np.asarray(counts, dtype=np.float64)
    n_groups = counts.shape[1]
    if codes.max(initial=-1) >= n_groups:
        raise ParameterError(f"multilabel_resampled: codes name {codes.max() + 1} patients, counts {n_groups}")

    def per_group(values: np.ndarray) -> np.ndarray:
        return _group_sums(codes, values, n_groups)

    tp, fp, fn = (counts @ per_group(v.astype(np.float64)) for v in (y & p, ~y & p, y & ~p))
    exact = (y == p).all(axis=1)
    multi = y.sum(axis=1) >= 2
    rows, hits = counts @ per_group(np.ones(len(y))), counts @ per_group(exact.astype(np.float64))
    multi_rows, multi_hits = counts @ per_group(multi.astype(np.float64)), counts @ per_group((exact & multi) * 1.0)
    return {"micro_f1": _ratio(2 * tp.sum(axis=1), (2 * tp + fp + fn).sum(axis=1), 0.0),
            "macro_f1": _ratio(2 * tp, 2 * tp + fp + fn, 0.0).mean(axis=1),
            "subset_acc": _ratio(hits, rows, np.nan),
            "multi_acc": _ratio(multi_hits, multi_rows, np.nan)}
