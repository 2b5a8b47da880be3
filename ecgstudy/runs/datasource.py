"""Which data a run reads, and its checksum (part of the run id)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import ecgstudy
from ecgstudy import paths
from ecgstudy.data.registry import find_dataset, require_dataset

#: Checksum of "data" made by the synthetic generator: the generator is code, so its version is the data.
SYNTHETIC_CHECKSUM = f"synthetic-generator-{ecgstudy.__version__}"


@dataclass(frozen=True)
class DataSource:
    """Resolved data of a run.

    Attributes:
        kind: ``"real"`` or ``"synthetic"``.
        checksum: SHA256 over the dataset files (real) or :data:`SYNTHETIC_CHECKSUM`.
        folders: dataset key -> folder, for real data.
    """

    kind: str
    checksum: str
    folders: dict[str, Path]

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``"real (mitdb)"`` or ``"synthetic"``."""
        return f"real ({', '.join(self.folders)})" if self.kind == "real" else "synthetic"


def dataset_checksum(folder: Path) -> str:
    """SHA256 over every data file of a dataset folder (memoised by file stats)."""
    from ecgstudy.data.cache import data_checksum

    files = sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
    return data_checksum(folder, files)


def resolve_data(choice: str, datasets: tuple[str, ...], data_dir: str | Path | None = None) -> DataSource:
    """Resolve ``choice`` (``auto``/``real``/``synthetic``) for an experiment reading ``datasets``.

    ``auto`` picks real data when every dataset is present under the data directory.
    ``real`` raises :class:`~ecgstudy.errors.DataNotFoundError` naming what is missing.
    """
    root = paths.data_dir(data_dir)
    if choice == "synthetic" or not datasets:
        return DataSource("synthetic", SYNTHETIC_CHECKSUM, {})
    if choice == "auto" and any(find_dataset(key, root) is None for key in datasets):
        return DataSource("synthetic", SYNTHETIC_CHECKSUM, {})
    if choice not in ("auto", "real"):
        raise ValueError(f"data must be 'auto', 'real' or 'synthetic', not {choice!r}")
    folders = {key: require_dataset(key, root) for key in datasets}
    combined = hashlib.sha256(
        "".join(f"{k}:{dataset_checksum(f)};" for k, f in sorted(folders.items())).encode()
    ).hexdigest()
    return DataSource("real", combined, folders)
