"""Chapter 4's figure: every method's map on the same held-out record, one column per model."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ecgstudy.viz.style import COLUMN_IN


@dataclass
class MapColumn:
    """One model's example record and its maps.

    Attributes:
        title: the column's title (model and record).
        x: ``(leads, samples)`` the input. mask: ``(leads, samples)`` bool, the ground-truth region.
        maps: method -> ``(leads, samples)`` map. fs: Hz. lead: the lead drawn (name).
    """

    title: str
    x: np.ndarray
    mask: np.ndarray
    maps: Mapping[str, np.ndarray]
    fs: float
    lead: str = ""


def _shade(ax, t: np.ndarray, region: np.ndarray, color: str = "tab:orange", alpha: float = 0.3) -> None:
    d = np.diff(np.concatenate([[0], region.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
        ax.axvspan(t[a], t[b - 1], color=color, alpha=alpha, lw=0)


def relevance_profile(m: np.ndarray) -> np.ndarray:
    """``(leads, samples) -> (samples,)``: the mean of ``|map|`` over leads, scaled to a maximum of 1 (zeros stay 0).

    >>> relevance_profile(np.array([[0.0, -2.0], [0.0, 4.0]])).tolist()
    [0.0, 1.0]
    """
    p = np.abs(np.asarray(m, dtype=np.float64)).mean(axis=0)
    top = p.max() if p.size else 0.0
    return p / top if top > 0 else p


def maps_frame(columns: Sequence[MapColumn], methods: Sequence[str]):
    """What :func:`maps_figure` draws, one row per column (model) and sample: ``model``, ``time_s``, the drawn
    lead (``ecg:<lead>``, left out of real-data CSVs, :func:`~ecgstudy.report.signal_column`), ``in_region``
    (the ground truth, any lead) and each method's :func:`relevance_profile` (empty where it was not run).

    >>> col = MapColumn("m", np.array([[1.0, 2.0]]), np.array([[False, True]]), {"ig": np.array([[0.0, 2.0]])}, 2.0,
    ...                 "II")
    >>> maps_frame([col], ["ig", "occlusion"]).to_dict("list")
    {'model': ['m', 'm'], 'time_s': [0.0, 0.5], 'ecg:II': [1.0, 2.0], 'in_region': [False, True], \
'ig': [0.0, 1.0], 'occlusion': [nan, nan]}
    """
    import pandas as pd

    from ecgstudy.report import signal_column

    frames = []
    for col in columns:
        n = col.x.shape[-1]
        frame = {"model": [" ".join(col.title.split())] * n, "time_s": np.arange(n) / col.fs, signal_column(col.lead or "input"): col.x[0],
                 "in_region": col.mask.any(axis=0)}
        frame.update({name: relevance_profile(col.maps[name]) if name in col.maps else np.full(n, np.nan)
                      for name in methods})
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["model", "time_s", *methods])


def maps_figure(columns: Sequence[MapColumn], methods: Sequence[str], names: Mapping[str, str]):
    """Rows: the record (first lead, region shaded) then one row per method of ``methods`` (its
    :func:`relevance_profile`, region shaded); columns: ``columns``. A method a model has no map of reads
    "not run"."""
    import matplotlib.pyplot as plt

    n_rows, n_cols = 1 + len(methods), max(1, len(columns))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(COLUMN_IN, 0.75 * n_rows + 0.8), squeeze=False,
                             sharex="col")
    for j, col in enumerate(columns):
        t = np.arange(col.x.shape[-1]) / col.fs
        region = col.mask.any(axis=0)
        ax = axes[0, j]
        ax.plot(t, col.x[0], color="black", lw=0.7)
        _shade(ax, t, region)
        # each line wrapped to the column's width (matplotlib's own wrap lets neighbouring titles overlap)
        width = max(16, int(96 / n_cols))
        ax.set_title("\n".join(textwrap.fill(line, width) for line in col.title.split("\n")), fontsize=8)
        ax.set_yticks([])
        if j == 0:
            ax.set_ylabel(col.lead or "input", rotation=0, ha="right", va="center", fontsize=8)
        for i, name in enumerate(methods, start=1):
            ax = axes[i, j]
            ax.set_yticks([])
            ax.set_ylim(0, 1.05)
            if name in col.maps:
                _shade(ax, t, region)
                ax.fill_between(t, relevance_profile(col.maps[name]), color="tab:blue", alpha=0.85, lw=0.5)
            else:
                ax.text(0.5, 0.5, "not run", ha="center", va="center", fontsize=8, transform=ax.transAxes)
            if j == 0:
                ax.set_ylabel(names.get(name, name), rotation=0, ha="right", va="center", fontsize=8)
        axes[-1, j].set_xlabel("time (s)", fontsize=8)
        axes[-1, j].tick_params(labelsize=8)
    for j in range(len(columns), n_cols):
        for ax in axes[:, j]:
            ax.axis("off")
    if not columns:
        axes[0, 0].text(0.5, 0.5, "no model benchmarked in this build", ha="center", va="center")
    fig.tight_layout(h_pad=0.1)
    return fig
