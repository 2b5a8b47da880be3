"""The xECGNet chapter's claims at a glance, constant predictors, model health and the page built over a
synthetic smoke grid (every printed interval holds its estimate)."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ecgstudy.studies.xecgnet import health as h
from ecgstudy.studies.xecgnet.verdicts import claims, per_class_f1_table

NAMES = {"ptbxl": "P", "mitdb": "M"}


def _main(multi_diffs, micro_diffs, ds="ptbxl", coverage=None):
    rows = []
    for seed, (dm, df) in enumerate(zip(multi_diffs, micro_diffs)):
        for g, (m, f) in ((0.0, (0.5, 0.7)), (0.01, (0.5 + dm, 0.7 + df))):
            row = {"dataset": ds, "gamma": g, "regulariser": "paper", "seed": seed, "multi_acc": m, "micro_f1": f,
                   "f1.PVC": f, "f1.MI": f - 0.1}
            if coverage is not None:
                row.update(attention_multi_covered=0.2 + (coverage[seed] if g else 0), attention_ratio=1.2)
            rows.append(row)
    return pd.DataFrame(rows)


def _health(main, converged=True, unhealthy=()):
    h_ = main[["dataset", "gamma", "regulariser", "seed"]].copy()
    h_["converged"] = converged if not callable(converged) else h_.apply(converged, axis=1)
    h_["healthy"] = [(g, s) not in unhealthy for g, s in zip(h_["gamma"], h_["seed"])]
    h_["seconds_per_epoch"] = 9.0
    return h_


def test_a_gain_whose_interval_excludes_zero_agrees_and_noise_is_not_detected():
    main = _main([0.01, 0.02, 0.03, 0.04, 0.05], [0.02, -0.03, 0.01, -0.02, 0.0])
    c = {x.key: x for x in claims(main, _health(main), names=NAMES, budgets={"ptbxl": "up to 20 epochs"})}
    multi, micro = c["xecgnet.ptbxl.multi_acc.g0.01"], c["xecgnet.ptbxl.micro_f1.g0.01"]
    assert multi.paper_value == pytest.approx(0.845 - 0.758) and multi.verdict == "agrees"
    assert (multi.ours.low, multi.ours.high) == pytest.approx((0.01037, 0.04963), abs=1e-5)
    assert multi.numbers == ("xecgnet.cpsc.g0.multi_acc", "xecgnet.cpsc.g0.01.multi_acc")
    # micro-F1: -0.004 (-0.030 to +0.022) holds 0 and the paper's +0.010
    assert micro.verdict == "not detected" and micro.ours.estimate == pytest.approx(-0.004)
    assert "more seeds" in micro.would_change and "paper: up to 1,000 epochs, patience 50" in micro.budget


def test_a_comparison_of_runs_that_had_not_converged_is_not_testable_and_names_the_budget():
    main = _main([0.01, 0.02, 0.03, 0.04, 0.05], [0.0] * 5)
    health = _health(main, converged=lambda r: not (r["gamma"] == 0 and r["seed"] < 2))  # 3 of 5 at gamma 0
    c = claims(main, health, names=NAMES, budgets={})[0]
    assert c.verdict == "not testable at this budget" and not c.testable
    assert "3 of 5 gamma-0 runs and 5 of 5 gamma-0.01 runs had stopped improving" in c.would_change
    assert "2.5 h per run at our measured 9 s per epoch, 25 h for these 10 runs" in c.would_change
    assert c.would_change.endswith("today's interval would read 'agrees'")
    assert c.as_dict()["low"] == pytest.approx(0.01037, abs=1e-5)  # the interval is still reported


def test_map_claims_count_only_healthy_networks():
    main = _main([0.0] * 5, [0.0] * 5, ds="mitdb", coverage=[0.1, 0.12, 0.08, 0.11, -0.5])
    health = _health(main, unhealthy={(0.0, 4)})  # seed 4's ABN learned nothing: its pair is left out
    c = {x.key: x for x in claims(main, health, names=NAMES, budgets={})}
    cov = c["xecgnet.mitdb.attention_multi_covered.g0.01"]
    assert cov.ours.n == 4 and cov.ours.estimate == pytest.approx(0.1025) and "4 of 5 seed pairs" in cov.data
    assert cov.verdict == "agrees" and math.isinf(cov.paper_value)
    ratio = c["xecgnet.mitdb.attention_ratio.g0.01"]
    assert ratio.ours.estimate == pytest.approx(0.2) and ratio.ours.n == 5  # gamma 0.01 runs are all healthy


def test_constant_baselines_dead_maps_and_convergence_on_hand_made_arrays():
    y = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 1], [0, 1, 1], [1, 1, 0]])
    b = h.constant_baselines(y)  # always [1, 0, 0]: 4 of 9 true labels hit, 6 predicted
    assert b["micro_f1"] == pytest.approx(2 * 4 / (6 + 9)) and b["subset_acc"] == pytest.approx(0.5)
    assert b["multi_acc"] == pytest.approx(2 / 3)  # [0, 1, 1] in 2 of the 3 multi-label records
    resp = np.ones((2, 3, 4))
    resp[0, 1] = 0  # record 0's second class map is dead
    assert h.dead_response_share(resp, np.array([[1, 1, 0], [0, 1, 1]])) == pytest.approx(0.25)
    assert h.flat_attention_share(np.array([[0.2, 0.2005], [0.1, 0.5]])) == 0.5
    assert h.converged([0.1] + [0.5] * 7) and not h.converged([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])


def _fake_run(tmp_path, name, *, gamma, seed, probs, labels, curves, att, bce=None, selection=None):
    path = tmp_path / name
    path.mkdir()
    np.savez(path / "predictions.npz", ids=np.arange(len(labels)).astype(str), probs=probs, labels=labels)
    multi = np.flatnonzero(labels.sum(axis=1) >= 2)
    np.savez(path / "maps.npz", attention=att, multi_index=multi, response_multi=np.zeros((len(multi), 2, 3)))
    bce = bce or [0.5] * len(curves)
    (path / "curves.json").write_text(json.dumps([{"val_micro_f1": f, "val_bce": b, "seconds": 2.0}
                                                  for f, b in zip(curves, bce)]))
    metrics = {"micro_f1": 0.9 if gamma else 0.1, "subset_acc": 0.5, "multi_acc": 0.0}
    spec = SimpleNamespace(experiment="xecgnet-ptbxl", run_id=name,
                           params={"gamma": gamma, "regulariser": "paper", "seed": seed,
                                   **({"selection": selection} if selection else {})})
    return SimpleNamespace(ok=True, path=path, spec=spec, metrics=lambda: metrics)


def test_run_health_reads_the_stored_arrays_and_judges_each_run(tmp_path):
    labels = np.array([[1, 0], [1, 0], [1, 1]])
    flat = np.full((3, 3), 0.5)
    runs = [_fake_run(tmp_path, "a", gamma=0.0, seed=0, probs=np.zeros((3, 2)), labels=labels,
                      curves=[0.1, 0.2], att=flat),
            _fake_run(tmp_path, "b", gamma=0.01, seed=0, probs=np.zeros((3, 2)), labels=labels,
                      curves=[0.5] + [0.4] * 6, att=np.array([[0.1, 0.9, 0.1]] * 3))]
    t = h.run_health(runs).set_index("run_id")
    assert t.loc["a", "base_micro_f1"] == pytest.approx(2 * 3 / (3 + 4))  # always [1, 0]
    assert not t.loc["a", "learned"] and t.loc["b", "learned"]  # micro-F1 0.1 and 0.9 against 0.857
    assert (t["dead_response"] == 1.0).all() and t.loc["a", "flat_attention"] == 1.0
    assert not t["healthy"].any()  # every true-class response map is zero
    assert not t.loc["a", "converged"] and t.loc["b", "converged"] and t.loc["b", "seconds_per_epoch"] == 2.0
    table = h.health_table(t.reset_index(), {"ptbxl": "P"})
    assert table["learned nothing"].tolist() == [1, 0] and table["runs with dead maps"].tolist() == [1, 1]
    base = h.baseline_table(t.reset_index(), {"ptbxl": "P"})
    assert base["micro_f1 runs <= constant"].tolist() == [1, 0]


def test_convergence_follows_the_runs_own_selection_score(tmp_path):
    labels = np.array([[1, 0], [1, 1]])
    # micro-F1 still rising at the end, validation BCE lowest at epoch 2 of 9
    f1, bce = [0.1 * k for k in range(1, 10)], [0.5, 0.3] + [0.4] * 7
    kw = dict(gamma=0.01, seed=0, probs=np.zeros((2, 2)), labels=labels, curves=f1, bce=bce, att=np.zeros((2, 3)))
    runs = [_fake_run(tmp_path, "bce", selection="val_bce", **kw), _fake_run(tmp_path, "f1", **kw)]
    t = h.run_health(runs).set_index("run_id")
    assert t.loc["bce", "converged"] and not t.loc["f1", "converged"]


def test_read_predictions_prefers_the_logits():
    import tempfile
    from pathlib import Path

    att, per = np.array([[40.0, -3.0]], np.float32), np.array([[35.0, 1.0]], np.float32)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "predictions.npz"
        np.savez(path, ids=np.array(["r"]), probs=np.ones((1, 2), np.float32), labels=np.array([[1, 0]]),
                 logits_att=att, logits_per=per)
        p = h.read_predictions(path)["probs"]
    assert p[0, 0] < 1.0 and p[0, 1] == pytest.approx((1 / (1 + np.exp(3)) + 1 / (1 + np.exp(-1))) / 2)


def test_per_class_f1_sits_beside_the_papers_matching_class():
    t = per_class_f1_table(_main([0.0] * 5, [0.01, 0.02, 0.03, 0.04, 0.05]), NAMES).set_index("class")
    assert t.loc["PVC", "CPSC class"] == "PVC" and t.loc["PVC", "paper gamma 0.01"] == pytest.approx(0.672)
    assert t.loc["PVC", "F1 gamma 0.01"] == pytest.approx(0.73) and t.loc["MI", "CPSC class"] == ""
    assert t.loc["PVC", "low 0.01"] == pytest.approx(0.73 - 0.0196, abs=1e-4)


@pytest.mark.slow
def test_the_page_over_a_synthetic_smoke_grid_prints_intervals_that_hold_their_estimates(tmp_path, monkeypatch):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.report import Table
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.xecgnet.chapter import summarise

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    p = get_experiment("xecgnet").params({"profile": "smoke", "data": "synthetic", "seeds": [0, 1]})
    page = summarise(p, data_kind="synthetic", store=store)
    assert page.metrics["n_runs"] == 4 and page.shown["claims"].frame.shape[0] == len(page.metrics["claims"]) >= 2
    for name, table in page.shown.items():
        if isinstance(table, Table):
            assert table.interval_errors() == [], name
    for c in page.metrics["claims"]:
        if c["low"] is not None:
            assert c["low"] <= c["estimate"] <= c["high"], c["key"]
        assert c["verdict"] in ("agrees", "contradicts", "not detected", "not testable at this budget")
    assert page.metrics["health"]["runs"] == 4
    assert "not reproduced" not in " ".join(str(v) for v in page.glue.values())
    # new runs store the logits beside the probabilities, and the probabilities follow from them
    (run,) = [r for r in (tmp_path / "results").rglob("predictions.npz")][:1]
    with np.load(run) as z:
        assert {"logits_att", "logits_per"} <= set(z.files)
        np.testing.assert_allclose(h.read_predictions(run)["probs"], z["probs"], atol=1e-6)


def _rungs(main, values, converged):
    """One rung of 3 epochs: the gamma-0.01 runs' multi_acc gain over gamma 0 set to ``values`` per seed."""
    rows = []
    for r in main.itertuples():
        gain = values[r.seed] if r.gamma else 0.0
        rows.append({"dataset": r.dataset, "gamma": r.gamma, "regulariser": "paper", "seed": r.seed, "rung": 3,
                     "kept_epoch": 2, "micro_f1": r.micro_f1, "macro_f1": 0.5, "subset_acc": 0.5,
                     "multi_acc": 0.5 + gain, "converged": converged})
    return pd.DataFrame(rows)


def test_the_ladder_recomputes_each_claim_at_a_rung_with_the_rungs_convergence_and_leaves_out_map_claims():
    from ecgstudy.studies.xecgnet.ladder import budget_ladder

    main = _main([0.01, 0.02, 0.03, 0.04, 0.05], [0.02, -0.03, 0.01, -0.02, 0.0], coverage=[0.1] * 5)
    health = _health(main).assign(base_micro_f1=0.1, dead_response=0.0, flat_attention=0.0, learned=True)
    own = claims(main, health, names=NAMES, budgets={})
    # at 3 epochs every run converged and the multi-label gain is noise around 0, below the paper's +0.087
    lad = budget_ladder(main, health, _rungs(main, [0.02, -0.03, 0.01, -0.02, 0.0], True), own, names=NAMES,
                        budgets={})
    assert lad.rungs == ("3 epochs", "converged")
    assert lad.verdicts("xecgnet.ptbxl.multi_acc.g0.01") == {"3 epochs": "contradicts", "converged": "agrees"}
    assert lad.verdicts("xecgnet.ptbxl.micro_f1.g0.01") == {"3 epochs": "not detected", "converged": "not detected"}
    assert lad.changed == ("xecgnet.ptbxl.multi_acc.g0.01",) and lad.stable == ("xecgnet.ptbxl.micro_f1.g0.01",)
    assert set(lad.left_out) == {"xecgnet.ptbxl.attention_multi_covered.g0.01", "xecgnet.ptbxl.attention_ratio.g0.01"}
    # runs that had not converged by the rung make its claims not testable there
    lad = budget_ladder(main, health, _rungs(main, [0.01, 0.02, 0.03, 0.04, 0.05], False), own, names=NAMES,
                        budgets={})
    assert lad.verdicts("xecgnet.ptbxl.multi_acc.g0.01")["3 epochs"] == "not testable at this budget"
    assert lad.verdicts("xecgnet.ptbxl.micro_f1.g0.01")["3 epochs"] == "not testable at this budget"
    assert lad.text().startswith("0 of 2 claims keep their verdict at every rung (3 epochs, converged)")
