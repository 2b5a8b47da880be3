"""Chapter 4's tables: per model, methods x metrics with their intervals over patients, ranks and verdicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: How the page names each method.
METHOD_NAMES: dict[str, str] = {
    "saliency": "Saliency", "input_x_gradient": "Input x Gradient",
    "integrated_gradients": "Integrated Gradients (zeros)",
    "integrated_gradients_median": "Integrated Gradients (median)", "smoothgrad": "SmoothGrad",
    "occlusion": "Occlusion", "deeplift": "DeepLIFT", "kernel_shap": "KernelSHAP (beats / waves)",
    "lime": "LIME (beats / waves)", "gradcam": "Grad-CAM", "ecgradcam": "ECGradCAM",
    "iclr_attention": "ICLR attention A", "xecgnet_attention": "xECGNet attention M",
    "xecgnet_response": "xECGNet response map", "uniform": "uniform (reference)", "random": "random (reference)",
    "energy": "edge detector |dx/dt| (reference)",
}
#: The maps that explain nothing.
REFERENCES = ("uniform", "random", "energy")
#: The metric columns of a model's table and their headers.
TABLE_METRICS: tuple[tuple[str, str], ...] = (
    ("auroc", "AUROC"), ("mass_ratio", "mass ratio"), ("pointing_game", "pointing game"),
    ("rank_accuracy", "rank accuracy"), ("deletion_gap", "deletion gap"), ("deletion_gap_noisy", "deletion gap (noisy)"),
    ("insertion_gap", "insertion gap"), ("max_sensitivity", "max-sensitivity"), ("entropy", "entropy"),
    ("randomisation_correlation", "randomisation rho"),
)
#: Header of the all-zero maps column (:func:`zero_maps`).
ZERO_HEADER = "all-zero maps"
VERDICT_COLUMNS = (("localisation", "localisation"), ("faithfulness", "faithfulness"),
                   ("randomisation", "randomisation"))

MODEL_TABLE_CAPTION = (
    "{title}: each method's mean over {n_patients} patients ({n_records} held-out records) with its 95 % Student-t "
    "interval, #rank among the methods (1 = best; lower is better for max-sensitivity, entropy and the "
    "randomisation correlation), the records whose map was all zero (it ranks nothing and scores as chance), and the "
    "three verdicts")


def method_name(name: str) -> str:
    return METHOD_NAMES.get(name, name)


def cell(row: Mapping) -> str:
    """``"0.812 (0.750 to 0.880) #2"``: a summary row's interval text and rank; ``"n/a"`` without an estimate.

    >>> cell({"text": "0.5 (0.4 to 0.6)", "rank": 3, "estimate": 0.5}), cell({"text": "n/a", "rank": None, "estimate": float("nan")})
    ('0.5 (0.4 to 0.6) #3', 'n/a')
    """
    est = row.get("estimate")
    if est is None or est != est:
        return "n/a"
    rank = row.get("rank")
    return f"{row['text']}" + (f" #{int(rank)}" if rank is not None and rank == rank else "")


def zero_maps(scores: pd.DataFrame) -> dict[str, str]:
    """Per method, its all-zero maps ``"k of n"`` records: a map with no mass ranks nothing (the complexity
    metric's entropy is undefined exactly then, :func:`~ecgstudy.metrics.attribution.complexity.entropy`), so it
    scores as chance; the page counts them, as dead maps are counted elsewhere.

    >>> zero_maps(pd.DataFrame({"method": ["lime", "lime", "saliency"], "entropy": [float("nan"), 0.9, 0.8]}))
    {'lime': '1 of 2', 'saliency': '0 of 1'}
    """
    if not len(scores) or "entropy" not in scores:
        return {}
    grouped = scores.groupby("method", sort=False)["entropy"]
    return {m: f"{int(e.isna().sum())} of {len(e)}" for m, e in grouped}


def model_table(summary: pd.DataFrame, verdicts: pd.DataFrame, *,
                metrics: Sequence[tuple[str, str]] = TABLE_METRICS,
                zero: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per method (in the verdicts' order): the method's name, a cell per metric of ``metrics`` present
    (:func:`cell`), its all-zero maps (``zero``, :func:`zero_maps`, when given) and the three verdicts."""
    have = set(summary["metric"]) if len(summary) else set()
    cols = [(k, h) for k, h in metrics if k in have]
    by = {(r["method"], r["metric"]): r for r in summary.to_dict(orient="records")}
    rows = []
    for v in verdicts.to_dict(orient="records"):
        row = {"method": method_name(v["method"])}
        for key, header in cols:
            r = by.get((v["method"], key))
            row[header] = cell(r) if r is not None else "n/a"
        if zero is not None:
            row[ZERO_HEADER] = zero.get(v["method"], "n/a")
        for key, header in VERDICT_COLUMNS:
            row[header] = v[key]
        rows.append(row)
    extra = [ZERO_HEADER] if zero is not None else []
    return pd.DataFrame(rows, columns=["method", *[h for _, h in cols], *extra, *[h for _, h in VERDICT_COLUMNS]])


def passing(verdicts: pd.DataFrame, *, checks: Sequence[str] = ("localisation", "faithfulness", "randomisation"),
            references: bool = False) -> list[str]:
    """The methods (registry names, in order) that pass every check of ``checks``; the reference maps are
    left out unless ``references``.

    >>> v = pd.DataFrame({"method": ["saliency", "energy", "gradcam"], "localisation": ["passes", "the reference",
    ...                   "passes"], "faithfulness": ["passes", "fails", "fails"], "randomisation": ["passes"] * 3})
    >>> passing(v), passing(v, checks=["localisation"])
    (['saliency'], ['saliency', 'gradcam'])
    """
    ok = np.ones(len(verdicts), bool)
    for c in checks:
        ok &= (verdicts[c] == "passes").to_numpy()
    names = verdicts["method"].to_numpy()[ok].tolist()
    return [n for n in names if references or n not in REFERENCES]


def skipped_text(skipped: Mapping[str, str]) -> str:
    """``"not run: A (why); B (why)."`` (empty when every method ran)."""
    if not skipped:
        return ""
    return "Not run on this model: " + "; ".join(f"{method_name(k)} ({v})" for k, v in skipped.items()) + "."
