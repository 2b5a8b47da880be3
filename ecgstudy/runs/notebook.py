"""Execute a notebook template with papermill into a run folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ecgstudy.runs.datasource import DataSource


def execute_notebook(template: Path, run_dir: Path, *, params: dict[str, Any], source: DataSource) -> Path:
    """Run ``template`` with ``params`` (plus ``run_dir``, ``data_kind``, ``data_dirs``) via papermill.

    The executed notebook is ``run_dir/notebook.ipynb``; the kernel's stdout/stderr go to
    ``run_dir/log.txt``. A failing cell raises ``papermill.PapermillExecutionError`` (the
    store records it as a failed run), so execution errors never pass silently.
    """
    import papermill as pm

    out = run_dir / "notebook.ipynb"
    parameters = {
        **params,
        "run_dir": str(run_dir),
        "data_kind": source.kind,
        "data_dirs": {k: str(v) for k, v in source.folders.items()},
    }
    with open(run_dir / "log.txt", "w") as log, kernel_config() as config:
        pm.execute_notebook(
            str(template), str(out), parameters=parameters, kernel_name="python3",
            cwd=str(run_dir), progress_bar=False, stdout_file=log, stderr_file=log,
            request_save_on_cell_execute=False, config=config,
        )
    _fold_parameters(out)
    return out


@contextmanager
def kernel_config() -> Iterator[Any]:
    """The kernel manager's configuration for one notebook: IPC transport (Unix sockets in a private
    temporary folder, removed afterwards) where the platform has it, TCP elsewhere.

    Over TCP, ipykernel warns "Kernel is running over TCP without encryption" on the terminal at
    every page of a book build; a kernel on IPC sockets (the remedy the warning names) does not,
    and its other messages are left as they are. The sockets live in a folder of their own, never
    in the run folder (the notebook's working directory).
    """
    from traitlets.config import Config

    if os.name != "posix":
        yield Config()
        return
    folder = tempfile.mkdtemp(prefix="ecgstudy-kernel-")
    try:
        yield Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel")}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fold_parameters(path: Path) -> None:
    """Drop the template's default-parameter cell from the rendered page and fold the injected one.

    The injected cell (the values this run used) stays in the notebook, collapsed behind a toggle.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        if "injected-parameters" in tags and "hide-cell" not in tags:
            tags.append("hide-cell")
    nbformat.write(nb, path)
