"""Saliency (Simonyan et al. 2014): the absolute gradient ``|d score_target / d x|`` (captum ``Saliency``, abs=True)."""

from __future__ import annotations

from captum.attr import Saliency as _Saliency
from torch import Tensor

from ecgstudy.attribution.methods._captum import CaptumMethod


class Saliency(CaptumMethod):
    """``|d s_target / d x|``, ``(batch, leads, samples)``, >= 0; ``output`` picks the scores (see adapters)."""

    name = "saliency"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        return _Saliency(self.scores).attribute(inputs, target=target, abs=True)
