"""Experiments: named, parameterised units of work whose runs land in the store.

Each study declares its experiments (``ecgstudy/studies/<paper>/experiments.py``) and uses them
directly; :mod:`ecgstudy.experiments` lists them all by name for the command line and the book.

An experiment is either a papermill notebook template (a book page: the notebook narrates
and draws, the package computes) or a plain function (one cell of a training grid).
Its parameters are a :class:`~ecgstudy.runs.params.RunParams` model; ``profile_defaults``
fill what the user did not set, per profile.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple

import ecgstudy
from ecgstudy import paths
from ecgstudy.runs.datasource import DataSource, resolve_data
from ecgstudy.runs.extension import CapExtension
from ecgstudy.runs.params import RunParams, validate
from ecgstudy.runs.store import RunSpec

NOTEBOOKS = paths.PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    Attributes:
        name: id used on the command line and in the store (``ecgstudy run <name>``).
        title: one line for listings.
        params_model: pydantic model of its parameters.
        datasets: real datasets it reads (empty: it reads no dataset).
        notebook: template file name under ``notebooks/`` (a book page), or ``None``.
        function: ``function(params, source, run_dir)`` for non-notebook experiments.
        profile_defaults: per profile, values used where the user gave none.
        always_rerun: pages that summarise the store (intro, scorecard) are rebuilt each time.
        reads: what the book's intro says the page read, when that is not a dataset of
            ``datasets`` (e.g. ``"the data directory"``); empty: real or synthetic as resolved.
        version: the experiment's code version; bump it when package code that changes its
            results changes (empty: the package version). Per-experiment versions let one
            chapter's code move on without orphaning another chapter's finished runs.
        runs: the training experiments a chapter page summarises: their versions and their defaults at the
            page's profile are part of the page's code version (:meth:`code_version`), so a page over a grid
            whose profile changed is a new run, never the finished page over the old grid.
        extend_capped: for a validation-driven training experiment, how a run that its epoch cap ended is
            trained again with a higher cap (:mod:`ecgstudy.runs.extension`); ``None``: capped runs stay capped.
    """

    name: str
    title: str
    params_model: type[RunParams] = RunParams
    datasets: tuple[str, ...] = ()
    notebook: str | None = None
    function: Callable[[Any, DataSource, Path], None] | None = None
    profile_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    always_rerun: bool = False
    reads: str = ""
    version: str = ""
    runs: tuple["Experiment", ...] = ()
    extend_capped: "CapExtension | None" = None

    def params(self, values: dict[str, Any] | None = None) -> RunParams:
        """Validated parameters: ``values`` over the profile's defaults over the model's."""
        values = dict(values or {})
        profile = values.get("profile", self.params_model.model_fields["profile"].default)
        merged = {**self.profile_defaults.get(str(profile), {}), **values}
        return validate(self.params_model, merged)

    def replay_values(self, recorded: dict[str, Any]) -> dict[str, Any]:
        """Values that give back the parameters ``recorded`` in a run's ``run.json``: a record leaves out the
        ``added_fields`` at their default, which :meth:`params` would otherwise fill from the profile (e.g. a
        profile that now keeps weights), so they are put back at the model's default.

        >>> from ecgstudy.runs.params import RunParams
        >>> class P(RunParams):
        ...     added_fields = ("keep",)
        ...     keep: bool = False
        >>> e = Experiment("x", "x", P, function=lambda *a: None, profile_defaults={"cpu": {"keep": True}})
        >>> e.params({"profile": "cpu"}).keep, e.params(e.replay_values({"profile": "cpu", "seed": 0})).keep
        (True, False)
        """
        values = dict(recorded)
        for name in self.params_model.added_fields:
            if name not in values:
                values[name] = self.params_model.model_fields[name].get_default(call_default_factory=True)
        return values

    def code_version(self, profile: str | None = None) -> str:
        """The experiment's version (or the package's), plus a hash of the template's cells for
        notebook experiments (editing a page's notebook makes new runs), plus, for a page over training
        ``runs`` at ``profile``, a hash of their versions and their defaults at that profile (changing the
        grid's profile makes a new page).

        >>> from ecgstudy.runs.params import RunParams
        >>> train = Experiment("t", "t", RunParams, function=print, version="t.1", profile_defaults={"cpu": {"lr": 1}})
        >>> page = Experiment("p", "p", RunParams, function=print, version="p.1", runs=(train,))
        >>> page.code_version("cpu"), page.code_version("demo"), page.code_version()
        ('p.1+runs.7f0b950d', 'p.1+runs.34eab44d', 'p.1')
        """
        base = self.version or ecgstudy.__version__
        if self.notebook is not None:
            nb = json.loads((NOTEBOOKS / self.notebook).read_text())
            cells = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
            base += "+nb." + hashlib.sha256(json.dumps(cells).encode()).hexdigest()[:10]
        if self.runs and profile is not None:
            grid = [(e.name, e.version or ecgstudy.__version__, e.profile_defaults.get(profile, {})) for e in self.runs]
            base += "+runs." + hashlib.sha256(json.dumps(grid, sort_keys=True, default=str).encode()).hexdigest()[:8]
        return base

    def datasets_for(self, params: RunParams) -> tuple[str, ...]:
        """The real datasets a run of these (validated) parameters reads: :attr:`datasets` (an experiment whose
        data depends on its parameters overrides this)."""
        return self.datasets

    def __post_init__(self) -> None:
        if (self.notebook is None) == (self.function is None):
            raise ValueError(f"experiment {self.name!r} needs exactly one of notebook or function")

    def spec(self, values: dict[str, Any] | None = None, *, data_dir: str | Path | None = None) -> RunSpec:
        """The run spec (hence run id) of these parameters on the data found now."""
        params = self.params(values)
        source = resolve_data(params.data, self.datasets_for(params), data_dir)
        return RunSpec(self.name, params.record(), source.kind, source.checksum,
                       code_version=self.code_version(params.profile))

    def source(self, spec: RunSpec) -> DataSource:
        """The data ``spec`` reads, resolved now; raises if it is no longer the data the run was planned on."""
        params = validate(self.params_model, spec.params)
        source = resolve_data(params.data, self.datasets_for(params))
        if source.checksum != spec.data_checksum:
            raise RuntimeError(
                f"data changed since the run was planned ({spec.data_checksum[:12]} -> {source.checksum[:12]})"
            )
        return source

    def work(self, spec: RunSpec, run_dir: Path, source: DataSource | None = None) -> None:
        """Produce the run's files in ``run_dir`` (called by the store) from ``source`` (default:
        :meth:`source`)."""
        params = validate(self.params_model, spec.params)
        source = source or self.source(spec)
        if self.notebook is not None:
            from ecgstudy.runs.notebook import execute_notebook

            execute_notebook(NOTEBOOKS / self.notebook, run_dir, params=spec.params, source=source)
        elif self.function is not None:
            self.function(params, source, run_dir)
        else:  # pragma: no cover - __post_init__ guards this
            raise RuntimeError(f"experiment {self.name!r} has neither notebook nor function")

    @property
    def runs_a_grid(self) -> bool:
        """Whether this experiment trains a grid of other runs (a chapter page with an ``executor`` parameter)."""
        return "executor" in self.params_model.model_fields

    def job(self, values: dict[str, Any] | None = None, *, data_dir: str | Path | None = None) -> Job:
        """This experiment with these parameters, ready for an executor."""
        return Job(self, self.spec(values, data_dir=data_dir))


class Job(NamedTuple):
    """One run to execute: the experiment that does the work and the spec that names the run."""

    experiment: Experiment
    spec: RunSpec
