"""Build the book: run every page's notebook through the store, then Jupyter Book.

Pages are papermill runs (finished runs are reused, not recomputed); the executed
notebooks are copied to ``book/generated/`` where ``_toc.yml`` finds them, and
``jupyter-book build`` renders them without executing anything again
(``execute_notebooks: off``). Any failed page stops the build after all pages were tried,
with every failure named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ecgstudy import paths
from ecgstudy.errors import EcgStudyError
from ecgstudy.experiments import get_experiment
from ecgstudy.runs.datasource import resolve_data
from ecgstudy.runs.executors import LocalExecutor
from ecgstudy.runs.store import RunRecord, RunStore


def generated_dir(root: Path) -> Path:
    """Where executed page notebooks are published inside a book ``root``."""
    return Path(root) / "book" / "generated"


@dataclass(frozen=True)
class Page:
    """A generated page: ``book/generated/<name>.ipynb`` from a run of ``experiment``."""

    name: str
    experiment: str


#: Content pages, run first (in this order); their runs are cached in the store.
CONTENT_PAGES = (
    Page("data_cards", "data-cards"),
    Page("data_mitdb", "data-mitdb"),
    Page("data_synthetic", "data-synthetic"),
    Page("iclr", "iclr"),
    Page("xecgnet", "xecgnet"),
    Page("ecgradcam", "ecgradcam"),
    Page("attribution", "attribution"),
)
#: Pages that summarise the build; they read the manifest and are rebuilt each time.
SUMMARY_PAGES = (Page("intro", "intro"), Page("precision", "precision"), Page("scorecard", "scorecard"))


class BookBuildError(EcgStudyError):
    """One or more pages failed, or Jupyter Book failed."""


def _describe(page: Page, rec: RunRecord) -> dict:
    reads = get_experiment(page.experiment).reads
    return {
        "page": page.name, "experiment": page.experiment, "run_id": rec.spec.run_id,
        "status": rec.status, "data_kind": rec.spec.data_kind, "reads": reads or rec.spec.data_kind,
        "data_checksum": rec.spec.data_checksum,
        "params": rec.spec.params, "path": str(rec.path), "recomputed": rec.recomputed,
        "seconds": rec.info.get("seconds"), "error": rec.error,
    }


def _publish(pages: tuple[Page, ...], records: list[RunRecord], target: Path) -> list[str]:
    """Copy executed notebooks into ``book/generated``; return failure messages."""
    failures = []
    for page, rec in zip(pages, records):
        if rec.ok:
            shutil.copyfile(rec.path / "notebook.ipynb", target / f"{page.name}.ipynb")
        else:
            failures.append(f"page {page.name!r} ({page.experiment}): {rec.error} [see {rec.path}/traceback.txt]")
    return failures


def page_values(page: Page, *, profile: str, data: str, train: bool = True, executor: str = "local") -> dict:
    """The parameters a page runs with: profile and data; for a chapter also the executor of its grid
    (``executor``, when not local) and, built with ``train=False``, ``train_missing=False`` (it
    summarises the finished runs of its grid and trains none, e.g. to publish the committed
    real-data records)."""
    values = {"profile": profile, "data": data}
    experiment = get_experiment(page.experiment)
    if experiment.runs_a_grid and executor != "local":
        values["executor"] = executor
    if not train and "train_missing" in experiment.params_model.model_fields:
        values["train_missing"] = False
    return values


def run_pages(*, profile: str = "demo", data: str = "auto", executor: str = "local",
              address: str | None = None, store: RunStore | None = None, progress: bool = True,
              train: bool = True, root: Path = paths.PROJECT_ROOT) -> Path:
    """Run every page (content, then summaries) and publish them under ``root``; return the manifest path.

    Pages run here, one after another; ``executor`` is where the chapters' grids train
    (:func:`~ecgstudy.runs.executors.plan`). ``train=False``: chapters summarise the grid runs
    already in the store and train none.
    """
    store = store or RunStore()
    store.remove_stale()  # folders of runs interrupted earlier
    target = generated_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    if address:
        os.environ["RAY_ADDRESS"] = address
    runner = LocalExecutor(progress=progress)
    t0 = time.perf_counter()
    content_jobs = [get_experiment(p.experiment).job(page_values(p, profile=profile, data=data, train=train,
                                                                 executor=executor))
                    for p in CONTENT_PAGES]
    if progress:
        for page, (experiment, _) in zip(CONTENT_PAGES, content_jobs):
            if experiment.datasets:  # which data each page reads, and why (real data is verified here)
                print(f"{page.name}: {resolve_data(data, experiment.datasets).describe()}", file=sys.stderr)
    content = runner.run(content_jobs, store)
    failures = _publish(CONTENT_PAGES, content, target)
    manifest = target / "manifest.json"
    manifest.write_text(json.dumps({
        "profile": profile, "data": data, "executor": executor, "train": train,
        "built": time.strftime("%Y-%m-%d %H:%M %Z"),
        "pages": [_describe(p, r) for p, r in zip(CONTENT_PAGES, content)],
        "content_seconds": round(time.perf_counter() - t0, 1),
    }, indent=2))
    summary_jobs = [get_experiment(p.experiment).job({**page_values(p, profile=profile, data=data),
                                                      "manifest": str(manifest)})
                    for p in SUMMARY_PAGES]
    summaries = runner.run(summary_jobs, store)
    failures += _publish(SUMMARY_PAGES, summaries, target)
    if failures:
        raise BookBuildError("pages failed:\n  " + "\n  ".join(failures))
    return manifest


def build_html(*, root: Path = paths.PROJECT_ROOT, strict: bool = True) -> Path:
    """Run ``jupyter-book build`` on ``root`` (holding ``_config.yml``); return the HTML folder."""
    cmd = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
           "build", str(root)]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BookBuildError(f"jupyter-book build failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return Path(root) / "_build" / "html"


def build_book(*, profile: str = "demo", data: str = "auto", executor: str = "local",
               address: str | None = None, html: bool = True, progress: bool = True, train: bool = True,
               store: RunStore | None = None, root: Path = paths.PROJECT_ROOT) -> Path:
    """Run all pages then build the HTML book; return the manifest (``html=False``) or HTML folder."""
    manifest = run_pages(profile=profile, data=data, executor=executor, address=address,
                         progress=progress, train=train, store=store, root=root)
    return build_html(root=root) if html else manifest
