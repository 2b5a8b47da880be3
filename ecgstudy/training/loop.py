"""The one training loop of the package: :func:`fit`.

Every chapter trains with it and states its differences as arguments: the batch loss
(:mod:`~ecgstudy.training.objectives`), the optimiser factory (:mod:`~ecgstudy.training.optimisers`),
the learning-rate schedule, a per-epoch ``evaluate`` callable and the epoch ``select``\\ ion rule
(:class:`LastEpoch`, or :class:`BestEpoch` by a validation score, with patience).

Order of work, which the bit-identical reproduction of committed runs depends on:
:func:`~ecgstudy.training.seed_everything` (Python, NumPy, torch, thread count; it returns the
generator of the batch order), ``x`` to float32 and ``y`` to ``y_dtype``, the optimiser, the
scheduler; then per epoch ``model.train()``, one ``torch.randperm(n, generator=gen)``, and per
batch of the permutation (slices of ``batch_size``): forward, loss, ``zero_grad(set_to_none=True)``,
``backward``, ``step``, scheduler step, then the logged terms are added as
``float(term) * weight``. After the batches (and, with ``bn_stats="exact"``, a pass over the rows that
recomputes the BatchNorm statistics, :mod:`~ecgstudy.training.batchnorm`) ``evaluate(model, epoch)`` runs, then the selection
rule (a ``copy.deepcopy`` of the ``state_dict`` when an epoch becomes the best); the best
epoch's weights are loaded back at the end. On CPU the same seed, data and thread count give
bit-identical weights, curves and predictions.

``precision="bf16"`` runs each batch's forward pass and loss under
``torch.autocast("cpu", dtype=torch.bfloat16)`` (or CUDA's, for a model on a GPU): weights, gradients,
the optimiser state and every evaluation stay float32. On CPUs with AMX this trains about 2x faster
(``benchmarks/bench_precision.py``); float32 is the reference. A bf16 batch whose loss or gradients
are not finite is skipped (no optimiser step), as ``torch.amp.GradScaler`` skips float16 steps: on
the AMX machines oneDNN's bf16 convolution backward now and then returned NaN in a few weights'
gradients, and recomputing the same batch gave finite ones. :attr:`FitResult.skipped_steps` counts them.

Device: :func:`training_device` (the environment variable ``ECGSTUDY_DEVICE``, default ``cpu``; ``cuda``
for the ``full`` profile on a GPU machine). ``fit`` trains there and returns the model to the CPU, so every
analysis after training (maps, Grad-CAM, wave blocking) runs as on a CPU-only machine. The run record names
the device (``run.json``: ``device``); it is not part of the run id, as the CPU model is not.
"""

from __future__ import annotations

import contextlib
import os
import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ecgstudy.training.batchnorm import recompute_bn_stats
from ecgstudy.training.objectives import LossFn
from ecgstudy.training.optimisers import OptimiserFactory
from ecgstudy.training.schedule import SCHEDULES, lr_factor, lr_scheduler
from ecgstudy.training.seeding import seed_everything

#: ``evaluate(model, epoch) -> {score name: value}``, called after each epoch's training batches.
Evaluate = Callable[[nn.Module, int], Mapping[str, "float | None"]]


@dataclass(frozen=True)
class LastEpoch:
    """Train every epoch and keep the final weights. ``score``: the evaluation score reported as
    :attr:`FitResult.best_score` (the last epoch's), if any."""

    score: str | None = None


@dataclass(frozen=True)
class BestEpoch:
    """Keep the weights of the epoch with the best evaluation ``score`` (the highest, or the lowest with
    ``mode="min"``, e.g. a validation loss; the first one on ties); stop after ``patience`` epochs in a
    row without a better one (``None``: never stop early)."""

    score: str
    patience: int | None = None
    mode: Literal["max", "min"] = "max"


Selection = LastEpoch | BestEpoch


#: Training precision: float32 (the reference) or bfloat16 autocast of the forward pass and loss.
Precision = Literal["fp32", "bf16"]
BnStats = Literal["running", "exact"]


def training_device() -> torch.device:
    """The device runs train on: ``ECGSTUDY_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``...), default ``cpu``.

    Raises:
        ValueError: a CUDA device is asked for and none is available (the message says so).
    """
    name = os.environ.get("ECGSTUDY_DEVICE", "cpu").strip() or "cpu"
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"ECGSTUDY_DEVICE={name}: this torch build sees no CUDA device")
    return device


def autocast(precision: Precision, device: torch.device | str = "cpu") -> contextlib.AbstractContextManager:
    """The context a training batch runs in: nothing for ``"fp32"``, bf16 autocast for ``"bf16"``.

    >>> with autocast("bf16"):
    ...     torch.ones(2, 2) @ torch.ones(2, 2)
    tensor([[2., 2.],
            [2., 2.]], dtype=torch.bfloat16)
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":
        return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
    raise ValueError(f"precision={precision!r}: use 'fp32' or 'bf16'")


@dataclass
class Epoch:
    """One epoch of the curve.

    Attributes:
        epoch: 1-based. train: mean of each logged loss term over the epoch's batches (weighted
        by the batches' weights). scores: what ``evaluate`` returned. seconds: wall time of
        the epoch (training and evaluation).
    """

    epoch: int
    train: dict[str, float]
    scores: dict[str, float | None] = field(default_factory=dict)
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        """JSON-able: ``epoch``, ``train_<term>``..., the scores, ``seconds`` (in this order)."""
        return {"epoch": self.epoch, **{f"train_{k}": v for k, v in self.train.items()}, **self.scores,
                "seconds": self.seconds}


@dataclass
class FitResult:
    """The curve and the selected epoch, whose weights the model holds after :func:`fit`.

    Attributes:
        epochs: one :class:`Epoch` per epoch run. best_epoch: the selected epoch (1-based).
        best_score: its selection score (``None`` without one). stopped_early: fewer epochs ran
        than asked for (patience ran out).
    """

    epochs: list[Epoch]
    best_epoch: int
    best_score: float | None
    stopped_early: bool
    skipped_steps: int = 0

    @property
    def last_epoch(self) -> int:
        """The last epoch that ran (1-based)."""
        return self.epochs[-1].epoch if self.epochs else 0

    def convergence(self) -> dict[str, Any]:
        """What a run records about its budget: ``best_epoch``, ``last_epoch`` and ``stopped_by``
        (``"patience"``: no better validation score for ``patience`` epochs, the run converged;
        ``"epoch_cap"``: the budget ended it) and ``skipped_steps`` (bf16 batches with non-finite gradients)."""
        return {"best_epoch": self.best_epoch, "last_epoch": self.last_epoch,
                "stopped_by": "patience" if self.stopped_early else "epoch_cap", "skipped_steps": self.skipped_steps}

    def rows(self) -> list[dict[str, Any]]:
        """:meth:`Epoch.row` of every epoch (a run's ``curves.json``)."""
        return [e.row() for e in self.epochs]


@dataclass
class Trained:
    """What a chapter's training wrapper returns: its per-epoch records (``history``: iterating, indexing
    and ``len`` read it, as the plain lists of earlier versions did) and the :class:`FitResult`."""

    history: list[Any]
    result: FitResult

    def __iter__(self):
        return iter(self.history)

    def __len__(self) -> int:
        return len(self.history)

    def __getitem__(self, i):
        return self.history[i]

    def convergence(self) -> dict[str, Any]:
        """:meth:`FitResult.convergence` of the fit."""
        return self.result.convergence()


def epoch_logger(path: str | os.PathLike) -> Callable[[Any], None]:
    """``on_epoch`` callback that appends one line per epoch to ``path`` (``tail -f`` it to follow a run):
    ``epoch   3  train_loss 0.4120  val_loss 0.4800  2.1 s``.

    It takes an :class:`Epoch` (its :meth:`~Epoch.row`) or any dataclass record with ``epoch`` and
    ``seconds`` fields; numbers are written with four decimals, ``None`` values and nested dicts of loss
    terms are flattened or left out.

    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "progress.log"
    >>> epoch_logger(log)(Epoch(epoch=3, train={"loss": 0.412}, scores={"val_loss": 0.48, "x": None}, seconds=2.06))
    >>> print(log.read_text(), end="")
    epoch   3  train_loss 0.4120  val_loss 0.4800  2.1 s
    """
    import dataclasses

    def log(record: Any) -> None:
        if hasattr(record, "row"):
            row = record.row()
        else:
            row = {}
            for k, v in dataclasses.asdict(record).items():
                if isinstance(v, Mapping):
                    row.update({f"{k}_{kk}": vv for kk, vv in v.items()})
                else:
                    row[k] = v
        text = "  ".join(f"{k} {float(v):.4f}" for k, v in row.items()
                         if k not in ("epoch", "seconds") and isinstance(v, (int, float)) and not isinstance(v, bool))
        with open(path, "a") as f:
            f.write(f"epoch {row['epoch']:>3}  {text}  {row['seconds']:.1f} s\n")

    return log


def excess_epoch_seconds(path: str | os.PathLike) -> float | None:
    """Seconds a run's epochs took beyond its own steady pace, from its :func:`epoch_logger` file: the sum of the
    epochs' seconds minus the median epoch's times their number (time the run spent paused or sharing the cores
    with another job); None without a readable epoch line.

    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "progress.log"
    >>> _ = log.write_text("epoch   1  val_loss 0.5  2.0 s\\nepoch   2  val_loss 0.4  90.0 s\\nepoch   3  val_loss 0.4  2.2 s\\n")
    >>> round(excess_epoch_seconds(log), 2), excess_epoch_seconds(log.with_name("missing.log"))
    (87.6, None)
    """
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return None
    seconds = []
    for line in lines:
        words = line.split()
        if len(words) >= 3 and words[0] == "epoch" and words[-1] == "s":
            try:
                seconds.append(float(words[-2]))
            except ValueError:
                continue
    return float(sum(seconds) - np.median(seconds) * len(seconds)) if seconds else None

def fit(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    y: np.ndarray | torch.Tensor,
    *,
    loss: LossFn,
    optimizer: OptimiserFactory,
    epochs: int,
    batch_size: int,
    seed: int,
    threads: int = 2,
    lr_schedule: str = "constant",
    y_dtype: torch.dtype = torch.float32,
    evaluate: Evaluate | None = None,
    select: Selection = LastEpoch(),
    progress: bool = False,
    on_epoch: Callable[[Epoch], None] | None = None,
    precision: Precision = "fp32",
    bn_stats: BnStats = "running",
) -> FitResult:
    """Train ``model`` on ``(x, y)`` for up to ``epochs`` epochs; leave the selected epoch's weights in it.

    Args:
        x: ``(n, leads, samples)``, converted to float32. y: ``(n, ...)`` targets, converted to ``y_dtype``
            (``torch.long`` for class indices).
        loss: ``loss(model(x_batch), y_batch) -> BatchLoss`` (:mod:`~ecgstudy.training.objectives`).
        optimizer: ``optimizer(model.parameters())`` (:mod:`~ecgstudy.training.optimisers`).
        epochs: passes over ``(x, y)`` at most. batch_size: rows per optimiser step.
        seed: seeds everything (:func:`~ecgstudy.training.seed_everything`) and the batch order.
        threads: torch intra-op threads.
        lr_schedule: ``"constant"`` or ``"cosine"`` (:func:`~ecgstudy.training.lr_factor`, over all steps
            of ``epochs``).
        evaluate: ``evaluate(model, epoch) -> scores``, after each epoch's batches (it may switch the
            model to eval mode; the next epoch switches it back to training mode).
        select: :class:`LastEpoch` or :class:`BestEpoch` (its ``score`` must be one of ``evaluate``'s).
        progress: a tqdm bar over epochs. on_epoch: called with each finished :class:`Epoch`.
        precision: ``"fp32"`` or ``"bf16"`` (autocast of each batch's forward pass and loss).
        bn_stats: ``"running"``: BatchNorm layers keep their running statistics (PyTorch, Keras);
            ``"exact"``: before each evaluation they are recomputed from the training rows
            (:func:`~ecgstudy.training.batchnorm.recompute_bn_stats`), so that the scores and the kept weights
            measure the network as it is, not the lag of its running averages. Training is the same.

    Returns:
        The :class:`FitResult`.

    Raises:
        ValueError: an unknown ``lr_schedule`` or ``bn_stats``, or ``BestEpoch`` without ``evaluate``.
    """
    if bn_stats not in ("running", "exact"):
        raise ValueError(f"fit: bn_stats={bn_stats!r}: 'running' or 'exact'")
    if lr_schedule not in SCHEDULES:
        lr_factor(0, 1, lr_schedule)  # raises the ValueError that names the schedules
    autocast(precision)  # raises on an unknown precision
    if isinstance(select, BestEpoch) and evaluate is None:
        raise ValueError(f"fit: select=BestEpoch({select.score!r}) needs an evaluate callable")
    gen = seed_everything(seed, threads=threads)
    device = training_device()
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=y_dtype)
    model.to(device)
    opt = optimizer(model.parameters())
    schedule = lr_scheduler(opt, total_steps=epochs * math.ceil(len(x) / batch_size), schedule=lr_schedule)
    history: list[Epoch] = []
    best_score: float | None = -math.inf if isinstance(select, BestEpoch) else None
    best_epoch, best_state, waited, skipped = 0, None, 0, 0
    params = [p for p in model.parameters() if p.requires_grad]
    bar = tqdm(range(1, epochs + 1), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=gen)
        sums: dict[str, float] = {}
        weight_sum = 0.0
        for lo in range(0, len(x), batch_size):
            idx = order[lo:lo + batch_size]
            with autocast(precision, device):
                batch = loss(model(x[idx].to(device)), y[idx].to(device))
            opt.zero_grad(set_to_none=True)
            batch.value.backward()
            if precision != "fp32" and not _finite(batch.value, params):
                skipped += 1
                opt.zero_grad(set_to_none=True)
                schedule.step()
                continue
            opt.step()
            schedule.step()
            for k, v in batch.terms.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach()) * batch.weight
            weight_sum += batch.weight
        rec = Epoch(epoch, {k: v / max(weight_sum, 1e-12) for k, v in sums.items()})
        if bn_stats == "exact":
            recompute_bn_stats(model, x, batch_size=batch_size)
        if evaluate is not None:
            rec.scores = dict(evaluate(model, epoch))
        rec.seconds = time.perf_counter() - t0
        history.append(rec)
        bar.set_postfix({f"train_{k}": f"{v:.4f}" for k, v in list(rec.train.items())[:1]})
        if on_epoch is not None:
            on_epoch(rec)
        if isinstance(select, LastEpoch):
            best_epoch = epoch
            best_score = None if select.score is None else rec.scores[select.score]
            continue
        score = rec.scores[select.score]
        if select.mode == "min":
            score = -score
        if score > best_score:
            best_score, best_epoch, waited = score, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if select.patience is not None and waited >= select.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.to("cpu")
    if isinstance(select, BestEpoch) and select.mode == "min" and best_score is not None:
        best_score = -best_score
    return FitResult(history, best_epoch, best_score, stopped_early=len(history) < epochs, skipped_steps=skipped)


def _finite(loss: torch.Tensor, params: list[torch.Tensor]) -> bool:
    """Whether the loss and every gradient are finite (one fused check)."""
    grads = [p.grad for p in params if p.grad is not None]
    return bool(torch.isfinite(loss).all()) and bool(torch.stack([g.float().abs().sum() for g in grads]).isfinite().all())
