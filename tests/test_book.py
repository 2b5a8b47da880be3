"""End to end: every notebook executed with profile=smoke and the book built (synthetic data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from ecgstudy import paths
from ecgstudy.bookbuild import CONTENT_PAGES, SUMMARY_PAGES, build_book, page_values
from ecgstudy.runs.executors import execute
from ecgstudy.experiments import get_experiment
from ecgstudy.runs.store import RunStore

pytestmark = pytest.mark.slow


def _book_root(tmp_path: Path) -> Path:
    root = tmp_path / "book_root"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(paths.PROJECT_ROOT / name, root / name)
    shutil.copytree(paths.PROJECT_ROOT / "book", root / "book", ignore=shutil.ignore_patterns("generated"))
    return root


def test_every_template_has_one_parameters_cell_of_literals():
    import ast

    for nb_path in sorted((paths.PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and nb.cells[0] is tagged[0], nb_path.name
        for node in ast.parse(tagged[0].source).body:
            assert isinstance(node, ast.Assign), nb_path.name
            ast.literal_eval(node.value)  # raises if not a literal


def test_without_training_only_the_chapters_get_train_missing_false():
    chapters = {"iclr", "xecgnet", "ecgradcam", "attribution"}
    for page in CONTENT_PAGES + SUMMARY_PAGES:
        values = page_values(page, profile="cpu", data="auto", train=False)
        assert values.get("train_missing", True) is (page.name not in chapters), page.name
        assert page_values(page, profile="cpu", data="auto") == {"profile": "cpu", "data": "auto"}


@pytest.mark.parametrize("chapter", ["iclr", "xecgnet", "ecgradcam"])
def test_a_chapter_with_no_finished_run_builds_and_says_so(chapter, tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path / "results"))  # the page's grid looks here too
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    job = get_experiment(chapter).job({"profile": "smoke", "data": "synthetic", "train_missing": False})
    rec = execute(job, str(tmp_path / "results"))
    assert rec.ok, rec.error
    assert rec.metrics()["n_runs"] == 0 and rec.metrics()["n_missing"] > 0
    assert "summarises the 0 finished runs of" in (rec.path / "notebook.ipynb").read_text()
    assert sorted(p.name for p in (tmp_path / "results" / "synthetic").iterdir()) == [chapter]  # nothing trained


def test_smoke_book_builds_offline_on_synthetic_data(tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./data folder here
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    root = _book_root(tmp_path)
    store = RunStore(tmp_path / "results")
    html = build_book(profile="smoke", store=store, root=root, progress=False)

    for page in CONTENT_PAGES + SUMMARY_PAGES:
        assert (html / "book" / "generated" / f"{page.name}.html").exists(), page.name
    manifest = json.loads((root / "book" / "generated" / "manifest.json").read_text())
    assert {p["data_kind"] for p in manifest["pages"]} == {"synthetic"}
    assert all(p["status"] == "done" for p in manifest["pages"])

    # Glued numbers and figures reached the HTML; every page names its data.
    mitdb = (html / "book" / "generated" / "data_mitdb.html").read_text()
    assert "synthetic data" in mitdb and "smoke" in mitdb
    assert mitdb.count("<img") >= 3
    intro = (html / "book" / "generated" / "intro.html").read_text()
    assert "synthetic data only" in intro
    # The chapters' claims at a glance and the ECGradCAM baseline and per-lead figure are on their pages.
    iclr = (html / "book" / "generated" / "iclr.html").read_text()
    assert "Claims at a glance" in iclr and "Joint learning (L2 pooling) beats the classifier alone" in iclr
    ecg = (html / "book" / "generated" / "ecgradcam.html").read_text()
    assert "Claims at a glance" in ecg and "training-free delineator" in ecg
    assert "the same map is drawn over every lead" in ecg
    assert ecg.count("<img") >= 2

    # A second build reuses the finished content runs.
    build_book(profile="smoke", store=store, root=root, progress=False, html=False)
    again = json.loads((root / "book" / "generated" / "manifest.json").read_text())
    assert not any(p["recomputed"] for p in again["pages"] if p["experiment"] == "data-mitdb")


@pytest.mark.realdata
def test_real_mitdb_page_fills_the_scorecard(real_data, tmp_path, monkeypatch):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.scorecard import scorecard

    monkeypatch.setenv("ECGSTUDY_DATA", str(real_data))
    store = RunStore(tmp_path / "results")
    exp = get_experiment("data-mitdb")
    spec = exp.spec({"profile": "smoke", "data": "real"})
    assert spec.data_kind == "real"
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    assert rec.metrics()["segments"] == {"AN": 356, "NV": 2627}
    table = scorecard(store).set_index("key")
    assert table.loc["iclr.mitdb.segments.NV", "ours"] == 2627
