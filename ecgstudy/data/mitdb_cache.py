"""Cached MIT-BIH preparations: the ICLR segments and the multi-label windows of ``mitdb``.

:func:`load_iclr_segments` and :func:`load_mitdb_windows` run
:func:`~ecgstudy.data.segments.iclr_segments` and
:func:`~ecgstudy.data.mitdb_windows.mitdb_windows` on the mitdb records through the
generic cache (:func:`ecgstudy.data.cache.cached`), keyed by their parameters, the data
checksum of the files they read (:func:`mitdb_checksum`) and each preparation's
``ALGORITHM_VERSION``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from ecgstudy import paths
from ecgstudy.data.cache import cached, data_checksum
from ecgstudy.data.mitdb import mitdb_records
from ecgstudy.data.mitdb_windows import ALGORITHM_VERSION as WINDOWS_ALGORITHM_VERSION
from ecgstudy.data.mitdb_windows import BeatWindows, mitdb_windows
from ecgstudy.data.registry import require_dataset
from ecgstudy.data.segments import (
    ALGORITHM_VERSION,
    SkippedRecordsWarning,
    iclr_segments,
)
from ecgstudy.data.types import BeatSegments

_ICLR_SIGNATURE = inspect.signature(iclr_segments)
_WINDOWS_SIGNATURE = inspect.signature(mitdb_windows)
_Prepared = TypeVar("_Prepared", BeatSegments, BeatWindows)


def _mitdb_files(folder: Path, records: Iterable[str] | None) -> list[str]:
    """RECORDS and the existing .hea/.dat/.atr files of the records (missing ones are the
    reader's to report)."""
    ids = list(records) if records is not None else mitdb_records(folder)
    names = ["RECORDS"] + [f"{r}{ext}" for r in ids for ext in (".hea", ".dat", ".atr")]
    return [n for n in names if (folder / n).is_file()]


def mitdb_checksum(data_dir: str | Path | None = None,
                   records: Iterable[str] | None = None) -> str:
    """Data checksum of the mitdb files (RECORDS, .hea/.dat/.atr) the preparation reads;
    the same value keys :func:`load_iclr_segments`'s cache entry (use it in run ids)."""
    folder = require_dataset("mitdb", paths.data_dir(data_dir))
    return data_checksum(folder, _mitdb_files(folder, records))


def load_iclr_segments(data_dir: str | Path | None = None, **params) -> BeatSegments:
    """:func:`ecgstudy.data.segments.iclr_segments` of the mitdb dataset, cached.

    ``data_dir`` defaults to :func:`ecgstudy.paths.data_dir`; ``params`` are those of
    ``iclr_segments``. A result with skipped records (``on_error="skip"``) is returned
    with its warning but not cached, so the warning comes again on the next call.
    """
    return _load_mitdb_cached("mitdb_iclr_segments", iclr_segments, _ICLR_SIGNATURE, ALGORITHM_VERSION,
                              BeatSegments.load, data_dir, params)


def load_mitdb_windows(data_dir: str | Path | None = None, **params) -> BeatWindows:
    """:func:`ecgstudy.data.mitdb_windows.mitdb_windows` of the mitdb dataset, cached.

    Keyed like :func:`load_iclr_segments` (data checksum, parameters other than
    ``progress``/``on_error``, package version) with the windows' own
    ``ALGORITHM_VERSION``; a result with skipped records is returned but not cached.
    """
    return _load_mitdb_cached("mitdb_windows", mitdb_windows, _WINDOWS_SIGNATURE, WINDOWS_ALGORITHM_VERSION,
                              BeatWindows.load, data_dir, params)


def _load_mitdb_cached(kind: str, prepare: Callable[..., _Prepared], signature: inspect.Signature, algorithm: int,
                       load: Callable[[Path], _Prepared], data_dir: str | Path | None, params: dict) -> _Prepared:
    """``prepare(folder, **params)`` of the mitdb dataset through :func:`cached`."""
    folder = require_dataset("mitdb", paths.data_dir(data_dir))
    bound = signature.bind(folder, **params)
    bound.apply_defaults()
    records = bound.arguments["records"]
    key_params = {k: (list(v) if isinstance(v, (tuple, list)) else v)
                  for k, v in sorted(bound.arguments.items())
                  if k not in ("folder", "progress", "on_error")}
    skipped: list[SkippedRecordsWarning] = []

    def build() -> _Prepared:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SkippedRecordsWarning)
            result = prepare(folder, **params)
        for w in caught:
            if isinstance(w.message, SkippedRecordsWarning):
                skipped.append(w.message)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return result

    return cached(kind, key_params, folder, _mitdb_files(folder, records),
                  build, store=lambda result: not skipped, algorithm=algorithm, load=load)
