"""The scorecard's summary figure: how the papers' numbers end, per paper (drawn from
:func:`ecgstudy.scorecard.summary`, nothing recomputed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: One colour per outcome (:data:`ecgstudy.scorecard.OUTCOMES`): agreement green, contradiction red,
#: the undecided ones in ambers and greys.
OUTCOME_COLOURS = {"agrees": "#1b9e77", "contradicts": "#d95f02", "not detected": "#e6ab02",
                   "not testable at this budget": "#7570b3", "not reproducible here": "#bdbdbd",
                   "no real-data run yet": "#f0f0f0"}


def outcome_bars(counts: pd.DataFrame) -> Figure:
    """Horizontal stacked bars, one per paper: how many of its numbers end in each outcome.

    Args:
        counts: :func:`ecgstudy.scorecard.summary` (index: outcomes; columns: papers, then ``"all"``).
    """
    import matplotlib.pyplot as plt

    papers = [c for c in counts.columns if c != "all"]
    shown = [o for o in counts.index if counts.loc[o, papers].sum() > 0]
    # narrow, so that its 10-pt text stays at least 8 pt on a 400-px phone screen
    fig, ax = plt.subplots(figsize=(4.3, 0.45 * len(papers) + 1.6))
    left = pd.Series(0, index=papers, dtype=float)
    for outcome in shown:
        width = counts.loc[outcome, papers].astype(float)
        bars = ax.barh(papers, width, left=left, color=OUTCOME_COLOURS.get(outcome, "#999999"),
                       edgecolor="white", label=outcome)
        ax.bar_label(bars, labels=[f"{int(w)}" if w else "" for w in width], label_type="center", fontsize=10)
        left += width
    ax.invert_yaxis()  # book order, top to bottom
    ax.set_xlabel("numbers the paper reports (count)", fontsize=10)
    ax.tick_params(labelsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(-0.25, -0.35), ncol=2, frameon=False, fontsize=10,
              handlelength=1.2, columnspacing=1.0)
    fig.tight_layout()
    return fig
