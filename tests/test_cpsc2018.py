"""CPSC 2018 readers (original and CinC WFDB forms), SNOMED mapping, xECGNet split, bad input."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import wfdb

from ecgstudy.data.cpsc2018 import (
    CPSC_CLASSES,
    XECGNET_CLASS_ORDER,
    load_cpsc,
    read_cinc_record,
    read_cpsc_mat,
    read_cpsc_reference,
    xecgnet_split,
)
from ecgstudy.data.snomed import map_codes, multi_hot
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError, DataNotFoundError
from ecgstudy.testing import real_dataset


def _dataset(key: str, what: str) -> Path:
    return real_dataset(key)


@pytest.fixture(scope="module")
def cpsc() -> Path:
    return _dataset("cpsc2018", "CPSC 2018 (REFERENCE.csv and A*.mat)")


@pytest.fixture(scope="module")
def cinc() -> Path:
    return _dataset("cinc2021", "CinC 2021 WFDB samples")


@pytest.fixture(scope="module")
def reference(cpsc: Path):
    return read_cpsc_reference(cpsc)


# ------------------------------------------------------------------ constants and mapping

def test_class_orders() -> None:
    assert CPSC_CLASSES == ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")
    assert XECGNET_CLASS_ORDER == tuple(sorted(CPSC_CLASSES))


def test_map_codes() -> None:
    classes, unmapped = map_codes(["426783006", "713427006", "63593006", "17338001", "427172004",
                                   "164884008", "733534002", "426177001"])
    assert classes == ["Normal", "LBBB", "RBBB", "PAC", "PVC"]
    assert unmapped == ["426177001"]
    assert map_codes(["AF", "I-AVB", "STD", "STE", "270492004"])[0] == ["AF", "I-AVB", "STD", "STE"]
    assert map_codes(["713426002"])[0] == []  # incomplete RBBB is not RBBB
    with pytest.raises(DataError, match=r"x\.hea: unknown diagnosis code '426177001'"):
        map_codes(["164889003", "426177001"], on_unknown="raise", path="x.hea")
    assert multi_hot([["AF", "STE"], []]).tolist() == [[0, 1, 0, 0, 0, 0, 0, 0, 1], [0] * 9]


# ------------------------------------------------------------------ REFERENCE.csv and split

@pytest.mark.realdata
def test_reference_counts(reference) -> None:
    assert reference.shape == (6877, 9) and list(reference.columns) == list(CPSC_CLASSES)
    # label instances = the CPSC column of the CinC 2020/2021 dx mapping files
    assert reference.sum(axis=0).to_dict() == {
        "Normal": 918, "AF": 1221, "I-AVB": 722, "LBBB": 236, "RBBB": 1857,
        "PAC": 616, "PVC": 700, "STD": 869, "STE": 220}
    assert int((reference.sum(axis=1) >= 2).sum()) == 476
    assert reference.loc["A0953"].tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0]  # listed "6,6"
    assert reference.loc["A0001"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0]


@pytest.mark.realdata
def test_xecgnet_split(reference) -> None:
    train, val, test = xecgnet_split(reference.index)
    assert (len(train), len(val), len(test)) == (5225, 276, 1376)
    assert (train[0], val[0], test[0]) == ("A2355", "A5949", "A0349")
    assert len(set(train) | set(val) | set(test)) == 6877
    multi = [int((reference.loc[s].sum(axis=1) >= 2).sum()) for s in (train, val, test)]
    assert multi == [366, 19, 91]
    # training-label instances printed by the authors' notebook (5,596 labels)
    assert reference.loc[train].sum(axis=0).to_dict() == {
        "Normal": 709, "AF": 918, "I-AVB": 527, "LBBB": 170, "RBBB": 1429,
        "PAC": 464, "PVC": 540, "STD": 666, "STE": 173}
    names = list(reference.index)
    random.Random(0).shuffle(names)
    assert xecgnet_split(names) == (train, val, test)


# ------------------------------------------------------------------ original .mat records

@pytest.mark.realdata
def test_read_cpsc_mat(cpsc: Path) -> None:
    rec = read_cpsc_mat(cpsc / "A1980.mat")
    raw = scipy.io.loadmat(str(cpsc / "A1980.mat"))["ECG"]["data"][0, 0]
    assert rec.record_id == "A1980" and rec.signal.shape == (12, 5000) and rec.fs == 500.0
    assert rec.units == "mV" and rec.lead_names == TWELVE_LEADS
    np.testing.assert_allclose(rec.signal, raw, rtol=1e-6, atol=1e-7)
    assert rec.meta["age"] == 52 and rec.meta["sex"] == "M"


@pytest.mark.realdata
def test_load_original(cpsc: Path, reference) -> None:
    data = load_cpsc(cpsc)
    assert data.form == "original" and len(data) == 10
    assert [r.record_id for r in data.records] == [f"A{i}" for i in range(1980, 1990)]
    assert [r.n_samples for r in data.records] == [5000, 7950, 5000, 7500, 9500, 5517,
                                                   21500, 6778, 27157, 8500]
    assert data.labels.equals(reference.loc[[f"A{i}" for i in range(1980, 1990)]])
    assert data.labels.sum(axis=0).to_dict() == {
        "Normal": 1, "AF": 0, "I-AVB": 3, "LBBB": 0, "RBBB": 2, "PAC": 1, "PVC": 0, "STD": 3, "STE": 0}
    subset = load_cpsc(cpsc, ids=["A1989", "A1980"])
    assert list(subset.labels.index) == ["A1989", "A1980"]


# ------------------------------------------------------------------ CinC WFDB form

@pytest.mark.realdata
def test_cinc_record(cinc: Path) -> None:
    rec = read_cinc_record(cinc, "E07509")
    ref = wfdb.rdrecord(str(cinc / "E07509"))
    np.testing.assert_allclose(rec.signal, ref.p_signal.T, atol=1e-6)
    assert rec.signal.shape == (12, 5000) and rec.units == "mV"
    assert rec.meta["snomed"] == ["59118001", "426177001"] and rec.meta["classes"] == ["RBBB"]
    assert rec.meta["unmapped"] == ["426177001"] and rec.meta["age"] == 71 and rec.meta["sex"] == "M"
    assert read_cinc_record(cinc, "HR06002").units == "mV"  # the header writes "mv"


@pytest.mark.realdata
def test_cinc_samples_mapping(cinc: Path) -> None:
    data = load_cpsc(cinc)
    assert data.form == "wfdb" and len(data) == 50
    # checked by hand: Georgia E07506/11/13/15/18 sinus rhythm, E07509/10 RBBB; all 10 PTB-XL
    # HR records sinus rhythm; all 20 Chapman-Ningbo JS records PAC, 5 of them also PVC (427172004)
    assert int((data.labels.sum(axis=1) > 0).sum()) == 37
    assert data.labels.sum(axis=0).to_dict() == {
        "Normal": 15, "AF": 0, "I-AVB": 0, "LBBB": 0, "RBBB": 2, "PAC": 20, "PVC": 5, "STD": 0, "STE": 0}
    assert int((data.labels.sum(axis=1) >= 2).sum()) == 5
    assert data.labels.loc["HR06002"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]  # IRBBB is not RBBB
    assert data.unknown_codes["427084000"] == 23 and data.unknown_codes["713426002"] == 1
    with pytest.raises(DataError, match=r"E07500\.hea: unknown diagnosis code '67741000119109'"):
        load_cpsc(cinc, on_unknown="raise")


# ------------------------------------------------------------------ bad input

def _write_reference(folder: Path, rows: list[str]) -> Path:
    path = folder / "REFERENCE.csv"
    path.write_text("Recording,First_label,Second_label,Third_label\n" + "\n".join(rows) + "\n")
    return path


def test_reference_unknown_label(tmp_path: Path) -> None:
    _write_reference(tmp_path, ["A0001,5,,", "A0002,10,,"])
    with pytest.raises(DataError, match=r"REFERENCE\.csv: row 3 \(A0002\): unknown label '10'"):
        read_cpsc_reference(tmp_path)
    _write_reference(tmp_path, ["A0001,5,2.5,"])
    with pytest.raises(DataError, match=r"row 2 \(A0001\): unknown label '2\.5'"):
        read_cpsc_reference(tmp_path)
    _write_reference(tmp_path, ["A0001,,,"])
    with pytest.raises(DataError, match="no First_label"):
        read_cpsc_reference(tmp_path)
    _write_reference(tmp_path, ["A0001,5,,", "A0001,1,,"])
    with pytest.raises(DataError, match="recordings listed twice"):
        read_cpsc_reference(tmp_path)
    _write_reference(tmp_path, ["A0001,5,1.0,", "A0002,9,,"])
    assert read_cpsc_reference(tmp_path).values.tolist() == [
        [1, 0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 1]]


def _ecg(data: np.ndarray, sex: str = "Female", age: int = 40) -> dict:
    return {"ECG": {"sex": sex, "age": age, "data": data}}


def test_bad_mat_files(tmp_path: Path) -> None:
    path = tmp_path / "A0001.mat"
    scipy.io.savemat(path, {"val": np.zeros((12, 10), np.int16)})
    with pytest.raises(DataError, match=r"A0001\.mat: no MATLAB struct 'ECG' \(variables: \['val'\]\)"):
        read_cpsc_mat(path)
    bad = np.ones((12, 100))
    bad[3, 7] = np.nan
    scipy.io.savemat(path, _ecg(bad))
    with pytest.raises(DataError, match=r"A0001\.mat: non-finite samples \(NaN/inf\) in lead\(s\) aVR: 1"):
        read_cpsc_mat(path)
    scipy.io.savemat(path, _ecg(np.ones((8, 100))))
    with pytest.raises(DataError, match=r"ECG\.data has shape \(8, 100\), expected \(12, samples\)"):
        read_cpsc_mat(path)
    scipy.io.savemat(path, {"ECG": {"sex": "Male", "age": 1}})
    with pytest.raises(DataError, match="struct 'ECG' has no numeric field 'data'"):
        read_cpsc_mat(path)
    path.write_bytes(b"not a mat file at all" * 10)
    with pytest.raises(DataError, match=r"A0001\.mat: not a readable MATLAB file"):
        read_cpsc_mat(path)
    with pytest.raises(DataNotFoundError, match="record file missing"):
        read_cpsc_mat(tmp_path / "A9999.mat")


def test_tiny_original_form(tmp_path: Path) -> None:
    sig = np.linspace(-1, 1, 12 * 3000).reshape(12, 3000)
    scipy.io.savemat(tmp_path / "A0001.mat", _ecg(sig, "Male", 61))
    scipy.io.savemat(tmp_path / "A0002.mat", _ecg(sig[:, :4000 // 2]))
    _write_reference(tmp_path, ["A0001,2,7,", "A0002,1,,"])
    data = load_cpsc(tmp_path)
    assert data.form == "original" and [r.n_samples for r in data.records] == [3000, 2000]
    assert data.records[0].meta["age"] == 61 and data.records[0].meta["sex"] == "M"
    np.testing.assert_allclose(data.records[0].signal, sig, rtol=1e-6)
    assert data.labels.loc["A0001", ["AF", "PVC"]].tolist() == [1, 1]
    scipy.io.savemat(tmp_path / "A0003.mat", _ecg(sig))
    with pytest.raises(DataError, match=r"A0003\.mat: no row for A0003 in .*REFERENCE\.csv"):
        load_cpsc(tmp_path)
    (tmp_path / "REFERENCE.csv").unlink()
    with pytest.raises(DataNotFoundError, match="REFERENCE.csv missing"):
        load_cpsc(tmp_path)


def _wrsamp(folder: Path, name: str, *, fs: int = 500, n_leads: int = 12,
            dx: str = "164889003,426177001") -> None:
    sig = np.sin(np.linspace(0, 20, 1000))[:, None] * np.ones((1, n_leads))
    wfdb.wrsamp(name, fs=fs, units=["mV"] * n_leads, sig_name=list(TWELVE_LEADS[:n_leads]),
                p_signal=sig, fmt=["16"] * n_leads, write_dir=str(folder),
                comments=["Age: 50", "Sex: Female"] + ([f"Dx: {dx}"] if dx else []))


def test_tiny_wfdb_form(tmp_path: Path) -> None:
    _wrsamp(tmp_path, "A0001")
    data = load_cpsc(tmp_path)
    assert data.form == "wfdb" and data.labels.loc["A0001"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert data.unknown_codes == {"426177001": 1}
    assert data.records[0].meta["age"] == 50 and data.records[0].meta["sex"] == "F"


def test_bad_wfdb_headers(tmp_path: Path) -> None:
    _wrsamp(tmp_path, "A0001", fs=250)
    with pytest.raises(DataError, match=r"A0001\.hea: sampling rate 250 Hz, expected 500 Hz"):
        read_cinc_record(tmp_path, "A0001")
    assert read_cinc_record(tmp_path, "A0001", fs=None).fs == 250.0
    _wrsamp(tmp_path, "A0002", n_leads=8)
    with pytest.raises(DataError, match=r"A0002\.hea: 8 signals, expected 12 leads"):
        read_cinc_record(tmp_path, "A0002")
    _wrsamp(tmp_path, "A0003", dx="")
    with pytest.raises(DataError, match=r"A0003\.hea: no '# Dx:' line"):
        read_cinc_record(tmp_path, "A0003")
    _wrsamp(tmp_path, "A0004")
    os.truncate(tmp_path / "A0004.dat", 100)
    with pytest.raises(DataError, match=r"A0004\.dat: truncated"):
        read_cinc_record(tmp_path, "A0004")


@pytest.mark.realdata
def test_truncated_cinc_mat(cinc: Path, tmp_path: Path) -> None:
    for ext in (".hea", ".mat"):
        shutil.copyfile(cinc / f"E07500{ext}", tmp_path / f"E07500{ext}")
    os.truncate(tmp_path / "E07500.mat", 50000)
    with pytest.raises(DataError, match=r"E07500\.mat: truncated: header promises 5000 samples "
                                        r"\(120024 bytes\), file holds 50000 bytes"):
        read_cinc_record(tmp_path, "E07500")


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="CPSC 2018 folder does not exist"):
        load_cpsc(tmp_path / "nowhere")
    with pytest.raises(DataNotFoundError, match="no CPSC 2018 records"):
        load_cpsc(tmp_path)
    with pytest.raises(ValueError, match="form must be"):
        load_cpsc(tmp_path, form="csv")
