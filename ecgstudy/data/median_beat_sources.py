"""Median beats of the chapter's datasets, with their fiducials in median-beat coordinates.

Two front-ends over :func:`~ecgstudy.data.median_beats.record_median_beat` and
:func:`~ecgstudy.data.fiducials.median_fiducials`, each returning a
:class:`~ecgstudy.data.median_beats.MedianBeats` (``signals`` ``(records, leads, 600)``
float32 at 500 Hz) with ``fiducials`` and ``lead_fiducials`` filled:

* :func:`ludb_median_beats`: LUDB records (a dataset folder, e.g. ``source.folders["ludb"]``)
  with the cardiologists' per-lead fiducials mapped onto the median beats;
* :func:`synthetic_median_beats`: the synthetic test bed, median beats of
  :func:`~ecgstudy.synthetic.standins.measurement_records` with their exact fiducials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from ecgstudy.data.conditioning import BASELINE
from ecgstudy.data.fiducials import median_fiducials
from ecgstudy.data.median_beats import (
    EIGHT_LEADS,
    MEDIAN_FS,
    MEDIAN_R_INDEX,
    MEDIAN_SAMPLES,
    MIN_BEAT_CORR,
    MedianBeats,
    MedianBeatsCollector,
    median_beats,
    record_median_beat,
)
from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError


def _fiducial_frames(ids: list[str], glob: list[pd.Series], per: list[pd.DataFrame]
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(fiducials, lead_fiducials)`` of a :class:`~ecgstudy.data.median_beats.MedianBeats` from
    :func:`~ecgstudy.data.fiducials.median_fiducials`' per-record results: one row per record
    (index ``record_id``), and the long ``record_id, lead, FIDUCIAL_COLUMNS, n_beats`` table."""
    g = pd.DataFrame([s.to_numpy() for s in glob], columns=list(FIDUCIAL_COLUMNS),
                     index=pd.Index(ids, name="record_id")).astype(np.int64) if glob else \
        pd.DataFrame(columns=list(FIDUCIAL_COLUMNS), index=pd.Index([], name="record_id"), dtype=np.int64)
    if per:
        lf = pd.concat([p.reset_index().assign(record_id=rid) for rid, p in zip(ids, per)], ignore_index=True)
        lf = lf[["record_id", "lead", *FIDUCIAL_COLUMNS, "n_beats"]]
    else:
        lf = pd.DataFrame(columns=["record_id", "lead", *FIDUCIAL_COLUMNS, "n_beats"])
    return g, lf


def ludb_median_beats(folder: str | Path, records: Sequence[str | int] | None = None, *,
                      leads: Sequence[str] = EIGHT_LEADS, detect_lead: str = "II",
                      baseline: str | None = BASELINE, min_beats: int = 2,
                      min_corr: float | None = MIN_BEAT_CORR, progress: bool = True,
                      transform: Callable[[np.ndarray, float], tuple[np.ndarray, float]] | None = None
                      ) -> MedianBeats:
    """Median beats of LUDB records with the cardiologists' fiducials mapped onto them.

    ``folder`` is the LUDB dataset folder (a run's ``source.folders["ludb"]``); ``records``
    the record ids to read (default every record it lists).

    ``transform(signal, fs) -> (signal, fs)``, if given, is applied to each record's
    ``(12, samples)`` signal first (e.g. :func:`~ecgstudy.data.ptbxl_style.ptbxl_subset_style`);
    it must keep sample times (zero-phase), since the fiducials are mapped with the R peaks
    found on its output (at 500 Hz after
    :func:`~ecgstudy.data.median_beats.record_median_beat`'s resampling).

    ``fiducials`` (global over the 12 annotated leads) and ``lead_fiducials`` (all 12
    leads) come from :func:`~ecgstudy.data.fiducials.median_fiducials` with the R peaks
    the median was aligned on.
    ``meta`` holds the header's ``age`` (90 means > 89), ``rhythm``, ``diagnoses`` and ``sex``
    (1 male, 0 female, as the synthetic set and :func:`~ecgstudy.data.ludb_targets.ludb_targets`);
    the targets of :func:`~ecgstudy.data.ludb_targets.ludb_targets` join on ``record_ids``.
    """
    from ecgstudy.data.ludb import ludb_records, read_ludb_record

    ids = [str(r) for r in (ludb_records(folder) if records is None else records)]
    out = MedianBeatsCollector(leads, MEDIAN_R_INDEX)
    glob, per = [], []
    for rid in tqdm(ids, desc="LUDB median beats", unit="record", disable=not progress):
        try:
            rec, waves = read_ludb_record(folder, rid)
            signal, fs = transform(rec.signal, rec.fs) if transform is not None else (rec.signal, rec.fs)
            res = record_median_beat(signal, fs, rec.lead_names, leads=leads, detect_lead=detect_lead,
                                     baseline=baseline, min_beats=min_beats, min_corr=min_corr, name=rid)
        except DataError as exc:
            out.skip(rid, str(exc))
            continue
        g, p = median_fiducials(waves, res.r_peaks, fs=rec.fs, record_samples=rec.n_samples)
        meta = {k: rec.meta.get(k) for k in ("age", "rhythm", "diagnoses")}
        meta["sex"] = {"M": 1.0, "F": 0.0}.get(rec.meta.get("sex"), np.nan)
        out.add(rid, res, meta, rec.units)
        glob.append(g)
        per.append(p)
    mb = out.result(MEDIAN_SAMPLES)
    mb.fiducials, mb.lead_fiducials = _fiducial_frames(list(mb.record_ids), glob, per)
    return mb


def synthetic_median_beats(n_records: int, *, seed: int, leads: Sequence[str] = EIGHT_LEADS,
                           noise: Any = "default", baseline: str | None = BASELINE,
                           min_corr: float | None = MIN_BEAT_CORR, progress: bool = False,
                           **generator_kw: Any) -> MedianBeats:
    """The synthetic test bed: median beats of
    :func:`~ecgstudy.synthetic.standins.measurement_records` with their exact fiducials.

    The records are drawn with all 12 leads (R peaks are detected on lead II, as for real
    data), then reduced to ``leads``. ``fiducials`` are the generator's per-beat fiducials
    (global over the leads by construction) mapped into median-beat coordinates with the
    detected R peaks (:func:`~ecgstudy.data.fiducials.median_fiducials`);
    ``lead_fiducials`` repeats them per lead.
    ``meta`` holds the exact measurements (``qrs_ms``, ``qt_ms``, ``r_amp_II_mV``, ...),
    ``age`` and ``sex`` (1 male, 0 female) - the regression targets.

    Args:
        n_records, seed: as ``measurement_records``. noise: a ``NoiseParams``, ``None``
            (clean) or ``"default"`` (the generator's default noise).
        generator_kw: more ``measurement_records`` arguments (``duration_s``, ``offset``,
            ``n_jobs``; ``fs`` other than 500 is resampled).
    """
    from ecgstudy.synthetic.standins import measurement_records

    kw = dict(generator_kw)
    if not (isinstance(noise, str) and noise == "default"):
        kw["noise"] = noise
    rs = measurement_records(n_records, seed=seed, leads=TWELVE_LEADS, **kw)
    mb = median_beats(rs, leads=leads, baseline=baseline, min_corr=min_corr, progress=progress)
    row_of = {rid: i for i, rid in enumerate(rs.record_ids)}
    glob, per = [], []
    for rid, peaks in zip(mb.record_ids, mb.r_peaks):
        fid = rs.fiducials_of(row_of[rid])[list(FIDUCIAL_COLUMNS)].to_numpy()
        if rs.fs != MEDIAN_FS:  # generator samples -> 500 Hz samples, as the R peaks
            fid = np.where(fid >= 0, np.rint(fid * (MEDIAN_FS / rs.fs)), -1).astype(np.int64)
        g, p = median_fiducials({"all": pd.DataFrame(fid, columns=list(FIDUCIAL_COLUMNS))}, peaks,
                                record_samples=round(rs.signals.shape[-1] * MEDIAN_FS / rs.fs))
        glob.append(g)
        per.append(pd.DataFrame([g.to_numpy()] * len(leads), columns=list(FIDUCIAL_COLUMNS),
                                index=pd.Index(list(leads), name="lead")).assign(n_beats=int(p["n_beats"].iloc[0])))
    mb.fiducials, mb.lead_fiducials = _fiducial_frames(list(mb.record_ids), glob, per)
    return mb
