"""Build the book: run every page's notebook through the store, then Jupyter Book.

Pages are papermill runs (finished runs are reused, not recomputed); the executed
notebooks are copied to ``book/generated/`` where ``_toc.yml`` finds them, and
``jupyter-book build`` renders them without executing anything again
(``execute_notebooks: off``). Any failed page stops the build after all pages were tried,
with every failure named.

A build that trains nothing (``train=False``, ``ecgstudy book --no-train``, what ``make book`` runs) and has
no real data shows, for a page that reads data, the real-data page committed under ``results/real/`` on the
strength of the data checksum in its ``run.json`` (:mod:`ecgstudy.runs.committed`), with a note saying so,
instead of rerunning the page on the synthetic generator.
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
from typing import Any

from ecgstudy import paths
from ecgstudy.errors import EcgStudyError
from ecgstudy.experiments import get_experiment
from ecgstudy.runs.committed import CommittedPage, committed_notebook, committed_page, insert_under_title, title_index
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
    Page("statistics", "statistics"),
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


def _describe(page: Page, rec: RunRecord, committed: CommittedPage | None = None) -> dict:
    """The manifest's entry of a page; ``committed``: the page is a committed real-data one, shown without
    the data (its ``differs``: parameters that differ from the build's)."""
    reads = get_experiment(page.experiment).reads
    return {
        "page": page.name, "experiment": page.experiment, "run_id": rec.spec.run_id,
        "status": rec.status, "data_kind": rec.spec.data_kind, "reads": reads or rec.spec.data_kind,
        "data_checksum": rec.spec.data_checksum,
        "params": rec.spec.params, "path": str(rec.path), "recomputed": rec.recomputed,
        "seconds": rec.info.get("seconds"), "error": rec.error,
        "committed": committed is not None, "differs": list(committed.differs) if committed else [],
    }


#: cell tags that already say how a code cell is shown
_SHOWN_AS = ("hide-input", "hide-cell", "hide-output", "remove-input", "remove-cell", "remove-output")


def tidy_page(path: Path) -> None:
    """:func:`tidy` the notebook at ``path`` in place (``book/generated`` copies only; runs stay as run)."""
    import nbformat

    nbformat.write(tidy(nbformat.read(path, as_version=4), Path(path).stem), path)


def tidy(nb: Any, name: str) -> Any:
    """Make the page ``name`` (its file's stem) read as prose; returns ``nb``, changed in memory:

    * every code cell that does not say how it is shown gets ``hide-input`` (its output shows, its code
      folds behind a toggle);
    * the cell of injected parameters (folded, ``hide-cell``) moves from above the page's title to right
      under it, so no page opens with a toggle box above its title;
    * a chapter with a lesson (:mod:`ecgstudy.classroom`, the page named as its file) gets, right under its
      heading (after the parameters and a committed page's note; the rest of the title's cell follows), the launch links of its student copy with its
      objectives and prerequisites, and at the end its exercise with the solution folded.
    """
    from ecgstudy.classroom.page_cells import classroom_cells

    for cell in nb.cells:
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if not any(t in tags for t in _SHOWN_AS):
                tags.append("hide-input")
    title = title_index(nb.cells)
    if title is not None:
        before = [c for c in nb.cells[:title]
                  if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
        if before:
            rest = [c for c in nb.cells if not any(c is b for b in before)]
            at = next(i for i, c in enumerate(rest) if c is nb.cells[title]) + 1
            nb.cells = rest[:at] + before + rest[at:]
    lesson = classroom_cells(name)
    if lesson is not None and title is not None:
        top, end = lesson
        insert_under_title(nb, [top], skip=_under_title)  # under the parameters and a committed page's note
        nb.cells.append(end)
    return nb


def copy_figure_data(run_path: Path, target: Path) -> int:
    """Copy a run's figure data (``<run>/figure-data/*.csv``, :func:`ecgstudy.report.write_figure_data`) to
    ``target`` (``book/generated/<page>/``, where the figures' captions link them), replacing what was there;
    return how many files were copied."""
    from ecgstudy.report import FIGURE_DATA

    if target.exists():
        shutil.rmtree(target)
    files = sorted((Path(run_path) / FIGURE_DATA).glob("*.csv"))
    if files:
        target.mkdir(parents=True)
        for f in files:
            shutil.copyfile(f, target / f.name)
    return len(files)


def _under_title(cell) -> bool:
    """The folded parameters and a committed page's note, which stay right under the title."""
    from ecgstudy.runs.committed import NOTE_TAG

    return "injected-parameters" in cell.get("metadata", {}).get("tags", []) or \
        cell.get("metadata", {}).get("ecgstudy") == NOTE_TAG


def _publish(pages: tuple[Page, ...], records: list[RunRecord], target: Path,
             committed: list[CommittedPage | None] | None = None) -> list[str]:
    """Copy executed notebooks into ``book/generated`` (a committed page with its note); return failure
    messages."""
    import nbformat

    failures = []
    for page, rec, stand_in in zip(pages, records, committed or [None] * len(pages)):
        if stand_in is not None:
            nb = committed_notebook(stand_in)
        elif rec.ok:
            nb = nbformat.read(rec.path / "notebook.ipynb", as_version=4)
        else:
            failures.append(f"page {page.name!r} ({page.experiment}): {rec.error} [see {rec.path}/traceback.txt]")
            continue
        nbformat.write(tidy(nb, page.name), target / f"{page.name}.ipynb")
        copy_figure_data(stand_in.record.path if stand_in is not None else rec.path, target / page.name)
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
    already in the store and train none, and a page that would run on synthetic data for want of
    the real data is the committed real-data page where one qualifies (:func:`committed_page`).
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
    committed = [committed_page(experiment, spec, store) if not train and data == "auto" else None
                 for experiment, spec in content_jobs]
    if progress:
        for page, (experiment, _), stand_in in zip(CONTENT_PAGES, content_jobs, committed):
            if experiment.datasets:  # which data each page reads, and why (real data is verified here)
                described = resolve_data(data, experiment.datasets).describe()
                if stand_in is not None:
                    described = f"committed real-data page {stand_in.record.spec.run_id} (this build's {described})"
                print(f"{page.name}: {described}", file=sys.stderr)
    ran = iter(runner.run([job for job, stand_in in zip(content_jobs, committed) if stand_in is None], store))
    content = [stand_in.record if stand_in is not None else next(ran) for stand_in in committed]
    failures = _publish(CONTENT_PAGES, content, target, committed)
    manifest = target / "manifest.json"
    manifest.write_text(json.dumps({
        "profile": profile, "data": data, "executor": executor, "train": train,
        "built": time.strftime("%Y-%m-%d %H:%M %Z"),
        "pages": [_describe(p, r, c) for p, r, c in zip(CONTENT_PAGES, content, committed)],
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
