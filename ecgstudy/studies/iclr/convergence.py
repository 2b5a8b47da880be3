"""How the ICLR chapter's runs ended: a validation-driven run stops when its inner-validation loss has not
improved for ``patience`` epochs (converged) or at the epoch cap; a run of a fixed budget (the committed
3-epoch runs) trains every epoch and keeps the last.

Both functions read a per-run table (:func:`~ecgstudy.studies.iclr.tables.run_table`): ``split``,
``method``, ``kernel_size``, ``run_id``, ``epochs`` (the cap, or the fixed budget) and the convergence keys
``best_epoch``, ``last_epoch``, ``stopped_by`` (``"patience"`` | ``"epoch_cap"``, NaN for a fixed budget) and
``skipped_steps`` (bf16 batches skipped for a non-finite loss or gradient).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecgstudy.studies.iclr.tables import METHOD_NAMES, SPLIT_WORDS

#: Columns of :func:`convergence_table`.
CONVERGENCE_COLUMNS = ("split", "method", "kernel", "runs", "converged (stopped by patience)",
                       "best epoch, median (min-max)", "last epoch, median (min-max)", "skipped bf16 steps")


#: Caption of :func:`convergence_table`.
CONVERGENCE_CAPTION = ("How the runs ended, per split and method: runs stopped by patience (the inner-validation "
                       "loss did not improve for that many epochs: converged) out of all, the kept epoch (lowest "
                       "validation loss) and the last epoch trained, median (min-max) over runs, and the bf16 "
                       "batches skipped for a non-finite loss or gradient, in total. Runs of a fixed budget train "
                       "every epoch and keep the last")


def median_range(values) -> str:
    """``"median (min-max)"`` of whole epochs; ``"n/a"`` when there are none.

    >>> median_range([9, 14, 23, 15]), median_range([4]), median_range([])
    ('14.5 (9-23)', '4 (4-4)', 'n/a')
    """
    v = pd.Series(values, dtype=float).dropna()
    if not len(v):
        return "n/a"
    return f"{v.median():g} ({v.min():g}-{v.max():g})"


def _fixed(part: pd.DataFrame) -> pd.Series:
    """Runs of a fixed budget: no ``stopped_by``."""
    return part["stopped_by"].isna() if "stopped_by" in part else pd.Series(True, index=part.index)


def convergence_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per split, method and kernel (in the table's order): runs; converged (stopped by patience)
    ``"k of n"``; the kept and the last epoch, median (min-max); skipped bf16 steps in total. Runs of a
    fixed budget (no convergence keys) are said to be so: ``"fixed budget of E epochs"``, the last epoch
    kept.

    >>> t = pd.DataFrame({"split": "segment", "method": "l2", "kernel_size": 151, "run_id": ["a", "b", "c"],
    ...                   "epochs": 50, "best_epoch": [12, 20, 42], "last_epoch": [20, 28, 50],
    ...                   "stopped_by": ["patience", "patience", "epoch_cap"], "skipped_steps": [0, 2, 1]})
    >>> " | ".join(map(str, convergence_table(t).iloc[0]))
    'segment-wise | L2-norm pooling | 151 | 3 | 2 of 3 | 20 (12-42) | 28 (20-50) | 3'
    """
    rows = []
    if not len(table):
        return pd.DataFrame(columns=list(CONVERGENCE_COLUMNS))
    for (split, method, kernel), part in table.groupby(["split", "method", "kernel_size"], sort=False):
        fixed = _fixed(part)
        driven = part[~fixed]
        row = {"split": SPLIT_WORDS.get(split, split), "method": METHOD_NAMES.get(method, method),
               "kernel": int(kernel), "runs": len(part)}
        if not len(driven):
            budgets = sorted({int(e) for e in part["epochs"]})
            row.update({"converged (stopped by patience)": f"fixed budget of {'/'.join(map(str, budgets))} epochs",
                        "best epoch, median (min-max)": "the last epoch",
                        "last epoch, median (min-max)": median_range(part["epochs"]),
                        "skipped bf16 steps": "n/a"})
        else:
            converged = f"{int((driven['stopped_by'] == 'patience').sum())} of {len(driven)}"
            if fixed.any():
                converged += f" ({int(fixed.sum())} more of a fixed budget)"
            skipped = driven["skipped_steps"] if "skipped_steps" in driven else pd.Series(dtype=float)
            row.update({"converged (stopped by patience)": converged,
                        "best epoch, median (min-max)": median_range(driven["best_epoch"]),
                        "last epoch, median (min-max)": median_range(driven["last_epoch"]),
                        "skipped bf16 steps": int(np.nansum(skipped.to_numpy(dtype=float)))})
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CONVERGENCE_COLUMNS))


def capped_runs(table: pd.DataFrame) -> list[str]:
    """Ids of the validation-driven runs that the epoch cap ended (not patience), in the table's order."""
    if not len(table) or "stopped_by" not in table:
        return []
    return table.loc[table["stopped_by"] == "epoch_cap", "run_id"].astype(str).tolist()


def cap_text(table: pd.DataFrame, *, list_at_most: int = 5) -> str:
    """A sentence on the runs the epoch cap ended, naming them when at most ``list_at_most``.

    >>> t = pd.DataFrame({"run_id": ["a", "b", "c"], "epochs": 50, "stopped_by": ["patience", "epoch_cap", "patience"]})
    >>> cap_text(t)
    '1 of the 3 validation-driven runs hit the epoch cap of 50 before patience stopped it (b); the other 2 converged.'
    >>> cap_text(t.assign(stopped_by="patience"))
    'None of the 3 validation-driven runs hit the epoch cap of 50: every one stopped by patience (converged).'
    >>> cap_text(t.assign(stopped_by=np.nan, epochs=3))
    'The 3 runs trained a fixed budget of 3 epochs and kept the last epoch: no stopping rule ended them.'
    """
    if not len(table):
        return "No run in this build."
    fixed = _fixed(table)
    driven = table[~fixed]
    if not len(driven):
        budgets = "/".join(str(e) for e in sorted({int(e) for e in table["epochs"]}))
        runs = f"The {len(table)} runs" if len(table) > 1 else "The run"
        return (f"{runs} trained a fixed budget of {budgets} epochs and kept the last epoch: no stopping rule "
                f"ended {'them' if len(table) > 1 else 'it'}.")
    caps = "/".join(str(e) for e in sorted({int(e) for e in driven["epochs"]}))
    ids = capped_runs(driven)
    if not ids:
        return (f"None of the {len(driven)} validation-driven runs hit the epoch cap of {caps}: every one stopped "
                f"by patience (converged).")
    named = f" ({', '.join(ids)})" if len(ids) <= list_at_most else ""
    verb = "it" if len(ids) == 1 else "them"
    rest = len(driven) - len(ids)
    tail = f"the other {rest} converged" if rest else "none converged"
    return (f"{len(ids)} of the {len(driven)} validation-driven runs hit the epoch cap of {caps} before patience "
            f"stopped {verb}{named}; {tail}.")


def extension_text(table: pd.DataFrame, base_cap: int) -> str:
    """A sentence on the runs trained again with a raised cap (:mod:`ecgstudy.runs.extension`): those whose cap
    (``epochs``) is above the profile's ``base_cap``; empty when there are none.

    >>> t = pd.DataFrame({"run_id": ["a", "b", "c"], "epochs": [50, 150, 150],
    ...                   "stopped_by": ["patience", "patience", "epoch_cap"], "last_epoch": [20, 71, 150]})
    >>> extension_text(t, 50)
    '2 runs hit the cap of 50 and were trained again with a cap of 150 (the same runs continued: training is deterministic for a seed); 1 of them then converged (at epoch 71), 1 stopped at the cap.'
    >>> extension_text(t.iloc[:1], 50)
    ''
    """
    if not len(table) or "epochs" not in table:
        return ""
    ext = table[pd.to_numeric(table["epochs"], errors="coerce") > base_cap]
    if not len(ext):
        return ""
    caps = "/".join(str(e) for e in sorted({int(e) for e in ext["epochs"]}))
    done = ext[ext["stopped_by"] == "patience"]
    n, k = len(ext), len(done)
    runs, them = ("1 run", "it") if n == 1 else (f"{n} runs", "them")
    at = f" (at epoch{'s' if k > 1 else ''} {', '.join(str(int(e)) for e in done['last_epoch'])})" if k else ""
    tail = f"{k} of {them} then converged{at}" if n > 1 else ("it then converged" + at if k else "it stopped at the cap again")
    if n > 1 and n - k:
        tail += f", {n - k} stopped at the cap"
    return (f"{runs} hit the cap of {base_cap} and {'was' if n == 1 else 'were'} trained again with a cap of {caps} "
            f"(the same {'run' if n == 1 else 'runs'} continued: training is deterministic for a seed); {tail}.")
