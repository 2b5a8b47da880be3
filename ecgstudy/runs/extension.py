"""A second chance for runs that the epoch cap ended: a validation-driven run that stopped at its cap (not by
patience) had not converged, so its grid cell is trained again with the cap raised.

The extended run is a new run (its parameters differ in the cap) and stands for the cell in the grid's records;
the capped run stays in the store until it is removed as superseded. Training is deterministic for a seed
(:func:`~ecgstudy.training.fit`), so the extended run repeats the capped run's epochs exactly and goes on: it is the
same run with a larger budget, not another draw.

>>> rule = CapExtension("epochs", factor=3, limit=150)
>>> rule.raised(50), rule.raised(120), rule.raised(150)
(150, 150, None)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecgstudy.runs.experiment import Job
    from ecgstudy.runs.store import RunRecord


@dataclass(frozen=True)
class CapExtension:
    """How an experiment's capped runs are extended.

    Attributes:
        key: the parameter holding the epoch cap (``"epochs"``, ``"max_epochs"``).
        factor: the cap is multiplied by this.
        limit: no cap above this; a run capped at the limit stays capped (and its page says so).
        patience_key: the parameter holding the patience; a run whose patience is ``None`` trains a fixed budget
            (it ends at its cap by design) and is never extended.
        profiles: the profiles whose runs are extended (``None``: every one). The small profiles (``smoke``,
            ``demo``) keep their caps: their budgets are fixed by what they are for (tests, a quick book).
    """

    key: str
    factor: int = 3
    limit: int = 150
    patience_key: str = "patience"
    profiles: tuple[str, ...] | None = ("cpu", "full")

    def __post_init__(self) -> None:
        if self.factor < 2 or self.limit < 1:
            raise ValueError(f"CapExtension: factor={self.factor} (>= 2), limit={self.limit} (>= 1)")

    def raised(self, cap: int) -> int | None:
        """The next cap after ``cap``, or ``None`` at the limit."""
        return None if cap >= self.limit else min(cap * self.factor, self.limit)


def capped(record: RunRecord) -> bool:
    """Whether a finished run stopped at its epoch cap (its ``metrics.json`` says ``stopped_by: epoch_cap``)."""
    return record.ok and record.metrics().get("stopped_by") == "epoch_cap"


def extension_job(job: Job, record: RunRecord) -> Job | None:
    """The job that extends ``record`` (a run of ``job``), or ``None``: the run did not hit its cap, its experiment
    extends nothing, or the cap is at the rule's limit."""
    rule = job.experiment.extend_capped
    if rule is None or not capped(record):
        return None
    values = job.experiment.replay_values(record.spec.params)
    params = job.experiment.params(values).model_dump()
    if params.get(rule.patience_key) is None or (rule.profiles is not None and params.get("profile") not in rule.profiles):
        return None
    raised = rule.raised(int(params[rule.key]))
    return None if raised is None else job.experiment.job({**values, rule.key: raised})


def extend_capped(jobs: Sequence[Job], records: list[RunRecord],
                  run: Callable[[list[Job]], list[RunRecord]]) -> list[RunRecord]:
    """``records`` (of ``jobs``, in order) with every capped run replaced by its extension, raised until it
    converges or reaches the limit. ``run(jobs)`` trains (or reuses, or looks up) the extension jobs and returns
    their records; an extension that did not finish (failed, or missing when nothing is trained) leaves the
    capped record in place."""
    out = list(records)
    current: dict[int, Any] = {i: job for i, job in enumerate(jobs)}
    while True:
        todo = [(i, ext) for i, job in current.items() if (ext := extension_job(job, out[i])) is not None]
        if not todo:
            return out
        done = run([ext for _, ext in todo])
        current = {}
        for (i, ext), rec in zip(todo, done):
            if rec.ok:
                out[i] = rec
                current[i] = ext
