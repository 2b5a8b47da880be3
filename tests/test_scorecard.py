"""The scorecard: rows filled only from real-data runs, with every paper number listed and its verdict; the
intro and scorecard pages built from the store."""

from __future__ import annotations

import json

import pandas as pd

from ecgstudy.experiments import get_experiment
from ecgstudy.paper_numbers import PAPER_NUMBERS
from ecgstudy.runs.datasource import combine_checksums
from ecgstudy.runs.reference import reference_checksums
from ecgstudy.runs.store import RunSpec, RunStore
from ecgstudy.book_pages import intro_page
from ecgstudy.scorecard_page import scorecard_page
from ecgstudy.claims import Claim, claims_metrics
from ecgstudy.metrics.stats import Interval
from ecgstudy.scorecard import _lookup, scorecard, substitute_counts, summary, summary_text


def _spec(experiment: str, params: dict, kind: str, checksum: str, **kw) -> RunSpec:
    """A spec the scorecard may read: the experiment's current code version and, for real data, the
    reference data's checksum (``checksum`` only tells runs apart, through the parameters)."""
    exp = get_experiment(experiment)
    if kind == "real":
        ref = reference_checksums()
        params = {**params, "_tag": checksum}
        checksum = combine_checksums({k: ref[k] for k in exp.datasets})
    return RunSpec(experiment, params, kind, checksum,
                   code_version=kw.get("code_version", exp.code_version(params.get("profile"))))


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
    assert table.loc["iclr.mitdb.segments.AN", "outcome"] == "no real-data run yet"
    real = _fake_run(store, "real", {"segments": {"AN": 350, "NV": 2610}})
    table = scorecard(store).set_index("key")
    assert table.loc["iclr.mitdb.segments.AN", "ours"] == 350
    assert table.loc["iclr.mitdb.segments.AN", "difference"] == -6  # 350 - 356
    assert table.loc["iclr.mitdb.segments.NV", "ours"] == 2610
    assert table.loc["iclr.mitdb.segments.NV", "dataset"] == "MIT-BIH"
    assert not table.loc["iclr.mitdb.segments.NV", "substitute"]
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
    assert row["ours"] == 356 and row["profile"] == "cpu"


def _rows(table, key: str) -> list[tuple]:
    """``(dataset, ours, difference, verdict)`` of each row of ``key``, in order."""
    part = table[table["key"] == key]
    return [(d, None if o != o else o, None if x != x else x, v)
            for d, o, x, v in part[["dataset", "ours", "difference", "verdict"]].itertuples(index=False)]


def test_cpsc_rows_wait_for_cpsc_and_give_one_row_per_public_dataset(store: RunStore):
    metrics = {"ptbxl": {"gamma_0.01": {"multi_acc": 0.7, "micro_f1": 0.81, "f1": {"NORM": 0.85, "CD": 0.6}}},
               "mitdb": {"gamma_0.01": {"multi_acc": 0.55, "f1": {"APB": 0.25}}}}
    spec = _spec("xecgnet", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    table = scorecard(store)
    untestable = "not testable at this budget"
    assert _rows(table, "xecgnet.cpsc.g0.01.multi_acc") == [("PTB-XL subset", 0.7, 0.7 - 0.845, untestable),
                                                            ("MIT-BIH windows", 0.55, 0.55 - 0.845, untestable)]
    rows = table[table["key"] == "xecgnet.cpsc.g0.01.multi_acc"]
    assert rows["substitute"].all() and (rows["outcome"] == "not reproducible here").all()
    assert list(rows["status"]) == ["measured (cpu)"] * 2 and list(rows["blocker"]) == ["needs CPSC 2018 data"] * 2
    assert rows["verdict_reason"].iloc[0] == ("needs CPSC 2018 data; our value on PTB-XL subset is shown for scale: "
                                              "no claim of the chapter compares it")
    assert _rows(table, "xecgnet.cpsc.g0.01.micro_f1") == [("PTB-XL subset", 0.81, 0.81 - 0.812, untestable)]
    # per-class F1: the analogous class of ours, named where it differs; none for a class without one
    assert _rows(table, "xecgnet.cpsc.g0.01.f1.Normal") == [("PTB-XL subset (class NORM)", 0.85, 0.85 - 0.749,
                                                             untestable)]
    assert _rows(table, "xecgnet.cpsc.g0.01.f1.PAC") == [("MIT-BIH windows (class APB)", 0.25, 0.25 - 0.421,
                                                          untestable)]
    assert _rows(table, "xecgnet.cpsc.g0.01.f1.STE") == [("CPSC 2018", None, None, untestable)]
    assert table.set_index("key").loc["xecgnet.cpsc.g0.01.f1.STE", "status"] == "needs CPSC 2018 data"
    metrics["cpsc2018"] = {"gamma_0.01": {"multi_acc": 0.8}}
    spec = _spec("xecgnet", {"profile": "full"}, "real", "real-checksum-2")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    table = scorecard(store)
    assert [r[:2] for r in _rows(table, "xecgnet.cpsc.g0.01.multi_acc")] == [
        ("CPSC 2018", 0.8), ("PTB-XL subset", 0.7), ("MIT-BIH windows", 0.55)]
    row = table[table["key"] == "xecgnet.cpsc.g0.01.multi_acc"].iloc[0]
    assert row["status"] == "measured (full)" and not row["substitute"]


def test_a_substitute_row_takes_the_verdict_of_the_claim_on_its_dataset(store: RunStore):
    claim = Claim(key="xecgnet.mitdb.multi_acc.g0.01", claim="gamma 0.01 changes subset accuracy",
                  paper_value=0.087, ours=Interval(0.04, -0.05, 0.14, 5, 0.95, "paired Student t"),
                  data="MIT-BIH windows, test split of each seed", budget="20 epochs",
                  numbers=("xecgnet.cpsc.g0.multi_acc", "xecgnet.cpsc.g0.01.multi_acc"))
    metrics = {"ptbxl": {"gamma_0": {"multi_acc": 0.15}}, "mitdb": {"gamma_0": {"multi_acc": 0.12}},
               "claims": claims_metrics([claim])}
    store.execute(_spec("xecgnet", {"profile": "cpu"}, "real", "real-checksum"), _write(metrics))
    table = scorecard(store)
    rows = table[table["key"] == "xecgnet.cpsc.g0.multi_acc"]
    assert list(rows["dataset"]) == ["PTB-XL subset", "MIT-BIH windows"]
    assert list(rows["verdict"]) == ["not testable at this budget", "not detected"]  # -0.05..0.14 holds 0 and 0.087
    assert list(rows["claim"]) == ["", "xecgnet.mitdb.multi_acc.g0.01"]
    assert rows["verdict_reason"].iloc[1] == (
        "needs CPSC 2018 data; on MIT-BIH windows, claim xecgnet.mitdb.multi_acc.g0.01: gamma 0.01 changes subset "
        "accuracy; ours +0.040 (-0.050 to +0.140) on MIT-BIH windows, test split of each seed")
    assert set(rows["outcome"]) == {"not reproducible here"}  # the paper's number itself is not reproducible here
    assert substitute_counts(table) == {"agrees": 0, "contradicts": 0, "not detected": 1,
                                        "not testable at this budget": 0}


def test_private_ecgradcam_rows_give_our_public_data_values(store: RunStore):
    metrics = {"targets": {"ludb.sex": {"accuracy_mean": 0.61, "auc_mean": 0.66}},
               "sex_features": {"qrs": {"auc": 0.63}, "qrs+downslope": {"auc": 0.64}}}
    spec = _spec("ecgradcam", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    table = scorecard(store)
    untestable = "not testable at this budget"
    assert _rows(table, "ecgradcam.sex.auc") == [("LUDB", 0.66, 0.66 - 0.96, untestable)]
    assert table.set_index("key").loc["ecgradcam.sex.auc", "status"] == "measured (cpu)"
    assert _rows(table, "ecgradcam.sex_lr_attn.auc") == [("LUDB", 0.64, 0.64 - 0.80, untestable)]
    assert _rows(table, "ecgradcam.sex_lr_qrs.auc") == [("LUDB", 0.63, 0.63 - 0.72, untestable)]
    assert _rows(table, "ecgradcam.sex_lr_qrs.acc") == [("private cohort", None, None, untestable)]
    assert table.set_index("key").loc["ecgradcam.sex_lr_qrs.acc", "status"].startswith("not reproducible")


def test_the_grade_rows_read_our_mitdb_grade_ratio(store: RunStore):
    store.execute(_spec("iclr", {"profile": "cpu"}, "real", "real-checksum"),
                  _write({"grades": {"random_100": "40 : 29 : 31", "all": "38 : 32 : 29"}}))
    table = scorecard(store)
    assert [_rows(table, f"iclr.grade.{g}")[0][:3] for g in ("I", "II", "III")] == [
        ("MIT-BIH (written grading rule)", 40.0, -10.0), ("MIT-BIH (written grading rule)", 29.0, 2.0),
        ("MIT-BIH (written grading rule)", 31.0, 8.0)]


def test_citations_read_as_author_year_and_place():
    cite = {n.key: n.citation for n in PAPER_NUMBERS}
    assert cite["iclr.mitdb.l2.acc"] == "Hu et al. 2021, Table 1 (via the authors' results spreadsheet)"
    assert cite["iclr.grade.I"] == "Hu et al. 2021, §5.2"
    assert cite["xecgnet.cpsc.g0.01.micro_f1"] == "Yoo et al. 2021, abstract"
    assert cite["xecgnet.cpsc.g0.1.micro_f1"] == "Yoo et al. 2021, the authors' code notebook (gamma sweep)"
    assert cite["ecgradcam.sex.auc"] == "Hicks et al. 2021, as reported by third-party study notes (unverified)"
    assert all("paper-specs" not in c and "[" not in c for c in cite.values())  # no internal tag reaches readers
    row = next(n for n in PAPER_NUMBERS if n.key == "iclr.mitdb.l2.acc")
    assert row.source == "paper-specs 2.6 rows 9-10 [S spreadsheet]"  # the tag stays, for developers


def test_a_page_over_part_of_its_grid_says_how_much(store: RunStore):
    metrics = {"segmentwise": {"l2": {"acc": {"mean": 0.96}}}, "n_runs": 67, "n_failed": 0, "n_missing": 98}
    spec = _spec("iclr", {"profile": "cpu"}, "real", "real-checksum")
    store.execute(spec, lambda d: (d / "metrics.json").write_text(json.dumps(metrics)))
    row = scorecard(store).set_index("key").loc["iclr.mitdb.l2.acc"]
    assert row["ours"] == 0.96
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
    assert row["ours"] == 356 and row["run_id"] == good.run_id
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
    from ecgstudy.runs.params import validate
    from ecgstudy.runs.store import read_run_info

    ref = reference_checksums()
    assert set(ref) == {"mitdb", "ludb", "ptbxl"}
    runs = list(Path(PROJECT_ROOT, "results", "real").glob("*/*/run.json"))
    assert len(runs) > 150  # the committed study (the former 3-epoch ICLR grid's 165 runs were removed)
    for path in runs:
        info = read_run_info(path)
        exp = get_experiment(info["experiment"])
        datasets = exp.datasets_for(validate(exp.params_model, info["params"]))
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
    assert table.loc["iclr.mitdb.l2.acc", "claim"] == "iclr.l2_acc"
    assert table.loc["iclr.mitdb.l2.acc", "verdict_reason"] == (
        "claim iclr.l2_acc: L2 accuracy; ours 0.960 (0.955 to 0.965) on MIT-BIH")
    assert table.loc["iclr.mitdb.l2.acc", "difference"] == 0.96 - 0.988
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


def _store_with_known_verdicts(store: RunStore) -> RunStore:
    """ICLR: L2 accuracy contradicted by a claim (0.955-0.965 excludes 0.988), the two segment counts
    356 (agrees) and 2,610 (contradicts the paper's 2,627), the MIT-BIH grade ratio; nothing else measured."""
    claim = Claim(key="iclr.l2_acc", claim="L2 accuracy", paper_value=0.988, kind="value", null=0.88,
                  ours=Interval(0.96, 0.955, 0.965, 25, 0.95, "Student t"), data="MIT-BIH", budget="3 epochs",
                  numbers=("iclr.mitdb.l2.acc",))
    metrics = {"segmentwise": {"l2": {"acc": {"mean": 0.96}}}, "claims": claims_metrics([claim]),
               "grades": {"random_100": "40 : 29 : 31"}}
    store.execute(_spec("iclr", {"profile": "cpu"}, "real", "real-checksum"), _write(metrics))
    _fake_run(store, "real", {"segments": {"AN": 356, "NV": 2610}})
    return store


def test_summary_counts_each_number_once_by_outcome(store: RunStore):
    table = scorecard(_store_with_known_verdicts(store))
    counts = summary(table)
    assert list(counts.columns) == ["ICLR", "xECGNet", "ECGradCAM", "all"]
    assert counts.to_dict(orient="index") == {
        "agrees": {"ICLR": 1, "xECGNet": 0, "ECGradCAM": 0, "all": 1},
        "contradicts": {"ICLR": 2, "xECGNet": 0, "ECGradCAM": 0, "all": 2},
        "not detected": {"ICLR": 0, "xECGNet": 0, "ECGradCAM": 0, "all": 0},
        "not testable at this budget": {"ICLR": 0, "xECGNet": 0, "ECGradCAM": 0, "all": 0},
        # 16 PVC-origin numbers and 3 grades (private); every xECGNet number needs CPSC 2018; ECGradCAM's are private
        "not reproducible here": {"ICLR": 19, "xECGNet": 34, "ECGradCAM": 6, "all": 59},
        # the classifier's four numbers and L2's sensitivity, specificity and AUC
        "no real-data run yet": {"ICLR": 7, "xECGNet": 0, "ECGradCAM": 0, "all": 7}}
    assert summary_text(table) == (
        "Of 69 numbers the papers report, 1 agrees, 2 contradict, 59 are not reproducible here (25 rest on private "
        "data; 34 on data this copy lacks: needs CPSC 2018 data), 7 have no real-data run yet.")


def test_summary_of_a_hand_made_table():
    rows = [("a", "iclr", "agrees", None), ("b", "iclr", "not detected", None),
            ("c", "xecgnet", "not reproducible here", "needs CPSC 2018 data"),
            ("c", "xecgnet", "not reproducible here", "needs CPSC 2018 data"),  # a second dataset: counted once
            ("d", "ecgradcam", "not testable at this budget", None)]
    table = pd.DataFrame(rows, columns=["key", "paper", "outcome", "blocker"])
    counts = summary(table)
    assert counts["all"].tolist() == [1, 0, 1, 1, 1, 0]
    assert counts.loc["not reproducible here"].tolist() == [0, 1, 0, 1]
    assert summary_text(table) == (
        "Of 4 numbers the papers report, 1 agrees, 1 is not detected, 1 is not testable at this budget, 1 is not "
        "reproducible here (1 on data this copy lacks: needs CPSC 2018 data).")


def test_scorecard_page_has_a_summary_and_a_section_per_paper(store: RunStore):
    page = scorecard_page(_store_with_known_verdicts(store))
    assert page.glue["summary_text"].startswith("Of 69 numbers the papers report, 1 agrees, 2 contradict")
    assert page.glue["iclr_text"] == ("Hu et al. 2021 report 29 numbers the chapter covers: 1 agrees, 2 contradict, "
                                      "19 are not reproducible here, 7 have no real-data run yet; ours is measured "
                                      "for 6 of them.")
    assert page.shown["summary"].frame.set_index("outcome").loc["contradicts", "all"] == 2
    frame = page.shown["iclr"].frame
    assert list(frame.columns) == ["reported", "condition", "paper", "our data", "ours", "ours \u2212 paper",
                                   "verdict", "source"]
    # grouped by what is reported: the segment counts, then accuracy (classifier, L2), ...
    assert frame.iloc[1].tolist() == ["MIT-BIH segments, normal + PVC only", "2,000-sample segments, 2/3-RR boundaries",
                                      "2,627", "MIT-BIH", "2,610", "\u221217", "contradicts \u00b2", ""]
    assert frame.iloc[0]["source"] == "Hu et al. 2021, \u00a74.1 and the authors' code"  # for both counts
    l2 = frame.iloc[3]
    assert l2.tolist() == ["", "L2-norm pooling (kernel 151-201), 5-fold CV, MIT-BIH", "0.988", "MIT-BIH", "0.960",
                           "\u22120.028", "contradicts \u2074", ""]  # the source repeats the row above's
    assert frame.iloc[2]["source"] == "Hu et al. 2021, Table 1 (via the authors' results spreadsheet)"
    assert frame.iloc[2]["verdict"] == "no real-data run yet \u00b3" and frame.iloc[2]["ours"] == ""
    titles = page.shown["iclr"].titles
    assert titles.loc[3, "verdict"] == "claim iclr.l2_acc: L2 accuracy; ours 0.960 (0.955 to 0.965) on MIT-BIH"
    why = page.shown["iclr_why"]
    assert why.startswith(":::{admonition} Why these verdicts (ICLR)\n:class: dropdown\n"
                          "1. a count, compared exactly: 356 here, 356 in the paper\n"
                          "2. a count, compared exactly: 2610 here, 2627 in the paper\n"
                          "3. no eligible real-data run in the store has it yet\n"
                          "4. claim iclr.l2_acc: L2 accuracy")
    private = page.shown["iclr_none"]
    assert len(private.frame) == 16 and private.caption == (
        "ICLR: the paper's numbers with nothing of ours beside them (not reproducible: private data)")
    assert private.frame.iloc[0].tolist() == ["RV vs LV ACC", "Classifier only", "0.886",
                                              "Hu et al. 2021, Table 1 (via the authors' results spreadsheet)"]
    assert set(private.frame["source"].iloc[1:]) == {""}  # one source for all 16
    assert page.shown["ecgradcam"] is None  # nothing of ours measured, every number private
    assert len(page.shown["ecgradcam_none"].frame) == 6
    assert page.shown["ignored"] is None
    assert "title=\"claim iclr.l2_acc: L2 accuracy; ours 0.960" in page.shown["iclr"].styler().to_html()


def test_a_row_the_paper_measured_on_missing_data_lists_each_substitute_claim():
    from ecgstudy.scorecard import row_verdict

    row = next(n for n in PAPER_NUMBERS if n.key == "xecgnet.cpsc.g0.01.multi_acc")
    claims = [{"key": "a", "claim": "x", "data": "PTB-XL subset, 5 seeds", "verdict": "not detected"},
              {"key": "b", "claim": "x", "data": "MIT-BIH windows, 5 seeds", "verdict": "agrees"}]
    assert row_verdict(row, None, claims) == (
        "not testable at this budget",
        "needs CPSC 2018 data (on substitute data, PTB-XL subset: not detected; MIT-BIH windows: agrees)")


def test_the_per_class_analogues_are_the_chapters_class_mapping():
    from ecgstudy.paper_numbers import XECG_CLASS_ANALOGUES
    from ecgstudy.studies.xecgnet.verdicts import CPSC_CLASS

    pairs = {(ours, cpsc) for mapping in XECG_CLASS_ANALOGUES.values() for cpsc, ours in mapping.items()}
    assert pairs == set(CPSC_CLASS.items())  # every class of ours the chapter maps, and only those
