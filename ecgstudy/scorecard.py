"""Paper value vs reproduced value, for every reported number the chapters cover.

Rows are data (:data:`ecgstudy.paper_numbers.PAPER_NUMBERS`); a row is filled from the newest
finished *real-data* run of its experiment in the store that may stand for the reproduction
(:func:`ecgstudy.runs.reference.eligible_runs`). Synthetic runs never fill a row: the
synthetic generator is a test bed, not a reproduction. Rows nobody can reproduce here
(private data) say so.

    >>> from ecgstudy.scorecard import scorecard
    >>> table = scorecard()                    # doctest: +SKIP
    >>> table[["paper", "item", "paper_value", "reproduced"]].head()   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from ecgstudy.paper_numbers import PAPER_NUMBERS
from ecgstudy.runs.params import profile_rank
from ecgstudy.runs.store import RunStore


def _lookup(metrics: dict[str, Any], dotted: str) -> Any:
    """``metrics["a"]["b"]`` for ``"a.b"``; keys may themselves contain dots (tried greedily)."""
    if dotted in metrics:
        return metrics[dotted]
    head, _, rest = dotted.partition(".")
    while rest:
        if head in metrics and isinstance(metrics[head], dict):
            found = _lookup(metrics[head], rest)
            if found is not None:
                return found
        nxt, _, rest = rest.partition(".")
        head = f"{head}.{nxt}"
    return metrics.get(head)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _measured(profile: str | None, metrics: dict[str, Any]) -> str:
    """``"measured (cpu)"``, or ``"measured (cpu; 67 of 165 planned runs)"`` for a chapter page built
    over part of its grid (its ``metrics.json`` counts ``n_runs`` finished and ``n_missing`` untrained)."""
    missing = metrics.get("n_missing")
    if _is_number(missing) and missing > 0 and _is_number(metrics.get("n_runs")):
        done = int(metrics["n_runs"])
        return f"measured ({profile}; {done} of {done + int(missing)} planned runs)"
    return f"measured ({profile})"


def scorecard(store: RunStore | None = None, *, ignored: list | None = None) -> pd.DataFrame:
    """One row per :data:`PAPER_NUMBERS` entry with the reproduced value where a real-data run has it.

    Columns: ``key, paper, item, condition, paper_value, reproduced, profile, run_id, status, beside,
    source`` (``beside``: our values on substitute data, e.g. ``"PTB-XL subset 0.801; ..."``).
    ``status`` is ``measured (<profile>)`` (a value exists; whether it agrees is for the chapter to
    judge; a page built over part of its grid adds ``; <done> of <planned> planned runs``),
    ``pending`` (a chapter will fill it) or the blocker. Only runs that may stand for the
    reproduction are read (:func:`ecgstudy.runs.reference.eligible_runs`: current code, the
    reference data or verified data present, no modified files, readable records); among them the
    one of the largest profile (full, cpu, demo, smoke) wins, then the newest. The others are
    appended to ``ignored`` (:class:`~ecgstudy.runs.reference.IgnoredRun`, with the reason) when given.
    """
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.reference import eligible_runs

    store = store or RunStore()
    cache: dict[str, list] = {}
    rows = []
    for n in PAPER_NUMBERS:
        value, run, profile, status, beside = None, None, None, n.blocker or "pending", []
        if n.experiment:
            if n.experiment not in cache:
                found_runs, skipped = eligible_runs(get_experiment(n.experiment), store)  # newest first
                if ignored is not None:
                    ignored.extend(skipped)
                cache[n.experiment] = sorted(found_runs, key=lambda r: profile_rank(r.spec.params.get("profile")))
            for record in cache[n.experiment] if n.metric else []:
                found = _lookup(record.metrics(), n.metric)
                if _is_number(found):
                    profile = record.spec.params.get("profile")
                    value, run, status = float(found), record.spec.run_id, _measured(profile, record.metrics())
                    break
            for label, metric in n.beside:
                for record in cache[n.experiment]:
                    found = _lookup(record.metrics(), metric)
                    if _is_number(found):
                        beside.append(f"{label} {found:.3f} ({record.spec.params.get('profile')})")
                        break
        row = asdict(n)
        row.pop("beside")
        row.update(reproduced=value, run_id=run, profile=profile, status=status, beside="; ".join(beside))
        rows.append(row)
    cols = ["key", "paper", "item", "condition", "paper_value", "reproduced", "profile", "run_id", "status", "beside",
            "source"]
    return pd.DataFrame(rows)[cols]


def ignored_table(ignored: list) -> pd.DataFrame:
    """The runs the scorecard did not read, one row each: ``experiment, run, reason`` (``run``: the run
    id, or the file for a record that could not be read)."""
    rows = [{"experiment": i.experiment, "run": i.run_id or i.path, "reason": i.reason} for i in ignored]
    return pd.DataFrame(rows, columns=["experiment", "run", "reason"])
