"""Cross-validation folds: segment-wise (as the paper) and record-wise (no patient leakage).

* :func:`segment_folds`: stratified k-fold over *segments* (``StratifiedKFold``, shuffled,
  seeded). This is the paper's protocol (§4.2: "five-fold cross validation ... classes
  evenly distributed"); on MIT-BIH segments of one record then land in both train and
  test, so its scores are optimistic for unseen patients.
* :func:`record_folds`: stratified *group* k-fold (``StratifiedGroupKFold``, shuffled,
  seeded): every record's segments are in one test fold only; class proportions are
  balanced as well as whole records allow.
* :func:`shuffled_folds`: plain k-fold over ``n`` items (``KFold``, shuffled, seeded), for
  targets that are not classes (the ECGradCAM regressions).
* :func:`split_folds`: the folds of a split kind by name (``"segment"`` or ``"record"``).
* :func:`pick_fold`: one fold's sorted ``(train_idx, test_idx)``, with a range check.
* :func:`fold_leakage`: how many records appear on both sides of some fold.
* :func:`fold_table`: per-fold test counts per class (and records), for the book.

Few records per class: a record-wise test fold can only hold a class if one of that
class' records is assigned to it. When a class occurs in fewer records than
``n_folds`` some test folds cannot contain it, and sensitivity / specificity / AUC of
those folds are undefined (NaN from :func:`ecgstudy.metrics.binary_metrics`). Both
fold functions emit a :class:`FoldWarning` naming the folds and classes whose test set
lacks a class; pool the held-out predictions of all folds before computing metrics in
that case. On the real MIT-BIH ICLR segments, ``AN`` occurs in 20 records and ``NV`` in
28, so every record-wise fold holds both classes, but ``AN`` segments are concentrated
(record 209 alone holds 119 of 356), so the folds' ``AN`` counts are uneven: with 5
folds the ``AN`` share of a test fold ranges from 8.9 % to 19.4 % (overall 11.9 %), and
the fold holding record 209 has 120 ``AN`` segments from only 2 ``AN`` records.

Seeds and record folds: ``StratifiedGroupKFold`` shuffles the records and then sorts
them (stably) by how unevenly their segments spread over the classes, so the seed only
reorders records that tie. On the ICLR segments 30 seeds give 8 distinct partitions,
differing only in where a few small records go; repeated record-wise CV over seeds
therefore measures mostly training randomness, not split randomness.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold

from ecgstudy.errors import ParameterError

Fold = tuple[np.ndarray, np.ndarray]


class FoldWarning(UserWarning):
    """Some test folds lack a class; ``missing`` maps fold index -> absent classes."""

    def __init__(self, missing: dict[int, list[Any]]) -> None:
        self.missing = missing
        text = "; ".join(f"fold {k}: no {', '.join(map(str, v))}" for k, v in missing.items())
        super().__init__(f"test folds without every class ({text}); per-fold sensitivity, "
                         "specificity and AUC are undefined there: pool the held-out predictions")


def _check(labels: Sequence[Any] | np.ndarray, n_folds: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ParameterError(f"labels must be 1-D, got shape {y.shape}")
    if not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ParameterError(f"n_folds must be an int >= 2, got {n_folds!r}")
    if len(y) < n_folds:
        raise ParameterError(f"{len(y)} samples cannot fill {n_folds} folds")
    return y


def missing_classes(labels: Sequence[Any] | np.ndarray, folds: Sequence[Fold]) -> dict[int, list[Any]]:
    """``{fold index: classes absent from that fold's test set}`` (only folds lacking one).

    >>> missing_classes(["a", "a", "b"], [(np.array([2]), np.array([0, 1])), (np.array([0, 1]), np.array([2]))])
    {0: ['b'], 1: ['a']}
    """
    y = np.asarray(labels)
    classes = np.unique(y)
    out = {}
    for k, (_, test) in enumerate(folds):
        absent = [c.item() if hasattr(c, "item") else c for c in np.setdiff1d(classes, y[test])]
        if absent:
            out[k] = absent
    return out


def _warn_missing(y: np.ndarray, folds: list[Fold]) -> list[Fold]:
    missing = missing_classes(y, folds)
    if missing:
        warnings.warn(FoldWarning(missing), stacklevel=3)
    return folds


def segment_folds(labels: Sequence[Any] | np.ndarray, *, n_folds: int = 5, seed: int) -> list[Fold]:
    """Stratified k-fold over samples (the paper's protocol), shuffled with ``seed``.

    Args:
        labels: ``(n,)`` class of each segment.
        n_folds: number of folds (>= 2).
        seed: ``random_state`` of ``StratifiedKFold(shuffle=True)``.

    Returns:
        ``n_folds`` pairs ``(train_idx, test_idx)`` of sorted int64 indices; the test sets
        partition ``range(n)`` and each class is split as evenly as possible (its count
        per fold differs by at most one).

    >>> folds = segment_folds(["AN"] * 4 + ["NV"] * 6, n_folds=2, seed=0)
    >>> [len(test) for _, test in folds]
    [5, 5]
    """
    y = _check(labels, n_folds)
    cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = [(tr.astype(np.int64), te.astype(np.int64)) for tr, te in cv.split(np.zeros(len(y)), y)]
    return _warn_missing(y, folds)


def record_folds(labels: Sequence[Any] | np.ndarray, groups: Sequence[Any] | np.ndarray, *,
                 n_folds: int = 5, seed: int) -> list[Fold]:
    """Stratified group k-fold: no record (group) in both train and test.

    ``StratifiedGroupKFold(shuffle=True, random_state=seed)``: records are assigned whole,
    greedily, to the fold that keeps the class proportions closest to the overall ones.

    Args:
        labels: ``(n,)`` class of each segment.
        groups: ``(n,)`` record (or patient) of each segment.
        n_folds: number of folds; must not exceed the number of records.
        seed: shuffling seed.

    Returns:
        ``n_folds`` pairs ``(train_idx, test_idx)`` of sorted int64 indices. Emits a
        :class:`FoldWarning` if a test fold lacks a class (see the module docstring).

    >>> y = ["AN", "AN", "NV", "NV", "NV", "NV"]
    >>> g = ["r1", "r2", "r1", "r2", "r3", "r4"]
    >>> folds = record_folds(y, g, n_folds=2, seed=0)
    >>> fold_leakage(g, folds)
    0
    """
    y = _check(labels, n_folds)
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ParameterError(f"groups must have one entry per label: {g.shape} vs {y.shape}")
    n_groups = len(np.unique(g))
    if n_groups < n_folds:
        raise ParameterError(f"{n_groups} records cannot fill {n_folds} record-wise folds")
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # sklearn's per-sample class-count warning; ours is per fold
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        folds = [(tr.astype(np.int64), te.astype(np.int64)) for tr, te in cv.split(np.zeros(len(y)), y, g)]
    return _warn_missing(y, folds)


def shuffled_folds(n_items: int, *, n_folds: int = 5, seed: int) -> list[Fold]:
    """Plain k-fold over ``n_items`` items: ``KFold(n_folds, shuffle=True, random_state=seed)``.

    Returns:
        ``n_folds`` pairs ``(train_idx, test_idx)`` of sorted int64 indices; the test sets
        partition ``range(n_items)`` and their sizes differ by at most one.

    >>> [te.tolist() for _, te in shuffled_folds(6, n_folds=2, seed=0)]
    [[1, 2, 5], [0, 3, 4]]
    """
    _check(np.zeros(int(n_items)), n_folds)
    cv = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(tr.astype(np.int64), te.astype(np.int64)) for tr, te in cv.split(np.zeros(int(n_items)))]


def split_folds(labels: Sequence[Any] | np.ndarray, groups: Sequence[Any] | np.ndarray | None, *,
                split: Literal["segment", "record", "patient"], n_folds: int = 5, seed: int) -> list[Fold]:
    """:func:`segment_folds` (``split="segment"``) or :func:`record_folds` by ``groups`` (``"record"``:
    the record of each item; ``"patient"``: its patient, :func:`ecgstudy.data.patients.patient_ids`).

    >>> a = split_folds(["a", "b"] * 5, None, split="segment", n_folds=2, seed=0)
    >>> b = segment_folds(["a", "b"] * 5, n_folds=2, seed=0)
    >>> all((x == y).all() for fa, fb in zip(a, b) for x, y in zip(fa, fb))
    True
    """
    if split == "segment":
        return segment_folds(labels, n_folds=n_folds, seed=seed)
    if split in ("record", "patient"):
        if groups is None:
            raise ParameterError(f"split={split!r} needs the groups ({split} of each segment)")
        return record_folds(labels, groups, n_folds=n_folds, seed=seed)
    raise ParameterError(f"split={split!r}: expected 'segment', 'record' or 'patient'")


def inner_validation(labels: Sequence[Any] | np.ndarray, groups: Sequence[Any] | np.ndarray | None,
                     train_idx: np.ndarray, *, split: Literal["segment", "record", "patient"], n_inner: int,
                     seed: int) -> Fold:
    """Split a fold's training indices into ``(fit_idx, val_idx)``: ``val_idx`` is the first of
    ``n_inner`` folds of :func:`split_folds` over the training items, by the same unit as the outer
    split (segments, records or patients), so validation never shares a record or patient with the
    items it chooses the model for when the outer split does not. Both are sorted subsets of ``train_idx``.

    >>> train = np.arange(10)
    >>> fit_idx, val_idx = inner_validation(["a", "b"] * 5, list("ppqqrrsstt"), train, split="patient",
    ...                                     n_inner=5, seed=0)
    >>> len(val_idx), sorted(set(np.array(list("ppqqrrsstt"))[val_idx]) & set(np.array(list("ppqqrrsstt"))[fit_idx]))
    (2, [])
    """
    train_idx = np.sort(np.asarray(train_idx, dtype=np.int64))
    labels = np.asarray(labels)[train_idx]
    inner_groups = None if groups is None else np.asarray(groups)[train_idx]
    fit_pos, val_pos = pick_fold(split_folds(labels, inner_groups, split=split, n_folds=n_inner, seed=seed), 0)
    return train_idx[fit_pos], train_idx[val_pos]


def pick_fold(folds: Sequence[Fold], fold: int) -> Fold:
    """Fold ``fold``'s ``(train_idx, test_idx)``, each sorted.

    Raises:
        ParameterError: ``fold`` is not in ``0..len(folds) - 1``.

    >>> pick_fold([(np.array([2, 0]), np.array([1]))], 0)
    (array([0, 2]), array([1]))
    """
    if not 0 <= fold < len(folds):
        raise ParameterError(f"fold={fold}: must be in 0..{len(folds) - 1}")
    train, test = folds[fold]
    return np.sort(train), np.sort(test)


def fold_leakage(groups: Sequence[Any] | np.ndarray, folds: Sequence[Fold]) -> int:
    """Number of distinct groups (records, patients) that sit in both the train and the test set of some fold.

    >>> fold_leakage(["r1", "r1", "r2"], [(np.array([0]), np.array([1, 2]))])
    1
    """
    g = np.asarray(groups)
    leaked: set[Any] = set()
    for train, test in folds:
        leaked |= set(np.intersect1d(g[train], g[test]).tolist())
    return len(leaked)


def fold_table(labels: Sequence[Any] | np.ndarray, folds: Sequence[Fold],
               groups: Sequence[Any] | np.ndarray | None = None) -> pd.DataFrame:
    """Per fold: test segments per class (``n_<class>``) and, with ``groups``, test records
    per class (``records_<class>``) and in all (``records``).

    >>> fold_table(["a", "b", "b"], [(np.array([0]), np.array([1, 2])), (np.array([1, 2]), np.array([0]))])
    ... # doctest: +NORMALIZE_WHITESPACE
          n_a  n_b
    fold
    0       0    2
    1       1    0
    """
    y = np.asarray(labels)
    g = None if groups is None else np.asarray(groups)
    classes = np.unique(y)
    rows = []
    for k, (_, test) in enumerate(folds):
        row: dict[str, Any] = {"fold": k}
        for c in classes:
            row[f"n_{c}"] = int(np.sum(y[test] == c))
        if g is not None:
            for c in classes:
                row[f"records_{c}"] = len(np.unique(g[test][y[test] == c]))
            row["records"] = len(np.unique(g[test]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("fold")


def grouped_folds(y: Sequence[Any] | np.ndarray, groups: Sequence[Any] | np.ndarray, *, n_folds: int = 5, seed: int,
                  stratify: bool) -> list[Fold]:
    """Folds that keep each group (patient) on one side: ``StratifiedGroupKFold`` on ``y`` when
    ``stratify``, else ``GroupKFold(shuffle=True, random_state=seed)``. When every group holds one item
    the groups change nothing, and the folds are exactly :func:`segment_folds` / :func:`shuffled_folds`
    (so a dataset whose records are each a patient keeps its record-wise folds).

    >>> y = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    >>> folds = grouped_folds(y, ["a", "a", "b", "c", "c", "d"], n_folds=2, seed=0, stratify=False)
    >>> fold_leakage(["a", "a", "b", "c", "c", "d"], folds)
    0
    >>> one_each = grouped_folds(y, list("abcdef"), n_folds=2, seed=0, stratify=False)
    >>> [t.tolist() for _, t in one_each] == [t.tolist() for _, t in shuffled_folds(6, n_folds=2, seed=0)]
    True
    """
    from sklearn.model_selection import GroupKFold

    g = np.asarray(groups)
    y = np.asarray(y)
    if g.shape != y.shape:
        raise ParameterError(f"groups must have one entry per item: {g.shape} vs {y.shape}")
    if len(np.unique(g)) == len(g):
        return segment_folds(y.astype(np.int64), n_folds=n_folds, seed=seed) if stratify else \
            shuffled_folds(len(y), n_folds=n_folds, seed=seed)
    if stratify:
        return record_folds(y.astype(np.int64), g, n_folds=n_folds, seed=seed)
    if len(np.unique(g)) < n_folds:
        raise ParameterError(f"{len(np.unique(g))} patients cannot fill {n_folds} folds")
    cv = GroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(np.sort(tr).astype(np.int64), np.sort(te).astype(np.int64)) for tr, te in cv.split(np.zeros(len(y)), y, g)]
