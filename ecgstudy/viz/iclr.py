"""Figures of the ICLR chapter: training curves and attention examples (drawing only)."""

from __future__ import annotations

import textwrap
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ecgstudy.labels import label
from ecgstudy.viz.ecg import BEAT_COLOURS
from ecgstudy.viz.style import COLUMN_IN, bulk_limits, legend_below, mark_clipped

METHOD_COLOURS = {"classifier": "tab:gray", "cascaded": "tab:orange", "max": "tab:green", "l2": "tab:blue"}


def attention_example_frame(signal: np.ndarray, attention: np.ndarray, fs: float, *,
                            lead_names: Sequence[str]) -> pd.DataFrame:
    """What Figures 3 and 4 draw of one segment, one row per sample: ``time_s``, each lead in mV, the
    ``attention`` and each lead after it (the leads' columns are :func:`~ecgstudy.report.signal_column`\ s,
    left out of real-data CSVs).

    >>> attention_example_frame(np.array([[1.0, 2.0]]), np.array([0.5, 1.0]), 2.0, lead_names=["MLII"]).to_dict("list")
    {'time_s': [0.0, 0.5], 'ecg:MLII': [1.0, 2.0], 'attention': [0.5, 1.0], 'ecg:MLII after attention': [0.5, 2.0]}
    """
    from ecgstudy.report import signal_column

    frame = {"time_s": np.arange(signal.shape[-1]) / fs}
    frame.update({signal_column(name): signal[i] for i, name in enumerate(lead_names)})
    frame["attention"] = attention
    frame.update({signal_column(f"{name} after attention"): signal[i] * attention for i, name in enumerate(lead_names)})
    return pd.DataFrame(frame)


def plot_attention_example(signal: np.ndarray, attention: np.ndarray, fs: float, beats: tuple[np.ndarray, np.ndarray],
                           *, lead_names: Sequence[str], axes: Sequence[plt.Axes] | None = None,
                           title: str = "") -> Sequence[plt.Axes]:
    """Figure 3: the original ECG (lead 1), the attention map, and the after-attention signal.

    ``signal`` ``(leads, samples)`` mV; ``attention`` ``(samples,)``; ``beats`` (positions, symbols).
    Abnormal beats (``V``, ``A``) are marked on every panel.
    """
    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(COLUMN_IN, 4.2), sharex=True)
    t = np.arange(signal.shape[-1]) / fs
    after = signal * attention[None]
    axes[0].plot(t, signal[0], color="k", lw=0.7)
    axes[0].set_ylabel(f"{lead_names[0]}\n(mV)")
    axes[1].imshow(attention[None], aspect="auto", cmap="magma", extent=(t[0], t[-1], 0, 1))
    axes[1].set_yticks([])
    axes[1].set_ylabel("attention")
    axes[2].plot(t, after[0], color="tab:blue", lw=0.7)
    axes[2].set_ylabel("after\nattention\n(mV)")
    for s, sym in zip(*beats):
        if str(sym) in ("V", "A"):
            for ax in (axes[0], axes[2]):
                ax.axvline(s / fs, color=BEAT_COLOURS[str(sym)], lw=1.0, alpha=0.5)
            axes[0].text(s / fs, float(signal[0].max()), str(sym), color=BEAT_COLOURS[str(sym)], fontsize=9,
                         ha="center", va="bottom")
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(title, pad=14)
    return axes


def plot_kernel_ablation(by_kernel: pd.DataFrame, *, fs: float = 360.0) -> plt.Figure:
    """Figure 5: classification (left) and attention AUROC (right) against the pooling kernel in seconds,
    one legend under the panels.

    ``by_kernel``: :func:`ecgstudy.studies.iclr.tables.kernel_ablation` (index: kernel in samples).
    """
    if not len(by_kernel):
        fig, ax = plt.subplots(figsize=(COLUMN_IN, 1))
        ax.text(0.5, 0.5, "no L2-pooling run in this build, so no kernel to compare", ha="center", va="center")
        ax.axis("off")
        return fig
    fig, axes = plt.subplots(1, 2, figsize=(COLUMN_IN, 2.8))
    for col in ("accuracy", "specificity", "auc"):
        axes[0].plot(by_kernel.index / fs, by_kernel[col], marker="o", label=label(col))
    axes[0].set_ylabel("held-out score")
    if "loc_auroc" in by_kernel:
        axes[1].plot(by_kernel.index / fs, by_kernel["loc_auroc"], marker="o", color="tab:purple")
    else:
        axes[1].text(0.5, 0.5, "no attention AUROC stored\nfor these runs", ha="center", va="center",
                     transform=axes[1].transAxes)
    axes[1].set_ylabel(label("loc_auroc"))
    for ax in axes:
        ax.set_xlabel(f"kernel (s at {fs:g} Hz)")
    fig.tight_layout()
    legend_below(fig, axes[:1])
    return fig


def curves_figure(curves: pd.DataFrame, *, names: dict[str, str] | None = None,
                  dead: set[tuple] = frozenset()) -> plt.Figure:
    """Figure 2 as a figure of its own: :func:`plot_curves_split` on three panels (dead runs apart, log losses
    scaled to the bulk of the curves), one legend under them."""
    fig, axes = plt.subplots(1, 3, figsize=(COLUMN_IN, 2.8))
    plot_curves_split(curves, axes=axes, names=names, dead=dead)
    fig.tight_layout()
    legend_below(fig, axes[:1], ncol=2)
    return fig


def attention_example_figure(signal: np.ndarray, attention: np.ndarray, fs: float,
                             beats: tuple[np.ndarray, np.ndarray], *, lead_names: Sequence[str],
                             title: str = "") -> plt.Figure:
    """Figure 3 as a figure of its own: :func:`plot_attention_example` on three stacked panels."""
    fig, axes = plt.subplots(3, 1, figsize=(COLUMN_IN, 4.2), sharex=True)
    plot_attention_example(signal, attention, fs, beats, lead_names=lead_names, axes=axes, title=title)
    fig.tight_layout()
    return fig


#: Figure 2's panels: (column, title)
CURVE_PANELS = (("train_loss", "training loss (log)"), ("eval_loss", "held-out loss (log)"),
                ("eval_accuracy", "held-out accuracy"))


def plot_curves_split(curves: pd.DataFrame, *, dead: set[tuple] = frozenset(), names: dict[str, str] | None = None,
                      axes: Sequence[plt.Axes] | None = None) -> Sequence[plt.Axes]:
    """Figure 2 with dead runs drawn apart: per method the mean over the runs that are not in ``dead``
    (keys ``(method, fold, seed)``) as a solid line, the mean of the dead runs as a dotted one.

    The loss panels are on a log axis whose limits hold the bulk of the curves (:func:`bulk_limits` of the
    living runs' means): a dead ReLU + max run's held-out loss can reach 1e16 and would flatten every other
    curve, so points beyond the limits are marked by a triangle on the edge (:func:`mark_clipped`) and a
    note in the panel gives the largest value. No legend here (:func:`curves_figure` puts one under the
    panels).
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(COLUMN_IN, 2.8))
    cols = CURVE_PANELS
    is_dead = pd.Series([(m, f, s) in dead for m, f, s in zip(curves.get("method", []), curves.get("fold", []),
                                                                curves.get("seed", []))], index=curves.index,
                        dtype=bool)
    drawn: list[tuple[pd.DataFrame, bool, str | None]] = []
    for (method, flag), part in curves.groupby([curves["method"], is_dead], sort=False):
        mean = part.groupby("epoch")[[c for c, _ in cols]].mean()
        n = part.groupby(["fold", "seed"]).ngroups
        label_ = (names or {}).get(method, method) + (f" (dead, {n} run{'s' if n != 1 else ''})" if flag else "")
        colour = METHOD_COLOURS.get(method)
        for ax, (col, _) in zip(axes, cols):
            ax.plot(mean.index, mean[col], color=colour, marker=".", ls=":" if flag else "-", label=label_)
        drawn.append((mean, bool(flag), colour))
    for ax, (_, title) in zip(axes, cols):
        ax.set_xlabel("epoch")
        ax.set_title(title)
    if not len(curves):
        for ax in axes:
            ax.text(0.5, 0.5, "no finished run", ha="center", va="center", transform=ax.transAxes)
        return axes
    for ax, (col, title) in zip(axes[:2], cols[:2]):
        ax.set_yscale("log")
        values = np.array([v for mean, _, _ in drawn for v in mean[col] if np.isfinite(v)])
        living = [v for mean, flag, _ in drawn if not flag for v in mean[col]]
        limits = bulk_limits(values, log=True, reference=living or None)
        ax.set_ylim(*limits)
        for mean, _, colour in drawn:
            mark_clipped(ax, mean.index.to_numpy(), mean[col].to_numpy(), limits, color=colour)
        notes = ([f"▲ off the scale: up to {values.max():.0e}"] if (values > limits[1]).any() else []) + \
            ([f"▼ off the scale: down to {values[values > 0].min():.0e}"] if (values < limits[0]).any() else [])
        ax.set_title("\n".join([title, *notes]))
    return axes


#: Figure 1's box colours per part of the model
ARCHITECTURE_COLOURS = {"input": "0.85", "segmenter": "#c6dbef", "pooling": "#fdd0a2", "product": "#fdae6b",
                        "classifier": "#c7e9c0", "head": "#a1d99b"}


def architecture_figure(*, in_leads: int = 2, samples: int = 2000, kernel_size: int = 151,
                        blocks: Sequence[dict] | None = None, per_row: int = 9) -> plt.Figure:
    """Figure 1 drawn from the model: the L2 joint model's blocks (U-Net levels, pooling, attention product,
    classifier blocks, head) as boxes labelled with the (channels, length) of their output, ``per_row`` boxes
    a row, in the order data flows. ``blocks`` (dicts with ``name``, ``part``, ``shape``) default to
    :func:`~ecgstudy.studies.iclr.architecture.iclr_blocks`, measured by a forward pass of
    :func:`ecgstudy.models.build_iclr_model` on a zero input of ``(1, in_leads, samples)``."""
    if blocks is None:
        from ecgstudy.studies.iclr.architecture import iclr_blocks

        blocks = iclr_blocks(in_leads=in_leads, samples=samples, kernel_size=kernel_size)
    n_rows = max(1, -(-len(blocks) // per_row))
    fig, ax = plt.subplots(figsize=(COLUMN_IN, 1.25 * n_rows + 0.5))
    for i, b in enumerate(blocks):
        row, col = divmod(i, per_row)
        y = n_rows - 1 - row
        ax.add_patch(plt.Rectangle((col + 0.05, y + 0.08), 0.9, 0.84, color=ARCHITECTURE_COLOURS.get(b["part"], "0.9"),
                                   ec="k", lw=0.6))
        words = b["name"].split(" ")
        half = (len(words) + 1) // 2
        ax.text(col + 0.5, y + 0.66, " ".join(words[:half]) + "\n" + " ".join(words[half:]), ha="center",
                va="center", fontsize=8)
        ax.text(col + 0.5, y + 0.26, b["shape"].replace(", ", ",\n"), ha="center", va="center", fontsize=8,
                family="monospace")
        if col:
            ax.annotate("", (col + 0.05, y + 0.5), (col - 0.05, y + 0.5), arrowprops={"arrowstyle": "->", "lw": 0.6})
        elif row:  # from the end of the row above to the start of this one
            ax.annotate("", (0.5, y + 0.92), (per_row - 0.5, y + 1.08),
                        arrowprops={"arrowstyle": "->", "lw": 0.6, "connectionstyle": "angle3,angleA=0,angleB=90"})
    ax.set_xlim(0, per_row)
    ax.set_ylim(0, n_rows)
    ax.axis("off")
    ax.set_title("L2 joint model, (channels, length) after each block: U-Net segmenter (blue),\nwindow pooling and "
                 "attention product (orange), classifier (green)")
    fig.tight_layout()
    return fig


def grade_examples_figure(examples: Sequence[dict], fs: float) -> plt.Figure:
    """Figure 4: one held-out example of each grade, each as lead 1 before (black) and after (blue) the
    attention, abnormal beats marked. ``examples``: dicts with ``grade``, ``signal`` ``(leads, samples)``,
    ``attention`` ``(samples,)``, ``beats`` (positions, symbols) and ``title``."""
    if not examples:
        fig, ax = plt.subplots(figsize=(COLUMN_IN, 1))
        ax.text(0.5, 0.5, "no stored example with a grade", ha="center", va="center")
        ax.axis("off")
        return fig
    fig, axes = plt.subplots(2 * len(examples), 1, figsize=(COLUMN_IN, 2.3 * len(examples)), sharex=True)
    for i, ex in enumerate(examples):
        t = np.arange(ex["signal"].shape[-1]) / fs
        before, after = axes[2 * i], axes[2 * i + 1]
        before.plot(t, ex["signal"][0], color="k", lw=0.6)
        after.plot(t, ex["signal"][0] * ex["attention"], color="tab:blue", lw=0.6)
        for s, sym in zip(*ex["beats"]):
            if str(sym) in ("V", "A"):
                for ax in (before, after):
                    ax.axvline(s / fs, color=BEAT_COLOURS[str(sym)], lw=1.0, alpha=0.5)
        before.set_title(f"Class {ex['grade']}: {ex['title']}")
        before.set_ylabel("ECG\n(mV)")
        after.set_ylabel("after\nattention")
    axes[-1].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def fold_scores_figure(table: pd.DataFrame, *, names: dict[str, str], splits: Sequence[str] = ("segment",),
                       split_names: dict[str, str] | None = None, metric: str = "accuracy") -> plt.Figure:
    """Every run's held-out ``metric`` per method (seaborn): a box over the folds x seeds and one dot per
    run, a panel per split (a split without runs says so in its panel).

    Args:
        table: one row per run with ``method``, ``split`` and ``metric`` (e.g.
            :func:`~ecgstudy.studies.iclr.tables.run_table`, one kernel size).
        names: method -> how the figure names it (its order is the methods' order).
    """
    import seaborn as sns

    fig, axes = plt.subplots(1, len(splits), figsize=(COLUMN_IN, 3.2), squeeze=False, sharey=True)
    order = [m for m in names if m in set(table.get("method", []))]
    for ax, split in zip(axes[0], splits):
        part = table[(table["split"] == split) & table[metric].notna()] if len(table) else table
        ax.set_title((split_names or {}).get(split, split))
        if not len(part):
            ax.text(0.5, 0.5, "no finished run\nof this split", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            continue
        shown = [names[m] for m in order if m in set(part["method"])]
        data = part.assign(method=part["method"].map(names))
        sns.boxplot(data=data, x="method", y=metric, order=shown, ax=ax, color="0.9", showfliers=False, width=0.6,
                    linewidth=0.8)
        sns.stripplot(data=data, x="method", y=metric, order=shown, ax=ax, hue="method", hue_order=shown,
                      palette=[METHOD_COLOURS.get(m, "k") for m in order if m in set(part["method"])], size=4,
                      jitter=0.15, legend=False)
        ax.set_xlabel("")
        ax.set_ylabel(f"held-out {label(metric)}")
        ax.set_xticks(range(len(shown)), [textwrap.fill(s, 14) for s in shown])
    fig.tight_layout()
    return fig
