"""``ecgstudy data check``: per registry dataset, where it was found, how many records and
annotation files it holds, whether that is the complete dataset, a subset or a small sample, and
whether its files match PhysioNet's ``SHA256SUMS.txt``."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ecgstudy.data.registry import DATASETS, find_dataset
from ecgstudy.data.sums import verify_sums
from ecgstudy.errors import DataNotFoundError

LUDB_ANNOTATION_EXTS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
#: A copy holding fewer than this share of the complete dataset's records is a *sample*: enough to test the
#: readers, not to train on (the shared CPSC 2018 and CinC 2021 folders hold 10 and 50 records).
SAMPLE_SHARE = 0.01
#: Index files that list every record of the complete dataset (one row each, after a header).
INDEX_FILES = {"ptbxl": "ptbxl_database.csv", "cpsc2018": "REFERENCE.csv"}


@dataclass
class DatasetStatus:
    """What :func:`check_data` found for one registry dataset."""

    key: str
    title: str
    path: Path | None
    n_records: int | None = None
    n_annotation_files: int | None = None
    checksums: str = "not checked"
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_listed: int | None = None  # records of the complete dataset: the copy's own index, else the registry's

    @property
    def found(self) -> bool:
        return self.path is not None

    @property
    def extent(self) -> str:
        """``"complete"``, ``"subset"`` (fewer records than the complete dataset), ``"sample"`` (fewer than
        :data:`SAMPLE_SHARE` of them), or ``""`` (not found, or the complete size is unknown).

        >>> [DatasetStatus("k", "t", Path("."), n, n_listed=6877).extent for n in (6877, 1819, 10)]
        ['complete', 'subset', 'sample']
        """
        if not self.found or self.n_records is None or not self.n_listed:
            return ""
        if self.n_records >= self.n_listed:
            return "complete"
        return "sample" if self.n_records < SAMPLE_SHARE * self.n_listed else "subset"

    def extent_text(self) -> str:
        """What is here, in words.

        >>> DatasetStatus("cpsc2018", "t", Path("."), 10, n_listed=6877).extent_text()
        'sample: 10 of 6,877 records'
        >>> DatasetStatus("mitdb", "t", Path("."), 48, n_listed=48).extent_text()
        'complete: 48 records'
        >>> DatasetStatus("mitdb", "t", None).extent_text()
        'not found'
        """
        if not self.found:
            return "not found"
        if not self.extent:
            return "found" + (f": {self.n_records:,} records" if self.n_records is not None else "")
        if self.extent == "complete":
            return f"complete: {self.n_records:,} records"
        return f"{self.extent}: {self.n_records:,} of {self.n_listed:,} records"


def _count(key: str, folder: Path) -> tuple[int, int | None, list[str]]:
    """(records, annotation files or None, notes) for one dataset folder."""
    if key == "mitdb":
        return len(list(folder.glob("*.hea"))), len(list(folder.glob("*.atr"))), []
    if key == "ludb":
        data = folder / "data" if (folder / "data").is_dir() else folder
        n_ann = sum(len(list(data.glob(f"*.{ext}"))) for ext in LUDB_ANNOTATION_EXTS)
        return len(list(data.glob("*.hea"))), n_ann, []
    if key == "ptbxl":
        notes = []
        for rate in (100, 500):
            n = len(list((folder / f"records{rate}").rglob("*.hea")))
            if n:
                notes.append(f"records{rate}: {n}")
        if not (folder / "ptbxl_database.csv").is_file():
            notes.append("ptbxl_database.csv missing")
        return len(list(folder.rglob("*.hea"))), None, notes
    if key == "cpsc2018":
        n_hea = len(list(folder.rglob("*.hea")))
        if n_hea:
            return n_hea, None, ["WFDB (CinC) form"]
        notes = ["original form (.mat + REFERENCE.csv)"]
        if not (folder / "REFERENCE.csv").is_file():
            notes.append("REFERENCE.csv missing")
        return len(list(folder.glob("*.mat"))), None, notes
    return len(list(folder.rglob("*.hea"))), None, []


def _listed(key: str, folder: Path) -> int | None:
    """Records the copy's own index lists (:data:`INDEX_FILES`), else the registry's count of the complete
    dataset."""
    index = folder / INDEX_FILES.get(key, "")
    if key in INDEX_FILES and index.is_file():
        with open(index, newline="") as f:
            return max(sum(1 for row in csv.reader(f) if row) - 1, 0)
    return DATASETS[key].n_published


def check_data(data_dir: str | Path, *, verify: bool = True) -> list[DatasetStatus]:
    """Status of every registry dataset under ``data_dir``.

    Args:
        data_dir: the data directory (``ECGSTUDY_DATA``).
        verify: hash files listed in each dataset's ``SHA256SUMS.txt``.

    Raises:
        DataNotFoundError: ``data_dir`` does not exist.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataNotFoundError(data_dir, "data directory does not exist")
    statuses = []
    for key, info in DATASETS.items():
        folder = find_dataset(key, data_dir)
        st = DatasetStatus(key=key, title=info.title, path=folder)
        if folder is None:
            st.checksums = "-"
            statuses.append(st)
            continue
        st.n_records, st.n_annotation_files, st.notes = _count(key, folder)
        st.n_listed = _listed(key, folder)
        if not verify:
            st.checksums = "not checked"
        else:
            res = verify_sums(folder)
            if res is None:
                st.checksums = "no sums file"
            else:
                st.mismatched, st.missing = res.mismatched, res.missing
                if res.mismatched:
                    shown = ", ".join(res.mismatched[:5]) + (", ..." if len(res.mismatched) > 5 else "")
                    st.checksums = f"{len(res.mismatched)} mismatches: {shown}"
                else:
                    st.checksums = f"ok ({len(res.ok)} files)"
                if res.missing:
                    st.notes.append(f"{len(res.missing)} listed files absent")
        statuses.append(st)
    return statuses


def format_report(statuses: list[DatasetStatus]) -> str:
    """A plain-text table of :func:`check_data`'s result."""
    head = ("dataset", "found at", "records", "annotations", "checksums", "notes")
    rows = [head] + [
        (s.key, str(s.path) if s.path else "not found",
         "-" if s.n_records is None else str(s.n_records),
         "-" if s.n_annotation_files is None else str(s.n_annotation_files),
         s.checksums, "; ".join(([s.extent_text()] if s.found else []) + s.notes))
        for s in statuses
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
