"""Executors run a list of jobs: locally (default) or on Ray.

A job (:class:`~ecgstudy.runs.experiment.Job`) is an experiment and the spec of one of its runs.
Both executors take the same list of jobs and return one :class:`~ecgstudy.runs.store.RunRecord`
per job, in order. A failing run is recorded (``status: failed``) and the others go on. On Ray
each job is pickled to the worker (an experiment holds module-level functions and classes only).

``--executor`` means one thing everywhere: where the *training runs* execute. ``ecgstudy run
<experiment> --executor ray`` sends the runs it names to Ray; for a chapter page (an experiment
that trains a grid) the page itself runs here and its grid goes to Ray, through the chapter's
``executor`` parameter; ``ecgstudy book --executor ray`` runs the pages here, one after another,
and every chapter's grid on Ray. :func:`plan` applies this rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from tqdm import tqdm

from ecgstudy.runs.experiment import Job
from ecgstudy.runs.store import RunRecord, RunStore


def execute(job: Job, store_root: str, force: bool = False) -> RunRecord:
    """Execute one job in this process (the unit of work of every executor)."""
    experiment, spec = job
    store = RunStore(store_root)
    force = force or experiment.always_rerun
    existing = store.get(spec)
    if existing.ok and not force:
        return existing
    source = experiment.source(spec)
    return store.execute(spec, lambda run_dir: experiment.work(spec, Path(run_dir), source), force=force,
                         record={"data_source": {"reason": source.reason, "modified": list(source.modified)}})


class Executor(Protocol):
    def run(self, jobs: Sequence[Job], store: RunStore, *, force: bool = False) -> list[RunRecord]: ...


class LocalExecutor:
    """Runs specs one after another in this process, with a progress bar."""

    def __init__(self, *, progress: bool = True) -> None:
        self.progress = progress

    def run(self, jobs: Sequence[Job], store: RunStore, *, force: bool = False) -> list[RunRecord]:
        out = []
        for job in tqdm(jobs, desc="runs", unit="run", disable=not self.progress or len(jobs) < 2):
            out.append(execute(job, str(store.root), force))
        return out


class RayExecutor:
    """Runs specs as Ray tasks: ``ray.init()`` locally, or ``address=`` for a cluster.

    Finished runs are filtered out before anything is sent to Ray. Every task writes
    into the same store root, so on a cluster that root must be a shared file system.
    """

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None,
                 cpus_per_run: float = 1.0, progress: bool = True) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_run = cpus_per_run
        self.progress = progress

    def run(self, jobs: Sequence[Job], store: RunStore, *, force: bool = False) -> list[RunRecord]:
        import ray

        results: list[RunRecord | None] = [None] * len(jobs)
        todo = []
        for i, (experiment, spec) in enumerate(jobs):
            rec = store.get(spec)
            if rec.ok and not force and not experiment.always_rerun:
                results[i] = rec
            else:
                todo.append(i)
        if todo:
            if not ray.is_initialized():
                kwargs = {"address": self.address} if self.address else {"num_cpus": self.num_cpus}
                ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False, **kwargs)
            remote = ray.remote(num_cpus=self.cpus_per_run)(execute)
            pending = {remote.remote(jobs[i], str(store.root), force): i for i in todo}
            with tqdm(total=len(pending), desc="runs (ray)", unit="run", disable=not self.progress) as bar:
                while pending:
                    ready, _ = ray.wait(list(pending), num_returns=1)
                    ref = ready[0]
                    results[pending.pop(ref)] = ray.get(ref)
                    bar.update(1)
        return [r for r in results if r is not None]


def plan(jobs: Sequence[Job], executor: str, *, address: str | None = None,
         progress: bool = True) -> tuple[list[Job], Executor]:
    """Where ``jobs`` run under ``--executor executor``: a chapter page runs here with its grid sent to
    ``executor`` (its ``executor`` parameter is set); any other run goes to ``executor`` itself.

    Returns the jobs (chapter pages re-specified with the executor) and the executor to run them with.
    With a Ray ``address``, ``RAY_ADDRESS`` is set so that a chapter's grid joins the same cluster.
    """
    import os

    if address:
        os.environ["RAY_ADDRESS"] = address
    if jobs and all(job.experiment.runs_a_grid for job in jobs):
        planned = [job.experiment.job({**job.spec.params, "executor": executor}) if executor != "local" else job
                   for job in jobs]
        return planned, LocalExecutor(progress=progress)
    return list(jobs), make_executor(executor, address=address, progress=progress)


def make_executor(name: str, *, address: str | None = None, progress: bool = True) -> Executor:
    """``"local"`` or ``"ray"``."""
    if name == "local":
        return LocalExecutor(progress=progress)
    if name == "ray":
        return RayExecutor(address=address, progress=progress)
    raise ValueError(f"unknown executor {name!r}; choose 'local' or 'ray'")


def run_grid(jobs: Sequence[Job], *, executor: str = "local", store: RunStore | None = None,
             train_missing: bool = True, progress: bool = True) -> list[RunRecord]:
    """Run (or reuse) the runs of a chapter's grid; return their records in ``jobs`` order.

    A run that its epoch cap ended is extended where its experiment says how
    (:attr:`Experiment.extend_capped <ecgstudy.runs.experiment.Experiment>`, :mod:`ecgstudy.runs.extension`): the
    extended run, trained after the grid, stands for its cell in the records.
    With ``train_missing=False`` nothing is trained: finished runs come back as they are and
    the others with status ``"missing"`` (a chapter summarising a grid part-way done).
    """
    from ecgstudy.runs.extension import extend_capped

    store = store or RunStore()
    if not train_missing:
        def run(todo: Sequence[Job]) -> list[RunRecord]:
            return [store.get(spec) for _, spec in todo]
    else:
        runner = make_executor(executor, progress=progress)

        def run(todo: Sequence[Job]) -> list[RunRecord]:
            return runner.run(todo, store)
    return extend_capped(jobs, run(jobs), run)
