"""The bf16-vs-fp32 check: paired by seed, compared with the seed-to-seed spread, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecgstudy.studies.precision import arm, iclr_check_jobs, precision_rows, verdict_text


def _runs():
    # method a: bf16 moves accuracy by +0.002, +0.001, +0.003 (seed sd of fp32: 0.01) -> within the spread;
    # method b: by +0.05 each time (seed sd 0.01) -> outside; seed 3 of b has no bf16 run and is left out
    rows = []
    for seed, (fa, ba, fb, bb) in enumerate([(0.90, 0.902, 0.80, 0.85), (0.91, 0.911, 0.81, 0.86),
                                             (0.92, 0.923, 0.82, 0.87)]):
        rows += [{"method": "a", "seed": seed, "precision": "fp32", "acc": fa},
                 {"method": "a", "seed": seed, "precision": "bf16", "acc": ba},
                 {"method": "b", "seed": seed, "precision": "fp32", "acc": fb},
                 {"method": "b", "seed": seed, "precision": "bf16", "acc": bb}]
    rows.append({"method": "b", "seed": 3, "precision": "fp32", "acc": 0.5})
    return pd.DataFrame(rows)


def test_paired_differences_intervals_and_the_seed_spread_by_hand():
    rows = precision_rows(_runs(), keys=("method",), metrics=("acc",)).set_index("method")
    a, b = rows.loc["a"], rows.loc["b"]
    assert a["seeds"] == 3 and b["seeds"] == 3  # the unpaired seed 3 is dropped
    assert a["difference"] == pytest.approx(0.002) and a["seed_sd"] == pytest.approx(0.01)
    d = np.array([0.002, 0.001, 0.003])
    half = 4.302652729911275 * d.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert (a["low"], a["high"]) == pytest.approx((0.002 - half, 0.002 + half))
    assert bool(a["within_seed_spread"]) and not bool(b["within_seed_spread"])
    assert b["difference"] == pytest.approx(0.05) and b["fp32"] == pytest.approx(0.81)
    text = verdict_text(rows.reset_index(), keys=("method",))
    assert text.startswith("bf16 and fp32 differ by no more than the seed-to-seed standard deviation in 1 of 2")
    assert text.endswith("larger in: b acc.")
    assert verdict_text(pd.DataFrame(), keys=("method",)) == "No paired fp32 and bf16 runs yet."


def test_two_bf16_arms_are_each_paired_with_fp32_and_named():
    runs = _runs()
    runs = runs[runs["method"] == "a"]
    # a second arm: +0.05 on every seed (outside the fp32 seed sd of 0.01)
    other = runs[runs["precision"] == "bf16"].assign(precision="bf16, input conv fp32")
    other["acc"] = runs.loc[runs["precision"] == "fp32", "acc"].to_numpy() + 0.05
    rows = precision_rows(pd.concat([runs, other]), keys=("method",), metrics=("acc",)).set_index("arm")
    assert list(rows.index) == ["bf16", "bf16, input conv fp32"]
    assert rows.loc["bf16", "difference"] == pytest.approx(0.002)
    assert rows.loc["bf16, input conv fp32", "difference"] == pytest.approx(0.05)
    assert rows["fp32"].tolist() == pytest.approx([0.91, 0.91]) and rows["seeds"].tolist() == [3, 3]
    assert verdict_text(rows.reset_index(), keys=("method",)) == (
        "bf16 and fp32 differ by no more than the seed-to-seed standard deviation in 1 of 1 comparisons over 3 "
        "paired seeds. bf16, input conv fp32 and fp32 differ by no more than the seed-to-seed standard deviation in "
        "0 of 1 comparisons over 3 paired seeds; larger in: a acc.")


def test_iclr_check_reuses_the_grids_bf16_runs():
    from ecgstudy.runs.chapter_grids import grid_jobs

    check = {spec.run_id: spec.params for _, spec in iclr_check_jobs(data="synthetic")}
    grid = {spec.run_id for _, spec in grid_jobs("iclr", {"profile": "cpu", "data": "synthetic"})}
    shared = [p for rid, p in check.items() if rid in grid]
    # the grid trains seed 0 in bf16: those two check runs are the grid's own
    assert sorted((p["method"], p["seed"]) for p in shared) == [("classifier", 0), ("l2", 0)]
    assert all(p.get("precision") == "bf16" for p in shared) and len(check) == 12


def test_precision_page_pairs_the_stored_check_runs(tmp_path):
    import json

    from ecgstudy.book_pages import precision_page
    from ecgstudy.runs.store import RunStore

    store = RunStore(tmp_path)
    empty = precision_page(profile="cpu", data="synthetic", store=store)
    assert empty.glue["iclr_precision"] == "No paired fp32 and bf16 runs yet."
    assert empty.glue["iclr_precision_runs"] == "0 of 12" and "ecgstudy grid precision" in empty.shown["iclr"]
    # stand-in records: accuracy 0.9 + seed/100, bf16 adds 0.001 (l2) or 0.05 (classifier); seed 2 of l2 missing
    for _, spec in iclr_check_jobs(data="synthetic"):
        p = spec.params
        if p["method"] == "l2" and p["seed"] == 2:
            continue
        shift = (0.001 if p["method"] == "l2" else 0.05) if p.get("precision") == "bf16" else 0.0
        m = {"accuracy": 0.9 + p["seed"] / 100 + shift, "auc": 0.95, "sensitivity": 0.9, "specificity": 0.8}
        assert store.execute(spec, lambda d, m=m: (d / "metrics.json").write_text(json.dumps(m))).ok
    page = precision_page(profile="cpu", data="synthetic", store=store)
    assert page.glue["iclr_precision_runs"] == "10 of 12"
    frame = page.shown["iclr"].frame.set_index(["method", "metric"])
    assert frame.loc[("l2", "accuracy"), "seeds"] == 2 and frame.loc[("classifier", "accuracy"), "seeds"] == 3
    assert frame.loc[("l2", "accuracy"), "bf16 - fp32"] == pytest.approx(0.001)
    assert frame.loc[("classifier", "accuracy"), "seed sd (fp32)"] == pytest.approx(0.01)
    assert bool(frame.loc[("l2", "accuracy"), "within the seed spread"])
    assert not bool(frame.loc[("classifier", "accuracy"), "within the seed spread"])
    assert page.shown["iclr"].interval_errors() == []
    assert page.glue["iclr_precision"].endswith("larger in: classifier accuracy.")


def test_xecgnet_and_ecgradcam_checks_pair_one_fold_and_share_the_grids_runs_of_its_precision():
    from ecgstudy.errors import ParameterError
    from ecgstudy.runs.chapter_grids import grid_jobs
    from ecgstudy.studies.precision import check_jobs, ecgradcam_check_jobs, xecgnet_check_jobs

    x = {spec.run_id: spec.params for _, spec in xecgnet_check_jobs(data="synthetic")}
    e = {spec.run_id: spec.params for _, spec in ecgradcam_check_jobs(data="synthetic")}
    assert len(x) == 6 and len(e) == 9
    assert sorted((p["seed"], p.get("precision", "fp32")) for p in x.values()) == \
        [(s, q) for s in (0, 1, 2) for q in ("bf16", "fp32")]
    assert {(p["gamma"], p["target"] if "target" in p else None) for p in x.values()} == {(0.01, None)}
    assert {(p["target"], p["fold"]) for p in e.values()} == {("qrs_ms", 0)}
    # ECGradCAM: fp32, bf16 with the first convolution in float32 (the grid's), and bf16 everywhere, per seed
    assert sorted((p["seed"], arm(p)) for p in e.values()) == \
        [(s, a) for s in (0, 1, 2) for a in ("bf16", "bf16, input conv fp32", "fp32")]
    # the grids' own runs: xECGNet trains bf16 (seeds 1 and 2 of its five: its seed 0 keeps its weights, so the
    # check's seed 0 is a run of its own), ECGradCAM bf16 with its input conv in fp32
    gx = {spec.run_id for _, spec in grid_jobs("xecgnet", {"profile": "cpu", "data": "synthetic"})}
    ge = {spec.run_id for _, spec in grid_jobs("ecgradcam", {"profile": "cpu", "data": "synthetic"})}
    assert sorted((p["seed"], p.get("precision", "fp32")) for rid, p in x.items() if rid in gx) == \
        [(1, "bf16"), (2, "bf16")]
    assert [(p["seed"], arm(p)) for rid, p in e.items() if rid in ge] == [(0, "bf16, input conv fp32")]
    # the precision grid: every check, or the chapters named
    every = grid_jobs("precision", {"profile": "cpu", "data": "synthetic"})
    assert len(every) == 27 and len(check_jobs(data="synthetic", chapters=["xecgnet"])) == 6
    only = grid_jobs("precision", {"profile": "cpu", "data": "synthetic", "chapters": "ecgradcam"})
    assert {spec.run_id for _, spec in only} == set(e)
    with pytest.raises(ParameterError, match="no check for"):
        grid_jobs("precision", {"profile": "cpu", "chapters": ["scorecard"]})
