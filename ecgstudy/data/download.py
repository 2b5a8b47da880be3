"""Download PhysioNet datasets with SHA-256 verification.

``download("ludb", "~/ecgdata")`` fetches PhysioNet's ``SHA256SUMS.txt`` for the
registry's slug and version, then every file it lists into ``~/ecgdata/ludb/``: each
file is streamed to ``<name>.part``, its SHA-256 compared with PhysioNet's, and only
then renamed into place. Files already present with the right hash are skipped, so an
interrupted download resumes where it stopped. Point ``ECGSTUDY_DATA`` at ``~/ecgdata``.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from ecgstudy import __version__
from ecgstudy.data.registry import DATASETS, DatasetInfo
from ecgstudy.data.sums import CHUNK, parse_sums, sha256_file
from ecgstudy.errors import DataError, DataNotFoundError

#: Root of PhysioNet's file tree; tests point it at a local server.
PHYSIONET_URL = "https://physionet.org/files"
TIMEOUT_S = 60.0

CPSC2018_HELP = (
    "CPSC 2018 is not on PhysioNet in its original form (A*.mat + REFERENCE.csv). Either "
    "get the original training set from the challenge site (http://2018.icbeb.org/Challenge.html) "
    "and unpack it into <data>/cpsc2018, or download PhysioNet's WFDB form of the same 6,877 "
    "records with `ecgstudy data download cinc2021 --only training/cpsc_2018/` and read it with "
    "load_cpsc(<data>/cinc2021/training/cpsc_2018, form='wfdb')."
)


class OfflineError(DataError):
    """PhysioNet could not be reached."""


def _info(dataset: str) -> DatasetInfo:
    for info in DATASETS.values():
        if dataset in (info.key, info.physionet):
            return info
    raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def _host() -> str:
    return urllib.parse.urlsplit(PHYSIONET_URL).netloc or PHYSIONET_URL


def _offline(where: Path, exc: BaseException) -> OfflineError:
    reason = getattr(exc, "reason", None) or exc
    return OfflineError(where, f"cannot reach {_host()}: {reason}; download on a machine with "
                               f"internet and point ECGSTUDY_DATA at it")


def _open(url: str, where: Path, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": f"ecgstudy/{__version__}"})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DataError(where, f"HTTP {exc.code} {exc.reason} from {url}") from exc
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
        raise _offline(where, exc) from exc


def fetch_file(url: str, dest: Path, expected: str, *, timeout: float = TIMEOUT_S) -> Path:
    """Stream ``url`` to ``dest`` (via ``dest.part``), verifying its SHA-256 ``expected``.

    Raises:
        DataError: checksum mismatch (the partial file is deleted) or HTTP error.
        OfflineError: the server cannot be reached.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        with _open(url, dest, timeout) as response, open(part, "wb") as out:
            while True:
                try:
                    block = response.read(CHUNK)
                except (http.client.HTTPException, TimeoutError, ConnectionError) as exc:
                    raise _offline(dest, exc) from exc
                if not block:
                    break
                digest.update(block)
                out.write(block)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = digest.hexdigest()
    if got != expected:
        part.unlink(missing_ok=True)
        raise DataError(dest, f"checksum mismatch: PhysioNet's SHA256SUMS.txt gives {expected}, "
                              f"the download has {got}; the partial file was deleted, run again")
    os.replace(part, dest)
    return dest


def download(dataset: str, dest: str | Path, *, progress: bool = True,
             only: Iterable[str] | None = None, workers: int = 4,
             timeout: float = TIMEOUT_S) -> Path:
    """Download a PhysioNet dataset into ``dest/<folder>`` and verify it.

    Args:
        dataset: registry key (``mitdb``, ``ludb``, ``ptbxl``, ``cinc2021``) or PhysioNet
            slug (``ptb-xl``, ``challenge-2021``).
        dest: the data directory (what ``ECGSTUDY_DATA`` will point at).
        progress: show a tqdm bar (files).
        only: path prefixes to fetch (e.g. ``["records100/"]``); top-level files such as
            ``ptbxl_database.csv`` are always fetched.
        workers: parallel downloads.

    Returns:
        the dataset folder, e.g. ``dest/ludb``.

    Raises:
        DataNotFoundError: the dataset is not on PhysioNet (CPSC 2018: explains where to get it).
        OfflineError: physionet.org cannot be reached.
        DataError: a checksum mismatch or an HTTP error, naming the file.
    """
    info = _info(dataset)
    dest = Path(dest).expanduser()
    if info.physionet is None or info.version is None:
        raise DataNotFoundError(dest, CPSC2018_HELP if info.key == "cpsc2018"
                                else f"{info.title} is not downloadable from PhysioNet")
    target = dest / info.folders[0]
    base = f"{PHYSIONET_URL.rstrip('/')}/{info.physionet}/{info.version}"
    sums_path = target / "SHA256SUMS.txt"
    with _open(f"{base}/SHA256SUMS.txt", sums_path, timeout) as response:
        try:
            text = response.read().decode("utf-8")
        except (http.client.HTTPException, TimeoutError, ConnectionError) as exc:
            raise _offline(sums_path, exc) from exc
    sums = parse_sums(text, f"{base}/SHA256SUMS.txt")
    target.mkdir(parents=True, exist_ok=True)
    sums_path.write_text(text, encoding="utf-8")

    prefixes = tuple(only) if only is not None else None
    wanted = [rel for rel in sums
              if prefixes is None or "/" not in rel or rel.startswith(prefixes)]
    todo = [rel for rel in wanted
            if not (target / rel).is_file() or sha256_file(target / rel) != sums[rel]]
    bar = tqdm(total=len(todo), unit="file", disable=not progress,
               desc=f"{info.key} ({len(wanted) - len(todo)} of {len(wanted)} already here)")
    with bar, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(fetch_file, f"{base}/{urllib.parse.quote(rel)}", target / rel,
                               sums[rel], timeout=timeout) for rel in todo]
        try:
            for future in as_completed(futures):
                future.result()
                bar.update(1)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return target
