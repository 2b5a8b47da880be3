"""Committed real-data pages shown by a book built without the data.

A run id includes the data checksum, which only the data itself gives: a build without the PhysioNet files
(no ``ECGSTUDY_DATA``) cannot name the real run of a page, and would rerun the page on the synthetic
generator. The real pages committed under ``results/real/`` record the checksum they were made from in
their ``run.json``; a build without the data may show such a page, as it was computed, when

* its data checksum is the reference copy's for the datasets the page reads
  (``results/real/reference-data.json``, :mod:`ecgstudy.runs.reference`),
* its code version is the page's current one (the notebook and the code that versions it are unchanged),
* it may stand for the reproduction (:func:`~ecgstudy.runs.reference.eligible_runs`: finished, readable,
  not run on modified files), it has its executed notebook, and
* its parameters are the build's, or, when no committed page has exactly those, it is of the build's
  profile (the page the scorecard and the introduction read); its note then names the parameters
  that differ.

The page is published with a note under its title saying so (:func:`note_cell`); nothing is recomputed,
and nothing is written into ``results/real/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecgstudy.data.registry import DATASETS
from ecgstudy.runs.datasource import combine_checksums
from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.reference import REFERENCE_FILE, eligible_runs
from ecgstudy.runs.store import RunRecord, RunSpec, RunStore

#: Metadata key of the note cell (``cell.metadata["ecgstudy"]``), so a test or a reader can find it.
NOTE_TAG = "committed-page-note"


@dataclass(frozen=True)
class CommittedPage:
    """A committed real-data page standing in for a page this build could not compute.

    Attributes:
        record: the committed run (its folder holds ``notebook.ipynb``).
        datasets: the datasets it read, each described as in the reference file, with its checksum.
        differs: parameter names whose values differ from the build's (empty: the build's very parameters).
        profile: the build's profile.
    """

    record: RunRecord
    datasets: tuple[str, ...]
    differs: tuple[str, ...] = ()
    profile: str = ""

    def note(self) -> str:
        """One paragraph for the top of the page: which real data made it, and that this build had none.

        >>> from ecgstudy.runs.store import RunSpec, RunRecord
        >>> rec = RunRecord(RunSpec("data-mitdb", {}, "real", "fe0473dfe05c" + "0" * 52), Path("x"), "done")
        >>> CommittedPage(rec, ("MIT-BIH Arrhythmia Database 1.0.0, all 48 records, checksum 686e0ca27246",)).note()
        'Made from the real data: MIT-BIH Arrhythmia Database 1.0.0, all 48 records, checksum 686e0ca27246.
        Committed run ... (data checksum fe0473dfe05c in its run.json, computed from those); this build did not have
        the data, so it shows the committed page as it was computed.'
        """
        spec = self.record.spec
        text = (f"Made from the real data: {'; '.join(self.datasets)}. Committed run {spec.run_id} (data checksum "
                f"{spec.data_checksum[:12]} in its run.json, computed from those); this build did not have the data, "
                f"so it shows the committed page as it was computed.")
        if self.differs:
            text += (f" Its parameters differ from this build's `{self.profile}` ones in "
                     f"{', '.join(f'`{k}`' for k in self.differs)}: the page states its own.")
        return text


def _dataset_names(datasets: tuple[str, ...], path: Path, reference: dict[str, str]) -> tuple[str, ...]:
    described = json.loads(path.read_text()).get("datasets", {}) if path.exists() else {}
    return tuple(f"{described.get(k, {}).get('dataset') or DATASETS[k].title}, checksum {reference[k][:12]}"
                 for k in datasets)


def _differs(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)))


def committed_page(experiment: Experiment, spec: RunSpec, store: RunStore, *,
                   reference: dict[str, str] | None = None, reference_file: Path = REFERENCE_FILE
                   ) -> CommittedPage | None:
    """The committed real-data page that stands for ``spec`` (a page this build resolved to synthetic
    data), or ``None``: see the module docstring for the rules. ``reference``: dataset key -> checksum
    (default: read from ``reference_file``)."""
    from ecgstudy.runs.reference import reference_checksums

    if experiment.notebook is None or not experiment.datasets or spec.data_kind != "synthetic" \
            or spec.params.get("data") == "synthetic":
        return None
    reference = reference_checksums(reference_file) if reference is None else reference
    if not all(k in reference for k in experiment.datasets):
        return None
    checksum = combine_checksums({k: reference[k] for k in experiment.datasets})
    runs, _ = eligible_runs(experiment, store, reference=reference)  # newest first
    candidates = [r for r in runs if r.spec.data_checksum == checksum and r.spec.code_version == spec.code_version
                  and r.spec.params.get("profile") == spec.params.get("profile")
                  and (r.path / "notebook.ipynb").is_file()]
    if not candidates:
        return None
    exact = [r for r in candidates if r.spec.params == spec.params]
    chosen = exact[0] if exact else candidates[0]
    return CommittedPage(chosen, _dataset_names(experiment.datasets, reference_file, reference),
                         () if exact else _differs(chosen.spec.params, spec.params),
                         str(spec.params.get("profile", "")))


def title_index(cells: list[Any]) -> int | None:
    """Index of a notebook's title: the first markdown cell opening with a level-1 heading (None: no title)."""
    return next((i for i, c in enumerate(cells)
                 if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")), None)


def insert_under_title(nb: Any, cells: list[Any], *, skip: Callable[[Any], bool] | None = None) -> bool:
    """Put ``cells`` right under ``nb``'s title heading (:func:`title_index`), after the cells already there that
    ``skip`` accepts; the rest of the title cell's text (after its heading line) follows them as a cell of its
    own. Returns whether the notebook has a title (without one nothing changes)."""
    import nbformat

    i = title_index(nb.cells)
    if i is None:
        return False
    heading, _, rest = nb.cells[i].source.lstrip().partition("\n")
    nb.cells[i].source = heading
    after = list(cells) + ([nbformat.v4.new_markdown_cell(rest.strip("\n"))] if rest.strip() else [])
    at = i + 1
    while skip is not None and at < len(nb.cells) and skip(nb.cells[at]):
        at += 1
    nb.cells[at:at] = after
    return True


def note_cell(page: CommittedPage) -> Any:
    """The note as a markdown cell (a MyST admonition), tagged :data:`NOTE_TAG`."""
    import nbformat

    cell = nbformat.v4.new_markdown_cell(f":::{{admonition}} Committed real-data page\n:class: note\n{page.note()}\n:::")
    cell.metadata["ecgstudy"] = NOTE_TAG
    return cell


def publish_committed(page: CommittedPage, target: Path) -> None:
    """Write :func:`committed_notebook` to ``target``."""
    import nbformat

    nbformat.write(committed_notebook(page), target)


def committed_notebook(page: CommittedPage) -> Any:
    """The committed page's notebook with :func:`note_cell` right under its title (the first line of the first
    markdown cell opening with a level-1 heading; the rest of that cell follows the note as a cell of its own),
    or at the top when it has no title. The committed notebook itself is only read."""
    import nbformat

    nb = nbformat.read(page.record.path / "notebook.ipynb", as_version=4)
    if not insert_under_title(nb, [note_cell(page)]):
        nb.cells.insert(0, note_cell(page))
    return nb
