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


def curves_figure(curves: pd.DataFrame, *, names: dict[str, str] | None = None,
                  dead: set[tuple] = frozenset()) -> plt.Figure:
    """Figure 2 as a figure of its own: :func:`plot_curves_split` on three panels (dead runs apart, log losses)."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3))
    plot_curves_split(curves, axes=axes, names=names, dead=dead)
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


def plot_curves_split(curves: pd.DataFrame, *, dead: set[tuple] = frozenset(), names: dict[str, str] | None = None,
                      axes: Sequence[plt.Axes] | None = None) -> Sequence[plt.Axes]:
    """Figure 2 with dead runs drawn apart: per method the mean over the runs that are not in ``dead``
    (keys ``(method, fold, seed)``) as a solid line, the mean of the dead runs as a dotted one; the loss
    panels on a log axis (a dead ReLU + max run's held-out loss can reach 1e16)."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3))
    cols = [("train_loss", "training loss (log)"), ("eval_loss", "held-out loss (log)"),
            ("eval_accuracy", "held-out accuracy")]
    is_dead = pd.Series([(m, f, s) in dead for m, f, s in zip(curves.get("method", []), curves.get("fold", []),
                                                                curves.get("seed", []))], index=curves.index,
                        dtype=bool)
    for (method, flag), part in curves.groupby([curves["method"], is_dead], sort=False):
        mean = part.groupby("epoch")[[c for c, _ in cols]].mean()
        n = part.groupby(["fold", "seed"]).ngroups
        label = (names or {}).get(method, method) + (f" (dead, {n} runs)" if flag else "")
        for ax, (col, _) in zip(axes, cols):
            ax.plot(mean.index, mean[col], color=METHOD_COLOURS.get(method), marker=".", ls=":" if flag else "-",
                    label=label)
    for ax, (_, title) in zip(axes, cols):
        ax.set_xlabel("epoch")
        ax.set_title(title, fontsize=9)
    for ax in axes[:2]:
        if len(curves):
            ax.set_yscale("log")
    if len(curves):
        axes[0].legend(fontsize=7)
    return axes


def architecture_figure(*, in_leads: int = 2, samples: int = 2000, kernel_size: int = 151) -> plt.Figure:
    """Figure 1 drawn from the model: the L2 joint model's blocks (U-Net levels, pooling, attention product,
    classifier blocks, head) as boxes labelled with the (channels, length) of their output, measured by a
    forward pass of :func:`ecgstudy.models.build_iclr_model` on a zero input of ``(1, in_leads, samples)``."""
    from ecgstudy.studies.iclr.architecture import iclr_blocks

    blocks = iclr_blocks(in_leads=in_leads, samples=samples, kernel_size=kernel_size)
    fig, ax = plt.subplots(figsize=(13, 2.4))
    colours = {"input": "0.85", "segmenter": "#c6dbef", "pooling": "#fdd0a2", "product": "#fdae6b",
               "classifier": "#c7e9c0", "head": "#a1d99b"}
    n = len(blocks)
    for i, b in enumerate(blocks):
        ax.add_patch(plt.Rectangle((i + 0.05, 0.1), 0.9, 0.8, color=colours.get(b["part"], "0.9"), ec="k", lw=0.6))
        ax.text(i + 0.5, 0.64, b["name"].replace(" ", "\n", 1 + b["name"].count(" ") // 2), ha="center",
                va="center", fontsize=6.5)
        ax.text(i + 0.5, 0.25, b["shape"].replace(", ", ",\n"), ha="center", va="center", fontsize=6.5,
                family="monospace")
        if i:
            ax.annotate("", (i + 0.05, 0.5), (i - 0.05, 0.5), arrowprops={"arrowstyle": "->", "lw": 0.6})
    ax.set_xlim(0, n)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title("L2 joint model, (channels, length) after each block: U-Net segmenter (blue), window pooling and "
                 "attention product (orange), classifier (green)", fontsize=8)
    fig.tight_layout()
    return fig


def grade_examples_figure(examples: Sequence[dict], fs: float) -> plt.Figure:
    """Figure 4: one held-out example of each grade, each as lead 1 before (black) and after (blue) the
    attention, abnormal beats marked. ``examples``: dicts with ``grade``, ``signal`` ``(leads, samples)``,
    ``attention`` ``(samples,)``, ``beats`` (positions, symbols) and ``title``."""
    if not examples:
        fig, ax = plt.subplots(figsize=(6, 1))
        ax.text(0.5, 0.5, "no stored example with a grade", ha="center", va="center")
        ax.axis("off")
        return fig
    fig, axes = plt.subplots(2 * len(examples), 1, figsize=(10, 2.1 * len(examples)), sharex=True)
    for i, ex in enumerate(examples):
        t = np.arange(ex["signal"].shape[-1]) / fs
        before, after = axes[2 * i], axes[2 * i + 1]
        before.plot(t, ex["signal"][0], color="k", lw=0.6)
        after.plot(t, ex["signal"][0] * ex["attention"], color="tab:blue", lw=0.6)
        for s, sym in zip(*ex["beats"]):
            if str(sym) in ("V", "A"):
                for ax in (before, after):
                    ax.axvline(s / fs, color=BEAT_COLOURS[str(sym)], lw=1.0, alpha=0.5)
        before.set_title(f"Class {ex['grade']}: {ex['title']}", fontsize=8)
        before.set_ylabel("ECG", fontsize=7)
        after.set_ylabel("after\nattention", fontsize=7)
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig
