"""Does a map cover each annotated abnormal beat type of a multi-label window?

For a window with beats (R peaks and symbols) and a non-negative map on the window's
samples (e.g. xECGNet's attention ``M`` upsampled to the input length), each *beat-local*
class present in the window gets

* ``mass``: the share of the map's mass inside the beats of that class,
* ``share``: the share of the window those beats occupy (what a uniform map would give),
* ``ratio = mass / share``: above 1 the map concentrates on that class's beats.

A window is *covered* for a class when ``ratio > 1``; a window with two or more beat-local
classes is *fully covered* when every one of them is. Beat extents are RR cells
(:func:`ecgstudy.explain.beat_masks.extents_from_peaks`: a beat starts one third of the
preceding RR interval before its R peak and ends where the next beat starts).

Only classes carried by a few beats are beat-local (PVC, APB/PAC, fusion). Conduction
classes (LBBB, RBBB, paced) and rhythms (AF) cover every beat of their windows, so a share
near 1 leaves nothing to localise; they are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError
from ecgstudy.explain.beat_masks import extents_from_peaks

#: Beat-local classes and the beat symbols that carry them (MIT-BIH symbols; the synthetic
#: generator uses ``A`` and ``V``).
BEAT_CLASS_SYMBOLS: dict[str, tuple[str, ...]] = {
    "PVC": ("V",),
    "APB": ("A", "a", "J", "S"),
    "PAC": ("A", "a", "J", "S"),
    "Fusion": ("F",),
}


def class_masks(peaks: np.ndarray, symbols: Sequence[str], n_samples: int, *, fs: float,
                classes: Sequence[str]) -> dict[str, np.ndarray]:
    """Per-sample masks ``(n_samples,)`` bool of the beats of each class in ``classes``.

    >>> m = class_masks(np.array([100, 400, 700]), ["N", "V", "N"], 1000, fs=100, classes=["PVC"])
    >>> int(m["PVC"].sum()), int(np.flatnonzero(m["PVC"])[0])
    (300, 200)
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    symbols = np.asarray(symbols).astype(str)
    start, stop = extents_from_peaks(peaks, 0, n_samples, fs=fs)
    out = {}
    for cls in classes:
        if cls not in BEAT_CLASS_SYMBOLS:
            raise ParameterError(f"{cls!r} is not a beat-local class; known: {sorted(BEAT_CLASS_SYMBOLS)}")
        which = np.isin(symbols, BEAT_CLASS_SYMBOLS[cls])
        mask = np.zeros(n_samples, bool)
        for a, b in zip(start[which], stop[which]):
            mask[a:b] = True
        out[cls] = mask
    return out


def coverage_scores(maps: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                    beats: Callable[[int], tuple[np.ndarray, np.ndarray]], *, fs: float) -> pd.DataFrame:
    """One row per (window, beat-local class present): ``window, class, mass, share, ratio, covered``.

    Args:
        maps: ``(n, samples)`` one non-negative map per window, or ``(n, n_classes, samples)``
            one map per class (a class is then scored on its own map, e.g. response maps).
        labels: ``(n, n_classes)`` 0/1; a class is scored where its label is 1 and its beats exist.
        class_names: one per label column.
        beats: ``beats(i)`` -> ``(R-peak samples, symbols)`` of window ``i`` (on the map's samples).
        fs: Hz of the map's samples.
    """
    maps = np.asarray(maps, dtype=np.float64)
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.shape[1] != len(class_names) or len(labels) != len(maps):
        raise ParameterError(f"labels {labels.shape} must be (n_windows={len(maps)}, {len(class_names)})")
    per_class = maps.ndim == 3
    if per_class and maps.shape[1] != len(class_names):
        raise ParameterError(f"per-class maps {maps.shape} need one map per class ({len(class_names)})")
    if np.any(maps < 0) or not np.all(np.isfinite(maps)):
        raise ParameterError("maps must be finite and non-negative")
    local = [(k, c) for k, c in enumerate(class_names) if c in BEAT_CLASS_SYMBOLS]
    rows = []
    for i in range(len(maps)):
        present = [(k, c) for k, c in local if labels[i, k]]
        if not present:
            continue
        peaks, symbols = beats(i)
        masks = class_masks(peaks, symbols, maps.shape[-1], fs=fs, classes=[c for _, c in present])
        for k, c in present:
            mask = masks[c]
            if not mask.any():
                continue
            m = maps[i, k] if per_class else maps[i]
            total = m.sum()
            mass = float(m[mask].sum() / total) if total > 0 else float("nan")
            share = float(mask.mean())
            rows.append({"window": i, "class": c, "mass": mass, "share": share,
                         "ratio": mass / share, "covered": bool(mass / share > 1)})
    return pd.DataFrame(rows, columns=["window", "class", "mass", "share", "ratio", "covered"])


def coverage_summary(scores: pd.DataFrame) -> dict[str, float | int | dict]:
    """Per class: mean ``ratio`` and the fraction covered; windows with >= 2 beat-local classes:
    how many, and the fraction fully covered.

    >>> s = pd.DataFrame({"window": [0, 0, 1], "class": ["PVC", "APB", "PVC"], "mass": [.5, .2, .4],
    ...                   "share": [.25, .25, .2], "ratio": [2., .8, 2.], "covered": [True, False, True]})
    >>> out = coverage_summary(s)
    >>> out["per_class"]["PVC"]["ratio"], out["n_multi"], out["multi_fully_covered"]
    (2.0, 1, 0.0)
    """
    per_class = {
        c: {"ratio": float(g["ratio"].mean()), "covered": float(g["covered"].mean()), "n": int(len(g))}
        for c, g in scores.groupby("class", sort=True)
    }
    by_window = scores.groupby("window")
    multi = by_window.filter(lambda g: len(g) >= 2)
    fully = multi.groupby("window")["covered"].all() if len(multi) else pd.Series(dtype=bool)
    return {
        "per_class": per_class,
        "n_scored": int(len(scores)),
        "mean_ratio": float(scores["ratio"].mean()) if len(scores) else float("nan"),
        "covered": float(scores["covered"].mean()) if len(scores) else float("nan"),
        "n_multi": int(len(fully)),
        "multi_fully_covered": float(fully.mean()) if len(fully) else float("nan"),
    }
