"""Figures of the ICLR chapter: training curves and attention examples (drawing only)."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ecgstudy.viz.ecg import BEAT_COLOURS

METHOD_COLOURS = {"classifier": "tab:gray", "cascaded": "tab:orange", "max": "tab:green", "l2": "tab:blue"}


def plot_curves(curves: pd.DataFrame, *, axes: Sequence[plt.Axes] | None = None,
                names: dict[str, str] | None = None) -> Sequence[plt.Axes]:
    """Figure 2: mean over folds and seeds of training loss, held-out loss and held-out accuracy per epoch."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3))
    cols = [("train_loss", "training loss"), ("eval_loss", "held-out loss"), ("eval_accuracy", "held-out accuracy")]
    for method, part in curves.groupby("method", sort=False):
        mean = part.groupby("epoch")[[c for c, _ in cols]].mean()
        for ax, (col, _) in zip(axes, cols):
            ax.plot(mean.index, mean[col], color=METHOD_COLOURS.get(method), marker=".",
                    label=(names or {}).get(method, method))
    for ax, (_, title) in zip(axes, cols):
        ax.set_xlabel("epoch")
        ax.set_title(title, fontsize=9)
    if len(curves):
        axes[0].legend(fontsize=8)
    return axes


def plot_attention_example(signal: np.ndarray, attention: np.ndarray, fs: float, beats: tuple[np.ndarray, np.ndarray],
                           *, lead_names: Sequence[str], axes: Sequence[plt.Axes] | None = None,
                           title: str = "") -> Sequence[plt.Axes]:
    """Figure 3: the original ECG (lead 1), the attention map, and the after-attention signal.

    ``signal`` ``(leads, samples)`` mV; ``attention`` ``(samples,)``; ``beats`` (positions, symbols).
    Abnormal beats (``V``, ``A``) are marked on every panel.
    """
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(10, 4.2), sharex=True)
    t = np.arange(signal.shape[-1]) / fs
    after = signal * attention[None]
    axes[0].plot(t, signal[0], color="k", lw=0.7)
    axes[0].set_ylabel(f"{lead_names[0]}\n(mV)", fontsize=8)
    axes[1].imshow(attention[None], aspect="auto", cmap="magma", extent=(t[0], t[-1], 0, 1))
    axes[1].set_yticks([])
    axes[1].set_ylabel("attention", fontsize=8)
    axes[2].plot(t, after[0], color="tab:blue", lw=0.7)
    axes[2].set_ylabel("after\nattention", fontsize=8)
    for s, sym in zip(*beats):
        if str(sym) in ("V", "A"):
            for ax in (axes[0], axes[2]):
                ax.axvline(s / fs, color=BEAT_COLOURS[str(sym)], lw=1.0, alpha=0.5)
            axes[0].text(s / fs, float(signal[0].max()), str(sym), color=BEAT_COLOURS[str(sym)], fontsize=8,
                         ha="center", va="bottom")
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(title, fontsize=9)
    return axes


def plot_kernel_ablation(by_kernel: pd.DataFrame, *, fs: float = 360.0) -> plt.Figure:
    """Figure 5: classification (left) and attention AUROC (right) against the pooling kernel in seconds.

    ``by_kernel``: :func:`ecgstudy.studies.iclr.tables.kernel_ablation` (index: kernel in samples).
    """
    if not len(by_kernel):
        fig, _ = plt.subplots(figsize=(6, 1))
        return fig
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    for col in ("accuracy", "specificity", "auc"):
        axes[0].plot(by_kernel.index / fs, by_kernel[col], marker="o", label=col)
    axes[0].set_xlabel("kernel (s at 360 Hz)")
    axes[0].legend(fontsize=8)
    if "loc_auroc" in by_kernel:
        axes[1].plot(by_kernel.index / fs, by_kernel["loc_auroc"], marker="o", color="tab:purple")
    axes[1].set_xlabel("kernel (s at 360 Hz)")
    axes[1].set_ylabel("attention AUROC")
    fig.tight_layout()
    return fig


def curves_figure(curves: pd.DataFrame, *, names: dict[str, str] | None = None) -> plt.Figure:
    """Figure 2 as a figure of its own: :func:`plot_curves` on three panels."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3))
    plot_curves(curves, axes=axes, names=names)
    fig.tight_layout()
    return fig


def attention_example_figure(signal: np.ndarray, attention: np.ndarray, fs: float,
                             beats: tuple[np.ndarray, np.ndarray], *, lead_names: Sequence[str],
                             title: str = "") -> plt.Figure:
    """Figure 3 as a figure of its own: :func:`plot_attention_example` on three stacked panels."""
    fig, axes = plt.subplots(3, 1, figsize=(10, 4.2), sharex=True)
    plot_attention_example(signal, attention, fs, beats, lead_names=lead_names, axes=axes, title=title)
    fig.tight_layout()
    return fig
