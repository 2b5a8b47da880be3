"""The student copy of a chapter, ``classroom/<chapter>.ipynb`` (``ecgstudy classroom`` writes them all).

It is the chapter's template ``notebooks/<chapter>.ipynb`` with its outputs stripped and, in this order: a cell
that installs the package where it cannot be imported (Colab; Binder and a clone already have it), the title,
the objectives and prerequisites of the lesson (:mod:`.lessons`), the parameters cell set to the ``smoke``
profile (synthetic data, a few minutes) and a cell that applies the profile, the template's other cells, and the exercise with an empty cell for
the answer. The solution is not in it. Every cell keeps a fixed id, so the same templates and lessons always
give the same file (a test compares the committed copies with this module's output).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from ecgstudy import paths
from ecgstudy.classroom.lessons import CHAPTERS, lesson
from ecgstudy.classroom.links import Repository, repository

#: The profile a student copy runs at (its parameters cell).
STUDENT_PROFILE = "smoke"


def classroom_path(chapter: str) -> str:
    """Path of a chapter's student copy, relative to the repository root."""
    return f"classroom/{chapter}.ipynb"


def install_source(repo: Repository) -> str:
    """The first cell: ``%pip install`` of the package from ``repo``, only where it is not importable."""
    return (
        "# On Colab (or any Python without ecgstudy), install it first; Binder and a clone of the repository have it.\n"
        "import importlib.util\n"
        "import os\n"
        "\n"
        'if importlib.util.find_spec("ecgstudy") is None:\n'
        f'    %pip install --quiet "{repo.pip_source}"\n'
        '    os.environ.setdefault("ECGSTUDY_RESULTS", os.path.abspath("ecgstudy-results"))  # the run store\n'
    )


def student_parameters(chapter: str, source: str) -> str:
    """The student copy's parameters cell, from the template's ``source``: ``profile`` (:data:`STUDENT_PROFILE`),
    ``data``, ``changes`` (chapter parameters to change), and the template's lines that are not chapter
    parameters (``run_dir``, ``data_kind``, ``data_dirs``).

    The template's cell holds the parameters' defaults (every seed and fold of the full grid); a page run by the
    store gets the profile's values injected by papermill, and the student copy gets them from
    :func:`profile_source`'s cell, which follows this one.
    """
    from ecgstudy.experiments import get_experiment

    fields = get_experiment(chapter).params_model.model_fields
    kept = [line for line in source.splitlines()
            if (m := re.match(r"^(\w+) = ", line)) and m.group(1) not in fields]
    return "\n".join([
        '# "smoke": small synthetic data, a few minutes; "demo": more data and longer training',
        f'profile = "{STUDENT_PROFILE}"',
        '# "auto": the real PhysioNet files where ECGSTUDY_DATA points at them, else the synthetic generator',
        'data = "auto"',
        '# chapter parameters to change, e.g. {"seeds": [0, 1]} (the next cell lists them all)',
        "changes = {}",
        *kept,
    ])


def profile_source(chapter: str) -> str:
    """The cell after the parameters: the chapter's parameters at ``profile`` with ``changes``, as variables."""
    return (
        f"# The chapter's parameters at this profile with your changes (`ecgstudy run {chapter} --profile ...` uses the\n"
        "# same): the page below reads them from these variables.\n"
        "from ecgstudy.experiments import get_experiment\n"
        "\n"
        f'chapter_params = get_experiment("{chapter}").params({{"profile": profile, "data": data, **changes}})\n'
        "globals().update(chapter_params.model_dump())\n"
        "chapter_params\n"
    )


def _about(chapter: str, objectives: str, prerequisites: str) -> str:
    return (
        f"**The student copy of this chapter** (`{classroom_path(chapter)}`, made from `notebooks/{chapter}.ipynb` by "
        f"`ecgstudy classroom`). It runs on synthetic ECGs from the package's generator at the `{STUDENT_PROFILE}` "
        f"profile, a few minutes on 2 cores, with no data to download; set `profile = \"demo\"` in the parameters cell below "
        f"for more data and longer training (minutes), or change any chapter parameter in `changes`. Where the text shows a `{{glue:text}}` reference, the book "
        f"prints a computed value: here, read it as `page.glue[\"name\"]` once the first code cell has run.\n\n"
        f"### Learning objectives\n\n{objectives}\n\n### Prerequisites\n\n{prerequisites}"
    )


def citation_labels(bib: Path) -> dict[str, tuple[str, str]]:
    """``{key: (authors, year)}`` of a BibTeX file, authors as a text cites them: ``"Hu et al."``,
    ``"Moody and Mark"``, ``"Wagner"``."""
    from pybtex.database import parse_file

    labels = {}
    for key, entry in parse_file(str(bib)).entries.items():
        names = [" ".join(p.last_names) for p in entry.persons.get("author", [])] or [key]
        who = names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al."
        labels[key] = (who.replace("{", "").replace("}", ""), entry.fields.get("year", "n.d."))
    return labels


_ROLE = re.compile(r"(\s?)\{(cite:t|cite:p|numref|download)\}`([^`]*)`")


def plain_roles(source: str, labels: dict[str, tuple[str, str]]) -> str:
    """The book's MyST roles as plain Markdown for Jupyter, which does not render them: ``{cite:t}`` ->
    "Hu et al. (2021)", ``{cite:p}`` -> "(Hu et al., 2021)", ``{numref}`` -> "the figure", and a
    ``{download}`` link (a file of the built book) left out.

    >>> plain_roles("{cite:t}`a` show {numref}`fig-x`, as before {cite:p}`a,b`. {download}`CSV <x.csv>`",
    ...             {"a": ("Hu et al.", "2021"), "b": ("Moody and Mark", "2001")})
    'Hu et al. (2021) show the figure, as before (Hu et al., 2021; Moody and Mark, 2001).'
    """
    def replace(m: re.Match) -> str:
        space, role, body = m.groups()
        keys = [k.strip() for k in body.split(",")]
        if role == "cite:t":
            return space + "; ".join(f"{labels[k][0]} ({labels[k][1]})" if k in labels else k for k in keys)
        if role == "cite:p":
            return space + "(" + "; ".join(f"{labels[k][0]}, {labels[k][1]}" if k in labels else k for k in keys) + ")"
        if role == "numref":
            return space + "the figure"
        return ""

    return _ROLE.sub(replace, source)


def _markdown(source: str, cell_id: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(source)
    cell["id"] = cell_id
    return cell


def _code(source: str, cell_id: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = cell_id
    return cell


def student_notebook(chapter: str, root: Path = paths.PROJECT_ROOT, repo: Repository | None = None) -> Any:
    """The student copy of ``chapter`` as a notebook (see the module docstring)."""
    import nbformat

    from ecgstudy.runs.committed import title_index

    repo = repo or repository(Path(root) / "_config.yml")
    item = lesson(chapter, root)
    template = nbformat.read(Path(root) / "notebooks" / f"{chapter}.ipynb", as_version=4)
    labels = citation_labels(Path(root) / "book" / "references.bib")
    cells = []
    for cell in template.cells:
        cell = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            cell.source = plain_roles(cell.source, labels)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = student_parameters(chapter, cell.source)
        cells.append(cell)
    title = title_index(cells) or 0
    params = [c for c in cells[:title] if "parameters" in c.metadata.get("tags", [])]
    rest = [c for i, c in enumerate(cells) if i != title and not any(c is p for p in params)]
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(template.metadata))
    nb.metadata["ecgstudy"] = {"student_copy_of": f"notebooks/{chapter}.ipynb"}
    nb.cells = [_code(install_source(repo), "classroom-install"), cells[title],
                _markdown(_about(chapter, item.objectives, item.prerequisites), "classroom-about"),
                *params, _code(profile_source(chapter), "classroom-profile"), *rest,
                _markdown(f"## Exercise\n\n{item.exercise}", "classroom-exercise"),
                _code("# Your answer here.\n", "classroom-answer")]
    return nb


def student_text(chapter: str, root: Path = paths.PROJECT_ROOT, repo: Repository | None = None) -> str:
    """The student copy's file content (what :func:`write_classroom` writes)."""
    import nbformat

    return nbformat.writes(student_notebook(chapter, root, repo)) + "\n"


def write_classroom(root: Path = paths.PROJECT_ROOT, chapters: tuple[str, ...] = CHAPTERS) -> list[Path]:
    """Write ``classroom/<chapter>.ipynb`` under ``root`` for each chapter; return the paths written."""
    out = []
    for chapter in chapters:
        path = Path(root) / classroom_path(chapter)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(student_text(chapter, root))
        out.append(path)
    return out
