"""How figures and table headers name targets and metrics: in words, with units (never variable names)."""

from __future__ import annotations

#: measurement targets (ECGradCAM, the synthetic generator) -> axis label in words with its unit
TARGET_LABELS = {
    "qrs_ms": "QRS duration, ms",
    "qt_ms": "QT interval, ms",
    "pr_ms": "PR interval, ms",
    "hr_bpm": "heart rate, beats/min",
    "qtc_bazett_ms": "QTc (Bazett), ms",
    "qtc_bazett": "QTc (Bazett), ms",
    "r_amp_V5_mV": "R amplitude in V5, mV",
    "t_amp_V5_mV": "T amplitude in V5, mV",
    "r_amp_V5": "R amplitude in V5, mV",
    "t_amp_V5": "T amplitude in V5, mV",
    "sex": "sex, male = 1",
    "age": "age, years",
}

#: metrics -> axis label in words
METRIC_LABELS = {
    "micro_f1": "micro-F1",
    "macro_f1": "macro-F1",
    "multi_acc": "subset accuracy, multi-label records",
    "accuracy": "accuracy",
    "specificity": "specificity",
    "sensitivity": "sensitivity",
    "auc": "AUC",
    "loc_auroc": "attention AUROC",
    "mae": "mean absolute error",
    "r2": "R²",
    "train_loss": "training loss",
    "eval_loss": "held-out loss",
    "eval_accuracy": "held-out accuracy",
    "gamma": "γ (regulariser weight)",
}


def label(name: str, *, unit: bool = True) -> str:
    """The words for a target or metric ``name`` (the name itself when unknown); ``unit=False`` drops
    the unit after the comma.

    >>> label("qtc_bazett_ms"), label("r_amp_V5_mV"), label("micro_f1"), label("new_thing")
    ('QTc (Bazett), ms', 'R amplitude in V5, mV', 'micro-F1', 'new_thing')
    >>> label("qrs_ms", unit=False)
    'QRS duration'
    """
    text = TARGET_LABELS.get(name) or METRIC_LABELS.get(name) or name
    return text.split(", ")[0] if not unit and name in TARGET_LABELS else text


def unit(name: str) -> str:
    """The unit in a target's label (after its comma; empty for a name without one).

    >>> unit("qtc_bazett_ms"), unit("hr_bpm"), unit("r_amp_V5_mV"), unit("micro_f1")
    ('ms', 'beats/min', 'mV', '')
    """
    return TARGET_LABELS.get(name, "").partition(", ")[2]


def amplitude_unit(name: str, unit: str) -> str:
    """``name``'s label with its amplitude unit replaced by ``unit`` (LUDB's leads are normalised, so its
    amplitudes are not in mV).

    >>> amplitude_unit("r_amp_V5_mV", "normalised units")
    'R amplitude in V5, normalised units'
    """
    return label(name).replace(", mV", f", {unit}")
