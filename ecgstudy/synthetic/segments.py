"""MIT-BIH-like 2-lead multi-beat segments (the ICLR PVC-vs-APB task): :func:`mitbih_like_segments`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.synthetic._checks import check_count, check_fraction, check_fs, check_seed, stream
from ecgstudy.synthetic.leads import lead_rows
from ecgstudy.synthetic.morphology import random_rotation, sinus_morphology
from ecgstudy.synthetic.noise import NoiseParams, independent_noise
from ecgstudy.synthetic.render import project_independent, render_vcg, select_leads
from ecgstudy.synthetic.rhythm import sinus_intervals
from ecgstudy.synthetic.sampling import (
    DEFAULT_NOISE,
    apb_from,
    beat_train,
    check_jobs,
    premature,
    random_pvc,
    run_chunks,
)

MITBIH_LEADS: tuple[str, ...] = ("MLII", "V1")
#: Shortest MIT-BIH-like segment (s): a normal beat, a premature beat and its pause.
MITBIH_MIN_LENGTH_S = 2.4
_CHUNK = 64


def _mitbih_patient(seed: int, p: int) -> dict[str, Any]:
    """A synthetic patient: heart rate and normal, APB and PVC morphologies."""
    rng = stream(seed, "mitbih", 0, p)
    scale = float(np.exp(rng.normal(0.0, 0.2)))
    hr = rng.uniform(55, 95)
    kw: dict[str, Any] = dict(
        pr_ms=rng.uniform(120, 200), p_ms=rng.uniform(80, 110), p_amp_mV=rng.uniform(0.1, 0.2),
        qrs_ms=rng.uniform(75, 105), r_amp_mV=rng.uniform(0.9, 1.6) * scale,
        q_amp_mV=rng.uniform(0.08, 0.2) * scale, s_amp_mV=rng.uniform(0.2, 0.5) * scale,
        r_down=rng.uniform(0.85, 1.15), qt_ms=rng.uniform(380, 440) * np.cbrt(60.0 / hr),
        t_amp_mV=rng.uniform(0.25, 0.45) * scale, t_fraction=rng.uniform(0.5, 0.65),
        rotation=random_rotation(rng, 15.0),
    )
    return {"hr": hr, "normal": sinus_morphology(**kw), "apb": apb_from(rng, kw),
            "pvc": random_pvc(rng, scale)}


def _first_segment(r: np.ndarray, length: int) -> tuple[int, int, int, int]:
    """The first segment of a beat train cut like :mod:`ecgstudy.data.segments` (real mitdb).

    ``r``: R-peak samples. Boundary before beat k: ``b[k] = ceil(r[k] - 2/3 (r[k] - r[k-1]))``
    (exact integers). The segment starts at ``b[1]`` and takes beats 1, 2, ... while the
    boundary after the next beat is less than ``length`` samples from the start; it holds
    samples ``[b[1], b[j]]`` inclusive. Returns ``(start, stop, beat_lo, beat_hi)``.
    """
    b = np.concatenate([[0], -(-(r[1:] + 2 * r[:-1]) // 3)])
    s = int(b[1])
    j = 2
    while j + 1 < b.size and b[j + 1] - s < length:
        j += 1
    return s, int(b[j]) + 1, 1, j


def _mitbih_segment(seed: int, i: int, patient: dict[str, Any], label: str, cfg: dict[str, Any]):
    """One segment's train (times in the padded frame), pad_left, seg_len, start and beats."""
    rng = stream(seed, "mitbih", 1, i, 0)
    fs, length = cfg["fs"], cfg["length"]
    kind = "V" if label == "NV" else "A"
    rr = 60.0 / (patient["hr"] * rng.uniform(0.93, 1.07))
    n = int(np.ceil((length / fs + 4.0) / (0.5 * rr))) + 4
    base = sinus_intervals(rng, n, rr)
    j0 = 2 + int(rng.integers(0, 3))  # beat 1 (normal) opens the segment
    rate = cfg["ectopic_rate"]
    extra = [j for j in range(j0 + 3, n - 2) if rng.random() < rate]
    for first in (j0, 2):
        pos = [first]
        for j in extra:
            if j - pos[-1] >= 3:
                pos.append(j)
        pos = np.array(pos, dtype=np.int64)
        kinds = np.full(pos.size, kind, dtype="<U1")
        intervals = premature(rng, base, pos, kinds)
        r = np.rint(np.cumsum(intervals) * fs).astype(np.int64)
        s0, s1, lo, hi = _first_segment(r, length)
        if s1 - s0 <= length and lo < first < hi:
            break
    else:  # excluded by MITBIH_MIN_LENGTH_S
        raise RuntimeError(f"segment {i}: no normal + premature beat pair fits in {length} samples")
    seg_len = s1 - s0
    pad_left = (length - seg_len) // 2
    train = beat_train(rng, intervals=intervals, t0=(pad_left - s0) / fs, t_end=np.inf,
                       conducted=patient["normal"], symbol="N",
                       apb=patient["apb"] if kind == "A" else None,
                       pvc=patient["pvc"] if kind == "V" else None, positions=pos, kinds=kinds)
    return train, pad_left, seg_len, s0, r[lo:hi] - s0 + pad_left, train.symbol[lo:hi]


def _mitbih_chunk(seed: int, indices: range, labels: list[str], cfg: dict[str, Any]) -> dict[str, Any]:
    fs, length, leads, noise, n_rec = cfg["fs"], cfg["length"], cfg["leads"], cfg["noise"], cfg["n_records"]
    patients: dict[int, dict[str, Any]] = {}
    trains, pads, lens, starts, beat_pos, beat_sym = [], [], [], [], [], []
    for i, label in zip(indices, labels):
        p = i % n_rec
        if p not in patients:
            patients[p] = _mitbih_patient(seed, p)
        train, pad_left, seg_len, s0, pos, sym = _mitbih_segment(seed, i, patients[p], label, cfg)
        trains.append(train)
        pads.append(pad_left)
        lens.append(seg_len)
        starts.append((i // n_rec) * cfg["stride"] + s0)
        beat_pos.append(pos)
        beat_sym.append(sym)
    x8 = project_independent(render_vcg(trains, [None] * len(trains), fs=fs, n_samples=length))
    mask = np.zeros((len(trains), 1, length), dtype=np.float32)
    for b, (pl, sl) in enumerate(zip(pads, lens)):
        mask[b, 0, pl: pl + sl] = 1.0
    if noise is not None:
        for b, i in enumerate(indices):
            x8[b] += independent_noise(stream(seed, "mitbih", 1, i, 1), noise, n_samples=length, fs=fs)
    x8 *= mask
    return {"signals": select_leads(x8, leads), "pad_left": pads, "length": lens, "start": starts,
            "beat_pos": beat_pos, "beat_sym": beat_sym}


def mitbih_like_segments(
    n_segments: int,
    *,
    seed: int,
    fs: float = 360.0,
    length: int = 2000,
    n_records: int = 20,
    nv_fraction: float = 0.5,
    ectopic_rate: float = 0.1,
    leads: Sequence[str] = MITBIH_LEADS,
    noise: NoiseParams | None = DEFAULT_NOISE,
    n_jobs: int = 1,
) -> BeatSegments:
    """MIT-BIH-like 2-lead segments of normal beats with PVCs (``"NV"``) or APBs (``"AN"``).

    Cut like the real data (:mod:`ecgstudy.data.segments`): R peaks are annotated at
    ``round(R time * fs)``; the boundary before beat k is
    ``ceil(r[k] - 2/3 (r[k] - r[k-1]))``; a segment starts at the boundary before its first
    beat and takes whole beats while the boundary after the next beat is less than
    ``length`` samples away, ending at (and including) the boundary after its last beat;
    it is zero-padded centred, ``pad_left = (length - span) // 2``. ``beat_sample`` holds
    R-peak positions inside the padded segment, ``beat_symbol`` ``N``/``V``/``A``.

    Every segment opens with a normal beat and has an ectopic beat of its class among its
    2nd-4th beats, plus further ones with probability ``ectopic_rate`` per beat (never
    closer than 3 beats), so, like the real ``"NV"``/``"AN"`` segments, it holds both kinds.

    * PVC (``V``): premature (coupling 0.55-0.75 RR), no P wave, QRS 130-180 ms along an
      axis >= 60 deg from the normal R axis, T opposite to the QRS, full compensatory pause.
    * APB (``A``): premature (coupling 0.60-0.75 of the sinus RR, which varies by at most
      +-5 %, so its RR is <= 0.85 x the preceding RR),
      an ectopic P wave of different axis and width, the normal narrow QRS, sinus reset.

    Args:
        n_segments: number of segments (>= 0).
        seed: base seed (int >= 0).
        fs: Hz (>= 100). length: padded segment length in samples (>= 2.4 s of samples).
        n_records: synthetic "patients"; segment ``i`` belongs to patient ``i % n_records``
            (``record_ids`` ``"syn-0007"``), each with its own morphologies and heart rate.
        nv_fraction: share of ``"NV"`` segments (exactly ``round(n_segments * nv_fraction)``,
            in random order).
        ectopic_rate: probability of further ectopic beats.
        leads: output leads (default MLII, V1).
        noise: noise levels (only inside the unpadded span); ``None`` = clean.
        n_jobs: worker processes (output does not depend on it).

    Returns:
        :class:`~ecgstudy.data.types.BeatSegments`, ``signals`` ``(n_segments, len(leads), length)``
        float32 mV, ``source="synthetic"``. ``start`` places each segment in its patient's
        virtual recording (segments of one patient do not overlap).
    """
    n = check_count("n_segments", n_segments)
    seed = check_seed(seed)
    fs = check_fs(fs)
    n_jobs = check_jobs(n_jobs)
    n_rec = check_count("n_records", n_records)
    if n_rec < 1:
        raise ParameterError("n_records must be >= 1")
    nv_fraction = check_fraction("nv_fraction", nv_fraction)
    ectopic_rate = check_fraction("ectopic_rate", ectopic_rate)
    length = check_count("length", length)
    min_len = int(np.ceil(MITBIH_MIN_LENGTH_S * fs))
    if length < min_len:
        raise ParameterError(
            f"length={length} samples ({length / fs:.3f} s at {fs:g} Hz) is too short for one beat: a "
            f"segment must hold a normal beat, a premature beat and its pause, length >= {min_len} "
            f"samples ({MITBIH_MIN_LENGTH_S:g} s)"
        )
    leads = tuple(leads)
    lead_rows(leads)
    if noise is not None and not isinstance(noise, NoiseParams):
        raise ParameterError(f"noise must be a NoiseParams or None, got {type(noise).__name__}")
    n_nv = round(n * nv_fraction)
    order = stream(seed, "mitbih", 2).permutation(n)
    labels = np.where(order < n_nv, "NV", "AN")
    cfg = {"fs": fs, "length": length, "leads": leads, "noise": noise, "n_records": n_rec,
           "ectopic_rate": ectopic_rate, "stride": length + round(4 * fs)}
    args = [(seed, range(s, min(s + _CHUNK, n)), list(labels[s: s + _CHUNK]), cfg) for s in range(0, n, _CHUNK)]
    signals = np.empty((n, len(leads), length), dtype=np.float32)
    pad, seg_len, start, pos, sym = [], [], [], [], []
    row = 0
    for res in run_chunks(_mitbih_chunk, args, n_jobs):
        k = res["signals"].shape[0]
        signals[row: row + k] = res["signals"]
        row += k
        pad += res["pad_left"]
        seg_len += res["length"]
        start += res["start"]
        pos += res["beat_pos"]
        sym += res["beat_sym"]
    counts = np.array([len(p) for p in pos], dtype=np.int64)
    return BeatSegments(
        signals=signals, labels=labels.astype(str),
        record_ids=np.array([f"syn-{i % n_rec:04d}" for i in range(n)], dtype=str),
        start=np.array(start, dtype=np.int64), pad_left=np.array(pad, dtype=np.int64),
        length=np.array(seg_len, dtype=np.int64),
        beat_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        beat_sample=np.concatenate(pos).astype(np.int64) if pos else np.zeros(0, np.int64),
        beat_symbol=np.concatenate(sym).astype(str) if sym else np.zeros(0, dtype=str),
        fs=fs, lead_names=leads, source="synthetic",
    )
