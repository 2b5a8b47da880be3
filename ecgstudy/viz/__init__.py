"""Plotting: functions that draw what was already computed (they never recompute)."""

from ecgstudy.viz.ecg import BEAT_COLOURS, plot_leads, plot_segment

__all__ = ["BEAT_COLOURS", "plot_leads", "plot_segment"]
