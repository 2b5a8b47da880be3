"""Cached MIT-BIH preparations: the ICLR segments and the multi-label windows of ``mitdb``.

:func:`load_iclr_segments` and :func:`load_mitdb_windows` run
:func:`~ecgstudy.data.segments.iclr_segments` and
:func:`~ecgstudy.data.mitdb_windows.mitdb_windows` on the mitdb records through the
generic cache (:func:`ecgstudy.data.cache.cached`), keyed by their parameters, the data
checksum of the files they read (:func:`mitdb_checksum`) and each preparation's
``ALGORITHM_VERSION``. Each takes the MIT-BIH dataset folder from its caller: the folder a
run's data source resolved (``source.folders["mitdb"]``, see
:func:`ecgstudy.runs.datasource.resolve_data`), never ``ECGSTUDY_DATA`` by itself.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from ecgstudy.data.cache import cached, data_checksum
from ecgstudy.data.mitdb import mitdb_records
from ecgstudy.data.mitdb_windows import ALGORITHM_VERSION as WINDOWS_ALGORITHM_VERSION
from ecgstudy.data.mitdb_windows import BeatWindows, mitdb_windows
from ecgstudy.data.segments import (
    ALGORITHM_VERSION,
    SkippedRecordsWarning,
    iclr_segments,
)
from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import DataNotFoundError

_ICLR_SIGNATURE = inspect.signature(iclr_segments)
_WINDOWS_SIGNATURE = inspect.signature(mitdb_windows)
_Prepared = TypeVar("_Prepared", BeatSegments, BeatWindows)


def _mitdb_folder(folder: str | Path) -> Path:
    """``folder`` as a Path; :class:`DataNotFoundError` if it is not a folder."""
    path = Path(folder)
    if not path.is_dir():
        raise DataNotFoundError(path, "mitdb (MIT-BIH Arrhythmia Database) folder not found")
    return path


def _mitdb_files(folder: Path, records: Iterable[str] | None) -> list[str]:
    """RECORDS and the existing .hea/.dat/.atr files of the records (missing ones are the
    reader's to report)."""
    ids = list(records) if records is not None else mitdb_records(folder)
    names = ["RECORDS"] + [f"{r}{ext}" for r in ids for ext in (".hea", ".dat", ".atr")]
    return [n for n in names if (folder / n).is_file()]


def mitdb_checksum(folder: str | Path, records: Iterable[str] | None = None) -> str:
    """Data checksum of the mitdb files (RECORDS, .hea/.dat/.atr) in the MIT-BIH dataset
    ``folder`` that the preparation reads; the same value keys :func:`load_iclr_segments`'s
    cache entry (use it in run ids)."""
    folder = _mitdb_folder(folder)
    return data_checksum(folder, _mitdb_files(folder, records))


def load_iclr_segments(folder: str | Path, **params) -> BeatSegments:
    """:func:`ecgstudy.data.segments.iclr_segments` of the MIT-BIH dataset ``folder``, cached.

    ``folder``: the mitdb folder (a run's ``source.folders["mitdb"]``); ``params`` are those
    of ``iclr_segments``. Returns ``signals`` ``(segments, 2, 2000)`` float32 mV at 360 Hz
    with their labels and beats. A result with skipped records (``on_error="skip"``) is returned
    with its warning but not cached, so the warning comes again on the next call.
    """
    return _load_mitdb_cached("mitdb_iclr_segments", iclr_segments, _ICLR_SIGNATURE, ALGORITHM_VERSION,
                              BeatSegments.load, folder, params)


def load_mitdb_windows(folder: str | Path, **params) -> BeatWindows:
    """:func:`ecgstudy.data.mitdb_windows.mitdb_windows` of the MIT-BIH dataset ``folder``, cached.

    ``folder``: the mitdb folder (a run's ``source.folders["mitdb"]``); ``params`` are those
    of ``mitdb_windows`` (``signals`` ``(windows, 2, samples)`` float32 mV). Keyed like
    :func:`load_iclr_segments` (data checksum, parameters other than ``progress``/``on_error``,
    package version) with the windows' own ``ALGORITHM_VERSION``; a result with skipped
    records is returned but not cached.
    """
    return _load_mitdb_cached("mitdb_windows", mitdb_windows, _WINDOWS_SIGNATURE, WINDOWS_ALGORITHM_VERSION,
                              BeatWindows.load, folder, params)


def _load_mitdb_cached(kind: str, prepare: Callable[..., _Prepared], signature: inspect.Signature, algorithm: int,
                       load: Callable[[Path], _Prepared], folder: str | Path, params: dict) -> _Prepared:
    """``prepare(folder, **params)`` of the mitdb dataset ``folder`` through :func:`cached`."""
    folder = _mitdb_folder(folder)
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
