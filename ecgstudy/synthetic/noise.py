"""Measurement noise added to the 8 independent leads (before III, aVR, aVL, aVF are derived).

Per record, every level is multiplied by a factor drawn from
``U[1 - level_spread, 1 + level_spread]``; then, per independent lead:

* white noise: Gaussian, standard deviation ``white_mV``;
* baseline wander: two sinusoids shared by the leads with per-lead Gaussian weights of
  scale ``baseline_mV`` - a respiratory one (0.12-0.45 Hz) and a slow drift (0.02-0.08 Hz);
* powerline: a ``powerline_hz`` sinusoid of amplitude about ``powerline_mV`` (off by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ecgstudy.errors import ParameterError


@dataclass(frozen=True, kw_only=True)
class NoiseParams:
    """Noise levels (mV) and powerline frequency (Hz); see the module docstring."""

    white_mV: float = 0.015
    baseline_mV: float = 0.08
    powerline_mV: float = 0.0
    powerline_hz: float = 50.0
    level_spread: float = 0.5

    def __post_init__(self) -> None:
        bad = []
        for name in ("white_mV", "baseline_mV", "powerline_mV"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                bad.append(f"{name} must be >= 0, got {v}")
        if not (self.powerline_hz > 0 and math.isfinite(self.powerline_hz)):
            bad.append(f"powerline_hz must be > 0, got {self.powerline_hz}")
        if not (0 <= self.level_spread < 1):
            bad.append(f"level_spread must be in [0, 1), got {self.level_spread}")
        if bad:
            raise ParameterError("NoiseParams: " + "; ".join(bad))


def independent_noise(rng: np.random.Generator, params: NoiseParams, *, n_samples: int, fs: float,
                      n_leads: int = 8) -> np.ndarray:
    """``(n_leads, n_samples)`` float32 noise in mV for the independent leads of one record."""
    level = 1.0 + params.level_spread * (2.0 * rng.random() - 1.0)
    out = rng.standard_normal((n_leads, n_samples), dtype=np.float32)
    out *= np.float32(params.white_mV * level)
    t = np.arange(n_samples, dtype=np.float64) / fs
    if params.baseline_mV > 0:
        freqs = (rng.uniform(0.12, 0.45), rng.uniform(0.02, 0.08))
        phases = rng.uniform(0.0, 2 * np.pi, size=2)
        weights = rng.standard_normal((n_leads, 2)) * (params.baseline_mV * level)
        for k in range(2):
            course = np.sin(2 * np.pi * freqs[k] * t + phases[k]).astype(np.float32)
            out += weights[:, k, None].astype(np.float32) * course[None, :]
    if params.powerline_mV > 0:
        phase = rng.uniform(0.0, 2 * np.pi)
        amp = rng.uniform(0.5, 1.0, size=n_leads) * (params.powerline_mV * level)
        course = np.sin(2 * np.pi * params.powerline_hz * t + phase).astype(np.float32)
        out += amp[:, None].astype(np.float32) * course[None, :]
    return out
