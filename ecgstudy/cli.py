"""The ``ecgstudy`` command line.

    ecgstudy data download mitdb --dest ~/ecgdata
    ecgstudy data check --data-dir ~/ecgdata
    ecgstudy run data-mitdb --profile smoke --param n_examples=2 --seeds 0,1
    ecgstudy book --profile demo
    ecgstudy scorecard --json
    ecgstudy classroom
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from ecgstudy.errors import EcgStudyError
from ecgstudy.runs.params import PROFILES

_PROFILE_HELP = "; ".join(f"{name}: {what}" for name, what in PROFILES.items())

app = typer.Typer(help="A reproducible study of explainable deep learning for ECG.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
data_app = typer.Typer(help="Find, download and verify the real datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@data_app.command("download")
def data_download(
    dataset: str = typer.Argument(..., help="mitdb, ludb, ptbxl, cinc2021 (cpsc2018: prints where to get it)"),
    dest: Optional[Path] = typer.Option(None, help="data directory (default: $ECGSTUDY_DATA or ./data)"),
    only: list[str] = typer.Option([], help="fetch only paths with this prefix (repeatable), e.g. records100/"),
) -> None:
    """Download a PhysioNet dataset, verifying every file's SHA256 against PhysioNet's sums."""
    from ecgstudy import paths
    from ecgstudy.data.download import download

    target = dest or paths.data_dir() or Path("data")
    try:
        folder = download(dataset, target, progress=True, only=only or None)
    except (EcgStudyError, KeyError) as exc:
        _fail(exc)
    typer.echo(f"{dataset}: ready in {folder}\nexport ECGSTUDY_DATA={Path(target).resolve()}")


@data_app.command("check")
def data_check(
    data_dir: Optional[Path] = typer.Option(None, help="data directory (default: $ECGSTUDY_DATA or ./data)"),
) -> None:
    """Which datasets are found, their record counts and checksum status."""
    from ecgstudy import paths
    from ecgstudy.data.check import check_data, format_report

    root = paths.data_dir(data_dir)
    if root is None:
        typer.echo("no data directory: set ECGSTUDY_DATA or pass --data-dir; the study runs on synthetic data")
        raise typer.Exit(0)
    try:
        statuses = check_data(root)
    except EcgStudyError as exc:
        _fail(exc)
    typer.echo(format_report(statuses))


@app.command("list")
def list_experiments() -> None:
    """List the registered experiments."""
    from ecgstudy.experiments import CATALOGUE

    for name, exp in sorted(CATALOGUE.items()):
        typer.echo(f"{name:18s} {exp.title}")


@app.command("run")
def run(
    experiment: str = typer.Argument(..., help="experiment name (see `ecgstudy list`)"),
    profile: str = typer.Option("demo", help=_PROFILE_HELP),
    data: str = typer.Option("auto", help="auto, real or synthetic"),
    param: list[str] = typer.Option([], "--param", "-p", help="KEY=VALUE (JSON values), repeatable"),
    seeds: str = typer.Option("", help="comma-separated seeds: one run per seed (a grid)"),
    executor: str = typer.Option("local", help="where training runs execute: local or ray (for a chapter: its "
                                                "grid; the page itself runs here)"),
    address: Optional[str] = typer.Option(None, help="Ray cluster address (with --executor ray)"),
    force: bool = typer.Option(False, help="recompute even if the run finished"),
    allow_modified: bool = typer.Option(False, help="run on dataset files that differ from their published sums "
                                                    "(recorded as modified; never shown as the reproduction)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="print the traceback of a failed run"),
) -> None:
    """Run an experiment (finished runs are reused); a failing run is recorded and the grid goes on."""
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.runs.executors import plan
    from ecgstudy.runs.store import RunStore

    _allow_modified(allow_modified)
    for stale in RunStore().remove_stale():
        typer.echo(f"removed the leftovers of an interrupted run: {stale}", err=True)
    try:
        exp = get_experiment(experiment)
        typer.echo(resolve_data(data, exp.datasets).describe(), err=True)
        values = _param_values(profile, data, param)
        seed_list = [int(s) for s in seeds.split(",") if s.strip()] or [values.get("seed", 0)]
        jobs, runner = plan([exp.job({**values, "seed": s}) for s in seed_list], executor, address=address)
        records = runner.run(jobs, RunStore(), force=force)
    except (EcgStudyError, KeyError, ValueError) as exc:
        _fail(exc)
    failed = 0
    for rec in records:
        state = "reused" if rec.ok and not rec.recomputed else rec.status
        typer.echo(f"{rec.spec.run_id}  {state:8s} {rec.path}" + (f"\n    {rec.error}" if rec.error else ""))
        trace = rec.path / "traceback.txt"
        if not rec.ok and trace.exists():
            typer.echo(trace.read_text() if verbose else f"    (traceback: {trace}; -v prints it)", err=True)
        failed += not rec.ok
    raise typer.Exit(1 if failed else 0)


@app.command("grid")
def grid(
    chapter: str = typer.Argument(..., help="iclr, xecgnet, ecgradcam, attribution, or precision (the fp32 / bf16 check)"),
    profile: str = typer.Option("demo", help=_PROFILE_HELP),
    data: str = typer.Option("auto", help="auto, real or synthetic"),
    param: list[str] = typer.Option([], "--param", "-p", help="KEY=VALUE of the chapter page (JSON values)"),
    status: bool = typer.Option(False, "--status", help="count the grid's finished, failed and missing runs; "
                                                        "train nothing"),
    executor: str = typer.Option("local", help="where training runs execute: local or ray"),
    device: str = typer.Option("cpu", help="where models train: cpu, or cuda on a GPU machine (recorded in each "
                                           "run.json; not part of the run id)"),
) -> None:
    """Train a chapter's grid without building its page (finished runs are reused), or count it (--status).

    Long grids go in the background: ``nohup ecgstudy grid iclr --profile cpu --data real &``; an interrupted
    grid resumes where it stopped. Each run writes ``progress.log`` (one line per epoch) while it trains."""
    from ecgstudy.runs.chapter_grids import grid_jobs, grid_progress
    from ecgstudy.runs.executors import run_grid
    from ecgstudy.runs.store import RunStore

    import os

    os.environ["ECGSTUDY_DEVICE"] = device
    try:
        from ecgstudy.training.loop import training_device

        training_device()  # refuse a missing GPU before any run starts
        values = _param_values(profile, data, param)
        jobs = grid_jobs(chapter, values)
        if jobs:
            from ecgstudy.runs.datasource import resolve_data

            typer.echo(resolve_data(data, jobs[0][0].datasets).describe(), err=True)
        if not status:
            for stale in RunStore().remove_stale():
                typer.echo(f"removed the leftovers of an interrupted run: {stale}", err=True)
            run_grid(jobs, executor=executor)
        progress = grid_progress(jobs)
    except (EcgStudyError, KeyError, ValueError) as exc:
        _fail(exc)
    failed = 0
    for name, p in progress.items():
        typer.echo(p.line(name))
        failed += p.counts["failed"]
    raise typer.Exit(1 if failed and not status else 0)


def _param_values(profile: str, data: str, param: list[str]) -> dict[str, Any]:
    """``{"profile", "data"}`` and each ``-p KEY=VALUE`` (JSON values, else the raw string).

    Raises:
        EcgStudyError: an item without ``=``.
    """
    values: dict[str, Any] = {"profile": profile, "data": data}
    for item in param:
        key, sep, raw = item.partition("=")
        if not sep:
            raise EcgStudyError(f"--param wants KEY=VALUE, got {item!r}")
        values[key] = _parse_value(raw)
    return values


def _allow_modified(allow: bool) -> None:
    """``--allow-modified``: set for this process and what it starts (notebook kernels, Ray workers)."""
    import os

    from ecgstudy.runs.datasource import ALLOW_MODIFIED_ENV

    if allow:
        os.environ[ALLOW_MODIFIED_ENV] = "1"


@app.command("book")
def book(
    profile: str = typer.Option("demo", help=_PROFILE_HELP),
    data: str = typer.Option("auto", help="auto, real or synthetic"),
    executor: str = typer.Option("local", help="where the chapters' training runs execute: local or ray (pages "
                                                "run here, one after another)"),
    address: Optional[str] = typer.Option(None, help="Ray cluster address"),
    html: bool = typer.Option(True, help="also run jupyter-book build"),
    train: bool = typer.Option(True, "--train/--no-train",
                               help="--no-train: chapters summarise the finished runs of their grids and train none; "
                                    "without the real data, a page whose committed real-data page has the same code "
                                    "version (and profile) shows that page, labelled, instead of rerunning on "
                                    "synthetic data"),
    allow_modified: bool = typer.Option(False, help="run on dataset files that differ from their published sums"),
) -> None:
    """Run every page (reusing finished runs) and build the HTML book into _build/html."""
    from ecgstudy.bookbuild import build_book

    _allow_modified(allow_modified)
    try:
        out = build_book(profile=profile, data=data, executor=executor, address=address, html=html, train=train)
    except EcgStudyError as exc:
        _fail(exc)
    typer.echo(f"book: {out / 'index.html' if html else out}")


@app.command("classroom")
def classroom_cmd(
    check: bool = typer.Option(False, "--check", help="write nothing; fail if a committed copy differs"),
) -> None:
    """Write the student copies classroom/<chapter>.ipynb from the templates and book/classroom/<chapter>.md."""
    from ecgstudy import paths
    from ecgstudy.classroom.lessons import CHAPTERS
    from ecgstudy.classroom.student import classroom_path, student_text, write_classroom

    try:
        if check:
            stale = [classroom_path(c) for c in CHAPTERS if not (paths.PROJECT_ROOT / classroom_path(c)).is_file()
                     or (paths.PROJECT_ROOT / classroom_path(c)).read_text() != student_text(c)]
            typer.echo("\n".join(f"out of date: {s}" for s in stale) or "the student copies are up to date")
            raise typer.Exit(1 if stale else 0)
        for path in write_classroom():
            typer.echo(f"wrote {path.relative_to(paths.PROJECT_ROOT)}")
    except (EcgStudyError, OSError) as exc:
        _fail(exc)


@app.command("rerun")
def rerun_cmd(
    runs: list[Path] = typer.Argument(..., help="finished run folders (holding run.json)"),
    replace: bool = typer.Option(False, help="remove each old folder once its rerun finished under a new id"),
) -> None:
    """Run recorded runs again with exactly their recorded parameters at the current code version (e.g. a
    committed page after its notebook changed); a run whose id did not change is reused. Compare the two
    with `ecgstudy compare-pages OLD NEW`."""
    import shutil

    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.executors import plan
    from ecgstudy.runs.store import RunStore, read_run_info

    failed = 0
    for old in runs:
        try:
            info = read_run_info(old / "run.json")
            exp = get_experiment(info["experiment"])
            jobs, runner = plan([exp.job(exp.replay_values(info["params"]))], "local")
            rec = runner.run(jobs, RunStore())[0]
        except (EcgStudyError, KeyError, ValueError, OSError) as exc:
            _fail(exc)
        same = rec.spec.params == info["params"]
        typer.echo(f"{old} -> {rec.spec.run_id} {rec.status}" + ("" if same else " (parameters differ from the record)")
                   + (f"\n    {rec.error}" if rec.error else ""))
        failed += not rec.ok
        if replace and rec.ok and rec.path.resolve() != old.resolve():
            shutil.rmtree(old)
            typer.echo(f"    removed {old}")
    raise typer.Exit(1 if failed else 0)


@app.command("compare-pages")
def compare_pages_cmd(
    old: Path = typer.Argument(..., help="an executed page: a run folder or its notebook.ipynb"),
    new: Path = typer.Argument(..., help="the page to compare it with"),
    images: bool = typer.Option(True, help="also compare glued figures, byte for byte"),
) -> None:
    """Do two builds of a page glue the same values, show the same tables and write the same metrics?"""
    from ecgstudy.runs.page_diff import compare_pages

    def notebook(path: Path) -> Path:
        return path / "notebook.ipynb" if path.is_dir() else path

    try:
        diffs = compare_pages(notebook(old), notebook(new), images=images)
    except (OSError, ValueError) as exc:
        _fail(exc)
    typer.echo("identical" if not diffs else "\n".join(diffs))
    raise typer.Exit(1 if diffs else 0)


@app.command("scorecard")
def scorecard_cmd(as_json: bool = typer.Option(False, "--json", help="print JSON records")) -> None:
    """Paper value vs ours (on the paper's data or a public analogue), with the difference and the verdict,
    for every number the chapters cover; then how many numbers end in each outcome."""
    from ecgstudy.scorecard import scorecard

    ignored: list = []
    table = scorecard(ignored=ignored)
    for i in ignored:
        typer.echo(f"ignored {i.experiment} {i.run_id or i.path}: {i.reason}", err=True)
    if as_json:
        typer.echo(table.to_json(orient="records", indent=2))
        return
    from ecgstudy.scorecard import shown_verdict, summary

    show = table[["key", "dataset", "paper_value", "ours", "difference"]].copy()
    for column in ("ours", "difference"):
        show[column] = show[column].map(lambda v: "" if v is None or v != v else f"{v:.4g}")
    show["verdict"] = table.apply(shown_verdict, axis=1)
    typer.echo(show.to_string(index=False))
    typer.echo("\nNumbers by outcome (each counted once):\n" + summary(table).to_string())


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover - python -m ecgstudy.cli
    main()
