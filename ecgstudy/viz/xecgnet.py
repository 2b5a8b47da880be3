"""Figures of the xECGNet chapter (draw only: every value is computed before)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from ecgstudy.attribution.maps import minmax as _minmax

from ecgstudy.viz.ecg import ABNORMAL_SYMBOLS, BEAT_COLOURS


def plot_gamma_sweep(table: pd.DataFrame, metric: str, *, ax=None, label: str | None = None,
                     paper: dict[float, float] | None = None):
    """``metric`` against log10(gamma): one dot per seed, the mean as a line (gamma = 0 drawn at
    the left edge, as the authors' figure does), and optionally the paper's values.

    Args:
        table: rows with ``gamma``, ``seed`` and ``metric`` (one dataset, one regulariser).
    """
    ax = ax or plt.gca()
    gammas = np.array(sorted(table["gamma"].unique()))
    positive = gammas[gammas > 0]
    zero_x = np.log10(positive.min()) - 1 if len(positive) else 0.0
    xpos = {g: (np.log10(g) if g > 0 else zero_x) for g in gammas}
    x = table["gamma"].map(xpos)
    ax.scatter(x, table[metric], s=12, alpha=0.5, color="tab:gray")
    means = table.groupby("gamma")[metric].mean()
    ax.plot([xpos[g] for g in means.index], means.to_numpy(), marker="o", label=label or "mean over seeds")
    if paper:
        ax.plot([xpos.get(g, np.log10(g) if g > 0 else zero_x) for g in paper], list(paper.values()),
                marker="s", ls="--", color="black", label="paper (CPSC 2018)")
    ax.set_xticks([xpos[g] for g in gammas], ["0" if g == 0 else f"{g:g}" for g in gammas])
    ax.set_xlabel("gamma")
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
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
        _, axes = plt.subplots(2, 1, figsize=(10, 3.6), sharex=True)
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
                ax.text(r / fs, 1.02, s, color=BEAT_COLOURS[s], ha="center", fontsize=8)
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[1]
    if response is not None:
        for k in np.flatnonzero(labels):
            ax.plot(t, response[k], label=f"A[{class_names[k]}]")
        ax.legend(fontsize=7, loc="upper right")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("response")
    return axes


def sweep_figure(main: pd.DataFrame, datasets: Sequence[str], names: dict[str, str], *,
                 paper_f1: dict[float, float], paper_multi: dict[float, float]) -> plt.Figure:
    """The gamma sweep: per dataset, micro-F1 and multi-label subset accuracy against gamma
    (:func:`plot_gamma_sweep`), with the paper's values dashed."""
    fig, axes = plt.subplots(1, 2 * len(datasets), figsize=(5 * len(datasets), 3.2), squeeze=False)
    for j, ds in enumerate(datasets):
        part = main[main["dataset"] == ds]
        if len(part):
            plot_gamma_sweep(part, "micro_f1", ax=axes[0, 2 * j], paper=paper_f1)
            plot_gamma_sweep(part.dropna(subset=["multi_acc"]), "multi_acc", ax=axes[0, 2 * j + 1], paper=paper_multi)
        axes[0, 2 * j].set_title(names[ds], fontsize=9)
        axes[0, 2 * j + 1].set_title(names[ds], fontsize=9)
    fig.tight_layout()
    return fig


def maps_figure(signal: np.ndarray, attention: np.ndarray, response: np.ndarray | None, **kwargs) -> plt.Figure:
    """:func:`plot_maps` as a figure of its own (two stacked panels)."""
    fig, axes = plt.subplots(2, 1, figsize=(10, 3.6), sharex=True)
    plot_maps(signal, attention, response, axes=axes, **kwargs)
    fig.tight_layout()
    return fig
