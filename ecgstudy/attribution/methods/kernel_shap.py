"""KernelSHAP (Lundberg & Lee 2017) over beats or waves (captum ``KernelShap`` with a feature mask)."""

from __future__ import annotations

import torch
from captum.attr import KernelShap as _KernelShap
from torch import Tensor, nn

from ecgstudy.attribution.methods._captum import CaptumMethod, seeded
from ecgstudy.attribution.methods.base import (
    Baseline,
    Target,
    baseline_like,
    check_baseline,
    check_inputs,
)
from ecgstudy.attribution.methods.feature_masks import check_mask
from ecgstudy.errors import ParameterError


class FeatureMaskMethod(CaptumMethod):
    """A perturbation method over the segments of a feature mask; each row is explained on its own.

    ``attribute(inputs, target, feature_mask=...)``: ``feature_mask`` is ``(batch, samples)`` (or
    ``(samples,)`` for every row) of integer segment ids, see
    :mod:`~ecgstudy.attribution.methods.feature_masks`. A segment covers its samples on every lead.
    Ids need not be consecutive: each row's ids are renumbered ``0 .. k - 1`` in increasing order.
    Every sample of a segment gets the segment's value.
    """

    needs_feature_mask = True

    def __init__(self, model: nn.Module, *, n_samples: int = 200, baseline: Baseline = "zeros", seed: int = 0,
                 perturbations_per_eval: int = 16, output: str | None = None) -> None:
        super().__init__(model, output=output)
        if n_samples < 1:
            raise ParameterError(f"{type(self).__name__}: n_samples={n_samples}: must be >= 1")
        self.n_samples = n_samples
        self.baseline = check_baseline(type(self).__name__, baseline)
        self.seed = seed
        self.perturbations_per_eval = max(1, int(perturbations_per_eval))

    def attribute(self, inputs: Tensor, target: Target = 0, *, feature_mask: Tensor | None = None) -> Tensor:
        """The map ``(batch, leads, samples)``; ``feature_mask`` ``(batch, samples)`` is required."""
        x = check_inputs(type(self).__name__, inputs)
        if feature_mask is None:
            raise ParameterError(f"{type(self).__name__}: needs a feature_mask (batch, samples) of segment ids")
        self._mask = check_mask(type(self).__name__, feature_mask, x.shape[0], x.shape[-1]).to(x.device)
        try:
            return super().attribute(x, target)
        finally:
            del self._mask

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        x0 = baseline_like(inputs, self.baseline)
        rows = []
        for b in range(inputs.shape[0]):
            ids = self._mask[b].unique(return_inverse=True)[1].view(1, 1, -1)
            with seeded(self.seed):
                rows.append(self._explainer().attribute(
                    inputs[b:b + 1], baselines=x0[b:b + 1], target=target[b:b + 1], feature_mask=ids,
                    n_samples=self.n_samples, perturbations_per_eval=self.perturbations_per_eval,
                ).expand(1, *inputs.shape[1:]))
        return torch.cat(rows, dim=0)

    def _explainer(self) -> _KernelShap:
        raise NotImplementedError


class KernelShap(FeatureMaskMethod):
    """KernelSHAP values of the segments, ``(batch, leads, samples)``, signed.

    A segment absent from a coalition is replaced by the baseline. Captum samples ``n_samples``
    coalitions from the Shapley kernel (seeded with ``seed``) and fits a weighted linear model; the
    values of a row sum to about ``s(x) - s(x0)``.

    Args:
        n_samples: coalitions per row.
        baseline: ``"zeros"`` or ``"median"`` (the lead's median of the record).
        seed: seeds the coalitions (the global generator state is restored).
        perturbations_per_eval: coalitions per forward pass (speed only).
        output: which scores (see adapters).
    """

    name = "kernel_shap"

    def _explainer(self) -> _KernelShap:
        return _KernelShap(self.scores)
