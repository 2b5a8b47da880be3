"""What each ECGradCAM target is: its units, whether it is classified, the region of the median beat
that defines it, and the headline scores of a prediction of it."""

from __future__ import annotations

import fnmatch

import numpy as np

from ecgstudy.explain.region_mass import RegionPart


#: The map variants, as keyed in ``maps.npz`` and ``metrics.json``.
VARIANTS = ("gradcam", "ecgradcam")


#: The waves blocked.
WAVES = ("p", "qrs", "t")


#: Targets classified (BCE with logits) rather than regressed (MSE).
BINARY_TARGETS = ("sex",)


#: The region of the median beat that defines each target (fnmatch patterns: ``r_amp_*`` is
#: every lead's R amplitude). Parts are ``(start fiducial, end fiducial, start offset ms, end
#: offset ms)``, the samples from ``start + offset`` to ``end + offset``, both included
#: (:func:`ecgstudy.explain.region_mass.region_masks`). The regions follow what the authors
#: report their maps show: QRS duration -> the QRS; QT -> the QRS onset and the T-wave end; PR
#: -> the P onset and the QRS onset; R amplitude -> the R peak (here the global QRS peak);
#: S amplitude -> from the QRS peak to the QRS offset; T amplitude -> the T peak; sex -> the
#: R-wave downslope (QRS peak to QRS offset). Heart rate and age have no defining region
#: (empty: not scored), nor has a target missing here.
TARGET_REGIONS: dict[str, tuple[RegionPart, ...]] = {
    "qrs_ms": (("qrs_on", "qrs_off", 0, 0),),
    "qt_ms": (("qrs_on", "qrs_on", -20, 20), ("t_off", "t_off", -20, 20)),
    "pr_ms": (("p_on", "p_on", -20, 20), ("qrs_on", "qrs_on", -20, 20)),
    "r_amp_*": (("qrs_peak", "qrs_peak", -20, 20),),
    "s_amp_*": (("qrs_peak", "qrs_off", 0, 0),),
    "t_amp_*": (("t_peak", "t_peak", -40, 40),),
    "sex": (("qrs_peak", "qrs_off", 0, 0),),
    "hr_bpm": (),
    "age": (),
}


def target_region(target: str) -> tuple[RegionPart, ...]:
    """The parts of ``target``'s defining region (:data:`TARGET_REGIONS`; empty: none)."""
    for pattern, parts in TARGET_REGIONS.items():
        if fnmatch.fnmatchcase(target, pattern):
            return parts
    return ()


def describe_region(parts: tuple[RegionPart, ...]) -> str:
    """``"[qrs_on-20ms, qrs_on+20ms] + ..."``; ``"none"`` when empty."""
    def end(f: str, ms: float) -> str:
        return f"{f}{ms:+g}ms" if ms else f

    return " + ".join(f"[{end(a, da)}, {end(b, db)}]" for a, b, da, db in parts) or "none"


def is_binary(target: str) -> bool:
    return target in BINARY_TARGETS


def target_units(dataset: str, target: str) -> str:
    """Units of a target's values and errors: its label's (:func:`ecgstudy.labels.unit`), except a binary target's
    classes and the amplitudes on LUDB (per-lead normalised units).

    >>> target_units("ptbxl", "qt_ms"), target_units("ludb", "hr_bpm"), target_units("ptbxl", "r_amp_V5_mV")
    ('ms', 'beats/min', 'mV')
    >>> target_units("ludb", "r_amp_V5_mV")
    'per-lead normalised units (LUDB leads scaled to peak-to-peak 1), not mV'
    """
    from ecgstudy.labels import unit

    if is_binary(target):
        return "class (1 male, 0 female)"
    if "_amp_" in target and dataset == "ludb":
        return "per-lead normalised units (LUDB leads scaled to peak-to-peak 1), not mV"
    return unit(target)


def score(y: np.ndarray, pred: np.ndarray, *, binary: bool, y_train: np.ndarray) -> dict[str, float]:
    """Headline metrics in the target's units.

    Regression: :func:`~ecgstudy.metrics.regression_scores` (``mae``, ``rmse``, ``r2`` and
    ``baseline_mae``, predicting the training mean). Binary (``pred`` = probabilities): ``accuracy``, ``auc``
    (:func:`~ecgstudy.metrics.binary_metrics` at 0.5), sensitivity / specificity and
    ``baseline_accuracy`` (predicting the training majority class).
    """
    from ecgstudy.metrics import binary_metrics, regression_scores

    if binary:
        m = binary_metrics(y.astype(np.int64), pred)
        majority = float(np.mean(y_train) >= 0.5)
        return {"accuracy": m["accuracy"], "auc": m["auc"], "sensitivity": m["sensitivity"],
                "specificity": m["specificity"], "baseline_accuracy": float(np.mean(y == majority))}
    return regression_scores(y, pred, y_train=y_train)


def headline_metrics(binary: bool) -> tuple[str, ...]:
    return ("accuracy", "auc") if binary else ("mae", "r2")
