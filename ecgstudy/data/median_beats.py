"""The median-beat algorithm (MUSE-style): one representative beat per record and lead.

The ECGradCAM chapter (Hicks et al., Sci Rep 2021) trains on *median beats*: one
representative beat per record and lead, 600 samples at 500 Hz (1.2 s). This module builds
them from any 12-lead source (a :class:`~ecgstudy.data.types.RecordSet` or
:class:`~ecgstudy.data.types.EcgRecord` list; the LUDB and synthetic front-ends, with
fiducials, are in :mod:`ecgstudy.data.median_beat_sources`):

1. **Rate.** Median beats are computed at :data:`MEDIAN_FS` = 500 Hz. A record at another
   rate (the PTB-XL subset is 100 Hz) is first resampled with
   :func:`~ecgstudy.data.conditioning.resample_to` (``scipy.signal.resample_poly``).
2. **Baseline** (:func:`~ecgstudy.data.conditioning.remove_baseline`). By default the
   baseline wander of each lead is removed with de Chazal's two-stage median filter, so the
   median beat's isoelectric line sits at 0 as in MUSE's median beats
   (:mod:`ecgstudy.data.conditioning` says why a median and not a high-pass).
3. **R peaks** (:func:`detect_r_peaks`): ``wfdb.processing.xqrs_detect`` on one lead (lead II
   by default: it is upright in most hearts and its R is the usual MUSE/Holter reference),
   the lead scaled to a fixed percentile range first (xqrs's thresholds are absolute);
   then ``wfdb.processing.correct_peaks`` moves every detection to the largest deviation
   from a 150 ms moving average within +/-50 ms; the polarity (maximum or minimum) is chosen
   once per record (wfdb's ``peak_dir="compare"``: the direction with the larger mean
   deviation), so a biphasic QRS never aligns half its beats on R and half on S. This is
   the "local maximum of |signal|" rule with a local baseline removed and a consistent
   polarity (where lead II's S is deeper than its R, the alignment point is the S nadir).
   If lead II fails (fewer than 2 beats or dominant beats) or its median beat is not
   aligned on the QRS (:func:`qrs_at_r`: with a QRS about as small as the P wave, xqrs
   locks on P waves), up to :data:`FALLBACK_LEADS` other leads are tried, the one whose
   QRS dominates most first (:func:`record_median_beat`; ``MedianBeats.detect_leads``
   says which lead was used: on LUDB 197 of 200 records use lead II).
4. **Window** (:func:`median_beat`): ``n_samples`` = 600 samples (1.2 s) starting
   ``before_s`` = :data:`MEDIAN_BEFORE_S` = 0.5 s before the R peak, i.e. the R peak sits at
   sample :data:`MEDIAN_R_INDEX` = 250 and the window ends 0.7 s after it. 0.5 s before R
   holds the P wave even with a long PR (P onset = QRS onset - PR, with QRS onset about
   40-60 ms before R: a PR of 300 ms, first-degree block, puts P onset about 0.35 s before
   R); 0.7 s after R holds the T wave up to a QT of about 650 ms. Beats whose window leaves
   the record are dropped.
5. **Dominant beats** (:func:`dominant_beats`): only beats whose QRS region (R +/- 0.1 s,
   all leads) correlates >= :data:`MIN_BEAT_CORR` = 0.8 with the record's most typical
   beat are averaged (MUSE averages the dominant beat type): ectopic beats, artefacts and
   mis-detections stay out. The median beat is the per-sample median over them, lead by
   lead.
6. **Fiducials**: per-beat P/QRS/T onset, peak and offset in median-beat coordinates are
   :mod:`ecgstudy.data.fiducials`' (:func:`~ecgstudy.data.fiducials.median_fiducials`).

Public: :func:`detect_r_peaks`, :func:`usable_peaks`, :func:`window_r_index`,
:func:`median_beat`, :func:`dominant_beats`, :func:`record_median_beat`, :func:`qrs_at_r`,
:func:`median_beats`, :class:`MedianBeats` (``signals`` ``(records, leads, 600)``),
:class:`RecordMedianBeat`, :class:`MedianBeatsCollector`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import wfdb.processing
from tqdm import tqdm

from ecgstudy.data.conditioning import BASELINE, remove_baseline, resample_to
from ecgstudy.data.types import EcgRecord, RecordSet
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError, ParameterError

#: Sampling rate of every median beat (Hz).
MEDIAN_FS = 500.0
#: Seconds of the window before / after the R peak (see the module docstring).
MEDIAN_BEFORE_S = 0.5
MEDIAN_AFTER_S = 0.7
#: Samples per median beat (1.2 s at 500 Hz).
MEDIAN_SAMPLES = 600
#: Sample of the R peak in a default median beat.
MEDIAN_R_INDEX = round(MEDIAN_BEFORE_S * MEDIAN_FS)
#: The 8 independent leads (the others are linear combinations of I and II).
EIGHT_LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
#: Search radius of the R-peak correction (s) and width of its moving average (s).
PEAK_SEARCH_S = 0.050
PEAK_SMOOTH_S = 0.150
#: The detection lead is scaled so that its 0.1-99.9 percentile range is this many units
#: before ``xqrs_detect`` (see :func:`detect_r_peaks`).
DETECT_RANGE = 2.0
#: Beats whose correlation with the record's most typical beat is lower are not averaged.
MIN_BEAT_CORR = 0.8
#: Part of the window (s before, s after the R peak) the correlation is computed on.
CORR_WINDOW_S = (0.1, 0.1)
#: Most fallback leads tried when detection on the detection lead fails (see :func:`record_median_beat`).
FALLBACK_LEADS = 3
#: Largest distance (s) between the R index and the median beat's steepest point.
QRS_CHECK_S = 0.08


# ---------------------------------------------------------------------------------------
# R peaks and the median of one record
# ---------------------------------------------------------------------------------------

def _name(name: object) -> str:
    return str(name) if name is not None else "signal"


def _lead_row(lead_names: Sequence[str], lead: str, name: str) -> int:
    names = list(lead_names)
    if lead not in names:
        raise DataError(name, f"lead {lead!r} not among the record's leads {tuple(names)}")
    return names.index(lead)


def detect_r_peaks(signal: np.ndarray, fs: float, *, lead: str = "II",
                   lead_names: Sequence[str] | None = None, name: object = None) -> np.ndarray:
    """R peaks of a record (sample indices at ``fs``, sorted, unique).

    ``wfdb.processing.xqrs_detect`` on lead ``lead``, then ``correct_peaks`` (search radius
    :data:`PEAK_SEARCH_S` = 50 ms, moving average :data:`PEAK_SMOOTH_S` = 150 ms,
    ``peak_dir="compare"``): each detection moves to the largest deviation of the lead from
    its local mean within +/-50 ms, with one polarity for the whole record.

    xqrs's thresholds are absolute (tuned for mV), so the lead is first scaled to a
    0.1-99.9 percentile range of :data:`DETECT_RANGE` = 2 (a typical QRS amplitude in mV).
    Without it xqrs misses every beat of leads with a small range: on LUDB (whose leads
    are stored with a peak-to-peak range of exactly 1 "mV") lead II gave fewer than 2
    beats in 16 of 200 records and missed 170 of 1,832 annotated QRS; scaled, it misses 11
    and adds 9 (the PTB-XL subset's z-scored ``SD`` units have the same problem). The
    peaks are corrected on the unscaled lead (``correct_peaks`` does not depend on scale).

    Args:
        signal: ``(samples,)`` one lead, or ``(leads, samples)`` with ``lead_names``
            (default :data:`TWELVE_LEADS` for 12 rows, :data:`EIGHT_LEADS` for 8).
        fs: Hz. lead: the lead to detect on (2-D input only).
        name: record name for error messages.

    Raises:
        DataError: the lead is missing, the signal is not finite, or fewer than 2 beats
            were found (flat line, no QRS, too short).
    """
    name = _name(name)
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim == 2:
        if lead_names is None:
            lead_names = {12: TWELVE_LEADS, 8: EIGHT_LEADS}.get(x.shape[0])
            if lead_names is None:
                raise ParameterError(f"{name}: lead_names is needed for a {x.shape[0]}-lead signal")
        if len(lead_names) != x.shape[0]:
            raise ParameterError(f"{name}: {len(lead_names)} lead names for {x.shape[0]} leads")
        x = x[_lead_row(lead_names, lead, name)]
    elif x.ndim != 1:
        raise ParameterError(f"{name}: signal must be (samples,) or (leads, samples), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError(name, f"lead {lead}: {int(np.sum(~np.isfinite(x)))} non-finite samples")
    if x.size < 2 * fs * PEAK_SMOOTH_S:
        raise DataError(name, f"lead {lead}: {x.size} samples is too short to detect beats")
    span = float(np.percentile(x, 99.9) - np.percentile(x, 0.1))
    scaled = x * (DETECT_RANGE / span) if span > 0 else x
    peaks = np.asarray(wfdb.processing.xqrs_detect(scaled, fs=fs, verbose=False), dtype=np.int64)
    if peaks.size:
        peaks = wfdb.processing.correct_peaks(
            x, peaks, search_radius=max(1, round(PEAK_SEARCH_S * fs)),
            smooth_window_size=max(2, round(PEAK_SMOOTH_S * fs)), peak_dir="compare")
        peaks = np.unique(np.clip(np.asarray(peaks, dtype=np.int64), 0, x.size - 1))
    if peaks.size < 2:
        raise DataError(name, f"lead {lead}: {peaks.size} R peak(s) detected by xqrs, need >= 2 "
                              f"(flat line, no QRS complexes or too short a record?)")
    return peaks


def window_r_index(before_s: float, after_s: float, n_samples: int) -> int:
    """Sample of the R peak in a window of ``n_samples`` at 500 Hz that starts ``before_s``
    before it (s); raises :class:`ParameterError` unless ``(before_s + after_s) * 500``
    is ``n_samples``."""
    if not (before_s >= 0 and after_s >= 0):
        raise ParameterError(f"before_s and after_s must be >= 0, got {before_s}, {after_s}")
    n_samples = int(n_samples)
    if n_samples < 2 or round((before_s + after_s) * MEDIAN_FS) != n_samples:
        raise ParameterError(f"window of {before_s} s + {after_s} s at {MEDIAN_FS:g} Hz is "
                             f"{(before_s + after_s) * MEDIAN_FS:g} samples, not n_samples={n_samples}")
    return round(before_s * MEDIAN_FS)


def usable_peaks(r_peaks: np.ndarray, record_samples: int, *, r_index: int = MEDIAN_R_INDEX,
                 n_samples: int = MEDIAN_SAMPLES) -> np.ndarray:
    """The R peaks (at 500 Hz) whose window ``[r - r_index, r - r_index + n_samples)`` lies
    inside a record of ``record_samples`` samples."""
    r = np.asarray(r_peaks, dtype=np.int64)
    return r[(r - r_index >= 0) & (r - r_index + n_samples <= record_samples)]


def dominant_beats(beats: np.ndarray, r_index: int, min_corr: float = 0.8) -> np.ndarray:
    """Bool mask of the dominant beats among ``beats`` ``(leads, n, samples)``.

    Beats are compared by the Pearson correlation of their :data:`CORR_WINDOW_S` part
    around the R peak (all leads together). The most typical beat is the one with the
    highest median correlation to the others; the dominant beats are those correlating
    >= ``min_corr`` with it (it included).
    """
    n = beats.shape[1]
    lo = max(0, r_index - round(CORR_WINDOW_S[0] * MEDIAN_FS))
    hi = min(beats.shape[-1], r_index + round(CORR_WINDOW_S[1] * MEDIAN_FS))
    flat = beats[:, :, lo:hi].transpose(1, 0, 2).reshape(n, -1).astype(np.float64)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(flat, axis=1)
    norm[norm == 0] = np.inf
    unit = flat / norm[:, None]
    corr = unit @ unit.T
    if n < 2:
        return np.ones(n, dtype=bool)
    typical = int(np.argmax(np.nanmedian(np.where(np.eye(n, dtype=bool), np.nan, corr), axis=1)))
    keep = corr[typical] >= min_corr
    keep[typical] = True
    return keep


def median_beat(signal: np.ndarray, r_peaks: np.ndarray, *, fs: float, before_s: float = MEDIAN_BEFORE_S,
                after_s: float = MEDIAN_AFTER_S, n_samples: int = MEDIAN_SAMPLES, min_beats: int = 1,
                min_corr: float | None = None, return_peaks: bool = False, name: object = None
                ) -> tuple[np.ndarray, int] | tuple[np.ndarray, int, np.ndarray]:
    """Per-sample median over the R-aligned beats of every lead.

    Args:
        signal: ``(leads, samples)`` at ``fs``; resampled to 500 Hz first if ``fs != 500``
            (``r_peaks`` are then scaled by ``500 / fs`` and rounded; detecting on the
            resampled signal, as :func:`record_median_beat` does, is more precise).
        r_peaks: R-peak samples at ``fs``.
        before_s, after_s, n_samples: the window (R at sample ``round(before_s * 500)``);
            ``(before_s + after_s) * 500`` must equal ``n_samples``.
        min_beats: fewest beats needed (inside the record, and dominant).
        min_corr: if given, average only the *dominant* beats (:func:`dominant_beats`;
            MUSE also averages only the dominant beat type). This drops ectopic beats,
            artefacts and beats the detector aligned on a P or T wave.
        return_peaks: also return the R peaks used (samples at 500 Hz).

    Returns:
        ``(beat (leads, n_samples) float32, number of beats used)`` (+ the used R peaks).

    Raises:
        DataError: fewer than ``min_beats`` beats have their whole window in the record (or
            are dominant).
    """
    name = _name(name)
    r_index = window_r_index(before_s, after_s, n_samples)
    x = np.asarray(signal)
    if x.ndim != 2:
        raise ParameterError(f"{name}: signal must be (leads, samples), got shape {x.shape}")
    r = np.asarray(r_peaks, dtype=np.float64)
    if fs != MEDIAN_FS:
        x = resample_to(x, fs, MEDIAN_FS)
        r = r * (MEDIAN_FS / fs)
    r = usable_peaks(np.rint(r).astype(np.int64), x.shape[-1], r_index=r_index, n_samples=n_samples)
    need = max(1, min_beats)
    if r.size < need:
        raise DataError(name, f"{r.size} beat(s) with a whole {n_samples}-sample window inside the record, "
                              f"need >= {need}")
    idx = (r - r_index)[:, None] + np.arange(n_samples)[None, :]   # (beats, n_samples)
    beats = x[:, idx].astype(np.float64)                            # (leads, beats, n_samples)
    med = np.median(beats, axis=1)
    if min_corr is not None and r.size > 2:
        keep = dominant_beats(beats, r_index, min_corr)
        if keep.sum() < need:
            raise DataError(name, f"{int(keep.sum())} of {r.size} beats correlate >= {min_corr} with the "
                                  f"record's most typical beat, need >= {need} (irregular or noisy record?)")
        if not keep.all():
            r, beats = r[keep], beats[:, keep]
            med = np.median(beats, axis=1)
    out = med.astype(np.float32)
    return (out, int(r.size), r) if return_peaks else (out, int(r.size))


class RecordMedianBeat(NamedTuple):
    """Result of :func:`record_median_beat`."""

    beat: np.ndarray          #: ``(leads, n_samples)`` float32
    n_beats: int              #: beats in the median
    r_peaks: np.ndarray       #: their R peaks (samples at 500 Hz)
    detect_lead: str          #: the lead the R peaks were detected on


def qrs_at_r(beat: np.ndarray, r_index: int, *, max_offset_s: float = QRS_CHECK_S) -> bool:
    """Whether the median beat's steepest part (the largest sum over the leads of
    ``|slope|`` within 0.2 s of ``r_index``) lies within ``max_offset_s`` of ``r_index``,
    i.e. the beats were aligned on the QRS and not on a P or T wave."""
    slope = np.abs(np.diff(np.asarray(beat, dtype=np.float64), axis=-1)).sum(axis=0)
    lo = max(0, r_index - round(0.2 * MEDIAN_FS))
    hi = min(slope.size, r_index + round(0.2 * MEDIAN_FS))
    if hi <= lo:
        return False
    return abs(lo + int(np.argmax(slope[lo:hi])) - r_index) <= round(max_offset_s * MEDIAN_FS)


def _sharpness(x: np.ndarray) -> np.ndarray:
    """Per lead: 99th percentile of ``|slope|`` over the 0.1-99.9 percentile range; high
    where the QRS dominates the lead, low where P/T waves are as large as the QRS."""
    span = np.percentile(x, 99.9, axis=-1) - np.percentile(x, 0.1, axis=-1)
    return np.percentile(np.abs(np.diff(x, axis=-1)), 99, axis=-1) / np.where(span > 0, span, np.inf)


def record_median_beat(signal: np.ndarray, fs: float, lead_names: Sequence[str], *,
                       leads: Sequence[str] = EIGHT_LEADS, detect_lead: str = "II",
                       before_s: float = MEDIAN_BEFORE_S, after_s: float = MEDIAN_AFTER_S,
                       n_samples: int = MEDIAN_SAMPLES, baseline: str | None = BASELINE,
                       min_beats: int = 2, min_corr: float | None = MIN_BEAT_CORR,
                       fallback_leads: int = FALLBACK_LEADS, name: object = None) -> RecordMedianBeat:
    """The whole pipeline on one record: resample to 500 Hz, remove the baseline, detect R peaks
    on ``detect_lead``, take the median of the dominant beats of ``leads`` (:func:`median_beat`
    with ``min_corr``).

    Fallback: if detection on ``detect_lead`` fails (too few beats, too few dominant
    beats) or the median beat is not aligned on its QRS (:func:`qrs_at_r`: a lead with
    a QRS as small as its P or T wave makes xqrs lock on P waves), up to ``fallback_leads``
    other leads of ``leads`` are tried, sharpest QRS first (:func:`_sharpness`). The first
    result aligned on the QRS wins; if none is, the first that succeeded.

    Returns:
        :class:`RecordMedianBeat` ``(beat, n_beats, r_peaks, detect_lead)``.

    Raises:
        DataError: a lead is missing, the signal is not finite, or every lead tried failed
            (the message gives ``detect_lead``'s reason).
    """
    name = _name(name)
    x = np.asarray(signal)
    if x.ndim != 2 or x.shape[0] != len(lead_names):
        raise ParameterError(f"{name}: signal shape {x.shape} does not match {len(lead_names)} lead names")
    r_index = window_r_index(before_s, after_s, n_samples)
    rows = [_lead_row(lead_names, lead, name) for lead in leads]
    det = _lead_row(lead_names, detect_lead, name)
    bad = ~np.all(np.isfinite(x[rows + [det]]), axis=-1)
    if bad.any():
        raise DataError(name, "non-finite samples in lead(s) " + ", ".join(
            (list(leads) + [detect_lead])[k] for k in np.flatnonzero(bad)))
    x = remove_baseline(resample_to(x[rows + [det]], fs, MEDIAN_FS), MEDIAN_FS, baseline)
    others = [k for k in np.argsort(-_sharpness(x[:-1]), kind="stable") if leads[k] != detect_lead]
    tries = [(detect_lead, x[-1])] + [(leads[k], x[k]) for k in others[:max(0, fallback_leads)]]
    first_ok, first_error = None, None
    for lead, sig in tries:
        try:
            peaks = detect_r_peaks(sig, MEDIAN_FS, lead=lead, name=name)
            beat, used, peaks = median_beat(x[:-1], peaks, fs=MEDIAN_FS, before_s=before_s, after_s=after_s,
                                            n_samples=n_samples, min_beats=min_beats, min_corr=min_corr,
                                            return_peaks=True, name=name)
        except DataError as exc:
            first_error = first_error or exc
            continue
        result = RecordMedianBeat(beat, used, peaks, lead)
        if qrs_at_r(beat, r_index):
            return result
        first_ok = first_ok or result
    if first_ok is not None:
        return first_ok
    tried = ", ".join(lead for lead, _ in tries[1:])
    raise DataError(name, first_error.problem + (f" (fallback leads {tried} failed too)" if tried else ""))


# ---------------------------------------------------------------------------------------
# Sets of median beats
# ---------------------------------------------------------------------------------------

def _empty_skipped() -> pd.DataFrame:
    return pd.DataFrame({"record_id": pd.Series([], dtype=str), "reason": pd.Series([], dtype=str)})


@dataclass
class MedianBeats:
    """Median beats of a set of records.

    Attributes:
        signals: ``(n, leads, n_samples)`` float32, the source's units (mV; ``SD`` for the
            z-scored PTB-XL subset).
        record_ids: ``(n,)`` str. lead_names: one per lead.
        fs: 500 Hz. r_index: sample of the R peak in every median beat.
        n_beats: ``(n,)`` int64, beats in each median.
        meta: one row per kept record (the source's metadata), aligned with ``signals``.
        skipped: ``record_id, reason`` of the records left out (detection failed, ...).
        r_peaks: per kept record, the R peaks of the beats in its median (samples at 500 Hz
            in the record, after resampling).
        fiducials: global fiducials in median-beat coordinates, one row per kept record
            (index ``record_id``, ``FIDUCIAL_COLUMNS``, -1 absent), where known (the
            front-ends of :mod:`ecgstudy.data.median_beat_sources` fill it).
        lead_fiducials: per-lead long table (``record_id, lead, FIDUCIAL_COLUMNS, n_beats``)
            where known.
        detect_leads: ``(n,)`` str, the lead each record's R peaks were detected on
            (the detection lead, or a fallback: :func:`record_median_beat`).
        units: unit of ``signals``.
    """

    signals: np.ndarray
    record_ids: np.ndarray
    lead_names: tuple[str, ...]
    n_beats: np.ndarray
    meta: pd.DataFrame
    fs: float = MEDIAN_FS
    r_index: int = MEDIAN_R_INDEX
    skipped: pd.DataFrame = field(default_factory=_empty_skipped)
    r_peaks: list[np.ndarray] = field(default_factory=list)
    fiducials: pd.DataFrame | None = None
    lead_fiducials: pd.DataFrame | None = None
    detect_leads: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    units: str = "mV"

    def __len__(self) -> int:
        return int(self.signals.shape[0])

    def subset(self, index: np.ndarray) -> MedianBeats:
        """The records at ``index`` (bool mask or integer array); ``skipped`` is kept."""
        idx = np.arange(len(self))[index]
        ids = self.record_ids[idx]
        fid = None if self.fiducials is None else self.fiducials.loc[ids]
        lf = None if self.lead_fiducials is None else \
            self.lead_fiducials[self.lead_fiducials["record_id"].isin(ids)].reset_index(drop=True)
        return MedianBeats(
            signals=self.signals[idx], record_ids=ids, lead_names=self.lead_names,
            n_beats=self.n_beats[idx], meta=self.meta.iloc[idx].reset_index(drop=True), fs=self.fs,
            r_index=self.r_index, skipped=self.skipped,
            r_peaks=[self.r_peaks[i] for i in idx] if self.r_peaks else [],
            fiducials=fid, lead_fiducials=lf,
            detect_leads=self.detect_leads[idx] if len(self.detect_leads) else self.detect_leads, units=self.units)


def _iter_records(records: RecordSet | Sequence[EcgRecord]):
    """(record id, signal, fs, lead names, meta dict, units) of every record."""
    if isinstance(records, RecordSet):
        metas = records.meta.to_dict("records") if len(records.meta) == len(records) else [{}] * len(records)
        for i in range(len(records)):
            yield (str(records.record_ids[i]), records.signals[i], float(records.fs),
                   tuple(records.lead_names), metas[i], records.units)
    else:
        for rec in records:
            if not isinstance(rec, EcgRecord):
                raise ParameterError(f"records must be a RecordSet or EcgRecords, got {type(rec).__name__}")
            yield rec.record_id, rec.signal, float(rec.fs), tuple(rec.lead_names), dict(rec.meta), rec.units


class MedianBeatsCollector:
    """Accumulates per-record results (:class:`RecordMedianBeat`, or a skip with its reason)
    into a :class:`MedianBeats` (:func:`median_beats` and the dataset front-ends of
    :mod:`ecgstudy.data.median_beat_sources` use it)."""

    def __init__(self, leads: Sequence[str], r_index: int) -> None:
        self.leads, self.r_index = tuple(leads), r_index
        self.beats: list[np.ndarray] = []
        self.ids: list[str] = []
        self.n: list[int] = []
        self.metas: list[dict] = []
        self.peaks: list[np.ndarray] = []
        self.skipped: list[tuple[str, str]] = []
        self.det: list[str] = []
        self.units: set[str] = set()

    def add(self, rid: str, res: RecordMedianBeat, meta: dict, units: str) -> None:
        self.ids.append(rid)
        self.beats.append(res.beat)
        self.n.append(res.n_beats)
        self.peaks.append(res.r_peaks)
        self.det.append(res.detect_lead)
        self.metas.append(meta)
        self.units.add(units)

    def skip(self, rid: str, reason: str) -> None:
        self.skipped.append((rid, reason))

    def result(self, n_samples: int) -> MedianBeats:
        signals = (np.stack(self.beats).astype(np.float32) if self.beats
                   else np.zeros((0, len(self.leads), n_samples), np.float32))
        return MedianBeats(
            signals=signals, record_ids=np.array(self.ids, dtype=str), lead_names=self.leads,
            n_beats=np.array(self.n, dtype=np.int64), meta=pd.DataFrame(self.metas),
            r_index=self.r_index,
            skipped=pd.DataFrame(self.skipped, columns=["record_id", "reason"]) if self.skipped
            else _empty_skipped(),
            r_peaks=self.peaks, detect_leads=np.array(self.det, dtype=str),
            units="/".join(sorted(self.units)) if self.units else "mV")


def median_beats(records: RecordSet | Sequence[EcgRecord], *, leads: Sequence[str] = EIGHT_LEADS,
                 detect_lead: str = "II", before_s: float = MEDIAN_BEFORE_S, after_s: float = MEDIAN_AFTER_S,
                 n_samples: int = MEDIAN_SAMPLES, baseline: str | None = BASELINE,
                 min_beats: int = 2, min_corr: float | None = MIN_BEAT_CORR, progress: bool = True
                 ) -> MedianBeats:
    """Median beats of every record (:func:`record_median_beat`).

    A record whose beats cannot be found (flat line, missing lead, non-finite samples, fewer
    than ``min_beats`` beats) is left out and listed in ``skipped`` with the reason; the
    other records are kept.

    Args:
        records: a :class:`RecordSet` (e.g. :func:`~ecgstudy.data.ptbxl.load_ptbxl`,
            :func:`~ecgstudy.synthetic.standins.measurement_records`) or a list of
            :class:`EcgRecord`.
        leads: leads of the median beats (default the 8 independent leads).
        detect_lead: lead the R peaks are detected on (need not be in ``leads``).
        progress: show a tqdm progress bar.
    """
    r_index = window_r_index(before_s, after_s, n_samples)
    out = MedianBeatsCollector(leads, r_index)
    total = len(records)
    for rid, signal, fs, names, meta, units in tqdm(_iter_records(records), total=total, desc="median beats",
                                                    unit="record", disable=not progress):
        try:
            res = record_median_beat(
                signal, fs, names, leads=leads, detect_lead=detect_lead, before_s=before_s, after_s=after_s,
                n_samples=n_samples, baseline=baseline, min_beats=min_beats, min_corr=min_corr, name=rid)
        except DataError as exc:
            out.skip(rid, str(exc))
            continue
        out.add(rid, res, meta, units)
    return out.result(n_samples)

