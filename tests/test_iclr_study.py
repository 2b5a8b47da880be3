"""The ICLR chapter's grid, summaries and one smoke fold run (synthetic data)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ecgstudy.experiments import get_experiment
from ecgstudy.runs.store import RunStore
from ecgstudy.studies.iclr.chapter import grid_values
from ecgstudy.studies.iclr.params import IclrChapterParams
from ecgstudy.studies.iclr.tables import compare_methods, summary_metrics


def test_grid_covers_methods_splits_folds_seeds_and_ablation():
    p = IclrChapterParams(profile="cpu", seeds=(0, 1), splits=("segment", "record"), n_folds=5,
                          kernel_sizes=(72, 151), ablation_seeds=(0,), kernel_size=151)
    values = grid_values(p)
    main = [v for v in values if v["kernel_size"] == 151]
    # segment-wise: 4 methods; record-wise: the default record_methods (classifier, l2)
    assert len(main) == (4 + 2) * 2 * 5  # methods x seeds x folds
    assert {v["method"] for v in main if v["split"] == "record"} == {"classifier", "l2"}
    # seed-major: a grid stopped part-way holds whole seeds
    seeds_in_order = [v["seed"] for v in main]
    assert seeds_in_order == sorted(seeds_in_order)
    ablation = [v for v in values if v["kernel_size"] == 72]
    assert len(ablation) == 5 and {v["method"] for v in ablation} == {"l2"}  # 151 is not repeated
    assert {v["split"] for v in ablation} == {"segment"}
    smoke = grid_values(get_experiment("iclr").params({"profile": "smoke"}))
    assert len(smoke) == 4 and {v["fold"] for v in smoke} == {0}


def test_example_positions_alternate_classes_and_run_out_gracefully():
    from ecgstudy.studies.iclr.run import example_positions

    assert example_positions(np.array([0, 0, 1, 1, 1]), 3).tolist() == [2, 0, 3]
    assert example_positions(np.array([1, 1, 1]), 2).tolist() == [0, 1]  # one class only
    assert example_positions(np.array([0, 1]), 5).tolist() == [1, 0]  # fewer segments than asked
    assert example_positions(np.array([0, 1]), 0).tolist() == []


def test_summary_is_mean_and_sample_sd_over_runs():
    table = pd.DataFrame({
        "split": ["segment"] * 3, "method": ["l2"] * 3, "kernel_size": [151] * 3,
        "accuracy": [0.9, 0.8, 1.0], "sensitivity": [1.0, 1.0, 1.0], "specificity": [0.5, 0.6, 0.7],
        "auc": [0.95, 0.97, 0.99],
    })
    out = summary_metrics(table, kernel_size=151)["segmentwise"]["l2"]
    assert math.isclose(out["acc"]["mean"], 0.9) and math.isclose(out["acc"]["sd"], 0.1)
    assert out["spec"]["n"] == 3 and math.isclose(out["auc"]["mean"], 0.97)


@pytest.mark.slow
def test_smoke_fold_run_writes_its_record(tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("iclr-fold")
    spec = exp.spec({"profile": "smoke", "method": "l2"})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert {"accuracy", "sensitivity", "specificity", "auc", "tp", "fn"} <= set(m)
    assert m["n_train"] + m["n_test"] == 40
    assert set(m["localisation"]) >= {"mass_abnormal", "baseline", "auroc"}
    with np.load(rec.path / "predictions.npz") as z:
        assert len(z["index"]) == m["n_test"] and ((z["prob_pvc"] >= 0) & (z["prob_pvc"] <= 1)).all()
        # new runs also store the log-odds of PVC: the probability is their sigmoid
        np.testing.assert_allclose(1 / (1 + np.exp(-z["logit_pvc"])), z["prob_pvc"], atol=1e-5)
    with np.load(rec.path / "attention.npz") as z:
        assert z["attention"].shape == (2, 2000)
        # one example of each class (PVC first) when the held-out fold has both
        with np.load(rec.path / "predictions.npz") as p:
            labels = dict(zip(p["index"].tolist(), p["label"].tolist()))
        assert [labels[i] for i in z["index"].tolist()] == [1, 0]
    curve = json.loads((rec.path / "curves.json").read_text())
    assert len(curve) == 1 and curve[0]["eval_accuracy"] is not None
    # Same seed, same data: the metrics and predictions are reproduced (up to float rounding).
    with np.load(rec.path / "predictions.npz") as z:
        first = z["prob_pvc"].copy()
    again = store.execute(spec, lambda d: exp.work(spec, d), force=True)
    assert again.recomputed
    assert again.metrics()["accuracy"] == pytest.approx(m["accuracy"], abs=0.02)
    assert again.metrics()["auc"] == pytest.approx(m["auc"], abs=0.02)
    with np.load(again.path / "predictions.npz") as z:
        np.testing.assert_allclose(z["prob_pvc"], first, atol=2e-3)  # same up to float rounding


def test_train_missing_false_summarises_only_what_is_stored(tmp_path, monkeypatch):
    from ecgstudy.studies.iclr.chapter import grid_records

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    p = get_experiment("iclr").params({"profile": "smoke", "data": "synthetic", "train_missing": False})
    records = grid_records(p, store=store, progress=False)
    assert len(records) == 4 and {r.status for r in records} == {"missing"}
    assert not (tmp_path / "results").exists()  # nothing was trained or written


def test_compare_methods_pairs_runs_by_fold_and_seed_with_the_corrected_t_interval():
    from ecgstudy.metrics.stats import corrected_t_interval

    rows = []
    acc_l2 = {(0, 0): 0.95, (1, 0): 0.97, (2, 0): 0.96, (0, 1): 0.94}
    acc_cl = {(0, 0): 0.90, (1, 0): 0.93, (2, 0): 0.91, (1, 1): 0.50}  # (0, 1) / (1, 1) have no partner
    for method, accs in (("l2", acc_l2), ("classifier", acc_cl)):
        for (fold, seed), acc in accs.items():
            rows.append({"method": method, "split": "segment", "fold": fold, "seed": seed, "kernel_size": 151,
                         "accuracy": acc, "auc": acc, "n_train": 80, "n_test": 20, "majority_accuracy": 0.9})
    rows.append({"method": "classifier", "split": "record", "fold": 0, "seed": 0, "kernel_size": 151,
                 "accuracy": 0.1, "auc": 0.1})  # another split: ignored
    rows.append({"method": "l2", "split": "segment", "fold": 0, "seed": 0, "kernel_size": 72,
                 "accuracy": 0.1, "auc": 0.1})  # another kernel: ignored
    t = pd.DataFrame(rows)
    c = compare_methods(t, a="l2", kernel_size=151).set_index("metric")
    ref = corrected_t_interval([0.05, 0.04, 0.05], n_train=80, n_test=20)  # pairs (0,0), (1,0), (2,0)
    assert c.loc["accuracy", "n"] == 3 and c.loc["accuracy", "wins"] == "3 of 3"
    assert (c.loc["accuracy", "n_train"], c.loc["accuracy", "n_test"]) == (80, 20)
    assert c.loc["accuracy", "mean_diff"] == pytest.approx(0.0466666, abs=1e-6) == ref.estimate
    assert (c.loc["accuracy", "low"], c.loc["accuracy", "high"]) == pytest.approx((ref.low, ref.high))
    assert "p_value" not in c  # no p-values: the interval decides
    # against the majority class: each L2 run's accuracy minus the majority class' on its own fold
    m = compare_methods(t, a="l2", b="majority", kernel_size=151).set_index("metric")
    assert m.loc["accuracy", "n"] == 4 and m.loc["accuracy", "mean_diff"] == pytest.approx(0.055)
    one = compare_methods(t[~t["fold"].isin([1, 2])], a="l2", kernel_size=151).iloc[0]
    assert one["n"] == 1 and one["low"] != one["low"]  # one pair: no interval
    assert compare_methods(t.iloc[:0], a="l2", kernel_size=151).empty


def test_doctests_pass():
    import doctest

    from ecgstudy.studies.iclr import chapter, convergence, data, ladder_table, run, tables, verdicts

    results = [doctest.testmod(m, optionflags=doctest.ELLIPSIS)
               for m in (chapter, convergence, data, ladder_table, run, tables, verdicts)]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) > 0


def _hand_made_grid(classifier_base: float = 0.90):
    """3 folds x 2 seeds: L2 = classifier + 0.05 (segment-wise), record-wise 0.1 below, cascaded = classifier;
    the cascaded model's last-epoch loss gap is 0.3 above the classifier's."""
    rows, curves = [], []
    for seed in range(2):
        for fold in range(3):
            base = classifier_base + 0.01 * fold
            for method, split, acc in (("classifier", "segment", base), ("l2", "segment", base + 0.05),
                                       ("cascaded", "segment", base), ("max", "segment", base),
                                       ("classifier", "record", base - 0.1), ("l2", "record", base - 0.1)):
                row = {"method": method, "split": split, "fold": fold, "seed": seed, "kernel_size": 151,
                       "accuracy": acc, "auc": acc, "sensitivity": acc, "specificity": acc,
                       "balanced_accuracy": acc, "majority_accuracy": 0.88, "n_train": 400, "n_test": 100,
                       "dead": method == "max" and fold == 0, "dead_attention": (method == "max" and fold == 0) if method in ("max", "l2") else np.nan,
                       "train_seconds": 60.0 if method == "classifier" else 195.0, "epochs": 3}
                if method == "l2":
                    row |= {"loc_auroc": 0.8 + 0.01 * fold, "grade_I": 0.4}
                rows.append(row)
                gap = 0.3 if method == "cascaded" else 0.0
                for epoch, (tr, ev) in enumerate(((0.5, 0.5), (0.2 + 0.01 * fold, 0.2 + gap)), 1):
                    curves.append({"method": method, "split": split, "fold": fold, "seed": seed, "kernel_size": 151,
                                   "epoch": epoch, "train_loss": tr, "eval_loss": ev})
    return pd.DataFrame(rows), pd.DataFrame(curves)


def _claims(table, curves):
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.studies.iclr.verdicts import chapter_budget, chapter_claims

    paper = {n.key: n.paper_value for n in PAPER_NUMBERS}
    budget = chapter_budget(table, kernel_size=151, epochs=3, lr=1e-3, schedule="cosine",
                            paper_reference=paper["iclr.mitdb.classifier.acc"])
    return budget, {c.key: c for c in chapter_claims(table, curves, budget, kernel_size=151, paper=paper)}


def test_chapter_claims_below_the_papers_budget_are_not_testable():
    from ecgstudy.metrics.stats import corrected_t_interval

    table, curves = _hand_made_grid(0.90)
    budget, claims = _claims(table, curves)
    # classifier alone 0.90-0.92 per run: the interval stays below the paper's 0.981
    assert not budget.reached and budget.reference.estimate == pytest.approx(0.91)
    # 195 s for 3 epochs = 65 s per epoch; 120 epochs = 2.17 h per U-Net run
    assert budget.epoch_seconds["l2"] == pytest.approx(65.0) and budget.paper_cost_hours()[0] == pytest.approx(
        120 * 65 / 3600)
    assert "2.2 CPU-h per U-Net run (65 s/epoch" in budget.would_change()
    gain = claims["iclr.l2_vs_classifier.accuracy"]
    assert gain.ours.estimate == pytest.approx(0.05) and gain.paper_value == pytest.approx(0.007)
    assert gain.verdict == "not testable at this budget" and gain.would_change == budget.would_change()
    value = claims["iclr.value.classifier.acc"]
    assert value.kind == "value" and value.null == pytest.approx(0.88) and value.numbers == ("iclr.mitdb.classifier.acc",)
    assert value.verdict == "not testable at this budget"
    ref = corrected_t_interval([0.9, 0.91, 0.92] * 2, n_train=400, n_test=100)
    assert (value.ours.low, value.ours.high) == pytest.approx((ref.low, ref.high))
    assert claims["iclr.cascaded_overfits"].ours.estimate == pytest.approx(0.30)  # gaps 0.29 vs -0.01
    assert claims["iclr.cascaded_overfits"].verdict == "not testable at this budget"
    # paired by fold and seed, with the corrected t of those pairs
    assert claims["iclr.cascaded_overfits"].ours.method.startswith("corrected resampled t")
    # the attention: AUROC - 0.5 over the L2 runs that learned (all 6), above 0: agrees at any budget
    att = claims["iclr.attention_segments"]
    assert att.ours.estimate == pytest.approx(0.31) and att.verdict == "agrees" and "6 of 6" in att.data
    assert claims["iclr.grade_I"].verdict == "not testable at this budget"
    # ours: record-wise 0.1 below segment-wise, Welch t
    leak = claims["iclr.leakage.l2"]
    assert leak.ours.estimate == pytest.approx(-0.15) and leak.verdict == "agrees"
    for c in claims.values():
        assert c.ours.low <= c.ours.estimate <= c.ours.high, c.key


def test_chapter_claims_at_the_papers_level_get_verdicts():
    table, curves = _hand_made_grid(0.97)  # classifier alone 0.97-0.99: reaches 0.981
    budget, claims = _claims(table, curves)
    assert budget.reached
    assert claims["iclr.l2_vs_classifier.accuracy"].verdict == "agrees"  # +0.05, every pair
    assert claims["iclr.l2_vs_cascaded.accuracy"].verdict == "agrees"
    # ReLU + max: identical to the classifier in every pair: a zero-width interval at 0
    assert claims["iclr.max_vs_classifier.accuracy"].verdict == "not detected"
    assert claims["iclr.cascaded_overfits"].verdict == "agrees"  # 0.30 larger gap
    # L2 accuracy 1.02-1.04 (hand-made) excludes the paper's 0.988: contradicts
    assert claims["iclr.value.l2.acc"].verdict == "contradicts"
    from ecgstudy.studies.iclr.verdicts import chapter_claims

    assert chapter_claims(table.iloc[:0], curves, budget, kernel_size=151, paper={}) == []


def test_health_counts_dead_runs_and_runs_that_learned_nothing():
    from ecgstudy.studies.iclr.tables import health_table, learned

    table, _ = _hand_made_grid(0.90)
    table.loc[(table["method"] == "l2") & (table["fold"] == 2), ["sensitivity", "specificity"]] = [1.0, 0.0]
    h = health_table(table, kernel_size=151).set_index(["split", "method"])
    mx = h.loc[("segment", "ReLU + max pooling")]
    assert (mx["runs"], mx["constant predictions"], mx["dead attention"], mx["learned"]) == (6, 2, 2, 4)
    l2 = h.loc[("segment", "L2-norm pooling")]
    assert l2["learned nothing (balanced accuracy <= 0.5)"] == 2 and l2["learned"] == 4
    assert h.loc[("segment", "Classifier only"), "dead attention"] == "n/a"
    assert learned(table).sum() == len(table) - 2 - 4  # 2 dead max runs, 4 L2 runs at 0.5 (segment + record)


def test_with_health_adds_the_majority_class_and_dead_runs():
    from ecgstudy.studies.iclr.tables import with_health

    table = pd.DataFrame({"method": ["max", "l2"], "split": "segment", "fold": 0, "seed": 0, "kernel_size": 151,
                          "accuracy": [0.5, 1.0], "run_id": ["a", "b"]})
    preds = pd.DataFrame({"method": ["max", "max", "l2", "l2"], "split": "segment", "fold": 0, "seed": 0,
                          "kernel_size": 151, "index": [0, 1, 0, 1], "prob_pvc": [0.3, 0.3, 0.9, 0.1],
                          "label": [1, 0, 1, 0]})
    out = with_health(table, preds, np.array([1, 0, 1, 1, 0]), {"a": True, "b": False})
    assert out["dead"].tolist() == [True, False] and out["dead_attention"].tolist() == [True, False]
    assert out["majority_accuracy"].tolist() == [0.5, 0.5]  # training segments 2-4: PVC; held out: 1 of 2


def test_held_out_outputs_store_finite_logits_where_probabilities_saturate():
    import torch

    from ecgstudy.models.iclr_joint import IclrOutput
    from ecgstudy.studies.iclr.run import held_out_outputs

    class Fixed(torch.nn.Module):
        def forward(self, x):
            logits = torch.stack([torch.zeros(len(x)), x[:, 0, 0]], dim=1)  # log-odds = the first sample
            return IclrOutput(torch.log_softmax(logits, dim=1), None, x)

    x = np.zeros((3, 1, 4), np.float32)
    x[:, 0, 0] = [0.0, 2.0, 40.0]
    probs, logit, attention = held_out_outputs(Fixed(), x)
    assert attention is None
    assert logit.tolist() == pytest.approx([0.0, 2.0, 40.0], abs=1e-4)
    assert probs[2, 1] == np.float32(1.0)  # saturated in float32; the logit keeps the ranking


def test_pooled_predictions_prefer_logits(tmp_path):
    from ecgstudy.studies.iclr.tables import _read_predictions

    np.savez(tmp_path / "a.npz", index=[0, 1], prob_pvc=np.float32([1.0, 1.0]), label=[1, 0],
             logit_pvc=np.float32([30.0, 20.0]))
    np.savez(tmp_path / "b.npz", index=[0, 1], prob_pvc=np.float32([0.9, 0.2]), label=[1, 0])
    a, b = _read_predictions(tmp_path / "a.npz"), _read_predictions(tmp_path / "b.npz")
    assert a["score"].tolist() == [30.0, 20.0] and a["has_logit"].all()
    assert b["score"].tolist() == pytest.approx([0.9, 0.2]) and not b["has_logit"].any()


def test_inventory_lists_every_figure_and_table_of_the_paper():
    from ecgstudy.studies.iclr.tables import inventory_table

    items = " ".join(inventory_table()["paper item"])
    for item in ("Figure 1", "Figure 2", "Figure 3", "Figure 4", "Figure 5", "Table 1", "Grade study"):
        assert item in items


@pytest.mark.slow
def test_smoke_page_prints_intervals_that_hold_their_estimates(tmp_path, monkeypatch):
    from ecgstudy.report import Table
    from ecgstudy.studies.iclr.chapter import summarise

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    p = get_experiment("iclr").params({"profile": "smoke", "data": "synthetic"})
    page = summarise(p, data_kind="synthetic", store=RunStore(tmp_path / "r"))
    tables = [v for v in page.shown.values() if isinstance(v, Table)]
    assert {"claims", "classification", "comparisons", "health", "inventory"} <= set(page.shown)
    assert page.shown["classification"].intervals and page.shown["comparisons"].intervals
    for table in tables:
        assert table.interval_errors() == []
    claims = page.metrics["claims"]
    assert claims and {c["key"] for c in claims} >= {"iclr.l2_vs_classifier.accuracy", "iclr.attention_segments"}
    for c in claims:
        if c["low"] is not None:
            assert c["low"] <= c["estimate"] <= c["high"], c["key"]


def test_constant_prediction_runs_find_dead_attention():
    from ecgstudy.studies.iclr.tables import constant_prediction_runs

    def run(method, fold, probs):
        return pd.DataFrame({"index": range(len(probs)), "prob_pvc": probs, "label": [1, 0, 1][:len(probs)],
                             "method": method, "split": "segment", "fold": fold, "seed": 1, "kernel_size": 151})

    preds = pd.concat([run("max", 0, [0.4321, 0.4321, 0.4321]), run("max", 1, [0.2, 0.9, 0.8]),
                       run("l2", 0, [0.5, 0.5 + 1e-3, 0.5])], ignore_index=True)
    dead = constant_prediction_runs(preds)
    assert dead[["method", "fold", "n"]].values.tolist() == [["max", 0, 3]]
    assert dead["prob_pvc"].iloc[0] == pytest.approx(0.4321)
    assert constant_prediction_runs(preds.iloc[:0]).empty


def test_localisation_table_and_kernel_ablation_average_over_runs():
    from ecgstudy.studies.iclr.tables import kernel_ablation, localisation_table

    t = pd.DataFrame({"method": ["l2", "l2", "max", "l2"], "split": ["segment"] * 4, "kernel_size": [151, 151, 151, 72],
                      "loc_mass_abnormal": [0.4, 0.6, 0.1, 0.9], "loc_baseline": [0.2, 0.2, 0.2, 0.2],
                      "loc_ratio": [2.0, 3.0, 0.5, 4.5], "loc_auroc": [0.7, 0.9, 0.5, 0.6],
                      "loc_pointing": [1.0, 0.0, 0.0, 1.0], "accuracy": [0.9, 0.8, 0.5, 0.7],
                      "specificity": [0.5, 0.5, 0.5, 0.5], "auc": [0.9, 0.9, 0.5, 0.8], "grade_I": [0.5, 0.3, 0, 0.1]})
    loc = localisation_table(t, kernel_size=151)
    l2 = loc[loc["method"] == "L2-norm pooling"].iloc[0]
    assert l2["mass in abnormal beats"] == pytest.approx(0.5) and l2["ratio"] == pytest.approx(2.5)
    assert loc["method"].tolist() == ["ReLU + max pooling", "L2-norm pooling"]
    by_k = kernel_ablation(t)
    assert by_k.index.tolist() == [72, 151]
    assert by_k.loc[151, "accuracy"] == pytest.approx(0.85) and by_k.loc[72, "grade_I"] == pytest.approx(0.1)


def test_classification_table_formats_mean_sd_and_pooled_intervals():
    from ecgstudy.report import Table
    from ecgstudy.studies.iclr.tables import CLASSIFICATION_INTERVALS, classification_table

    t = pd.DataFrame({"method": ["l2", "l2"], "split": ["segment"] * 2, "kernel_size": [151, 151], "fold": [0, 1],
                      "seed": [0, 0], "accuracy": [0.8, 1.0], "sensitivity": [1.0, 1.0], "specificity": [0.5, 1.0],
                      "auc": [0.9, 1.0]})
    # two runs, each holding out two of six segments; labels: PVC (1) is the majority of every training set
    lab = np.array([1, 1, 0, 1, 1, 1])
    preds = pd.DataFrame({"method": "l2", "split": "segment", "kernel_size": 151, "fold": [0, 0, 1, 1], "seed": 0,
                          "index": [0, 2, 1, 3], "label": [1, 0, 1, 1], "prob_pvc": [0.9, 0.1, 0.8, 0.7]})
    patients = np.array(["p1", "p2", "p3", "p4", "p5", "p6"])
    row = classification_table(t, preds, kernel_size=151, patient_of=patients, labels=lab).iloc[0]
    assert row["accuracy"] == "0.900 ± 0.141" and row["runs"] == 2 and row["patients"] == 4
    assert row["balanced accuracy"] == "0.875 ± 0.177"  # (1 + 0.5) / 2 and (1 + 1) / 2
    assert row["majority class"] == "0.750 ± 0.354"  # predicting PVC: 1 of 2, then 2 of 2 held-out segments
    assert row["runs below majority"] == "0 of 2"
    # every pooled prediction is right
    assert (row["pooled accuracy"], row["accuracy low"], row["accuracy high"]) == (1.0, 1.0, 1.0)
    wrong = preds.assign(prob_pvc=[0.9, 0.9, 0.8, 0.7])  # patient p2's only segment is misclassified
    frame = classification_table(t, wrong, kernel_size=151, patient_of=patients, labels=lab)
    row = frame.iloc[0]
    assert row["pooled accuracy"] == 0.75 and row["accuracy low"] < 0.75 <= row["accuracy high"]
    assert Table(frame, "", intervals=CLASSIFICATION_INTERVALS).interval_errors() == []
    assert Table(frame.assign(**{"accuracy high": 0.5}), "", intervals=CLASSIFICATION_INTERVALS).interval_errors()


@pytest.mark.slow
def test_validation_driven_run_records_convergence_ladder_and_weights(tmp_path, monkeypatch):
    from ecgstudy.checkpoints import read
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.iclr.run import reproduce

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("iclr-fold")
    spec = exp.spec({"profile": "smoke", "method": "l2", "split": "patient", "epochs": 4, "inner_folds": 4,
                     "patience": 2, "ladder": (1, 2, 3, 9), "keep_weights": True, "precision": "bf16",
                     "n_synthetic_segments": 60, "lr": 3e-3})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    curve = json.loads((rec.path / "curves.json").read_text())
    val = [r["val_loss"] for r in curve]
    assert m["last_epoch"] == len(curve) and m["precision"] == "bf16"
    assert m["best_epoch"] == 1 + int(np.argmin(val)) and m["best_val_loss"] == pytest.approx(min(val))
    assert m["stopped_by"] == ("patience" if len(curve) < 4 else "epoch_cap")
    assert m["n_train"] + m["n_val"] + m["n_test"] == 60
    # each rung keeps the lowest validation loss among its first epochs, as a run capped there would
    for rung, entry in m["ladder"].items():
        r = int(rung)
        assert r <= len(curve) or m["stopped_by"] == "patience"
        assert entry["kept_epoch"] == 1 + int(np.argmin(val[:r]))
    reached = [int(r) for r in m["ladder"]]
    assert reached == [r for r in (1, 2, 3, 9) if r <= len(curve) or m["stopped_by"] == "patience"]
    # the rung that keeps the run's own epoch scores what the run scores (fp32 weights vs float16-rounded ones)
    own = [e for e in m["ladder"].values() if e["kept_epoch"] == m["best_epoch"]]
    assert own and own[-1]["auc"] == pytest.approx(m["auc"], abs=0.02)
    with np.load(rec.path / "ladder.npz") as z:
        assert sorted(z.files) == sorted(f"logit_pvc_{r}" for r in m["ladder"])
    assert read(rec.path)["kwargs"]["method"] == "l2"
    for name, (stored, now) in reproduce(rec.path, resolve_data("synthetic", ("mitdb",))).items():
        assert now == pytest.approx(stored, abs=1e-6), name
    assert (rec.path / "progress.log").read_text().count("\n") == len(curve)


def test_fold_params_refuse_patience_without_validation_and_a_ladder_on_a_cosine_schedule():
    from ecgstudy.errors import ParameterError
    from ecgstudy.runs.params import validate
    from ecgstudy.studies.iclr.params import IclrFoldParams

    with pytest.raises(ParameterError, match="inner validation"):
        validate(IclrFoldParams, {"patience": 3})
    with pytest.raises(ParameterError, match="constant"):
        validate(IclrFoldParams, {"ladder": (3,), "lr_schedule": "cosine"})
    with pytest.raises(ParameterError, match="increasing"):
        validate(IclrFoldParams, {"ladder": (10, 3)})
    assert "ladder" not in IclrFoldParams().record() and IclrFoldParams(ladder=(3,)).record()["ladder"] == [3]


def _record(tmp_path, params: dict, metrics: dict, files: dict | None = None):
    """A finished ``iclr-fold`` run in ``tmp_path`` with the given parameters, metrics and ``.npz`` files."""
    from ecgstudy.runs.store import RunRecord, RunSpec

    spec = RunSpec("iclr-fold", {"kernel_size": 151, "seed": 0, "method": "l2", **params}, "real", "0")
    path = tmp_path / spec.run_id
    path.mkdir()
    (path / "metrics.json").write_text(json.dumps(metrics))
    for name, arrays in (files or {}).items():
        np.savez(path / name, **arrays)
    return RunRecord(spec, path, "done")


def test_patient_wise_runs_are_checked_for_leakage_like_record_wise_ones(tmp_path):
    from ecgstudy.studies.iclr.tables import patient_leakage

    runs = [_record(tmp_path, {"split": "patient", "fold": 0}, {"test_records": ["201", "202", "100"]}),
            _record(tmp_path, {"split": "patient", "fold": 1}, {"test_records": ["101"]}),
            _record(tmp_path, {"split": "record", "fold": 0}, {"test_records": ["201", "100"]}),
            _record(tmp_path, {"split": "record", "fold": 1}, {"test_records": ["202", "101"]})]
    leak = patient_leakage(runs, real=True, split="patient")
    assert (leak["split"], leak["runs"], leak["leaky"], leak["leaky_runs"]) == ("patient", 2, 0, [])
    rec = patient_leakage(runs, real=True)  # the record-wise runs split the man of 201 and 202
    assert (rec["runs"], rec["leaky"]) == (2, 2)
    # the universe of records: a patient-wise run that held out 201 without 202 would split that man
    bad = [_record(tmp_path, {"split": "patient", "fold": 2}, {"test_records": ["201"]})]
    assert patient_leakage(bad, real=True, split="patient")["leaky"] == 0  # 202 unknown: nothing to split
    assert patient_leakage(bad, real=True, split="patient", universe=["100", "201", "202"])["leaky"] == 1
    assert patient_leakage(bad, real=False, split="patient", universe=["100", "201", "202"])["leaky"] == 0


def test_the_grouped_split_is_patient_wise_where_the_build_has_it():
    from ecgstudy.studies.iclr.tables import method_comparisons
    from ecgstudy.studies.iclr.verdicts import leakage_claims

    table, curves = _hand_made_grid(0.90)
    patient = table.assign(split=table["split"].replace({"record": "patient"}))
    comp = method_comparisons(patient, kernel_size=151, splits=("segment", "patient"))
    grouped = comp[comp["split"] != "segment"]
    assert set(grouped["split"]) == {"patient"} and len(grouped) == 3 + 2 + 2
    assert grouped.set_index(["a", "b", "metric"]).loc[("l2", "classifier", "accuracy"), "mean_diff"] == \
        pytest.approx(0.0)  # both 0.1 below their segment-wise values
    assert method_comparisons(table, kernel_size=151)["split"].isin(["segment", "record"]).all()
    budget, _ = _claims(table, curves)
    leak = {c.key: c for c in leakage_claims(patient, budget, kernel_size=151, split="patient")}
    assert leak["iclr.leakage.l2"].claim.startswith("Ours: patient-wise folds score lower")
    assert leak["iclr.leakage.l2"].data == "MIT-BIH, patient-wise minus segment-wise runs"
    assert leak["iclr.leakage.l2"].ours.estimate == pytest.approx(-0.15)
    assert leakage_claims(patient, budget, kernel_size=151) == []  # no record-wise runs


def _converged_runs():
    """Validation-driven runs (cap 50): 3 segment-wise L2 runs, one ended by the cap, and 2 patient-wise
    classifier runs; one committed-style run of a fixed budget (3 epochs, no convergence keys)."""
    rows = [("segment", "l2", "a", 12, 20, "patience", 0), ("segment", "l2", "b", 20, 28, "patience", 2),
            ("segment", "l2", "c", 42, 50, "epoch_cap", 1), ("patient", "classifier", "d", 7, 15, "patience", 0),
            ("patient", "classifier", "e", 10, 18, "patience", 0)]
    driven = pd.DataFrame(rows, columns=["split", "method", "run_id", "best_epoch", "last_epoch", "stopped_by",
                                         "skipped_steps"]).assign(kernel_size=151, epochs=50)
    fixed = pd.DataFrame({"split": ["record"], "method": ["l2"], "run_id": ["old"], "kernel_size": [151],
                          "epochs": [3], "best_epoch": [np.nan], "last_epoch": [np.nan], "stopped_by": [np.nan],
                          "skipped_steps": [np.nan]})
    return driven, fixed


def test_convergence_table_counts_converged_runs_with_median_epochs_and_says_when_the_budget_was_fixed():
    from ecgstudy.studies.iclr.convergence import cap_text, capped_runs, convergence_table

    driven, fixed = _converged_runs()
    conv = convergence_table(pd.concat([driven, fixed], ignore_index=True)).set_index(["split", "method"])
    l2 = conv.loc[("segment-wise", "L2-norm pooling")]
    assert (l2["runs"], l2["converged (stopped by patience)"]) == (3, "2 of 3")
    assert l2["best epoch, median (min-max)"] == "20 (12-42)" and l2["last epoch, median (min-max)"] == "28 (20-50)"
    assert l2["skipped bf16 steps"] == 3
    cl = conv.loc[("patient-wise", "Classifier only")]
    assert cl["converged (stopped by patience)"] == "2 of 2" and cl["best epoch, median (min-max)"] == "8.5 (7-10)"
    old = conv.loc[("record-wise", "L2-norm pooling")]
    assert old["converged (stopped by patience)"] == "fixed budget of 3 epochs"
    assert (old["best epoch, median (min-max)"], old["last epoch, median (min-max)"]) == ("the last epoch", "3 (3-3)")
    assert old["skipped bf16 steps"] == "n/a"
    # a group holding both kinds counts the validation-driven runs and says how many more were fixed
    mixed = convergence_table(pd.concat([driven, fixed.assign(split="segment")], ignore_index=True))
    assert mixed.iloc[0]["converged (stopped by patience)"] == "2 of 3 (1 more of a fixed budget)"
    assert capped_runs(driven) == ["c"]
    assert cap_text(driven) == ("1 of the 5 validation-driven runs hit the epoch cap of 50 before patience stopped "
                                "it (c); the other 4 converged.")
    many = driven.assign(stopped_by="epoch_cap")
    assert cap_text(many, list_at_most=4) == ("5 of the 5 validation-driven runs hit the epoch cap of 50 before "
                                              "patience stopped them; none converged.")
    assert cap_text(fixed) == "The run trained a fixed budget of 3 epochs and kept the last epoch: no stopping rule ended it."
    assert convergence_table(driven.iloc[:0]).columns.tolist()[3] == "runs"


def test_run_table_reads_budget_params_and_convergence_keys_and_old_runs_get_their_defaults(tmp_path):
    from ecgstudy.studies.iclr.tables import run_table

    new = _record(tmp_path, {"split": "patient", "fold": 0, "epochs": 50, "lr": 3e-4, "lr_schedule": "constant",
                             "precision": "bf16", "inner_folds": 5, "patience": 8},
                  {"accuracy": 0.9, "best_epoch": 14, "last_epoch": 22, "stopped_by": "patience",
                   "skipped_steps": 1, "n_val": 400, "best_val_loss": 0.2})
    old = _record(tmp_path, {"split": "record", "fold": 0, "epochs": 3, "lr": 1e-3, "lr_schedule": "cosine"},
                  {"accuracy": 0.8})
    t = run_table([new, old]).set_index("split")
    assert t.loc["patient", ["patience", "precision", "best_epoch", "stopped_by", "skipped_steps"]].tolist() == \
        [8, "bf16", 14, "patience", 1]
    assert t.loc["record", "precision"] == "fp32" and t.loc["record", "inner_folds"] == 0  # the defaults
    assert pd.isna(t.loc["record", "patience"]) and pd.isna(t.loc["record", "stopped_by"])
    assert t.loc["record", ["epochs", "lr", "lr_schedule"]].tolist() == [3, 1e-3, "cosine"]


def test_the_budget_of_validation_driven_runs_is_read_from_their_params_and_metrics():
    from ecgstudy.studies.iclr.verdicts import chapter_budget

    table, _ = _hand_made_grid(0.90)
    # every run stopped by patience at epoch 13 + fold (the kept epoch 5 + fold): kept epochs 5, 6, 7 per seed
    driven = table.assign(epochs=50, lr=3e-4, lr_schedule="constant", patience=8, precision="bf16", inner_folds=5,
                          best_epoch=5 + table["fold"], last_epoch=13 + table["fold"], stopped_by="patience")
    budget = chapter_budget(driven, kernel_size=151, paper_reference=0.981)
    assert budget.validation_driven and budget.kept_epoch == 6
    assert budget.ours() == ("validation-driven: cap 50 epochs, patience 8, lr 3e-4 constant, bf16; median kept "
                             "epoch 6")
    assert budget.text().endswith("median kept epoch 6; paper 120 at 1e-05")
    assert budget.span() == "for up to 50 epochs, stopped by their validation loss, keeping epoch 6 at the median"
    assert budget.selection().startswith("a fifth of each training fold")
    # seconds per epoch trained: a U-Net run of 195 s over 13, 14 or 15 epochs: median 195 / 14
    assert budget.epoch_seconds["l2"] == pytest.approx(195 / 14)
    # the committed runs (fixed budget): read from the runs, not from the keyword values
    fixed = table.assign(lr=1e-3, lr_schedule="cosine", patience=np.nan, precision="fp32", inner_folds=0,
                         best_epoch=np.nan, last_epoch=np.nan)
    old = chapter_budget(fixed, kernel_size=151, paper_reference=0.981, epochs=50, lr=3e-4, schedule="constant",
                         patience=8)
    assert not old.validation_driven and old.ours() == "3 epochs at lr 0.001 (cosine)"
    assert old.span() == "for 3 epochs" and old.selection().startswith("the model of the last epoch")
    assert old.epoch_seconds["l2"] == pytest.approx(65.0)
    # no run yet: the keyword values (the profile's)
    none = chapter_budget(driven.iloc[:0], kernel_size=151, paper_reference=0.981, epochs=50, lr=3e-4,
                          schedule="constant", patience=8, precision="bf16", inner_folds=5)
    assert none.ours() == "validation-driven: cap 50 epochs, patience 8, lr 3e-4 constant, bf16; median kept epoch n/a"


def _ladder_grid():
    """The hand-made grid at the paper's level (classifier alone 0.97-0.99) as the runs' own selection, with a
    ladder whose rung 3 holds the grid below it (0.90-0.92) and rungs 10 and 30 the converged values."""
    from ecgstudy.studies.iclr.ladder_table import RUNG_METRICS

    table, curves = _hand_made_grid(0.97)
    table["run_id"] = [f"r{i}" for i in range(len(table))]
    low, _ = _hand_made_grid(0.90)
    parts = []
    for rung, source in ((3, low), (10, table), (30, table)):
        part = source[[*GRID, *RUNG_METRICS, "loc_auroc"]].assign(run_id=table["run_id"], rung=rung,
                                                                   kept_epoch=min(rung, 2), constant=False)
        parts.append(part)
    return table, curves, pd.concat(parts, ignore_index=True)


GRID = ["method", "split", "fold", "seed", "kernel_size"]


def _ladder(table, curves, rungs):
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.studies.iclr.ladder_table import budget_ladder
    from ecgstudy.studies.iclr.verdicts import chapter_budget, chapter_claims

    paper = {n.key: n.paper_value for n in PAPER_NUMBERS}
    budget = chapter_budget(table, kernel_size=151, epochs=3, lr=1e-3, schedule="constant",
                            paper_reference=paper["iclr.mitdb.classifier.acc"])
    converged = chapter_claims(table, curves, budget, kernel_size=151, paper=paper)
    return converged, budget_ladder(table, curves, rungs, converged, budget=budget, kernel_size=151, paper=paper)


def test_budget_ladder_recomputes_every_claim_at_each_rung_with_the_budget_rule():
    table, curves, rungs = _ladder_grid()
    converged, ladder = _ladder(table, curves, rungs)
    assert ladder.rungs == ("3 epochs", "10 epochs", "30 epochs", "converged")
    # at 3 epochs the classifier alone (0.90-0.92) does not reach the paper's 0.981: not testable; it is from 10 on
    gain = ladder.verdicts("iclr.l2_vs_classifier.accuracy")
    assert gain == {"3 epochs": "not testable at this budget", "10 epochs": "agrees", "30 epochs": "agrees",
                    "converged": "agrees"}
    f = ladder.frame.set_index(["key", "rung"])
    assert f.loc[("iclr.value.classifier.acc", "3 epochs"), "estimate"] == pytest.approx(0.91)
    assert f.loc[("iclr.value.classifier.acc", "converged"), "estimate"] == pytest.approx(0.98)
    assert f.loc[("iclr.l2_vs_classifier.accuracy", "3 epochs"), "estimate"] == pytest.approx(0.05)
    # the converged column is the claims at a glance, exactly
    for c in converged:
        if c.key != "iclr.grade_I":
            assert f.loc[(c.key, "converged"), "verdict"] == c.verdict
            assert f.loc[(c.key, "converged"), "low"] == c.ours.low
    # testable at any budget, or the same at every rung: budget-stable
    assert set(ladder.stable) == {"iclr.l2_vs_majority.accuracy", "iclr.l2_vs_majority.balanced_accuracy",
                                  "iclr.attention_segments", "iclr.leakage.classifier", "iclr.leakage.l2"}
    assert len(ladder.changed) == 17 and "iclr.cascaded_overfits" in ladder.changed
    assert ladder.left_out == {"iclr.grade_I": "the grades of the held-out segments are stored for the run's own "
                                               "weights only"}
    text = ladder.text()
    assert text.startswith("5 of 22 claims keep their verdict at every rung (3 epochs, 10 epochs, 30 epochs, "
                           "converged); these change: Joint learning (L2 pooling) beats the classifier alone in "
                           "accuracy (3 epochs: not testable at this budget; 10 epochs, 30 epochs, converged: agrees);")
    assert text.endswith("Left out of the ladder: Class I share: all normal beats suppressed, every abnormal beat "
                         "kept (the grades of the held-out segments are stored for the run's own weights only).")
    shown = ladder.table().frame.set_index("claim")
    assert shown.loc["Joint learning (L2 pooling) beats the classifier alone in accuracy", "3 epochs"] == \
        "+0.050 (+0.050 to +0.050): not testable at this budget"
    assert shown["same verdict at every rung"].tolist().count("yes") == 5
    frame = ladder.frame.dropna(subset=["low"])
    assert ((frame["low"] <= frame["estimate"] + 1e-12) & (frame["estimate"] <= frame["high"] + 1e-12)).all()
    assert ladder.metrics()["stable"] == list(ladder.stable)


def test_budget_ladder_uses_each_rungs_constant_predictions_and_says_what_it_cannot_rebuild():
    from ecgstudy.studies.iclr.ladder_table import NO_LADDER, budget_ladder, rung_table

    table, curves, rungs = _ladder_grid()
    # at rung 3 two L2 runs predicted one value for every segment: they did not learn, so the attention claim
    # counts 4 of 6 runs there (the run's own selection: 6 of 6)
    dead = (rungs["rung"] == 3) & (rungs["method"] == "l2") & (rungs["split"] == "segment") & (rungs["fold"] == 0)
    t3 = rung_table(table, rungs.assign(constant=dead), 3)
    assert t3["dead"].sum() == 2 and t3["dead_attention"].isna().all() and "grade_I" not in t3
    assert len(t3) == len(table) and t3["best_epoch"].eq(2).all()
    _, ladder = _ladder(table, curves, rungs.assign(constant=dead))
    f = ladder.frame.set_index(["key", "rung"])
    assert f.loc[("iclr.attention_segments", "3 epochs"), "n"] == 4
    assert f.loc[("iclr.attention_segments", "converged"), "n"] == 6
    # without a rung's logits the runs that learned are unknown there: that claim leaves the ladder
    _, unknown = _ladder(table, curves, rungs.assign(constant=None))
    assert "iclr.attention_segments" in unknown.left_out and "iclr.attention_segments" not in set(unknown.frame["key"])
    assert unknown.text().startswith("4 of 21 claims keep their verdict at every rung")
    assert unknown.text().endswith("Left out of the ladder: The L2 attention segments the abnormal beats: AUROC of "
                                   "attention against the abnormal-beat mask, minus 0.5 (chance) (the runs that "
                                   "learned need each rung's held-out logits (ladder.npz), missing in some run); "
                                   "Class I share: all normal beats suppressed, every abnormal beat kept (the grades "
                                   "of the held-out segments are stored for the run's own weights only).")
    # no ladder at all (the committed 3-epoch runs, smoke and demo builds)
    _, none = _ladder(table, curves, rungs.iloc[:0])
    assert none.rungs == () and none.frame.empty and not none.stable
    assert none.text() == NO_LADDER and none.table().frame.empty
    assert budget_ladder(table, curves, rungs, [], budget=None, kernel_size=151, paper={}).rungs == ()


def test_rung_frame_reads_each_runs_ladder_and_its_held_out_logits(tmp_path):
    from ecgstudy.studies.iclr.ladder_table import rung_frame

    entry = {"kept_epoch": 3, "accuracy": 0.8, "balanced_accuracy": 0.7, "auc": 0.75, "sensitivity": 0.9,
             "specificity": 0.5, "localisation": {"auroc": 0.6, "mass_abnormal": 0.3}}
    new = _record(tmp_path, {"split": "segment", "fold": 0},
                  {"accuracy": 0.9, "ladder": {"3": entry, "10": {**entry, "kept_epoch": 9, "accuracy": 0.85}}},
                  {"ladder.npz": {"logit_pvc_3": np.float32([-2.0, -2.0, -2.0]), "logit_pvc_10": np.float32([1, -1, 2])}})
    no_npz = _record(tmp_path, {"split": "segment", "fold": 1}, {"ladder": {"3": entry}})
    old = _record(tmp_path, {"split": "record", "fold": 0}, {"accuracy": 0.7})
    f = rung_frame([new, no_npz, old])
    assert f[["run_id", "rung", "kept_epoch", "accuracy"]].values.tolist() == [
        [new.spec.run_id, 3, 3, 0.8], [new.spec.run_id, 10, 9, 0.85], [no_npz.spec.run_id, 3, 3, 0.8]]
    assert f["constant"].tolist() == [True, False, None]
    assert f["loc_auroc"].tolist() == [0.6, 0.6, 0.6] and f["method"].eq("l2").all()
    assert rung_frame([old]).empty and "rung" in rung_frame([old])


@pytest.mark.slow
def test_a_validation_driven_patient_wise_smoke_page_shows_convergence_and_the_ladder(tmp_path, monkeypatch):
    from ecgstudy.report import Table
    from ecgstudy.studies.iclr.chapter import summarise
    from ecgstudy.studies.iclr.experiments import FOLD_PROFILES

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setitem(FOLD_PROFILES, "smoke", {**FOLD_PROFILES["smoke"], "epochs": 4, "lr": 3e-3, "lr_schedule": "constant",
                                                 "n_synthetic_segments": 60, "inner_folds": 4, "patience": 2,
                                                 "ladder": (1, 3)})
    p = get_experiment("iclr").params({"profile": "smoke", "data": "synthetic", "splits": ["segment", "patient"]})
    page = summarise(p, data_kind="synthetic", store=RunStore(tmp_path / "r"))
    g, metrics = page.glue, page.metrics
    assert metrics["n_runs"] == 6  # 4 methods segment-wise, the classifier and L2 patient-wise
    assert g["grouped_split"] == "patient-wise" and g["patient_leakage"] == (
        "None of the 2 patient-wise runs puts one patient on both sides of its split.")
    assert metrics["patient_leakage"]["split"] == "patient" and "patientwise" in metrics
    assert g["budget_ours"].startswith("validation-driven: cap 4 epochs, patience 2, lr 3e-3 constant, fp32; "
                                       "median kept epoch ")
    leak = {c["key"]: c for c in metrics["claims"]}["iclr.leakage.l2"]
    assert leak["claim"].startswith("Ours: patient-wise folds") and "patient-wise" in leak["data"]
    conv = page.shown["convergence"].frame
    assert conv["runs"].sum() == 6 and conv["split"].tolist().count("patient-wise") == 2
    ladder = metrics["budget_ladder"]
    assert ladder["rungs"] == ["1 epoch", "3 epochs", "converged"]
    assert isinstance(page.shown["ladder"], Table) and g["ladder_text"].split(" of ")[0].isdigit()
    assert ladder["left_out"]["iclr.grade_I"].startswith("the grades")
    for row in ladder["claims"]:
        if row["low"] is not None:
            assert row["low"] - 1e-12 <= row["estimate"] <= row["high"] + 1e-12, row
    converged = {c["key"]: c["verdict"] for c in metrics["claims"]}
    for row in ladder["claims"]:
        if row["rung"] == "converged":
            assert row["verdict"] == converged[row["key"]]


def test_the_overfitting_claim_pairs_cascaded_and_classifier_by_fold_and_seed():
    from ecgstudy.metrics.stats import corrected_t_interval, welch_t_interval
    from ecgstudy.studies.iclr.verdicts import overfitting_claim

    rows = []
    gaps = {"cascaded": [0.30, 0.25, 0.40, 0.35], "classifier": [0.05, 0.02, 0.12, 0.06]}
    for method, values in gaps.items():
        for fold, gap in enumerate(values):
            for epoch in (1, 2):  # the last epoch is read
                rows.append({"method": method, "split": "segment", "kernel_size": 151, "fold": fold, "seed": 0,
                             "epoch": epoch, "train_loss": 0.1, "eval_loss": 0.1 + (gap if epoch == 2 else 9.0)})
    curves = pd.DataFrame(rows)
    budget, _ = _claims(*_hand_made_grid(0.90))
    paired = overfitting_claim(curves, budget, kernel_size=151, units=(400, 100)).ours
    d = np.array(gaps["cascaded"]) - np.array(gaps["classifier"])
    want = corrected_t_interval(d, n_train=400, n_test=100)
    assert (paired.estimate, paired.low, paired.high) == pytest.approx((want.estimate, want.low, want.high))
    unpaired = overfitting_claim(curves, budget, kernel_size=151).ours  # no fold sizes: Welch over the two sets
    assert unpaired.low == pytest.approx(welch_t_interval(gaps["cascaded"], gaps["classifier"]).low)
