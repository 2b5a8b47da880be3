"""The ECGradCAM chapter: the grid of runs it trains (or reuses) and summarises."""

from __future__ import annotations

from ecgstudy.runs.executors import run_grid
from ecgstudy.studies.ecgradcam.experiments import RUNS
from ecgstudy.studies.ecgradcam.params import EcgradcamChapterParams


def grid_jobs(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None) -> list:
    """The chapter's runs: seed by seed, then dataset, target and fold."""
    datasets = params.datasets if datasets is None else datasets
    return [RUNS[ds].job({"profile": params.profile, "data": params.data, "seed": seed, "target": target,
                          "fold": fold, "n_folds": params.n_folds})
            for seed in params.seeds for ds in datasets for target in params.targets_of(ds)
            for fold in params.fold_list()]


def grid_records(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None, *, store=None,
                 progress: bool = True):
    """Run (or reuse) every run of the chapter; return their records (failures included; with
    ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    return run_grid(grid_jobs(params, datasets), executor=params.executor, store=store,
                    train_missing=params.train_missing, progress=progress)
