"""The budget ladder of the xECGNet chapter's claims: every gamma claim recomputed from the weights a run capped at
each rung (3, 10, 30 epochs) would keep (:mod:`ecgstudy.training.ladder`; a run's ``metrics.json`` ``ladder``),
beside the runs' own selection, with the verdict of the one rule (:mod:`ecgstudy.claims_ladder`).

A rung's tables are the claims' own (:func:`~ecgstudy.studies.xecgnet.tables.run_table` of the paper's regulariser
and :func:`~ecgstudy.studies.xecgnet.health.run_health`) with each run's test metrics replaced by its rung's, so the
claims, the convergence rule included, come from the same function
(:func:`~ecgstudy.studies.xecgnet.verdicts.claims`):

* ``learned`` is the rung's micro-F1 above the run's constant predictor (the test labels do not change);
* ``converged`` applies :func:`~ecgstudy.studies.xecgnet.health.converged` to the run's selection curve up to the
  rung (the curve a run capped there draws);
* dead response maps and flat attention are stored for the run's own weights only, so ``healthy`` keeps them, and
  the claims about the maps are left out of the ladder (:data:`MAP_CLAIMS`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ecgstudy.claims import Claim
from ecgstudy.claims_ladder import Ladder, ladder_of

#: Test metrics each rung of a run's ladder holds (besides ``kept_epoch``).
RUNG_METRICS = ("micro_f1", "macro_f1", "subset_acc", "multi_acc")

#: Run keys shared by the run table, the health table and the rung frame.
KEYS = ("dataset", "gamma", "regulariser", "seed")

#: Claims about the maps (their key holds one of these), and why the ladder leaves them out.
MAP_CLAIMS = {".attention_": "the maps are stored for the runs' own weights only"}

#: How a rung's weights are chosen, for the ladder table's caption.
SELECTION = "the best validation score of the runs' selection rule so far"


def rung_frame(records) -> pd.DataFrame:
    """One row per (finished run with a ladder, rung): :data:`KEYS`, ``rung`` (epochs, int), ``kept_epoch``,
    :data:`RUNG_METRICS` and ``converged`` (the convergence rule on the run's selection curve up to the rung,
    from its ``curves.json``; ``None`` without it)."""
    from ecgstudy.studies.xecgnet.health import run_converged
    from ecgstudy.studies.xecgnet.tables import _dataset_of

    rows = []
    for rec in records:
        ladder = rec.metrics().get("ladder") if rec.ok else None
        if not ladder:
            continue
        p = rec.spec.params
        path = rec.path / "curves.json"
        curves = json.loads(path.read_text()) if path.exists() else None
        keys = {"dataset": _dataset_of(rec), "gamma": float(p["gamma"]), "regulariser": p["regulariser"],
                "seed": int(p["seed"])}
        for rung, entry in ladder.items():
            rows.append({**keys, "rung": int(rung), "kept_epoch": entry.get("kept_epoch"),
                         **{k: entry.get(k, np.nan) for k in RUNG_METRICS},
                         "converged": None if curves is None else run_converged(curves, p, int(rung))})
    columns = [*KEYS, "rung", "kept_epoch", *RUNG_METRICS, "converged"]
    return pd.DataFrame(rows, columns=columns)


def rung_tables(main: pd.DataFrame, health: pd.DataFrame, rungs: pd.DataFrame, rung: int
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(main, health)`` at ``rung``: the runs that reach it, their test metrics (and ``best_epoch``, the kept
    epoch) from ``rungs`` (:func:`rung_frame`); in ``health`` also ``learned`` (micro-F1 above the constant
    predictor's), ``healthy`` (learned, with the run's own dead and flat map shares) and ``converged``.

    >>> main = pd.DataFrame({"dataset": "d", "gamma": [0.0], "regulariser": "paper", "seed": [0], "micro_f1": [0.8],
    ...                      "best_epoch": [12]})
    >>> health = main.assign(base_micro_f1=0.5, dead_response=0.0, flat_attention=0.0, converged=True,
    ...                      learned=True, healthy=True)
    >>> rungs = pd.DataFrame({"dataset": "d", "gamma": [0.0], "regulariser": "paper", "seed": [0], "rung": [3],
    ...                       "kept_epoch": [2], "micro_f1": [0.4], "macro_f1": [0.3], "subset_acc": [0.2],
    ...                       "multi_acc": [0.1], "converged": [False]})
    >>> m, h = rung_tables(main, health, rungs, 3)
    >>> m[["micro_f1", "best_epoch"]].values.tolist(), h[["learned", "healthy", "converged"]].values.tolist()
    ([[0.4, 2.0]], [[False, False, False]])
    """
    from ecgstudy.studies.xecgnet.health import DEAD_SHARE

    part = rungs[rungs["rung"] == rung].drop(columns=["rung"])
    metrics = part[[*KEYS, "kept_epoch", *RUNG_METRICS]]
    m = main.drop(columns=[c for c in (*RUNG_METRICS, "best_epoch") if c in main]).merge(metrics, on=list(KEYS))
    m = m.rename(columns={"kept_epoch": "best_epoch"})
    h = health.drop(columns=[c for c in (*RUNG_METRICS, "converged") if c in health]).merge(
        part[[*KEYS, *RUNG_METRICS, "converged"]], on=list(KEYS))
    h["converged"] = h["converged"].map(lambda c: bool(c) if c is not None and c == c else False)
    h["learned"] = h["micro_f1"] > h["base_micro_f1"]
    h["healthy"] = h["learned"] & ~(h["dead_response"] >= DEAD_SHARE) & ~(h["flat_attention"] >= DEAD_SHARE)
    return m, h


def budget_ladder(main: pd.DataFrame, health: pd.DataFrame, rungs: pd.DataFrame, converged: list[Claim], *,
                  names: dict[str, str], budgets: dict[str, str], design=None) -> Ladder:
    """The chapter's claims at every rung of ``rungs`` (:func:`rung_frame`) and at the runs' own selection
    (``converged``: the claims at a glance, :func:`~ecgstudy.studies.xecgnet.verdicts.claims` of ``main`` and
    ``health``); the claims about maps are left out (:data:`MAP_CLAIMS`). ``design``: the claims' intervals
    (:class:`~ecgstudy.studies.xecgnet.effects.Design`); a rung keeps no predictions, so on a fixed test set it
    borrows the test patients' variance of the runs' own weights."""
    from ecgstudy.studies.xecgnet import verdicts as v

    if not len(rungs) or not converged:
        return Ladder()
    by_rung = {}
    for rung in sorted({int(r) for r in rungs["rung"]}):
        m, h = rung_tables(main, health, rungs, rung)
        by_rung[f"{rung} epoch{'s' if rung != 1 else ''}"] = v.claims(m, h, names=names, budgets=budgets,
                                                                      design=design)
    left_out = {c.key: why for c in converged for part, why in MAP_CLAIMS.items() if part in c.key}
    return ladder_of(by_rung, converged, left_out=left_out, selection=SELECTION)
