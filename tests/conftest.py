"""Shared fixtures: real data (skipped with the reason when absent) and an isolated store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ecgstudy.runs.store import RunStore


def _real_data_dir() -> Path | None:
    env = os.environ.get("ECGSTUDY_DATA")
    return Path(env) if env and Path(env).is_dir() else None


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real data directory; skips the test with the reason when it is not configured."""
    root = _real_data_dir()
    if root is None:
        pytest.skip("real data not available: set ECGSTUDY_DATA to a folder with the PhysioNet datasets")
    return root


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "results")
