"""The one contract of every attribution method, and what the methods share.

``Method(model, ...).attribute(inputs, target=0) -> (batch, leads, samples)``: ``inputs`` is
``(batch, leads, samples)`` (any floating dtype); ``target`` is an output column, one ``int`` for
every row or a ``(batch,)`` integer tensor (one per row). The map has the inputs' shape, dtype and
device, is detached, and holds no NaN for finite inputs.

Every call runs the model in eval mode (BatchNorm uses its running statistics and dropout is off, so
a row's map does not depend on the rest of the batch) and leaves it as it found it: its training
flags are restored, no ``.grad`` is written, the inputs are not modified. Gradients are taken even
inside a caller's ``torch.no_grad()``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar, Literal

import torch
from torch import Tensor, nn

from ecgstudy.attribution.gradcam import _eval_mode
from ecgstudy.errors import ParameterError

Target = int | Tensor
Baseline = Literal["zeros", "median"]
BASELINES: tuple[str, ...] = ("zeros", "median")


class MethodNotApplicable(ParameterError):
    """The method cannot explain this model (e.g. the model has no attention, or DeepLIFT's rules fail)."""


def check_inputs(who: str, inputs: object) -> Tensor:
    """``inputs`` if it is a floating ``(batch, leads, samples)`` tensor, else a :class:`ParameterError`."""
    if not isinstance(inputs, Tensor) or inputs.ndim != 3 or not inputs.is_floating_point() or inputs.shape[0] < 1:
        what = (f"{tuple(inputs.shape)} {inputs.dtype}" if isinstance(inputs, Tensor) else type(inputs).__name__)
        raise ParameterError(f"{who}: inputs {what}: expected a floating tensor (batch >= 1, leads, samples)")
    return inputs


def as_targets(who: str, target: Target, batch: int, device: torch.device | None = None) -> Tensor:
    """``target`` as a ``(batch,)`` int64 tensor of output columns (>= 0); an int is used for every row."""
    if isinstance(target, Tensor):
        t = target.reshape(-1) if target.ndim == 0 else target
        if t.ndim != 1 or t.dtype.is_floating_point or t.dtype == torch.bool or t.numel() not in (1, batch):
            raise ParameterError(f"{who}: target tensor {tuple(target.shape)} {target.dtype}: "
                                 f"expected an integer tensor of shape ({batch},) or a single index")
        t = t.to(torch.int64).expand(batch)
    elif isinstance(target, int) and not isinstance(target, bool):
        t = torch.full((batch,), target, dtype=torch.int64)
    else:
        raise ParameterError(f"{who}: target={target!r}: expected an int or a (batch,) integer tensor")
    if bool((t < 0).any()):
        raise ParameterError(f"{who}: target {t.tolist()}: output columns must be >= 0")
    return t.to(device) if device is not None else t.clone()


def baseline_like(inputs: Tensor, kind: Baseline) -> Tensor:
    """The reference input of a path or perturbation method, ``(batch, leads, samples)``.

    * ``"zeros"``: all zeros.
    * ``"median"``: a flat line at each lead's median of that record. The median of an even number of
      samples is the mean of the two middle ones (as ``numpy.median``; ``torch.median`` would take
      the lower one).

    >>> baseline_like(torch.tensor([[[4.0, 1.0, 3.0, 2.0]]]), "median").tolist()
    [[[2.5, 2.5, 2.5, 2.5]]]
    """
    if kind == "zeros":
        return torch.zeros_like(inputs)
    if kind == "median":
        return inputs.quantile(0.5, dim=-1, keepdim=True).expand_as(inputs).contiguous()
    raise ParameterError(f"baseline={kind!r}: expected one of {', '.join(BASELINES)}")


def check_baseline(who: str, kind: str) -> Baseline:
    if kind not in BASELINES:
        raise ParameterError(f"{who}: baseline={kind!r}: expected one of {', '.join(BASELINES)}")
    return kind  # type: ignore[return-value]


def on_every_lead(h: Tensor, leads: int) -> Tensor:
    """``(batch, samples) -> (batch, leads, samples)``: the same map on every lead (a new tensor)."""
    return h.unsqueeze(1).expand(-1, leads, -1).contiguous()


@contextmanager
def model_untouched(model: nn.Module) -> Iterator[None]:
    """Eval mode and gradients on for the block; training flags restored and no ``.grad`` written after it."""
    grads = [(p, p.grad) for p in model.parameters()]
    with _eval_mode(model), torch.enable_grad():
        try:
            yield
        finally:
            for p, g in grads:
                p.grad = g


class Method(ABC):
    """Base class: ``attribute(inputs, target=0) -> (batch, leads, samples)`` (see the module docstring).

    Class attributes tell :func:`~ecgstudy.attribution.methods.attribute_all` what a method needs:
    ``needs_fs`` (the sampling rate, a constructor argument ``fs``), ``needs_feature_mask`` (a
    ``feature_mask`` argument of ``attribute``) and ``uses_scores`` (it explains the adapted model
    output and takes an ``output`` argument, see :mod:`~ecgstudy.attribution.methods.adapters`).
    """

    name: ClassVar[str] = "method"
    needs_fs: ClassVar[bool] = False
    needs_feature_mask: ClassVar[bool] = False
    uses_scores: ClassVar[bool] = False

    def __init__(self, model: nn.Module) -> None:
        if not isinstance(model, nn.Module):
            raise ParameterError(f"{type(self).__name__}: model is a {type(model).__name__}, expected an nn.Module")
        reason = self.unsupported(model)
        if reason is not None:
            raise MethodNotApplicable(f"{type(self).__name__}: {reason}")
        self.model = model

    @classmethod
    def unsupported(cls, model: nn.Module) -> str | None:
        """Why this method cannot explain ``model`` (None: it can)."""
        return None

    def attribute(self, inputs: Tensor, target: Target = 0) -> Tensor:
        """The map ``(batch, leads, samples)``, same dtype and device as ``inputs``."""
        x = check_inputs(type(self).__name__, inputs)
        t = as_targets(type(self).__name__, target, x.shape[0], x.device)
        with model_untouched(self.model):
            out = self._attribute(x.detach().clone(), t)
        return self._finish(out, x)

    def _finish(self, out: Tensor, x: Tensor) -> Tensor:
        if out.shape != x.shape:
            raise ParameterError(f"{type(self).__name__}: map {tuple(out.shape)} for inputs {tuple(x.shape)}")
        return out.detach().to(dtype=x.dtype, device=x.device)

    @abstractmethod
    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        """``inputs`` (a detached copy) and ``target`` ``(batch,)`` -> the map; the model is in eval mode."""
