"""``ecgstudy data check``: per registry dataset, where it was found, how many records and
annotation files it holds, and whether its files match PhysioNet's ``SHA256SUMS.txt``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ecgstudy.data.registry import DATASETS, find_dataset
from ecgstudy.data.sums import verify_sums
from ecgstudy.errors import DataNotFoundError

LUDB_ANNOTATION_EXTS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")


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

    @property
    def found(self) -> bool:
        return self.path is not None


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
         s.checksums, "; ".join(s.notes))
        for s in statuses
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
