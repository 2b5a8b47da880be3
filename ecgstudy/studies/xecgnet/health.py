"""Model health of the xECGNet chapter's runs, from their stored arrays: the constant predictors every
run must beat, dead class response maps, flat attention maps and whether training had converged.

* :func:`constant_baselines`: what always predicting one label set scores on a test set.
* :func:`dead_response_share`, :func:`flat_attention_share`: how much of a run's maps carry nothing.
* :func:`converged`: whether validation micro-F1 had stopped rising before the run ended.
* :func:`run_health`: all of it, one row per run; :func:`health_table` and :func:`baseline_table`
  summarise it per dataset and gamma for the page.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

#: A run has converged when the best epoch of its selection score (validation micro-F1, or binary cross-entropy
#: for ``selection="val_bce"``) came at least this many epochs before its last epoch (the former ``cpu`` profile's
#: patience: early stopping did, or would have, ended it).
CONVERGED_AFTER = 6
#: A run's maps are dead when at least this share of them carries nothing.
DEAD_SHARE = 0.5
#: An attention map is flat when its range over time is below this.
FLAT_RANGE = 1e-3


def read_predictions(path: Path) -> dict[str, np.ndarray]:
    """A run's ``predictions.npz``: ``ids``, ``labels`` and ``probs``; the probabilities are recomputed
    in float64 from the stored logits of the two branches where the run has them (runs since page
    version ``xecgnet.1-page.1``), as the model does: ``(sigmoid(att) + sigmoid(per)) / 2``."""
    with np.load(path) as z:
        out = {k: z[k] for k in ("ids", "labels", "probs")}
        if "logits_att" in z and "logits_per" in z:
            att, per = (z[k].astype(np.float64) for k in ("logits_att", "logits_per"))
            out["probs"] = (1 / (1 + np.exp(-att)) + 1 / (1 + np.exp(-per))) / 2
    return out


def constant_baselines(labels: np.ndarray) -> dict[str, float]:
    """Scores of two constant predictors on a test set's labels ``(n, classes)``, chosen on those labels
    (so an upper bound for any constant learned from training data): ``micro_f1`` and ``subset_acc`` of
    always predicting the most frequent label set, ``multi_acc`` (exact match on records with two or more
    labels) of always predicting the most frequent set among those records (NaN without any).

    >>> y = np.array([[1, 0], [1, 0], [0, 1], [1, 1]])
    >>> b = constant_baselines(y)
    >>> round(b["micro_f1"], 3), b["subset_acc"], b["multi_acc"]
    (0.667, 0.5, 1.0)
    """
    y = np.asarray(labels).astype(np.uint8)
    sets, counts = np.unique(y, axis=0, return_counts=True)
    best = sets[counts.argmax()]
    pred = np.broadcast_to(best, y.shape)
    tp = float((pred & y).sum())
    denom = float(pred.sum() + y.sum())
    multi = y[y.sum(axis=1) >= 2]
    multi_acc = float(np.unique(multi, axis=0, return_counts=True)[1].max() / len(multi)) if len(multi) else np.nan
    return {"micro_f1": 2 * tp / denom if denom else 0.0, "subset_acc": float((y == best).all(axis=1).mean()),
            "multi_acc": multi_acc}


def dead_response_share(response: np.ndarray, labels: np.ndarray) -> float:
    """Share of the true classes' response maps that are identically zero (never above 0 in time).

    Args:
        response: ``(n, classes, T)`` response maps ``A >= 0``.
        labels: ``(n, classes)`` the records' true labels.

    >>> r = np.zeros((2, 2, 3)); r[0, 0, 1] = 0.5
    >>> dead_response_share(r, np.array([[1, 1], [1, 0]]))  # 2 of the 3 true maps are zero
    0.6666666666666666
    """
    true = np.asarray(labels).astype(bool)
    if not true.any():
        return float("nan")
    return float((np.asarray(response).max(axis=-1) <= 0)[true].mean())


def flat_attention_share(attention: np.ndarray, *, tol: float = FLAT_RANGE) -> float:
    """Share of attention maps ``(n, T)`` whose range over time is below ``tol`` (they weigh every step alike).

    >>> flat_attention_share(np.array([[0.5, 0.5, 0.5], [0.1, 0.9, 0.2]]))
    0.5
    """
    a = np.asarray(attention, dtype=np.float64)
    return float(((a.max(axis=1) - a.min(axis=1)) < tol).mean()) if len(a) else float("nan")


def converged(scores: list[float] | np.ndarray, *, after: int = CONVERGED_AFTER, mode: str = "max") -> bool:
    """Whether a validation score had stopped improving: its best epoch (the first of ties; the highest with
    ``mode="max"``, the lowest with ``"min"``) lies at least ``after`` epochs before the last one.

    >>> converged([0.5, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], after=6), converged([0.5, 0.6, 0.7], after=6)
    (True, False)
    >>> converged([0.4, 0.3, 0.35, 0.36], after=2, mode="min"), converged([0.4, 0.3, 0.2], after=1, mode="min")
    (True, False)
    """
    f = np.asarray(scores, dtype=np.float64)
    if not len(f):
        return False
    best = int(np.nanargmax(f)) if mode == "max" else int(np.nanargmin(f))
    return bool(len(f) - 1 - best >= after)


def selection_curve(curves: list[dict], selection: str) -> tuple[list[float], str]:
    """The validation curve a run's weights were chosen by, and its mode: ``val_bce`` (``"min"``) for
    ``selection="val_bce"``, else ``val_micro_f1`` (``"max"``; also for a fixed budget, as the page always judged).

    >>> selection_curve([{"val_micro_f1": 0.5, "val_bce": 0.4}], "val_bce")
    ([0.4], 'min')
    """
    if selection == "val_bce":
        return [c["val_bce"] for c in curves], "min"
    return [c["val_micro_f1"] for c in curves], "max"


def run_converged(curves: list[dict], params: dict, epochs: int | None = None) -> bool:
    """:func:`converged` on the selection curve of a run (``curves``: its ``curves.json`` rows; ``params``: its
    parameters) over its first ``epochs`` epochs (default: all)."""
    values, mode = selection_curve(curves[:epochs], params.get("selection", "val_micro_f1"))
    return converged(values, mode=mode)


def run_health(records) -> pd.DataFrame:
    """One row per finished run (with its arrays): the grid keys, its test micro-F1 / subset accuracy /
    multi-label accuracy beside the constant predictors' (``base_*``), ``learned`` (micro-F1 above the
    constant's), ``dead_response`` and ``flat_attention`` shares, ``healthy`` (learned, with fewer than
    :data:`DEAD_SHARE` dead true-class response maps and flat attention maps), ``converged`` and
    ``seconds_per_epoch``."""
    from ecgstudy.studies.xecgnet.tables import _dataset_of

    rows = []
    for rec in records:
        if not rec.ok or not (rec.path / "predictions.npz").exists() or not (rec.path / "maps.npz").exists():
            continue
        m, p = rec.metrics(), rec.spec.params
        pred = read_predictions(rec.path / "predictions.npz")
        base = constant_baselines(pred["labels"])
        with np.load(rec.path / "maps.npz") as z:
            attention, multi = z["attention"], z["multi_index"]
            response = z["response_multi"].astype(np.float32)
        curves = json.loads((rec.path / "curves.json").read_text()) if (rec.path / "curves.json").exists() else []
        row = {"dataset": _dataset_of(rec), "gamma": float(p["gamma"]), "regulariser": p["regulariser"],
               "seed": int(p["seed"]), "run_id": rec.spec.run_id,
               **{k: float(m[k]) if m[k] is not None else np.nan for k in ("micro_f1", "subset_acc", "multi_acc")},
               **{f"base_{k}": v for k, v in base.items()},
               "dead_response": dead_response_share(response, pred["labels"][multi]) if len(multi) else np.nan,
               "flat_attention": flat_attention_share(attention),
               "converged": run_converged(curves, p),
               "seconds_per_epoch": float(np.mean([c["seconds"] for c in curves])) if curves else np.nan}
        row["learned"] = bool(row["micro_f1"] > row["base_micro_f1"])
        row["healthy"] = bool(row["learned"] and not row["dead_response"] >= DEAD_SHARE
                              and not row["flat_attention"] >= DEAD_SHARE)
        rows.append(row)
    columns = ["dataset", "gamma", "regulariser", "seed", "run_id", "micro_f1", "subset_acc", "multi_acc",
               "base_micro_f1", "base_subset_acc", "base_multi_acc", "dead_response", "flat_attention",
               "converged", "seconds_per_epoch", "learned", "healthy"]
    return pd.DataFrame(rows, columns=columns)


def _groups(health: pd.DataFrame):
    return health.groupby(["dataset", "regulariser", "gamma"], sort=True) if len(health) else []


def health_table(health: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per dataset, regulariser and gamma: runs, runs below the constant predictor on micro-F1, the mean
    share of dead true-class response maps and the runs where they are at least half, the mean share of
    flat attention maps and the runs where they are at least half, healthy runs and converged runs."""
    rows = []
    for (ds, reg, g), part in _groups(health):
        rows.append({"dataset": names[ds], "regulariser": reg, "gamma": f"{g:g}", "runs": len(part),
                     "learned nothing": int((~part["learned"]).sum()),
                     "dead response maps": float(part["dead_response"].mean()),
                     "runs with dead maps": int((part["dead_response"] >= DEAD_SHARE).sum()),
                     "flat attention": float(part["flat_attention"].mean()),
                     "runs with flat attention": int((part["flat_attention"] >= DEAD_SHARE).sum()),
                     "healthy": int(part["healthy"].sum()), "converged": int(part["converged"].sum())})
    return pd.DataFrame(rows)


def baseline_table(health: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per dataset, regulariser and gamma, for micro-F1, subset accuracy and multi-label subset accuracy:
    the runs' mean, the constant predictor's mean on the same test sets, and how many runs score at or
    below it."""
    rows = []
    for (ds, reg, g), part in _groups(health):
        row = {"dataset": names[ds], "regulariser": reg, "gamma": f"{g:g}", "runs": len(part)}
        for k in ("micro_f1", "subset_acc", "multi_acc"):
            valid = part.dropna(subset=[k, f"base_{k}"])
            row[k] = float(valid[k].mean()) if len(valid) else np.nan
            row[f"{k} constant"] = float(valid[f"base_{k}"].mean()) if len(valid) else np.nan
            row[f"{k} runs <= constant"] = int((valid[k] <= valid[f"base_{k}"]).sum())
        rows.append(row)
    return pd.DataFrame(rows)
