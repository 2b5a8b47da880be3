"""Checked WFDB reading shared by the 12-lead readers.

:func:`read_wfdb` turns wfdb's terse failures into :class:`DataError` messages naming the
file and the problem (missing or unreadable header, wrong sampling rate, lead count or
names, missing or truncated signal file, NaN samples).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import wfdb

from ecgstudy.errors import DataError, DataNotFoundError

#: Standard 12-lead order used by every 12-lead reader (names as in the CinC headers).
TWELVE_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

# Bytes per sample of the WFDB storage formats (https://wfdb.io/spec/signal-files.html).
_FMT_BYTES = {"8": 1, "16": 2, "61": 2, "80": 1, "160": 2, "24": 3, "32": 4,
              "212": 1.5, "310": 4 / 3, "311": 4 / 3}


def _sig_files(header: wfdb.Record) -> dict[str, tuple[int, float]]:
    """Per signal file: (byte offset, bytes per frame); bytes ``nan`` if the format is unknown."""
    out: dict[str, tuple[int, float]] = {}
    for i, name in enumerate(header.file_name):
        offset = int((header.byte_offset or [None] * header.n_sig)[i] or 0)
        spf = int((header.samps_per_frame or [1] * header.n_sig)[i] or 1)
        size = _FMT_BYTES.get(str(header.fmt[i]), math.nan) * spf
        old = out.get(name, (offset, 0.0))
        out[name] = (old[0], old[1] + size)
    return out


def _check_files(header: wfdb.Record, hea: Path) -> None:
    """Raise if a signal file named in ``header`` is missing or shorter than promised."""
    if not header.sig_len:
        raise DataError(hea, "header gives no samples (signal length 0 or missing)")
    for name, (offset, frame_bytes) in _sig_files(header).items():
        path = hea.parent / name
        if not path.is_file():
            raise DataNotFoundError(path, f"signal file missing (named in {hea.name})")
        if math.isnan(frame_bytes):  # a format whose size we do not know: let wfdb judge
            continue
        need = offset + math.ceil(header.sig_len * frame_bytes)
        have = path.stat().st_size
        if have < need:
            held = int((have - offset) // frame_bytes) if have > offset else 0
            raise DataError(path, f"truncated: header promises {header.sig_len} samples "
                                  f"({need} bytes), file holds {have} bytes (~{held} samples)")


def read_wfdb(record: str | Path, *, fs: float | None = None, n_leads: int | None = None,
              leads: tuple[str, ...] | None = None) -> wfdb.Record:
    """Read a WFDB record (path without extension) with checks; physical units.

    Checks, each raising :class:`DataError` naming the file: header present and
    parseable, sampling rate ``fs`` (Hz) and lead count ``n_leads`` as expected, lead
    names equal to ``leads`` (case-insensitive), signal files present and not truncated,
    no NaN samples (WFDB invalid-sample markers).

    Returns:
        the ``wfdb.Record``; ``p_signal`` is ``(samples, leads)`` float64.
    """
    record = Path(record)
    hea = record.with_name(record.name + ".hea")
    try:
        if not hea.is_file():
            raise DataNotFoundError(hea, "header file missing")
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise DataError(hea, f"cannot open ({exc.strerror or exc})") from None
    try:
        header = wfdb.rdheader(str(record))
    except Exception as hexc:
        raise DataError(hea, f"corrupt header ({type(hexc).__name__}: {hexc})") from None
    if fs is not None and header.fs is not None and not math.isclose(float(header.fs), fs):
        raise DataError(hea, f"sampling rate {header.fs:g} Hz, expected {fs:g} Hz")
    if n_leads is not None and header.n_sig != n_leads:
        raise DataError(hea, f"{header.n_sig} signals, expected {n_leads} leads (as the header declares)")
    _check_files(header, hea)  # before decoding: a short file is named as truncated, not as a numpy error
    try:
        rec = wfdb.rdrecord(str(record), physical=True)
    except Exception as exc:  # wfdb's messages name neither file nor cause
        raise DataError(hea.parent / header.file_name[0], f"unreadable signal: {exc}") from exc
    if fs is not None and not math.isclose(float(rec.fs), fs):
        raise DataError(hea, f"sampling rate {rec.fs:g} Hz, expected {fs:g} Hz")
    if leads is not None and [s.lower() for s in rec.sig_name] != [s.lower() for s in leads]:
        raise DataError(hea, f"leads {rec.sig_name}, expected {list(leads)}")
    nan = np.isnan(rec.p_signal)
    bad = nan.sum(axis=0)
    if bad.any():
        where = ", ".join(f"{rec.sig_name[i]}: {n}" for i, n in enumerate(bad) if n)
        sample, lead = np.argwhere(nan)[0]
        raise DataError(hea.parent / rec.file_name[0],
                        f"NaN samples (WFDB invalid-sample markers) in lead(s) {where}; "
                        f"first in lead {rec.sig_name[lead]} at sample {int(sample)}")
    return rec


def wfdb_units(rec: wfdb.Record, path: str | Path) -> str:
    """The single physical unit of all leads (``mv`` normalised to ``mV``)."""
    units = {("mV" if u.lower() == "mv" else u) for u in rec.units}
    if len(units) != 1:
        raise DataError(path, f"mixed units across leads: {sorted(units)}")
    return units.pop()


def sex_code(value: object) -> str | None:
    """``"M"``, ``"F"`` or ``None`` from the spellings the datasets use."""
    s = str(value).strip().lower()
    if s in ("m", "male"):
        return "M"
    if s in ("f", "female"):
        return "F"
    return None


def read_annotations(record: str | Path, extension: str, *, missing: str = "annotation file missing"
                     ) -> wfdb.Annotation:
    """Read ``<record>.<extension>`` with checks, each raising :class:`DataError` naming the file:
    present (``missing`` says what the reader expected), not empty (0 bytes), parseable by wfdb, and
    holding at least one annotation. A 0-byte or empty annotation file is refused rather than read as
    "no beats": a record silently without annotations would change every count computed from it.
    """
    record = Path(record)
    path = record.with_name(f"{record.name}.{extension}")
    if not path.is_file():
        raise DataNotFoundError(path, missing)
    if path.stat().st_size == 0:
        raise DataError(path, "empty annotation file (0 bytes)")
    try:
        ann = wfdb.rdann(str(record), extension)
    except Exception as exc:  # wfdb's errors name neither the file nor the cause
        raise DataError(path, f"corrupt annotation file ({type(exc).__name__}: {exc})") from None
    if len(ann.sample) == 0:
        raise DataError(path, "annotation file holds no annotation")
    return ann
