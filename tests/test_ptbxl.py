"""PTB-XL reader: database facts of the shared subset, signals against wfdb, bad input."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecgstudy.data.ptbxl import (
    PTBXL_SUPERCLASSES,
    load_ptbxl,
    ptbxl_present,
    ptbxl_split,
    read_ptbxl_database,
)
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError, DataNotFoundError
from ecgstudy.testing import real_dataset


@pytest.fixture(scope="module")
def ptbxl() -> Path:
    return real_dataset("ptbxl")


@pytest.fixture(scope="module")
def present(ptbxl: Path) -> pd.DataFrame:
    return ptbxl_present(ptbxl)


@pytest.fixture
def small_copy(ptbxl: Path, present: pd.DataFrame, tmp_path: Path) -> Path:
    """A writable PTB-XL folder with the first three present records (and their db rows)."""
    root = tmp_path / "ptbxl"
    root.mkdir()
    shutil.copyfile(ptbxl / "scp_statements.csv", root / "scp_statements.csv")
    db = pd.read_csv(ptbxl / "ptbxl_database.csv", index_col="ecg_id")
    db.loc[present.index[:3]].to_csv(root / "ptbxl_database.csv")
    for rel in present["filename_lr"].iloc[:3]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        for ext in (".hea", ".dat"):
            shutil.copyfile(ptbxl / f"{rel}{ext}", root / f"{rel}{ext}")
    return root


# ------------------------------------------------------------------ real data

@pytest.mark.realdata
def test_database(ptbxl: Path) -> None:
    db = read_ptbxl_database(ptbxl)
    assert len(db) == 21837 and db.index.name == "ecg_id"
    assert db.loc[1, "scp_codes"] == {"NORM": 100.0, "LVOLT": 0.0, "SR": 0.0}
    assert db.loc[1, "diagnostic_superclass"] == ["NORM"]


@pytest.mark.realdata
def test_subset_facts(present: pd.DataFrame) -> None:
    assert len(present) == 1819 and present["patient_id"].nunique() == 1796
    split = ptbxl_split(present["strat_fold"])
    assert [int(split[k].sum()) for k in ("train", "val", "test")] == [1442, 183, 194]
    counts = Counter(c for classes in present["diagnostic_superclass"] for c in classes)
    assert counts == {"NORM": 964, "STTC": 527, "CD": 462, "MI": 262, "HYP": 193}
    assert int((present["diagnostic_superclass"].str.len() >= 2).sum()) == 467
    rhythm = Counter(k for codes in present["scp_codes"] for k in codes)
    assert (rhythm["SR"], rhythm["AFIB"], rhythm["STACH"], rhythm["SARRH"]) == (1456, 122, 66, 63)


@pytest.mark.realdata
def test_load_test_fold(ptbxl: Path, present: pd.DataFrame) -> None:
    ids = present.index[present["strat_fold"] == 10]
    rs = load_ptbxl(ptbxl, ids=ids)
    assert len(rs) == 194 and rs.signals.shape == (194, 12, 1000) and rs.signals.dtype == np.float32
    assert rs.fs == 100.0 and rs.units == "SD" and rs.lead_names == TWELVE_LEADS
    assert rs.class_names == PTBXL_SUPERCLASSES and rs.labels.shape == (194, 5)
    assert list(rs.record_ids[:2]) == [str(i) for i in ids[:2]]
    assert (rs.meta["strat_fold"] == 10).all() and set(rs.meta["sex"]) <= {"M", "F"}
    for k, classes in enumerate(rs.meta["diagnostic_superclass"]):
        assert [PTBXL_SUPERCLASSES[j] for j in np.flatnonzero(rs.labels[k])] == classes
    ref = wfdb.rdrecord(str(ptbxl / rs.meta["filename"].iloc[0]))
    np.testing.assert_allclose(rs.signals[0], ref.p_signal.T, atol=1e-6)
    # z-scored per lead by the publisher (then decimated): unit standard deviation
    assert 0.9 < float(rs.signals.std(axis=2).mean()) < 1.1


# ------------------------------------------------------------------ bad input

@pytest.mark.realdata
def test_copy_reads(small_copy: Path) -> None:
    rs = load_ptbxl(small_copy)
    assert rs.signals.shape == (3, 12, 1000)


@pytest.mark.realdata
def test_unknown_ids_and_rate(small_copy: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"ecg_id\(s\) not in the database: \[999999\]"):
        load_ptbxl(small_copy, ids=[999999])
    with pytest.raises(ValueError, match="rate must be 100 or 500"):
        load_ptbxl(small_copy, rate=250)
    with pytest.raises(DataNotFoundError, match="no PTB-XL records at 500 Hz"):
        load_ptbxl(small_copy, rate=500)


@pytest.mark.realdata
def test_wrong_sampling_rate(small_copy: Path, present: pd.DataFrame) -> None:
    rel = present["filename_lr"].iloc[0]
    hea = small_copy / f"{rel}.hea"
    name = Path(rel).name
    hea.write_text(hea.read_text().replace(f"{name} 12 100 1000", f"{name} 12 500 1000", 1))
    with pytest.raises(DataError, match=rf"{name}\.hea: sampling rate 500 Hz, expected 100 Hz"):
        load_ptbxl(small_copy)


@pytest.mark.realdata
def test_truncated_dat(small_copy: Path, present: pd.DataFrame) -> None:
    rel = present["filename_lr"].iloc[1]
    os.truncate(small_copy / f"{rel}.dat", 1000)
    with pytest.raises(DataError, match=rf"{Path(rel).name}\.dat: truncated: header promises 1000 samples"):
        load_ptbxl(small_copy)


@pytest.mark.realdata
def test_bad_scp_codes(small_copy: Path) -> None:
    path = small_copy / "ptbxl_database.csv"
    db = pd.read_csv(path)
    db.loc[1, "scp_codes"] = "{'NORM': 100.0"
    db.to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"ptbxl_database\.csv: ecg_id {db.loc[1, 'ecg_id']}: scp_codes"):
        read_ptbxl_database(small_copy)


@pytest.mark.realdata
def test_an_scp_code_missing_from_the_statements_is_named(small_copy: Path) -> None:
    path = small_copy / "ptbxl_database.csv"
    db = pd.read_csv(path)
    db.loc[2, "scp_codes"] = "{'NORM': 100.0, 'XYZ': 50.0}"  # would have been dropped silently
    db.to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"ecg_id {db.loc[2, 'ecg_id']}: SCP code\(s\) \['XYZ'\] not in scp_statements"):
        read_ptbxl_database(small_copy)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="PTB-XL folder does not exist"):
        read_ptbxl_database(tmp_path / "nowhere")
    with pytest.raises(DataNotFoundError, match=r"ptbxl_database\.csv: ptbxl_database\.csv missing"):
        load_ptbxl(tmp_path)


def test_split_masks() -> None:
    split = ptbxl_split([1, 8, 9, 10, 3])
    assert split["train"].tolist() == [True, True, False, False, True]
    assert split["val"].tolist() == [False, False, True, False, False]
    assert split["test"].tolist() == [False, False, False, True, False]
