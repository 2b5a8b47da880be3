"""Which person each record comes from: the unit that splits keeping patients apart must group by.

* MIT-BIH: 48 records from 47 subjects; records 201 and 202 come from the same man (the database's
  own description, ``mitdb`` 1.0.0 on PhysioNet), so they are one patient here.
* LUDB: 200 records; its description names no two records of one subject, so a record is a patient.
* PTB-XL: ``patient_id`` of ``ptbxl_database.csv`` (the shared subset: 1,819 records of 1,796 patients).
* Synthetic stand-ins: every record is a person of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ecgstudy.errors import DataError

#: Records of a dataset that come from one person, per its documentation (first id names the patient).
SAME_PERSON: dict[str, tuple[tuple[str, ...], ...]] = {"mitdb": (("201", "202"),)}


def patient_ids(dataset: str, record_ids: Sequence[str] | np.ndarray, *, folder: str | Path | None = None
                ) -> np.ndarray:
    """``(n,)`` str: the patient of each record (or of each segment, window or beat, given its record).

    Args:
        dataset: ``"mitdb"``, ``"ludb"``, ``"ptbxl"``, or anything else for records that are each a person.
        record_ids: the record of each item (PTB-XL: its ``ecg_id``).
        folder: the PTB-XL folder (its ``ptbxl_database.csv`` holds ``patient_id``); needed for ``"ptbxl"``.

    >>> patient_ids("mitdb", ["100", "201", "202", "202"]).tolist()
    ['100', '201', '201', '201']
    """
    ids = np.asarray(record_ids).astype(str)
    if dataset == "ptbxl":
        if folder is None:
            raise DataError(Path("ptbxl_database.csv"), "PTB-XL patients need the dataset folder (patient_id)")
        from ecgstudy.data.ptbxl import read_ptbxl_database

        db = read_ptbxl_database(folder)
        by_ecg = {str(k): f"ptbxl-patient-{int(v)}" for k, v in db["patient_id"].items()}
        missing = sorted(set(ids) - set(by_ecg))
        if missing:
            raise DataError(Path(folder) / "ptbxl_database.csv", f"ecg_id(s) without a row: {missing[:5]}")
        return np.array([by_ecg[i] for i in ids])
    out = ids.copy()
    for group in SAME_PERSON.get(dataset, ()):
        out[np.isin(ids, group)] = group[0]
    return out


def patients_on_both_sides(patients: Sequence[str] | np.ndarray, train: np.ndarray, test: np.ndarray) -> list[str]:
    """The patients with items in both ``train`` and ``test`` (index arrays or boolean masks), sorted.

    >>> p = np.array(["201", "201", "100"])
    >>> patients_on_both_sides(p, np.array([0, 2]), np.array([1]))
    ['201']
    """
    p = np.asarray(patients).astype(str)
    return sorted(set(p[train].tolist()) & set(p[test].tolist()))


def split_patients(patients_by_record: dict[str, str], test_records: Sequence[str]) -> list[str]:
    """Patients with a record in ``test_records`` and another record outside it (in training or
    validation), given every record of the split's universe and its patient.

    >>> split_patients({"100": "100", "201": "201", "202": "201"}, ["201"])
    ['201']
    >>> split_patients({"100": "100", "201": "201", "202": "201"}, ["201", "202"])
    []
    """
    test = set(map(str, test_records))
    inside = {patients_by_record[r] for r in test if r in patients_by_record}
    outside = {p for r, p in patients_by_record.items() if r not in test}
    return sorted(inside & outside)


def leakage_text(n_leaky: int, n_runs: int, *, unit: str, what: str) -> str:
    """A sentence for a page on how many of its runs put one patient on both sides of the split.

    >>> leakage_text(3, 10, unit="record-wise runs", what="MIT-BIH records 201 and 202, one patient")
    '3 of the 10 record-wise runs put one patient on both sides of their split (MIT-BIH records 201 and 202, one patient); the patient-wise grids will replace them.'
    >>> leakage_text(0, 10, unit="record-wise runs", what="x")
    'None of the 10 record-wise runs puts one patient on both sides of its split.'
    """
    if n_runs == 0:
        return f"No {unit} in this build."
    if n_leaky == 0:
        return f"None of the {n_runs} {unit} puts one patient on both sides of its split."
    return (f"{n_leaky} of the {n_runs} {unit} put one patient on both sides of their split ({what}); "
            f"the patient-wise grids will replace them.")
