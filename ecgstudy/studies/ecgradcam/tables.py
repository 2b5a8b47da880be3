"""The ECGradCAM chapter's tables, read from the finished runs: per-run scores, per-target summaries,
how alike the maps of different targets are, and the transfer runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ecgstudy.studies.ecgradcam.targets import VARIANTS, WAVES, headline_metrics


#: Metric columns of the run table (NaN where they do not apply).
TABLE_METRICS = ("mae", "rmse", "r2", "baseline_mae", "accuracy", "auc", "baseline_accuracy")


def run_table(records) -> pd.DataFrame:
    """One row per finished run: dataset, target, fold, seed, sizes, headline metrics, the region
    ratio per variant and layer (``ratio.<variant>.<layer>``, also ``share.`` and ``uniform.``),
    and per blocked wave the change of the headline metrics (``block.<wave>.delta_<metric>``,
    ``block.<wave>.n_blocked``)."""
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        row = {"dataset": m["dataset"], "target": m["target"], "task": m["task"], "fold": int(m["fold"]),
               "seed": int(m["seed"]), "n_train": m["n_train"], "n_test": m["n_test"],
               "train_seconds": m["train_seconds"],
               **{k: m.get(k, math.nan) for k in TABLE_METRICS}}
        for variant, layers in m.get("attention", {}).items():
            for layer, e in layers.items():
                for k in ("ratio", "share", "uniform"):
                    v = e.get(k)
                    row[f"{k}.{variant}.{layer}"] = math.nan if v is None else v
        for wave, e in m.get("blocking", {}).items():
            row[f"block.{wave}.n_blocked"] = e["n_blocked"]
            for k in headline_metrics(m["task"] == "binary"):
                row[f"block.{wave}.delta_{k}"] = e.get(f"delta_{k}", math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def target_summary(table: pd.DataFrame, *, layer: str = "last_add") -> pd.DataFrame:
    """Per dataset and target, pooled over folds (and seeds): ``n_runs``, mean and sd of the
    metrics (``<metric>_mean``, ``<metric>_sd``: MAE, R², baseline MAE; accuracy, AUC, baseline
    accuracy), the region ratio of each variant at ``layer`` (``ratio_<variant>_mean`` / ``_sd``)
    and the mean change of the headline metrics with each wave blocked (``block_<wave>_delta_<metric>``)."""
    from ecgstudy.metrics import mean_sd

    rows = []
    if not len(table):
        return pd.DataFrame(rows)
    for (ds, target), part in table.groupby(["dataset", "target"], sort=False):
        binary = part["task"].iloc[0] == "binary"
        row = {"dataset": ds, "target": target, "task": part["task"].iloc[0], "n_runs": int(len(part)),
               "n_test": int(part["n_test"].sum())}
        for k in (("accuracy", "auc", "baseline_accuracy") if binary else ("mae", "r2", "baseline_mae")):
            row[f"{k}_mean"], row[f"{k}_sd"] = mean_sd(part[k].to_numpy(dtype=np.float64))
        for variant in VARIANTS:
            col = f"ratio.{variant}.{layer}"
            vals = part[col].to_numpy(dtype=np.float64) if col in part else np.array([np.nan])
            row[f"ratio_{variant}_mean"], row[f"ratio_{variant}_sd"] = mean_sd(vals)
        for wave in WAVES:
            for k in headline_metrics(binary):
                col = f"block.{wave}.delta_{k}"
                row[f"block_{wave}_delta_{k}"] = mean_sd(part[col].to_numpy(dtype=np.float64))[0] \
                    if col in part else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def cross_target_similarity(records, *, layer: str = "last_add") -> pd.DataFrame:
    """How alike the maps of one record are across models trained for different targets.

    For every pair of runs of the same dataset, fold and seed but different targets, the
    Pearson correlation of the two layer maps of each held-out record both runs share, averaged
    over records; then the mean over pairs, per variant. A map that explains *the target* should
    differ between targets; one near 1 says the map shows the model's activations, whatever it
    measures (what the authors' ECGradCAM reduces to: the min-max channel-summed activation).

    Returns:
        One row per dataset and variant: ``dataset, variant, pairs, mean_corr``.
    """
    import itertools

    maps: dict[tuple, dict[str, dict[str, np.ndarray]]] = {}
    for rec in records:
        if not rec.ok or not (rec.path / "maps.npz").exists():
            continue
        m = rec.metrics()
        key = (m["dataset"], int(m["fold"]), int(m["seed"]))
        with np.load(rec.path / "maps.npz") as z:
            ids = [str(r) for r in z["record_ids"]]
            maps.setdefault(key, {})[m["target"]] = {
                v: dict(zip(ids, z[f"{v}.{layer}"].astype(np.float64))) for v in VARIANTS if f"{v}.{layer}" in z}
    rows = []
    for variant in VARIANTS:
        per_ds: dict[str, list[float]] = {}
        for (ds, _, _), by_target in maps.items():
            for a, b in itertools.combinations(sorted(by_target), 2):
                ma, mb = by_target[a].get(variant, {}), by_target[b].get(variant, {})
                common = sorted(set(ma) & set(mb))
                corr = [np.corrcoef(ma[r], mb[r])[0, 1] for r in common
                        if np.std(ma[r]) > 0 and np.std(mb[r]) > 0]
                if corr:
                    per_ds.setdefault(ds, []).append(float(np.mean(corr)))
        for ds, vals in per_ds.items():
            rows.append({"dataset": ds, "variant": variant, "pairs": len(vals), "mean_corr": float(np.mean(vals))})
    return pd.DataFrame(rows, columns=["dataset", "variant", "pairs", "mean_corr"])


def transfer_table(records) -> pd.DataFrame:
    """One row per target of the finished transfer runs, means over folds (and seeds):
    ``n_runs``; on the held-out PTB-XL folds against the delineator ``source_mae``,
    ``source_baseline_mae`` (the training mean), ``source_r`` (Pearson); on LUDB against the
    cardiologists ``mae``, ``baseline_mae``, ``r`` and ``bias`` (network - reference);
    ``delineator_mae`` (the delineator's own error there) and ``network_vs_delineator_mae``.
    """
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        if m.get("dataset") != "transfer":
            continue
        d = m.get("delineator") or {}
        rows.append({"target": m["target"], "source_mae": m["source"]["mae"],
                     "source_baseline_mae": m["source"]["baseline_mae"], "source_r": m["source"]["pearson_r"],
                     "mae": m["mae"], "baseline_mae": m["baseline_mae"], "r": m["pearson_r"], "bias": m["bias"],
                     "delineator_mae": d.get("delineator_mae"),
                     "network_vs_delineator_mae": d.get("network_vs_delineator_mae")})
    cols = ["target", "n_runs", "source_mae", "source_baseline_mae", "source_r", "mae", "baseline_mae", "r", "bias",
            "delineator_mae", "network_vs_delineator_mae"]
    if not rows:
        return pd.DataFrame(columns=cols)
    t = pd.DataFrame(rows)
    t[cols[2:]] = t[cols[2:]].astype(np.float64)
    out = t.groupby("target", sort=False).mean()
    out.insert(0, "n_runs", t.groupby("target", sort=False).size())
    return out.reset_index()[cols]
