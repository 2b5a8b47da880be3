"""The training runs of each chapter's grid, without its page: what ``ecgstudy grid`` trains or counts.

>>> sorted(CHAPTERS), sorted(CHECKS)
(['attribution', 'ecgradcam', 'iclr', 'xecgnet'], ['precision'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ecgstudy.errors import ParameterError
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


def grid_counts(jobs: list[Job], store: RunStore | None = None) -> dict[str, Counter]:
    """Per run experiment, how many runs are ``done``, ``failed`` and ``missing`` in the store."""
    store = store or RunStore()
    out: dict[str, Counter] = {}
    for exp, spec in jobs:
        out.setdefault(exp.name, Counter())[store.get(spec).status] += 1
    return out
