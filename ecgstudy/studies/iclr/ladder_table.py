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

import numpy as np
import pandas as pd

from ecgstudy.claims import Claim
from ecgstudy.claims_ladder import CONVERGED, NO_LADDER, Ladder, ladder_of  # noqa: F401  (the chapter's names)
from ecgstudy.studies.iclr.tables import GRID_KEYS
from ecgstudy.studies.iclr.verdicts import Budget, chapter_budget, chapter_claims

#: Held-out metrics each rung of a run's ladder holds (besides ``kept_epoch`` and ``localisation``).
RUNG_METRICS = ("accuracy", "balanced_accuracy", "auc", "sensitivity", "specificity")

#: Claims the ladder cannot rebuild at a rung, and why.
NOT_ON_LADDER = {"iclr.grade_I": "the grades of the held-out segments are stored for the run's own weights only"}

#: Claims that count only the runs that learned, which needs each rung's constant predictions (``ladder.npz``).
NEEDS_RUNG_LOGITS = ("iclr.attention_segments",)


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
    by_rung: dict[str, list[Claim]] = {}
    logits_missing = False
    for rung in sorted({int(r) for r in rungs["rung"]}):
        t = rung_table(table, rungs, rung)
        logits_missing |= bool(t["constant"].isna().any())
        b = chapter_budget(t, kernel_size=kernel_size, paper_reference=paper["iclr.mitdb.classifier.acc"],
                           epochs=budget.epochs, lr=budget.lr, schedule=budget.schedule, patience=budget.patience,
                           precision=budget.precision, inner_folds=budget.inner_folds)
        by_rung[f"{rung} epoch{'s' if rung != 1 else ''}"] = chapter_claims(t, rung_curves(curves, rung), b,
                                                                           kernel_size=kernel_size, paper=paper,
                                                                           grouped=grouped)
    left_out = dict(NOT_ON_LADDER)
    if logits_missing:
        left_out.update({k: "the runs that learned need each rung's held-out logits (ladder.npz), missing in some "
                            "run" for k in NEEDS_RUNG_LOGITS})
    return ladder_of(by_rung, converged, left_out={k: v for k, v in left_out.items()
                                                   if k in {c.key for c in converged}})
