"""PTB-XL: 12-lead 10 s ECGs with SCP-ECG statements, in PhysioNet's layout.

``<folder>/ptbxl_database.csv`` (one row per ECG, ``ecg_id`` index), ``scp_statements.csv``
and ``records100/`` (100 Hz, ``filename_lr``) or ``records500/`` (500 Hz, ``filename_hr``).
Diagnostic superclasses follow PTB-XL's example code: every code of ``scp_codes`` whose
statement has ``diagnostic == 1`` contributes its ``diagnostic_class`` (whatever its
likelihood). Splits follow ``strat_fold``: 1-8 train, 9 validation, 10 test.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ecgstudy.data.types import RecordSet
from ecgstudy.data.wfdb_io import TWELVE_LEADS, read_wfdb, sex_code, wfdb_units
from ecgstudy.errors import DataError, DataNotFoundError

#: The five diagnostic superclasses, in label-column order.
PTBXL_SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")
_FILE_COLUMN = {100: "filename_lr", 500: "filename_hr"}


def _csv(folder: str | Path, name: str) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError(folder, "PTB-XL folder does not exist")
    path = folder / name
    if not path.is_file():
        raise DataNotFoundError(path, f"{name} missing (PTB-XL keeps it at the dataset root)")
    return path


def _rate_column(rate: int) -> str:
    if rate not in _FILE_COLUMN:
        raise ValueError(f"rate must be 100 or 500 Hz, got {rate}")
    return _FILE_COLUMN[rate]


def read_scp_statements(folder: str | Path) -> pd.DataFrame:
    """``scp_statements.csv`` indexed by SCP code."""
    return pd.read_csv(_csv(folder, "scp_statements.csv"), index_col=0)


def read_ptbxl_database(folder: str | Path) -> pd.DataFrame:
    """``ptbxl_database.csv`` indexed by ``ecg_id``, with ``scp_codes`` parsed to
    ``{code: likelihood}`` dicts and ``diagnostic_superclass`` (list of superclasses,
    in ``PTBXL_SUPERCLASSES`` order) added."""
    path = _csv(folder, "ptbxl_database.csv")
    try:
        db = pd.read_csv(path, index_col="ecg_id")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(path, f"not a readable PTB-XL database: {exc}") from exc
    for col in ("scp_codes", "strat_fold", "filename_lr", "filename_hr"):
        if col not in db.columns:
            raise DataError(path, f"column {col!r} missing")

    def parse(text: str, ecg_id: int) -> dict:
        try:
            codes = ast.literal_eval(text)
        except (ValueError, SyntaxError) as exc:
            raise DataError(path, f"ecg_id {ecg_id}: scp_codes is not a dict literal: {text!r}") from exc
        if not isinstance(codes, dict):
            raise DataError(path, f"ecg_id {ecg_id}: scp_codes is not a dict literal: {text!r}")
        return codes

    db["scp_codes"] = [parse(t, i) for i, t in zip(db.index, db["scp_codes"])]
    statements = read_scp_statements(folder)
    if not {"diagnostic", "diagnostic_class"} <= set(statements.columns):
        raise DataError(Path(folder) / "scp_statements.csv", "columns 'diagnostic'/'diagnostic_class' missing")
    for ecg_id, codes in zip(db.index, db["scp_codes"]):
        unknown = sorted(k for k in codes if k not in statements.index)
        if unknown:  # dropping it would give the record a silently incomplete (perhaps all-zero) label row
            raise DataError(path, f"ecg_id {ecg_id}: SCP code(s) {unknown} not in scp_statements.csv")
    diag = statements.loc[statements["diagnostic"] == 1, "diagnostic_class"].to_dict()
    db["diagnostic_superclass"] = [
        [c for c in PTBXL_SUPERCLASSES if c in {diag[k] for k in codes if k in diag}]
        for codes in db["scp_codes"]
    ]
    return db


def ptbxl_present(folder: str | Path, *, rate: int = 100) -> pd.DataFrame:
    """The rows of :func:`read_ptbxl_database` whose ``.hea`` and ``.dat`` exist at ``rate`` Hz."""
    col = _rate_column(rate)
    db = read_ptbxl_database(folder)
    root = Path(folder)
    keep = [(root / f"{f}.hea").is_file() and (root / f"{f}.dat").is_file() for f in db[col]]
    present = db[np.array(keep, dtype=bool)]
    if present.empty:
        raise DataNotFoundError(root / f"records{rate}", f"no PTB-XL records at {rate} Hz")
    return present


def superclass_labels(superclasses: Iterable[list[str]]) -> np.ndarray:
    """``(n, 5)`` uint8 multi-hot in ``PTBXL_SUPERCLASSES`` order."""
    rows = list(superclasses)
    out = np.zeros((len(rows), len(PTBXL_SUPERCLASSES)), np.uint8)
    for i, classes in enumerate(rows):
        for c in classes:
            out[i, PTBXL_SUPERCLASSES.index(c)] = 1
    return out


def ptbxl_split(strat_fold: Iterable[int]) -> dict[str, np.ndarray]:
    """Boolean masks ``train`` (folds 1-8), ``val`` (9), ``test`` (10)."""
    fold = np.asarray(list(strat_fold))
    return {"train": fold <= 8, "val": fold == 9, "test": fold == 10}


def load_ptbxl(folder: str | Path, *, rate: int = 100, ids: Iterable[int] | None = None) -> RecordSet:
    """Load PTB-XL records into a :class:`RecordSet`.

    Args:
        folder: the PTB-XL root.
        rate: 100 or 500 Hz.
        ids: ``ecg_id`` values to load (in that order); default all present records.

    Returns:
        ``signals`` ``(n, 12, 10 * rate)`` float32 in the headers' unit (mV for PTB-XL,
        ``SD`` for the shared z-scored subset); ``labels`` ``(n, 5)`` superclass
        multi-hot; ``meta`` with ``ecg_id, patient_id, age, sex ("M"/"F"), strat_fold,
        scp_codes, diagnostic_superclass, filename``.
    """
    col = _rate_column(rate)
    root = Path(folder)
    if ids is None:
        db = ptbxl_present(root, rate=rate)
    else:
        db = read_ptbxl_database(root)
        wanted = [int(i) for i in ids]
        unknown = [i for i in wanted if i not in db.index]
        if unknown:
            raise DataNotFoundError(root / "ptbxl_database.csv", f"ecg_id(s) not in the database: {unknown[:10]}")
        db = db.loc[wanted]
    n_samples = int(10 * rate)
    signals = np.empty((len(db), 12, n_samples), np.float32)
    units: set[str] = set()
    for k, rel in enumerate(db[col]):
        rec = read_wfdb(root / rel, fs=float(rate), n_leads=12, leads=TWELVE_LEADS)
        if rec.sig_len != n_samples:
            raise DataError(root / f"{rel}.hea", f"{rec.sig_len} samples, expected {n_samples} (10 s)")
        units.add(wfdb_units(rec, root / f"{rel}.hea"))
        signals[k] = rec.p_signal.T
    if len(units) > 1:
        raise DataError(root, f"records use different units: {sorted(units)}")
    meta = pd.DataFrame({
        "ecg_id": db.index.to_numpy(),
        "patient_id": db["patient_id"].to_numpy(),
        "age": db["age"].to_numpy(),
        "sex": [sex_code({0: "M", 1: "F"}.get(s, s)) for s in db["sex"]],
        "strat_fold": db["strat_fold"].to_numpy(),
        "scp_codes": list(db["scp_codes"]),
        "diagnostic_superclass": list(db["diagnostic_superclass"]),
        "filename": list(db[col]),
    })
    return RecordSet(
        signals=signals, labels=superclass_labels(db["diagnostic_superclass"]),
        class_names=PTBXL_SUPERCLASSES, record_ids=np.array([str(i) for i in db.index]),
        meta=meta, fs=float(rate), lead_names=TWELVE_LEADS,
        units=units.pop() if units else "mV", source="ptbxl",
    )
