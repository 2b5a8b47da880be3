"""One training run of the ICLR chapter: one method on one cross-validation fold with one seed.

A run trains the method and evaluates it on the held-out fold. The paper evaluates the model of the
*last* epoch and has no separate validation set, so the held-out fold also gives Figure 2's validation
curves. With ``inner_folds`` and ``patience`` a run holds out part of its training set (by the split's
unit: segments, records or patients) as inner validation, keeps the epoch of the lowest validation loss
and stops when it has not improved for ``patience`` epochs; it records ``best_epoch``, ``last_epoch`` and
``stopped_by`` (``"patience"``: converged; ``"epoch_cap"``: the budget ended it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.iclr.data import labels, load_segments
from ecgstudy.studies.iclr.params import IclrFoldParams


def example_positions(labels: np.ndarray, n: int) -> np.ndarray:
    """Positions of ``n`` example segments: alternately the next of class 1 and of class 0.

    >>> example_positions(np.array([0, 0, 0, 1, 0, 1]), 4).tolist()
    [3, 0, 5, 1]
    """
    by_class = [np.flatnonzero(labels == c).tolist() for c in (1, 0)]
    out: list[int] = []
    while len(out) < n and any(by_class):
        for queue in by_class:
            if queue and len(out) < n:
                out.append(queue.pop(0))
    return np.asarray(out, dtype=np.int64)


def held_out_outputs(model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One pass of ``model`` over ``x``: class probabilities ``(n, 2)`` (as
    :func:`~ecgstudy.training.predict_proba` gives them), the log-odds of PVC ``log p1 - log p0``
    ``(n,)`` (the logit of a two-class softmax, computed from the log-probabilities, so it stays
    finite where ``p1`` rounds to 1.0) and the attention ``(n, samples)`` (``None`` without one)."""
    from ecgstudy.training.inference import first_channel, predict, probs_from_log_probs
    from ecgstudy.training.objectives import log_probs

    out = predict(model, x, fields={"probs": probs_from_log_probs, "log_probs": log_probs,
                                    "attention": first_channel("attention")})
    logp = out["log_probs"].reshape(len(x), -1) if len(x) else np.zeros((0, 2), np.float32)
    probs = out["probs"].reshape(len(x), -1) if len(x) else np.zeros((0, 2), np.float32)
    return probs, logp[:, 1] - logp[:, 0], out.get("attention")


def rung_scores(model, held_out, y: np.ndarray) -> dict:
    """Held-out accuracy, balanced accuracy, AUC, sensitivity, specificity, the mean localisation scores
    (attention methods) and the PVC logits (``logit_pvc``, float32) of ``model`` on the segments ``held_out``."""
    from ecgstudy.metrics.binary import binary_metrics

    probs, logit_pvc, attention = held_out_outputs(model, held_out.signals)
    m = binary_metrics(y, probs[:, 1])
    out = {k: m[k] for k in ("accuracy", "auc", "sensitivity", "specificity")}
    out["balanced_accuracy"] = (m["sensitivity"] + m["specificity"]) / 2
    if attention is not None:
        from ecgstudy.explain.localisation import localisation_scores

        scores = localisation_scores(attention, held_out)
        out["localisation"] = {k: float(v) for k, v in scores.select_dtypes("number").mean().items()}
    out["logit_pvc"] = logit_pvc.astype(np.float32)
    return out



def fold_indices(params: IclrFoldParams, segments, source: DataSource) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fit_idx, val_idx, test_idx)`` of a run: the outer fold's held-out segments, and its training
    segments split into those the model is fitted on and the inner validation set (empty without
    ``inner_folds``). Folds group by record or patient as ``params.split`` says."""
    from ecgstudy.evaluation.folds import inner_validation, pick_fold, split_folds

    groups = segments.record_ids
    if params.split == "patient":
        from ecgstudy.data.patients import patient_ids

        groups = patient_ids("mitdb" if source.kind == "real" else "synthetic", segments.record_ids)
    folds = split_folds(segments.labels, groups, split=params.split, n_folds=params.n_folds, seed=params.seed)
    train_idx, test_idx = pick_fold(folds, params.fold)
    if not params.inner_folds:
        return train_idx, train_idx[:0], test_idx
    fit_idx, val_idx = inner_validation(segments.labels, groups, train_idx, split=params.split,
                                        n_inner=params.inner_folds, seed=params.seed)
    return fit_idx, val_idx, test_idx


def reproduce(run_dir: Path, source: DataSource) -> dict[str, tuple[float, float]]:
    """Load a run's checkpoint (:mod:`ecgstudy.checkpoints`), predict its held-out fold again and return
    ``{metric: (stored, now)}`` for accuracy, AUC, sensitivity and specificity."""
    from ecgstudy.checkpoints import load
    from ecgstudy.metrics.binary import binary_metrics
    from ecgstudy.runs.store import read_run_info

    info = read_run_info(Path(run_dir) / "run.json")
    params = IclrFoldParams.model_validate(info["params"])
    segments = load_segments(source.kind, n_synthetic=params.n_synthetic_segments, folder=source.folders.get("mitdb"))
    _, _, test_idx = fold_indices(params, segments, source)
    probs, _, _ = held_out_outputs(load(run_dir), segments.signals[test_idx])
    now = binary_metrics(labels(segments)[test_idx], probs[:, 1])
    stored = json.loads((Path(run_dir) / "metrics.json").read_text())
    return {k: (float(stored[k]), float(now[k])) for k in ("accuracy", "auc", "sensitivity", "specificity")}


def run_fold(params: IclrFoldParams, source: DataSource, run_dir: Path) -> None:
    """Train and evaluate one (method, split, fold, seed); write the run's files into ``run_dir``.

    Files: ``metrics.json`` (accuracy, sensitivity, specificity, AUC, confusion counts, and for
    attention methods the localisation and grade summaries), ``predictions.npz`` (held-out
    indices, PVC probability, label), ``curves.json`` (per-epoch losses and accuracy),
    ``attention.npz`` (attention of ``n_examples`` held-out segments, float16, and their indices),
    ``weights.pt`` with ``keep_weights`` (:mod:`ecgstudy.checkpoints`).
    """
    from ecgstudy.metrics.binary import binary_metrics
    from ecgstudy.models import build_iclr_model
    from ecgstudy.runs.store import write_json
    from ecgstudy.training import TrainConfig, epoch_logger, history_table, seed_everything, train_classifier
    from ecgstudy.training.ladder import Rungs

    segments = load_segments(source.kind, n_synthetic=params.n_synthetic_segments,
                             folder=source.folders.get("mitdb"))
    y = labels(segments)
    fit_idx, val_idx, test_idx = fold_indices(params, segments, source)
    seed_everything(params.seed)
    model_kwargs = {"method": params.method, "in_leads": int(segments.signals.shape[1]),
                    "kernel_size": params.kernel_size, "classifier_variant": params.classifier_variant}
    model = build_iclr_model(**model_kwargs)
    config = TrainConfig(epochs=params.epochs, lr=params.lr, batch_size=params.batch_size,
                         class_weights=tuple(params.class_weights), seed=params.seed,
                         lr_schedule=params.lr_schedule, precision=params.precision, patience=params.patience)
    log = epoch_logger(run_dir / "progress.log")
    rungs = Rungs(model, tuple(params.ladder), by_validation=params.patience is not None)
    history = train_classifier(model, segments.signals[fit_idx], y[fit_idx], config,
                               x_eval=segments.signals[test_idx], y_eval=y[test_idx],
                               x_val=segments.signals[val_idx] if len(val_idx) else None, y_val=y[val_idx],
                               on_epoch=rungs.follow(log))
    convergence = history.result.convergence()
    if params.ladder:
        ladder = rungs.scores(convergence, lambda: build_iclr_model(**model_kwargs),
                              lambda m: rung_scores(m, segments.subset(test_idx), y[test_idx]))
        np.savez_compressed(run_dir / "ladder.npz", **{f"logit_pvc_{r}": v.pop("logit_pvc") for r, v in ladder.items()})
    if params.keep_weights:  # evaluate the float16-rounded weights that are published, so they reproduce exactly
        from ecgstudy.checkpoints import load, save

        save(model, run_dir, builder="iclr", kwargs=model_kwargs)
        model = load(run_dir)
    probs, logit_pvc, attention = held_out_outputs(model, segments.signals[test_idx])
    metrics = binary_metrics(y[test_idx], probs[:, 1])
    metrics.update(n_train=int(len(fit_idx)), n_test=int(len(test_idx)),
                   train_seconds=float(sum(h.seconds for h in history)),
                   test_records=sorted(set(map(str, segments.record_ids[test_idx]))))
    if params.inner_folds:
        metrics.update(n_val=int(len(val_idx)), val_records=sorted(set(map(str, segments.record_ids[val_idx]))),
                       best_val_loss=history.result.best_score, precision=params.precision, **convergence)
    if params.ladder:
        metrics["ladder"] = ladder
    if attention is not None:
        from ecgstudy.explain.grade import grade_ratio, grade_segments
        from ecgstudy.explain.localisation import localisation_scores

        held_out = segments.subset(test_idx)
        scores = localisation_scores(attention, held_out)
        metrics["localisation"] = {k: float(v) for k, v in scores.select_dtypes("number").mean().items()}
        grades = grade_segments(attention, held_out)
        metrics["grades"] = grade_ratio(grades)
        scores.assign(grade=grades, index=test_idx).to_csv(run_dir / "localisation.csv", index=False)
        pos = example_positions(y[test_idx], params.n_examples)
        np.savez_compressed(run_dir / "attention.npz", index=test_idx[pos],
                            attention=attention[pos].astype(np.float16))
    np.savez_compressed(run_dir / "predictions.npz", index=test_idx, prob_pvc=probs[:, 1].astype(np.float32),
                        label=y[test_idx], logit_pvc=logit_pvc.astype(np.float32))
    (run_dir / "curves.json").write_text(json.dumps(history_table(history)))
    write_json(run_dir / "metrics.json", metrics)
