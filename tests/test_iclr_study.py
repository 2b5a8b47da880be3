"""The ICLR chapter's grid, summaries and one smoke fold run (synthetic data)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ecgstudy.metrics import paired_test
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


def test_compare_methods_pairs_runs_by_fold_and_seed():
    rows = []
    acc_l2 = {(0, 0): 0.95, (1, 0): 0.97, (2, 0): 0.96, (0, 1): 0.94}
    acc_cl = {(0, 0): 0.90, (1, 0): 0.93, (2, 0): 0.91, (1, 1): 0.50}  # (0, 1) / (1, 1) have no partner
    for method, accs in (("l2", acc_l2), ("classifier", acc_cl)):
        for (fold, seed), acc in accs.items():
            rows.append({"method": method, "split": "segment", "fold": fold, "seed": seed, "kernel_size": 151,
                         "accuracy": acc, "auc": acc})
    rows.append({"method": "classifier", "split": "record", "fold": 0, "seed": 0, "kernel_size": 151,
                 "accuracy": 0.1, "auc": 0.1})  # another split: ignored
    rows.append({"method": "l2", "split": "segment", "fold": 0, "seed": 0, "kernel_size": 72,
                 "accuracy": 0.1, "auc": 0.1})  # another kernel: ignored
    t = pd.DataFrame(rows)
    c = compare_methods(t, a="l2", kernel_size=151, n_boot=200).set_index("metric")
    ref = paired_test([0.95, 0.97, 0.96], [0.90, 0.93, 0.91], n_boot=200)
    assert c.loc["accuracy", "n"] == 3
    assert c.loc["accuracy", "mean_diff"] == pytest.approx(0.0466666, abs=1e-6) == ref["mean_diff"]
    assert (c.loc["accuracy", "low"], c.loc["accuracy", "high"]) == pytest.approx((ref["low"], ref["high"]))
    assert c.loc["accuracy", "verdict"] == "higher"
    one = compare_methods(t[~t["fold"].isin([1, 2])], a="l2", kernel_size=151).iloc[0]
    assert one["n"] == 1 and one["verdict"] == "too few runs"
    assert compare_methods(t.iloc[:0], a="l2", kernel_size=151).empty


def test_doctests_pass():
    import doctest

    from ecgstudy.studies.iclr import chapter, data, run, tables, verdicts

    results = [doctest.testmod(m, optionflags=doctest.ELLIPSIS) for m in (chapter, data, run, tables, verdicts)]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) > 0


def test_chapter_verdicts_on_a_hand_made_grid():
    from ecgstudy.studies.iclr.verdicts import chapter_verdicts

    rows, curves = [], []
    for seed in range(2):
        for fold in range(3):
            base = 0.90 + 0.01 * fold
            for method, split, acc in (("classifier", "segment", base), ("l2", "segment", base + 0.05),
                                       ("cascaded", "segment", base), ("classifier", "record", base - 0.1),
                                       ("l2", "record", base - 0.1)):
                row = {"method": method, "split": split, "fold": fold, "seed": seed, "kernel_size": 151,
                       "accuracy": acc, "auc": acc}
                if method == "l2":
                    row |= {"loc_auroc": 0.8 + 0.01 * fold, "loc_ratio": 3.0, "grade_I": 0.4}
                rows.append(row)
                gap = 0.3 if method == "cascaded" else 0.0
                curves.append({"method": method, "split": split, "fold": fold, "seed": seed, "kernel_size": 151,
                               "epoch": 1, "train_loss": 0.5, "eval_loss": 0.5})
                curves.append({"method": method, "split": split, "fold": fold, "seed": seed, "kernel_size": 151,
                               "epoch": 2, "train_loss": 0.2 + 0.01 * fold, "eval_loss": 0.2 + gap})
    v = chapter_verdicts(pd.DataFrame(rows), pd.DataFrame(curves), kernel_size=151, epochs=3, n_boot=200)
    m = v["metrics"]
    joint = {r["metric"]: r for r in m["joint_vs_classifier"]}
    assert joint["accuracy"]["mean_diff"] == pytest.approx(0.05) and joint["accuracy"]["verdict"] == "higher"
    assert m["accuracy_classifier"]["ours"] == pytest.approx(0.91) and m["accuracy_classifier"]["position"] == "below"
    # last-epoch gaps: cascaded 0.3 - 0.01 fold (mean 0.29), classifier -0.01 fold (mean -0.01)
    gap = m["cascaded_gap"]
    assert gap["cascaded"] == pytest.approx(0.29) and gap["classifier"] == pytest.approx(-0.01)
    assert m["cascaded_gap"]["mean_diff"] == pytest.approx(0.30)
    assert m["record_minus_segment_l2"]["mean_diff"] == pytest.approx(-0.15)
    assert m["attention"]["auroc"] == pytest.approx(0.81) and m["attention"]["class_I_percent"] == pytest.approx(40)
    md = v["markdown"]
    assert md.startswith("1. *Joint learning") and "**agrees**" in md and "below it" in md and "prefers" in md
    assert chapter_verdicts(pd.DataFrame(), pd.DataFrame(), kernel_size=151, epochs=3)["metrics"] == {}


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
    from ecgstudy.studies.iclr.tables import classification_table

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
    assert row["pooled accuracy (95% CI)"] == "1.000 (1.000-1.000)"  # every pooled prediction is right
    wrong = preds.assign(prob_pvc=[0.9, 0.9, 0.8, 0.7])  # patient p2's only segment is misclassified
    row = classification_table(t, wrong, kernel_size=151, patient_of=patients, labels=lab).iloc[0]
    estimate, interval = row["pooled accuracy (95% CI)"].split(" (")
    low, high = (float(v) for v in interval.rstrip(")").split("-"))
    assert estimate == "0.750" and low <= 0.75 <= high and low < high  # the interval holds its estimate
