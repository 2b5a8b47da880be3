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
``curves.json`` (per-epoch losses and validation scores)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np

from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.xecgnet.data import load_data
from ecgstudy.studies.xecgnet.params import XecgRunParams


def run_xecgnet(params: XecgRunParams, source: DataSource, run_dir: Path, *, dataset: str) -> None:
    """Train, select, evaluate one (dataset, gamma, seed); write the run's files into ``run_dir``."""
    import torch

    from ecgstudy.attribution.maps import upsample
    from ecgstudy.explain.type_coverage import coverage_scores, coverage_summary
    from ecgstudy.losses import xecgnet_loss
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel
    from ecgstudy.models import XecgNet
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import MultiLabelConfig, field, predict, seed_everything, train_multilabel

    data = load_data(dataset, params, source)
    seed_everything(params.seed)
    model = XecgNet(in_leads=data.x["train"].shape[1], n_classes=len(data.class_names),
                    pool_sizes=tuple(params.pool_sizes), attention_head=params.attention_head)
    config = MultiLabelConfig(max_epochs=params.max_epochs, patience=params.patience, lr=params.lr,
                              lr_schedule=params.lr_schedule, batch_size=params.batch_size, seed=params.seed,
                              selection=params.selection)
    loss_fn = partial(xecgnet_loss, gamma=params.gamma, regulariser=params.regulariser,
                      stop_gradient=params.stop_gradient)
    history = train_multilabel(model, data.x["train"], data.y["train"], data.x["val"], data.y["val"], config,
                               loss_fn=loss_fn)
    out = predict(model, data.x["test"], fields={name: field(name) for name in ("probs", "attention", "response", "logits_att",
                                                                         "logits_per")})
    y_test = data.y["test"]
    metrics = multilabel_metrics(y_test, predict_multilabel(out["probs"]), data.class_names)
    metrics.update(best_epoch=history.best_epoch, epochs_run=len(history.epochs),
                   best_val_micro_f1=history.best_val_micro_f1,
                   train_seconds=float(sum(e.seconds for e in history.epochs)),
                   counts=data.counts, class_names=list(data.class_names), data=data.description)
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
