"""Integrated Gradients (Sundararajan et al. 2017) from a stated baseline (captum ``IntegratedGradients``)."""

from __future__ import annotations

from captum.attr import IntegratedGradients as _IntegratedGradients
from torch import Tensor, nn

from ecgstudy.attribution.methods._captum import CaptumMethod
from ecgstudy.attribution.methods.base import Baseline, baseline_like, check_baseline
from ecgstudy.errors import ParameterError


class IntegratedGradients(CaptumMethod):
    """``(x - x0) * integral_0^1 d s_target / d x (x0 + a (x - x0)) da``, signed, ``(batch, leads, samples)``.

    The map sums to ``s(x) - s(x0)`` up to the quadrature error (completeness).

    Args:
        baseline: ``"zeros"`` or ``"median"`` (a flat line at each lead's median of the record,
            :func:`~ecgstudy.attribution.methods.base.baseline_like`).
        n_steps: quadrature points (captum's Gauss-Legendre rule, exact for a linear model).
        internal_batch_size: rows per forward pass of the path (None: all ``batch * n_steps`` at once).
        output: which scores (see adapters).
    """

    name = "integrated_gradients"

    def __init__(self, model: nn.Module, *, baseline: Baseline = "zeros", n_steps: int = 50,
                 internal_batch_size: int | None = None, output: str | None = None) -> None:
        super().__init__(model, output=output)
        self.baseline = check_baseline(type(self).__name__, baseline)
        if n_steps < 1:
            raise ParameterError(f"IntegratedGradients: n_steps={n_steps}: must be >= 1")
        self.n_steps = n_steps
        self.internal_batch_size = internal_batch_size

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        return _IntegratedGradients(self.scores).attribute(
            inputs, baselines=baseline_like(inputs, self.baseline), target=target, n_steps=self.n_steps,
            method="gausslegendre", internal_batch_size=self.internal_batch_size,
        )
