"""The coverage figure of the statistics page: how often each interval held the truth, per design."""

from __future__ import annotations

import math

import pandas as pd

from ecgstudy.viz.style import column_size, legend_below

#: Line style per interval: the naive one dashed grey, the study's solid.
_NAIVE = {"percentile bootstrap", "seeds only (paired t)", "plain t over folds"}


def coverage_figure(table: pd.DataFrame, *, n_sims: int, level: float = 0.95):
    """One panel per design of :func:`ecgstudy.metrics.coverage_sims.coverage_table`: coverage against the
    number of runs for each interval, the nominal level and its Monte Carlo band (two standard errors of
    ``n_sims`` simulations)."""
    import matplotlib.pyplot as plt

    designs = list(dict.fromkeys(table["design"]))
    fig, axes = plt.subplots(1, len(designs), figsize=column_size(2.8), sharey=True, squeeze=False)
    band = 2 * math.sqrt(level * (1 - level) / n_sims)
    for ax, design in zip(axes[0], designs):
        part = table[table["design"] == design]
        ax.axhspan(level - band, level + band, color="0.9", lw=0)
        ax.axhline(level, color="0.4", lw=0.8, ls=":", label=f"nominal {100 * level:.0f} %")
        for name, rows in part.groupby("interval", sort=False):
            naive = name in _NAIVE
            ax.plot(rows["runs"], rows["coverage"], marker="o", ms=3, lw=1.2, ls="--" if naive else "-",
                    color="0.55" if naive else None, label=name)
        ax.set_title(design, fontsize="medium")
        ax.set_xlabel("runs")
        ax.set_xticks(sorted(part["runs"].unique()))
    axes[0][0].set_ylabel("coverage")
    axes[0][0].set_ylim(max(0.0, float(table["coverage"].min()) - 0.05), 1.01)
    legend_below(fig, ncol=2)
    return fig
