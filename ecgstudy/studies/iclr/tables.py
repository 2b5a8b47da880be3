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


#: How the page names each split.
SPLIT_WORDS = {"segment": "segment-wise", "record": "record-wise", "patient": "patient-wise"}


def grouped_split(splits) -> str:
    """The build's grouped split, the one that keeps whole units apart: ``"patient"`` when ``splits``
    (the parameters' and the runs' splits) hold patient-wise folds, else ``"record"``.

    >>> grouped_split(("segment", "patient")), grouped_split(["segment", "record"]), grouped_split(())
    ('patient', 'record', 'record')
    """
    return "patient" if "patient" in set(splits) else "record"


#: Budget parameters of a run (:class:`~ecgstudy.studies.iclr.params.IclrFoldParams`) that every per-run table
#: carries; a committed run that predates one of them ran at its default.
BUDGET_PARAMS = ("epochs", "lr", "lr_schedule", "precision", "inner_folds", "patience")


#: How a validation-driven run ended (its ``metrics.json``; absent, NaN, in runs of a fixed budget).
CONVERGENCE_KEYS = ("best_epoch", "last_epoch", "stopped_by", "skipped_steps", "n_val", "best_val_loss")


def run_table(records) -> pd.DataFrame:
    """One row per finished fold run: its parameters (:data:`BUDGET_PARAMS` among them), headline metrics
    and how it ended (:data:`CONVERGENCE_KEYS`; NaN for a fixed budget); no rows, the same key columns,
    when no run has finished."""
    from ecgstudy.studies.iclr.params import IclrFoldParams

    defaults = {k: IclrFoldParams.model_fields[k].default for k in BUDGET_PARAMS}
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        p = rec.spec.params
        row = {k: p[k] for k in GRID_KEYS}
        row.update({k: m[k] for k in ("accuracy", "sensitivity", "specificity", "auc") if k in m})
        if "sensitivity" in m and "specificity" in m:
            row["balanced_accuracy"] = (m["sensitivity"] + m["specificity"]) / 2
        for k, v in m.get("localisation", {}).items():
            row[f"loc_{k}"] = v
        row.update({f"grade_{g}": v for g, v in m.get("grades", {}).get("fractions", {}).items()})
        row.update(run_id=rec.spec.run_id, path=str(rec.path), train_seconds=m.get("train_seconds"),
                   n_train=m.get("n_train"), n_test=m.get("n_test"))
        row.update({k: p.get(k, defaults[k]) for k in BUDGET_PARAMS})
        row.update({k: m.get(k, np.nan) for k in CONVERGENCE_KEYS})
        rows.append(row)
    columns = [*GRID_KEYS, "accuracy", "sensitivity", "specificity", "auc", "run_id", "path", "train_seconds",
               "n_train", "n_test", *BUDGET_PARAMS, *CONVERGENCE_KEYS]
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
        frame = pd.DataFrame({"index": z["index"], "prob_pvc": z["prob_pvc"], "label": z["label"]})
        logit = z["logit_pvc"] if "logit_pvc" in z.files else None
    # the score that ranks segments: the log-odds where the run stored them (runs since iclr.2 with logits),
    # else the probability (float32 probabilities saturate at 1.0 and tie the most confident segments)
    frame["score"] = logit if logit is not None else frame["prob_pvc"]
    frame["has_logit"] = logit is not None
    return frame


def pooled_predictions(records) -> pd.DataFrame:
    """Held-out predictions of every run, one row per (run, segment): ``index, prob_pvc, label``,
    ``score`` (the stored log-odds of PVC where the run has them, else ``prob_pvc``: the ranking AUC
    uses) and ``has_logit``."""
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


#: What the majority class scores on each metric where it does not depend on the run (it predicts one class).
MAJORITY_CONSTANT = {"auc": 0.5, "balanced_accuracy": 0.5}


def paired_values(table: pd.DataFrame, *, a: str, b: str, metric: str, split: str, kernel_size: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``metric`` of method ``a`` and of ``b`` over the runs both finished (same split, fold and seed;
    kernel ``kernel_size``), pairs with a NaN dropped. ``b="majority"``: the training majority class
    on ``a``'s own held-out folds (``majority_accuracy`` column for accuracy, :data:`MAJORITY_CONSTANT`
    otherwise)."""
    main = table[(table["kernel_size"] == kernel_size) & (table["split"] == split)]
    keys = ["fold", "seed"]
    pa = main[main["method"] == a].set_index(keys)
    if b == "majority":
        x = pa[metric].to_numpy(dtype=float)
        y = pa["majority_accuracy"].to_numpy(dtype=float) if metric == "accuracy" else \
            np.full(len(pa), MAJORITY_CONSTANT[metric])
    else:
        pb = main[main["method"] == b].set_index(keys)
        both = pa.index.intersection(pb.index).sort_values()
        x, y = pa.loc[both, metric].to_numpy(dtype=float), pb.loc[both, metric].to_numpy(dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def fold_units(table: pd.DataFrame, split: str) -> tuple[int, int]:
    """``(n_train, n_test)`` of one fold of ``split`` (the median over its runs), in the unit the
    split draws: segments (segment-wise) or segments of whole records or patients. The corrected
    t interval uses their ratio, about 1 / 4 for five folds whatever the unit; ``(4, 1)`` when the
    runs do not say."""
    part = table[table["split"] == split] if len(table) else table
    if not len(part) or "n_train" not in part or part["n_train"].isna().all():
        return 4, 1
    return int(part["n_train"].median()), int(part["n_test"].median())


def compare_methods(table: pd.DataFrame, *, a: str, b: str = "classifier", split: str = "segment",
                    kernel_size: int, metrics: tuple[str, ...] = ("accuracy", "auc")) -> pd.DataFrame:
    """Paired comparison of method ``a`` against ``b`` (a method, or ``"majority"``: the training majority
    class) over the runs both finished (:func:`paired_values`): the mean of ``a - b`` over fold x seed pairs
    with the corrected resampled t interval (:func:`~ecgstudy.metrics.stats.corrected_t_interval`): the
    folds of one seed share training data, so their differences are not independent. No p-value: the
    interval decides.

    Returns:
        One row per metric: ``metric, a, b, split, n`` (pairs), ``n_train, n_test`` (:func:`fold_units`),
        ``mean_diff``, ``low``, ``high`` and ``wins`` (pairs where ``a`` scores above ``b``).
    """
    from ecgstudy.metrics.stats import corrected_t_interval

    cols = ["metric", "a", "b", "split", "n", "n_train", "n_test", "mean_diff", "low", "high", "wins"]
    if not len(table):
        return pd.DataFrame(columns=cols)
    n_train, n_test = fold_units(table, split)
    rows = []
    for metric in metrics:
        x, y = paired_values(table, a=a, b=b, metric=metric, split=split, kernel_size=kernel_size)
        ci = corrected_t_interval(x - y, n_train=n_train, n_test=n_test)
        rows.append({"metric": metric, "a": a, "b": b, "split": split, "n": ci.n, "n_train": n_train,
                     "n_test": n_test, "mean_diff": ci.estimate, "low": ci.low, "high": ci.high,
                     "wins": f"{int((x > y).sum())} of {len(x)}"})
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
    patient brings every prediction of every segment of theirs), as numbers in columns of their own
    (:data:`CLASSIFICATION_INTERVALS`); and the number of runs and patients. The pooled AUC ranks the
    stored log-odds when every pooled run has them (``score``), else the probabilities.

    Args:
        preds: :func:`pooled_predictions` (``index`` is the segment of each prediction).
        patient_of: ``(n_segments,)`` the patient of every segment
            (:func:`ecgstudy.data.patients.patient_ids` of the segments' records).
    """
    from ecgstudy.metrics import binary_metrics
    from ecgstudy.metrics.intervals import mean_sd_text
    from ecgstudy.metrics.stats import cluster_bootstrap_ci

    def pooled(metric: str, y, p, groups) -> tuple[float, float, float]:
        threshold = 0.0 if metric == "auc" else 0.5  # the AUC ignores it; logits are ranked, not thresholded
        ci = cluster_bootstrap_ci(lambda y, p: binary_metrics(y, p, threshold=threshold)[metric], y, p,
                                  groups=groups, n_boot=n_boot, seed=seed)
        return ci.estimate, ci.low, ci.high

    base = majority_baseline(preds, labels) if len(preds) else pd.DataFrame(columns=[*GRID_KEYS, "majority_accuracy"])
    rows = []
    for (split, method), part in table[table["kernel_size"] == kernel_size].groupby(["split", "method"], sort=False):
        pool = preds[(preds["split"] == split) & (preds["method"] == method) & (preds["kernel_size"] == kernel_size)]
        y, p = pool["label"].to_numpy(), pool["prob_pvc"].to_numpy()
        score = pool["score"].to_numpy() if "score" in pool and len(pool) and pool["has_logit"].all() else p
        groups = np.asarray(patient_of)[pool["index"].to_numpy(dtype=np.int64)]
        row = {"split": split, "method": METHOD_NAMES[method]}
        for col in ("accuracy", "sensitivity", "specificity", "auc"):
            row[col] = mean_sd_text(part[col])
        row["balanced accuracy"] = mean_sd_text((part["sensitivity"].astype(float) + part["specificity"].astype(float)) / 2)
        paired = part.merge(base, on=list(GRID_KEYS), how="inner")
        row["majority class"] = mean_sd_text(paired["majority_accuracy"]) if len(paired) else "n/a"
        row["runs below majority"] = f"{int((paired['accuracy'] < paired['majority_accuracy']).sum())} of {len(paired)}"
        row["pooled accuracy"], row["accuracy low"], row["accuracy high"] = pooled("accuracy", y, p, groups)
        row["pooled AUC"], row["AUC low"], row["AUC high"] = pooled("auc", y, score, groups)
        row["runs"], row["patients"] = len(part), len(np.unique(groups))
        rows.append(row)
    return pd.DataFrame(rows)


#: The intervals :func:`classification_table` prints: (estimate, low, high) columns.
CLASSIFICATION_INTERVALS = (("pooled accuracy", "accuracy low", "accuracy high"), ("pooled AUC", "AUC low", "AUC high"))


#: Caption of :func:`classification_table`.
CLASSIFICATION_CAPTION = ("Mean ± sd over folds and seeds, beside two trivial baselines: balanced accuracy (a "
                          "trivial classifier scores 0.5), and always predicting the training majority class "
                          "(PVC); pooled held-out accuracy and AUC (every run's predictions together) with 95 % "
                          "percentile intervals (low, high) from resampling patients, the independent unit "
                          "(segments of one patient are not independent)")


def with_health(table: pd.DataFrame, preds: pd.DataFrame, labels: np.ndarray,
                dead_attention_of: dict[str, bool]) -> pd.DataFrame:
    """``table`` with the columns the claims and the health table read: ``majority_accuracy``
    (:func:`majority_baseline`), ``dead`` (constant predictions, :func:`constant_prediction_runs`) and
    ``dead_attention`` (:func:`dead_attention` by run id; NaN for runs without attention)."""
    out = table.copy()
    base = majority_baseline(preds, labels) if len(preds) else pd.DataFrame(columns=[*GRID_KEYS, "majority_accuracy"])
    out = out.merge(base[[*GRID_KEYS, "majority_accuracy"]], on=list(GRID_KEYS), how="left")
    dead = constant_prediction_runs(preds)
    keys = set(map(tuple, dead[list(GRID_KEYS)].itertuples(index=False, name=None))) if len(dead) else set()
    out["dead"] = [tuple(r) in keys for r in out[list(GRID_KEYS)].itertuples(index=False, name=None)]
    out["dead_attention"] = out["run_id"].map(dead_attention_of) if "run_id" in out else np.nan
    return out


def health_table(table: pd.DataFrame, *, kernel_size: int) -> pd.DataFrame:
    """Model health per split and method (main kernel): runs, runs with constant predictions (the
    classifier saw the same input for every segment), runs whose stored attention examples are
    identically zero (dead attention; attention methods only), runs that learned nothing (balanced
    accuracy at most 0.5, what a constant prediction scores), runs below the majority class in
    accuracy, and the runs that learned (balanced accuracy above 0.5 and neither dead).

    Args:
        table: :func:`run_table` with ``dead`` (constant predictions), ``dead_attention`` (bool or
            NaN without attention) and ``majority_accuracy`` columns.

    >>> t = pd.DataFrame({"split": "segment", "method": "max", "kernel_size": 151, "accuracy": [0.9, 0.88, 0.8],
    ...                   "sensitivity": [0.95, 1.0, 0.8], "specificity": [0.6, 0.0, 0.8], "dead": [False, True, False],
    ...                   "dead_attention": [False, True, False], "majority_accuracy": 0.88})
    >>> [int(v) for v in health_table(t, kernel_size=151).iloc[0][["runs", "constant predictions", "learned"]]]
    [3, 1, 2]
    """
    rows = []
    main = table[table["kernel_size"] == kernel_size]
    for (split, method), part in main.groupby(["split", "method"], sort=False):
        bal = (part["sensitivity"].astype(float) + part["specificity"].astype(float)) / 2
        dead_att = part["dead_attention"] if "dead_attention" in part else pd.Series(np.nan, index=part.index)
        rows.append({"split": split, "method": METHOD_NAMES[method], "runs": len(part),
                     "constant predictions": int(part["dead"].sum()),
                     "dead attention": int(dead_att.fillna(False).astype(bool).sum()) if dead_att.notna().any()
                     else "n/a",
                     "learned nothing (balanced accuracy <= 0.5)": int((bal <= 0.5).sum()),
                     "below majority class": int((part["accuracy"] < part["majority_accuracy"]).sum()),
                     "learned": int(learned(part).sum())})
    return pd.DataFrame(rows)


def learned(table: pd.DataFrame) -> pd.Series:
    """Runs that learned: balanced accuracy above 0.5 (a constant prediction's), constant predictions
    absent and the attention (where there is one) not dead.

    >>> learned(pd.DataFrame({"sensitivity": [1.0, 0.9, 0.9], "specificity": [0.0, 0.6, 0.6],
    ...                       "dead": [False, False, True]})).tolist()
    [False, True, False]
    """
    bal = (table["sensitivity"].astype(float) + table["specificity"].astype(float)) / 2
    ok = (bal > 0.5) & ~table["dead"].astype(bool)
    if "dead_attention" in table:
        ok &= ~table["dead_attention"].fillna(False).astype(bool)
    return ok


def dead_attention(records) -> dict[str, bool]:
    """Per run id of an attention run, whether its stored attention examples are identically zero."""
    out = {}
    for rec in records:
        path = rec.path / "attention.npz"
        if rec.ok and path.exists():
            with np.load(path) as z:
                a = z["attention"]
                out[rec.spec.run_id] = bool(a.size and not np.any(a.astype(np.float32)))
    return out


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


#: The comparisons the chapter prints: (split, a, b, metrics). L2 pooling against every baseline. ``"grouped"``:
#: the build's grouped split (:func:`grouped_split`: patient-wise folds, or record-wise ones).
COMPARISONS = (
    ("segment", "l2", "classifier", ("accuracy", "auc", "balanced_accuracy")),
    ("segment", "l2", "cascaded", ("accuracy", "auc", "balanced_accuracy")),
    ("segment", "l2", "max", ("accuracy", "auc", "balanced_accuracy")),
    ("segment", "l2", "majority", ("accuracy", "balanced_accuracy")),
    ("segment", "max", "classifier", ("accuracy", "auc")),
    ("segment", "cascaded", "classifier", ("accuracy", "auc")),
    ("segment", "classifier", "majority", ("accuracy", "balanced_accuracy")),
    ("grouped", "l2", "classifier", ("accuracy", "auc", "balanced_accuracy")),
    ("grouped", "l2", "majority", ("accuracy", "balanced_accuracy")),
    ("grouped", "classifier", "majority", ("accuracy", "balanced_accuracy")),
)


#: Names of the comparisons' ``b`` beyond :data:`METHOD_NAMES`.
BASELINE_NAMES = {**METHOD_NAMES, "majority": "Majority class (training)"}


def method_comparisons(table: pd.DataFrame, *, kernel_size: int, splits=("segment", "record"),
                       methods=None) -> pd.DataFrame:
    """:func:`compare_methods` of every comparison in :data:`COMPARISONS` whose split and methods are in
    the build (``"grouped"``: :func:`grouped_split` of ``splits``); empty when there is nothing to compare."""
    present = set(table["method"]) if len(table) else set()
    grouped = grouped_split(splits)
    chosen = [(grouped if split == "grouped" else split, a, b, metrics) for split, a, b, metrics in COMPARISONS]
    rows = [compare_methods(table, a=a, b=b, split=split, kernel_size=kernel_size, metrics=metrics)
            for split, a, b, metrics in chosen
            if split in splits and a in present and (b == "majority" or b in present)
            and (methods is None or (a in methods and (b == "majority" or b in methods)))]
    rows = [r for r in rows if len(r) and r["n"].max() > 0]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


#: Caption of the comparisons table.
COMPARISONS_CAPTION = ("Each method minus a baseline, paired over the same folds x seeds: mean difference with "
                       "its 95 % corrected resampled t interval (Nadeau & Bengio: folds of one seed share "
                       "training data, so the variance is inflated by n_test / n_train), and in how many pairs "
                       "the method scores higher. No p-values: the interval decides. The majority class "
                       "scores 0.5 in balanced accuracy")


def patient_leakage(records, *, real: bool, split: str = "record", universe=None) -> dict:
    """Runs of the grouped ``split`` (``"record"`` or ``"patient"``) that put one patient on both sides
    (MIT-BIH records 201 and 202 are one man): ``split``, ``runs`` (runs of that split), ``leaky`` (how
    many split a patient, :func:`~ecgstudy.evaluation.folds.fold_leakage` of the patients over the run's
    test records against every other record) and ``leaky_runs`` (their ids). A run's test records are in
    its ``metrics.json``; every other record of ``universe`` (the records of the data, default: every
    test record of the split's runs) is its training or validation data."""
    from ecgstudy.data.patients import patient_ids
    from ecgstudy.evaluation.folds import fold_leakage

    runs = [r for r in records if r.ok and r.spec.params["split"] == split]
    tests = {r.spec.run_id: [str(x) for x in r.metrics().get("test_records", [])] for r in runs}
    every = {x for t in tests.values() for x in t} | set(map(str, universe if universe is not None else ()))
    names = np.array(sorted(every), dtype=str)
    patients = patient_ids("mitdb" if real else "synthetic", names)
    leaky = []
    for rid, t in tests.items():
        test = np.isin(names, t)
        if fold_leakage(patients, [(np.flatnonzero(~test), np.flatnonzero(test))]):
            leaky.append(rid)
    return {"split": split, "runs": len(runs), "leaky": len(leaky), "leaky_runs": leaky}


#: Caption of :func:`health_table`.
HEALTH_CAPTION = ("Model health, main kernel: runs whose held-out predictions are all equal (constant), whose "
                  "stored attention examples are identically zero (dead attention), that learned nothing "
                  "(balanced accuracy at most 0.5), that score below the majority class in accuracy, and that "
                  "learned (balanced accuracy above 0.5, neither dead). Verdicts about the attention count only "
                  "the runs that learned")


#: Every figure and table of the paper (paper-specs 2.6), what it shows, and where this page has it.
INVENTORY = (
    ("Figure 1", "architecture: (a) framework with (channels, length), (b) classifier blocks",
     "Figure 1 here, drawn from a forward pass of the model (every shape measured)"),
    ("Table 1, PVC-origin rows (RV vs LV, RVOT vs LVOT)", "accuracy, sensitivity, specificity, AUC on private data",
     "not reproduced: the 508-patient PVC-origin data are private (scorecard: not reproducible)"),
    ("Table 1, MIT-BIH rows (PVC vs APB)", "the classifier alone and L2 pooling, 5-fold CV",
     "the classification table and the claims at a glance (value claims), beside record-wise folds"),
    ("Figure 2", "training loss, validation loss and accuracy per epoch, four methods, (LVOT, RVOT)",
     "Figure 2 here, on MIT-BIH (the PVC data are private), dead runs drawn apart"),
    ("Figure 3", "original ECG, attention heat map, after-attention signal (PVC data and MIT-BIH)",
     "the two attention examples here, MIT-BIH only"),
    ("Figure 4", "examples of grade classes I, II, III", "Figure 4 here: a held-out MIT-BIH example of each "
     "grade, graded by the written rule"),
    ("Grade study (Section 5.2)", "Class I : II : III = 50 : 27 : 23 of 100 signals, one cardiologist",
     "the grade study section: the written rule on MIT-BIH, shown beside (private data)"),
    ("Figure 5", "accuracy, specificity, AUC and grades for kernels 100, 200, 300 (values not available)",
     "the kernel-size figure here, kernels rescaled to 360 Hz, one seed"),
)


def inventory_table() -> pd.DataFrame:
    """:data:`INVENTORY` as a table: paper item, what it shows, where this page reproduces it (or why not)."""
    return pd.DataFrame(INVENTORY, columns=["paper item", "what it shows", "on this page"])


def grade_examples(records, *, kernel_size: int, grades=("I", "II", "III")) -> list[tuple[str, str, int, np.ndarray]]:
    """For each grade, the first stored attention example of that grade among the segment-wise L2 runs
    (kernel ``kernel_size``): ``(grade, run id, segment index, attention)``; grades without a stored example
    are left out. The grade of a stored example is its row in the run's ``localisation.csv``."""
    found: dict[str, tuple[str, str, int, np.ndarray]] = {}
    for rec in records:
        p = rec.spec.params
        if not (rec.ok and p["method"] == "l2" and p["split"] == "segment" and p["kernel_size"] == kernel_size):
            continue
        if not (rec.path / "attention.npz").exists() or not (rec.path / "localisation.csv").exists():
            continue
        grade_of = pd.read_csv(rec.path / "localisation.csv").set_index("index")["grade"].to_dict()
        with np.load(rec.path / "attention.npz") as z:
            for idx, att in zip(z["index"].tolist(), z["attention"].astype(np.float32)):
                g = str(grade_of.get(idx))
                if g in grades and g not in found:
                    found[g] = (g, rec.spec.run_id, int(idx), att)
        if len(found) == len(grades):
            break
    return [found[g] for g in grades if g in found]
