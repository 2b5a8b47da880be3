"""Reader of the MIT-BIH Arrhythmia Database (PhysioNet ``mitdb`` 1.0.0) on top of ``wfdb``.

Each record is ``<id>.hea`` (header), ``<id>.dat`` (2 signals, format 212, 360 Hz,
650,000 samples) and ``<id>.atr`` (reference annotations). ``wfdb`` does the decoding;
this module checks the files first so that a bad input gives a :class:`DataError`
naming the file and the problem instead of a deep ``wfdb``/``numpy`` traceback.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ecgstudy.data.types import BeatAnnotations, EcgRecord
from ecgstudy.data.wfdb_io import read_annotations, read_wfdb
from ecgstudy.errors import DataError, DataNotFoundError

FS_HZ = 360.0
N_LEADS = 2

#: WFDB beat annotation codes (``wfdb.io.annotation``: normal, bundle branch blocks,
#: supraventricular and ventricular ectopy, fusion, escape, paced, unclassifiable).
#: Every other code (``+ ~ | x [ ] ! "`` ...) marks rhythm, noise, comments or
#: flutter waves and is not a beat. On mitdb this set selects 109,494 annotations.
BEAT_SYMBOLS: frozenset[str] = frozenset("NLRBAaJSVrFejnE/fQ?")



def mitdb_records(folder: str | Path) -> list[str]:
    """Record ids listed in ``folder/RECORDS`` (48 on the full database), in file order."""
    path = Path(folder) / "RECORDS"
    if not path.is_file():
        raise DataNotFoundError(path, "missing RECORDS file (the list of record ids)")
    ids = path.read_text().split()
    if not ids:
        raise DataError(path, "RECORDS lists no record")
    return ids


def read_mitdb_record(folder: str | Path, record_id: str) -> tuple[EcgRecord, BeatAnnotations]:
    """Read one record: signal ``(2, samples)`` float32 in mV at 360 Hz and all its annotations.

    The annotations are every entry of the ``.atr`` file (beats and non-beats); use
    :func:`beats_only` to keep the beats. Raises :class:`DataError` (or its subclass
    :class:`DataNotFoundError`) naming the file for a missing/corrupt header, a wrong
    sampling rate or lead count, a missing or truncated ``.dat``, NaNs in the signal,
    or a missing, empty (0 bytes), corrupt or beat-less ``.atr``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataNotFoundError(folder, "MIT-BIH folder not found")
    base = folder / str(record_id)
    atr = base.with_suffix(".atr")
    rec = read_wfdb(base, fs=FS_HZ, n_leads=N_LEADS)
    signal = np.ascontiguousarray(rec.p_signal.T, dtype=np.float32)
    ann = read_annotations(base, "atr", missing="missing annotation file")
    if not any(s in BEAT_SYMBOLS for s in ann.symbol):
        raise DataError(atr, "no beat annotation (every MIT-BIH record annotates its beats)")
    sample = np.asarray(ann.sample, dtype=np.int64)
    if sample.size and (sample.min() < 0 or sample.max() >= signal.shape[1]):
        raise DataError(atr, f"annotation samples outside the signal (0..{signal.shape[1] - 1})")
    annotations = BeatAnnotations(
        sample=sample,
        symbol=np.asarray(ann.symbol, dtype=str),
        # WFDB pads odd-length aux strings with a NUL byte: strip it.
        aux=np.asarray([(a or "").rstrip("\x00") for a in (ann.aux_note or [""] * len(sample))],
                       dtype=str),
    )
    record = EcgRecord(
        record_id=str(record_id), signal=signal, fs=float(rec.fs),
        lead_names=tuple(rec.sig_name), units=rec.units[0] if rec.units else "mV",
        meta={"path": str(base), "comments": list(rec.comments or []), "fmt": list(rec.fmt),
              "adc_gain": list(rec.adc_gain), "baseline": list(rec.baseline),
              "units": list(rec.units)},
    )
    return record, annotations


def beats_only(ann: BeatAnnotations) -> BeatAnnotations:
    """The annotations whose symbol is in :data:`BEAT_SYMBOLS` (non-beats removed)."""
    keep = np.isin(ann.symbol, sorted(BEAT_SYMBOLS))
    return BeatAnnotations(sample=ann.sample[keep], symbol=ann.symbol[keep], aux=ann.aux[keep])
