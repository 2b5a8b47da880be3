"""Teacher material (ecgstudy.classroom): launch links, lessons, student copies, the chapter pages' additions."""

from __future__ import annotations

import ast
import importlib
import tomllib
from types import SimpleNamespace

import nbformat
import pytest
import torch
from typer.testing import CliRunner

from ecgstudy.classroom.lessons import CHAPTERS, Lesson, lesson, parse_lesson, solution_code
from ecgstudy.classroom.links import Repository, repository
from ecgstudy.classroom.page_cells import EXERCISE_TAG, TOP_TAG
from ecgstudy.classroom.student import citation_labels, install_source, plain_roles, student_notebook, student_text
from ecgstudy.errors import ParameterError
from ecgstudy.paths import PROJECT_ROOT

REPO = Repository("ecgstudy", "ecgstudy", "main")


def test_launch_links_are_the_exact_binder_colab_and_github_urls():
    assert REPO.binder_url("classroom/iclr.ipynb") == \
        "https://mybinder.org/v2/gh/ecgstudy/ecgstudy/main?labpath=classroom/iclr.ipynb"
    assert REPO.colab_url("classroom/iclr.ipynb") == \
        "https://colab.research.google.com/github/ecgstudy/ecgstudy/blob/main/classroom/iclr.ipynb"
    assert REPO.blob_url("classroom/iclr.ipynb") == "https://github.com/ecgstudy/ecgstudy/blob/main/classroom/iclr.ipynb"
    assert REPO.pip_source == "ecgstudy @ git+https://github.com/ecgstudy/ecgstudy@main"
    other = Repository("uni-x", "ecg course", "dev")
    assert other.binder_url("a b/c.ipynb") == "https://mybinder.org/v2/gh/uni-x/ecg course/dev?labpath=a%20b/c.ipynb"
    assert other.colab_url("c.ipynb") == "https://colab.research.google.com/github/uni-x/ecg course/blob/dev/c.ipynb"


def test_repository_urls_parse_and_bad_ones_are_refused():
    assert Repository.from_url("https://github.com/a/b.git/", "x") == Repository("a", "b", "x")
    assert Repository.from_url("https://github.com/a/b") == Repository("a", "b", "main")
    for bad in ("https://gitlab.com/a/b", "https://github.com/a", "https://github.com/a/b/c"):
        with pytest.raises(ParameterError):
            Repository.from_url(bad)


def test_the_repository_is_read_from_the_book_config_and_pyproject_names_the_same(tmp_path):
    assert repository() == REPO
    urls = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Repository"] == REPO.url
    config = tmp_path / "_config.yml"
    config.write_text("title: x\nrepository:\n  url: https://github.com/someone/fork\n  branch: course\n")
    assert repository(config).binder_url("classroom/xecgnet.ipynb") == \
        "https://mybinder.org/v2/gh/someone/fork/course?labpath=classroom/xecgnet.ipynb"
    config.write_text("title: x\n")
    with pytest.raises(ParameterError, match="no repository url"):
        repository(config)


def test_a_lesson_file_has_its_four_sections_in_order():
    text = ("<!-- for teachers -->\n## Learning objectives\n- a\n\n## Prerequisites\n- b\n## Exercise\nDo x.\n"
            "## Solution\nLike this:\n```python\nx = 1\n```\nand\n```python\ny = x + 1\n```\n")
    item = parse_lesson("c", text)
    assert item == Lesson("c", "- a", "- b", "Do x.", "Like this:\n```python\nx = 1\n```\nand\n```python\ny = x + 1\n```")
    assert solution_code(item) == "x = 1\n\ny = x + 1\n"
    with pytest.raises(ParameterError, match="in this order"):
        parse_lesson("c", "## Prerequisites\n- b\n## Learning objectives\n- a\n## Exercise\nx\n## Solution\ny\n")
    with pytest.raises(ParameterError, match="empty section"):
        parse_lesson("c", "## Learning objectives\n## Prerequisites\n- b\n## Exercise\nx\n## Solution\ny\n")
    with pytest.raises(ParameterError, match="no lesson"):
        lesson("data_mitdb")


def _imported_names(tree: ast.AST) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ecgstudy"):
            out += [(node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names if a.name.startswith("ecgstudy")]
    return out


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_solution_compiles_and_names_only_existing_ecgstudy_objects(chapter):
    from ecgstudy.experiments import CATALOGUE

    code = solution_code(lesson(chapter))
    tree = ast.parse(compile(code, f"{chapter} solution", "exec", ast.PyCF_ONLY_AST))
    names = _imported_names(tree)
    assert names, "a solution uses the package"
    for module, name in names:
        mod = importlib.import_module(module)
        if name is not None and not hasattr(mod, name):
            importlib.import_module(f"{module}.{name}")  # a submodule (`from ecgstudy import checkpoints`)
    experiments = [n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and getattr(n.func, "id", None) == "get_experiment"]
    assert all(e in CATALOGUE for e in experiments), experiments
    # the variables it reads come from the notebook: `profile` from the parameters cell, `display` from IPython
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    defined = assigned | {a.asname or a.name.split(".")[0] for n in ast.walk(tree)
                          if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names} | \
        {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))} | \
        {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args + n.args.kwonlyargs}
    import builtins

    assert read - defined - set(dir(builtins)) <= {"profile", "display"}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_committed_student_copies_are_what_ecgstudy_classroom_writes(chapter):
    committed = PROJECT_ROOT / "classroom" / f"{chapter}.ipynb"
    assert committed.read_text() == student_text(chapter), "run `ecgstudy classroom` after editing a template or lesson"


def test_ecgstudy_classroom_check_passes_on_the_committed_copies():
    from ecgstudy.cli import app

    result = CliRunner().invoke(app, ["classroom", "--check"])
    assert result.exit_code == 0 and "up to date" in result.output


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_student_copy_is_the_template_stripped_with_install_objectives_and_exercise_but_no_solution(chapter):
    nb = student_notebook(chapter)
    nbformat.validate(nb)
    template = nbformat.read(PROJECT_ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    item = lesson(chapter)
    labels = citation_labels(PROJECT_ROOT / "book" / "references.bib")
    ids = [c.id for c in nb.cells]
    assert ids[:3] == ["classroom-install", template.cells[1].id, "classroom-about"]
    assert nb.cells[1].source == template.cells[1].source and nb.cells[1].source.startswith("# ")
    assert ids[3:5] == [template.cells[0].id, "classroom-profile"]  # the parameters cell, then the profile's values
    assert ids[5:-2] == [c.id for c in template.cells[2:]]
    assert [c.source for c in nb.cells[5:-2]] == [plain_roles(c.source, labels) if c.cell_type == "markdown" else c.source
                                                  for c in template.cells[2:]]
    text = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not any(role in text for role in ("{cite:", "{numref}", "{download}"))  # Jupyter would show them raw
    assert ids[-2:] == ["classroom-exercise", "classroom-answer"]
    assert nb.cells[-2].source == f"## Exercise\n\n{item.exercise}"
    assert item.objectives in nb.cells[2].source and item.prerequisites in nb.cells[2].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    solution_lines = [line for line in solution_code(item).splitlines()
                      if len(line.strip()) > 30 and not line.startswith(("from ", "import "))]
    assert solution_lines and not any(line in c.source for c in nb.cells for line in solution_lines)
    assert "## Solution" not in "".join(c.source for c in nb.cells)


def test_the_install_cell_installs_the_repository_only_where_ecgstudy_is_missing(monkeypatch):
    from IPython.core.inputtransformer2 import TransformerManager

    source = install_source(REPO)
    assert '    %pip install --quiet "ecgstudy @ git+https://github.com/ecgstudy/ecgstudy@main"' in source
    code = TransformerManager().transform_cell(source)
    calls: list[tuple[str, str]] = []
    shell = SimpleNamespace(run_line_magic=lambda name, line: calls.append((name, line)))
    # the cell sets ECGSTUDY_RESULTS in os.environ: setenv first, so that monkeypatch removes it again afterwards
    # (a bare delenv of an unset name records nothing to undo, and later tests in this worker read an empty store)
    monkeypatch.setenv("ECGSTUDY_RESULTS", "unset-by-the-test")
    monkeypatch.delenv("ECGSTUDY_RESULTS")
    exec(code, {"get_ipython": lambda: shell})
    assert calls == []  # ecgstudy is importable here
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    exec(code, {"get_ipython": lambda: shell})
    assert calls == [("pip", 'install --quiet "ecgstudy @ git+https://github.com/ecgstudy/ecgstudy@main"')]
    import os

    assert os.environ["ECGSTUDY_RESULTS"] == os.path.abspath("ecgstudy-results")


def test_the_parameters_and_profile_cells_give_the_chapter_at_the_smoke_profile_with_changes():
    nb = student_notebook("iclr")
    params, profile_cell = nb.cells[3].source, nb.cells[4].source
    assert "parameters" in nb.cells[3].metadata["tags"]
    ns: dict = {}
    exec(params, ns)
    assert (ns["profile"], ns["data"], ns["changes"], ns["run_dir"]) == ("smoke", "auto", {}, "")
    exec(profile_cell, ns)
    # iclr's smoke profile: seed 0, segment-wise folds, one fold, no kernel ablation (the template: the full grid)
    assert (ns["seeds"], ns["splits"], ns["folds_run"], ns["kernel_sizes"]) == ((0,), ("segment",), 1, ())
    ns = {}
    exec(params.replace("changes = {}", 'changes = {"seeds": [0, 1]}'), ns)
    exec(profile_cell, ns)
    assert ns["seeds"] == (0, 1) and ns["profile"] == "smoke"


def _page(tmp_path, name: str, note: bool = False):
    from ecgstudy.runs.committed import NOTE_TAG

    v4 = nbformat.v4
    cells = [v4.new_code_cell("x = 1", metadata={"tags": ["parameters", "remove-cell"]}),
             v4.new_code_cell("profile = 'cpu'", metadata={"tags": ["injected-parameters", "hide-cell"]}),
             v4.new_markdown_cell("# Title\n\nWhat the page is about.")]
    if note:
        cells.append(v4.new_markdown_cell(":::{admonition} Committed real-data page\n:::",
                                          metadata={"ecgstudy": NOTE_TAG}))
    cells += [v4.new_markdown_cell("text"), v4.new_code_cell("page.show('a')")]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(v4.new_notebook(cells=cells), path)
    return path


def test_a_chapter_page_gets_launch_links_and_objectives_under_its_title_and_the_folded_solution_at_the_end(tmp_path):
    from ecgstudy.bookbuild import tidy_page

    path = _page(tmp_path, "ecgradcam", note=True)
    tidy_page(path)
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source.split("\n")[0] for c in cells] == [
        "x = 1", "# Title", "profile = 'cpu'", ":::{admonition} Committed real-data page",
        ":::{admonition} Run it, teach it", "What the page is about.", "text", "page.show('a')", "## Exercise"]
    top, end, item = cells[4], cells[-1], lesson("ecgradcam")
    assert top.metadata["ecgstudy"] == TOP_TAG and end.metadata["ecgstudy"] == EXERCISE_TAG
    assert "[Launch on Binder](https://mybinder.org/v2/gh/ecgstudy/ecgstudy/main?labpath=classroom/ecgradcam.ipynb)" \
        in top.source
    assert "[Open in Colab](https://colab.research.google.com/github/ecgstudy/ecgstudy/blob/main/classroom/" \
           "ecgradcam.ipynb)" in top.source
    assert item.objectives in top.source and item.prerequisites in top.source
    assert end.source == (f"## Exercise\n\n{item.exercise}\n\n::::{{admonition}} Solution\n:class: dropdown\n"
                          f"{item.solution}\n::::")


def test_a_page_without_a_lesson_gets_no_classroom_cells(tmp_path):
    from ecgstudy.bookbuild import tidy_page

    path = _page(tmp_path, "data_mitdb")
    tidy_page(path)
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == [
        "x = 1", "# Title\n\nWhat the page is about.", "profile = 'cpu'", "text", "page.show('a')"]


def test_without_a_committed_note_the_box_still_sits_right_under_the_heading(tmp_path):
    from ecgstudy.bookbuild import tidy_page

    path = _page(tmp_path, "iclr")
    tidy_page(path)
    assert [c.source.split("\n")[0] for c in nbformat.read(path, as_version=4).cells] == [
        "x = 1", "# Title", "profile = 'cpu'", ":::{admonition} Run it, teach it", "What the page is about.",
        "text", "page.show('a')", "## Exercise"]


def test_the_attribution_solution_runs_at_the_smoke_profile(tmp_path, monkeypatch):
    """The solution trains the controlled model at smoke size and benchmarks its new method (about 10 s)."""
    from ecgstudy.attribution.methods import METHODS

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(tmp_path)
    ns: dict = {"profile": "smoke", "display": lambda *a: None}
    try:
        exec(compile(solution_code(lesson("attribution")), "attribution solution", "exec"), ns)
        new = METHODS["median_input_x_gradient"]
    finally:
        METHODS.pop("median_input_x_gradient", None)
    ev = ns["ev"]
    assert ev.skipped == {}
    assert list(ev.scores["method"].unique()) == ["input_x_gradient", "median_input_x_gradient",
                                                  "integrated_gradients_median", "energy", "random"]
    assert len(ev.scores) == 5 * ns["budget"].max_records
    # the new method on a linear score s = w . x: its map is exactly (x - median) * w of the target column
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2 * 4, 2)).double()
    x = torch.tensor([[[1.0, 4.0, 2.0, 3.0], [0.0, -1.0, 5.0, 1.0]]], dtype=torch.float64)
    w = model[1].weight.detach()[1].reshape(2, 4)
    median = torch.tensor([[2.5], [0.5]], dtype=torch.float64)
    assert torch.equal(new(model).attribute(x, target=1)[0], (x[0] - median) * w)
