"""The transfer runs' fixed test set: per-record scores give back each run's stored values, the test patients'
bootstrap variance is added to the folds' corrected t, and the claims on the transfer runs take it."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ecgstudy.metrics.stats import fixed_test_interval
from ecgstudy.studies.ecgradcam import verdicts as v
from ecgstudy.studies.ecgradcam.fixed_test import FixedTestSet, _harm


def _run(tmp_path, name, *, target="qrs_ms", fold=0, y, pred, blocked=None, ratio=None, maps=None, n_train=160,
         n_left_out=40):
    path = tmp_path / name
    path.mkdir()
    ids = np.array([f"{i + 1}" for i in range(len(y))])
    arrays = {"ids": ids, "y": np.asarray(y, np.float32), "prediction": np.asarray(pred, np.float32),
              "source_ids": np.array([f"s{i}" for i in range(n_left_out)])}
    for wave, b in (blocked or {}).items():
        arrays[f"prediction_block_{wave}"] = np.asarray(b, np.float32)
    np.savez(path / "predictions.npz", **arrays)
    if ratio is not None or maps is not None:
        extra = {"record_ids": ids[::-1]}  # maps stored in another order than the predictions
        if ratio is not None:
            extra["region_ratio.ecgradcam.last_add"] = np.asarray(ratio, np.float32)[::-1]
        for variant, m in (maps or {}).items():
            extra[f"{variant}.last_add"] = np.asarray(m, np.float16)[::-1]
        np.savez(path / "maps.npz", **extra)
    metrics = {"dataset": "transfer", "target": target, "fold": fold, "seed": 0, "n_train": n_train, "n_test": len(y),
               "task": "regression"}
    (path / "metrics.json").write_text(json.dumps(metrics))
    return SimpleNamespace(ok=True, path=path, metrics=lambda: metrics, spec=SimpleNamespace(run_id=name))


def test_per_record_scores_give_back_each_runs_mean_and_are_aligned_by_record(tmp_path):
    y = np.array([10.0, 20.0, 30.0, 40.0])
    r = _run(tmp_path, "a", y=y, pred=y + [1, -2, 0, 3], blocked={"qrs": y + [5, -2, 0, 7]},
             ratio=[1.0, np.nan, 3.0, 2.0])
    fx = FixedTestSet([r], "transfer")
    assert fx.n_units == 4 and fx.correction(["a"]) == pytest.approx(40 / 160)
    codes, ratio = fx.ratio("a")
    assert np.allclose(ratio, [1.0, np.nan, 3.0, 2.0], equal_nan=True)  # back in the predictions' order
    fx.counts = np.ones((1, 4))
    assert fx.resampled_mean(fx.ratio("a"))[0] == pytest.approx(2.0)  # NaN skipped, as the run's ratio
    assert fx.resampled_mean(fx.harm("a", "qrs"))[0] == pytest.approx((4 + 0 + 0 + 4) / 4)  # its delta_mae
    fx.counts = np.array([[2, 0, 0, 2]])  # records 1 and 4 drawn twice
    assert fx.resampled_mean(fx.ratio("a"))[0] == pytest.approx(1.5)
    assert fx.harm("a", "p") is None and fx.ratio("missing") is None


def test_a_binary_harm_counts_the_correct_calls_lost():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    h = _harm(y, np.array([0.9, 0.2, 0.4, 0.1]), np.array([0.3, 0.2, 0.8, 0.6]), binary=True)
    assert h.tolist() == [1.0, 0.0, -1.0, 1.0]  # its mean is minus the change of accuracy


def test_the_interval_adds_the_patients_bootstrap_variance_to_the_folds_corrected_t(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(100, 10, 60)
    runs = [_run(tmp_path, f"f{k}", fold=k, y=y, pred=y, ratio=rng.normal(2.0, 1.0, 60)) for k in range(5)]
    fx = FixedTestSet(runs, "transfer", n_boot=4000)
    values = np.array([fx.resampled_mean(fx.ratio(r.spec.run_id))[0] for r in runs])  # a draw, not the plain means
    plain = np.array([np.nanmean(fx.ratio(r.spec.run_id)[1]) for r in runs])
    ci = fx.interval(plain, [[fx.ratio(r.spec.run_id)] for r in runs], [r.spec.run_id for r in runs])
    boot = np.mean([fx.resampled_mean(fx.ratio(r.spec.run_id)) for r in runs], axis=0)
    want = fixed_test_interval(plain, test_variance=float(boot.var(ddof=1)), n_units=60, correction=40 / 160)
    assert (ci.low, ci.high) == (pytest.approx(want.low), pytest.approx(want.high))
    # one record per patient: the bootstrap variance of a mean over resampled patients is the population variance
    # of the patients' fold-averaged ratios over their number (within the Monte Carlo error of 4,000 resamples)
    per_patient = np.mean([fx.ratio(r.spec.run_id)[1] for r in runs], axis=0)
    assert boot.var() == pytest.approx(np.var(per_patient) / 60, rel=0.08)
    assert "corrected, Nadeau & Bengio" in ci.method and "60 patients" in ci.method
    assert len(values) == 5


def test_map_correlation_skips_constant_maps(tmp_path):
    y = np.arange(3.0)
    m_a = np.array([[0, 1, 2, 3], [1, 1, 1, 1], [0, 1, 0, 1]], float)
    m_b = np.array([[3, 2, 1, 0], [0, 1, 2, 3], [0, 1, 0, 1]], float)
    a = _run(tmp_path, "a", y=y, pred=y, maps={"ecgradcam": m_a, "gradcam": m_a})
    b = _run(tmp_path, "b", target="qt_ms", y=y, pred=y, maps={"ecgradcam": m_b, "gradcam": m_a})
    fx = FixedTestSet([a, b], "transfer")
    codes, corr = fx.map_correlation("a", "b")
    assert corr[0] == pytest.approx(-1.0) and math.isnan(corr[1]) and corr[2] == pytest.approx(1.0)
    assert fx.map_correlation("a", "b", "gradcam")[1][0] == pytest.approx(1.0)


def test_the_transfer_claims_take_the_fixed_test_interval_and_other_datasets_keep_the_corrected_t(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.normal(100, 10, 40)
    runs, rows = [], []
    for k in range(5):
        pred = y + rng.normal(0, 2, 40)
        blocked = {"qrs": pred + rng.normal(3, 2, 40), "p": pred + rng.normal(0.5, 1, 40)}
        runs.append(_run(tmp_path, f"t{k}", fold=k, y=y, pred=pred, blocked=blocked, ratio=rng.normal(3, 1, 40)))
        fx_one = FixedTestSet([runs[-1]], "transfer")
        fx_one.counts = np.ones((1, 40))
        row = {"dataset": "transfer", "target": "qrs_ms", "task": "regression", "run_id": f"t{k}", "fold": k, "seed": 0,
               "n_train": 160, "n_test": 40, "train_seconds": 10.0, "auc": np.nan, "accuracy": np.nan,
               "ratio.ecgradcam.last_add": fx_one.resampled_mean(fx_one.ratio(f"t{k}"))[0]}
        for wave in ("qrs", "p"):
            row[f"block.{wave}.delta_mae"] = fx_one.resampled_mean(fx_one.harm(f"t{k}", wave))[0]
        row["block.t.delta_mae"] = 0.0
        rows.append(row)
        rows.append({**row, "dataset": "ludb", "run_id": f"l{k}"})
    table = pd.DataFrame(rows)
    fixed = {"transfer": FixedTestSet(runs, "transfer")}
    counted = set(table["run_id"])
    learned = {("transfer", "qrs_ms"): True, ("ludb", "qrs_ms"): True}
    budgets = v.budgets(table, {"transfer": 8, "ludb": 8}, names={"transfer": "T", "ludb": "L"})
    region = {c.key: c for c in v.region_claims(table, counted, budgets=budgets, learned=learned, fixed=fixed)}
    assert "bootstrap variance over the test set's 40 patients" in region["ecgradcam.region.transfer.qrs_ms"].ours.method
    assert region["ecgradcam.region.ludb.qrs_ms"].ours.method.startswith("corrected resampled t")
    t_ci, l_ci = region["ecgradcam.region.transfer.qrs_ms"].ours, region["ecgradcam.region.ludb.qrs_ms"].ours
    boot = np.mean([fixed["transfer"].resampled_mean(fixed["transfer"].ratio(f"t{k}")) for k in range(5)], axis=0)
    want = fixed_test_interval(table.loc[table["dataset"] == "transfer", "ratio.ecgradcam.last_add"],
                               test_variance=float(boot.var(ddof=1)), n_units=40, correction=40 / 160)
    assert (t_ci.estimate, t_ci.low) == (pytest.approx(l_ci.estimate), pytest.approx(want.low))
    harm = v.wave_harm(table)
    block = {c.key: c for c in v.blocking_claims(harm, counted, budgets=budgets, learned=learned, fixed=fixed)}
    b = block["ecgradcam.blocking.transfer.qrs_ms"]
    assert "patients" in b.ours.method and b.verdict == "agrees"  # blocking QRS hurts about 3 units more than P
    worst = v.worst_vs_next(harm, fixed).set_index("dataset")
    assert worst.loc["transfer", "low"] == pytest.approx(b.ours.low)
    waves = v.wave_table(harm, fixed)
    assert len(waves) == 6
