"""The budget ladder inside one run: what a run capped at fewer epochs would have kept.

Training is deterministic and the learning rate of a validation-driven run is constant, so a run capped
at ``E`` epochs is the first ``E`` epochs of a longer run with the same seed. :class:`Rungs` follows
training (``on_epoch``) and, at each rung ``E``, snapshots the weights such a capped run keeps: the epoch
of the best validation score among epochs ``1..E`` (the lowest ``val_loss``, or the highest of a score with
``mode="max"``; epoch ``E`` itself without validation).
A rung beyond the epoch where patience stopped the run keeps the run's own selection (a capped run would
have stopped there too); a rung beyond the epoch cap is not reached. Each rung's weights are evaluated on
the held-out fold afterwards, so the ladder costs no training.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from torch import nn


@dataclass
class Rungs:
    """Snapshots of the weights kept at each rung (epochs), by the run's own selection rule.

    Attributes:
        model: the model being trained. rungs: the epoch caps, e.g. ``(3, 10, 30)``.
        by_validation: select by the validation score (strictly better, the first on ties, as
            :class:`~ecgstudy.training.BestEpoch`), else the last epoch.
        score: the record's attribute (or key of its ``scores`` dict, as in :class:`~ecgstudy.training.Epoch`)
            holding the validation score. mode: ``"min"`` (a loss) or ``"max"`` (e.g. micro-F1).
        kept: ``{rung: (kept epoch, state_dict)}``, filled while training and by :meth:`finish`.

    >>> import torch
    >>> from types import SimpleNamespace as E
    >>> m = torch.nn.Linear(1, 1)
    >>> r = Rungs(m, (2, 3, 9), by_validation=True)
    >>> for epoch, loss in [(1, 0.5), (2, 0.6), (3, 0.4)]:
    ...     r.on_epoch(E(epoch=epoch, val_loss=loss))
    >>> r.finish(last_epoch=3, stopped_by="patience"); {k: v[0] for k, v in r.kept.items()}
    {2: 1, 3: 3, 9: 3}
    >>> r = Rungs(m, (2, 3), by_validation=True, score="val_micro_f1", mode="max")
    >>> for epoch, f1 in [(1, 0.5), (2, 0.7), (3, 0.6)]:
    ...     r.on_epoch(E(epoch=epoch, val_micro_f1=f1))
    >>> {k: v[0] for k, v in r.kept.items()}
    {2: 2, 3: 2}

    In a run: ``on_epoch=rungs.follow(log)`` while training, then ``rungs.scores(convergence, build, score)``.
    """

    model: nn.Module
    rungs: tuple[int, ...]
    by_validation: bool
    score: str = "val_loss"
    mode: Literal["min", "max"] = "min"
    kept: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _best: float = math.inf
    _best_epoch: int = 0
    _best_state: dict[str, Any] | None = None

    def _value(self, record: Any) -> float:
        """The record's validation score, signed so that lower is better."""
        v = getattr(record, self.score) if hasattr(record, self.score) else record.scores[self.score]
        return float(v) if self.mode == "min" else -float(v)

    def on_epoch(self, record: Any) -> None:
        """Call after each epoch with a record holding ``epoch`` and the validation score."""
        value = self._value(record) if self.by_validation else math.inf
        if not self.by_validation or value < self._best:
            self._best, self._best_epoch = value, record.epoch
            # a rung at or after this epoch may keep these weights: copy them before the next epoch changes them
            later = any(r >= record.epoch for r in self.rungs)
            self._best_state = copy.deepcopy(self.model.state_dict()) if later else None
        if record.epoch in self.rungs:
            self.kept[record.epoch] = (self._best_epoch, self._best_state)

    def follow(self, log: Callable[[Any], None] | None = None) -> Callable[[Any], None]:
        """The training loop's ``on_epoch`` callback: ``log(record)`` (e.g. the run's
        :func:`~ecgstudy.training.epoch_logger`), then :meth:`on_epoch`."""

        def on_epoch(record: Any) -> None:
            if log is not None:
                log(record)
            self.on_epoch(record)

        return on_epoch

    def finish(self, *, last_epoch: int, stopped_by: str) -> None:
        """After training: rungs beyond an early stop keep the run's own selection."""
        if stopped_by != "patience":
            return
        for r in self.rungs:
            if r > last_epoch:
                self.kept[r] = (self._best_epoch, self._best_state)

    def evaluate(self, build: Callable[[], nn.Module], score: Callable[[nn.Module], dict[str, Any]]
                 ) -> dict[int, dict[str, Any]]:
        """``{rung: {"kept_epoch": e, **score(model with the rung's weights)}}`` in rung order."""
        out = {}
        for r in sorted(self.kept):
            epoch, state = self.kept[r]
            model = build()
            model.load_state_dict(state)
            out[r] = {"kept_epoch": epoch, **score(model.eval())}
        return out

    def scores(self, convergence: dict[str, Any], build: Callable[[], nn.Module],
               score: Callable[[nn.Module], dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """After training: :meth:`finish` with the run's ``convergence`` (``last_epoch``, ``stopped_by``, as
        :meth:`~ecgstudy.training.FitResult.convergence` gives), then :meth:`evaluate`; keyed by the rung
        as a string, as ``metrics.json["ladder"]`` stores it."""
        self.finish(last_epoch=convergence["last_epoch"], stopped_by=convergence["stopped_by"])
        return {str(r): v for r, v in self.evaluate(build, score).items()}
