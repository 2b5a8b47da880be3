"""Execute a notebook template with papermill into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ecgstudy.runs.datasource import DataSource


#: Extra command-line arguments of every page kernel (nbclient ``extra_arguments``).
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)


def execute_notebook(template: Path, run_dir: Path, *, params: dict[str, Any], source: DataSource) -> Path:
    """Run ``template`` with ``params`` (plus ``run_dir``, ``data_kind``, ``data_dirs``) via papermill.

    The executed notebook is ``run_dir/notebook.ipynb``; the kernel's stdout/stderr go to
    ``run_dir/log.txt``. A failing cell raises ``papermill.PapermillExecutionError`` (the
    store records it as a failed run), so execution errors never pass silently. The kernel logs at
    ``ERROR`` (:data:`KERNEL_ARGUMENTS`): its start-up warning "Kernel is running over TCP without encryption"
    (ipykernel 7) is not the page's business; the kernel is local and its ports are bound to 127.0.0.1.
    """
    import papermill as pm

    out = run_dir / "notebook.ipynb"
    parameters = {
        **params,
        "run_dir": str(run_dir),
        "data_kind": source.kind,
        "data_dirs": {k: str(v) for k, v in source.folders.items()},
    }
    with open(run_dir / "log.txt", "w") as log:
        pm.execute_notebook(
            str(template), str(out), parameters=parameters, kernel_name="python3",
            cwd=str(run_dir), progress_bar=False, stdout_file=log, stderr_file=log,
            request_save_on_cell_execute=False, extra_arguments=list(KERNEL_ARGUMENTS),
        )
    _fold_parameters(out)
    return out


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
