"""Input x Gradient (Shrikumar et al. 2016): ``x * d score_target / d x`` (captum ``InputXGradient``)."""

from __future__ import annotations

from captum.attr import InputXGradient as _InputXGradient
from torch import Tensor

from ecgstudy.attribution.methods._captum import CaptumMethod


class InputXGradient(CaptumMethod):
    """``x * d s_target / d x``, signed, ``(batch, leads, samples)``."""

    name = "input_x_gradient"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        return _InputXGradient(self.scores).attribute(inputs, target=target)
