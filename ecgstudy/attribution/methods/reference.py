"""Three reference maps that explain nothing: uniform, random (seeded) and the input's energy.

A method whose maps do no better than these on a metric does not explain the model there. None of
them runs the model or depends on ``target``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.attribution.methods.base import Method


class Uniform(Method):
    """Ones everywhere, ``(batch, leads, samples)``: every sample equally relevant."""

    name = "uniform"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        return torch.ones_like(inputs)


class RandomMap(Method):
    """Uniform noise in [0, 1), ``(batch, leads, samples)``, from a generator seeded with ``seed`` at each call.

    The same seed and shape give the same map on every call (rows differ from one another).
    """

    name = "random"

    def __init__(self, model: nn.Module, *, seed: int = 0) -> None:
        super().__init__(model)
        self.seed = seed

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        g = torch.Generator().manual_seed(self.seed)
        return torch.rand(inputs.shape, generator=g, dtype=torch.float64).to(inputs)


def energy(inputs: Tensor) -> Tensor:
    """``|dx/dt|`` per lead, ``(batch, leads, samples)``: an edge detector, centred on each sample.

    With ``d[t] = |x[t + 1] - x[t]|``: ``e[t] = (d[t - 1] + d[t]) / 2`` inside the signal,
    ``e[0] = d[0]`` and ``e[-1] = d[-1]`` at the ends (one sample: zeros). In the inputs' units per sample.

    >>> energy(torch.tensor([[[0.0, 1.0, 3.0, 3.0]]])).tolist()
    [[[1.0, 1.5, 1.0, 0.0]]]
    """
    if inputs.shape[-1] < 2:
        return torch.zeros_like(inputs)
    d = inputs.diff(dim=-1).abs()
    e = torch.empty_like(inputs)
    e[..., 0], e[..., -1] = d[..., 0], d[..., -1]
    e[..., 1:-1] = (d[..., :-1] + d[..., 1:]) / 2
    return e


class Energy(Method):
    """The input's own energy, :func:`energy`: large on steep edges (QRS complexes), ``(batch, leads, samples)``."""

    name = "energy"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        return energy(inputs)
