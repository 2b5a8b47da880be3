"""The training runs of each chapter's grid, without its page: what ``ecgstudy grid`` trains or counts.

>>> sorted(CHAPTERS), sorted(CHECKS)
(['attribution', 'ecgradcam', 'iclr', 'xecgnet'], ['precision'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ecgstudy.errors import CorruptRunError, ParameterError
from ecgstudy.runs.experiment import Job
from ecgstudy.runs.params import RunParams
from ecgstudy.runs.store import RunStore


def _iclr(params: Any) -> list[Job]:
    from ecgstudy.studies.iclr.chapter import grid_values
    from ecgstudy.studies.iclr.experiments import FOLD

    return [FOLD.job(v) for v in grid_values(params)]


def _xecgnet(params: Any) -> list[Job]:
    from ecgstudy.studies.xecgnet.chapter import chapter_datasets, grid_jobs

    return grid_jobs(params, chapter_datasets(params))


def _ecgradcam(params: Any) -> list[Job]:
    from ecgstudy.studies.ecgradcam.chapter import grid_jobs

    return grid_jobs(params)


def _attribution(params: Any) -> list[Job]:
    from ecgstudy.studies.attribution.chapter import grid_jobs

    return grid_jobs(params)


#: Chapter page experiment -> the jobs of its grid (from the page's parameters). Chapter 4's grid is the
#: controlled model's training run, then one benchmark run per model slot whose weights are in the store.
CHAPTERS: dict[str, Callable[[Any], list[Job]]] = {"iclr": _iclr, "xecgnet": _xecgnet, "ecgradcam": _ecgradcam,
                                                   "attribution": _attribution}


def chapter_params(chapter: str, values: dict[str, Any]) -> RunParams:
    """The chapter page's parameters for ``values`` (``profile``, ``data`` and overrides), with the
    profile's defaults, as ``ecgstudy run <chapter>`` would build them."""
    from ecgstudy.experiments import get_experiment

    if chapter not in CHAPTERS:
        raise ParameterError(f"{chapter!r} is not a chapter with a grid: one of {sorted(CHAPTERS)}")
    return get_experiment(chapter).params(values)


#: Grids that belong to no chapter page: ``name -> jobs(values)``.
CHECKS: dict[str, Callable[[dict[str, Any]], list[Job]]] = {
    "precision": lambda values: _precision(values),
}


def _precision(values: dict[str, Any]) -> list[Job]:
    """The precision check's runs (``-p chapters='["xecgnet"]'``: those chapters' only)."""
    from ecgstudy.studies.precision import check_jobs

    chapters = values.get("chapters")
    try:
        return check_jobs(profile=values.get("profile", "cpu"), data=values.get("data", "auto"),
                          chapters=[chapters] if isinstance(chapters, str) else chapters)
    except ValueError as exc:
        raise ParameterError(str(exc)) from exc


def grid_jobs(chapter: str, values: dict[str, Any]) -> list[Job]:
    """Every training run of ``chapter``'s grid, in the order the page trains them (or of a check grid:
    ``precision``, the paired fp32 / bf16 runs of :mod:`ecgstudy.studies.precision`)."""
    if chapter in CHECKS:
        return CHECKS[chapter](values)
    params = chapter_params(chapter, values)
    return CHAPTERS[chapter](params)


@dataclass
class GridProgress:
    """How far one run experiment of a grid is: ``counts`` of ``done`` / ``failed`` / ``missing`` runs, the wall
    ``seconds`` of each finished run and of its extensions (their ``run.json``; a run paused while it trained
    counts its pause), their ``paced`` seconds, one for each of ``seconds`` (less the time their epochs took beyond
    the run's median epoch, :func:`~ecgstudy.training.loop.excess_epoch_seconds`: pauses and shared cores left out),
    and how each grid cell ended (``stopped_by`` of its ``metrics.json``: ``patience``, ``epoch_cap``, or ``fixed
    budget`` for a training run that records none; nothing for a run that trains nothing; a capped run's finished
    extension (:mod:`ecgstudy.runs.extension`) stands for it, ``"... after an extension"``)."""

    counts: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    stopped_by: Counter = field(default_factory=Counter)
    paced: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        """One line of ``ecgstudy grid --status``: the counts, then the hours run so far, the median run and the
        hours the missing runs would take at that median, and how the finished runs ended.

        >>> p = GridProgress(Counter(done=2, missing=3), [60.0, 900.0], Counter(patience=1, epoch_cap=1), [60.0, 180.0])
        >>> print(p.line("x"))  # doctest: +NORMALIZE_WHITESPACE
        x 2 done 0 failed 3 missing of 5  ·  0.27 h run, 0.07 h at each run's own pace (median 2.0 min),
        about 0.10 h left  ·  stopped by patience 1, epoch cap 1
        """
        c = self.counts
        text = f"{name:<22} {c['done']:>4} done  {c['failed']:>3} failed  {c['missing']:>4} missing  of {sum(c.values())}"
        if self.seconds:
            median = float(np.median(self.paced))
            text += (f"  ·  {sum(self.seconds) / 3600:.2f} h run, {sum(self.paced) / 3600:.2f} h at each run's own pace "
                     f"(median {median / 60:.1f} min)")
            if c["missing"]:
                text += f", about {c['missing'] * median / 3600:.2f} h left"
        if self.stopped_by:
            text += "  ·  stopped by " + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in self.stopped_by.items())
        return text


def grid_progress(jobs: list[Job], store: RunStore | None = None) -> dict[str, GridProgress]:
    """Per run experiment of ``jobs``, its :class:`GridProgress` in the store (nothing is trained)."""
    from ecgstudy.runs.extension import extend_capped
    from ecgstudy.training.loop import excess_epoch_seconds

    store = store or RunStore()
    out: dict[str, GridProgress] = {}
    for job in jobs:
        rec = store.get(job.spec)
        p = out.setdefault(job.experiment.name, GridProgress())
        p.counts[rec.status] += 1
        if not rec.ok:
            continue
        try:
            final = extend_capped([job], [rec], lambda ext: [store.get(j.spec) for j in ext])[0]
            m = final.metrics()
            ended = m.get("stopped_by") or ("fixed budget" if {"epochs", "best_epoch"} & set(m) else None)
        except CorruptRunError:
            final, ended = rec, "unreadable metrics"
        for r in (rec, final) if final is not rec else (rec,):
            if isinstance(r.info.get("seconds"), (int, float)):
                p.seconds.append(float(r.info["seconds"]))
                excess = excess_epoch_seconds(r.path / "progress.log")
                p.paced.append(p.seconds[-1] - (excess or 0.0))
        if ended:  # runs that train nothing (e.g. Chapter 4's benchmark) record no ending
            p.stopped_by[ended + (" after an extension" if final is not rec else "")] += 1
    return out
