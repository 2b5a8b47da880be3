"""Helpers for tests that need the real datasets (as ``numpy.testing`` serves numpy's tests)."""

from __future__ import annotations

import os
from pathlib import Path

from ecgstudy.data.registry import dataset_info, find_dataset


def real_dataset(key: str) -> Path:
    """The folder of dataset ``key`` under ``ECGSTUDY_DATA``; skips the calling test with the reason if absent."""
    import pytest

    env = os.environ.get("ECGSTUDY_DATA")
    folder = find_dataset(key, Path(env)) if env else None
    if folder is None:
        where = f"under ECGSTUDY_DATA={env}" if env else "(ECGSTUDY_DATA is not set)"
        pytest.skip(f"{dataset_info(key).title} not found {where}: this test needs the real data")
    return folder
