"""Which data a run reads, why, and its checksum (part of the run id).

Real data is verified before a run reads it: every file a dataset's ``SHA256SUMS.txt`` lists
(PhysioNet ships one with MIT-BIH, LUDB and PTB-XL) must match its published sum, documentation
files aside. A modified file is refused with a :class:`DataModifiedError` naming it, unless the
user allows it (``--allow-modified``, or ``ECGSTUDY_ALLOW_MODIFIED=1``); such a run records the
modified files in its ``run.json`` and the scorecard never shows it as the reproduction.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import ecgstudy
from ecgstudy import paths
from ecgstudy.data.registry import DATASETS, find_dataset, require_dataset
from ecgstudy.errors import DataError, DataNotFoundError

#: Checksum of "data" made by the synthetic generator: the generator is code, so its version is the data.
SYNTHETIC_CHECKSUM = f"synthetic-generator-{ecgstudy.__version__}"
#: Files of a dataset that no reader opens: a difference from the published sum there is not checked
#: (LUDB's distributed LICENSE.txt, for one, differs from its published sum).
DOCUMENTATION = ("LICENSE*", "README*", "*.html", "*.pdf", "*.htm")
#: Environment variable that allows runs on modified data (what ``--allow-modified`` sets).
ALLOW_MODIFIED_ENV = "ECGSTUDY_ALLOW_MODIFIED"


class DataModifiedError(DataError):
    """Dataset files differ from the sums their publisher lists."""


@dataclass(frozen=True)
class DataSource:
    """Resolved data of a run.

    Attributes:
        kind: ``"real"`` or ``"synthetic"``.
        checksum: SHA256 over the dataset files (real) or :data:`SYNTHETIC_CHECKSUM`.
        folders: dataset key -> folder, for real data.
        reason: why this data, in words (e.g. ``"ECGSTUDY_DATA is not set"``).
        modified: files that differ from their published sums (allowed by the user), as
            ``"<dataset>/<file>"``; empty for verified or unverifiable data.
    """

    kind: str
    checksum: str
    folders: dict[str, Path]
    reason: str = ""
    modified: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``"real (mitdb)"`` or ``"synthetic"``."""
        return f"real ({', '.join(self.folders)})" if self.kind == "real" else "synthetic"

    def describe(self) -> str:
        """One line for the user: which data, from where, and why."""
        where = "; ".join(f"{k} at {v}" for k, v in self.folders.items())
        text = f"data: {self.label}" + (f" ({where})" if where else "") + (f": {self.reason}" if self.reason else "")
        if self.modified:
            text += f"; MODIFIED files allowed: {', '.join(self.modified[:5])}" + \
                (f" and {len(self.modified) - 5} more" if len(self.modified) > 5 else "")
        return text


def dataset_files(folder: Path) -> list[str]:
    """Every file of a dataset folder, relative to it (hidden files aside)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def combine_checksums(per_dataset: dict[str, str]) -> str:
    """The data checksum of a run reading several datasets, from each dataset's checksum (a run id's part).

    >>> combine_checksums({"mitdb": "a"}) == combine_checksums({"mitdb": "a"}) != combine_checksums({"mitdb": "b"})
    True
    """
    return hashlib.sha256("".join(f"{k}:{c};" for k, c in sorted(per_dataset.items())).encode()).hexdigest()


def dataset_checksum(folder: Path) -> str:
    """SHA256 over every data file of a dataset folder (memoised by file stats)."""
    from ecgstudy.data.cache import data_checksum

    return data_checksum(folder, dataset_files(folder))


def modified_files(folder: Path) -> list[str]:
    """Files listed in ``folder/SHA256SUMS.txt`` that exist and differ from their listed sum
    (documentation aside, see :data:`DOCUMENTATION`); empty without a sums file. A listed file that is
    absent is not "modified" (a subset of a dataset is allowed; the readers say what they miss).
    Hashes are shared with :func:`dataset_checksum`'s memo, so a warm check only stats the files."""
    from ecgstudy.data.cache import file_hashes, printable_name
    from ecgstudy.data.sums import read_sums

    sums_path = folder / "SHA256SUMS.txt"
    if not sums_path.is_file():
        return []
    listed = {rel: digest for rel, digest in read_sums(sums_path).items()
              if not any(fnmatch.fnmatch(Path(rel).name, pattern) for pattern in DOCUMENTATION)}
    present = [rel for rel in listed if (folder / rel).is_file()]
    hashes = file_hashes(folder, present)
    return sorted(rel for rel in present if hashes[printable_name(rel)] != listed[rel])


def allow_modified_default() -> bool:
    return os.environ.get(ALLOW_MODIFIED_ENV, "").strip().lower() in ("1", "true", "yes")


def resolve_data(choice: str, datasets: tuple[str, ...], data_dir: str | Path | None = None, *,
                 allow_modified: bool | None = None) -> DataSource:
    """Resolve ``choice`` (``auto``/``real``/``synthetic``) for an experiment reading ``datasets``.

    ``auto`` picks real data when every dataset is present under the data directory, and says why it
    did not otherwise; a data directory (``ECGSTUDY_DATA``) that holds none of the study's datasets is
    an error rather than a silent fall-back to synthetic data. ``real`` raises
    :class:`~ecgstudy.errors.DataNotFoundError` naming what is missing. Real data is verified against
    its published sums (:func:`modified_files`): modified files raise :class:`DataModifiedError`
    unless ``allow_modified`` (default: ``ECGSTUDY_ALLOW_MODIFIED``).
    """
    if choice not in ("auto", "real", "synthetic"):
        raise ValueError(f"data must be 'auto', 'real' or 'synthetic', not {choice!r}")
    if choice == "synthetic":
        return DataSource("synthetic", SYNTHETIC_CHECKSUM, {}, "asked for (--data synthetic)")
    if not datasets:
        return DataSource("synthetic", SYNTHETIC_CHECKSUM, {}, "this page reads no dataset")
    root = paths.data_dir(data_dir)
    if choice == "auto":
        if root is None:
            return DataSource("synthetic", SYNTHETIC_CHECKSUM, {},
                              "no data directory (set ECGSTUDY_DATA to a folder holding the PhysioNet datasets)")
        if not root.is_dir():
            raise DataNotFoundError(root, "data directory (ECGSTUDY_DATA) does not exist")
        if not any(find_dataset(key, root) for key in DATASETS):
            raise DataNotFoundError(root, "data directory (ECGSTUDY_DATA) holds none of the study's datasets "
                                          f"(looked for folders {', '.join(sorted(f for d in DATASETS.values() for f in d.folders))})")
        absent = [key for key in datasets if find_dataset(key, root) is None]
        if absent:
            return DataSource("synthetic", SYNTHETIC_CHECKSUM, {},
                              f"{', '.join(absent)} not found under {root}")
    folders = {key: require_dataset(key, root) for key in datasets}
    allow = allow_modified_default() if allow_modified is None else allow_modified
    modified = [f"{key}/{rel}" for key, folder in sorted(folders.items()) for rel in modified_files(folder)]
    if modified and not allow:
        first = folders[modified[0].split("/", 1)[0]] / modified[0].split("/", 1)[1]
        more = f" (and {len(modified) - 1} more: {', '.join(modified[1:6])}{'...' if len(modified) > 6 else ''})" \
            if len(modified) > 1 else ""
        raise DataModifiedError(first, f"differs from its published SHA256 sum{more}; restore the original "
                                       f"files, or pass --allow-modified to run on them anyway (such a run is "
                                       f"recorded as on modified data and never shown as the reproduction)")
    combined = combine_checksums({k: dataset_checksum(f) for k, f in folders.items()})
    verified = [k for k, f in folders.items() if (f / "SHA256SUMS.txt").is_file()]
    unverified = [k for k in folders if k not in verified]
    parts = [f"{', '.join(verified)} verified against the published sums"] if verified else []
    if unverified:
        parts.append(f"{', '.join(unverified)} not verifiable (no SHA256SUMS.txt)")
    reason = "; ".join(parts) + ("; modified files allowed" if modified else "")
    return DataSource("real", combined, folders, reason, tuple(modified))
