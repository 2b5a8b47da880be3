"""Errors with enough context for a user to fix their input."""

from __future__ import annotations

from pathlib import Path


class EcgStudyError(Exception):
    """Base class of every error this package raises on purpose."""


class DataError(EcgStudyError):
    """A data file is missing, corrupt or not what the reader expects.

    The message always names the file and what is wrong with it, e.g.
    ``mitdb/100.dat: truncated: header promises 650000 samples, file holds 1200``.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DataNotFoundError(DataError):
    """A dataset, record or data directory is absent."""


class ParameterError(EcgStudyError, ValueError):
    """Run parameters failed validation; the message lists every bad field."""


class CorruptRunError(EcgStudyError):
    """A run record on disk (``run.json``, ``metrics.json``) is unreadable or not what the store wrote.

    The message names the file and the problem, e.g.
    ``results/real/iclr/0a32.../run.json: not valid JSON (Expecting value: line 1 column 1)``.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
