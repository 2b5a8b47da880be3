"""Input preparation of the xECGNet chapter: lead normalisation, padding, crops, blocks, resampling.

Pure numpy / scipy functions on one record ``(leads, samples)`` or a set
``(n, leads, samples)``; the sample axis is always the last one.

The xECGNet authors' pipeline on CPSC 2018 (500 Hz, records of 6 to 60 s):

1. normalise every lead with a per-lead mean and standard deviation
   (:func:`fit_lead_normaliser`, :meth:`LeadNormaliser.apply`). The authors fitted them
   on all records; the chapter fits them on the training split only (the other choice
   sits behind a switch in the chapter);
2. prepend zeros up to a fixed length (:func:`pad_front`), **after** normalisation, so
   the padding is 0 in normalised units;
3. a training variant trains on random 2,880-sample windows (:func:`random_crop`) and
   averages the predictions over consecutive non-overlapping windows at test time
   (:func:`blocks`).

:func:`resample` changes the sampling rate (polyphase filter of scipy) for records from
other datasets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from ecgstudy.errors import ParameterError

#: Largest up / down factor :func:`resample` accepts after reducing the rate ratio.
MAX_RESAMPLE_FACTOR = 1000


def _check_length(length: int) -> int:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ParameterError(f"length must be a positive integer, got {length!r}")
    return int(length)


def _record(x: np.ndarray, name: str = "x") -> np.ndarray:
    """``x`` as an array, which must be one record ``(leads, samples)``."""
    a = np.asarray(x)
    if a.ndim != 2:
        raise ParameterError(f"{name} must be one record shaped (leads, samples), got shape {a.shape}")
    return a


# --------------------------------------------------------------------------- normalisation


@dataclass(frozen=True, eq=False)
class LeadNormaliser:
    """Per-lead affine normalisation ``(x - mean) / sd``.

    Attributes:
        mean: ``(leads,)`` float64 per-lead offsets.
        sd: ``(leads,)`` float64 per-lead scales (>= 0). A lead whose ``sd`` is 0 (a flat
            lead in every fitting record) is only centred, not scaled.
    """

    mean: np.ndarray
    sd: np.ndarray

    def __post_init__(self) -> None:
        mean = np.array(self.mean, dtype=np.float64)
        sd = np.array(self.sd, dtype=np.float64)
        if mean.ndim != 1 or mean.shape != sd.shape:
            raise ParameterError(f"mean and sd must be 1-D of the same length, got shapes {mean.shape}, {sd.shape}")
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(sd))):
            raise ParameterError("mean or sd holds NaN or infinite values")
        if np.any(sd < 0):
            raise ParameterError(f"sd must be >= 0, got {sd.tolist()}")
        mean.flags.writeable = False
        sd.flags.writeable = False
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "sd", sd)

    @property
    def n_leads(self) -> int:
        return int(self.mean.shape[0])

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``(x - mean[:, None]) / sd[:, None]`` as float32, for ``(leads, samples)`` or ``(n, leads, samples)``.

        Leads with ``sd == 0`` are divided by 1 (centred only). Returns a new array.

        >>> norm = LeadNormaliser(mean=[1.0, 0.0], sd=[2.0, 0.0])
        >>> norm.apply(np.array([[1.0, 5.0], [3.0, -1.0]])).tolist()
        [[0.0, 2.0], [3.0, -1.0]]
        """
        a = np.asarray(x)
        if a.ndim not in (2, 3) or a.shape[-2] != self.n_leads:
            raise ParameterError(
                f"x must be shaped (leads, samples) or (n, leads, samples) with {self.n_leads} leads, "
                f"got shape {a.shape}"
            )
        scale = np.where(self.sd > 0, self.sd, 1.0)
        out = (a - self.mean[:, None]) / scale[:, None]
        return out.astype(np.float32)


def _as_records(signals: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """The records of a ``(n, leads, samples)`` array or a list of ``(leads, samples_i)`` arrays."""
    if isinstance(signals, np.ndarray):
        if signals.ndim != 3:
            raise ParameterError(
                f"signals must be (n, leads, samples) or a list of (leads, samples) arrays, "
                f"got an array of shape {signals.shape}"
            )
        records = list(signals)
    else:
        records = [np.asarray(r) for r in signals]
    if not records:
        raise ParameterError("signals holds no records")
    for i, r in enumerate(records):
        if r.ndim != 2:
            raise ParameterError(f"record {i} must be shaped (leads, samples), got shape {r.shape}")
    leads = {r.shape[0] for r in records}
    if len(leads) != 1:
        raise ParameterError(f"records differ in their number of leads: {sorted(leads)}")
    for i, r in enumerate(records):
        if r.shape[1] == 0:
            raise ParameterError(f"record {i} has no samples")
        if not np.all(np.isfinite(r)):
            raise ParameterError(f"record {i} holds NaN or infinite values")
    return records


def fit_lead_normaliser(
    signals: np.ndarray | Sequence[np.ndarray], *, method: str = "authors"
) -> LeadNormaliser:
    """Per-lead mean and standard deviation of a set of records.

    Args:
        signals: ``(n, leads, samples)`` array or a list of ``(leads, samples_i)`` arrays of
            different lengths (CPSC 2018 records do differ). Pass the training split only
            to keep the test split unseen.
        method: ``"authors"`` (xECGNet): ``mean`` is the mean over records of each record's
            per-lead mean, ``sd`` the mean over records of each record's per-lead standard
            deviation (``numpy.std``, ``ddof=0``); every record weighs the same whatever its
            length. ``"pooled"``: mean and standard deviation (``ddof=0``) of all samples of
            all records pooled per lead (long records weigh more).

    Example (two 1-lead records; record means 2 and 10, standard deviations 1 and 0):

    >>> norm = fit_lead_normaliser([np.array([[1.0, 3.0]]), np.array([[10.0, 10.0, 10.0]])])
    >>> norm.mean.tolist(), norm.sd.tolist()
    ([6.0], [0.5])
    """
    records = _as_records(signals)
    if method == "authors":
        mean = np.mean([r.mean(axis=1, dtype=np.float64) for r in records], axis=0)
        sd = np.mean([r.std(axis=1, dtype=np.float64) for r in records], axis=0)
    elif method == "pooled":
        pooled = np.concatenate([np.asarray(r, dtype=np.float64) for r in records], axis=1)
        mean, sd = pooled.mean(axis=1), pooled.std(axis=1)
    else:
        raise ParameterError(f"method must be 'authors' or 'pooled', got {method!r}")
    return LeadNormaliser(mean=mean, sd=sd)


# --------------------------------------------------------------------------- lengths


def pad_front(x: np.ndarray, length: int, *, crop: str | None = None) -> np.ndarray:
    """Prepend zeros along the last axis up to ``length`` samples (xECGNet padding).

    Works on ``(leads, samples)`` or ``(n, leads, samples)`` (or any array, last axis);
    the result keeps ``x``'s dtype and is a new array. Apply it after normalisation so
    the padding is 0 in normalised units.

    Args:
        x: the signal(s).
        length: samples of the result.
        crop: what to do with a record longer than ``length``: ``None`` raises
            :class:`ParameterError`; ``"end"`` cuts the end (keeps the first ``length``
            samples); ``"start"`` cuts the start (keeps the last ``length`` samples).

    >>> pad_front(np.array([[1, 2], [3, 4]]), 4).tolist()
    [[0, 0, 1, 2], [0, 0, 3, 4]]
    >>> x = np.array([[1, 2, 3]])
    >>> pad_front(x, 2, crop="end").tolist(), pad_front(x, 2, crop="start").tolist()
    ([[1, 2]], [[2, 3]])
    """
    length = _check_length(length)
    if crop not in (None, "end", "start"):
        raise ParameterError(f"crop must be None, 'end' or 'start', got {crop!r}")
    a = np.asarray(x)
    if a.ndim < 1:
        raise ParameterError("x must have a sample axis, got a scalar")
    n = a.shape[-1]
    if n > length:
        if crop is None:
            raise ParameterError(
                f"record has {n} samples, more than length={length}; pass crop='end' to keep the first "
                f"{length} samples or crop='start' to keep the last {length}"
            )
        return a[..., :length].copy() if crop == "end" else a[..., n - length:].copy()
    out = np.zeros(a.shape[:-1] + (length,), dtype=a.dtype)
    out[..., length - n:] = a
    return out


def random_crop(x: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random window of ``length`` consecutive samples of one record ``(leads, samples)``.

    The start is drawn uniformly from ``0 .. samples - length`` with one
    ``rng.integers`` call. A record of ``length`` samples or fewer is returned
    front-padded with zeros (:func:`pad_front`) and draws nothing from ``rng``. This is
    the authors' 2,880-sample training crop. Returns a new array of ``x``'s dtype.

    >>> random_crop(np.arange(10).reshape(1, 10), 4, np.random.default_rng(0)).shape
    (1, 4)
    """
    length = _check_length(length)
    a = _record(x)
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n = a.shape[1]
    if n <= length:
        return pad_front(a, length)
    start = int(rng.integers(0, n - length + 1))
    return a[:, start:start + length].copy()


def blocks(x: np.ndarray, length: int) -> np.ndarray:
    """Consecutive non-overlapping ``length``-sample blocks of one record ``(leads, samples)``.

    Returns ``(samples // length, leads, length)``, block ``k`` being samples
    ``k*length .. (k+1)*length - 1``; a final partial block is dropped. A record shorter
    than ``length`` gives one block, front-padded with zeros. The authors averaged the
    predictions over these blocks at test time.

    >>> blocks(np.arange(7).reshape(1, 7), 3).tolist()
    [[[0, 1, 2]], [[3, 4, 5]]]
    >>> blocks(np.arange(2).reshape(1, 2), 3).tolist()
    [[[0, 0, 1]]]
    """
    length = _check_length(length)
    a = _record(x)
    leads, n = a.shape
    if n < length:
        return pad_front(a, length)[None]
    k = n // length
    return a[:, :k * length].reshape(leads, k, length).transpose(1, 0, 2).copy()


# --------------------------------------------------------------------------- sampling rate


def _rate(fs: float, name: str) -> Fraction:
    try:
        value = float(fs)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {fs!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{name} must be a positive finite rate in Hz, got {fs!r}")
    return Fraction(repr(value))  # shortest decimal form: 0.1 -> 1/10, not the binary float


def resample_factors(fs_in: float, fs_out: float) -> tuple[int, int]:
    """``(up, down)``: the ratio ``fs_out / fs_in`` in lowest terms.

    >>> resample_factors(360, 100), resample_factors(100, 500), resample_factors(500, 500)
    ((5, 18), (5, 1), (1, 1))
    """
    ratio = _rate(fs_out, "fs_out") / _rate(fs_in, "fs_in")
    up, down = ratio.numerator, ratio.denominator
    if up > MAX_RESAMPLE_FACTOR or down > MAX_RESAMPLE_FACTOR:
        raise ParameterError(
            f"fs_out / fs_in = {fs_out} / {fs_in} reduces to {up} / {down}; up and down must be "
            f"<= {MAX_RESAMPLE_FACTOR}"
        )
    return up, down


def resample(x: np.ndarray, fs_in: float, fs_out: float) -> np.ndarray:
    """Resample along the last axis from ``fs_in`` to ``fs_out`` Hz (polyphase filter).

    Uses ``scipy.signal.resample_poly(x, up, down, axis=-1)`` with ``up / down`` the
    reduced ratio ``fs_out / fs_in`` (360 -> 100 Hz: up 5, down 18), its default Kaiser
    FIR low-pass filter and zero padding at the ends (so the first and last few output
    samples are damped). ``resample_poly`` returns ``ceil(samples * up / down)`` samples;
    the result is cut to ``round(samples * up / down)`` (half rounded up), i.e. one
    trailing sample fewer when the fractional part is below 1/2. Output is float32 (the
    filter runs in float64). Equal rates return a float32 copy.

    Raises:
        ParameterError: a rate is not positive and finite, or the reduced ``up`` or
            ``down`` exceeds :data:`MAX_RESAMPLE_FACTOR`.

    >>> resample(np.ones((2, 360)), 360, 100).shape, resample(np.ones(100), 100, 500).shape
    ((2, 100), (500,))
    """
    up, down = resample_factors(fs_in, fs_out)
    a = np.asarray(x)
    if a.ndim < 1:
        raise ParameterError("x must have a sample axis, got a scalar")
    if up == down:
        return a.astype(np.float32)
    n_out = (a.shape[-1] * up + down // 2) // down
    out = resample_poly(np.asarray(a, dtype=np.float64), up, down, axis=-1)
    return out[..., :n_out].astype(np.float32)
