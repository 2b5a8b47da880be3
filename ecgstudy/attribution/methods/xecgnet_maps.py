"""xECGNet's own maps (Yoo et al.): the attention ``M`` and the class response map ``A[target]``.

Both live on the backbone's time axis ``T`` and are upsampled to the input's length with
:func:`~ecgstudy.attribution.maps.upsample` (linear, ``align_corners=False``: step ``t`` centred on
sample ``(t + 0.5) * samples / T - 0.5``). The same map goes on every lead.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.attribution.maps import upsample
from ecgstudy.attribution.methods.base import Method, on_every_lead
from ecgstudy.errors import ParameterError
from ecgstudy.models import XecgNet, XecgOutput


class _XecgMap(Method):
    @classmethod
    def unsupported(cls, model: nn.Module) -> str | None:
        return None if isinstance(model, XecgNet) else f"{type(model).__name__} is not an XecgNet"

    def _output(self, inputs: Tensor) -> XecgOutput:
        with torch.no_grad():
            return self.model(inputs)


class XecgAttention(_XecgMap):
    """The attention map ``M`` in [0, 1], ``(batch, leads, samples)``; it does not depend on ``target``."""

    name = "xecgnet_attention"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        m = upsample(self._output(inputs).attention[:, 0], inputs.shape[-1])
        return on_every_lead(m, inputs.shape[1])


class XecgResponse(_XecgMap):
    """The target class's response map ``A[target] >= 0``, ``(batch, leads, samples)``."""

    name = "xecgnet_response"

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        response = self._output(inputs).response  # (batch, n_classes, T)
        if int(target.max()) >= response.shape[1]:
            raise ParameterError(f"XecgResponse: target {int(target.max())}: the model has "
                                 f"{response.shape[1]} classes")
        a = response[torch.arange(len(target), device=target.device), target]
        return on_every_lead(upsample(a, inputs.shape[-1]), inputs.shape[1])
