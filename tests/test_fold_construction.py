"""Fold construction shared by the chapters: shuffled k-fold, picking a fold, split kinds by name,
and the ECGradCAM `fold_split` built on them (same scikit-learn splitters, same arguments)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

from ecgstudy.errors import ParameterError
from ecgstudy.evaluation import pick_fold, record_folds, segment_folds, shuffled_folds, split_folds


def test_shuffled_folds_are_sklearn_kfold():
    folds = shuffled_folds(23, n_folds=5, seed=3)
    ref = list(KFold(n_splits=5, shuffle=True, random_state=3).split(np.zeros(23)))
    assert len(folds) == 5
    for (tr, te), (rtr, rte) in zip(folds, ref):
        assert np.array_equal(tr, rtr) and np.array_equal(te, rte) and te.dtype == np.int64
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(23))
    assert {len(te) for _, te in folds} == {4, 5}
    with pytest.raises(ParameterError, match="cannot fill"):
        shuffled_folds(3, n_folds=5, seed=0)


def test_pick_fold_sorts_and_checks_the_range():
    train, test = pick_fold([(np.array([3, 1]), np.array([2, 0]))], 0)
    assert train.tolist() == [1, 3] and test.tolist() == [0, 2]
    with pytest.raises(ParameterError, match="fold=1"):
        pick_fold([(np.array([0]), np.array([1]))], 1)
    with pytest.raises(ParameterError, match="fold=-1"):
        pick_fold([(np.array([0]), np.array([1]))], -1)


def test_split_folds_dispatches_by_name():
    labels = np.array(["a", "b"] * 6)
    groups = np.repeat(np.arange(6), 2)
    for (a, b), (c, d) in zip(split_folds(labels, None, split="segment", n_folds=3, seed=1),
                              segment_folds(labels, n_folds=3, seed=1)):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    for (a, b), (c, d) in zip(split_folds(labels, groups, split="record", n_folds=3, seed=1),
                              record_folds(labels, groups, n_folds=3, seed=1)):
        assert np.array_equal(a, c) and np.array_equal(b, d)
    with pytest.raises(ParameterError, match="groups"):
        split_folds(labels, None, split="record", n_folds=3, seed=1)
    with pytest.raises(ParameterError, match="split="):
        split_folds(labels, groups, split="beat", n_folds=3, seed=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("stratify", [False, True])
def test_ecgradcam_fold_split_equals_the_sklearn_splitters_it_names(stratify):
    from ecgstudy.studies.ecgradcam.run import fold_split

    rng = np.random.default_rng(4)
    y = (rng.random(61) < 0.35).astype(float) if stratify else rng.normal(size=61)
    if stratify:
        ref = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=9).split(np.zeros(61), y.astype(np.int64)))
    else:
        ref = list(KFold(n_splits=5, shuffle=True, random_state=9).split(np.zeros(61)))
    for k in range(5):
        train, test = fold_split(y, n_folds=5, fold=k, seed=9, stratify=stratify)
        assert np.array_equal(train, np.sort(ref[k][0])) and np.array_equal(test, np.sort(ref[k][1]))
