"""SHA-256 sums: hashing files and checking folders against PhysioNet's ``SHA256SUMS.txt``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ecgstudy.errors import DataError

#: Hashing block size (1 MiB).
CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def parse_sums(text: str, source: str | Path) -> dict[str, str]:
    """``{relative path: hex sha256}`` from ``sha256sum``-style text (PhysioNet's format)."""
    sums: dict[str, str] = {}
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.strip().split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64 or any(c not in "0123456789abcdefABCDEF" for c in parts[0]):
            raise DataError(source, f"line {i}: expected '<sha256> <file>', got {line[:80]!r}")
        rel = parts[1].lstrip("*")
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise DataError(source, f"line {i}: unsafe path {rel!r}")
        sums[rel] = parts[0].lower()
    return sums


def read_sums(path: str | Path) -> dict[str, str]:
    """Parse a ``SHA256SUMS.txt`` file."""
    return parse_sums(Path(path).read_text(encoding="utf-8"), path)


@dataclass
class SumsResult:
    """Outcome of checking a folder against its ``SHA256SUMS.txt``."""

    ok: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # listed but absent (e.g. a subset)


def verify_sums(folder: str | Path) -> SumsResult | None:
    """Hash every file listed in ``folder/SHA256SUMS.txt`` that exists; ``None`` if no sums file."""
    folder = Path(folder)
    sums_path = folder / "SHA256SUMS.txt"
    if not sums_path.is_file():
        return None
    result = SumsResult()
    for rel, expected in read_sums(sums_path).items():
        path = folder / rel
        if not path.is_file():
            result.missing.append(rel)
        elif sha256_file(path) == expected:
            result.ok.append(rel)
        else:
            result.mismatched.append(rel)
    return result


