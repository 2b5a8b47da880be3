"""GridStatus: how a chapter counts and words a grid that is part-way done."""

from pathlib import Path

from ecgstudy.runs.grid_status import GridStatus
from ecgstudy.runs.store import RunRecord, RunSpec


def _record(status: str, seed: int, error: str | None = None) -> RunRecord:
    spec = RunSpec(experiment="demo", params={"seed": seed}, data_kind="synthetic", data_checksum="0")
    return RunRecord(spec, Path(f"r{seed}"), status, {"error": error} if error else {})


def test_split_keeps_grid_order_and_failed_runs_in_summary():
    records = [_record("done", 0), _record("failed", 1, "boom"), _record("missing", 2), _record("done", 3),
               _record("missing", 4)]
    grid = GridStatus.of(records)
    assert [r.spec.params["seed"] for r in grid.summarised] == [0, 1, 3]
    assert [r.spec.params["seed"] for r in grid.failed] == [1]
    assert [r.spec.params["seed"] for r in grid.missing] == [2, 4]
    assert grid.planned == 5
    assert grid.counts() == {"n_runs": 3, "n_failed": 1, "n_missing": 2}


def test_completeness_sentences():
    part = GridStatus.of([_record("done", 0), _record("missing", 1), _record("missing", 2)])
    assert part.completeness(why="the grid goes seed by seed", covers="every mean below") == (
        "**This build summarises the 1 finished runs of 3 planned**; the other 2 (the grid goes seed by seed) "
        "were not trained yet, and every mean below covers the finished runs only.")
    assert part.completeness() == ("**This build summarises the 1 finished runs of 3 planned**; the other 2 "
                                   "were not trained yet.")
    whole = GridStatus.of([_record("done", 0), _record("failed", 1, "x")])
    assert whole.completeness(why="ignored", covers="ignored") == "All 2 planned runs were trained."


def test_failures_names_each_failed_run():
    ok = GridStatus.of([_record("done", 0)])
    assert ok.failures() == ""
    bad = _record("failed", 1, "CUDA out of memory")
    grid = GridStatus.of([_record("done", 0), bad])
    assert grid.failures() == f"**1 run(s) failed**: `{bad.spec.run_id}` CUDA out of memory"


def test_empty_grid():
    grid = GridStatus.of([])
    assert grid.counts() == {"n_runs": 0, "n_failed": 0, "n_missing": 0}
    assert grid.completeness() == "All 0 planned runs were trained."


def test_docstring_example_runs():
    import doctest

    import ecgstudy.runs.grid_status as module

    result = doctest.testmod(module)
    assert result.attempted == 6 and result.failed == 0


def test_a_corrupt_record_counts_as_failed_and_names_its_file(tmp_path):
    from ecgstudy.runs.store import RunSpec, RunStore

    store = RunStore(tmp_path)
    spec = RunSpec(experiment="demo", params={}, data_kind="synthetic", data_checksum="0")
    rec = store.execute(spec, lambda d: None)
    (rec.path / "run.json").write_text('{"trunc')
    grid = GridStatus.of([store.get(spec)])
    assert grid.counts() == {"n_runs": 1, "n_failed": 1, "n_missing": 0}
    assert "run.json: not valid JSON" in grid.failures()
