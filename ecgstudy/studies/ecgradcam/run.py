"""ECGradCAM (Hicks et al., Sci Rep 2021): one training run, and the grid and summary of the chapter.

A run trains one :class:`~ecgstudy.models.KanResWideX` on 8-lead median beats
(:mod:`ecgstudy.studies.ecgradcam.data`) for one target (an interval, an amplitude, heart rate,
age: regression; or sex: binary) on one fold of a 5-fold split with one seed, evaluates it on
the held-out fold, and then asks where its Grad-CAM maps look and what it loses when a wave is
blocked:

* **Maps** of the held-out records, for both variants: textbook Grad-CAM
  (:class:`~ecgstudy.attribution.GradCAM`: per-channel weights, ReLU, linear upsampling) and the
  authors' ECGradCAM (:class:`~ecgstudy.attribution.ECGradCAM`: guided gradients, one scalar
  weight, min-max), at each layer of ``params.layers`` (``last_add``: the last residual
  addition, the authors' "Last Add"; ``last_conv``: its last convolution, "Last Conv";
  ``block<k>``: the output of residual module ``k``, an earlier layer).
* **Attention quantified**: the share of each (upsampled, non-negative) map's mass inside the
  target's defining region (:data:`TARGET_REGIONS`, from the median beat's fiducials) against
  the region's share of the 600 samples, and their ratio (:mod:`ecgstudy.explain.region_mass`).
* **Wave blocking**: the held-out predictions with the P wave, the QRS or the T wave replaced
  by a straight line (:func:`~ecgstudy.explain.wave_blocking.block_waves`), and the change of
  the headline metric.

Files of a run: ``metrics.json``, ``predictions.npz`` (record ids, targets, predictions, also
with each wave blocked; for sex also ``logit``, the pre-sigmoid scores, in runs made after
``ecgradcam.1-page.1``: older runs have none), ``maps.npz`` (layer maps ``(n_test, T)`` float16 keyed
``<variant>.<layer>``, with ``index`` / ``record_ids`` of the held-out records and the per-record
region ratios), ``curves.json`` (per-epoch training and held-out loss, and ``val_loss`` with an inner
validation set), ``progress.log`` (one line per epoch, written while the run trains), ``weights.pt`` with
``keep_weights`` (:mod:`ecgstudy.checkpoints`).

Budgets: by default a run trains ``epochs`` epochs and keeps the last. With ``inner_folds = k`` it holds
out 1/k of its training rows as inner validation (grouped by patient and stratified as the outer folds,
:func:`fold_indices`), and with ``patience`` it keeps the epoch of the lowest validation loss and stops
after ``patience`` epochs without a lower one. ``metrics.json`` records ``precision``, ``n_val``,
``best_epoch``, ``last_epoch``, ``stopped_by`` (``"patience"``: converged; ``"epoch_cap"``: the budget
ended it) and ``best_val_loss``; ``epochs`` stays the cap. With ``keep_weights`` the selected weights
are rounded to float16 (as :func:`ecgstudy.checkpoints.save` stores them) *before* the run is evaluated,
so that every number of the run is that of the published model and :func:`reproduce` recomputes the
stored test metrics from the checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.ecgradcam.maps import attention_in_region
from ecgstudy.studies.ecgradcam.params import EcgradcamRunParams
from ecgstudy.studies.ecgradcam.targets import WAVES, headline_metrics, is_binary, score, target_units

if TYPE_CHECKING:
    import pandas as pd

    from ecgstudy.training import Trained


def load_data(dataset: str, params: EcgradcamRunParams, source: DataSource):
    """The :class:`~ecgstudy.studies.ecgradcam.data.MedianBeatData` of a run."""
    from ecgstudy.studies.ecgradcam.data import load_median_beat_data

    return load_median_beat_data(dataset, source, n_synthetic=params.n_synthetic)


def fold_split(y: np.ndarray, *, n_folds: int, fold: int, seed: int, stratify: bool,
               groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, test_idx)`` of fold ``fold``: ``KFold(n_folds, shuffle=True, random_state=seed)``
    over the rows of ``y`` (:func:`~ecgstudy.evaluation.shuffled_folds`), or ``StratifiedKFold`` on
    ``y`` when ``stratify`` (sex; :func:`~ecgstudy.evaluation.segment_folds`); with ``groups`` (the
    patient of each row) no group is on both sides (:func:`~ecgstudy.evaluation.folds.grouped_folds`,
    the same folds when every patient has one row)."""
    from ecgstudy.evaluation.folds import grouped_folds, pick_fold, segment_folds, shuffled_folds

    if not 0 <= fold < n_folds:
        raise ParameterError(f"fold={fold}: must be in 0..{n_folds - 1}")
    y = np.asarray(y)
    if groups is not None:
        return pick_fold(grouped_folds(y, groups, n_folds=n_folds, seed=seed, stratify=stratify), fold)
    folds = (segment_folds(y.astype(np.int64), n_folds=n_folds, seed=seed) if stratify
             else shuffled_folds(len(y), n_folds=n_folds, seed=seed))
    return pick_fold(folds, fold)


def split_groups(dataset: str, record_ids: np.ndarray, params: EcgradcamRunParams, source: DataSource
                 ) -> np.ndarray | None:
    """The patient of each record when ``params.split_unit`` is ``"patient"`` (else ``None``: by record)."""
    if params.split_unit != "patient":
        return None
    from ecgstudy.data.patients import patient_ids

    kind = dataset if source.kind == "real" else "synthetic"
    return patient_ids(kind, record_ids, folder=source.folders.get("ptbxl"))


def fold_indices(y: np.ndarray, params: EcgradcamRunParams, *, stratify: bool, groups: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fit_idx, val_idx, test_idx)``, sorted positions in ``y``: the outer fold ``params.fold``
    (:func:`fold_split`) and, with ``params.inner_folds = k``, its training rows split by the same rule
    (fold 0 of ``fold_split`` over the training rows, ``k`` folds, the same seed, stratification and
    ``groups``) into the rows the model is fitted on and the inner validation rows (empty with
    ``inner_folds = 0``). With ``groups`` (the patient of each row) no patient is in two of the three.

    >>> p = EcgradcamRunParams(fold=0, n_folds=2, inner_folds=2)
    >>> fit, val, test = fold_indices(np.arange(8.0), p, stratify=False)
    >>> sorted(np.concatenate([fit, val, test]).tolist()), len(fit), len(val), len(test)
    ([0, 1, 2, 3, 4, 5, 6, 7], 2, 2, 4)
    """
    y = np.asarray(y)
    train, test = fold_split(y, n_folds=params.n_folds, fold=params.fold, seed=params.seed, stratify=stratify,
                             groups=groups)
    if not params.inner_folds:
        return train, train[:0], test
    fit_pos, val_pos = fold_split(y[train], n_folds=params.inner_folds, fold=0, seed=params.seed, stratify=stratify,
                                  groups=None if groups is None else np.asarray(groups)[train])
    return train[fit_pos], train[val_pos], test


def predict_output(model, x: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
    """Output 0 of ``model`` for every row of ``x`` ``(n, leads, samples)``, ``(n,)`` float64."""
    from ecgstudy.training import column, predict

    return predict(model, x, fields={"y": column(0)}, batch_size=batch_size)["y"].astype(np.float64)


def train_model(model, x: np.ndarray, y: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray, *, epochs: int,
                lr: float, batch_size: int, lr_schedule: str, binary: bool, seed: int,
                x_val: np.ndarray | None = None, y_val: np.ndarray | None = None, patience: int | None = None,
                precision: str = "fp32", bn_stats: str = "running", on_epoch: Callable | None = None) -> Trained:
    """Train ``model`` (output 0 against ``y``: MSE, or BCE with logits when ``binary``) with
    Keras' Nadam (:func:`~ecgstudy.training.keras_nadam`, the authors' optimiser) for up to ``epochs``;
    :func:`~ecgstudy.training.fit`, seeded by ``seed``, in ``precision`` (``"fp32"`` or ``"bf16"``
    autocast of the training batches; evaluation stays float32).

    Args:
        x: ``(n, leads, samples)`` the rows the model is fitted on; y: ``(n,)`` their (z-scored) targets.
        x_eval, y_eval: the held-out fold, scored every epoch (``heldout_loss``, ``None`` when empty) and
            never used for a decision.
        x_val, y_val: inner validation rows, scored every epoch (``val_loss``); with ``patience`` the epoch
            of the lowest ``val_loss`` is kept (the first on ties) and training stops after ``patience``
            epochs without a lower one. Without them (or ``None``/empty) the last epoch is kept.
        bn_stats: ``"exact"`` recomputes the BatchNorm statistics from ``x`` before every evaluation
            (:mod:`~ecgstudy.training.batchnorm`); ``"running"`` keeps the running averages (the authors).
        on_epoch: called with each finished :class:`~ecgstudy.training.loop.Epoch` (e.g. :func:`~ecgstudy.training.epoch_logger`).

    Returns:
        A :class:`~ecgstudy.training.Trained`: ``history`` the rows ``epoch, train_loss, heldout_loss[, val_loss],
        seconds`` (a run's ``curves.json``) and the :class:`~ecgstudy.training.FitResult`; the model holds the
        selected epoch's weights.

    Raises:
        ValueError: ``patience`` without a validation set.
    """
    import torch
    import torch.nn.functional as F

    from ecgstudy.training import BestEpoch, LastEpoch, Trained, column_loss, fit, keras_nadam

    loss_fn = F.binary_cross_entropy_with_logits if binary else F.mse_loss
    ye = torch.as_tensor(y_eval, dtype=torch.float32)
    has_val = x_val is not None and len(x_val) > 0
    yv = torch.as_tensor(y_val, dtype=torch.float32) if has_val else None
    if patience is not None and not has_val:
        raise ValueError("train_model: patience needs a validation set (x_val, y_val)")

    def loss_on(m, xs: np.ndarray, ys) -> float:
        return float(loss_fn(torch.as_tensor(predict_output(m, xs), dtype=torch.float32), ys))

    def scores(m, _epoch: int) -> dict[str, float | None]:
        out: dict[str, float | None] = {"heldout_loss": loss_on(m, x_eval, ye) if len(ye) else None}
        if has_val:
            out["val_loss"] = loss_on(m, x_val, yv)
        return out

    select = LastEpoch() if patience is None else BestEpoch("val_loss", patience=patience, mode="min")
    result = fit(model, x, y, loss=column_loss(loss_fn), optimizer=keras_nadam(lr), epochs=epochs,
                 batch_size=batch_size, seed=seed, lr_schedule=lr_schedule, evaluate=scores, select=select,
                 on_epoch=on_epoch, precision=precision, bn_stats=bn_stats)
    return Trained(result.rows(), result)


def round_to_checkpoint(model) -> None:
    """Round ``model``'s floating weights and buffers to float16 in place (kept as float32), as
    :func:`ecgstudy.checkpoints.save` stores them and :func:`ecgstudy.checkpoints.load` gives them back."""
    import torch

    with torch.no_grad():
        for v in model.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.half().to(v.dtype))


def budget_metrics(params: EcgradcamRunParams, trained: Trained, n_val: int) -> dict[str, Any]:
    """The budget keys of a run's ``metrics.json``: ``precision``, ``n_val``, ``best_epoch``, ``last_epoch``,
    ``stopped_by``, ``skipped_steps`` and ``best_val_loss``, the validation loss of the kept epoch (``None``
    without a validation set); ``epochs``, recorded beside them, is the cap."""
    conv = trained.convergence()
    kept = trained.history[conv["best_epoch"] - 1] if conv["best_epoch"] else {}
    return {"precision": params.precision, "n_val": int(n_val), **conv, "best_val_loss": kept.get("val_loss")}


def ladder_follower(run_dir: Path, model, params: EcgradcamRunParams) -> tuple[Callable, Any]:
    """``(on_epoch, rungs)``: the ``on_epoch`` callback of :func:`train_model` that writes the run's
    ``progress.log`` and follows the budget ladder (:class:`~ecgstudy.training.ladder.Rungs` over
    ``params.ladder``, by the lowest ``val_loss`` when the run has ``patience``, else the last epoch)."""
    from ecgstudy.training import epoch_logger
    from ecgstudy.training.ladder import Rungs

    log = epoch_logger(run_dir / "progress.log")
    rungs = Rungs(model, tuple(params.ladder), by_validation=params.patience is not None)
    return rungs.follow(log), rungs


def ladder_scores(rungs, trained: Trained, *, in_leads: int, x_test: np.ndarray, y_test: np.ndarray,
                  y_train: np.ndarray, mu: float, sd: float, binary: bool) -> dict[str, dict[str, Any]]:
    """``{rung: {"kept_epoch", headline metrics}}``: each rung's kept weights (:class:`Rungs` after
    training) scored on the test rows ``x_test`` ``(n, leads, samples)`` against ``y_test`` in the target's
    units (predictions mapped back with ``mu`` and ``sd``; probabilities for a binary target)."""
    from scipy.special import expit

    from ecgstudy.models.kanres_wide_x import KanResWideX

    def scores(m) -> dict[str, float]:
        out = predict_output(m, x_test)
        pred = expit(out) if binary else out * sd + mu
        full = score(y_test, pred, binary=binary, y_train=y_train)
        return {k: float(full[k]) for k in headline_metrics(binary)}

    return rungs.scores(trained.convergence(), lambda: KanResWideX(in_leads=in_leads, n_outputs=1), scores)


def save_weights(model, run_dir: Path, in_leads: int) -> Path:
    """``run_dir/weights.pt`` of a KanResWide_X with one output (:func:`ecgstudy.checkpoints.save`)."""
    from ecgstudy.checkpoints import save

    return save(model, run_dir, builder="kanres_wide_x", kwargs={"in_leads": int(in_leads), "n_outputs": 1})


def run_rows(data, params: EcgradcamRunParams, dataset: str, source: DataSource
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(fit, val, test, known)`` of a LUDB or PTB-XL run: row indices of ``data`` fitted on, validated on
    and tested on (:func:`fold_indices` over the rows with a value of the target, grouped by
    :func:`split_groups`), and the mask of those rows."""
    y_all = data.target(params.target)
    binary = is_binary(params.target)
    known = np.isfinite(y_all) & (np.isin(y_all, (0.0, 1.0)) if binary else True)
    rows = np.flatnonzero(known)
    groups = split_groups(dataset, data.record_ids[rows], params, source)
    fit_pos, val_pos, test_pos = fold_indices(y_all[rows], params, stratify=binary, groups=groups)
    return rows[fit_pos], rows[val_pos], rows[test_pos], known


def reproduce(run_dir: Path, source: DataSource) -> dict[str, tuple[float, float]]:
    """Load a run's checkpoint (:mod:`ecgstudy.checkpoints`), predict its test rows again (rebuilding its
    parameters, data and split from ``run.json``, mapping back with the stored ``train_mean`` /
    ``train_sd``, or the sigmoid for sex) and return ``{metric: (stored, now)}`` for MAE, RMSE and R²
    (accuracy and AUC for sex). Runs of ``ecgradcam-transfer`` go to
    :func:`ecgstudy.studies.ecgradcam.transfer.reproduce`."""
    from scipy.special import expit

    from ecgstudy.checkpoints import load
    from ecgstudy.runs.store import read_run_info

    run_dir = Path(run_dir)
    info = read_run_info(run_dir / "run.json")
    if info["experiment"] == "ecgradcam-transfer":
        from ecgstudy.studies.ecgradcam.transfer import reproduce as reproduce_transfer

        return reproduce_transfer(run_dir, source)
    dataset = info["experiment"].removeprefix("ecgradcam-")
    if dataset not in ("ludb", "ptbxl"):
        raise ParameterError(f"{run_dir}: experiment {info['experiment']!r} is not an ECGradCAM training run")
    params = EcgradcamRunParams.model_validate(info["params"])
    data = load_data(dataset, params, source)
    _, _, test, _ = run_rows(data, params, dataset, source)
    stored = json.loads((run_dir / "metrics.json").read_text())
    binary = is_binary(params.target)
    out = predict_output(load(run_dir), data.x[test])
    pred = expit(out) if binary else out * stored["train_sd"] + stored["train_mean"]
    y = data.target(params.target)[test]
    now = score(y, pred, binary=binary, y_train=y)
    keys = ("accuracy", "auc") if binary else ("mae", "rmse", "r2")
    return {k: (float(stored[k]), float(now[k])) for k in keys}


def block_and_score(predict, x: np.ndarray, y: np.ndarray, fiducials: "pd.DataFrame", *, binary: bool,
                    y_train: np.ndarray, reference: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """Predictions of ``x`` with each wave of :data:`WAVES` blocked
    (:func:`~ecgstudy.explain.wave_blocking.block_waves`), scored against ``y``.

    Args:
        predict: ``(n, leads, samples) -> (n,)`` predictions in the target's units (probabilities if binary).
        fiducials: :meth:`MedianBeatData.fiducial_frame` of the rows of ``x``.
        reference: the unblocked metrics (:func:`score`), for the changes ``delta_<metric>``.

    Returns:
        ``(blocking, blocked_preds)``: per wave ``n_blocked``, ``n_unblocked`` and, when a record
        was blocked, the headline metrics and their change; the blocked predictions and masks
        (``prediction_block_<wave>``, ``blocked_<wave>``).
    """
    from ecgstudy.explain.wave_blocking import block_waves

    blocking: dict = {}
    blocked_preds: dict[str, np.ndarray] = {}
    for wave in WAVES:
        xb, was_blocked = block_waves(x, fiducials, wave)
        entry = {"n_blocked": int(was_blocked.sum()), "n_unblocked": int((~was_blocked).sum())}
        if was_blocked.any():
            pb = predict(xb)
            blocked_preds[f"prediction_block_{wave}"] = pb.astype(np.float32)
            blocked_preds[f"blocked_{wave}"] = was_blocked
            m = score(y, pb, binary=binary, y_train=y_train)
            for k in headline_metrics(binary):
                entry[k] = m[k]
                entry[f"delta_{k}"] = m[k] - reference[k]
        blocking[wave] = entry
    return blocking, blocked_preds


def run_ecgradcam(params: EcgradcamRunParams, source: DataSource, run_dir: Path, *, dataset: str) -> None:
    """Train on ``params.fold``'s training folds, evaluate, map and block; write the run's files.

    Split: the records with a value of the target are split into ``n_folds`` folds by
    ``KFold(shuffle=True, random_state=params.seed)`` (``StratifiedKFold`` for ``sex``). The
    authors used contiguous, unshuffled folds and kept the epoch of the lowest loss on the
    held-out fold itself (optimistic: the test fold chooses the model). Here a fixed number of
    epochs is trained and the last epoch is evaluated, or, with ``inner_folds`` and ``patience``,
    the epoch of the lowest loss on an inner validation set cut from the training folds
    (:func:`fold_indices`): the held-out fold is never used for a decision (its loss is only
    logged in ``curves.json``).

    Targets: regression targets are z-scored with the mean and sd of the rows the model is fitted on
    (the training folds less the inner validation rows; all the training folds without
    ``inner_folds``), which also give ``baseline_mae``, and trained
    with MSE; predictions are mapped back and scored in the target's units (MAE, RMSE, R² and
    the MAE of predicting the training mean). ``sex`` (1 male) is trained with BCE on one logit
    and scored by accuracy and AUC. The median beats enter as they are (no normalisation, as the
    authors). Seeded: on CPU the same seed, data and threads give the same predictions up to float
    rounding (MKL and oneDNN kernels need not sum in the same order from one process to the next).
    """
    from scipy.special import expit

    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import seed_everything

    data = load_data(dataset, params, source)
    y_all = data.target(params.target)
    binary = is_binary(params.target)
    train, val, test, known = run_rows(data, params, dataset, source)
    x_tr, x_te, y_tr, y_te = data.x[train], data.x[test], y_all[train], y_all[test]
    mu, sd = (0.0, 1.0) if binary else (float(np.mean(y_tr)), float(np.std(y_tr)) or 1.0)

    seed_everything(params.seed)
    model = KanResWideX(in_leads=data.x.shape[1], n_outputs=1, fp32_input_conv=params.fp32_input_conv)
    on_epoch, rungs = ladder_follower(run_dir, model, params)
    curve = train_model(model, x_tr, (y_tr - mu) / sd, x_te, (y_te - mu) / sd, epochs=params.epochs, lr=params.lr,
                        batch_size=params.batch_size, lr_schedule=params.lr_schedule, binary=binary, seed=params.seed,
                        x_val=data.x[val], y_val=(y_all[val] - mu) / sd, patience=params.patience,
                        precision=params.precision, bn_stats=params.bn_stats, on_epoch=on_epoch)
    ladder = ladder_scores(rungs, curve, in_leads=data.x.shape[1], x_test=x_te, y_test=y_te, y_train=y_tr, mu=mu,
                           sd=sd, binary=binary) if params.ladder else None
    if params.keep_weights:
        round_to_checkpoint(model)
        save_weights(model, run_dir, data.x.shape[1])

    def predict(x: np.ndarray) -> np.ndarray:
        out = predict_output(model, x)
        return expit(out) if binary else out * sd + mu

    pred = predict(x_te)
    # sex: the logits too (float32 rounds probabilities of confident networks to exactly 1.0, erasing their ranking)
    logits = {"logit": predict_output(model, x_te).astype(np.float32)} if binary else {}
    metrics: dict = {
        "dataset": dataset, "target": params.target, "task": "binary" if binary else "regression",
        "units": target_units(dataset, params.target), "fold": params.fold, "n_folds": params.n_folds,
        "seed": params.seed, "n_train": int(len(train)), "n_test": int(len(test)),
        "n_without_target": int((~known).sum()), "n_records": len(data),
        "split": ("StratifiedKFold" if binary else "KFold") + f"(n_splits={params.n_folds}, shuffle=True, "
                                                             f"random_state={params.seed})",
        "train_mean": mu, "train_sd": sd, "epochs": params.epochs,
        "train_seconds": float(sum(c["seconds"] for c in curve)),
        "final_train_loss": curve[-1]["train_loss"], "final_heldout_loss": curve[-1]["heldout_loss"],
        "data": data.description, **score(y_te, pred, binary=binary, y_train=y_tr),
        **budget_metrics(params, curve, len(val)),
    }
    if ladder is not None:
        metrics["ladder"] = ladder

    # maps and how much of them lies in the target's region; wave blocking
    found, layer_maps, defined, per_record = attention_in_region(
        model, x_te, data.fiducials[test], target=params.target, layers=tuple(params.layers), fs=data.fs)
    metrics.update(found)
    metrics["blocking"], blocked_preds = block_and_score(predict, x_te, y_te, data.fiducial_frame(test),
                                                         binary=binary, y_train=y_tr, reference=metrics)

    ids = data.record_ids[test]
    np.savez_compressed(run_dir / "predictions.npz", ids=ids, index=test, y=y_te.astype(np.float32),
                        prediction=pred.astype(np.float32), **logits, **blocked_preds)
    np.savez_compressed(run_dir / "maps.npz", index=test, record_ids=ids, region_defined=defined,
                        **{k: v.astype(np.float16) for k, v in layer_maps.items()}, **per_record)
    (run_dir / "curves.json").write_text(json.dumps(curve.history))
    write_json(run_dir / "metrics.json", metrics)
