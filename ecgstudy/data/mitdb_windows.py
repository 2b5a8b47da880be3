"""MIT-BIH "concurrent abnormality" windows: multi-label 10 s windows with beat-level truth.

For the xECGNet chapter: each window carries the *set* of beat and rhythm classes it
contains and the position and symbol of every beat in it, so one can ask whether an
attention map covers every abnormal beat type present.

Algorithm of :func:`mitdb_windows` (per record, both leads in the record's own order):

1. The whole record (360 Hz) is resampled to ``fs_out`` with
   ``scipy.signal.resample_poly(signal, up, down, axis=1, padtype="line")``, ``up/down``
   the reduced ratio ``fs_out / 360`` (5/18 for 100 Hz); ``padtype="line"`` avoids the
   step a zero padding would make at the record's ends (MIT-BIH signals sit on a
   non-zero baseline). ``fs_out=None`` keeps 360 Hz.
2. Windows of ``L = window_s * 360`` original samples are cut from the record's first
   sample without overlap; a trailing partial window is dropped. Window ``k`` spans
   original samples ``[k L, (k + 1) L)`` and output samples ``[k L_out, (k + 1) L_out)``,
   ``L_out = L * up / down`` (1,000 for 10 s at 100 Hz).
3. A beat (an annotation whose symbol is in :data:`~ecgstudy.data.mitdb.BEAT_SYMBOLS`)
   belongs to the window holding its annotated (original-rate) sample. Its position in the
   window is ``round((sample - k L) * up / down)`` (halves up), clipped to ``L_out - 1``
   (a beat in the last ``down / (2 up)`` original samples of a window would otherwise
   round onto the next window's first sample).
4. Classes (:data:`WINDOW_CLASSES`): a beat class is present if at least one of its beats
   lies in the window; the beat-symbol mapping (:data:`CLASS_SYMBOLS`) is

   * ``PVC`` <- ``V`` (premature ventricular contraction),
   * ``APB`` <- ``A`` ``a`` ``J`` ``S`` (supraventricular premature beats: atrial,
     aberrated atrial, nodal (junctional) premature, supraventricular premature),
   * ``LBBB`` <- ``L``, ``RBBB`` <- ``R``,
   * ``Paced`` <- ``/`` ``f`` (paced, fusion of paced and normal),
   * ``Fusion`` <- ``F`` (fusion of ventricular and normal).

   ``AF`` is present if the atrial fibrillation rhythm covers >= 50 % of the window's
   samples: a rhythm annotation (symbol ``+``, ``aux_note`` such as ``(AFIB``, ``(N``)
   starts a rhythm that lasts until the next rhythm annotation (or the record's end);
   samples before a record's first rhythm annotation count as not AF. The covered share
   is stored in ``af_fraction``. ``Normal`` is present exactly when no other class is, so
   every window has at least one label (as CPSC 2018's "Normal"). The unmapped beat
   symbols ``N B e j n E r`` (normal, unspecified bundle branch block, escape beats,
   R-on-T) give no class: a window whose abnormal beats are only escape beats is
   ``Normal`` (``info["normal_with_unmapped_beats"]`` counts such windows).
5. A window is dropped if it holds a beat marked unreadable (``Q`` unclassifiable or
   ``?``; counted in ``info["dropped_unreadable"]``) or, otherwise, fewer than
   :data:`MIN_BEATS` beats (noise episodes, ventricular flutter whose ``!`` waves are not
   beats; ``info["dropped_few_beats"]``).

Lead order differs between records (e.g. record 114 stores V5 then MLII): signals keep
each record's order, ``lead_names`` joins per channel the names found, most frequent
first (``"MLII/V5"``, as :func:`ecgstudy.data.segments.iclr_segments` does), and
``info["record_lead_names"]`` lists each record's own names.

:func:`synthetic_windows` gives a stand-in with the same container, built from
:func:`ecgstudy.synthetic.cpsc_like_records` (the 9 CPSC 2018 classes).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ecgstudy.data.mitdb import FS_HZ, beats_only, mitdb_records
from ecgstudy.data.segments import _lead_names, read_mitdb_each
from ecgstudy.data.types import BeatAnnotations, EcgRecord, csr_take
from ecgstudy.errors import DataError, ParameterError
from ecgstudy.synthetic import CPSC_CLASSES, cpsc_like_records

__all__ = [
    "AF_MIN_FRACTION", "AF_RHYTHM", "ALGORITHM_VERSION", "CLASS_SYMBOLS", "MIN_BEATS",
    "UNREADABLE_SYMBOLS", "WINDOW_CLASSES", "BeatWindows", "mitdb_windows", "synthetic_windows",
]

#: Bump when the windows change for the same parameters (part of the cache key).
ALGORITHM_VERSION = 1

#: Label columns of :func:`mitdb_windows`, in this order.
WINDOW_CLASSES: tuple[str, ...] = ("Normal", "AF", "PVC", "APB", "LBBB", "RBBB", "Paced", "Fusion")

#: MIT-BIH beat symbols of each beat class (``AF`` comes from the rhythm annotations,
#: ``Normal`` from the absence of every other class).
CLASS_SYMBOLS: dict[str, frozenset[str]] = {
    "PVC": frozenset("V"),
    "APB": frozenset("AaJS"),
    "LBBB": frozenset("L"),
    "RBBB": frozenset("R"),
    "Paced": frozenset("/f"),
    "Fusion": frozenset("F"),
}

#: Beat symbols that drop their window (unclassifiable / unreadable beats).
UNREADABLE_SYMBOLS: frozenset[str] = frozenset("Q?")

#: ``aux_note`` of the rhythm annotation that starts an atrial fibrillation episode.
AF_RHYTHM = "(AFIB"

#: Share of a window's samples in AF for the ``AF`` label.
AF_MIN_FRACTION = 0.5

#: Windows with fewer beats are dropped.
MIN_BEATS = 3


@dataclass
class BeatWindows:
    """Fixed-length multi-label windows with the beats they contain.

    Beats are stored in CSR layout as in :class:`~ecgstudy.data.types.BeatSegments`: the
    beats of window ``i`` are ``beat_sample[beat_offsets[i]:beat_offsets[i+1]]`` (R-peak
    positions inside the window, samples at ``fs``) with symbols ``beat_symbol[...]``.

    Attributes:
        signals: ``(n, leads, samples)`` float32, mV.
        labels: ``(n, n_classes)`` uint8 multi-hot, columns ``class_names``.
        class_names: one per label column.
        record_ids: ``(n,)`` str, source record of each window.
        start: ``(n,)`` int64, record sample of the window's first sample at the record's
            *original* rate (360 Hz on MIT-BIH).
        beat_offsets: ``(n + 1,)`` int64.
        beat_sample: ``(total_beats,)`` int64, R-peak position inside the window at ``fs``.
        beat_symbol: ``(total_beats,)`` str, MIT-BIH beat symbols (synthetic: N A V L R).
        af_fraction: ``(n,)`` float64, share of the window inside an AF episode.
        fs: Hz of ``signals`` and ``beat_sample``. lead_names: one per lead.
        source: ``"mitdb"`` or ``"synthetic"``.
        info: JSON-able facts about the build (counts of dropped windows, records read,
            skipped, each record's lead names ...); a :meth:`subset` keeps it unchanged.
    """

    signals: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    record_ids: np.ndarray
    start: np.ndarray
    beat_offsets: np.ndarray
    beat_sample: np.ndarray
    beat_symbol: np.ndarray
    af_fraction: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    source: str
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.signals.shape[0])

    def beats(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions (samples at ``fs`` inside the window) and symbols of window ``i``'s beats."""
        lo, hi = self.beat_offsets[i], self.beat_offsets[i + 1]
        return self.beat_sample[lo:hi], self.beat_symbol[lo:hi]

    def subset(self, index: np.ndarray) -> BeatWindows:
        """A new set with the windows at ``index`` (bool mask or integer array)."""
        idx = np.arange(len(self))[index]
        offsets, take = csr_take(self.beat_offsets, idx)
        return BeatWindows(
            signals=self.signals[idx], labels=self.labels[idx], class_names=self.class_names,
            record_ids=self.record_ids[idx], start=self.start[idx], beat_offsets=offsets,
            beat_sample=self.beat_sample[take], beat_symbol=self.beat_symbol[take],
            af_fraction=self.af_fraction[idx], fs=self.fs, lead_names=self.lead_names,
            source=self.source, info=json.loads(json.dumps(self.info)),
        )

    def save(self, path: str | Path) -> None:
        """Write to one ``.npz`` (uncompressed, so loading is a memory copy)."""
        np.savez(
            path, signals=self.signals, labels=self.labels, class_names=np.array(self.class_names),
            record_ids=self.record_ids, start=self.start, beat_offsets=self.beat_offsets,
            beat_sample=self.beat_sample, beat_symbol=self.beat_symbol,
            af_fraction=self.af_fraction, fs=np.float64(self.fs),
            lead_names=np.array(self.lead_names), source=np.array(self.source),
            info=np.array(json.dumps(self.info, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: str | Path) -> BeatWindows:
        with np.load(path, allow_pickle=False) as z:
            return cls(
                signals=z["signals"], labels=z["labels"],
                class_names=tuple(str(s) for s in z["class_names"]), record_ids=z["record_ids"],
                start=z["start"], beat_offsets=z["beat_offsets"], beat_sample=z["beat_sample"],
                beat_symbol=z["beat_symbol"], af_fraction=z["af_fraction"], fs=float(z["fs"]),
                lead_names=tuple(str(s) for s in z["lead_names"]), source=str(z["source"]),
                info=json.loads(str(z["info"])),
            )


# ---------------------------------------------------------------------------------------
# MIT-BIH
# ---------------------------------------------------------------------------------------

def _rates(window_s: object, fs_out: object) -> tuple[int, int, int, float]:
    """``(up, down, window samples at 360 Hz, output fs)``; raises ParameterError."""
    bad = []
    if isinstance(window_s, bool) or not isinstance(window_s, (int, float)) or not window_s > 0:
        raise ParameterError(f"window_s must be a positive number of seconds, got {window_s!r}")
    length = round(window_s * FS_HZ)
    if length < 1 or abs(window_s * FS_HZ - length) > 1e-6:
        bad.append(f"window_s * {FS_HZ:g} Hz must be a whole number of samples, got {window_s * FS_HZ:g}")
    if fs_out is None:
        up = down = 1
    elif isinstance(fs_out, bool) or not isinstance(fs_out, (int, float)) or not 0 < fs_out < 1e6:
        raise ParameterError(f"fs_out must be a positive rate in Hz or None, got {fs_out!r}")
    else:
        target = Fraction(fs_out).limit_denominator(1000)
        if abs(float(target) - fs_out) > 1e-9:
            bad.append(f"fs_out must be a rational rate with a small denominator, got {fs_out!r}")
        ratio = target / Fraction(FS_HZ).limit_denominator(1000)
        up, down = ratio.numerator, ratio.denominator
        if not bad and (length * up) % down:
            bad.append(f"window_s * fs_out must be a whole number of samples, got {window_s * fs_out:g}")
    if bad:
        raise ParameterError("; ".join(bad))
    return up, down, length, FS_HZ * up / down


def _af_mask(ann: BeatAnnotations, n_samples: int) -> np.ndarray:
    """``(n_samples,)`` bool: inside an ``(AFIB`` rhythm (until the next rhythm change)."""
    rhythm = np.flatnonzero((ann.symbol == "+") & np.char.startswith(ann.aux.astype(str), "("))
    order = rhythm[np.argsort(ann.sample[rhythm], kind="stable")]
    starts = ann.sample[order]
    ends = np.append(starts[1:], n_samples)
    mask = np.zeros(n_samples, bool)
    for s, e, note in zip(starts, ends, ann.aux[order]):
        if str(note).strip() == AF_RHYTHM:
            mask[s:e] = True
    return mask


def _record_windows(rec: EcgRecord, ann: BeatAnnotations, *, up: int, down: int, length: int) -> dict:
    """The kept windows of one record as arrays, plus its drop counts."""
    from scipy.signal import resample_poly  # ~0.5 s to import: only when windows are cut

    n_win = rec.n_samples // length
    out_len = length * up // down
    sig = rec.signal if up == down else resample_poly(rec.signal, up, down, axis=1, padtype="line")
    signals = sig[:, : n_win * out_len].reshape(sig.shape[0], n_win, out_len).transpose(1, 0, 2)
    af_fraction = _af_mask(ann, rec.n_samples)[: n_win * length].reshape(n_win, length).mean(axis=1)

    beats = beats_only(ann)
    order = np.argsort(beats.sample, kind="stable")
    sample, symbol = beats.sample[order], beats.symbol[order].astype(str)
    inside = sample < n_win * length
    sample, symbol = sample[inside], symbol[inside]
    win = sample // length

    def any_of(symbols: frozenset[str]) -> np.ndarray:
        return np.bincount(win[np.isin(symbol, sorted(symbols))], minlength=n_win) > 0

    labels = np.zeros((n_win, len(WINDOW_CLASSES)), np.uint8)
    labels[:, WINDOW_CLASSES.index("AF")] = af_fraction >= AF_MIN_FRACTION
    for name, symbols in CLASS_SYMBOLS.items():
        labels[:, WINDOW_CLASSES.index(name)] = any_of(symbols)
    labels[:, 0] = ~labels[:, 1:].any(axis=1)
    unreadable = any_of(UNREADABLE_SYMBOLS)
    few = (np.bincount(win, minlength=n_win) < MIN_BEATS) & ~unreadable
    keep = ~unreadable & ~few
    mapped = frozenset().union(*CLASS_SYMBOLS.values()) | {"N"}
    unmapped = np.bincount(win[~np.isin(symbol, sorted(mapped))], minlength=n_win) > 0

    kept_beat = keep[win]
    d = sample[kept_beat] - win[kept_beat] * length
    pos = np.minimum((2 * d * up + down) // (2 * down), out_len - 1)
    counts = np.bincount(win[kept_beat], minlength=n_win)[keep]
    rid = rec.record_id
    return dict(
        signals=np.ascontiguousarray(signals[keep], dtype=np.float32), labels=labels[keep],
        record_ids=np.full(int(keep.sum()), rid, dtype=f"<U{max(len(rid), 1)}"),
        start=np.flatnonzero(keep).astype(np.int64) * length, counts=counts.astype(np.int64),
        beat_sample=pos.astype(np.int64), beat_symbol=symbol[kept_beat],
        af_fraction=af_fraction[keep].astype(np.float64),
        n_windows=n_win, dropped_unreadable=int(unreadable.sum()), dropped_few_beats=int(few.sum()),
        normal_with_unmapped_beats=int((keep & unmapped & (labels[:, 0] == 1)).sum()),
    )


def mitdb_windows(
    folder: str | Path,
    *,
    window_s: float = 10.0,
    fs_out: float | None = 100.0,
    records: Sequence[str] | None = None,
    progress: bool | None = None,
    on_error: str = "raise",
) -> BeatWindows:
    """Multi-label windows of the mitdb records in ``folder`` (rules in the module docstring).

    Args:
        window_s: window length in s; ``window_s * 360`` and ``window_s * fs_out`` must be
            whole numbers of samples.
        fs_out: output rate in Hz (``None``: keep 360 Hz).
        records: record ids (default: ``RECORDS``), in output order.
        progress: tqdm bar over the records; ``None`` shows it when stderr is a terminal.
        on_error: ``"raise"`` stops at the first unreadable record; ``"skip"`` leaves it
            out, carries on, and emits one :class:`~ecgstudy.data.segments.SkippedRecordsWarning`
            naming each file (a :class:`DataError` is still raised if no record can be read).

    Returns:
        :class:`BeatWindows`, ``signals`` ``(n, 2, window_s * fs_out)`` float32 mV, ``labels``
        over :data:`WINDOW_CLASSES`, ``source="mitdb"``. ``info``: ``windows_total`` (whole
        windows cut), ``windows_kept``, ``dropped_unreadable``, ``dropped_few_beats``,
        ``normal_with_unmapped_beats``, ``per_record`` (the same per record id), ``records``
        (ids read), ``skipped`` (the skipped files' messages), ``record_lead_names``,
        ``window_samples_original``, ``fs_original``.
    """
    if on_error not in ("raise", "skip"):
        raise ParameterError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    up, down, length, fs = _rates(window_s, fs_out)
    folder = Path(folder)
    ids = list(records) if records is not None else mitdb_records(folder)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    parts: list[dict] = []
    names: dict[str, tuple[str, ...]] = {}
    errors: list[DataError] = []
    for rid, rec, ann in read_mitdb_each(folder, ids, on_error=on_error, progress=show, desc="mitdb windows",
                                         skipped=errors):
        names[str(rid)] = rec.lead_names
        parts.append(_record_windows(rec, ann, up=up, down=down, length=length))

    cat = {k: np.concatenate([p[k] for p in parts]) for k in
           ("signals", "labels", "record_ids", "start", "counts", "beat_sample", "beat_symbol", "af_fraction")}
    count_keys = ("n_windows", "dropped_unreadable", "dropped_few_beats", "normal_with_unmapped_beats")
    per_record = {rid: {k: p[k] for k in count_keys} for rid, p in zip(names, parts)}
    info = {
        "windows_total": sum(p["n_windows"] for p in parts),
        "windows_kept": int(len(cat["labels"])),
        **{k: sum(p[k] for p in parts) for k in count_keys[1:]},
        "per_record": per_record,
        "records": list(names),
        "skipped": [str(e) for e in errors],
        "record_lead_names": {rid: list(n) for rid, n in names.items()},
        "window_samples_original": length,
        "fs_original": FS_HZ,
    }
    return BeatWindows(
        signals=cat["signals"], labels=cat["labels"].astype(np.uint8), class_names=WINDOW_CLASSES,
        record_ids=cat["record_ids"].astype(str), start=cat["start"].astype(np.int64),
        beat_offsets=np.concatenate([[0], np.cumsum(cat["counts"])]).astype(np.int64),
        beat_sample=cat["beat_sample"].astype(np.int64), beat_symbol=cat["beat_symbol"].astype(str),
        af_fraction=cat["af_fraction"], fs=fs,
        lead_names=_lead_names(list(names.values()), duplicate_lead0=False), source="mitdb", info=info,
    )


# ---------------------------------------------------------------------------------------
# Synthetic stand-in
# ---------------------------------------------------------------------------------------

def synthetic_windows(
    n: int,
    *,
    seed: int,
    fs: float = 100.0,
    duration_s: float = 10.0,
    multi_label_fraction: float = 0.3,
    leads: tuple[str, ...] = ("II", "V1"),
) -> BeatWindows:
    """A stand-in of :func:`mitdb_windows` from :func:`ecgstudy.synthetic.cpsc_like_records`.

    Leads II and V1 by default (MIT-BIH's usual MLII + V1; any of the 12 standard leads can be
    asked for, e.g. all 12 as a CPSC-like stand-in); ``class_names`` are the 9 CPSC 2018
    classes (:data:`ecgstudy.synthetic.CPSC_CLASSES`) with the generator's labels; beats
    are the generator's fiducial table (``qrs_peak`` -> ``beat_sample``, ``beat_type`` ->
    ``beat_symbol``: N, A, V, L, R). That table lists only *complete* beats, so a beat cut
    by the record's edges has no entry. ``af_fraction`` is 1.0 for AF records, else 0.0;
    ``start`` is 0; ``source="synthetic"``.
    """
    rs = cpsc_like_records(n, seed=seed, fs=fs, duration_s=duration_s,
                           multi_label_fraction=multi_label_fraction, leads=tuple(leads))
    fid = rs.fiducials
    record = fid["record"].to_numpy(np.int64)
    peak = fid["qrs_peak"].to_numpy(np.int64)
    order = np.lexsort((peak, record))
    counts = np.bincount(record, minlength=len(rs))
    return BeatWindows(
        signals=rs.signals, labels=rs.labels.astype(np.uint8), class_names=tuple(CPSC_CLASSES),
        record_ids=rs.record_ids.astype(str), start=np.zeros(len(rs), np.int64),
        beat_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        beat_sample=peak[order], beat_symbol=fid["beat_type"].to_numpy(str)[order],
        af_fraction=rs.labels[:, CPSC_CLASSES.index("AF")].astype(np.float64),
        fs=float(rs.fs), lead_names=tuple(rs.lead_names), source="synthetic",
        info={"generator": "cpsc_like_records", "seed": seed, "n": n, "duration_s": duration_s,
              "multi_label_fraction": multi_label_fraction, "leads": list(leads)},
    )
