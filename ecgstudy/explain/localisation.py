"""How well an attention map points at the abnormal beats (per segment).

For segment ``i`` with non-negative attention ``a`` and the abnormal-beat mask ``M``
(:func:`ecgstudy.explain.beat_masks.beat_masks`), over the unpadded region ``U`` only
(padding is ignored):

* ``mass_abnormal`` = ``Σ_{U∩M} a / Σ_U a``: share of the attention inside abnormal beats;
  ``mass_normal`` the same for normal beats.
* ``baseline`` = ``|U∩M| / |U|``: ``mass_abnormal`` of uniform attention.
* ``ratio`` = ``mass_abnormal / baseline`` (1 = no better than uniform; at most
  ``1 / baseline``).
* ``auroc`` = ``roc_auc_score(M[U], a[U])``: the chance that a random abnormal-beat
  sample gets more attention than a random other sample (ties count one half).
* ``pointing`` = pointing game: the share of the samples attaining ``max_U a`` that lie
  in ``M``; 1 or 0 when the maximum is unique (for uniform attention it is ``baseline``).

``mass_*``, ``ratio`` are NaN when the attention sums to 0 on ``U``; ``auroc`` is NaN
when ``U`` holds only abnormal or no abnormal samples.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.explain.beat_masks import (
    ABNORMAL_SYMBOLS,
    NORMAL_SYMBOLS,
    beat_masks,
    region,
)
from ecgstudy.explain.grade import as_attention

COLUMNS = ("segment", "record_id", "label", "n_abnormal", "mass_abnormal", "mass_normal",
           "baseline", "ratio", "auroc", "pointing")


def localise(attention: np.ndarray, abnormal: np.ndarray, normal: np.ndarray | None = None) -> dict[str, float]:
    """Localisation scores of one attention vector against a mask (both already cut to ``U``).

    Args:
        attention: ``(m,)`` non-negative attention on the unpadded samples.
        abnormal: ``(m,)`` bool, abnormal-beat samples.
        normal: ``(m,)`` bool, normal-beat samples (optional; ``mass_normal`` NaN without it).

    >>> a = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    >>> m = np.array([False, False, True, True, False, False, False, False])
    >>> r = localise(a, m)
    >>> r["mass_abnormal"], r["baseline"], r["ratio"], r["auroc"], r["pointing"]
    (1.0, 0.25, 4.0, 1.0, 1.0)
    """
    a = np.asarray(attention, dtype=np.float64)
    m = np.asarray(abnormal, dtype=bool)
    if a.ndim != 1 or a.shape != m.shape:
        raise ParameterError(f"attention and mask must be 1-D of equal length, got {a.shape} and {m.shape}")
    if a.size == 0:
        raise ParameterError("empty unpadded region")
    if np.any(a < 0) or not np.all(np.isfinite(a)):
        raise ParameterError("attention must be finite and non-negative (apply ReLU or abs first)")
    total = a.sum()
    baseline = float(m.mean())
    mass = float(a[m].sum() / total) if total > 0 else math.nan
    mass_normal = math.nan
    if normal is not None and total > 0:
        mass_normal = float(a[np.asarray(normal, dtype=bool)].sum() / total)
    auroc = float(roc_auc_score(m, a)) if 0 < m.sum() < m.size else math.nan
    top = a == a.max()
    return {
        "mass_abnormal": mass,
        "mass_normal": mass_normal,
        "baseline": baseline,
        "ratio": mass / baseline if baseline > 0 else math.nan,
        "auroc": auroc,
        "pointing": float(m[top].mean()),
    }


def localisation_scores(attention: np.ndarray, segments: BeatSegments, *,
                        abnormal: Collection[str] = ABNORMAL_SYMBOLS, normal: Collection[str] = NORMAL_SYMBOLS,
                        window_s: tuple[float, float] | None = None,
                        rr_fraction: float = 2 / 3) -> pd.DataFrame:
    """:func:`localise` for every segment.

    Args:
        attention: ``(n, samples)`` or ``(n, 1, samples)`` non-negative attention.
        segments: the ``BeatSegments`` it was computed on.
        abnormal, normal, window_s, rr_fraction: beat masks (:mod:`ecgstudy.explain.beat_masks`).

    Returns:
        One row per segment with columns :data:`COLUMNS` (``n_abnormal`` = abnormal beats).
    """
    a = as_attention(attention, segments)
    rows = []
    for i in range(len(segments)):
        abn, nor = beat_masks(segments, i, abnormal=abnormal, normal=normal,
                              window_s=window_s, rr_fraction=rr_fraction)
        lo, hi = region(segments, i)
        _, symbols = segments.beats(i)
        row = {"segment": i, "record_id": str(segments.record_ids[i]), "label": str(segments.labels[i]),
               "n_abnormal": int(np.isin(symbols, list(abnormal)).sum())}
        row.update(localise(a[i, lo:hi], abn[lo:hi], nor[lo:hi]))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
