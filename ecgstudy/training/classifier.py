"""The ICLR chapter's training: class-weighted NLL and Adam on models that return log-probabilities.

Models follow one contract: ``model(x)`` with ``x`` of shape ``(batch, leads, samples)``
returns either a tensor of log-probabilities ``(batch, n_classes)`` or an object with a
``log_probs`` attribute (and optionally ``attention`` ``(batch, 1, samples)``), such as
:class:`ecgstudy.models.IclrOutput`. :func:`train_classifier` is :func:`~ecgstudy.training.fit`
with :func:`~ecgstudy.training.objectives.weighted_nll`, :func:`~ecgstudy.training.optimisers.adam`,
the held-out loss and accuracy as the per-epoch evaluation and the last epoch kept (the paper).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ecgstudy.training.loop import Epoch, fit
from ecgstudy.training.objectives import log_probs, weighted_nll
from ecgstudy.training.optimisers import adam
from ecgstudy.training.inference import first_channel, predict, probs_from_log_probs


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Attributes:
        epochs: passes over the training set.
        lr: Adam learning rate.
        batch_size: segments per step.
        class_weights: NLL weight per class (``None``: unweighted).
        seed: seeds initialisation and batch order.
        threads: torch intra-op threads (fixed for reproducibility).
        eval_every: evaluate the held-out set every this many epochs (and always after the last).
        lr_schedule: ``"constant"`` (the papers) or ``"cosine"`` (per step from ``lr`` down to 0 at
            the last step; short CPU budgets use it so the last epoch's model is not a noisy one).
    """

    epochs: int = 120
    lr: float = 1e-5
    batch_size: int = 16
    class_weights: tuple[float, ...] | None = None
    seed: int = 0
    threads: int = 2
    eval_every: int = 1
    lr_schedule: Literal["constant", "cosine"] = "constant"


@dataclass
class EpochRecord:
    """One epoch's curve points (losses are mean class-weighted NLL per segment)."""

    epoch: int
    train_loss: float
    eval_loss: float | None = None
    eval_accuracy: float | None = None
    seconds: float = 0.0


def _record(e: Epoch) -> EpochRecord:
    return EpochRecord(epoch=e.epoch, train_loss=e.train["loss"], eval_loss=e.scores.get("eval_loss"),
                       eval_accuracy=e.scores.get("eval_accuracy"), seconds=e.seconds)


def predict_proba(model: nn.Module, x: np.ndarray | torch.Tensor, *, batch_size: int = 64,
                  keep_attention: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Class probabilities ``(n, n_classes)`` and, if asked and available, attention ``(n, samples)``
    (:func:`~ecgstudy.training.predict` with ``exp`` of the log-probabilities and attention channel 0)."""
    fields = {"probs": probs_from_log_probs}
    if keep_attention:
        fields["attention"] = first_channel("attention")
    out = predict(model, x, fields=fields, batch_size=batch_size)
    return out["probs"], out.get("attention")


def nll_and_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None, *,
                     batch_size: int) -> tuple[float, float]:
    """Class-weighted mean NLL ``sum_i w[y_i] nll_i / sum_i w[y_i]`` and accuracy (argmax) of ``model``
    on ``x`` ``(n, leads, samples)``, ``y`` ``(n,)`` long; summed per batch of ``batch_size``."""
    logp_all = torch.from_numpy(predict(model, x, fields={"log_probs": log_probs}, batch_size=batch_size)["log_probs"])
    total, correct, loss_sum, weight_sum = 0, 0, 0.0, 0.0
    for lo in range(0, len(x), batch_size):
        logp = logp_all[lo:lo + batch_size]
        yb = y[lo:lo + batch_size]
        w = weight[yb] if weight is not None else torch.ones(len(yb))
        loss_sum += float((F.nll_loss(logp, yb, reduction="none") * w).sum())
        weight_sum += float(w.sum())
        correct += int((logp.argmax(1) == yb).sum())
        total += len(yb)
    return loss_sum / max(weight_sum, 1e-12), correct / max(total, 1)


def train_classifier(
    model: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    config: TrainConfig,
    *,
    x_eval: np.ndarray | None = None,
    y_eval: np.ndarray | None = None,
    progress: bool = False,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> list[EpochRecord]:
    """Train ``model`` with class-weighted NLL and Adam for ``config.epochs``; return the per-epoch curve.

    Args:
        x_train: ``(n, leads, samples)`` float32. y_train: ``(n,)`` int class indices.
        x_eval, y_eval: held-out set evaluated every ``config.eval_every`` epochs (loss, accuracy;
            batches of ``max(batch_size, 64)``).
        on_epoch: called after each epoch with its record (e.g. to log).

    The loss of a batch is ``sum_i w[y_i] * nll_i / sum_i w[y_i]`` (PyTorch's weighted mean).
    """
    weight = None if config.class_weights is None else torch.tensor(config.class_weights, dtype=torch.float32)
    xe = None if x_eval is None else torch.as_tensor(x_eval, dtype=torch.float32)
    ye = None if y_eval is None else torch.as_tensor(y_eval, dtype=torch.long)

    def evaluate(m: nn.Module, epoch: int) -> dict[str, float | None]:
        if xe is None or not (epoch % config.eval_every == 0 or epoch == config.epochs):
            return {"eval_loss": None, "eval_accuracy": None}
        loss, accuracy = nll_and_accuracy(m, xe, ye, weight, batch_size=max(config.batch_size, 64))
        return {"eval_loss": loss, "eval_accuracy": accuracy}

    result = fit(model, x_train, y_train, loss=weighted_nll(weight), optimizer=adam(config.lr),
                 epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, threads=config.threads,
                 lr_schedule=config.lr_schedule, y_dtype=torch.long, evaluate=evaluate, progress=progress,
                 on_epoch=None if on_epoch is None else (lambda e: on_epoch(_record(e))))
    return [_record(e) for e in result.epochs]


def history_table(history: Sequence[EpochRecord]) -> list[dict[str, Any]]:
    """JSON-able rows of a curve."""
    return [asdict(r) for r in history]
