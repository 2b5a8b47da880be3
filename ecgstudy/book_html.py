"""How the book's HTML reads: a Sphinx extension registered in ``_config.yml`` (``extra_extensions``).

* Glued texts (``{glue:text}``, myst-nb's ``pasted-text`` spans) hold Markdown (``*a sample*``,
  ```ecgstudy data```): :func:`inline_markdown` renders it (emphasis, strong, code, links) instead
  of printing the marks; ``book/_static/ecgstudy.css`` gives the spans the paragraph's weight.
* An image with no alt text gets its figure's caption (Sphinx would print the image's path).
* Each page's scripts are included once, and the colour mode has a default (no console errors).

It changes how the pages look, never what they hold: the executed notebooks are untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx

#: marks that make a glued text worth parsing as Markdown
_MARKS = ("*", "`", "_", "[")


def inline_markdown(text: str) -> list[nodes.Node]:
    """Docutils nodes of one line of Markdown: emphasis, strong, inline code, links; the rest is text.

    >>> [n.astext() for n in inline_markdown("stays *needs data*; run `make`")]
    ['stays ', 'needs data', '; run ', 'make']
    >>> [type(n).__name__ for n in inline_markdown("stays *needs data*; run `make`")]
    ['Text', 'emphasis', 'Text', 'literal']
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parseInline(text)[0].children or []
    root: nodes.Element = nodes.inline()
    stack: list[nodes.Element] = [root]
    for tok in tokens:
        if tok.type == "text":
            if tok.content:
                stack[-1] += nodes.Text(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            stack[-1] += nodes.Text(" ")
        elif tok.type == "code_inline":
            stack[-1] += nodes.literal(tok.content, tok.content)
        elif tok.type in ("em_open", "strong_open", "link_open"):
            if tok.type == "link_open":
                child: nodes.Element = nodes.reference("", "", refuri=str(tok.attrGet("href") or ""))
            else:
                child = nodes.emphasis() if tok.type == "em_open" else nodes.strong()
            stack[-1] += child
            stack.append(child)
        elif tok.type in ("em_close", "strong_close", "link_close") and len(stack) > 1:
            stack.pop()
        else:  # html_inline, images, ...: kept as written
            stack[-1] += nodes.Text(tok.content)
    return list(root.children)


def render_pasted_markdown(doctree: nodes.Node) -> int:
    """Render the Markdown of every glued text span in ``doctree`` in place; return how many changed."""
    changed = 0
    for span in list(doctree.findall(nodes.inline)):
        if "pasted-text" not in span["classes"] or not any(m in span.astext() for m in _MARKS):
            continue
        parsed = inline_markdown(span.astext())
        if len(parsed) == 1 and isinstance(parsed[0], nodes.Text):
            continue
        span.children = []
        span.extend(parsed)
        changed += 1
    return changed


def caption_alt_texts(doctree: nodes.Node) -> int:
    """Give every image without alt text its figure's caption (or the section title it sits under);
    return how many images got one."""
    changed = 0
    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        alt = ""
        parent = image.parent
        while parent is not None and not alt:
            if isinstance(parent, nodes.figure):
                captions = list(parent.findall(nodes.caption))
                alt = captions[0].astext() if captions else ""
            elif isinstance(parent, nodes.section) and parent.children and isinstance(parent[0], nodes.title):
                alt = f"Figure of the section “{parent[0].astext()}”"
            parent = parent.parent
        if alt:
            image["alt"] = " ".join(alt.split())
            changed += 1
    return changed


def body_scripts_once(app: Sphinx) -> None:
    """Make the HTML builder include each inline script once (``builder-inited``, before other extensions).

    Sphinx 7.4 hands a script added after ``Builder.init()`` (sphinx-thebe's ``THEBE_JS_URL`` setup at
    env-before-read-docs, sphinx-togglebutton's selector at builder-inited) to the builder with filename
    ``None``, then adds it again from the registry with filename ``''`` before writing: ``None != ''``, so
    every page held two copies and the browser threw "Identifier 'THEBE_JS_URL' has already been declared".
    Upstream fixed it in Sphinx 8.2 (sphinx-doc/sphinx#13402: both calls pass ``''``), which Jupyter Book 1
    (``sphinx~=7.0``) cannot use; this is the same fix, on this build's builder only.
    """
    add = getattr(app.builder, "add_js_file", None)
    if add is None or getattr(add, "_ecgstudy_once", False):
        return

    def add_js_file(filename: str | None, **kwargs: Any) -> None:
        add(filename or "", **kwargs)

    add_js_file._ecgstudy_once = True  # type: ignore[attr-defined]
    app.builder.add_js_file = add_js_file  # type: ignore[method-assign]


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    # pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless a default mode is set
    context["default_mode"] = context.get("default_mode") or "auto"


def _on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    render_pasted_markdown(doctree)
    caption_alt_texts(doctree)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the doctree fixes (Sphinx extension entry point)."""
    app.connect("builder-inited", body_scripts_once, priority=100)  # before sphinx-togglebutton adds its own
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("html-page-context", _on_page_context, priority=100)  # before a handler returns a template
    return {"parallel_read_safe": True, "parallel_write_safe": True}
