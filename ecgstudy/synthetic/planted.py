"""A controlled task whose evidence is planted in one known wave, so the right explanation is known exactly.

:func:`planted_records` draws sinus records (one beat shape per record: P, QRS, T) with a binary label
decided *only* by one property of one wave, the planted wave: its amplitude (dipole amplitude, mV) or its
width (onset to offset, ms). Class 0 draws that property from the lower third of its range, class 1 from
the upper third (the middle third is never drawn, so the label is a step function of the property); the
label is a fair coin per record. Every other property is drawn from one range for both classes,
independently of the label: heart rate and its respiratory variation, the heart axis, the other waves'
amplitudes, widths and positions, the planted wave's other property, the QRS respiratory modulation and
the noise.

======  =================  ==========  ============================================
wave    amplitude (mV)     width (ms)  position (relative to R)
======  =================  ==========  ============================================
P       0.05 - 0.25        60 - 130    centre 170 - 210 ms before R
QRS     0.6 - 1.8 (the R)  70 - 130    onset at 0.45 x width before R
T       0.1 - 0.5          120 - 240   peak 250 - 320 ms after R (onset = peak - 0.6
                                       width, offset = peak + 0.4 width)
======  =================  ==========  ============================================

The QRS is :func:`~ecgstudy.synthetic.sinus_morphology`'s normal conduction (Q, R, S), with Q and S at
0.06 - 0.15 and 0.2 - 0.4 of the R amplitude. Heart rate 50 - 80 bpm (sinus RR within 5 % of its mean),
heart axis turned about a random axis by N(0, 10 deg). With these positions a beat's waves never overlap
each other nor the next beat's: every sample belongs to at most one wave.

Ground truth: a wave is exactly zero outside its support ``[onset, offset]`` (:mod:`.waves`). Its mask in
a beat is the samples ``ceil(onset * fs) .. floor(offset * fs)`` (the samples the renderer draws it on,
clipped to the record); it holds every sample where the wave is non-zero, and only those but for a sample
at an edge where the wave touches zero. The mask is the same on every lead: a lead scales a wave's
projection, never moves it.

>>> s = planted_records(4, wave="P", rule="amplitude", seed=0, seconds=3.0, noise=None)
>>> s.signals.shape, s.masks["P"].shape, s.labels.tolist()
((4, 3, 750), (4, 3, 750), [1, 1, 0, 0])
>>> bool((s.properties["p_amp_mV"] > 0.183).eq(s.labels == 1).all())
True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError
from ecgstudy.synthetic._checks import check_count, check_duration, check_fs, check_seed, stream
from ecgstudy.synthetic.beats import BeatMorphology, BeatTrain
from ecgstudy.synthetic.leads import lead_rows
from ecgstudy.synthetic.morphology import DIR_P, DIR_Q, DIR_R, DIR_S, DIR_T, rotation_matrix
from ecgstudy.synthetic.noise import NoiseParams, independent_noise
from ecgstudy.synthetic.render import project_independent, render_vcg, select_leads
from ecgstudy.synthetic.rhythm import sinus_intervals
from ecgstudy.synthetic.sampling import DEFAULT_NOISE, beat_train
from ecgstudy.synthetic.waves import SUPPORT_SIGMAS, WaveParams

Wave = Literal["P", "QRS", "T"]
Rule = Literal["amplitude", "width"]

#: The wave groups of a beat, in time order.
WAVES: tuple[str, ...] = ("P", "QRS", "T")
#: The properties a label can be planted in.
RULES: tuple[str, ...] = ("amplitude", "width")
#: ``wave -> rule -> (low, high)``: the range of each property (mV, ms); see the module docstring.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "P": {"amplitude": (0.05, 0.25), "width": (60.0, 130.0)},
    "QRS": {"amplitude": (0.6, 1.8), "width": (70.0, 130.0)},
    "T": {"amplitude": (0.1, 0.5), "width": (120.0, 240.0)},
}
#: Ranges of the properties no label depends on.
P_CENTRE_MS = (170.0, 210.0)
T_PEAK_MS = (250.0, 320.0)
Q_FRACTION = (0.06, 0.15)
S_FRACTION = (0.2, 0.4)
HR_BPM = (50.0, 80.0)
AXIS_SD_DEG = 10.0
#: Shortest record accepted (s): at least one complete beat at the slowest rate.
MIN_SECONDS = 2.5
_CHUNK = 64


def property_column(wave: str, rule: str) -> str:
    """The column of :attr:`PlantedSet.properties` that holds ``wave``'s ``rule`` property.

    >>> property_column("QRS", "width"), property_column("P", "amplitude")
    ('qrs_ms', 'p_amp_mV')
    """
    _check_choice(wave, rule)
    return f"{wave.lower()}_amp_mV" if rule == "amplitude" else f"{wave.lower()}_ms"


def _check_choice(wave: object, rule: object) -> None:
    if wave not in WAVES:
        raise ParameterError(f"wave={wave!r}: expected one of {', '.join(WAVES)}")
    if rule not in RULES:
        raise ParameterError(f"rule={rule!r}: expected one of {', '.join(RULES)}")


def planted_morphology(*, p_amp_mV: float, p_ms: float, p_centre_ms: float, qrs_amp_mV: float, qrs_ms: float,
                       q_fraction: float, s_fraction: float, t_amp_mV: float, t_ms: float, t_peak_ms: float,
                       rotation: np.ndarray | None = None) -> BeatMorphology:
    """One beat of the controlled task (times relative to R, ms; amplitudes mV).

    P: one symmetric wave of width ``p_ms`` centred at ``-p_centre_ms``. QRS: Q, R, S spanning exactly
    ``[-0.45 qrs_ms, 0.55 qrs_ms]``, R of ``qrs_amp_mV``, Q and S at ``q_fraction`` / ``s_fraction`` of it.
    T: peak at ``t_peak_ms``, support ``[t_peak - 0.6 t_ms, t_peak + 0.4 t_ms]``. ``rotation`` ``(3, 3)``
    turns every direction (the heart axis).
    """
    def d(v: tuple[float, float, float]) -> tuple[float, float, float]:
        u = np.asarray(v, dtype=np.float64) / np.linalg.norm(v)
        u = u if rotation is None else rotation @ u
        return (float(u[0]), float(u[1]), float(u[2]))

    w, on, off = qrs_ms, -0.45 * qrs_ms, 0.55 * qrs_ms
    qrs = (WaveParams(center_ms=on + 3 * w / 14, sigma_ms=w / 14, amplitude_mV=q_fraction * qrs_amp_mV, direction=d(DIR_Q)),
           WaveParams(center_ms=0.0, sigma_ms=w / 11, amplitude_mV=qrs_amp_mV, direction=d(DIR_R)),
           WaveParams(center_ms=off - 3 * w / 12, sigma_ms=w / 12, amplitude_mV=s_fraction * qrs_amp_mV,
                      direction=d(DIR_S)))
    p = (WaveParams(center_ms=-p_centre_ms, sigma_ms=p_ms / 6, amplitude_mV=p_amp_mV, direction=d(DIR_P)),)
    t = (WaveParams(center_ms=t_peak_ms, sigma_ms=0.2 * t_ms, sigma_right_ms=0.4 * t_ms / 3, amplitude_mV=t_amp_mV,
                    direction=d(DIR_T)),)
    return BeatMorphology(p=p, qrs=qrs, t=t, name="sinus")


@dataclass
class PlantedSet:
    """Records of the controlled task and their exact ground truth.

    Attributes:
        signals: ``(n, leads, samples)`` float32, mV, noise included. clean: the same without noise.
        labels: ``(n,)`` int64, 0 / 1 (the planted property in the lower / upper third of its range).
        masks: ``wave -> (n, leads, samples)`` bool, the support of that wave in every beat (``"P"``,
            ``"QRS"``, ``"T"``; :attr:`mask` is the planted wave's).
        intervals: ``wave -> [(k, 2) int64 per record]``: each beat's ``(onset, offset)`` samples, both
            included, clipped to the record (beats cut by an edge keep their visible part); the masks
            are their union. Ready for :func:`ecgstudy.attribution.methods.interval_mask`.
        properties: one row per record: ``label`` and every drawn property (``p_amp_mV``, ``p_ms``,
            ``p_centre_ms``, ``qrs_amp_mV``, ``qrs_ms``, ``q_fraction``, ``s_fraction``, ``t_amp_mV``,
            ``t_ms``, ``t_peak_ms``, ``hr_bpm``, ``axis_deg``), plus the realised ``rr_ms`` (mean RR of the
            beats whose R lies in ``[0, seconds)``); :func:`planted_properties` gives them alone.
        trains: each record's beats (:class:`~ecgstudy.synthetic.BeatTrain`; :func:`render_wave` draws
            one wave of them alone).
        wave, rule: what the label is planted in. fs: Hz. lead_names: one per lead. record_ids: ``(n,)`` str.
    """

    signals: np.ndarray
    clean: np.ndarray
    labels: np.ndarray
    masks: dict[str, np.ndarray]
    intervals: dict[str, list[np.ndarray]]
    properties: pd.DataFrame
    trains: tuple[BeatTrain, ...]
    wave: str
    rule: str
    fs: float
    lead_names: tuple[str, ...]
    record_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.signals.shape[0])

    @property
    def mask(self) -> np.ndarray:
        """The planted wave's mask, ``(n, leads, samples)`` bool."""
        return self.masks[self.wave]

    @property
    def planted_column(self) -> str:
        """The column of :attr:`properties` the label is decided by (e.g. ``"p_amp_mV"``)."""
        return property_column(self.wave, self.rule)

    def subset(self, index: Sequence[int] | np.ndarray) -> PlantedSet:
        """The records at ``index`` (in that order)."""
        idx = np.asarray(index, dtype=np.int64)
        return dataclasses.replace(
            self, signals=self.signals[idx], clean=self.clean[idx], labels=self.labels[idx],
            masks={k: v[idx] for k, v in self.masks.items()},
            intervals={k: [v[i] for i in idx] for k, v in self.intervals.items()},
            properties=self.properties.iloc[idx].reset_index(drop=True),
            trains=tuple(self.trains[i] for i in idx), record_ids=self.record_ids[idx])


def _draw(rng: np.random.Generator, low: float, high: float, *, planted: bool, label: int) -> float:
    """One property: uniform on ``[low, high]``, or on its lower (label 0) / upper (label 1) third if planted.
    One draw either way, so the draws after it do not depend on the label."""
    u = float(rng.random())
    return low + ((u + 2 * label) / 3 if planted else u) * (high - low)


def _plan(seed: int, i: int, wave: str, rule: str, seconds: float) -> tuple[BeatTrain, dict[str, float]]:
    rng = stream(seed, "planted", i, 0)
    label = int(rng.integers(2))
    props: dict[str, float] = {"label": label}
    for w in WAVES:
        for r in RULES:
            props[property_column(w, r)] = _draw(rng, *RANGES[w][r], planted=(w, r) == (wave, rule), label=label)
    props.update(p_centre_ms=rng.uniform(*P_CENTRE_MS), t_peak_ms=rng.uniform(*T_PEAK_MS),
                 q_fraction=rng.uniform(*Q_FRACTION), s_fraction=rng.uniform(*S_FRACTION),
                 hr_bpm=rng.uniform(*HR_BPM))
    axis = rng.standard_normal(3)
    props["axis_deg"] = float(rng.normal(0.0, AXIS_SD_DEG))
    morph = planted_morphology(
        p_amp_mV=props["p_amp_mV"], p_ms=props["p_ms"], p_centre_ms=props["p_centre_ms"],
        qrs_amp_mV=props["qrs_amp_mV"], qrs_ms=props["qrs_ms"], q_fraction=props["q_fraction"],
        s_fraction=props["s_fraction"], t_amp_mV=props["t_amp_mV"], t_ms=props["t_ms"],
        t_peak_ms=props["t_peak_ms"], rotation=rotation_matrix(axis, props["axis_deg"]))
    rr = 60.0 / props["hr_bpm"]
    intervals = sinus_intervals(rng, int(math.ceil((seconds + 3.0) / (0.9 * rr))), rr)
    t0 = -1.0 - rng.uniform(0.0, rr)
    empty = np.zeros(0, dtype=np.int64)
    train = beat_train(rng, intervals=intervals, t0=t0, t_end=seconds + 1.0, conducted=morph, symbol="N",
                       apb=None, pvc=None, positions=empty, kinds=empty.astype("<U1"))
    return train, props


def _plans(n: int, wave: str, rule: str, seed: int, seconds: float, offset: int
           ) -> tuple[tuple[BeatTrain, ...], pd.DataFrame]:
    trains, rows = [], []
    for i in range(offset, offset + n):
        train, props = _plan(seed, i, wave, rule, seconds)
        r = train.r_time_s[(train.r_time_s >= 0) & (train.r_time_s < seconds)]
        trains.append(train)
        rows.append({**props, "rr_ms": float(np.mean(np.diff(r))) * 1e3 if r.size >= 2 else np.nan})
    return tuple(trains), pd.DataFrame(rows)


def planted_properties(n: int, *, wave: Wave = "P", rule: Rule = "amplitude", seconds: float = 4.0, seed: int = 0,
                       offset: int = 0) -> pd.DataFrame:
    """:attr:`PlantedSet.properties` of :func:`planted_records` with the same arguments, without drawing the
    signals (about 100 times faster; ``fs``, ``leads`` and ``noise`` do not change them)."""
    _check_choice(wave, rule)
    return _plans(check_count("n", n), wave, rule, check_seed(seed), check_duration(seconds, minimum_s=MIN_SECONDS),
                  check_count("offset", offset))[1]


def wave_intervals(train: BeatTrain, wave: str, *, fs: float, n_samples: int) -> np.ndarray:
    """``(k, 2)`` int64: each beat's ``(onset, offset)`` samples of ``wave`` (both included), where the
    renderer draws it: ``ceil(onset * fs) .. floor(offset * fs)`` over the group's waves, clipped to
    ``0 .. n_samples - 1``; beats whose wave lies wholly outside the record are left out."""
    if wave not in WAVES:
        raise ParameterError(f"wave={wave!r}: expected one of {', '.join(WAVES)}")
    c, sl, sr, _ = train.wave_table()
    out = []
    row = 0  # wave_table lists each morphology's beats in order, each beat's waves as P + QRS + T
    for j, m in enumerate(train.morphologies):
        n_beats = int(np.sum(train.morph == j))
        groups = dict(zip(WAVES, (m.p, m.qrs, m.t)))
        first = {"P": 0, "QRS": len(m.p), "T": len(m.p) + len(m.qrs)}[wave]
        width = len(m.p) + len(m.qrs) + len(m.t)
        k = np.arange(n_beats)[:, None] * width + first + np.arange(len(groups[wave]))[None, :] + row
        row += n_beats * width
        if k.size == 0:
            continue
        lo = np.ceil((c[k] - SUPPORT_SIGMAS * sl[k]) * fs).astype(np.int64).min(axis=1)
        hi = np.floor((c[k] + SUPPORT_SIGMAS * sr[k]) * fs).astype(np.int64).max(axis=1)
        out.append(np.stack([np.maximum(lo, 0), np.minimum(hi, n_samples - 1)], axis=1))
    iv = np.concatenate(out) if out else np.zeros((0, 2), np.int64)
    iv = iv[iv[:, 0] <= iv[:, 1]]
    return iv[np.argsort(iv[:, 0], kind="stable")]


def render_wave(train: BeatTrain, wave: str, *, fs: float, n_samples: int, leads: Sequence[str]) -> np.ndarray:
    """``(len(leads), n_samples)`` float32, mV: the clean signal of ``wave`` alone (the other waves at zero
    amplitude), drawn exactly as :func:`planted_records` draws the whole beat."""
    if wave not in WAVES:
        raise ParameterError(f"wave={wave!r}: expected one of {', '.join(WAVES)}")

    def only(m: BeatMorphology) -> BeatMorphology:
        def keep(group: str, waves: tuple[WaveParams, ...]) -> tuple[WaveParams, ...]:
            return waves if group == wave else tuple(dataclasses.replace(w, amplitude_mV=0.0) for w in waves)

        return BeatMorphology(p=keep("P", m.p), qrs=keep("QRS", m.qrs), t=keep("T", m.t), st=None, name=m.name)

    alone = BeatTrain(train.r_time_s, train.symbol, train.morph, train.qrs_scale,
                      tuple(only(m) for m in train.morphologies))
    return select_leads(project_independent(render_vcg([alone], [None], fs=fs, n_samples=n_samples)), leads)[0]


def _mask(intervals: np.ndarray, n_samples: int) -> np.ndarray:
    """``(n_samples,)`` bool: the union of the inclusive intervals."""
    edges = np.zeros(n_samples + 1, dtype=np.int64)
    np.add.at(edges, intervals[:, 0], 1)
    np.add.at(edges, intervals[:, 1] + 1, -1)
    return np.cumsum(edges[:-1]) > 0


def planted_records(
    n: int,
    *,
    wave: Wave = "P",
    rule: Rule = "amplitude",
    fs: float = 250.0,
    seconds: float = 4.0,
    leads: Sequence[str] = ("I", "II", "V1"),
    seed: int = 0,
    noise: NoiseParams | None = DEFAULT_NOISE,
    offset: int = 0,
) -> PlantedSet:
    """``n`` records of the controlled task: the label is planted in ``wave``'s ``rule`` (module docstring).

    Args:
        n: number of records (>= 0).
        wave: ``"P"``, ``"QRS"`` or ``"T"``. rule: ``"amplitude"`` or ``"width"``.
        fs: Hz (>= 100). seconds: record length (>= 2.5 s), ``round(seconds * fs)`` samples.
        leads: output leads (names of :data:`~ecgstudy.synthetic.TWELVE_LEADS`).
        seed: base seed; record ``i`` draws from its own streams ``(seed, i)``, so record ``i`` of a call
            with ``offset=o`` is record ``o + i`` of a larger call.
        noise: the stand-ins' noise (white, baseline wander) or ``None`` for clean records.
        offset: index of the first record in the seed's sequence.

    Returns:
        A :class:`PlantedSet`, ``signals`` ``(n, len(leads), round(seconds * fs))``.
    """
    _check_choice(wave, rule)
    n = check_count("n", n)
    seed = check_seed(seed)
    offset = check_count("offset", offset)
    fs = check_fs(fs)
    seconds = check_duration(seconds, minimum_s=MIN_SECONDS)
    leads = tuple(leads)
    lead_rows(leads)
    if noise is not None and not isinstance(noise, NoiseParams):
        raise ParameterError(f"noise must be a NoiseParams or None, got {type(noise).__name__}")
    n_samples = round(seconds * fs)
    trains, properties = _plans(n, wave, rule, seed, seconds, offset)
    clean = np.empty((n, len(leads), n_samples), dtype=np.float32)
    signals = np.empty_like(clean)
    for lo in range(0, n, _CHUNK):
        chunk = range(lo, min(lo + _CHUNK, n))
        clean8 = project_independent(render_vcg([trains[b] for b in chunk], [None] * len(chunk), fs=fs,
                                                n_samples=n_samples))
        clean[chunk.start:chunk.stop] = select_leads(clean8, leads)
        if noise is not None:
            for k, b in enumerate(chunk):
                clean8[k] += independent_noise(stream(seed, "planted", offset + b, 1), noise, n_samples=n_samples,
                                               fs=fs)
        signals[chunk.start:chunk.stop] = select_leads(clean8, leads)
    intervals = {w: [wave_intervals(t, w, fs=fs, n_samples=n_samples) for t in trains] for w in WAVES}
    masks = {w: np.repeat(np.stack([_mask(iv, n_samples) for iv in intervals[w]]).reshape(n, 1, n_samples)
                          if n else np.zeros((0, 1, n_samples), bool), len(leads), axis=1) for w in WAVES}
    labels = properties["label"].to_numpy(np.int64) if n else np.zeros(0, np.int64)
    return PlantedSet(signals=signals, clean=clean, labels=labels, masks=masks, intervals=intervals,
                      properties=properties, trains=trains, wave=wave, rule=rule, fs=fs, lead_names=leads,
                      record_ids=np.array([f"syn-T{i:05d}" for i in range(offset, offset + n)], dtype=str))
