"""LIME (Ribeiro et al. 2016) over beats or waves (captum ``Lime`` with a feature mask)."""

from __future__ import annotations

from captum._utils.models.linear_model import SkLearnLasso, SkLearnLinearRegression
from captum.attr import Lime as _Lime
from torch import nn

from ecgstudy.attribution.methods.base import Baseline
from ecgstudy.attribution.methods.kernel_shap import FeatureMaskMethod
from ecgstudy.errors import ParameterError


class Lime(FeatureMaskMethod):
    """LIME coefficients of the segments, ``(batch, leads, samples)``, signed.

    Captum's defaults otherwise: ``n_samples`` perturbations that keep each segment with probability
    1/2 and replace the others by the baseline, weighted by ``exp(-d^2 / 2)`` with ``d`` the cosine
    distance between the perturbed and the original input. The surrogate is a Lasso with penalty
    ``alpha`` (captum's default 0.01), or least squares with ``alpha=0``.

    Args:
        n_samples: perturbations per row.
        baseline: ``"zeros"`` or ``"median"`` (the lead's median of the record).
        alpha: Lasso penalty of the surrogate (0: ordinary least squares).
        seed: seeds the perturbations (the global generator state is restored).
        perturbations_per_eval: perturbations per forward pass (speed only).
        output: which scores (see adapters).
    """

    name = "lime"

    def __init__(self, model: nn.Module, *, n_samples: int = 200, baseline: Baseline = "zeros", alpha: float = 0.01,
                 seed: int = 0, perturbations_per_eval: int = 16, output: str | None = None) -> None:
        super().__init__(model, n_samples=n_samples, baseline=baseline, seed=seed,
                         perturbations_per_eval=perturbations_per_eval, output=output)
        if not alpha >= 0:
            raise ParameterError(f"Lime: alpha={alpha}: must be >= 0")
        self.alpha = float(alpha)

    def _explainer(self) -> _Lime:
        surrogate = SkLearnLasso(alpha=self.alpha) if self.alpha > 0 else SkLearnLinearRegression()
        return _Lime(self.scores, interpretable_model=surrogate)
