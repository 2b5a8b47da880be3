"""Numbered tables: a Sphinx extension (``_config.yml``, ``extra_extensions``) that makes a page's styled tables
tables of the book, counted with its other tables ("Table 4") and reachable with ``{numref}`tbl-iclr-claims```.

:meth:`Page.show <ecgstudy.report.Page.show>` displays a :class:`~ecgstudy.report.Table` in two forms:

* ``text/html``: the styled table with its caption, what Jupyter shows;
* ``text/markdown``: :func:`table_markdown`, an ``ecg-table`` directive holding the same HTML without its
  caption, under the caption as the directive's argument and the label as ``:name:``. The book prefers it
  (``nb_mime_priority_overrides`` in ``_config.yml``) and parses it as MyST (``nb_render_markdown_format``).

The directive makes an :class:`ecg_table` node: a caption, then the HTML in a ``div.ecg-table-scroll`` box (wide
tables scroll inside it while the caption stays in view; ``book/_static/ecgstudy.css``). Sphinx numbers it as a
``table`` (:meth:`sphinx.application.Sphinx.add_enumerable_node`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator


class ecg_table(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """A numbered table whose body is raw HTML: children ``caption``, then a container holding a ``raw`` node."""


def table_markdown(html: str, caption: str, label: str | None) -> str:
    """The MyST text of an ``ecg-table`` directive: ``html`` (a table without its caption) under ``caption``
    (one line) and ``label``. The fence is of tildes (a caption may hold backticks, which a backtick fence's
    first line may not), longer than any run of tildes in the HTML.

    >>> print(table_markdown("<table><tr><td>1</td></tr></table>", "Two\\nlines", "tbl-x-y"))
    ~~~{ecg-table} Two lines
    :name: tbl-x-y
    <BLANKLINE>
    <table><tr><td>1</td></tr></table>
    ~~~
    """
    fence = "~" * max(3, 1 + max((len(m) for m in re.findall(r"~+", html)), default=0))
    name = f":name: {label}\n" if label else ""
    caption = " ".join(caption.split())
    return f"{fence}{{ecg-table}} {caption}\n{name}\n{html.strip()}\n{fence}"


class EcgTable(SphinxDirective):
    """``ecg-table``: argument the caption, option ``:name:`` the label, content the table's HTML (not parsed)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        caption = self.arguments[0]
        node = ecg_table()
        node += nodes.caption(caption, caption)
        box = nodes.container(classes=["ecg-table-scroll"])
        box += nodes.raw("", "\n".join(self.content), format="html")
        node += box
        self.set_source_info(node)
        self.add_name(node)
        return [node]


def _visit_html(self: HTML5Translator, node: ecg_table) -> None:
    self.body.append(self.starttag(node, "div", CLASS="ecg-table"))


def _depart_html(self: HTML5Translator, node: ecg_table) -> None:
    self.body.append("</div>\n")


def _skip(self: Any, node: ecg_table) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive and the node as a numbered ``table`` (Sphinx extension entry point)."""
    app.add_enumerable_node(ecg_table, "table", html=(_visit_html, _depart_html), latex=(_skip, None),
                            text=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("ecg-table", EcgTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
