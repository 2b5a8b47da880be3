"""What the captum-backed methods share: the adapted model and a seeded, quiet call."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from ecgstudy.attribution.methods.adapters import ScoreModel, adapt
from ecgstudy.attribution.methods.base import Method, Target, as_targets, check_inputs, model_untouched


class CaptumMethod(Method):
    """A method computed by captum on ``ScoreModel(model, output)`` (``self.scores``)."""

    uses_scores = True

    def __init__(self, model: nn.Module, *, output: str | None = None) -> None:
        super().__init__(model)
        self.scores: ScoreModel = adapt(model, output)

    def attribute(self, inputs: Tensor, target: Target = 0) -> Tensor:
        x = check_inputs(type(self).__name__, inputs)
        t = as_targets(type(self).__name__, target, x.shape[0], x.device)
        self.scores.max_target = int(t.max())
        try:
            with model_untouched(self.scores), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # captum's notes on hooks and batched LIME/SHAP
                out = self._attribute(x.detach().clone(), t)
        finally:
            self.scores.max_target = None
        return self._finish(out, x)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Torch's global generators seeded for the block (captum draws from them), then restored."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
