"""The ICLR chapter's tables, read from the finished runs: per-run metrics, pooled predictions,
curves, grades, and paired comparisons of methods."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


#: Parameters that identify a run inside the chapter's grid (columns of every per-run table).
GRID_KEYS = ("method", "split", "fold", "seed", "kernel_size")


METHOD_NAMES = {"classifier": "Classifier only", "cascaded": "Cascaded (no attention product)",
                "max": "ReLU + max pooling", "l2": "L2-norm pooling"}


def run_table(records) -> pd.DataFrame:
    """One row per finished fold run: its parameters and headline metrics (no rows, the same
    key columns, when no run has finished)."""
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        p = rec.spec.params
        row = {k: p[k] for k in GRID_KEYS}
        row.update({k: m[k] for k in ("accuracy", "sensitivity", "specificity", "auc") if k in m})
        for k, v in m.get("localisation", {}).items():
            row[f"loc_{k}"] = v
        row.update({f"grade_{g}": v for g, v in m.get("grades", {}).get("fractions", {}).items()})
        row.update(run_id=rec.spec.run_id, path=str(rec.path), train_seconds=m.get("train_seconds"))
        rows.append(row)
    columns = [*GRID_KEYS, "accuracy", "sensitivity", "specificity", "auc", "run_id", "path", "train_seconds"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def _per_run_frames(records, filename: str, read) -> pd.DataFrame:
    """``read(path)`` of ``filename`` in every finished run that has it, with the run's grid keys as columns."""
    parts = []
    for rec in records:
        path = rec.path / filename
        if rec.ok and path.exists():
            part = read(path)
            for k in GRID_KEYS:
                part[k] = rec.spec.params[k]
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(GRID_KEYS))


def _read_predictions(path: Path) -> pd.DataFrame:
    with np.load(path) as z:
        return pd.DataFrame({"index": z["index"], "prob_pvc": z["prob_pvc"], "label": z["label"]})


def pooled_predictions(records) -> pd.DataFrame:
    """Held-out predictions of every run, one row per (run, segment)."""
    return _per_run_frames(records, "predictions.npz", _read_predictions)


def summary_metrics(table, *, kernel_size: int) -> dict:
    """Mean, sd and n over folds x seeds per split and method (main kernel): the chapter's metrics.json.

    Keys: ``{"segmentwise"|"recordwise": {method: {metric: {"mean", "sd", "n"}}}}`` with metrics
    ``acc, sens, spec, auc`` (PVC positive), as the scorecard reads them.
    """
    out: dict = {}
    short = {"accuracy": "acc", "sensitivity": "sens", "specificity": "spec", "auc": "auc"}
    main = table[table["kernel_size"] == kernel_size] if len(table) else table
    for (split, method), part in main.groupby(["split", "method"]):
        entry = {}
        for col, key in short.items():
            vals = part[col].dropna().to_numpy(dtype=float)
            entry[key] = {"mean": float(vals.mean()) if len(vals) else None,
                          "sd": float(vals.std(ddof=1)) if len(vals) > 1 else None, "n": int(len(vals))}
        out.setdefault(f"{split}wise", {})[method] = entry
    return out


def curves_table(records) -> pd.DataFrame:
    """Per-epoch curves of every finished run: method, split, fold, seed, kernel_size, epoch, losses, accuracy."""
    return _per_run_frames(records, "curves.json", lambda path: pd.DataFrame(json.loads(path.read_text())))


def grade_table(records, *, method: str = "l2", kernel_size: int | None = None) -> pd.DataFrame:
    """Per held-out segment grades and localisation scores of every run of ``method``."""
    chosen = [r for r in records if r.spec.params["method"] == method
              and (kernel_size is None or r.spec.params["kernel_size"] == kernel_size)]
    return _per_run_frames(chosen, "localisation.csv", pd.read_csv)


def compare_methods(table: pd.DataFrame, *, a: str, b: str = "classifier", split: str = "segment",
                    kernel_size: int, metrics: tuple[str, ...] = ("accuracy", "auc"), n_boot: int = 2000,
                    seed: int = 0) -> pd.DataFrame:
    """Paired comparison of method ``a`` against ``b`` over the runs both finished (same split,
    fold and seed; kernel ``kernel_size``): :func:`ecgstudy.metrics.paired_test` of ``a - b``.

    Returns:
        One row per metric: ``metric, a, b, split, n`` (pairs), ``mean_diff``, ``low``, ``high``
        (95 % bootstrap interval of the mean difference), ``p_value`` (Wilcoxon; NaN under 2 pairs)
        and ``verdict`` (:func:`ecgstudy.metrics.interval_verdict` against 0).
    """
    from ecgstudy.metrics import interval_verdict, paired_test

    cols = ["metric", "a", "b", "split", "n", "mean_diff", "low", "high", "p_value", "verdict"]
    if not len(table):
        return pd.DataFrame(columns=cols)
    main = table[(table["kernel_size"] == kernel_size) & (table["split"] == split)]
    keys = ["fold", "seed"]
    pa = main[main["method"] == a].set_index(keys)
    pb = main[main["method"] == b].set_index(keys)
    both = pa.index.intersection(pb.index).sort_values()
    rows = []
    for metric in metrics:
        x = pa.loc[both, metric].to_numpy(dtype=float)
        y = pb.loc[both, metric].to_numpy(dtype=float)
        ok = ~(np.isnan(x) | np.isnan(y))
        row = {"metric": metric, "a": a, "b": b, "split": split, "n": int(ok.sum())}
        if ok.sum() >= 2:
            r = paired_test(x[ok], y[ok], n_boot=n_boot, seed=seed)
            row |= {k: r[k] for k in ("mean_diff", "low", "high", "p_value")}
        else:
            row |= {"mean_diff": float(np.mean(x[ok] - y[ok])) if ok.any() else np.nan,
                    "low": np.nan, "high": np.nan, "p_value": np.nan}
        row["verdict"] = interval_verdict(row["low"], row["high"])
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def constant_prediction_runs(preds: pd.DataFrame, *, tol: float = 1e-6) -> pd.DataFrame:
    """Runs whose held-out PVC probabilities are all equal (spread at most ``tol``): the
    classifier saw the same input for every segment, which for the ReLU + max model means a
    dead attention (the U-Net output negative everywhere, so the product is zero). Their AUC is
    exactly 0.5 whatever the training loss shows (with class weights it sits near, not at, ln 2).

    Args:
        preds: :func:`pooled_predictions` (``prob_pvc`` and the grid keys).

    Returns:
        One row per such run: ``GRID_KEYS``, ``prob_pvc`` (the constant) and ``n`` (segments).
    """
    cols = [*GRID_KEYS, "prob_pvc", "n"]
    if not len(preds):
        return pd.DataFrame(columns=cols)
    g = preds.groupby(list(GRID_KEYS))["prob_pvc"]
    spread = g.max() - g.min()
    out = pd.DataFrame({"prob_pvc": g.mean(), "n": g.size()})[spread <= tol].reset_index()
    return out[cols]


def majority_baseline(preds: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Per run (its grid keys): the accuracy of predicting, for every held-out segment, the majority class of
    the run's training segments (all segments not held out), from ``labels`` ``(n_segments,)`` 0/1.

    >>> preds = pd.DataFrame({"method": "l2", "split": "record", "fold": 0, "seed": 0, "kernel_size": 151,
    ...                       "index": [0, 1], "prob_pvc": [0.9, 0.1], "label": [1, 0]})
    >>> majority_baseline(preds, np.array([1, 0, 1, 1]))["majority_accuracy"].tolist()  # training: 1, 1
    [0.5]
    """
    labels = np.asarray(labels)
    rows = []
    for keys, part in preds.groupby(list(GRID_KEYS), sort=False):
        held = np.zeros(len(labels), dtype=bool)
        held[part["index"].to_numpy(dtype=np.int64)] = True
        majority = int(labels[~held].mean() >= 0.5) if (~held).any() else 1
        rows.append({**dict(zip(GRID_KEYS, keys)), "majority": majority,
                     "majority_accuracy": float((part["label"].to_numpy() == majority).mean())})
    return pd.DataFrame(rows, columns=[*GRID_KEYS, "majority", "majority_accuracy"])


def classification_table(table: pd.DataFrame, preds: pd.DataFrame, *, kernel_size: int, patient_of: np.ndarray,
                         labels: np.ndarray, n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """Per split and method (main kernel): mean ± sd over runs of accuracy, sensitivity, specificity and
    AUC; the pooled held-out accuracy and AUC (every run's predictions together) with 95 % intervals that
    resample patients, the independent unit (:func:`~ecgstudy.metrics.stats.cluster_bootstrap_ci`: a drawn
    patient brings every prediction of every segment of theirs); and the number of runs and patients.

    Args:
        preds: :func:`pooled_predictions` (``index`` is the segment of each prediction).
        patient_of: ``(n_segments,)`` the patient of every segment
            (:func:`ecgstudy.data.patients.patient_ids` of the segments' records).
    """
    from ecgstudy.metrics import binary_metrics
    from ecgstudy.metrics.intervals import mean_sd_text
    from ecgstudy.metrics.stats import cluster_bootstrap_ci

    def pooled_text(metric: str, y, p, groups) -> str:
        ci = cluster_bootstrap_ci(lambda y, p: binary_metrics(y, p)[metric], y, p, groups=groups, n_boot=n_boot,
                                  seed=seed)
        return f"{ci.estimate:.3f} ({ci.low:.3f}-{ci.high:.3f})"

    base = majority_baseline(preds, labels) if len(preds) else pd.DataFrame(columns=[*GRID_KEYS, "majority_accuracy"])
    rows = []
    for (split, method), part in table[table["kernel_size"] == kernel_size].groupby(["split", "method"], sort=False):
        pooled = preds[(preds["split"] == split) & (preds["method"] == method) & (preds["kernel_size"] == kernel_size)]
        y, p = pooled["label"].to_numpy(), pooled["prob_pvc"].to_numpy()
        groups = np.asarray(patient_of)[pooled["index"].to_numpy(dtype=np.int64)]
        row = {"split": split, "method": METHOD_NAMES[method]}
        for col in ("accuracy", "sensitivity", "specificity", "auc"):
            row[col] = mean_sd_text(part[col])
        row["balanced accuracy"] = mean_sd_text((part["sensitivity"].astype(float) + part["specificity"].astype(float)) / 2)
        paired = part.merge(base, on=list(GRID_KEYS), how="inner")
        row["majority class"] = mean_sd_text(paired["majority_accuracy"]) if len(paired) else "n/a"
        row["runs below majority"] = f"{int((paired['accuracy'] < paired['majority_accuracy']).sum())} of {len(paired)}"
        row["pooled accuracy (95% CI)"] = pooled_text("accuracy", y, p, groups)
        row["pooled AUC (95% CI)"] = pooled_text("auc", y, p, groups)
        row["runs"], row["patients"] = len(part), len(np.unique(groups))
        rows.append(row)
    return pd.DataFrame(rows)


#: Caption of :func:`classification_table`.
CLASSIFICATION_CAPTION = ("Mean ± sd over folds and seeds, beside two trivial baselines: balanced accuracy, and "
                          "always predicting the training majority class (PVC); pooled held-out accuracy and AUC "
                          "(every run's predictions together) with 95 % percentile intervals from resampling "
                          "patients, the independent unit (segments of one patient are not independent)")


def localisation_table(table: pd.DataFrame, *, kernel_size: int) -> pd.DataFrame:
    """Per attention method and split (main kernel), the mean over runs of the attention's mass in the
    annotated abnormal beats, the uniform baseline, their ratio, the per-sample AUROC and pointing."""
    rows = []
    for method in ("max", "l2"):
        part = table[(table["method"] == method) & (table["kernel_size"] == kernel_size)]
        for split, p in part.groupby("split"):
            rows.append({"method": METHOD_NAMES[method], "split": split,
                         "mass in abnormal beats": p.get("loc_mass_abnormal", pd.Series(dtype=float)).mean(),
                         "uniform baseline": p.get("loc_baseline", pd.Series(dtype=float)).mean(),
                         "ratio": p.get("loc_ratio", pd.Series(dtype=float)).mean(),
                         "AUROC": p.get("loc_auroc", pd.Series(dtype=float)).mean(),
                         "pointing": p.get("loc_pointing", pd.Series(dtype=float)).mean()})
    return pd.DataFrame(rows, columns=["method", "split", "mass in abnormal beats", "uniform baseline", "ratio",
                                       "AUROC", "pointing"])


def grade_percentages(grades: pd.Series) -> str:
    """``"I : II : III"`` in percent of the graded segments (``"0 : 0 : 0"`` when none).

    >>> grade_percentages(pd.Series(["I", "I", "II", "III", "x"]))
    '50 : 25 : 25'
    """
    g = grades[grades.isin(["I", "II", "III"])]
    counts = g.value_counts().reindex(["I", "II", "III"], fill_value=0)
    return " : ".join(f"{100 * c / max(len(g), 1):.0f}" for c in counts)


def grade_summary(records, *, kernel_size: int) -> dict[str, str]:
    """The grade ratio of the L2 attention over segment-wise runs: ``random_100`` (100 random held-out
    segments of the first seed, drawn with ``random_state=0``) and ``all`` (every held-out segment)."""
    grades = grade_table(records, method="l2", kernel_size=kernel_size)
    grades = grades[grades["split"] == "segment"] if len(grades) else grades
    if not len(grades):
        return {"random_100": "n/a", "all": "n/a"}
    first = grades[(grades["seed"] == grades["seed"].min())]
    sample = first.sample(n=min(100, len(first)), random_state=0)["grade"]
    return {"random_100": grade_percentages(sample), "all": grade_percentages(grades["grade"])}


def kernel_ablation(table: pd.DataFrame) -> pd.DataFrame:
    """Per kernel size (samples), the mean over segment-wise L2 runs of accuracy, specificity, AUC, the
    grade fractions and the attention AUROC (empty without L2 runs)."""
    abl = table[(table["method"] == "l2") & (table["split"] == "segment")]
    if not len(abl):
        return pd.DataFrame()
    cols = ["accuracy", "specificity", "auc"] + [c for c in abl.columns if c.startswith("grade_") or c == "loc_auroc"]
    return abl.groupby("kernel_size")[cols].mean()


def method_comparisons(table: pd.DataFrame, *, splits, methods, record_methods, kernel_size: int,
                       seed: int = 0) -> pd.DataFrame:
    """:func:`compare_methods` of every method against the classifier alone, per split (record-wise:
    ``record_methods`` only); empty when there is nothing to compare."""
    rows = [compare_methods(table, a=m, b="classifier", split=split, kernel_size=kernel_size, seed=seed)
            for split in splits for m in (methods if split == "segment" else record_methods) if m != "classifier"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def patient_leakage(records, *, real: bool) -> dict:
    """Record-wise runs that put one patient on both sides (MIT-BIH records 201 and 202 are one man):
    ``runs`` (record-wise runs), ``leaky`` (how many split that patient) and ``leaky_runs`` (their ids).
    A run's test records are in its ``metrics.json``; the others of the grid are its training records."""
    from ecgstudy.data.patients import patient_ids, split_patients

    runs = [r for r in records if r.ok and r.spec.params["split"] == "record"]
    tests = {r.spec.run_id: [str(x) for x in r.metrics().get("test_records", [])] for r in runs}
    universe = sorted({x for t in tests.values() for x in t})
    patients = dict(zip(universe, patient_ids("mitdb" if real else "synthetic", universe)))
    leaky = [rid for rid, t in tests.items() if split_patients(patients, t)]
    return {"runs": len(runs), "leaky": len(leaky), "leaky_runs": leaky}
