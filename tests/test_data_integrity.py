"""Real data is verified before a run reads it, and --data auto says which data it uses and why.

Fault injection on generated WFDB files (always) and on a copy of the real MIT-BIH (when present):
a modified file is refused with its name, unless allowed; then the run records it and the reader
still refuses a damaged annotation file, so no wrong number is ever produced."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import wfdb

from ecgstudy.errors import DataError, DataNotFoundError
from ecgstudy.runs.datasource import DataModifiedError, modified_files, resolve_data
from ecgstudy.testing import real_dataset


def _sums(folder: Path) -> None:
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "SHA256SUMS.txt"]
    (folder / "SHA256SUMS.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    """A data directory with a one-record MIT-BIH-like dataset and its published sums."""
    mitdb = tmp_path / "data" / "mitdb"
    mitdb.mkdir(parents=True)
    t = np.arange(3600) / 360
    wfdb.wrsamp("100", fs=360, units=["mV", "mV"], sig_name=["MLII", "V5"], p_signal=np.stack([np.sin(t), np.cos(t)], 1),
                fmt=["212", "212"], adc_gain=[200.0, 200.0], baseline=[1024, 1024], write_dir=str(mitdb))
    wfdb.wrann("100", "atr", np.array([100, 500, 900]), symbol=["N", "V", "N"], write_dir=str(mitdb))
    (mitdb / "RECORDS").write_text("100\n")
    (mitdb / "LICENSE.txt").write_text("ODC-By\n")
    _sums(mitdb)
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ECGSTUDY_ALLOW_MODIFIED", raising=False)
    return tmp_path / "data"


def test_verified_data_resolves_and_says_why(data_dir):
    source = resolve_data("auto", ("mitdb",), data_dir)
    assert source.kind == "real" and source.modified == ()
    assert "mitdb verified against the published sums" in source.describe() and str(data_dir / "mitdb") in source.describe()


def test_a_modified_file_is_refused_by_name_unless_allowed(data_dir):
    (data_dir / "mitdb" / "100.atr").write_bytes(b"")  # the issue's failure 1: a 0-byte annotation file
    with pytest.raises(DataModifiedError, match="100.atr: differs from its published SHA256 sum") as err:
        resolve_data("real", ("mitdb",), data_dir)
    assert "--allow-modified" in str(err.value)
    allowed = resolve_data("real", ("mitdb",), data_dir, allow_modified=True)
    assert allowed.modified == ("mitdb/100.atr",) and "MODIFIED" in allowed.describe()
    from ecgstudy.data.mitdb import read_mitdb_record

    with pytest.raises(DataError, match="empty annotation file"):  # allowed, the reader still refuses it
        read_mitdb_record(data_dir / "mitdb", "100")


def test_documentation_and_absent_files_are_not_modifications(data_dir):
    (data_dir / "mitdb" / "LICENSE.txt").write_text("another licence text\n")
    (data_dir / "mitdb" / "RECORDS").unlink()  # a listed file absent: a subset, the readers judge it
    assert modified_files(data_dir / "mitdb") == []


def test_auto_errs_on_a_data_directory_with_no_dataset_and_explains_synthetic(tmp_path, monkeypatch):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    with pytest.raises(DataNotFoundError, match="holds none of the study's datasets"):
        resolve_data("auto", ("mitdb",), empty)
    with pytest.raises(DataNotFoundError, match="does not exist"):
        resolve_data("auto", ("mitdb",), tmp_path / "typo")
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert "set ECGSTUDY_DATA" in resolve_data("auto", ("mitdb",)).reason
    (tmp_path / "some" / "ludb").mkdir(parents=True)
    assert "mitdb not found under" in resolve_data("auto", ("mitdb",), tmp_path / "some").reason


def test_a_file_name_that_is_not_utf8_does_not_block_a_dataset(data_dir):
    if sys.platform == "darwin":
        pytest.skip("macOS file systems refuse names that are not UTF-8")
    (data_dir / "mitdb" / os.fsdecode(b"notes-\xff.txt")).write_text("x")  # the issue's failure 5
    source = resolve_data("real", ("mitdb",), data_dir)
    assert source.kind == "real" and len(source.checksum) == 64


@pytest.mark.realdata
def test_the_issues_failure_1_on_a_copy_of_the_real_mitdb_gives_no_number(tmp_path):
    real = real_dataset("mitdb")
    copy = tmp_path / "data" / "mitdb"
    copy.mkdir(parents=True)
    for f in real.iterdir():
        (copy / f.name).symlink_to(f)
    (copy / "100.atr").unlink()
    (copy / "100.atr").write_bytes(b"")
    env = {**os.environ, "ECGSTUDY_DATA": str(tmp_path / "data"), "ECGSTUDY_RESULTS": str(tmp_path / "results"),
           "ECGSTUDY_CACHE": str(tmp_path / "cache")}
    cli = [sys.executable, "-m", "ecgstudy.cli", "run", "data-mitdb", "--profile", "smoke", "--data", "real"]
    refused = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "100.atr: differs from its published SHA256 sum" in refused.stderr
    assert not (tmp_path / "results" / "real").exists()  # nothing recorded, nothing to show
    allowed = subprocess.run(cli + ["--allow-modified"], env=env, capture_output=True, text=True)
    assert allowed.returncode == 1 and "empty annotation file" in allowed.stdout  # a failed run, no number
    assert "Traceback" not in allowed.stdout  # the real error first; -v prints the traceback
    info = json.loads(next((tmp_path / "results" / "real" / "data-mitdb").glob("*/run.json")).read_text())
    assert info["status"] == "failed" and info["data_source"]["modified"] == ["mitdb/100.atr"]
