"""How much of an attention map's mass lies in a region of the median beat.

A region is a union of intervals built from fiducial points (:data:`~ecgstudy.data.types.FIDUCIAL_COLUMNS`,
in samples of the beat, -1 where absent). Each part is ``(start fiducial, end fiducial,
start offset ms, end offset ms)``: the samples ``start + round(start_ms * fs / 1000)`` to
``end + round(end_ms * fs / 1000)``, both included, clipped to the beat. For example
``("qrs_on", "qrs_off", 0, 0)`` is the QRS complex and ``("t_off", "t_off", -20, 20)`` the
40 ms around the end of T. A region is undefined for a beat when one of its fiducials is
absent or it holds no sample.

:func:`region_mass` scores a non-negative map ``m`` against a region ``R`` of the ``N``
samples: ``share = sum_R m / sum m`` (the map's mass inside the region), ``uniform = |R| / N``
(the share a flat map would put there) and ``ratio = share / uniform`` (1: no preference for
the region; ``1 / uniform``: all the mass inside). Negative map values are set to 0 first; a
map with no mass scores NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError

#: One interval of a region: (start fiducial, end fiducial, start offset ms, end offset ms).
RegionPart = tuple[str, str, float, float]


def _fiducial_matrix(fiducials: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(fiducials, pd.DataFrame):
        return fiducials[list(FIDUCIAL_COLUMNS)].to_numpy(dtype=np.int64)
    f = np.asarray(fiducials, dtype=np.int64)
    if f.ndim == 1:
        f = f[None]
    if f.ndim != 2 or f.shape[1] != len(FIDUCIAL_COLUMNS):
        raise ParameterError(f"fiducials must be (n, {len(FIDUCIAL_COLUMNS)}) in FIDUCIAL_COLUMNS order, "
                             f"got shape {f.shape}")
    return f


def region_masks(fiducials: pd.DataFrame | np.ndarray, parts: Sequence[RegionPart], *, n_samples: int = 600,
                 fs: float = 500.0) -> tuple[np.ndarray, np.ndarray]:
    """Bool masks ``(n, n_samples)`` of the region of every beat, and ``(n,)`` whether it is defined.

    Args:
        fiducials: ``(n, 9)`` in ``FIDUCIAL_COLUMNS`` order (or a DataFrame with those
            columns), samples of the beat, -1 absent.
        parts: the region's intervals (see the module docstring); empty: undefined everywhere.

    >>> f = np.array([[-1, -1, -1, 10, 12, 15, 20, 25, 30]])   # no P wave
    >>> m, ok = region_masks(f, [("qrs_on", "qrs_off", 0, 0)], n_samples=40)
    >>> np.flatnonzero(m[0]).tolist(), ok.tolist()
    ([10, 11, 12, 13, 14, 15], [True])
    >>> region_masks(f, [("p_on", "p_on", -20, 20)], n_samples=40)[1].tolist()
    [False]
    """
    f = _fiducial_matrix(fiducials)
    n = f.shape[0]
    masks = np.zeros((n, n_samples), dtype=bool)
    defined = np.full(n, bool(parts))
    col = {c: i for i, c in enumerate(FIDUCIAL_COLUMNS)}
    for start, end, start_ms, end_ms in parts:
        if start not in col or end not in col:
            raise ParameterError(f"region part ({start!r}, {end!r}): fiducials must be among {FIDUCIAL_COLUMNS}")
        a, b = f[:, col[start]], f[:, col[end]]
        defined &= (a >= 0) & (b >= 0)
        lo = np.clip(a + round(start_ms * fs / 1000.0), 0, n_samples)
        hi = np.clip(b + round(end_ms * fs / 1000.0), -1, n_samples - 1)
        t = np.arange(n_samples)
        masks |= (t[None, :] >= lo[:, None]) & (t[None, :] <= hi[:, None]) & (a >= 0)[:, None] & (b >= 0)[:, None]
    defined &= masks.any(axis=1)
    masks[~defined] = False
    return masks, defined


def region_mass(maps: np.ndarray, masks: np.ndarray) -> dict[str, np.ndarray]:
    """Share of each map's mass inside its region, the uniform share and their ratio.

    Args:
        maps: ``(n, samples)`` or ``(samples,)`` attention maps (negative values count as 0).
        masks: bool, same shape: the region of each map.

    Returns:
        ``{"share", "uniform", "ratio"}``, arrays ``(n,)`` (floats for 1-D input); NaN where the
        map has no mass or the region is empty.

    >>> m = np.zeros(10); m[2:4] = 1.0; m[8] = 2.0        # mass 4, of which 2 in samples 1-4
    >>> mask = np.zeros(10, bool); mask[1:5] = True        # 4 of the 10 samples
    >>> r = region_mass(m, mask)
    >>> float(r["share"]), float(r["uniform"]), float(r["ratio"])
    (0.5, 0.4, 1.25)
    """
    m = np.clip(np.asarray(maps, dtype=np.float64), 0, None)
    k = np.asarray(masks, dtype=bool)
    if m.shape != k.shape:
        raise ParameterError(f"maps {m.shape} and masks {k.shape} differ in shape")
    total = m.sum(axis=-1)
    inside = (m * k).sum(axis=-1)
    uniform = k.mean(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, inside / np.where(total > 0, total, 1.0), np.nan)
        ratio = np.where(uniform > 0, share / np.where(uniform > 0, uniform, 1.0), np.nan)
    uniform = np.where(uniform > 0, uniform, np.nan)
    return {"share": share, "uniform": uniform, "ratio": ratio}
