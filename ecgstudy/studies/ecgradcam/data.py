"""The ECGradCAM chapter's data: 8-lead median beats with their targets and fiducials.

:class:`MedianBeatData` holds, for every record kept: the median beat ``(8, 600)`` (I, II,
V1-V6; 1.2 s at 500 Hz, R peak at sample 250; :mod:`ecgstudy.data.median_beats`), one row of
targets, and the global fiducials of the median beat (P, QRS, T onset / peak / offset in
median-beat samples, -1 where absent). The sets:

* ``"ludb"`` (:func:`ludb_data`): median beats of the 200 LUDB records
  (:func:`~ecgstudy.data.median_beat_sources.ludb_median_beats`, fiducials from the cardiologists'
  delineation) joined on the record id with the targets of
  :func:`~ecgstudy.data.ludb_targets.ludb_targets` (intervals in ms, heart rate, R / S / T
  amplitudes per lead, age, sex with 1 male). A record left out by either (no median beat, an
  unreadable record) is dropped; the description says how many. **Units:** the shared LUDB
  copy stores every lead scaled to a peak-to-peak range of 1, so the amplitude targets
  (``*_amp_*_mV``) and the median beats are in per-lead normalised units, not physical mV.
* ``"ptbxl"`` (:func:`ptbxl_data`): median beats of every PTB-XL record present (100 Hz,
  resampled to 500 Hz by :func:`~ecgstudy.data.median_beats.median_beats`), targets ``sex``
  (1 male, 0 female) and ``age`` (years); PTB-XL has no delineation, so every fiducial is -1.
  The shared subset is band-pass filtered and z-scored per lead (units ``SD``).
* synthetic stand-in (:func:`synthetic_data`, both datasets when there is no real data):
  :func:`~ecgstudy.data.median_beat_sources.synthetic_median_beats` ``(n, seed=0)`` with the
  generator's exact measurements as targets and its exact fiducials.

The beats are not normalised: the authors fed the MUSE median beats as they are (µV integers).

Real-data sets are cached as ``.npz`` under :func:`ecgstudy.paths.cache_dir` by
:func:`ecgstudy.data.cache.cached` (keyed by the dataset files' checksum, the package version and
:data:`PREPARATION_VERSION`): LUDB takes about 25 s to build and the PTB-XL subset a few minutes,
so a grid builds each once. Synthetic sets are memoised in the process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError

#: Version of this preparation (part of the cache key): bump it when the median beats,
#: the targets or the join change.
PREPARATION_VERSION = 1
#: The chapter's datasets.
DATASETS = ("ludb", "ptbxl")


def _empty_skipped() -> pd.DataFrame:
    return pd.DataFrame({"record_id": pd.Series([], dtype=str), "reason": pd.Series([], dtype=str)})


@dataclass
class MedianBeatData:
    """Median beats of one dataset with targets and fiducials.

    Attributes:
        x: ``(n, 8, 600)`` float32 median beats (leads ``lead_names``, 500 Hz).
        targets: ``(n, targets)`` float64 table, index ``record_id`` in the order of ``x``
            (NaN where a record lacks a target, e.g. ``pr_ms`` in atrial fibrillation).
        record_ids: ``(n,)`` str.
        fiducials: ``(n, 9)`` int64 global fiducials (``FIDUCIAL_COLUMNS``) in median-beat
            samples, -1 where absent (all -1 without a delineation).
        description: one line for the book. units: unit of ``x``.
        lead_names: the leads of ``x``. fs: 500 Hz.
        skipped: ``record_id, reason`` of the records left out.
    """

    x: np.ndarray
    targets: pd.DataFrame
    record_ids: np.ndarray
    fiducials: np.ndarray
    description: str
    units: str = "mV"
    lead_names: tuple[str, ...] = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
    fs: float = 500.0
    skipped: pd.DataFrame = field(default_factory=_empty_skipped)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def target(self, name: str) -> np.ndarray:
        """``(n,)`` float64 values of target ``name``; raises with the list of targets if unknown."""
        if name not in self.targets.columns:
            raise ParameterError(f"target {name!r} is not a target of this dataset ({self.description}); "
                                 f"its targets: {', '.join(self.targets.columns)}")
        return self.targets[name].to_numpy(dtype=np.float64)

    def fiducial_frame(self, index: np.ndarray | None = None) -> pd.DataFrame:
        """The fiducials (of the rows ``index``) as a DataFrame with ``FIDUCIAL_COLUMNS``,
        in row order (what :func:`~ecgstudy.explain.wave_blocking.block_waves` takes)."""
        f = self.fiducials if index is None else self.fiducials[index]
        return pd.DataFrame(f, columns=list(FIDUCIAL_COLUMNS))

    @property
    def has_fiducials(self) -> bool:
        return bool((self.fiducials >= 0).any())

    def save(self, file) -> None:
        """Write to ``file`` (a path or a binary file object) as ``.npz`` (no pickles)."""
        np.savez_compressed(
            file, x=self.x, record_ids=self.record_ids.astype(str), fiducials=self.fiducials,
            target_values=self.targets.to_numpy(dtype=np.float64), target_names=np.array(self.targets.columns, str),
            description=np.array(self.description), units=np.array(self.units),
            lead_names=np.array(self.lead_names, str), fs=np.array(self.fs),
            skipped_ids=self.skipped["record_id"].to_numpy(dtype=str),
            skipped_reasons=self.skipped["reason"].to_numpy(dtype=str))

    @classmethod
    def load(cls, path: str | Path) -> "MedianBeatData":
        """Read what :meth:`save` wrote."""
        with np.load(path, allow_pickle=False) as z:
            ids = z["record_ids"].astype(str)
            targets = pd.DataFrame(z["target_values"], columns=[str(c) for c in z["target_names"]],
                                   index=pd.Index(ids, name="record_id"))
            return cls(x=z["x"], targets=targets, record_ids=ids, fiducials=z["fiducials"].astype(np.int64),
                       description=str(z["description"]), units=str(z["units"]),
                       lead_names=tuple(str(v) for v in z["lead_names"]), fs=float(z["fs"]),
                       skipped=pd.DataFrame({"record_id": z["skipped_ids"].astype(str),
                                             "reason": z["skipped_reasons"].astype(str)}))


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    return df.select_dtypes(include=[np.number]).astype(np.float64)


def _fiducial_array(fiducials: pd.DataFrame | None, ids: np.ndarray) -> np.ndarray:
    if fiducials is None or len(fiducials) == 0:
        return np.full((len(ids), len(FIDUCIAL_COLUMNS)), -1, np.int64)
    f = fiducials.copy()
    f.index = f.index.map(str)
    return f.loc[list(ids), list(FIDUCIAL_COLUMNS)].to_numpy(dtype=np.int64)


def ludb_data(folder: str | Path, *, progress: bool = False, style: str = "as_is") -> MedianBeatData:
    """LUDB median beats joined with :func:`~ecgstudy.data.ludb_targets.ludb_targets` (see the module docstring).

    ``style="ptbxl"`` first makes every record look like the shared PTB-XL subset
    (:func:`~ecgstudy.data.ptbxl_style.ptbxl_subset_style`: 0.5-40 Hz, z-scored per lead, 100 Hz),
    so that networks trained on PTB-XL's median beats can be tested on LUDB's; the median beats
    are then in SD and the amplitude targets do not describe them (the interval targets do).
    """
    from ecgstudy.data.ludb_targets import ludb_targets
    from ecgstudy.data.median_beat_sources import ludb_median_beats
    from ecgstudy.data.ptbxl_style import ptbxl_subset_style

    if style not in ("as_is", "ptbxl"):
        raise ParameterError(f"style must be 'as_is' or 'ptbxl', got {style!r}")
    mb = ludb_median_beats(folder, progress=progress, transform=ptbxl_subset_style if style == "ptbxl" else None)
    targets, missing = ludb_targets(folder, progress=progress)
    targets.index = targets.index.map(str)
    unreadable = {rid for rid, m in missing.items() if "error" in m}
    ids = np.array([r for r in mb.record_ids if r in targets.index and r not in unreadable], dtype=str)
    skipped = [(r, reason) for r, reason in zip(mb.skipped["record_id"], mb.skipped["reason"])]
    skipped += [(r, "targets: " + "; ".join(missing[r]["error"])) for r in sorted(unreadable)
                if r in set(mb.record_ids)]
    keep = np.isin(mb.record_ids, ids)
    n_all = len(mb.record_ids) + len(mb.skipped)
    desc = (f"LUDB: 8-lead median beats (I, II, V1-V6; 1.2 s at 500 Hz) of {len(ids)} of {n_all} records "
            f"({len(mb.skipped)} without a median beat, {n_all - len(mb.skipped) - len(ids)} without targets); "
            f"targets from the cardiologists' delineation; ")
    if style == "ptbxl":
        desc += ("records processed as the shared PTB-XL subset (0.5-40 Hz band-pass, z-scored per lead, 100 Hz, "
                 "then median beats at 500 Hz): units SD, amplitude targets not comparable")
        units = "SD (PTB-XL subset style)"
    else:
        desc += ("amplitudes in per-lead normalised units (every lead of the shared copy has a peak-to-peak range "
                 "of 1), not mV")
        units = "per-lead normalised (pk-pk 1)"
    return MedianBeatData(
        x=mb.signals[keep].astype(np.float32), targets=_numeric(targets.loc[list(ids)]), record_ids=ids,
        fiducials=_fiducial_array(mb.fiducials, ids), description=desc, units=units,
        lead_names=tuple(mb.lead_names),
        skipped=pd.DataFrame(skipped, columns=["record_id", "reason"]) if skipped else _empty_skipped())


#: PTB-XL's HIPAA placeholder age (some versions set ages > 89 to 300).
PTBXL_AGE_PLACEHOLDER = 300


def ptbxl_data(folder: str | Path, *, progress: bool = False) -> MedianBeatData:
    """Median beats of every PTB-XL record present, targets ``sex`` (1 male) and ``age``."""
    from ecgstudy.data.median_beats import median_beats
    from ecgstudy.data.ptbxl import load_ptbxl

    rs = load_ptbxl(folder, rate=100)
    mb = median_beats(rs, progress=progress)
    meta = mb.meta
    sex = meta["sex"].map({"M": 1.0, "F": 0.0}).astype(np.float64).to_numpy()
    age = pd.to_numeric(meta["age"], errors="coerce").to_numpy(dtype=np.float64)
    age = np.where(age >= PTBXL_AGE_PLACEHOLDER, 90.0, age)  # "90 means > 89", as LUDB
    ids = np.asarray(mb.record_ids).astype(str)
    targets = pd.DataFrame({"sex": sex, "age": age}, index=pd.Index(ids, name="record_id"))
    desc = (f"PTB-XL subset: 8-lead median beats (I, II, V1-V6; 100 Hz records resampled to 500 Hz, 1.2 s) of "
            f"{len(ids)} of {len(rs)} records ({len(mb.skipped)} without a median beat); targets sex and age; "
            f"no delineation (no fiducials); signals {mb.units}")
    return MedianBeatData(x=mb.signals.astype(np.float32), targets=targets, record_ids=ids,
                          fiducials=_fiducial_array(None, ids), description=desc, units=mb.units,
                          lead_names=tuple(mb.lead_names), skipped=mb.skipped)


@functools.lru_cache(maxsize=4)
def synthetic_data(n: int, seed: int = 0) -> MedianBeatData:
    """The synthetic stand-in: :func:`~ecgstudy.data.median_beat_sources.synthetic_median_beats` with
    its exact measurements (targets) and fiducials (memoised; do not modify the arrays)."""
    from ecgstudy.data.median_beat_sources import synthetic_median_beats

    mb = synthetic_median_beats(n, seed=seed)
    ids = np.asarray(mb.record_ids).astype(str)
    targets = _numeric(mb.meta).drop(columns=["n_beats", "n_pvc", "n_pac"], errors="ignore")
    targets.index = pd.Index(ids, name="record_id")
    desc = (f"synthetic median beats of {len(ids)} of {n} generated 12-lead records (seed {seed}; 8 leads, "
            f"1.2 s at 500 Hz) with the generator's exact measurements and fiducials")
    return MedianBeatData(x=mb.signals.astype(np.float32), targets=targets, record_ids=ids,
                          fiducials=_fiducial_array(mb.fiducials, ids), description=desc, units=mb.units,
                          lead_names=tuple(mb.lead_names), skipped=mb.skipped)


def dataset_files(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative paths, sorted; hidden files left out): a cache key's inputs."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def load_median_beat_data(dataset: str, source, *, n_synthetic: int = 400) -> MedianBeatData:
    """The :class:`MedianBeatData` of ``dataset`` for a run's data ``source`` (real: cached)."""
    from ecgstudy.data.cache import cached

    if dataset not in DATASETS:
        raise ParameterError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if source.kind != "real":
        return synthetic_data(int(n_synthetic), 0)
    folder = Path(source.folders[dataset])
    build = functools.partial(ludb_data if dataset == "ludb" else ptbxl_data, folder)
    return cached(f"ecgradcam_{dataset}", {"dataset": dataset, "leads": "I,II,V1-V6", "samples": 600},
                  folder, dataset_files(folder), build, algorithm=PREPARATION_VERSION, load=MedianBeatData.load)
