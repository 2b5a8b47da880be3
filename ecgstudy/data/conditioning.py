"""Signal conditioning before median beats: resampling, high-pass and baseline removal.

Every function works along the last axis of a ``(..., samples)`` float array (mV, or the
source's units) and returns float64:

* :func:`resample_to`: ``scipy.signal.resample_poly`` (polyphase, anti-aliasing FIR) from
  ``fs`` to ``target_fs`` (Hz); the median beats resample to 500 Hz, e.g. factor 5 up for
  the 100 Hz PTB-XL subset.
* :func:`highpass`: zero-phase Butterworth (order 2) high-pass, :data:`HIGHPASS_HZ` = 0.5 Hz
  by default.
* :func:`remove_baseline`: the baseline wander of each lead, estimated and subtracted. By
  default (:data:`BASELINE` = ``"median"``) with the two-stage median filter of de Chazal
  et al. (IEEE TBME 2004: 200 ms, then 600 ms; computed on a 50 Hz subsample and linearly
  interpolated back), so the median beat's isoelectric line sits at 0 as in MUSE's median
  beats. A median filter keeps the isoelectric level (the most common value of a cycle); a
  0.5 Hz high-pass (``"highpass"``) removes the cycle's mean instead, which shifts the whole
  beat by up to ~0.1 mV on the synthetic records. ``None`` keeps the raw signal.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import scipy.ndimage
import scipy.signal

from ecgstudy.errors import ParameterError

#: Baseline removal before detection and averaging: ``"median"``, ``"highpass"`` or None.
BASELINE = "median"
#: Cut-off (Hz) of ``baseline="highpass"``.
HIGHPASS_HZ = 0.5
#: Widths (s) of the two median filters of ``baseline="median"``, and the rate they run at (Hz).
BASELINE_MEDIAN_S = (0.2, 0.6)
BASELINE_RATE_HZ = 50.0


def resample_to(signal: np.ndarray, fs: float, target_fs: float) -> np.ndarray:
    """``signal`` (..., samples) at ``fs`` resampled to ``target_fs`` along the last axis
    (``scipy.signal.resample_poly``; returned unchanged, as float64, if the rates agree)."""
    x = np.asarray(signal, dtype=np.float64)
    if fs <= 0 or not np.isfinite(fs):
        raise ParameterError(f"fs must be a positive number, got {fs}")
    if fs == target_fs:
        return x
    ratio = Fraction(float(target_fs) / float(fs)).limit_denominator(1000)
    return scipy.signal.resample_poly(x, ratio.numerator, ratio.denominator, axis=-1)


def highpass(signal: np.ndarray, fs: float, cutoff_hz: float = HIGHPASS_HZ) -> np.ndarray:
    """Zero-phase Butterworth (order 2) high-pass along the last axis, float64."""
    if not 0 < cutoff_hz < fs / 2:
        raise ParameterError(f"highpass cut-off must be in (0, fs/2 = {fs / 2}), got {cutoff_hz}")
    sos = scipy.signal.butter(2, cutoff_hz, btype="highpass", fs=fs, output="sos")
    return scipy.signal.sosfiltfilt(sos, np.asarray(signal, dtype=np.float64), axis=-1)


def remove_baseline(signal: np.ndarray, fs: float, method: str | None = BASELINE) -> np.ndarray:
    """``signal`` (..., samples) minus its baseline wander, float64.

    ``"median"``: the baseline is a 200 ms then a 600 ms running median (de Chazal et al.
    2004), run on every ``round(fs / 50)``-th sample and linearly interpolated back to
    ``fs`` (the baseline is slow; this makes it ~100x faster than at full rate).
    ``"highpass"``: :func:`highpass` at :data:`HIGHPASS_HZ`. ``None``: unchanged.
    """
    x = np.asarray(signal, dtype=np.float64)
    if method is None:
        return x
    if method == "highpass":
        return highpass(x, fs, HIGHPASS_HZ)
    if method != "median":
        raise ParameterError(f"baseline must be 'median', 'highpass' or None, got {method!r}")
    step = max(1, round(fs / BASELINE_RATE_HZ))
    rate = fs / step
    flat = x.reshape(-1, x.shape[-1])
    sub = flat[:, ::step]
    base = sub
    for width in BASELINE_MEDIAN_S:
        base = scipy.ndimage.median_filter(base, size=(1, 2 * round(width * rate / 2) + 1), mode="nearest")
    t = np.arange(flat.shape[-1], dtype=np.float64)
    full = np.stack([np.interp(t, t[::step], b) for b in base]) if len(base) else base
    return (flat - full).reshape(x.shape)
