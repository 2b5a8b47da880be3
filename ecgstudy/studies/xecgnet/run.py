"""One training run of the xECGNet chapter: one dataset, one gamma, one seed.

A run trains the attention-branch network (:class:`ecgstudy.models.XecgNet`) with the
xECGNet loss (:func:`ecgstudy.losses.xecgnet_loss`) at one ``gamma`` and one seed on one
dataset, selects the epoch of the best validation micro-F1 (the authors' rule) and evaluates
it on the test split. ``gamma = 0`` is the plain ABN baseline.

Files of a run: ``metrics.json`` (test metrics of :func:`ecgstudy.metrics.multilabel_metrics`,
the selected epoch, and, where beats are known, how the attention ``M`` and the class
response maps ``A`` cover each abnormal beat type: :mod:`ecgstudy.explain.type_coverage`),
``predictions.npz`` (test ids, averaged probabilities, labels and, in runs made since the page
version ``xecgnet.1-page.1``, the pre-sigmoid scores ``logits_att`` and ``logits_per`` of the two
branches, which do not saturate as float32 probabilities do), ``maps.npz`` (``M`` of every
test item, ``A`` of the test items with two or more labels, float16), ``coverage.csv``,
``curves.json`` (per-epoch losses and validation scores), ``progress.log`` (one line per epoch, written
as training goes) and, with ``keep_weights``, ``weights.pt`` (:mod:`ecgstudy.checkpoints`).

``metrics.json`` also records how training ended (runs made since ``precision`` and ``keep_weights``
were added): ``precision``, ``best_epoch``, ``last_epoch`` and ``stopped_by`` (``"patience"``: no better
validation micro-F1 for ``patience`` epochs; ``"epoch_cap"``: the budget ended it).

With ``keep_weights`` the test split is predicted with the weights as stored (float16-rounded, read
back from ``weights.pt``), so :func:`reproduce` recomputes the stored test metrics from the
checkpoint alone, not merely close to them."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np

from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.xecgnet.data import load_data
from ecgstudy.studies.xecgnet.params import XecgRunParams, dataset_of

#: Test metrics :func:`reproduce` recomputes (keys of :func:`ecgstudy.metrics.multilabel.multilabel_metrics`).
REPRODUCED = ("micro_f1", "macro_f1", "subset_acc", "multi_acc", "single_acc")



def model_kwargs(params: XecgRunParams, *, in_leads: int, n_classes: int) -> dict:
    """Keyword arguments of :class:`ecgstudy.models.XecgNet` for a run (JSON values: the checkpoint's ``kwargs``)."""
    return {"in_leads": int(in_leads), "n_classes": int(n_classes), "pool_sizes": [int(p) for p in params.pool_sizes],
            "attention_head": params.attention_head}


def reproduce(run_dir: Path, source: DataSource) -> dict[str, tuple[float, float]]:
    """Load a run's checkpoint (:mod:`ecgstudy.checkpoints`), predict its test split again (rebuilt from the
    run's parameters and the dataset of its experiment) and return ``{metric: (stored, now)}`` for the
    metrics of :data:`REPRODUCED` that ``metrics.json`` holds (``multi_acc`` / ``single_acc`` may be NaN)."""
    from ecgstudy.checkpoints import load
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel
    from ecgstudy.runs.store import read_run_info
    from ecgstudy.training import field, predict

    run_dir = Path(run_dir)
    info = read_run_info(run_dir / "run.json")
    params = XecgRunParams.model_validate(info["params"])
    data = load_data(dataset_of(info["experiment"]), params, source)
    probs = predict(load(run_dir), data.x["test"], fields={"probs": field("probs")})["probs"]
    now = multilabel_metrics(data.y["test"], predict_multilabel(probs), data.class_names)
    stored = json.loads((run_dir / "metrics.json").read_text())
    return {k: (float(stored[k]), float(now[k])) for k in REPRODUCED if k in stored}


#: Test metrics of each rung of the budget ladder.
RUNG_METRICS = ("micro_f1", "macro_f1", "subset_acc", "multi_acc")


def rung_scores(model, x_test: np.ndarray, y_test: np.ndarray, class_names) -> dict[str, float]:
    """:data:`RUNG_METRICS` of ``model`` on the test split (``x_test`` ``(n, leads, samples)``, ``y_test``
    ``(n, n_classes)`` 0/1): what a run capped at a rung's epochs would report."""
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel
    from ecgstudy.training import field, predict

    probs = predict(model, x_test, fields={"probs": field("probs")})["probs"]
    m = multilabel_metrics(y_test, predict_multilabel(probs), list(class_names))
    return {k: float(m[k]) for k in RUNG_METRICS}


def run_xecgnet(params: XecgRunParams, source: DataSource, run_dir: Path, *, dataset: str) -> None:
    """Train, select, evaluate one (dataset, gamma, seed); write the run's files into ``run_dir``."""
    import torch

    from ecgstudy.attribution.maps import upsample
    from ecgstudy.explain.type_coverage import coverage_scores, coverage_summary
    from ecgstudy.losses import xecgnet_loss
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel
    from ecgstudy.models import XecgNet
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import MultiLabelConfig, epoch_logger, field, predict, seed_everything, train_multilabel
    from ecgstudy.training.ladder import Rungs
    from ecgstudy.training.multilabel import SELECTION_SCORE

    data = load_data(dataset, params, source)
    seed_everything(params.seed)
    kwargs = model_kwargs(params, in_leads=data.x["train"].shape[1], n_classes=len(data.class_names))
    model = XecgNet(**{**kwargs, "pool_sizes": tuple(kwargs["pool_sizes"])})
    config = MultiLabelConfig(max_epochs=params.max_epochs, patience=params.patience, lr=params.lr,
                              lr_schedule=params.lr_schedule, batch_size=params.batch_size, seed=params.seed,
                              selection=params.selection, precision=params.precision, bn_stats=params.bn_stats)
    loss_fn = partial(xecgnet_loss, gamma=params.gamma, regulariser=params.regulariser,
                      stop_gradient=params.stop_gradient)
    log = epoch_logger(run_dir / "progress.log")
    score, mode = SELECTION_SCORE.get(params.selection, ("val_micro_f1", "max"))
    rungs = Rungs(model, tuple(params.ladder), by_validation=params.selection != "last_epoch", score=score, mode=mode)

    history = train_multilabel(model, data.x["train"], data.y["train"], data.x["val"], data.y["val"], config,
                               loss_fn=loss_fn, on_epoch=rungs.follow(log))
    if params.ladder:
        ladder = rungs.scores(history.convergence(), lambda: XecgNet(**{**kwargs, "pool_sizes": tuple(kwargs["pool_sizes"])}),
                              lambda m: rung_scores(m, data.x["test"], data.y["test"], data.class_names))
    if params.keep_weights:
        from ecgstudy.checkpoints import load, save

        save(model, run_dir, builder="xecgnet", kwargs=kwargs)
        model = load(run_dir)  # the test split is predicted with the weights as published
    out = predict(model, data.x["test"], fields={name: field(name) for name in ("probs", "attention", "response", "logits_att",
                                                                         "logits_per")})
    y_test = data.y["test"]
    metrics = multilabel_metrics(y_test, predict_multilabel(out["probs"]), data.class_names)
    metrics.update(**history.convergence(), epochs_run=len(history.epochs),
                   best_val_micro_f1=history.best_val_micro_f1, precision=params.precision,
                   train_seconds=float(sum(e.seconds for e in history.epochs)),
                   counts=data.counts, class_names=list(data.class_names), data=data.description)
    if params.ladder:
        metrics["ladder"] = ladder
    if data.normaliser is not None:  # what other records tested on the network go through (Chapter 4: LUDB)
        metrics["normaliser"] = {"mean": [float(v) for v in data.normaliser.mean],
                                 "sd": [float(v) for v in data.normaliser.sd]}
    n_samples = data.x["test"].shape[-1]
    if data.test_beats is not None:
        m_full = upsample(torch.as_tensor(out["attention"]), n_samples)[:, 0].numpy()
        a_full = upsample(torch.as_tensor(out["response"]), n_samples).numpy()
        cov_m = coverage_scores(m_full, y_test, data.class_names, data.test_beats, fs=data.fs)
        cov_a = coverage_scores(np.clip(a_full, 0, None), y_test, data.class_names, data.test_beats, fs=data.fs)
        metrics["coverage_attention"] = coverage_summary(cov_m)
        metrics["coverage_response"] = coverage_summary(cov_a)
        cov_m.assign(map="attention").to_csv(run_dir / "coverage.csv", index=False)
        cov_a.assign(map="response").to_csv(run_dir / "coverage.csv", mode="a", header=False, index=False)
    multi = np.flatnonzero(y_test.sum(axis=1) >= 2)
    np.savez_compressed(run_dir / "maps.npz", attention=out["attention"][:, 0].astype(np.float16),
                        multi_index=multi, response_multi=out["response"][multi].astype(np.float16))
    np.savez_compressed(run_dir / "predictions.npz", ids=data.ids["test"], probs=out["probs"].astype(np.float32),
                        labels=y_test, logits_att=out["logits_att"].astype(np.float32),
                        logits_per=out["logits_per"].astype(np.float32))
    (run_dir / "curves.json").write_text(json.dumps(history.table()))
    write_json(run_dir / "metrics.json", metrics)
