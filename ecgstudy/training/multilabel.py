"""Training with early stopping for multi-label models (the xECGNet chapter).

Contract: ``model(x)`` with ``x`` ``(batch, leads, samples)`` returns an output object with
``probs`` ``(batch, n_classes)`` (the inference probabilities); ``loss_fn(output, y)``
returns an object with a scalar tensor ``total`` (what is optimised) and optionally other
scalar tensor fields (logged per epoch, e.g. ``bce_att``, ``bce_per``, ``reg``).

Model selection follows the xECGNet authors by default (``selection="val_micro_f1"``): after every
epoch the validation micro-F1 (probabilities >= 0.5) is computed; the weights of the best epoch
are kept and restored at the end; training stops after ``patience`` epochs without improvement.
``selection="last_epoch"`` trains every epoch and keeps the final weights (a fixed budget, for
validation sets too small to choose an epoch); the validation scores are still logged. Determinism is as in
:mod:`ecgstudy.training.loop` (same seed, data and thread count: identical weights on CPU).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ecgstudy.training.loop import lr_factor, seed_everything


@dataclass(frozen=True)
class MultiLabelConfig:
    """Optimisation settings.

    Attributes:
        max_epochs: passes over the training set at most.
        patience: stop after this many epochs without a better validation micro-F1 (``None``: never;
            ignored with ``selection="last_epoch"``).
        selection: ``"val_micro_f1"`` (restore the epoch of best validation micro-F1) or ``"last_epoch"``
            (keep the final epoch's weights).
        lr: Adam learning rate. lr_schedule: ``"constant"`` or ``"cosine"`` (over ``max_epochs``).
        batch_size: records per step. seed: initialisation and batch order. threads: torch threads.
    """

    max_epochs: int = 1000
    patience: int | None = 50
    lr: float = 1e-5
    lr_schedule: Literal["constant", "cosine"] = "constant"
    batch_size: int = 32
    seed: int = 0
    threads: int = 2
    selection: Literal["val_micro_f1", "last_epoch"] = "val_micro_f1"

    def __post_init__(self) -> None:
        if self.selection not in ("val_micro_f1", "last_epoch"):
            raise ValueError(f"MultiLabelConfig: selection={self.selection!r}: expected 'val_micro_f1' or 'last_epoch'")


@dataclass
class MultiLabelEpoch:
    """One epoch: mean training loss terms per record, validation micro-F1 and exact-match accuracy."""

    epoch: int
    train: dict[str, float]
    val_micro_f1: float
    val_subset_acc: float
    seconds: float


@dataclass
class MultiLabelHistory:
    """The curve and the selected epoch (whose weights the model holds after training);
    ``best_val_micro_f1`` is the selected epoch's validation micro-F1."""

    epochs: list[MultiLabelEpoch]
    best_epoch: int
    best_val_micro_f1: float
    stopped_early: bool

    def table(self) -> list[dict[str, Any]]:
        """JSON-able rows: ``epoch``, ``train_<term>``..., ``val_micro_f1``, ``val_subset_acc``, ``seconds``."""
        return [{"epoch": e.epoch, **{f"train_{k}": v for k, v in e.train.items()},
                 "val_micro_f1": e.val_micro_f1, "val_subset_acc": e.val_subset_acc, "seconds": e.seconds}
                for e in self.epochs]


@torch.no_grad()
def predict_outputs(model: nn.Module, x: np.ndarray | torch.Tensor, *, batch_size: int = 64,
                    keep: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Run ``model`` in eval mode over ``x`` ``(n, leads, samples)``.

    Returns:
        ``{"probs": (n, n_classes)}`` plus every output field named in ``keep`` (e.g.
        ``"attention"``, ``"response"``), concatenated over batches as float32 numpy arrays.
    """
    model.eval()
    x = torch.as_tensor(x, dtype=torch.float32)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ("probs", *keep)}
    for lo in range(0, len(x), batch_size):
        out = model(x[lo:lo + batch_size])
        for name in parts:
            parts[name].append(getattr(out, name).float().numpy())
    return {name: (np.concatenate(v) if v else np.zeros((0,), np.float32)) for name, v in parts.items()}


def _validate(model: nn.Module, x: torch.Tensor, y: np.ndarray, batch_size: int) -> tuple[float, float]:
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel

    probs = predict_outputs(model, x, batch_size=batch_size)["probs"]
    m = multilabel_metrics(y, predict_multilabel(probs), [str(k) for k in range(y.shape[1])])
    return float(m["micro_f1"]), float(m["subset_acc"])


def _scalars(loss: Any) -> dict[str, torch.Tensor]:
    if dataclasses.is_dataclass(loss):
        items = {f.name: getattr(loss, f.name) for f in dataclasses.fields(loss)}
    else:
        items = dict(vars(loss))
    return {k: v for k, v in items.items() if isinstance(v, torch.Tensor) and v.ndim == 0}


def train_multilabel(
    model: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    config: MultiLabelConfig,
    *,
    loss_fn: Callable[[Any, torch.Tensor], Any],
    progress: bool = False,
) -> MultiLabelHistory:
    """Train with Adam, select an epoch (``config.selection``) and leave its weights in ``model``.

    Args:
        x_train, x_val: ``(n, leads, samples)`` float32. y_train, y_val: ``(n, n_classes)`` 0/1.
        loss_fn: ``loss_fn(model_output, y_batch_float)`` -> object with a scalar ``total``.

    Returns:
        The per-epoch history; ``model`` holds the best epoch's weights.
    """
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError("train_multilabel needs non-empty training and validation sets")
    gen = seed_everything(config.seed, threads=config.threads)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y_train), dtype=torch.float32)
    xv = torch.as_tensor(x_val, dtype=torch.float32)
    yv = np.asarray(y_val).astype(np.uint8)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps = config.max_epochs * math.ceil(len(x) / config.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, config.lr_schedule))
    epochs: list[MultiLabelEpoch] = []
    best_f1, best_epoch, best_state, waited = -1.0, 0, None, 0
    bar = tqdm(range(1, config.max_epochs + 1), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=gen)
        sums: dict[str, float] = {}
        for lo in range(0, len(x), config.batch_size):
            idx = order[lo:lo + config.batch_size]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.total.backward()
            opt.step()
            schedule.step()
            for k, v in _scalars(loss).items():
                sums[k] = sums.get(k, 0.0) + float(v.detach()) * len(idx)
        f1, acc = _validate(model, xv, yv, max(config.batch_size, 64))
        rec = MultiLabelEpoch(epoch, {k: v / len(x) for k, v in sums.items()}, f1, acc,
                              time.perf_counter() - t0)
        epochs.append(rec)
        bar.set_postfix(loss=f"{rec.train.get('total', float('nan')):.4f}", val_f1=f"{f1:.3f}")
        if config.selection == "last_epoch":
            best_f1, best_epoch = f1, epoch
        elif f1 > best_f1:
            best_f1, best_epoch, waited = f1, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if config.patience is not None and waited >= config.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return MultiLabelHistory(epochs, best_epoch, best_f1, stopped_early=len(epochs) < config.max_epochs)
