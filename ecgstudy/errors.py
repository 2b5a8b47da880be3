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
