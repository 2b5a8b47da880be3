"""Regression targets of LUDB records from the cardiologists' delineation (MUSE-style).

LUDB annotates P, QRS and T onset/peak/offset independently in each of the 12 leads. From
these annotations, per record:

**Global beats** (:func:`global_beats`). The per-lead beats (:func:`~ecgstudy.data.ludb.waves_to_beats`:
one row per QRS, with the P before and the T after it) are grouped across leads by
overlapping QRS (sorted by QRS onset, a lead's QRS joins the current beat when it starts
before the latest QRS offset of that beat). For each beat, over the leads where the wave is
annotated: onset = the earliest onset, offset = the latest offset (MUSE's global
boundaries), peak = the median of the leads' peaks (rounded to a sample).

**Intervals** (ms; per global beat, then the median over beats; NaN where no beat has the
waves): ``pr_ms`` = QRS onset - P onset, ``p_ms`` = P offset - P onset, ``qrs_ms`` = QRS
offset - QRS onset, ``qt_ms`` = T offset - QRS onset. ``rr_ms`` = the mean interval between
successive global QRS peaks, ``hr_bpm`` = 60000 / ``rr_ms``; ``qtc_bazett_ms`` = QT /
sqrt(RR), ``qtc_fridericia_ms`` = QT / RR^(1/3) (RR in s). These are the definitions of
:mod:`ecgstudy.synthetic.measure` (mean RR; medians of the intervals over beats), on the
annotated samples instead of the generator's continuous times. Unlike the synthetic
records, LUDB beats are not typed, so every annotated beat counts (the synthetic
measurements use the dominant conducted beats only; LUDB's few ectopic beats enter the
medians).

**Amplitudes** (per lead ``L``, on the record's signal, each beat with that lead's own
annotations, then the median over beats):

* baseline: the median of the PR segment, samples ``p_off .. qrs_on`` (both included) of
  the lead's P wave belonging to this beat; without that P wave (AF, a P not annotated in
  this lead, the first beat), the median of the 20 ms up to the QRS onset, samples
  ``qrs_on - 10 .. qrs_on`` at 500 Hz (``round(0.02 fs)`` samples before the onset plus
  the onset);
* ``r_amp_L_mV`` = max(0, max of the lead on samples ``qrs_on .. qrs_off`` - baseline);
* ``s_amp_L_mV`` = min(0, min of the lead on samples ``qrs_on .. qrs_off`` - baseline) (<= 0);
* ``t_amp_L_mV`` = the lead at the annotated T peak - baseline (signed; NaN without T).

These are :mod:`ecgstudy.synthetic.measure`'s definitions with two differences: (1) a
baseline is subtracted (the synthetic clean signal's isoelectric line is exactly 0, a
real record's is not); (2) the QRS window is the lead's own annotated QRS (LUDB's leads
are annotated independently; the synthetic one is global, which only adds near-baseline
samples). They differ from "the signal at the annotated QRS peak" (R) and "the most
negative value between the QRS peak and offset" (S): the annotated QRS peak of a lead with
a QS or rS complex is its negative deflection, which would give a negative "R"; the
synthetic definitions, which the two test beds share, are kept.

**Units.** The shared LUDB copy stores every lead with a peak-to-peak range of exactly
1.000 (header unit "mV", per-lead ADC gains 238-10,592 adu/mV): the amplitudes are in
those per-lead normalised units, not physical millivolts. The column names keep ``_mV``
(as in the synthetic set) but compare amplitudes across leads and records with care.

:func:`ludb_targets` returns one row per record (index record id) with these columns,
``n_beats`` (global beats), ``age`` (years; 90 means > 89), ``sex`` (1 male, 0 female) and
``rhythm``, plus a dict of what each record lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from ecgstudy.data.ludb import LUDB_FS, ludb_records, read_ludb_record, waves_to_beats
from ecgstudy.data.types import FIDUCIAL_COLUMNS, EcgRecord
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.errors import DataError

#: Length of the baseline window before the QRS onset when there is no P wave (s).
NO_P_BASELINE_S = 0.020
#: Interval columns, in output order.
INTERVAL_COLUMNS = ("pr_ms", "p_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "hr_bpm", "rr_ms")
_WAVES = {"p": ("p_on", "p_peak", "p_off"), "qrs": ("qrs_on", "qrs_peak", "qrs_off"),
          "t": ("t_on", "t_peak", "t_off")}


def amplitude_columns(leads: Sequence[str] = TWELVE_LEADS) -> list[str]:
    """``r_amp_<lead>_mV`` for every lead, then ``s_amp_...``, then ``t_amp_...``."""
    return [f"{k}_amp_{lead}_mV" for k in ("r", "s", "t") for lead in leads]


def _round_median(values: np.ndarray) -> int:
    return int(np.floor(np.median(values) + 0.5))


def global_beats(waves_per_lead: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Beats over all leads: ``FIDUCIAL_COLUMNS`` (samples, -1 absent) and ``n_leads``.

    Per-lead beats (:func:`~ecgstudy.data.ludb.waves_to_beats`) are grouped by overlapping
    QRS; onset = earliest, offset = latest, peak = median over the leads that have the
    wave (:func:`group_beats`). One row per beat, in time order.
    """
    return group_beats({lead: waves_to_beats(table) for lead, table in waves_per_lead.items()})


def group_beats(beats_per_lead: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Group per-lead beat tables into global beats (the rule of :func:`global_beats`).

    Args:
        beats_per_lead: ``{lead: beat table}``, ``FIDUCIAL_COLUMNS`` in samples, one row per
            QRS (onset, peak and offset all present), a P or T wave either complete or -1.

    Returns:
        One row per global beat in time order: ``FIDUCIAL_COLUMNS`` and ``n_leads``.
    """
    parts = [b.assign(lead=lead) for lead, b in beats_per_lead.items() if len(b)]
    cols = [*FIDUCIAL_COLUMNS, "n_leads"]
    if not parts:
        return pd.DataFrame(np.zeros((0, len(cols)), np.int64), columns=cols)
    allb = pd.concat(parts, ignore_index=True).sort_values(["qrs_on", "qrs_off"], kind="stable")
    f = allb[list(FIDUCIAL_COLUMNS)].to_numpy(dtype=np.int64)
    leads = allb["lead"].to_numpy()
    on, off = f[:, FIDUCIAL_COLUMNS.index("qrs_on")], f[:, FIDUCIAL_COLUMNS.index("qrs_off")]
    group = np.zeros(len(f), dtype=np.int64)
    end = off[0]
    for i in range(1, len(f)):
        if on[i] <= end:
            group[i] = group[i - 1]
        else:
            group[i] = group[i - 1] + 1
        end = max(end, off[i]) if group[i] == group[i - 1] else off[i]
    rows = []
    for g in range(group[-1] + 1):
        sel = f[group == g]
        row = np.full(9, -1, dtype=np.int64)
        for name, (c_on, c_pk, c_off) in _WAVES.items():
            j_on, j_pk, j_off = (FIDUCIAL_COLUMNS.index(c) for c in (c_on, c_pk, c_off))
            have = sel[:, j_pk] >= 0
            if have.any():
                row[j_on] = sel[have, j_on].min()
                row[j_off] = sel[have, j_off].max()
                row[j_pk] = _round_median(sel[have, j_pk])
        rows.append([*row, len(set(leads[group == g]))])
    return pd.DataFrame(np.array(rows, dtype=np.int64), columns=cols)


def interval_targets(beats: pd.DataFrame, fs: float = LUDB_FS) -> dict[str, float]:
    """``INTERVAL_COLUMNS`` (ms, bpm) from a global beat table (:func:`global_beats`)."""
    ms = 1000.0 / fs
    f = {c: beats[c].to_numpy(dtype=np.float64) for c in FIDUCIAL_COLUMNS}
    for c in f:
        f[c][f[c] < 0] = np.nan

    def med(a: np.ndarray) -> float:
        a = a[~np.isnan(a)]
        return float(np.median(a)) * ms if a.size else np.nan

    out: dict[str, float] = {
        "pr_ms": med(f["qrs_on"] - f["p_on"]),
        "p_ms": med(f["p_off"] - f["p_on"]),
        "qrs_ms": med(f["qrs_off"] - f["qrs_on"]),
        "qt_ms": med(f["t_off"] - f["qrs_on"]),
    }
    peaks = np.sort(f["qrs_peak"][~np.isnan(f["qrs_peak"])])
    rr = float(np.mean(np.diff(peaks))) * ms if peaks.size >= 2 else np.nan  # ms
    rr_s = rr / 1000.0
    qt = out["qt_ms"]
    out["qtc_bazett_ms"] = qt / np.sqrt(rr_s) if rr_s > 0 else np.nan
    out["qtc_fridericia_ms"] = qt / np.cbrt(rr_s) if rr_s > 0 else np.nan
    out["hr_bpm"] = 60000.0 / rr if rr > 0 else np.nan
    out["rr_ms"] = rr
    return {c: out[c] for c in INTERVAL_COLUMNS}


def lead_amplitudes(x: np.ndarray, waves: pd.DataFrame, fs: float = LUDB_FS) -> tuple[float, float, float]:
    """``(r_amp, s_amp, t_amp)`` of one lead (``x`` its signal, ``waves`` its wave table);
    see the module docstring. NaN where the lead has no QRS (no T for ``t_amp``)."""
    beats = waves_to_beats(waves)
    n = x.shape[-1]
    pre = round(NO_P_BASELINE_S * fs)
    r, s, t = [], [], []
    for p_off, q_on, q_off, t_pk in beats[["p_off", "qrs_on", "qrs_off", "t_peak"]].to_numpy():
        if q_on < 0 or q_off < q_on or q_off >= n:
            continue
        if 0 <= p_off <= q_on:
            base = float(np.median(x[p_off: q_on + 1]))
        else:
            base = float(np.median(x[max(0, q_on - pre): q_on + 1]))
        seg = x[q_on: q_off + 1]
        r.append(max(0.0, float(seg.max()) - base))
        s.append(min(0.0, float(seg.min()) - base))
        if 0 <= t_pk < n:
            t.append(float(x[t_pk]) - base)

    def med(v: list[float]) -> float:
        return float(np.median(v)) if v else np.nan

    return med(r), med(s), med(t)


def record_targets(record: EcgRecord, waves_per_lead: Mapping[str, pd.DataFrame]
                   ) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Targets of one record (intervals, amplitudes of every lead in ``waves_per_lead``,
    ``n_beats``) and ``{wave: leads where no beat has that wave}`` (a beat is a complete
    QRS with its P and T, :func:`~ecgstudy.data.ludb.waves_to_beats`; so a lead whose QRS
    annotations are all incomplete lacks ``qrs`` and its T waves too; waves that no lead
    lacks are left out)."""
    glob = global_beats(waves_per_lead)
    out: dict[str, float] = interval_targets(glob, record.fs)
    amps: dict[str, float] = {}
    missing: dict[str, list[str]] = {}
    names = list(record.lead_names)
    for lead, table in waves_per_lead.items():
        r, s, t = lead_amplitudes(np.asarray(record.signal[names.index(lead)], dtype=np.float64), table, record.fs)
        amps[f"r_amp_{lead}_mV"], amps[f"s_amp_{lead}_mV"], amps[f"t_amp_{lead}_mV"] = r, s, t
        beats = waves_to_beats(table)
        for wave, (_, c_peak, _) in _WAVES.items():
            if not (beats[c_peak] >= 0).any():
                missing.setdefault(wave, []).append(lead)
    for col in amplitude_columns(list(waves_per_lead)):
        out[col] = amps[col]
    out["n_beats"] = float(len(glob))
    return out, missing


def ludb_targets(folder: str | Path, records: Sequence[str | int] | None = None, *,
                 progress: bool = True) -> tuple[pd.DataFrame, dict[str, dict[str, list[str]]]]:
    """Targets of every LUDB record (see the module docstring).

    Returns:
        ``(targets, missing)``: ``targets`` one row per record (index ``record_id``),
        columns ``INTERVAL_COLUMNS``, ``amplitude_columns()`` (12 leads), ``n_beats``,
        ``age``, ``sex`` (1 male, 0 female, NaN unknown), ``rhythm``; ``missing``
        ``{record_id: {wave: [leads where no beat has that wave]}}`` (:func:`record_targets`)
        for the records lacking a wave in some lead (e.g. ``{"p": [all 12 leads]}`` in AF),
        and ``{"error": [message]}`` for a record that could not be read (its row is NaN).
    """
    ids = [str(r) for r in (ludb_records(folder) if records is None else records)]
    rows, missing = [], {}
    columns = [*INTERVAL_COLUMNS, *amplitude_columns(), "n_beats"]
    for rid in tqdm(ids, desc="LUDB targets", unit="record", disable=not progress):
        try:
            rec, waves = read_ludb_record(folder, rid)
        except DataError as exc:
            rows.append({c: np.nan for c in columns} | {"age": np.nan, "sex": np.nan, "rhythm": None})
            missing[rid] = {"error": [str(exc)]}
            continue
        vals, miss = record_targets(rec, waves)
        sex = {"M": 1.0, "F": 0.0}.get(rec.meta.get("sex"), np.nan)
        age = rec.meta.get("age")
        rows.append(vals | {"age": float(age) if age is not None else np.nan, "sex": sex,
                            "rhythm": rec.meta.get("rhythm")})
        if miss:
            missing[rid] = miss
    df = pd.DataFrame(rows, index=pd.Index(ids, name="record_id"))
    return df[[*columns, "age", "sex", "rhythm"]], missing
