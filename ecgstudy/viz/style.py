"""The book's matplotlib style, in one place: figures sized to the text column, text readable there.

The book shows a figure at most as wide as its text column, about :data:`COLUMN_PX` = 800 px in a 1,400 px
window; a wider image is shrunk to fit, and its text with it (a 12-inch figure at 100 dpi is shrunk 1.5x, so
its 8 pt text reads as 5 pt). Figures are therefore drawn :data:`COLUMN_IN` inches wide at :data:`DPI`, with
no text under :data:`MIN_PT` points; :func:`smallest_display_pt` measures what a reader sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np

#: the text column's width in the built book at a 1,400 px window (px)
COLUMN_PX = 800
#: dots per inch of the book's images (the inline backend's PNGs)
DPI = 100
#: the width of a figure that fills the column without being shrunk (inches)
COLUMN_IN = COLUMN_PX / DPI
#: the smallest text size a figure may show at the page's display size (points)
MIN_PT = 8.0

#: rcParams of every book figure (applied by :func:`apply_book_style` when :mod:`ecgstudy.viz` is imported)
BOOK_RC = {
    "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (COLUMN_IN, 3.0),
    "font.size": 9.0, "axes.titlesize": 9.0, "axes.labelsize": 9.0, "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0, "legend.fontsize": 8.0, "legend.title_fontsize": 8.0, "figure.titlesize": 9.0,
    "legend.frameon": False,
}


def apply_book_style() -> None:
    """Set :data:`BOOK_RC` on matplotlib's global rcParams (figures made afterwards use it)."""
    mpl.rcParams.update(BOOK_RC)


def column_size(height: float, width: float = COLUMN_IN) -> tuple[float, float]:
    """A figure size ``(width, height)`` in inches, ``width`` capped at the column's.

    >>> column_size(3.0), column_size(2.0, width=12.0)
    ((8.0, 3.0), (8.0, 2.0))
    """
    return (min(float(width), COLUMN_IN), float(height))


def display_scale(fig, column_px: float = COLUMN_PX) -> float:
    """How much the book shrinks ``fig``'s image: ``column_px`` over its width in pixels, at most 1."""
    return min(1.0, column_px / (fig.get_figwidth() * fig.dpi))


def smallest_display_pt(fig, column_px: float = COLUMN_PX) -> float:
    """The smallest visible text of ``fig`` (titles, labels, tick labels, legends, notes) in points as the
    book shows it (its size times :func:`display_scale`); ``inf`` when the figure holds no text."""
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist only once drawn
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * display_scale(fig, column_px) if sizes else float("inf")


def bulk_limits(values: Sequence[float] | np.ndarray, *, log: bool = False, k: float = 3.0, pad: float = 0.05,
                reference: Sequence[float] | np.ndarray | None = None) -> tuple[float, float]:
    """Axis limits holding the bulk of ``values``: the finite values within ``k`` interquartile ranges
    of the quartiles of ``reference`` (default: ``values``; of ``log10`` values when ``log``, non-positive
    ones then left out), padded by ``pad`` of their range (a factor in log space). Values outside are off
    the scale: mark them (:func:`mark_clipped`).

    >>> bulk_limits([1.0, 2.0, 3.0, 4.0, 1000.0], pad=0.0)
    (1.0, 4.0)
    >>> [round(v, 6) for v in bulk_limits([0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 1e16], log=True, pad=0.0)]
    [0.1, 0.4]
    >>> bulk_limits([1.0, 2.0, 3.0, 5.0, 1000.0], reference=[1.0, 2.0, 3.0], pad=0.0)  # 5 is near the bulk
    (1.0, 5.0)
    """
    def prepared(x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        x = x[np.isfinite(x)]
        return np.log10(x[x > 0]) if log else x

    v = prepared(values)
    ref = prepared(reference) if reference is not None else v
    if not v.size:
        return (1.0, 10.0) if log else (0.0, 1.0)
    q1, q3 = np.percentile(ref if ref.size else v, [25, 75])
    inside = v[(v >= q1 - k * (q3 - q1)) & (v <= q3 + k * (q3 - q1))]
    inside = inside if inside.size else v
    lo, hi = float(inside.min()), float(inside.max())
    span = hi - lo if hi > lo else (abs(hi) * 0.1 or 0.1)
    lo, hi = lo - pad * span, hi + pad * span
    return (10 ** lo, 10 ** hi) if log else (lo, hi)


def mark_clipped(ax, x: np.ndarray, y: np.ndarray, limits: tuple[float, float], *, color=None) -> int:
    """Mark the points of ``(x, y)`` outside ``limits``: a triangle on the axis edge they leave by (up or
    down), in ``color``; return how many were marked."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    lo, hi = limits
    n = 0
    for sel, edge, marker in ((y > hi, hi, "^"), (y < lo, lo, "v")):
        if sel.any():
            ax.plot(x[sel], np.full(int(sel.sum()), edge), ls="none", marker=marker, ms=6, color=color,
                    clip_on=False, zorder=5)
            n += int(sel.sum())
    return n


def legend_below(fig, axes: Sequence | None = None, *, ncol: int | None = None) -> None:
    """One legend for the whole figure, under its axes (never over the data): the labelled artists of
    ``axes`` (default: every axis of ``fig``), each label once. Nothing when there is no label."""
    handles, labels = {}, []
    for ax in axes if axes is not None else fig.axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in handles and not label.startswith("_"):
                handles[label] = h
                labels.append(label)
    if not labels:
        return
    fig.legend([handles[lab] for lab in labels], labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=ncol or min(len(labels), 3))
