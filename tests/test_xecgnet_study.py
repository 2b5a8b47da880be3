"""The xECGNet chapter: record split, paired gamma effects, the verdict, early stopping, one smoke run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ecgstudy.experiments import get_experiment
from ecgstudy.runs.store import RunStore
from ecgstudy.studies.xecgnet.chapter import grid_jobs
from ecgstudy.studies.xecgnet.params import XecgChapterParams
from ecgstudy.studies.xecgnet.tables import convergence, gamma_effect, validation_jumps
from ecgstudy.studies.xecgnet.verdicts import chapter_summary, convergence_text
from ecgstudy.studies.xecgnet.data import record_split


def test_record_split_keeps_records_apart_and_puts_shared_classes_in_test():
    # 10 records x 10 windows; class 1 only in records r0 and r1, class 2 only in r9 (one record).
    rec = np.repeat([f"r{i}" for i in range(10)], 10)
    y = np.zeros((100, 3), np.uint8)
    y[:, 0] = 1
    y[(rec == "r0") | (rec == "r1"), 1] = 1
    y[rec == "r9", 2] = 1
    for seed in range(5):
        m = record_split(rec, y, seed=seed, test_frac=0.25, val_frac=0.1)
        assert (m["train"].astype(int) + m["val"] + m["test"] == 1).all()  # a partition
        sides = [set(rec[m[s]]) for s in ("train", "val", "test")]
        assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
        assert y[m["test"], 1].any() and y[m["train"], 1].any()  # class 1 on both sides
        assert m["test"].sum() >= 25 and m["val"].sum() >= 10
    again = record_split(rec, y, seed=3)
    assert all((again[s] == record_split(rec, y, seed=3)[s]).all() for s in again)


def _table(diffs: list[float], base: float = 0.7) -> pd.DataFrame:
    rows = []
    for seed, d in enumerate(diffs):
        rows.append({"dataset": "ptbxl", "gamma": 0.0, "regulariser": "paper", "seed": seed, "multi_acc": base})
        rows.append({"dataset": "ptbxl", "gamma": 0.01, "regulariser": "paper", "seed": seed, "multi_acc": base + d})
    rows.append({"dataset": "ptbxl", "gamma": 0.01, "regulariser": "paper", "seed": 99, "multi_acc": 1.0})  # unpaired
    return pd.DataFrame(rows)


def test_gamma_effect_pairs_by_seed_and_drops_unpaired_runs():
    e = gamma_effect(_table([0.01, 0.02, 0.03, 0.04, 0.05]), metric="multi_acc").iloc[0]
    assert e["n"] == 5 and e["mean_gamma0"] == pytest.approx(0.7)
    assert e["diff"] == pytest.approx(0.03) and e["mean"] == pytest.approx(0.73)
    # paired Student t over 5 seeds: 0.03 ± t(0.975, 4) * sd / sqrt(5) = 0.03 ± 0.0196; no Wilcoxon p (>= 0.0625)
    assert (e["low"], e["high"]) == pytest.approx((0.01037, 0.04963), abs=1e-5) and "p_value" not in e


def _sweep(best_diffs: list[float]) -> pd.DataFrame:
    """Five seeds; gamma 0.1 moves by ``best_diffs``, the other four gammas (0.01 among them) by noise."""
    noise = [0.02, -0.03, 0.01, -0.02, 0.0]
    rows = []
    for seed in range(5):
        rows.append({"dataset": "ptbxl", "gamma": 0.0, "regulariser": "paper", "seed": seed, "multi_acc": 0.7})
        for g in (0.001, 0.01, 0.1, 1.0, 10.0):
            d = best_diffs[seed] if g == 0.1 else noise[seed]
            rows.append({"dataset": "ptbxl", "gamma": g, "regulariser": "paper", "seed": seed, "multi_acc": 0.7 + d})
    return pd.DataFrame(rows)


def test_gamma_effect_adjusts_the_interval_for_the_number_of_gammas():
    e = gamma_effect(_sweep([0.06, 0.05, 0.04, 0.03, 0.03]), metric="multi_acc").set_index("gamma")
    assert (e["k"] == 5).all()
    assert e.loc[0.1, "low"] == pytest.approx(0.0258, abs=1e-4)  # 95 % paired t
    assert e.loc[0.1, "low_adj"] == pytest.approx(0.0152, abs=1e-4)  # 99 % = 95 % / 5 gammas
    one = gamma_effect(_table([0.01, 0.02, 0.03, 0.04, 0.05]), metric="multi_acc").iloc[0]
    assert one["k"] == 1 and (one["low_adj"], one["high_adj"]) == (one["low"], one["high"])


def test_a_best_gamma_picked_after_the_fact_must_pass_the_adjusted_interval():
    def summary(diffs):
        t = _sweep(diffs)
        return chapter_summary(t, gamma_effect(t, metric="multi_acc").assign(metric="multi_acc"))

    marginal = summary([0.06, 0.05, 0.04, 0.03, -0.02])
    assert "The best of its 5 gammas, 0.1, changes it by +0.032" in marginal["best_text"]
    assert "the paper's gamma (0.01) changes multi-label subset accuracy by -0.004 (95 % CI -0.030 to +0.022, " \
           "paired Student t over 5 seeds)" in marginal["best_text"]
    assert "adjusted interval, -0.032 to +0.096, which includes 0." in marginal["best_text"]
    clear = summary([0.06, 0.05, 0.04, 0.03, 0.03])  # adjusted interval +0.015 to +0.069
    assert "adjusted interval, +0.015 to +0.069, which lies above 0." in clear["best_text"]
    assert "not reproduced" not in marginal["best_text"] + clear["best_text"]


def test_summary_metrics_are_keyed_as_the_scorecard_reads_them():
    t = _table([0.1, 0.1, 0.1]).assign(subset_acc=0.5, micro_f1=0.8, **{"f1.NORM": 0.9})
    m = chapter_summary(t, pd.DataFrame())["metrics"]
    assert m["ptbxl"]["gamma_0.01"]["acc"] == 0.5 and m["ptbxl"]["gamma_0"]["f1"] == {"NORM": 0.9}
    assert m["ptbxl"]["gamma_0.01"]["n_seeds"] == 4


def test_convergence_counts_early_stops_and_runs_still_improving_per_dataset():
    t = pd.DataFrame({"dataset": ["ptbxl"] * 3 + ["mitdb"] * 2,
                      "best_epoch": [20, 14, 6, 3, 9], "epochs_run": [20, 20, 12, 9, 10]})
    c = convergence(t, max_epochs={"ptbxl": 20, "mitdb": 10}).set_index("dataset")
    assert c.loc["ptbxl", ["n", "stopped", "capped", "best_last"]].tolist() == [3, 1, 2, 1]
    assert c.loc["mitdb", ["n", "stopped", "capped", "best_last"]].tolist() == [2, 1, 1, 0]
    assert c.loc["ptbxl", "median_best_epoch"] == 14 and c.loc["mitdb", "median_best_epoch"] == 6
    text = convergence_text(t, max_epochs=20, names={"ptbxl": "P", "mitdb": "M"})
    assert "on the P, 1 of 3 runs stopped early, 1 scored best on validation at the last epoch allowed (20)" in text
    assert "on the M, 2 of 2 runs stopped early" in text
    assert convergence_text(t.iloc[0:0], max_epochs=20) == ""


def test_convergence_says_when_every_run_kept_its_final_weights():
    t = pd.DataFrame({"dataset": ["ptbxl", "ptbxl", "mitdb", "mitdb"], "best_epoch": [20, 14, 20, 20],
                      "epochs_run": [20, 20, 20, 20], "selection": ["val_micro_f1"] * 2 + ["last_epoch"] * 2})
    c = convergence(t, max_epochs=20).set_index("dataset")
    assert c.loc["mitdb", "fixed"] == 2 and c.loc["ptbxl", "fixed"] == 0
    text = convergence_text(t, max_epochs=20, names={"ptbxl": "P", "mitdb": "M"})
    assert "on the M, all 2 runs trained the 20 epochs and kept the final weights" in text
    assert "on the P, 0 of 2 runs stopped early, 1 scored best" in text


def test_validation_jumps_take_the_largest_change_between_consecutive_epochs(tmp_path):
    from types import SimpleNamespace

    (tmp_path / "curves.json").write_text(json.dumps([{"val_micro_f1": v} for v in (0.2, 0.6, 0.5, 0.1)]))
    spec = SimpleNamespace(experiment="xecgnet-mitdb", params={"seed": 3, "gamma": 0.1, "regulariser": "paper"})
    done = SimpleNamespace(ok=True, path=tmp_path, spec=spec)
    failed = SimpleNamespace(ok=False, path=tmp_path, spec=spec)
    j = validation_jumps([done, failed])
    assert len(j) == 1 and j.iloc[0]["dataset"] == "mitdb" and j.iloc[0]["seed"] == 3
    assert j.iloc[0]["largest_jump"] == pytest.approx(0.4)


def test_selection_deviation_names_the_fixed_budget_datasets_with_their_jumps():
    from ecgstudy.studies.xecgnet.params import XecgRunParams
    from ecgstudy.studies.xecgnet.verdicts import selection_deviation

    params = {"ptbxl": XecgRunParams(profile="cpu"), "mitdb": XecgRunParams(profile="cpu", selection="last_epoch",
                                                                            max_epochs=20)}
    jumps = pd.DataFrame({"dataset": ["mitdb"] * 3 + ["ptbxl"], "largest_jump": [0.1, 0.3, 0.5, 0.9]})
    text = selection_deviation(params, jumps, {"ptbxl": "P", "mitdb": "M"})
    assert text.startswith("Model selection on the M: the `cpu` profile keeps the final weights of 20 epochs")
    assert "was 0.30 in the median run of 3 (at most 0.50)" in text and "the P" not in text
    assert selection_deviation({"ptbxl": params["ptbxl"]}, jumps) == ""


def test_cpu_is_validation_driven_and_the_former_budget_gives_back_the_former_runs():
    from ecgstudy.runs.params import values_for
    from ecgstudy.studies.xecgnet.experiments import FORMER_CPU, RUNS
    from ecgstudy.studies.xecgnet.params import XecgRunParams

    assert "selection" not in XecgRunParams().record()  # added later: absent at its default
    assert XecgRunParams(selection="last_epoch").record()["selection"] == "last_epoch"
    mitdb = get_experiment("xecgnet-mitdb").params({"profile": "cpu"})
    ptbxl = get_experiment("xecgnet-ptbxl").params({"profile": "cpu"})
    for p in (mitdb, ptbxl):
        assert (p.selection, p.patience, p.max_epochs, p.lr, p.precision, p.ladder, p.bn_stats) == \
            ("val_bce", 20, 150, 3e-4, "bf16", (3, 10, 30), "exact")
    assert (mitdb.val_frac, mitdb.split_unit, ptbxl.val_frac) == (0.25, "patient", 0.1)
    assert RUNS["mitdb"].extend_capped.raised(150) == 450
    # the former budget, per dataset: MIT-BIH trained a fixed 20 epochs, PTB-XL stopped by validation micro-F1
    former = {ds: RUNS[ds].params({"profile": "cpu", **values_for(FORMER_CPU, ds, RUNS)}) for ds in RUNS}
    assert (former["mitdb"].selection, former["mitdb"].patience, former["mitdb"].split_unit) == \
        ("last_epoch", None, "record")
    assert (former["ptbxl"].selection, former["ptbxl"].patience, former["ptbxl"].max_epochs) == ("val_micro_f1", 6, 20)
    for p in former.values():  # recorded as the former runs were: the fields added since at their defaults
        assert not {"selection", "precision", "ladder", "val_frac", "split_unit", "bn_stats"} & set(p.record()) - \
            {"selection"}
        assert p.record().get("selection", "val_micro_f1") == p.selection


def test_precision_and_keep_weights_are_left_out_of_the_record_at_their_defaults():
    from ecgstudy.studies.xecgnet.params import XecgRunParams

    record = XecgRunParams().record()
    assert "precision" not in record and "keep_weights" not in record
    changed = XecgRunParams(precision="bf16", keep_weights=True).record()
    assert (changed["precision"], changed["keep_weights"]) == ("bf16", True)
    assert XecgRunParams.added_fields == ("selection", "split_unit", "precision", "keep_weights", "ladder", "val_frac",
                                          "bn_stats")
    assert "val_frac" not in record and XecgRunParams(val_frac=0.25).record()["val_frac"] == 0.25
    assert "ladder" not in record and XecgRunParams(ladder=(3, 10)).record()["ladder"] == [3, 10]


def test_committed_run_ids_are_recomputed_unchanged():
    from ecgstudy.paths import PROJECT_ROOT
    from ecgstudy.runs.store import RunSpec, read_run_info
    from ecgstudy.studies.xecgnet.params import XecgRunParams

    infos = [read_run_info(p) for p in sorted((PROJECT_ROOT / "results" / "real").glob("xecgnet-*/*/run.json"))]
    if not infos:
        pytest.skip("no committed xECGNet run")
    for info in infos:
        params = XecgRunParams.model_validate(info["params"])
        spec = RunSpec(info["experiment"], params.record(), info["data_kind"], info["data_checksum"],
                       code_version=info["code_version"])
        assert spec.run_id == info["run_id"], info["run_id"]


def _smoke_run(tmp_path, monkeypatch, **values):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("xecgnet-mitdb")
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "gamma": 0.01, **values})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    return rec


@pytest.mark.slow
def test_a_bf16_run_records_its_precision_and_trains_differently_from_fp32(tmp_path, monkeypatch):
    runs = {p: _smoke_run(tmp_path, monkeypatch, precision=p) for p in ("fp32", "bf16")}
    assert runs["bf16"].spec.params["precision"] == "bf16" and "precision" not in runs["fp32"].spec.params
    for precision, rec in runs.items():
        m = rec.metrics()
        assert (m["precision"], m["best_epoch"], m["last_epoch"], m["stopped_by"], m["epochs_run"]) == \
            (precision, 1, 1, "epoch_cap", 1)
        assert not (rec.path / "weights.pt").exists()
    probs = {}
    for precision, rec in runs.items():
        with np.load(rec.path / "predictions.npz") as z:
            probs[precision] = z["probs"].copy()
    assert probs["fp32"].shape == probs["bf16"].shape and not np.array_equal(probs["fp32"], probs["bf16"])


@pytest.mark.slow
def test_kept_weights_reproduce_the_stored_test_metrics(tmp_path, monkeypatch):
    from ecgstudy import checkpoints
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.xecgnet.data import load_data
    from ecgstudy.studies.xecgnet.params import XecgRunParams
    from ecgstudy.studies.xecgnet.run import reproduce
    from ecgstudy.training import field, predict

    rec = _smoke_run(tmp_path, monkeypatch, keep_weights=True, max_epochs=2)
    m = rec.metrics()
    curve = json.loads((rec.path / "curves.json").read_text())
    val = [row["val_micro_f1"] for row in curve]
    assert (m["last_epoch"], m["epochs_run"], m["stopped_by"], m["precision"]) == (2, 2, "epoch_cap", "fp32")
    assert m["best_epoch"] == 1 + val.index(max(val))  # the first of the best validation micro-F1s
    lines = (rec.path / "progress.log").read_text().splitlines()
    assert [line.split()[:3] for line in lines] == [["epoch", "1", "train_total"], ["epoch", "2", "train_total"]]
    assert f"val_micro_f1 {val[1]:.4f}" in lines[1]
    ckpt = checkpoints.read(rec.path)
    assert ckpt["builder"] == "xecgnet"
    assert ckpt["kwargs"] == {"in_leads": 2, "n_classes": len(m["class_names"]), "pool_sizes": [3, 3, 3, 1, 1],
                              "attention_head": "authors_code"}
    got = reproduce(rec.path, resolve_data("synthetic", ("mitdb",)))
    assert set(got) == {"micro_f1", "macro_f1", "subset_acc", "multi_acc", "single_acc"}
    for name, (stored, now) in got.items():
        assert stored == m[name] and now == pytest.approx(stored, abs=1e-6, nan_ok=True), name
    # the stored predictions are the checkpoint's own, bit for bit
    data = load_data("mitdb", XecgRunParams.model_validate(rec.spec.params), resolve_data("synthetic", ("mitdb",)))
    probs = predict(checkpoints.load(rec.path), data.x["test"], fields={"probs": field("probs")})["probs"]
    with np.load(rec.path / "predictions.npz") as z:
        assert np.array_equal(probs, z["probs"])


def test_doctests_pass():
    import doctest

    from ecgstudy.studies.xecgnet import params, tables, verdicts

    for module in (params, tables, verdicts):
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, module.__name__


def test_grid_is_seed_major_and_adds_the_authors_regulariser():
    p = XecgChapterParams(profile="cpu", datasets=("ptbxl", "mitdb"), gammas=(0.0, 0.01), seeds=(0, 1),
                          authors_code_gammas=(0.01,))
    specs = [job.spec for job in grid_jobs(p, p.datasets)]
    assert len(specs) == 2 * 2 * (2 + 1)
    assert [s.params["seed"] for s in specs] == sorted(s.params["seed"] for s in specs)
    assert sum(s.params["regulariser"] == "authors_code" for s in specs) == 4
    assert {s.experiment for s in specs} == {"xecgnet-ptbxl", "xecgnet-mitdb"}


class _Stepper(nn.Module):
    """probs follow a parameter that the loss drives up and down on schedule (to test selection)."""

    def __init__(self):
        super().__init__()
        self.p = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        probs = torch.sigmoid(self.p).expand(len(x), 1)
        return type("Out", (), {"probs": probs})()


def test_early_stopping_restores_the_best_validation_epoch():
    from ecgstudy.training.multilabel import MultiLabelConfig, train_multilabel

    x = np.zeros((4, 1, 2), np.float32)
    y = np.ones((4, 1), np.uint8)
    calls = {"n": 0}

    def loss_fn(out, yb):  # epoch 1 pushes p up (val F1 = 1), later epochs push it down (F1 = 0)
        calls["n"] += 1
        sign = -1.0 if calls["n"] == 1 else 1.0
        total = sign * out.probs.mean() * 10
        return type("L", (), {"total": total})()

    model = _Stepper()
    hist = train_multilabel(model, x, y, x, y, MultiLabelConfig(max_epochs=10, patience=2, lr=1.0, batch_size=4),
                            loss_fn=loss_fn)
    assert hist.best_epoch == 1 and hist.best_val_micro_f1 == 1.0
    assert hist.stopped_early and len(hist.epochs) == 3  # epochs 2 and 3 without improvement
    assert model.p.item() > 0  # the weights of epoch 1 are back
    assert hist.convergence() == {"best_epoch": 1, "last_epoch": 3, "stopped_by": "patience", "skipped_steps": 0}


def test_selection_last_trains_every_epoch_and_keeps_the_final_weights():
    from ecgstudy.training.multilabel import MultiLabelConfig, train_multilabel

    x = np.zeros((4, 1, 2), np.float32)
    y = np.ones((4, 1), np.uint8)
    calls = {"n": 0}

    def loss_fn(out, yb):  # as above: epoch 1 is the best on validation, later epochs are worse
        calls["n"] += 1
        total = (-1.0 if calls["n"] == 1 else 1.0) * out.probs.mean() * 10
        return type("L", (), {"total": total})()

    model = _Stepper()
    config = MultiLabelConfig(max_epochs=10, patience=1, lr=1.0, batch_size=4, selection="last_epoch")
    hist = train_multilabel(model, x, y, x, y, config, loss_fn=loss_fn)
    assert len(hist.epochs) == 10 and not hist.stopped_early  # patience is ignored
    assert hist.best_epoch == 10 and hist.best_val_micro_f1 == 0.0 and hist.epochs[0].val_micro_f1 == 1.0
    assert model.p.item() < 0  # the final weights stay
    assert hist.convergence() == {"best_epoch": 10, "last_epoch": 10, "stopped_by": "epoch_cap", "skipped_steps": 0}
    with pytest.raises(ValueError, match="selection"):
        MultiLabelConfig(selection="best")
    with pytest.raises(ValueError, match="precision"):
        MultiLabelConfig(precision="fp16")


def test_multilabel_precision_reaches_the_training_forward_pass_only():
    from ecgstudy.training.multilabel import MultiLabelConfig, train_multilabel

    seen: list[tuple[bool, torch.dtype]] = []

    class Probe(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            logits = self.fc(x[:, 0])
            seen.append((self.training, logits.dtype))
            return type("Out", (), {"probs": torch.sigmoid(logits.float())})()

    def loss_fn(out, yb):
        return type("L", (), {"total": F.binary_cross_entropy(out.probs, yb)})()

    x = np.ones((4, 1, 2), np.float32)
    y = np.ones((4, 1), np.uint8)
    for precision, train_dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
        seen.clear()
        config = MultiLabelConfig(max_epochs=2, patience=None, lr=0.1, batch_size=2, precision=precision)
        train_multilabel(Probe(), x, y, x, y, config, loss_fn=loss_fn)
        # 2 epochs x (2 training batches in autocast, 1 float32 validation batch)
        assert seen == [(True, train_dtype)] * 2 + [(False, torch.float32)] + [(True, train_dtype)] * 2 + \
            [(False, torch.float32)], precision


@pytest.mark.slow
def test_smoke_run_writes_its_record_and_is_reproducible(tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("xecgnet-mitdb")
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "gamma": 0.01})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert {"micro_f1", "macro_f1", "subset_acc", "multi_acc", "f1", "best_epoch"} <= set(m)
    assert m["n"] == m["counts"]["test"] and set(m["f1"]) == set(m["class_names"])
    assert "coverage_attention" in m and "coverage_response" in m
    with np.load(rec.path / "maps.npz") as z:
        assert z["attention"].shape[0] == m["n"] and len(z["multi_index"]) == m["n_multi"]
    curve = json.loads((rec.path / "curves.json").read_text())
    assert len(curve) == 1 and {"train_total", "train_reg", "val_micro_f1"} <= set(curve[0])
    with np.load(rec.path / "predictions.npz") as z:
        first = z["probs"].copy()
    again = store.execute(spec, lambda d: exp.work(spec, d), force=True)
    with np.load(again.path / "predictions.npz") as z:
        np.testing.assert_allclose(z["probs"], first, atol=2e-3)  # same up to float rounding


@pytest.mark.slow
def test_ladder_rungs_keep_the_best_validation_micro_f1_a_capped_run_would_keep(tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("xecgnet-mitdb")
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "gamma": 0.01, "max_epochs": 4, "patience": 2,
                     "lr": 3e-3, "ladder": (1, 2, 3, 4, 9)})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    f1 = [r["val_micro_f1"] for r in json.loads((rec.path / "curves.json").read_text())]
    assert m["last_epoch"] == len(f1) and m["best_epoch"] == 1 + int(np.argmax(f1))
    reached = [int(r) for r in m["ladder"]]
    assert reached == [r for r in (1, 2, 3, 4, 9) if r <= len(f1) or m["stopped_by"] == "patience"]
    for rung, entry in m["ladder"].items():
        assert entry["kept_epoch"] == 1 + int(np.argmax(f1[:int(rung)]))  # the first of the best, as BestEpoch
        assert set(entry) == {"kept_epoch", "micro_f1", "macro_f1", "subset_acc", "multi_acc"}
    # the rung at the cap (4) or the last rung before a stop by patience keeps the run's own best epoch (without
    # rung 4, a run whose best epoch is its last, 4, left no rung to compare; seen on an AMD machine)
    own = [e for e in m["ladder"].values() if e["kept_epoch"] == m["best_epoch"]]
    assert own and own[-1]["micro_f1"] == pytest.approx(m["micro_f1"], abs=1e-6)


def test_ladder_needs_a_constant_learning_rate():
    from ecgstudy.errors import ParameterError
    from ecgstudy.runs.params import validate
    from ecgstudy.studies.xecgnet.params import XecgRunParams

    with pytest.raises(ParameterError, match="constant"):
        validate(XecgRunParams, {"ladder": (3,), "lr_schedule": "cosine"})
    with pytest.raises(ParameterError, match="increasing"):
        validate(XecgRunParams, {"ladder": (10, 3)})


@pytest.mark.slow
def test_the_same_run_in_two_fresh_processes_gives_identical_predictions(tmp_path):
    """What a user does to check a record: rerun it from the command line. On CPU the probabilities are
    bit-identical (in one long-lived process, see the test above, only up to float rounding)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ECGSTUDY_DATA"}
    cli = [sys.executable, "-c", "from ecgstudy.cli import app; app()"]
    probs = []
    for name in ("a", "b"):
        env["ECGSTUDY_RESULTS"] = str(tmp_path / name)
        subprocess.run([*cli, "run", "xecgnet-mitdb", "--profile", "smoke", "--data", "synthetic", "-p", "gamma=0.01"],
                       env=env, check=True, capture_output=True)
        (path,) = (tmp_path / name).rglob("predictions.npz")
        with np.load(path) as z:
            probs.append(z["probs"])
    assert probs[0].shape[0] > 0 and np.array_equal(probs[0], probs[1])


def test_train_missing_false_trains_nothing(tmp_path, monkeypatch):
    from ecgstudy.studies.xecgnet.chapter import grid_records

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    p = get_experiment("xecgnet").params({"profile": "smoke", "data": "synthetic", "train_missing": False})
    records = grid_records(p, p.datasets, store=RunStore(tmp_path / "r"), progress=False)
    assert len(records) == 2 and {r.status for r in records} == {"missing"}


@pytest.mark.realdata
def test_cpsc_path_on_the_sample_records_pads_at_the_front_and_normalises_on_training_only():
    from ecgstudy.data.cpsc2018 import load_cpsc, xecgnet_split
    from ecgstudy.data.inputs import fit_lead_normaliser
    from ecgstudy.errors import DataNotFoundError
    from ecgstudy.studies.xecgnet.data import cpsc_split_data
    from ecgstudy.testing import real_dataset

    folder = real_dataset("cpsc2018")
    with pytest.raises(DataNotFoundError, match="6,877"):
        cpsc_split_data(folder, fs=500.0, input_samples=72_000, normalisation="train")  # only the samples
    d = cpsc_split_data(folder, fs=500.0, input_samples=72_000, normalisation="train", min_records=1)
    cs = load_cpsc(folder)
    names = dict(zip(("train", "val", "test"), xecgnet_split([r.record_id for r in cs.records])))
    assert {s: list(d.ids[s]) for s in names} == names
    assert d.x["train"].shape[1:] == (12, 72_000) and d.class_names == tuple(cs.labels.columns)
    rec = {r.record_id: r.signal for r in cs.records}
    first = names["test"][0]
    n = rec[first].shape[1]
    norm = fit_lead_normaliser([rec[k] for k in names["train"]])  # training records only
    x = d.x["test"][0]
    assert np.all(x[:, : 72_000 - n] == 0)  # zeros in front
    np.testing.assert_allclose(x[:, 72_000 - n:], norm.apply(rec[first]), rtol=1e-5, atol=1e-5)
    assert (d.y["test"][0] == cs.labels.loc[first].to_numpy()).all()
    all_norm = cpsc_split_data(folder, fs=500.0, input_samples=72_000, normalisation="all", min_records=1)
    assert not np.allclose(all_norm.x["test"][0], x)  # the authors' switch: statistics of every record


def test_summary_keeps_each_dataset_to_its_own_classes():
    t = pd.concat([
        _table([0.1, 0.1, 0.1]).assign(subset_acc=0.5, **{"f1.NORM": 0.9}),
        _table([0.0, 0.0, 0.0]).assign(dataset="mitdb", subset_acc=0.4, **{"f1.PVC": 0.7}),
    ], ignore_index=True)
    m = chapter_summary(t, pd.DataFrame())["metrics"]
    assert m["ptbxl"]["gamma_0"]["f1"] == pytest.approx({"NORM": 0.9})
    assert m["mitdb"]["gamma_0"]["f1"] == pytest.approx({"PVC": 0.7})


def test_an_interval_end_of_exactly_zero_prints_as_zero_in_every_effect_sentence():
    from ecgstudy.studies.xecgnet.verdicts import _fmt_effect

    row = {"diff": 0.02, "low": 0.0, "high": 0.05, "n": 5}
    assert _fmt_effect(row) == "+0.020 (95 % CI 0 to +0.050, paired Student t over 5 seeds)"
    assert _fmt_effect({"diff": 0.02, "low": float("nan"), "high": float("nan"), "n": 1}) == "+0.020 (1 seed: no interval)"


def _sweep_rows():
    rows = []
    for ds in ("ptbxl", "mitdb"):
        for gamma, base in ((0.0, 0.10), (0.01, 0.20)):
            for seed in (0, 1):
                rows.append({"dataset": ds, "gamma": gamma, "regulariser": "paper", "seed": seed,
                             "micro_f1": base + 0.1 * seed, "macro_f1": base, "subset_acc": base,
                             "multi_acc": base + seed, "single_acc": base, "best_epoch": 3 + seed,
                             "attention_ratio": 1.0 + gamma, "attention_multi_covered": 0.5,
                             "response_ratio": 2.0})
    return pd.DataFrame(rows)


def test_sweep_table_shows_mean_and_sd_over_seeds_per_dataset_and_gamma():
    from ecgstudy.studies.xecgnet.tables import sweep_table

    t = sweep_table(_sweep_rows(), {"ptbxl": "P", "mitdb": "M"})
    assert t["dataset"].tolist() == ["M", "M", "P", "P"] and t["gamma"].tolist() == ["0", "0.01"] * 2
    row = t.iloc[1]  # mitdb, gamma 0.01: micro-F1 0.2 and 0.3
    assert row["micro_f1"] == "0.250 ± 0.071" and row["multi_acc"] == "0.700 ± 0.707"
    assert row["epochs (best)"] == "3.5" and row["seeds"] == 2


def test_effect_and_coverage_tables_pair_gammas_with_gamma_zero():
    from ecgstudy.studies.xecgnet.tables import EFFECT_COLUMNS, coverage_metrics, effect_table

    e = effect_table(_sweep_rows())
    assert set(e["metric"]) == {"multi_acc", "micro_f1", "macro_f1"}
    row = e[(e["dataset"] == "ptbxl") & (e["metric"] == "macro_f1")].iloc[0]
    assert row["gamma"] == 0.01 and row["n"] == 2 and row["diff"] == pytest.approx(0.10)
    assert list(effect_table(_sweep_rows().iloc[:0]).columns) == EFFECT_COLUMNS
    cov = coverage_metrics(_sweep_rows(), {"ptbxl": "P", "mitdb": "M"})
    assert cov["P gamma_0.01"] == pytest.approx({"attention_ratio": 1.01, "attention_multi_covered": 0.5,
                                                 "response_ratio": 2.0})


def test_val_bce_selection_is_worded_as_a_deviation_in_both_sentences():
    from ecgstudy.studies.xecgnet.params import XecgRunParams
    from ecgstudy.studies.xecgnet.verdicts import selection_deviation, selection_text

    params = {"mitdb": XecgRunParams(profile="cpu", selection="val_bce", max_epochs=150, patience=20)}
    assert selection_text(params, {"mitdb": "M"}) == (
        "Runs on the M keep the epoch of lowest validation binary cross-entropy (a deviation: see below) of at most "
        "150 epochs, stopping after 20 without a better one.")
    exact = {"mitdb": XecgRunParams(profile="cpu", selection="val_bce", max_epochs=150, patience=20, bn_stats="exact")}
    assert selection_text(exact, {"mitdb": "M"}).endswith(
        "20 without a better one. BatchNorm statistics are recomputed from the training records before every "
        "validation (the authors' Keras layers keep running averages, which lagged the weights: the validation "
        "micro-F1 then moved with the lag, not with the network).")
    text = selection_deviation(params, pd.DataFrame(), {"mitdb": "M"})
    assert text.startswith("Model selection on the M: the `cpu` profile keeps the epoch of lowest validation binary "
                           "cross-entropy of the probabilities (`selection=\"val_bce\"`)")
