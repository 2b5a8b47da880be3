"""Draw ECG segments and records with their ground truth marked."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ecgstudy.data.types import BeatSegments
from ecgstudy.viz.style import COLUMN_IN

#: Colour per beat symbol (normal grey, PVC red, APB blue, others black).
#: Colours of beat symbols marked on a lead: normal grey, ventricular red, supraventricular blue, fusion purple.
BEAT_COLOURS = {"N": "0.55", "V": "tab:red", "A": "tab:blue", "a": "tab:blue", "J": "tab:blue", "S": "tab:blue",
                "F": "tab:purple"}
#: The abnormal symbols of :data:`BEAT_COLOURS`: what the chapters' map figures mark.
ABNORMAL_SYMBOLS = frozenset(BEAT_COLOURS) - {"N"}
WAVE_COLOURS = {"p": "tab:green", "qrs": "tab:red", "t": "tab:purple"}


def plot_segment(seg: BeatSegments, i: int, *, axes: Sequence[plt.Axes] | None = None,
                 title: str | None = None) -> Sequence[plt.Axes]:
    """Draw segment ``i`` of ``seg``, one axis per lead, time in seconds.

    Zero padding is shaded; each annotated beat is marked at its R peak with its symbol,
    coloured by :data:`BEAT_COLOURS`.
    """
    signal = seg.signals[i]
    n_leads, n = signal.shape
    if axes is None:
        _, axes = plt.subplots(n_leads, 1, figsize=(COLUMN_IN, 1.6 * n_leads), sharex=True, squeeze=False)
        axes = axes[:, 0]
    t = np.arange(n) / seg.fs
    lo, hi = int(seg.pad_left[i]), int(seg.pad_left[i] + seg.length[i])
    samples, symbols = seg.beats(i)
    for lead, ax in enumerate(axes):
        ax.plot(t, signal[lead], lw=0.7, color="k")
        ax.axvspan(0, lo / seg.fs, color="0.92", lw=0)
        ax.axvspan(hi / seg.fs, n / seg.fs, color="0.92", lw=0)
        top = float(signal[lead].max()) if signal[lead].size else 1.0
        for s, sym in zip(samples, symbols):
            colour = BEAT_COLOURS.get(str(sym), "k")
            ax.axvline(s / seg.fs, color=colour, lw=0.8, alpha=0.6)
            if lead == 0:
                ax.text(s / seg.fs, top, str(sym), color=colour, ha="center", va="bottom", fontsize=9)
        ax.set_ylabel(f"{seg.lead_names[lead]}\n(mV)")
        ax.margins(x=0)
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(title or f"record {seg.record_ids[i]}, segment label {seg.labels[i]}", pad=14)
    return axes


def signal_frame(signal: np.ndarray, fs: float, lead_names: Sequence[str]) -> pd.DataFrame:
    """A ``(leads, samples)`` record as a figure's data: ``time_s`` and one column per lead
    (:func:`~ecgstudy.report.signal_column`, left out of real-data CSVs).

    >>> signal_frame(np.array([[0.1, 0.2]]), 2.0, ["MLII"]).to_dict("list")
    {'time_s': [0.0, 0.5], 'ecg:MLII': [0.1, 0.2]}
    """
    from ecgstudy.report import signal_column

    return pd.DataFrame({"time_s": np.arange(signal.shape[-1]) / fs,
                         **{signal_column(name): signal[i] for i, name in enumerate(lead_names)}})


def plot_leads(signal: np.ndarray, fs: float, lead_names: Sequence[str], *,
               fiducials: pd.DataFrame | None = None, axes: Sequence[plt.Axes] | None = None,
               ncols: int = 2, units: str = "mV") -> Sequence[plt.Axes]:
    """Draw a ``(leads, samples)`` record in a grid; optionally shade P/QRS/T from a fiducial table.

    ``fiducials`` has the columns of :data:`ecgstudy.data.types.FIDUCIAL_COLUMNS` (samples, -1 absent).
    """
    n_leads, n = signal.shape
    if axes is None:
        nrows = int(np.ceil(n_leads / ncols))
        _, grid = plt.subplots(nrows, ncols, figsize=(COLUMN_IN, 1.3 * nrows), sharex=True, squeeze=False)
        axes = grid.T.ravel()[:n_leads]
    t = np.arange(n) / fs
    for lead, ax in enumerate(axes):
        if fiducials is not None:
            for wave, colour in WAVE_COLOURS.items():
                on, off = fiducials[f"{wave}_on"].to_numpy(), fiducials[f"{wave}_off"].to_numpy()
                for a, b in zip(on, off):
                    if a >= 0 and b >= 0:
                        ax.axvspan(a / fs, b / fs, color=colour, alpha=0.15, lw=0)
        ax.plot(t, signal[lead], lw=0.6, color="k")
        ax.set_ylabel(f"{lead_names[lead]} ({units})")
        ax.margins(x=0)
    return axes
