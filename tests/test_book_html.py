"""The book's HTML fixes (ecgstudy.book_html): glued Markdown rendered, alt text from captions."""

from __future__ import annotations

from docutils import nodes

from ecgstudy.book_html import caption_alt_texts, inline_markdown, render_pasted_markdown


def _kinds(parsed: list[nodes.Node]) -> list[tuple[str, str]]:
    return [(type(n).__name__, n.astext()) for n in parsed]


def test_inline_markdown_renders_emphasis_strong_code_and_links():
    assert _kinds(inline_markdown("rows stay *needs CPSC 2018 data*; `ecgstudy data download` says how")) == [
        ("Text", "rows stay "), ("emphasis", "needs CPSC 2018 data"), ("Text", "; "),
        ("literal", "ecgstudy data download"), ("Text", " says how")]
    assert _kinds(inline_markdown("**0 finished runs** of 70")) == [("strong", "0 finished runs"), ("Text", " of 70")]
    link = inline_markdown("see [PTB-XL](https://physionet.org/ptbxl)")[1]
    assert isinstance(link, nodes.reference) and link["refuri"] == "https://physionet.org/ptbxl"
    assert _kinds(inline_markdown("qtc_bazett and r_amp_V5")) == [("Text", "qtc_bazett and r_amp_V5")]


def test_only_glued_spans_with_markdown_change():
    para = nodes.paragraph()
    para += nodes.inline("a *b*", "a *b*", classes=["pasted-text"])
    para += nodes.inline("plain_name", "plain_name", classes=["pasted-text"])
    para += nodes.inline("not *glued*", "not *glued*")
    assert render_pasted_markdown(para) == 1
    assert [type(n).__name__ for n in para[0].children] == ["Text", "emphasis"]
    assert para[0].astext() == "a b" and para[1].astext() == "plain_name" and para[2].astext() == "not *glued*"


def test_images_take_their_figure_caption_or_section_title_as_alt_text():
    doc = nodes.section()
    doc += nodes.title("", "Scores")
    fig = nodes.figure()
    fig += nodes.image(uri="../_images/a.png")
    fig += nodes.caption("", "Figure 3: the  held-out\nloss per epoch.")
    doc += fig
    doc += nodes.image(uri="../_images/b.png")
    doc += nodes.image(uri="../_images/c.png", alt="kept")
    assert caption_alt_texts(doc) == 2
    assert [i["alt"] for i in doc.findall(nodes.image)] == [
        "Figure 3: the held-out loss per epoch.", "Figure of the section “Scores”", "kept"]


def test_a_published_page_folds_every_code_cell_and_opens_with_its_title(tmp_path):
    import nbformat

    from ecgstudy.bookbuild import tidy_page

    v4 = nbformat.v4
    injected = v4.new_code_cell("profile = 'cpu'", metadata={"tags": ["injected-parameters", "hide-cell"]})
    title = v4.new_markdown_cell("# Title\n\ntext")
    shown = v4.new_code_cell("page.show('a')")
    folded = v4.new_code_cell("page.show('b')", metadata={"tags": ["remove-input"]})
    nb = v4.new_notebook(cells=[v4.new_code_cell("x = 1", metadata={"tags": ["parameters", "remove-cell"]}),
                                injected, title, shown, folded])
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    tidy_page(path)
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source for c in cells] == ["x = 1", "# Title\n\ntext", "profile = 'cpu'", "page.show('a')",
                                         "page.show('b')"]
    assert [c.metadata.get("tags") for c in cells] == [
        ["parameters", "remove-cell"], None, ["injected-parameters", "hide-cell"], ["hide-input"], ["remove-input"]]


def test_every_template_says_how_each_code_cell_is_shown():
    """No page shows its code open: each template code cell is parameters, folded or removed."""
    import json

    from ecgstudy import paths

    open_cells = [(nb.name, i) for nb in sorted((paths.PROJECT_ROOT / "notebooks").glob("*.ipynb"))
                  for i, c in enumerate(json.loads(nb.read_text())["cells"])
                  if c["cell_type"] == "code" and not {"parameters", "hide-input", "hide-cell", "remove-input",
                                                        "remove-cell"} & set(c["metadata"].get("tags", []))]
    assert open_cells == []


def _inline_scripts_in_a_built_page(tmp_path, extensions: list[str]) -> list[str]:
    """Build a one-page Sphinx project whose extension adds an inline script the way sphinx-togglebutton
    (builder-inited) and sphinx-thebe (env-before-read-docs) do; return the page's inline script bodies."""
    import re

    from ecgstudy.testing import build_html

    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "index.rst").write_text("Title\n=====\n\ntext\n")
    (src / "conf.py").write_text(
        f"extensions = {extensions!r}\n"
        "def setup(app):\n"
        "    app.connect('builder-inited', lambda app: app.add_js_file(None, body='var a = 1;'))\n"
        "    app.connect('env-before-read-docs', lambda app, env, docs: app.add_js_file(None, body='const b = 2;'))\n")
    scripts = re.findall(r"<script>(.*?)</script>", (build_html(src, tmp_path) / "index.html").read_text())
    return [s for s in scripts if s in ("var a = 1;", "const b = 2;")]  # the theme has its own


def test_inline_scripts_are_included_once(tmp_path):
    # Sphinx 7.4 alone includes each twice (sphinx-doc/sphinx#13402): "const b" redeclared in the browser
    assert sorted(_inline_scripts_in_a_built_page(tmp_path / "plain", [])) == [
        "const b = 2;", "const b = 2;", "var a = 1;", "var a = 1;"]
    assert sorted(_inline_scripts_in_a_built_page(tmp_path / "fixed", ["ecgstudy.book_html"])) == [
        "const b = 2;", "var a = 1;"]
