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
region ratios), ``curves.json`` (per-epoch training and held-out loss).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.ecgradcam.maps import attention_in_region
from ecgstudy.studies.ecgradcam.params import EcgradcamRunParams
from ecgstudy.studies.ecgradcam.targets import WAVES, headline_metrics, is_binary, score, target_units

if TYPE_CHECKING:
    import pandas as pd


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


def predict_output(model, x: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
    """Output 0 of ``model`` for every row of ``x`` ``(n, leads, samples)``, ``(n,)`` float64."""
    from ecgstudy.training import column, predict

    return predict(model, x, fields={"y": column(0)}, batch_size=batch_size)["y"].astype(np.float64)


def train_model(model, x: np.ndarray, y: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray, *, epochs: int,
                lr: float, batch_size: int, lr_schedule: str, binary: bool, seed: int) -> list[dict]:
    """Train ``model`` (output 0 against ``y``: MSE, or BCE with logits when ``binary``) with
    Keras' Nadam (:func:`~ecgstudy.training.keras_nadam`, the authors' optimiser) for ``epochs``
    and keep the last epoch; return the per-epoch curve (``epoch, train_loss, heldout_loss,
    seconds``; ``heldout_loss``: the loss on ``(x_eval, y_eval)``, ``None`` when empty).
    :func:`~ecgstudy.training.fit`, seeded by ``seed``.
    """
    import torch
    import torch.nn.functional as F

    from ecgstudy.training import column_loss, fit, keras_nadam

    loss_fn = F.binary_cross_entropy_with_logits if binary else F.mse_loss
    ye = torch.as_tensor(y_eval, dtype=torch.float32)

    def heldout(m, _epoch: int) -> dict[str, float | None]:
        if not len(ye):
            return {"heldout_loss": None}
        return {"heldout_loss": float(loss_fn(torch.as_tensor(predict_output(m, x_eval), dtype=torch.float32), ye))}

    result = fit(model, x, y, loss=column_loss(loss_fn), optimizer=keras_nadam(lr), epochs=epochs,
                 batch_size=batch_size, seed=seed, lr_schedule=lr_schedule, evaluate=heldout)
    return result.rows()


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
    epochs is trained and the last epoch is evaluated: the held-out fold is never used for a
    decision (its loss is only logged in ``curves.json``).

    Targets: regression targets are z-scored with the training folds' mean and sd and trained
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
    known = np.isfinite(y_all) & (np.isin(y_all, (0.0, 1.0)) if binary else True)
    rows = np.flatnonzero(known)
    groups = split_groups(dataset, data.record_ids[rows], params, source)
    tr, te = fold_split(y_all[rows], n_folds=params.n_folds, fold=params.fold, seed=params.seed, stratify=binary,
                        groups=groups)
    train, test = rows[tr], rows[te]
    x_tr, x_te, y_tr, y_te = data.x[train], data.x[test], y_all[train], y_all[test]
    mu, sd = (0.0, 1.0) if binary else (float(np.mean(y_tr)), float(np.std(y_tr)) or 1.0)

    seed_everything(params.seed)
    model = KanResWideX(in_leads=data.x.shape[1], n_outputs=1)
    curve = train_model(model, x_tr, (y_tr - mu) / sd, x_te, (y_te - mu) / sd, epochs=params.epochs, lr=params.lr,
                        batch_size=params.batch_size, lr_schedule=params.lr_schedule, binary=binary, seed=params.seed)

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
    }

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
    (run_dir / "curves.json").write_text(json.dumps(curve))
    write_json(run_dir / "metrics.json", metrics)
