"""The ICLR chapter's verdicts: each claim of Hu et al. tested by one written rule, in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecgstudy.metrics.intervals import format_bound
from ecgstudy.studies.iclr.tables import compare_methods


#: The paper's MIT-BIH numbers the verdicts quote (paper-specs 2.6 rows 9-11).
PAPER_MITDB = {"classifier": {"accuracy": 0.981, "auc": 0.988}, "l2": {"accuracy": 0.988, "auc": 0.993}}


PAPER_GRADES = {"I": 50, "II": 27, "III": 23}


_SHORT = {"classifier": "classifier alone", "cascaded": "cascaded", "max": "ReLU + max pooling", "l2": "L2 pooling"}


def _interval(v: float, lo: float, hi: float, digits: int = 3) -> str:
    if v != v:
        return "n/a"
    return (f"{v:+.{digits}f} (95 % CI {format_bound(lo, digits)} to {format_bound(hi, digits)})" if lo == lo
            else f"{v:+.{digits}f}")


def chapter_verdicts(table: pd.DataFrame, curves: pd.DataFrame, *, kernel_size: int, epochs: int,
                     seed: int = 0, n_boot: int = 2000) -> dict:
    """The chapter's claims, each with the numbers behind it and a verdict.

    Every verdict follows :func:`ecgstudy.metrics.interval_verdict` (a 95 % bootstrap interval entirely above or
    below 0, else "no clear difference"):

    1. *Joint learning classifies better than the classifier alone* (paper: L2 +0.007 accuracy,
       +0.005 AUC on MIT-BIH): L2 - classifier, paired over segment-wise folds x seeds.
    2. *The paper's absolute numbers*: our segment-wise mean per method against the paper's
       value, with the 95 % bootstrap interval of our mean over runs.
    3. *The cascaded model overfits* (paper Fig. 2): the last-epoch gap held-out loss - training
       loss, cascaded - classifier, unpaired over segment-wise runs.
    4. *Segment-wise folds leak patients* (this chapter's question): record-wise - segment-wise
       accuracy per method, unpaired.
    5. *The attention segments the abnormal beats*: the L2 attention's per-sample AUROC against
       the abnormal-beat mask over segment-wise runs (interval of the mean above 0.5: it prefers
       abnormal beats), its mass ratio to uniform attention, and the share of Class I segments
       beside the paper's 50 %.

    Args:
        table: :func:`~ecgstudy.studies.iclr.tables.run_table`. curves: :func:`~ecgstudy.studies.iclr.tables.curves_table`. epochs: the runs' budget (for the text).

    Returns:
        ``{"markdown": bullet list, "metrics": {claim: numbers}}``.
    """
    from ecgstudy.metrics import CLAIM_WORDS, bootstrap_ci, interval_verdict, unpaired_diff

    lines, out = [], {}
    if not len(table):
        return {"markdown": "No finished runs: no verdicts.", "metrics": {}}
    main = table[table["kernel_size"] == kernel_size]
    seg = main[main["split"] == "segment"]

    # 1. joint vs classifier
    comp = compare_methods(table, a="l2", b="classifier", kernel_size=kernel_size, seed=seed, n_boot=n_boot)
    if len(comp) and comp["n"].max() > 0:
        acc, auc = (comp.set_index("metric").loc[m] for m in ("accuracy", "auc"))
        word = CLAIM_WORDS[acc["verdict"]]
        wilcoxon = f" (Wilcoxon p {acc['p_value']:.2g} and {auc['p_value']:.2g})" if acc["p_value"] == acc["p_value"] \
            else ""
        lines.append(f"*Joint learning (L2 pooling) classifies better than the classifier alone* (paper: +0.007 "
                     f"accuracy, +0.005 AUC, single runs without intervals). Ours, paired over {acc['n']} "
                     f"segment-wise fold x seed runs: accuracy {_interval(acc['mean_diff'], acc['low'], acc['high'])}, "
                     f"AUC {_interval(auc['mean_diff'], auc['low'], auc['high'])}{wilcoxon}: {word} at this budget.")
        out["joint_vs_classifier"] = comp.to_dict(orient="records")

    # 2. absolute numbers
    parts = []
    for method, ref in PAPER_MITDB.items():
        vals = seg[seg["method"] == method]["accuracy"].dropna().to_numpy(dtype=float)
        if len(vals) >= 2:
            ci = bootstrap_ci(vals, n_boot=n_boot, seed=seed)
            where = "within" if ci["low"] <= ref["accuracy"] <= ci["high"] else \
                ("below" if ci["high"] < ref["accuracy"] else "above")
            parts.append(f"{_SHORT[method]} {ci['estimate']:.3f} (95 % CI {ci['low']:.3f}-"
                         f"{ci['high']:.3f}; paper {ref['accuracy']:.3f}, {where} it)")
            out[f"accuracy_{method}"] = {"ours": ci["estimate"], "low": ci["low"], "high": ci["high"],
                                         "paper": ref["accuracy"], "position": where}
    if parts:
        lines.append(f"*The paper's accuracies* (120 epochs at 1e-5; these runs: {epochs}). Segment-wise: "
                     + "; ".join(parts) + ".")

    # 3. cascaded overfits
    if len(curves):
        last = curves[(curves["kernel_size"] == kernel_size) & (curves["split"] == "segment")]
        last = last.sort_values("epoch").groupby(["method", "fold", "seed"]).tail(1)
        gap = (last["eval_loss"] - last["train_loss"]).groupby(last["method"])
        if {"cascaded", "classifier"} <= set(gap.groups):
            g_c = gap.get_group("cascaded").to_numpy(dtype=float)
            g_k = gap.get_group("classifier").to_numpy(dtype=float)
            d = unpaired_diff(g_c, g_k, n_boot=n_boot, seed=seed)
            v = interval_verdict(d["low"], d["high"])
            word = CLAIM_WORDS[v]
            lines.append(f"*The cascaded model overfits* (paper Fig. 2, on its private data). Last-epoch held-out "
                         f"minus training loss: cascaded {np.mean(g_c):+.3f}, classifier {np.mean(g_k):+.3f}; "
                         f"difference {_interval(d['mean_diff'], d['low'], d['high'])}: {word} after {epochs} "
                         f"epoch(s) (overfitting needs a longer budget to show).")
            out["cascaded_gap"] = {"cascaded": float(np.mean(g_c)), "classifier": float(np.mean(g_k)), **d}

    # 4. leakage
    parts = []
    for method in ("classifier", "l2"):
        r = main[(main["split"] == "record") & (main["method"] == method)]["accuracy"].to_numpy(dtype=float)
        s = seg[seg["method"] == method]["accuracy"].to_numpy(dtype=float)
        if len(r) and len(s):
            d = unpaired_diff(r, s, n_boot=n_boot, seed=seed)
            parts.append(f"{_SHORT[method]} {_interval(d['mean_diff'], d['low'], d['high'])} "
                         f"({interval_verdict(d['low'], d['high'])})")
            out[f"record_minus_segment_{method}"] = d
    if parts:
        lines.append("*Segment-wise folds, the paper's protocol, put segments of one patient on both sides.* "
                     "Record-wise minus segment-wise accuracy: " + "; ".join(parts) + ".")

    # 5. attention
    l2 = seg[seg["method"] == "l2"]
    if "loc_auroc" in l2 and l2["loc_auroc"].notna().sum() >= 2:
        au = bootstrap_ci(l2["loc_auroc"].dropna().to_numpy(dtype=float), n_boot=n_boot, seed=seed)
        ratio = float(l2["loc_ratio"].mean()) if "loc_ratio" in l2 else float("nan")
        first = "prefers the annotated abnormal beats" if au["low"] > 0.5 else \
            ("avoids them" if au["high"] < 0.5 else "shows no clear preference")
        cls1 = 100 * float(l2["grade_I"].mean()) if "grade_I" in l2 and l2["grade_I"].notna().any() else float("nan")
        lines.append(f"*The attention segments the abnormal beats.* The L2 attention {first}: AUROC against the "
                     f"abnormal-beat mask {au['estimate']:.2f} (95 % CI {au['low']:.2f}-{au['high']:.2f}, 0.5 = none), "
                     f"{ratio:.2f} times the mass uniform attention puts there. A segmentation would suppress every "
                     f"normal beat (Class I): {cls1:.0f} % of held-out segments do, against the paper's "
                     f"{PAPER_GRADES['I']} % on its private data: **partly**.")
        out["attention"] = {"auroc": au["estimate"], "low": au["low"], "high": au["high"], "mass_ratio": ratio,
                            "class_I_percent": cls1}
    return {"markdown": "\n".join(f"{i}. {t}" for i, t in enumerate(lines, 1)), "metrics": out}
