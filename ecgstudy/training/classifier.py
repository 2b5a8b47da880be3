"""The ICLR chapter's training: class-weighted NLL and Adam on models that return log-probabilities.

Models follow one contract: ``model(x)`` with ``x`` of shape ``(batch, leads, samples)``
returns either a tensor of log-probabilities ``(batch, n_classes)`` or an object with a
``log_probs`` attribute (and optionally ``attention`` ``(batch, 1, samples)``), such as
:class:`ecgstudy.models.IclrOutput`. :func:`train_classifier` is :func:`~ecgstudy.training.fit`
with :func:`~ecgstudy.training.objectives.weighted_nll`, :func:`~ecgstudy.training.optimisers.adam`,
the held-out loss and accuracy as the per-epoch evaluation and the last epoch kept (the paper), or,
given a validation set and ``patience``, the epoch of the lowest validation loss (training stops after
``patience`` epochs without a lower one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ecgstudy.training.loop import BestEpoch, Epoch, LastEpoch, Precision, Trained, fit
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
        precision: ``"fp32"`` or ``"bf16"`` autocast of the training batches (:func:`~ecgstudy.training.fit`).
        patience: with a validation set, keep the epoch of the lowest validation loss and stop after
            this many epochs without a lower one (``None``: keep the last epoch).
    """

    epochs: int = 120
    lr: float = 1e-5
    batch_size: int = 16
    class_weights: tuple[float, ...] | None = None
    seed: int = 0
    threads: int = 2
    eval_every: int = 1
    lr_schedule: Literal["constant", "cosine"] = "constant"
    precision: Precision = "fp32"
    patience: int | None = None


@dataclass
class EpochRecord:
    """One epoch's curve points (losses are mean class-weighted NLL per segment; ``val_*`` on the inner
    validation set, ``eval_*`` on the held-out fold)."""

    epoch: int
    train_loss: float
    eval_loss: float | None = None
    eval_accuracy: float | None = None
    seconds: float = 0.0
    val_loss: float | None = None
    val_accuracy: float | None = None


def _record(e: Epoch) -> EpochRecord:
    return EpochRecord(epoch=e.epoch, train_loss=e.train["loss"], eval_loss=e.scores.get("eval_loss"),
                       eval_accuracy=e.scores.get("eval_accuracy"), seconds=e.seconds,
                       val_loss=e.scores.get("val_loss"), val_accuracy=e.scores.get("val_accuracy"))


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
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    progress: bool = False,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> Trained:
    """Train ``model`` with class-weighted NLL and Adam for up to ``config.epochs``; return the curve
    and the selected epoch (a :class:`Trained`, which iterates over the per-epoch records).

    Args:
        x_train: ``(n, leads, samples)`` float32. y_train: ``(n,)`` int class indices.
        x_eval, y_eval: held-out set evaluated every ``config.eval_every`` epochs (loss, accuracy;
            batches of ``max(batch_size, 64)``); it is never used for a decision.
        x_val, y_val: inner validation set, evaluated every epoch (``val_loss``, ``val_accuracy``); with
            ``config.patience`` it chooses the kept epoch (lowest ``val_loss``) and stops training.
        on_epoch: called after each epoch with its record (e.g. to log).

    The loss of a batch is ``sum_i w[y_i] * nll_i / sum_i w[y_i]`` (PyTorch's weighted mean).

    Raises:
        ValueError: ``config.patience`` without a validation set.
    """
    weight = None if config.class_weights is None else torch.tensor(config.class_weights, dtype=torch.float32)
    xe = None if x_eval is None else torch.as_tensor(x_eval, dtype=torch.float32)
    ye = None if y_eval is None else torch.as_tensor(y_eval, dtype=torch.long)
    xv = None if x_val is None or not len(x_val) else torch.as_tensor(x_val, dtype=torch.float32)
    yv = None if xv is None else torch.as_tensor(y_val, dtype=torch.long)
    if config.patience is not None and xv is None:
        raise ValueError("train_classifier: patience needs a validation set (x_val, y_val)")
    batch = max(config.batch_size, 64)

    def evaluate(m: nn.Module, epoch: int) -> dict[str, float | None]:
        scores: dict[str, float | None] = {"eval_loss": None, "eval_accuracy": None}
        if xe is not None and (epoch % config.eval_every == 0 or epoch == config.epochs):
            scores["eval_loss"], scores["eval_accuracy"] = nll_and_accuracy(m, xe, ye, weight, batch_size=batch)
        if xv is not None:
            scores["val_loss"], scores["val_accuracy"] = nll_and_accuracy(m, xv, yv, weight, batch_size=batch)
        return scores

    select = LastEpoch() if config.patience is None else BestEpoch("val_loss", patience=config.patience, mode="min")
    result = fit(model, x_train, y_train, loss=weighted_nll(weight), optimizer=adam(config.lr),
                 epochs=config.epochs, batch_size=config.batch_size, seed=config.seed, threads=config.threads,
                 lr_schedule=config.lr_schedule, y_dtype=torch.long, evaluate=evaluate, select=select,
                 progress=progress, on_epoch=None if on_epoch is None else (lambda e: on_epoch(_record(e))),
                 precision=config.precision)
    return Trained([_record(e) for e in result.epochs], result)


def history_table(history: Sequence[EpochRecord] | Trained) -> list[dict[str, Any]]:
    """JSON-able rows of a curve (``val_*`` only when an inner validation set was scored, so the curves of
    runs without one keep their columns)."""
    rows = [asdict(r) for r in history]
    if all(r["val_loss"] is None and r["val_accuracy"] is None for r in rows):
        for r in rows:
            del r["val_loss"], r["val_accuracy"]
    return rows
