"""A page's kernel: parameters injected, and no kernel start-up warning on the CLI's stderr."""

from __future__ import annotations

import json

import nbformat

from ecgstudy.runs.datasource import DataSource
from ecgstudy.runs.notebook import execute_notebook


def test_page_kernel_runs_the_template_quietly(tmp_path, capfd):
    """The kernel is a child process writing to the same stderr: ipykernel 7's "Kernel is running over TCP
    without encryption" warning must not reach it (``KERNEL_ARGUMENTS``), and the run still computes."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(x * 7, data_kind)")]
    template = tmp_path / "t.ipynb"
    nbformat.write(nb, template)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    capfd.readouterr()
    out = execute_notebook(template, run_dir, params={"x": 6}, source=DataSource("synthetic", "x", {}))
    captured = capfd.readouterr()
    assert "without encryption" not in captured.err + captured.out
    assert "without encryption" not in (run_dir / "log.txt").read_text()
    cells = json.loads(out.read_text())["cells"]
    assert "".join(cells[-1]["outputs"][0]["text"]) == "42 synthetic\n"
