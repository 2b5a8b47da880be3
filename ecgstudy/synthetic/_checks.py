"""Argument validation and per-record random streams shared by the generators."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ecgstudy.errors import ParameterError

#: Lowest sampling rate accepted: below it a 70 ms QRS spans too few samples.
MIN_FS_HZ = 100.0

_STREAMS = {"mitbih": 1, "cpsc": 2, "measurement": 3, "planted": 4}


def check_count(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ParameterError(f"{name} must be an integer >= 0, got {n!r}")
    if n < 0:
        raise ParameterError(f"{name} must be >= 0, got {n}")
    return int(n)


def check_fs(fs: object) -> float:
    if not isinstance(fs, numbers.Real) or not math.isfinite(fs) or fs <= 0:
        raise ParameterError(f"fs must be a positive sampling rate in Hz, got {fs!r}")
    if fs < MIN_FS_HZ:
        raise ParameterError(f"fs must be >= {MIN_FS_HZ:g} Hz to resolve the QRS, got {fs!r}")
    return float(fs)


def check_duration(duration_s: object, *, minimum_s: float) -> float:
    if not isinstance(duration_s, numbers.Real) or not math.isfinite(duration_s) or duration_s <= 0:
        raise ParameterError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
    if duration_s < minimum_s:
        raise ParameterError(
            f"duration_s={duration_s:g} s is too short: it must be >= {minimum_s:g} s to hold "
            f"complete beats (including premature beats and their pauses)"
        )
    return float(duration_s)


def check_fraction(name: str, x: object) -> float:
    if not isinstance(x, numbers.Real) or not (0.0 <= x <= 1.0):
        raise ParameterError(f"{name} must be a fraction in [0, 1], got {x!r}")
    return float(x)


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ParameterError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)


def stream(seed: int, generator: str, *key: int) -> np.random.Generator:
    """Independent random stream ``(seed, generator, *key)``.

    Each record draws from its own streams, so a record never depends on how many
    records are made, in what chunks, or by how many processes.
    """
    ss = np.random.SeedSequence(seed, spawn_key=(_STREAMS[generator], *key))
    return np.random.Generator(np.random.PCG64(ss))
