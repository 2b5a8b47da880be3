"""LUDB reader: signals and per-lead waves against wfdb, database-wide facts, bad input."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecgstudy.data.ludb import (
    LUDB_LEAD_EXT,
    ludb_records,
    parse_ludb_comments,
    parse_waves,
    read_ludb_record,
    read_ludb_waves,
    waves_to_beats,
)
from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError, DataNotFoundError
from ecgstudy.testing import real_dataset


@pytest.fixture(scope="module")
def ludb() -> Path:
    return real_dataset("ludb")


@pytest.fixture
def ludb_copy(ludb: Path, tmp_path: Path) -> Path:
    """A writable LUDB folder holding only record 1."""
    data = tmp_path / "ludb" / "data"
    data.mkdir(parents=True)
    for src in (ludb / "data").glob("1.*"):
        shutil.copyfile(src, data / src.name)
    return tmp_path / "ludb"


# ------------------------------------------------------------------ real data

@pytest.mark.realdata
def test_record_list(ludb: Path) -> None:
    ids = ludb_records(ludb)
    assert len(ids) == 200 and ids[:3] == ["1", "2", "3"] and ids[-1] == "200"


@pytest.mark.realdata
def test_record_1_agrees_with_wfdb(ludb: Path) -> None:
    record, waves = read_ludb_record(ludb, 1)
    ref = wfdb.rdrecord(str(ludb / "data" / "1"))
    assert record.signal.shape == (12, 5000) and record.signal.dtype == np.float32
    assert record.fs == 500.0 and record.units == "mV" and record.lead_names == TWELVE_LEADS
    np.testing.assert_allclose(record.signal, ref.p_signal.T, atol=1e-6)
    assert record.meta["age"] == 51 and record.meta["sex"] == "F"
    assert record.meta["rhythm"] == "Sinus bradycardia"
    assert record.meta["diagnoses"] == [
        "Rhythm: Sinus bradycardia", "Electric axis of the heart: left axis deviation",
        "Left ventricular hypertrophy", "Left ventricular overload",
        "Non-specific repolarization abnormalities: posterior wall",
    ]
    assert set(waves) == set(TWELVE_LEADS)
    lead_i = waves["I"]
    assert list(lead_i.columns) == ["wave", "onset", "peak", "offset"]
    assert lead_i.iloc[:3].values.tolist() == [
        ["qrs", 641, 664, 690], ["t", 773, 840, 887], ["p", 1252, 1282, 1301]]
    # every kept point is an annotation of that lead's file, with its symbol
    for lead, table in waves.items():
        ann = wfdb.rdann(str(ludb / "data" / "1"), LUDB_LEAD_EXT[lead])
        sym = dict(zip(ann.sample.tolist(), ann.symbol))
        peak_sym = {"p": "p", "qrs": "N", "t": "t"}
        for wave, on, pk, off in table.itertuples(index=False):
            assert (sym[on], sym[pk], sym[off]) == ("(", peak_sym[wave], ")")
        assert len(table) == sum(s in "pNt" for s in ann.symbol)  # record 1 is clean


@pytest.mark.realdata
def test_record_1_beats(ludb: Path) -> None:
    _, waves = read_ludb_record(ludb, 1)
    beats = waves_to_beats(waves["I"])
    assert list(beats.columns) == list(FIDUCIAL_COLUMNS)
    assert len(beats) == 6
    assert beats.iloc[0].tolist() == [-1, -1, -1, 641, 664, 690, 773, 840, 887]  # P before the record
    assert beats.iloc[1].tolist() == [1252, 1282, 1301, 1324, 1344, 1374, 1457, 1519, 1567]
    assert beats.iloc[5, 6:].tolist() == [-1, -1, -1]  # T after the record's end


@pytest.mark.realdata
def test_record_7_incomplete_triplets(ludb: Path) -> None:
    record, waves = read_ludb_record(ludb, 7)
    assert record.meta["incomplete_waves"] == {
        "I": 0, "II": 0, "III": 0, "aVR": 0, "aVL": 0, "aVF": 0,
        "V1": 6, "V2": 7, "V3": 5, "V4": 0, "V5": 0, "V6": 0}
    assert len(waves["V1"]) == 16 and waves["V1"].attrs["incomplete"] == 6
    _, partial = read_ludb_record(ludb, 7, keep_partial=True)
    assert all(len(t) == 22 for t in partial.values())
    # "N )" at the start of V1: QRS at 968 kept without onset
    assert partial["V1"].iloc[0].tolist() == ["qrs", -1, 968, 996]
    beats = waves_to_beats(waves["V1"])
    assert beats.iloc[0].tolist() == [1411, 1427, 1451, 1471, 1472, 1502, 1597, 1638, 1659]


@pytest.fixture(scope="module")
def all_waves(ludb: Path) -> dict:
    """Database-wide wave counts (annotation files only; ~15 s)."""
    kinds: Counter = Counter()
    incomplete: Counter = Counter()
    n_beats = 0
    ordered = True
    for rid in ludb_records(ludb):
        for lead in TWELVE_LEADS:
            table = read_ludb_waves(ludb, rid, lead)
            kinds.update(table["wave"])
            incomplete[rid] += table.attrs["incomplete"]
            ordered &= bool(((table.onset < table.peak) & (table.peak < table.offset)).all())
            beats = waves_to_beats(table)
            n_beats += len(beats)
            has_p, has_t = beats.p_on >= 0, beats.t_on >= 0
            ordered &= bool((beats.p_off[has_p] <= beats.qrs_on[has_p]).all())
            ordered &= bool((beats.t_on[has_t] >= beats.qrs_off[has_t]).all())
    return {"kinds": kinds, "incomplete": +incomplete, "n_beats": n_beats, "ordered": ordered}


@pytest.mark.realdata
def test_database_wave_counts(all_waves: dict) -> None:
    # complete triplets: 21,965 N / 19,661 t / 16,797 p symbols minus the incomplete ones
    assert all_waves["kinds"] == {"qrs": 21843, "t": 19650, "p": 16796}
    assert all_waves["incomplete"] == {"7": 18, "8": 1, "34": 15, "95": 35, "104": 36,
                                       "111": 17, "116": 11, "198": 1}
    assert all_waves["n_beats"] == 21843
    assert all_waves["ordered"]  # onset < peak < offset; P ends before and T starts after its QRS


@pytest.mark.realdata
def test_header_facts(ludb: Path) -> None:
    rhythms, sexes = Counter(), Counter()
    for rid in ludb_records(ludb):
        hea = ludb / "data" / f"{rid}.hea"
        meta = parse_ludb_comments(wfdb.rdheader(str(hea)[:-4]).comments, hea)
        rhythms[meta["rhythm"]] += 1
        sexes[meta["sex"]] += 1
        if rid == "34":
            assert meta["age"] == 90  # ludb.csv writes ">89"
    assert rhythms["Sinus rhythm"] == 143 and rhythms["Sinus bradycardia"] == 25
    assert rhythms["Atrial fibrillation"] == 15 and rhythms["Sinus arrhythmia"] == 8
    assert sum(rhythms.values()) == 200 and sexes == {"M": 115, "F": 85}
    table = pd.read_csv(ludb / "ludb.csv")
    assert len(table) == 200


# ------------------------------------------------------------------ parsing logic

def test_parse_waves_drops_and_counts_incomplete() -> None:
    symbols = [")", "(", "p", ")", "(", "N", ")", "N", ")", "(", "t", ")", "(", "p"]
    samples = np.arange(len(symbols)) * 10
    table, incomplete = parse_waves(samples, symbols)
    assert table.values.tolist() == [["p", 10, 20, 30], ["qrs", 40, 50, 60], ["t", 90, 100, 110]]
    assert incomplete == 2  # "N )" without onset, "( p" cut by the record end
    partial, n = parse_waves(samples, symbols, keep_partial=True)
    assert n == 2 and partial.values.tolist()[2] == ["qrs", -1, 70, 80]
    assert partial.values.tolist()[-1] == ["p", 120, 130, -1]


def test_waves_to_beats_assignment() -> None:
    waves = pd.DataFrame(
        [("t", 0, 5, 10),            # T of a beat before the record: unassigned
         ("p", 20, 25, 30), ("qrs", 40, 45, 50), ("t", 60, 70, 80),
         ("p", 100, 105, 110),        # non-conducted P (2:1 block): unassigned
         ("p", 150, 155, 160), ("qrs", 170, 175, 180),  # no T
         ("qrs", 300, 305, 310), ("t", 320, 330, 340),
         ("p", 400, 405, 410)],       # P after the last QRS: unassigned
        columns=["wave", "onset", "peak", "offset"])
    beats = waves_to_beats(waves)
    assert beats.values.tolist() == [
        [20, 25, 30, 40, 45, 50, 60, 70, 80],
        [150, 155, 160, 170, 175, 180, -1, -1, -1],
        [-1, -1, -1, 300, 305, 310, 320, 330, 340],
    ]
    empty = waves_to_beats(waves.iloc[:0])
    assert empty.shape == (0, 9)


# ------------------------------------------------------------------ bad input

@pytest.mark.realdata
def test_copy_reads(ludb_copy: Path) -> None:
    record, waves = read_ludb_record(ludb_copy, 1)
    assert record.signal.shape == (12, 5000) and len(waves["I"]) == 16
    assert ludb_records(ludb_copy) == ["1"]


@pytest.mark.realdata
def test_missing_annotation_file(ludb_copy: Path) -> None:
    (ludb_copy / "data" / "1.v6").unlink()
    with pytest.raises(DataNotFoundError, match=r"1\.v6: annotation file missing"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_wrong_sampling_rate(ludb_copy: Path) -> None:
    hea = ludb_copy / "data" / "1.hea"
    hea.write_text(hea.read_text().replace("1 12 500 5000", "1 12 360 5000", 1))
    with pytest.raises(DataError, match=r"1\.hea: sampling rate 360 Hz, expected 500 Hz"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_wrong_lead_count(ludb_copy: Path) -> None:
    data = ludb_copy / "data"
    sig = np.zeros((5000, 2))
    wfdb.wrsamp("1", fs=500, units=["mV", "mV"], sig_name=["i", "ii"], p_signal=sig,
                fmt=["16", "16"], write_dir=str(data))
    with pytest.raises(DataError, match=r"1\.hea: 2 signals, expected 12 leads"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_truncated_dat(ludb_copy: Path) -> None:
    dat = ludb_copy / "data" / "1.dat"
    os.truncate(dat, 60000)
    with pytest.raises(DataError, match=r"1\.dat: truncated: header promises 5000 samples "
                                        r"\(120000 bytes\), file holds 60000 bytes"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_nan_samples(ludb_copy: Path) -> None:
    dat = ludb_copy / "data" / "1.dat"
    raw = bytearray(dat.read_bytes())
    raw[24 * 100:24 * 100 + 2] = (-32768).to_bytes(2, "little", signed=True)  # frame 100, lead i
    dat.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"1\.dat: NaN samples .* lead\(s\) i: 1"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_bad_annotation_symbol(ludb_copy: Path) -> None:
    data = ludb_copy / "data"
    wfdb.wrann("1", "i", np.array([10, 20, 30]), symbol=["(", "V", ")"], write_dir=str(data))
    with pytest.raises(DataError, match=r"1\.i: unexpected annotation symbols \['V'\]"):
        read_ludb_record(ludb_copy, 1)


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="LUDB folder does not exist"):
        ludb_records(tmp_path / "nowhere")
    (tmp_path / "ludb" / "data").mkdir(parents=True)
    with pytest.raises(DataNotFoundError, match="no LUDB records"):
        ludb_records(tmp_path / "ludb")
    with pytest.raises(DataNotFoundError, match=r"1\.hea: header file missing"):
        read_ludb_record(tmp_path / "ludb", 1)


@pytest.mark.realdata
def test_empty_lead_annotation_file_is_refused_naming_it(ludb_copy: Path) -> None:
    (ludb_copy / "data" / "1.ii").write_bytes(b"")  # the case: a record with no waves in lead II
    with pytest.raises(DataError, match=r"1\.ii: empty annotation file"):
        read_ludb_record(ludb_copy, 1)


@pytest.mark.realdata
def test_lead_annotation_file_without_qrs_is_refused(ludb_copy: Path) -> None:
    wfdb.wrann("1", "ii", np.array([10, 20, 30]), symbol=["(", "p", ")"], write_dir=str(ludb_copy / "data"))
    with pytest.raises(DataError, match=r"1\.ii: no QRS annotation"):
        read_ludb_record(ludb_copy, 1)
