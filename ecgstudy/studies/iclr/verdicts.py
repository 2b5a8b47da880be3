"""The ICLR chapter's claims: each claim of Hu et al. (and the chapter's own leakage question) as an
:class:`ecgstudy.claims.Claim`, whose verdict follows the one rule of :func:`ecgstudy.metrics.stats.claim_verdict`.

Intervals: every mean over the fold x seed runs of a cross-validation uses the corrected resampled t
interval (:func:`~ecgstudy.metrics.stats.corrected_t_interval`; folds share training data), paired over the
folds and seeds two methods share (the cascaded model's overfitting against the classifier's among them); the
segment-wise vs grouped leakage compares two independent sets of cross-validation runs with Welch's t, each
side's variance corrected likewise (:func:`~ecgstudy.metrics.stats.corrected_welch_interval`). Testability: a claim that compares trained models or quotes their values is
testable only when the classifier alone at our budget reaches the paper's accuracy
(:func:`ecgstudy.claims.budget_reached`); :class:`Budget` says what the paper's budget would cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecgstudy.claims import Claim, budget_reached
from ecgstudy.metrics.stats import Interval, corrected_t_interval, corrected_welch_interval, welch_t_interval
from ecgstudy.studies.iclr.tables import SPLIT_WORDS, fold_units, learned, paired_values

#: The paper's budget (paper-specs 2.4): Adam at 1e-5 for 120 epochs.
PAPER_EPOCHS, PAPER_LR = 120, 1e-5

#: The paper's grade ratio (percent of 100 after-attention signals of its private data).
PAPER_GRADES = {"I": 50, "II": 27, "III": 23}

_SHORT = {"classifier": "the classifier alone", "cascaded": "the cascaded model", "max": "ReLU + max pooling",
          "l2": "L2 pooling", "majority": "the majority class"}
_METRIC = {"accuracy": "accuracy", "auc": "AUC", "balanced_accuracy": "balanced accuracy",
           "sensitivity": "sensitivity", "specificity": "specificity"}
_KEY = {"accuracy": "acc", "auc": "auc", "sensitivity": "sens", "specificity": "spec"}


def lr_text(lr: float) -> str:
    """A learning rate as the page writes it.

    >>> lr_text(3e-4), lr_text(1e-3), lr_text(2.5e-5)
    ('3e-4', '1e-3', '2.5e-5')
    """
    mantissa, exponent = f"{lr:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


@dataclass(frozen=True)
class Budget:
    """Our training budget beside the paper's, and whether it reaches the paper's level.

    Attributes:
        epochs, lr, schedule: our runs' budget (``epochs``: the cap of a validation-driven run).
        reference: the classifier alone's segment-wise accuracy at our budget (the reference model).
        paper_reference: the paper's value of it (0.981).
        epoch_seconds: per method, the median measured training time of one epoch (s, 2 CPU cores).
        grid_runs: per method, how many runs the chapter's grid trains.
        patience: epochs without a lower inner-validation loss before a run stops (``None``: a fixed
            budget that keeps the last epoch).
        precision: ``"fp32"`` or ``"bf16"`` (autocast).
        kept_epoch: the median over runs of the epoch a run kept (NaN for a fixed budget).
        inner_folds: a run holds out ``1 / inner_folds`` of its training fold as inner validation.
    """

    epochs: int
    lr: float
    schedule: str
    reference: Interval
    paper_reference: float
    epoch_seconds: dict[str, float]
    grid_runs: dict[str, int]
    patience: int | None = None
    precision: str = "fp32"
    kept_epoch: float = math.nan
    inner_folds: int = 0

    @property
    def reached(self) -> bool:
        """Whether the classifier alone reaches the paper's accuracy (:func:`budget_reached`)."""
        return budget_reached(self.reference, self.paper_reference)

    @property
    def validation_driven(self) -> bool:
        """Whether the runs keep the epoch of the lowest inner-validation loss and stop by patience."""
        return self.patience is not None

    def ours(self) -> str:
        """``"3 epochs at lr 0.001 (cosine)"``, or for validation-driven runs ``"validation-driven: cap 50 epochs,
        patience 8, lr 3e-4 constant, bf16; median kept epoch 14"``."""
        if not self.validation_driven:
            return f"{self.epochs} epochs at lr {self.lr:g} ({self.schedule})"
        kept = "n/a" if self.kept_epoch != self.kept_epoch else f"{self.kept_epoch:g}"
        return (f"validation-driven: cap {self.epochs} epochs, patience {self.patience}, lr {lr_text(self.lr)} "
                f"{self.schedule}, {self.precision}; median kept epoch {kept}")

    def text(self) -> str:
        """``"3 epochs at lr 0.001 (cosine); paper 120 at 1e-05"``."""
        return f"{self.ours()}; paper {PAPER_EPOCHS} at {PAPER_LR:g}"

    def span(self) -> str:
        """How long the runs trained, for the page's first sentence: ``"for 3 epochs"``, or ``"for up to 50
        epochs, stopped by their validation loss, keeping epoch 14 at the median"``."""
        if not self.validation_driven:
            return f"for {self.epochs} epochs"
        kept = "n/a" if self.kept_epoch != self.kept_epoch else f"{self.kept_epoch:g}"
        return f"for up to {self.epochs} epochs, stopped by their validation loss, keeping epoch {kept} at the median"

    def selection(self) -> str:
        """Which weights a run evaluates on its held-out fold, in words for the page."""
        if not self.validation_driven:
            return "the model of the last epoch is evaluated on the held-out fold, as in the paper"
        share = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth"}.get(self.inner_folds,
                                                                            f"1/{self.inner_folds}")
        return (f"{share} of each training fold (by the split's unit) is held out as inner validation, and the "
                f"epoch of the lowest validation loss is evaluated on the held-out fold; a run stops after "
                f"{self.patience} epochs without a lower one, at {self.epochs} at most (the paper evaluates the last "
                f"of 120 epochs and has no validation set)")

    def paper_cost_hours(self) -> tuple[float, float]:
        """CPU-hours of one U-Net run and of the whole grid at the paper's 120 epochs, from the measured
        time per epoch (NaN when nothing was measured)."""
        unet = [v for m, v in self.epoch_seconds.items() if m != "classifier" and v == v]
        per_run = PAPER_EPOCHS * max(unet) / 3600 if unet else math.nan
        grid = sum(PAPER_EPOCHS * self.epoch_seconds.get(m, math.nan) * n for m, n in self.grid_runs.items()) / 3600
        return per_run, grid

    def would_change(self) -> str:
        """What would make a budget-bound claim testable, with its cost."""
        per_run, grid = self.paper_cost_hours()
        unet = max((v for m, v in self.epoch_seconds.items() if m != "classifier" and v == v), default=math.nan)
        return (f"{PAPER_EPOCHS} epochs at {PAPER_LR:g} (or a budget where the classifier alone reaches "
                f"{self.paper_reference:.3f}): {per_run:.1f} CPU-h per U-Net run ({unet:.0f} s/epoch, 2 cores), "
                f"{grid:.0f} CPU-h for the {sum(self.grid_runs.values())}-run grid")


def _most_common(table: pd.DataFrame, column: str, fallback):
    """The value of ``column`` most runs share (``None`` when every run's is missing); ``fallback`` when the
    table has no such column or no rows."""
    if not len(table) or column not in table:
        return fallback
    values = table[column].dropna()
    return values.value_counts().index[0] if len(values) else None


def chapter_budget(table: pd.DataFrame, *, kernel_size: int, paper_reference: float, epochs: int | None = None,
                   lr: float | None = None, schedule: str | None = None, patience: int | None = None,
                   precision: str = "fp32", inner_folds: int = 0) -> Budget:
    """The chapter's :class:`Budget` from its run table (:func:`~ecgstudy.studies.iclr.tables.run_table`):
    the budget parameters most runs share (columns ``epochs, lr, lr_schedule, patience, precision,
    inner_folds``; the keyword values where the table has none, e.g. no run yet), the median kept epoch
    (``best_epoch``), and the time per epoch trained (``last_epoch`` where the run stopped early, else
    ``epochs``)."""
    seg = _runs(table, "classifier", "segment", kernel_size)
    n_train, n_test = fold_units(table, "segment")
    reference = corrected_t_interval(seg["accuracy"].to_numpy(dtype=float), n_train=n_train, n_test=n_test) \
        if len(seg) else Interval(math.nan, math.nan, math.nan, 0, 0.95, "no runs")
    trained = table["epochs"].astype(float) if len(table) else pd.Series(dtype=float)
    if len(table) and "last_epoch" in table:
        trained = table["last_epoch"].astype(float).fillna(trained)
    per_epoch = (table["train_seconds"].astype(float) / trained) if len(table) else pd.Series()
    epoch_seconds = per_epoch.groupby(table["method"]).median().to_dict() if len(table) else {}
    grid_runs = table["method"].value_counts().to_dict() if len(table) else {}
    run_patience = _most_common(table, "patience", patience)
    kept = float(table["best_epoch"].astype(float).median()) if len(table) and "best_epoch" in table else math.nan
    return Budget(int(_most_common(table, "epochs", epochs)), float(_most_common(table, "lr", lr)),
                  str(_most_common(table, "lr_schedule", schedule)), reference, paper_reference,
                  {k: float(v) for k, v in epoch_seconds.items()}, {k: int(v) for k, v in grid_runs.items()},
                  patience=None if run_patience is None else int(run_patience),
                  precision=str(_most_common(table, "precision", precision)), kept_epoch=kept,
                  inner_folds=int(_most_common(table, "inner_folds", inner_folds) or 0))


def _runs(table: pd.DataFrame, method: str, split: str, kernel_size: int) -> pd.DataFrame:
    if not len(table):
        return table
    return table[(table["method"] == method) & (table["split"] == split) & (table["kernel_size"] == kernel_size)]


def _units(table: pd.DataFrame, split: str) -> str:
    n_train, n_test = fold_units(table, split)
    unit = "segments" if split == "segment" else f"segments of whole {split}s"
    return f"{SPLIT_WORDS[split]} 5-fold CV x seeds, n_train/n_test = {n_train}/{n_test} {unit}"


def _comparison(table: pd.DataFrame, *, a: str, b: str, metric: str, kernel_size: int, split: str = "segment"
                ) -> Interval:
    x, y = paired_values(table, a=a, b=b, metric=metric, split=split, kernel_size=kernel_size)
    n_train, n_test = fold_units(table, split)
    return corrected_t_interval(x - y, n_train=n_train, n_test=n_test)


def _budget_claim(budget: Budget, **fields) -> Claim:
    """A claim that depends on training: testable only when the budget reaches the paper's level."""
    return Claim(budget=budget.text(), testable=budget.reached,
                 would_change=fields.pop("would_change", "") or (
                     "a wider interval or more runs" if budget.reached else budget.would_change()), **fields)


def comparison_claims(table: pd.DataFrame, budget: Budget, *, kernel_size: int, paper: dict[str, float]
                      ) -> list[Claim]:
    """Claims (a)-(c): L2 pooling against the classifier alone (the paper's +0.007 accuracy, +0.005 AUC on
    MIT-BIH), ReLU + max against the classifier, L2 against ReLU + max (paper: L2 beats it, on private
    data), and L2 against the cascaded model and the majority class (paper: the proposed method beats every
    baseline; size not reported on MIT-BIH: direction only). Beating the majority class is about our models
    against a rule that needs no training, so it is testable at any budget."""
    data = f"MIT-BIH, {_units(table, 'segment')}"
    claims = []
    for metric in ("accuracy", "auc"):
        k = _KEY[metric]
        effect = paper[f"iclr.mitdb.l2.{k}"] - paper[f"iclr.mitdb.classifier.{k}"]
        claims.append(_budget_claim(
            budget, key=f"iclr.l2_vs_classifier.{metric}",
            claim=f"Joint learning (L2 pooling) beats the classifier alone in {_METRIC[metric]}",
            paper_value=effect, paper_text=f"{effect:+.3f} (0.988 - 0.981)" if metric == "accuracy"
            else f"{effect:+.3f} (0.993 - 0.988)",
            ours=_comparison(table, a="l2", b="classifier", metric=metric, kernel_size=kernel_size), data=data))
    pairs = [("max", "classifier", "ReLU + max pooling beats the classifier alone"),
             ("l2", "max", "L2 pooling beats ReLU + max pooling"),
             ("l2", "cascaded", "L2 pooling beats the cascaded model (same depth, no attention product)")]
    for a, b, text in pairs:
        for metric in ("accuracy", "auc"):
            claims.append(_budget_claim(
                budget, key=f"iclr.{a}_vs_{b}.{metric}", claim=f"{text} in {_METRIC[metric]}",
                paper_value=math.inf, paper_text="higher (size not reported on MIT-BIH)",
                ours=_comparison(table, a=a, b=b, metric=metric, kernel_size=kernel_size), data=data))
    for metric in ("accuracy", "balanced_accuracy"):
        # testable at any budget: whether our trained models beat a rule that needs no training
        claims.append(Claim(
            key=f"iclr.l2_vs_majority.{metric}",
            claim=f"L2 pooling beats the majority class (always PVC) in {_METRIC[metric]}",
            paper_value=math.inf, paper_text="higher (not reported)",
            ours=_comparison(table, a="l2", b="majority", metric=metric, kernel_size=kernel_size), data=data,
            budget=budget.ours(), would_change="an interval reaching 0 (more runs, or runs that learn less)"))
    return claims


def value_claims(table: pd.DataFrame, budget: Budget, *, kernel_size: int, paper: dict[str, float]) -> list[Claim]:
    """Claim (d): the paper's segment-wise MIT-BIH accuracy, AUC, sensitivity and specificity of the classifier
    alone and of L2 pooling, against our mean over runs (``kind="value"``; ``null``: what the majority class
    scores: its accuracy, AUC 0.5, sensitivity 1, specificity 0); the intervals are held to [0, 1]
    (:meth:`~ecgstudy.metrics.stats.Interval.within`)."""
    seg = table[(table["split"] == "segment") & (table["kernel_size"] == kernel_size)] if len(table) else table
    majority = float(seg["majority_accuracy"].mean()) if len(seg) and "majority_accuracy" in seg else math.nan
    nulls = {"accuracy": majority, "auc": 0.5, "sensitivity": 1.0, "specificity": 0.0}
    n_train, n_test = fold_units(table, "segment")
    claims = []
    for method in ("classifier", "l2"):
        runs = _runs(table, method, "segment", kernel_size)
        for metric, null in nulls.items():
            key = f"iclr.mitdb.{method}.{_KEY[metric]}"
            values = runs[metric].to_numpy(dtype=float) if len(runs) else np.zeros(0)
            claims.append(_budget_claim(
                budget, key=f"iclr.value.{method}.{_KEY[metric]}", kind="value", null=null, numbers=(key,),
                claim=f"{_SHORT[method].capitalize()}: {_METRIC[metric]} on MIT-BIH (PVC vs APB)",
                paper_value=paper[key], ours=corrected_t_interval(values, n_train=n_train, n_test=n_test).within(0, 1),
                data=f"MIT-BIH, {_units(table, 'segment')}; null = the majority class ({null:.3f})"))
    return claims


def overfitting_claim(curves: pd.DataFrame, budget: Budget, *, kernel_size: int,
                      units: tuple[int, int] | None = None) -> Claim:
    """Claim (e): *the cascaded model overfits* (paper Fig. 2, size not reported): the last-epoch gap
    held-out minus training loss, cascaded minus classifier, paired over the segment-wise folds and seeds both
    ran, with the corrected resampled t (``units``: ``(n_train, n_test)`` of a fold,
    :func:`~ecgstudy.studies.iclr.tables.fold_units`); without ``units``, or with runs that do not pair, Welch t
    over the two sets of runs."""
    gaps = {m: pd.Series(dtype=float) for m in ("cascaded", "classifier")}
    if len(curves):
        last = curves[(curves["kernel_size"] == kernel_size) & (curves["split"] == "segment")]
        last = last.sort_values("epoch").groupby(["method", "fold", "seed"]).tail(1)
        for m in gaps:
            part = last[last["method"] == m].set_index(["fold", "seed"])
            gaps[m] = (part["eval_loss"] - part["train_loss"]).astype(float)
    pairs = gaps["cascaded"].to_frame("a").join(gaps["classifier"].rename("b"), how="inner").dropna()
    if units is not None and len(pairs) >= 2:
        ours = corrected_t_interval((pairs["a"] - pairs["b"]).to_numpy(dtype=float), n_train=units[0],
                                    n_test=units[1])
    else:
        ours = welch_t_interval(gaps["cascaded"].to_numpy(dtype=float), gaps["classifier"].to_numpy(dtype=float))
    return _budget_claim(
        budget, key="iclr.cascaded_overfits",
        claim="The cascaded model overfits: a larger held-out minus training loss gap than the classifier alone",
        paper_value=math.inf, paper_text="larger (Fig. 2, private data; size not reported)",
        ours=ours, data="MIT-BIH, last-epoch loss gap, segment-wise runs",
        would_change=None if budget.reached else
        f"overfitting shows over many epochs: {budget.would_change()}")


def leakage_claims(table: pd.DataFrame, budget: Budget, *, kernel_size: int, split: str = "record") -> list[Claim]:
    """The chapter's own question (not the paper's): segment-wise folds, the paper's protocol, put segments of
    one patient on both sides, so folds by the grouped ``split`` (``"patient"``: no patient on both sides;
    ``"record"``: no record) should score lower. Grouped minus segment-wise accuracy per method, over the two
    independent sets of runs with the corrected Welch t (each set's folds share training data:
    :func:`~ecgstudy.metrics.stats.corrected_welch_interval`); testable at our budget (it is about our models).
    The keys stay
    ``iclr.leakage.<method>`` whichever the split; the text names it."""
    words = SPLIT_WORDS[split]
    units_g, units_s = fold_units(table, split), fold_units(table, "segment")
    claims = []
    for method in ("classifier", "l2"):
        grouped, seg = (_runs(table, method, s, kernel_size) for s in (split, "segment"))
        if not len(grouped) or not len(seg):
            continue
        claims.append(Claim(
            key=f"iclr.leakage.{method}",
            claim=f"Ours: {words} folds score lower than segment-wise ones ({_SHORT[method]}, accuracy)",
            paper_value=-math.inf, paper_text="(not the paper's claim)",
            ours=corrected_welch_interval(grouped["accuracy"].to_numpy(dtype=float),
                                          seg["accuracy"].to_numpy(dtype=float), n_train_a=units_g[0],
                                          n_test_a=units_g[1], n_train_b=units_s[0], n_test_b=units_s[1]),
            data=f"MIT-BIH, {words} minus segment-wise runs", budget=budget.ours(),
            would_change="runs at the paper's budget could change its size"))
    return claims


def attention_claims(table: pd.DataFrame, budget: Budget, *, kernel_size: int) -> list[Claim]:
    """Claim (f): *the attention segments the abnormal beats*: the mean per-run AUROC of the L2 attention
    against the abnormal-beat mask minus 0.5 (chance), above 0 (size not reported), over the segment-wise
    runs that learned (:func:`~ecgstudy.studies.iclr.tables.learned`: k of n said in ``data``). And the share of Class I
    segments beside the paper's 50 % (private data, one cardiologist: not testable)."""
    runs = _runs(table, "l2", "segment", kernel_size)
    ok = runs[learned(runs)] if len(runs) else runs
    n_train, n_test = fold_units(table, "segment")
    auroc = ok["loc_auroc"].to_numpy(dtype=float) if "loc_auroc" in ok else np.zeros(0)
    claims = [Claim(
        key="iclr.attention_segments", kind="direction",
        claim="The L2 attention segments the abnormal beats: AUROC of attention against the abnormal-beat mask, "
              "minus 0.5 (chance)",
        paper_value=math.inf, paper_text="above chance (Fig. 3, qualitative)",
        ours=corrected_t_interval(auroc - 0.5, n_train=n_train, n_test=n_test),
        data=f"MIT-BIH held-out segments, {len(ok)} of {len(runs)} L2 runs that learned (balanced accuracy "
             f"above 0.5, attention alive)",
        budget=budget.text(),
        would_change="runs at the paper's budget could change its size; an interval reaching 0.5")]
    grade = ok["grade_I"].to_numpy(dtype=float) if "grade_I" in ok else np.zeros(0)
    claims.append(Claim(
        key="iclr.grade_I", kind="value", null=0.0, testable=False, numbers=("iclr.grade.I",),
        claim="Class I share: all normal beats suppressed, every abnormal beat kept",
        paper_value=PAPER_GRADES["I"] / 100, paper_text="0.50 (50 of 100, private PVC data, one cardiologist)",
        ours=corrected_t_interval(grade, n_train=n_train, n_test=n_test).within(0, 1),
        data=f"MIT-BIH, the written grading rule, {len(ok)} of {len(runs)} L2 runs that learned",
        budget=budget.text(),
        would_change="the paper's private PVC-origin data and its cardiologist's grades (shown beside, not "
                     "compared)"))
    return claims


def chapter_claims(table: pd.DataFrame, curves: pd.DataFrame, budget: Budget, *, kernel_size: int,
                   paper: dict[str, float], grouped: str = "record") -> list[Claim]:
    """Every claim of the chapter, in the order the page lists them; the leakage claims compare the grouped
    split ``grouped`` (:func:`~ecgstudy.studies.iclr.tables.grouped_split`) with segment-wise folds.

    Args:
        table: :func:`~ecgstudy.studies.iclr.tables.run_table` with the health columns
            (:func:`~ecgstudy.studies.iclr.tables.with_health`).
        curves: :func:`~ecgstudy.studies.iclr.tables.curves_table`.
        budget: :func:`chapter_budget`.
        paper: PAPER_NUMBERS values by key (``iclr.mitdb.*``).
    """
    if not len(table):
        return []
    return [*comparison_claims(table, budget, kernel_size=kernel_size, paper=paper),
            *value_claims(table, budget, kernel_size=kernel_size, paper=paper),
            overfitting_claim(curves, budget, kernel_size=kernel_size, units=fold_units(table, "segment")),
            *attention_claims(table, budget, kernel_size=kernel_size),
            *leakage_claims(table, budget, kernel_size=kernel_size, split=grouped)]
