"""Packaging promises: pinned torch and Jupyter Book, environment.yml == pyproject.toml."""

from __future__ import annotations

import tomllib

import yaml
from packaging.requirements import Requirement

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


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_constraints_pin_every_dependency_within_its_declared_range():
    pins = _constraints()
    for dep in _pyproject_deps():
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {req.specifier}"
    assert pins["torch"] == "2.13.0"  # no local '+cpu' suffix: the spec must stay the CPU-wheel one
