"""Segment-wise and record-wise folds: sklearn agreement, partition, leakage, few-record classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from ecgstudy.data.mitdb_cache import load_iclr_segments
from ecgstudy.errors import ParameterError
from ecgstudy.evaluation import (
    FoldWarning,
    fold_leakage,
    fold_table,
    record_folds,
    segment_folds,
)
from ecgstudy.testing import real_dataset


def _labels_groups(seed: int = 0):
    """60 segments from 12 records: records 0-5 mixed AN/NV, 6-11 NV only."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(12), 5).astype(str)
    labels = np.where((np.arange(60) < 30) & (rng.random(60) < 0.4), "AN", "NV")
    return labels, groups


def _brute_leaks(groups, folds) -> int:
    """Records whose segments sit in two or more test folds (= in train and test of a fold)."""
    where: dict[str, set[int]] = {}
    for k, (_, test) in enumerate(folds):
        for g in groups[test]:
            where.setdefault(g, set()).add(k)
    return sum(len(v) > 1 for v in where.values())


def _assert_partition(folds, n):
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(n))
    for tr, te in folds:
        assert np.array_equal(np.sort(np.concatenate([tr, te])), np.arange(n))


def test_segment_folds_are_sklearn_stratified_kfold():
    labels, _ = _labels_groups()
    folds = segment_folds(labels, n_folds=5, seed=3)
    ref = StratifiedKFold(5, shuffle=True, random_state=3).split(np.zeros(60), labels)
    for (tr, te), (rtr, rte) in zip(folds, ref):
        assert np.array_equal(tr, rtr) and np.array_equal(te, rte)
    _assert_partition(folds, 60)
    counts = fold_table(labels, folds)
    assert (counts.max() - counts.min()).max() <= 1  # each class split evenly
    assert counts.sum().to_dict() == {"n_AN": int(np.sum(labels == "AN")), "n_NV": int(np.sum(labels == "NV"))}
    other = segment_folds(labels, n_folds=5, seed=4)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_record_folds_keep_records_whole():
    labels, groups = _labels_groups()
    folds = record_folds(labels, groups, n_folds=3, seed=1)
    ref = StratifiedGroupKFold(3, shuffle=True, random_state=1).split(np.zeros(60), labels, groups)
    for (tr, te), (rtr, rte) in zip(folds, ref):
        assert np.array_equal(te, rte) and np.array_equal(tr, rtr)
    _assert_partition(folds, 60)
    assert fold_leakage(groups, folds) == 0 == _brute_leaks(groups, folds)
    table = fold_table(labels, folds, groups)
    assert table["records"].sum() == 12 and (table[["n_AN", "n_NV"]] > 0).all().all()


def test_fold_leakage_counts_records_on_both_sides():
    labels, groups = _labels_groups()
    folds = segment_folds(labels, n_folds=5, seed=0)
    assert fold_leakage(groups, folds) == _brute_leaks(groups, folds) > 0
    hand = [(np.array([0, 1, 2]), np.array([3, 4])), (np.array([3, 4]), np.array([0, 1, 2]))]
    assert fold_leakage(np.array(["a", "a", "b", "b", "c"]), hand) == 1  # only "b" is split


def test_class_in_fewer_records_than_folds_warns():
    groups = np.repeat(np.arange(10), 4).astype(str)
    labels = np.where(np.isin(groups, ["0", "1"]), "AN", "NV")  # AN in 2 records only
    with pytest.warns(FoldWarning) as rec:
        folds = record_folds(labels, groups, n_folds=5, seed=0)
    missing = rec[0].message.missing
    assert len(missing) == 3 and all(v == ["AN"] for v in missing.values())
    assert fold_leakage(groups, folds) == 0
    with pytest.raises(ParameterError, match="3 records cannot fill 5"):
        record_folds(labels[:12], groups[:12], n_folds=5, seed=0)
    with pytest.raises(ParameterError):
        segment_folds(labels, n_folds=1, seed=0)


@pytest.mark.realdata
def test_record_folds_on_the_real_iclr_segments():
    seg = load_iclr_segments(real_dataset("mitdb"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FoldWarning)  # every fold holds both classes
        folds = record_folds(seg.labels, seg.record_ids, n_folds=5, seed=0)
    assert fold_leakage(seg.record_ids, folds) == 0
    table = fold_table(seg.labels, folds, seg.record_ids)
    assert table["n_AN"].sum() == 356 and table["n_NV"].sum() == 2627 and table["records"].sum() == 34
    assert table["records_AN"].min() >= 2
    share = table["n_AN"] / (table["n_AN"] + table["n_NV"])
    assert share.max() > 1.5 * share.min()  # uneven: record 209 alone holds 119 AN segments
    seg_folds = segment_folds(seg.labels, n_folds=5, seed=0)
    assert fold_leakage(seg.record_ids, seg_folds) == _brute_leaks(seg.record_ids, seg_folds) >= 20
