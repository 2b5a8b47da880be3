"""The ECGradCAM chapter's claims at a glance, model health and inventory: hand-made runs with known
values, the saturated-probability fallback, and the page's intervals (synthetic smoke and the real page)."""

from __future__ import annotations

import doctest
import json
import math
import types

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import ecgstudy.studies.ecgradcam.health as health_module
import ecgstudy.studies.ecgradcam.inventory as inventory_module
import ecgstudy.studies.ecgradcam.verdicts as verdicts_module
from ecgstudy.studies.ecgradcam import verdicts as v
from ecgstudy.studies.ecgradcam.health import map_runs, run_health
from ecgstudy.studies.ecgradcam.intervals import record_bootstrap


def test_doctests_pass():
    for module in (health_module, inventory_module, verdicts_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def _rec(path, run_id, metrics, *, pred=None, maps=None):
    path.mkdir()
    if pred is not None:
        np.savez(path / "predictions.npz", **pred)
    if maps is not None:
        np.savez(path / "maps.npz", **maps)
    (path / "metrics.json").write_text(json.dumps(metrics))
    return types.SimpleNamespace(ok=True, path=path, spec=types.SimpleNamespace(run_id=run_id),
                                 metrics=lambda: json.loads((path / "metrics.json").read_text()))


def test_health_counts_dead_maps_saturation_and_who_beat_the_baseline(tmp_path):
    y = np.array([1, 0, 1, 0], dtype=np.float32)
    sat = _rec(tmp_path / "a", "a", {"dataset": "d", "target": "sex", "task": "binary", "fold": 0, "seed": 0,
                                     "accuracy": 0.5, "baseline_accuracy": 0.5, "auc": 0.75},
               pred={"ids": np.array(["r1", "r2", "r3", "r4"]), "y": y, "prediction": np.float32([1, 1, 1, 1])},
               maps={"gradcam.last_add": np.zeros((4, 5)), "ecgradcam.last_add": np.eye(4, 5)})
    logit = _rec(tmp_path / "b", "b", {"dataset": "d", "target": "sex", "task": "binary", "fold": 1, "seed": 0,
                                       "accuracy": 0.75, "baseline_accuracy": 0.5, "auc": 1.0},
                 pred={"ids": np.array(["r5", "r6", "r7", "r8"]), "y": y, "prediction": np.float32([1, 1, 1, 1]),
                       "logit": np.float32([30.0, 20.0, 25.0, 10.0])},
                 maps={"gradcam.last_add": np.eye(4, 5), "ecgradcam.last_add": np.eye(4, 5)})
    reg = _rec(tmp_path / "c", "c", {"dataset": "d", "target": "qrs_ms", "task": "regression", "fold": 0, "seed": 0,
                                     "mae": 12.0, "baseline_mae": 10.0})
    h = run_health([sat, logit, reg]).set_index("run_id")
    assert h["beat_baseline"].tolist() == [False, True, False]
    assert h.loc["a", "dead.gradcam"] == 4 and h.loc["a", "dead.ecgradcam"] == 0 and h.loc["b", "dead.gradcam"] == 0
    assert bool(h.loc["a", "saturated"]) and not bool(h.loc["b", "saturated"])  # logits: nothing is lost
    assert h.loc["a", "auc_arrays"] == 0.5 and h.loc["a", "auc_metrics"] == 0.75
    assert h.loc["b", "auc_arrays"] == 1.0  # ranked by the logits, not the saturated probabilities
    assert map_runs(h.reset_index(), {("d", "sex"): True, ("d", "qrs_ms"): True}) == {"b"}
    metrics = health_module.health_metrics(h.reset_index())
    assert metrics["runs_all_dead"] == {"gradcam": 1, "ecgradcam": 0} and metrics["saturated_runs"] == ["a"]
    # the record bootstrap keeps the saturated run's metrics.json AUC and ranks the other by its logits
    for rec in (sat, logit):
        m = rec.metrics()
        m["train_mean"] = 0.0
        (rec.path / "metrics.json").write_text(json.dumps(m))
    row = record_bootstrap([sat, logit], n_boot=50).iloc[0]
    assert row["auc"] == pytest.approx((0.75 + 1.0) / 2)
    assert row["balanced_accuracy"] == pytest.approx(0.5)  # both threshold every record to male


def _table():
    """Hand-made runs: transfer qrs_ms (5 folds, learned) and LUDB qt_ms (not learned)."""
    rows = []
    ratios = [4.0, 4.5, 4.2, 4.4, 4.6]
    harm_qrs = [3.0, 3.2, 2.9, 3.1, 2.8]
    harm_p = [1.0, 1.1, 0.9, 1.0, 1.0]
    for f in range(5):
        rows.append({"dataset": "transfer", "target": "qrs_ms", "task": "regression", "run_id": f"q{f}", "fold": f,
                     "seed": 0, "n_train": 160, "n_test": 40, "train_seconds": 80.0,
                     "ratio.ecgradcam.last_add": ratios[f], "block.p.delta_mae": harm_p[f],
                     "block.qrs.delta_mae": harm_qrs[f], "block.t.delta_mae": 0.0, "auc": np.nan, "accuracy": np.nan})
        rows.append({"dataset": "ludb", "target": "qt_ms", "task": "regression", "run_id": f"l{f}", "fold": f,
                     "seed": 0, "n_train": 160, "n_test": 40, "train_seconds": 30.0, "ratio.ecgradcam.last_add": 1.0,
                     "block.p.delta_mae": 0.0, "block.qrs.delta_mae": 0.0, "block.t.delta_mae": 1.0,
                     "auc": np.nan, "accuracy": np.nan})
    return pd.DataFrame(rows), ratios, harm_qrs, harm_p


def test_region_and_blocking_claims_on_hand_made_runs():
    table, ratios, harm_qrs, harm_p = _table()
    names = {"transfer": "T", "ludb": "L"}
    budgets = v.budgets(table, {"transfer": 8, "ludb": 30}, names=names)
    assert budgets["ludb"].seconds_per_epoch == 1.0 and budgets["transfer"].runs == 5
    learned = {("transfer", "qrs_ms"): True, ("ludb", "qt_ms"): False}
    counted = {f"q{f}" for f in range(5)}
    claims = {c.key: c for c in v.region_claims(table, counted, budgets=budgets, learned=learned)}
    c = claims["ecgradcam.region.transfer.qrs_ms"]
    # corrected resampled t over the 5 folds: (1/5 + 40/160) s^2, the folds share training data
    half = stats.t.ppf(0.975, 4) * math.sqrt((1 / 5 + 40 / 160) * np.var(ratios, ddof=1))
    assert c.ours.estimate == pytest.approx(4.34) and c.ours.high - c.ours.estimate == pytest.approx(half)
    assert c.ours.method == "corrected resampled t (Nadeau & Bengio) over 5 fold runs"
    assert c.null == 1.0 and c.verdict == "agrees" and "5 of 5 runs" in c.data
    nl = claims["ecgradcam.region.ludb.not_learned"]
    assert nl.verdict == "not testable at this budget" and "qt_ms" in nl.data
    assert "70 more per run" in nl.would_change and "0.14 h" in nl.would_change  # 100 epochs x 1 s x 5 runs / 3600

    harm = v.wave_harm(table)
    blk = {c.key: c for c in v.blocking_claims(harm, counted, budgets=budgets, learned=learned)}
    b = blk["ecgradcam.blocking.transfer.qrs_ms"]
    d = np.array(harm_qrs) - np.array(harm_p)  # QRS (defining) against P, the most harmful other wave
    se = math.sqrt((1 / 5 + 40 / 160) * np.var(d, ddof=1))
    assert b.ours.estimate == pytest.approx(d.mean()) and b.ours.low == pytest.approx(d.mean() - stats.t.ppf(0.975, 4) * se)
    assert b.verdict == "agrees" and "(QRS)" in b.claim and "the P wave" in b.claim
    assert blk["ecgradcam.blocking.ludb.not_learned"].verdict == "not testable at this budget"
    worst = v.worst_vs_next(harm).set_index(["dataset", "target"])
    assert worst.loc[("transfer", "qrs_ms"), "worst"] == "qrs" and worst.loc[("transfer", "qrs_ms"), "next"] == "p"
    assert bool(worst.loc[("transfer", "qrs_ms"), "distinguishable"])
    waves = v.wave_table(harm)
    qrs = waves[(waves["target"] == "qrs_ms") & (waves["wave"] == "qrs")].iloc[0]
    half = stats.t.ppf(0.975, 4) * math.sqrt((1 / 5 + 40 / 160) * np.var(harm_qrs, ddof=1))
    assert qrs["harm"] == pytest.approx(3.0) and qrs["high"] - qrs["harm"] == pytest.approx(half)


def test_similarity_claims_read_only_counted_pairs_per_fold():
    pairs = pd.DataFrame({"dataset": "t", "variant": "ecgradcam", "fold": [0, 0, 1, 2], "seed": 0,
                          "run_a": ["a0", "a0", "a1", "a2"], "run_b": ["b0", "x0", "b1", "b2"],
                          "corr": [0.9, 0.1, 0.8, 0.85]})
    counted = {"a0", "b0", "a1", "b1", "a2", "b2"}
    budgets = {"t": v.Budget("T", 8, 10.0, 5)}
    (c,) = v.similarity_claims(pairs, counted, budgets=budgets, datasets=["t"])
    assert c.ours.estimate == pytest.approx(0.15) and c.ours.n == 3 and c.verdict == "agrees"  # the 0.1 pair is not read
    half = stats.t.ppf(0.975, 2) * 0.05 / math.sqrt(3)
    assert c.ours.low == pytest.approx(0.15 - half)
    (fixed,) = v.similarity_claims(pairs, counted, budgets=budgets, datasets=["t"], units={"t": (160, 40)})
    assert fixed.ours.low == pytest.approx(0.15 - stats.t.ppf(0.975, 2) * math.sqrt((1 / 3 + 40 / 160) * 0.05 ** 2))
    (none,) = v.similarity_claims(pairs, set(), budgets=budgets, datasets=["t"])
    assert none.verdict == "not testable at this budget"


def test_sex_claims_value_testability_and_the_feature_gain():
    table = pd.DataFrame({"dataset": "p", "target": "sex", "task": "binary", "auc": [0.86, 0.88, 0.87, 0.89, 0.88],
                          "accuracy": [0.8] * 5, "baseline_accuracy": [0.5] * 5, "train_seconds": 80.0,
                          "n_train": 1400, "n_test": 350})
    claims = v.sex_network_claims(table, budgets={"p": v.Budget("P", 8, 10.0, 5)})
    assert [c.verdict for c in claims] == ["not testable at this budget"] * 2  # AUC cannot reach 0.96
    assert claims[1].numbers == ("ecgradcam.sex.auc",) and "92 more per run" in claims[1].would_change
    good = v.sex_network_claims(table.assign(auc=[0.95, 0.97, 0.96, 0.96, 0.96], accuracy=[0.88, 0.9, 0.89, 0.89, 0.9]),
                                budgets={})
    assert [c.verdict for c in good] == ["agrees", "agrees"]
    chance = v.sex_network_claims(table.iloc[:2].assign(auc=[0.0, 1.0]), budgets={}, learned={("p", "sex"): False})
    assert [c.verdict for c in chance] == ["not testable at this budget"] * 2  # 2 folds reach 0.96 only by width
    assert "do not beat the majority class" in chance[1].would_change
    res = {"n": 198, "folds": 5, "comparison": {"auc_diff": {"estimate": 0.006, "low": -0.058, "high": 0.071}}}
    (gain,) = v.sex_feature_claim(res, name="LUDB")
    assert gain.paper_value == pytest.approx(0.08) and gain.verdict == "contradicts"  # holds 0, excludes +0.08
    assert "lies above this interval" in gain.would_change
    wide = {**res, "comparison": {"auc_diff": {"estimate": 0.02, "low": -0.05, "high": 0.12}}}
    assert v.sex_feature_claim(wide, name="LUDB")[0].verdict == "not detected"
    assert v.sex_feature_claim(None, name="") == []


def _check_page(page):
    from ecgstudy.report import Table

    tables = [t for t in page.shown.values() if isinstance(t, Table)]
    assert tables and all(t.interval_errors() == [] for t in tables)
    declared = sum(len(t.intervals) for t in tables)
    claims = page.metrics["claims"]
    assert claims and declared > 0
    for c in claims:
        if c["low"] is not None:
            assert c["low"] <= c["estimate"] <= c["high"], c["key"]
    assert list(page.shown["claims"].frame.columns)[-2] == "verdict"


@pytest.mark.slow
def test_synthetic_page_intervals_hold_their_estimates(tmp_path, monkeypatch):
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.ecgradcam.chapter import summarise
    from ecgstudy.studies.ecgradcam.params import EcgradcamChapterParams

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    p = EcgradcamChapterParams(profile="smoke", data="synthetic", datasets=("ludb",), ludb_targets=("qrs_ms", "sex"),
                               folds=(0, 1))
    page = summarise(p, data_kind="synthetic", store=RunStore(tmp_path / "r"))
    _check_page(page)
    assert page.metrics["health"]["runs"] == 4
    with np.load(next((tmp_path / "r").rglob("predictions.npz")).parent.joinpath("predictions.npz")) as z:
        files = set(z.files)
    sex_runs = [p for p in (tmp_path / "r").rglob("metrics.json") if json.loads(p.read_text()).get("target") == "sex"]
    assert sex_runs and all("logit" in np.load(p.parent / "predictions.npz").files for p in sex_runs)
    assert "prediction" in files


@pytest.mark.realdata
def test_real_cpu_page_claims_and_intervals(real_data):
    from ecgstudy.studies.ecgradcam.chapter import summarise
    from ecgstudy.studies.ecgradcam.experiments import CHAPTER

    page = summarise(CHAPTER.params({"profile": "cpu", "train_missing": False}), data_kind="real")
    assert page.metrics["n_missing"] == 0 and page.metrics["n_runs"] == 65
    _check_page(page)
    health = page.metrics["health"]
    assert health["saturated"] == 0 and health["runs_all_dead"] == {"gradcam": 0, "ecgradcam": 0}
    keys = {c["key"]: c for c in page.metrics["claims"]}
    # the converged LUDB networks learned QRS duration: ECGradCAM puts its mass on the QRS
    assert keys["ecgradcam.region.ludb.qrs_ms"]["verdict"] == "agrees"
    # the three LUDB runs that did not beat their baseline are too few to test the claim about them
    assert keys["ecgradcam.region.ludb.not_learned"]["verdict"] == "not testable at this budget"
