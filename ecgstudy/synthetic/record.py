"""One record from hand-set beats: :func:`generate_record`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecgstudy.synthetic._checks import check_duration, check_fs, check_seed
from ecgstudy.synthetic.atrial import FWaveParams
from ecgstudy.synthetic.beats import Beat, BeatTrain
from ecgstudy.synthetic.leads import TWELVE_LEADS, lead_rows
from ecgstudy.synthetic.measure import fiducial_frame, measure_record
from ecgstudy.synthetic.noise import NoiseParams, independent_noise
from ecgstudy.synthetic.render import project_independent, render_vcg, select_leads


@dataclass
class SyntheticRecord:
    """A drawn record with its ground truth.

    Attributes:
        signal: ``(leads, samples)`` float32, mV, noise included (equals ``clean`` without noise).
        clean: ``(leads, samples)`` float32, mV, the noise-free signal.
        fs: Hz. lead_names: one per row.
        fiducials: one row per complete beat: ``FIDUCIAL_COLUMNS`` (samples, -1 absent) + ``beat_type``.
        measurements: see :mod:`ecgstudy.synthetic.measure` (ms, bpm, mV).
        train: the beats in array form.
    """

    signal: np.ndarray
    clean: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    fiducials: pd.DataFrame
    measurements: dict[str, float]
    train: BeatTrain = field(repr=False)



def generate_record(
    beats: Sequence[Beat],
    *,
    fs: float = 500.0,
    duration_s: float = 10.0,
    leads: Sequence[str] = TWELVE_LEADS,
    noise: NoiseParams | None = None,
    fwaves: FWaveParams | None = None,
    seed: int = 0,
) -> SyntheticRecord:
    """Draw one record from explicit beats.

    Args:
        beats: the beats (R times in s from the first sample; beats partly or wholly
            outside the record are drawn where they overlap it).
        fs: sampling rate (Hz). duration_s: length (s); ``round(duration_s * fs)`` samples.
        leads: output lead names (default the 12 standard leads; ``"MLII"`` = II).
        noise: noise levels, ``None`` for a clean record.
        fwaves: AF f-waves added to the clean signal, or ``None``.
        seed: seeds the noise only.

    Returns:
        A :class:`SyntheticRecord`; ``signal`` and ``clean`` are ``(len(leads), samples)``.
    """
    check_fs(fs)
    check_duration(duration_s, minimum_s=0.0)
    check_seed(seed)
    lead_names = tuple(leads)
    lead_rows(lead_names)
    n_samples = round(duration_s * fs)
    train = BeatTrain.from_beats(list(beats))
    vcg = render_vcg([train], [fwaves], fs=fs, n_samples=n_samples)
    clean8 = project_independent(vcg)
    clean = select_leads(clean8, lead_names)[0]
    if noise is None:
        signal = clean.copy()
    else:
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        signal = select_leads(clean8 + independent_noise(rng, noise, n_samples=n_samples, fs=fs)[None],
                              lead_names)[0]
    meas, samp, sym = measure_record(train, clean, fs=fs, lead_names=lead_names)
    return SyntheticRecord(signal=signal, clean=clean, fs=float(fs), lead_names=lead_names,
                           fiducials=fiducial_frame(samp, sym), measurements=meas, train=train)
