"""Runs that hit their epoch cap are trained again with a raised cap (ecgstudy.runs.extension) by run_grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import Field

from ecgstudy.runs.executors import run_grid
from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.extension import CapExtension, capped, extension_job
from ecgstudy.runs.params import RunParams
from ecgstudy.runs.store import RunStore


class Toy(RunParams):
    epochs: int = Field(50, ge=1)
    patience: int | None = 8
    converges_at: int = 70  # the epoch patience would stop the run at
    fail_above: int = 10_000  # a run with a cap above this raises


def _train(params: Toy, source, run_dir: Path) -> None:
    if params.epochs > params.fail_above:
        raise RuntimeError("out of memory")
    if params.patience is None or params.converges_at > params.epochs:
        metrics = {"last_epoch": params.epochs, "stopped_by": "epoch_cap"}
    else:
        metrics = {"last_epoch": params.converges_at, "stopped_by": "patience"}
    (run_dir / "metrics.json").write_text(json.dumps({**metrics, "cap": params.epochs}))


TOY = Experiment("toy", "toy", Toy, function=_train,
                 extend_capped=CapExtension("epochs", factor=3, limit=150, profiles=None))


def _caps(records) -> list[tuple[str, int | None, str | None]]:
    return [(r.status, r.metrics().get("cap"), r.metrics().get("stopped_by")) for r in records]


def test_capped_run_is_replaced_by_its_extension_and_others_stay(tmp_path):
    store = RunStore(tmp_path)
    jobs = [TOY.job({"data": "synthetic", "converges_at": c}) for c in (30, 70, 400)]
    jobs.append(TOY.job({"data": "synthetic", "patience": None}))  # a fixed budget: ends at its cap by design
    records = run_grid(jobs, store=store, progress=False)
    assert _caps(records) == [("done", 50, "patience"),  # converged within the cap
                              ("done", 150, "patience"),  # 50 -> 150, converged at 70
                              ("done", 150, "epoch_cap"),  # 50 -> 150, still capped at the limit
                              ("done", 50, "epoch_cap")]  # fixed budget: not extended
    assert records[1].spec.params["epochs"] == 150 and records[1].spec.params["converges_at"] == 70
    # the capped runs stay in the store (superseded), the extensions are runs of their own
    assert len(list(tmp_path.rglob("run.json"))) == 6
    # looking up without training finds the same extensions
    again = run_grid(jobs, store=store, train_missing=False, progress=False)
    assert [r.path for r in again] == [r.path for r in records]


def test_without_training_a_missing_extension_leaves_the_capped_run(tmp_path):
    store = RunStore(tmp_path)
    jobs = [TOY.job({"data": "synthetic", "converges_at": 70})]
    capped_rec = store.execute(jobs[0].spec, lambda d: _train(Toy(data="synthetic", converges_at=70), None, d))
    records = run_grid(jobs, store=store, train_missing=False, progress=False)
    assert records[0].path == capped_rec.path and capped(records[0])


def test_a_failed_extension_leaves_the_capped_run(tmp_path):
    store = RunStore(tmp_path)
    jobs = [TOY.job({"data": "synthetic", "converges_at": 70, "fail_above": 100})]
    records = run_grid(jobs, store=store, progress=False)
    assert _caps(records) == [("done", 50, "epoch_cap")]
    infos = [json.loads(p.read_text()) for p in tmp_path.rglob("run.json")]
    assert sorted((i["status"], i["params"]["epochs"]) for i in infos) == [("done", 50), ("failed", 150)]


def test_extension_job_needs_a_rule_a_cap_and_room_below_the_limit(tmp_path):
    store = RunStore(tmp_path)
    plain = Experiment("plain", "plain", Toy, function=_train)
    job = plain.job({"data": "synthetic"})
    rec = run_grid([job], store=store, progress=False)[0]
    assert capped(rec) and extension_job(job, rec) is None  # no rule
    at_limit = TOY.job({"data": "synthetic", "epochs": 150, "converges_at": 400})
    rec = run_grid([at_limit], store=store, progress=False)[0]
    assert capped(rec) and extension_job(at_limit, rec) is None


def test_only_the_rules_profiles_are_extended(tmp_path):
    cpu_only = Experiment("toy2", "toy2", Toy, function=_train, extend_capped=CapExtension("epochs"))
    store = RunStore(tmp_path)
    jobs = [cpu_only.job({"data": "synthetic", "profile": p, "converges_at": 70}) for p in ("smoke", "cpu")]
    records = run_grid(jobs, store=store, progress=False)
    assert _caps(records) == [("done", 50, "epoch_cap"), ("done", 150, "patience")]


@pytest.mark.parametrize(("factor", "limit"), [(1, 150), (3, 0)])
def test_cap_extension_refuses_a_rule_that_cannot_raise(factor, limit):
    with pytest.raises(ValueError, match="CapExtension"):
        CapExtension("epochs", factor=factor, limit=limit)
