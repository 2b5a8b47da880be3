"""Synthetic stand-ins for each chapter's data, with exact ground truth.

* :func:`mitbih_like_segments` -> :class:`~ecgstudy.data.types.BeatSegments` (MIT-BIH-like
  2-lead segments, ``"NV"`` normal + PVC / ``"AN"`` normal + APB; defined in
  :mod:`ecgstudy.synthetic.segments`, re-exported here).
* :func:`cpsc_like_records` -> :class:`SyntheticRecordSet` (12-lead, the 9 CPSC 2018 classes).
* :func:`measurement_records` -> :class:`SyntheticRecordSet` (12-lead sinus records with
  measurements, age and sex, for regression).

Every record (segment) draws from its own random streams derived from
``(seed, generator, index)``, so output is bit-identical for the same arguments whatever
``n_jobs`` is, and record ``i`` of ``cpsc_like_records(n, seed=s, offset=o)`` is record
``o + i`` of any larger call with the same seed (generate a big set in chunks that way).

Ground truth per record (:class:`SyntheticRecordSet`): ``meta`` has one column per
measurement (see :mod:`ecgstudy.synthetic.measure`: ``pr_ms``, ``qrs_ms``, ``qt_ms``,
``qtc_bazett_ms``, ``qtc_fridericia_ms``, ``hr_bpm``, ``rr_ms``, ``r_amp_II_mV``,
``s_amp_V1_mV``, ``t_amp_V5_mV``, ``st_V2_mV``, ..., ``n_beats``, ``n_pvc``, ``n_pac``)
plus ``age``, ``sex`` (1 = male, 0 = female), ``fwave_amp_mV`` (largest absolute f-wave
value in any lead, 0 without AF) and ``labels`` (classes joined by ``"+"``); ``fiducials``
is a long table, one row per complete beat, columns ``record`` (row of the set),
``FIDUCIAL_COLUMNS`` (samples, -1 absent) and ``beat_type``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS, RecordSet
from ecgstudy.errors import ParameterError
from ecgstudy.synthetic._checks import check_count, check_duration, check_fraction, check_fs, check_seed, stream
from ecgstudy.synthetic.atrial import FWaveParams
from ecgstudy.synthetic.beats import BeatTrain
from ecgstudy.synthetic.leads import TWELVE_LEADS, lead_rows
from ecgstudy.synthetic.measure import measure_record
from ecgstudy.synthetic.morphology import random_rotation, random_st_vector, sinus_morphology
from ecgstudy.synthetic.noise import NoiseParams, independent_noise
from ecgstudy.synthetic.render import project_independent, render_vcg, select_leads
from ecgstudy.synthetic.rhythm import af_intervals, choose_positions, sinus_intervals
from ecgstudy.synthetic.sampling import (
    DEFAULT_NOISE,
    apb_from,
    beat_train,
    check_jobs,
    fwave_amplitude,
    premature,
    random_fwave,
    random_pvc,
    run_chunks,
)
from ecgstudy.synthetic.segments import MITBIH_LEADS, mitbih_like_segments

__all__ = [
    "CPSC_CLASSES", "CPSC_COMPATIBLE_PAIRS", "DEFAULT_NOISE", "MITBIH_LEADS", "SyntheticRecordSet",
    "cpsc_like_records", "measurement_records", "mitbih_like_segments",
]

#: CPSC 2018 classes in the challenge's order (columns of ``labels``).
CPSC_CLASSES: tuple[str, ...] = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")

#: Label pairs that may co-occur (Normal never co-occurs; not LBBB with RBBB, AF with
#: I-AVB or PAC, STD with STE, LBBB with STD/STE).
CPSC_COMPATIBLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("AF", "LBBB"), ("AF", "RBBB"), ("AF", "PVC"), ("AF", "STD"), ("AF", "STE"),
    ("I-AVB", "LBBB"), ("I-AVB", "RBBB"), ("I-AVB", "PAC"), ("I-AVB", "PVC"),
    ("I-AVB", "STD"), ("I-AVB", "STE"),
    ("LBBB", "PAC"), ("LBBB", "PVC"),
    ("RBBB", "PAC"), ("RBBB", "PVC"), ("RBBB", "STD"), ("RBBB", "STE"),
    ("PAC", "PVC"), ("PAC", "STD"), ("PAC", "STE"),
    ("PVC", "STD"), ("PVC", "STE"),
)

#: Shortest records the record stand-ins accept (s).
CPSC_MIN_DURATION_S = 5.0
MEASUREMENT_MIN_DURATION_S = 3.0
_CHUNK = 64


def _empty_fiducials() -> pd.DataFrame:
    df = pd.DataFrame({"record": np.zeros(0, np.int64)})
    for c in FIDUCIAL_COLUMNS:
        df[c] = np.zeros(0, np.int64)
    df["beat_type"] = np.zeros(0, dtype=str)
    return df


@dataclass
class SyntheticRecordSet(RecordSet):
    """A :class:`~ecgstudy.data.types.RecordSet` with per-beat ground truth.

    Attributes:
        fiducials: one row per complete beat of every record: ``record`` (row in this
            set), ``FIDUCIAL_COLUMNS`` (sample indices, -1 where absent), ``beat_type``.
    """

    fiducials: pd.DataFrame = field(default_factory=_empty_fiducials)

    def fiducials_of(self, i: int) -> pd.DataFrame:
        """Fiducial table of record ``i`` (``FIDUCIAL_COLUMNS`` + ``beat_type``)."""
        f = self.fiducials
        return f.loc[f["record"] == i].drop(columns="record").reset_index(drop=True)


@dataclass
class _Plan:
    train: BeatTrain
    fwave: FWaveParams | None
    labels: np.ndarray
    meta: dict[str, Any]


# ---------------------------------------------------------------------------------------
# Shared pieces of the record plans
# ---------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------
# CPSC-like records
# ---------------------------------------------------------------------------------------

def _draw_cpsc_labels(rng: np.random.Generator, multi: float, weights: np.ndarray) -> tuple[str, ...]:
    if rng.random() < multi:
        w = weights[1:] / weights[1:].sum()
        primary = CPSC_CLASSES[1 + int(rng.choice(8, p=w))]
        partners = [b if a == primary else a for a, b in CPSC_COMPATIBLE_PAIRS if primary in (a, b)]
        return (primary, partners[int(rng.integers(len(partners)))])
    return (CPSC_CLASSES[int(rng.choice(9, p=weights))],)


def _cpsc_plan(seed: int, i: int, cfg: dict[str, Any]) -> _Plan:
    rng = stream(seed, "cpsc", i, 0)
    fs, duration = cfg["fs"], cfg["duration_s"]
    labels = _draw_cpsc_labels(rng, cfg["multi_label_fraction"], cfg["class_weights"])
    has = set(labels)
    age, sex = int(rng.integers(20, 90)), int(rng.integers(0, 2))
    rot = random_rotation(rng, 15.0)
    scale = float(np.exp(rng.normal(0.0, 0.2)))
    af = "AF" in has
    conduction = "lbbb" if "LBBB" in has else "rbbb" if "RBBB" in has else "normal"
    qrs = {"lbbb": rng.uniform(130, 170), "rbbb": rng.uniform(125, 160), "normal": rng.uniform(75, 105)}[conduction]
    hr = rng.uniform(70, 130) if af else rng.uniform(55, 100)
    rr = 60.0 / hr
    qt = rng.uniform(380, 450) * np.cbrt(rr) + max(0.0, qrs - 95.0)
    st = random_st_vector(rng, "STE") if "STE" in has else random_st_vector(rng, "STD") if "STD" in has else None
    kw: dict[str, Any] = dict(
        pr_ms=rng.uniform(210, 320) if "I-AVB" in has else rng.uniform(120, 200),
        p_ms=rng.uniform(80, 110), p_amp_mV=0.0 if af else rng.uniform(0.1, 0.2),
        qrs_ms=qrs, r_amp_mV=rng.uniform(0.9, 1.6) * scale, q_amp_mV=rng.uniform(0.08, 0.2) * scale,
        s_amp_mV=rng.uniform(0.2, 0.5) * scale, r_down=rng.uniform(0.85, 1.15), conduction=conduction,
        rprime_amp_mV=rng.uniform(0.5, 1.0) * scale, qt_ms=qt, t_amp_mV=rng.uniform(0.25, 0.45) * scale,
        t_fraction=rng.uniform(0.5, 0.65), st_vector_mV=st, rotation=rot,
    )
    conducted = sinus_morphology(**kw)
    apb = apb_from(rng, kw) if "PAC" in has else None
    pvc = random_pvc(rng, scale) if "PVC" in has else None

    n = int(np.ceil((duration + 3.0) / 0.28)) if af else int(np.ceil((duration + 3.0) / (0.9 * rr)))
    intervals = af_intervals(rng, n, rr, rng.uniform(0.18, 0.3)) if af else sinus_intervals(rng, n, rr)
    t0 = -1.0 - rng.uniform(0.0, rr)
    r = t0 + np.cumsum(intervals)
    n_a = int(rng.integers(1, 4)) if apb is not None else 0
    n_v = int(rng.integers(1, 4)) if pvc is not None else 0
    cand = np.flatnonzero((r >= 0.7) & (r <= duration - 1.0))
    pos = choose_positions(rng, cand, n_a + n_v, min_gap=2)
    # One of each present class first, so a short record still shows both.
    first = ["A"] * min(n_a, 1) + ["V"] * min(n_v, 1)
    rest = ["A"] * max(n_a - 1, 0) + ["V"] * max(n_v - 1, 0)
    kinds = rng.permutation(np.array((first + list(rng.permutation(rest)))[: pos.size], dtype="<U1"))
    intervals = premature(rng, intervals, pos, kinds)
    symbol = {"normal": "N", "lbbb": "L", "rbbb": "R"}[conduction]
    train = beat_train(rng, intervals=intervals, t0=t0, t_end=duration + 1.0, conducted=conducted,
                       symbol=symbol, apb=apb, pvc=pvc, positions=pos, kinds=kinds)
    fwave = random_fwave(rng, rot) if af else None
    onehot = np.array([c in has for c in CPSC_CLASSES], dtype=np.uint8)
    meta = {"age": age, "sex": sex, "labels": "+".join(c for c in CPSC_CLASSES if c in has),
            "fwave_amp_mV": fwave_amplitude(fwave, round(duration * fs), fs)}
    return _Plan(train, fwave, onehot, meta)


# ---------------------------------------------------------------------------------------
# Measurement records
# ---------------------------------------------------------------------------------------

def _measurement_plan(seed: int, i: int, cfg: dict[str, Any]) -> _Plan:
    rng = stream(seed, "measurement", i, 0)
    duration = cfg["duration_s"]
    sex = int(rng.integers(0, 2))
    male = sex == 1
    age = float(rng.uniform(20, 85))
    hr = float(np.clip(rng.normal(70, 12), 45, 110))
    rr = 60.0 / hr
    amp = float(np.exp(rng.normal(0.0, 0.25))) * (1.15 if male else 1.0) * (1.0 - 0.004 * (age - 50))
    qtc = float(np.clip(rng.normal(400.0 if male else 412.0, 18.0), 350, 480))
    kw: dict[str, Any] = dict(
        pr_ms=float(np.clip(rng.normal(150 + 0.4 * (age - 50), 20), 110, 240)),
        p_ms=rng.uniform(80, 115), p_amp_mV=rng.uniform(0.08, 0.22),
        qrs_ms=float(np.clip(rng.normal(95.0 if male else 88.0, 9.0), 65, 125)),
        r_amp_mV=rng.uniform(0.8, 1.6) * amp, q_amp_mV=rng.uniform(0.06, 0.2) * amp,
        s_amp_mV=rng.uniform(0.15, 0.5) * amp, r_down=(0.85 if male else 1.0) * rng.uniform(0.9, 1.1),
        qt_ms=qtc * np.cbrt(rr), t_amp_mV=rng.uniform(0.15, 0.5) * amp, t_fraction=rng.uniform(0.5, 0.65),
        rotation=random_rotation(rng, 18.0),
    )
    conducted = sinus_morphology(**kw)
    n = int(np.ceil((duration + 3.0) / (0.9 * rr)))
    intervals = sinus_intervals(rng, n, rr)
    t0 = -1.0 - rng.uniform(0.0, rr)
    empty = np.zeros(0, dtype=np.int64)
    train = beat_train(rng, intervals=intervals, t0=t0, t_end=duration + 1.0, conducted=conducted,
                       symbol="N", apb=None, pvc=None, positions=empty, kinds=empty.astype("<U1"))
    return _Plan(train, None, np.zeros(0, dtype=np.uint8), {"age": age, "sex": sex})


# ---------------------------------------------------------------------------------------
# Chunked rendering of record plans (runs in worker processes when n_jobs > 1)
# ---------------------------------------------------------------------------------------

_PLANNERS: dict[str, Callable[[int, int, dict[str, Any]], _Plan]] = {
    "cpsc": _cpsc_plan, "measurement": _measurement_plan,
}


def _record_chunk(generator: str, seed: int, indices: range, cfg: dict[str, Any]) -> dict[str, Any]:
    fs, n_samples, leads, noise = cfg["fs"], cfg["n_samples"], cfg["leads"], cfg["noise"]
    plans = [_PLANNERS[generator](seed, i, cfg) for i in indices]
    clean8 = project_independent(render_vcg([p.train for p in plans], [p.fwave for p in plans],
                                            fs=fs, n_samples=n_samples))
    clean = select_leads(clean8, leads)
    if noise is None:
        signals = clean
    else:
        for b, i in enumerate(indices):
            clean8[b] += independent_noise(stream(seed, generator, i, 1), noise, n_samples=n_samples, fs=fs)
        signals = select_leads(clean8, leads)
    metas, fids, syms = [], [], []
    for b, p in enumerate(plans):
        m, samp, sym = measure_record(p.train, clean[b], fs=fs, lead_names=leads)
        metas.append({**m, **p.meta})
        fids.append(samp)
        syms.append(sym)
    return {"signals": signals, "labels": np.stack([p.labels for p in plans]) if plans else None,
            "meta": metas, "fid": fids, "sym": syms}

def _record_set(generator: str, n: int, seed: int, offset: int, cfg: dict[str, Any], n_jobs: int,
                class_names: tuple[str, ...], id_prefix: str) -> SyntheticRecordSet:
    leads, n_samples = cfg["leads"], cfg["n_samples"]
    starts = list(range(offset, offset + n, _CHUNK))
    args = [(generator, seed, range(s, min(s + _CHUNK, offset + n)), cfg) for s in starts]
    signals = np.empty((n, len(leads), n_samples), dtype=np.float32)
    labels = np.zeros((n, len(class_names)), dtype=np.uint8)
    metas: list[dict[str, Any]] = []
    fid_parts, sym_parts, rec_parts = [], [], []
    row = 0
    for res in run_chunks(_record_chunk, args, n_jobs):
        k = res["signals"].shape[0]
        signals[row: row + k] = res["signals"]
        if class_names:
            labels[row: row + k] = res["labels"]
        metas.extend(res["meta"])
        for j, (f, s) in enumerate(zip(res["fid"], res["sym"])):
            fid_parts.append(f)
            sym_parts.append(s)
            rec_parts.append(np.full(len(s), row + j, dtype=np.int64))
        row += k
    fid = pd.DataFrame({"record": np.concatenate(rec_parts) if rec_parts else np.zeros(0, np.int64)})
    allf = np.concatenate(fid_parts) if fid_parts else np.zeros((0, 9), np.int64)
    for j, c in enumerate(FIDUCIAL_COLUMNS):
        fid[c] = allf[:, j]
    fid["beat_type"] = np.concatenate(sym_parts).astype(str) if sym_parts else np.zeros(0, dtype=str)
    return SyntheticRecordSet(
        signals=signals, labels=labels, class_names=class_names,
        record_ids=np.array([f"{id_prefix}{i:05d}" for i in range(offset, offset + n)], dtype=str),
        meta=pd.DataFrame(metas), fs=cfg["fs"], lead_names=leads, units="mV", source="synthetic",
        fiducials=fid,
    )


def _common_cfg(fs: object, duration_s: object, min_duration: float, leads: Sequence[str],
                noise: NoiseParams | None) -> dict[str, Any]:
    fs = check_fs(fs)
    duration_s = check_duration(duration_s, minimum_s=min_duration)
    leads = tuple(leads)
    lead_rows(leads)
    if noise is not None and not isinstance(noise, NoiseParams):
        raise ParameterError(f"noise must be a NoiseParams or None, got {type(noise).__name__}")
    return {"fs": fs, "duration_s": duration_s, "n_samples": round(duration_s * fs),
            "leads": leads, "noise": noise}


def cpsc_like_records(
    n_records: int,
    *,
    seed: int,
    fs: float = 500.0,
    duration_s: float = 10.0,
    multi_label_fraction: float = 0.1,
    class_weights: Sequence[float] | None = None,
    leads: Sequence[str] = TWELVE_LEADS,
    noise: NoiseParams | None = DEFAULT_NOISE,
    offset: int = 0,
    n_jobs: int = 1,
) -> SyntheticRecordSet:
    """12-lead records with the 9 CPSC 2018 classes, alone or in plausible pairs.

    Classes (``labels`` columns, :data:`CPSC_CLASSES` order) and how they are drawn:
    Normal (sinus 55-100 bpm, PR 120-200 ms, QRS 75-105 ms); AF (no P, f-waves,
    irregularly irregular RR: log-normal, log-SD 0.18-0.3, 70-130 bpm); I-AVB (PR
    210-320 ms); LBBB (QRS 130-170 ms, broad R in I/V5/V6, QS in V1, discordant T); RBBB
    (QRS 125-160 ms, rSR' in V1, broad S in I/V6); PAC / PVC (1-3 premature beats, at
    least 2 beats apart, shaped as in :func:`mitbih_like_segments`); STD / STE (an ST
    vector whose 2nd-largest depression / elevation over the leads other than aVR is
    0.12-0.3 mV, so >= 2 leads are shifted by >= 0.12 mV; reciprocal changes appear in the
    opposite leads). Conducted beats are ``N`` (``L`` / ``R`` in LBBB / RBBB), premature
    ones ``A`` / ``V``.

    Args:
        n_records: number of records (>= 0).
        seed: base seed (int >= 0).
        fs: Hz (>= 100). duration_s: seconds (>= 5).
        multi_label_fraction: probability that a record has two labels (a pair from
            :data:`CPSC_COMPATIBLE_PAIRS`); otherwise one label.
        class_weights: 9 relative weights of the (primary) class; default uniform.
        leads: output leads (default the 12 standard leads).
        noise: noise levels; ``None`` returns the clean signals.
        offset: index of the first record in the seed's record sequence.
        n_jobs: worker processes (output does not depend on it).

    Returns:
        :class:`SyntheticRecordSet`, ``signals`` ``(n_records, len(leads), round(duration_s * fs))``
        float32 mV, ``labels`` ``(n_records, 9)`` uint8; ``meta`` and ``fiducials`` as in the
        module docstring.
    """
    n = check_count("n_records", n_records)
    seed = check_seed(seed)
    offset = check_count("offset", offset)
    n_jobs = check_jobs(n_jobs)
    cfg = _common_cfg(fs, duration_s, CPSC_MIN_DURATION_S, leads, noise)
    cfg["multi_label_fraction"] = check_fraction("multi_label_fraction", multi_label_fraction)
    w = np.ones(9) if class_weights is None else np.asarray(class_weights, dtype=np.float64)
    if w.shape != (9,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0 or w[1:].sum() <= 0:
        raise ParameterError(f"class_weights must be 9 non-negative numbers with a positive sum "
                             f"(also over the 8 non-Normal classes), got {class_weights!r}")
    cfg["class_weights"] = w / w.sum()
    return _record_set("cpsc", n, seed, offset, cfg, n_jobs, CPSC_CLASSES, "syn-A")


def measurement_records(
    n_records: int,
    *,
    seed: int,
    fs: float = 500.0,
    duration_s: float = 10.0,
    leads: Sequence[str] = TWELVE_LEADS,
    noise: NoiseParams | None = DEFAULT_NOISE,
    offset: int = 0,
    n_jobs: int = 1,
) -> SyntheticRecordSet:
    """12-lead sinus records with varied measurements, age and sex (regression targets).

    Drawn per record: age U(20, 85) years; sex (1 = male, 0 = female); HR N(70, 12)
    clipped to 45-110 bpm; PR N(150 + 0.4 (age - 50), 20) ms clipped to 110-240; QRS
    N(95 men / 88 women, 9) ms clipped to 65-125; QTc (Fridericia) N(400 men / 412 women,
    18) ms clipped to 350-480; amplitudes log-normal, x1.15 in men, falling 0.4 %/year
    with age; R downslope 15 % steeper in men; heart axis rotated N(0, 18 deg). So sex is
    learnable from QRS width, R amplitude and shape, and QTc, but not trivially.

    ``meta``: the measurements of :mod:`ecgstudy.synthetic.measure` (``pr_ms``,
    ``qrs_ms``, ``qt_ms``, ``qtc_bazett_ms``, ``qtc_fridericia_ms``, ``hr_bpm``,
    ``r_amp_II_mV``, ...) as realised on the drawn beats, plus ``age`` and ``sex``.
    ``labels`` is ``(n_records, 0)``; pick targets from ``meta``.

    Args: as :func:`cpsc_like_records` (``duration_s`` >= 3).
    """
    n = check_count("n_records", n_records)
    seed = check_seed(seed)
    offset = check_count("offset", offset)
    n_jobs = check_jobs(n_jobs)
    cfg = _common_cfg(fs, duration_s, MEASUREMENT_MIN_DURATION_S, leads, noise)
    return _record_set("measurement", n, seed, offset, cfg, n_jobs, (), "syn-M")


# ---------------------------------------------------------------------------------------
# MIT-BIH-like segments
# ---------------------------------------------------------------------------------------
