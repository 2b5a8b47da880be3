"""Make another 500 Hz record look like the shared PTB-XL subset (for models trained on it).

The shared PTB-XL subset was processed by its publisher (see the data README): every lead
band-pass filtered (Butterworth order 4, 0.5-40 Hz, zero-phase), z-scored at 500 Hz, then
decimated to 100 Hz (polyphase, factor 5). A network trained on those signals sees no mV and
no content above 40 Hz; to test it on LUDB, LUDB's records go through the same steps
(:func:`ptbxl_subset_style`) before their median beats are taken exactly as PTB-XL's are
(resampled back to 500 Hz by :func:`~ecgstudy.data.median_beats.record_median_beat`).

Every step is zero-phase (``sosfiltfilt``; ``resample_poly``'s symmetric FIR), so sample
times are kept and the cardiologists' fiducials stay valid on the result.
"""

from __future__ import annotations

import numpy as np
import scipy.signal

from ecgstudy.errors import ParameterError

#: The publisher's steps (data README): pass band in Hz, Butterworth order, output rate in Hz.
BAND_HZ = (0.5, 40.0)
ORDER = 4
OUTPUT_FS = 100.0
#: The rate the publisher filtered and z-scored at.
INPUT_FS = 500.0


def ptbxl_subset_style(signal: np.ndarray, fs: float) -> tuple[np.ndarray, float]:
    """``signal`` ``(leads, samples)`` at ``fs`` = 500 Hz -> ``(leads, samples / 5)`` at 100 Hz,
    band-passed 0.5-40 Hz, z-scored per lead (units: SD), as the shared PTB-XL subset.

    A flat lead (zero standard deviation after filtering) stays zero.

    Raises:
        ParameterError: ``fs`` is not 500 Hz (the publisher's rate) or the signal is not 2-D.

    Example:
        >>> t = np.arange(5000) / 500
        >>> x = np.stack([np.sin(2 * np.pi * 5 * t) + 3, np.zeros_like(t)])
        >>> y, fs = ptbxl_subset_style(x, 500.0)
        >>> y.shape, fs, round(float(y[0, 100:-100].std()), 1), float(np.abs(y[1]).max())
        ((2, 1000), 100.0, 1.0, 0.0)
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 2:
        raise ParameterError(f"ptbxl_subset_style wants (leads, samples), got shape {x.shape}")
    if fs != INPUT_FS:
        raise ParameterError(f"ptbxl_subset_style wants {INPUT_FS:g} Hz records (the publisher's rate), got {fs:g} Hz")
    sos = scipy.signal.butter(ORDER, BAND_HZ, btype="bandpass", fs=fs, output="sos")
    y = scipy.signal.sosfiltfilt(sos, x, axis=-1)
    mean = y.mean(axis=-1, keepdims=True)
    sd = y.std(axis=-1, keepdims=True)
    y = np.where(sd > 0, (y - mean) / np.where(sd > 0, sd, 1.0), 0.0)
    factor = int(round(fs / OUTPUT_FS))
    return scipy.signal.resample_poly(y, 1, factor, axis=-1), OUTPUT_FS
