"""Wave blocking: remove one wave (P, QRS or T) from median beats by linear interpolation.

To test whether a measurement model relies on the wave a Grad-CAM map points at, the wave
is replaced by the straight line joining the samples just outside it (Hicks et al. 2021
block waves in the same spirit): for an interval ``[onset, offset]`` (both included) of
every lead, sample ``k`` becomes

    a + (b - a) * (k - (onset - 1)) / ((offset + 1) - (onset - 1)),

with ``a = x[onset - 1]`` and ``b = x[offset + 1]``: the line through the two neighbours,
so the blocked signal is continuous at both ends and straight inside, and every sample
outside ``[onset, offset]`` is unchanged (bit-identical). At an edge of the signal the
missing neighbour is replaced by the other one (a flat line at ``b`` when ``onset`` is 0,
at ``a`` when ``offset`` is the last sample); a whole-signal interval becomes zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError

#: Wave name -> (onset column, offset column) of a fiducial table.
WAVE_BOUNDS = {"p": ("p_on", "p_off"), "qrs": ("qrs_on", "qrs_off"), "t": ("t_on", "t_off")}


def block_wave(signal: np.ndarray, onset: int, offset: int) -> np.ndarray:
    """A copy of ``signal`` (``(leads, samples)`` or ``(samples,)``) with samples
    ``onset .. offset`` (both included) of every lead replaced by the straight line between
    the samples at ``onset - 1`` and ``offset + 1`` (see the module docstring).

    Raises:
        ParameterError: ``onset``/``offset`` are not integers with ``0 <= onset <= offset < samples``.
    """
    x = np.asarray(signal)
    if x.ndim not in (1, 2):
        raise ParameterError(f"signal must be (samples,) or (leads, samples), got shape {x.shape}")
    n = x.shape[-1]
    try:
        on, off = int(onset), int(offset)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"onset and offset must be integers, got {onset!r}, {offset!r}") from exc
    if on != onset or off != offset or not 0 <= on <= off < n:
        raise ParameterError(f"need integers 0 <= onset <= offset < {n} (samples), got onset={onset}, offset={offset}")
    out = np.array(x, copy=True)
    left, right = on - 1, off + 1
    if left < 0 and right >= n:
        out[..., on: off + 1] = 0
        return out
    a = x[..., left] if left >= 0 else x[..., right]
    b = x[..., right] if right < n else x[..., left]
    w = (np.arange(on, off + 1, dtype=np.float64) - left) / (right - left)     # in (0, 1)
    a64, b64 = np.asarray(a, dtype=np.float64)[..., None], np.asarray(b, dtype=np.float64)[..., None]
    out[..., on: off + 1] = (a64 + (b64 - a64) * w).astype(out.dtype)
    return out


def _fiducial_rows(fiducials: pd.DataFrame, record_ids: np.ndarray | None, n: int) -> pd.DataFrame:
    if record_ids is not None and len(fiducials) and set(map(str, record_ids)) <= set(map(str, fiducials.index)):
        f = fiducials.copy()
        f.index = f.index.map(str)
        return f.loc[[str(r) for r in record_ids]]
    if len(fiducials) != n:
        raise ParameterError(f"fiducials have {len(fiducials)} rows for {n} median beats and are not "
                             f"indexed by their record ids")
    return fiducials


def block_waves(median_beats, fiducials: pd.DataFrame | None = None, wave: str = "qrs"
                ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`block_wave` on every median beat at its global boundaries of ``wave``.

    Args:
        median_beats: a :class:`~ecgstudy.data.median_beats.MedianBeats` or an array
            ``(n, leads, samples)``.
        fiducials: one row per beat with ``FIDUCIAL_COLUMNS`` (median-beat samples, -1
            absent), indexed by record id (matched to ``median_beats.record_ids``) or in the
            beats' order; default ``median_beats.fiducials``.
        wave: ``"p"``, ``"qrs"`` or ``"t"``.

    Returns:
        ``(signals, blocked)``: a blocked copy ``(n, leads, samples)`` and a bool ``(n,)``
        mask of the beats that were blocked; beats where the wave is absent (-1) or its
        bounds are invalid are left unchanged (``(~blocked).sum()`` counts them).
    """
    if wave not in WAVE_BOUNDS:
        raise ParameterError(f"wave must be one of {tuple(WAVE_BOUNDS)}, got {wave!r}")
    signals = getattr(median_beats, "signals", median_beats)
    signals = np.asarray(signals)
    if signals.ndim != 3:
        raise ParameterError(f"median beats must be (n, leads, samples), got shape {signals.shape}")
    if fiducials is None:
        fiducials = getattr(median_beats, "fiducials", None)
        if fiducials is None:
            raise ParameterError("no fiducials given and the median beats carry none")
    rows = _fiducial_rows(fiducials, getattr(median_beats, "record_ids", None), signals.shape[0])
    c_on, c_off = WAVE_BOUNDS[wave]
    on = rows[c_on].to_numpy(dtype=np.int64)
    off = rows[c_off].to_numpy(dtype=np.int64)
    n_samples = signals.shape[-1]
    blocked = (on >= 0) & (off >= on) & (off < n_samples)
    out = np.array(signals, copy=True)
    for i in np.flatnonzero(blocked):
        out[i] = block_wave(signals[i], on[i], off[i])
    return out, blocked
