"""Claims at a glance: one row per claim, the verdict of the one rule, and the JSON the intro reads."""

from __future__ import annotations

import json
import math

import pandas as pd

from ecgstudy.claims import COLUMNS, Claim, claims_metrics, claims_table, glance_table, verdict_counts
from ecgstudy.metrics.stats import Interval, t_interval
from ecgstudy.report import Table


def _claim(low, high, **kw):
    return Claim(key="t.x", claim="A beats B", paper_value=kw.pop("paper_value", 0.05),
                 ours=Interval((low + high) / 2, low, high, 5, 0.95, "Student t over 5 runs"), data="d",
                 budget="b", **kw)


def test_each_claim_takes_the_verdict_of_the_one_rule():
    assert [_claim(lo, hi).verdict for lo, hi in [(0.01, 0.09), (-0.09, -0.01), (-0.03, 0.08)]] == \
        ["agrees", "contradicts", "not detected"]
    assert _claim(0.01, 0.09, testable=False).verdict == "not testable at this budget"
    value = _claim(0.90, 0.95, paper_value=0.981, kind="value", null=0.88)
    assert value.verdict == "contradicts" and value.row()["paper"] == "0.981"


def test_the_table_and_the_json_carry_the_same_numbers():
    c = Claim(key="t.acc", claim="accuracy", paper_value=0.981, ours=t_interval([0.90, 0.92, 0.91]),
              data="MIT-BIH", budget="3 epochs", kind="value", null=0.88, numbers=("iclr.mitdb.l2.acc",))
    frame = claims_table([c]).frame
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[0, "ours (95 % CI)"] == "0.910 (0.885 to 0.935)"
    assert frame.loc[0, "data"] == "MIT-BIH; Student t over 3 runs"
    d = json.loads(json.dumps(claims_metrics([c])))[0]
    assert (d["estimate"], d["verdict"], d["numbers"]) == (0.91, "contradicts", ["iclr.mitdb.l2.acc"])
    assert d["low"] < d["estimate"] < d["high"] and d["paper_sign"] == 1
    down = Claim(key="t.down", claim="lower", paper_value=-math.inf, ours=t_interval([-0.2, -0.1, -0.15]), data="d",
                 budget="b").as_dict()
    assert (down["paper_value"], down["paper_sign"], down["verdict"]) == (None, -1, "agrees")


def test_one_run_has_no_interval_and_prints_none():
    c = Claim(key="t.one", claim="x", paper_value=0.1, ours=t_interval([0.2]), data="d", budget="b")
    assert c.row()["ours (95 % CI)"] == "+0.200" and c.verdict == "not testable at this budget"
    assert c.as_dict()["low"] is None and math.isnan(c.ours.low)


def test_the_intro_table_rebuilds_each_chapters_rows_from_json():
    claims = [dict(chapter="iclr", **_claim(0.01, 0.09).as_dict()), dict(chapter="xecgnet", **_claim(-0.03, 0.08).as_dict())]
    table = glance_table(pd.DataFrame(claims))
    assert list(table.frame["verdict"]) == ["agrees", "not detected"]
    assert table.frame.loc[0, "ours (95 % CI)"] == _claim(0.01, 0.09).row()["ours (95 % CI)"]
    assert verdict_counts(claims) == {"agrees": 1, "contradicts": 0, "not detected": 1,
                                      "not testable at this budget": 0}


def test_a_table_finds_an_interval_that_misses_its_estimate():
    frame = pd.DataFrame({"mean": [0.774, 0.9, float("nan")], "low": [0.791, 0.8, 0.1], "high": [0.812, 0.95, 0.2]})
    assert Table(frame, "x", intervals=(("mean", "low", "high"),)).interval_errors() == \
        ["mean row 0: 0.774 outside [0.791, 0.812]"]


def _committed_pages():
    from pathlib import Path

    root = Path(__file__).parents[1] / "results" / "real"
    return sorted(p for chapter in ("iclr", "xecgnet", "ecgradcam") for p in (root / chapter).glob("*/metrics.json"))


def test_every_committed_chapter_page_states_its_claims_and_each_interval_holds_its_estimate():
    from ecgstudy.metrics.stats import claim_verdict

    pages = _committed_pages()
    assert {p.parts[-3] for p in pages} == {"iclr", "xecgnet", "ecgradcam"}
    for path in pages:
        claims = json.loads(path.read_text()).get("claims")
        assert claims, f"{path}: no claims"
        for c in claims:
            if c["low"] is not None:
                assert c["low"] <= c["estimate"] <= c["high"], f"{path}: {c['key']}"
            # the stored verdict is the one rule's, from the stored numbers
            nan = float("nan")
            assert c["verdict"] == claim_verdict(
                nan if c["low"] is None else c["low"], nan if c["high"] is None else c["high"],
                paper_effect=c["paper_sign"] * float("inf") if c["paper_value"] is None else c["paper_value"],
                null=c["null"], testable=c["testable"], kind=c["kind"]), f"{path}: {c['key']}"
