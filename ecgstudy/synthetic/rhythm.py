"""RR-interval sequences: sinus rhythm, atrial fibrillation, premature beats.

Intervals are in seconds; ``intervals[j]`` is the time from beat ``j - 1`` to beat ``j``.

Premature beats (at position ``j``, coupling ``c``) replace ``intervals[j]`` by
``c * intervals[j]``. After a PVC the next interval is lengthened by what was taken away
(full compensatory pause: the following beat keeps its sinus time); after an APB the
sinus node is reset, so the next interval is unchanged (non-compensatory).
"""

from __future__ import annotations

import numpy as np

#: Coupling ranges (fraction of the underlying RR) of premature beats.
PVC_COUPLING = (0.55, 0.75)
APB_COUPLING = (0.60, 0.75)


def sinus_intervals(rng: np.random.Generator, n: int, rr_s: float, *,
                    rsa: float = 0.03, jitter: float = 0.01) -> np.ndarray:
    """``(n,)`` sinus RR intervals around ``rr_s`` with respiratory sinus arrhythmia
    (relative amplitude ``rsa``, 0.15-0.35 Hz) and white jitter (relative SD ``jitter``);
    every interval stays within ``rr_s * (1 +- (rsa + 2 * jitter))``."""
    f_resp = rng.uniform(0.15, 0.35)
    phase = rng.uniform(0, 2 * np.pi)
    k = np.arange(n)
    mod = rsa * np.sin(2 * np.pi * f_resp * k * rr_s + phase) + jitter * rng.standard_normal(n)
    return rr_s * (1.0 + np.clip(mod, -rsa - 2 * jitter, rsa + 2 * jitter))


def af_intervals(rng: np.random.Generator, n: int, rr_mean_s: float, cv: float) -> np.ndarray:
    """``(n,)`` irregularly irregular RR intervals: log-normal around ``rr_mean_s`` with
    log-SD ``cv`` (standardised over the ``n`` draws), clipped to [0.28, 2.0] s."""
    z = rng.standard_normal(n)
    if n > 1:
        z = (z - z.mean()) / max(z.std(), 1e-9)
    return np.clip(rr_mean_s * np.exp(cv * z - 0.5 * cv * cv), 0.28, 2.0)


def choose_positions(rng: np.random.Generator, candidates: np.ndarray, k: int, *, min_gap: int = 3,
                     tries: int = 20) -> np.ndarray:
    """Up to ``k`` sorted beat indices from ``candidates``, pairwise at least ``min_gap`` apart
    (greedy over random orders; the first of ``tries`` orders that yields ``k``, else the best)."""
    best: list[int] = []
    for _ in range(tries if k > 1 else 1):
        chosen: list[int] = []
        for j in rng.permutation(candidates):
            if all(abs(int(j) - c) >= min_gap for c in chosen):
                chosen.append(int(j))
                if len(chosen) == k:
                    break
        if len(chosen) > len(best):
            best = chosen
        if len(best) == k:
            break
    return np.array(sorted(best), dtype=np.int64)


def make_premature(intervals: np.ndarray, positions: np.ndarray, kinds: np.ndarray,
                   couplings: np.ndarray) -> np.ndarray:
    """Intervals with premature beats at ``positions`` (``kinds`` 'V' or 'A'), see module doc."""
    out = intervals.copy()
    for j, kind, c in zip(positions, kinds, couplings):
        old = out[j]
        out[j] = c * old
        if kind == "V" and j + 1 < out.size:
            out[j + 1] += old - out[j]
    return out
