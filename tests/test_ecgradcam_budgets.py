"""ECGradCAM runs with validation-driven budgets: the added parameters, the inner patient-wise validation
split, the convergence record, kept weights that reproduce the stored test metrics, bf16 training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ecgstudy.errors import ParameterError
from ecgstudy.evaluation.folds import grouped_folds, shuffled_folds
from ecgstudy.paths import PROJECT_ROOT
from ecgstudy.runs.params import validate
from ecgstudy.studies.ecgradcam.params import EcgradcamRunParams
from ecgstudy.studies.ecgradcam.run import fold_indices, fold_split

ADDED = ("precision", "inner_folds", "patience", "keep_weights", "ladder", "bn_stats")


def test_new_fields_are_left_out_of_the_record_at_their_defaults():
    record = EcgradcamRunParams().record()
    assert not set(ADDED) & set(record)
    p = EcgradcamRunParams(precision="bf16", inner_folds=4, patience=3, keep_weights=True, ladder=(3, 10),
                           lr_schedule="constant", bn_stats="exact")
    assert {k: p.record()[k] for k in ADDED} == {"precision": "bf16", "inner_folds": 4, "patience": 3,
                                                  "keep_weights": True, "ladder": [3, 10], "bn_stats": "exact"}
    with pytest.raises(ParameterError, match="constant"):
        validate(EcgradcamRunParams, {"ladder": (3,), "lr_schedule": "cosine"})
    with pytest.raises(ParameterError, match="patience=2 needs an inner validation set"):
        validate(EcgradcamRunParams, {"patience": 2})
    with pytest.raises(ParameterError, match="inner_folds=1"):
        validate(EcgradcamRunParams, {"inner_folds": 1})
    with pytest.raises(ParameterError, match="precision"):
        validate(EcgradcamRunParams, {"precision": "fp16"})


def test_the_committed_runs_keep_their_parameters_and_so_their_ids():
    from ecgstudy.runs.store import read_run_info

    paths = sorted((PROJECT_ROOT / "results" / "real").glob("ecgradcam-*/*/run.json"))
    if not paths:
        pytest.skip("no committed ECGradCAM run")
    for path in paths:
        stored = read_run_info(path)["params"]
        assert EcgradcamRunParams.model_validate(stored).record() == stored, path


def _groups() -> np.ndarray:
    """60 rows of 20 patients holding 1 to 5 rows each (patient k holds 1 + k % 5 rows, in a shuffled order)."""
    g = np.repeat([f"p{k}" for k in range(20)], [1 + k % 5 for k in range(20)])
    assert len(g) == 60
    return g[np.random.default_rng(3).permutation(60)]


@pytest.mark.parametrize("stratify", [False, True])
def test_inner_validation_shares_no_patient_with_the_fitted_or_test_rows(stratify):
    g = _groups()
    rng = np.random.default_rng(0)
    y = (rng.random(60) < 0.4).astype(float) if stratify else rng.normal(size=60)
    for fold in range(5):
        p = EcgradcamRunParams(fold=fold, n_folds=5, inner_folds=3, seed=7, split_unit="patient")
        fit, val, test = fold_indices(y, p, stratify=stratify, groups=g)
        assert sorted(np.concatenate([fit, val, test]).tolist()) == list(range(60))  # a partition
        sides = [set(g[i]) for i in (fit, val, test)]
        assert not sides[0] & sides[1] and not sides[1] & sides[2] and not sides[0] & sides[2]
        train, outer_test = fold_split(y, n_folds=5, fold=fold, seed=7, stratify=stratify, groups=g)
        assert np.array_equal(test, outer_test)  # the inner split never moves the test rows
        assert np.array_equal(np.sort(np.concatenate([fit, val])), train)
        inner = grouped_folds(y[train], g[train], n_folds=3, seed=7, stratify=stratify)  # fold 0 of 3, by patient
        assert val.tolist() == train[np.sort(inner[0][1])].tolist() and len(set(g[val])) >= 3
        if stratify:
            assert set(y[val]) == {0.0, 1.0}
        plain = EcgradcamRunParams(fold=fold, n_folds=5, seed=7, split_unit="patient")
        fit0, val0, test0 = fold_indices(y, plain, stratify=stratify, groups=g)
        assert np.array_equal(fit0, train) and len(val0) == 0 and np.array_equal(test0, test)


def test_inner_validation_of_one_row_patients_is_fold_0_of_a_shuffled_kfold_over_the_training_rows():
    y = np.arange(23.0)
    p = EcgradcamRunParams(fold=2, n_folds=5, inner_folds=4, seed=5)
    fit, val, test = fold_indices(y, p, stratify=False)
    train, _ = fold_split(y, n_folds=5, fold=2, seed=5, stratify=False)
    inner_fit, inner_val = shuffled_folds(len(train), n_folds=4, seed=5)[0]
    assert val.tolist() == train[np.sort(inner_val)].tolist() and fit.tolist() == train[np.sort(inner_fit)].tolist()
    assert len(val) == 5 and len(fit) == 13 and len(test) == 5


def test_patience_needs_a_validation_set():
    from ecgstudy.studies.ecgradcam.run import train_model

    x = np.zeros((4, 1, 8), np.float32)
    with pytest.raises(ValueError, match="patience needs a validation set"):
        train_model(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 1)), x, np.zeros(4), x, np.zeros(4),
                    epochs=1, lr=0.1, batch_size=2, lr_schedule="constant", binary=False, seed=0, patience=1)


def _execute(tmp_path, monkeypatch, experiment: str, values: dict):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.store import RunStore

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    exp = get_experiment(experiment)
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "fold": 1, "layers": ["last_add"], **values})
    rec = RunStore(tmp_path / "results").execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    return rec, exp


def _check_convergence(m: dict, curve: list[dict], *, cap: int, patience: int) -> None:
    val = [r["val_loss"] for r in curve]
    assert m["epochs"] == cap and m["last_epoch"] == len(curve) <= cap
    assert m["best_epoch"] == int(np.argmin(val)) + 1 and m["best_val_loss"] == val[m["best_epoch"] - 1]
    assert m["stopped_by"] == ("patience" if len(curve) < cap else "epoch_cap")
    if m["stopped_by"] == "patience":  # exactly `patience` epochs without a lower validation loss
        assert m["last_epoch"] == m["best_epoch"] + patience and min(val[m["best_epoch"]:]) >= val[m["best_epoch"] - 1]


def _check_reproduces(rec, exp, *, other_weights: bool = True) -> None:
    from ecgstudy.checkpoints import save
    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.ecgradcam.run import reproduce

    assert (rec.path / "weights.pt").is_file()
    source = resolve_data("synthetic", exp.datasets)
    again = reproduce(rec.path, source)
    for name, (stored, now) in again.items():
        assert now == pytest.approx(stored, rel=0, abs=1e-5), name
    if not other_weights:
        return
    torch.manual_seed(123)  # another network's weights: the metrics no longer reproduce
    save(KanResWideX(in_leads=8, n_outputs=1), rec.path, builder="kanres_wide_x", kwargs={"in_leads": 8, "n_outputs": 1})
    other = reproduce(rec.path, source)
    assert any(abs(now - stored) > 1e-3 for stored, now in other.values())


@pytest.mark.slow
def test_a_run_with_patience_records_its_convergence_and_its_weights_reproduce(tmp_path, monkeypatch):
    from ecgstudy.checkpoints import load
    from ecgstudy.studies.ecgradcam.run import predict_output

    rec, exp = _execute(tmp_path, monkeypatch, "ecgradcam-ludb",
                        {"target": "qrs_ms", "epochs": 5, "inner_folds": 3, "patience": 1, "keep_weights": True})
    m = rec.metrics()
    curve = json.loads((rec.path / "curves.json").read_text())
    assert [list(r) for r in curve] == [["epoch", "train_loss", "heldout_loss", "val_loss", "seconds"]] * len(curve)
    _check_convergence(m, curve, cap=5, patience=1)
    assert m["precision"] == "fp32" and m["n_train"] + m["n_val"] + m["n_test"] == 40
    assert m["n_val"] in (10, 11)  # a third of the 32 training records
    log = (rec.path / "progress.log").read_text().splitlines()
    assert len(log) == len(curve) and log[0].startswith("epoch   1  train_loss ")
    assert f"val_loss {curve[-1]['val_loss']:.4f}" in log[-1]
    with np.load(rec.path / "predictions.npz") as z:  # the stored predictions are the checkpoint's
        x = _smoke_x(z["index"])
        stored_pred = z["prediction"]
    now = predict_output(load(rec.path), x) * m["train_sd"] + m["train_mean"]
    np.testing.assert_allclose(now.astype(np.float32), stored_pred, rtol=0, atol=1e-4)
    _check_reproduces(rec, exp)


@pytest.mark.slow
def test_ladder_rungs_score_the_weights_a_capped_run_would_keep(tmp_path, monkeypatch):
    rec, _ = _execute(tmp_path, monkeypatch, "ecgradcam-ludb",
                      {"target": "qrs_ms", "epochs": 4, "inner_folds": 3, "patience": 1, "lr_schedule": "constant",
                       "ladder": (1, 2, 9)})
    m = rec.metrics()
    val = [r["val_loss"] for r in json.loads((rec.path / "curves.json").read_text())]
    reached = [int(r) for r in m["ladder"]]
    assert reached == [r for r in (1, 2, 9) if r <= len(val) or m["stopped_by"] == "patience"]
    for rung, entry in m["ladder"].items():
        assert entry["kept_epoch"] == 1 + int(np.argmin(val[:int(rung)]))
        assert set(entry) == {"kept_epoch", "mae", "r2"}
    own = [e for e in m["ladder"].values() if e["kept_epoch"] == m["best_epoch"]]
    assert own and own[-1]["mae"] == pytest.approx(m["mae"], rel=1e-5)  # the run's own weights, unrounded
    assert len((rec.path / "progress.log").read_text().splitlines()) == len(val)


def _smoke_x(index: np.ndarray) -> np.ndarray:
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.ecgradcam.data import load_median_beat_data

    return load_median_beat_data("ludb", resolve_data("synthetic", ("ludb",)), n_synthetic=40).x[index]


@pytest.mark.slow
def test_a_transfer_run_validates_on_ptbxl_training_rows_and_its_weights_reproduce(tmp_path, monkeypatch):
    rec, exp = _execute(tmp_path, monkeypatch, "ecgradcam-transfer",
                        {"target": "qt_ms", "epochs": 3, "inner_folds": 3, "patience": 1, "keep_weights": True})
    m = rec.metrics()
    _check_convergence(m, json.loads((rec.path / "curves.json").read_text()), cap=3, patience=1)
    assert m["n_train"] + m["n_val"] + m["source"]["n_test"] == 40 and m["n_val"] in (10, 11)
    assert m["n_test"] == 20  # the independent synthetic test draw, never split
    _check_reproduces(rec, exp, other_weights=False)


@pytest.mark.slow
def test_bf16_is_recorded_and_trains_other_weights_than_fp32(tmp_path, monkeypatch):
    bf16, _ = _execute(tmp_path / "a", monkeypatch, "ecgradcam-ludb", {"target": "qrs_ms", "precision": "bf16"})
    fp32, _ = _execute(tmp_path / "b", monkeypatch, "ecgradcam-ludb", {"target": "qrs_ms"})
    assert bf16.spec.params["precision"] == "bf16" and "precision" not in fp32.spec.params
    mb, mf = bf16.metrics(), fp32.metrics()
    assert (mb["precision"], mf["precision"]) == ("bf16", "fp32")
    assert {k: mf[k] for k in ("n_val", "best_epoch", "last_epoch", "stopped_by", "best_val_loss")} == {
        "n_val": 0, "best_epoch": 1, "last_epoch": 1, "stopped_by": "epoch_cap", "best_val_loss": None}
    assert np.isfinite(mb["final_train_loss"]) and np.isfinite(mb["mae"])
    # same data, seed and batches: only the autocast differs, and it changes the loss of the first epoch
    assert mb["final_train_loss"] != mf["final_train_loss"]
    assert not (Path(bf16.path) / "weights.pt").exists()


def test_cpu_is_validation_driven_and_every_committed_cpu_run_is_of_it():
    from ecgstudy.studies.ecgradcam.experiments import RUNS

    cpu = {ds: RUNS[ds].params({"profile": "cpu"}) for ds in RUNS}
    for ds, p in cpu.items():
        assert (p.inner_folds, p.lr, p.lr_schedule, p.bn_stats, p.ladder, p.split_unit) == \
            (5, 8e-4, "constant", "exact", (3, 10, 30), "patient")
        assert (p.precision, p.fp32_input_conv) == ("bf16", True)
    assert [(cpu[ds].epochs, cpu[ds].patience) for ds in ("ludb", "ptbxl", "transfer")] == [(300, 20), (100, 8),
                                                                                           (100, 8)]
    assert RUNS["ludb"].extend_capped.raised(300) == 900 and RUNS["ludb"].extend_capped.raised(900) is None
    for ds in ("ptbxl", "transfer"):  # one extension at most: 100 -> 300
        assert RUNS[ds].extend_capped.raised(100) == 300 and RUNS[ds].extend_capped.raised(300) is None
    # every committed cpu run is of the converged budget (the former runs are removed): only the per-run values
    # (and the precision arms of the precision check) differ from the profile's
    per_run = ("target", "fold", "seed", "precision", "fp32_input_conv", "keep_weights", "n_folds")

    def shared(record: dict) -> dict:
        return {k: v for k, v in record.items() if k not in per_run}

    for ds, exp in RUNS.items():
        converged = exp.params({"profile": "cpu"}).record()
        committed = [json.loads(p.read_text())["params"]
                     for p in (PROJECT_ROOT / "results" / "real" / exp.name).glob("*/run.json")]
        cpu_runs = [r for r in committed if r["profile"] == "cpu"]
        assert cpu_runs, ds
        for r in cpu_runs:
            assert shared(r) == shared(converged), ds


def test_fp32_input_conv_is_dropped_in_float32_so_the_float32_run_keeps_its_id():
    from ecgstudy.studies.ecgradcam.experiments import RUNS

    plain = RUNS["ludb"].params({"profile": "cpu", "precision": "fp32", "fp32_input_conv": False})
    flagged = RUNS["ludb"].params({"profile": "cpu", "precision": "fp32"})  # the profile sets the flag
    assert RUNS["ludb"].params({"profile": "cpu"}).fp32_input_conv is True
    assert flagged.fp32_input_conv is False and flagged.record() == plain.record()
    assert "fp32_input_conv" not in plain.record()  # at its default: left out, as before the field existed
    bf16 = RUNS["ludb"].params({"profile": "cpu", "precision": "bf16"})
    assert bf16.fp32_input_conv is True and bf16.record()["fp32_input_conv"] is True
