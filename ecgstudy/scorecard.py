"""Paper value vs ours, for every reported number the chapters cover.

Rows are data (:data:`ecgstudy.paper_numbers.PAPER_NUMBERS`); a number is filled from the newest
finished *real-data* run of its experiment in the store that may stand for the reproduction
(:func:`ecgstudy.runs.reference.eligible_runs`). Synthetic runs never fill a row: the
synthetic generator is a test bed, not a reproduction. A number the paper measured on data we do
not have (private, or CPSC 2018) gets one row per public dataset on which we measured an analogue
(its ``beside``), the dataset named; a number with neither keeps one empty row.

Every row has a verdict (:func:`row_verdict`, :func:`substitute_verdict`): the verdict of the chapter's
claim that decides it (:class:`ecgstudy.claims.Claim` ``numbers``), an exact comparison for counts, or
"not testable at this budget" with the reason. Every number has an *outcome*, what the summary
(:func:`summary`) counts: its verdict on the paper's own data, "not reproducible here" when the paper's
data are not here (private, or missing), or "no real-data run yet".

    >>> from ecgstudy.scorecard import scorecard
    >>> table = scorecard()                    # doctest: +SKIP
    >>> table[["key", "dataset", "paper_value", "ours", "difference", "verdict"]].head()   # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ecgstudy.metrics.stats import VERDICTS, Interval
from ecgstudy.paper_numbers import PAPER_NUMBERS, PRIVATE, PaperNumber
from ecgstudy.runs.params import profile_rank
from ecgstudy.runs.store import RunStore

NOT_REPRODUCIBLE = "not reproducible here"
NO_RUN = "no real-data run yet"
#: What the summary counts per paper number: the four verdicts, then the two reasons for none.
OUTCOMES = (*VERDICTS, NOT_REPRODUCIBLE, NO_RUN)
#: The papers in book order: key and short name.
PAPER_NAMES = {"iclr": "ICLR", "xecgnet": "xECGNet", "ecgradcam": "ECGradCAM"}
#: Columns of :func:`scorecard`, in order.
COLUMNS = ["key", "paper", "item", "condition", "paper_value", "dataset", "substitute", "ours", "difference",
           "verdict", "outcome", "claim", "verdict_reason", "profile", "run_id", "status", "blocker", "citation",
           "source"]


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


def metric_value(metrics: dict[str, Any], metric: str) -> float | None:
    """The number ``metric`` names in ``metrics`` (:func:`_lookup`), or ``None``; ``"a.b[i]"`` takes the
    i-th number of a ratio text such as ``"40 : 29 : 31"``.

    >>> metric_value({"grades": {"random_100": "40 : 29 : 31"}}, "grades.random_100[1]")
    29.0
    >>> metric_value({"a": {"b": 0.5}}, "a.b"), metric_value({"a": "n/a"}, "a[0]"), metric_value({}, "a")
    (0.5, None, None)
    """
    part = re.fullmatch(r"(.+)\[(\d+)\]", metric)
    found = _lookup(metrics, part.group(1) if part else metric)
    if part:
        try:
            found = float(str(found).split(":")[int(part.group(2))])
        except (IndexError, ValueError):
            return None
    return float(found) if _is_number(found) else None


def _measured(profile: str | None, metrics: dict[str, Any]) -> str:
    """``"measured (cpu)"``, or ``"measured (cpu; 67 of 165 planned runs)"`` for a chapter page built
    over part of its grid (its ``metrics.json`` counts ``n_runs`` finished and ``n_missing`` untrained)."""
    missing = metrics.get("n_missing")
    if _is_number(missing) and missing > 0 and _is_number(metrics.get("n_runs")):
        done = int(metrics["n_runs"])
        return f"measured ({profile}; {done} of {done + int(missing)} planned runs)"
    return f"measured ({profile})"


def claim_reason(claim: dict[str, Any]) -> str:
    """Why a claim decides a row, in words: the claim, ours with its interval and data, what would change it.

    >>> claim_reason({"key": "iclr.x", "claim": "L2 accuracy", "kind": "value", "estimate": 0.96, "low": 0.95,
    ...               "high": 0.97, "n": 25, "level": 0.95, "method": "t", "data": "MIT-BIH", "would_change": ""})
    'claim iclr.x: L2 accuracy; ours 0.960 (0.950 to 0.970) on MIT-BIH'
    """
    ours = Interval(*(float("nan") if claim.get(k) is None else claim[k] for k in ("estimate", "low", "high")),
                    claim.get("n", 0), claim.get("level", 0.95), claim.get("method", ""))
    text = f"claim {claim['key']}: {claim['claim']}; ours {ours.text(3, signed=claim.get('kind') == 'direction')}" \
           f" on {claim['data']}"
    return text + (f"; what would change it: {claim['would_change']}" if claim.get("would_change") else "")


def row_verdict(n: PaperNumber, value: float | None, claims: list[dict[str, Any]] | None) -> tuple[str, str]:
    """The verdict of a number on the paper's own data and why, from the number, our value (``None``:
    none) and the chapter claims that name it (:meth:`ecgstudy.claims.Claim.as_dict`; empty or ``None``: none):

    * a number that cannot be reproduced here (``n.blocker``): not testable, for that reason (with each
      claim's verdict on substitute data, if claims name the number);
    * a number a claim decides: the claim's verdict (the first, if several name it; :func:`claim_reason`);
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
        return claims[0]["verdict"], claim_reason(claims[0])
    if value is None:
        return untestable, "no eligible real-data run in the store has it yet"
    if float(n.paper_value).is_integer() and n.paper_value >= 10:
        same = value == n.paper_value
        return (VERDICTS[0] if same else VERDICTS[1],
                f"a count, compared exactly: {value:g} here, {n.paper_value:g} in the paper")
    return untestable, "measured, but the chapter's page states no claim with an interval for it"


def _claim_dataset(text: str) -> str:
    """The dataset a claim's ``data`` or a substitute label names first: ``"PTB-XL subset, 5 folds"`` and
    ``"PTB-XL subset (class NORM)"`` both give ``"PTB-XL subset"``."""
    return re.split(r"[,:;(]", text)[0].strip()


def substitute_verdict(n: PaperNumber, dataset: str, claims: list[dict[str, Any]] | None
                       ) -> tuple[str, dict[str, Any] | None, str]:
    """The verdict of our value of ``n`` on the public substitute ``dataset``, the claim that decides
    it (``None``: none) and why: the first claim naming ``n`` whose data are ``dataset``; without one,
    "not testable at this budget" (the value is shown for scale only).

    >>> from ecgstudy.paper_numbers import PaperNumber
    >>> n = PaperNumber("k", "xecgnet", "micro-F1", "", 0.8, "s", blocker="needs CPSC 2018 data")
    >>> substitute_verdict(n, "LUDB", [{"data": "PTB-XL subset, 5 seeds", "verdict": "agrees"}])
    ('not testable at this budget', None, 'needs CPSC 2018 data; our value on LUDB is shown for scale: no claim of the chapter compares it')
    """
    head = f"{n.blocker}; " if n.blocker else ""
    for c in claims or []:
        if _claim_dataset(c["data"]) == _claim_dataset(dataset):
            return c["verdict"], c, f"{head}on {dataset}, {claim_reason(c)}"
    return VERDICTS[3], None, f"{head}our value on {dataset} is shown for scale: no claim of the chapter compares it"


def scorecard(store: RunStore | None = None, *, ignored: list | None = None) -> pd.DataFrame:
    """One row per paper number and dataset ours is measured on (:data:`COLUMNS`).

    ``dataset`` is the paper's own (``substitute`` false) when a real-data run reproduces the number
    itself, else one row per public dataset of its ``beside`` that has a value (``substitute`` true); a
    number with neither has one row on the paper's data with no value (``ours``: ``None``).
    ``difference`` is ``ours - paper_value``. ``verdict`` is the verdict of the one rule (one of
    :data:`~ecgstudy.metrics.stats.VERDICTS`), ``claim`` the key of the chapter claim that decides it
    (``""``: none), ``verdict_reason`` why; ``outcome`` is the number's (:data:`OUTCOMES`), the same on
    each of its rows. ``status`` is ``measured (<profile>)`` (a page built over part of its grid adds
    ``; <done> of <planned> planned runs``), ``pending`` (a chapter will fill it) or the blocker.
    ``citation`` reads ``"Hu et al. 2021, Table 1 ..."``; ``source`` is the internal tag.

    Only runs that may stand for the reproduction are read (:func:`ecgstudy.runs.reference.eligible_runs`:
    current code, the reference data or verified data present, no modified files, readable records);
    among them the one of the largest profile (full, cpu, demo, smoke) wins, then the newest. The others
    are appended to ``ignored`` (:class:`~ecgstudy.runs.reference.IgnoredRun`, with the reason) when given.
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

    def first(experiment: str | None, metric: str | None) -> tuple[float | None, Any]:
        """Our value of ``metric`` and the run it comes from (largest profile, then newest), or ``(None, None)``."""
        if not experiment or not metric:
            return None, None
        if experiment not in cache:
            found_runs, skipped = eligible_runs(get_experiment(experiment), store)  # newest first
            if ignored is not None:
                ignored.extend(skipped)
            cache[experiment] = sorted(found_runs, key=lambda r: profile_rank(r.spec.params.get("profile")))
        for record in cache[experiment]:
            value = metric_value(record.metrics(), metric)
            if value is not None:
                return value, record
        return None, None

    rows = []
    for n in PAPER_NUMBERS:
        named = by_number.get(n.key, [])
        base = {"key": n.key, "paper": n.paper, "item": n.item, "condition": n.condition,
                "paper_value": n.paper_value, "blocker": n.blocker, "citation": n.citation, "source": n.source}

        def row(dataset: str, substitute: bool, value: float | None, record: Any, verdict: str, claim: str,
                why: str) -> dict[str, Any]:
            profile = record.spec.params.get("profile") if record else None
            return {**base, "dataset": dataset, "substitute": substitute, "ours": value,
                    "difference": None if value is None else value - n.paper_value, "verdict": verdict,
                    "claim": claim, "verdict_reason": why, "profile": profile,
                    "run_id": record.spec.run_id if record else None,
                    "status": _measured(profile, record.metrics()) if record else (n.blocker or "pending")}

        own, own_record = first(n.experiment, n.metric)
        verdict, why = row_verdict(n, own, named)
        if n.blocker and own is None:
            outcome = NOT_REPRODUCIBLE
        elif own is None and not named:
            outcome = NO_RUN
        else:
            outcome = verdict
        mine = []
        if own is not None:
            decided = "" if n.blocker or not named else named[0]["key"]
            mine.append(row(n.paper_data, False, own, own_record, verdict, decided, why))
        for dataset, metric in n.beside:
            value, record = first(n.experiment, metric)
            if value is not None:
                sub_verdict, claim, sub_why = substitute_verdict(n, dataset, named)
                mine.append(row(dataset, True, value, record, sub_verdict, claim["key"] if claim else "", sub_why))
        if not mine:
            decided = "" if n.blocker or not named else named[0]["key"]
            mine.append(row(n.paper_data, False, None, None, verdict, decided, why))
        rows += [{**r, "outcome": outcome} for r in mine]
    return pd.DataFrame(rows, columns=COLUMNS)


def shown_verdict(row: dict[str, Any] | pd.Series) -> str:
    """The verdict a reader sees for a scorecard row: the rule's verdict where a claim or our value on
    the paper's data decides it, else why there is none (``outcome``: not reproducible here, no run yet).

    >>> shown_verdict({"verdict": "not testable at this budget", "claim": "", "outcome": "not reproducible here"})
    'not reproducible here'
    >>> shown_verdict({"verdict": "not detected", "claim": "x.mitdb", "outcome": "not reproducible here"})
    'not detected'
    """
    if not row["claim"] and row["outcome"] in (NOT_REPRODUCIBLE, NO_RUN):
        return row["outcome"]
    return row["verdict"]


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many paper numbers end in each outcome, per paper: index :data:`OUTCOMES`, columns the papers'
    short names (:data:`PAPER_NAMES`, book order) and ``"all"``; each number counts once, however many
    datasets it has rows for."""
    numbers = table.drop_duplicates("key")
    counts = pd.crosstab(numbers["outcome"], numbers["paper"]).reindex(index=list(OUTCOMES), columns=list(PAPER_NAMES),
                                                                        fill_value=0)
    counts = counts.rename(columns=PAPER_NAMES)
    counts["all"] = counts.sum(axis=1)
    counts.index.name, counts.columns.name = "outcome", None
    return counts.astype(int)


def _count_text(counts: dict[str, int], notes: dict[str, str] | None = None) -> str:
    """``"2 agree, 1 contradicts, ..."`` for the nonzero counts, each with its verb, and a note in
    parentheses after an outcome's count where ``notes`` has one.

    >>> _count_text({"agrees": 2, "contradicts": 0, "not testable at this budget": 1}, {"agrees": "x"})
    '2 agree (x), 1 is not testable at this budget'
    """
    words = {"agrees": ("agrees", "agree"), "contradicts": ("contradicts", "contradict"),
             VERDICTS[2]: ("is not detected", "are not detected"),
             VERDICTS[3]: ("is not testable at this budget", "are not testable at this budget"),
             NOT_REPRODUCIBLE: ("is not reproducible here", "are not reproducible here"),
             NO_RUN: ("has no real-data run yet", "have no real-data run yet")}
    notes = notes or {}
    parts = []
    for outcome, k in counts.items():
        if k:
            one, many = words.get(outcome, (outcome, outcome))
            parts.append(f"{k} {one if k == 1 else many}" + (f" ({notes[outcome]})" if outcome in notes else ""))
    return ", ".join(parts) if parts else "none"


def summary_text(table: pd.DataFrame) -> str:
    """The summary in a sentence: the numbers per outcome, and why those not reproducible here are not.

    >>> t = pd.DataFrame({"key": ["a", "b", "b", "c"], "paper": ["iclr"] * 4, "outcome": ["agrees",
    ...     "not reproducible here", "not reproducible here", "not reproducible here"],
    ...     "blocker": [None, "not reproducible: private data", "not reproducible: private data",
    ...                 "needs CPSC 2018 data"]})
    >>> summary_text(t)
    'Of 3 numbers the papers report, 1 agrees, 2 are not reproducible here (1 rests on private data; 1 on data this copy lacks: needs CPSC 2018 data).'
    """
    counts = summary(table)["all"].to_dict()
    blocked = table.drop_duplicates("key")
    blocked = blocked[blocked["outcome"] == NOT_REPRODUCIBLE]
    notes = {}
    if len(blocked):
        private = blocked["blocker"].str.startswith(PRIVATE)
        missing = sorted(set(blocked.loc[~private, "blocker"]))
        parts = [f"{int(private.sum())} {'rests' if private.sum() == 1 else 'rest'} on private data"] \
            if private.any() else []
        if missing:
            parts.append(f"{int((~private).sum())} on data this copy lacks: {'; '.join(missing)}")
        notes[NOT_REPRODUCIBLE] = "; ".join(parts)
    return f"Of {int(sum(counts.values()))} numbers the papers report, {_count_text(counts, notes)}."


def substitute_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many rows on public substitute data a chapter claim decides, per verdict (all four keys)."""
    decided = table[table["substitute"] & (table["claim"] != "")]
    return {v: int((decided["verdict"] == v).sum()) for v in VERDICTS}


def ignored_table(ignored: list) -> pd.DataFrame:
    """The runs the scorecard did not read, one row each: ``experiment, run, reason`` (``run``: the run
    id, or the file for a record that could not be read)."""
    rows = [{"experiment": i.experiment, "run": i.run_id or i.path, "reason": i.reason} for i in ignored]
    return pd.DataFrame(rows, columns=["experiment", "run", "reason"])
