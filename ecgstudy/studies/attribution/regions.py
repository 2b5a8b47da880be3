"""Ground-truth regions of Chapter 4's benchmark: where the right explanation of each model lies.

Every function returns bool masks ``(n, leads, samples)`` on the model's input samples; a
:class:`Regions` adds the samples the localisation scores read (``valid``: the unpadded part of an
ICLR segment, every sample elsewhere) and says in words what the region is.

* MIT-BIH (ICLR segments, xECGNet windows): the annotated abnormal beats, each beat its RR cell
  (:mod:`ecgstudy.explain.beat_masks`: from one third of the preceding RR interval before its R peak
  to the next beat's start), the same on every lead. ICLR: the PVC and APB beats (``V``, ``A``) of
  the segment (:func:`abnormal_beat_masks`); xECGNet: the beats of one beat-local class, e.g. PVC
  (:func:`window_class_masks`, :func:`ecgstudy.explain.type_coverage.class_masks`).
* LUDB (the ECGradCAM networks, tested on LUDB's median beats): the whole P, QRS or T wave,
  onset to offset, **per lead** from the cardiologists' per-lead delineation mapped onto the median
  beat (:func:`wave_masks`; a lead without the wave falls back to the global fiducials); which waves
  are the target's (:func:`~ecgstudy.studies.ecgradcam.verdicts.defining_waves`: QRS duration -> QRS,
  QT -> QRS and T, PR -> P and QRS, sex -> QRS).
* The controlled task: the planted wave's exact support, every beat, every lead
  (:attr:`ecgstudy.synthetic.planted.PlantedSet.mask`).

>>> m = wave_masks(np.array([[-1, -1, -1, 3, 4, 5, 7, 8, 9]]), ("qrs", "t"), n_samples=12, leads=2)
>>> m.shape, np.flatnonzero(m[0, 1]).tolist()
((1, 2, 12), [3, 4, 5, 7, 8, 9])
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS, BeatSegments
from ecgstudy.errors import ParameterError

#: A wave's fiducials, onset to offset (both included).
WAVE_PARTS: dict[str, tuple[str, str, float, float]] = {
    "p": ("p_on", "p_off", 0.0, 0.0), "qrs": ("qrs_on", "qrs_off", 0.0, 0.0), "t": ("t_on", "t_off", 0.0, 0.0)}


@dataclass
class Regions:
    """The ground truth of one model's held-out records.

    Attributes:
        masks: ``(n, leads, samples)`` bool, the region.
        valid: ``(n, samples)`` bool, the samples localisation is scored on (the rest is padding).
        name: what the region is, in words (e.g. ``"the annotated PVC and APB beats"``).
    """

    masks: np.ndarray
    valid: np.ndarray
    name: str

    def __post_init__(self) -> None:
        m, v = np.asarray(self.masks), np.asarray(self.valid)
        if m.ndim != 3 or m.dtype != bool or v.shape != (m.shape[0], m.shape[2]) or v.dtype != bool:
            raise ParameterError(f"Regions: masks {m.shape} {m.dtype} and valid {v.shape} {v.dtype}: expected bool "
                                 "(n, leads, samples) and (n, samples)")
        if bool((m & ~v[:, None, :]).any()):
            raise ParameterError("Regions: a region sample lies outside the valid samples")

    def __len__(self) -> int:
        return int(self.masks.shape[0])

    def subset(self, index: Sequence[int] | np.ndarray) -> Regions:
        idx = np.asarray(index, dtype=np.int64)
        return Regions(self.masks[idx], self.valid[idx], self.name)


def on_every_lead(masks: np.ndarray, leads: int) -> np.ndarray:
    """``(n, samples) -> (n, leads, samples)``: the same mask on every lead (a copy)."""
    m = np.asarray(masks, dtype=bool)
    return np.repeat(m[:, None, :], int(leads), axis=1)


def abnormal_beat_masks(segments: BeatSegments, *, abnormal: Collection[str] = ("V", "A")) -> Regions:
    """The abnormal beats of every ICLR segment (their RR cells), on every lead; ``valid`` the
    unpadded samples (:func:`ecgstudy.explain.beat_masks.region_mask`)."""
    from ecgstudy.explain.beat_masks import region_mask, segment_masks

    abn, _ = segment_masks(segments, abnormal=abnormal)
    valid = np.stack([region_mask(segments, i) for i in range(len(segments))]) if len(segments) else \
        np.zeros((0, segments.signals.shape[-1]), bool)
    return Regions(on_every_lead(abn, segments.signals.shape[1]), valid,
                   f"the annotated {' and '.join(abnormal)} beats (RR cells)")


def window_class_masks(beats: Callable[[int], tuple[np.ndarray, np.ndarray]], indices: Sequence[int], *,
                       n_samples: int, leads: int, fs: float, cls: str) -> Regions:
    """The beats of class ``cls`` (e.g. ``"PVC"``) of the windows ``indices``; ``beats(i)`` gives window
    ``i``'s R peaks (on the input's samples) and symbols (:attr:`~ecgstudy.studies.xecgnet.data.SplitData.test_beats`)."""
    from ecgstudy.explain.type_coverage import class_masks

    rows = [class_masks(*beats(int(i)), n_samples, fs=fs, classes=[cls])[cls] for i in indices]
    m = np.stack(rows) if rows else np.zeros((0, n_samples), bool)
    return Regions(on_every_lead(m, leads), np.ones((len(rows), n_samples), bool), f"the annotated {cls} beats")


def _fiducial_rows(fiducials: np.ndarray | pd.DataFrame) -> np.ndarray:
    if isinstance(fiducials, pd.DataFrame):
        return fiducials[list(FIDUCIAL_COLUMNS)].to_numpy(dtype=np.int64)
    f = np.asarray(fiducials, dtype=np.int64)
    if f.ndim != 2 or f.shape[1] != len(FIDUCIAL_COLUMNS):
        raise ParameterError(f"fiducials {f.shape}: expected (n, {len(FIDUCIAL_COLUMNS)}) in FIDUCIAL_COLUMNS order")
    return f


def wave_masks(fiducials: np.ndarray | pd.DataFrame, waves: Sequence[str], *, n_samples: int, leads: int,
               lead_fiducials: np.ndarray | None = None) -> np.ndarray:
    """Masks ``(n, leads, samples)`` of the ``waves`` (of ``"p"``, ``"qrs"``, ``"t"``), onset to offset.

    Args:
        fiducials: ``(n, 9)`` global fiducials (median-beat samples, -1 absent), used on every lead.
        waves: the waves of the region.
        lead_fiducials: ``(n, leads, 9)`` per-lead fiducials; a lead's wave is taken from them where both
            its onset and offset are annotated there, else from ``fiducials``.
    """
    from ecgstudy.explain.region_mass import region_masks

    unknown = [w for w in waves if w not in WAVE_PARTS]
    if unknown or not waves:
        raise ParameterError(f"waves {list(waves)}: expected some of {', '.join(WAVE_PARTS)}")
    f = _fiducial_rows(fiducials)
    n = f.shape[0]
    out = np.zeros((n, int(leads), int(n_samples)), bool)
    col = {c: i for i, c in enumerate(FIDUCIAL_COLUMNS)}
    if lead_fiducials is not None:
        lf = np.asarray(lead_fiducials, dtype=np.int64)
        if lf.shape != (n, leads, len(FIDUCIAL_COLUMNS)):
            raise ParameterError(f"lead_fiducials {lf.shape}: expected ({n}, {leads}, {len(FIDUCIAL_COLUMNS)})")
    for w in waves:
        part = WAVE_PARTS[w]
        glob, _ = region_masks(f, [part], n_samples=n_samples)
        for lead in range(int(leads)):
            if lead_fiducials is None:
                out[:, lead] |= glob
                continue
            own, _ = region_masks(lf[:, lead], [part], n_samples=n_samples)
            has = (lf[:, lead, col[part[0]]] >= 0) & (lf[:, lead, col[part[1]]] >= 0)
            out[:, lead] |= np.where(has[:, None], own, glob)
    return out


def lead_fiducial_array(table: pd.DataFrame, record_ids: Sequence[str], lead_names: Sequence[str]) -> np.ndarray:
    """``(n, leads, 9)`` int64 per-lead fiducials from a long ``record_id, lead, FIDUCIAL_COLUMNS`` table
    (:attr:`~ecgstudy.data.median_beats.MedianBeats.lead_fiducials`); -1 where a record or lead has no row.

    >>> t = pd.DataFrame([{"record_id": "7", "lead": "II", **dict.fromkeys(FIDUCIAL_COLUMNS, 5)}])
    >>> a = lead_fiducial_array(t, ["7", "8"], ["I", "II"])
    >>> a[0, 1, 0], a[0, 0, 0], a[1, 1, 0]
    (np.int64(5), np.int64(-1), np.int64(-1))
    """
    out = np.full((len(record_ids), len(lead_names), len(FIDUCIAL_COLUMNS)), -1, np.int64)
    row = {str(r): i for i, r in enumerate(record_ids)}
    lead = {str(n): j for j, n in enumerate(lead_names)}
    for rec in table.itertuples(index=False):
        i, j = row.get(str(rec.record_id)), lead.get(str(rec.lead))
        if i is not None and j is not None:
            out[i, j] = [int(getattr(rec, c)) for c in FIDUCIAL_COLUMNS]
    return out


def ludb_wave_regions(fiducials: np.ndarray, waves: Sequence[str], *, n_samples: int, leads: int,
                      lead_fiducials: np.ndarray | None = None) -> Regions:
    """:func:`wave_masks` as :class:`Regions` (every sample valid)."""
    m = wave_masks(fiducials, waves, n_samples=n_samples, leads=leads, lead_fiducials=lead_fiducials)
    where = "per lead, the cardiologists' delineation" if lead_fiducials is not None else "global fiducials"
    names = " and ".join(w.upper() for w in waves)
    return Regions(m, np.ones((m.shape[0], n_samples), bool), f"the {names} wave{'s' if len(waves) > 1 else ''} "
                                                              f"({where})")


def planted_regions(planted) -> Regions:
    """The planted wave of a :class:`~ecgstudy.synthetic.planted.PlantedSet` (every sample valid)."""
    m = np.asarray(planted.mask, dtype=bool)
    return Regions(m, np.ones((m.shape[0], m.shape[2]), bool), f"the planted {planted.wave} wave ({planted.rule})")


#: Where each reading segment of :func:`ecgstudy.data.ludb_superclasses.reading_segments` starts and ends on one
#: beat's fiducials: (start column, offset added, end column, offset added), both ends included.
SEGMENT_BOUNDS: dict[str, tuple[str, int, str, int]] = {
    "p": ("p_on", 0, "p_off", 0), "pr": ("p_on", 0, "qrs_on", -1), "qrs": ("qrs_on", 0, "qrs_off", 0),
    "qrs_t": ("qrs_on", 0, "t_off", 0), "st_t": ("qrs_off", 1, "t_off", 0)}


def segment_mask(beats: pd.DataFrame, segments: Sequence[str], *, n_samples: int, scale: float = 1.0) -> np.ndarray:
    """``(n_samples,)`` bool: the ``segments`` (names of :data:`SEGMENT_BOUNDS`) of every beat of one lead.

    Args:
        beats: one lead's per-beat fiducials (``FIDUCIAL_COLUMNS``, samples at the annotation rate, -1 absent;
            :func:`ecgstudy.data.ludb.waves_to_beats`); a beat lacking an end of a segment adds none of it.
        scale: output rate over annotation rate (e.g. 0.2 from LUDB's 500 Hz to 100 Hz): a sample ``s``
            lands on ``floor(s * scale)``.

    Unlike :func:`ecgstudy.explain.region_mass.region_masks` (one region of several parts per beat, all parts
    needed, on the beat's own axis), each segment here is painted on its own wherever its two ends exist, and an
    annotation-rate interval lands on every output sample it touches.

    >>> b = pd.DataFrame([dict(zip(FIDUCIAL_COLUMNS, [10, 15, 20, 30, 35, 40, 60, 70, 80]))])
    >>> np.flatnonzero(segment_mask(b, ["pr"], n_samples=20, scale=0.2)).tolist()  # samples 10-29 -> 2-5
    [2, 3, 4, 5]
    >>> np.flatnonzero(segment_mask(b, ["st_t"], n_samples=20, scale=0.2)).tolist()  # samples 41-80 -> 8-16
    [8, 9, 10, 11, 12, 13, 14, 15, 16]
    """
    unknown = [s for s in segments if s not in SEGMENT_BOUNDS]
    if unknown or not segments:
        raise ParameterError(f"segments {list(segments)}: expected some of {', '.join(SEGMENT_BOUNDS)}")
    out = np.zeros(int(n_samples), bool)
    for s in segments:
        c0, d0, c1, d1 = SEGMENT_BOUNDS[s]
        for a, b in zip(beats[c0].to_numpy(np.int64), beats[c1].to_numpy(np.int64)):
            if a < 0 or b < 0:
                continue
            lo, hi = int(np.floor((a + d0) * scale)), int(np.floor((b + d1) * scale))
            lo, hi = max(lo, 0), min(hi, int(n_samples) - 1)
            if lo <= hi:
                out[lo:hi + 1] = True
    return out


def annotated_span(waves: Sequence[pd.DataFrame], *, n_samples: int, scale: float = 1.0) -> np.ndarray:
    """``(n_samples,)`` bool: from the earliest annotated wave onset to the latest offset over the leads'
    wave tables (``wave, onset, peak, offset``; LUDB leaves a record's first and last beats unannotated, so
    samples outside are not scored)."""
    on = [int(t["onset"][t["onset"] >= 0].min()) for t in waves if (t["onset"] >= 0).any()]
    off = [int(t["offset"][t["offset"] >= 0].max()) for t in waves if (t["offset"] >= 0).any()]
    out = np.zeros(int(n_samples), bool)
    if on and off:
        lo, hi = max(int(np.floor(min(on) * scale)), 0), min(int(np.floor(max(off) * scale)), int(n_samples) - 1)
        out[lo:hi + 1] = True
    return out
