"""The two wave shapes of the beat model and their exact extent.

Every P, Q, R, S, T (and extra QRS component such as RBBB's R') is a *tapered two-sided
Gaussian* in time; an ST shift is a *raised-cosine plateau*. Both are exactly zero
outside a known interval, which is what makes the generator's onsets/offsets ground
truth rather than estimates.

Tapered two-sided Gaussian with centre ``c`` and widths ``sigma`` (rising side) and
``sigma_right`` (falling side)::

    x = (t - c) / sigma        for t < c
    x = (t - c) / sigma_right  for t >= c
    g(x) = (exp(-x**2 / 2) - exp(-K**2 / 2)) / (1 - exp(-K**2 / 2))   for |x| < K
    g(x) = 0                                                          otherwise

with ``K = SUPPORT_SIGMAS = 3``. ``g`` peaks at 1 at ``t = c``, is continuous, and is
exactly zero outside ``[c - K*sigma, c + K*sigma_right]``: that interval *is* the wave,
so **onset = c - 3*sigma and offset = c + 3*sigma_right** (in seconds; fiducial sample =
``round(time * fs)``). Just inside an edge the wave grows quadratically, e.g. a 0.1 mV
wave with sigma = 6 ms reaches 1e-3 mV within 2 samples at 500 Hz.

Directions live in a Frank-like body frame: x to the patient's left, y to the feet
(inferior), z to the back (posterior). See :mod:`ecgstudy.synthetic.leads`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ecgstudy.errors import ParameterError

#: Half-width of a wave's support in sigmas: onset = centre - 3 sigma, offset = centre + 3 sigma_right.
SUPPORT_SIGMAS = 3.0
_EDGE = math.exp(-0.5 * SUPPORT_SIGMAS**2)


def tapered_gaussian(x: np.ndarray) -> np.ndarray:
    """The unit wave shape ``g(x)`` of the module docstring; ``x`` in sigmas. Peak 1 at 0."""
    x = np.asarray(x, dtype=np.float64)
    g = (np.exp(-0.5 * x * x) - _EDGE) * (1.0 / (1.0 - _EDGE))
    return np.where(np.abs(x) < SUPPORT_SIGMAS, np.maximum(g, 0.0), 0.0)


def _unit(direction: tuple[float, float, float] | np.ndarray, what: str) -> tuple[float, float, float]:
    v = np.asarray(direction, dtype=np.float64).reshape(-1)
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ParameterError(f"{what}: direction must be 3 finite numbers (x, y, z), got {direction!r}")
    n = float(np.linalg.norm(v))
    if n == 0.0:
        raise ParameterError(f"{what}: direction must not be the zero vector")
    return (float(v[0] / n), float(v[1] / n), float(v[2] / n))


@dataclass(frozen=True, kw_only=True)
class WaveParams:
    """One wave of a beat: a tapered two-sided Gaussian dipole.

    Attributes:
        center_ms: peak time relative to the beat's R time (ms; negative = before R).
        sigma_ms: width of the rising side (ms); onset = ``center_ms - 3 * sigma_ms``.
        amplitude_mV: dipole magnitude (mV). The wave in a lead is
            ``amplitude_mV * (lead vector . direction) * g``; sign allowed.
        direction: 3-vector (x left, y inferior, z posterior); normalised on construction.
        sigma_right_ms: width of the falling side (ms); ``None`` = ``sigma_ms``.
            offset = ``center_ms + 3 * sigma_right_ms``.
    """

    center_ms: float
    sigma_ms: float
    amplitude_mV: float
    direction: tuple[float, float, float]
    sigma_right_ms: float | None = None

    def __post_init__(self) -> None:
        bad = []
        if not math.isfinite(self.center_ms):
            bad.append(f"center_ms must be finite, got {self.center_ms}")
        if not (self.sigma_ms > 0 and math.isfinite(self.sigma_ms)):
            bad.append(f"sigma_ms must be > 0, got {self.sigma_ms}")
        if self.sigma_right_ms is not None and not (self.sigma_right_ms > 0 and math.isfinite(self.sigma_right_ms)):
            bad.append(f"sigma_right_ms must be > 0 or None, got {self.sigma_right_ms}")
        if not math.isfinite(self.amplitude_mV):
            bad.append(f"amplitude_mV must be finite, got {self.amplitude_mV}")
        if bad:
            raise ParameterError("WaveParams: " + "; ".join(bad))
        object.__setattr__(self, "direction", _unit(self.direction, "WaveParams"))

    @property
    def sigma_r_ms(self) -> float:
        """Width of the falling side (ms)."""
        return self.sigma_ms if self.sigma_right_ms is None else self.sigma_right_ms

    @property
    def onset_ms(self) -> float:
        """First instant of the wave's support, relative to R (ms)."""
        return self.center_ms - SUPPORT_SIGMAS * self.sigma_ms

    @property
    def offset_ms(self) -> float:
        """Last instant of the wave's support, relative to R (ms)."""
        return self.center_ms + SUPPORT_SIGMAS * self.sigma_r_ms


@dataclass(frozen=True, kw_only=True)
class StShift:
    """An ST-segment shift: a dipole plateau from the J point (QRS offset) to the T offset.

    The shift in a lead is ``lead vector . vector_mV`` (mV), reached exactly on
    ``[J + ramp, T offset - ramp]``; it rises/falls over ``ramp_ms`` with a raised cosine.

    Attributes:
        vector_mV: 3-vector (x left, y inferior, z posterior), mV; not normalised.
        ramp_ms: rise and fall time (ms).
    """

    vector_mV: tuple[float, float, float]
    ramp_ms: float = 20.0

    def __post_init__(self) -> None:
        v = np.asarray(self.vector_mV, dtype=np.float64).reshape(-1)
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise ParameterError(f"StShift: vector_mV must be 3 finite numbers, got {self.vector_mV!r}")
        if not (self.ramp_ms > 0 and math.isfinite(self.ramp_ms)):
            raise ParameterError(f"StShift: ramp_ms must be > 0, got {self.ramp_ms}")
        object.__setattr__(self, "vector_mV", (float(v[0]), float(v[1]), float(v[2])))
