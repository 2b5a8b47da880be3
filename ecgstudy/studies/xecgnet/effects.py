"""The intervals of the xECGNet chapter's paired comparisons, each chosen by how its dataset is split.

The seeds of a dataset are paired (gamma against gamma = 0 at the same seed), but what a seed changes differs:

* **a split drawn with the seed** (MIT-BIH windows, :data:`~ecgstudy.studies.xecgnet.data.SPLIT_BY_SEED`): every
  seed trains and tests on its own patient-wise split, so the seeds are repeated random splits whose training sets
  overlap, and the plain paired t interval is too narrow. They take Nadeau & Bengio's corrected resampled t
  (:func:`~ecgstudy.metrics.stats.corrected_t_interval`, with the split's test / training sizes);
* **one fixed test set** (PTB-XL's fold 10, the CPSC 2018 split, the synthetic stand-ins): every seed is scored on
  the same records, so the seeds show how much training varies but not how much another sample of patients would.
  The test set's own variance, a bootstrap over its patients shared by every run
  (:mod:`ecgstudy.metrics.group_resample`), is added (:func:`~ecgstudy.metrics.stats.fixed_test_interval`).
  Scores without per-record predictions (the coverage of the maps) keep the seeds' t and say so.

:class:`Design` holds what the chapter's runs give for this and turns paired values into intervals;
:func:`design_of` builds it from the runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ecgstudy.metrics.stats import (Interval, corrected_t_interval, fixed_test_interval, paired_t_interval,
                                    t_interval)

#: Bootstrap resamples of the test patients (one draw per dataset, shared by every run on it).
N_BOOT = 2000
#: Normal quantile used to say how many seeds a claim would need.
_Z = 1.959963984540054


@dataclass(frozen=True)
class Design:
    """How each dataset's runs are split, and what that leaves for the intervals.

    Attributes:
        seeded: datasets whose split is drawn with the seed (corrected resampled t).
        sizes: per seeded dataset, ``(n_train, n_test)`` of its splits (median over runs; windows).
        test_variance: per ``(dataset, metric, gamma)`` of a fixed test set, the bootstrap variance of the
            seed-mean difference of ``metric`` between ``gamma`` and gamma = 0 over resampled test patients.
        units: per fixed dataset, how many patients its test set holds.
        split_unit: per seeded dataset, what its splits keep apart (``"patient"`` or ``"record"``).

    An empty design (``Design()``) gives the plain paired Student t of every dataset.

    >>> d = Design(seeded=frozenset({"m"}), sizes={"m": (960, 480)})
    >>> d.interval("m", "micro_f1", 0.01, [0.6, 0.62, 0.58], [0.55, 0.6, 0.57]).method
    'corrected resampled t (Nadeau & Bengio) over 3 seeds, each its own split'
    """

    seeded: frozenset[str] = frozenset()
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    test_variance: dict[tuple[str, str, float], float] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    split_unit: dict[str, str] = field(default_factory=dict)

    def _test_var(self, ds: str, metric: str, gamma: float) -> float | None:
        for (d, m, g), v in self.test_variance.items():
            if d == ds and m == metric and math.isclose(g, gamma):
                return v
        return None

    def _corrected(self, ds: str, values: np.ndarray, level: float) -> Interval:
        n_train, n_test = self.sizes[ds]
        c = corrected_t_interval(values[np.isfinite(values)], n_train=n_train, n_test=n_test, level=level)
        seeds = f"{c.n} seed{'s' if c.n != 1 else ''}"
        return Interval(c.estimate, c.low, c.high, c.n, c.level,
                        f"corrected resampled t (Nadeau & Bengio) over {seeds}, each its own split")

    def interval(self, ds: str, metric: str, gamma: float, a, b, *, level: float = 0.95) -> Interval:
        """The mean of ``a - b`` over the paired seeds (``a``: ``gamma``, ``b``: gamma = 0) with the interval of
        ``ds``'s design."""
        d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
        if ds in self.seeded:
            return self._corrected(ds, d, level)
        v = self._test_var(ds, metric, gamma)
        if v is not None:
            return fixed_test_interval(d[np.isfinite(d)], test_variance=v, n_units=self.units[ds], level=level)
        t = paired_t_interval(a, b, level=level)
        method = f"paired Student t over {t.n} seed{'s' if t.n != 1 else ''}"
        if self.units.get(ds):
            method += " (seeds only: the test sample's variance is not counted)"
        return Interval(t.estimate, t.low, t.high, t.n, t.level, method)

    def values_interval(self, ds: str, values, *, level: float = 0.95) -> Interval:
        """The mean of one arm's per-seed ``values`` (a score with no per-record predictions) with the interval of
        ``ds``'s design: corrected t for a split drawn with the seed, else the seeds' Student t."""
        v = np.asarray(values, dtype=np.float64)
        if ds in self.seeded:
            return self._corrected(ds, v, level)
        t = t_interval(v, level=level)
        if not self.units.get(ds):
            return t
        return Interval(t.estimate, t.low, t.high, t.n, t.level,
                        f"{t.method} (seeds only: the test sample's variance is not counted)")

    def seeds_needed(self, ds: str, metric: str, gamma: float, a, b, effect: float) -> str:
        """What would let the interval of a claim that is not detected exclude 0 or ``effect`` (half-width below
        ``|effect|``): how many seeds, or, where the split's or the test sample's share of the variance alone is
        too wide, a larger test set or more patients."""
        d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
        d = d[np.isfinite(d)]
        if len(d) < 2 or not np.isfinite(effect) or effect == 0:
            return "more seeds"
        s2 = float(d.var(ddof=1))
        if ds in self.seeded:
            n_train, n_test = self.sizes[ds]
            floor, what = n_test / n_train * s2, "more patients (the splits' shared training data bounds it)"
        else:
            v = self._test_var(ds, metric, gamma)
            floor, what = (v or 0.0), "a larger test set (its sample of patients alone is too wide)"
        target = (abs(effect) / _Z) ** 2
        if floor >= target:
            return what
        n = math.ceil(s2 / (target - floor))
        return f"more seeds: about {max(n, len(d) + 1)} would narrow the interval below the paper's effect"

    def text(self, names: dict[str, str]) -> str:
        """One sentence per dataset for the page: which interval its comparisons take, and why."""
        parts = []
        for ds in sorted(self.seeded):
            n_train, n_test = self.sizes[ds]
            unit = self.split_unit.get(ds, "patient")
            parts.append(f"on the {names.get(ds, ds)} every seed draws its own {unit}-wise split, so the seeds are "
                         f"repeated random splits whose training sets overlap: their paired differences take Nadeau "
                         f"and Bengio's corrected resampled t (test / training windows {n_test:,} / {n_train:,})")
        for ds, n in sorted(self.units.items()):
            parts.append(f"on the {names.get(ds, ds)} every seed is scored on the same {n:,} test patients, so the "
                         f"seeds alone show how much training varies, not how much another sample of patients "
                         f"would: the variance of a bootstrap over those patients (shared by every run, "
                         f"{N_BOOT:,} resamples) is added to the seeds' Student t (Satterthwaite degrees of freedom; "
                         f"the budget ladder's rungs keep no predictions and borrow it from the runs' own weights)")
        if not parts:
            return "The paired differences take the Student t interval over the seeds."
        text = "; ".join(parts) + "."
        return text[:1].upper() + text[1:]


def design_of(records, *, data_kind: str, folders: dict | None = None, seed: int = 0) -> Design:
    """The :class:`Design` of the chapter's finished runs of the paper's regulariser.

    Args:
        records: the chapter's run records.
        data_kind: ``"real"`` or ``"synthetic"`` (synthetic stand-ins are one fixed split).
        folders: dataset key -> data folder (PTB-XL's gives each record's ``patient_id``).
        seed: of the bootstrap draw.

    Raises:
        DataError: runs of one fixed test set hold different test records.
    """
    from ecgstudy.data.patients import patient_ids
    from ecgstudy.errors import DataError
    from ecgstudy.metrics.group_resample import RESAMPLED, group_counts, multilabel_resampled
    from ecgstudy.metrics.multilabel import predict_multilabel
    from ecgstudy.studies.xecgnet.data import SPLIT_BY_SEED
    from ecgstudy.studies.xecgnet.tables import _dataset_of

    runs: dict[str, list] = {}
    for r in records:
        if r.ok and r.spec.params.get("regulariser", "paper") == "paper" and (r.path / "predictions.npz").exists():
            runs.setdefault(_dataset_of(r), []).append(r)
    seeded = frozenset(ds for ds in runs if ds in SPLIT_BY_SEED and data_kind == "real")
    sizes, split_unit = {}, {}
    for ds in seeded:
        counts = [r.metrics().get("counts", {}) for r in runs[ds]]
        sizes[ds] = (int(np.median([c["train"] for c in counts])), int(np.median([c["test"] for c in counts])))
        split_unit[ds] = str(runs[ds][0].spec.params.get("split_unit", "record"))
    test_variance: dict[tuple[str, str, float], float] = {}
    units: dict[str, int] = {}
    for ds, part in runs.items():
        if ds in seeded:
            continue
        scores: dict[tuple[float, int], dict[str, np.ndarray]] = {}
        ids = None
        for r in part:
            with np.load(r.path / "predictions.npz") as z:
                these, probs, labels = z["ids"].astype(str), z["probs"], z["labels"]
            if ids is None:
                ids = these
                kind = ds if data_kind == "real" else "synthetic"
                codes, counts = group_counts(patient_ids(kind, ids, folder=(folders or {}).get(ds)), n_boot=N_BOOT,
                                             seed=seed)
                units[ds] = counts.shape[1]
            elif not np.array_equal(ids, these):
                raise DataError(r.path / "predictions.npz", f"its test records differ from the other {ds} runs', "
                                                            "which share one fixed test set")
            scores[(float(r.spec.params["gamma"]), int(r.spec.params["seed"]))] = multilabel_resampled(
                labels, predict_multilabel(probs), codes, counts)
        base = {s: v for (g, s), v in scores.items() if g == 0}
        for g in sorted({g for g, _ in scores if g > 0}):
            seeds = [s for (gg, s) in scores if gg == g and s in base]
            for metric in RESAMPLED:
                if not seeds:
                    continue
                diff = np.mean([scores[(g, s)][metric] - base[s][metric] for s in seeds], axis=0)
                diff = diff[np.isfinite(diff)]
                if len(diff) > 1:
                    test_variance[(ds, metric, g)] = float(diff.var(ddof=1))
    return Design(seeded=seeded, sizes=sizes, test_variance=test_variance, units=units, split_unit=split_unit)
