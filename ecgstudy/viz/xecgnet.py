"""Figures of the xECGNet chapter (draw only: every value is computed before)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from ecgstudy.attribution.maps import minmax as _minmax

from ecgstudy.labels import label as _label
from ecgstudy.viz.ecg import ABNORMAL_SYMBOLS, BEAT_COLOURS
from ecgstudy.viz.style import COLUMN_IN, legend_below


def plot_gamma_sweep(table: pd.DataFrame, metric: str, *, ax=None, label: str | None = None,
                     paper: dict[float, float] | None = None, legend: bool = True):
    """``metric`` against log10(gamma): one dot per seed (seaborn's strip plot, jittered sideways so that
    equal values stay visible), the mean as a line (gamma = 0 drawn at
    the left edge, as the authors' figure does), and optionally the paper's values; the y axis named
    in words (:func:`ecgstudy.labels.label`). ``legend=False``: no legend on the axes (a figure's
    shared one goes under the panels).

    Args:
        table: rows with ``gamma``, ``seed`` and ``metric`` (one dataset, one regulariser).
    """
    import seaborn as sns

    ax = ax or plt.gca()
    gammas = np.array(sorted(table["gamma"].unique()))
    positive = gammas[gammas > 0]
    zero_x = np.log10(positive.min()) - 1 if len(positive) else 0.0
    xpos = {g: (np.log10(g) if g > 0 else zero_x) for g in gammas}
    seeds = table.assign(_x=table["gamma"].map(xpos))
    sns.stripplot(data=seeds, x="_x", y=metric, native_scale=True, jitter=0.12, ax=ax, size=3.5, alpha=0.6,
                  color="tab:gray", label="one seed", legend=False)
    means = table.groupby("gamma")[metric].mean()
    ax.plot([xpos[g] for g in means.index], means.to_numpy(), marker="o", label=label or "mean over seeds")
    if paper:
        ax.plot([xpos.get(g, np.log10(g) if g > 0 else zero_x) for g in paper], list(paper.values()),
                marker="s", ls="--", color="black", label="paper (CPSC 2018)")
    ax.set_xticks([xpos[g] for g in gammas], ["0" if g == 0 else f"{g:g}" for g in gammas])
    ax.set_xlabel("γ")
    ax.set_ylabel(_label(metric))
    if legend:
        ax.legend(loc="best")
    return ax


def plot_maps(signal: np.ndarray, attention: np.ndarray, response: np.ndarray | None, *, fs: float,
              class_names: Sequence[str], labels: np.ndarray, beats: tuple[np.ndarray, np.ndarray] | None = None,
              lead_name: str = "", title: str = "", axes=None):
    """One record: a lead with the attention ``M`` as a red fill (the authors' style: both min-max
    scaled), and below the class response maps ``A`` of its true labels.

    Args:
        signal: ``(samples,)`` one lead. attention: ``(samples,)`` M upsampled to the lead.
        response: ``(n_classes, samples)`` A upsampled, or ``None``.
        labels: ``(n_classes,)`` 0/1. beats: (R-peak samples, symbols) to mark, if known.
    """
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(COLUMN_IN, 3.6), sharex=True)
    t = np.arange(len(signal)) / fs

    def minmax(v):
        return _minmax(torch.as_tensor(np.asarray(v, dtype=np.float64))).numpy()

    ax = axes[0]
    ax.fill_between(t, 0, minmax(attention), color="tab:red", alpha=0.3, lw=0, label="attention M")
    ax.plot(t, minmax(signal), color="black", lw=0.7, label=lead_name or "lead")
    if beats is not None:
        for r, s in zip(*beats):
            if s in ABNORMAL_SYMBOLS:
                ax.axvline(r / fs, color=BEAT_COLOURS[s], lw=1.0, ls=":")
                ax.text(r / fs, 1.02, s, color=BEAT_COLOURS[s], ha="center", fontsize=9)
    ax.set_yticks([])
    ax.set_title(title, pad=14 if beats is not None else 6)
    ax = axes[1]
    true = np.flatnonzero(labels)
    zero = [class_names[k] for k in true if response is not None and not np.any(response[k])]
    if response is not None:
        for k in true:
            if class_names[k] not in zero:
                ax.plot(t, response[k], label=f"A[{class_names[k]}]")
    if response is None or not len(true):
        ax.text(0.5, 0.5, "no response map stored for this record" if response is None else
                "the record has no true class", ha="center", va="center", transform=ax.transAxes)
    elif zero:  # named, not drawn: a flat line at 0 would hide under the others or look like a missing panel
        note = f"{', '.join(f'A[{z}]' for z in zero)}: zero over the whole record"
        if len(zero) == len(true):
            ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes)
        else:
            ax.set_title(note, loc="right")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("response")
    return axes


def sweep_figure(main: pd.DataFrame, datasets: Sequence[str], names: dict[str, str], *,
                 paper_f1: dict[float, float], paper_multi: dict[float, float]) -> plt.Figure:
    """The gamma sweep: a row per dataset, micro-F1 (left) and multi-label subset accuracy (right) against
    gamma (:func:`plot_gamma_sweep`), the paper's values dashed, one legend under the panels; an empty panel
    says why."""
    rows = max(1, len(datasets))
    fig, axes = plt.subplots(rows, 2, figsize=(COLUMN_IN, 2.4 * rows + 0.3), squeeze=False)
    for j, ds in enumerate(datasets):
        part = main[main["dataset"] == ds] if len(main) else main
        multi = part.dropna(subset=["multi_acc"]) if "multi_acc" in part else part.iloc[:0]
        for ax, frame, metric, paper in ((axes[j, 0], part, "micro_f1", paper_f1),
                                         (axes[j, 1], multi, "multi_acc", paper_multi)):
            if len(frame):
                plot_gamma_sweep(frame, metric, ax=ax, paper=paper, legend=False)
            else:
                ax.text(0.5, 0.5, "no finished run of this dataset" if not len(part) else
                        "no multi-label record in this test set", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
                ax.set_yticks([])
            ax.set_title(names.get(ds, ds))
    fig.tight_layout()
    legend_below(fig)
    return fig


def maps_figure(signal: np.ndarray, attention: np.ndarray, response: np.ndarray | None, **kwargs) -> plt.Figure:
    """:func:`plot_maps` as a figure of its own (two stacked panels, one legend under them)."""
    fig, axes = plt.subplots(2, 1, figsize=(COLUMN_IN, 3.8), sharex=True)
    plot_maps(signal, attention, response, axes=axes, **kwargs)
    fig.tight_layout()
    legend_below(fig, ncol=4)
    return fig


def maps_frame(signal: np.ndarray, attention: np.ndarray, response: np.ndarray | None, *, fs: float,
               class_names: Sequence[str], labels: np.ndarray) -> pd.DataFrame:
    """What :func:`maps_figure` draws, one row per sample: ``time_s``, the lead (``ecg:lead``, left out of
    real-data CSVs, :func:`~ecgstudy.report.signal_column`), the attention ``M`` and the response map
    ``A[<class>]`` of each true class (unscaled).

    >>> maps_frame(np.array([1.0, 2.0]), np.array([0.0, 1.0]), np.array([[3.0, 4.0], [5.0, 6.0]]), fs=1.0,
    ...            class_names=["a", "b"], labels=np.array([0, 1])).columns.tolist()
    ['time_s', 'ecg:lead', 'attention_M', 'A[b]']
    """
    from ecgstudy.report import signal_column

    frame = {"time_s": np.arange(len(signal)) / fs, signal_column("lead"): np.asarray(signal),
             "attention_M": np.asarray(attention)}
    if response is not None:
        frame.update({f"A[{class_names[k]}]": response[k] for k in np.flatnonzero(labels)})
    return pd.DataFrame(frame)
