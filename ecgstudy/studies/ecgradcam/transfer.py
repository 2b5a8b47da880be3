"""ECGradCAM across datasets: learn intervals on PTB-XL from a classical delineator, test and map on LUDB.

Trained on LUDB alone (about 155 records per fold), KanResWide_X memorises and does worse than
the training mean on every interval (the chapter's LUDB runs). The authors trained on tens of
thousands of median beats whose targets came from a classical program (GE MUSE). This
experiment does the nearest thing the public data allow:

* **Training set**: the median beats of the PTB-XL subset (1,819 records,
  :func:`~ecgstudy.studies.ecgradcam.data.ptbxl_data`), with interval targets measured by NeuroKit2's
  delineator (:func:`ptbxl_interval_targets`: per lead on the 10 s records resampled to 500 Hz,
  median over the 12 leads, the chapter's :data:`~ecgstudy.studies.ecgradcam.baselines.PRIMARY_COMBINE`).
  5-fold cross-validation over PTB-XL (``KFold(shuffle=True, random_state=seed)``).
* **In-domain test**: each run's held-out PTB-XL fold against the delineator (what it learned to imitate).
* **Transfer test**: every LUDB record, processed as the PTB-XL subset was (0.5-40 Hz,
  z-scored, 100 Hz: :func:`~ecgstudy.data.ptbxl_style.ptbxl_subset_style`), against the
  cardiologists' intervals; beside it, the delineator's own error on the same records and the
  network's error against the delineator there. LUDB is never trained on, so every run tests
  on all of it.
* **Maps and wave blocking** on LUDB, scored with the cardiologists' fiducials, as in the LUDB runs
  (:func:`~ecgstudy.studies.ecgradcam.maps.attention_in_region`, :func:`~ecgstudy.studies.ecgradcam.run.block_and_score`).

Synthetic stand-in (no real data): train on :func:`~ecgstudy.studies.ecgradcam.data.synthetic_data`
``(n, seed 0)`` with its exact measurements, test on an independent draw ``(n // 2, seed 1)``.

A run's ``metrics.json`` keeps the chapter's keys (``dataset: "transfer"``; ``mae``, ``r2``,
``baseline_mae`` on LUDB against the cardiologists; ``attention``; ``blocking``), so the
chapter's tables take it as a third dataset, and adds ``source`` (the in-domain fold's
scores), ``pearson_r``, ``bias`` and ``delineator`` (on LUDB: the delineator's MAE against
the cardiologists and the network's MAE against the delineator, on the records both measured).

Budgets (``inner_folds``, ``patience``, ``precision``, ``keep_weights``) as the chapter's other runs
(:mod:`ecgstudy.studies.ecgradcam.run`): the inner validation rows are cut from the PTB-XL training folds,
grouped by patient with ``split_unit="patient"``; :func:`reproduce` recomputes a run's stored LUDB and
in-domain metrics from its checkpoint.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError
from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.ecgradcam.data import MedianBeatData
from ecgstudy.studies.ecgradcam.maps import attention_in_region
from ecgstudy.studies.ecgradcam.params import TRANSFER_TARGETS, EcgradcamRunParams
from ecgstudy.studies.ecgradcam.run import (
    block_and_score,
    budget_metrics,
    ladder_follower,
    ladder_scores,
    fold_indices,
    predict_output,
    round_to_checkpoint,
    save_weights,
    split_groups,
    train_model,
)
from ecgstudy.studies.ecgradcam.targets import score, target_units


#: Version of the PTB-XL delineation (part of its cache key).
DELINEATION_VERSION = 1


@dataclass
class TransferData:
    """What a transfer run reads.

    Attributes:
        train: PTB-XL median beats with the delineator's interval targets (or the synthetic training draw).
        test: LUDB median beats in PTB-XL style with the cardiologists' targets and fiducials.
        test_delineator: the delineator's intervals of the ``test`` records (index record id;
            ``None`` on synthetic data).
    """

    train: MedianBeatData
    test: MedianBeatData
    test_delineator: pd.DataFrame | None


def _ptbxl_delineation(folder: Path, progress: bool):
    from ecgstudy.data.classical_delineation import delineate_records
    from ecgstudy.data.conditioning import resample_to
    from ecgstudy.data.median_beats import MEDIAN_FS
    from ecgstudy.data.ptbxl import load_ptbxl
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE

    rs = load_ptbxl(folder, rate=100)
    signals = resample_to(rs.signals, rs.fs, MEDIAN_FS).astype(np.float32)
    return delineate_records(signals, MEDIAN_FS, rs.lead_names, [str(r) for r in rs.record_ids],
                             combines=(PRIMARY_COMBINE,), progress=progress)


def ptbxl_interval_targets(folder: str | Path, *, progress: bool = False) -> pd.DataFrame:
    """NeuroKit2's PR, QRS, QT (ms) and heart rate (bpm) of every PTB-XL record present, the median
    over its 12 leads (index record id; NaN where it measured nothing). Cached: about 10 min on 2 cores."""
    from ecgstudy.data.cache import cached
    from ecgstudy.data.classical_delineation import DelineatorEstimates
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE
    from ecgstudy.studies.ecgradcam.data import dataset_files

    folder = Path(folder)
    est = cached("delineator_ptbxl", {"method": "prominence", "combine": PRIMARY_COMBINE, "rate": 500},
                 folder, dataset_files(folder), functools.partial(_ptbxl_delineation, folder, progress),
                 algorithm=DELINEATION_VERSION, load=DelineatorEstimates.load)
    return _interval_table(est)


def _interval_table(est) -> pd.DataFrame:
    """The transfer targets of delineator estimates at the chapter's lead combination, index record id (str)."""
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE

    table = est.estimates(PRIMARY_COMBINE)
    table.index = table.index.map(str)
    return table[list(TRANSFER_TARGETS)].astype(np.float64)


def with_targets(data: MedianBeatData, targets: pd.DataFrame) -> MedianBeatData:
    """``data`` with ``targets``' columns joined on the record id (NaN where a record has none),
    replacing columns of the same name; the rows keep ``data``'s order."""
    extra = targets.copy()
    extra.index = extra.index.map(str)
    base = data.targets.drop(columns=[c for c in extra.columns if c in data.targets.columns])
    added = extra.reindex(pd.Index(data.record_ids.astype(str))).set_axis(base.index)
    return replace(data, targets=pd.concat([base, added], axis=1))


def load_transfer_test(source, *, n_synthetic: int = 400):
    """The test side of :func:`load_transfer_data` alone (LUDB in PTB-XL style, cached; or the
    synthetic test draw), for pages that draw the runs' maps without the training set."""
    from ecgstudy.data.cache import cached
    from ecgstudy.studies.ecgradcam.data import (
        PREPARATION_VERSION,
        MedianBeatData,
        dataset_files,
        ludb_data,
        synthetic_data,
    )

    if source.kind != "real":
        return synthetic_data(max(20, int(n_synthetic) // 2), 1)
    folder = Path(source.folders["ludb"])
    return cached("ecgradcam_ludb", {"dataset": "ludb", "leads": "I,II,V1-V6", "samples": 600, "style": "ptbxl"},
                  folder, dataset_files(folder), functools.partial(ludb_data, folder, style="ptbxl"),
                  algorithm=PREPARATION_VERSION, load=MedianBeatData.load)


def load_transfer_data(source, *, n_synthetic: int = 400, progress: bool = False) -> TransferData:
    """The :class:`TransferData` of a run's data ``source`` (real: PTB-XL subset and LUDB, cached)."""
    from ecgstudy.studies.ecgradcam.baselines import delineator_estimates
    from ecgstudy.studies.ecgradcam.data import load_median_beat_data, synthetic_data

    test = load_transfer_test(source, n_synthetic=n_synthetic)
    if source.kind != "real":
        return TransferData(synthetic_data(int(n_synthetic), 0), test, None)
    train = with_targets(load_median_beat_data("ptbxl", source),
                         ptbxl_interval_targets(source.folders["ptbxl"], progress=progress))
    return TransferData(train, test, _interval_table(delineator_estimates("ludb", source, list(test.record_ids))))


def pearson_r(y: np.ndarray, pred: np.ndarray) -> float:
    """Pearson correlation (NaN with fewer than 3 values or no spread): how well the ranking
    agrees, whatever the bias (a network that learned another definition of an interval)."""
    y, pred = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    if y.size < 3 or np.std(y) == 0 or np.std(pred) == 0:
        return math.nan
    return float(np.corrcoef(y, pred)[0, 1])


def delineator_comparison(y: np.ndarray, pred: np.ndarray, delineated: np.ndarray) -> dict:
    """On the records with a reference ``y``, a network prediction ``pred`` and a delineator value:
    ``n``, the delineator's MAE against ``y`` (``delineator_mae``), the network's
    (``network_mae``) and the network's against the delineator (``network_vs_delineator_mae``).

    >>> delineator_comparison(np.array([100., 110, 90]), np.array([104., 112, 96]), np.array([120., np.nan, 95]))
    {'n': 2, 'delineator_mae': 12.5, 'network_mae': 5.0, 'network_vs_delineator_mae': 8.5}
    """
    y, pred, d = (np.asarray(v, np.float64) for v in (y, pred, delineated))
    ok = np.isfinite(y) & np.isfinite(pred) & np.isfinite(d)
    if not ok.any():
        return {"n": 0, "delineator_mae": None, "network_mae": None, "network_vs_delineator_mae": None}
    return {"n": int(ok.sum()), "delineator_mae": float(np.mean(np.abs(d[ok] - y[ok]))),
            "network_mae": float(np.mean(np.abs(pred[ok] - y[ok]))),
            "network_vs_delineator_mae": float(np.mean(np.abs(pred[ok] - d[ok])))}


def source_rows(data: TransferData, params: EcgradcamRunParams, source: DataSource
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fit, val, held)``: rows of ``data.train`` (PTB-XL) the model is fitted on, validated on and
    tested on in-domain (:func:`~ecgstudy.studies.ecgradcam.run.fold_indices` over the rows with a value
    of the target, unstratified, grouped by :func:`~ecgstudy.studies.ecgradcam.run.split_groups`)."""
    y_all = data.train.target(params.target)
    rows = np.flatnonzero(np.isfinite(y_all))
    groups = split_groups("ptbxl", data.train.record_ids[rows], params, source)
    fit_pos, val_pos, held_pos = fold_indices(y_all[rows], params, stratify=False, groups=groups)
    return rows[fit_pos], rows[val_pos], rows[held_pos]


def reproduce(run_dir: Path, source: DataSource) -> dict[str, tuple[float, float]]:
    """Load a transfer run's checkpoint, predict LUDB and its in-domain PTB-XL fold again (data and split
    rebuilt from ``run.json``, predictions mapped back with the stored ``train_mean`` / ``train_sd``) and
    return ``{metric: (stored, now)}`` for MAE, RMSE and R² on LUDB and on the PTB-XL fold
    (``source.mae``, ...)."""
    from ecgstudy.checkpoints import load
    from ecgstudy.runs.store import read_run_info

    run_dir = Path(run_dir)
    info = read_run_info(run_dir / "run.json")
    if info["experiment"] != "ecgradcam-transfer":
        raise ParameterError(f"{run_dir}: experiment {info['experiment']!r} is not a transfer run")
    params = EcgradcamRunParams.model_validate(info["params"])
    stored = json.loads((run_dir / "metrics.json").read_text())
    data = load_transfer_data(source, n_synthetic=params.n_synthetic)
    model = load(run_dir)

    def predict(x: np.ndarray) -> np.ndarray:
        return predict_output(model, x) * stored["train_sd"] + stored["train_mean"]

    _, _, held = source_rows(data, params, source)
    y_lu = data.test.target(params.target)
    test = np.flatnonzero(np.isfinite(y_lu))
    keys = ("mae", "rmse", "r2")
    now = score(y_lu[test], predict(data.test.x[test]), binary=False, y_train=y_lu[test])
    y_held = data.train.target(params.target)[held]
    now_source = score(y_held, predict(data.train.x[held]), binary=False, y_train=y_held)
    return {**{k: (float(stored[k]), float(now[k])) for k in keys},
            **{f"source.{k}": (float(stored["source"][k]), float(now_source[k])) for k in keys}}


def run_transfer(params: EcgradcamRunParams, source: DataSource, run_dir: Path) -> None:
    """Train on PTB-XL's training folds for ``params.target``, test on the held-out fold and on
    LUDB, map and block on LUDB; write the run's files (as the chapter's other runs, see the
    module docstring). Deterministic on CPU for a seed."""
    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import seed_everything

    if params.target not in TRANSFER_TARGETS:
        raise ParameterError(f"target {params.target!r}: the transfer runs learn {', '.join(TRANSFER_TARGETS)}")
    data = load_transfer_data(source, n_synthetic=params.n_synthetic)
    y_all = data.train.target(params.target)
    train, val, held = source_rows(data, params, source)
    y_tr, y_held = y_all[train], y_all[held]
    mu, sd = float(np.mean(y_tr)), float(np.std(y_tr)) or 1.0  # of the rows fitted on (no validation rows)

    seed_everything(params.seed)
    in_leads = data.train.x.shape[1]
    model = KanResWideX(in_leads=in_leads, n_outputs=1, fp32_input_conv=params.fp32_input_conv)
    on_epoch, rungs = ladder_follower(run_dir, model, params)
    curve = train_model(model, data.train.x[train], (y_tr - mu) / sd, data.train.x[held], (y_held - mu) / sd,
                        epochs=params.epochs, lr=params.lr, batch_size=params.batch_size,
                        lr_schedule=params.lr_schedule, binary=False, seed=params.seed,
                        x_val=data.train.x[val], y_val=(y_all[val] - mu) / sd, patience=params.patience,
                        precision=params.precision, bn_stats=params.bn_stats, on_epoch=on_epoch)
    if params.keep_weights:
        round_to_checkpoint(model)
        save_weights(model, run_dir, in_leads)

    def predict(x: np.ndarray) -> np.ndarray:
        return predict_output(model, x) * sd + mu

    pred_held = predict(data.train.x[held])
    y_lu_all = data.test.target(params.target)
    test = np.flatnonzero(np.isfinite(y_lu_all))
    x_te, y_te = data.test.x[test], y_lu_all[test]
    pred = predict(x_te)
    ids = data.test.record_ids[test]
    metrics: dict = {
        "dataset": "transfer", "target": params.target, "task": "regression",
        "units": target_units("transfer", params.target), "fold": params.fold, "n_folds": params.n_folds,
        "seed": params.seed,
        "n_train": int(len(train)), "n_test": int(len(test)), "n_records": len(data.test),
        "n_without_target": int(len(data.test) - len(test)),
        "split": f"KFold(n_splits={params.n_folds}, shuffle=True, random_state={params.seed}) over the training set",
        "train_mean": mu, "train_sd": sd, "epochs": params.epochs,
        "train_seconds": float(sum(c["seconds"] for c in curve)),
        "final_train_loss": curve[-1]["train_loss"], "final_heldout_loss": curve[-1]["heldout_loss"],
        "data": data.train.description, "test_data": data.test.description,
        **score(y_te, pred, binary=False, y_train=y_tr),
        "pearson_r": pearson_r(y_te, pred), "bias": float(np.mean(pred - y_te)),
        "source": {"n_test": int(len(held)), "pearson_r": pearson_r(y_held, pred_held),
                   **score(y_held, pred_held, binary=False, y_train=y_tr)},
        **budget_metrics(params, curve, len(val)),
    }
    if params.ladder:  # scored on LUDB, the transfer run's test set
        metrics["ladder"] = ladder_scores(rungs, curve, in_leads=in_leads, x_test=x_te, y_test=y_te, y_train=y_tr,
                                          mu=mu, sd=sd, binary=False)
    if data.test_delineator is not None:
        d = data.test_delineator[params.target].reindex(pd.Index(ids)).to_numpy(np.float64)
        metrics["delineator"] = delineator_comparison(y_te, pred, d)
    found, layer_maps, defined, per_record = attention_in_region(
        model, x_te, data.test.fiducials[test], target=params.target, layers=tuple(params.layers), fs=data.test.fs)
    metrics.update(found)
    metrics["blocking"], blocked_preds = block_and_score(predict, x_te, y_te, data.test.fiducial_frame(test),
                                                         binary=False, y_train=y_tr, reference=metrics)
    np.savez_compressed(run_dir / "predictions.npz", ids=ids, index=test, y=y_te.astype(np.float32),
                        prediction=pred.astype(np.float32), source_ids=data.train.record_ids[held],
                        source_y=y_held.astype(np.float32), source_prediction=pred_held.astype(np.float32),
                        **blocked_preds)
    np.savez_compressed(run_dir / "maps.npz", index=test, record_ids=ids, region_defined=defined,
                        **{k: v.astype(np.float16) for k, v in layer_maps.items()}, **per_record)
    (run_dir / "curves.json").write_text(json.dumps(curve.history))
    write_json(run_dir / "metrics.json", metrics)
