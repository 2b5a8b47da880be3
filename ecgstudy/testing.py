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


def randomise_batchnorm_(model):
    """Give every BatchNorm1d of ``model`` non-trivial statistics and affine weights (in place, from
    torch's global generator), so that eval mode is not the identity; returns ``model``."""
    from torch import nn

    for bn in model.modules():
        if isinstance(bn, nn.BatchNorm1d):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            nn.init.uniform_(bn.weight, 0.5, 1.5)
            nn.init.uniform_(bn.bias, -0.2, 0.2)
    return model


def build_html(src: Path, out: Path) -> Path:
    """Build the Sphinx project in ``src`` (its ``conf.py`` beside the pages) into ``out/html`` quietly and from
    scratch (doctrees in ``out/doctrees``); return the HTML folder. For tests of the book's Sphinx extensions."""
    from sphinx.application import Sphinx

    app = Sphinx(str(src), str(src), str(out / "html"), str(out / "doctrees"), "html", status=None, warning=None,
                 freshenv=True)
    app.build()
    return out / "html"
