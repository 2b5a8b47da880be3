"""Paper value vs reproduced value, for every reported number the chapters cover.

Rows are data (:data:`ecgstudy.paper_numbers.PAPER_NUMBERS`); a row is filled from the newest
finished *real-data* run of its experiment in the store that may stand for the reproduction
(:func:`ecgstudy.runs.reference.eligible_runs`). Synthetic runs never fill a row: the
synthetic generator is a test bed, not a reproduction. Rows nobody can reproduce here
(private data) say so.

Every row has a verdict (:func:`row_verdict`): the verdict of the chapter's claim that decides it
(:class:`ecgstudy.claims.Claim` ``numbers``), an exact comparison for counts, or "not testable at
this budget" with the reason (private data, missing data, no run yet).

    >>> from ecgstudy.scorecard import scorecard
    >>> table = scorecard()                    # doctest: +SKIP
    >>> table[["paper", "item", "paper_value", "reproduced"]].head()   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from ecgstudy.metrics.stats import VERDICTS
from ecgstudy.paper_numbers import PAPER_NUMBERS, PaperNumber
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


def row_verdict(n: PaperNumber, value: float | None, claims: list[dict[str, Any]] | None) -> tuple[str, str]:
    """The verdict of one scorecard row and why, from the row, our value (``None``: none) and the
    chapter claims that name it (:meth:`ecgstudy.claims.Claim.as_dict`; empty or ``None``: none):

    * a row that cannot be reproduced here (``n.blocker``): not testable, for that reason (with each
      claim's verdict on substitute data, if claims name the row);
    * a row a claim decides: the claim's verdict (the first, if several name it);
    * a count (an integer paper value) measured without a claim: agrees when equal, else contradicts;
    * otherwise: not testable, with what is missing.

    >>> from ecgstudy.paper_numbers import PaperNumber
    >>> row_verdict(PaperNumber("k", "iclr", "segments", "", 356, "s"), 356.0, None)
    ('agrees', 'a count, compared exactly: 356 here, 356 in the paper')
    """
    untestable = VERDICTS[3]
    claims = claims or []
    if n.blocker:
        subs = "; ".join(f"{c['data'].split(',')[0]}: {c['verdict']}" for c in claims)
        return untestable, n.blocker + (f" (on substitute data, {subs})" if subs else "")
    if claims:
        claim = claims[0]
        return claim["verdict"], f"claim {claim['key']}: {claim['claim']}"
    if value is None:
        return untestable, "no eligible real-data run in the store has it yet"
    if float(n.paper_value).is_integer() and n.paper_value >= 10:
        same = value == n.paper_value
        return (VERDICTS[0] if same else VERDICTS[1],
                f"a count, compared exactly: {value:g} here, {n.paper_value:g} in the paper")
    return untestable, "measured, but the chapter's page states no claim with an interval for it"


def scorecard(store: RunStore | None = None, *, ignored: list | None = None) -> pd.DataFrame:
    """One row per :data:`PAPER_NUMBERS` entry with the reproduced value where a real-data run has it.

    Columns: ``key, paper, item, condition, paper_value, reproduced, profile, run_id, status, verdict,
    verdict_reason, beside, source`` (``beside``: our values on substitute data, e.g. ``"PTB-XL subset 0.801; ..."``).
    ``status`` is ``measured (<profile>)`` (a value exists; whether it agrees is for the chapter to
    judge; a page built over part of its grid adds ``; <done> of <planned> planned runs``),
    ``pending`` (a chapter will fill it) or the blocker. Only runs that may stand for the
    reproduction are read (:func:`ecgstudy.runs.reference.eligible_runs`: current code, the
    reference data or verified data present, no modified files, readable records); among them the
    one of the largest profile (full, cpu, demo, smoke) wins, then the newest. The others are
    appended to ``ignored`` (:class:`~ecgstudy.runs.reference.IgnoredRun`, with the reason) when given.
    """
    from ecgstudy.claims import chapter_claims
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.reference import eligible_runs

    store = store or RunStore()
    claims = chapter_claims(store)
    by_number: dict[str, list] = {}
    for c in claims.to_dict(orient="records") if len(claims) else []:
        for k in c["numbers"]:
            by_number.setdefault(k, []).append(c)
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
        verdict, why = row_verdict(n, value, by_number.get(n.key))
        row.update(reproduced=value, run_id=run, profile=profile, status=status, verdict=verdict,
                   verdict_reason=why, beside="; ".join(beside))
        rows.append(row)
    cols = ["key", "paper", "item", "condition", "paper_value", "reproduced", "profile", "run_id", "status", "verdict",
            "verdict_reason", "beside", "source"]
    return pd.DataFrame(rows)[cols]


def ignored_table(ignored: list) -> pd.DataFrame:
    """The runs the scorecard did not read, one row each: ``experiment, run, reason`` (``run``: the run
    id, or the file for a record that could not be read)."""
    rows = [{"experiment": i.experiment, "run": i.run_id or i.path, "reason": i.reason} for i in ignored]
    return pd.DataFrame(rows, columns=["experiment", "run", "reason"])
