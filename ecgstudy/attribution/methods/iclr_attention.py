"""The ICLR joint model's own map: its pooled attention ``A`` (Hu et al.), the same on every lead."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.attribution.maps import upsample
from ecgstudy.attribution.methods.base import Method, MethodNotApplicable, on_every_lead
from ecgstudy.models import IclrJointModel, IclrOutput


class IclrAttention(Method):
    """``A``, ``(batch, 1, samples)`` -> ``(batch, leads, samples)``, >= 0; it does not depend on ``target``.

    ``A`` already has the input's length (the window pooling keeps it); any other length is upsampled
    with :func:`~ecgstudy.attribution.maps.upsample` (linear). The classifier-only and cascaded
    baselines have no attention (not applicable).
    """

    name = "iclr_attention"

    @classmethod
    def unsupported(cls, model: nn.Module) -> str | None:
        if not isinstance(model, IclrJointModel):
            return f"{type(model).__name__} has no ICLR attention (only IclrJointModel does)"
        return None

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        with torch.no_grad():
            out = self.model(inputs)
        if not isinstance(out, IclrOutput) or out.attention is None:
            raise MethodNotApplicable(f"IclrAttention: {type(self.model).__name__} returned no attention")
        a = out.attention[:, 0]
        if a.shape[-1] != inputs.shape[-1]:
            a = upsample(a, inputs.shape[-1])
        return on_every_lead(a, inputs.shape[1])
