"""DeepLIFT (Shrikumar et al. 2017, rescale rule) where the model allows it (captum ``DeepLift``).

DeepLIFT replaces the gradient of each nonlinearity *module* captum knows (ReLU, LeakyReLU, ELU,
Sigmoid, Tanh, Softmax, MaxPool) by ``delta out / delta in`` against the baseline, and keeps the
plain gradient everywhere else. The map then sums to ``s(x) - s(x0)`` (summation to delta) only if
every other operation is linear or affine: convolutions, Linear, BatchNorm in eval mode, average
pooling, sums, padding. In-place ReLUs are fine (captum 0.9 handles them; tested).

Which chapter models allow it:

* KanResWideX: yes (Conv, BN, ``nn.ReLU`` modules, average pooling, residual sums, the mean).
* ICLR classifier only: yes, with the default ``log_odds`` scores. For two classes they are
  ``z_k - z_other``, linear in the logits, so ``log_softmax`` in the forward code does no harm.
* ICLR cascaded and joint models: no. The U-Net's InstanceNorm divides by each signal's own standard
  deviation. It is scale-invariant, so from a zero baseline the map sums to about 0 instead of
  ``s(x) - s(0)``. The joint model also multiplies the input by its own attention (``A * D``) and
  pools with a square root (L2 pooling).
* xECGNet: no. It modulates its features by its own attention (``f * M + f``), and its bottlenecks'
  ReLUs and its max pooling are functional calls that DeepLIFT's rules never see.

Besides this list (:meth:`DeepLift.unsupported`), every call checks summation to delta. A row whose
``|sum(map) - (s(x) - s(x0))|`` exceeds ``rtol * |s(x) - s(x0)| + atol * (|s(x)| + |s(x0)|)``
raises :class:`~ecgstudy.attribution.methods.base.MethodNotApplicable`.
"""

from __future__ import annotations

import torch
from captum.attr import DeepLift as _DeepLift
from torch import Tensor, nn

from ecgstudy.attribution.methods._captum import CaptumMethod
from ecgstudy.attribution.methods.adapters import ScoreModel
from ecgstudy.attribution.methods.base import Baseline, MethodNotApplicable, baseline_like, check_baseline
from ecgstudy.models import CascadedModel, IclrJointModel, XecgNet

#: Model classes whose operations DeepLIFT's rules do not cover, and why.
UNSUPPORTED: dict[type[nn.Module], str] = {
    IclrJointModel: "the ICLR joint model multiplies the input by its own attention (A * D), pools with a "
                    "square root (L2) and normalises each instance in its U-Net (InstanceNorm)",
    CascadedModel: "the ICLR cascaded model's U-Net normalises each instance (InstanceNorm, scale-invariant: "
                   "the map sums to about 0 instead of s(x) - s(0))",
    XecgNet: "xECGNet modulates its features by its own attention (f * M + f) and uses functional ReLUs and "
             "max pooling that DeepLIFT's rules do not see",
}
#: Normalisations by statistics of the input itself (nonlinear, no DeepLIFT rule).
INPUT_NORMS = (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.LayerNorm, nn.GroupNorm)


class DeepLift(CaptumMethod):
    """DeepLIFT rescale attributions against a baseline, signed, ``(batch, leads, samples)``.

    Args:
        baseline: ``"zeros"`` or ``"median"`` (see :func:`~ecgstudy.attribution.methods.base.baseline_like`).
        check: verify summation to delta on every call (see the module docstring).
        rtol, atol: the tolerance of that check.
        output: which scores (see adapters).
    """

    name = "deeplift"

    def __init__(self, model: nn.Module, *, baseline: Baseline = "zeros", check: bool = True, rtol: float = 1e-2,
                 atol: float = 1e-4, output: str | None = None) -> None:
        super().__init__(model, output=output)
        self.baseline = check_baseline(type(self).__name__, baseline)
        self.check, self.rtol, self.atol = check, rtol, atol

    @classmethod
    def unsupported(cls, model: nn.Module) -> str | None:
        inner = model.model if isinstance(model, ScoreModel) else model
        for kind, reason in UNSUPPORTED.items():
            if isinstance(inner, kind):
                return reason
        norms = sorted({type(m).__name__ for m in inner.modules() if isinstance(m, INPUT_NORMS)})
        if norms:
            return f"{type(inner).__name__} normalises by statistics of its input ({', '.join(norms)})"
        return None

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        x0 = baseline_like(inputs, self.baseline)
        attr, delta = _DeepLift(self.scores).attribute(inputs, baselines=x0, target=target,
                                                       return_convergence_delta=True)
        if self.check:
            rows = torch.arange(len(target), device=target.device)
            s, s0 = (self.scores(v).detach()[rows, target] for v in (inputs, x0))
            allowed = self.rtol * (s - s0).abs() + self.atol * (s.abs() + s0.abs())
            bad = delta.detach().abs() > allowed
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                raise MethodNotApplicable(
                    f"DeepLift: summation to delta fails for {int(bad.sum())} of {len(bad)} rows (row {i}: "
                    f"map sums to {float(attr[i].sum()):.6g}, s(x) - s(x0) = {float(s[i] - s0[i]):.6g}): "
                    f"{type(self.scores.model).__name__} has operations DeepLIFT's rules do not cover"
                )
        return attr
