"""Where data, the results store and the preparation cache live.

* data: ``$ECGSTUDY_DATA`` (a folder holding PhysioNet-layout datasets, see
  :mod:`ecgstudy.data.registry`), else ``./data`` if it exists; ``None`` means
  "no real data": the study then runs on the synthetic generator.
* results store: ``$ECGSTUDY_RESULTS`` else ``<project>/results``.
* cache of prepared arrays: ``$ECGSTUDY_CACHE`` else ``~/.cache/ecgstudy``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir(explicit: str | Path | None = None) -> Path | None:
    """The real-data directory, or ``None`` when no real data is configured."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get("ECGSTUDY_DATA")
    if env:
        return Path(env).expanduser()
    local = Path.cwd() / "data"
    return local if local.is_dir() else None


def results_dir() -> Path:
    """Root of the run store."""
    env = os.environ.get("ECGSTUDY_RESULTS")
    return Path(env).expanduser() if env else PROJECT_ROOT / "results"


def cache_dir() -> Path:
    """Root of the prepared-array cache (safe to delete)."""
    env = os.environ.get("ECGSTUDY_CACHE")
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "ecgstudy"
    base.mkdir(parents=True, exist_ok=True)
    return base
