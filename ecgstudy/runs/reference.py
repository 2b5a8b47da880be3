"""The reference data of the committed results, and which stored runs may stand for the reproduction.

``results/real/reference-data.json`` holds, per dataset, the checksum of the copy the committed
real-data runs were computed on (PhysioNet's files, verified against their published sums). A run
is *eligible* to fill the scorecard when

* its code version is the experiment's current one (code that changed since would give other numbers),
* its data checksum is the reference data's for the datasets it reads, or that of the data present
  here when that data verifies against its published sums,
* it did not run on modified files (``--allow-modified``), and
* its ``run.json`` and ``metrics.json`` are readable JSON objects.

Every other run is listed as ignored, with the reason (:class:`IgnoredRun`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ecgstudy.errors import CorruptRunError, EcgStudyError
from ecgstudy.paths import PROJECT_ROOT
from ecgstudy.runs.datasource import combine_checksums, resolve_data
from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.store import RunRecord, RunStore

#: Where the reference checksums are committed.
REFERENCE_FILE = PROJECT_ROOT / "results" / "real" / "reference-data.json"


@dataclass(frozen=True)
class IgnoredRun:
    """A stored run that may not stand for the reproduction, and why."""

    experiment: str
    run_id: str
    path: str
    reason: str


def reference_checksums(path: Path = REFERENCE_FILE) -> dict[str, str]:
    """Dataset key -> checksum of the reference copy (empty when the file is absent)."""
    if not path.exists():
        return {}
    value = json.loads(path.read_text())
    return {k: v["checksum"] for k, v in value.get("datasets", {}).items()}


def accepted_checksums(experiment: Experiment, *, reference: dict[str, str] | None = None) -> dict[str, str]:
    """Data checksums a run of ``experiment`` may have, each with its name (``"reference"``, ``"present"``)."""
    reference = reference_checksums() if reference is None else reference
    out = {}
    if experiment.datasets and all(k in reference for k in experiment.datasets):
        out[combine_checksums({k: reference[k] for k in experiment.datasets})] = "reference"
    try:
        here = resolve_data("real", experiment.datasets, allow_modified=False) if experiment.datasets else None
    except EcgStudyError:  # no data here, or modified: only the reference counts
        here = None
    if here is not None:
        out.setdefault(here.checksum, "present")
    return out


def eligible_runs(experiment: Experiment, store: RunStore, *, reference: dict[str, str] | None = None
                  ) -> tuple[list[RunRecord], list[IgnoredRun]]:
    """The finished real-data runs of ``experiment`` that may fill the scorecard (newest first), and the
    ignored ones with their reasons (see the module docstring)."""
    problems: list[str] = []
    runs = store.find(experiment.name, data_kind="real", problems=problems)
    ignored = [IgnoredRun(experiment.name, "", p.split(": ", 1)[0], p.split(": ", 1)[1]) for p in problems]
    accepted = accepted_checksums(experiment, reference=reference)
    ok = []
    versions: dict[str | None, str] = {}  # the current code version at each profile (a page's reads its notebook)
    for rec in runs:
        reason = None
        modified = (rec.info.get("data_source") or {}).get("modified") or []
        profile = rec.spec.params.get("profile")
        if profile not in versions:
            versions[profile] = experiment.code_version(profile)
        current = versions[profile]
        if rec.spec.code_version != current:
            reason = f"code version {rec.spec.code_version}, current {current} (rebuild it)"
        elif rec.spec.data_checksum not in accepted:
            reason = (f"data checksum {rec.spec.data_checksum[:12]} is neither the reference data's nor that of "
                      f"verified data present here")
        elif modified:
            reason = f"ran on modified files ({', '.join(modified[:3])})"
        else:
            try:
                if not (rec.path / "metrics.json").exists():
                    reason = "metrics.json missing"
                else:
                    rec.metrics()
            except CorruptRunError as exc:
                reason = exc.problem
        if reason:
            ignored.append(IgnoredRun(experiment.name, rec.spec.run_id, str(rec.path), reason))
        else:
            ok.append(rec)
    return ok, ignored
