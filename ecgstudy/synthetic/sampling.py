"""Random pieces shared by the stand-ins: beat trains, premature beats, f-waves, chunk runner."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.synthetic.atrial import F_WAVE_DIRECTION, FWaveParams
from ecgstudy.synthetic.beats import BeatMorphology, BeatTrain
from ecgstudy.synthetic.leads import LEAD_MATRIX_12
from ecgstudy.synthetic.morphology import pvc_morphology, random_pvc_direction, sinus_morphology
from ecgstudy.synthetic.noise import NoiseParams
from ecgstudy.synthetic.rhythm import APB_COUPLING, PVC_COUPLING, make_premature

#: Noise of the stand-ins unless told otherwise.
DEFAULT_NOISE = NoiseParams()


def beat_train(rng: np.random.Generator, *, intervals: np.ndarray, t0: float, t_end: float,
               conducted: BeatMorphology, symbol: str, apb: BeatMorphology | None,
               pvc: BeatMorphology | None, positions: np.ndarray, kinds: np.ndarray) -> BeatTrain:
    """Assemble a train: R times ``t0 + cumsum(intervals)`` up to ``t_end``, ectopics at ``positions``."""
    r = t0 + np.cumsum(intervals)
    keep = r < t_end
    n = int(keep.sum())
    morphs = [conducted] + [m for m in (apb, pvc) if m is not None]
    morph = np.zeros(n, dtype=np.int64)
    sym = np.full(n, symbol, dtype="<U1")
    for j, kind in zip(positions, kinds):
        if j < n:
            m = apb if kind == "A" else pvc
            morph[j] = morphs.index(m)
            sym[j] = kind
    f = rng.uniform(0.15, 0.35)
    scale = 1.0 + 0.05 * np.sin(2 * np.pi * f * r[:n] + rng.uniform(0, 2 * np.pi)) \
        + 0.01 * rng.standard_normal(n)
    return BeatTrain(r_time_s=r[:n], symbol=sym, morph=morph, qrs_scale=scale, morphologies=tuple(morphs))


def premature(rng: np.random.Generator, intervals: np.ndarray, positions: np.ndarray,
              kinds: np.ndarray) -> np.ndarray:
    """Intervals with premature beats at ``positions``, couplings drawn from the rhythm ranges."""
    couplings = np.array([rng.uniform(*(PVC_COUPLING if k == "V" else APB_COUPLING)) for k in kinds])
    return make_premature(intervals, positions, kinds, couplings)


def apb_from(rng: np.random.Generator, kw: dict[str, Any]) -> BeatMorphology:
    """An atrial premature beat: same QRS/T as ``kw`` but an ectopic P wave."""
    p_dirs = ((-0.3, -0.8, 0.2), (0.2, 0.3, -0.9), (-0.6, 0.5, 0.3))
    kw = dict(kw, p_direction=p_dirs[int(rng.integers(len(p_dirs)))], p_ms=rng.uniform(60, 100),
              p_amp_mV=rng.uniform(0.09, 0.18), pr_ms=max(110.0, kw["pr_ms"] + rng.uniform(-20, 30)),
              name="apb")
    return sinus_morphology(**kw)


def random_pvc(rng: np.random.Generator, scale: float) -> BeatMorphology:
    """A PVC: QRS 130-180 ms on an axis >= 60 deg from the normal R axis, discordant T."""
    return pvc_morphology(qrs_ms=rng.uniform(130, 180), amp_mV=rng.uniform(1.2, 2.2) * scale,
                          direction=random_pvc_direction(rng), t_amp_mV=rng.uniform(0.3, 0.6) * scale,
                          st_ms=rng.uniform(10, 40), t_ms=rng.uniform(160, 240))


def random_fwave(rng: np.random.Generator, rotation: np.ndarray) -> FWaveParams:
    """AF f-waves: 0.03-0.06 mV, 4.5-8 Hz, along the patient's rotated atrial axis."""
    d = rotation @ (np.asarray(F_WAVE_DIRECTION) / np.linalg.norm(F_WAVE_DIRECTION))
    return FWaveParams(amplitude_mV=rng.uniform(0.03, 0.06), frequency_hz=rng.uniform(4.5, 8.0),
                       direction=tuple(d), am_depth=rng.uniform(0.1, 0.4), am_hz=rng.uniform(0.1, 0.4),
                       fm_depth_hz=rng.uniform(0.3, 1.0), fm_hz=rng.uniform(0.05, 0.3),
                       phase=rng.uniform(0, 2 * np.pi))


def fwave_amplitude(fw: FWaveParams | None, n_samples: int, fs: float) -> float:
    """Largest absolute f-wave value (mV) in any of the 12 leads over the record, 0 without AF."""
    if fw is None:
        return 0.0
    course = fw.course(np.arange(n_samples) / fs)
    return float(np.max(np.abs(course)) * np.max(np.abs(LEAD_MATRIX_12 @ np.asarray(fw.direction))))


def run_chunks(fn: Callable[..., dict[str, Any]], args: list[tuple], n_jobs: int) -> list[dict[str, Any]]:
    """``[fn(*a) for a in args]``, in ``n_jobs`` processes when > 1 (same results, same order)."""
    if n_jobs == 1 or len(args) <= 1:
        return [fn(*a) for a in args]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(fn, *zip(*args)))


def check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ParameterError(f"n_jobs must be an integer >= 1, got {n_jobs!r}")
    return n_jobs
