"""Every split that claims to keep patients apart does, on the real data: MIT-BIH 201 and 202 are one
person, PTB-XL records share patients (patient_id). The record-wise splits of the committed runs do not
(that is what the pages report until the patient-wise grids replace them)."""

from __future__ import annotations

import numpy as np
import pytest

from ecgstudy.data.patients import patient_ids, patients_on_both_sides
from ecgstudy.evaluation.folds import fold_leakage, grouped_folds, shuffled_folds, split_folds
from ecgstudy.testing import real_dataset

SEEDS = range(5)


def test_patient_ids_by_hand():
    assert patient_ids("mitdb", ["200", "201", "202"]).tolist() == ["200", "201", "201"]
    assert patient_ids("ludb", ["1", "2"]).tolist() == ["1", "2"]
    assert patient_ids("synthetic", ["201", "202"]).tolist() == ["201", "202"]


@pytest.mark.realdata
def test_mitdb_has_47_patients_and_ptbxl_subset_1796():
    mitdb = real_dataset("mitdb")
    records = (mitdb / "RECORDS").read_text().split()
    assert len(records) == 48 and len(set(patient_ids("mitdb", records))) == 47
    from ecgstudy.data.ptbxl import ptbxl_present

    ptbxl = real_dataset("ptbxl")
    present = ptbxl_present(ptbxl)
    assert len(set(patient_ids("ptbxl", present.index.astype(str), folder=ptbxl))) == 1796


@pytest.mark.realdata
def test_iclr_patient_folds_keep_201_and_202_together_record_folds_do_not():
    from ecgstudy.data.mitdb_cache import load_iclr_segments

    seg = load_iclr_segments(real_dataset("mitdb"))
    patients = patient_ids("mitdb", seg.record_ids)
    split_records = 0
    for seed in SEEDS:
        folds = split_folds(seg.labels, patients, split="patient", n_folds=5, seed=seed)
        assert fold_leakage(patients, folds) == 0
        record_folds = split_folds(seg.labels, seg.record_ids, split="record", n_folds=5, seed=seed)
        split_records += fold_leakage(patients, record_folds) > 0
    assert split_records >= 1  # the committed record-wise runs: 201 and 202 on two sides in some seeds


@pytest.mark.realdata
def test_iclr_inner_validation_keeps_patients_apart_from_training_and_test():
    from ecgstudy.data.mitdb_cache import load_iclr_segments
    from ecgstudy.evaluation.folds import inner_validation, pick_fold

    seg = load_iclr_segments(real_dataset("mitdb"))
    patients = patient_ids("mitdb", seg.record_ids)
    for seed in SEEDS:
        for fold in range(5):
            train, test = pick_fold(split_folds(seg.labels, patients, split="patient", n_folds=5, seed=seed), fold)
            fit_idx, val = inner_validation(seg.labels, patients, train, split="patient", n_inner=5, seed=seed)
            assert sorted(np.concatenate([fit_idx, val]).tolist()) == train.tolist()
            sides = [set(patients[i]) for i in (fit_idx, val, test)]
            assert not (sides[0] & sides[1]) and not (sides[1] & sides[2]) and not (sides[0] & sides[2])
            assert set(seg.labels[val]) == set(seg.labels[train])  # both classes reach validation


@pytest.mark.realdata
def test_xecgnet_splits_keep_patients_apart():
    from ecgstudy.data.ptbxl import ptbxl_present, ptbxl_split
    from ecgstudy.studies.xecgnet.data import mitdb_split

    for seed in SEEDS:
        d = mitdb_split(real_dataset("mitdb"), seed=seed, max_windows_per_record=40, normalisation="train",
                        split_unit="patient")
        sides = {s: set(patient_ids("mitdb", [i.split(":")[0] for i in d.ids[s]])) for s in ("train", "val", "test")}
        assert not (sides["train"] & sides["test"]) and not (sides["train"] & sides["val"]) \
            and not (sides["val"] & sides["test"])
        wide = mitdb_split(real_dataset("mitdb"), seed=seed, max_windows_per_record=40, normalisation="train",
                           split_unit="patient", val_frac=0.25)  # a validation set an epoch can be chosen on
        n = sum(len(wide.ids[s]) for s in ("train", "val", "test"))
        assert len(wide.ids["val"]) >= 0.25 * n > len(d.ids["val"])
        assert list(wide.ids["test"]) == list(d.ids["test"])  # test windows are drawn first, as before
    ptbxl = real_dataset("ptbxl")
    present = ptbxl_present(ptbxl)
    masks = ptbxl_split(present["strat_fold"])  # PTB-XL's own folds: patient-wise by construction
    p = patient_ids("ptbxl", present.index.astype(str), folder=ptbxl)
    for a, b in (("train", "test"), ("train", "val"), ("val", "test")):
        assert not set(p[masks[a]]) & set(p[masks[b]])


@pytest.mark.realdata
def test_ecgradcam_patient_folds_on_ptbxl_keep_patients_apart_and_ludb_folds_are_unchanged():
    from ecgstudy.data.ptbxl import ptbxl_present
    from ecgstudy.studies.ecgradcam.run import fold_split

    ptbxl = real_dataset("ptbxl")
    present = ptbxl_present(ptbxl)
    p = patient_ids("ptbxl", present.index.astype(str), folder=ptbxl)
    age = present["age"].to_numpy(dtype=float)
    sex = (present["sex"] == 0).to_numpy().astype(float)
    leaked_by_record = 0
    for seed in SEEDS:
        for fold in range(5):
            for y, stratify in ((age, False), (sex, True)):
                tr, te = fold_split(y, n_folds=5, fold=fold, seed=seed, stratify=stratify, groups=p)
                assert patients_on_both_sides(p, tr, te) == []
            tr, te = fold_split(age, n_folds=5, fold=fold, seed=seed, stratify=False)
            leaked_by_record += bool(patients_on_both_sides(p, tr, te))
    assert leaked_by_record > 0  # the committed PTB-XL runs split records, and patients with them
    ludb = [str(i) for i in range(1, 201)]
    by_patient = grouped_folds(np.arange(200.0), patient_ids("ludb", ludb), n_folds=5, seed=0, stratify=False)
    by_record = shuffled_folds(200, n_folds=5, seed=0)
    assert all((a[1] == b[1]).all() for a, b in zip(by_patient, by_record))  # a LUDB record is a patient


@pytest.mark.parametrize("experiment, values", [
    ("iclr-fold", {"method": "classifier", "split": "patient"}),
    ("xecgnet-mitdb", {"split_unit": "patient"}),
    ("ecgradcam-ludb", {"split_unit": "patient", "target": "qrs_ms"}),
])
def test_a_patient_wise_run_trains_and_the_committed_runs_keep_their_ids(experiment, values, tmp_path, monkeypatch):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.executors import execute

    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    exp = get_experiment(experiment)
    plain = {"profile": "smoke", "data": "synthetic"}
    rec = execute(exp.job({**plain, **values}), str(tmp_path / "r"))
    assert rec.ok, rec.error
    assert exp.job(plain).spec.params == exp.params(plain).record()  # the new field is left out at its default
    assert "split_unit" not in exp.params(plain).record()


def _run(tmp_path, experiment, params, *, metrics=None, ids=None, key="ids"):
    import json

    from ecgstudy.runs.store import RunRecord, RunSpec

    spec = RunSpec(experiment, params, "real", "0")
    path = tmp_path / spec.run_id
    path.mkdir()
    (path / "metrics.json").write_text(json.dumps(metrics or {}))
    if ids is not None:
        np.savez(path / "predictions.npz", **{key: np.asarray(ids)})
    return RunRecord(spec, path, "done")


def test_iclr_counts_the_record_wise_runs_that_split_201_and_202(tmp_path):
    from ecgstudy.studies.iclr.tables import patient_leakage

    base = {"method": "l2", "kernel_size": 151, "seed": 0}
    runs = [_run(tmp_path, "iclr-fold", {**base, "split": "record", "fold": 0}, metrics={"test_records": ["201", "100"]}),
            _run(tmp_path, "iclr-fold", {**base, "split": "record", "fold": 1}, metrics={"test_records": ["202", "101"]}),
            _run(tmp_path, "iclr-fold", {**base, "split": "record", "fold": 2}, metrics={"test_records": ["103"]}),
            _run(tmp_path, "iclr-fold", {**base, "split": "segment", "fold": 0}, metrics={"test_records": ["201"]})]
    leak = patient_leakage(runs, real=True)
    assert (leak["runs"], leak["leaky"]) == (3, 2) and set(leak["leaky_runs"]) == {runs[0].spec.run_id,
                                                                                    runs[1].spec.run_id}
    assert patient_leakage(runs, real=False)["leaky"] == 0  # synthetic records are each a person


def test_xecgnet_without_the_data_judges_the_test_split(tmp_path):
    from ecgstudy.studies.xecgnet.tables import patient_leakage

    runs = [_run(tmp_path, "xecgnet-mitdb", {"seed": 0, "gamma": 0.0, "regulariser": "paper"}, ids=["201:0", "105:0"]),
            _run(tmp_path, "xecgnet-mitdb", {"seed": 1, "gamma": 0.0, "regulariser": "paper"},
                 ids=["201:0", "202:0"])]
    leak = patient_leakage(runs, real=True)
    assert (leak["runs"], leak["leaky"], leak["leaky_runs"]) == (2, 1, [runs[0].spec.run_id])


@pytest.mark.realdata
def test_ecgradcam_counts_ptbxl_runs_that_split_a_patients_records(tmp_path):
    from ecgstudy.studies.ecgradcam.tables import patient_leakage

    ptbxl = real_dataset("ptbxl")  # ecg_id 3226 and 3267 are one patient
    runs = [_run(tmp_path, "ecgradcam-ptbxl", {"target": "age", "fold": 0}, ids=["3226", "9"]),
            _run(tmp_path, "ecgradcam-ptbxl", {"target": "age", "fold": 1}, ids=["3267", "24"]),
            _run(tmp_path, "ecgradcam-ptbxl", {"target": "age", "fold": 2}, ids=["43"]),
            _run(tmp_path, "ecgradcam-transfer", {"target": "qt_ms", "fold": 0}, ids=["3226", "3267"], key="source_ids"),
            _run(tmp_path, "ecgradcam-ludb", {"target": "qt_ms", "fold": 0}, ids=["1"])]
    leak = patient_leakage(runs, ptbxl_folder=ptbxl)
    assert (leak["runs"], leak["leaky"]) == (4, 2)
    assert set(leak["leaky_runs"]) == {runs[0].spec.run_id, runs[1].spec.run_id}
    assert patient_leakage(runs)["leaky"] == 0  # no PTB-XL folder (synthetic): nothing to leak
