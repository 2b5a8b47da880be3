"""Loader for PVC-origin data laid out like the ICLR paper's private dataset (paper 2, §4.1).

The paper's dataset (508 patients, GE MAC5500, 12 leads at 500 Hz, one 10 s segment
with PVCs per patient, origin LV/RV and LVOT/RVOT confirmed by ablation) is not public.
Holders of similar data can run the ICLR chapter on it with this loader.

Layout::

    <folder>/
        labels.csv          # columns: record, label [, start] [, anything else]
        P0001.hea P0001.dat # WFDB records, 12 leads, 500 Hz (any sub-folder is fine:
        sub/P0002.hea ...   #   `record` is the path relative to <folder>, without extension)

* ``record``: the WFDB record name relative to ``folder`` (``P0001``, ``sub/P0002``).
* ``label``: the class, one of ``classes`` (default ``("LV", "RV")``; pass
  ``("LVOT", "RVOT")`` for the outflow-tract task, or point ``label_column`` at another
  column of the same CSV).
* ``start`` (optional): first sample of the 10 s segment to use, for records longer than
  10 s (the cardiologist's choice in the paper); default 0.

Every other column is copied into ``meta``. No filtering or normalisation is applied:
signals are returned in the records' physical units (the authors' filter chain is
uncertain, spec §2.2).

Errors (:class:`~ecgstudy.errors.DataError`, each naming the file): labels CSV missing
or without the needed columns, a duplicated record, an empty or unknown label, a missing
record (``.hea`` absent, :class:`~ecgstudy.errors.DataNotFoundError`), wrong sampling
rate, wrong lead count, leads that differ between records, mixed units, a record shorter
than ``start + n_samples``, a bad ``start``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.data.types import RecordSet
from ecgstudy.data.wfdb_io import read_wfdb, wfdb_units
from ecgstudy.errors import DataError, DataNotFoundError, ParameterError

#: Default classes (the paper's (RV, LV) task; the positive class there is RV).
PVC_ORIGIN_CLASSES = ("LV", "RV")
PVC_FS = 500.0
PVC_LEADS = 12
PVC_SAMPLES = 5000


def read_pvc_labels(path: str | Path, *, classes: Sequence[str] = PVC_ORIGIN_CLASSES,
                    label_column: str = "label") -> pd.DataFrame:
    """Read and check a labels CSV.

    Returns:
        the CSV as a DataFrame (``record`` and ``label_column`` as str, ``start`` int,
        0 where absent), in file order.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(path, "labels CSV missing (columns: record, label [, start])")
    try:
        table = pd.read_csv(path, dtype={"record": str, label_column: str}, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(path, f"not a readable CSV: {exc}") from exc
    for col in ("record", label_column):
        if col not in table.columns:
            raise DataError(path, f"column {col!r} missing (columns found: {list(table.columns)})")
    table["record"] = table["record"].str.strip()
    table[label_column] = table[label_column].str.strip()
    if (table["record"] == "").any():
        row = int(np.flatnonzero(table["record"] == "")[0]) + 2
        raise DataError(path, f"line {row}: empty record name")
    dup = table["record"][table["record"].duplicated()]
    if len(dup):
        raise DataError(path, f"record(s) listed more than once: {sorted(set(dup))[:10]}")
    known = set(classes)
    bad = table[~table[label_column].isin(known)]
    if len(bad):
        first = bad.iloc[0]
        raise DataError(path, f"line {int(bad.index[0]) + 2}: record {first['record']!r} has unknown "
                              f"{label_column} {first[label_column]!r} ({len(bad)} row(s) in all); "
                              f"expected one of {tuple(classes)} (pass classes=...)")
    if "start" in table.columns:
        start = pd.to_numeric(table["start"].replace("", "0"), errors="coerce")
        if start.isna().any() or (start < 0).any() or (start != start.round()).any():
            row = int(np.flatnonzero(start.isna() | (start < 0) | (start != start.round()))[0])
            raise DataError(path, f"line {row + 2}: start must be a sample index >= 0, "
                                  f"got {table['start'].iloc[row]!r}")
        table["start"] = start.astype(np.int64)
    else:
        table["start"] = np.int64(0)
    return table


def load_private_pvc(folder: str | Path, labels_csv: str | Path | None = None, *,
                     classes: Sequence[str] = PVC_ORIGIN_CLASSES, label_column: str = "label",
                     fs: float = PVC_FS, n_leads: int = PVC_LEADS,
                     n_samples: int = PVC_SAMPLES) -> RecordSet:
    """Load the records listed in the labels CSV as 10 s segments.

    Args:
        folder: the folder the ``record`` names are relative to.
        labels_csv: the labels CSV (default ``<folder>/labels.csv``).
        classes: allowed labels, in label-column order (``("LV", "RV")``, ``("LVOT", "RVOT")``).
        label_column: the CSV column holding the class.
        fs: required sampling rate, Hz.
        n_leads: required number of leads.
        n_samples: segment length (5,000 = 10 s at 500 Hz).

    Returns:
        :class:`RecordSet` with ``signals`` ``(n, n_leads, n_samples)`` float32 (samples
        ``[start, start + n_samples)`` of each record), ``labels`` ``(n, len(classes))``
        one-hot uint8, ``class_names = classes``, ``record_ids`` the CSV's ``record``,
        ``meta`` the CSV rows plus ``path`` and ``record_samples`` (full length), ``lead_names``
        from the headers, ``source="private_pvc"``.
    """
    classes = tuple(str(c) for c in classes)
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ParameterError(f"classes must be >= 2 distinct labels, got {classes!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError(folder, "PVC data folder does not exist")
    csv = Path(labels_csv) if labels_csv is not None else folder / "labels.csv"
    table = read_pvc_labels(csv, classes=classes, label_column=label_column)
    if table.empty:
        raise DataError(csv, "no records listed")
    signals = np.empty((len(table), n_leads, n_samples), np.float32)
    lead_names: tuple[str, ...] | None = None
    first_hea: Path | None = None
    units: set[str] = set()
    lengths, paths = [], []
    for k, (name, start) in enumerate(zip(table["record"], table["start"])):
        base = folder / name
        hea = base.with_name(base.name + ".hea")
        if not hea.is_file():
            raise DataNotFoundError(hea, f"record {name!r} listed in {csv.name} not found")
        rec = read_wfdb(base, fs=float(fs), n_leads=n_leads)
        names = tuple(str(s) for s in rec.sig_name)
        if lead_names is None:
            lead_names, first_hea = names, hea
        elif [s.lower() for s in names] != [s.lower() for s in lead_names]:
            raise DataError(hea, f"leads {list(names)} differ from {list(lead_names)} of {first_hea}")
        units.add(wfdb_units(rec, hea))
        if len(units) > 1:
            raise DataError(hea, f"records use different units: {sorted(units)}")
        if rec.sig_len < start + n_samples:
            raise DataError(hea, f"record too short: {rec.sig_len} samples ({rec.sig_len / fs:g} s), "
                                 f"need {start + n_samples} (start {start} + {n_samples} samples)")
        signals[k] = rec.p_signal[start:start + n_samples].T
        lengths.append(int(rec.sig_len))
        paths.append(str(hea))
    labels = np.zeros((len(table), len(classes)), np.uint8)
    labels[np.arange(len(table)), [list(classes).index(v) for v in table[label_column]]] = 1
    meta = table.reset_index(drop=True).copy()
    meta["path"] = paths
    meta["record_samples"] = lengths
    return RecordSet(signals=signals, labels=labels, class_names=tuple(classes),
                     record_ids=table["record"].to_numpy().astype(str), meta=meta, fs=float(fs),
                     lead_names=lead_names or (), units=units.pop(), source="private_pvc")
