"""The scorecard: rows filled only from real-data runs, with every paper number listed and its verdict; the
intro and scorecard pages built from the store."""

from __future__ import annotations

import json


from ecgstudy.experiments import get_experiment
from ecgstudy.paper_numbers import PAPER_NUMBERS
from ecgstudy.runs.datasource import combine_checksums
from ecgstudy.runs.reference import reference_checksums
from ecgstudy.runs.store import RunSpec, RunStore
from ecgstudy.book_pages import intro_page, scorecard_page
from ecgstudy.claims import Claim, claims_metrics
from ecgstudy.metrics.stats import Interval
from ecgstudy.scorecard import _lookup, scorecard


def _spec(experiment: str, params: dict, kind: str, checksum: str, **kw) -> RunSpec:
    """A spec the scorecard may read: the experiment's current code version and, for real data, the
    reference data's checksum (``checksum`` only tells runs apart, through the parameters)."""
    exp = get_experiment(experiment)
    if kind == "real":
        ref = reference_checksums()
        params = {**params, "_tag": checksum}
        checksum = combine_checksums({k: ref[k] for k in exp.datasets})
    return RunSpec(experiment, params, kind, checksum, code_version=kw.get("code_version", exp.code_version()))


def _fake_run(store: RunStore, kind: str, metrics: dict) -> RunSpec:
    spec = _spec("data-mitdb", {"profile": "cpu"}, kind, f"{kind}-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    return spec


def test_rows_cover_the_papers_headline_numbers():
    values = {n.key: n.paper_value for n in PAPER_NUMBERS}
    assert values["iclr.mitdb.segments.AN"] == 356 and values["iclr.mitdb.segments.NV"] == 2627
    assert values["iclr.mitdb.classifier.acc"] == 0.981 and values["iclr.mitdb.l2.auc"] == 0.993
    assert values["xecgnet.cpsc.g0.multi_acc"] == 0.758 and values["xecgnet.cpsc.g0.01.micro_f1"] == 0.812
    assert len(values) == len(PAPER_NUMBERS)  # keys are unique


def test_real_runs_fill_rows_synthetic_runs_do_not(store: RunStore):
    _fake_run(store, "synthetic", {"segments": {"AN": 1, "NV": 2}})
    table = scorecard(store).set_index("key")
    assert table.loc["iclr.mitdb.segments.AN", "status"] == "pending"
    real = _fake_run(store, "real", {"segments": {"AN": 350, "NV": 2610}})
    table = scorecard(store).set_index("key")
    assert table.loc["iclr.mitdb.segments.AN", "reproduced"] == 350
    assert table.loc["iclr.mitdb.segments.NV", "reproduced"] == 2610
    assert table.loc["iclr.mitdb.segments.NV", "run_id"] == real.run_id
    assert table.loc["iclr.mitdb.segments.NV", "status"] == "measured (cpu)"
    assert table.loc["iclr.pvc.rv.l2-norm.acc", "status"].startswith("not reproducible")


def test_lookup_walks_nested_keys_that_contain_dots():
    metrics = {"gamma_0.01": {"multi_acc": 0.8, "f1": {"I-AVB": 0.9}}, "flat.key": 3}
    assert _lookup(metrics, "gamma_0.01.multi_acc") == 0.8
    assert _lookup(metrics, "gamma_0.01.f1.I-AVB") == 0.9
    assert _lookup(metrics, "flat.key") == 3
    assert _lookup(metrics, "gamma_0.1.multi_acc") is None


def test_larger_profile_wins_over_newer_smaller_one(store: RunStore):
    for profile, an in [("cpu", 356), ("demo", 1)]:  # the demo run is newer
        spec = _spec("data-mitdb", {"profile": profile}, "real", "real-checksum")
        store.execute(spec, lambda d, an=an: (d / "metrics.json").write_text(json.dumps({"segments": {"AN": an}})))
    row = scorecard(store).set_index("key").loc["iclr.mitdb.segments.AN"]
    assert row["reproduced"] == 356 and row["profile"] == "cpu"


def test_cpsc_rows_wait_for_cpsc_and_show_substitute_data_beside(store: RunStore):
    metrics = {"ptbxl": {"gamma_0.01": {"multi_acc": 0.7, "micro_f1": 0.81}},
               "mitdb": {"gamma_0.01": {"multi_acc": 0.55}}}
    spec = _spec("xecgnet", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    table = scorecard(store).set_index("key")
    row = table.loc["xecgnet.cpsc.g0.01.multi_acc"]
    assert row["status"] == "needs CPSC 2018 data" and row["reproduced"] is None
    assert row["beside"] == "PTB-XL subset 0.700 (cpu); MIT-BIH windows 0.550 (cpu)"
    assert table.loc["xecgnet.cpsc.g0.01.micro_f1", "beside"] == "PTB-XL subset 0.810 (cpu)"
    assert table.loc["xecgnet.cpsc.g0.01.f1.PVC", "beside"] == ""  # classes differ: nothing beside
    metrics["cpsc2018"] = {"gamma_0.01": {"multi_acc": 0.8}}
    spec = _spec("xecgnet", {"profile": "full"}, "real", "real-checksum-2")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    row = scorecard(store).set_index("key").loc["xecgnet.cpsc.g0.01.multi_acc"]
    assert row["reproduced"] == 0.8 and row["status"] == "measured (full)"


def test_private_ecgradcam_rows_show_our_public_data_values_beside(store: RunStore):
    metrics = {"targets": {"ludb.sex": {"accuracy_mean": 0.61, "auc_mean": 0.66}},
               "sex_features": {"qrs": {"auc": 0.63}, "qrs+downslope": {"auc": 0.64}}}
    spec = _spec("ecgradcam", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    table = scorecard(store).set_index("key")
    row = table.loc["ecgradcam.sex.auc"]
    assert row["status"].startswith("not reproducible") and row["reproduced"] is None
    assert row["beside"] == "LUDB 0.660 (cpu)"
    assert table.loc["ecgradcam.sex_lr_attn.auc", "beside"] == "LUDB 0.640 (cpu)"
    assert table.loc["ecgradcam.sex_lr_qrs.auc", "beside"] == "LUDB 0.630 (cpu)"


def test_a_page_over_part_of_its_grid_says_how_much(store: RunStore):
    metrics = {"segmentwise": {"l2": {"acc": {"mean": 0.96}}}, "n_runs": 67, "n_failed": 0, "n_missing": 98}
    spec = _spec("iclr", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    row = scorecard(store).set_index("key").loc["iclr.mitdb.l2.acc"]
    assert row["reproduced"] == 0.96
    assert row["status"] == "measured (cpu; 67 of 165 planned runs)"
    metrics["n_missing"] = 0
    spec = _spec("iclr", {"profile": "cpu", "other": 1}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    assert scorecard(store).set_index("key").loc["iclr.mitdb.l2.acc", "status"] == "measured (cpu)"


def _write(metrics):
    return lambda d: (d / "metrics.json").write_text(json.dumps(metrics))


def test_runs_that_may_not_stand_for_the_reproduction_are_ignored_with_the_reason(store: RunStore):
    good = _spec("data-mitdb", {"profile": "cpu"}, "real", "good")
    store.execute(good, _write({"segments": {"AN": 356}}))
    # the failure 2: a newer run on damaged data (another checksum) must not replace it
    damaged = RunSpec("data-mitdb", {"profile": "full"}, "real", "f" * 64,
                      code_version=get_experiment("data-mitdb").code_version())
    store.execute(damaged, _write({"segments": {"AN": 324}}))
    old_code = _spec("data-mitdb", {"profile": "full"}, "real", "old", code_version="0.0.1+nb.0")
    store.execute(old_code, _write({"segments": {"AN": 1}}))
    modified = _spec("data-mitdb", {"profile": "full"}, "real", "modified")
    store.execute(modified, _write({"segments": {"AN": 2}}), record={"data_source": {"modified": ["mitdb/100.atr"]}})
    no_metrics = _spec("data-mitdb", {"profile": "full"}, "real", "no-metrics")
    store.execute(no_metrics, lambda d: None)
    bad_metrics = _spec("data-mitdb", {"profile": "full"}, "real", "bad-metrics")
    store.execute(bad_metrics, lambda d: (d / "metrics.json").write_text("{truncated"))
    corrupt = _spec("data-mitdb", {"profile": "full"}, "real", "corrupt")
    (store.execute(corrupt, _write({"segments": {"AN": 3}})).path / "run.json").write_text("{}")
    ignored: list = []
    row = scorecard(store, ignored=ignored).set_index("key").loc["iclr.mitdb.segments.AN"]
    assert row["reproduced"] == 356 and row["run_id"] == good.run_id
    reasons = {i.run_id: i.reason for i in ignored}
    assert "neither the reference data's" in reasons[damaged.run_id]
    assert reasons[old_code.run_id].startswith("code version 0.0.1+nb.0, current")
    assert reasons[modified.run_id] == "ran on modified files (mitdb/100.atr)"
    assert reasons[no_metrics.run_id] == "metrics.json missing"
    assert reasons[bad_metrics.run_id].startswith("not valid JSON")
    corrupt_entry = [i for i in ignored if i.run_id == ""]
    assert len(corrupt_entry) == 1 and corrupt_entry[0].path.endswith("run.json")
    assert "missing experiment" in corrupt_entry[0].reason


def test_every_committed_real_run_was_computed_on_the_reference_data():
    """The committed runs and results/real/reference-data.json agree (a run on other data would be ignored)."""
    from pathlib import Path

    from ecgstudy.paths import PROJECT_ROOT
    from ecgstudy.runs.store import read_run_info

    ref = reference_checksums()
    assert set(ref) == {"mitdb", "ludb", "ptbxl"}
    runs = list(Path(PROJECT_ROOT, "results", "real").glob("*/*/run.json"))
    assert len(runs) > 300
    for path in runs:
        info = read_run_info(path)
        datasets = get_experiment(info["experiment"]).datasets
        assert info["data_checksum"] == combine_checksums({k: ref[k] for k in datasets}), path


def test_every_row_has_a_verdict_from_the_claim_that_decides_it(store: RunStore):
    from ecgstudy.claims import Claim, claims_metrics
    from ecgstudy.metrics.stats import VERDICTS, Interval

    claim = Claim(key="iclr.l2_acc", claim="L2 accuracy", paper_value=0.988, kind="value", null=0.88,
                  ours=Interval(0.96, 0.955, 0.965, 25, 0.95, "Student t"), data="MIT-BIH", budget="3 epochs",
                  numbers=("iclr.mitdb.l2.acc",))
    metrics = {"segmentwise": {"l2": {"acc": {"mean": 0.96}}}, "claims": claims_metrics([claim])}
    store.execute(_spec("iclr", {"profile": "cpu"}, "real", "real-checksum"), _write(metrics))
    _fake_run(store, "real", {"segments": {"AN": 356, "NV": 2610}})
    table = scorecard(store).set_index("key")
    assert set(table["verdict"]) <= set(VERDICTS) and table["verdict"].notna().all()
    assert table.loc["iclr.mitdb.l2.acc", "verdict"] == "contradicts"  # 0.955-0.965 excludes 0.988
    assert table.loc["iclr.mitdb.l2.acc", "verdict_reason"] == "claim iclr.l2_acc: L2 accuracy"
    assert table.loc["iclr.mitdb.segments.AN", "verdict"] == "agrees"
    assert table.loc["iclr.mitdb.segments.NV", "verdict"] == "contradicts"
    private = table.loc["iclr.pvc.rv.l2-norm.acc"]
    assert private["verdict"] == "not testable at this budget" and private["verdict_reason"].startswith(
        "not reproducible: private data")
    assert table.loc["iclr.mitdb.classifier.auc", "verdict_reason"] == "no eligible real-data run in the store has it yet"



def _claims():
    return [Claim(key="iclr.a", claim="L2 beats the classifier", paper_value=0.007, data="MIT-BIH", budget="3 epochs",
                  ours=Interval(-0.02, -0.05, 0.01, 25, 0.95, "corrected t"), testable=False,
                  would_change="120 epochs"),
            Claim(key="iclr.b", claim="attention prefers abnormal beats", paper_value=float("inf"), null=0.5,
                  data="MIT-BIH", budget="3 epochs", ours=Interval(0.6, 0.55, 0.65, 17, 0.95, "Student t"))]


def test_intro_aggregates_the_chapters_claims_and_the_build(store: RunStore, tmp_path):
    spec = _spec("iclr", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, _write({"claims": claims_metrics(_claims())}))
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"profile": "cpu", "built": "today", "pages": [
        {"page": "iclr", "experiment": "iclr", "data_kind": "real", "reads": "real", "run_id": "x",
         "recomputed": False, "seconds": 1.0},
        {"page": "intro", "experiment": "intro", "data_kind": "none", "reads": "none", "run_id": "y",
         "recomputed": True, "seconds": 0.1}]}))
    page = intro_page(manifest, profile="cpu", store=store)
    assert (page.glue["n_pages"], page.glue["n_pages_real"], page.glue["book_data"]) == (1, 1, "real PhysioNet data")
    assert page.glue["claims_counts"] == "1 agrees, 1 not testable at this budget"
    assert page.glue["claims_pages"] == f"iclr (cpu, run {spec.run_id})"
    frame = page.shown["claims"].frame
    assert list(frame["verdict"]) == ["not testable at this budget", "agrees"]
    assert list(frame["ours (95 % CI)"]) == ["-0.020 (-0.050 to +0.010)", "+0.600 (+0.550 to +0.650)"]


def test_intro_without_real_pages_says_so(store: RunStore):
    page = intro_page(None, profile="demo", store=store)
    assert page.glue["n_claims"] == 0 and page.glue["claims_counts"] == "none"
    assert page.shown["claims"].startswith("No chapter page on real data")
    assert page.glue["book_data"] == "synthetic data only"


def test_scorecard_page_has_a_verdict_column_per_paper(store: RunStore):
    page = scorecard_page(store)
    for paper in ("iclr", "xecgnet", "ecgradcam"):
        frame = page.shown[paper].frame
        assert {"verdict", "why"} <= set(frame.columns) and frame["verdict"].notna().all()
    assert page.glue["verdict_counts"] == f"{page.glue['n_rows']} not testable at this budget"
    assert page.shown["ignored"] is None


def test_a_row_the_paper_measured_on_missing_data_lists_each_substitute_claim():
    from ecgstudy.scorecard import row_verdict

    row = next(n for n in PAPER_NUMBERS if n.key == "xecgnet.cpsc.g0.01.multi_acc")
    claims = [{"key": "a", "claim": "x", "data": "PTB-XL subset, 5 seeds", "verdict": "not detected"},
              {"key": "b", "claim": "x", "data": "MIT-BIH windows, 5 seeds", "verdict": "agrees"}]
    assert row_verdict(row, None, claims) == (
        "not testable at this budget",
        "needs CPSC 2018 data (on substitute data, PTB-XL subset: not detected; MIT-BIH windows: agrees)")
