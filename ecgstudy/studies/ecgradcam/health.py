"""Model health of the ECGradCAM chapter's runs: which networks beat their trivial baseline, which
maps are dead (constant over the beat: nothing to read), and which stored sex probabilities are
saturated (float32 rounds them to exactly 0 or 1, so the saved arrays lose their ranking).

Verdicts about maps count only runs that beat their baseline (:func:`map_runs`); the page shows
:func:`health_table`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ecgstudy.studies.ecgradcam.targets import VARIANTS

#: Columns of :func:`run_health`.
HEALTH_COLUMNS = ("dataset", "target", "task", "fold", "seed", "run_id", "beat_baseline", "n_maps",
                  *(f"dead.{v}" for v in VARIANTS), "saturated", "auc_metrics", "auc_arrays", "logits")


def beats_baseline(m: Mapping) -> bool:
    """Whether one run's network beat its trivial baseline on its held-out records: MAE below the
    training mean's (regression), accuracy above the training majority class's (sex).

    >>> beats_baseline({"task": "regression", "mae": 9.0, "baseline_mae": 10.0})
    True
    >>> beats_baseline({"task": "binary", "accuracy": 0.575, "baseline_accuracy": 0.575})
    False
    """
    if m["task"] == "binary":
        return bool(m["accuracy"] > m["baseline_accuracy"])
    return bool(m["mae"] < m["baseline_mae"])


def dead_maps(maps: np.ndarray) -> int:
    """How many maps (rows of ``(n, T)``) are constant over time (all zero for textbook Grad-CAM
    after its ReLU; undefined min-max scaling for ECGradCAM): maps that show nothing.

    >>> dead_maps(np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.5], [2.0, 2.0, 2.0]]))
    2
    """
    m = np.asarray(maps, dtype=np.float64)
    return int((np.ptp(m, axis=1) == 0).sum()) if m.size else 0


def binary_scores(z: Mapping) -> np.ndarray:
    """A binary run's held-out scores for ranking and thresholding at 0.5: the probabilities
    recomputed in float64 from the stored logits when the run has them (newer runs), else the
    stored float32 probabilities.

    >>> binary_scores({"prediction": np.float32([1.0, 1.0]), "logit": np.float32([20.0, 18.0])}).tolist()[1] < 1.0
    True
    """
    from scipy.special import expit

    if "logit" in z:
        return expit(np.asarray(z["logit"], dtype=np.float64))
    return np.asarray(z["prediction"], dtype=np.float64)


def saturated(prob: np.ndarray) -> bool:
    """Whether stored probabilities hold an exact 0 or 1 (float32 saturation: ties that erase the
    network's ranking).

    >>> saturated(np.float32([0.2, 1.0])), saturated(np.float32([0.2, 0.9]))
    (True, False)
    """
    p = np.asarray(prob)
    return bool(((p == 0) | (p == 1)).any())


def run_health(records: Iterable, *, layer: str = "last_add") -> pd.DataFrame:
    """One row per finished run (:data:`HEALTH_COLUMNS`): whether it beat its baseline
    (:func:`beats_baseline`), how many of its held-out maps at ``layer`` are dead per variant
    (:func:`dead_maps`; ``n_maps`` maps each), and for sex runs whether the stored probabilities
    are saturated (without logits to recompute them), the AUC its ``metrics.json`` records
    (computed in float64 before saving) and the AUC the saved arrays give."""
    from ecgstudy.metrics import roc_auc

    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        row = {"dataset": m["dataset"], "target": m["target"], "task": m["task"], "fold": int(m["fold"]),
               "seed": int(m["seed"]), "run_id": rec.spec.run_id, "beat_baseline": beats_baseline(m),
               "n_maps": 0, "saturated": False, "auc_metrics": m.get("auc", math.nan), "auc_arrays": math.nan,
               "logits": False}
        if (rec.path / "maps.npz").exists():
            with np.load(rec.path / "maps.npz") as z:
                for v in VARIANTS:
                    key = f"{v}.{layer}"
                    row[f"dead.{v}"] = dead_maps(z[key]) if key in z else 0
                    row["n_maps"] = int(len(z[key])) if key in z else row["n_maps"]
        if m["task"] == "binary" and (rec.path / "predictions.npz").exists():
            with np.load(rec.path / "predictions.npz") as z:
                row["logits"] = "logit" in z
                row["saturated"] = not row["logits"] and saturated(z["prediction"])
                y = np.asarray(z["y"], dtype=np.float64)
                row["auc_arrays"] = float(roc_auc(y, binary_scores(z)))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(HEALTH_COLUMNS))


def map_runs(health: pd.DataFrame, learned: Mapping[tuple[str, str], bool]) -> set[str]:
    """Run ids whose maps (and wave blocking) verdicts may read: the target's networks learned
    (``learned``, from the interval of network - baseline) and the run itself beat its baseline.

    >>> h = pd.DataFrame({"dataset": ["d", "d", "e"], "target": ["t", "t", "t"], "run_id": ["a", "b", "c"],
    ...                   "beat_baseline": [True, False, True]})
    >>> sorted(map_runs(h, {("d", "t"): True, ("e", "t"): False}))
    ['a']
    """
    if not len(health):
        return set()
    ok = [bool(learned.get((d, t), False)) and bool(b)
          for d, t, b in zip(health["dataset"], health["target"], health["beat_baseline"])]
    return set(health.loc[ok, "run_id"])


def counted_by_target(health: pd.DataFrame, counted: set[str]) -> dict[tuple[str, str], str]:
    """Per dataset and target, how many of its runs the map verdicts read (``"k of n"``).

    >>> h = pd.DataFrame({"dataset": ["d", "d"], "target": ["t", "t"], "run_id": ["a", "b"]})
    >>> counted_by_target(h, {"a"})
    {('d', 't'): '1 of 2'}
    """
    if not len(health):
        return {}
    return {(ds, t): f"{int(part['run_id'].isin(counted).sum())} of {len(part)}"
            for (ds, t), part in health.groupby(["dataset", "target"], sort=False)}


#: Caption of :func:`health_table`.
HEALTH_CAPTION = ("Model health per dataset and target: runs whose network beat its trivial baseline (training "
                  "mean's MAE; majority class's accuracy for sex), dead maps (constant over the beat: nothing to "
                  "read) at the last residual addition per variant, and sex runs whose stored float32 "
                  "probabilities are saturated (exact 0 or 1, no logits saved): their AUC is taken from "
                  "metrics.json, computed before saving")


def health_table(health: pd.DataFrame, *, names: Mapping[str, str]) -> pd.DataFrame:
    """Per dataset and target: ``runs``, ``beat baseline`` (``"k of n"``), dead maps per variant
    (``"d of m maps (r runs all dead)"``) and ``saturated`` (sex runs, ``"k of n"``; ``""`` for regression).

    >>> h = pd.DataFrame({"dataset": ["d", "d"], "target": ["sex", "sex"], "task": ["binary"] * 2,
    ...     "beat_baseline": [True, False], "n_maps": [4, 4], "dead.gradcam": [4, 1], "dead.ecgradcam": [0, 0],
    ...     "saturated": [False, True]})
    >>> health_table(h, names={"d": "D"}).astype(str).iloc[0].tolist()
    ['D', 'sex', '2', '1 of 2', '5 of 8 (1 run all dead)', '0 of 8', '1 of 2']
    """
    rows = []
    for (ds, target), part in (health.groupby(["dataset", "target"], sort=False) if len(health) else []):
        n = len(part)
        row = {"dataset": names.get(ds, ds), "target": target, "runs": n,
               "beat baseline": f"{int(part['beat_baseline'].sum())} of {n}"}
        for v in VARIANTS:
            dead, total = int(part[f"dead.{v}"].sum()), int(part["n_maps"].sum())
            all_dead = int(((part[f"dead.{v}"] == part["n_maps"]) & (part["n_maps"] > 0)).sum())
            row[f"dead {v} maps"] = f"{dead} of {total}" + (
                f" ({all_dead} run{'s' if all_dead > 1 else ''} all dead)" if all_dead else "")
        row["saturated"] = f"{int(part['saturated'].sum())} of {n}" if part["task"].iloc[0] == "binary" else ""
        rows.append(row)
    return pd.DataFrame(rows)


def health_metrics(health: pd.DataFrame) -> dict:
    """``metrics.json``'s ``health``: run counts over the page (``runs``, ``beat_baseline``,
    ``saturated``, ``runs_all_dead`` and ``dead_maps`` per variant, ``maps``) and the
    saturated runs' ids.

    >>> h = pd.DataFrame({"run_id": ["a"], "beat_baseline": [False], "n_maps": [3], "dead.gradcam": [3],
    ...                   "dead.ecgradcam": [0], "saturated": [True]})
    >>> health_metrics(h)["runs_all_dead"], health_metrics(h)["saturated_runs"]
    ({'gradcam': 1, 'ecgradcam': 0}, ['a'])
    """
    if not len(health):
        return {"runs": 0}
    full = health["n_maps"] > 0
    return {"runs": int(len(health)), "beat_baseline": int(health["beat_baseline"].sum()),
            "maps": int(health["n_maps"].sum()),
            "dead_maps": {v: int(health[f"dead.{v}"].sum()) for v in VARIANTS},
            "runs_all_dead": {v: int(((health[f"dead.{v}"] == health["n_maps"]) & full).sum()) for v in VARIANTS},
            "saturated": int(health["saturated"].sum()),
            "saturated_runs": list(health.loc[health["saturated"].astype(bool), "run_id"])}


def health_text(health: pd.DataFrame, *, names: Mapping[str, str]) -> str:
    """The page's sentence on model health: runs that beat their baseline per dataset, dead maps
    and saturated sex runs.

    >>> h = pd.DataFrame({"dataset": ["d", "d"], "run_id": ["a", "b"], "beat_baseline": [True, False],
    ...     "n_maps": [4, 4], "dead.gradcam": [4, 0], "dead.ecgradcam": [0, 0], "saturated": [False, True]})
    >>> print(health_text(h, names={"d": "D"}))  # doctest: +NORMALIZE_WHITESPACE
    Runs whose network beat its trivial baseline: D 1 of 2. Dead maps (constant over the beat) at the last
    residual addition: textbook Grad-CAM 4 of 8 (1 run with every map dead), ECGradCAM 0 of 8. Sex runs whose
    stored probabilities are saturated in float32: 1 (their AUC is read from metrics.json).
    """
    if not len(health):
        return "No finished run in this build."
    met = health_metrics(health)
    beat = ", ".join(f"{names.get(ds, ds)} {int(p['beat_baseline'].sum())} of {len(p)}"
                     for ds, p in health.groupby("dataset", sort=False))
    labels = {"gradcam": "textbook Grad-CAM", "ecgradcam": "ECGradCAM"}
    dead = ", ".join(f"{labels[v]} {met['dead_maps'][v]} of {met['maps']}"
                     + (f" ({met['runs_all_dead'][v]} run{'s' if met['runs_all_dead'][v] > 1 else ''} with every map "
                        f"dead)" if met["runs_all_dead"][v] else "") for v in VARIANTS)
    return (f"Runs whose network beat its trivial baseline: {beat}. Dead maps (constant over the beat) at the last "
            f"residual addition: {dead}. Sex runs whose stored probabilities are saturated in float32: "
            f"{met['saturated']} (their AUC is read from metrics.json).")
