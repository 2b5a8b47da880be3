"""LUDB (Lobachevsky University ECG Database, v1.0.1): 200 records, 12 leads, 10 s at 500 Hz,
with P, QRS and T onset/peak/offset annotated per lead.

Layout: ``<folder>/data/<id>.hea|.dat`` plus one annotation file per lead with the lead
as extension (``.i .ii .iii .avr .avl .avf .v1``-``.v6``). Each wave is annotated as the
triplet ``(`` onset, peak (``p`` P wave, ``N`` QRS, ``t`` T wave), ``)`` offset.

A few annotations are not clean triplets (a peak without its onset, e.g. ``N )``, mostly
in records 7, 34, 95, 104, 111; a peak annotated before its onset; nested duplicates
in record 116). Such waves are dropped by default and counted
(``record.meta["incomplete_waves"]``, per lead).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.data.check import LUDB_ANNOTATION_EXTS
from ecgstudy.data.types import FIDUCIAL_COLUMNS, EcgRecord
from ecgstudy.data.wfdb_io import TWELVE_LEADS, read_annotations, read_wfdb, sex_code, wfdb_units
from ecgstudy.errors import DataError, DataNotFoundError

LUDB_FS = 500.0
#: Annotation file extension of each lead, aligned with ``TWELVE_LEADS``.
LUDB_LEAD_EXT = dict(zip(TWELVE_LEADS, LUDB_ANNOTATION_EXTS))
#: Peak symbol -> wave name.
WAVE_OF_SYMBOL = {"p": "p", "N": "qrs", "t": "t"}
WAVE_COLUMNS = ("wave", "onset", "peak", "offset")


def _data_dir(folder: str | Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError(folder, "LUDB folder does not exist")
    return folder / "data" if (folder / "data").is_dir() else folder


def ludb_records(folder: str | Path) -> list[str]:
    """Record ids (``"1"`` ... ``"200"``), from ``RECORDS`` if present, sorted numerically."""
    folder = Path(folder)
    data = _data_dir(folder)
    listing = folder / "RECORDS"
    if listing.is_file():
        ids = [Path(line.strip()).name for line in listing.read_text().splitlines() if line.strip()]
    else:
        ids = [p.stem for p in data.glob("*.hea")]
    if not ids:
        raise DataNotFoundError(data, "no LUDB records (no .hea files and no RECORDS list)")
    return sorted(ids, key=lambda s: (len(s), s))


def parse_ludb_comments(comments: list[str], path: str | Path) -> dict:
    """``age`` (int; 90 stands for ">89"), ``sex`` ("M"/"F"), ``diagnoses`` (list of str),
    ``rhythm`` (str) from the header comment lines."""
    meta: dict = {"age": None, "sex": None, "diagnoses": [], "rhythm": None}
    in_dx = False
    for line in comments:
        line = line.strip()
        if line.startswith("<age>:"):
            value = line.split(":", 1)[1].strip().lstrip(">")
            meta["age"] = int(value) if value.isdigit() else None
        elif line.startswith("<sex>:"):
            meta["sex"] = sex_code(line.split(":", 1)[1])
        elif line.startswith("<diagnoses>:"):
            in_dx = True
        elif in_dx and line:
            dx = line.rstrip(". ").strip()
            meta["diagnoses"].append(dx)
            if dx.startswith("Rhythm:"):
                meta["rhythm"] = dx.split(":", 1)[1].strip()
    if not in_dx:
        raise DataError(path, "no '<diagnoses>:' comment line (not a LUDB header?)")
    return meta


def parse_waves(sample: np.ndarray, symbol: list[str], *, keep_partial: bool = False
                ) -> tuple[pd.DataFrame, int]:
    """Wave table from one lead's annotations.

    Args:
        sample: ``(n,)`` annotation positions (samples), in file order.
        symbol: ``(n,)`` symbols ``(``, ``p``/``N``/``t``, ``)``.
        keep_partial: keep a peak whose onset or offset is missing, with -1 there.

    Returns:
        (table with columns ``wave, onset, peak, offset`` sorted by peak, number of
        peaks without a complete ``( peak )`` triplet).
    """
    n = len(symbol)
    rows, incomplete = [], 0
    for i, s in enumerate(symbol):
        wave = WAVE_OF_SYMBOL.get(s)
        if wave is None:
            continue
        has_on = i > 0 and symbol[i - 1] == "("
        has_off = i + 1 < n and symbol[i + 1] == ")"
        if not (has_on and has_off):
            incomplete += 1
            if not keep_partial:
                continue
        rows.append((wave, int(sample[i - 1]) if has_on else -1, int(sample[i]),
                     int(sample[i + 1]) if has_off else -1))
    table = pd.DataFrame(rows, columns=list(WAVE_COLUMNS))
    table[["onset", "peak", "offset"]] = table[["onset", "peak", "offset"]].astype(np.int64)
    return table.sort_values("peak", kind="stable").reset_index(drop=True), incomplete


def read_ludb_waves(folder: str | Path, record_id: str | int, lead: str, *,
                    keep_partial: bool = False) -> pd.DataFrame:
    """Wave table of one lead (``"I"``...``"V6"`` or the extension ``"i"``...``"v6"``).

    ``table.attrs["incomplete"]`` holds the number of dropped (or, with
    ``keep_partial``, partial) waves.
    """
    ext = LUDB_LEAD_EXT.get(lead, lead)
    if ext not in LUDB_ANNOTATION_EXTS:
        raise ValueError(f"unknown LUDB lead {lead!r}; one of {TWELVE_LEADS}")
    base = _data_dir(folder) / str(record_id)
    path = base.with_name(f"{base.name}.{ext}")
    ann = read_annotations(base, ext, missing=f"annotation file missing (LUDB has one per lead: "
                                              f"{', '.join('.' + e for e in LUDB_ANNOTATION_EXTS)})")
    bad = sorted({s for s in ann.symbol if s not in "()" and s not in WAVE_OF_SYMBOL})
    if bad:
        raise DataError(path, f"unexpected annotation symbols {bad} (LUDB uses ( ) p N t)")
    if "N" not in ann.symbol:
        raise DataError(path, "no QRS annotation (every lead of LUDB annotates at least 4)")
    table, incomplete = parse_waves(ann.sample, ann.symbol, keep_partial=keep_partial)
    table.attrs["incomplete"] = incomplete
    return table


def read_ludb_record(folder: str | Path, record_id: str | int, *, keep_partial: bool = False
                     ) -> tuple[EcgRecord, dict[str, pd.DataFrame]]:
    """One LUDB record and its per-lead wave tables.

    Returns:
        (record with ``signal`` ``(12, 5000)`` float32 mV at 500 Hz, leads
        ``TWELVE_LEADS``, meta ``age``, ``sex``, ``diagnoses``, ``rhythm``, ``path``,
        ``incomplete_waves``; ``{lead name: wave table}`` from :func:`read_ludb_waves`).
    """
    base = _data_dir(folder) / str(record_id)
    rec = read_wfdb(base, fs=LUDB_FS, n_leads=12, leads=LUDB_ANNOTATION_EXTS)
    hea = base.with_name(base.name + ".hea")
    meta = parse_ludb_comments(rec.comments, hea)
    waves = {lead: read_ludb_waves(folder, record_id, lead, keep_partial=keep_partial)
             for lead in TWELVE_LEADS}
    meta["path"] = str(hea)
    meta["incomplete_waves"] = {lead: t.attrs["incomplete"] for lead, t in waves.items()}
    record = EcgRecord(record_id=str(record_id), signal=rec.p_signal.T.astype(np.float32),
                       fs=float(rec.fs), lead_names=TWELVE_LEADS, units=wfdb_units(rec, hea),
                       meta=meta)
    return record, waves


def waves_to_beats(waves: pd.DataFrame) -> pd.DataFrame:
    """Per-beat fiducial table (``FIDUCIAL_COLUMNS``, samples, -1 if absent) of one lead.

    One row per QRS, in time order. A P wave belongs to the next QRS (the latest P
    between the previous QRS peak and this one); a T wave belongs to the previous QRS
    (the earliest T between this QRS peak and the next). Other P/T waves (before the
    first or after the last QRS, or non-conducted P waves) are left out.
    """
    qrs = waves[waves["wave"] == "qrs"].sort_values("peak")
    out = np.full((len(qrs), len(FIDUCIAL_COLUMNS)), -1, dtype=np.int64)
    out[:, 3:6] = qrs[["onset", "peak", "offset"]].to_numpy()
    peaks = out[:, 4]
    for name, col in (("p", 0), ("t", 6)):
        sub = waves[waves["wave"] == name].sort_values("peak")
        vals = sub[["onset", "peak", "offset"]].to_numpy()
        if name == "p":  # next QRS; iterate forwards so the latest P wins
            idx = np.searchsorted(peaks, vals[:, 1], side="right")
            order = range(len(vals))
        else:  # previous QRS; iterate backwards so the earliest T wins
            idx = np.searchsorted(peaks, vals[:, 1], side="left") - 1
            order = range(len(vals) - 1, -1, -1)
        for k in order:
            if 0 <= idx[k] < len(peaks):
                out[idx[k], col:col + 3] = vals[k]
    return pd.DataFrame(out, columns=list(FIDUCIAL_COLUMNS))
