"""The xECGNet chapter's training: Adam on a loss object, with validation micro-F1 selection.

Contract: ``model(x)`` with ``x`` ``(batch, leads, samples)`` returns an output object with
``probs`` ``(batch, n_classes)`` (the inference probabilities); ``loss_fn(output, y)``
returns an object with a scalar tensor ``total`` (what is optimised) and optionally other
scalar tensor fields (logged per epoch, e.g. ``bce_att``, ``bce_per``, ``reg``).

Model selection follows the xECGNet authors by default (``selection="val_micro_f1"``): after every
epoch the validation micro-F1 (probabilities >= 0.5) is computed; the weights of the best epoch
are kept and restored at the end; training stops after ``patience`` epochs without improvement.
``selection="val_bce"`` does the same on the validation binary cross-entropy of ``probs`` (lowest wins),
a smoother score than a thresholded micro-F1 on a small validation set (a deviation from the authors).
``selection="last_epoch"`` trains every epoch and keeps the final weights (a fixed budget, for
validation sets too small to choose an epoch); the validation scores are still logged.
``precision="bf16"`` trains under bf16 autocast (:func:`~ecgstudy.training.fit`); validation stays float32.
:func:`train_multilabel` is :func:`~ecgstudy.training.fit` with
:func:`~ecgstudy.training.objectives.loss_terms`, :func:`~ecgstudy.training.optimisers.adam`,
the validation scores as evaluation and :class:`~ecgstudy.training.BestEpoch` or
:class:`~ecgstudy.training.LastEpoch`; deterministic as ``fit`` is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from ecgstudy.training.loop import BestEpoch, Epoch, FitResult, LastEpoch, Precision, fit
from ecgstudy.training.objectives import loss_terms
from ecgstudy.training.optimisers import adam
from ecgstudy.training.inference import field, predict


#: How a run keeps its weights (:attr:`MultiLabelConfig.selection`).
SELECTIONS = ("val_micro_f1", "val_bce", "last_epoch")
#: ``(score, mode)`` of each validation-driven selection (``"max"``: higher is better).
SELECTION_SCORE = {"val_micro_f1": ("val_micro_f1", "max"), "val_bce": ("val_bce", "min")}


@dataclass(frozen=True)
class MultiLabelConfig:
    """Optimisation settings.

    Attributes:
        max_epochs: passes over the training set at most.
        patience: stop after this many epochs without a better validation score (``None``: never;
            ignored with ``selection="last_epoch"``).
        selection: ``"val_micro_f1"`` (restore the epoch of best validation micro-F1, the authors' rule),
            ``"val_bce"`` (of lowest validation binary cross-entropy) or ``"last_epoch"`` (keep the final
            epoch's weights).
        lr: Adam learning rate. lr_schedule: ``"constant"`` or ``"cosine"`` (over ``max_epochs``).
        batch_size: records per step. seed: initialisation and batch order. threads: torch threads.
        precision: ``"fp32"`` or ``"bf16"`` (autocast of the training batches' forward pass and loss).
        bn_stats: ``"running"`` (the authors' Keras layers) or ``"exact"`` (BatchNorm statistics recomputed
            from the training records before every validation, :mod:`~ecgstudy.training.batchnorm`).
    """

    max_epochs: int = 1000
    patience: int | None = 50
    lr: float = 1e-5
    lr_schedule: Literal["constant", "cosine"] = "constant"
    batch_size: int = 32
    seed: int = 0
    threads: int = 2
    selection: Literal["val_micro_f1", "val_bce", "last_epoch"] = "val_micro_f1"
    precision: Precision = "fp32"
    bn_stats: Literal["running", "exact"] = "running"

    def __post_init__(self) -> None:
        if self.selection not in SELECTIONS:
            raise ValueError(f"MultiLabelConfig: selection={self.selection!r}: expected one of {SELECTIONS}")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"MultiLabelConfig: precision={self.precision!r}: expected 'fp32' or 'bf16'")


@dataclass
class MultiLabelEpoch:
    """One epoch: mean training loss terms per record, validation micro-F1, exact-match accuracy and
    binary cross-entropy of the probabilities (mean over records and classes, nats)."""

    epoch: int
    train: dict[str, float]
    val_micro_f1: float
    val_subset_acc: float
    seconds: float
    val_bce: float = float("nan")


@dataclass
class MultiLabelHistory:
    """The curve and the selected epoch (whose weights the model holds after training);
    ``best_val_micro_f1`` is the selected epoch's validation micro-F1 (whatever the selection ranked by); ``result``: what
    :func:`~ecgstudy.training.fit` returned (``None`` for a history built by hand)."""

    epochs: list[MultiLabelEpoch]
    best_epoch: int
    best_val_micro_f1: float
    stopped_early: bool
    result: FitResult | None = None

    def convergence(self) -> dict[str, Any]:
        """``best_epoch``, ``last_epoch`` and ``stopped_by`` (``"patience"`` or ``"epoch_cap"``), as
        :meth:`FitResult.convergence <ecgstudy.training.FitResult.convergence>` gives them."""
        if self.result is not None:
            return self.result.convergence()
        return {"best_epoch": self.best_epoch, "last_epoch": self.epochs[-1].epoch if self.epochs else 0,
                "stopped_by": "patience" if self.stopped_early else "epoch_cap"}

    def table(self) -> list[dict[str, Any]]:
        """JSON-able rows: ``epoch``, ``train_<term>``..., ``val_micro_f1``, ``val_subset_acc``, ``val_bce``,
        ``seconds``."""
        return [{"epoch": e.epoch, **{f"train_{k}": v for k, v in e.train.items()},
                 "val_micro_f1": e.val_micro_f1, "val_subset_acc": e.val_subset_acc, "val_bce": e.val_bce,
                 "seconds": e.seconds}
                for e in self.epochs]


def validation_scores(model: nn.Module, x: torch.Tensor, y: np.ndarray, *, batch_size: int) -> dict[str, float]:
    """``val_micro_f1`` and ``val_subset_acc`` of ``model``'s ``probs`` >= 0.5 on ``x`` against ``y`` ``(n, n_classes)``,
    and ``val_bce``: :func:`binary_cross_entropy` of ``probs``."""
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel

    probs = predict(model, x, fields={"probs": field("probs")}, batch_size=batch_size)["probs"]
    m = multilabel_metrics(y, predict_multilabel(probs), [str(k) for k in range(y.shape[1])])
    return {"val_micro_f1": float(m["micro_f1"]), "val_subset_acc": float(m["subset_acc"]),
            "val_bce": binary_cross_entropy(y, probs)}


def binary_cross_entropy(y: np.ndarray, probs: np.ndarray, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy (nats) over records and classes of ``probs`` (clipped to ``[eps, 1-eps]``)
    against ``y``, both ``(n, n_classes)``; sklearn's ``log_loss`` of the flattened arrays.

    >>> round(binary_cross_entropy(np.array([[1, 0]]), np.array([[0.5, 0.5]])), 6)
    0.693147
    """
    p = np.clip(np.asarray(probs, dtype=np.float64), eps, 1 - eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


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
    on_epoch: Callable[[MultiLabelEpoch], None] | None = None,
) -> MultiLabelHistory:
    """Train with Adam, select an epoch (``config.selection``) and leave its weights in ``model``.

    Args:
        x_train, x_val: ``(n, leads, samples)`` float32. y_train, y_val: ``(n, n_classes)`` 0/1.
        loss_fn: ``loss_fn(model_output, y_batch_float)`` -> object with a scalar ``total``.
        on_epoch: called with each finished epoch's record (e.g. to log it).

    Returns:
        The per-epoch history; ``model`` holds the selected epoch's weights.
    """
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError("train_multilabel needs non-empty training and validation sets")
    xv = torch.as_tensor(x_val, dtype=torch.float32)
    yv = np.asarray(y_val).astype(np.uint8)
    batch = max(config.batch_size, 64)
    select: LastEpoch | BestEpoch = LastEpoch("val_micro_f1")
    if config.selection != "last_epoch":
        score, mode = SELECTION_SCORE[config.selection]
        select = BestEpoch(score, patience=config.patience, mode=mode)
    result = fit(model, x_train, np.asarray(y_train), loss=loss_terms(loss_fn),
                 optimizer=adam(config.lr), epochs=config.max_epochs, batch_size=config.batch_size, seed=config.seed,
                 threads=config.threads, lr_schedule=config.lr_schedule, y_dtype=torch.float32,
                 evaluate=lambda m, _: validation_scores(m, xv, yv, batch_size=batch), select=select,
                 progress=progress, on_epoch=None if on_epoch is None else (lambda e: on_epoch(_record(e))),
                 precision=config.precision, bn_stats=config.bn_stats)
    epochs = [_record(e) for e in result.epochs]
    kept = next((e for e in epochs if e.epoch == result.best_epoch), None)
    return MultiLabelHistory(epochs, result.best_epoch, kept.val_micro_f1 if kept else float("nan"),
                             result.stopped_early, result)


def _record(e: Epoch) -> MultiLabelEpoch:
    return MultiLabelEpoch(e.epoch, e.train, e.scores["val_micro_f1"], e.scores["val_subset_acc"], e.seconds,
                           e.scores.get("val_bce", float("nan")))
