"""A book built without the real data shows the committed real-data pages, on the strength of the data checksum
in their run.json, and says so on each (no real data needed: the committed page here is hand-made)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pytest

from ecgstudy import bookbuild
from ecgstudy.bookbuild import Page, run_pages
from ecgstudy.experiments import DATA_MITDB
from ecgstudy.runs.committed import NOTE_TAG, committed_page
from ecgstudy.runs.datasource import SYNTHETIC_CHECKSUM, combine_checksums
from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.store import RunSpec, RunStore

MITDB_SUM = "a" * 64  # the reference copy's checksum in these tests
REFERENCE = {"mitdb": MITDB_SUM}


def _reference_file(tmp_path: Path) -> Path:
    path = tmp_path / "reference-data.json"
    path.write_text(json.dumps({"datasets": {"mitdb": {"checksum": MITDB_SUM, "dataset": "MIT-BIH test copy"}}}))
    return path


def _commit_page(store: RunStore, params: dict, *, checksum: str = combine_checksums(REFERENCE),
                 code_version: str | None = None) -> RunSpec:
    """A finished real-data page of data-mitdb in ``store``, as ``ecgstudy run`` writes one."""
    spec = RunSpec("data-mitdb", DATA_MITDB.params(params).record(), "real", checksum,
                   code_version=code_version or DATA_MITDB.code_version())

    def work(run_dir: Path) -> None:
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("profile = 'cpu'", metadata={"tags": ["injected-parameters"]}),
            nbformat.v4.new_markdown_cell("# MIT-BIH: the segments\n\nWhat the page is about."),
            nbformat.v4.new_markdown_cell("The real results."),
        ])
        nbformat.write(nb, run_dir / "notebook.ipynb")
        (run_dir / "metrics.json").write_text('{"n_segments": 7}')

    rec = store.execute(spec, work, record={"data_source": {"reason": "test", "modified": []}})
    assert rec.ok
    return spec


def _build_spec(params: dict) -> RunSpec:
    """The spec a build without data makes for the page (synthetic data, same parameters and code)."""
    return RunSpec("data-mitdb", DATA_MITDB.params(params).record(), "synthetic", SYNTHETIC_CHECKSUM,
                   code_version=DATA_MITDB.code_version())


def test_without_data_the_committed_page_of_the_same_parameters_and_code_is_picked_and_labelled(tmp_path, store):
    committed = _commit_page(store, {"profile": "cpu"})
    _commit_page(store, {"profile": "cpu", "n_examples": 5})  # same profile, other parameters: second choice
    found = committed_page(DATA_MITDB, _build_spec({"profile": "cpu"}), store, reference=REFERENCE,
                           reference_file=_reference_file(tmp_path))
    assert found is not None and found.record.spec.run_id == committed.run_id and found.differs == ()
    assert found.note() == (f"Made from the real data: MIT-BIH test copy, checksum aaaaaaaaaaaa. Committed run "
                            f"{committed.run_id} (data checksum {committed.data_checksum[:12]} in its run.json, computed "
                            "from those); this build did not have the data, so it shows the committed page as it was "
                            "computed.")


def test_a_committed_page_of_other_code_or_data_is_not_used(tmp_path, store):
    build = _build_spec({"profile": "cpu"})
    ref = _reference_file(tmp_path)
    _commit_page(store, {"profile": "cpu"}, code_version="0.0.9+nb.0123456789")  # the page's code has changed
    assert committed_page(DATA_MITDB, build, store, reference=REFERENCE, reference_file=ref) is None
    _commit_page(store, {"profile": "cpu"}, checksum=combine_checksums({"mitdb": "b" * 64}))  # not the reference
    assert committed_page(DATA_MITDB, build, store, reference=REFERENCE, reference_file=ref) is None
    _commit_page(store, {"profile": "demo"})  # another profile
    assert committed_page(DATA_MITDB, build, store, reference=REFERENCE, reference_file=ref) is None
    # asked for synthetic data: never a real page
    asked = _build_spec({"profile": "demo", "data": "synthetic"})
    assert committed_page(DATA_MITDB, asked, store, reference=REFERENCE, reference_file=ref) is None


def test_a_page_of_the_same_profile_and_code_but_other_parameters_names_them(tmp_path, store):
    committed = _commit_page(store, {"profile": "cpu", "n_examples": 5})
    found = committed_page(DATA_MITDB, _build_spec({"profile": "cpu"}), store, reference=REFERENCE,
                           reference_file=_reference_file(tmp_path))
    assert found.record.spec.run_id == committed.run_id and found.differs == ("n_examples",)
    assert found.note().endswith(" Its parameters differ from this build's `cpu` ones in `n_examples`: the page "
                                 "states its own.")


@pytest.mark.parametrize("train", [False, True])
def test_a_build_without_data_that_trains_nothing_publishes_the_committed_page_with_its_note(
        train, tmp_path, store, monkeypatch):
    from ecgstudy.runs.reference import reference_checksums

    reference = reference_checksums()  # the repository's reference file, which the build reads
    if "mitdb" not in reference:
        pytest.skip("results/real/reference-data.json holds no mitdb checksum")
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./data here
    monkeypatch.setattr(bookbuild, "CONTENT_PAGES", (Page("data_mitdb", "data-mitdb"),))
    monkeypatch.setattr(bookbuild, "SUMMARY_PAGES", ())
    def work(*args, **kwargs):
        raise RuntimeError("computed")

    monkeypatch.setattr(Experiment, "work", work)  # no page may run here
    spec = _commit_page(store, {"profile": "cpu"}, checksum=combine_checksums({"mitdb": reference["mitdb"]}))
    folder = store.path(spec)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    root = tmp_path / "root"

    if train:  # a build that may train reruns the page (here: its work raises, so the page fails)
        with pytest.raises(bookbuild.BookBuildError, match="computed"):
            run_pages(profile="cpu", train=True, store=store, root=root, progress=False)
        return
    manifest = json.loads(run_pages(profile="cpu", train=False, store=store, root=root, progress=False).read_text())
    [entry] = manifest["pages"]
    assert (entry["run_id"], entry["data_kind"], entry["committed"], entry["recomputed"], entry["differs"]) == \
        (spec.run_id, "real", True, False, [])
    cells = nbformat.read(root / "book" / "generated" / "data_mitdb.ipynb", as_version=4).cells
    assert [c.get("metadata", {}).get("ecgstudy") for c in cells] == [None, None, NOTE_TAG, None, None]
    # the title first, then the folded parameters (bookbuild.tidy_page), the note, and the rest of the title's cell
    assert [cells[0].source, cells[3].source] == ["# MIT-BIH: the segments", "What the page is about."]
    assert cells[1].source.startswith("profile = ")
    assert f"Committed run {spec.run_id} (data checksum {spec.data_checksum[:12]} in its run.json" in cells[2].source
    assert cells[2].source.startswith(":::{admonition} Committed real-data page\n:class: note\nMade from the real "
                                      "data: MIT-BIH "
                                      f"Arrhythmia Database 1.0.0, all 48 records, checksum {reference['mitdb'][:12]}.")
    assert cells[2].source.endswith("this build did not have the data, so it shows the committed page as it was "
                                    "computed.\n:::")
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before  # untouched
    assert not (store.root / "synthetic").exists()  # nothing computed


def test_the_introduction_counts_and_marks_the_committed_pages(tmp_path, store):
    from ecgstudy.book_pages import intro_page

    def entry(page, kind, committed):
        return {"page": page, "experiment": page, "reads": kind, "data_kind": kind, "run_id": page[0] * 16,
                "recomputed": False, "seconds": 1.0, "committed": committed}

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"profile": "cpu", "built": "today", "pages": [
        entry("iclr", "real", True), entry("data_mitdb", "real", True), entry("attribution", "synthetic", False)]}))
    page = intro_page(manifest, profile="cpu", store=store)
    assert page.glue["book_data"] == ("a mix of real and synthetic data (2 of the real pages are committed ones, "
                                      "computed earlier from the reference data: this build did not have the data)")
    assert (page.glue["n_pages_real"], page.glue["n_pages"]) == (2, 3)
    assert page.shown["pages"].frame["data"].tolist() == ["real (committed page)", "real (committed page)",
                                                          "synthetic"]
