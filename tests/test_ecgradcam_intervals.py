"""Record-bootstrap intervals of the ECGradCAM chapter against scikit-learn on explicit resamples."""

from __future__ import annotations

import doctest
import json
import types

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score

import ecgstudy.studies.ecgradcam.intervals as intervals_module
from ecgstudy.metrics import resample_indices
from ecgstudy.studies.ecgradcam.intervals import record_bootstrap


def _run(path, ids, y, p, **metrics):
    path.mkdir()
    np.savez(path / "predictions.npz", ids=np.array(ids), y=np.array(y, dtype=np.float32),
             prediction=np.array(p, dtype=np.float32))
    (path / "metrics.json").write_text(json.dumps(metrics))
    return types.SimpleNamespace(ok=True, path=path, metrics=lambda: json.loads((path / "metrics.json").read_text()))


def _expanded(ids, universe, draw):
    """Positions (into ``ids``) of the records of one run as they occur in the resample ``draw``."""
    counts = np.bincount(draw, minlength=len(universe))
    return np.concatenate([np.repeat(i, counts[np.searchsorted(universe, rid)]) for i, rid in enumerate(ids)])


def test_doctests_pass():
    result = doctest.testmod(intervals_module)
    assert result.failed == 0 and result.attempted > 0


def test_regression_replicate_equals_sklearn_on_the_resampled_records(tmp_path):
    rng = np.random.default_rng(3)
    ids = [f"r{i:02d}" for i in range(30)]
    y = rng.normal(100, 20, 30)
    p = y + rng.normal(0, 8, 30)
    # three "transfer" runs share every record; two "cv" runs split them
    runs = [_run(tmp_path / f"t{k}", ids, y, p + k, dataset="transfer", target="qt_ms", task="regression",
                 train_mean=95.0 + k) for k in range(3)]
    runs += [_run(tmp_path / "c0", ids[:15], y[:15], p[:15], dataset="ludb", target="qt_ms", task="regression",
                  train_mean=101.0),
             _run(tmp_path / "c1", ids[15:], y[15:], p[15:] - 2, dataset="ludb", target="qt_ms", task="regression",
                  train_mean=99.0)]
    out = record_bootstrap(runs, n_boot=1, seed=7).set_index("dataset")
    universe = np.array(sorted(ids))
    draw = resample_indices(len(universe), 1, 7)[0]
    for ds, members in (("transfer", [(ids, y, p + k, 95.0 + k) for k in range(3)]),
                        ("ludb", [(ids[:15], y[:15], p[:15], 101.0), (ids[15:], y[15:], p[15:] - 2, 99.0)])):
        row = out.loc[ds]
        assert row["n_runs"] == len(members) and row["n_records"] == 30
        mae = [mean_absolute_error(yy, pp) for _, yy, pp, _ in members]
        assert row["mae"] == pytest.approx(np.mean(mae), rel=1e-5)
        boot_mae, boot_r2, boot_base = [], [], []
        for rid, yy, pp, mu in members:
            e = _expanded(rid, universe, draw)
            yy, pp = np.float32(yy)[e].astype(float), np.float32(pp)[e].astype(float)
            boot_mae.append(mean_absolute_error(yy, pp))
            boot_r2.append(r2_score(yy, pp))
            boot_base.append(np.mean(np.abs(yy - mu)))
        assert row["mae_low"] == pytest.approx(np.mean(boot_mae), rel=1e-5) == row["mae_high"]
        assert row["r2_low"] == pytest.approx(np.mean(boot_r2), rel=1e-5)
        assert row["baseline_mae_low"] == pytest.approx(np.mean(boot_base), rel=1e-5)
        assert row["mae_minus_baseline_low"] == pytest.approx(np.mean(boot_mae) - np.mean(boot_base), rel=1e-5)


def test_binary_replicate_equals_sklearn_and_the_majority_is_recovered(tmp_path):
    rng = np.random.default_rng(5)
    ids = [f"s{i:02d}" for i in range(40)]
    y = (rng.random(40) < 0.4).astype(float)
    p = np.clip(0.3 * y + rng.random(40) * 0.7, 0, 1)
    p[:4] = 0.5  # ties with each other and at the threshold
    runs = [_run(tmp_path / "f0", ids[:20], y[:20], p[:20], dataset="ludb", target="sex", task="binary",
                 train_mean=0.0, baseline_accuracy=float(np.mean(y[:20] == 0))),
            _run(tmp_path / "f1", ids[20:], y[20:], p[20:], dataset="ludb", target="sex", task="binary",
                 train_mean=0.0, baseline_accuracy=float(np.mean(y[20:] == 0)))]
    row = record_bootstrap(runs, n_boot=1, seed=2).iloc[0]
    halves = [(slice(0, 20)), (slice(20, 40))]
    assert row["auc"] == pytest.approx(np.mean([roc_auc_score(y[h], np.float32(p[h])) for h in halves]))
    assert row["accuracy"] == pytest.approx(np.mean([accuracy_score(y[h], np.float32(p[h]) >= 0.5) for h in halves]))
    assert row["baseline_accuracy"] == pytest.approx(np.mean([np.mean(y[h] == 0) for h in halves]))
    universe = np.array(sorted(ids))
    draw = resample_indices(40, 1, 2)[0]
    auc, acc = [], []
    for h in halves:
        e = _expanded(ids[h], universe, draw)
        yy, pp = y[h][e], np.float32(p[h])[e]
        auc.append(roc_auc_score(yy, pp))
        acc.append(accuracy_score(yy, pp >= 0.5))
    assert row["auc_low"] == pytest.approx(np.mean(auc)) and row["accuracy_low"] == pytest.approx(np.mean(acc))


def test_intervals_cover_the_estimate_and_narrow_with_more_records(tmp_path):
    rng = np.random.default_rng(0)

    def width(n, name):
        ids = [f"{name}{i:04d}" for i in range(n)]
        y = rng.normal(0, 1, n)
        rec = _run(tmp_path / name, ids, y, y + rng.normal(0, 0.5, n), dataset="d", target="t", task="regression",
                   train_mean=0.0)
        row = record_bootstrap([rec], n_boot=400).iloc[0]
        assert row["mae_low"] < row["mae"] < row["mae_high"]
        return row["mae_high"] - row["mae_low"]

    assert width(400, "big") < 0.6 * width(40, "small")


def test_failed_runs_are_skipped(tmp_path):
    bad = types.SimpleNamespace(ok=False, path=tmp_path / "missing", metrics=lambda: {})
    assert record_bootstrap([bad]).empty
