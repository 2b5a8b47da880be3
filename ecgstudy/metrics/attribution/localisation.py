"""Localisation: how well an attribution map points at an annotated region (beats, waves).

Every function takes maps ``(batch, samples)`` or ``(batch, leads, samples)`` (numpy or torch)
and bool region masks of the same shape, and returns one score per record, ``(batch,)`` float64.
A record's leads count together (the map is flattened over leads x samples); for one score per
lead reshape to ``(batch * leads, samples)`` first. Maps are used as given: apply ``abs`` or a ReLU
first where the method's sign means something else. With ``R`` the region, ``N`` the samples:

* :func:`mass_share`: ``sum_R a+ / sum a+`` (``a+`` the positive part): Quantus'
  ``RelevanceMassAccuracy`` for non-negative maps; :func:`mass_ratio`: that share over
  ``|R| / N`` (1: no preference for the region, ``N / |R|``: all the positive mass inside).
  Both reuse :func:`ecgstudy.explain.region_mass.region_mass`.
* :func:`auroc`: the area under the ROC curve of the map as a score for the mask, i.e. the chance
  that a region sample outranks an outside sample, ties counted one half (= scikit-learn's
  ``roc_auc_score``); 0.5 for a map that does not tell them apart.
* :func:`pointing_game`: whether the maximum lies in the region, widened by ``tolerance`` samples
  on each side along the time axis. With ties at the maximum it is the share of the maximal
  samples that are inside (a flat map scores ``|R| / N``, the chance level); Quantus counts a hit
  if any of them is inside.
* :func:`rank_accuracy`: relevance rank accuracy (Arras et al. 2022): the share of the ``|R|``
  highest-ranked samples that lie in ``R``. Ties at the ``|R|``-th value are shared out evenly
  (the expectation over random tie-breaking), so a flat map scores ``|R| / N``; Quantus breaks
  them by ``argsort`` order.

Every score is NaN for a record whose region is empty (and the AUROC also when it covers the
whole record; the mass scores also when the map has no positive mass).

>>> a = np.array([[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]])
>>> m = a > 0                                       # the map lies exactly on the region
>>> float(mass_ratio(a, m)[0]), float(auroc(a, m)[0]), float(pointing_game(a, m)[0]), float(rank_accuracy(a, m)[0])
(4.0, 1.0, 1.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.stats import rankdata

from ecgstudy.errors import ParameterError
from ecgstudy.explain.region_mass import region_mass
from ecgstudy.metrics.attribution._arrays import as_numpy, batch_maps, maps_and_masks

#: The keys of :func:`localisation_scores`.
LOCALISATION_KEYS = ("mass_share", "mass_ratio", "auroc", "pointing_game", "rank_accuracy")


def _empty_to_nan(scores: np.ndarray, m: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    scores[m.sum(axis=1) == 0] = np.nan
    return scores


def mass_share(maps: Any, masks: Any) -> np.ndarray:
    """Share of each map's positive mass inside the region, ``(batch,)``.

    >>> float(mass_share([[1.0, 3.0, -2.0, 0.0]], [[True, False, False, False]])[0])
    0.25
    """
    a, m = maps_and_masks(maps, masks)
    return _empty_to_nan(region_mass(a, m)["share"], m)


def mass_ratio(maps: Any, masks: Any) -> np.ndarray:
    """:func:`mass_share` over the region's share of the signal ``|R| / N``, ``(batch,)``.

    >>> float(mass_ratio([[1.0, 3.0, -2.0, 0.0]], [[True, False, False, False]])[0])   # 0.25 / 0.25
    1.0
    """
    a, m = maps_and_masks(maps, masks)
    return region_mass(a, m)["ratio"]


def auroc(maps: Any, masks: Any) -> np.ndarray:
    """AUROC of each map against its mask (Mann-Whitney U with average ranks), ``(batch,)``; NaN
    when the region is empty or covers every sample.

    >>> float(auroc([[0.1, 0.4, 0.35, 0.8]], [[False, False, True, True]])[0])
    0.75
    """
    a, m = maps_and_masks(maps, masks)
    ranks = rankdata(a, axis=1)
    n_in = m.sum(axis=1).astype(np.float64)
    n_out = m.shape[1] - n_in
    u = (ranks * m).sum(axis=1) - n_in * (n_in + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n_in > 0) & (n_out > 0), u / (n_in * n_out), np.nan)


def widen(masks: Any, tolerance: int) -> np.ndarray:
    """Masks ``(..., samples)`` widened by ``tolerance`` samples on each side along the last axis.

    >>> widen([[False, False, True, False, False, False]], 1).astype(int).tolist()
    [[0, 1, 1, 1, 0, 0]]
    """
    m = as_numpy(masks, dtype=bool)
    if int(tolerance) != tolerance or tolerance < 0:
        raise ParameterError(f"tolerance must be a whole number of samples >= 0, got {tolerance!r}")
    if tolerance == 0:
        return m
    return maximum_filter1d(m.astype(np.uint8), size=2 * int(tolerance) + 1, axis=-1, mode="constant") > 0


def pointing_game(maps: Any, masks: Any, *, tolerance: int = 0) -> np.ndarray:
    """Whether each map's maximum lies in its region widened by ``tolerance`` samples, ``(batch,)``
    (the share of the maximal samples inside when several tie).

    >>> a = [[0.0, 0.0, 0.0, 0.0, 1.0, 0.0]]
    >>> m = [[False, False, True, False, False, False]]
    >>> float(pointing_game(a, m)[0]), float(pointing_game(a, m, tolerance=2)[0])
    (0.0, 1.0)
    >>> float(pointing_game([[1.0, 1.0, 1.0, 1.0]], [[True, False, False, False]])[0])
    0.25
    """
    a = batch_maps(maps)
    _, m = maps_and_masks(a, masks)
    hit = widen(as_numpy(masks, dtype=bool), tolerance).reshape(m.shape)
    a = a.reshape(m.shape)
    top = a == a.max(axis=1, keepdims=True)
    return _empty_to_nan((top & hit).sum(axis=1) / top.sum(axis=1), m)


def rank_accuracy(maps: Any, masks: Any) -> np.ndarray:
    """Share of the ``|R|`` highest-ranked samples that lie in the region ``R``, ties at the cut
    shared out evenly, ``(batch,)``.

    >>> float(rank_accuracy([[0.9, 0.1, 0.8, 0.2]], [[True, True, False, False]])[0])
    0.5
    >>> float(rank_accuracy([[1.0, 0.0, 0.0, 0.0]], [[True, True, False, False]])[0])   # (1 + 1/3) / 2
    0.6666666666666666
    """
    a, m = maps_and_masks(maps, masks)
    k = m.sum(axis=1)
    cut = -np.sort(-a, axis=1)[np.arange(len(a)), np.maximum(k, 1) - 1][:, None]  # the k-th largest value
    above, tied = a > cut, a == cut
    n_above = above.sum(axis=1)
    from_ties = (k - n_above) * (tied & m).sum(axis=1) / tied.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = ((above & m).sum(axis=1) + from_ties) / k
    return _empty_to_nan(scores, m)


def localisation_scores(maps: Any, masks: Any, *, tolerance: int = 0) -> dict[str, np.ndarray]:
    """All the localisation scores, ``{key: (batch,)}`` with keys :data:`LOCALISATION_KEYS`
    (``tolerance`` for the pointing game).

    >>> s = localisation_scores([[0.0, 2.0, 1.0, 0.0]], [[False, True, False, False]])
    >>> {k: round(float(v[0]), 3) for k, v in s.items()}
    {'mass_share': 0.667, 'mass_ratio': 2.667, 'auroc': 1.0, 'pointing_game': 1.0, 'rank_accuracy': 1.0}
    """
    return {
        "mass_share": mass_share(maps, masks),
        "mass_ratio": mass_ratio(maps, masks),
        "auroc": auroc(maps, masks),
        "pointing_game": pointing_game(maps, masks, tolerance=tolerance),
        "rank_accuracy": rank_accuracy(maps, masks),
    }
