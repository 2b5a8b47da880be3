"""Intervals for runs that all score one fixed test set: the transfer networks.

A transfer network is trained on four fifths of PTB-XL (one per fold) and scored on every LUDB record, so its five
runs differ in training data only: the spread over them says how much training varies (and understates it, as the
training sets overlap), not how much another sample of LUDB patients would. The claims on them therefore take
:func:`~ecgstudy.metrics.stats.fixed_test_interval`: the runs' Student t with Nadeau & Bengio's overlap term
(the left-out PTB-XL fold over the training records), plus the variance of the runs' mean score over resamples of
the test patients (each LUDB record is a patient), drawn once and shared by every run so that paired differences
are resampled in pairs.

:class:`FixedTestSet` reads each run's per-record scores: the map's region ratio (``maps.npz``), the harm of blocking
each wave (``predictions.npz``: the blocked prediction's error minus the unblocked one's; for sex, a correct
unblocked and wrong blocked call counts 1) and the correlation of one record's maps between two runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ecgstudy.metrics.stats import Interval, fixed_test_interval

#: Datasets (of the chapter's tables) whose runs all score one fixed test set.
FIXED_TEST = frozenset({"transfer"})
#: Resamples of the test patients.
N_BOOT = 2000

#: A per-record score of one run: ``(patient index of each record, value of each record)``, NaN where undefined.
Scores = tuple[np.ndarray, np.ndarray]


class FixedTestSet:
    """The per-record scores of the finished runs of one fixed-test dataset, and shared patient resamples.

    Args:
        records: run records (those of other datasets, or not finished, are skipped).
        dataset: the dataset key of their ``metrics.json`` (e.g. ``"transfer"``).
        variant: the map whose region ratios are read; layer: the layer of every map read.
    """

    def __init__(self, records: Iterable, dataset: str, *, variant: str = "ecgradcam", layer: str = "last_add",
                 n_boot: int = N_BOOT, seed: int = 0) -> None:
        from ecgstudy.metrics.group_resample import group_counts

        self.dataset = dataset
        self.runs: dict[str, dict] = {}
        for rec in records:
            if not rec.ok or not (rec.path / "predictions.npz").exists():
                continue
            m = rec.metrics()
            if m.get("dataset") != dataset:
                continue
            entry: dict = {"target": m["target"], "fold": int(m["fold"]), "seed": int(m["seed"]),
                           "n_train": int(m["n_train"]), "binary": m.get("task") == "binary"}
            with np.load(rec.path / "predictions.npz") as z:
                entry["ids"] = z["ids"].astype(str)
                y, p = z["y"].astype(np.float64), z["prediction"].astype(np.float64)
                entry["n_left_out"] = len(z["source_ids"]) if "source_ids" in z else 0
                entry["harm"] = {k[len("prediction_block_"):]: _harm(y, p, z[k].astype(np.float64), entry["binary"])
                                 for k in z.files if k.startswith("prediction_block_")}
            maps = rec.path / "maps.npz"
            if maps.exists():
                with np.load(maps) as z:
                    by_id = {str(r): i for i, r in enumerate(z["record_ids"])}
                    order = np.array([by_id.get(i, -1) for i in entry["ids"]])
                    key = f"region_ratio.{variant}.{layer}"
                    if key in z:
                        entry["ratio"] = np.where(order >= 0, z[key].astype(np.float64)[order], np.nan)
                    entry["maps"] = {k.split(".")[0]: np.where((order >= 0)[:, None], z[k].astype(np.float64)[order],
                                                               np.nan)
                                     for k in z.files if k.endswith(f".{layer}") and not k.startswith("region_")}
            self.runs[rec.spec.run_id] = entry
        patients = sorted({i for e in self.runs.values() for i in e["ids"]})  # each LUDB record is a patient
        self.n_units = len(patients)
        index = {p: i for i, p in enumerate(patients)}
        for e in self.runs.values():
            e["codes"] = np.array([index[i] for i in e["ids"]], dtype=np.int64)
        self.counts = group_counts(patients, n_boot=n_boot, seed=seed)[1] if patients else np.zeros((n_boot, 0))

    def correction(self, run_ids: Sequence[str]) -> float:
        """Nadeau & Bengio's overlap term of these runs: the left-out source fold over the training records."""
        es = [self.runs[r] for r in run_ids if r in self.runs]
        n_train = np.mean([e["n_train"] for e in es]) if es else 0
        left = np.mean([e["n_left_out"] for e in es]) if es else 0
        return float(left / n_train) if n_train else 0.0

    def ratio(self, run_id: str) -> Scores | None:
        """The map's region ratio of every record (``None`` without maps)."""
        e = self.runs.get(run_id)
        return None if e is None or "ratio" not in e else (e["codes"], e["ratio"])

    def harm(self, run_id: str, wave: str) -> Scores | None:
        """The harm of blocking ``wave`` on every record (0 where it was not blocked; ``None`` if never blocked)."""
        e = self.runs.get(run_id)
        return None if e is None or wave not in e["harm"] else (e["codes"], e["harm"][wave])

    def map_correlation(self, run_a: str, run_b: str, variant: str = "ecgradcam") -> Scores | None:
        """The Pearson correlation of each record's two ``variant`` maps
        (:func:`~ecgstudy.studies.ecgradcam.tables.map_correlation`: NaN where either is constant), as
        :func:`~ecgstudy.studies.ecgradcam.tables.cross_target_pairs` averages it."""
        from ecgstudy.studies.ecgradcam.tables import map_correlation

        a, b = self.runs.get(run_a), self.runs.get(run_b)
        if a is None or b is None or variant not in a.get("maps", {}) or variant not in b.get("maps", {}):
            return None
        by_id = {p: i for i, p in enumerate(b["ids"])}
        rows = [(i, by_id[p]) for i, p in enumerate(a["ids"]) if p in by_id]
        corr = np.full(len(a["ids"]), np.nan)
        for i, j in rows:
            corr[i] = map_correlation(a["maps"][variant][i], b["maps"][variant][j])
        return a["codes"], corr

    def resampled_mean(self, scores: Scores) -> np.ndarray:
        """``(n_boot,)`` the mean of one run's per-record scores (NaN skipped) in every resample of the patients."""
        from ecgstudy.metrics.group_resample import resampled_mean

        codes, values = scores
        return resampled_mean(values, codes, self.counts)

    def interval(self, values: Sequence[float], units: Sequence[Sequence[Scores]], run_ids: Sequence[str],
                 *, transform=None, level: float = 0.95) -> Interval:
        """The mean of ``values`` (one per fold run, or per fold) with the fixed-test interval.

        Args:
            values: the per-run (per-fold) values the claim averages.
            units: for each value, the per-record scores whose means make it (one, a difference of two is given
                as one score of differences, or several averaged, e.g. the pairs of a fold).
            run_ids: the runs behind ``values`` (for the overlap term).
            transform: applied to each resampled unit mean (e.g. ``lambda r: 1 - r``).
        """
        per_unit = []
        for scores in units:
            means = np.nanmean([self.resampled_mean(s) for s in scores], axis=0)
            per_unit.append(transform(means) if transform else means)
        boot = np.nanmean(per_unit, axis=0) if per_unit else np.array([])
        boot = boot[np.isfinite(boot)]
        variance = float(boot.var(ddof=1)) if len(boot) > 1 else 0.0
        return fixed_test_interval(np.asarray(values, dtype=np.float64), test_variance=variance,
                                   n_units=self.n_units, correction=self.correction(run_ids), level=level)


def _harm(y: np.ndarray, p: np.ndarray, blocked: np.ndarray, binary: bool) -> np.ndarray:
    """Per record, how much worse the blocked prediction is: absolute error up (regression) or a correct call lost
    (binary, threshold 0.5); the mean over records is the run's ``delta_mae`` (or minus its ``delta_accuracy``)."""
    if binary:
        right = ((p >= 0.5) == (y >= 0.5)).astype(np.float64)
        return right - ((blocked >= 0.5) == (y >= 0.5)).astype(np.float64)
    return np.abs(blocked - y) - np.abs(p - y)


def fixed_test_sets(records: Iterable, datasets: Iterable[str]) -> dict[str, FixedTestSet]:
    """A :class:`FixedTestSet` per dataset of :data:`FIXED_TEST` among ``datasets``."""
    records = list(records)
    return {ds: FixedTestSet(records, ds) for ds in datasets if ds in FIXED_TEST}
