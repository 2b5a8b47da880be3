"""The built book as a reader meets it: every page in headless Chromium at desktop and mobile width.

Uses the book built by ``make book`` (``_build/html``, or the folder ``ECGSTUDY_BOOK_HTML`` names); skipped
with a reason when Chromium or a built book is missing. Resources that the page fetches from the network
(MathJax, thebe from a CDN) are left out of the console check: the build machine may be offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecgstudy import paths
from ecgstudy.browser import Chromium, chromium

pytestmark = pytest.mark.slow

HTML = Path(os.environ.get("ECGSTUDY_BOOK_HTML", paths.PROJECT_ROOT / "_build" / "html"))
WIDTHS = (1400, 400)  # desktop; mobile (below the theme's 992 px breakpoint)


def _pages() -> list[Path]:
    return sorted((HTML / "book").rglob("*.html")) + [HTML / "index.html"] if HTML.is_dir() else []


@pytest.fixture(scope="module")
def browser():
    if chromium() is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    if not (HTML / "index.html").exists():
        pytest.skip(f"no built book at {HTML} (make book)")
    with Chromium() as b:
        yield b


def _offline(message: str) -> bool:
    """A failed fetch from the network (not a file of the book)."""
    return "net::ERR_" in message and "file://" not in message


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_reads_cleanly(browser, width):
    problems = {}
    pages = _pages()
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
            found.update({f"{k} toggle": v for k, v in r.menus.items() if v != "opens"})
        if found:
            problems[page.relative_to(HTML).as_posix()] = found
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
        "<script>console.error('boom')</script></article></body></html>")
    r = browser.inspect(page, 1400)
    c = r.checks
    assert "boom" in r.console_errors and any("missing.png" in e for e in r.console_errors)
    assert [Path(s).name for s in c["images"]] == ["missing.png"] and len(c["alts"]) == 1
    assert c["errors"] == 1 and c["raw_glue"] is True
    assert c["literal_markdown"] == ["`", "`", " **bold**", "`", "`"]  # `x`, **bold** (as emphasis of "*bold*"), `code`
    assert c["overflowing"] == [0] and [t["boxed"] for t in c["tables"]] == [False, True]
    assert r.menus == {"primary": "no visible button", "secondary": "no visible button"}
