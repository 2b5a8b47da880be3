"""Claims at a glance: each claim of a paper, the paper's value, ours with its 95 % interval, the data
and budget behind it, and the verdict of the one rule (:func:`ecgstudy.metrics.stats.claim_verdict`).

A chapter's ``summarise`` builds a list of :class:`Claim`; the page shows :func:`claims_table`, its
``metrics.json`` keeps :func:`claims_metrics` (what the intro page and the scorecard read).

>>> from ecgstudy.metrics.stats import Interval
>>> c = Claim(key="demo.gain", claim="A beats B", paper_value=0.05,
...           ours=Interval(0.03, 0.01, 0.05, 5, 0.95, "paired Student t over 5 pairs"),
...           data="synthetic", budget="3 epochs", would_change="nothing short of a negative interval")
>>> c.verdict
'agrees'
>>> claims_table([c]).frame.loc[0, "ours (95 % CI)"]
'+0.030 (+0.010 to +0.050)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ecgstudy.metrics.stats import VERDICTS, Interval, claim_verdict
from ecgstudy.report import Table

#: Columns of a claims-at-a-glance table, in order.
COLUMNS = ("claim", "paper", "ours (95 % CI)", "data", "budget", "verdict", "what would change it")

#: The chapters whose pages carry claims, in book order (experiment names).
CHAPTERS = ("iclr", "xecgnet", "ecgradcam")


def _num(x: float) -> float | None:
    return None if x is None or x != x or math.isinf(x) else float(x)


@dataclass(frozen=True)
class Claim:
    """One claim of a paper, tested on our runs.

    Attributes:
        key: stable id, ``"<chapter>.<claim>"``, e.g. ``"iclr.l2_vs_classifier.accuracy"``.
        claim: the claim in words.
        paper_value: the paper's effect (``kind="direction"``) or value (``kind="value"``), in the units of ``ours``.
        ours: our estimate of the same quantity with its interval and how it was computed.
        data: what our estimate rests on (dataset, unit, split).
        budget: our training budget beside the paper's.
        kind: ``"direction"`` (an effect against ``null``) or ``"value"`` (a reported value; ``null``
            is a trivial baseline's value).
        null: no effect, or the trivial baseline.
        testable: false when the claim needs training our budget does not reach.
        would_change: what would change the verdict (e.g. the budget it would need).
        paper_text: the paper's value as the table prints it (default: the number, signed for
            direction claims).
        numbers: keys of :data:`ecgstudy.paper_numbers.PAPER_NUMBERS` this claim decides.
        digits: decimals printed.
    """

    key: str
    claim: str
    paper_value: float
    ours: Interval
    data: str
    budget: str
    kind: str = "direction"
    null: float = 0.0
    testable: bool = True
    would_change: str = ""
    paper_text: str = ""
    numbers: tuple[str, ...] = ()
    digits: int = 3

    @property
    def verdict(self) -> str:
        """The verdict of the one rule."""
        return claim_verdict(self.ours.low, self.ours.high, paper_effect=self.paper_value, null=self.null,
                             testable=self.testable, kind=self.kind)

    def paper(self) -> str:
        signed = "+" if self.kind == "direction" else ""
        return self.paper_text or f"{self.paper_value:{signed}.{self.digits}f}"

    def row(self) -> dict[str, str]:
        """One row of the claims-at-a-glance table (texts)."""
        ours = self.ours.text(self.digits, signed=self.kind == "direction")
        data = f"{self.data}; {self.ours.method}" if self.ours.method else self.data
        return dict(zip(COLUMNS, (self.claim, self.paper(), ours, data, self.budget, self.verdict,
                                  self.would_change)))

    def as_dict(self) -> dict[str, Any]:
        """The claim as JSON-safe data (``metrics.json``): NaN and infinite numbers become ``None``;
        ``paper_sign`` keeps the direction of the paper's value from ``null`` (+1, -1, 0), so that a claim
        whose size the paper does not report (``paper_value=±inf``) keeps its direction."""
        sign = (self.paper_value > self.null) - (self.paper_value < self.null)
        return {"key": self.key, "claim": self.claim, "kind": self.kind, "paper_value": _num(self.paper_value),
                "paper_sign": sign, "paper": self.paper(), "null": _num(self.null), "estimate": _num(self.ours.estimate),
                "low": _num(self.ours.low), "high": _num(self.ours.high), "n": int(self.ours.n),
                "level": float(self.ours.level), "method": self.ours.method, "data": self.data,
                "budget": self.budget, "testable": bool(self.testable), "verdict": self.verdict,
                "would_change": self.would_change, "numbers": list(self.numbers)}


def claims_table(claims: Sequence[Claim], caption: str = "Claims at a glance") -> Table:
    """The claims-at-a-glance table of a chapter: one row per claim (:data:`COLUMNS`)."""
    frame = pd.DataFrame([c.row() for c in claims], columns=list(COLUMNS))
    return Table(frame, caption)


def claims_metrics(claims: Sequence[Claim]) -> list[dict[str, Any]]:
    """The claims as ``metrics.json`` keeps them (:meth:`Claim.as_dict`)."""
    return [c.as_dict() for c in claims]


def verdict_counts(claims: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many claims end in each of the four verdicts (all four keys, in :data:`VERDICTS` order).

    >>> verdict_counts([{"verdict": "agrees"}, {"verdict": "not detected"}])["agrees"]
    1
    """
    counts = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        counts[c["verdict"]] += 1
    return counts


def verdict_text(claims: Sequence[dict[str, Any]]) -> str:
    """How many claims end in each verdict, in words (verdicts no claim has are left out).

    >>> verdict_text([{"verdict": "agrees"}] * 3 + [{"verdict": "contradicts"}, {"verdict": "not detected"}])
    '3 agree, 1 contradicts, 1 not detected'
    >>> verdict_text([])
    'none'
    """
    words = {"agrees": ("agrees", "agree"), "contradicts": ("contradicts", "contradict")}
    parts = []
    for verdict, n in verdict_counts(claims).items():
        if n:
            one, many = words.get(verdict, (verdict, verdict))
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts) if parts else "none"


def chapter_claims(store=None, *, ignored: list | None = None) -> pd.DataFrame:
    """Every chapter's claims, from the newest page of each chapter that may stand for the
    reproduction (:func:`ecgstudy.runs.reference.eligible_runs`, largest profile first), as one
    table: ``chapter, profile, run_id`` and the fields of :meth:`Claim.as_dict`. Chapters without
    such a page (or whose page has no claims) are left out."""
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.params import profile_rank
    from ecgstudy.runs.reference import eligible_runs
    from ecgstudy.runs.store import RunStore

    store = store or RunStore()
    rows = []
    for chapter in CHAPTERS:
        runs, skipped = eligible_runs(get_experiment(chapter), store)
        if ignored is not None:
            ignored.extend(skipped)
        for record in sorted(runs, key=lambda r: profile_rank(r.spec.params.get("profile"))):
            claims = record.metrics().get("claims")
            if claims:
                rows += [{"chapter": chapter, "profile": record.spec.params.get("profile"),
                          "run_id": record.spec.run_id, **c} for c in claims]
                break
    return pd.DataFrame(rows)


def glance_table(claims: pd.DataFrame, caption: str = "The three papers' claims at a glance") -> Table:
    """The intro page's table: :func:`chapter_claims` as claims-at-a-glance rows with their chapter."""
    if not len(claims):
        return Table(pd.DataFrame(columns=["chapter", *COLUMNS]), caption)
    rows = []
    for c in claims.to_dict(orient="records"):
        ours = Interval(*(float("nan") if c[k] is None else c[k] for k in ("estimate", "low", "high")),
                        c["n"], c["level"], c["method"])
        signed = c["kind"] == "direction"
        rows.append({"chapter": c["chapter"], "claim": c["claim"], "paper": c["paper"],
                     "ours (95 % CI)": ours.text(3, signed=signed),
                     "data": f"{c['data']}; {c['method']}" if c["method"] else c["data"], "budget": c["budget"], "verdict": c["verdict"],
                     "what would change it": c["would_change"]})
    return Table(pd.DataFrame(rows), caption)


def budget_reached(reference: Interval, paper_value: float, *, higher_is_better: bool = True) -> bool:
    """The rule that decides whether a claim is testable at our budget: the chapter's reference model
    (e.g. the classifier alone) trained at our budget reaches the paper's level, i.e. the upper end
    of its interval (lower end when lower is better) reaches the paper's value. Claims that compare
    trained models, or quote their absolute values, are testable only then; below it, our models
    are not the paper's and their differences say nothing about the paper's.

    >>> budget_reached(Interval(0.90, 0.89, 0.91, 5, 0.95, "t"), 0.981)
    False
    >>> budget_reached(Interval(0.97, 0.96, 0.99, 5, 0.95, "t"), 0.981)
    True
    """
    end = reference.high if higher_is_better else reference.low
    if end != end:
        return False
    return bool(end >= paper_value if higher_is_better else end <= paper_value)
