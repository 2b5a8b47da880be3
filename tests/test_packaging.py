"""Packaging promises: pinned torch and Jupyter Book, environment.yml == pyproject.toml."""

from __future__ import annotations

import tomllib

import yaml

from ecgstudy.paths import PROJECT_ROOT


def _pyproject_deps() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def test_environment_yml_declares_the_same_dependencies():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert [p for p in pip if p != "-e ."] == _pyproject_deps()
    assert "python=3.11" in env["dependencies"]


def test_pins():
    deps = _pyproject_deps()
    assert "torch==2.13.0" in deps  # any other spec pulls CUDA wheels
    assert any(d.startswith("jupyter-book") and "<2" in d for d in deps)  # JB 2 cannot build offline
