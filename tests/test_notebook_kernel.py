"""Notebook pages run quietly: no kernel-transport warning on the terminal, one per page before."""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
import pytest

from ecgstudy.runs.datasource import SYNTHETIC_CHECKSUM, DataSource
from ecgstudy.runs.notebook import execute_notebook

WARNING = "Kernel is running over TCP without encryption"


def _template(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("value = 2\nrun_dir = ''\ndata_kind = ''\ndata_dirs = {}",
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os, sys\nprint(value * 21, data_kind)\nprint(sorted(os.listdir('.')))\n"
                                  "print('cell stderr', file=sys.stderr)"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_page_runs_without_the_kernel_transport_warning(tmp_path, capfd, monkeypatch):
    import papermill as pm

    template = _template(tmp_path / "tiny.ipynb")
    # The premise: a kernel papermill starts on its own (TCP) prints the warning on this process's stderr.
    pm.execute_notebook(str(template), str(tmp_path / "plain.ipynb"), kernel_name="python3", progress_bar=False)
    assert WARNING in capfd.readouterr().err

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the kernel's sockets go
    (tmp_path / "tmp").mkdir()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    source = DataSource("synthetic", SYNTHETIC_CHECKSUM, {}, "test")
    out = execute_notebook(template, run_dir, params={"value": 3}, source=source)
    err = capfd.readouterr().err
    assert WARNING not in err
    outputs = nbformat.read(out, as_version=4).cells[-1].outputs
    assert outputs[0]["text"] == "63 synthetic\n['log.txt']\n"  # ran; no socket in the run folder
    log = (run_dir / "log.txt").read_text().splitlines()  # the cell's own output still goes to the log
    assert sorted(log) == ["63 synthetic", "['log.txt']", "cell stderr"]
    assert list((tmp_path / "tmp").iterdir()) == []  # the sockets' folder is removed
