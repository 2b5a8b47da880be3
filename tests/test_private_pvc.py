"""The private PVC-origin loader on synthetic 12-lead WFDB records written to a temp folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from ecgstudy.data.private_pvc import load_private_pvc, read_pvc_labels
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError, DataNotFoundError, ParameterError
from ecgstudy.synthetic import cpsc_like_records


def write_record(folder: Path, name: str, signal: np.ndarray, *, fs: float = 500.0,
                 leads=TWELVE_LEADS) -> None:
    """``signal`` (leads, samples) in mV as a WFDB record ``folder/name``."""
    base = folder / name
    base.parent.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(base.name, fs=fs, units=["mV"] * len(leads), sig_name=list(leads),
                p_signal=np.asarray(signal, np.float64).T, fmt=["16"] * len(leads), write_dir=str(base.parent))


def write_labels(folder: Path, rows: list[str], header: str = "record,label,site,start") -> Path:
    path = folder / "labels.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture
def pvc_folder(tmp_path: Path):
    """Three 10 s records and one 12 s record (in a sub-folder) at 500 Hz."""
    ten = cpsc_like_records(3, seed=0).signals
    twelve = cpsc_like_records(1, seed=1, duration_s=12.0).signals[0]
    for k in range(3):
        write_record(tmp_path, f"P{k:03d}", ten[k])
    write_record(tmp_path, "long/P003", twelve)
    write_labels(tmp_path, ["P000,RV,RVOT,", "P001,LV,LVOT,0", "P002,RV,other,", "long/P003,LV,LVOT,600"])
    return tmp_path, ten, twelve


def test_loads_segments_labels_and_meta(pvc_folder):
    folder, ten, twelve = pvc_folder
    rs = load_private_pvc(folder)
    assert rs.signals.shape == (4, 12, 5000) and rs.signals.dtype == np.float32
    assert rs.fs == 500.0 and rs.lead_names == TWELVE_LEADS and rs.units == "mV"
    assert rs.class_names == ("LV", "RV") and rs.source == "private_pvc"
    assert rs.labels.tolist() == [[0, 1], [1, 0], [0, 1], [1, 0]]
    assert rs.record_ids.tolist() == ["P000", "P001", "P002", "long/P003"]
    # 16-bit storage: within half an ADC step of what was written
    assert np.abs(rs.signals[:3] - ten).max() < 1e-3
    assert np.abs(rs.signals[3] - twelve[:, 600:5600]).max() < 1e-3
    assert rs.meta["site"].tolist() == ["RVOT", "LVOT", "other", "LVOT"]
    assert rs.meta["start"].tolist() == [0, 0, 0, 600]
    assert rs.meta["record_samples"].tolist() == [5000, 5000, 5000, 6000]


def test_outflow_tract_task_through_label_column(pvc_folder, tmp_path):
    folder, _, _ = pvc_folder
    (tmp_path / "ot").mkdir()
    csv = write_labels(tmp_path / "ot", ["P000,RV,RVOT,", "P001,LV,LVOT,"])  # a second CSV, same records
    rs = load_private_pvc(folder, csv, classes=("LVOT", "RVOT"), label_column="site")
    assert rs.class_names == ("LVOT", "RVOT") and rs.labels.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(DataError, match=r"line 4: record 'P002' has unknown site 'other'") as err:
        load_private_pvc(folder, classes=("LVOT", "RVOT"), label_column="site")
    assert err.value.path == folder / "labels.csv"


@pytest.mark.parametrize("write, message, culprit", [
    (lambda f: write_record(f, "P009", cpsc_like_records(1, seed=2, fs=250.0).signals[0], fs=250.0),
     "sampling rate 250 Hz, expected 500 Hz", "P009.hea"),
    (lambda f: write_record(f, "P009", cpsc_like_records(1, seed=2).signals[0, :2], leads=("I", "II")),
     "2 signals, expected 12 leads", "P009.hea"),
    (lambda f: write_record(f, "P009", cpsc_like_records(1, seed=2, duration_s=6.0).signals[0]),
     "record too short: 3000 samples", "P009.hea"),
    (lambda f: None, "record 'P009' listed in labels.csv not found", "P009.hea"),
])
def test_bad_records_raise_naming_the_file(tmp_path, write, message, culprit):
    write_record(tmp_path, "P000", cpsc_like_records(1, seed=0).signals[0])
    write(tmp_path)
    write_labels(tmp_path, ["P000,RV,,", "P009,LV,,"])
    with pytest.raises(DataError, match=message) as err:
        load_private_pvc(tmp_path)
    assert err.value.path == tmp_path / culprit
    assert str(tmp_path / culprit) in str(err.value)


def test_bad_label_files(tmp_path):
    write_record(tmp_path, "P000", cpsc_like_records(1, seed=0).signals[0])
    with pytest.raises(DataNotFoundError, match="labels CSV missing"):
        load_private_pvc(tmp_path)
    csv = write_labels(tmp_path, ["P000,XV,,"])
    with pytest.raises(DataError, match=r"line 2: record 'P000' has unknown label 'XV'") as err:
        load_private_pvc(tmp_path)
    assert err.value.path == csv
    write_labels(tmp_path, ["P000,RV,,", "P000,LV,,"])
    with pytest.raises(DataError, match="listed more than once"):
        load_private_pvc(tmp_path)
    write_labels(tmp_path, ["P000,RV"], header="name,label")
    with pytest.raises(DataError, match="column 'record' missing"):
        load_private_pvc(tmp_path)
    write_labels(tmp_path, ["P000,RV,,-5"])
    with pytest.raises(DataError, match="start must be a sample index"):
        load_private_pvc(tmp_path)
    write_labels(tmp_path, ["P000,RV,,"])
    with pytest.raises(ParameterError):
        load_private_pvc(tmp_path, classes=("RV", "RV"))
    assert read_pvc_labels(csv)["start"].tolist() == [0]


def test_lead_names_must_agree(tmp_path):
    sig = cpsc_like_records(2, seed=0).signals
    write_record(tmp_path, "P000", sig[0])
    write_record(tmp_path, "P001", sig[1], leads=TWELVE_LEADS[::-1])
    write_labels(tmp_path, ["P000,RV,,", "P001,LV,,"])
    with pytest.raises(DataError, match="differ from") as err:
        load_private_pvc(tmp_path)
    assert err.value.path == tmp_path / "P001.hea"
