"""Pages: tables as shown, parameters as one object, and the comparison of two executed pages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ecgstudy.errors import ParameterError
from ecgstudy.report import Table, page_params
from ecgstudy.runs.page_diff import compare_pages, page_values
from ecgstudy.studies.iclr.params import IclrChapterParams


def test_table_styler_formats_hides_the_index_and_captions():
    t = Table(pd.DataFrame({"gamma": [0.01, 1.0], "acc": [0.12345, float("nan")]}), "Caption here", precision=2,
              formats={"gamma": "{:g}"}, na_rep="n/a")
    html = t.styler().to_html()
    assert "<caption>Caption here</caption>" in html
    assert ">0.01<" in html and ">1<" in html and ">0.12<" in html and ">n/a<" in html
    assert "row_heading" not in html  # index hidden
    assert "row_heading" in Table(t.frame, "c", index=True).styler().to_html()


def test_page_params_validates_the_notebook_namespace_into_one_object():
    namespace = {"profile": "cpu", "seeds": [0, 2], "kernel_sizes": [], "run_dir": "/x", "data_kind": "real"}
    p = page_params(IclrChapterParams, namespace)
    assert p.profile == "cpu" and p.seeds == (0, 2) and p.kernel_sizes == () and p.n_folds == 5
    with pytest.raises(ParameterError, match="seeds"):
        page_params(IclrChapterParams, {"seeds": "zero"})


def _page(tmp_path, name, *, glue="'0.90'", html="<table id=\"T_abc12\"><caption>x</caption></table>",
          metrics=None):
    folder = tmp_path / name
    folder.mkdir()
    outputs = [
        {"output_type": "display_data", "data": {"application/papermill.record/text/plain": glue},
         "metadata": {"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}}},
        {"output_type": "display_data", "data": {"text/html": html}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/markdown": "This page ... Run `0123456789abcdef` (deadbee)."},
         "metadata": {}},
    ]
    (folder / "notebook.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": outputs}]}))
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder / "notebook.ipynb"


def test_compare_pages_ignores_run_ids_and_styler_ids_but_nothing_else(tmp_path):
    a = _page(tmp_path, "a", metrics={"x": {"mean": 0.5, "n": 5}})
    b = _page(tmp_path, "b", html="<table id=\"T_fff99\"><caption>x</caption></table>",
              metrics={"x": {"mean": 0.5 + 1e-16, "n": 5}})
    assert page_values(a).glue == {"acc": "'0.90'"}
    assert compare_pages(a, b) == []  # another run id, styler id and a last-bit float: the same page
    c = _page(tmp_path, "c", glue="'0.91'", html="<table><caption>y</caption></table>",
              metrics={"x": {"mean": 0.6, "n": 5}, "new": 1})
    diffs = compare_pages(a, c)
    assert "glue 'acc': '0.90' -> '0.91'" in diffs
    assert any(d.startswith("shown block 0 differs at character") for d in diffs)
    assert "metrics x.mean: 0.5 -> 0.6" in diffs and "metrics new: only in the new page" in diffs


def test_numbers_are_right_aligned_and_texts_are_not():
    frame = pd.DataFrame({"claim": ["a", "b"], "n": [127, 123], "ours": ["0.550 ± 0.119", "—"],
                          "verdict": ["agrees", "0.5 or less"], "ok": [True, False]})
    html = Table(frame, "c").styler().to_html()
    cells = {c: html.count(f'class="data row{r} col{i} ecg-num"') for i, c in enumerate(frame.columns) for r in (0,)}
    assert cells == {"claim": 0, "n": 1, "ours": 1, "verdict": 0, "ok": 0}
    assert html.count("text-align: right") == 1  # one rule, for the cells of "n" and "ours"
    assert "padding: 0.3em 0.6em" in html
