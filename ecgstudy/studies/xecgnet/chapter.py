"""The xECGNet chapter: the gamma sweep it trains (or reuses) and summarises."""

from __future__ import annotations

from ecgstudy.runs.executors import run_grid
from ecgstudy.studies.xecgnet.data import cpsc_complete
from ecgstudy.studies.xecgnet.experiments import RUNS
from ecgstudy.studies.xecgnet.params import XecgChapterParams


def chapter_datasets(params: XecgChapterParams) -> tuple[str, ...]:
    """The chapter's datasets: ``params.datasets``, plus CPSC 2018 first when asked and complete."""
    extra = ("cpsc2018",) if params.include_cpsc and params.data != "synthetic" and cpsc_complete() else ()
    return extra + tuple(d for d in params.datasets if d not in extra)


def grid_jobs(params: XecgChapterParams, datasets: tuple[str, ...]) -> list:
    """The chapter's runs, seed by seed (so a grid stopped part-way holds whole seeds)."""
    jobs = []
    for seed in params.seeds:
        for ds in datasets:
            base = {"profile": params.profile, "data": params.data, "seed": seed}
            jobs += [RUNS[ds].job({**base, "gamma": g}) for g in params.gammas]
            jobs += [RUNS[ds].job({**base, "gamma": g, "regulariser": "authors_code"})
                     for g in params.authors_code_gammas]
    return jobs


def grid_records(params: XecgChapterParams, datasets: tuple[str, ...], *, store=None, progress: bool = True):
    """Run (or reuse) every run of the chapter; return their records (failures included; with
    ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    return run_grid(grid_jobs(params, datasets), executor=params.executor, store=store,
                    train_missing=params.train_missing, progress=progress)
