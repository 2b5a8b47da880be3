"""The ECGradCAM chapter's verdicts: each claim of Hicks et al. as an :class:`ecgstudy.claims.Claim`,
decided by the study's one rule (:func:`ecgstudy.metrics.stats.claim_verdict`: agrees, contradicts,
not detected, not testable at this budget).

Intervals: Nadeau & Bengio's corrected resampled t over the runs (cross-validation folds, and seeds where a
fold has several) for values and for paired differences alike, because the folds share most of their training
data and so their estimates are not independent (the plain Student t over folds is too narrow; the ICLR chapter
does the same). The transfer runs all score one fixed test set (every LUDB record), so theirs add the variance of a
bootstrap over those patients (:mod:`~ecgstudy.studies.ecgradcam.fixed_test`); the paired bootstrap over records
(one per patient on LUDB) for the pooled out-of-fold logistic regressions. Verdicts about maps and
wave blocking read only networks that beat their trivial baseline
(:func:`~ecgstudy.studies.ecgradcam.health.map_runs`) and say how many; where none did, the claim
is not testable at this budget. The claims:

1. *A network measuring a target attends to the waves that define it* (:func:`region_claims`): the
   map mass in the target's defining region over the region's share of the beat, above 1.
2. *The maps show what the network measures* (:func:`similarity_claims`): the maps of networks
   measuring different targets differ (1 - their correlation above 0).
3. *Blocking the defining wave hurts most* (:func:`blocking_claims`): blocking the defining wave
   worsens the held-out metric more than blocking the most harmful other wave.
4. *The attention-derived R-wave downslope improves a sex classifier beyond QRS duration*
   (:func:`sex_feature_claim`): the AUC gain, against the paper's +0.08.
5. *A CNN classifies sex from median beats* (accuracy 0.89, AUC 0.96; :func:`sex_network_claims`),
   testable only where our networks reach the paper's level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecgstudy.claims import Claim
from ecgstudy.metrics.stats import Interval, claim_verdict, corrected_t_interval, t_interval
from ecgstudy.studies.ecgradcam.params import DATASET_NAMES
from ecgstudy.studies.ecgradcam.targets import WAVES, target_region



def defining_waves(target: str) -> tuple[str, ...]:
    """The waves (of ``"p"``, ``"qrs"``, ``"t"``) named by the fiducials of ``target``'s defining
    region (:func:`~ecgstudy.studies.ecgradcam.targets.target_region`); empty without a region.

    >>> defining_waves("qrs_ms"), defining_waves("qt_ms"), defining_waves("t_amp_V5_mV"), defining_waves("age")
    (('qrs',), ('qrs', 't'), ('t',), ())
    """
    names = {fid.split("_")[0] for part in target_region(target) for fid in part[:2]}
    return tuple(w for w in WAVES if w in names)


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
    'QRS duration 12 ms (bias +10'
    """
    from ecgstudy.labels import label
    from ecgstudy.studies.ecgradcam.baselines import PRIMARY_COMBINE
    from ecgstudy.studies.ecgradcam.targets import target_units

    prim = scores[scores["combine"] == PRIMARY_COMBINE].set_index("target")
    parts = [f"{label(t, unit=False)} {prim.loc[t, 'mae']:.3g} {target_units('ludb', t)} (bias {prim.loc[t, 'bias']:+.3g})"
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


#: The sex sentence when no dataset of the build has both a delineation and sex.
NO_SEX_TEXT = "No dataset with delineation and sex in this build."


# --- the claims at a glance (ecgstudy.claims.Claim, decided by the one rule) ---------------------------

#: The authors' training budget per network (paper-specs 3.5).
PAPER_EPOCHS = 100
#: The paper's sex CNN (paper-specs 3.7 row 1, unverified) and logistic regressions (rows 2-3).
PAPER_SEX_ACC, PAPER_SEX_AUC = 0.89, 0.96
PAPER_LR_QRS_AUC, PAPER_LR_ATTN_AUC = 0.72, 0.80
_QUALITATIVE = "qualitative (direction only)"
_INF = math.inf


@dataclass(frozen=True)
class Budget:
    """One dataset's training budget, as the claims state it.

    Attributes:
        name: the dataset's name on the page. epochs: our epochs per run (the cap of a validation-driven run).
        seconds_per_epoch: the median measured training time per epoch of its runs (CPU, 2 threads). runs: its
        runs per target. capped: how many of its runs were validation-driven and ended at the cap, ``None`` when
        they trained a fixed budget.
    """

    name: str
    epochs: int
    seconds_per_epoch: float
    runs: int
    capped: int | None = None

    def text(self) -> str:
        """``"30 epochs per run (the paper: 100); 3.2 s per epoch here"``.

        >>> Budget("LUDB", 30, 3.24, 5).text()
        '30 epochs per run (the paper: 100); 3.2 s per epoch here'
        >>> Budget("LUDB", 300, 3.24, 5, capped=0).text()
        'at most 300 epochs per run, ended by the validation loss (the paper: 100 fixed); 3.2 s per epoch here'
        """
        per = f"; {self.seconds_per_epoch:.2g} s per epoch here" if self.seconds_per_epoch == self.seconds_per_epoch \
            else ""
        if self.capped is not None:
            return f"at most {self.epochs} epochs per run, ended by the validation loss (the paper: {PAPER_EPOCHS} " \
                   f"fixed){per}"
        return f"{self.epochs} epochs per run (the paper: {PAPER_EPOCHS}){per}"

    def needed(self) -> str:
        """The CPU time the paper's epochs would take for this dataset's runs of one target; for runs that
        validation stopped before their cap, what more epochs cannot give.

        >>> Budget("LUDB", 30, 3.24, 5).needed()
        "the paper's 100 epochs: 70 more per run, about 0.45 h of CPU for 5 runs at 3.2 s per epoch"
        >>> Budget("LUDB", 300, 3.24, 5, capped=0).needed()
        'more training records (these runs stopped when their validation loss stopped falling: more epochs would not help)'
        """
        if self.capped == 0:
            return ("more training records (these runs stopped when their validation loss stopped falling: more "
                    "epochs would not help)")
        if self.capped:
            return f"a longer budget for the {self.capped} run(s) that ended at the {self.epochs}-epoch cap"
        more = max(PAPER_EPOCHS - self.epochs, 0)
        if self.seconds_per_epoch != self.seconds_per_epoch:
            return f"the paper's {PAPER_EPOCHS} epochs ({more} more per run)"
        hours = PAPER_EPOCHS * self.seconds_per_epoch * self.runs / 3600
        return (f"the paper's {PAPER_EPOCHS} epochs: {more} more per run, about {hours:.2g} h of CPU for "
                f"{self.runs} runs at {self.seconds_per_epoch:.2g} s per epoch")


def budgets(table: pd.DataFrame, epochs: Mapping[str, int], *, names: Mapping[str, str]) -> dict[str, Budget]:
    """Per dataset of ``table`` (:func:`~ecgstudy.studies.ecgradcam.tables.run_table`), its
    :class:`Budget`: ``epochs[dataset]`` (the cap), the median of ``train_seconds`` over the epochs each run
    trained (its ``epochs_run`` where the table has it, else the cap), and its largest number of runs per target.

    >>> t = pd.DataFrame({"dataset": ["d"] * 3, "target": ["a", "a", "b"], "train_seconds": [30.0, 40.0, 50.0]})
    >>> budgets(t, {"d": 10}, names={"d": "D"})["d"]
    Budget(name='D', epochs=10, seconds_per_epoch=4.0, runs=2, capped=None)
    >>> budgets(t.assign(epochs_run=[3, 4, 5]), {"d": 10}, names={"d": "D"})["d"].seconds_per_epoch
    10.0
    """
    out = {}
    for ds, part in (table.groupby("dataset", sort=False) if len(table) else []):
        e = int(epochs.get(ds, 0)) or 1
        ran = part["epochs_run"].to_numpy(dtype=np.float64) if "epochs_run" in part else np.full(len(part), np.nan)
        ran = np.where(np.isfinite(ran), ran, e)
        per = float(np.median(part["train_seconds"].to_numpy(dtype=np.float64) / ran))
        runs = int(part.groupby("target").size().max())
        ended = part["stopped_by"] if "stopped_by" in part else pd.Series(["fixed budget"] * len(part))
        capped = None if (ended == "fixed budget").all() else int((ended == "epoch_cap").sum())
        out[ds] = Budget(names.get(ds, ds), int(epochs.get(ds, 0)), per, runs, capped)
    return out


def _change_text(verdict: str) -> str:
    """What would change a testable claim's verdict, by its verdict."""
    return {"agrees": "an interval reaching the other side of the null with more runs (folds, seeds)",
            "contradicts": "an interval that holds the paper's effect with more runs (folds, seeds)",
            "not detected": "more runs (folds, seeds), to narrow an interval that holds no effect"}.get(
        verdict, "")


def _claim(key: str, text: str, ours: Interval, *, data: str, budget: str, paper_value: float = _INF,
           null: float = 0.0, kind: str = "direction", testable: bool = True, would_change: str = "",
           paper_text: str = _QUALITATIVE, numbers: tuple[str, ...] = (), digits: int = 3) -> Claim:
    """A :class:`~ecgstudy.claims.Claim` whose ``would_change`` defaults to :func:`_change_text`."""
    verdict = claim_verdict(ours.low, ours.high, paper_effect=paper_value, null=null, testable=testable, kind=kind)
    return Claim(key=key, claim=text, paper_value=paper_value, ours=ours, data=data, budget=budget, kind=kind,
                 null=null, testable=testable, would_change=would_change or _change_text(verdict),
                 paper_text=paper_text, numbers=numbers, digits=digits)


def _none(method: str) -> Interval:
    return Interval(math.nan, math.nan, math.nan, 0, 0.95, method)


def _not_learned_claim(key: str, text: str, ds: str, targets: list[str], n_targets: int,
                       budget: Budget | None) -> Claim:
    """The one not-testable row of a dataset whose networks (of ``targets``) did not beat their baseline."""
    need = budget.needed() if budget else f"the paper's {PAPER_EPOCHS} epochs"
    name = budget.name if budget else ds
    return _claim(key, text, _none("no network that beat its baseline"),
                  data=f"{name}: networks of {', '.join(targets)} did not beat their baseline "
                       f"({n_targets - len(targets)} of {n_targets} targets did)",
                  budget=budget.text() if budget else "", testable=False,
                  would_change=f"networks that learn their target: {need}")


def region_claims(table: pd.DataFrame, counted: set[str], *, budgets: Mapping[str, Budget],
                  learned: Mapping[tuple[str, str], bool], variant: str = "ecgradcam",
                  layer: str = "last_add", fixed: Mapping | None = None) -> list[Claim]:
    """Claim 1, *a network measuring a target attends to the waves that define it*, per dataset and
    target with a defining region, for the authors' ECGradCAM: the map's mass in the region over
    the region's share of the beat (``ratio``; 1 = no preference), the corrected resampled t over the runs in
    ``counted`` (:func:`~ecgstudy.studies.ecgradcam.health.map_runs`); the paper's claim is a
    direction (ratio above 1). Targets whose networks did not learn form one not-testable row per dataset.
    ``fixed``: per dataset whose runs share one test set, its
    :class:`~ecgstudy.studies.ecgradcam.fixed_test.FixedTestSet` (the test patients' variance is added).
    """
    from ecgstudy.studies.ecgradcam.targets import describe_region

    out = []
    col = f"ratio.{variant}.{layer}"
    if not len(table) or col not in table:
        return out
    for ds, dpart in table.groupby("dataset", sort=False):
        b = budgets.get(ds)
        scored = [t for t in dict.fromkeys(dpart["target"]) if target_region(t)  # without delineation: no ratio
                  and dpart.loc[dpart["target"] == t, col].notna().any()]
        failed = [t for t in scored if not learned.get((ds, t), False)]
        for target in scored:
            if target in failed:
                continue
            part = dpart[dpart["target"] == target]
            use = part[part["run_id"].isin(counted)]
            fx = (fixed or {}).get(ds)
            ids = [str(r) for r in use["run_id"]]
            values = use[col].to_numpy(dtype=np.float64)
            ours = _fixed_interval(fx, values, ids, [fx.ratio(r) for r in ids] if fx else []) \
                or _fold_interval(values, use)
            out.append(_claim(
                f"ecgradcam.region.{ds}.{target}",
                f"The {target} network's ECGradCAM map favours the defining region {describe_region(target_region(target))} "
                f"(mass / share of the beat > 1)",
                ours, null=1.0, data=f"{b.name if b else ds}, {len(use)} of {len(part)} runs that beat their baseline",
                budget=b.text() if b else "", testable=len(use) >= 2))
        if failed:
            out.append(_not_learned_claim(f"ecgradcam.region.{ds}.not_learned",
                                          "A network's ECGradCAM map favours its target's defining region",
                                          ds, failed, len(scored), b))
    return out


def fold_similarity(pairs: pd.DataFrame, counted: set[str] | None = None) -> pd.DataFrame:
    """Per dataset, variant, fold and seed, the mean cross-target map correlation over the pairs of
    :func:`~ecgstudy.studies.ecgradcam.tables.cross_target_pairs` whose two runs are both in
    ``counted`` (all pairs when None): ``dataset, variant, fold, seed, pairs, corr``.

    >>> p = pd.DataFrame({"dataset": "d", "variant": "v", "fold": [0, 0, 1], "seed": 0, "run_a": ["a", "a", "c"],
    ...                   "run_b": ["b", "x", "d"], "corr": [0.5, 0.9, 0.7]})
    >>> fold_similarity(p, {"a", "b", "c", "d"})["corr"].tolist()
    [0.5, 0.7]
    """
    cols = ["dataset", "variant", "fold", "seed", "pairs", "corr"]
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    use = pairs if counted is None else pairs[pairs["run_a"].isin(counted) & pairs["run_b"].isin(counted)]
    if not len(use):
        return pd.DataFrame(columns=cols)
    g = use.groupby(["dataset", "variant", "fold", "seed"], sort=False)["corr"]
    return g.agg(pairs="size", corr="mean").reset_index()[cols]


def similarity_claims(pairs: pd.DataFrame, counted: set[str], *, budgets: Mapping[str, Budget],
                      datasets: list[str], variant: str = "ecgradcam",
                      units: Mapping[str, tuple[int, int]] | None = None, fixed: Mapping | None = None
                      ) -> list[Claim]:
    """Claim 2, *the maps show what the network measures*, per dataset: maps of networks measuring
    different targets should differ. Ours: ``1 - r``, one minus the mean correlation of one
    record's maps between two targets' networks (same fold and seed, both in ``counted``), per fold,
    with the corrected resampled t over folds (``units``: per dataset, training and test records of a fold,
    :func:`dataset_units`; the plain Student t without them; with the test patients' variance added where
    ``fixed`` holds the dataset's one test set); 0 = the same map whatever the target. The
    paper's claim is a direction (``1 - r > 0``). A dataset without two counted networks per fold is not
    testable."""
    folds = fold_similarity(pairs[pairs["variant"] == variant] if len(pairs) else pairs, counted)
    out = []
    for ds in datasets:
        b = budgets.get(ds)
        part = folds[folds["dataset"] == ds] if len(folds) else folds
        text = "Maps of networks measuring different targets differ (1 - cross-target map correlation > 0)"
        if len(part) < 2:
            out.append(_claim(f"ecgradcam.maps_differ.{ds}", text, _none("fewer than 2 folds with 2 networks that "
                                                                           "beat their baseline"),
                              data=f"{b.name if b else ds}: ECGradCAM, pairs of networks that beat their baseline",
                              budget=b.text() if b else "", testable=False,
                              would_change=f"two targets' networks that learn, per fold: "
                                           f"{b.needed() if b else 'more training'}"))
            continue
        ours = dissimilarity_interval(part, pairs, counted, variant=variant, units=units, fixed=fixed)
        out.append(_claim(f"ecgradcam.maps_differ.{ds}", text, ours,
                          data=f"{b.name if b else ds}: ECGradCAM, {int(part['pairs'].sum())} pairs of networks that "
                               f"beat their baseline, mean r {1 - ours.estimate:.2f}",
                          budget=b.text() if b else ""))
    return out


def dissimilarity_interval(folds: pd.DataFrame, pairs: pd.DataFrame, counted: set[str], *, variant: str,
                           units: Mapping[str, tuple[int, int]] | None = None, fixed: Mapping | None = None
                           ) -> Interval:
    """The mean over ``folds`` (:func:`fold_similarity` rows of one dataset) of ``1 - r`` with its interval: the
    fixed-test interval where ``fixed`` holds the dataset's one test set and every pair has its maps, else the
    corrected resampled t where ``units`` gives the dataset's training and test records per fold, else Student t.

    >>> f = pd.DataFrame({"dataset": "d", "variant": "v", "fold": [0, 1], "seed": 0, "pairs": 1, "corr": [0.6, 0.8]})
    >>> round(dissimilarity_interval(f, f.iloc[:0], set(), variant="v").estimate, 3)
    0.3
    """
    ds = str(folds["dataset"].iloc[0]) if len(folds) else ""
    values = 1.0 - folds["corr"].to_numpy(dtype=np.float64)
    fx = (fixed or {}).get(ds)
    fixed_ci = _similarity_fixed(fx, pairs, counted, folds, variant) if fx is not None else None
    if fixed_ci is not None:
        return fixed_ci
    if units and ds in units:
        return corrected_t_interval(values, n_train=units[ds][0], n_test=units[ds][1])
    r = t_interval(values)
    return Interval(r.estimate, r.low, r.high, r.n, r.level, f"Student t over {r.n} folds")


def _similarity_fixed(fx, pairs: pd.DataFrame, counted: set[str], folds: pd.DataFrame, variant: str
                      ) -> Interval | None:
    """The fixed-test interval of ``1 - r`` over ``folds`` (:func:`fold_similarity` rows of one dataset): each fold's
    value is the mean over its counted pairs of their per-record map correlation."""
    use = pairs[(pairs["variant"] == variant) & (pairs["dataset"] == fx.dataset) & pairs["run_a"].isin(counted)
                & pairs["run_b"].isin(counted)]
    units, runs = [], []
    for r in folds.itertuples():
        here = use[(use["fold"] == r.fold) & (use["seed"] == r.seed)]
        scores = [fx.map_correlation(a, b, variant) for a, b in zip(here["run_a"], here["run_b"])]
        if not scores or any(sc is None for sc in scores):
            return None
        units.append(scores)
        runs += [*here["run_a"], *here["run_b"]]
    return fx.interval(1.0 - folds["corr"].to_numpy(dtype=np.float64), units, sorted(set(runs)),
                       transform=lambda m: 1.0 - m)


def wave_harm(table: pd.DataFrame) -> pd.DataFrame:
    """Per run and wave, how much blocking the wave worsened the held-out metric (``harm``: MAE up,
    or accuracy down for sex; NaN where not measured): ``dataset, target, run_id, fold, seed,
    n_train, n_test, wave, harm``.

    >>> t = pd.DataFrame({"dataset": ["d"], "target": ["sex"], "task": ["binary"], "run_id": ["a"], "fold": [0],
    ...     "seed": [0], "n_train": [8], "n_test": [2], "block.qrs.delta_accuracy": [-0.25]})
    >>> wave_harm(t)[["wave", "harm"]].to_dict(orient="list")
    {'wave': ['p', 'qrs', 't'], 'harm': [nan, 0.25, nan]}
    """
    rows = []
    for _, r in (table.iterrows() if len(table) else []):
        binary = r["task"] == "binary"
        metric = "accuracy" if binary else "mae"
        for w in WAVES:
            v = float(r.get(f"block.{w}.delta_{metric}", np.nan))
            rows.append({**{k: r[k] for k in ("dataset", "target", "run_id", "fold", "seed", "n_train", "n_test")},
                         "wave": w, "harm": -v if binary else v})
    return pd.DataFrame(rows, columns=["dataset", "target", "run_id", "fold", "seed", "n_train", "n_test", "wave",
                                       "harm"])


def _units(harm: pd.DataFrame) -> tuple[int, int]:
    """Mean training and test records of the runs of ``harm`` (each LUDB record is a patient;
    PTB-XL's 1,819 records come from 1,796)."""
    return max(int(round(harm["n_train"].mean())), 1), max(int(round(harm["n_test"].mean())), 1)


def dataset_units(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per dataset of the run table, the mean training and test records of its runs (:func:`_units`)."""
    if not len(table) or "n_train" not in table:
        return {}
    return {ds: _units(part) for ds, part in table.groupby("dataset", sort=False)}


def _paired_runs(harm: pd.DataFrame, a: str, b: str) -> tuple[np.ndarray, list[str]]:
    """Per run with both, harm of wave ``a`` minus harm of wave ``b``, and the run id of each difference."""
    w = harm.pivot_table(index="run_id", columns="wave", values="harm")
    if a not in w or b not in w:
        return np.array([]), []
    d = (w[a] - w[b])
    d = d[np.isfinite(d.to_numpy(dtype=np.float64))]
    return d.to_numpy(dtype=np.float64), [str(r) for r in d.index]


def _fixed_interval(fixed, values: np.ndarray, run_ids: list[str], scores: list) -> Interval | None:
    """The fixed-test interval (:meth:`~ecgstudy.studies.ecgradcam.fixed_test.FixedTestSet.interval`) when every
    run has its per-record scores, else ``None``."""
    if fixed is None or not len(values) or any(sc is None for sc in scores):
        return None
    return fixed.interval(values, [[sc] for sc in scores], run_ids)


def _difference(a, b):
    """Per-record scores ``a - b`` of one run (same records)."""
    return None if a is None or b is None else (a[0], a[1] - b[1])


def _fold_interval(values: np.ndarray, runs: pd.DataFrame) -> Interval:
    """The mean of one value per run (``runs``: their rows, with ``n_train`` / ``n_test``) with the corrected
    resampled t interval (:func:`~ecgstudy.metrics.stats.corrected_t_interval`; folds share training data)."""
    if not len(runs):
        return _none("no run")
    n_train, n_test = _units(runs)
    return corrected_t_interval(values, n_train=n_train, n_test=n_test)


def wave_table(harm: pd.DataFrame, fixed: Mapping | None = None) -> pd.DataFrame:
    """Per dataset, target and wave: ``defining`` (a wave of :func:`defining_waves`), ``runs`` and the
    mean ``harm`` of blocking it with its corrected resampled t interval over runs (``low``, ``high``;
    :func:`_fold_interval`; the runs' ``n_train`` / ``n_test``, else the plain Student t; the test patients'
    variance added for a dataset in ``fixed``).

    >>> h = pd.DataFrame({"dataset": "d", "target": "qrs_ms", "run_id": ["a", "b", "a", "b"], "n_train": 160,
    ...                   "n_test": 40, "wave": ["qrs", "qrs", "p", "p"], "harm": [2.0, 4.0, 0.0, 1.0]})
    >>> wave_table(h)[["wave", "defining", "harm"]].values.tolist()
    [['qrs', True, 3.0], ['p', False, 0.5]]
    """
    rows = []
    for (ds, target, wave), part in (harm.groupby(["dataset", "target", "wave"], sort=False) if len(harm) else []):
        values = part["harm"].to_numpy(dtype=np.float64)
        ok = np.isfinite(values)
        fx = (fixed or {}).get(ds)
        ids = [str(r) for r in part.loc[ok, "run_id"]]
        ci = _fixed_interval(fx, values[ok], ids, [fx.harm(r, wave) for r in ids] if fx else []) \
            or (_fold_interval(values[ok], part[ok]) if "n_train" in part else t_interval(values))
        if ci.n == 0:
            continue
        rows.append({"dataset": ds, "target": target, "wave": wave, "defining": wave in defining_waves(target),
                     "runs": ci.n, "harm": ci.estimate, "low": ci.low, "high": ci.high})
    return pd.DataFrame(rows, columns=["dataset", "target", "wave", "defining", "runs", "harm", "low", "high"])


def worst_vs_next(harm: pd.DataFrame, fixed: Mapping | None = None) -> pd.DataFrame:
    """Per dataset and target, the two waves whose blocking hurt most on average (``worst``,
    ``next``) and the paired difference of their harm over runs with Nadeau & Bengio's corrected t
    interval (folds share training data; ``n_train``/``n_test`` in records, one per patient on
    LUDB; the test patients' variance added for a dataset in ``fixed``): ``difference, low, high`` and
    ``distinguishable`` (the interval excludes 0)."""
    rows = []
    for (ds, target), part in (harm.groupby(["dataset", "target"], sort=False) if len(harm) else []):
        means = part.groupby("wave")["harm"].mean().dropna().sort_values(ascending=False)
        if len(means) < 2:
            continue
        worst, nxt = means.index[0], means.index[1]
        d, ids = _paired_runs(part, worst, nxt)
        n_train, n_test = _units(part)
        fx = (fixed or {}).get(ds)
        ci = _fixed_interval(fx, d, ids, [_difference(fx.harm(r, worst), fx.harm(r, nxt)) for r in ids] if fx else []) \
            or (corrected_t_interval(d, n_train=n_train, n_test=n_test) if len(d) else _none(""))
        rows.append({"dataset": ds, "target": target, "worst": worst, "next": nxt, "runs": ci.n,
                     "difference": ci.estimate, "low": ci.low, "high": ci.high,
                     "distinguishable": bool(ci.low > 0) if ci.low == ci.low else False})
    return pd.DataFrame(rows, columns=["dataset", "target", "worst", "next", "runs", "difference", "low", "high",
                                       "distinguishable"])


def blocking_claims(harm: pd.DataFrame, counted: set[str], *, budgets: Mapping[str, Budget],
                    learned: Mapping[tuple[str, str], bool], fixed: Mapping | None = None) -> list[Claim]:
    """Claim 3, *blocking the defining wave hurts most*, per dataset and target with a defining
    wave whose networks learned: the harm of blocking its most harmful defining wave minus that of
    the most harmful other wave (both chosen by their mean over runs), paired over the ``counted``
    runs, with Nadeau & Bengio's corrected t interval (the test patients' variance added for a dataset in
    ``fixed``, whose runs share one test set). The paper's claim is a direction (> 0).
    Targets whose networks did not learn form one not-testable row per dataset."""
    out = []
    for ds, dpart in (harm.groupby("dataset", sort=False) if len(harm) else []):
        b = budgets.get(ds)
        scored = [t for t in dict.fromkeys(dpart["target"]) if defining_waves(t)
                  and dpart.loc[dpart["target"] == t, "harm"].notna().any()]
        failed = [t for t in scored if not learned.get((ds, t), False)]
        for target in scored:
            if target in failed:
                continue
            part = dpart[(dpart["target"] == target) & dpart["run_id"].isin(counted)]
            means = part.groupby("wave")["harm"].mean().dropna()
            mine, other = [w for w in means.index if w in defining_waves(target)], \
                [w for w in means.index if w not in defining_waves(target)]
            if not mine or not other:
                continue
            a, o = max(mine, key=means.get), max(other, key=means.get)
            d, ids = _paired_runs(part, a, o)
            n_train, n_test = _units(part)
            fx = (fixed or {}).get(ds)
            ours = _fixed_interval(fx, d, ids, [_difference(fx.harm(r, a), fx.harm(r, o)) for r in ids] if fx else []) \
                or (corrected_t_interval(d, n_train=n_train, n_test=n_test) if len(d) else _none(""))
            out.append(_claim(
                f"ecgradcam.blocking.{ds}.{target}",
                f"Blocking the {target} network's defining wave ({a.upper()}) hurts more than blocking "
                f"the {o.upper()} wave",
                ours, data=f"{b.name if b else ds}, {len(d)} runs that beat their baseline; harm in the target's units "
                           f"({'accuracy' if target == 'sex' else 'MAE'})",
                budget=b.text() if b else "", testable=len(d) >= 2))
        if failed:
            out.append(_not_learned_claim(f"ecgradcam.blocking.{ds}.not_learned",
                                          "Blocking a network's defining wave hurts most", ds, failed, len(scored), b))
    return out


def sex_feature_claim(result: dict | None, *, name: str) -> list[Claim]:
    """Claim 4, *the attention-derived R-wave downslope improves a sex classifier beyond QRS
    duration*: the AUC change of the logistic regression with the downslope features over QRS
    duration alone, pooled out-of-fold predictions, with the paired bootstrap over records (each a
    patient on LUDB), against the paper's gain (0.80 - 0.72, unverified). No network is trained:
    testable at any budget. ``[]`` without the experiment."""
    if result is None:
        return []
    c = result["comparison"]["auc_diff"]
    ours = Interval(float(c["estimate"]), float(c["low"]), float(c["high"]), int(result["n"]), 0.95,
                    f"paired bootstrap over {result['n']} records (patients)")
    gain = PAPER_LR_ATTN_AUC - PAPER_LR_QRS_AUC
    return [_claim("ecgradcam.sex_feature.auc_gain",
                   "The R-wave downslope (pointed at by the sex maps) improves a sex classifier's AUC beyond QRS "
                   "duration", ours, paper_value=gain, paper_text=f"{gain:+.2f} ({PAPER_LR_QRS_AUC:.2f} to "
                                                                  f"{PAPER_LR_ATTN_AUC:.2f})",
                   data=f"{name}, {result['n']} records, logistic regression, {result['folds']}-fold CV (lead V5)",
                   budget="no network (logistic regression)",
                   would_change=f"more records (the paper's cohort is private): the paper's {gain:+.2f} lies "
                                f"{'above' if gain > ours.high else 'below' if gain < ours.low else 'inside'} "
                                f"this interval",
                   numbers=("ecgradcam.sex_lr_attn.auc", "ecgradcam.sex_lr_qrs.auc"))]


def sex_network_claims(table: pd.DataFrame, *, budgets: Mapping[str, Budget],
                       learned: Mapping[tuple[str, str], bool] | None = None) -> list[Claim]:
    """The paper's sex CNN (accuracy 0.89, AUC 0.96; unverified, private cohort) as value claims per
    dataset with sex runs: the corrected resampled t over folds of each run's held-out value (``metrics.json``:
    computed before saving, so saturated stored probabilities do not matter), against the trivial
    baseline (the majority class's accuracy; AUC 0.5). Testable only where our networks learned
    (``learned``, :func:`learned_targets`; all when None) and reach the paper's level
    (:func:`~ecgstudy.claims.budget_reached` on the AUC)."""
    from ecgstudy.claims import budget_reached

    out = []
    sex = table[table["target"] == "sex"] if len(table) else table
    for ds, part in (sex.groupby("dataset", sort=False) if len(sex) else []):
        b = budgets.get(ds)
        auc = _fold_interval(part["auc"].to_numpy(dtype=np.float64), part)
        learnt = learned is None or bool(learned.get((ds, "sex"), False))
        reached = learnt and budget_reached(auc, PAPER_SEX_AUC)
        why = (f"AUC upper end {auc.high:.3f} < {PAPER_SEX_AUC}" if learnt else
               "our networks do not beat the majority class")
        need = f"networks at the paper's level ({why}): {b.needed() if b else 'more training'}, and a cohort like " \
               "the paper's"
        name = b.name if b else ds
        acc = _fold_interval(part["accuracy"].to_numpy(dtype=np.float64), part)
        base = float(part["baseline_accuracy"].mean())
        for metric, ours, paper, null, key in (("accuracy", acc.within(0, 1), PAPER_SEX_ACC, base, "ecgradcam.sex.acc"),
                                               ("AUC", auc.within(0, 1), PAPER_SEX_AUC, 0.5, "ecgradcam.sex.auc")):
            out.append(_claim(f"ecgradcam.sex_network.{ds}.{metric.lower()}",
                              f"A CNN on median beats classifies sex: {metric}", ours, kind="value",
                              paper_value=paper, paper_text=f"{paper:.2f}", null=null, testable=reached,
                              data=f"{name}, {ours.n} folds (baseline {null:.3f})", budget=b.text() if b else "",
                              would_change="" if reached else need, numbers=(key,)))
    return out


def verdict_counts_text(claims: list[Claim]) -> str:
    """The opening sentence's count of verdicts.

    >>> c = Claim("k", "c", 0.1, Interval(0.2, 0.1, 0.3, 5, 0.95, "t"), "d", "b")
    >>> verdict_counts_text([c, c])
    '2 claims tested: 2 agree, 0 contradict, 0 not detected, 0 not testable at this budget'
    """
    from ecgstudy.claims import verdict_counts

    n = verdict_counts([{"verdict": c.verdict} for c in claims])
    return (f"{len(claims)} claims tested: {n['agrees']} agree, {n['contradicts']} contradict, "
            f"{n['not detected']} not detected, {n['not testable at this budget']} not testable at this budget")
