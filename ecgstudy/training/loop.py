"""A small, seeded training loop for classifiers that return log-probabilities.

Models follow one contract: ``model(x)`` with ``x`` of shape ``(batch, leads, samples)``
returns either a tensor of log-probabilities ``(batch, n_classes)`` or an object with a
``log_probs`` attribute (and optionally ``attention`` ``(batch, 1, samples)``), such as
:class:`ecgstudy.models.IclrOutput`.

Determinism: :func:`seed_everything` seeds Python, NumPy and torch and fixes the number
of torch threads; batches are drawn from a seeded ``torch.Generator``. On CPU the same
seed, data and thread count give bit-identical weights and metrics.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm


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


def lr_factor(step: int, total_steps: int, schedule: str) -> float:
    """Multiplier of the base learning rate at optimiser step ``step`` (0-based) of ``total_steps``.

    >>> [round(lr_factor(s, 4, "cosine"), 3) for s in range(4)]
    [1.0, 0.854, 0.5, 0.146]
    """
    if schedule == "constant":
        return 1.0
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * step / max(total_steps, 1)))
    raise ValueError(f"unknown learning-rate schedule {schedule!r}: use 'constant' or 'cosine'")


@dataclass
class EpochRecord:
    """One epoch's curve points (losses are mean class-weighted NLL per segment)."""

    epoch: int
    train_loss: float
    eval_loss: float | None = None
    eval_accuracy: float | None = None
    seconds: float = 0.0


def seed_everything(seed: int, *, threads: int = 2) -> torch.Generator:
    """Seed Python, NumPy and torch; fix torch's thread count; return a seeded generator."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def _log_probs(output: Any) -> torch.Tensor:
    return output if isinstance(output, torch.Tensor) else output.log_probs


def _weights(config: TrainConfig) -> torch.Tensor | None:
    return None if config.class_weights is None else torch.tensor(config.class_weights, dtype=torch.float32)


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray | torch.Tensor, *, batch_size: int = 64,
            keep_attention: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Class probabilities ``(n, n_classes)`` and, if asked and available, attention ``(n, samples)``."""
    model.eval()
    x = torch.as_tensor(x, dtype=torch.float32)
    probs, atts = [], []
    for lo in range(0, len(x), batch_size):
        out = model(x[lo:lo + batch_size])
        probs.append(_log_probs(out).exp().numpy())
        att = getattr(out, "attention", None)
        if keep_attention and att is not None:
            atts.append(att[:, 0].numpy())
    attention = np.concatenate(atts) if atts else None
    return (np.concatenate(probs) if probs else np.zeros((0, 0))), attention


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None,
              batch_size: int) -> tuple[float, float]:
    model.eval()
    total, correct, loss_sum, weight_sum = 0, 0, 0.0, 0.0
    with torch.no_grad():
        for lo in range(0, len(x), batch_size):
            logp = _log_probs(model(x[lo:lo + batch_size]))
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
    """Train ``model`` with class-weighted NLL and Adam; return the per-epoch curve.

    Args:
        x_train: ``(n, leads, samples)`` float32. y_train: ``(n,)`` int class indices.
        x_eval, y_eval: held-out set evaluated every ``config.eval_every`` epochs (loss, accuracy).
        on_epoch: called after each epoch with its record (e.g. to log).

    The loss of a batch is ``sum_i w[y_i] * nll_i / sum_i w[y_i]`` (PyTorch's weighted mean).
    """
    gen = seed_everything(config.seed, threads=config.threads)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.long)
    xe = None if x_eval is None else torch.as_tensor(x_eval, dtype=torch.float32)
    ye = None if y_eval is None else torch.as_tensor(y_eval, dtype=torch.long)
    weight = _weights(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = math.ceil(len(x) / config.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: lr_factor(step, config.epochs * steps_per_epoch, config.lr_schedule))
    history: list[EpochRecord] = []
    bar = tqdm(range(1, config.epochs + 1), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=gen)
        loss_sum, weight_sum = 0.0, 0.0
        for lo in range(0, len(x), config.batch_size):
            idx = order[lo:lo + config.batch_size]
            logp = _log_probs(model(x[idx]))
            loss = F.nll_loss(logp, y[idx], weight=weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            w = float(weight[y[idx]].sum()) if weight is not None else float(len(idx))
            loss_sum += loss.item() * w
            weight_sum += w
        rec = EpochRecord(epoch=epoch, train_loss=loss_sum / max(weight_sum, 1e-12))
        if xe is not None and (epoch % config.eval_every == 0 or epoch == config.epochs):
            rec.eval_loss, rec.eval_accuracy = _evaluate(model, xe, ye, weight, max(config.batch_size, 64))
        rec.seconds = time.perf_counter() - t0
        history.append(rec)
        bar.set_postfix(loss=f"{rec.train_loss:.4f}")
        if on_epoch is not None:
            on_epoch(rec)
    return history


def history_table(history: Sequence[EpochRecord]) -> list[dict[str, Any]]:
    """JSON-able rows of a curve."""
    return [asdict(r) for r in history]
