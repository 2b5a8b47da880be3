"""Fibrillatory (f) waves of atrial fibrillation.

The atrial dipole during AF is one direction times a time course (mV)::

    f(t) = A * (1 + am_depth * sin(2 pi am_hz t + phase))
             * sin(2 pi frequency_hz t + (fm_depth_hz / fm_hz) * sin(2 pi fm_hz t + phase) + phase)

i.e. a 4-9 Hz oscillation with slow amplitude and frequency modulation. It is part of
the clean signal (it is cardiac activity, not noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.synthetic.waves import _unit

#: Default atrial direction: strongest in V1 and the inferior leads, as f-waves are.
F_WAVE_DIRECTION = (0.3, 0.5, -0.8)


@dataclass(frozen=True, kw_only=True)
class FWaveParams:
    """Parameters of the f-wave course above (amplitudes in mV, frequencies in Hz, phase in rad)."""

    amplitude_mV: float = 0.05
    frequency_hz: float = 6.0
    direction: tuple[float, float, float] = F_WAVE_DIRECTION
    am_depth: float = 0.3
    am_hz: float = 0.25
    fm_depth_hz: float = 0.8
    fm_hz: float = 0.15
    phase: float = 0.0

    def __post_init__(self) -> None:
        bad = []
        if not (self.amplitude_mV >= 0 and math.isfinite(self.amplitude_mV)):
            bad.append(f"amplitude_mV must be >= 0, got {self.amplitude_mV}")
        for name in ("frequency_hz", "am_hz", "fm_hz"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                bad.append(f"{name} must be > 0, got {v}")
        if not (0 <= self.am_depth < 1):
            bad.append(f"am_depth must be in [0, 1), got {self.am_depth}")
        if bad:
            raise ParameterError("FWaveParams: " + "; ".join(bad))
        object.__setattr__(self, "direction", _unit(self.direction, "FWaveParams"))

    def course(self, t: np.ndarray) -> np.ndarray:
        """``f(t)`` in mV along :attr:`direction` for times ``t`` (s)."""
        t = np.asarray(t, dtype=np.float64)
        env = self.amplitude_mV * (1.0 + self.am_depth * np.sin(2 * np.pi * self.am_hz * t + self.phase))
        arg = (2 * np.pi * self.frequency_hz * t
               + (self.fm_depth_hz / self.fm_hz) * np.sin(2 * np.pi * self.fm_hz * t + self.phase)
               + self.phase)
        return env * np.sin(arg)
