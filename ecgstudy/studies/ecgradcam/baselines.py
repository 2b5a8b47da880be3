"""The ECGradCAM chapter's classical baseline: NeuroKit2's delineator against the reference intervals.

The network regresses PR, QRS, QT and heart rate from median beats. How good is that? Beside
the training-mean baseline of every run, this module measures the intervals with a classical,
training-free delineator (:mod:`ecgstudy.data.classical_delineation`) on the same records'
10 s, 12-lead signals and scores it against the same reference:

* LUDB: the cardiologists' delineation (:mod:`ecgstudy.data.ludb_targets`), on the records
  of the chapter's :class:`~ecgstudy.studies.ecgradcam.data.MedianBeatData`;
* synthetic stand-in: the generator's exact measurements, on the same generated records
  (:func:`~ecgstudy.synthetic.standins.measurement_records` with the stand-in's count and seed).

Real-data estimates are cached (LUDB: 200 records x 12 leads, about a minute on 2 cores); the score
table (:func:`delineator_scores`) is cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.data.classical_delineation import DelineatorEstimates, delineate_records
from ecgstudy.errors import ParameterError

#: Version of the baseline computation (part of the cache key).
BASELINE_VERSION = 1
#: Interval targets a delineator measures.
DELINEATED_TARGETS = ("pr_ms", "qrs_ms", "qt_ms", "hr_bpm")
#: Lead combinations scored (see :func:`~ecgstudy.data.classical_delineation.delineated_intervals`).
COMBINES = ("median", "global", "II")
#: The combination the chapter quotes: the median over the leads, robust to one lead's gross error
#: (``"global"`` takes the extremes over 12 automatic delineations; lead II alone misses what
#: other leads show).
PRIMARY_COMBINE = "median"


def _ludb_estimates(folder: Path, record_ids: tuple[str, ...], method: str, progress: bool) -> DelineatorEstimates:
    from ecgstudy.data.ludb import read_ludb_record

    sigs, fs, leads = [], None, None
    for rid in record_ids:
        rec, _ = read_ludb_record(folder, rid)
        sigs.append(rec.signal)
        fs, leads = rec.fs, rec.lead_names
    return delineate_records(np.stack(sigs), fs, leads, record_ids, method=method, combines=COMBINES,
                             progress=progress)


@functools.lru_cache(maxsize=2)
def _synthetic_estimates(n: int, seed: int, method: str) -> DelineatorEstimates:
    from ecgstudy.synthetic.standins import measurement_records

    rs = measurement_records(n, seed=seed)
    return delineate_records(rs.signals, rs.fs, rs.lead_names, [str(r) for r in rs.record_ids], method=method,
                             combines=COMBINES)


def delineator_estimates(dataset: str, source, record_ids: Sequence[str], *, method: str = "prominence",
                         n_synthetic: int = 400, progress: bool = False) -> DelineatorEstimates:
    """NeuroKit2's interval estimates for the chapter's records of ``dataset``.

    Args:
        dataset: ``"ludb"`` (the only real set with a delineation to score against).
        source: the run's data source (real: LUDB's folder; else the synthetic stand-in).
        record_ids: the records to measure (real data; the synthetic set measures all of its
            ``n_synthetic`` records, seed 0, as :func:`~ecgstudy.studies.ecgradcam.data.synthetic_data`).
    """
    from ecgstudy.data.cache import cached
    from ecgstudy.studies.ecgradcam.data import dataset_files

    if dataset != "ludb":
        raise ParameterError(f"the delineator baseline needs a delineated dataset ('ludb'), got {dataset!r}")
    if source.kind != "real":
        return _synthetic_estimates(int(n_synthetic), 0, method)
    folder = Path(source.folders[dataset])
    ids = tuple(str(r) for r in record_ids)
    build = functools.partial(_ludb_estimates, folder, ids, method, progress)
    return cached("delineator_ludb", {"method": method, "records": ",".join(ids), "combines": ",".join(COMBINES)},
                  folder, dataset_files(folder), build, algorithm=BASELINE_VERSION, load=DelineatorEstimates.load)


def delineator_scores(estimates: DelineatorEstimates, reference: pd.DataFrame, *,
                      targets: Sequence[str] = DELINEATED_TARGETS, combines: Sequence[str] = COMBINES,
                      n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Errors of the delineator against the reference, per target and lead combination.

    Args:
        estimates: :func:`delineator_estimates`' result. reference: the true targets, index
            record id (e.g. ``MedianBeatData.targets``).

    Returns:
        One row per (target, combine): ``n_reference`` (records with a reference value),
        ``n_measured`` (of those, records the delineator measured), ``mae`` with its 95 %
        bootstrap interval over records (``mae_low``, ``mae_high``), ``bias`` (mean of
        delineator - reference) and ``median_ae``; units of the target (ms, bpm).

    Example:
        >>> from ecgstudy.data.classical_delineation import DelineatorEstimates
        >>> est = DelineatorEstimates(pd.DataFrame({"record_id": ["a", "b"], "combine": "global",
        ...     "pr_ms": [150.0, 170.0], "p_ms": 0.0, "qrs_ms": 0.0, "qt_ms": 0.0, "qtc_bazett_ms": 0.0,
        ...     "qtc_fridericia_ms": 0.0, "hr_bpm": 0.0, "rr_ms": 0.0}), pd.DataFrame(), "prominence", 500.0)
        >>> ref = pd.DataFrame({"pr_ms": [140.0, 160.0]}, index=["a", "b"])
        >>> row = delineator_scores(est, ref, targets=["pr_ms"], combines=["global"], n_boot=10).iloc[0]
        >>> float(row["mae"]), float(row["bias"]), int(row["n_measured"])
        (10.0, 10.0, 2)
    """
    from ecgstudy.metrics import bootstrap_ci

    ref = reference.copy()
    ref.index = ref.index.map(str)
    rows = []
    for target in targets:
        if target not in ref:
            raise ParameterError(f"reference has no column {target!r}")
        truth = ref[target].astype(np.float64).dropna()
        for combine in combines:
            est = estimates.estimates(combine)[target].reindex(truth.index).astype(np.float64)
            ok = est.notna().to_numpy()
            err = (est.to_numpy() - truth.to_numpy())[ok]
            row = {"target": target, "combine": combine, "n_reference": int(truth.size), "n_measured": int(ok.sum())}
            if err.size:
                ci = bootstrap_ci(np.abs(err), n_boot=n_boot, seed=seed)
                row |= {"mae": float(np.mean(np.abs(err))), "mae_low": float(ci["low"]), "mae_high": float(ci["high"]),
                        "bias": float(np.mean(err)), "median_ae": float(np.median(np.abs(err)))}
            else:
                row |= {k: np.nan for k in ("mae", "mae_low", "mae_high", "bias", "median_ae")}
            rows.append(row)
    return pd.DataFrame(rows)
