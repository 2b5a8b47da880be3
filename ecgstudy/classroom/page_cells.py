"""What the book adds to a chapter page (:func:`ecgstudy.bookbuild.tidy_page`): under the title, a box with the
launch links of the chapter's student copy, its learning objectives and prerequisites; at the end, the exercise
with its solution folded (a dropdown admonition). Committed real-data pages get them too, without rerunning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ecgstudy import paths
from ecgstudy.classroom.lessons import CHAPTERS, lesson
from ecgstudy.classroom.links import Repository, repository
from ecgstudy.classroom.student import STUDENT_PROFILE, classroom_path

#: ``cell.metadata["ecgstudy"]`` of the cells added, so a test or a reader can find them.
TOP_TAG = "classroom-top"
EXERCISE_TAG = "classroom-exercise"


def launch_links(chapter: str, repo: Repository) -> str:
    """The launch links of ``chapter``'s student copy (Markdown, one line)."""
    path = classroom_path(chapter)
    return (f"[Launch on Binder]({repo.binder_url(path)}) · [Open in Colab]({repo.colab_url(path)}) · "
            f"[the notebook on GitHub]({repo.blob_url(path)})")


def top_source(chapter: str, root: Path = paths.PROJECT_ROOT, repo: Repository | None = None) -> str:
    """The box under the title: launch links, objectives, prerequisites (a MyST admonition)."""
    repo = repo or repository(Path(root) / "_config.yml")
    item = lesson(chapter, root)
    return (
        ":::{admonition} Run it, teach it\n:class: tip ecgstudy-classroom\n"
        f"**Run this chapter yourself**, on synthetic ECGs with nothing to download: its student copy "
        f"`{classroom_path(chapter)}` (this page's notebook at the `{STUDENT_PROFILE}` profile, outputs stripped, "
        f"an exercise at the end). {launch_links(chapter, repo)}\n\n"
        f"**Learning objectives.**\n\n{item.objectives}\n\n**Prerequisites.**\n\n{item.prerequisites}\n:::"
    )


def exercise_source(chapter: str, root: Path = paths.PROJECT_ROOT) -> str:
    """The exercise and its solution, folded (a dropdown admonition)."""
    item = lesson(chapter, root)
    return (f"## Exercise\n\n{item.exercise}\n\n"
            f"::::{{admonition}} Solution\n:class: dropdown\n{item.solution}\n::::")


def classroom_cells(chapter: str, root: Path = paths.PROJECT_ROOT) -> tuple[Any, Any] | None:
    """``(top, exercise)`` markdown cells of ``chapter``'s page, or None for a page without a lesson."""
    import nbformat

    if chapter not in CHAPTERS:
        return None
    top = nbformat.v4.new_markdown_cell(top_source(chapter, root))
    top.metadata["ecgstudy"] = TOP_TAG
    end = nbformat.v4.new_markdown_cell(exercise_source(chapter, root))
    end.metadata["ecgstudy"] = EXERCISE_TAG
    return top, end
