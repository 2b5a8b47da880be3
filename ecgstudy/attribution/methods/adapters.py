"""Model adapters: every chapter's model seen as ``forward(x) -> (batch, n_targets)`` scores, what captum explains.

=====================  ============  =====================================================================
model                  ``output``    scores ``(batch, n_targets)``
=====================  ============  =====================================================================
ICLR (joint model,     ``log_odds``  default: ``log p_k - log(sum_{j != k} p_j)`` from ``log_probs``, the
classifier, cascaded)                logit of class k against the rest. With the chapter's two classes it
                                     is ``z_k - z_other`` exactly (the softmax's shift drops out), the
                                     logit captum's docs ask for, linear in the last layer.
                       ``log_prob``  ``log_probs`` as the model returns them.
XecgNet                ``probs``     default: the inference output, ``(sigmoid(logits_att) +
                                     sigmoid(logits_per)) / 2`` per class (multi-label).
                       ``logits_att`` / ``logits_per``: one branch's logits.
anything returning a   ``scores``    the output itself (KanResWideX: one column per measurement, or the
``(batch, n)`` tensor                sex logit).
=====================  ============  =====================================================================
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.errors import ParameterError
from ecgstudy.models import CascadedModel, ClassifierOnly, IclrJointModel, IclrOutput, XecgNet, XecgOutput

#: Model family -> its outputs (the first is the default).
OUTPUTS: dict[str, tuple[str, ...]] = {
    "iclr": ("log_odds", "log_prob"),
    "xecgnet": ("probs", "logits_att", "logits_per"),
    "tensor": ("scores",),
}


def family(model: nn.Module) -> str:
    """``"iclr"``, ``"xecgnet"`` or ``"tensor"`` (a model that returns its scores as a tensor)."""
    if isinstance(model, ScoreModel):
        return family(model.model)
    if isinstance(model, (IclrJointModel, ClassifierOnly, CascadedModel)):
        return "iclr"
    if isinstance(model, XecgNet):
        return "xecgnet"
    return "tensor"


def log_odds(log_probs: Tensor) -> Tensor:
    """``(batch, n) -> (batch, n)``: ``log p_k - logsumexp_{j != k} log p_j`` (stable, n >= 2).

    >>> lp = torch.log(torch.tensor([[0.75, 0.25]]))
    >>> [round(v, 6) for v in log_odds(lp)[0].tolist()]
    [1.098612, -1.098612]
    """
    n = log_probs.shape[-1]
    if log_probs.ndim != 2 or n < 2:
        raise ParameterError(f"log_odds: log_probs {tuple(log_probs.shape)}: expected (batch, n >= 2)")
    eye = torch.eye(n, dtype=torch.bool, device=log_probs.device)
    others = log_probs.unsqueeze(1).expand(-1, n, -1).masked_fill(eye, float("-inf"))
    return log_probs - torch.logsumexp(others, dim=-1)


class ScoreModel(nn.Module):
    """``model`` seen as ``(batch, leads, samples) -> (batch, n_targets)`` (see the module docstring).

    Args:
        model: a chapter model (or any module returning a ``(batch, n)`` tensor).
        output: which scores (None: the family's default).
    """

    def __init__(self, model: nn.Module, output: str | None = None) -> None:
        super().__init__()
        fam = family(model)
        if isinstance(model, ScoreModel):
            model = model.model
        choices = OUTPUTS[fam]
        if output is None:
            output = choices[0]
        if output not in choices:
            raise ParameterError(f"ScoreModel: output={output!r} for {type(model).__name__}: "
                                 f"expected one of {', '.join(choices)}")
        self.model = model
        self.family = fam
        self.output = output
        #: checked on each forward: the highest target column the caller will read (None: no check)
        self.max_target: int | None = None

    def forward(self, x: Tensor) -> Tensor:
        out = self.model(x)
        if self.family == "iclr":
            if not isinstance(out, IclrOutput):
                raise ParameterError(f"ScoreModel: {type(self.model).__name__} returned {type(out).__name__}")
            scores = log_odds(out.log_probs) if self.output == "log_odds" else out.log_probs
        elif self.family == "xecgnet":
            if not isinstance(out, XecgOutput):
                raise ParameterError(f"ScoreModel: {type(self.model).__name__} returned {type(out).__name__}")
            scores = getattr(out, self.output)
        else:
            scores = out
        if not isinstance(scores, Tensor) or scores.ndim != 2 or scores.shape[0] != x.shape[0]:
            what = tuple(scores.shape) if isinstance(scores, Tensor) else type(scores).__name__
            raise ParameterError(f"ScoreModel: {type(self.model).__name__} output {what}: "
                                 f"expected a tensor (batch={x.shape[0]}, n_targets)")
        if self.max_target is not None and self.max_target >= scores.shape[1]:
            raise ParameterError(f"target {self.max_target}: {type(self.model).__name__} ({self.output}) "
                                 f"has {scores.shape[1]} output columns")
        return scores

    def extra_repr(self) -> str:
        return f"output={self.output!r}"


def adapt(model: nn.Module, output: str | None = None) -> ScoreModel:
    """``model`` as a :class:`ScoreModel` (a ScoreModel given with ``output=None`` is returned as is)."""
    if isinstance(model, ScoreModel) and output in (None, model.output):
        return model
    return ScoreModel(model, output)
