"""Each chapter's teaching text, kept as data in one place: ``book/classroom/<chapter>.md``.

A lesson file has four level-2 sections, in this order: ``## Learning objectives``, ``## Prerequisites``,
``## Exercise`` and ``## Solution`` (anything above the first is a comment for the teacher). The book shows the
objectives and prerequisites at the top of the chapter page and the exercise with its solution folded at the
end (:mod:`.page_cells`); the student copy has the objectives, the prerequisites and the exercise, not the
solution (:mod:`.student`). The solution's ```` ```python ```` blocks are code that runs in the chapter's
notebook (its parameters cell defines ``profile``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ecgstudy import paths
from ecgstudy.errors import ParameterError

#: The chapters with a lesson (and a student copy), in book order: the page / notebook name.
CHAPTERS: tuple[str, ...] = ("iclr", "xecgnet", "ecgradcam", "attribution")
#: The sections of a lesson file, in order.
SECTIONS: tuple[str, ...] = ("Learning objectives", "Prerequisites", "Exercise", "Solution")

_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def lessons_dir(root: Path = paths.PROJECT_ROOT) -> Path:
    """Where the lesson files live."""
    return Path(root) / "book" / "classroom"


@dataclass(frozen=True)
class Lesson:
    """One chapter's teaching text (each field: MyST Markdown, without its heading)."""

    chapter: str
    objectives: str
    prerequisites: str
    exercise: str
    solution: str


def parse_lesson(chapter: str, text: str) -> Lesson:
    """The :class:`Lesson` in ``text`` (a lesson file's content).

    >>> parse_lesson("x", "## Learning objectives\\n- a\\n## Prerequisites\\n- b\\n## Exercise\\nDo.\\n"
    ...              "## Solution\\nDone.\\n").exercise
    'Do.'
    """
    parts = re.split(r"^## +(.+?) *$", text, flags=re.M)
    found = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if tuple(found) != SECTIONS:
        raise ParameterError(f"lesson {chapter!r}: sections {list(found)}; expected {list(SECTIONS)} in this order")
    if not all(found.values()):
        raise ParameterError(f"lesson {chapter!r}: an empty section")
    return Lesson(chapter, *found.values())


def lesson(chapter: str, root: Path = paths.PROJECT_ROOT) -> Lesson:
    """The lesson of ``chapter`` (one of :data:`CHAPTERS`)."""
    if chapter not in CHAPTERS:
        raise ParameterError(f"no lesson for {chapter!r}: expected one of {', '.join(CHAPTERS)}")
    return parse_lesson(chapter, (lessons_dir(root) / f"{chapter}.md").read_text())


def solution_code(item: Lesson) -> str:
    """The solution's ```` ```python ```` blocks, joined (the code a student would run).

    >>> solution_code(Lesson("x", "", "", "", "Text.\\n```python\\nx = 1\\n```\\nMore.\\n```python\\ny = x\\n```"))
    'x = 1\\n\\ny = x\\n'
    """
    return "\n".join(_PYTHON_BLOCK.findall(item.solution))
