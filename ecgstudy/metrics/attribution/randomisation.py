"""Randomisation sanity check (Adebayo et al. 2018, "Sanity checks for saliency maps").

*Cascading parameter randomisation*: the model's layers are re-initialised one after the other from
the top (the output) down, cumulatively, and the method's maps of the randomised models are compared
with the trained model's maps by their Spearman rank correlation per record. A map that explains the
model must change once the weights it should depend on are gone; a method whose maps barely change
(mean correlation above ``threshold`` with every layer randomised, default 0.5) is flagged: it shows
the input (an edge detector does that), not the model.

A *layer* is a module that owns parameters (a convolution, a linear layer, a batch norm), in the
order the modules were registered (or the order of :func:`forward_order`, or names given). A layer
is re-initialised with its own ``reset_parameters()`` (PyTorch's initialisation; a batch norm also
forgets its running statistics) under ``torch.manual_seed(seed + i)`` for the ``i``-th layer
randomised, inside ``torch.random.fork_rng`` so that the caller's random stream is left as it was; a
module without ``reset_parameters`` (or whose children also hold parameters) gets its own parameters
drawn from a normal with each parameter's mean and sd. Quantus' ``MPRT`` picks every module with a
``reset_parameters`` instead (a whole model's, too, when the model defines one, as the Keras-style
models here do) and seeds every layer alike.

>>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
>>> [name for name, _ in cascading_randomisation(net)]
['2', '0']
>>> float(rank_correlation([[1.0, 2.0, 3.0, 4.0]], [[10.0, 20.0, 40.0, 30.0]])[0])
0.8
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata
from torch import nn

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.attribution._arrays import as_numpy

#: Mean rank correlation with every layer randomised above which a method is flagged.
UNCHANGED_THRESHOLD = 0.5


def parameter_layers(model: nn.Module) -> list[str]:
    """Names of the modules that own parameters, in registration order (input side first).

    >>> parameter_layers(torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(2)))
    ['0', '2']
    """
    return [name for name, m in model.named_modules() if any(True for _ in m.parameters(recurse=False))]


def forward_order(model: nn.Module, example: torch.Tensor) -> list[str]:
    """The modules of :func:`parameter_layers` in the order a forward pass on ``example`` first runs
    them (modules it does not run are left out).

    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.head, self.body = torch.nn.Linear(2, 1), torch.nn.Linear(3, 2)
    ...     def forward(self, x):
    ...         return self.head(self.body(x))
    >>> parameter_layers(Net()), forward_order(Net(), torch.zeros(1, 3))
    (['head', 'body'], ['body', 'head'])
    """
    names = parameter_layers(model)
    seen: list[str] = []
    modules = dict(model.named_modules())
    hooks = [modules[n].register_forward_pre_hook(lambda _m, _i, n=n: seen.append(n) if n not in seen else None)
             for n in names]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for h in hooks:
            h.remove()
    return seen


def reinitialise(module: nn.Module, seed: int) -> None:
    """Draw ``module``'s own parameters afresh (see the module docstring), seeded, leaving the global
    random stream untouched."""
    own = list(module.parameters(recurse=False))
    children_hold = any(any(True for _ in c.parameters()) for c in module.children())
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(seed)
        if hasattr(module, "reset_parameters") and not children_hold:
            module.reset_parameters()
            return
        for p in own:
            std = float(p.std()) if p.numel() > 1 else 1.0
            p.normal_(float(p.mean()), std)


def cascading_randomisation(model: nn.Module, *, seed: int = 0,
                            layers: Sequence[str] | None = None) -> Iterator[tuple[str, nn.Module]]:
    """Copies of ``model`` with its layers re-initialised cumulatively from the top down.

    Args:
        model: left unchanged.
        seed: the ``i``-th layer randomised is seeded with ``seed + i``.
        layers: module names, input side first (default :func:`parameter_layers`); the last is
            randomised first.

    Yields:
        ``(name, randomised)``: the layer just randomised and a fresh copy of the model with it and
        every layer above it re-initialised.
    """
    names = list(parameter_layers(model) if layers is None else layers)
    current = copy.deepcopy(model)
    modules = dict(current.named_modules())
    unknown = [n for n in names if n not in modules]
    if unknown:
        raise ParameterError(f"cascading_randomisation: no module named {unknown}")
    for i, name in enumerate(reversed(names)):
        reinitialise(modules[name], seed + i)
        yield name, copy.deepcopy(current)


def rank_correlation(maps_a: Any, maps_b: Any, *, absolute: bool = False) -> np.ndarray:
    """Spearman rank correlation of two sets of maps per record, ``(batch,)`` (maps
    ``(batch, samples)`` or ``(batch, leads, samples)``, flattened; average ranks for ties); NaN
    where a map is constant. ``absolute``: of ``|a|`` and ``|b|`` (Adebayo et al. show both).

    >>> float(rank_correlation([[1.0, -3.0, 2.0]], [[1.0, 3.0, 2.0]], absolute=True)[0])
    1.0
    """
    a, b = as_numpy(maps_a), as_numpy(maps_b)
    if a.shape != b.shape or a.ndim not in (2, 3):
        raise ParameterError(f"rank_correlation: maps {a.shape} and {b.shape}: expected the same "
                             "(batch, samples) or (batch, leads, samples)")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if absolute:
        a, b = np.abs(a), np.abs(b)
    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)


@dataclass(frozen=True)
class RandomisationResult:
    """Rank correlations between the trained model's maps and the cascadingly randomised models' maps.

    Attributes:
        layers: the layers in the order randomised (top first).
        correlations: ``(n_layers, batch)``: row ``i`` after randomising ``layers[: i + 1]``.
        threshold: the flag's threshold.
    """

    layers: tuple[str, ...]
    correlations: np.ndarray
    threshold: float

    @property
    def mean(self) -> np.ndarray:
        """``(n_layers,)`` mean correlation over records (NaN records left out)."""
        c = self.correlations
        n = np.isfinite(c).sum(axis=1)
        return np.where(n > 0, np.nansum(c, axis=1) / np.maximum(n, 1), np.nan)

    @property
    def unchanged(self) -> bool:
        """Whether the maps survive randomising every layer: the last layer's mean correlation is
        above ``threshold`` (the method is flagged)."""
        return bool(self.mean[-1] > self.threshold)

    def table(self) -> pd.DataFrame:
        """One row per layer: ``layer``, ``depth`` (how many layers randomised), ``mean``,
        ``median``, ``n`` (records with a correlation)."""
        c = self.correlations
        return pd.DataFrame({
            "layer": list(self.layers),
            "depth": np.arange(1, len(self.layers) + 1),
            "mean": self.mean,
            "median": [float(np.median(r[np.isfinite(r)])) if np.isfinite(r).any() else np.nan for r in c],
            "n": np.isfinite(c).sum(axis=1),
        })


def parameter_randomisation(explain: Callable[[nn.Module, Any], Any], model: nn.Module, inputs: Any, *,
                            seed: int = 0, layers: Sequence[str] | None = None, absolute: bool = False,
                            threshold: float = UNCHANGED_THRESHOLD,
                            randomised: Iterable[tuple[str, nn.Module]] | None = None) -> RandomisationResult:
    """Cascading parameter randomisation of ``model``, scored by :func:`rank_correlation`.

    Args:
        explain: ``explain(model, inputs) -> maps`` ``(batch, ...)`` (the method, its target fixed).
        model: the trained model (left unchanged).
        inputs: what ``explain`` takes.
        seed, layers: see :func:`cascading_randomisation`.
        absolute: correlate ``|maps|``.
        threshold: see :attr:`RandomisationResult.unchanged`.
        randomised: ``(name, model)`` pairs to use instead of :func:`cascading_randomisation`
            (e.g. another library's generator); each model's maps are taken as it is yielded.

    >>> _ = torch.manual_seed(0)
    >>> net, x = torch.nn.Linear(50, 1), torch.randn(3, 50)
    >>> edges = lambda m, x: (x[:, 1:] - x[:, :-1]).abs()            # ignores the model
    >>> r = parameter_randomisation(edges, net, x)
    >>> r.layers, r.mean.tolist(), r.unchanged
    (('',), [1.0], True)
    """
    trained = as_numpy(explain(model, inputs))
    names, rows = [], []
    for name, m in (cascading_randomisation(model, seed=seed, layers=layers) if randomised is None else randomised):
        names.append(name)
        rows.append(rank_correlation(trained, as_numpy(explain(m, inputs)), absolute=absolute))
    if not rows:
        raise ParameterError("parameter_randomisation: the model has no layer to randomise")
    return RandomisationResult(tuple(names), np.stack(rows), float(threshold))
