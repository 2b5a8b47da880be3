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
def test_xecgnet_splits_keep_patients_apart():
    from ecgstudy.data.ptbxl import ptbxl_present, ptbxl_split
    from ecgstudy.studies.xecgnet.data import mitdb_split

    for seed in SEEDS:
        d = mitdb_split(real_dataset("mitdb"), seed=seed, max_windows_per_record=40, normalisation="train",
                        split_unit="patient")
        sides = {s: set(patient_ids("mitdb", [i.split(":")[0] for i in d.ids[s]])) for s in ("train", "val", "test")}
        assert not (sides["train"] & sides["test"]) and not (sides["train"] & sides["val"]) \
            and not (sides["val"] & sides["test"])
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
