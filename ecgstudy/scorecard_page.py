"""The scorecard page: the summary of outcomes, then one section per paper (a table of every number with
ours, the difference and the verdict; the reasons behind the verdicts; the numbers with no analogue
here), then the stored runs the scorecard did not read. ``notebooks/scorecard.ipynb`` only shows it."""

from __future__ import annotations

import json
from functools import partial

import pandas as pd

from ecgstudy.paper_numbers import AUTHORS
from ecgstudy.report import Page, Table
from ecgstudy.scorecard import (NOT_REPRODUCIBLE, PAPER_NAMES, _count_text, ignored_table, scorecard, shown_verdict,
                                substitute_counts, summary, summary_text)

#: Columns of a section's main table, in order.
MAIN_COLUMNS = ["reported", "condition", "paper", "our data", "ours", "ours \u2212 paper", "verdict", "source"]

_SUPERSCRIPT = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _is_count(paper_value: float) -> bool:
    return float(paper_value).is_integer() and paper_value >= 10


def number_text(value: float | None, count: bool, *, signed: bool = False) -> str:
    """A value as the tables print it: counts as integers with thousands separators, others with 3
    decimals; ``signed`` prints ``+`` or a true minus sign; ``None`` or NaN prints ``""``.

    >>> number_text(2627.0, True), number_text(-0.0788, False, signed=True), number_text(None, False)
    ('2,627', '\u22120.079', '')
    """
    if value is None or value != value:
        return ""
    text = f"{value:{'+' if signed else ''},.{0 if count else 3}f}"
    return text.replace("-", "\u2212")


def footnotes(reasons: list[str]) -> tuple[list[int], list[str]]:
    """Number the distinct ``reasons`` in order of first appearance: each reason's footnote number
    (from 1) and the distinct reasons.

    >>> footnotes(["a", "b", "a"])
    ([1, 2, 1], ['a', 'b'])
    """
    distinct: list[str] = []
    numbers = []
    for r in reasons:
        if r not in distinct:
            distinct.append(r)
        numbers.append(distinct.index(r) + 1)
    return numbers, distinct


def section_tables(part: pd.DataFrame, name: str) -> tuple[Table | None, str | None, Table | None]:
    """One paper's section from its :func:`ecgstudy.scorecard.scorecard` rows: the main table (rows with
    a value of ours, or that a run of ours will fill; grouped by what is reported; a cell that repeats the
    one above it (what is reported, the number's condition, value and source) left blank; each verdict with a footnote number and its reason on hover), the footnotes as a folded
    admonition (Markdown), and the numbers with no public-data analogue here (``None`` when there is none)."""
    none_here = (part["outcome"] == NOT_REPRODUCIBLE) & part["ours"].isna()
    main = part[~none_here].copy()
    # group rows by what is reported, in the order the paper's numbers come (stable)
    first = {item: i for i, item in enumerate(dict.fromkeys(main["item"]))}
    main = main.assign(_order=main["item"].map(first)).sort_values("_order", kind="stable").reset_index(drop=True)
    marks, distinct = footnotes(list(main["verdict_reason"]))
    frame = pd.DataFrame(index=main.index, columns=MAIN_COLUMNS, dtype=object)
    prev_key, prev_item, prev_source = None, None, None
    for i, r in main.iterrows():
        count = _is_count(r["paper_value"])
        same_key = r["key"] == prev_key
        frame.loc[i, "reported"] = "" if r["item"] == prev_item else r["item"]
        frame.loc[i, "condition"] = "" if same_key else r["condition"]
        frame.loc[i, "paper"] = "" if same_key else number_text(r["paper_value"], count)
        frame.loc[i, "source"] = "" if same_key or r["citation"] == prev_source else r["citation"]
        frame.loc[i, "our data"] = r["dataset"]
        frame.loc[i, "ours"] = number_text(r["ours"], count)
        frame.loc[i, "ours \u2212 paper"] = number_text(r["difference"], count, signed=True)
        frame.loc[i, "verdict"] = f"{shown_verdict(r)} {str(marks[i]).translate(_SUPERSCRIPT)}"
        prev_key, prev_item, prev_source = r["key"], r["item"], r["citation"]
    titles = pd.DataFrame({"verdict": main["verdict_reason"]}, index=main.index)
    table = Table(frame, f"{name}: the paper's numbers beside ours (verdict reasons: hover, or the notes below)",
                  titles=titles) if len(frame) else None
    notes = None
    if distinct:
        items = "\n".join(f"{i}. {text}" for i, text in enumerate(distinct, 1))
        notes = f":::{{admonition}} Why these verdicts ({name})\n:class: dropdown\n{items}\n:::"
    rest = part[none_here]
    blocked = None
    if len(rest):
        reasons = list(dict.fromkeys(rest["blocker"]))
        cols = {"item": "reported", "condition": "condition", "paper_value": "paper", "citation": "source"}
        frame = rest[list(cols)].rename(columns=cols).reset_index(drop=True)
        frame["paper"] = [number_text(v, _is_count(v)) for v in rest["paper_value"]]
        frame["source"] = frame["source"].where(frame["source"] != frame["source"].shift(), "")
        if len(reasons) > 1:
            frame["why"] = list(rest["blocker"])
        caption = f"{name}: the paper's numbers with nothing of ours beside them" + \
            (f" ({reasons[0]})" if len(reasons) == 1 else "")
        blocked = Table(frame, caption)
    return table, notes, blocked


def scorecard_page(store=None) -> Page:
    """The scorecard: how the papers' numbers end (a summary table and figure, glued sentences), one
    section per paper (:func:`section_tables`), Chapter 4's verdicts per model (:mod:`ecgstudy.scorecard_beyond`)
    and the stored runs the scorecard did not read."""
    from ecgstudy.viz.scorecard import outcome_bars

    page = Page(name="scorecard")
    g = page.glue
    ignored: list = []
    table = scorecard(store, ignored=ignored)
    counts = summary(table)
    subs = substitute_counts(table)
    g.update(n_numbers=int(table["key"].nunique()), n_rows=len(table), summary_text=summary_text(table),
             n_substitute=int(table["substitute"].sum()), n_substitute_decided=int(sum(subs.values())),
             substitute_text=_count_text(subs) if sum(subs.values()) else "none")
    page.shown["summary"] = Table(counts.reset_index(), "The papers' numbers by outcome (each number counted once)")
    page.figures["fig_outcomes"] = partial(outcome_bars, counts)
    for paper, name in PAPER_NAMES.items():
        part = table[table["paper"] == paper]
        n = part["key"].nunique()
        with_ours = int(part.groupby("key")["ours"].apply(lambda s: s.notna().any()).sum())
        g[f"{paper}_text"] = (f"{AUTHORS[paper]} report {n} numbers the chapter covers: "
                              f"{_count_text(counts[name].to_dict())}; ours is measured for {with_ours} of them.")
        page.shown[paper], page.shown[f"{paper}_why"], page.shown[f"{paper}_none"] = section_tables(part, name)
    from ecgstudy.scorecard_beyond import beyond_papers

    beyond, g["beyond_text"] = beyond_papers(store, ignored=ignored)
    page.shown["beyond"] = Table(beyond, "Beyond the papers: which explanation is right, per model (Chapter 4)") \
        if len(beyond) else None
    page.shown["ignored"] = Table(ignored_table(ignored), "Stored runs the scorecard did not read") if ignored else None
    page.metrics = {"rows": json.loads(table.to_json(orient="records")), "summary": counts.to_dict()}
    return page
