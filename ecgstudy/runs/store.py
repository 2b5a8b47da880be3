"""The run store: every run is a record in its own folder.

A run is identified by its experiment, its validated parameters, the code version and
the checksum of the data it read. The id is a hash of those, so the same inputs always
map to the same folder and a finished run is never recomputed.

Layout: ``<root>/<data kind>/<experiment>/<run id>/`` holding ``run.json`` (parameters,
ids, provenance, status, timings) and whatever the run wrote (``metrics.json``,
predictions, attention arrays, the executed ``notebook.ipynb``, ``log.txt``).
Synthetic-data runs live under ``synthetic/`` (not committed); real-data runs under
``real/`` may be committed with their provenance.

Writes are atomic: a run works in ``<run id>.tmp-<pid>-<ns>`` and is renamed into place only
when complete, so a crash never leaves a half-written run that looks finished. A failed
run is recorded too (``status: failed`` with the error and traceback) and is retried
the next time it is asked for.

Concurrent writers: each run id has a lock file (``.<run id>.lock`` beside it, held with the
`filelock` library), so several processes asking for one run either wait and reuse it or
compute it exactly once; a forced recomputation swaps the new folder in while the lock is
held. Temporary folders left by a killed writer are removed the next time the run executes
(:meth:`RunStore.remove_stale` does it for a whole store).

Reading: every ``run.json`` is validated (:func:`read_run_info`); a corrupt one is reported
with its path and problem (:class:`~ecgstudy.errors.CorruptRunError`), never a raw traceback,
and the run is recomputed when asked for.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Literal

from filelock import FileLock

import ecgstudy
from ecgstudy.errors import CorruptRunError
from ecgstudy.paths import PROJECT_ROOT, results_dir

DataKind = Literal["real", "synthetic"]
#: ``corrupt``: a ``run.json`` the store cannot read (the record's ``error`` says why).
Status = Literal["done", "failed", "missing", "corrupt"]
#: What every ``run.json`` holds, with its type.
RUN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "experiment": str, "params": dict, "data_kind": str, "data_checksum": str, "code_version": str, "status": str,
}


@dataclass(frozen=True)
class RunSpec:
    """What a run is: the inputs that determine its results.

    Attributes:
        experiment: registered experiment name (e.g. ``"data-mitdb"``).
        params: validated parameters as plain JSON-able values.
        data_kind: ``"real"`` or ``"synthetic"``.
        data_checksum: SHA256 of the data files read (real) or the generator version (synthetic).
        code_version: the package version; bump it when results would change.
    """

    experiment: str
    params: dict[str, Any]
    data_kind: DataKind
    data_checksum: str
    code_version: str = ecgstudy.__version__

    @property
    def run_id(self) -> str:
        """16 hex digits of SHA256 over the canonical JSON of the inputs."""
        return run_id(self)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal inputs give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def run_id(spec: RunSpec) -> str:
    payload = canonical_json(
        {
            "experiment": spec.experiment,
            "params": spec.params,
            "data_checksum": spec.data_checksum,
            "code_version": spec.code_version,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class RunRecord:
    """A run as found in the store."""

    spec: RunSpec
    path: Path
    status: Status
    info: dict[str, Any] = field(default_factory=dict)
    recomputed: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "done"

    @property
    def error(self) -> str | None:
        return self.info.get("error")

    def metrics(self) -> dict[str, Any]:
        """The run's ``metrics.json`` (empty if it wrote none).

        Raises:
            CorruptRunError: the file is not valid JSON or not a JSON object (names the file).
        """
        p = self.path / "metrics.json"
        if not p.exists():
            return {}
        value = _read_json(p)
        if not isinstance(value, dict):
            raise CorruptRunError(p, f"expected a JSON object, found {type(value).__name__}")
        return value


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptRunError(path, f"unreadable ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CorruptRunError(path, f"not valid JSON ({exc})") from None


def read_run_info(path: str | Path) -> dict[str, Any]:
    """A run's ``run.json``, validated: a JSON object with :data:`RUN_FIELDS` of their types, a known
    status and data kind, and the run id of its folder (when the folder is named by a run id).

    Raises:
        CorruptRunError: naming the file and every problem found.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "run.json"
    >>> _ = p.write_text("{}")
    >>> read_run_info(p)
    Traceback (most recent call last):
    ...
    ecgstudy.errors.CorruptRunError: .../run.json: missing experiment, params, data_kind, data_checksum, code_version, status
    """
    path = Path(path)
    info = _read_json(path)
    if not isinstance(info, dict):
        raise CorruptRunError(path, f"expected a JSON object, found {type(info).__name__}")
    missing = [k for k in RUN_FIELDS if k not in info]
    if missing:
        raise CorruptRunError(path, "missing " + ", ".join(missing))
    wrong = [f"{k} is {type(info[k]).__name__}" for k, t in RUN_FIELDS.items() if not isinstance(info[k], t)]
    if info["data_kind"] not in ("real", "synthetic"):
        wrong.append(f"data_kind {info['data_kind']!r}")
    if info["status"] not in ("done", "failed"):
        wrong.append(f"status {info['status']!r}")
    if wrong:
        raise CorruptRunError(path, "wrong values: " + "; ".join(wrong))
    spec = RunSpec(info["experiment"], info["params"], info["data_kind"], info["data_checksum"], info["code_version"])
    folder = path.parent.name
    if len(folder) == 16 and folder != spec.run_id:
        raise CorruptRunError(path, f"its contents give run id {spec.run_id}, its folder is {folder}")
    return info


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def error_text(exc: BaseException) -> str:
    """One line saying what went wrong: for a notebook that failed (papermill), the error raised in
    its cell (e.g. ``DataError: mitdb/100.atr: empty annotation file``), not papermill's traceback.

    >>> error_text(ValueError("bad"))
    'ValueError: bad'
    >>> class Failed(Exception):  # what papermill raises, in short
    ...     ename, evalue, exec_count = "DataError", "100.atr: empty annotation file", 3
    >>> error_text(Failed("150 lines of traceback"))
    'DataError: 100.atr: empty annotation file (in notebook cell [3])'
    """
    if hasattr(exc, "ename") and hasattr(exc, "evalue"):
        cell = getattr(exc, "exec_count", None)
        where = f" (in notebook cell [{cell}])" if cell is not None else ""
        return _ANSI.sub("", f"{exc.ename}: {exc.evalue}") + where
    return f"{type(exc).__name__}: {exc}"


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically (temp file in the same folder, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


def git_commit() -> str | None:
    """The project's current commit (with ``-dirty`` if the tree has changes), if in git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "ecgstudy", "notebooks"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


#: Libraries whose versions can change a run's numbers; recorded in every run's provenance.
PROVENANCE_PACKAGES = ("torch", "numpy", "scipy", "pandas", "scikit-learn", "wfdb", "neurokit2")


def library_versions(packages: tuple[str, ...] = PROVENANCE_PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (``None`` where it is not installed).

    >>> library_versions(("numpy", "no-such-package"))["no-such-package"] is None
    True
    """
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_info() -> dict[str, str | None]:
    """The CPU's model name and the vector instruction set torch's kernels use on it.

    Training on CPU is bit-for-bit repeatable on the same CPU kind with the same libraries, but
    not across kinds: kernels for another instruction set (AVX2 vs AVX-512) round differently
    and training amplifies the last bits, so the record says which CPU produced it.
    """
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    import torch

    return {"model": model or platform.processor() or None,
            "torch_capability": torch.backends.cpu.get_cpu_capability()}


class RunStore:
    """Runs on disk under ``root`` (default: :func:`ecgstudy.paths.results_dir`)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else results_dir()

    def path(self, spec: RunSpec) -> Path:
        return self.root / spec.data_kind / spec.experiment / spec.run_id

    def get(self, spec: RunSpec) -> RunRecord:
        """The stored record of ``spec``: ``status="missing"`` if it never ran, ``"corrupt"`` (with the
        file and problem as its ``error``) if its ``run.json`` cannot be read."""
        path = self.path(spec)
        info_path = path / "run.json"
        if not info_path.exists():
            return RunRecord(spec, path, "missing")
        try:
            info = read_run_info(info_path)
        except CorruptRunError as exc:
            return RunRecord(spec, path, "corrupt", {"error": str(exc)})
        return RunRecord(spec, path, info["status"], info)

    def lock(self, spec: RunSpec) -> FileLock:
        """The lock of ``spec``'s run id (a file beside its folder; hold it to write the run)."""
        final = self.path(spec)
        final.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(final.parent / f".{final.name}.lock")

    def remove_stale(self) -> list[Path]:
        """Remove the temporary folders of writers that died (their run's lock is free); return them."""
        removed = []
        for tmp in sorted(self.root.glob("*/*/*.tmp-*")):
            if not tmp.is_dir():
                continue
            lock = FileLock(tmp.parent / f".{tmp.name.split('.tmp-')[0]}.lock")
            try:
                lock.acquire(timeout=0)
            except TimeoutError:
                continue  # a writer is at work on this run
            try:
                shutil.rmtree(tmp, ignore_errors=True)
                removed.append(tmp)
            finally:
                lock.release()
        return removed

    def execute(self, spec: RunSpec, work: Callable[[Path], None], *, force: bool = False,
                record: dict[str, Any] | None = None) -> RunRecord:
        """Run ``work(run_dir)`` unless ``spec`` already finished; never raises for ``work``'s errors.

        ``work`` writes its outputs into the folder it is given; ``record`` adds fields to ``run.json``
        (e.g. which data the run read and why), written whether the run succeeds or not. On success the folder is
        renamed into place with ``status: done``; on an exception it is renamed into place
        with ``status: failed``, the error and the traceback, and returned (not raised) so
        a grid goes on. A failed, corrupt or (with ``force``) finished run is recomputed.

        The run id's lock is held from the check to the rename: another process asking for the
        same run waits, then reuses what this one wrote.
        """
        existing = self.get(spec)
        if existing.ok and not force:
            return existing
        with self.lock(spec):
            existing = self.get(spec)  # another process may have finished it while we waited
            if existing.ok and not force:
                return existing
            final = self.path(spec)
            for stale in final.parent.glob(f"{final.name}.tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)  # we hold the lock: their writers are gone
            return self._compute(spec, work, final, record or {})

    def _compute(self, spec: RunSpec, work: Callable[[Path], None], final: Path, record: dict[str, Any]
                 ) -> RunRecord:
        tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
        tmp.mkdir()
        info: dict[str, Any] = {
            "run_id": spec.run_id,
            "experiment": spec.experiment,
            "params": spec.params,
            "data_kind": spec.data_kind,
            "data_checksum": spec.data_checksum,
            "code_version": spec.code_version,
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "machine": platform.platform(),
            "libraries": library_versions(),
            "cpu": cpu_info(),
            "device": os.environ.get("ECGSTUDY_DEVICE", "cpu") or "cpu",  # where it trained (not in the id)
            "started": datetime.now().astimezone().isoformat(timespec="microseconds"),  # newest-first order
            **record,
        }
        t0 = time.perf_counter()
        try:
            work(tmp)
            info["status"] = "done"
        except Exception as exc:  # noqa: BLE001 - a run's failure is data, not a crash
            info["status"] = "failed"
            info["error"] = error_text(exc)
            (tmp / "traceback.txt").write_text(traceback.format_exc())
        info["seconds"] = round(time.perf_counter() - t0, 3)
        write_json(tmp / "run.json", info)
        if final.exists():  # a failed, corrupt or forced earlier attempt: swap, then delete it
            old = final.with_name(f"{final.name}.tmp-old-{os.getpid()}-{time.monotonic_ns()}")
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        return RunRecord(spec, final, info["status"], info, recomputed=True)

    def find(self, experiment: str, *, data_kind: DataKind | None = None,
             problems: list[str] | None = None) -> list[RunRecord]:
        """Every finished run of ``experiment`` (newest first), optionally of one data kind.

        A run folder whose ``run.json`` is corrupt is skipped; its file and problem are appended to
        ``problems`` when given.
        """
        kinds = [data_kind] if data_kind else ["real", "synthetic"]
        found = []
        for kind in kinds:
            folder = self.root / kind / experiment
            if not folder.is_dir():
                continue
            for child in folder.iterdir():
                info_path = child / "run.json"
                if ".tmp-" in child.name or child.name.startswith(".") or not info_path.exists():
                    continue
                try:
                    info = read_run_info(info_path)
                except CorruptRunError as exc:
                    if problems is not None:
                        problems.append(str(exc))
                    continue
                spec = RunSpec(
                    experiment=info["experiment"], params=info["params"], data_kind=info["data_kind"],
                    data_checksum=info["data_checksum"], code_version=info["code_version"],
                )
                found.append(RunRecord(spec, child, info["status"], info))
        found.sort(key=lambda r: r.info.get("started", ""), reverse=True)
        return [r for r in found if r.ok]
