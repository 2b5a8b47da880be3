"""The ECGradCAM chapter's tables, read from the finished runs: per-run scores, per-target summaries,
how alike the maps of different targets are, and the transfer runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecgstudy.studies.ecgradcam.targets import VARIANTS, WAVES, headline_metrics


#: Metric columns of the run table (NaN where they do not apply).
TABLE_METRICS = ("mae", "rmse", "r2", "baseline_mae", "accuracy", "auc", "baseline_accuracy")


def run_table(records) -> pd.DataFrame:
    """One row per finished run: dataset, target, fold, seed, run id, sizes, training seconds, the epochs trained
    (``epochs_run``: the last epoch of a validation-driven run, else the fixed budget) and how training ended
    (``stopped_by``: ``patience``, ``epoch_cap`` or ``fixed budget``), headline metrics, the region
    ratio per variant and layer (``ratio.<variant>.<layer>``, also ``share.`` and ``uniform.``),
    and per blocked wave the change of the headline metrics (``block.<wave>.delta_<metric>``,
    ``block.<wave>.n_blocked``)."""
    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        row = {"dataset": m["dataset"], "target": m["target"], "task": m["task"], "fold": int(m["fold"]),
               "seed": int(m["seed"]), "run_id": rec.spec.run_id, "n_train": m["n_train"], "n_test": m["n_test"],
               "train_seconds": m["train_seconds"], "epochs_run": m.get("last_epoch") or m.get("epochs", math.nan),
               "stopped_by": m.get("stopped_by", "fixed budget"),
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


def map_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of one record's two maps ``(samples,)``; NaN where either is constant or not finite (a
    constant map has no shape to compare).

    >>> map_correlation(np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 0.0])), map_correlation(np.ones(3), np.ones(3))
    (-1.0, nan)
    """
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.std(a) > 0 and np.std(b) > 0):
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def cross_target_pairs(records, *, layer: str = "last_add") -> pd.DataFrame:
    """How alike the maps of one record are across models trained for different targets.

    For every pair of runs of the same dataset, fold and seed but different targets, and each
    variant, the Pearson correlation of the two layer maps of each held-out record both runs share
    (:func:`map_correlation`; records where either map is constant are skipped), averaged over records. A map that explains
    *the target* should differ between targets; one near 1 says the map shows the model's
    activations, whatever it measures (what the authors' ECGradCAM reduces to: the min-max
    channel-summed activation).

    Returns:
        One row per pair and variant: ``dataset, variant, fold, seed, target_a, target_b, run_a,
        run_b, records, corr``.
    """
    import itertools

    maps: dict[tuple, dict[str, tuple[str, dict[str, dict[str, np.ndarray]]]]] = {}
    for rec in records:
        if not rec.ok or not (rec.path / "maps.npz").exists():
            continue
        m = rec.metrics()
        key = (m["dataset"], int(m["fold"]), int(m["seed"]))
        with np.load(rec.path / "maps.npz") as z:
            ids = [str(r) for r in z["record_ids"]]
            maps.setdefault(key, {})[m["target"]] = (rec.spec.run_id, {
                v: dict(zip(ids, z[f"{v}.{layer}"].astype(np.float64))) for v in VARIANTS if f"{v}.{layer}" in z})
    rows = []
    for variant in VARIANTS:
        for (ds, fold, seed), by_target in maps.items():
            for a, b in itertools.combinations(sorted(by_target), 2):
                (ra, ma), (rb, mb) = by_target[a], by_target[b]
                ma, mb = ma.get(variant, {}), mb.get(variant, {})
                common = sorted(set(ma) & set(mb))
                corr = [c for c in (map_correlation(ma[r], mb[r]) for r in common) if c == c]
                if corr:
                    rows.append({"dataset": ds, "variant": variant, "fold": fold, "seed": seed, "target_a": a,
                                 "target_b": b, "run_a": ra, "run_b": rb, "records": len(corr),
                                 "corr": float(np.mean(corr))})
    return pd.DataFrame(rows, columns=["dataset", "variant", "fold", "seed", "target_a", "target_b", "run_a", "run_b",
                                       "records", "corr"])


def cross_target_similarity(pairs: pd.DataFrame, counted: set[str] | None = None, *,
                            units: dict[str, tuple[int, int]] | None = None, fixed: dict | None = None) -> pd.DataFrame:
    """Per dataset and variant, the mean over pairs of :func:`cross_target_pairs` (``pairs``,
    ``mean_corr``) and, over the pairs of networks that both beat their baseline (run ids in
    ``counted``), their mean per fold averaged over folds with its interval (``counted_pairs``,
    ``counted_corr``, ``low``, ``high``; NaN with fewer than 2 folds): the corrected resampled t where
    ``units`` gives the dataset's training and test records per fold
    (:func:`~ecgstudy.studies.ecgradcam.verdicts.dataset_units`), else the plain Student t; for a dataset in
    ``fixed`` (its runs share one test set) with the test patients' variance added.

    >>> p = pd.DataFrame({"dataset": "d", "variant": "v", "fold": [0, 1, 1], "seed": 0, "run_a": ["a", "c", "c"],
    ...                   "run_b": ["b", "d", "x"], "corr": [0.5, 0.7, 0.0]})
    >>> list(map(str, cross_target_similarity(p, {"a", "b", "c", "d"}).round(3).iloc[0]))[:6]
    ['d', 'v', '3', '0.4', '2', '0.6']
    """
    from ecgstudy.studies.ecgradcam.verdicts import dissimilarity_interval, fold_similarity

    cols = ["dataset", "variant", "pairs", "mean_corr", "counted_pairs", "counted_corr", "low", "high"]
    rows = []
    folds = fold_similarity(pairs, counted)
    for (ds, variant), part in (pairs.groupby(["dataset", "variant"], sort=False) if len(pairs) else []):
        mine = folds[(folds["dataset"] == ds) & (folds["variant"] == variant)] if len(folds) else folds
        d = dissimilarity_interval(mine, pairs, counted or set(), variant=variant, units=units,
                                   fixed=fixed if counted is not None else None) if len(mine) else None
        rows.append({"dataset": ds, "variant": variant, "pairs": int(len(part)), "mean_corr": float(part["corr"].mean()),
                     "counted_pairs": int(mine["pairs"].sum()) if len(mine) else 0,  # r = 1 - (1 - r), ends swapped
                     "counted_corr": 1 - d.estimate if d else math.nan, "low": 1 - d.high if d else math.nan,
                     "high": 1 - d.low if d else math.nan})
    return pd.DataFrame(rows, columns=cols)


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


# --- what the page shows: its tables, one function each (the captions are the page's) ---------------


def mean_sd_pair_text(mean: float, sd: float) -> str:
    """``"mean ± sd"`` (3 and 2 significant digits); the mean alone without an sd; ``"n/a"`` without a mean.

    >>> mean_sd_pair_text(12.345, 1.234), mean_sd_pair_text(12.345, float("nan")), mean_sd_pair_text(float("nan"), 1.0)
    ('12.3 ± 1.2', '12.3', 'n/a')
    """
    return "n/a" if mean != mean else (f"{mean:.3g} ± {sd:.2g}" if sd == sd else f"{mean:.3g}")


def interval_text(row, key: str, *, signed: bool = False) -> str:
    """``"mean (low to high)"`` of score ``key`` in one row of the summary with intervals
    (:func:`~ecgstudy.studies.ecgradcam.intervals.add_intervals`): the value is ``<key>_mean``
    (else ``<key>``), the interval ``<key>_low`` to ``<key>_high`` (left out when missing); 3
    significant digits, with a sign when ``signed``; ``"n/a"`` without a value.

    >>> nan = float("nan")
    >>> interval_text({"mae_mean": 12.34, "mae_low": 10.0, "mae_high": 15.0}, "mae")
    '12.3 (10 to 15)'
    >>> interval_text({"d": -2.5, "d_low": -4.0, "d_high": -1.25}, "d", signed=True)
    '-2.5 (-4 to -1.25)'
    >>> interval_text({"mae_mean": 12.34}, "mae"), interval_text({"mae_mean": nan}, "mae")
    ('12.3', 'n/a')
    """
    fmt = (lambda x: f"{x:+.3g}") if signed else (lambda x: f"{x:.3g}")
    v = row.get(f"{key}_mean", row.get(key, np.nan))
    lo, hi = row.get(f"{key}_low", np.nan), row.get(f"{key}_high", np.nan)
    return "n/a" if v != v else (fmt(v) if lo != lo else f"{fmt(v)} ({fmt(lo)} to {fmt(hi)})")


def float_fields(row) -> dict:
    """The float entries of one table row (a ``Series`` or a dict) by column, NaN as ``None``:
    what ``metrics.json`` keeps of a row (ints and texts are left out).

    >>> float_fields({"target": "qrs_ms", "n_runs": 5, "mae_mean": 9.5, "r2_mean": float("nan")})
    {'mae_mean': 9.5, 'r2_mean': None}
    """
    return {k: (None if v != v else v) for k, v in row.items() if isinstance(v, float)}


#: Caption of :func:`scores_table`.
SCORES_CAPTION = (
    "Held-out records: mean over folds (and seeds), with 95 % intervals from resampling the records, each a "
    "patient on LUDB (ecgstudy.studies.ecgradcam.intervals; a cluster bootstrap of the pooled held-out predictions: "
    "how much a score depends on the records drawn, not on the training seed). Regression: MAE and R²; baseline = "
    "MAE of predicting the training mean. Sex: accuracy, AUC and balanced accuracy; baseline = accuracy of the "
    "training majority class (balanced accuracy 0.5). A network learned its target where the whole interval of "
    "network - baseline lies on the better side of 0. Sex runs whose stored probabilities are saturated keep the "
    "AUC of their metrics.json")

#: The intervals :func:`scores_table` prints (estimate, low, high columns).
SCORES_INTERVALS = (("MAE or accuracy", "MAE/acc. low", "MAE/acc. high"),
                    ("network - baseline", "difference low", "difference high"))


def scores_table(summary: pd.DataFrame, *, names: Mapping[str, str]) -> pd.DataFrame:
    """How well the networks measure: one row per dataset and target of ``summary``
    (:func:`target_summary` with :func:`~ecgstudy.studies.ecgradcam.intervals.add_intervals`).

    Columns: ``dataset`` (its name in ``names``), ``target``, ``units``, ``runs``, ``records``
    (distinct records scored: the transfer networks share them; else the summed test sizes),
    ``MAE or accuracy`` with ``MAE/acc. low`` and ``MAE/acc. high``, ``baseline`` (the training
    mean's MAE, the majority class's accuracy), ``network - baseline`` with ``difference low`` and
    ``difference high``, ``R² or AUC`` and ``balanced accuracy`` (sex; NaN for regression). No row
    (and no column) for an empty summary.

    >>> s = pd.DataFrame({"dataset": ["d"], "target": ["qrs_ms"], "task": ["regression"], "n_runs": [5],
    ...                   "n_test": [40], "mae_mean": [9.5], "mae_low": [8.0], "mae_high": [11.0], "r2_mean": [0.25],
    ...                   "baseline_mae_mean": [12.0], "mae_minus_baseline": [-2.5], "mae_minus_baseline_low": [-4.0],
    ...                   "mae_minus_baseline_high": [-1.0]})
    >>> list(map(str, scores_table(s, names={"d": "D"}).iloc[0]))
    ['D', 'qrs_ms', 'ms', '5', '40', '9.5', '8.0', '11.0', '12.0', '-2.5', '-4.0', '-1.0', '0.25', 'nan']
    """
    from ecgstudy.studies.ecgradcam.targets import target_units

    rows = []
    for _, r in summary.iterrows():
        binary = r["task"] == "binary"
        n_rec = r.get("n_records", np.nan)  # distinct records scored (the transfer networks share them)
        first, second = ("accuracy", "auc") if binary else ("mae", "r2")
        diff = f"{first}_minus_baseline"
        rows.append({"dataset": names[r["dataset"]], "target": r["target"],
                     "units": target_units(r["dataset"], r["target"]), "runs": r["n_runs"],
                     "records": int(n_rec if n_rec == n_rec else r["n_test"]),
                     "MAE or accuracy": r.get(f"{first}_mean", np.nan), "MAE/acc. low": r.get(f"{first}_low", np.nan),
                     "MAE/acc. high": r.get(f"{first}_high", np.nan),
                     "baseline": r.get(f"baseline_{first}_mean", np.nan),
                     "network - baseline": r.get(diff, np.nan), "difference low": r.get(f"{diff}_low", np.nan),
                     "difference high": r.get(f"{diff}_high", np.nan), "R² or AUC": r.get(f"{second}_mean", np.nan),
                     "balanced accuracy": r.get("balanced_accuracy", np.nan) if binary else np.nan})
    return pd.DataFrame(rows)


def target_metrics(summary: pd.DataFrame) -> dict[str, dict]:
    """``metrics.json``'s ``targets``: per ``"<dataset>.<target>"`` the summary row's float
    entries (:func:`float_fields`), e.g. ``targets.ludb.sex.accuracy_mean`` (what the scorecard reads).

    >>> s = pd.DataFrame({"dataset": ["ludb"], "target": ["sex"], "task": ["binary"], "n_runs": [5],
    ...                   "accuracy_mean": [0.625], "auc_sd": [float("nan")]})
    >>> target_metrics(s)
    {'ludb.sex': {'accuracy_mean': 0.625, 'auc_sd': None}}
    """
    return {f"{r['dataset']}.{r['target']}": float_fields(r) for _, r in summary.iterrows()}


def _ludb_network(summary: pd.DataFrame) -> pd.DataFrame:
    """The LUDB rows of the summary, indexed by target (an empty frame without runs)."""
    return summary[summary["dataset"] == "ludb"].set_index("target") if len(summary) else summary


def delineator_table(scores: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The network against NeuroKit2's delineator on LUDB, one row per interval target of ``scores``.

    Args:
        scores: :func:`~ecgstudy.studies.ecgradcam.baselines.delineator_scores` (a row per target
            and lead combination: ``mae``, ``mae_low``, ``mae_high``, ``bias``, ``n_measured``,
            ``n_reference``; units of the target). summary: :func:`target_summary` (the LUDB
            networks' ``mae_mean`` and ``mae_sd``).

    Returns:
        ``target, units, network MAE`` (:func:`mean_sd_pair_text`, ``"not run"`` without a network),
        ``NeuroKit2 MAE (<combine>)``, ``(<combine>) low``, ``(<combine>) high`` per combination (NaN when unmeasured),
        ``bias (median)`` (of the primary combination, signed) and ``measured`` (``"k of n"``).

    >>> sc = pd.DataFrame({"target": ["qrs_ms"] * 3, "combine": ["median", "global", "II"],
    ...     "n_reference": 10, "n_measured": [9, 9, 8], "mae": [12.0, 20.0, float("nan")], "mae_low": [10.0, 15.0, 0],
    ...     "mae_high": [14.0, 25.0, 0], "bias": [5.0, 18.0, 0.0]})
    >>> s = pd.DataFrame({"dataset": ["ludb"], "target": ["qrs_ms"], "mae_mean": [9.0], "mae_sd": [1.0]})
    >>> list(map(str, delineator_table(sc, s).iloc[0]))
    ['qrs_ms', 'ms', '9 ± 1', '12.0', '10.0', '14.0', '20.0', '15.0', '25.0', 'nan', 'nan', 'nan', '+5', '9 of 10']
    """
    from ecgstudy.studies.ecgradcam.baselines import COMBINES, PRIMARY_COMBINE
    from ecgstudy.studies.ecgradcam.targets import target_units

    net = _ludb_network(summary)
    rows = []
    for target, part in scores.groupby("target", sort=False):
        part = part.set_index("combine")
        p = part.loc[PRIMARY_COMBINE]
        row = {"target": target, "units": target_units("ludb", target),
               "network MAE": mean_sd_pair_text(net.loc[target, "mae_mean"], net.loc[target, "mae_sd"])
               if target in net.index else "not run"}
        for c in COMBINES:
            q = part.loc[c]
            nan = q["mae"] != q["mae"]
            row[f"NeuroKit2 MAE ({c})"] = q["mae"]
            row[f"({c}) low"], row[f"({c}) high"] = (np.nan, np.nan) if nan else (q["mae_low"], q["mae_high"])
        row[f"bias ({PRIMARY_COMBINE})"] = f"{p['bias']:+.3g}"
        row["measured"] = f"{int(p['n_measured'])} of {int(p['n_reference'])}"
        rows.append(row)
    return pd.DataFrame(rows)


def network_closer(scores: pd.DataFrame, summary: pd.DataFrame) -> tuple[int, int]:
    """``(closer, compared)``: of the interval targets with both a LUDB network and a delineator
    MAE (primary combination), on how many the network's mean MAE is below the delineator's.

    >>> sc = pd.DataFrame({"target": ["qrs_ms", "qt_ms", "pr_ms"], "combine": "median",
    ...                    "mae": [12.0, 20.0, float("nan")]})
    >>> s = pd.DataFrame({"dataset": ["ludb"] * 3, "target": ["qrs_ms", "qt_ms", "pr_ms"],
    ...                   "mae_mean": [9.0, 30.0, 5.0]})
    >>> network_closer(sc, s)
    (1, 2)
    """
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE

    net = _ludb_network(summary)
    closer = compared = 0
    for target, part in scores.groupby("target", sort=False):
        p = part.set_index("combine").loc[PRIMARY_COMBINE]
        if target in net.index and p["mae"] == p["mae"]:
            compared += 1
            closer += int(net.loc[target, "mae_mean"] < p["mae"])
    return closer, compared


def delineator_intervals() -> tuple[tuple[str, str, str], ...]:
    """The intervals :func:`delineator_table` prints, one per lead combination.

    >>> delineator_intervals()[0]
    ('NeuroKit2 MAE (median)', '(median) low', '(median) high')
    """
    from ecgstudy.studies.ecgradcam.baselines import COMBINES

    return tuple((f"NeuroKit2 MAE ({c})", f"({c}) low", f"({c}) high") for c in COMBINES)


def delineator_caption(method: str, name: str) -> str:
    """Caption of :func:`delineator_table` (``method``: the delineator's; ``name``: LUDB's on the page)."""
    return (f"The network (held-out folds, mean ± sd) against NeuroKit2's classical delineator "
            f"(method '{method}', no training; MAE over records with a 95 % bootstrap interval) on the same "
            f"{name} records and reference. Lead combinations: median of the 12 leads' intervals (quoted), "
            f"the reference's global rule (earliest onset, latest offset over leads), lead II alone. Bias = delineator "
            f"- reference, mean over records")


def delineator_metrics(scores: pd.DataFrame) -> dict[str, dict]:
    """``metrics.json``'s ``delineator``: per ``"<target>.<combine>"`` the float entries of the
    score row (:func:`float_fields`: ``mae``, ``mae_low``, ``mae_high``, ``bias``, ``median_ae``).

    >>> delineator_metrics(pd.DataFrame({"target": ["qrs_ms"], "combine": ["II"], "n_measured": [3], "mae": [1.5]}))
    {'qrs_ms.II': {'mae': 1.5}}
    """
    return {f"{r['target']}.{r['combine']}": float_fields(r) for _, r in scores.iterrows()}


def transfer_caption(name: str, *, real: bool) -> str:
    """Caption of the transfer table (:func:`transfer_table` with units), for real data or the
    synthetic stand-in."""
    how = ("trained on PTB-XL median beats with NeuroKit2's intervals, means over folds. source_*: the held-out "
           "PTB-XL fold against NeuroKit2 (MAE, the training mean's MAE, Pearson r); then every LUDB record "
           "against the cardiologists (MAE, the training mean's MAE, r, bias = network - reference), NeuroKit2's "
           "own MAE on those records and the network's MAE against NeuroKit2" if real else
           "trained on one synthetic draw with the generator's exact values, means over folds. source_*: its "
           "held-out fold; then an independent draw (MAE, the training mean's MAE, r, bias); no delineator")
    return f"{name}: {how}"


def with_units(table: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """``table`` with a ``units`` column last: the units of each row's ``target`` in ``dataset``.

    >>> with_units(pd.DataFrame({"target": ["qrs_ms", "hr_bpm"]}), "transfer")["units"].tolist()
    ['ms', 'beats/min']
    """
    from ecgstudy.studies.ecgradcam.targets import target_units

    return table.assign(units=[target_units(dataset, t) for t in table["target"]])


def transfer_metrics(table: pd.DataFrame) -> dict[str, dict]:
    """``metrics.json``'s ``transfer``: per target every other column of :func:`transfer_table`
    as a float (``n_runs`` too), NaN as ``None``.

    >>> transfer_metrics(pd.DataFrame({"target": ["qrs_ms"], "n_runs": [5], "mae": [float("nan")]}))
    {'qrs_ms': {'n_runs': 5.0, 'mae': None}}
    """
    return {r["target"]: {k: (None if v != v else float(v)) for k, v in r.items() if k != "target"}
            for _, r in table.iterrows()}


#: Caption of :func:`region_table`.
REGION_CAPTION = ("Map mass in the target's defining region divided by the region's share of the beat (1 = no "
                  "preference), last residual addition, held-out records; mean ± sd over all runs. Runs read: the runs "
                  "whose network beat its baseline, the only ones the claims read")


def region_table(summary: pd.DataFrame, *, names: Mapping[str, str],
                 read: Mapping[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """Where the maps look: per dataset and target, its ``defining region``
    (:func:`~ecgstudy.studies.ecgradcam.targets.describe_region`), the ``runs read`` by the claims
    (``read``, e.g. :func:`~ecgstudy.studies.ecgradcam.health.counted_by_target`) and per variant the
    region ratio's mean ± sd over runs (``<variant> ratio``, :func:`mean_sd_pair_text`).

    >>> s = pd.DataFrame({"dataset": ["d"], "target": ["qrs_ms"], "ratio_gradcam_mean": [1.5],
    ...     "ratio_gradcam_sd": [0.25], "ratio_ecgradcam_mean": [float("nan")], "ratio_ecgradcam_sd": [0.0]})
    >>> region_table(s, names={"d": "D"}, read={("d", "qrs_ms"): "2 of 5"}).iloc[0].tolist()
    ['D', 'qrs_ms', '[qrs_on, qrs_off]', '2 of 5', '1.5 ± 0.25', 'n/a']
    """
    from ecgstudy.studies.ecgradcam.targets import describe_region, target_region

    rows = []
    for _, r in summary.iterrows():
        rows.append({"dataset": names[r["dataset"]], "target": r["target"],
                     "defining region": describe_region(target_region(r["target"])),
                     "runs read": (read or {}).get((r["dataset"], r["target"]), ""),
                     **{f"{v} ratio": mean_sd_pair_text(r[f"ratio_{v}_mean"], r[f"ratio_{v}_sd"]) for v in VARIANTS}})
    return pd.DataFrame(rows)


#: Caption of :func:`layer_ratio_table`.
LAYER_CAPTION = "The same ratio per variant and layer (the layer choice)"


def layer_ratio_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """The region ratio per variant and layer: the mean over runs of every ``ratio.<variant>.<layer>``
    column of :func:`run_table` (renamed ``<variant>.<layer>``, sorted), indexed by dataset and
    target; ``None`` without such columns.

    >>> t = pd.DataFrame({"dataset": ["d", "d"], "target": ["qrs_ms"] * 2, "ratio.gradcam.last_add": [1.0, 2.0]})
    >>> layer_ratio_table(t).to_dict()
    {'gradcam.last_add': {('d', 'qrs_ms'): 1.5}}
    >>> layer_ratio_table(pd.DataFrame()) is None
    True
    """
    layer_cols = sorted(c for c in table.columns if c.startswith("ratio.")) if len(table) else []
    if not layer_cols:
        return None
    by_layer = table.groupby(["dataset", "target"])[layer_cols].mean()
    by_layer.columns = [c.removeprefix("ratio.") for c in by_layer.columns]
    return by_layer


#: How the transfer runs' intervals differ (they all score one fixed test set: :mod:`.fixed_test`), for captions.
TRANSFER_INTERVAL = ("the transfer runs, all scored on the same LUDB records, add the variance of a bootstrap over "
                     "those patients")

#: Caption of the cross-target similarity table (:func:`cross_target_similarity`).
SIMILARITY_CAPTION = ("Correlation of one record's maps between models trained for different targets (same fold "
                      "and seed): near 1 means the map does not depend on what is measured. mean_corr: over all pairs; "
                      "counted_corr: over the pairs of networks that both beat their baseline, per fold, then the mean "
                      "over folds with its 95 % interval (low, high; the corrected resampled t: folds share training "
                      "data; " + TRANSFER_INTERVAL + ")")

#: The intervals the similarity table prints.
SIMILARITY_INTERVALS = (("counted_corr", "low", "high"),)


def named(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``table`` with its ``dataset`` keys replaced by their names on the page.

    >>> named(pd.DataFrame({"dataset": ["ludb"], "x": [1]}), {"ludb": "LUDB"})["dataset"].tolist()
    ['LUDB']
    """
    return table.assign(dataset=table["dataset"].map(names))


#: Caption of :func:`blocking_table`.
BLOCKING_CAPTION = ("Harm of replacing each wave by a straight line: the change of the held-out metric, signed so that "
                    "positive is worse (MAE up; accuracy down for sex), mean over runs with its 95 % corrected resampled "
                    "t interval over runs (folds share training data; " + TRANSFER_INTERVAL + "); defining: a wave that "
                    "defines the target")

#: The intervals :func:`blocking_table` prints.
BLOCKING_INTERVALS = (("harm", "low", "high"),)


def blocking_table(waves: pd.DataFrame, *, names: Mapping[str, str]) -> pd.DataFrame:
    """Wave blocking, one row per dataset, target and wave: :func:`~ecgstudy.studies.ecgradcam.verdicts.wave_table`
    with the datasets' names on the page and the waves in capitals.

    >>> w = pd.DataFrame({"dataset": ["d"], "target": ["qrs_ms"], "wave": ["qrs"], "defining": [True], "runs": [5],
    ...                   "harm": [4.25], "low": [2.0], "high": [6.5]})
    >>> list(map(str, blocking_table(w, names={"d": "D"}).iloc[0]))
    ['D', 'qrs_ms', 'QRS', 'True', '5', '4.25', '2.0', '6.5']
    """
    return waves.assign(dataset=waves["dataset"].map(names), wave=waves["wave"].str.upper())


#: Caption of :func:`worst_table`.
WORST_CAPTION = ("Is the most harmful wave to block distinguishable from the next? Harm of the worst wave minus the "
                 "next, paired over runs, with Nadeau & Bengio's corrected t interval (the folds share training "
                 "data; records, one per patient on LUDB, as the units; " + TRANSFER_INTERVAL + ")")

#: The intervals :func:`worst_table` prints.
WORST_INTERVALS = (("difference", "low", "high"),)


def worst_table(worst: pd.DataFrame, *, names: Mapping[str, str]) -> pd.DataFrame:
    """:func:`~ecgstudy.studies.ecgradcam.verdicts.worst_vs_next` with the datasets' names and the waves in capitals.

    >>> w = pd.DataFrame({"dataset": ["d"], "target": ["qt_ms"], "worst": ["t"], "next": ["qrs"], "runs": [5],
    ...                   "difference": [1.5], "low": [0.5], "high": [2.5], "distinguishable": [True]})
    >>> worst_table(w, names={"d": "D"}).iloc[0].tolist()[:4]
    ['D', 'qt_ms', 'T', 'QRS']
    """
    return worst.assign(dataset=worst["dataset"].map(names), worst=worst["worst"].str.upper(),
                        next=worst["next"].str.upper())


def sex_feature_table(result: dict) -> pd.DataFrame:
    """The sex feature experiment (:func:`~ecgstudy.studies.ecgradcam.features.sex_feature_experiment`):
    per feature set, its pooled out-of-fold ``accuracy`` and ``AUC`` with their intervals
    (``accuracy low`` ... ``AUC high``), then the baseline: the majority class (its share of the
    records; AUC 0.5), without an interval.

    >>> ci = {"estimate": 0.7, "low": 0.65, "high": 0.75}
    >>> t = sex_feature_table({"n": 10, "n_male": 6, "sets": {"qrs": {"accuracy": ci, "auc": ci}}})
    >>> [list(map(str, row)) for row in t.values]
    [['qrs', '0.7', '0.65', '0.75', '0.7', '0.65', '0.75'], ['majority class (baseline)', '0.6', 'nan', 'nan', '0.5', 'nan', 'nan']]
    """
    rows = [{"features": name, "accuracy": s["accuracy"]["estimate"], "accuracy low": s["accuracy"]["low"],
             "accuracy high": s["accuracy"]["high"], "AUC": s["auc"]["estimate"], "AUC low": s["auc"]["low"],
             "AUC high": s["auc"]["high"]} for name, s in result["sets"].items()]
    share = result["n_male"] / result["n"]
    rows.append({"features": "majority class (baseline)", "accuracy": max(share, 1 - share), "accuracy low": np.nan,
                 "accuracy high": np.nan, "AUC": 0.5, "AUC low": np.nan, "AUC high": np.nan})
    return pd.DataFrame(rows)


#: The intervals :func:`sex_feature_table` prints.
SEX_INTERVALS = (("accuracy", "accuracy low", "accuracy high"), ("AUC", "AUC low", "AUC high"))


def sex_feature_caption(result: dict) -> str:
    """Caption of :func:`sex_feature_table`: how many records and folds."""
    return (f"Logistic regression of sex, {result['n']} records, {result['folds']}-fold CV, pooled out-of-fold "
            "estimates with 95 % bootstrap intervals")


def sex_feature_metrics(result: dict) -> dict:
    """``metrics.json``'s ``sex_features``: per feature set its ``accuracy`` and ``auc`` estimates,
    and ``n`` (records), e.g. ``sex_features.qrs+downslope.auc`` (what the scorecard reads).

    >>> ci = {"estimate": 0.7, "low": 0.6, "high": 0.8}
    >>> sex_feature_metrics({"n": 198, "sets": {"qrs": {"accuracy": ci, "auc": ci}}})
    {'qrs': {'accuracy': 0.7, 'auc': 0.7}, 'n': 198}
    """
    out: dict = {name: {"accuracy": s["accuracy"]["estimate"], "auc": s["auc"]["estimate"]}
                 for name, s in result["sets"].items()}
    out["n"] = result["n"]
    return out


@dataclass(frozen=True)
class RunMaps:
    """One run's maps of its first held-out record, as the page draws them.

    Attributes:
        target: the run's target. index: the record's row in the median beats the run read.
        maps: per variant, the ``(T,)`` float32 map on the layer's time axis.
    """

    target: str
    index: int
    maps: dict[str, np.ndarray]


def first_record_maps(records, *, layer: str = "last_add", variants: Sequence[str] = VARIANTS) -> list[RunMaps]:
    """:class:`RunMaps` of each record of ``records`` (in order): from its ``maps.npz``, the row
    index of its first held-out record and that record's ``<variant>.<layer>`` maps."""
    out = []
    for rec in records:
        with np.load(rec.path / "maps.npz") as z:
            out.append(RunMaps(rec.spec.params["target"], int(z["index"][0]),
                               {v: z[f"{v}.{layer}"][0].astype(np.float32) for v in variants}))
    return out


def patient_leakage(records, *, ptbxl_folder=None) -> dict:
    """PTB-XL runs split by record (the PTB-XL subset runs, and the transfer runs' PTB-XL training folds)
    that put one patient on both sides: ``runs``, ``leaky`` and ``leaky_runs`` (run ids). LUDB records are
    each a patient. Without the PTB-XL folder (synthetic data) nothing can leak: ``leaky`` is 0."""
    from ecgstudy.data.patients import patient_ids, split_patients

    runs, tests = [], {}
    for r in records:
        if not r.ok or r.spec.params.get("split_unit", "record") != "record":
            continue
        kind = r.spec.experiment.removeprefix("ecgradcam-")
        if kind not in ("ptbxl", "transfer") or not (r.path / "predictions.npz").exists():
            continue
        with np.load(r.path / "predictions.npz") as z:
            tests[(kind, r.spec.run_id)] = [str(i) for i in z["ids" if kind == "ptbxl" else "source_ids"]]
        runs.append(r)
    leaky = []
    if ptbxl_folder is not None:
        for kind in ("ptbxl", "transfer"):
            mine = {k: v for k, v in tests.items() if k[0] == kind}
            universe = sorted({x for t in mine.values() for x in t})
            patients = dict(zip(universe, patient_ids("ptbxl", universe, folder=ptbxl_folder)))
            leaky += [rid for (_, rid), t in mine.items() if split_patients(patients, t)]
    return {"runs": len(runs), "leaky": len(leaky), "leaky_runs": leaky}
