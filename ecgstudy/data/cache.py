"""Cache of prepared arrays under :func:`ecgstudy.paths.cache_dir` (safe to delete).

An entry is keyed by (kind, preparation parameters, data checksum, package version,
the preparation's algorithm version) and stored as ``<cache>/<kind>/<key>.npz`` with a
``<key>.json`` beside it that states what the key was made of. Entries are written to a
temporary file and moved into place with ``os.replace``, so a reader never sees half a
file; an unreadable entry is rebuilt.

The data checksum is SHA256 over the sorted ``"<relative name>\\t<sha256 of the file>"``
lines of the files used. File digests are memoised in ``<cache>/checksums/`` by a stat
fingerprint (relative name, size, mtime_ns), so a warm call stats the files instead of
re-hashing ~100 MB. (A file rewritten with the same size and mtime is not noticed.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import ecgstudy
from ecgstudy.data.sums import sha256_file
from ecgstudy.errors import DataNotFoundError
from ecgstudy.paths import cache_dir

#: A prepared result: saved with ``save(fileobj)``, read back by the caller's ``load(path)``.
_Prepared = TypeVar("_Prepared")


def _atomic_write(path: Path, write: Callable[[object], None], suffix: str) -> None:
    """Call ``write(fileobj)`` on a temp file in ``path``'s folder, then move it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; cache entries are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def printable_name(name: str | Path) -> str:
    """A file name as text that can always be encoded: bytes that are not UTF-8 (a name read from
    the disk as ``\\udcff``-style surrogates) are written as ``\\xff`` escapes.

    >>> printable_name("100.atr"), printable_name(os.fsdecode(b"bad\\xff.txt"))
    ('100.atr', 'bad\\\\xff.txt')
    """
    return os.fsencode(Path(name).as_posix()).decode("utf-8", "backslashreplace")


def file_hashes(folder: str | Path, files: Iterable[str | Path]) -> dict[str, str]:
    """SHA256 hex of each of ``files`` (names relative to ``folder``), keyed by :func:`printable_name`;
    memoised by (size, mtime_ns) in the cache; raises :class:`DataNotFoundError` naming a missing file."""
    folder = Path(folder).resolve()
    names = sorted({Path(f).as_posix() for f in files}, key=printable_name)
    memo_path = cache_dir() / "checksums" / (
        hashlib.sha256(printable_name(folder).encode()).hexdigest()[:20] + ".json")
    try:
        memo = json.loads(memo_path.read_text())["files"]
        memo = memo if isinstance(memo, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        memo = {}
    out, changed = {}, False
    for name in names:
        key = printable_name(name)
        path = folder / name
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DataNotFoundError(path, "missing file (needed for the data checksum)") from None
        entry = memo.get(key)
        if not (isinstance(entry, list) and entry[:2] == [st.st_size, st.st_mtime_ns]):
            entry = [st.st_size, st.st_mtime_ns, sha256_file(path)]
            memo[key], changed = entry, True
        out[key] = entry[2]
    if changed:
        text = json.dumps({"folder": printable_name(folder), "files": memo}, indent=0, sort_keys=True)
        _atomic_write(memo_path, lambda f: f.write(text.encode()), ".tmp")
    return out


def data_checksum(folder: str | Path, files: Iterable[str | Path]) -> str:
    """SHA256 hex of ``files`` (names relative to ``folder``); raises if one is missing."""
    hashes = file_hashes(folder, files)
    return hashlib.sha256("".join(f"{name}\t{digest}\n" for name, digest in hashes.items()).encode()).hexdigest()


def cache_key(kind: str, key_params: dict, checksum: str, algorithm: int) -> tuple[str, dict]:
    """The entry name and the JSON-able description it was hashed from (``algorithm``: the
    preparation's version)."""
    material = {"kind": kind, "params": key_params, "data_sha256": checksum,
                "ecgstudy": ecgstudy.__version__, "algorithm": algorithm}
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24], material


def cached(
    kind: str,
    key_params: dict,
    folder: str | Path,
    files: Iterable[str],
    build: Callable[[], _Prepared],
    *,
    store: Callable[[_Prepared], bool] = lambda result: True,
    algorithm: int,
    load: Callable[[Path], _Prepared],
) -> _Prepared:
    """Load the entry for these inputs, or ``build()`` it and store it if ``store(result)``.

    ``algorithm`` is the preparation's version (part of the key); ``load`` reads an entry
    back (the result type's ``load``; ``build()``'s result must have ``save(path)``).
    """
    key, material = cache_key(kind, key_params, data_checksum(folder, files), algorithm)
    path = cache_dir() / kind / f"{key}.npz"
    if path.is_file():
        try:
            return load(path)
        except Exception as exc:  # a damaged entry: rebuild it
            warnings.warn(f"{path}: unreadable cache entry ({exc}); rebuilding", stacklevel=2)
    result = build()
    if store(result):
        _atomic_write(path, result.save, ".npz")
        meta = json.dumps(material, indent=1, sort_keys=True, default=str)
        _atomic_write(path.with_suffix(".json"), lambda f: f.write(meta.encode()), ".tmp")
    return result
