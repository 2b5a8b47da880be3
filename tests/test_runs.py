"""The run store: stable ids, atomic writes, resume, failures recorded, executors."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

import pytest
import torch

from ecgstudy.errors import ParameterError
from ecgstudy.runs.executors import LocalExecutor, RayExecutor, make_executor
from ecgstudy.runs.params import RunParams, validate
from ecgstudy.experiments import get_experiment
from ecgstudy.runs.store import RunSpec, RunStore, canonical_json

SPEC = RunSpec("selftest", {"profile": "smoke", "seed": 3, "data": "auto", "value": 2.0, "fail": False},
               "synthetic", "synthetic-generator-0.1.0", code_version="0.1.0")


def test_run_id_is_sha256_of_canonical_inputs_and_stable():
    payload = ('{"code_version":"0.1.0","data_checksum":"synthetic-generator-0.1.0","experiment":"selftest",'
               '"params":{"data":"auto","fail":false,"profile":"smoke","seed":3,"value":2.0}}')
    assert canonical_json({"experiment": SPEC.experiment, "params": SPEC.params,
                           "data_checksum": SPEC.data_checksum, "code_version": SPEC.code_version}) == payload
    assert SPEC.run_id == hashlib.sha256(payload.encode()).hexdigest()[:16]
    # Key order of the parameters does not matter; every input does.
    reordered = RunSpec("selftest", dict(reversed(list(SPEC.params.items()))), "synthetic",
                        SPEC.data_checksum, code_version="0.1.0")
    assert reordered.run_id == SPEC.run_id
    changed = [RunSpec("selftest", {**SPEC.params, "seed": 4}, "synthetic", SPEC.data_checksum, "0.1.0"),
               RunSpec("selftest", SPEC.params, "synthetic", "other-data", "0.1.0"),
               RunSpec("selftest", SPEC.params, "synthetic", SPEC.data_checksum, "0.2.0")]
    assert len({SPEC.run_id, *(c.run_id for c in changed)}) == 4


def test_finished_run_is_not_recomputed(store: RunStore):
    calls = []

    def work(run_dir: Path) -> None:
        calls.append(run_dir)
        (run_dir / "metrics.json").write_text('{"x": 1}')

    first = store.execute(SPEC, work)
    second = store.execute(SPEC, work)
    assert first.ok and first.recomputed and not second.recomputed
    assert len(calls) == 1
    assert second.metrics() == {"x": 1}
    info = json.loads((first.path / "run.json").read_text())
    assert info["params"] == SPEC.params and info["data_checksum"] == SPEC.data_checksum
    assert info["status"] == "done" and info["run_id"] == SPEC.run_id
    # Provenance names the library versions that can change a run's numbers.
    assert info["libraries"]["torch"] == importlib.metadata.version("torch")
    assert set(info["libraries"]) >= {"numpy", "scikit-learn", "neurokit2", "wfdb"}
    assert info["cpu"]["torch_capability"] == torch.backends.cpu.get_cpu_capability()
    assert store.execute(SPEC, work, force=True).recomputed and len(calls) == 2


def test_failed_run_is_recorded_then_retried(store: RunStore):
    def boom(run_dir: Path) -> None:
        (run_dir / "partial.txt").write_text("half")
        raise ValueError("corrupt record 207")

    rec = store.execute(SPEC, boom)
    assert rec.status == "failed" and rec.error == "ValueError: corrupt record 207"
    assert "corrupt record 207" in (rec.path / "traceback.txt").read_text()
    assert store.get(SPEC).status == "failed"
    ok = store.execute(SPEC, lambda d: (d / "metrics.json").write_text("{}"))
    assert ok.ok and not (ok.path / "partial.txt").exists()  # the failed attempt was replaced


def test_interrupted_run_leaves_no_finished_folder(store: RunStore):
    def interrupted(run_dir: Path) -> None:
        (run_dir / "metrics.json").write_text('{"x": 1}')
        raise KeyboardInterrupt  # not an Exception: the store must not swallow it

    with pytest.raises(KeyboardInterrupt):
        store.execute(SPEC, interrupted)
    assert store.get(SPEC).status == "missing"  # only a *.tmp-* folder remains
    assert store.find("selftest") == []


def test_params_validation_lists_every_bad_field():
    with pytest.raises(ParameterError) as err:
        validate(RunParams, {"profile": "fast", "seed": "x", "colour": 1})
    text = str(err.value)
    assert "profile" in text and "'fast'" in text and "seed" in text and "colour" in text


def test_profile_defaults_fill_unset_values_only():
    exp = get_experiment("data-mitdb")
    assert exp.params({"profile": "smoke"}).n_synthetic_segments == 60
    assert exp.params({"profile": "smoke", "n_synthetic_segments": 99}).n_synthetic_segments == 99
    assert exp.params({"profile": "demo"}).n_synthetic_segments == 600
    with pytest.raises(ParameterError, match="n_examples"):
        exp.params({"n_examples": 0})


def _grid():
    exp = get_experiment("selftest")
    return [exp.job({"profile": "smoke", "value": v, "fail": v == 2}) for v in (1, 2, 3)]


def test_local_grid_records_failure_and_completes_the_rest(store: RunStore):
    records = LocalExecutor(progress=False).run(_grid(), store)
    assert [r.status for r in records] == ["done", "failed", "done"]
    assert [r.metrics().get("double") for r in records] == [2, None, 6]
    assert "selftest asked to fail" in records[1].error


@pytest.mark.slow
def test_ray_executor_matches_local(store: RunStore):
    import ray

    try:
        records = RayExecutor(num_cpus=2, progress=False).run(_grid(), store)
        assert [r.status for r in records] == ["done", "failed", "done"]
        assert [r.metrics().get("double") for r in records] == [2, None, 6]
        again = RayExecutor(progress=False).run(_grid(), store)  # finished runs are not sent to Ray
        assert not again[0].recomputed and not again[2].recomputed and again[1].status == "failed"
    finally:
        ray.shutdown()


def test_make_executor_rejects_unknown():
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("dask")


def test_editing_a_notebook_template_changes_the_run_id(tmp_path, monkeypatch):
    import nbformat

    from ecgstudy.runs import experiment as registry

    template = registry.NOTEBOOKS / "data_synthetic.ipynb"
    copy = tmp_path / "data_synthetic.ipynb"
    copy.write_text(template.read_text())
    monkeypatch.setattr(registry, "NOTEBOOKS", tmp_path)
    exp = get_experiment("data-synthetic")
    before = exp.spec({"profile": "smoke"})
    assert before.code_version.startswith("0.1.0+nb.")
    nb = nbformat.read(copy, as_version=4)
    nb.cells[1].source += "\nOne more sentence."
    nbformat.write(nb, copy)
    edited = exp.spec({"profile": "smoke"})
    assert edited.run_id != before.run_id
    # Outputs do not count: only the cells' sources.
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="x")]
    nbformat.write(nb, copy)
    assert exp.spec({"profile": "smoke"}).run_id == edited.run_id


def test_executor_means_where_training_runs_execute():
    from ecgstudy.bookbuild import Page, page_values
    from ecgstudy.runs.executors import plan

    chapter = get_experiment("iclr").job({"profile": "smoke", "data": "synthetic"})
    jobs, runner = plan([chapter], "ray")
    assert isinstance(runner, LocalExecutor)  # the page runs here...
    assert jobs[0].spec.params["executor"] == "ray"  # ...and its grid goes to Ray
    same, runner = plan([chapter], "local")
    assert same == [chapter] and isinstance(runner, LocalExecutor)
    explicit = get_experiment("iclr").job({"profile": "smoke", "data": "synthetic", "executor": "ray"})
    assert plan([explicit], "local")[0][0].spec.params["executor"] == "ray"  # -p executor=ray is kept
    training = get_experiment("selftest").job({"profile": "smoke"})
    jobs, runner = plan([training], "ray")
    assert jobs == [training] and isinstance(runner, RayExecutor)
    assert page_values(Page("iclr", "iclr"), profile="cpu", data="real", executor="ray")["executor"] == "ray"
    assert "executor" not in page_values(Page("data_mitdb", "data-mitdb"), profile="cpu", data="real", executor="ray")


@pytest.mark.parametrize("values, field", [({"lr": float("nan")}, "lr"), ({"lr": float("inf")}, "lr"),
                                           ({"seed": -1}, "seed"), ({"seed": 2**32}, "seed")])
def test_parameters_refuse_nan_infinity_and_seeds_out_of_range(values, field):
    with pytest.raises(ParameterError, match=f"{field}: Input should be"):
        get_experiment("iclr-fold").params(values)
    assert get_experiment("iclr-fold").params({"seed": 2**32 - 1}).seed == 2**32 - 1


def test_every_committed_run_keeps_its_parameters_under_todays_params_models():
    """Fields added to a run's parameters since it was recorded leave its record (and so its id) unchanged."""
    import json

    from ecgstudy.experiments import get_experiment
    from ecgstudy.paths import PROJECT_ROOT

    checked = 0
    for path in sorted((PROJECT_ROOT / "results" / "real").glob("*/*/run.json")):
        info = json.loads(path.read_text())
        model = get_experiment(info["experiment"]).params_model
        assert model.model_validate(info["params"]).record() == info["params"], path
        checked += 1
    assert checked >= 150  # the committed study (the former 3-epoch ICLR grid's 165 runs were removed)


def test_a_chapter_pages_code_version_follows_its_training_runs_profile(monkeypatch):
    """Changing the ICLR fold runs' cpu profile makes a new cpu page (never the finished page over the old grid)
    and leaves the demo page's version alone."""
    from ecgstudy.studies.iclr.experiments import CHAPTER, FOLD

    cpu, demo = CHAPTER.code_version("cpu"), CHAPTER.code_version("demo")
    assert cpu.startswith(CHAPTER.version + "+nb.") and "+runs." in cpu and cpu != demo
    monkeypatch.setitem(FOLD.profile_defaults["cpu"], "patience", 99)
    assert CHAPTER.code_version("cpu") != cpu and CHAPTER.code_version("demo") == demo
    assert FOLD.code_version("cpu") == FOLD.version  # a training run's own version does not depend on its profile
