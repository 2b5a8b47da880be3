"""Numbered tables (ecgstudy.book_tables): a page's table shows in Jupyter as HTML with its caption and in the book as
a numbered table ("Table 2") that {numref} reaches."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from ecgstudy.book_tables import table_markdown
from ecgstudy.report import Page, Table


def _page() -> Page:
    page = Page(name="demo")
    page.shown["scores"] = Table(pd.DataFrame({"method": ["a", "b"], "accuracy": [0.91234, 0.5]}),
                                 "Accuracy per method", precision=3)
    page.shown["wide_one"] = Table(pd.DataFrame({"x": [1]}), "Second `table`, with\na line break")
    return page


def test_bundle_has_the_html_with_caption_and_the_numbered_markdown_without():
    table = _page().shown["scores"]
    bundle = table.bundle("tbl-demo-scores")
    assert "<caption>Accuracy per method</caption>" in bundle["text/html"]
    assert "0.912" in bundle["text/html"] and bundle["text/plain"] == "Accuracy per method"
    md = bundle["text/markdown"]
    assert md.startswith("~~~{ecg-table} Accuracy per method\n:name: tbl-demo-scores\n\n<style")
    assert "<caption>" not in md and "0.912" in md and md.endswith("</table>\n~~~")


def test_labels_and_fences():
    assert _page().label("wide_one") == "tbl-demo-wide-one"
    assert Page().label("x") is None
    md = table_markdown("<td>~~~~</td>", "c `x`", None)
    assert md.splitlines()[0] == "~~~~~{ecg-table} c `x`" and md.endswith("\n~~~~~") and ":name:" not in md


def _build(tmp_path, outputs: list[dict], text: str) -> str:
    from ecgstudy.testing import build_html

    src = tmp_path / "src"
    src.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Page\n\nA figure-free page.")]
    cell = nbformat.v4.new_code_cell("page.show(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=o) for o in outputs]
    nb.cells += [cell, nbformat.v4.new_markdown_cell(text)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "index.ipynb")
    (src / "conf.py").write_text(
        "extensions = ['myst_nb', 'ecgstudy.book_tables']\n"
        "nb_execution_mode = 'off'\nnb_render_markdown_format = 'myst'\nnumfig = True\n"
        "nb_mime_priority_overrides = [('html', 'text/markdown', 0)]\n")
    return (build_html(src, tmp_path) / "index.html").read_text()


def test_the_book_numbers_the_tables_and_numref_reaches_them(tmp_path):
    pytest.importorskip("myst_nb")
    page = _page()
    html = _build(tmp_path, [page.shown[n].bundle(page.label(n)) for n in ("scores", "wide_one")],
                  "See {numref}`tbl-demo-wide-one` and {numref}`tbl-demo-scores`.")
    captions = re.findall(r'<span class="caption-number">(.*?)</span><span class="caption-text">(.*?)</span>', html)
    assert captions == [("Table 1 ", "Accuracy per method"), ("Table 2 ", "Second `table`, with a line break")]
    assert re.search(r'<div class="ecg-table" id="tbl-demo-scores">', html)
    assert re.search(r'<div class="ecg-table-scroll docutils container">\s*<style', html)
    assert "0.912" in html and "<caption>" not in html
    links = re.findall(r'<a class="reference internal" href="#(tbl-demo-[a-z-]+)"><span class="std std-numref">'
                       r'(Table \d)</span></a>', html)
    assert links == [("tbl-demo-wide-one", "Table 2"), ("tbl-demo-scores", "Table 1")]
