"""Fiducial geometry: annotated per-beat fiducials mapped into median-beat coordinates.

Annotated (LUDB) or generated (synthetic) per-beat onset, peak and offset of P, QRS and T
(samples at the record's rate; ``FIDUCIAL_COLUMNS``, -1 where a wave is absent) are
expressed relative to their beat's R peak, put at the median beat's R index and the median
over the beats in the median is taken, rounded to a sample (:func:`median_fiducials`).
Per lead, and a "global" set as MUSE's global measurements (:func:`global_fiducials`):
earliest onset and latest offset over the leads (peaks: median over the leads). Positions
are samples of the ``(leads, 600)`` median beat at 500 Hz (R at sample 250 by default; see
:mod:`ecgstudy.data.median_beats`), -1 where a wave is absent.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ecgstudy.data.median_beats import (
    MEDIAN_AFTER_S,
    MEDIAN_BEFORE_S,
    MEDIAN_FS,
    MEDIAN_SAMPLES,
    usable_peaks,
    window_r_index,
)
from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError

#: An annotated beat is matched to the nearest R peak within this distance (s).
MATCH_DISTANCE_S = 0.150

_ON = ("p_on", "qrs_on", "t_on")
_OFF = ("p_off", "qrs_off", "t_off")
_PEAK = ("p_peak", "qrs_peak", "t_peak")


def _beat_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per-beat fiducial table from a LUDB wave table (``wave, onset, peak, offset``) or a
    table that already has ``FIDUCIAL_COLUMNS``."""
    if set(FIDUCIAL_COLUMNS) <= set(table.columns):
        return table[list(FIDUCIAL_COLUMNS)].astype(np.int64)
    if {"wave", "onset", "peak", "offset"} <= set(table.columns):
        from ecgstudy.data.ludb import waves_to_beats
        return waves_to_beats(table)
    raise ParameterError(f"a wave table needs columns wave/onset/peak/offset or {FIDUCIAL_COLUMNS}, "
                         f"got {list(table.columns)}")


def _relative_positions(beats: pd.DataFrame, r_peaks: np.ndarray, r_index: int, max_distance: int
                        ) -> np.ndarray:
    """``(matched beats, 9)`` float positions (NaN absent) of the beats' fiducials relative to
    the nearest R peak (within ``max_distance`` samples of the beat's QRS peak; each R peak
    takes its closest beat), shifted to ``r_index``."""
    f = beats.to_numpy(dtype=np.int64)
    qrs_peak = f[:, FIDUCIAL_COLUMNS.index("qrs_peak")]
    keep = qrs_peak >= 0
    f, qrs_peak = f[keep], qrs_peak[keep]
    if f.shape[0] == 0 or r_peaks.size == 0:
        return np.zeros((0, 9))
    pos = np.clip(np.searchsorted(r_peaks, qrs_peak), 1, max(1, r_peaks.size - 1))
    left, right = r_peaks[pos - 1], r_peaks[np.minimum(pos, r_peaks.size - 1)]
    nearest = np.where(np.abs(qrs_peak - left) <= np.abs(qrs_peak - right), left, right)
    dist = np.abs(qrs_peak - nearest)
    ok = dist <= max_distance
    f, nearest, dist = f[ok], nearest[ok], dist[ok]
    # one annotated beat per R peak: the closest
    order = np.lexsort((dist, nearest))
    first = np.ones(order.size, dtype=bool)
    first[1:] = nearest[order][1:] != nearest[order][:-1]
    sel = order[first]
    f, nearest = f[sel], nearest[sel]
    rel = (f - nearest[:, None] + r_index).astype(np.float64)
    rel[f < 0] = np.nan
    return rel


def _round(x: float) -> int:
    return int(np.floor(x + 0.5))


def _median_row(rel: np.ndarray, min_fraction: float, n_samples: int) -> np.ndarray:
    """Median position per column (int64, -1 where present in fewer than ``min_fraction``
    of the beats, or outside the window). A wave's onset/peak/offset are kept or dropped
    together."""
    out = np.full(9, -1, dtype=np.int64)
    if rel.shape[0] == 0:
        return out
    for w in range(3):
        cols = rel[:, 3 * w: 3 * w + 3]
        have = ~np.isnan(cols).any(axis=1)
        if have.sum() == 0 or have.sum() < min_fraction * rel.shape[0]:
            continue
        med = [_round(v) for v in np.median(cols[have], axis=0)]
        if all(0 <= v < n_samples for v in med):
            out[3 * w: 3 * w + 3] = med
    return out


def global_fiducials(per_lead: pd.DataFrame) -> pd.Series:
    """MUSE-style global fiducials from per-lead ones (rows = leads, ``FIDUCIAL_COLUMNS``,
    -1 absent): earliest onset and latest offset over the leads where the wave is present,
    peak = median of the leads' peaks (rounded); -1 where no lead has the wave."""
    out = pd.Series(-1, index=list(FIDUCIAL_COLUMNS), dtype=np.int64)
    for on, pk, off in zip(_ON, _PEAK, _OFF):
        present = per_lead[per_lead[pk] >= 0]
        if len(present):
            out[on] = int(present[on].min())
            out[off] = int(present[off].max())
            out[pk] = _round(float(np.median(present[pk])))
    return out


def median_fiducials(waves_per_lead: Mapping[str, pd.DataFrame], r_peaks: np.ndarray, *,
                     fs: float = MEDIAN_FS, before_s: float = MEDIAN_BEFORE_S, after_s: float = MEDIAN_AFTER_S,
                     n_samples: int = MEDIAN_SAMPLES, record_samples: int | None = None,
                     min_fraction: float = 0.5, max_distance_s: float = MATCH_DISTANCE_S
                     ) -> tuple[pd.Series, pd.DataFrame]:
    """Annotated per-beat fiducials mapped into median-beat coordinates.

    For each lead, every annotated beat is matched to the nearest R peak (within
    ``max_distance_s`` of its QRS peak; an R peak takes its closest beat only); each of its
    fiducials becomes ``fiducial - R + r_index``; the median over the matched beats, rounded
    to a sample, is the lead's fiducial. A wave (onset, peak, offset together) counts as
    present in a lead when at least ``min_fraction`` of the matched beats have it, and lies
    inside the window.

    Args:
        waves_per_lead: ``{lead: table}``, a LUDB wave table (:func:`~ecgstudy.data.ludb.read_ludb_waves`)
            or a per-beat table with ``FIDUCIAL_COLUMNS`` (-1 absent), samples at ``fs``.
        r_peaks: the R peaks the median beat was aligned on (samples at ``fs``).
        before_s, after_s, n_samples: the median-beat window (as
            :func:`~ecgstudy.data.median_beats.median_beat`).
        record_samples: record length (samples at ``fs``); if given, R peaks whose window
            leaves the record are dropped, as :func:`~ecgstudy.data.median_beats.median_beat`
            drops them.

    Returns:
        ``(global, per_lead)``: ``global`` a Series over ``FIDUCIAL_COLUMNS``
        (:func:`global_fiducials` of the leads); ``per_lead`` a DataFrame indexed by lead
        with ``FIDUCIAL_COLUMNS`` and ``n_beats`` (annotated beats matched). Samples of the
        median beat (500 Hz), -1 where absent.
    """
    r_index = window_r_index(before_s, after_s, n_samples)
    scale = MEDIAN_FS / fs
    r = np.sort(np.rint(np.asarray(r_peaks, dtype=np.float64) * scale).astype(np.int64))
    if record_samples is not None:
        r = usable_peaks(r, round(record_samples * scale), r_index=r_index, n_samples=n_samples)
    max_distance = round(max_distance_s * MEDIAN_FS)
    rows, counts = [], []
    for table in waves_per_lead.values():
        beats = _beat_table(table)
        if scale != 1:
            vals = beats.to_numpy()
            beats = pd.DataFrame(np.where(vals >= 0, np.rint(vals * scale), -1).astype(np.int64),
                                 columns=beats.columns)
        rel = _relative_positions(beats, r, r_index, max_distance)
        rows.append(_median_row(rel, min_fraction, n_samples))
        counts.append(rel.shape[0])
    per_lead = pd.DataFrame(np.array(rows, dtype=np.int64).reshape(-1, 9), columns=list(FIDUCIAL_COLUMNS),
                            index=pd.Index(list(waves_per_lead), name="lead"))
    per_lead["n_beats"] = np.array(counts, dtype=np.int64)
    return global_fiducials(per_lead), per_lead

