"""Beats as sums of waves, and their exact fiducial points.

A :class:`BeatMorphology` is the shape of a beat relative to its R time (groups of P,
QRS and T waves plus an optional ST shift); a :class:`Beat` places one at a time. A
:class:`BeatTrain` is the array form of a record's beats that the renderer consumes.

Ground truth of one beat (times relative to R, then ``+ r_time_s``; samples are
``round(time * fs)``):

* ``p_on`` / ``p_off``: earliest onset / latest offset of the P waves (each wave's
  onset = centre - 3 sigma, offset = centre + 3 sigma_right, see :mod:`.waves`);
  ``p_peak``: centre of the P wave with the largest ``|amplitude|``.
* ``qrs_on`` / ``qrs_off``: the same over the QRS waves; ``qrs_peak``: the R time
  itself (the generator centres the dominant QRS wave there).
* ``t_on`` / ``t_peak`` / ``t_off``: as for P, over the T waves.
* A group without waves gives -1 in the fiducial table (e.g. no P in a PVC or in AF).

The ST shift (if any) spans ``[qrs_off, t_off]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError
from ecgstudy.synthetic.waves import StShift, WaveParams


@dataclass(frozen=True)
class _MorphArrays:
    """Array form of a morphology (seconds, relative to R)."""

    center: np.ndarray       # (w,)
    sigma_l: np.ndarray      # (w,)
    sigma_r: np.ndarray      # (w,)
    vec: np.ndarray          # (w, 3) amplitude * direction, mV
    is_qrs: np.ndarray       # (w,) bool
    fid: np.ndarray          # (9,) seconds, NaN where absent
    st_vec: np.ndarray | None  # (3,) mV
    st_ramp: float


@dataclass(frozen=True, kw_only=True)
class BeatMorphology:
    """Shape of one beat relative to its R time.

    Attributes:
        qrs: QRS waves (at least one), e.g. Q, R, S (+ R' in RBBB).
        p: P waves (empty: no P, e.g. PVC or AF).
        t: T waves (empty: no T).
        st: ST shift from the J point to the T offset (needs ``t``).
        name: free label, e.g. ``"sinus"``, ``"pvc"``.
    """

    qrs: tuple[WaveParams, ...]
    p: tuple[WaveParams, ...] = ()
    t: tuple[WaveParams, ...] = ()
    st: StShift | None = None
    name: str = ""

    def __post_init__(self) -> None:
        for group in ("qrs", "p", "t"):
            waves = tuple(getattr(self, group))
            if not all(isinstance(w, WaveParams) for w in waves):
                raise ParameterError(f"BeatMorphology.{group} must hold WaveParams")
            object.__setattr__(self, group, waves)
        if not self.qrs:
            raise ParameterError("BeatMorphology: qrs must hold at least one wave")
        if self.st is not None and not self.t:
            raise ParameterError("BeatMorphology: an ST shift needs a T wave (it ends at the T offset)")

    @staticmethod
    def _group_fid(waves: tuple[WaveParams, ...]) -> tuple[float, float, float]:
        if not waves:
            return (np.nan, np.nan, np.nan)
        on = min(w.onset_ms for w in waves)
        off = max(w.offset_ms for w in waves)
        peak = max(waves, key=lambda w: abs(w.amplitude_mV)).center_ms
        return (on, peak, off)

    @cached_property
    def fiducials_ms(self) -> dict[str, float]:
        """Fiducial times relative to R (ms), NaN where the group is absent."""
        p = self._group_fid(self.p)
        q_on, _, q_off = self._group_fid(self.qrs)
        t = self._group_fid(self.t)
        vals = (*p, q_on, 0.0, q_off, *t)
        return dict(zip(FIDUCIAL_COLUMNS, vals))

    @cached_property
    def arrays(self) -> _MorphArrays:
        waves = self.p + self.qrs + self.t
        is_qrs = np.zeros(len(waves), dtype=bool)
        is_qrs[len(self.p): len(self.p) + len(self.qrs)] = True
        fid = np.array([self.fiducials_ms[c] for c in FIDUCIAL_COLUMNS], dtype=np.float64) * 1e-3
        return _MorphArrays(
            center=np.array([w.center_ms for w in waves]) * 1e-3,
            sigma_l=np.array([w.sigma_ms for w in waves]) * 1e-3,
            sigma_r=np.array([w.sigma_r_ms for w in waves]) * 1e-3,
            vec=np.array([np.multiply(w.direction, w.amplitude_mV) for w in waves]).reshape(-1, 3),
            is_qrs=is_qrs,
            fid=fid,
            st_vec=None if self.st is None else np.asarray(self.st.vector_mV, dtype=np.float64),
            st_ramp=0.0 if self.st is None else self.st.ramp_ms * 1e-3,
        )


@dataclass(frozen=True, kw_only=True)
class Beat:
    """One beat placed in a record.

    Attributes:
        r_time_s: time of the R reference (s from the record's first sample).
        morphology: the beat's shape.
        symbol: WFDB beat symbol (``N`` normal, ``L``/``R`` bundle branch block,
            ``A`` atrial premature, ``V`` ventricular premature).
        qrs_scale: multiplies the QRS waves' amplitudes (respiratory modulation).
    """

    r_time_s: float
    morphology: BeatMorphology
    symbol: str = "N"
    qrs_scale: float = 1.0

    def __post_init__(self) -> None:
        bad = []
        if not np.isfinite(self.r_time_s):
            bad.append(f"r_time_s must be finite, got {self.r_time_s}")
        if not isinstance(self.morphology, BeatMorphology):
            bad.append(f"morphology must be a BeatMorphology, got {type(self.morphology).__name__}")
        if not (isinstance(self.symbol, str) and len(self.symbol) == 1):
            bad.append(f"symbol must be one character (WFDB beat code), got {self.symbol!r}")
        if not np.isfinite(self.qrs_scale):
            bad.append(f"qrs_scale must be finite, got {self.qrs_scale}")
        if bad:
            raise ParameterError("Beat: " + "; ".join(bad))


@dataclass(frozen=True)
class BeatTrain:
    """Array form of a record's beats (what the renderer and ground truth use).

    Attributes:
        r_time_s: ``(k,)`` R times, s.
        symbol: ``(k,)`` beat symbols.
        morph: ``(k,)`` index into ``morphologies``.
        qrs_scale: ``(k,)`` QRS amplitude factors.
        morphologies: the distinct shapes.
    """

    r_time_s: np.ndarray
    symbol: np.ndarray
    morph: np.ndarray
    qrs_scale: np.ndarray
    morphologies: tuple[BeatMorphology, ...]

    @classmethod
    def from_beats(cls, beats: Sequence[Beat]) -> BeatTrain:
        morphs: list[BeatMorphology] = []
        index: dict[int, int] = {}
        m = np.empty(len(beats), dtype=np.int64)
        for i, b in enumerate(beats):
            if not isinstance(b, Beat):
                raise ParameterError(f"beats[{i}] is a {type(b).__name__}, not a Beat")
            key = id(b.morphology)
            if key not in index:
                index[key] = len(morphs)
                morphs.append(b.morphology)
            m[i] = index[key]
        return cls(
            r_time_s=np.array([b.r_time_s for b in beats], dtype=np.float64),
            symbol=np.array([b.symbol for b in beats], dtype="<U1"),
            morph=m,
            qrs_scale=np.array([b.qrs_scale for b in beats], dtype=np.float64),
            morphologies=tuple(morphs),
        )

    def __len__(self) -> int:
        return int(self.r_time_s.shape[0])

    def shifted(self, dt_s: float) -> BeatTrain:
        """The same train with every R time moved by ``dt_s`` seconds."""
        return BeatTrain(self.r_time_s + dt_s, self.symbol, self.morph, self.qrs_scale, self.morphologies)

    def subset(self, keep: np.ndarray) -> BeatTrain:
        return BeatTrain(self.r_time_s[keep], self.symbol[keep], self.morph[keep],
                         self.qrs_scale[keep], self.morphologies)

    def fiducial_times(self) -> np.ndarray:
        """``(k, 9)`` absolute fiducial times (s) in FIDUCIAL_COLUMNS order, NaN if absent."""
        if not self.morphologies:
            return np.zeros((0, len(FIDUCIAL_COLUMNS)))
        fid = np.stack([m.arrays.fid for m in self.morphologies])
        return fid[self.morph] + self.r_time_s[:, None]

    def wave_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All wave instances: centre (s), sigma_l (s), sigma_r (s), vec (n, 3) mV."""
        cs, sls, srs, vs = [], [], [], []
        for j, m in enumerate(self.morphologies):
            idx = np.flatnonzero(self.morph == j)
            if idx.size == 0:
                continue
            a = m.arrays
            cs.append((self.r_time_s[idx, None] + a.center[None, :]).ravel())
            sls.append(np.broadcast_to(a.sigma_l, (idx.size, a.sigma_l.size)).ravel())
            srs.append(np.broadcast_to(a.sigma_r, (idx.size, a.sigma_r.size)).ravel())
            scale = np.where(a.is_qrs[None, :], self.qrs_scale[idx, None], 1.0)
            vs.append((a.vec[None, :, :] * scale[:, :, None]).reshape(-1, 3))
        if not cs:
            z = np.zeros(0)
            return z, z, z, np.zeros((0, 3))
        return np.concatenate(cs), np.concatenate(sls), np.concatenate(srs), np.concatenate(vs)

    def st_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All ST plateaus: start = J (s), end = T offset (s), ramp (s), vec (n, 3) mV."""
        fid = self.fiducial_times()
        starts, ends, ramps, vs = [], [], [], []
        for j, m in enumerate(self.morphologies):
            a = m.arrays
            if a.st_vec is None:
                continue
            idx = np.flatnonzero(self.morph == j)
            starts.append(fid[idx, 5])
            ends.append(fid[idx, 8])
            ramps.append(np.full(idx.size, a.st_ramp))
            vs.append(np.broadcast_to(a.st_vec, (idx.size, 3)))
        if not starts:
            z = np.zeros(0)
            return z, z, z, np.zeros((0, 3))
        return np.concatenate(starts), np.concatenate(ends), np.concatenate(ramps), np.concatenate(vs)
