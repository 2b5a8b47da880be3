"""Faithfulness: does removing what a map calls relevant change the model's score fastest?

A model ``f(x) -> (batch,)`` (a score per record: a logit, a probability, a measurement) is
evaluated on signals ``x`` ``(batch, leads, samples)`` or ``(batch, samples)`` (mV) from which
more and more samples are removed. A map of ``x``'s shape ranks every sample of every lead; a map
``(batch, samples)`` (or ``(batch, 1, samples)``) of a multi-lead ``x`` ranks time samples, and a
removed time sample is removed from every lead.

**Replacement.** A removed sample is not set to 0 (a step to 0 mV is itself a strong feature):
:func:`impute` replaces each run of removed samples of a lead by the straight line joining the
kept samples on either side (flat at the kept neighbour at an edge of the record; the constant
``fill`` when nothing of the lead is kept); on one contiguous interval this is exactly
:func:`ecgstudy.explain.wave_blocking.block_wave`. ``"noisy_linear"`` adds Gaussian noise of sd
``noise_sd`` (mV) to the imputed samples: in 1-D, ROAD's noisy linear imputation (Rong et al.
2022: every removed sample the mean of its neighbours, plus noise) reduces to exactly this, since
the neighbour-mean system is solved by the straight line; the noise keeps the straight segments
from telling the model where the removed samples were.

**Curves.** Samples are removed in steps of ``step`` of the record (``step=0.1``: 0 %, 10 %, ...,
100 %): *deletion* removes the most relevant first, starting from ``x``; *insertion* starts from
the all-removed signal and puts back the most relevant first. The same is done in a seeded random
order (``n_random`` orders, averaged). The area under each curve is the trapezoid over the
fraction removed (inserted), from 0 to 1, in the model score's units. A faithful map makes the
deletion curve fall faster and the insertion curve rise faster than the random order:
:attr:`RemovalCurves.gap` is positive for such a map (random minus relevance area for deletion,
relevance minus random for insertion), per record.

Ties in the map are broken at random (seeded), so a flat map is ranked like a random order.

>>> x = np.array([[0.0, 1.0, 2.0, 3.0]])
>>> impute(x, np.array([[False, True, True, False]])).tolist()
[[0.0, 1.0, 2.0, 3.0]]
>>> impute(x, np.array([[True, False, True, True]])).tolist()
[[1.0, 1.0, 1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.attribution._arrays import as_numpy, batch_maps, like

Replacement = Literal["linear", "noisy_linear"]
REPLACEMENTS: tuple[str, ...] = ("linear", "noisy_linear")
#: Default sd of the noise of ``"noisy_linear"`` in mV (ROAD's 0.01 on unit-scale inputs; a QRS is ~1 mV).
NOISE_SD_MV = 0.01


def impute(signals: Any, removed: Any, *, replacement: Replacement = "linear", noise_sd: float = NOISE_SD_MV,
           seed: int | np.random.Generator = 0, fill: float = 0.0) -> np.ndarray:
    """A copy of ``signals`` ``(..., samples)`` with the ``removed`` samples (bool, same shape)
    replaced by linear interpolation along the last axis (see the module docstring).

    Args:
        replacement: ``"linear"``, or ``"noisy_linear"`` (plus ``N(0, noise_sd)`` on removed samples).
        noise_sd: the noise's sd, in the signal's units (mV).
        seed: seeds the noise (``numpy.random.default_rng``), or a generator.
        fill: the value of a lead with no kept sample.

    >>> impute(np.array([[4.0, 9.0, 9.0, 0.0]]), np.array([[False, True, True, False]])).tolist()
    [[4.0, 2.666666666666667, 1.3333333333333335, 0.0]]
    >>> y = impute(np.zeros((1, 6)), np.array([[0, 1, 1, 0, 0, 0]], bool), replacement="noisy_linear", noise_sd=1.0)
    >>> bool((y[0, [0, 3, 4, 5]] == 0).all()), bool((y[0, 1:3] != 0).all())
    (True, True)
    """
    if replacement not in REPLACEMENTS:
        raise ParameterError(f"replacement={replacement!r}: expected one of {', '.join(REPLACEMENTS)}")
    x = as_numpy(signals)
    r = as_numpy(removed, dtype=bool)
    if x.shape != r.shape or x.ndim < 1:
        raise ParameterError(f"signals {x.shape} and removed {r.shape} differ in shape")
    out = x.copy()
    flat_x, flat_r, flat_out = x.reshape(-1, x.shape[-1]), r.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1])
    t = np.arange(x.shape[-1])
    for row in np.flatnonzero(flat_r.any(axis=1)):
        kept = np.flatnonzero(~flat_r[row])
        gone = flat_r[row]
        flat_out[row, gone] = np.interp(t[gone], kept, flat_x[row, kept]) if kept.size else fill
    if replacement == "noisy_linear":
        if not noise_sd >= 0:
            raise ParameterError(f"noise_sd must be >= 0 (mV), got {noise_sd}")
        rng = np.random.default_rng(seed)
        out[r] += rng.normal(0.0, noise_sd, int(r.sum()))
    return out


@dataclass(frozen=True)
class RemovalCurves:
    """Model scores as samples are removed (deletion) or put back (insertion).

    Attributes:
        kind: ``"deletion"`` or ``"insertion"``.
        fractions: ``(steps + 1,)`` the share of the samples removed (deletion) or put back
            (insertion) at each step, from 0 to 1.
        relevance: ``(batch, steps + 1)`` scores in the map's order, most relevant first.
        random: ``(batch, steps + 1)`` scores in random order (mean over the random orders).
        replacement: how removed samples were replaced.
    """

    kind: str
    fractions: np.ndarray
    relevance: np.ndarray
    random: np.ndarray
    replacement: str

    @property
    def auc_relevance(self) -> np.ndarray:
        """``(batch,)`` area under the relevance-order curve (trapezoid over the fraction)."""
        return np.trapezoid(self.relevance, self.fractions, axis=1)

    @property
    def auc_random(self) -> np.ndarray:
        """``(batch,)`` area under the random-order curve."""
        return np.trapezoid(self.random, self.fractions, axis=1)

    @property
    def gap(self) -> np.ndarray:
        """``(batch,)`` how much the map's order beats random: ``auc_random - auc_relevance`` for
        deletion, ``auc_relevance - auc_random`` for insertion (positive: better than random)."""
        d = self.auc_random - self.auc_relevance
        return d if self.kind == "deletion" else -d


def _call(f: Callable[[Any], Any], x: np.ndarray, template: Any) -> np.ndarray:
    """``f`` on ``x`` given as ``template`` is (a tensor of its dtype and device, or a numpy array)."""
    with torch.no_grad():
        y = as_numpy(f(like(x, template)))
    if y.shape != (x.shape[0],):
        raise ParameterError(f"the model must return one score per record, shape ({x.shape[0]},), got {y.shape}")
    return y


def _unit_maps(maps: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, bool]:
    """Maps ``(batch, units)`` and whether a unit is a time sample of every lead."""
    a = batch_maps(maps)
    if len(shape) == 3 and a.ndim == 3 and a.shape[1] == 1 and shape[1] > 1:
        a = a[:, 0]
    if a.shape == shape:
        return a.reshape(shape[0], -1), False
    if len(shape) == 3 and a.shape == (shape[0], shape[2]):
        return a, True
    raise ParameterError(f"maps {a.shape} fit neither the inputs {shape} nor their time axis")


def ranks(maps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(batch, units)`` the position of every unit when sorted by relevance, most relevant at 0
    (ties in random order).

    >>> ranks(np.array([[0.1, 0.9, 0.5]]), np.random.default_rng(0)).tolist()
    [[2, 0, 1]]
    """
    order = np.lexsort((rng.random(maps.shape), -maps), axis=1)
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(maps.shape[1])[None, :].repeat(len(maps), 0), axis=1)
    return pos


def removal_curves(f: Callable[[Any], Any], inputs: Any, maps: Any, *,
                   kind: Literal["deletion", "insertion"] = "deletion", step: float = 0.05,
                   replacement: Replacement = "linear", noise_sd: float = NOISE_SD_MV, n_random: int = 1,
                   seed: int = 0, fill: float = 0.0, random: np.ndarray | None = None) -> RemovalCurves:
    """Deletion or insertion curves of ``f`` in the map's order and in random order.

    Args:
        f: the model, ``f(x) -> (batch,)``; it gets ``x`` as ``inputs`` is (a torch tensor of its
            dtype and device, evaluated under ``no_grad``, or a numpy array).
        inputs: ``(batch, leads, samples)`` or ``(batch, samples)`` signals, mV.
        maps: ``inputs``' shape, or ``(batch, samples)`` / ``(batch, 1, samples)`` for time samples.
        kind: ``"deletion"`` (most relevant removed first) or ``"insertion"`` (put back first).
        step: the share of the samples removed per step, in (0, 1]; the last step removes all.
        replacement, noise_sd, fill: see :func:`impute`.
        n_random: random orders averaged for :attr:`RemovalCurves.random`.
        seed: seeds the random orders, the tie-breaking and the noise.
        random: :attr:`RemovalCurves.random` of an earlier call with the same ``f``, ``inputs``, ``kind``,
            ``step``, replacement, ``n_random``, ``seed`` and map units: the random orders do not depend on
            the map, so several maps of the same inputs need them once (``f`` is then called ``steps + 1``
            times).

    Returns:
        :class:`RemovalCurves`; ``f`` is called ``(steps + 1) * (1 + n_random)`` times on the batch.

    >>> w = np.array([0.0, 3.0, 0.0, 1.0])                       # a linear model: score = w . x
    >>> f = lambda x: x @ w
    >>> x = np.array([[0.0, 1.0, 0.0, 1.0]])                     # score 4
    >>> c = removal_curves(f, x, w[None], step=0.25)
    >>> c.fractions.tolist(), c.relevance[0].tolist()            # removes w=3 first, then w=1
    ([0.0, 0.25, 0.5, 0.75, 1.0], [4.0, 1.0, 0.0, 0.0, 0.0])
    >>> round(float(c.auc_relevance[0]), 4)
    0.75
    """
    if kind not in ("deletion", "insertion"):
        raise ParameterError(f"kind={kind!r}: expected 'deletion' or 'insertion'")
    if not 0 < step <= 1:
        raise ParameterError(f"step must be a share of the record in (0, 1], got {step}")
    if int(n_random) != n_random or n_random < 1:
        raise ParameterError(f"n_random must be a whole number >= 1, got {n_random}")
    x = batch_maps(inputs, "inputs")
    a, per_time = _unit_maps(maps, x.shape)
    n_units = a.shape[1]
    n_steps = int(np.ceil(1 / step - 1e-9))
    counts = np.round(np.minimum(np.arange(n_steps + 1) * step, 1.0) * n_units).astype(int)
    rngs = [np.random.default_rng([seed, k]) for k in range(2 + n_random)]

    def curve(pos: np.ndarray, noise_rng: np.random.Generator) -> np.ndarray:
        scores = []
        for c in counts:
            removed = pos < c if kind == "deletion" else pos >= c
            if per_time:
                removed = np.repeat(removed[:, None, :], x.shape[1], axis=1)
            x_mod = impute(x, removed.reshape(x.shape), replacement=replacement, noise_sd=noise_sd,
                           seed=noise_rng, fill=fill)
            scores.append(_call(f, x_mod, inputs))
        return np.stack(scores, axis=1)

    relevance = curve(ranks(a, rngs[0]), rngs[1])
    if random is None:
        random = np.mean([curve(ranks(np.zeros_like(a), r), r) for r in rngs[2:]], axis=0)
    elif np.shape(random) != relevance.shape:
        raise ParameterError(f"random scores {np.shape(random)}: expected {relevance.shape} (batch, steps + 1)")
    return RemovalCurves(kind, counts / n_units, relevance, np.asarray(random, dtype=np.float64), replacement)


def deletion_curves(f: Callable[[Any], Any], inputs: Any, maps: Any, **kwargs: Any) -> RemovalCurves:
    """:func:`removal_curves` with ``kind="deletion"``."""
    return removal_curves(f, inputs, maps, kind="deletion", **kwargs)


def insertion_curves(f: Callable[[Any], Any], inputs: Any, maps: Any, **kwargs: Any) -> RemovalCurves:
    """:func:`removal_curves` with ``kind="insertion"``."""
    return removal_curves(f, inputs, maps, kind="insertion", **kwargs)
