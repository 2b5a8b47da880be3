"""Plotting: functions that draw what was already computed (they never recompute).

Importing this package applies the book's matplotlib style (:mod:`ecgstudy.viz.style`: figures the text
column's width, no text under 8 pt as the book shows it).
"""

from ecgstudy.viz.style import COLUMN_IN, apply_book_style, column_size, legend_below, smallest_display_pt

apply_book_style()

from ecgstudy.viz.ecg import BEAT_COLOURS, plot_leads, plot_segment  # noqa: E402

__all__ = ["BEAT_COLOURS", "COLUMN_IN", "apply_book_style", "column_size", "legend_below", "plot_leads",
           "plot_segment", "smallest_display_pt"]
