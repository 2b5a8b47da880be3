"""The budget ladder of a chapter's claims: each claim recomputed at every rung (the weights a run capped at 3, 10,
30 epochs would keep, :mod:`ecgstudy.training.ladder`) beside the runs' own selection, each with its verdict by the
one rule (:class:`ecgstudy.claims.Claim`). A claim is *budget-stable* when its verdict is the same at every rung.

A chapter builds each rung's claims with its own claim functions (ICLR: :mod:`ecgstudy.studies.iclr.ladder_table`;
xECGNet: :mod:`ecgstudy.studies.xecgnet.ladder`) and :func:`ladder_of` lines them up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ecgstudy.claims import Claim
from ecgstudy.report import Table

#: The label of the runs' own selection (the claims at a glance) on the ladder.
CONVERGED = "converged"

#: What a page says when no run carries a ladder.
NO_LADDER = ("The runs of this build carry no budget ladder (runs of a fixed budget, or a profile that scores no "
             "rungs): the claims above stand at the runs' own budget only.")

#: How the ladder table's caption names a rung's weights, by default.
SELECTION = "the lowest inner-validation loss so far"


def rung_epochs(labels: Sequence[str]) -> str:
    """The epoch caps of the rungs ``labels`` in words, for the page's prose (labels without a number, e.g. the
    runs' own selection, are skipped); ``"fewer epochs"`` without one.

    >>> rung_epochs(["3 epochs", "10 epochs", "30 epochs", CONVERGED]), rung_epochs(["1 epoch"]), rung_epochs([])
    ('3, 10 and 30 epochs', '1 epoch', 'fewer epochs')
    """
    caps = [label.split()[0] for label in labels if label.split()[0].isdigit()]
    if not caps:
        return "fewer epochs"
    return (caps[0] if len(caps) == 1 else ", ".join(caps[:-1]) + " and " + caps[-1]) + (
        " epoch" if caps == ["1"] else " epochs")


def ladder_of(by_rung: Mapping[str, Sequence[Claim]], converged: Sequence[Claim], *,
              left_out: Mapping[str, str] | None = None, selection: str = SELECTION) -> "Ladder":
    """The :class:`Ladder` of ``converged`` (the claims at a glance) over the rungs ``by_rung`` (``{"3 epochs":
    claims, ...}`` in rung order). A claim in ``left_out`` (key -> why) or missing at some rung is left out of the
    ladder (the latter with the reason "not computed at every rung").

    >>> from ecgstudy.metrics.stats import Interval
    >>> def c(v, low, high):
    ...     return Claim(key="k", claim="x beats y", paper_value=0.1, paper_text="0.1", ours=Interval(v, low, high, 5, 0.95, "t"),
    ...                  data="d", budget="b")
    >>> lad = ladder_of({"3 epochs": [c(0.0, -0.2, 0.2)]}, [c(0.2, 0.1, 0.3)])
    >>> lad.verdicts("k"), lad.changed
    ({'3 epochs': 'not detected', 'converged': 'agrees'}, ('k',))
    """
    if not by_rung or not converged:
        return Ladder()
    rungs = {label: {c.key: c for c in claims} for label, claims in by_rung.items()}
    rungs[CONVERGED] = {c.key: c for c in converged}
    out_of: dict[str, str] = {}
    rows = []
    for claim in converged:
        key = claim.key
        if key in (left_out or {}):
            out_of[key] = left_out[key]
        elif any(key not in claims for claims in rungs.values()):
            out_of[key] = "not computed at every rung"
        else:
            for label, claims in rungs.items():
                c = claims[key]
                rows.append({"key": key, "claim": c.claim, "rung": label, "kind": c.kind, "estimate": c.ours.estimate,
                             "low": c.ours.low, "high": c.ours.high, "n": int(c.ours.n), "verdict": c.verdict})
    frame = pd.DataFrame(rows, columns=["key", "claim", "rung", "kind", "estimate", "low", "high", "n", "verdict"])
    distinct = frame.groupby("key", sort=False)["verdict"].nunique()
    return Ladder(tuple(rungs), frame, tuple(distinct.index[distinct == 1]), tuple(distinct.index[distinct > 1]),
                  out_of, {c.key: c.claim for c in converged}, selection)


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
        selection: how a rung's weights are chosen, in the table's caption.
    """

    rungs: tuple[str, ...] = ()
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["key", "claim", "rung", "kind", "estimate", "low", "high", "n", "verdict"]))
    stable: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    left_out: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    selection: str = SELECTION

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
                   f"would keep ({self.selection}), and the runs' own selection (converged, "
                   "the claims at a glance); our value (95 % interval) and the verdict of the same rule, the "
                   "budget rule included")
        return Table(pd.DataFrame(rows, columns=["claim", *self.rungs, "same verdict at every rung"]), caption)

    def text(self) -> str:
        """``"N of M claims keep their verdict at every rung; these change: ..."``, and the claims left out."""
        if not self.rungs:
            return NO_LADDER
        n = len(self.stable) + len(self.changed)
        changes = "; ".join(f"{self.names[k]} ({runs_of_verdicts(self.verdicts(k))})" for k in self.changed)
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


def runs_of_verdicts(verdicts: dict[str, str]) -> str:
    """Consecutive rungs with one verdict (or any answer in words) together.

    >>> runs_of_verdicts({"3 epochs": "a", "10 epochs": "a", "30 epochs": "b", "converged": "b"})
    '3 epochs, 10 epochs: a; 30 epochs, converged: b'
    """
    groups: list[tuple[list[str], str]] = []
    for rung, verdict in verdicts.items():
        if groups and groups[-1][1] == verdict:
            groups[-1][0].append(rung)
        else:
            groups.append(([rung], verdict))
    return "; ".join(f"{', '.join(rungs)}: {verdict}" for rungs, verdict in groups)


