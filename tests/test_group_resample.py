"""Multi-label metrics over patient resamples: each resample agrees exactly with the metrics (scikit-learn's) of
its drawn rows; a patient brings all its records; the draws are shared and seeded."""

import numpy as np
import pytest

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.group_resample import RESAMPLED, group_counts, multilabel_resampled
from ecgstudy.metrics.multilabel import multilabel_metrics


def _data(seed=1, n=60, k=4, n_groups=25):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, k)) < 0.3).astype(int)
    p = (rng.random((n, k)) < 0.3).astype(int)
    p[: n // 3] = y[: n // 3]  # some exact matches
    y[:5] = [1, 1, 0, 0]  # some records with two labels
    return y, p, rng.integers(0, n_groups, n).astype(str)


def test_every_resample_equals_the_metrics_of_its_drawn_rows():
    y, p, g = _data()
    codes, counts = group_counts(g, n_boot=40, seed=3)
    got = multilabel_resampled(y, p, codes, counts)
    for b in range(40):
        rows = np.concatenate([np.repeat(np.flatnonzero(codes == j), counts[b, j]) for j in range(counts.shape[1])])
        want = multilabel_metrics(y[rows], p[rows], list("ABCD"))
        for key in RESAMPLED:
            if np.isnan(want[key]):
                assert np.isnan(got[key][b])
            else:
                assert got[key][b] == pytest.approx(want[key], abs=1e-12)


def test_each_patient_once_gives_the_plain_metrics():
    y, p, g = _data(seed=2)
    codes, counts = group_counts(g, n_boot=1, seed=0)
    got = multilabel_resampled(y, p, codes, np.ones_like(counts))
    want = multilabel_metrics(y, p, list("ABCD"))
    assert {k: float(got[k][0]) for k in RESAMPLED} == pytest.approx({k: want[k] for k in RESAMPLED})


def test_a_patient_drawn_brings_every_record_of_theirs():
    y = np.array([[1, 0], [0, 1], [1, 0]])
    p = np.array([[1, 0], [1, 0], [1, 0]])  # patient "a": one right, one wrong; patient "b": right
    codes, _ = group_counts(["a", "a", "b"], n_boot=1)
    only_a = multilabel_resampled(y, p, codes, np.array([[2, 0]]))
    only_b = multilabel_resampled(y, p, codes, np.array([[0, 2]]))
    assert only_a["subset_acc"][0] == 0.5 and only_b["subset_acc"][0] == 1.0
    assert np.isnan(only_a["multi_acc"][0])  # no record with two labels drawn


def test_draws_are_seeded_and_each_draws_as_many_patients_as_there_are():
    _, _, g = _data()
    codes, counts = group_counts(g, n_boot=500, seed=7)
    again = group_counts(g, n_boot=500, seed=7)[1]
    assert np.array_equal(counts, again)
    n_groups = len(np.unique(g))
    assert counts.shape == (500, n_groups) and (counts.sum(axis=1) == n_groups).all()
    assert abs(counts.mean() - 1.0) < 0.02  # every patient equally likely
    assert codes.max() == n_groups - 1


def test_mismatched_inputs_are_refused():
    y, p, g = _data()
    codes, counts = group_counts(g, n_boot=2)
    with pytest.raises(ParameterError):
        multilabel_resampled(y[:-1], p, codes, counts)
    with pytest.raises(ParameterError):
        multilabel_resampled(y, p, codes, counts[:, :3])
    with pytest.raises(ParameterError):
        group_counts(g, n_boot=0)
