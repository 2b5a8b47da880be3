"""The budget ladder of the ICLR chapter's claims: every claim recomputed from the weights a run capped at
each rung (3, 10, 30 epochs) would keep (:mod:`ecgstudy.training.ladder`), beside the runs' own
selection (``"converged"``: the claims at a glance), each with its verdict by the one rule
(:class:`ecgstudy.claims.Claim`). A claim is *budget-stable* when its verdict is the same at every rung.

A rung's per-run table is the claims' own table (:func:`~ecgstudy.studies.iclr.tables.run_table` with the
health columns of :func:`~ecgstudy.studies.iclr.tables.with_health`) with each run's held-out metrics and
localisation means replaced by its rung's (``metrics["ladder"][rung]``), so the claims, the budget rule
included, are built by the same functions (:func:`~ecgstudy.studies.iclr.verdicts.chapter_claims`):

* the majority class depends on the fold only, so it is the run's own;
* constant predictions are read from the rung's held-out logits (``ladder.npz``); the attention examples
  are stored for the run's own weights only, so a dead attention is known at a rung only through the
  constant predictions it causes;
* the overfitting gap is read from the loss curves up to the rung (the last epoch a run capped there trains);
* the grade share is not stored per rung: that claim is left out (:data:`NOT_ON_LADDER`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecgstudy.claims import Claim
from ecgstudy.report import Table
from ecgstudy.studies.iclr.tables import GRID_KEYS
from ecgstudy.studies.iclr.verdicts import Budget, chapter_budget, chapter_claims

#: Held-out metrics each rung of a run's ladder holds (besides ``kept_epoch`` and ``localisation``).
RUNG_METRICS = ("accuracy", "balanced_accuracy", "auc", "sensitivity", "specificity")

#: The label of the runs' own selection (the claims at a glance) on the ladder.
CONVERGED = "converged"

#: Claims the ladder cannot rebuild at a rung, and why.
NOT_ON_LADDER = {"iclr.grade_I": "the grades of the held-out segments are stored for the run's own weights only"}

#: Claims that count only the runs that learned, which needs each rung's constant predictions (``ladder.npz``).
NEEDS_RUNG_LOGITS = ("iclr.attention_segments",)

#: What the page says when no run carries a ladder.
NO_LADDER = ("The runs of this build carry no budget ladder (runs of a fixed budget, or a profile that scores no "
             "rungs): the claims above stand at the runs' own budget only.")


def constant_logits(logits: np.ndarray, *, tol: float = 1e-6) -> bool:
    """Whether the held-out PVC probabilities of these log-odds ``(n,)`` are all equal (spread at most ``tol``),
    the rule :func:`~ecgstudy.studies.iclr.tables.constant_prediction_runs` applies to the stored probabilities.

    >>> constant_logits(np.array([-3.0, -3.0, -3.0])), constant_logits(np.array([-3.0, 0.0]))
    (True, False)
    """
    p = 1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))
    return bool(len(p) and p.max() - p.min() <= tol)


def rung_frame(records) -> pd.DataFrame:
    """One row per (finished run with a ladder, rung): ``GRID_KEYS``, ``run_id``, ``rung`` (epochs, int),
    ``kept_epoch``, :data:`RUNG_METRICS`, ``loc_<score>`` (attention methods) and ``constant`` (the rung's
    held-out logits in ``ladder.npz`` are constant; ``None`` without them)."""
    rows = []
    for rec in records:
        ladder = rec.metrics().get("ladder") if rec.ok else None
        if not ladder:
            continue
        logits: dict[str, np.ndarray] = {}
        if (rec.path / "ladder.npz").exists():
            with np.load(rec.path / "ladder.npz") as z:
                logits = {name.removeprefix("logit_pvc_"): z[name] for name in z.files}
        for rung, entry in ladder.items():
            row = {k: rec.spec.params[k] for k in GRID_KEYS}
            row.update(run_id=rec.spec.run_id, rung=int(rung), kept_epoch=entry.get("kept_epoch"))
            row.update({k: entry.get(k, np.nan) for k in RUNG_METRICS})
            row.update({f"loc_{k}": v for k, v in entry.get("localisation", {}).items()})
            row["constant"] = constant_logits(logits[rung]) if rung in logits else None
            rows.append(row)
    columns = [*GRID_KEYS, "run_id", "rung", "kept_epoch", *RUNG_METRICS, "constant"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def rung_table(table: pd.DataFrame, rungs: pd.DataFrame, rung: int) -> pd.DataFrame:
    """The claims' per-run ``table`` at ``rung``: the runs that reach it (by ``run_id``, in ``table``'s order),
    their held-out metrics, localisation means and ``best_epoch`` (the kept epoch) from ``rungs``
    (:func:`rung_frame`), ``dead`` from the rung's constant predictions (``False`` where unknown: ``constant``
    keeps ``None`` there), ``dead_attention`` unknown (NaN) and no grade columns."""
    part = rungs[rungs["rung"] == rung].drop(columns=[*GRID_KEYS, "rung"])
    replaced = {*RUNG_METRICS, "dead", "dead_attention", "best_epoch", "kept_epoch", "constant"}
    base = table.drop(columns=[c for c in table.columns
                               if c in replaced or c.startswith(("loc_", "grade_"))])
    out = base.merge(part, on="run_id", how="inner")
    out["dead"] = out["constant"].map(lambda c: bool(c) if c is not None and c == c else False)
    out["dead_attention"] = np.nan
    out["best_epoch"] = out["kept_epoch"]
    return out


def rung_curves(curves: pd.DataFrame, rung: int) -> pd.DataFrame:
    """The loss curves a run capped at ``rung`` epochs would have drawn: epochs ``1..rung``."""
    return curves[curves["epoch"] <= rung] if len(curves) else curves


@dataclass(frozen=True)
class Ladder:
    """The chapter's claims at each rung of the budget ladder.

    Attributes:
        rungs: the rung labels in order, ``("3 epochs", "10 epochs", "30 epochs", "converged")``; empty without
            a ladder.
        frame: one row per claim on the ladder and rung: ``key, claim, rung, kind, estimate, low, high, n,
            verdict``.
        stable: keys of the claims whose verdict is the same at every rung; changed: the others.
        left_out: claims of the chapter not on the ladder, with why.
        names: every claim of the chapter in words, by key.
    """

    rungs: tuple[str, ...] = ()
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["key", "claim", "rung", "kind", "estimate", "low", "high", "n", "verdict"]))
    stable: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    left_out: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def verdicts(self, key: str) -> dict[str, str]:
        """``{rung: verdict}`` of one claim, in rung order."""
        part = self.frame[self.frame["key"] == key]
        return dict(zip(part["rung"], part["verdict"]))

    def table(self) -> Table:
        """The page's ladder: one row per claim, per rung our value (95 % interval) and its verdict, and
        whether the verdict is the same at every rung."""
        rows = []
        for key, part in self.frame.groupby("key", sort=False):
            row = {"claim": part["claim"].iloc[0]}
            for r in part.itertuples():
                ours = _interval_text(r.estimate, r.low, r.high, signed=r.kind == "direction")
                row[r.rung] = f"{ours}: {r.verdict}"
            row["same verdict at every rung"] = "yes" if key in self.stable else "no"
            rows.append(row)
        caption = ("The claims at each rung of the budget ladder: the weights a run capped at that many epochs "
                   "would keep (the lowest inner-validation loss so far), and the runs' own selection (converged, "
                   "the claims at a glance); our value (95 % interval) and the verdict of the same rule, the "
                   "budget rule included")
        return Table(pd.DataFrame(rows, columns=["claim", *self.rungs, "same verdict at every rung"]), caption)

    def text(self) -> str:
        """``"N of M claims keep their verdict at every rung; these change: ..."``, and the claims left out."""
        if not self.rungs:
            return NO_LADDER
        n = len(self.stable) + len(self.changed)
        changes = "; ".join(f"{self.names[k]} ({_runs_of_verdicts(self.verdicts(k))})" for k in self.changed)
        out = (f"{len(self.stable)} of {n} claims keep their verdict at every rung ({', '.join(self.rungs)}); "
               + (f"these change: {changes}." if changes else "none changes."))
        if self.left_out:
            out += " Left out of the ladder: " + "; ".join(f"{self.names[k]} ({why})"
                                                          for k, why in self.left_out.items()) + "."
        return out

    def metrics(self) -> dict:
        """The ladder as the page's ``metrics.json`` keeps it (NaN as ``None``)."""
        frame = self.frame.astype(object).where(self.frame.notna(), None)
        return {"rungs": list(self.rungs), "claims": frame.to_dict(orient="records"), "stable": list(self.stable),
                "changed": list(self.changed), "left_out": dict(self.left_out)}


def _interval_text(estimate: float, low: float, high: float, *, signed: bool) -> str:
    from ecgstudy.metrics.stats import Interval

    return Interval(estimate, low, high, 0, 0.95, "").text(3, signed=signed)


def _runs_of_verdicts(verdicts: dict[str, str]) -> str:
    """Consecutive rungs with one verdict together.

    >>> _runs_of_verdicts({"3 epochs": "a", "10 epochs": "a", "30 epochs": "b", "converged": "b"})
    '3 epochs, 10 epochs: a; 30 epochs, converged: b'
    """
    groups: list[tuple[list[str], str]] = []
    for rung, verdict in verdicts.items():
        if groups and groups[-1][1] == verdict:
            groups[-1][0].append(rung)
        else:
            groups.append(([rung], verdict))
    return "; ".join(f"{', '.join(rungs)}: {verdict}" for rungs, verdict in groups)


def budget_ladder(table: pd.DataFrame, curves: pd.DataFrame, rungs: pd.DataFrame, converged: list[Claim], *,
                  budget: Budget, kernel_size: int, paper: dict[str, float], grouped: str = "record") -> Ladder:
    """The chapter's claims at every rung of ``rungs`` (:func:`rung_frame`) and at convergence.

    Args:
        table: the claims' per-run table (:func:`~ecgstudy.studies.iclr.tables.run_table` with the health
            columns), with ``run_id``.
        curves: :func:`~ecgstudy.studies.iclr.tables.curves_table`.
        converged: the claims at a glance (:func:`~ecgstudy.studies.iclr.verdicts.chapter_claims` of ``table``).
        budget: the runs' budget (:func:`~ecgstudy.studies.iclr.verdicts.chapter_budget`): the parameters a
            rung without runs would state.
        paper: PAPER_NUMBERS values by key. grouped: the grouped split.

    Returns:
        A :class:`Ladder` (no rungs when no run has a ladder).
    """
    if not len(rungs) or not len(converged):
        return Ladder()
    by_rung: dict[str, dict[str, Claim]] = {}
    logits_missing = False
    for rung in sorted({int(r) for r in rungs["rung"]}):
        t = rung_table(table, rungs, rung)
        logits_missing |= bool(t["constant"].isna().any())
        b = chapter_budget(t, kernel_size=kernel_size, paper_reference=paper["iclr.mitdb.classifier.acc"],
                           epochs=budget.epochs, lr=budget.lr, schedule=budget.schedule, patience=budget.patience,
                           precision=budget.precision, inner_folds=budget.inner_folds)
        claims = chapter_claims(t, rung_curves(curves, rung), b, kernel_size=kernel_size, paper=paper, grouped=grouped)
        by_rung[f"{rung} epoch{'s' if rung != 1 else ''}"] = {c.key: c for c in claims}
    by_rung[CONVERGED] = {c.key: c for c in converged}
    left_out: dict[str, str] = {}
    rows = []
    for claim in converged:
        key = claim.key
        if key in NOT_ON_LADDER:
            left_out[key] = NOT_ON_LADDER[key]
        elif key in NEEDS_RUNG_LOGITS and logits_missing:
            left_out[key] = "the runs that learned need each rung's held-out logits (ladder.npz), missing in some run"
        elif any(key not in claims for claims in by_rung.values()):
            left_out[key] = "not computed at every rung"
        else:
            for label, claims in by_rung.items():
                c = claims[key]
                rows.append({"key": key, "claim": c.claim, "rung": label, "kind": c.kind, "estimate": c.ours.estimate,
                             "low": c.ours.low, "high": c.ours.high, "n": int(c.ours.n), "verdict": c.verdict})
    frame = pd.DataFrame(rows, columns=["key", "claim", "rung", "kind", "estimate", "low", "high", "n", "verdict"])
    distinct = frame.groupby("key", sort=False)["verdict"].nunique()
    return Ladder(tuple(by_rung), frame, tuple(distinct.index[distinct == 1]), tuple(distinct.index[distinct > 1]),
                  left_out, {c.key: c.claim for c in converged})
