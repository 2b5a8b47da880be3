"""The xECGNet chapter's tables, read from the finished runs: per-run metrics, the paired effect of
gamma, how the runs ended and how noisy their validation was."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ecgstudy.metrics.intervals import mean_sd_text
from ecgstudy.studies.xecgnet.params import dataset_of


#: Parameters that identify a run inside the chapter's grid.
GRID_KEYS = ("dataset", "gamma", "regulariser", "seed")


def _dataset_of(rec) -> str:
    """The dataset key of a run record (``xecgnet-cpsc`` -> ``cpsc2018``)."""
    return dataset_of(rec.spec.experiment)


def run_table(records) -> pd.DataFrame:
    """One row per finished run: dataset, gamma, regulariser, seed and the headline metrics (no
    rows, the same key columns, when no run has finished)."""
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        p = rec.spec.params
        row = {"dataset": _dataset_of(rec),
               "gamma": float(p["gamma"]), "regulariser": p["regulariser"], "seed": int(p["seed"]),
               "selection": p.get("selection", "val_micro_f1"),
               **{k: m[k] for k in ("micro_f1", "macro_f1", "subset_acc", "multi_acc", "single_acc",
                                    "best_epoch", "epochs_run", "train_seconds")},
               **{f"f1.{c}": v for c, v in m["f1"].items()}}
        for which in ("attention", "response"):
            cov = m.get(f"coverage_{which}")
            if cov:
                row[f"{which}_ratio"] = cov["mean_ratio"]
                row[f"{which}_multi_covered"] = cov["multi_fully_covered"]
                for c, v in cov["per_class"].items():
                    row[f"{which}_ratio.{c}"] = v["ratio"]
        rows.append(row)
    columns = ["dataset", "gamma", "regulariser", "seed", "selection", "micro_f1", "macro_f1", "subset_acc",
               "multi_acc", "single_acc", "best_epoch", "epochs_run", "train_seconds"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def gamma_effect(table: pd.DataFrame, *, metric: str, regulariser: str = "paper",
                 family_level: float = 0.95, design=None) -> pd.DataFrame:
    """Paired comparison of every gamma > 0 with gamma = 0 over the seeds, per dataset.

    Returns one row per (dataset, gamma): ``n`` seeds, mean of gamma and of gamma = 0, mean
    difference with its 95 % interval (``low``, ``high``) of the dataset's design
    (:class:`~ecgstudy.studies.xecgnet.effects.Design`: the corrected resampled t where each seed draws its
    own split, the seeds' t plus the test patients' bootstrap variance on one fixed test set; without
    ``design`` the plain paired Student t), ``interval`` (how it was computed, in words), ``k`` (how many
    gammas > 0 the dataset compares) and the Bonferroni-adjusted interval ``low_adj`` / ``high_adj`` (level
    ``1 - (1 - family_level) / k``), the one to read for a gamma picked as the best after the fact.
    No p-value: with 5 seeds the Wilcoxon test cannot go below 0.0625.
    """
    from ecgstudy.studies.xecgnet.effects import Design

    design = design or Design()
    rows = []
    for ds, part in table.groupby("dataset", sort=False):
        base = part[(part["gamma"] == 0) & (part["regulariser"] == "paper")].set_index("seed")[metric]
        pairs = []
        for g, other in part[(part["gamma"] > 0) & (part["regulariser"] == regulariser)].groupby("gamma"):
            pair = other.set_index("seed")[metric].to_frame("g").join(base.rename("b"), how="inner").dropna()
            if len(pair):
                pairs.append((g, pair))
        k = len(pairs)
        for g, pair in pairs:
            a, b = pair["g"].to_numpy(), pair["b"].to_numpy()
            t = design.interval(ds, metric, g, a, b)
            adj = design.interval(ds, metric, g, a, b, level=1 - (1 - family_level) / k)
            rows.append({"dataset": ds, "gamma": g, "n": t.n, "mean": pair["g"].mean(),
                         "mean_gamma0": pair["b"].mean(), "diff": t.estimate, "low": t.low,
                         "high": t.high, "k": k, "low_adj": adj.low, "high_adj": adj.high, "interval": t.method})
    return pd.DataFrame(rows)


def convergence(table: pd.DataFrame, *, max_epochs: int | dict[str, int]) -> pd.DataFrame:
    """How the runs of each dataset ended: one row per dataset with ``n`` runs, ``stopped``
    (early stopping ended them before ``max_epochs``, one number or one per dataset),
    ``capped`` (they used every epoch),
    ``best_last`` (their best validation epoch was the last allowed: still improving when the
    budget ran out), ``fixed`` (runs that kept the final epoch by design, ``selection`` column
    ``"last_epoch"``) and the median ``best_epoch`` (the selected epoch).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"dataset": ["a", "a", "a"], "best_epoch": [2, 8, 5], "epochs_run": [5, 8, 8]})
    >>> convergence(t, max_epochs=8).iloc[0].to_dict()
    {'dataset': 'a', 'n': 3, 'stopped': 1, 'capped': 2, 'best_last': 1, 'fixed': 0, 'max_epochs': 8, \
'median_best_epoch': 5.0}
    """
    rows = []
    for ds, part in table.groupby("dataset", sort=False):
        cap = max_epochs[ds] if isinstance(max_epochs, dict) else max_epochs
        fixed = int((part["selection"] == "last_epoch").sum()) if "selection" in part else 0
        rows.append({"dataset": ds, "n": len(part), "stopped": int((part["epochs_run"] < cap).sum()),
                     "capped": int((part["epochs_run"] >= cap).sum()),
                     "best_last": int((part["best_epoch"] >= cap).sum()), "fixed": fixed, "max_epochs": int(cap),
                     "median_best_epoch": float(part["best_epoch"].median())})
    return pd.DataFrame(rows, columns=["dataset", "n", "stopped", "capped", "best_last", "fixed", "max_epochs",
                                       "median_best_epoch"])


def validation_jumps(records) -> pd.DataFrame:
    """How noisy each run's validation micro-F1 is: one row per finished run with ``dataset``,
    ``seed``, ``gamma``, ``regulariser`` and ``largest_jump``, the largest change of validation
    micro-F1 between two consecutive epochs (from the run's ``curves.json``)."""
    rows = []
    for rec in records:
        path = rec.path / "curves.json"
        if not rec.ok or not path.exists():
            continue
        f1 = np.array([row["val_micro_f1"] for row in json.loads(path.read_text())], dtype=float)
        p = rec.spec.params
        rows.append({"dataset": _dataset_of(rec),
                     "seed": int(p["seed"]), "gamma": float(p["gamma"]), "regulariser": p["regulariser"],
                     "largest_jump": float(np.abs(np.diff(f1)).max()) if f1.size > 1 else np.nan})
    return pd.DataFrame(rows, columns=["dataset", "seed", "gamma", "regulariser", "largest_jump"])


#: Columns of :func:`effect_table` (and of an empty one).
EFFECT_COLUMNS = ["dataset", "gamma", "n", "mean", "mean_gamma0", "diff", "low", "high", "k", "low_adj",
                  "high_adj", "interval", "metric"]


def data_table(records, datasets, names: dict[str, str]) -> pd.DataFrame:
    """What each dataset's runs train and test on (from the first finished run of each): the data,
    records per split, multi-label test records and classes."""
    from ecgstudy.studies.xecgnet.data import SPLITS

    rows = []
    for ds in datasets:
        runs = [r for r in records if r.ok and _dataset_of(r) == ds]
        if runs:
            m = runs[0].metrics()
            rows.append({"dataset": names[ds], "data": m["data"], **{f"{s} records": m["counts"].get(s) for s in SPLITS},
                         "test multi-label": m["n_multi"], "classes": ", ".join(m["class_names"])})
    return pd.DataFrame(rows)


def sweep_table(main: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per dataset and gamma: test metrics as ``mean ± sd`` over seeds, the mean selected epoch and seeds."""
    rows = []
    for (ds, g), part in main.groupby(["dataset", "gamma"], sort=True):
        rows.append({"dataset": names[ds], "gamma": f"{g:g}",
                     **{k: mean_sd_text(part[k].dropna()) if part[k].notna().any() else "n/a"
                        for k in ("micro_f1", "macro_f1", "subset_acc", "multi_acc", "single_acc")},
                     "epochs (best)": f"{part['best_epoch'].mean():.1f}", "seeds": len(part)})
    return pd.DataFrame(rows)


def effect_table(main: pd.DataFrame, metrics=("multi_acc", "micro_f1", "macro_f1"), *, design=None) -> pd.DataFrame:
    """:func:`gamma_effect` of each metric (intervals of ``design``), stacked with a ``metric`` column
    (:data:`EFFECT_COLUMNS`)."""
    parts = []
    for metric in metrics:
        e = gamma_effect(main, metric=metric, design=design) if len(main) else pd.DataFrame()
        if len(e):
            parts.append(e.assign(metric=metric))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EFFECT_COLUMNS)


def regulariser_table(table: pd.DataFrame, gammas, names: dict[str, str]) -> pd.DataFrame:
    """At each gamma run with both regularisers: micro-F1 and multi-label accuracy (``mean ± sd``) per regulariser."""
    rows = []
    for (ds, g), part in table[table["gamma"].isin(gammas)].groupby(["dataset", "gamma"]) if len(table) else []:
        for reg, p in part.groupby("regulariser"):
            rows.append({"dataset": names[ds], "gamma": f"{g:g}", "regulariser": reg,
                         "micro_f1": mean_sd_text(p["micro_f1"]),
                         "multi_acc": mean_sd_text(p["multi_acc"].dropna()) if p["multi_acc"].notna().any() else "n/a",
                         "seeds": len(p)})
    return pd.DataFrame(rows)


def coverage_table(main: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per dataset and gamma (display labels as a two-level index): the mean over seeds of the attention's
    and the response maps' coverage of each abnormal beat type."""
    cols = [c for c in main.columns if c.startswith("attention_ratio.") or c.startswith("response_ratio.")]
    cov = main.dropna(subset=["attention_ratio"]).groupby(["dataset", "gamma"])[
        ["attention_ratio", "attention_multi_covered", "response_ratio"] + cols].mean()
    cov.index = cov.index.set_levels([cov.index.levels[0].map(names), cov.index.levels[1].map(lambda g: f"{g:g}")])
    return cov


def coverage_metrics(main: pd.DataFrame, names: dict[str, str]) -> dict[str, dict[str, float]]:
    """The page's ``coverage`` metrics: per ``"<dataset> gamma_<g>"`` the mean attention ratio, full coverage
    of multi-type windows and response ratio."""
    means = main.dropna(subset=["attention_ratio"]).groupby(["dataset", "gamma"])[
        ["attention_ratio", "attention_multi_covered", "response_ratio"]].mean()
    return {f"{names[k[0]]} gamma_{k[1]:g}": v for k, v in means.to_dict(orient="index").items()}


def patient_leakage(records, *, real: bool, mitdb_folder=None) -> dict:
    """MIT-BIH window runs split by record that put one patient in two of training, validation and test
    (records 201 and 202 are one man): ``runs``, ``leaky`` and ``leaky_runs`` (run ids). Each run's split
    is recomputed from its seed (:func:`~ecgstudy.studies.xecgnet.data.mitdb_split`, deterministic) when
    the MIT-BIH folder is given; without it only the test split is known (from the run's predictions).
    PTB-XL's own folds keep patients apart, so its runs are not counted."""
    from ecgstudy.data.patients import SAME_PERSON, patient_ids

    runs = [r for r in records if r.ok and _dataset_of(r) == "mitdb"
            and r.spec.params.get("split_unit", "record") == "record" and (r.path / "predictions.npz").exists()]
    kind = "mitdb" if real else "synthetic"
    leaky_by_split: dict[tuple, bool] = {}
    leaky = []
    for r in runs:
        p = r.spec.params
        key = (p["seed"], p.get("max_windows_per_record"), p.get("normalisation"))
        if key not in leaky_by_split:
            if real and mitdb_folder is not None:
                from ecgstudy.studies.xecgnet.data import mitdb_split

                ids = mitdb_split(mitdb_folder, seed=int(p["seed"]), max_windows_per_record=int(key[1]),
                                  normalisation=str(key[2])).ids
                sides = [set(patient_ids(kind, [str(i).split(":")[0] for i in v])) for v in ids.values()]
                leaky_by_split[key] = any(a & b for i, a in enumerate(sides) for b in sides[i + 1:])
            else:  # only the test split is known: a patient with a record in it and one outside it
                with np.load(r.path / "predictions.npz") as z:
                    test = {str(i).split(":")[0] for i in z["ids"]}
                leaky_by_split[key] = any(0 < len(test & set(g)) < len(g) for g in SAME_PERSON.get(kind, ()))
        if leaky_by_split[key]:
            leaky.append(r.spec.run_id)
    return {"runs": len(runs), "leaky": len(leaky), "leaky_runs": leaky}
