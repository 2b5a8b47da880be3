"""CPSC 2018 (China Physiological Signal Challenge 2018) training set: 6,877 12-lead
records of 6-144 s at 500 Hz, nine classes, one to three labels per record.

Two forms are read:

* original (ICBEB): ``A0001.mat``... (MATLAB struct ``ECG`` with ``sex``, ``age`` and
  ``data`` 12 x N in mV) plus ``REFERENCE.csv`` (``Recording, First_label,
  Second_label, Third_label``; labels 1..9 index ``CPSC_CLASSES``);
* PhysioNet/CinC 2020/2021 WFDB form: ``A0001.hea/.mat`` with SNOMED CT codes in
  ``# Dx:`` (mapped by :mod:`ecgstudy.data.snomed`).

Records keep their own lengths; padding (xECGNet pads to 72,000 samples) is the
models' business.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import scipy.io
from sklearn.model_selection import train_test_split

from ecgstudy.data.snomed import CPSC_CLASSES, map_codes, multi_hot
from ecgstudy.data.types import EcgRecord
from ecgstudy.data.wfdb_io import TWELVE_LEADS, read_wfdb, sex_code, wfdb_units
from ecgstudy.errors import DataError, DataNotFoundError

__all__ = [
    "CPSC_CLASSES", "XECGNET_CLASS_ORDER", "CPSC_FS", "CpscSet", "read_cpsc_reference",
    "read_cpsc_mat", "read_cinc_record", "load_cpsc", "xecgnet_split",
]

#: xECGNet's class order (alphabetical; its class2index). Reorder with ``labels[list(XECGNET_CLASS_ORDER)]``.
XECGNET_CLASS_ORDER = ("AF", "I-AVB", "LBBB", "Normal", "PAC", "PVC", "RBBB", "STD", "STE")
CPSC_FS = 500.0
_LABEL_COLUMNS = ("First_label", "Second_label", "Third_label")


def _label_number(value: str) -> int | None:
    """1..9 from ``"5"`` or ``"5.0"``; ``None`` for anything else."""
    try:
        k = float(value)
    except ValueError:
        return None
    if not math.isfinite(k) or k != int(k) or not 1 <= k <= len(CPSC_CLASSES):
        return None
    return int(k)


def read_cpsc_reference(folder: str | Path) -> pd.DataFrame:
    """``REFERENCE.csv`` (``folder`` or the file itself) as a multi-hot table.

    Returns:
        index ``Recording`` (``"A0001"``...), columns ``CPSC_CLASSES`` uint8.

    Raises:
        DataError: a label that is not an integer 1..9 (naming the CSV row), a missing
            first label, a duplicated recording.
    """
    path = Path(folder)
    if path.is_dir():
        path = path / "REFERENCE.csv"
    if not path.is_file():
        raise DataNotFoundError(path, "REFERENCE.csv missing")
    try:
        ref = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(path, f"not a readable CSV file: {exc}") from exc
    missing = [c for c in ("Recording",) + _LABEL_COLUMNS[:1] if c not in ref.columns]
    if missing:
        raise DataError(path, f"columns {missing} missing (expected Recording, First_label, ...)")
    dup = ref["Recording"][ref["Recording"].duplicated()].tolist()
    if dup:
        raise DataError(path, f"recordings listed twice: {dup[:5]}")
    cols = [c for c in _LABEL_COLUMNS if c in ref.columns]
    labels = np.zeros((len(ref), len(CPSC_CLASSES)), np.uint8)
    for i, row in enumerate(ref[cols].itertuples(index=False)):
        where = f"row {i + 2} ({ref['Recording'].iat[i]})"  # CSV line number, header is line 1
        if not row[0].strip():
            raise DataError(path, f"{where}: no First_label")
        for value in row:
            value = value.strip()
            if not value:
                continue
            k = _label_number(value)
            if k is None:
                raise DataError(path, f"{where}: unknown label {value!r} (CPSC labels are 1..9: "
                                      f"{', '.join(f'{j + 1} {c}' for j, c in enumerate(CPSC_CLASSES))})")
            labels[i, k - 1] = 1
    return pd.DataFrame(labels, index=pd.Index(ref["Recording"].str.strip(), name="Recording"),
                        columns=list(CPSC_CLASSES))


def _mat_field(ecg: np.ndarray, name: str) -> object:
    try:
        value = ecg[name]
    except (ValueError, IndexError, KeyError):
        return None
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.flat[0]
    return value


def read_cpsc_mat(path: str | Path) -> EcgRecord:
    """One original CPSC 2018 record.

    Returns:
        ``signal`` ``(12, N)`` float32 mV at 500 Hz, leads ``TWELVE_LEADS``; meta ``age``
        (int or None), ``sex`` ("M"/"F"/None), ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(path, "record file missing")
    try:
        mat = scipy.io.loadmat(str(path))
    except Exception as exc:
        raise DataError(path, f"not a readable MATLAB file: {exc}") from exc
    if "ECG" not in mat:
        found = sorted(k for k in mat if not k.startswith("__"))
        hint = " (a 'val' array is the CinC WFDB form: use read_cinc_record)" if "val" in found else ""
        raise DataError(path, f"no MATLAB struct 'ECG' (variables: {found}){hint}")
    ecg = mat["ECG"]
    data = _mat_field(ecg, "data")
    if not isinstance(data, np.ndarray) or data.dtype == object:
        raise DataError(path, "struct 'ECG' has no numeric field 'data'")
    if data.ndim != 2 or data.shape[0] != 12 or data.shape[1] == 0:
        raise DataError(path, f"ECG.data has shape {data.shape}, expected (12, samples)")
    if not np.isfinite(data).all():
        bad = (~np.isfinite(data)).sum(axis=1)
        where = ", ".join(f"{TWELVE_LEADS[i]}: {n}" for i, n in enumerate(bad) if n)
        raise DataError(path, f"non-finite samples (NaN/inf) in lead(s) {where}")
    age = _mat_field(ecg, "age")
    try:
        age_f = float(np.asarray(age).ravel()[0])
        age_v = int(age_f) if np.isfinite(age_f) and age_f >= 0 else None
    except (TypeError, ValueError, IndexError):
        age_v = None
    sex = _mat_field(ecg, "sex")
    sex_v = sex_code(np.asarray(sex).ravel()[0]) if sex is not None and np.asarray(sex).size else None
    return EcgRecord(record_id=path.stem, signal=data.astype(np.float32), fs=CPSC_FS,
                     lead_names=TWELVE_LEADS, units="mV",
                     meta={"age": age_v, "sex": sex_v, "path": str(path)})


def _parse_cinc_comments(comments: list[str]) -> dict:
    meta: dict = {"age": None, "sex": None, "snomed": None}
    for line in comments:
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "age":
            try:
                age = float(value)
                meta["age"] = int(age) if np.isfinite(age) and age >= 0 else None
            except ValueError:
                meta["age"] = None
        elif key == "sex":
            meta["sex"] = sex_code(value)
        elif key == "dx":
            meta["snomed"] = [c.strip() for c in value.split(",") if c.strip()]
    return meta


def read_cinc_record(folder: str | Path, record_id: str, *, fs: float | None = CPSC_FS,
                     on_unknown: str = "ignore") -> EcgRecord:
    """One record of the PhysioNet/CinC 2020/2021 WFDB form.

    Args:
        folder: folder holding ``<record_id>.hea`` and its ``.mat``.
        fs: expected sampling rate in Hz (``None``: any; CinC 2021 mixes 257-1000 Hz).
        on_unknown: what to do with ``# Dx`` codes outside the nine classes
            (``"ignore"``: keep them in ``meta["unmapped"]``; ``"raise"``).

    Returns:
        ``signal`` ``(12, N)`` float32 mV; meta ``age``, ``sex``, ``snomed`` (codes as
        written), ``classes`` (CPSC classes), ``unmapped``, ``path``.
    """
    base = Path(folder) / record_id
    rec = read_wfdb(base, fs=fs, n_leads=12, leads=TWELVE_LEADS)
    hea = base.with_name(base.name + ".hea")
    meta = _parse_cinc_comments(rec.comments)
    if meta["snomed"] is None:
        raise DataError(hea, "no '# Dx:' line (diagnosis codes) in the header")
    meta["classes"], meta["unmapped"] = map_codes(meta["snomed"], on_unknown=on_unknown, path=hea)
    meta["path"] = str(hea)
    return EcgRecord(record_id=record_id, signal=rec.p_signal.T.astype(np.float32), fs=float(rec.fs),
                     lead_names=TWELVE_LEADS, units=wfdb_units(rec, hea), meta=meta)


@dataclass
class CpscSet:
    """Variable-length CPSC records with their labels.

    Attributes:
        records: one :class:`EcgRecord` per recording, ``signal`` ``(12, N_i)`` mV.
        labels: index record id (aligned with ``records``), columns ``CPSC_CLASSES`` uint8.
        form: ``"original"`` or ``"wfdb"``.
        unknown_codes: ``{code: records}`` of ``# Dx`` codes outside the nine classes.
    """

    records: list[EcgRecord]
    labels: pd.DataFrame
    form: str
    unknown_codes: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.records)


def _detect_form(folder: Path) -> str:
    if any(folder.rglob("*.hea")):
        return "wfdb"
    if any(folder.glob("*.mat")):
        return "original"
    raise DataNotFoundError(folder, "no CPSC 2018 records: neither A*.mat with REFERENCE.csv "
                                    "(original form) nor .hea/.mat pairs (CinC WFDB form)")


def load_cpsc(folder: str | Path, *, form: str = "auto", on_unknown: str = "ignore",
              ids: Iterable[str] | None = None) -> CpscSet:
    """Load the CPSC records present in ``folder``.

    Args:
        form: ``"original"``, ``"wfdb"`` or ``"auto"`` (WFDB if any ``.hea`` is found).
        on_unknown: passed to :func:`read_cinc_record` (WFDB form only).
        ids: record ids to load (default: every record found).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError(folder, "CPSC 2018 folder does not exist")
    if form == "auto":
        form = _detect_form(folder)
    if form == "original":
        reference = read_cpsc_reference(folder)
        paths = {p.stem: p for p in sorted(folder.glob("*.mat"))}
    elif form == "wfdb":
        paths = {p.stem: p for p in sorted(folder.rglob("*.hea"))}
    else:
        raise ValueError(f"form must be 'auto', 'original' or 'wfdb', got {form!r}")
    if ids is not None:
        wanted = list(ids)
        absent = [i for i in wanted if i not in paths]
        if absent:
            raise DataNotFoundError(folder, f"records not found: {absent[:10]}")
        paths = {i: paths[i] for i in wanted}
    if not paths:
        raise DataNotFoundError(folder, f"no CPSC 2018 records ({form} form)")
    records: list[EcgRecord] = []
    unknown: Counter[str] = Counter()
    if form == "original":
        for rid, path in paths.items():
            if rid not in reference.index:
                raise DataError(path, f"no row for {rid} in {folder / 'REFERENCE.csv'}")
            records.append(read_cpsc_mat(path))
        labels = reference.loc[list(paths)].copy()
    else:
        for rid, path in paths.items():
            rec = read_cinc_record(path.parent, rid, on_unknown=on_unknown)
            unknown.update(set(rec.meta["unmapped"]))
            records.append(rec)
        labels = pd.DataFrame(multi_hot(r.meta["classes"] for r in records),
                              index=pd.Index(list(paths), name="Recording"), columns=list(CPSC_CLASSES))
    return CpscSet(records=records, labels=labels, form=form, unknown_codes=dict(unknown))


def xecgnet_split(names: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """xECGNet's record split: ``sorted(names)``; 20 % test with
    ``train_test_split(test_size=0.2, shuffle=True, random_state=1004)``; then 5 % of the
    rest as validation (``test_size=0.05, random_state=1004``).

    On the 6,877 CPSC 2018 recordings: 5,225 train / 276 val / 1,376 test.

    Returns:
        (train, val, test) lists of names, in the order sklearn returns them.
    """
    ordered = sorted(names)
    rest, test = train_test_split(ordered, test_size=0.2, shuffle=True, random_state=1004)
    train, val = train_test_split(rest, test_size=0.05, random_state=1004)
    return list(train), list(val), list(test)
