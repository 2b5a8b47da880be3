"""How far a chapter's grid has got: finished, failed and not-yet-trained runs.

A chapter built with ``train_missing=False`` summarises whatever part of its grid is in the
store. :class:`GridStatus` splits the records once and writes the sentences every chapter
shows about it, so the three chapters word it the same way.

>>> from pathlib import Path
>>> from ecgstudy.runs.store import RunRecord, RunSpec
>>> spec = RunSpec(experiment="demo", params={}, data_kind="synthetic", data_checksum="0")
>>> grid = GridStatus.of([RunRecord(spec, Path("a"), "done"), RunRecord(spec, Path("b"), "missing")])
>>> grid.counts()
{'n_runs': 1, 'n_failed': 0, 'n_missing': 1}
>>> grid.completeness()
'**This build summarises the 1 finished runs of 2 planned**; the other 1 were not trained yet.'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ecgstudy.runs.store import RunRecord


@dataclass(frozen=True)
class GridStatus:
    """The records of one grid, split by status (each list in grid order)."""

    summarised: list[RunRecord]
    """Runs that finished: ``done`` or ``failed`` (a failed run stays in every table)."""
    failed: list[RunRecord]
    """The failed subset of ``summarised`` (a run whose record is corrupt counts as failed, its error
    naming the file)."""
    missing: list[RunRecord]
    """Runs not trained yet (status ``missing``)."""

    @classmethod
    def of(cls, records: Sequence[RunRecord]) -> GridStatus:
        """Split ``records`` (as returned by a chapter's ``run_grid``) by status."""
        return cls(summarised=[r for r in records if r.status != "missing"],
                   failed=[r for r in records if r.status in ("failed", "corrupt")],
                   missing=[r for r in records if r.status == "missing"])

    @property
    def planned(self) -> int:
        return len(self.summarised) + len(self.missing)

    def counts(self) -> dict[str, int]:
        """``n_runs`` (finished, failed included), ``n_failed``, ``n_missing``: for a page's metrics.json."""
        return {"n_runs": len(self.summarised), "n_failed": len(self.failed), "n_missing": len(self.missing)}

    def completeness(self, *, why: str | None = None, covers: str | None = None) -> str:
        """One Markdown sentence on how much of the grid this build summarises.

        ``why`` explains which runs are missing (e.g. "the grid goes seed by seed");
        ``covers`` names what covers the finished runs only (e.g. "every mean and interval below").
        """
        if not self.missing:
            return f"All {len(self.summarised)} planned runs were trained."
        reason = f" ({why})" if why else ""
        scope = f", and {covers} covers the finished runs only" if covers else ""
        return (f"**This build summarises the {len(self.summarised)} finished runs of {self.planned} planned**; "
                f"the other {len(self.missing)}{reason} were not trained yet{scope}.")

    def failures(self) -> str:
        """Markdown naming each failed run and its error; empty when none failed."""
        if not self.failed:
            return ""
        return (f"**{len(self.failed)} run(s) failed**: "
                + "; ".join(f"`{r.spec.run_id}` {r.error}" for r in self.failed))
