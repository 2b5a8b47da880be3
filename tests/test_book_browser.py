"""The built book as a reader meets it: every page in headless Chromium at desktop and mobile width.

The book is the published study built without data (``ecgstudy book --profile cpu --no-train``: the
committed real-data pages, about 40 s) into a temporary copy of the project's book files and run store,
so the project's ``_build`` and ``results`` are left alone; ``ECGSTUDY_BOOK_HTML`` names a built book to
check instead. Skipped with a reason when Chromium is missing. Resources that the page fetches from the
network (MathJax, thebe from a CDN) are left out of the console check: the build machine may be offline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ecgstudy import paths
from ecgstudy.browser import Chromium, chromium

pytestmark = pytest.mark.slow

WIDTHS = (1400, 400)  # desktop; mobile (below the theme's 992 px breakpoint)


def _pages(html: Path) -> list[Path]:
    return sorted((html / "book").rglob("*.html")) + [html / "index.html"]


def build_published_book(root: Path) -> Path:
    """``make book`` without data, in ``root``: a copy of the book's sources and of the committed real-data
    runs (``results/real``, which the chapter pages stand on); the pages it runs are stored there too."""
    from ecgstudy.bookbuild import build_book
    from ecgstudy.runs.store import RunStore

    root.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(paths.PROJECT_ROOT / name, root / name)
    shutil.copytree(paths.PROJECT_ROOT / "book", root / "book", ignore=shutil.ignore_patterns("generated"))
    shutil.copytree(paths.PROJECT_ROOT / "results" / "real", root / "results" / "real",
                    ignore=shutil.ignore_patterns("*.tmp-*", ".*.lock"))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ECGSTUDY_DATA", raising=False)  # no data: the committed pages are shown
        mp.setenv("ECGSTUDY_RESULTS", str(root / "results"))
        mp.chdir(root)  # no ./data folder here
        return build_book(profile="cpu", data="auto", train=False, progress=False,
                          store=RunStore(root / "results"), root=root)


@pytest.fixture(scope="module")
def browser():
    if chromium() is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    with Chromium() as b:
        yield b


@pytest.fixture(scope="module")
def html(browser, tmp_path_factory) -> Path:
    given = os.environ.get("ECGSTUDY_BOOK_HTML")
    if given:
        if not (Path(given) / "index.html").exists():
            pytest.skip(f"ECGSTUDY_BOOK_HTML={given} holds no built book")
        return Path(given)
    return build_published_book(tmp_path_factory.mktemp("book") / "root")


def _offline(message: str) -> bool:
    """A failed fetch from the network (not a file of the book)."""
    return "net::ERR_" in message and "file://" not in message


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_reads_cleanly(browser, html, width):
    problems = {}
    pages = _pages(html)
    assert len(pages) >= 10  # every chapter page of _toc.yml was built
    for page in pages:
        r = browser.inspect(page, width)
        c = r.checks
        found = {
            "console errors": [e for e in r.console_errors if not _offline(e)],
            "images not loaded": c["images"],
            "images without alt text": c["alts"],
            "error outputs": c["errors"],
            "raw glue": c["raw_glue"],
            "literal markdown": c["literal_markdown"],
            "tables overflowing without a scroll box": c["overflowing"],
            "captions outside their box": c["clipped_captions"],
            "page wider than the window": c["page_overflow"],
        }
        found = {k: v for k, v in found.items() if v}
        if width < 992:
            found.update({f"{k} toggle": v for k, v in r.menus.items()
                          if v != "opens" and not (k == "secondary" and v == "not on this page")})
        if found:
            problems[page.relative_to(html).as_posix()] = found
    assert problems == {}


def test_the_checks_catch_what_they_look_for(browser, tmp_path):
    """A hand-made page with every defect: each check reports it (the checks can fail)."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><article class='bd-article' style='width:300px'>"
        "<p>{glue:text}`x` and **bold** and `code`</p>"
        "<img src='missing.png'>"
        "<div class='output traceback'>Traceback</div>"
        "<table><caption>c</caption><tr><td style='min-width:900px'>wide</td></tr></table>"
        "<div style='overflow-x:auto'><table><tr><td style='min-width:900px'>boxed</td></tr></table></div>"
        "<script>console.error('boom')</script></article>"
        "<div class='bd-sidebar-secondary'></div></body></html>")  # an "on this page" panel without its button
    r = browser.inspect(page, 1400)
    c = r.checks
    assert "boom" in r.console_errors and any("missing.png" in e for e in r.console_errors)
    assert [Path(s).name for s in c["images"]] == ["missing.png"] and len(c["alts"]) == 1
    assert c["errors"] == 1 and c["raw_glue"] is True
    assert c["literal_markdown"] == ["`", "`", " **bold**", "`", "`"]  # `x`, **bold** (as emphasis of "*bold*"), `code`
    assert c["overflowing"] == [0] and [t["boxed"] for t in c["tables"]] == [False, True]
    assert r.menus == {"primary": "no visible button", "secondary": "no visible button"}
