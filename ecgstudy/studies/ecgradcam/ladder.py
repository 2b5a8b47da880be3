"""The budget ladder of the ECGradCAM chapter: did the networks of each target learn at 3, 10 and 30 epochs, and
at the runs' own (validation-driven) budget?

Each run scores the weights a run capped at each rung would keep (:mod:`ecgstudy.training.ladder`; its
``metrics.json`` ``ladder``: ``{"3": {"kept_epoch", headline metrics}}``). The chapter's map, blocking and sex
claims count only the targets whose networks learned (:func:`~ecgstudy.studies.ecgradcam.verdicts.learned_targets`),
so which targets learned is what a budget can change. Maps are not stored per rung: the ladder rebuilds the
headline metrics and the learned rule, not the map claims, and the page says so.

At every rung the rule is the one the claims use without an interval: the mean held-out MAE below the mean
training-mean baseline's (regression), the mean accuracy above the majority class's (sex). A target is
*budget-stable* when that answer is the same at every rung.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ecgstudy.claims_ladder import runs_of_verdicts
from ecgstudy.studies.ecgradcam.targets import headline_metrics

#: The label of the runs' own selection on the ladder.
CONVERGED = "own budget"

#: What the page says when no run carries a ladder.
NO_LADDER = ("The runs of this build carry no budget ladder (a fixed budget, or a profile that scores no rungs): "
             "whether a target's networks learned is known at the runs' own budget only.")

#: The ladder table's caption.
CAPTION = ("Budget ladder: held-out scores of the weights a run capped at each rung would keep (mean over folds and "
           "seeds), and whether the networks beat their baseline on average")

_BASELINE = {"mae": "baseline_mae", "accuracy": "baseline_accuracy"}


def rung_frame(runs: Iterable[Mapping]) -> pd.DataFrame:
    """One row per (run with a ladder, rung), the run's own selection last (:data:`CONVERGED`).

    Args:
        runs: the runs' ``metrics.json`` dicts (``dataset``, ``target``, ``task``, ``fold``, ``seed``, the headline
            metrics, their baseline, ``best_epoch`` and ``ladder``).

    Returns:
        Columns ``dataset, target, task, fold, seed, rung, epochs, kept_epoch``, the headline metrics and the
        baseline (``baseline_mae`` or ``baseline_accuracy``, the run's own at every rung); ``epochs`` is the rung's
        cap (NaN for the own budget). Runs without a ladder give no rows.

    >>> run = {"dataset": "ludb", "target": "qrs_ms", "task": "regression", "fold": 0, "seed": 0, "mae": 12.0,
    ...        "r2": 0.5, "baseline_mae": 18.0, "best_epoch": 30,
    ...        "ladder": {"10": {"kept_epoch": 10, "mae": 14.0, "r2": 0.4}, "3": {"kept_epoch": 1, "mae": 19.0,
    ...                                                                          "r2": -0.1}}}
    >>> f = rung_frame([run])
    >>> f["rung"].tolist(), f["kept_epoch"].tolist(), f["mae"].tolist(), f["baseline_mae"].tolist()
    (['3 epochs', '10 epochs', 'own budget'], [1, 10, 30], [19.0, 14.0, 12.0], [18.0, 18.0, 18.0])
    """
    rows = []
    for m in runs:
        ladder = m.get("ladder") or {}
        if not ladder:
            continue
        binary = m["task"] == "binary"
        names = headline_metrics(binary)
        base = _BASELINE["accuracy" if binary else "mae"]
        keys = {k: m[k] for k in ("dataset", "target", "task", "fold", "seed")}
        for rung in sorted(ladder, key=int):
            scores = ladder[rung]
            rows.append({**keys, "rung": _label(int(rung)), "epochs": float(rung), "kept_epoch": scores["kept_epoch"],
                         **{k: scores.get(k, math.nan) for k in names}, base: m.get(base, math.nan)})
        rows.append({**keys, "rung": CONVERGED, "epochs": math.nan, "kept_epoch": m.get("best_epoch"),
                     **{k: m.get(k, math.nan) for k in names}, base: m.get(base, math.nan)})
    return pd.DataFrame(rows)


def _label(epochs: int) -> str:
    return f"{epochs} epoch{'s' if epochs != 1 else ''}"


def ladder_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per dataset, target and rung (in the rungs' order): ``n_runs``, the median kept epoch, the mean headline
    score (``score``: R² or AUC, named in ``score_name``), the mean gain over the baseline (``gain``: baseline MAE
    minus MAE, or accuracy minus the majority class's; positive is better) and ``learned`` (``gain > 0``).

    >>> f = pd.DataFrame({"dataset": "d", "target": "qrs_ms", "task": "regression", "fold": [0, 1, 0, 1],
    ...                   "seed": 0, "rung": ["3 epochs"] * 2 + ["own budget"] * 2, "epochs": [3, 3, np.nan, np.nan],
    ...                   "kept_epoch": [2, 3, 20, 30], "mae": [20.0, 18.0, 12.0, 14.0], "r2": [-0.1, 0.0, 0.5, 0.4],
    ...                   "baseline_mae": [18.0, 18.0, 18.0, 18.0]})
    >>> ladder_summary(f)[["rung", "n_runs", "kept_epoch", "score", "gain", "learned"]].to_string(index=False)
    '      rung  n_runs  kept_epoch  score  gain  learned\\n  3 epochs       2         2.5  -0.05  -1.0    False\\nown budget       2        25.0   0.45   5.0     True'
    """
    columns = ["dataset", "target", "rung", "n_runs", "kept_epoch", "score_name", "score", "gain", "learned"]
    if not len(frame):
        return pd.DataFrame(columns=columns)
    order = _rung_order(frame)
    rows = []
    for (ds, target), part in frame.groupby(["dataset", "target"], sort=False):
        binary = part["task"].iloc[0] == "binary"
        score_name = "auc" if binary else "r2"
        for rung in [r for r in order if r in set(part["rung"])]:
            p = part[part["rung"] == rung]
            gain = (p["accuracy"] - p["baseline_accuracy"]) if binary else (p["baseline_mae"] - p["mae"])
            g = float(np.mean(gain)) if len(gain.dropna()) else math.nan
            rows.append({"dataset": ds, "target": target, "rung": rung, "n_runs": int(len(p)),
                         "kept_epoch": float(np.median(p["kept_epoch"].astype(float))), "score_name": score_name,
                         "score": float(np.nanmean(p[score_name].astype(float))) if p[score_name].notna().any()
                         else math.nan, "gain": g, "learned": bool(g > 0)})
    return pd.DataFrame(rows, columns=columns)


def _rung_order(frame: pd.DataFrame) -> list[str]:
    """The rungs by epochs, the own budget last."""
    caps = frame.dropna(subset=["epochs"]).drop_duplicates("rung").sort_values("epochs")["rung"].tolist()
    return caps + ([CONVERGED] if (frame["rung"] == CONVERGED).any() else [])


def stability(summary: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Per (dataset, target), its learned answer along the rungs in words: ``"learned at every rung"``,
    ``"learned at no rung"``, or the rungs grouped by answer (``"3 epochs: no; 10 epochs, own budget: yes"``).

    >>> s = pd.DataFrame({"dataset": "d", "target": ["a", "a", "b", "b"], "rung": ["3 epochs", "own budget"] * 2,
    ...                   "learned": [False, True, True, True]})
    >>> stability(s)
    {('d', 'a'): '3 epochs: no; own budget: yes', ('d', 'b'): 'learned at every rung'}
    """
    out = {}
    for (ds, target), part in summary.groupby(["dataset", "target"], sort=False):
        answers = part["learned"].tolist()
        if all(answers):
            out[(ds, target)] = "learned at every rung"
        elif not any(answers):
            out[(ds, target)] = "learned at no rung"
        else:
            out[(ds, target)] = runs_of_verdicts({rung: "yes" if learned else "no"
                                                  for rung, learned in zip(part["rung"], answers)})
    return out


def ladder_text(summary: pd.DataFrame, *, names: Mapping[str, str], target_names: Mapping[str, str]) -> str:
    """The page's paragraph: how many targets are budget-stable, and for the others where their answer changes.

    >>> s = pd.DataFrame({"dataset": "d", "target": ["a", "a", "b", "b"], "rung": ["3 epochs", "own budget"] * 2,
    ...                   "learned": [False, True, True, True]})
    >>> print(ladder_text(s, names={"d": "D"}, target_names={"a": "A", "b": "B"}))
    Whether the networks beat their baseline is budget-stable for 1 of 2 targets (the same answer at 3 epochs and at the runs' own budget). It changes for the A on the D (3 epochs: no; own budget: yes): the claims that count only the targets that learned rest on the runs' own budget there.
    """
    if not len(summary):
        return NO_LADDER
    answers = stability(summary)
    rungs = [r for r in dict.fromkeys(summary["rung"]) if r != CONVERGED]  # the summary is in rung order
    stable = [k for k, v in answers.items() if v in ("learned at every rung", "learned at no rung")]
    caps = _and([r.split()[0] for r in rungs]) + (" epochs" if rungs != ["1 epoch"] else " epoch")
    text = (f"Whether the networks beat their baseline is budget-stable for {len(stable)} of {len(answers)} targets "
            f"(the same answer at {caps} and at the runs' own budget).")
    moving = [(k, v) for k, v in answers.items() if k not in stable]
    if moving:
        text += " It changes for " + "; ".join(f"the {target_names.get(t, t)} on the {names.get(d, d)} ({v})"
                                              for (d, t), v in moving)
        text += ": the claims that count only the targets that learned rest on the runs' own budget there."
    return text


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""
