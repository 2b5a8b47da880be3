"""Drawing beat trains into signals, batched over records.

Every wave instance is evaluated only on the samples of its support; all instances of a
batch are accumulated into a ``(records, 3, samples)`` dipole course (the VCG) with one
``np.bincount`` per dipole axis, then projected onto the 8 independent leads. Each
record's result depends only on its own beats (never on the batch it is drawn in), so
output is identical however records are chunked or spread over processes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ecgstudy.synthetic.atrial import FWaveParams
from ecgstudy.synthetic.beats import BeatTrain
from ecgstudy.synthetic.leads import DOWER_MATRIX, derive_twelve, lead_rows
from ecgstudy.synthetic.waves import _EDGE, SUPPORT_SIGMAS


def _ragged(lo: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Instance index and sample index of every (instance, sample) pair, flattened."""
    total = int(count.sum())
    inst = np.repeat(np.arange(count.size), count)
    first = np.cumsum(count) - count
    sample = np.arange(total, dtype=np.int64) - np.repeat(first - lo, count)
    return inst, sample


def render_vcg(trains: Sequence[BeatTrain], fwaves: Sequence[FWaveParams | None], *,
               fs: float, n_samples: int) -> np.ndarray:
    """Clean dipole course of each record.

    Args:
        trains: one beat train per record (R times in s from the record's first sample).
        fwaves: per record, AF f-wave parameters or ``None``.
        fs: sampling rate (Hz). n_samples: samples per record.

    Returns:
        ``(records, 3, n_samples)`` float64, mV (x, y, z).
    """
    n_rec = len(trains)
    size = n_rec * n_samples
    rec_parts, c_parts, sl_parts, sr_parts, v_parts = [], [], [], [], []
    st_parts: list[tuple[np.ndarray, ...]] = []
    for b, tr in enumerate(trains):
        c, sl, sr, v = tr.wave_table()
        rec_parts.append(np.full(c.size, b, dtype=np.int64))
        c_parts.append(c), sl_parts.append(sl), sr_parts.append(sr), v_parts.append(v)
        s0, s1, ramp, sv = tr.st_table()
        if s0.size:
            st_parts.append((np.full(s0.size, b, dtype=np.int64), s0, s1, ramp, sv))
    vcg = np.zeros((3, size), dtype=np.float64)
    if n_rec == 0:
        return vcg.reshape(3, 0, n_samples).transpose(1, 0, 2)

    # Tapered Gaussians on their supports.
    rec = np.concatenate(rec_parts)
    c = np.concatenate(c_parts)
    sl = np.concatenate(sl_parts)
    sr = np.concatenate(sr_parts)
    v = np.concatenate(v_parts)
    lo = np.maximum(np.ceil((c - SUPPORT_SIGMAS * sl) * fs).astype(np.int64), 0)
    hi = np.minimum(np.floor((c + SUPPORT_SIGMAS * sr) * fs).astype(np.int64), n_samples - 1)
    inst, sample = _ragged(lo, np.maximum(hi - lo + 1, 0))
    d = sample / fs - c[inst]
    x = d / np.where(d < 0, sl[inst], sr[inst])
    g = np.exp(-0.5 * x * x)
    g -= _EDGE
    g *= 1.0 / (1.0 - _EDGE)
    np.maximum(g, 0.0, out=g)
    flat = rec[inst] * n_samples + sample
    for k in range(3):
        vcg[k] += np.bincount(flat, weights=g * v[inst, k], minlength=size)

    # ST plateaus (raised-cosine edges).
    if st_parts:
        srec, s0, s1, ramp, sv = (np.concatenate(p) for p in zip(*st_parts))
        ramp = np.minimum(ramp, 0.5 * (s1 - s0))
        lo = np.maximum(np.ceil(s0 * fs).astype(np.int64), 0)
        hi = np.minimum(np.floor(s1 * fs).astype(np.int64), n_samples - 1)
        inst, sample = _ragged(lo, np.maximum(hi - lo + 1, 0))
        t = sample / fs
        u = np.minimum(t - s0[inst], s1[inst] - t) / np.maximum(ramp[inst], 1e-12)
        w = 0.5 * (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0)))
        flat = srec[inst] * n_samples + sample
        for k in range(3):
            vcg[k] += np.bincount(flat, weights=w * sv[inst, k], minlength=size)

    vcg = vcg.reshape(3, n_rec, n_samples).transpose(1, 0, 2).copy()
    t_all = None
    for b, fw in enumerate(fwaves):
        if fw is not None and fw.amplitude_mV > 0:
            if t_all is None:
                t_all = np.arange(n_samples, dtype=np.float64) / fs
            vcg[b] += np.asarray(fw.direction)[:, None] * fw.course(t_all)[None, :]
    return vcg


def project_independent(vcg: np.ndarray) -> np.ndarray:
    """``(records, 3, samples)`` dipole -> ``(records, 8, samples)`` float32 leads I, II, V1..V6."""
    v32 = vcg.astype(np.float32)
    d = DOWER_MATRIX.astype(np.float32)
    out = d[None, :, 0, None] * v32[:, None, 0, :]
    out += d[None, :, 1, None] * v32[:, None, 1, :]
    out += d[None, :, 2, None] * v32[:, None, 2, :]
    return out


def select_leads(independent: np.ndarray, lead_names: Sequence[str]) -> np.ndarray:
    """``(records, 8, samples)`` -> ``(records, len(lead_names), samples)`` float32.

    Derived limb leads are computed from the given (possibly noisy) I and II, so
    Einthoven/Goldberger identities hold exactly on the result.
    """
    rows = lead_rows(lead_names)
    twelve = derive_twelve(independent)
    if len(rows) == 12 and np.array_equal(rows, np.arange(12)):
        return twelve
    return np.ascontiguousarray(twelve[:, rows])
