"""The paper's grade study (§5.2) as an objective rule on attention maps.

In the paper one blinded cardiologist graded 100 after-attention signals ``X = A ⊙ D``:
Class I, all normal beats suppressed and all abnormal beats kept; Class II, abnormal
beats kept but some normal beats remain; Class III, no clear difference. Reported
ratio for (RVOT, LVOT), L2 pooling, k = 200: **I : II : III = 50 : 27 : 23**. Here the
same classes are assigned by a fixed rule, so every segment can be graded and the
grades can be recomputed.

**Rule.** For segment ``i`` with attention ``a`` (one value per sample, shared by all
leads) and signal ``x`` (leads x samples):

1. *Beats.* Each beat ``b`` has an extent ``E_b`` from :mod:`ecgstudy.explain.beat_masks`
   (default: its RR cell, boundaries at 2/3 of each RR interval back from the later
   beat, clipped to the unpadded region). Beats with a symbol in ``abnormal`` (default
   ``V``, ``A``) are abnormal, beats in ``normal`` (default ``N``) normal.
2. *Raw score* ``g_b`` = how much of the beat survives in the after-attention signal:

   * ``score="energy"`` (default): ``g_b = sqrt( Σ_{t∈E_b} a_t² w_t / Σ_{t∈E_b} w_t )``
     with ``w_t = Σ_leads (x_t − median of the lead over the unpadded region)²``: the
     RMS factor by which the beat's amplitude is scaled in ``X = a ⊙ x``. Attention on
     the QRS and T wave counts, attention on the flat baseline hardly does, as for a
     reader of ``X``. (If ``w`` is zero over ``E_b``: ``sqrt(mean a²)``.)
   * ``score="mean"``: ``g_b = mean_{t∈E_b} |a_t|``.

3. *Normalised score* ``s_b = g_b / max_{b'} g_{b'}`` over all beats of the segment, so
   the most strongly kept beat scores 1 (all ``s_b = 0`` if every ``g_b = 0``).
4. *Grade*, with thresholds ``keep`` (default 0.5), ``suppress`` (0.2), ``margin`` (0.3):

   * **I**: every abnormal beat has ``s ≥ keep`` and every normal beat ``s ≤ suppress``;
   * **II**: every abnormal beat has ``s ≥ keep``, some normal beat ``s > suppress``,
     and mean ``s`` of the abnormal beats ≥ mean ``s`` of the normal beats + ``margin``;
   * **III**: otherwise (some abnormal beat is not kept, or abnormal and normal beats
     differ by less than ``margin``);
   * **NA**: the segment has no abnormal beat (not gradable; never on the ICLR segments).

   A segment without normal beats is I when all its abnormal beats are kept, else III.

Examples (three normal beats and one PVC, attention constant over each beat's extent):
1 on the PVC and 0 elsewhere is I; 1 on the PVC and 0.6 on one normal beat is II
(0.6 > 0.2, and 1 − 0.2 ≥ 0.3); uniform attention is III (difference 0); 0 on the PVC
is III (not kept).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.explain.beat_masks import (
    ABNORMAL_SYMBOLS,
    NORMAL_SYMBOLS,
    beat_extents,
    region,
)

#: Grade labels, best first; ``NA`` marks segments without an abnormal beat.
GRADES = ("I", "II", "III")
SCORES = ("energy", "mean")
#: Columns of :func:`beat_scores`.
BEAT_COLUMNS = ("segment", "beat", "symbol", "kind", "start", "stop", "raw", "score")


def as_attention(attention: np.ndarray, segments: BeatSegments) -> np.ndarray:
    """``(n, samples)`` float64 attention from ``(n, samples)`` or ``(n, 1, samples)``, checked
    against ``segments`` (same n and samples, finite)."""
    a = np.asarray(attention, dtype=np.float64)
    if a.ndim == 3 and a.shape[1] == 1:
        a = a[:, 0]
    expected = (len(segments), segments.signals.shape[-1])
    if a.shape != expected:
        raise ParameterError(f"attention must be (n, samples) = {expected} or (n, 1, samples), "
                             f"got {np.shape(attention)}")
    if not np.all(np.isfinite(a)):
        raise ParameterError("attention holds NaN or infinite values")
    return a


def raw_beat_scores(a: np.ndarray, x: np.ndarray | None, start: np.ndarray, stop: np.ndarray, *,
                    score: str = "energy") -> np.ndarray:
    """``(k,)`` raw scores ``g_b`` of one segment's beats (see the module docstring).

    Args:
        a: ``(samples,)`` attention.
        x: ``(leads, samples)`` signal, already centred (needed for ``"energy"``).
        start, stop: ``(k,)`` beat extents ``[start, stop)``.
        score: ``"energy"`` or ``"mean"``.

    >>> a = np.array([0, 0, 1, 1, 0.5, 0.5])
    >>> raw_beat_scores(a, None, np.array([0, 2, 4]), np.array([2, 4, 6]), score="mean").tolist()
    [0.0, 1.0, 0.5]
    """
    if score not in SCORES:
        raise ParameterError(f"score must be one of {SCORES}, got {score!r}")
    out = np.zeros(len(start))
    w = None if score == "mean" else np.sum(np.asarray(x, dtype=np.float64) ** 2, axis=0)
    for k, (lo, hi) in enumerate(zip(start, stop)):
        if hi <= lo:
            continue
        seg = a[lo:hi]
        if w is None:
            out[k] = np.mean(np.abs(seg))
            continue
        wk = w[lo:hi]
        total = wk.sum()
        out[k] = np.sqrt(np.sum(seg**2 * wk) / total) if total > 0 else np.sqrt(np.mean(seg**2))
    return out


def normalise_scores(raw: np.ndarray) -> np.ndarray:
    """``raw / max(raw)``; zeros if the max is 0.

    >>> normalise_scores(np.array([0.5, 2.0, 1.0])).tolist()
    [0.25, 1.0, 0.5]
    """
    raw = np.asarray(raw, dtype=np.float64)
    top = raw.max() if raw.size else 0.0
    return raw / top if top > 0 else np.zeros_like(raw)


def _check_thresholds(keep: float, suppress: float, margin: float) -> None:
    if not (0 <= suppress <= keep <= 1):
        raise ParameterError(f"need 0 <= suppress <= keep <= 1, got suppress={suppress}, keep={keep}")
    if not margin >= 0:
        raise ParameterError(f"margin must be >= 0, got {margin}")


def grade_from_scores(abnormal: np.ndarray, normal: np.ndarray, *, keep: float = 0.5,
                      suppress: float = 0.2, margin: float = 0.3) -> str:
    """Grade ``"I"``, ``"II"``, ``"III"`` or ``"NA"`` from normalised beat scores.

    >>> grade_from_scores(np.array([1.0]), np.array([0.0, 0.1, 0.0]))
    'I'
    >>> grade_from_scores(np.array([1.0]), np.array([0.6, 0.0, 0.0]))
    'II'
    >>> grade_from_scores(np.array([1.0]), np.array([1.0, 1.0, 1.0]))
    'III'
    """
    _check_thresholds(keep, suppress, margin)
    abnormal = np.asarray(abnormal, dtype=np.float64)
    normal = np.asarray(normal, dtype=np.float64)
    if abnormal.size == 0:
        return "NA"
    if not np.all(abnormal >= keep):
        return "III"
    if np.all(normal <= suppress):
        return "I"
    return "II" if abnormal.mean() >= normal.mean() + margin else "III"


def _centred(segments: BeatSegments, i: int) -> np.ndarray:
    lo, hi = region(segments, i)
    x = np.asarray(segments.signals[i], dtype=np.float64)
    if hi <= lo:
        return np.zeros_like(x)
    return x - np.median(x[:, lo:hi], axis=1, keepdims=True)


def beat_scores(attention: np.ndarray, segments: BeatSegments, *, score: str = "energy",
                abnormal: Collection[str] = ABNORMAL_SYMBOLS, normal: Collection[str] = NORMAL_SYMBOLS,
                window_s: tuple[float, float] | None = None, rr_fraction: float = 2 / 3) -> pd.DataFrame:
    """One row per beat: ``segment, beat, symbol, kind ("abnormal"/"normal"/"other"), start,
    stop, raw, score`` (``raw`` = ``g_b``, ``score`` = ``s_b`` of the module docstring).

    Args:
        attention: ``(n, samples)`` or ``(n, 1, samples)``, aligned with ``segments.signals``.
        segments: the segments the attention was computed on.
        score: ``"energy"`` or ``"mean"``.
        abnormal, normal: beat symbols of each kind.
        window_s, rr_fraction: beat extents (:mod:`ecgstudy.explain.beat_masks`).
    """
    a = as_attention(attention, segments)
    abnormal, normal = list(abnormal), list(normal)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in BEAT_COLUMNS}
    for i in range(len(segments)):
        start, stop, symbols = beat_extents(segments, i, window_s=window_s, rr_fraction=rr_fraction)
        x = _centred(segments, i) if score == "energy" else None
        raw = raw_beat_scores(a[i], x, start, stop, score=score)
        kind = np.where(np.isin(symbols, abnormal), "abnormal",
                        np.where(np.isin(symbols, normal), "normal", "other"))
        for c, v in zip(BEAT_COLUMNS, (np.full(len(symbols), i), np.arange(len(symbols)), symbols, kind,
                                       start, stop, raw, normalise_scores(raw))):
            cols[c].append(np.asarray(v))
    if not len(segments):
        return pd.DataFrame(columns=list(BEAT_COLUMNS))
    return pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})


def grade_segments(attention: np.ndarray, segments: BeatSegments, *, keep: float = 0.5,
                   suppress: float = 0.2, margin: float = 0.3, score: str = "energy",
                   abnormal: Collection[str] = ABNORMAL_SYMBOLS, normal: Collection[str] = NORMAL_SYMBOLS,
                   window_s: tuple[float, float] | None = None, rr_fraction: float = 2 / 3) -> np.ndarray:
    """Grade every segment by the rule of the module docstring.

    Args:
        attention: ``(n, samples)`` or ``(n, 1, samples)`` attention (e.g. ``IclrOutput.attention``).
        segments: ``BeatSegments`` with ``n`` segments.
        keep, suppress, margin: thresholds of the rule.
        score, abnormal, normal, window_s, rr_fraction: see :func:`beat_scores`.

    Returns:
        ``(n,)`` str array of ``"I"``, ``"II"``, ``"III"`` (``"NA"`` without abnormal beats).
    """
    _check_thresholds(keep, suppress, margin)
    table = beat_scores(attention, segments, score=score, abnormal=abnormal, normal=normal,
                        window_s=window_s, rr_fraction=rr_fraction)
    seg = table["segment"].to_numpy(np.int64)
    kind = table["kind"].to_numpy()
    s = table["score"].to_numpy(np.float64)
    bounds = np.searchsorted(seg, np.arange(len(segments) + 1))  # rows are sorted by segment
    grades = np.full(len(segments), "NA", dtype="<U3")
    for i in range(len(segments)):
        rows = slice(bounds[i], bounds[i + 1])
        grades[i] = grade_from_scores(s[rows][kind[rows] == "abnormal"], s[rows][kind[rows] == "normal"],
                                      keep=keep, suppress=suppress, margin=margin)
    return grades


def grade_ratio(grades: Iterable[str]) -> dict[str, object]:
    """Counts and fractions of grades I / II / III (fractions over graded segments).

    Returns:
        ``{"counts": {"I", "II", "III"}, "fractions": {"I", "II", "III"}, "n": graded,
        "ungraded": NA count}``; fractions are NaN when nothing is graded.

    >>> r = grade_ratio(["I", "I", "II", "III", "NA"])
    >>> r["counts"], r["fractions"]["I"], r["n"], r["ungraded"]
    ({'I': 2, 'II': 1, 'III': 1}, 0.5, 4, 1)
    """
    counts = Counter(str(g) for g in grades)
    unknown = set(counts) - set(GRADES) - {"NA"}
    if unknown:
        raise ParameterError(f"unknown grade(s) {sorted(unknown)}; expected {GRADES} or 'NA'")
    n = sum(counts[g] for g in GRADES)
    return {
        "counts": {g: counts[g] for g in GRADES},
        "fractions": {g: (counts[g] / n if n else float("nan")) for g in GRADES},
        "n": n,
        "ungraded": counts["NA"],
    }
