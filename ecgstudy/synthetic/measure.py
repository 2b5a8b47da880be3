"""Ground truth of a drawn record: its fiducial table and its measurements.

Fiducial table: one row per *complete* beat (every present fiducial sample inside the
record; beats cut by the record's edges are drawn but not listed), columns
``FIDUCIAL_COLUMNS`` (sample indices, ``round(time * fs)``, -1 where the wave group is
absent) plus ``beat_type`` (the beat symbol). See :mod:`.beats` for the definitions.

Measurements (per record, ``float``; NaN where undefined):

* ``rr_ms`` / ``hr_bpm``: mean RR over all beats whose R lies in the record, and 60/RR.
* dominant beats: the complete beats with the most frequent conducted symbol among
  ``N``, ``L``, ``R`` (all complete beats if there is none). On them, medians of the
  exact (continuous-time) intervals: ``pr_ms`` = qrs_on - p_on, ``p_ms`` = p_off - p_on,
  ``qrs_ms`` = qrs_off - qrs_on, ``qt_ms`` = t_off - qrs_on;
  ``qtc_bazett_ms`` = QT / sqrt(RR), ``qtc_fridericia_ms`` = QT / RR^(1/3) (RR in s).
* per lead ``L``, measured on the clean (noise-free) signal, medians over dominant beats:
  ``r_amp_L_mV`` = max(0, max of the clean lead on samples [qrs_on, qrs_off]),
  ``s_amp_L_mV`` = min(0, min on the same samples) (<= 0),
  ``t_amp_L_mV`` = the clean lead at the t_peak sample (signed),
  ``st_L_mV`` = the ST shift of the dominant morphology in that lead
  (lead vector . ST vector; the clean signal equals it on [J + ramp, T onset) where no
  other wave overlaps), 0 without ST shift.
* ``n_beats`` (complete beats), ``n_pvc`` (``V``), ``n_pac`` (``A``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.synthetic.beats import BeatTrain
from ecgstudy.synthetic.leads import lead_vectors

_CONDUCTED = ("N", "L", "R")


def fiducial_samples(train: BeatTrain, *, fs: float, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Complete beats' fiducial samples.

    Returns:
        ``(index, samples)``: indices into ``train`` of the complete beats, and their
        ``(k, 9)`` int64 fiducial samples (-1 where absent).
    """
    times = train.fiducial_times()
    present = ~np.isnan(times)
    s = np.where(present, np.rint(np.where(present, times, 0.0) * fs), -1).astype(np.int64)
    inside = (s >= 0) & (s < n_samples)
    complete = np.all(inside | ~present, axis=1)
    idx = np.flatnonzero(complete)
    return idx, s[idx]


def fiducial_frame(samples: np.ndarray, symbols: np.ndarray) -> pd.DataFrame:
    """DataFrame with ``FIDUCIAL_COLUMNS`` (int64) and ``beat_type`` (str)."""
    df = pd.DataFrame(samples.reshape(-1, 9), columns=list(FIDUCIAL_COLUMNS))
    df["beat_type"] = np.asarray(symbols, dtype=str)
    return df


def _dominant(symbols: np.ndarray) -> np.ndarray:
    conducted = [s for s in _CONDUCTED if np.any(symbols == s)]
    if not conducted:
        return np.ones(symbols.shape, dtype=bool)
    best = max(conducted, key=lambda s: int(np.sum(symbols == s)))
    return symbols == best


def _window_reduce(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Max and min of ``x[:, lo_i:hi_i + 1]`` for every window i -> two ``(leads, n)`` arrays."""
    count = hi - lo + 1
    first = np.cumsum(count) - count
    idx = np.arange(int(count.sum())) - np.repeat(first - lo, count)
    g = x[:, idx]
    return np.maximum.reduceat(g, first, axis=1), np.minimum.reduceat(g, first, axis=1)


def measure_record(train: BeatTrain, clean: np.ndarray, *, fs: float,
                   lead_names: Sequence[str]) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Measurements of one record (see module docstring).

    Args:
        train: the beats drawn. clean: ``(leads, samples)`` noise-free signal, mV.
        fs: Hz. lead_names: names of ``clean``'s rows.

    Returns:
        ``(measurements, fiducial samples (k, 9), beat symbols (k,))`` of the complete beats.
    """
    n_samples = clean.shape[-1]
    idx, samp = fiducial_samples(train, fs=fs, n_samples=n_samples)
    sym = train.symbol[idx]
    out: dict[str, float] = {}

    r = np.sort(train.r_time_s[(train.r_time_s >= 0) & (train.r_time_s * fs <= n_samples - 1)])
    rr = float(np.mean(np.diff(r))) if r.size >= 2 else np.nan
    out["rr_ms"] = rr * 1e3
    out["hr_bpm"] = 60.0 / rr if rr > 0 else np.nan

    dom = _dominant(sym)
    times = train.fiducial_times()[idx[dom]]  # seconds

    def med(a: np.ndarray) -> float:
        a = a[~np.isnan(a)]
        return float(np.median(a)) * 1e3 if a.size else np.nan

    out["pr_ms"] = med(times[:, 3] - times[:, 0])
    out["p_ms"] = med(times[:, 2] - times[:, 0])
    out["qrs_ms"] = med(times[:, 5] - times[:, 3])
    qt = med(times[:, 8] - times[:, 3])
    out["qt_ms"] = qt
    out["qtc_bazett_ms"] = qt / np.sqrt(rr) if rr > 0 else np.nan
    out["qtc_fridericia_ms"] = qt / np.cbrt(rr) if rr > 0 else np.nan

    ds = samp[dom]
    names = list(lead_names)
    if ds.shape[0]:
        mx, mn = _window_reduce(clean, ds[:, 3], ds[:, 5])
        r_amp = np.median(np.maximum(mx, 0.0), axis=1)
        s_amp = np.median(np.minimum(mn, 0.0), axis=1)
        has_t = ds[:, 7] >= 0
        t_amp = np.median(clean[:, ds[has_t, 7]], axis=1) if has_t.any() else np.full(len(names), np.nan)
        morph_ids, counts = np.unique(train.morph[idx[dom]], return_counts=True)
        st_vec = train.morphologies[int(morph_ids[np.argmax(counts)])].arrays.st_vec
    else:
        r_amp = s_amp = t_amp = np.full(len(names), np.nan)
        st_vec = None
    st = lead_vectors(names) @ st_vec if st_vec is not None else np.zeros(len(names))
    for j, name in enumerate(names):
        out[f"r_amp_{name}_mV"] = float(r_amp[j])
        out[f"s_amp_{name}_mV"] = float(s_amp[j])
        out[f"t_amp_{name}_mV"] = float(t_amp[j])
    for j, name in enumerate(names):
        out[f"st_{name}_mV"] = float(st[j])
    out["n_beats"] = float(len(idx))
    out["n_pvc"] = float(np.sum(sym == "V"))
    out["n_pac"] = float(np.sum(sym == "A"))
    return out, samp, sym
