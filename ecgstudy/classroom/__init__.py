"""Teacher material: the repository and its launch links (:mod:`.links`), each chapter's teaching text
(:mod:`.lessons`: objectives, prerequisites, one exercise and its solution, kept in ``book/classroom/``), the
student copies ``classroom/<chapter>.ipynb`` (:mod:`.student`, ``ecgstudy classroom``) and the cells the book
adds to a chapter page (:mod:`.page_cells`)."""

from ecgstudy.classroom.lessons import CHAPTERS, Lesson, lesson, solution_code
from ecgstudy.classroom.links import Repository, repository

__all__ = ["CHAPTERS", "Lesson", "Repository", "lesson", "repository", "solution_code"]
