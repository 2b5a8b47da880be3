"""The run store under damage and concurrency: corrupt records are named and recomputed, concurrent
writers of one run id compute it once, a forced recomputation is atomic, stale folders are removed."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from ecgstudy.errors import CorruptRunError
from ecgstudy.runs.store import RunSpec, RunStore, read_run_info

SPEC = RunSpec(experiment="demo", params={"x": 1}, data_kind="synthetic", data_checksum="0")


def _work(counter: str, seconds: float = 0.3):
    def work(run_dir: Path) -> None:
        with open(counter, "a") as f:  # one line per computation, whichever process did it
            f.write(f"{os.getpid()}\n")
        time.sleep(seconds)
        (run_dir / "metrics.json").write_text(json.dumps({"pid": os.getpid()}))
    return work


def _execute(root: str, counter: str, force: bool) -> tuple[str, str, int]:
    rec = RunStore(root).execute(SPEC, _work(counter), force=force)
    return rec.status, str(rec.path), rec.metrics()["pid"]


@pytest.mark.parametrize("force", [False, True])
def test_concurrent_writers_of_one_run_id_never_fail_and_compute_once_each(tmp_path, force):
    counter = tmp_path / "computed.txt"
    with mp.get_context("spawn").Pool(6) as pool:
        results = pool.starmap(_execute, [(str(tmp_path / "store"), str(counter), force)] * 6)
    computed = counter.read_text().split()
    assert {status for status, _, _ in results} == {"done"}
    assert len({path for _, path, _ in results}) == 1
    if force:
        assert len(computed) == 6  # each forced call recomputes, one after another
    else:
        assert len(computed) == 1  # the others waited and reused it
        assert {pid for _, _, pid in results} == {int(computed[0])}
    folder = tmp_path / "store" / "synthetic" / "demo"
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == [SPEC.run_id]  # no orphans


@pytest.mark.parametrize("content, problem", [
    ('{"experiment": "demo", "par', "not valid JSON"),
    ("{}", "missing experiment, params"),
    ("[1, 2]", "expected a JSON object"),
    ('{"experiment": 1, "params": {}, "data_kind": "real", "data_checksum": "0", "code_version": "1", '
     '"status": "done"}', "experiment is int"),
])
def test_a_corrupt_run_record_is_named_skipped_and_recomputed(tmp_path, content, problem):
    store = RunStore(tmp_path)
    first = store.execute(SPEC, _work(str(tmp_path / "n.txt"), 0))
    (first.path / "run.json").write_text(content)
    with pytest.raises(CorruptRunError, match=problem) as err:
        read_run_info(first.path / "run.json")
    assert str(first.path / "run.json") in str(err.value)
    rec = store.get(SPEC)
    assert rec.status == "corrupt" and not rec.ok and str(first.path / "run.json") in rec.error
    problems: list[str] = []
    assert store.find("demo", problems=problems) == [] and problem in problems[0]
    again = store.execute(SPEC, _work(str(tmp_path / "n.txt"), 0))  # recomputed, not a traceback
    assert again.ok and again.recomputed and read_run_info(again.path / "run.json")["status"] == "done"


def test_a_run_json_whose_contents_do_not_match_its_folder_is_corrupt(tmp_path):
    store = RunStore(tmp_path)
    rec = store.execute(SPEC, _work(str(tmp_path / "n.txt"), 0))
    info = json.loads((rec.path / "run.json").read_text())
    info["params"] = {"x": 2}
    (rec.path / "run.json").write_text(json.dumps(info))
    assert store.get(SPEC).status == "corrupt" and "its contents give run id" in store.get(SPEC).error


def test_corrupt_metrics_are_named(tmp_path):
    rec = RunStore(tmp_path).execute(SPEC, _work(str(tmp_path / "n.txt"), 0))
    (rec.path / "metrics.json").write_text("{oops")
    with pytest.raises(CorruptRunError, match="metrics.json: not valid JSON"):
        rec.metrics()
    (rec.path / "metrics.json").write_text("[0.5]")
    with pytest.raises(CorruptRunError, match="expected a JSON object"):
        rec.metrics()


def test_stale_temporary_folders_are_removed(tmp_path):
    store = RunStore(tmp_path)
    folder = tmp_path / "synthetic" / "demo"
    stale = folder / f"{SPEC.run_id}.tmp-999999-1"
    stale.mkdir(parents=True)
    (stale / "half.npz").write_text("x")
    assert store.remove_stale() == [stale] and not stale.exists()
    stale.mkdir()
    store.execute(SPEC, _work(str(tmp_path / "n.txt"), 0))  # executing the run clears its own leftovers
    assert not stale.exists()
    busy = folder / f"{'b' * 16}.tmp-1-1"
    busy.mkdir()
    with store.lock(RunSpec("demo", {"b": 1}, "synthetic", "0")):
        pass
    lock = folder / f".{'b' * 16}.lock"
    from filelock import FileLock

    with FileLock(lock):  # a writer at work: its folder stays
        assert store.remove_stale() == [] and busy.exists()
