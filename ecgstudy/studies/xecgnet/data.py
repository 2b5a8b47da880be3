"""The xECGNet chapter's data: train / validation / test arrays for each dataset.

* ``"cpsc2018"`` (the paper's data, for users who download it): the authors' split
  (:func:`ecgstudy.data.cpsc2018.xecgnet_split`, 5,225 / 276 / 1,376), 9 classes, records
  resampled to ``fs`` and zero-padded at the front to ``input_samples`` (the authors: 500 Hz,
  72,000 samples; a longer record keeps its first ``input_samples``).
* ``"ptbxl"``: PTB-XL at 100 Hz, 12 leads, 10 s, the 5 diagnostic superclasses, PTB-XL's own
  folds (1-8 train, 9 validation, 10 test).
* ``"mitdb"``: MIT-BIH 10 s windows at 100 Hz labelled with the beat and rhythm classes they
  contain (:func:`ecgstudy.data.mitdb_windows.mitdb_windows`), at most
  ``max_windows_per_record`` per record (drawn once, seed 0), split by record with the seed
  (:func:`record_split`), so no record is on two sides.
* Synthetic stand-ins (no real data): CPSC-like records (:mod:`ecgstudy.synthetic`) with
  exact beat types, 12 leads for ``cpsc2018``/``ptbxl`` and 2 leads for ``mitdb``, split at
  random (seed 0) 70 / 15 / 15.

Every set is normalised per lead with :func:`ecgstudy.data.inputs.fit_lead_normaliser`
fitted on the training split (``normalisation="train"``) or, as the authors did, on every
record (``"all"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ecgstudy.errors import DataNotFoundError
from ecgstudy.runs.datasource import DataSource
from ecgstudy.studies.xecgnet.params import XecgRunParams

if TYPE_CHECKING:
    from ecgstudy.data.inputs import LeadNormaliser

SPLITS = ("train", "val", "test")

#: Datasets whose real-data split is drawn with the run's seed (each seed its own split); the others have one
#: fixed test set whatever the seed (:mod:`ecgstudy.studies.xecgnet.effects` chooses their intervals by it).
SPLIT_BY_SEED = frozenset({"mitdb"})


@dataclass
class SplitData:
    """Arrays of one dataset, per split (``"train"``, ``"val"``, ``"test"``).

    Attributes:
        x: ``(n, leads, samples)`` float32, normalised per lead.
        y: ``(n, n_classes)`` uint8 multi-hot.
        ids: ``(n,)`` str, record (or ``record:start`` window) ids.
        class_names, lead_names, fs (Hz of ``x``), description (one line for the book).
        test_beats: ``test_beats(i)`` -> (R-peak samples on ``x``'s axis, symbols) of test item
            ``i``, where beats are known (MIT-BIH windows, synthetic); else ``None``.
        normaliser: the :class:`~ecgstudy.data.inputs.LeadNormaliser` that made ``x`` (PTB-XL: what other
            records tested on the network must go through, e.g. LUDB in Chapter 4); ``None`` where not kept.
    """

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    ids: dict[str, np.ndarray]
    class_names: tuple[str, ...]
    lead_names: tuple[str, ...]
    fs: float
    description: str
    test_beats: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    normaliser: LeadNormaliser | None = None


def record_split(record_ids: np.ndarray, labels: np.ndarray, *, seed: int, test_frac: float = 0.25,
                 val_frac: float = 0.1) -> dict[str, np.ndarray]:
    """Split items by record: boolean masks ``train``, ``val``, ``test`` (no record in two).

    Test records are drawn first (seeded): for each class from the rarest (fewest records),
    if no test record has it yet, a random record that has it joins the test set; then random
    records join until the test set holds ``test_frac`` of the items. Validation records are
    drawn at random from the rest up to ``val_frac`` of the items. No record leaves training if
    that would take away the last training record of one of its classes, so a class present in
    a single record stays in training only.
    """
    rng = np.random.default_rng(seed)
    record_ids = np.asarray(record_ids).astype(str)
    labels = np.asarray(labels).astype(bool)
    records = np.unique(record_ids)
    has = np.array([labels[record_ids == r].any(axis=0) for r in records])  # (records, classes)
    size = np.array([(record_ids == r).sum() for r in records])
    n = len(record_ids)
    test: set[int] = set()
    val: set[int] = set()

    def may_leave_training(j: int) -> bool:
        """Moving record j out of training keeps a training holder of each of its classes."""
        out = test | val | {j}
        keep = [i for i in range(len(records)) if i not in out]
        return bool(np.all(has[keep][:, has[j]].any(axis=0))) if keep else False

    for k in np.argsort(has.sum(axis=0), kind="stable"):
        holders = [int(j) for j in np.flatnonzero(has[:, k]) if may_leave_training(int(j))]
        if len(np.flatnonzero(has[:, k])) < 2 or any(has[j, k] for j in test) or not holders:
            continue
        test.add(int(rng.choice(holders)))
    for j in rng.permutation(len(records)):
        if size[list(test)].sum() >= test_frac * n:
            break
        if int(j) not in test and may_leave_training(int(j)):
            test.add(int(j))
    for j in rng.permutation(len(records)):
        if val and size[list(val)].sum() >= val_frac * n:
            break
        if int(j) not in test and may_leave_training(int(j)):
            val.add(int(j))
    test_r, val_r = records[sorted(test)], records[sorted(val)]
    is_test = np.isin(record_ids, test_r)
    is_val = np.isin(record_ids, val_r)
    return {"train": ~is_test & ~is_val, "val": is_val, "test": is_test}


def _normalise(x: dict[str, np.ndarray], how: str, all_records) -> dict[str, np.ndarray]:
    from ecgstudy.data.inputs import fit_lead_normaliser

    fit_on = x["train"] if how == "train" else all_records
    norm = fit_lead_normaliser(fit_on)
    return {k: norm.apply(v) for k, v in x.items()}


def _from_windows(w, masks: dict[str, np.ndarray], *, normalisation: str, description: str) -> SplitData:
    parts = {s: w.subset(np.flatnonzero(masks[s])) for s in SPLITS}
    x = _normalise({s: parts[s].signals for s in SPLITS}, normalisation, w.signals)
    return SplitData(
        x=x, y={s: parts[s].labels.astype(np.uint8) for s in SPLITS},
        ids={s: np.array([f"{r}:{t}" for r, t in zip(parts[s].record_ids, parts[s].start)]) for s in SPLITS},
        class_names=tuple(w.class_names), lead_names=tuple(w.lead_names), fs=float(w.fs),
        description=description, test_beats=parts["test"].beats,
        counts={s: int(masks[s].sum()) for s in SPLITS},
    )


def synthetic_split(dataset: str, *, n: int, normalisation: str) -> SplitData:
    """Synthetic stand-in for ``dataset`` (drawn once with seed 0; split 70/15/15 at random, seed 0)."""
    from ecgstudy.data.mitdb_windows import synthetic_windows
    from ecgstudy.data.wfdb_io import TWELVE_LEADS

    leads = ("II", "V1") if dataset == "mitdb" else TWELVE_LEADS
    w = synthetic_windows(n, seed=0, fs=100.0, duration_s=10.0, leads=leads)
    order = np.random.default_rng(0).permutation(len(w))
    n_test, n_val = max(1, round(0.15 * len(w))), max(1, round(0.15 * len(w)))
    masks = {s: np.zeros(len(w), bool) for s in SPLITS}
    masks["test"][order[:n_test]] = True
    masks["val"][order[n_test:n_test + n_val]] = True
    masks["train"][order[n_test + n_val:]] = True
    return _from_windows(w, masks, normalisation=normalisation,
                         description=f"synthetic CPSC-like records ({len(leads)} leads, 100 Hz, 10 s)")


def mitdb_split(folder, *, seed: int, max_windows_per_record: int, normalisation: str,
                split_unit: str = "record", val_frac: float = 0.1) -> SplitData:
    """MIT-BIH concurrent-abnormality windows, split by record (or patient) with ``seed``: a quarter of the
    windows for testing, ``val_frac`` of them for validation (:func:`record_split`)."""
    from ecgstudy.data.mitdb_cache import load_mitdb_windows

    w = load_mitdb_windows(folder, fs_out=100.0)
    rng = np.random.default_rng(0)
    keep = []
    for r in np.unique(w.record_ids):
        idx = np.flatnonzero(w.record_ids == r)
        keep.append(np.sort(rng.choice(idx, size=min(max_windows_per_record, len(idx)), replace=False)))
    w = w.subset(np.concatenate(keep))
    units = w.record_ids
    if split_unit == "patient":
        from ecgstudy.data.patients import patient_ids

        units = patient_ids("mitdb", w.record_ids)
    masks = record_split(units, w.labels, seed=seed, val_frac=val_frac)
    return _from_windows(w, masks, normalisation=normalisation,
                         description=f"MIT-BIH 10 s windows at 100 Hz (at most {max_windows_per_record} per "
                                     f"record), split by {split_unit} (seed {seed})")


def ptbxl_split_data(folder, *, normalisation: str) -> SplitData:
    """The PTB-XL records present in ``folder`` at 100 Hz, superclass labels, PTB-XL's folds."""
    from ecgstudy.data.inputs import fit_lead_normaliser
    from ecgstudy.data.ptbxl import PTBXL_SUPERCLASSES, load_ptbxl, ptbxl_split

    rs = load_ptbxl(folder, rate=100)
    masks = ptbxl_split(rs.meta["strat_fold"])
    ids = np.asarray(rs.meta["ecg_id"]).astype(str) if "ecg_id" in rs.meta else np.asarray(rs.record_ids).astype(str)
    norm = fit_lead_normaliser(rs.signals[masks["train"]] if normalisation == "train" else rs.signals)
    x = {s: norm.apply(rs.signals[masks[s]]) for s in SPLITS}
    return SplitData(x=x, y={s: rs.labels[masks[s]].astype(np.uint8) for s in SPLITS},
                     ids={s: ids[masks[s]] for s in SPLITS}, class_names=tuple(PTBXL_SUPERCLASSES),
                     lead_names=tuple(rs.lead_names), fs=float(rs.fs),
                     description="PTB-XL (100 Hz, 10 s, 12 leads), superclasses, folds 1-8 / 9 / 10",
                     counts={s: int(masks[s].sum()) for s in SPLITS}, normaliser=norm)


#: Fewest CPSC records for a meaningful run (the full training set has 6,877).
CPSC_MIN_RECORDS = 1000


def cpsc_split_data(folder, *, fs: float, input_samples: int, normalisation: str,
                    min_records: int = CPSC_MIN_RECORDS) -> SplitData:
    """CPSC 2018 with the authors' split; records resampled to ``fs`` and front-padded.

    Fewer than ``min_records`` records (e.g. the 10 samples) raise :class:`DataNotFoundError`:
    the chapter needs the training set; tests lower it to exercise the path on the samples.
    """
    from ecgstudy.data.cpsc2018 import CPSC_FS, load_cpsc, xecgnet_split
    from ecgstudy.data.inputs import fit_lead_normaliser, pad_front, resample

    cs = load_cpsc(folder)
    if len(cs) < min_records:
        raise DataNotFoundError(folder, f"only {len(cs)} CPSC 2018 records (the samples?); the chapter needs the "
                                        "training set of 6,877: see `ecgstudy data download cpsc2018`")
    sig = {r.record_id: (r.signal if fs == CPSC_FS else resample(r.signal, CPSC_FS, fs)) for r in cs.records}
    names = dict(zip(SPLITS, xecgnet_split(list(sig))))
    fit = [sig[n] for n in names["train"]] if normalisation == "train" else list(sig.values())
    norm = fit_lead_normaliser(fit)
    x = {s: np.stack([pad_front(norm.apply(sig[n]), input_samples, crop="end") for n in names[s]]) for s in SPLITS}
    labels = cs.labels.astype(np.uint8)
    return SplitData(x=x, y={s: labels.loc[names[s]].to_numpy() for s in SPLITS},
                     ids={s: np.array(names[s]) for s in SPLITS}, class_names=tuple(labels.columns),
                     lead_names=tuple(cs.records[0].lead_names), fs=float(fs),
                     description=f"CPSC 2018, the authors' split, {fs:g} Hz, front-padded to {input_samples} samples",
                     counts={s: len(names[s]) for s in SPLITS})


def load_data(dataset: str, params: XecgRunParams, source: DataSource) -> SplitData:
    """The :class:`SplitData` of a run."""
    if source.kind != "real":
        return synthetic_split(dataset, n=params.n_synthetic, normalisation=params.normalisation)
    if dataset == "mitdb":
        return mitdb_split(source.folders["mitdb"], seed=params.seed,
                           max_windows_per_record=params.max_windows_per_record, normalisation=params.normalisation,
                           split_unit=params.split_unit, val_frac=params.val_frac)
    if dataset == "ptbxl":
        return ptbxl_split_data(source.folders["ptbxl"], normalisation=params.normalisation)
    return cpsc_split_data(source.folders["cpsc2018"], fs=params.fs, input_samples=params.input_samples,
                           normalisation=params.normalisation)


def cpsc_records_here(data_dir=None) -> tuple[Path | None, int]:
    """The CPSC 2018 folder under the data directory (``None`` when absent) and its number of records
    (``.mat`` files)."""
    from ecgstudy import paths
    from ecgstudy.data.registry import find_dataset

    folder = find_dataset("cpsc2018", paths.data_dir(data_dir))
    return folder, (sum(1 for _ in folder.rglob("*.mat")) if folder is not None else 0)


def cpsc_complete(data_dir=None) -> bool:
    """Whether a CPSC 2018 training set large enough for the chapter is under the data directory."""
    folder, n = cpsc_records_here(data_dir)
    return folder is not None and n >= CPSC_MIN_RECORDS
