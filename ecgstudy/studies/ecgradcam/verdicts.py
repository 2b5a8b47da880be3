"""The ECGradCAM chapter's verdicts: each claim of Hicks et al. tested by one written rule.

The rule is :func:`ecgstudy.metrics.interval_verdict`: an estimate counts as above (below) a
reference only when its whole 95 % bootstrap interval lies above (below) it. The claims:

1. *A network measuring a target attends to the waves that define it*: per target and Grad-CAM
   variant, the map mass in the target's defining region over the region's share of the beat
   (the ``ratio`` of :mod:`ecgstudy.explain.region_mass`; 1 = no preference), averaged over runs,
   with the bootstrap interval of that mean (:func:`region_verdicts`).
2. *The maps show what the network measures*: the mean correlation of one record's maps
   between models trained for different targets (:func:`~ecgstudy.studies.ecgradcam.tables.cross_target_similarity`);
   the authors' ECGradCAM is the min-max scaled channel-summed activation whatever the target,
   so a correlation near 1 says its maps show the network's activations, not the measurement.
   The rule, per dataset and variant: "target-independent" at a mean correlation of
   :data:`SAME_MAP_CORR` or more (:func:`similarity_text`).
3. *Blocking the defining wave hurts most* (the paper's wave-blocking test): per target with a
   defining wave, the wave whose replacement by a straight line worsens the held-out metric
   most, against :func:`defining_waves` (:func:`blocking_verdicts`).
4. *An attention-derived feature (R-wave downslope) improves a sex classifier beyond QRS
   duration*: the AUC difference with its bootstrap interval.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ecgstudy.studies.ecgradcam.params import DATASET_NAMES
from ecgstudy.studies.ecgradcam.targets import VARIANTS, WAVES, target_region

#: Mean cross-target map correlation from which maps count as target-independent.
SAME_MAP_CORR = 0.8
_REGION_WORDS = {"higher": "looks at it", "lower": "avoids it", "no clear difference": "no clear preference",
                 "too few runs": "too few runs"}


def defining_waves(target: str) -> tuple[str, ...]:
    """The waves (of ``"p"``, ``"qrs"``, ``"t"``) named by the fiducials of ``target``'s defining
    region (:func:`~ecgstudy.studies.ecgradcam.targets.target_region`); empty without a region.

    >>> defining_waves("qrs_ms"), defining_waves("qt_ms"), defining_waves("t_amp_V5_mV"), defining_waves("age")
    (('qrs',), ('qrs', 't'), ('t',), ())
    """
    names = {fid.split("_")[0] for part in target_region(target) for fid in part[:2]}
    return tuple(w for w in WAVES if w in names)


def region_verdicts(table: pd.DataFrame, *, layer: str = "last_add", n_boot: int = 2000,
                    seed: int = 0) -> pd.DataFrame:
    """Claim 1 per dataset, target and variant.

    Args:
        table: :func:`~ecgstudy.studies.ecgradcam.tables.run_table` (columns ``ratio.<variant>.<layer>``).

    Returns:
        ``dataset, target, variant, n`` (runs), ``ratio`` (mean over runs), ``low``, ``high``
        (95 % bootstrap interval of the mean), ``verdict`` (:func:`interval_verdict` against 1)
        for targets with a defining region.
    """
    from ecgstudy.metrics import bootstrap_ci, interval_verdict

    cols = ["dataset", "target", "variant", "n", "ratio", "low", "high", "verdict"]
    rows = []
    if not len(table):
        return pd.DataFrame(columns=cols)
    for (ds, target), part in table.groupby(["dataset", "target"], sort=False):
        if not target_region(target):
            continue
        for variant in VARIANTS:
            col = f"ratio.{variant}.{layer}"
            vals = part[col].dropna().to_numpy(dtype=float) if col in part else np.array([])
            if len(vals) >= 2:
                ci = bootstrap_ci(vals, n_boot=n_boot, seed=seed)
                lo, hi = ci["low"], ci["high"]
            else:
                lo = hi = float("nan")
            rows.append({"dataset": ds, "target": target, "variant": variant, "n": int(len(vals)),
                         "ratio": float(vals.mean()) if len(vals) else float("nan"), "low": lo, "high": hi,
                         "verdict": interval_verdict(lo, hi, reference=1.0)})
    return pd.DataFrame(rows, columns=cols)


def blocking_verdicts(summary: pd.DataFrame) -> pd.DataFrame:
    """Claim 3 per dataset and target with a defining wave.

    Args:
        summary: :func:`~ecgstudy.studies.ecgradcam.tables.target_summary` (``block_<wave>_delta_<metric>``).

    Returns:
        ``dataset, target, defining`` (waves, "+"-joined), ``worst`` (the wave whose blocking
        hurt the held-out metric most: MAE up, accuracy down), ``harm`` (that change, signed so
        that positive is worse) and ``agrees`` (``worst`` is a defining wave).
    """
    cols = ["dataset", "target", "defining", "worst", "harm", "agrees"]
    rows = []
    for _, r in (summary.iterrows() if len(summary) else []):
        waves = defining_waves(r["target"])
        if not waves:
            continue
        binary = r["task"] == "binary"
        metric = "accuracy" if binary else "mae"
        harm = {w: (-1 if binary else 1) * float(r.get(f"block_{w}_delta_{metric}", np.nan)) for w in WAVES}
        harm = {w: h for w, h in harm.items() if h == h}
        if not harm:
            continue
        worst = max(harm, key=harm.get)
        rows.append({"dataset": r["dataset"], "target": r["target"], "defining": "+".join(waves), "worst": worst,
                     "harm": harm[worst], "agrees": worst in waves})
    return pd.DataFrame(rows, columns=cols)


def learned_targets(summary: pd.DataFrame) -> dict[tuple[str, str], bool]:
    """Which (dataset, target) models learned something: the held-out MAE below the
    training-mean baseline's (regression) or the accuracy above the majority class's (binary).

    With the record-bootstrap interval of the difference (``mae_minus_baseline_low`` /
    ``_high`` or ``accuracy_minus_baseline_low`` / ``_high``, from
    :func:`~ecgstudy.studies.ecgradcam.intervals.add_intervals`) the chapter's one rule applies:
    the whole interval must lie on the better side of 0. Without it, the means are compared.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"dataset": ["a", "a"], "target": ["qrs_ms", "sex"], "task": ["regression", "binary"],
    ...                   "mae_mean": [10.0, float("nan")], "baseline_mae_mean": [12.0, float("nan")],
    ...                   "accuracy_mean": [float("nan"), 0.5], "baseline_accuracy_mean": [float("nan"), 0.6]})
    >>> learned_targets(s)
    {('a', 'qrs_ms'): True, ('a', 'sex'): False}
    >>> nan = float("nan")
    >>> learned_targets(s.assign(mae_minus_baseline_low=[-3.0, nan], mae_minus_baseline_high=[0.5, nan]))
    {('a', 'qrs_ms'): False, ('a', 'sex'): False}
    """
    from ecgstudy.metrics import interval_verdict

    out = {}
    for _, r in (summary.iterrows() if len(summary) else []):
        binary = r["task"] == "binary"
        key = "accuracy_minus_baseline" if binary else "mae_minus_baseline"
        low, high = r.get(f"{key}_low", float("nan")), r.get(f"{key}_high", float("nan"))
        if low == low and high == high:
            out[(r["dataset"], r["target"])] = interval_verdict(low, high) == ("higher" if binary else "lower")
        elif binary:
            out[(r["dataset"], r["target"])] = bool(r["accuracy_mean"] > r["baseline_accuracy_mean"])
        else:
            out[(r["dataset"], r["target"])] = bool(r["mae_mean"] < r["baseline_mae_mean"])
    return out


def baseline_text(summary: pd.DataFrame, *, names: Mapping[str, str]) -> str:
    """Per dataset, how many regression targets' networks beat the training-mean baseline
    (:func:`learned_targets`), and which.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"dataset": ["a", "a", "b"], "target": ["qrs_ms", "qt_ms", "age"],
    ...                   "task": ["regression"] * 3, "mae_mean": [10.0, 30.0, 8.0],
    ...                   "baseline_mae_mean": [12.0, 20.0, 9.0]})
    >>> baseline_text(s, names={"a": "A"})
    '1 of 2 on the A (qrs_ms), 1 of 1 on the b (age)'
    """
    parts = [f"{len(ok)} of {n} on the {names.get(ds, ds)}" + (f" ({', '.join(ok)})" if ok else "")
             for ds, (ok, n) in _regression_learned(summary).items()]
    return ", ".join(parts) or "none was run"


def _regression_learned(summary: pd.DataFrame) -> dict[str, tuple[list[str], int]]:
    """Per dataset: the regression targets whose networks learned (:func:`learned_targets`), and
    how many regression targets it has."""
    learned = learned_targets(summary)
    reg = summary[summary["task"] != "binary"] if len(summary) else summary
    return {ds: ([t for t in part["target"] if learned[(ds, t)]], len(part))
            for ds, part in (reg.groupby("dataset", sort=False) if len(reg) else [])}


def solo_training_note(summary: pd.DataFrame, dataset: str, *, name: str) -> str:
    """The deviation note on networks trained on one small dataset alone (LUDB): how many of its
    regression networks learned, and that nothing the paper does not use was added to rescue
    the others.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"dataset": ["ludb"] * 2, "target": ["qrs_ms", "qt_ms"], "task": ["regression"] * 2,
    ...                   "mae_mean": [13.0, 30.0], "baseline_mae_mean": [12.0, 20.0]})
    >>> solo_training_note(s, "ludb", name="LUDB")[:80]
    'Training on the LUDB alone: 0 of 2 of its regression networks beat the training '
    """
    counts = _regression_learned(summary)
    if dataset not in counts:
        return f"Training on the {name} alone: not run in this build."
    k, n = len(counts[dataset][0]), counts[dataset][1]
    head = f"Training on the {name} alone: {k} of {n} of its regression networks beat the training mean in this build."
    if k == n:
        return head + " No training aid beyond the paper's was added."
    rescued = "them" if k == 0 else "the others"
    return (head + " Nothing the paper does not use (weight decay, augmentation, an inner validation split for "
            f"early stopping) was added to rescue {rescued}: the intervals are learned on PTB-XL instead (the "
            "transfer runs), and the maps of networks that did not learn are shown but not read as explanations "
            "of a measurement.")


def _learned_note(targets, ds: str, learned: Mapping[tuple[str, str], bool] | None) -> str:
    if learned is None:
        return ""
    ok = [t for t in targets if learned.get((ds, t), False)]
    return f" (networks that beat the baseline: {', '.join(ok) if ok else 'none'})"


def region_text(regions: pd.DataFrame, variant: str, *, names: Mapping[str, str],
                learned: Mapping[tuple[str, str], bool] | None = None) -> str:
    """Claim 1 for one variant, a clause per dataset: how many scored targets put more than a
    uniform share of the map in their defining region, which, and which of them learned."""
    v = regions[regions["variant"] == variant] if len(regions) else regions
    if not len(v):
        return "no target with a defining region was scored"
    parts = []
    for ds, part in v.groupby("dataset", sort=False):
        hit = part[part["verdict"] == "higher"]
        parts.append(f"on the {names.get(ds, ds)}, {len(hit)} of {len(part)} targets"
                     + (f" ({', '.join(hit['target'])})" if len(hit) else "")
                     + _learned_note(part["target"], ds, learned))
    return "; ".join(parts)


def blocking_text(blocking: pd.DataFrame, *, names: Mapping[str, str]) -> str:
    """Claim 3, a clause per dataset: for how many targets blocking a defining wave hurt most."""
    if not len(blocking):
        return ""
    return "; ".join(f"on the {names.get(ds, ds)}, {int(part['agrees'].sum())} of {len(part)} ("
                     + ", ".join(f"{r.target}: {r.worst.upper()}" for r in part.itertuples()) + ")"
                     for ds, part in blocking.groupby("dataset", sort=False))


def similarity_text(similarity: pd.DataFrame, *, names: Mapping[str, str],
                    learned: Mapping[tuple[str, str], bool] | None = None) -> str:
    """Claim 2, judged per dataset and variant: maps whose mean cross-target correlation is
    :data:`SAME_MAP_CORR` or more hardly change with the target, so they show where the network's
    activations are rather than what it measures.

    Args:
        similarity: :func:`~ecgstudy.studies.ecgradcam.tables.cross_target_similarity` (``dataset,
            variant, mean_corr``). learned: :func:`learned_targets`, to name the datasets whose
            networks learned at least one target.

    >>> import pandas as pd
    >>> sim = pd.DataFrame({"dataset": ["a", "a", "b", "b"], "variant": ["gradcam", "ecgradcam"] * 2,
    ...                     "mean_corr": [0.05, 0.9, -0.03, 0.3]})
    >>> text = similarity_text(sim, names={"a": "A", "b": "B"}, learned={("a", "x"): True})
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    *The maps show what the network measures.* Mean correlation of one record's maps between models of different
    targets (textbook Grad-CAM / ECGradCAM): A 0.05 / 0.90; B -0.03 / 0.30. **No** for ECGradCAM on the A, where
    its maps hardly change with the target (0.8 or more): they show where the network's activations are, not what
    it measures. The maps change with the target with textbook Grad-CAM on every dataset, and with ECGradCAM on
    the B (whose networks beat no baseline).
    """
    corr = similarity.set_index(["dataset", "variant"])["mean_corr"]
    datasets = list(dict.fromkeys(similarity["dataset"]))
    labels = {"gradcam": "textbook Grad-CAM", "ecgradcam": "ECGradCAM"}

    def value(ds: str, variant: str) -> str:
        if (ds, variant) not in corr.index:
            return "n/a"
        c = float(corr[(ds, variant)])
        # a value just under the threshold gets a third digit, so "0.80" never reads as "0.8 or more" wrongly
        return f"{c:.3f}" if f"{c:.2f}" == f"{SAME_MAP_CORR:.2f}" and c < SAME_MAP_CORR else f"{c:.2f}"

    def named(dss: list[str]) -> str:
        out = []
        for ds in dss:
            ok = learned is None or any(v for (d, _), v in learned.items() if d == ds)
            out.append(f"the {names.get(ds, ds)}" + ("" if ok else " (whose networks beat no baseline)"))
        return out[0] if len(out) == 1 else ", ".join(out[:-1]) + " and " + out[-1]

    text = ("*The maps show what the network measures.* Mean correlation of one record's maps between models of "
            "different targets (textbook Grad-CAM / ECGradCAM): "
            + "; ".join(f"{names.get(ds, ds)} {value(ds, 'gradcam')} / {value(ds, 'ecgradcam')}" for ds in datasets)
            + ".")
    changes = []
    for variant in VARIANTS:
        part = similarity[similarity["variant"] == variant]
        same = [ds for ds, c in zip(part["dataset"], part["mean_corr"]) if c >= SAME_MAP_CORR]
        differ = [ds for ds, c in zip(part["dataset"], part["mean_corr"]) if c < SAME_MAP_CORR]
        if same:
            text += (f" **No** for {labels[variant]} on {named(same)}, where its maps hardly change with the target "
                     f"({SAME_MAP_CORR} or more): they show where the network's activations are, not what it measures.")
        if differ:
            where = "on every dataset" if len(differ) == len(datasets) else f"on {named(differ)}"
            changes.append(f"with {labels[variant]} {where}")
    if changes == [f"with {labels[v]} on every dataset" for v in VARIANTS]:
        changes = ["with both variants on every dataset"]
    if changes:
        text += " The maps change with the target " + ", and ".join(changes) + "."
    return text


def chapter_verdicts(regions: pd.DataFrame, blocking: pd.DataFrame, similarity: pd.DataFrame,
                     sex_auc_diff: Mapping[str, float] | None, *, names: Mapping[str, str],
                     learned: Mapping[tuple[str, str], bool] | None = None) -> dict:
    """The four claims' verdicts (see the module docstring) as a numbered Markdown list.

    Args:
        regions: :func:`region_verdicts`. blocking: :func:`blocking_verdicts`.
        similarity: :func:`~ecgstudy.studies.ecgradcam.tables.cross_target_similarity`.
        sex_auc_diff: the sex experiment's ``comparison["auc_diff"]`` (``estimate``, ``low``,
            ``high``), or None when it did not run. names: dataset key -> name on the page.
        learned: :func:`learned_targets`, to say which verdicts rest on networks that learned.

    Returns:
        ``{"markdown": str, "metrics": dict}``; the counts of claims 1 and 3 per dataset, and for
        claim 2 ``same_maps[variant][dataset]`` (maps target-independent).
    """
    from ecgstudy.metrics import CLAIM_WORDS, format_bound, interval_verdict

    lines, out = [], {}
    if len(regions):
        parts = []
        for variant, label in (("gradcam", "textbook Grad-CAM"), ("ecgradcam", "the authors' ECGradCAM")):
            parts.append(f"with {label}, " + region_text(regions, variant, names=names, learned=learned))
            v = regions[regions["variant"] == variant]
            out[f"regions_{variant}"] = {
                ds: {"above": int((part["verdict"] == "higher").sum()), "scored": int(len(part)),
                     **({"learned": int(sum(learned.get((ds, t), False) for t in part["target"]))}
                        if learned is not None else {})}
                for ds, part in v.groupby("dataset", sort=False)}
        lines.append("*A network measuring a target attends to the waves that define it.* Targets whose map puts "
                     "more than a uniform share of its mass in the defining region at the last residual addition "
                     "(95 % interval above 1): " + "; ".join(parts) + ".")
    if len(similarity):
        lines.append(similarity_text(similarity, names=names, learned=learned))
        out["same_maps"] = {variant: {ds: bool(c >= SAME_MAP_CORR) for ds, c in zip(part["dataset"], part["mean_corr"])}
                            for variant, part in similarity.groupby("variant", sort=False)}
    if len(blocking):
        lines.append("*Blocking the defining wave hurts most.* Targets for which the most harmful wave to blank is "
                     "a defining one: " + blocking_text(blocking, names=names) + ".")
        out["blocking"] = {ds: {"agrees": int(part["agrees"].sum()), "targets": int(len(part))}
                           for ds, part in blocking.groupby("dataset", sort=False)}
    if sex_auc_diff is not None:
        v = interval_verdict(sex_auc_diff["low"], sex_auc_diff["high"])
        word = CLAIM_WORDS[v]
        lines.append(f"*The R-wave downslope, pointed at by the maps, improves a sex classifier beyond QRS "
                     f"duration.* AUC change {sex_auc_diff['estimate']:+.3f} (95 % CI "
                     f"{format_bound(sex_auc_diff['low'])} to {format_bound(sex_auc_diff['high'])}): {word}.")
        out["sex_feature"] = {"verdict": v, **{k: float(sex_auc_diff[k]) for k in ("estimate", "low", "high")}}
    markdown = "\n".join(f"{i}. {t}" for i, t in enumerate(lines, 1)) or "No finished runs: no verdicts."
    return {"markdown": markdown, "metrics": out}


def dataset_labels(data_kind: str) -> dict[str, str]:
    """How the page names each dataset: its name on real data, else the synthetic stand-in's."""
    if data_kind == "real":
        return dict(DATASET_NAMES)
    return {k: f"synthetic stand-in for {v}" for k, v in DATASET_NAMES.items()}


def transfer_text(table: pd.DataFrame, *, real: bool = True, learned: Mapping[str, bool] | None = None) -> str:
    """What the transfer runs show, a short paragraph for the page (``""`` without runs);
    ``real=False`` words it for the synthetic stand-in (two independent draws, exact targets).
    ``learned`` (target -> beat the training mean on the test set, e.g. by the record-bootstrap
    interval of :func:`~ecgstudy.studies.ecgradcam.verdicts.learned_targets`) replaces the
    comparison of the means for the test set; the in-domain folds are always compared by their means.

    >>> t = pd.DataFrame({"target": ["qrs_ms", "qt_ms"], "n_runs": [5, 5], "source_mae": [5.0, 20.0],
    ...     "source_baseline_mae": [10.0, 18.0], "source_r": [0.8, 0.1], "mae": [12.0, 40.0],
    ...     "baseline_mae": [15.0, 35.0], "r": [0.5, 0.0], "bias": [8.0, -30.0], "delineator_mae": [20.0, 30.0],
    ...     "network_vs_delineator_mae": [9.0, 25.0]})
    >>> print(transfer_text(t))
    On their held-out PTB-XL folds, the networks beat the training mean against the delineator for 1 of 2 \
targets (qrs_ms). On LUDB, against the cardiologists, they beat the training mean for 1 of 2 (qrs_ms) and the \
delineator itself for 1 of 2 (qrs_ms); correlation with the cardiologists' values: qrs_ms 0.50, qt_ms 0.00.
    >>> print(transfer_text(t.assign(n_runs=[5, 2])).split(". ")[-1])
    Runs behind each mean: qrs_ms 5, qt_ms 2.
    >>> transfer_text(t, learned={"qrs_ms": False, "qt_ms": True}).split(". ")[1][:82]
    'On LUDB, against the cardiologists, they beat the training mean for 1 of 2 (qt_ms)'
    """
    if not len(table):
        return ""

    def which(mask, noun: str = "") -> str:
        hit = list(table.loc[mask, "target"])
        return f"{len(hit)} of {len(table)}{noun}" + (f" ({', '.join(hit)})" if hit else "")

    beat = (table["target"].map(lambda t: bool(learned.get(t, False))) if learned is not None
            else table["mae"] < table["baseline_mae"])
    source, against, test, ref = (("PTB-XL folds", "against the delineator", "LUDB", "the cardiologists") if real else
                                  ("folds of the synthetic training draw", "against the generator's values",
                                   "an independent synthetic draw", "the generator's exact values"))
    text = (f"On their held-out {source}, the networks beat the training mean {against} for "
            f"{which(table['source_mae'] < table['source_baseline_mae'], ' targets')}. On {test}, against "
            f"{ref}, they beat the training mean for {which(beat)}")
    if table["delineator_mae"].notna().any():
        text += f" and the delineator itself for {which(table['mae'] < table['delineator_mae'])}"
    corr = ", ".join(f"{r.target} {r.r:.2f}" for r in table.itertuples())
    ref_values = "the cardiologists' values" if real else "the exact values"
    text += f"; correlation with {ref_values}: {corr}."
    if table["n_runs"].nunique() > 1:  # a grid stopped part-way: say what each mean rests on
        text += " Runs behind each mean: " + ", ".join(f"{r.target} {int(r.n_runs)}" for r in table.itertuples()) + "."
    return text


def delineator_text(scores: pd.DataFrame, *, closer: int, compared: int) -> str:
    """The page's sentence on NeuroKit2's delineator against LUDB's reference: its MAE and bias
    per interval target (primary lead combination, units of the target), and on how many of the
    ``compared`` interval targets the network is ``closer`` to the reference
    (:func:`~ecgstudy.studies.ecgradcam.tables.network_closer`).

    Args:
        scores: :func:`~ecgstudy.studies.ecgradcam.baselines.delineator_scores` (``target,
            combine, mae, bias``).

    >>> s = pd.DataFrame({"target": ["qrs_ms", "qrs_ms", "pr_ms"], "combine": ["median", "II", "median"],
    ...                   "mae": [12.0, 30.0, float("nan")], "bias": [10.5, 1.0, 0.0]})
    >>> delineator_text(s, closer=1, compared=1)[:120]
    "A classical, training-free delineator (NeuroKit2's peak-prominence method, median over the 12 leads) measures the same r"
    >>> delineator_text(s, closer=1, compared=1).split("MAE ")[1][:28]
    'qrs_ms 12 ms (bias +10.5); w'
    """
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE
    from ecgstudy.studies.ecgradcam.targets import target_units

    prim = scores[scores["combine"] == PRIMARY_COMBINE].set_index("target")
    parts = [f"{t} {prim.loc[t, 'mae']:.3g} {target_units('ludb', t)} (bias {prim.loc[t, 'bias']:+.3g})"
             for t in prim.index if prim.loc[t, "mae"] == prim.loc[t, "mae"]]
    return (f"A classical, training-free delineator (NeuroKit2's peak-prominence method, median over the 12 leads) "
            f"measures the same records with MAE {', '.join(parts)}; where the bias is close to the MAE, its error is "
            f"a systematic difference of definition (where a wave starts and ends) more than noise. The network, "
            f"trained on the reference's own definition, is closer to it than the delineator on {closer} of "
            f"{compared} interval targets it was trained for.")


#: The delineator sentences when the build leaves LUDB out.
NO_DELINEATOR_TEXT = "The classical-delineator baseline needs LUDB's delineation, which this build leaves out."
NO_DELINEATOR_FAILURES = "no delineation in this build"


def delineator_failures_text(n_failures: int, n_records: int) -> str:
    """How many leads the delineator could not delineate.

    >>> delineator_failures_text(9, 200)
    '9 lead(s) of 200 records could not be delineated'
    """
    return f"{n_failures} lead(s) of {n_records} records could not be delineated"


def transfer_summary_text(table: pd.DataFrame | None, *, real: bool,
                          learned: Mapping[tuple[str, str], bool]) -> str:
    """The page's paragraph on the transfer runs: :func:`transfer_text` with the transfer networks'
    :func:`learned_targets`, or why there is none (``table`` None: the build leaves them out).

    >>> transfer_summary_text(None, real=True, learned={})
    'This build leaves the transfer runs out.'
    >>> transfer_summary_text(pd.DataFrame(), real=True, learned={})
    'No transfer run has finished in this build.'
    """
    if table is None:
        return "This build leaves the transfer runs out."
    return (transfer_text(table, real=real, learned={t: v for (d, t), v in learned.items() if d == "transfer"})
            or "No transfer run has finished in this build.")


def similarity_values_text(similarity: pd.DataFrame, *, names: Mapping[str, str]) -> str:
    """The mean cross-target map correlation per dataset and variant, in one line (``"n/a"``
    without pairs of runs).

    >>> sim = pd.DataFrame({"dataset": ["a", "a"], "variant": ["gradcam", "ecgradcam"], "mean_corr": [0.021, 0.834]})
    >>> similarity_values_text(sim, names={"a": "A"})
    'A gradcam 0.02; A ecgradcam 0.83'
    """
    if not len(similarity):
        return "n/a"
    return "; ".join(f"{names[r.dataset]} {r.variant} {r.mean_corr:.2f}" for r in similarity.itertuples())


def blocking_sentence(blocking: pd.DataFrame, *, names: Mapping[str, str]) -> str:
    """The page's sentence on wave blocking (:func:`blocking_text` for :func:`blocking_verdicts`).

    >>> b = pd.DataFrame({"dataset": ["d"], "target": ["qrs_ms"], "defining": ["qrs"], "worst": ["qrs"],
    ...                   "harm": [4.0], "agrees": [True]})
    >>> blocking_sentence(b, names={"d": "D"})
    'Targets with a defining wave for which blocking a defining wave hurt most: on the D, 1 of 1 (qrs_ms: QRS).'
    >>> blocking_sentence(b.iloc[:0], names={})
    'No target with a defining wave was blocked in this build.'
    """
    if not len(blocking):
        return "No target with a defining wave was blocked in this build."
    return ("Targets with a defining wave for which blocking a defining wave hurt most: "
            + blocking_text(blocking, names=names) + ".")


#: The sex sentence when no dataset of the build has both a delineation and sex.
NO_SEX_TEXT = "No dataset with delineation and sex in this build."
