"""Does bf16 training change the answers? fp32 and bf16 runs of one fold, paired by seed.

The ICLR and xECGNet ``cpu`` grids train under bf16 autocast (about 2x faster on AMX CPUs); ECGradCAM's too, with
its first convolution in float32 (``fp32_input_conv``: bf16 everywhere cost 2.3 ms of MAE on LUDB's QRS duration).
This check trains one fold of each chapter with the same seeds in both precisions (:func:`check_jobs`; the runs of
the grid's own precision are the grid's where they coincide) and compares their held-out metrics: per bf16 arm
(:func:`arm`) and metric, the mean paired difference bf16 - fp32 with its Student t interval over seeds, beside the
seed-to-seed standard deviation of the fp32 runs. bf16 "stays within the seed spread" when the mean difference is no
larger than that standard deviation; with three seeds the interval is wide, and the table prints it so that nobody
reads more into the check than it holds.

>>> import pandas as pd
>>> runs = pd.DataFrame({"method": "l2", "seed": [0, 0, 1, 1, 2, 2], "precision": ["fp32", "bf16"] * 3,
...                      "accuracy": [0.97, 0.972, 0.98, 0.979, 0.96, 0.963]})
>>> row = precision_rows(runs, keys=("method",), metrics=("accuracy",)).iloc[0]
>>> round(float(row["difference"]), 4), round(float(row["seed_sd"]), 4), bool(row["within_seed_spread"])
(0.0013, 0.01, True)
>>> verdict_text(precision_rows(runs, keys=("method",), metrics=("accuracy",)), keys=("method",))
'bf16 and fp32 differ by no more than the seed-to-seed standard deviation in 1 of 1 comparisons over 3 paired seeds.'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecgstudy.metrics.stats import t_interval
from ecgstudy.runs.experiment import Job

#: Seeds of the check (paired fp32 / bf16 runs).
SEEDS = (0, 1, 2)

#: ICLR: the classifier alone and L2 pooling on segment-wise fold 0.
ICLR_METHODS = ("classifier", "l2")


def iclr_check_jobs(*, profile: str = "cpu", data: str = "auto", seeds: Sequence[int] = SEEDS) -> list[Job]:
    """The ICLR check's runs: :data:`ICLR_METHODS` on segment-wise fold 0, each seed in fp32 and bf16, with
    the grid's other settings (``keep_weights`` as the grid sets it, so the grid's bf16 runs are reused)."""
    from ecgstudy.studies.iclr.experiments import FOLD

    return [FOLD.job({"profile": profile, "data": data, "method": m, "split": "segment", "fold": 0, "seed": s,
                      "precision": p, "keep_weights": s == 0})
            for m in ICLR_METHODS for s in seeds for p in ("fp32", "bf16")]


#: xECGNet: the PTB-XL runs at the paper's gamma (0.01), the paper's regulariser.
XECGNET_GAMMA = 0.01

#: ECGradCAM: the LUDB QRS-duration network on fold 0 (its cpu profile trains float32; the check says why).
ECGRADCAM_TARGET = "qrs_ms"


def xecgnet_check_jobs(*, profile: str = "cpu", data: str = "auto", seeds: Sequence[int] = SEEDS) -> list[Job]:
    """The xECGNet check's runs: PTB-XL at gamma :data:`XECGNET_GAMMA`, each seed in fp32 and bf16, with the grid's
    other settings (the grid's own runs of its precision are reused, but for seed 0, whose grid runs keep their
    weights and are therefore other runs)."""
    from ecgstudy.studies.xecgnet.experiments import RUNS

    return [RUNS["ptbxl"].job({"profile": profile, "data": data, "gamma": XECGNET_GAMMA, "seed": s, "precision": p})
            for s in seeds for p in ("fp32", "bf16")]


#: ECGradCAM's arms: float32, bf16 with the first convolution in float32 (the grid's), and bf16 everywhere.
ECGRADCAM_ARMS = ({"precision": "fp32"}, {"precision": "bf16", "fp32_input_conv": True},
                  {"precision": "bf16", "fp32_input_conv": False})


def ecgradcam_check_jobs(*, profile: str = "cpu", data: str = "auto", seeds: Sequence[int] = SEEDS) -> list[Job]:
    """The ECGradCAM check's runs: LUDB's :data:`ECGRADCAM_TARGET` network on fold 0 of 5, each seed in each of
    :data:`ECGRADCAM_ARMS` (the seed also shuffles the folds: runs of one seed share their split), with the grid's
    other settings."""
    from ecgstudy.studies.ecgradcam.experiments import RUNS

    return [RUNS["ludb"].job({"profile": profile, "data": data, "target": ECGRADCAM_TARGET, "fold": 0, "n_folds": 5,
                              "seed": s, "keep_weights": False, **a})
            for s in seeds for a in ECGRADCAM_ARMS]


#: Each chapter's check: ``chapter -> jobs(profile=, data=)``.
CHECKS = {"iclr": iclr_check_jobs, "xecgnet": xecgnet_check_jobs, "ecgradcam": ecgradcam_check_jobs}


def check_jobs(*, profile: str = "cpu", data: str = "auto", chapters: Sequence[str] | None = None) -> list[Job]:
    """The runs of the checks of ``chapters`` (default: every chapter of :data:`CHECKS`, in its order)."""
    unknown = sorted(set(chapters or ()) - set(CHECKS))
    if unknown:
        raise ValueError(f"precision check: no check for {unknown}; one of {sorted(CHECKS)}")
    return [job for chapter, jobs in CHECKS.items() if chapters is None or chapter in chapters
            for job in jobs(profile=profile, data=data)]


def arm(params: dict[str, Any]) -> str:
    """A run's arm of the check: ``"fp32"``, ``"bf16"``, or ``"bf16, input conv fp32"`` (``fp32_input_conv``).

    >>> arm({}), arm({"precision": "bf16"}), arm({"precision": "bf16", "fp32_input_conv": True})
    ('fp32', 'bf16', 'bf16, input conv fp32')
    """
    precision = params.get("precision", "fp32")
    return f"{precision}, input conv fp32" if precision != "fp32" and params.get("fp32_input_conv") else precision


def run_frame(records: Sequence[Any], *, keys: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """One row per finished run: ``keys`` and ``seed`` from its parameters, ``precision`` its :func:`arm`,
    ``metrics`` from its ``metrics.json``."""
    rows = []
    for r in records:
        if not r.ok:
            continue
        p, m = r.spec.params, r.metrics()
        rows.append({**{k: p[k] for k in keys}, "seed": p["seed"], "precision": arm(p),
                     **{k: m.get(k, np.nan) for k in metrics}})
    return pd.DataFrame(rows)


def precision_rows(runs: pd.DataFrame, *, keys: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Per ``keys`` group, bf16 arm (``arm``: every ``precision`` other than fp32, in the order found) and metric:
    seeds paired, the fp32 and the arm's means (``bf16``), the mean paired difference arm - fp32 with its 95 %
    Student t interval, the fp32 seed-to-seed sd and ``within_seed_spread`` (``|difference| <= seed_sd``)."""
    out = []
    arms = [a for a in dict.fromkeys(runs["precision"]) if a != "fp32"] if len(runs) else []
    for group, g in runs.groupby(list(keys), sort=False):
        group = group if isinstance(group, tuple) else (group,)
        wide = g.pivot_table(index="seed", columns="precision", values=list(metrics))
        for arm_name in arms:
            for metric in metrics:
                if (metric, "fp32") not in wide or (metric, arm_name) not in wide:
                    continue
                pair = wide[[(metric, "fp32"), (metric, arm_name)]].dropna()
                fp32, bf16 = pair[(metric, "fp32")].to_numpy(), pair[(metric, arm_name)].to_numpy()
                d = bf16 - fp32
                ci = t_interval(d) if len(d) >= 2 else None
                sd = float(np.std(fp32, ddof=1)) if len(fp32) >= 2 else np.nan
                out.append({**dict(zip(keys, group)), "arm": arm_name, "metric": metric, "seeds": len(d),
                            "fp32": fp32.mean(), "bf16": bf16.mean(), "difference": d.mean() if len(d) else np.nan,
                            "low": ci.low if ci else np.nan, "high": ci.high if ci else np.nan, "seed_sd": sd,
                            "within_seed_spread": bool(len(d) >= 2 and abs(d.mean()) <= sd)})
    return pd.DataFrame(out)


def verdict_text(rows: pd.DataFrame, *, keys: Sequence[str]) -> str:
    """One sentence per bf16 arm: how many metric comparisons stay within the seed spread, naming those that do
    not."""
    if rows.empty:
        return "No paired fp32 and bf16 runs yet."
    parts = []
    for arm_name, part in rows.groupby("arm", sort=False):
        inside = int(part["within_seed_spread"].sum())
        outside = part.loc[~part["within_seed_spread"]]
        names = "; ".join(" ".join(str(r[k]) for k in (*keys, "metric")) for _, r in outside.iterrows())
        text = (f"{arm_name} and fp32 differ by no more than the seed-to-seed standard deviation in {inside} of "
                f"{len(part)} comparisons over {int(part['seeds'].max())} paired seeds")
        parts.append(text + (f"; larger in: {names}." if len(outside) else "."))
    return " ".join(parts)
