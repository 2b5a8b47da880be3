"""One training run of Chapter 4's controlled model: a small CNN on a task whose evidence is planted in one wave.

The run draws :func:`~ecgstudy.synthetic.planted.planted_records` (the label decided only by the planted
wave's amplitude or width), trains :class:`~ecgstudy.models.PlantedCNN` with :func:`ecgstudy.training.fit`
(softmax cross-entropy, Adam at a constant rate), keeps the epoch of the lowest inner-validation loss and
stops after ``patience`` epochs without a lower one, then scores the held-out records. The right
explanation of this model is known exactly: the planted wave's mask (``PlantedSet.mask``), which the
chapter's attribution methods are judged against.

Files of a run: ``metrics.json`` (held-out ``accuracy``, ``auc``, ``sensitivity``, ``specificity`` and the
confusion counts of class 1; ``n_train`` (fitted), ``n_val``, ``n_test``, ``train_seconds``, ``wave``,
``rule``, ``planted_column``; with a validation set ``best_val_loss``, ``precision``, ``best_epoch``,
``last_epoch``, ``stopped_by``, ``skipped_steps``), ``predictions.npz`` (held-out record ``index``,
``prob`` of class 1, ``label``, ``logits`` ``(n_test, 2)``), ``curves.json`` (per-epoch training loss,
validation loss and accuracy), ``progress.log`` (one line per epoch, written as training goes) and, with
``keep_weights``, ``weights.pt`` (:mod:`ecgstudy.checkpoints`, builder ``planted_cnn``). With
``keep_weights`` the test records are scored with the weights as stored (float16-rounded, read back), so
:func:`reproduce` recomputes the stored metrics from the checkpoint alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.attribution.params import ControlledParams
from ecgstudy.synthetic.planted import PlantedSet

#: Test metrics :func:`reproduce` recomputes (keys of :func:`ecgstudy.metrics.binary.binary_metrics`).
REPRODUCED = ("accuracy", "auc", "sensitivity", "specificity")


def split_indices(params: ControlledParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fit_idx, val_idx, test_idx)``: the last ``round(n_records * test_fraction)`` records are the test set,
    the last ``1 / inner_folds`` of the others (rounded down) the inner validation set (records are drawn
    independently, so a split by position is a random split).

    >>> [len(i) for i in split_indices(ControlledParams(n_records=100, test_fraction=0.2, inner_folds=5))]
    [64, 16, 20]
    """
    n_test = round(params.n_records * params.test_fraction)
    n_train = params.n_records - n_test
    n_val = n_train // params.inner_folds if params.inner_folds else 0
    idx = np.arange(params.n_records)
    return idx[:n_train - n_val], idx[n_train - n_val:n_train], idx[n_train:]


def records(params: ControlledParams, start: int = 0, stop: int | None = None) -> PlantedSet:
    """Records ``start .. stop - 1`` of a run (default all ``n_records``), drawn with the run's seed."""
    from ecgstudy.synthetic.planted import planted_records
    from ecgstudy.synthetic.sampling import DEFAULT_NOISE

    stop = params.n_records if stop is None else stop
    return planted_records(stop - start, wave=params.wave, rule=params.rule, fs=params.fs, seconds=params.seconds,
                           leads=params.leads, seed=params.seed, noise=DEFAULT_NOISE if params.noise else None,
                           offset=start)


def model_kwargs(params: ControlledParams, *, in_leads: int) -> dict:
    """Keyword arguments of :class:`~ecgstudy.models.PlantedCNN` (JSON values: the checkpoint's ``kwargs``)."""
    return {"in_leads": int(in_leads), "n_classes": 2, "channels": [int(c) for c in params.channels],
            "kernel_size": int(params.kernel_size)}


def _output(out):
    return out


def held_out_logits(model, x: np.ndarray) -> np.ndarray:
    """``(n, 2)`` float32 logits of ``model`` (eval mode) on ``x`` ``(n, leads, samples)``."""
    from ecgstudy.training import predict

    if not len(x):
        return np.zeros((0, 2), np.float32)
    return predict(model, x, fields={"logits": _output}, batch_size=256)["logits"]


def class1_probability(logits: np.ndarray) -> np.ndarray:
    """Softmax probability of class 1, ``(n, 2) -> (n,)``, computed as ``sigmoid(z1 - z0)``.

    >>> class1_probability(np.array([[0.0, 0.0], [0.0, np.log(3.0)]])).tolist()
    [0.5, 0.75]
    """
    d = np.asarray(logits, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(d[:, 0] - d[:, 1]))



def reproduce(run_dir: Path, source: DataSource) -> dict[str, tuple[float, float]]:
    """Load a run's checkpoint (:mod:`ecgstudy.checkpoints`), draw its test records again and return
    ``{metric: (stored, now)}`` for :data:`REPRODUCED`. ``source`` is unused (the data is the generator's)."""
    from ecgstudy.checkpoints import load
    from ecgstudy.metrics.binary import binary_metrics
    from ecgstudy.runs.store import read_run_info

    run_dir = Path(run_dir)
    params = ControlledParams.model_validate(read_run_info(run_dir / "run.json")["params"])
    _, _, test_idx = split_indices(params)
    test = records(params, int(test_idx[0]), int(test_idx[-1]) + 1)
    now = binary_metrics(test.labels, class1_probability(held_out_logits(load(run_dir), test.signals)))
    stored = json.loads((run_dir / "metrics.json").read_text())
    return {k: (float(stored[k]), float(now[k])) for k in REPRODUCED}


def run_controlled(params: ControlledParams, source: DataSource, run_dir: Path) -> None:
    """Train and evaluate the controlled model; write the run's files into ``run_dir`` (module docstring)."""
    import torch
    import torch.nn.functional as F

    from ecgstudy.metrics.binary import binary_metrics
    from ecgstudy.models import PlantedCNN
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import BestEpoch, LastEpoch, adam, cross_entropy, epoch_logger, fit, seed_everything

    data = records(params)
    x, y = data.signals, data.labels
    fit_idx, val_idx, test_idx = split_indices(params)
    seed_everything(params.seed)
    kwargs = model_kwargs(params, in_leads=x.shape[1])
    model = PlantedCNN(**kwargs)
    x_val, y_val = x[val_idx], torch.as_tensor(y[val_idx], dtype=torch.long)

    def evaluate(m, epoch: int) -> dict[str, float]:
        if not len(val_idx):
            return {}
        logits = torch.from_numpy(held_out_logits(m, x_val))
        return {"val_loss": float(F.cross_entropy(logits, y_val)),
                "val_accuracy": float((logits.argmax(1) == y_val).double().mean())}

    select = LastEpoch() if params.patience is None else BestEpoch("val_loss", patience=params.patience, mode="min")
    result = fit(model, x[fit_idx], y[fit_idx], loss=cross_entropy(), optimizer=adam(params.lr), epochs=params.epochs,
                 batch_size=params.batch_size, seed=params.seed, y_dtype=torch.long, evaluate=evaluate, select=select,
                 on_epoch=epoch_logger(run_dir / "progress.log"), precision=params.precision)
    if params.keep_weights:  # score the float16-rounded weights that are published, so they reproduce exactly
        from ecgstudy.checkpoints import load, save

        save(model, run_dir, builder="planted_cnn", kwargs=kwargs)
        model = load(run_dir)
    logits = held_out_logits(model, x[test_idx])
    prob = class1_probability(logits)
    metrics = binary_metrics(y[test_idx], prob)
    metrics.update(n_train=int(len(fit_idx)), n_val=int(len(val_idx)), n_test=int(len(test_idx)),
                   train_seconds=float(sum(e.seconds for e in result.epochs)), wave=params.wave, rule=params.rule,
                   planted_column=data.planted_column, epochs_run=len(result.epochs))
    if len(val_idx):
        best = result.epochs[result.best_epoch - 1].scores
        metrics.update(best_val_loss=best["val_loss"], best_val_accuracy=best["val_accuracy"],
                       precision=params.precision, **result.convergence())
    np.savez_compressed(run_dir / "predictions.npz", index=test_idx, prob=prob.astype(np.float32), label=y[test_idx],
                        logits=logits.astype(np.float32))
    (run_dir / "curves.json").write_text(json.dumps(result.rows()))
    write_json(run_dir / "metrics.json", metrics)
