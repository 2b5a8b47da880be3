"""Reader material: the bibliography's DOIs are well formed, every citation in the book has its entry, the data cards
name theirs, and CITATION.cff / LICENSE agree with the package."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml
from pybtex.database import parse_file

import ecgstudy
from ecgstudy.data.cards import card_table
from ecgstudy.data.registry import DATASETS
from ecgstudy.paths import PROJECT_ROOT

BIB = PROJECT_ROOT / "book" / "references.bib"
#: A DOI as CITATION.cff's schema has it (10.<4-9 digits>[.<digits>]/<suffix>), never the resolver URL.
DOI = re.compile(r"^10\.\d{4,9}(\.\d+)?/[A-Za-z0-9:/_;\-.()\[\]\\]+$")
#: A sphinxcontrib-bibtex role in MyST: {cite}`a`, {cite:p}`a,b`, {cite:t}`a`, {cite:alp}`a` ...
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def cite_keys(text: str) -> list[str]:
    """The bibliography keys cited in Markdown ``text``, in order."""
    return [k.strip() for group in CITE.findall(text) for k in group.split(",")]


def _entries() -> dict:
    return dict(parse_file(str(BIB), bib_format="bibtex").entries)


def _cited() -> dict[str, list[str]]:
    """File -> keys cited in it: the markdown cells of notebooks/*.ipynb and book/*.md."""
    cited = {}
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        cited[path.name] = cite_keys("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"))
    for path in sorted((PROJECT_ROOT / "book").glob("*.md")):
        cited[path.name] = cite_keys(path.read_text())
    return cited


def test_cite_keys_reads_every_role_form():
    text = "A {cite:p}`x2020a, y2021b` and {cite:t}`z` {cite}`w` {cite:alp}`v`; `{code}` {glue:text}`n` stay out."
    assert cite_keys(text) == ["x2020a", "y2021b", "z", "w", "v"]
    assert cite_keys("no roles here") == []


def test_every_doi_in_the_bibliography_is_a_bare_doi_and_every_entry_links_somewhere():
    entries = _entries()
    assert len(entries) == 22
    dois = {k: e.fields["doi"] for k, e in entries.items() if "doi" in e.fields}
    bad = {k: d for k, d in dois.items() if not DOI.match(d)}
    assert not bad, f"not of the form 10.x/...: {bad}"
    assert not [k for k, e in entries.items() if "doi" not in e.fields and "url" not in e.fields]
    assert len(set(dois.values())) == len(dois)  # no work entered twice
    # the three reproduced papers: two DOIs from the journals, the OpenReview submission has only its URL
    assert dois["yoo2021xecgnet"] == "10.1016/j.cmpb.2021.106281"
    assert dois["hicks2021explaining"] == "10.1038/s41598-021-90285-5"
    assert "doi" not in entries["hu2021attention"].fields
    assert entries["hu2021attention"].fields["url"] == "https://openreview.net/forum?id=HK_B2K0026"


def test_the_doi_pattern_rejects_resolver_urls_and_prefixes():
    assert DOI.match("10.1109/51.932724") and DOI.match("10.1023/A:1024068626366")
    for wrong in ("https://doi.org/10.1109/51.932724", "doi:10.1109/51.932724", "10.11/x", "10.1109/ a"):
        assert not DOI.match(wrong), wrong


def test_every_cited_key_is_in_the_bibliography():
    keys = set(_entries())
    cited = _cited()
    missing = {name: sorted(set(used) - keys) for name, used in cited.items() if set(used) - keys}
    assert not missing, f"cited but not in book/references.bib: {missing}"
    used = {k for v in cited.values() for k in v}
    # the chapters cite their papers (so an empty scan cannot pass)
    assert {"hu2021attention", "yoo2021xecgnet", "hicks2021explaining"} <= used
    assert "hu2021attention" in cited["iclr.ipynb"] and "goldberger2000physionet" in cited["rerun.md"]


def test_the_book_lists_the_bibliography():
    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text())
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    toc = (PROJECT_ROOT / "_toc.yml").read_text()
    assert "- file: book/references\n" in toc
    assert "```{bibliography}\n:all:\n```" in (PROJECT_ROOT / "book" / "references.md").read_text()


def test_the_data_cards_name_each_datasets_entry_and_doi():
    entries = _entries()
    for key, info in DATASETS.items():
        assert info.bibkey in entries, key
        assert entries[info.bibkey].fields["doi"] == info.doi, key
    cards = card_table([]).set_index("key")
    assert cards.loc["ptbxl", "doi"] == "10.1038/s41597-020-0495-6"
    assert cards.loc["ludb", "bibkey"] == "kalyakulina2020ludb"
    assert cards.loc["mitdb", "citation"].endswith(
        "(2001). [doi:10.1109/51.932724](https://doi.org/10.1109/51.932724)")


@pytest.fixture(scope="module")
def cff() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())


def test_citation_cff_names_this_version_and_the_papers(cff):
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == ecgstudy.__version__
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))
    assert cff["authors"] == [{"name": "the ecgstudy contributors"}]
    assert {"title", "message"} <= cff.keys()
    dois = {e.fields["doi"] for e in _entries().values() if "doi" in e.fields}
    refs = cff["references"]
    assert [r.get("doi") for r in refs] == [None, "10.1016/j.cmpb.2021.106281", "10.1038/s41598-021-90285-5"]
    assert all(r["doi"] in dois for r in refs if "doi" in r)
    assert refs[0]["url"] == "https://openreview.net/forum?id=HK_B2K0026"
    assert len(refs[2]["authors"]) == 17


def test_the_licence_is_mit_everywhere(cff):
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == cff["license"] == "MIT"
    assert (PROJECT_ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 the ecgstudy contributors")
