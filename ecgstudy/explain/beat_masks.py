"""Where each beat of a :class:`~ecgstudy.data.types.BeatSegments` segment lies: beat
extents and per-sample masks of abnormal and normal beats.

Beat extent (default, ``window_s=None``): the beat's *RR cell*, cut exactly as the
segments themselves were cut (:mod:`ecgstudy.data.segments`). With R peaks
``r[0] < r[1] < ...`` (positions inside the padded segment), the boundary between beats
``k-1`` and ``k`` is

    ``b[k] = ceil(r[k] - rr_fraction * (r[k] - r[k-1]))``  (``rr_fraction = 2/3``),

i.e. a beat starts one third of the preceding RR interval before its R peak (room for
its P wave) and ends where the next beat starts (its T wave and the following pause
included). Beat ``k`` occupies ``[b[k], b[k+1])``; the first beat starts and the last
beat ends at the edges of the unpadded region ``[pad_left, pad_left + length)``, which
by construction are the segment's own boundaries. The cells therefore tile the unpadded
region: every unpadded sample belongs to exactly one beat and no padding sample to any.

Beat extent with ``window_s=(before, after)`` (seconds): ``[r - round(before*fs),
r + round(after*fs))`` intersected with the beat's RR cell, so windows never overlap
and never reach into the padding (e.g. ``(0.25, 0.4)`` keeps the P wave, QRS and T wave
of a normal beat and drops most of the pause).

Beat classes: symbols in ``abnormal`` (default ``V`` PVC and ``A`` APB, the ectopic beats
of the ICLR ``NV`` / ``AN`` segments) and in ``normal`` (default ``N``); a beat with any
other symbol is in neither mask.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from ecgstudy.data.segments import rr_boundaries
from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError

#: Beat symbols counted as abnormal (PVC, APB) and as normal by default.
ABNORMAL_SYMBOLS = ("V", "A")
NORMAL_SYMBOLS = ("N",)


def _check_window(window_s: tuple[float, float] | None) -> tuple[float, float] | None:
    if window_s is None:
        return None
    try:
        before, after = (float(v) for v in window_s)
    except (TypeError, ValueError):
        raise ParameterError(f"window_s must be (before, after) in seconds, got {window_s!r}") from None
    if not (before >= 0 and after > 0 and np.isfinite(before + after)):
        raise ParameterError(f"window_s needs before >= 0 and after > 0 seconds, got {window_s!r}")
    return before, after


def region(segments: BeatSegments, i: int) -> tuple[int, int]:
    """``(lo, hi)``: the unpadded samples ``[lo, hi)`` of segment ``i``."""
    lo = int(segments.pad_left[i])
    return lo, lo + int(segments.length[i])


def region_mask(segments: BeatSegments, i: int) -> np.ndarray:
    """``(samples,)`` bool, True on segment ``i``'s unpadded samples."""
    mask = np.zeros(segments.signals.shape[-1], bool)
    lo, hi = region(segments, i)
    mask[lo:hi] = True
    return mask


def extents_from_peaks(peaks: np.ndarray, lo: int, hi: int, *, fs: float,
                       window_s: tuple[float, float] | None = None,
                       rr_fraction: float = 2 / 3) -> tuple[np.ndarray, np.ndarray]:
    """Beat extents ``[start, stop)`` from sorted R-peak positions inside region ``[lo, hi)``.

    Args:
        peaks: ``(k,)`` R-peak sample positions, increasing.
        lo, hi: the unpadded region.
        fs: Hz (for ``window_s``).
        window_s: ``None`` (RR cells) or ``(before, after)`` seconds; see the module docstring.
        rr_fraction: share of the preceding RR interval before an R peak where a cell starts.

    Returns:
        ``start`` and ``stop``, each ``(k,)`` int64 (``start == stop`` for an empty extent).

    >>> start, stop = extents_from_peaks(np.array([150, 450, 750]), 50, 1000, fs=100)
    >>> start.tolist(), stop.tolist()
    ([50, 250, 550], [250, 550, 1000])
    >>> start, stop = extents_from_peaks(np.array([150, 450, 750]), 50, 1000, fs=100, window_s=(0.25, 0.4))
    >>> start.tolist(), stop.tolist()
    ([125, 425, 725], [190, 490, 790])
    """
    r = np.asarray(peaks, dtype=np.int64)
    if r.ndim != 1 or np.any(np.diff(r) <= 0):
        raise ParameterError("R peaks must be a 1-D strictly increasing array")
    window = _check_window(window_s)
    if len(r) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    inner = rr_boundaries(r, rr_fraction)
    start = np.concatenate([[lo], inner]).astype(np.int64)
    stop = np.concatenate([inner, [hi]]).astype(np.int64)
    if window is not None:
        start = np.maximum(start, r - round(window[0] * fs))
        stop = np.minimum(stop, r + round(window[1] * fs))
    start = np.clip(start, lo, hi)
    stop = np.clip(stop, start, hi)
    return start, stop


def beat_extents(segments: BeatSegments, i: int, *, window_s: tuple[float, float] | None = None,
                 rr_fraction: float = 2 / 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(start, stop, symbols)`` of segment ``i``'s beats: ``(k,)`` int64, int64, str.

    Positions index the padded segment (as ``segments.signals[i]``).
    """
    peaks, symbols = segments.beats(i)
    lo, hi = region(segments, i)
    start, stop = extents_from_peaks(peaks, lo, hi, fs=segments.fs, window_s=window_s,
                                     rr_fraction=rr_fraction)
    return start, stop, np.asarray(symbols).astype(str)


def _paint(n_samples: int, start: np.ndarray, stop: np.ndarray, which: np.ndarray) -> np.ndarray:
    mask = np.zeros(n_samples, bool)
    for a, b in zip(start[which], stop[which]):
        mask[a:b] = True
    return mask


def beat_masks(segments: BeatSegments, i: int, *,
               abnormal: Collection[str] = ABNORMAL_SYMBOLS, normal: Collection[str] = NORMAL_SYMBOLS,
               window_s: tuple[float, float] | None = None,
               rr_fraction: float = 2 / 3) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample masks of segment ``i``'s abnormal and normal beats.

    Returns:
        ``(abnormal_mask, normal_mask)``, each ``(samples,)`` bool over the padded segment.
    """
    start, stop, symbols = beat_extents(segments, i, window_s=window_s, rr_fraction=rr_fraction)
    n = segments.signals.shape[-1]
    return (_paint(n, start, stop, np.isin(symbols, list(abnormal))),
            _paint(n, start, stop, np.isin(symbols, list(normal))))


def segment_masks(segments: BeatSegments, *,
                  abnormal: Collection[str] = ABNORMAL_SYMBOLS, normal: Collection[str] = NORMAL_SYMBOLS,
                  window_s: tuple[float, float] | None = None,
                  rr_fraction: float = 2 / 3) -> tuple[np.ndarray, np.ndarray]:
    """:func:`beat_masks` for every segment: ``(abnormal, normal)``, each ``(n, samples)`` bool."""
    n, samples = len(segments), segments.signals.shape[-1]
    abn = np.zeros((n, samples), bool)
    nor = np.zeros((n, samples), bool)
    for i in range(n):
        abn[i], nor[i] = beat_masks(segments, i, abnormal=abnormal, normal=normal,
                                    window_s=window_s, rr_fraction=rr_fraction)
    return abn, nor
