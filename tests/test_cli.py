"""The command line, as a user types it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ecgstudy.cli import app

runner = CliRunner()


def test_run_grid_then_reuse(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    first = runner.invoke(app, ["run", "selftest", "--profile", "smoke", "-p", "value=2.5", "--seeds", "0,1"])
    assert first.exit_code == 0, first.output
    assert first.output.count(" done ") == 2
    again = runner.invoke(app, ["run", "selftest", "--profile", "smoke", "-p", "value=2.5", "--seeds", "0,1"])
    assert again.output.count(" reused ") == 2
    metrics = [json.loads(p.read_text()) for p in sorted(tmp_path.rglob("metrics.json"))]
    assert sorted(m["seed"] for m in metrics) == [0, 1] and {m["double"] for m in metrics} == {5.0}


def test_rerun_replays_a_records_parameters_at_the_new_code_version_and_replaces_the_old_folder(tmp_path, monkeypatch):
    import ecgstudy

    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    assert runner.invoke(app, ["run", "selftest", "--profile", "smoke", "-p", "value=1.5"]).exit_code == 0
    (old,) = [p.parent for p in tmp_path.rglob("run.json")]
    same = runner.invoke(app, ["rerun", str(old)])
    assert same.exit_code == 0 and same.output == f"{old} -> {old.name} done\n"  # same id: reused as it is
    monkeypatch.setattr(ecgstudy, "__version__", "9.9.9")  # the code moved on: a new run id
    moved = runner.invoke(app, ["rerun", str(old), "--replace"])
    assert moved.exit_code == 0, moved.output
    (new,) = [p.parent for p in tmp_path.rglob("run.json")]
    assert new != old and not old.exists() and f"{old} -> {new.name} done\n    removed {old}\n" == moved.output
    info = json.loads((new / "run.json").read_text())
    assert info["code_version"] == "9.9.9" and info["params"]["value"] == 1.5
    assert json.loads((new / "metrics.json").read_text())["double"] == 3.0


def test_bad_parameters_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    result = runner.invoke(app, ["run", "selftest", "--profile", "quick", "-p", "valu=1"])
    assert result.exit_code == 1
    assert "profile" in result.output and "valu" in result.output
    unknown = runner.invoke(app, ["run", "no-such-experiment"])
    assert unknown.exit_code == 1 and "unknown experiment" in unknown.output


def test_failed_run_exits_nonzero_with_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    result = runner.invoke(app, ["run", "selftest", "-p", "fail=true"])
    assert result.exit_code == 1 and "selftest asked to fail" in result.output


def test_scorecard_json(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    result = runner.invoke(app, ["scorecard", "--json"])
    rows = json.loads(result.output)
    assert result.exit_code == 0 and len(rows) >= 60
    assert {r["key"] for r in rows} >= {"iclr.mitdb.l2.acc", "xecgnet.cpsc.g0.01.multi_acc"}
    assert all(r["verdict"] == "not testable at this budget" and r["verdict_reason"] for r in rows)  # empty store
    assert len(rows) == len({r["key"] for r in rows})  # nothing of ours: one row per number, on the paper's data
    by_key = {r["key"]: r for r in rows}
    assert by_key["iclr.mitdb.l2.acc"]["ours"] is None and by_key["iclr.mitdb.l2.acc"]["outcome"] == "no real-data run yet"
    assert by_key["xecgnet.cpsc.g0.01.multi_acc"]["dataset"] == "CPSC 2018"
    assert by_key["xecgnet.cpsc.g0.01.multi_acc"]["outcome"] == "not reproducible here"
    assert by_key["iclr.mitdb.l2.acc"]["citation"] == "Hu et al. 2021, Table 1 (via the authors' results spreadsheet)"
    assert by_key["iclr.mitdb.l2.acc"]["source"] == "paper-specs 2.6 rows 9-10 [S spreadsheet]"


def test_scorecard_json_over_the_committed_runs_has_a_verdict_for_every_row():
    from ecgstudy.metrics.stats import VERDICTS

    result = runner.invoke(app, ["scorecard", "--json"])
    assert "ignored" not in result.stderr  # every committed page is read (its code is current)
    rows = json.loads(result.stdout)
    assert rows and all(r["verdict"] in VERDICTS for r in rows)
    by_key = {r["key"]: r for r in rows}
    assert by_key["iclr.mitdb.segments.NV"]["verdict"] == "agrees"  # 2,627 segments, as in the paper
    nv = by_key["iclr.mitdb.segments.NV"]
    assert (nv["ours"], nv["difference"], nv["dataset"], nv["substitute"]) == (2627, 0, "MIT-BIH", False)
    # a CPSC 2018 number: one row per public dataset of ours, each with its number and difference
    multi = [r for r in rows if r["key"] == "xecgnet.cpsc.g0.01.multi_acc"]
    assert [r["dataset"] for r in multi] == ["PTB-XL subset", "MIT-BIH windows"]
    assert all(r["substitute"] and r["difference"] == r["ours"] - 0.845 for r in multi)


def test_compare_pages_command_exits_0_for_identical_pages_and_1_with_the_differences(tmp_path):
    import json

    from typer.testing import CliRunner

    from ecgstudy.cli import app

    def page(name, value):
        out = {"output_type": "display_data", "data": {"application/papermill.record/text/plain": value},
               "metadata": {"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}}}
        (tmp_path / name).mkdir()
        (tmp_path / name / "notebook.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [out]}]}))
        return str(tmp_path / name)

    a, b, c = page("a", "'0.90'"), page("b", "'0.90'"), page("c", "'0.91'")
    same = CliRunner().invoke(app, ["compare-pages", a, b])
    assert same.exit_code == 0 and same.output.strip() == "identical"
    other = CliRunner().invoke(app, ["compare-pages", a, c])
    assert other.exit_code == 1 and "glue 'acc': '0.90' -> '0.91'" in other.output


def test_grid_status_counts_the_chapters_runs_against_the_store(tmp_path, monkeypatch):
    from ecgstudy.runs.chapter_grids import grid_jobs
    from ecgstudy.runs.store import RunStore

    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path))
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    jobs = grid_jobs("iclr", {"profile": "smoke", "data": "synthetic"})
    assert len(jobs) == 4  # smoke: the four methods, segment-wise, fold 0, seed 0
    first = runner.invoke(app, ["grid", "iclr", "--profile", "smoke", "--data", "synthetic", "--status"])
    assert first.exit_code == 0, first.output
    assert "iclr-fold" in first.output and "0 done" in first.output and "4 missing  of 4" in first.output
    exp, spec = jobs[0]  # one finished run (a stand-in record): counted as done
    store = RunStore(tmp_path)
    assert store.execute(spec, lambda d: (d / "metrics.json").write_text("{}")).ok
    again = runner.invoke(app, ["grid", "iclr", "--profile", "smoke", "--data", "synthetic", "--status"])
    assert "1 done" in again.output and "3 missing  of 4" in again.output
    assert "stopped by" not in again.output  # its metrics record no training
    unknown = runner.invoke(app, ["grid", "scorecard", "--status"])
    assert unknown.exit_code == 1 and "not a chapter with a grid" in unknown.output


def test_grid_progress_counts_time_and_how_runs_ended_following_extensions(tmp_path):
    import json

    from ecgstudy.runs.chapter_grids import grid_jobs, grid_progress
    from ecgstudy.runs.extension import extension_job
    from ecgstudy.runs.store import RunStore

    store = RunStore(tmp_path)
    jobs = grid_jobs("iclr", {"profile": "cpu", "data": "synthetic"})[:3]

    def finish(spec, metrics):
        rec = store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
        info = json.loads((rec.path / "run.json").read_text())
        (rec.path / "run.json").write_text(json.dumps({**info, "seconds": 600.0}))  # a known run time
        (rec.path / "progress.log").write_text("epoch   1  val_loss 0.5  100.0 s\nepoch   2  val_loss 0.4  500.0 s\n"
                                               "epoch   3  val_loss 0.4  110.0 s\n")  # paused in epoch 2: 380 s beyond the pace
        return store.get(spec)

    capped = finish(jobs[0].spec, {"stopped_by": "epoch_cap"})
    finish(jobs[1].spec, {"stopped_by": "patience"})
    assert grid_progress(jobs[2:], store)[jobs[0].experiment.name].stopped_by == {}  # nothing finished yet
    progress = grid_progress(jobs, store)[jobs[0].experiment.name]
    assert dict(progress.counts) == {"done": 2, "missing": 1}
    assert dict(progress.stopped_by) == {"epoch_cap": 1, "patience": 1}
    assert progress.seconds == [600.0, 600.0] and progress.paced == [220.0, 220.0]
    line = progress.line("iclr-fold")
    assert "0.33 h run, 0.12 h at each run's own pace (median 3.7 min), about 0.06 h left" in line
    assert "epoch cap 1" in line

    extension = extension_job(jobs[0], capped)  # the cap raised: the run trained on, and patience ended it
    assert extension is not None and extension.spec.run_id != jobs[0].spec.run_id
    finish(extension.spec, {"stopped_by": "patience"})
    progress = grid_progress(jobs, store)[jobs[0].experiment.name]
    assert dict(progress.stopped_by) == {"patience after an extension": 1, "patience": 1}
    assert progress.counts["done"] == 2 and progress.seconds == [600.0, 600.0, 600.0] and len(progress.paced) == 3
    finish(jobs[2].spec, {"epochs": 3, "accuracy": 0.9})  # a run of a fixed budget records no stopped_by
    assert grid_progress(jobs, store)[jobs[0].experiment.name].stopped_by["fixed budget"] == 1
