"""What a page shows, and the helpers notebooks use to show it.

Every page opens with :func:`provenance`, which states the data (real or synthetic) and
the profile that produced it and glues both, so the prose can cite them. A chapter's
``summarise`` returns a :class:`Page`: its glued texts, figures (drawn once), tables and
metrics; the notebook narrates around ``page.show(...)`` and ``page.publish(...)``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from IPython.display import Markdown

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from pandas.io.formats.style import Styler

P = TypeVar("P")


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`` / ``{glue:figure}`` (myst-nb)."""
    from myst_nb import glue as _glue

    _glue(name, value, display=display)


#: a run's folder of figure data: ``<run_dir>/figure-data/<figure name>.csv``
FIGURE_DATA = "figure-data"

#: Prefix of the columns of a figure's data that hold recorded ECG samples (or samples scaled by a map):
#: :func:`write_figure_data` leaves them out of the CSV of a real-data run, since the datasets are not
#: redistributed here (readers get them from PhysioNet); a synthetic run's CSV keeps them.
SIGNAL_PREFIX = "ecg:"


def signal_column(lead: str) -> str:
    """The figure-data column of lead ``lead``'s samples: ``"ecg:MLII"``."""
    return f"{SIGNAL_PREFIX}{lead}"


def synthetic_run_dir(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` is a run of the store's synthetic tree (``<store>/synthetic/<experiment>/<run>``,
    :mod:`ecgstudy.runs.store`): the only runs whose figure data may hold ECG samples. Any other folder (the real
    tree, a folder outside the store) might hold a dataset's samples, which the project never redistributes."""
    return Path(run_dir).resolve().parent.parent.name == "synthetic"


def write_figure_data(name: str, frame: pd.DataFrame, run_dir: str | Path | None) -> Path | None:
    """Write ``frame``, the rows figure ``name`` was drawn from, to ``<run_dir>/figure-data/<name>.csv``
    (its index too, when named) and return the path; nothing without a ``run_dir``. The recorded ECG samples
    (columns starting with :data:`SIGNAL_PREFIX`) are kept only in a synthetic run (:func:`synthetic_run_dir`).

    The book build copies the folder next to the page (``book/generated/<page>/``,
    :func:`ecgstudy.bookbuild.copy_figure_data`), where the figure's caption links it:
    ``{download}`Data (CSV) <iclr/fig_curves.csv>```.
    """
    if not run_dir:
        return None
    if not synthetic_run_dir(run_dir):
        frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith(SIGNAL_PREFIX)])
    path = Path(run_dir) / FIGURE_DATA / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    named = any(n is not None for n in frame.index.names)
    frame.to_csv(path, index=named, float_format="%.6g")
    return path


def data_label(data_kind: str, data_dirs: dict[str, str] | None) -> str:
    """``"real MIT-BIH data (mitdb)"``-style label of a run's data (``"simulation"``: a page of simulations that
    reads no data).

    >>> data_label("simulation", None)
    'simulations (no data)'
    """
    if data_kind == "real":
        return "real data (" + ", ".join(sorted(data_dirs or {})) + ")"
    if data_kind == "simulation":
        return "simulations (no data)"
    return "synthetic data (the built-in generator)"


def provenance(*, data_kind: str, profile: str, data_dirs: dict[str, str] | None = None,
               run_dir: str | None = None, prefix: str = "page") -> Markdown:
    """An admonition naming the data and profile behind the page; glues ``<prefix>_data`` and ``<prefix>_profile``."""
    label = data_label(data_kind, data_dirs)
    glue(f"{prefix}_data", label)
    glue(f"{prefix}_profile", profile)
    run = ""
    if run_dir:
        info_path = Path(run_dir) / "run.json"
        run_id = Path(run_dir).name.split(".tmp-")[0]
        run = f" Run `{run_id}`"
        if info_path.exists():
            run += f" ({json.loads(info_path.read_text()).get('git_commit', '')})"
        run += "."
    kind = "warning" if data_kind not in ("real", "simulation") else "note"
    extra = {"real": "", "simulation": " Every number on it is simulated, with a known truth: it describes the "
                                       "study's intervals, not patients."}.get(
        data_kind, " Synthetic ECGs stand in for the real recordings: their numbers test the pipeline, "
                   "they are not results about patients.")
    return Markdown(
        f":::{{admonition}} Data and profile\n:class: {kind}\n"
        f"This page was computed from **{label}** with the **{profile}** profile.{run}{extra}\n:::"
    )


_NUMBER = re.compile(r"^\s*[-+\u2212]?(\d|\.\d)")


def numeric_column(values: pd.Series) -> bool:
    """Does every shown value of ``values`` read as a number (a number, or a text that starts with one,
    e.g. ``"0.55 ± 0.12"`` or ``"12 %"``)? Missing values and dashes are skipped; an all-missing column is not.

    >>> numeric_column(pd.Series([1, 2.5, None])), numeric_column(pd.Series(["0.55 ± 0.12", "—"]))
    (True, True)
    >>> numeric_column(pd.Series(["0.5", "agrees"])), numeric_column(pd.Series([True, False]))
    (False, False)
    """
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return bool(values.notna().any())
    shown = [v for v in values if not (v is None or (isinstance(v, float) and v != v))
             and str(v).strip() not in ("", "-", "\u2014", "\u2013", "n/a", "nan")]
    return bool(shown) and all(
        (isinstance(v, (int, float)) and not isinstance(v, bool)) or bool(_NUMBER.match(str(v))) for v in shown)


@dataclass
class Table:
    """A table of a page: its rows and how they are shown (styling never recomputes).

    Attributes:
        frame: the rows.
        caption: shown above the table.
        precision: digits of floats (``None``: pandas' default).
        formats: per column, a format string (e.g. ``{"gamma": "{:g}"}``) or a function of the value.
        na_rep: how missing values read.
        index: show the frame's index.
        intervals: ``(estimate, low, high)`` column names of each interval the table prints (a test
            checks that every interval holds its estimate).
        titles: per cell, a text shown on hover (the cell's ``title``; same index as ``frame``, any of its
            columns; empty or missing: none), e.g. why a verdict is what it is.
    """

    frame: pd.DataFrame
    caption: str
    precision: int | None = None
    formats: dict[str, str | Callable[[Any], str]] = field(default_factory=dict)
    na_rep: str | None = None
    index: bool = False
    intervals: tuple[tuple[str, str, str], ...] = ()
    titles: pd.DataFrame | None = None

    def styler(self, *, caption: bool = True) -> Styler:
        """The table as a pandas Styler (what the page displays); ``caption=False`` leaves the caption out (the
        book prints it above the table, numbered: :mod:`ecgstudy.book_tables`)."""
        style = self.frame.style
        options = {k: v for k, v in (("precision", self.precision), ("na_rep", self.na_rep)) if v is not None}
        if options:
            style = style.format(**options)
        for column, fmt in self.formats.items():
            style = style.format(fmt, subset=[column])
        if not self.index:
            style = style.hide(axis="index")
        # the book theme pads cells by 1 px unless a table says otherwise; numbers read right-aligned
        # (book/_static/ecgstudy.css styles the class ``ecg-num``; the inline rule holds outside the book)
        style = style.set_table_styles([{"selector": "th, td", "props": "padding: 0.3em 0.6em;"}], overwrite=False)
        numeric = [c for c in self.frame.columns if numeric_column(self.frame[c])]
        if numeric:
            classes = pd.DataFrame("", index=self.frame.index, columns=self.frame.columns)
            classes[numeric] = "ecg-num"
            style = style.set_td_classes(classes)
            style = style.set_properties(subset=numeric, **{"text-align": "right"})
        if self.titles is not None and len(self.titles.columns):
            # pandas writes the title attribute as given: escape quotes and markup here
            titles = self.titles.reindex(index=self.frame.index).fillna("").astype(str).map(html.escape)
            style = style.set_tooltips(titles.where(titles != "", None), as_title_attribute=True)
        return style.set_caption(self.caption) if caption else style

    def bundle(self, label: str | None = None) -> dict[str, str]:
        """What :meth:`Page.show` displays: ``text/html`` (the styled table with its caption, for Jupyter),
        ``text/markdown`` (a numbered ``ecg-table`` directive labelled ``label``, for the book:
        :func:`~ecgstudy.book_tables.table_markdown`) and ``text/plain`` (the caption)."""
        from ecgstudy.book_tables import table_markdown

        style = self.styler(caption=False)
        plain = style.to_html()
        return {"text/html": style.set_caption(self.caption).to_html(),
                "text/markdown": table_markdown(plain, self.caption, label),
                "text/plain": self.caption}

    def show(self, label: str | None = None) -> None:
        """Display the table (:meth:`bundle`): numbered in the book, reachable as ``{numref}`label```."""
        from IPython.display import display

        display(self.bundle(label), raw=True)

    def interval_errors(self) -> list[str]:
        """Rows whose printed interval does not hold its estimate (empty when all do; rows with a
        missing end are skipped), as ``"<estimate column> row <i>: <estimate> outside [low, high]"``."""
        errors = []
        for est, low, high in self.intervals:
            for i, (e, lo, hi) in enumerate(zip(self.frame[est], self.frame[low], self.frame[high])):
                vals = [pd.to_numeric(v, errors="coerce") for v in (e, lo, hi)]
                if any(v != v or v is None for v in vals):
                    continue
                if not vals[1] - 1e-12 <= vals[0] <= vals[2] + 1e-12:
                    errors.append(f"{est} row {i}: {vals[0]} outside [{vals[1]}, {vals[2]}]")
        return errors


@dataclass
class Page:
    """Everything a chapter page shows, computed once by the chapter's ``summarise``.

    Attributes:
        glue: texts and numbers the prose cites (``{glue:text}`name```), by name.
        figures: per glued figure name, a function that draws it (called once, by :meth:`publish`).
        figure_data: per figure name, the rows it was drawn from (written as CSV by :meth:`publish`).
        shown: per name, a :class:`Table` or a Markdown text displayed where the notebook asks
            (:meth:`show`); ``None`` shows nothing (e.g. no failed run to list).
        metrics: the page's ``metrics.json`` (what the scorecard reads).
        name: the page's short name (``"iclr"``): its tables are labelled ``tbl-<name>-<table name>`` (underscores
            as hyphens) for ``{numref}``; empty: unlabelled (still numbered).
    """

    glue: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Callable[[], Figure]] = field(default_factory=dict)
    figure_data: dict[str, pd.DataFrame] = field(default_factory=dict)
    shown: dict[str, Table | str | None] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def label(self, table: str) -> str | None:
        """The ``{numref}`` label of the table shown as ``table``.

        >>> Page(name="iclr").label("claims_main"), Page().label("claims")
        ('tbl-iclr-claims-main', None)
        """
        return f"tbl-{self.name}-{table}".replace("_", "-") if self.name else None

    def publish(self, run_dir: str | Path | None = None) -> None:
        """Glue every text and figure (figures are drawn here, then closed); into ``run_dir``, when given,
        write ``metrics.json`` and each figure's data (:func:`write_figure_data`)."""
        import matplotlib.pyplot as plt

        import ecgstudy.viz  # noqa: F401  (the book's figure style)

        for name, value in self.glue.items():
            glue(name, value)
        for name, draw in self.figures.items():
            fig = draw()
            glue(name, fig, display=False)
            plt.close(fig)
        for name, frame in self.figure_data.items():
            write_figure_data(name, frame, run_dir)
        if run_dir:
            from ecgstudy.runs.store import write_json

            write_json(Path(run_dir) / "metrics.json", self.metrics)

    def show(self, name: str) -> None:
        """Display the table or text ``name`` (nothing when it is ``None``)."""
        from IPython.display import display

        item = self.shown[name]
        if isinstance(item, Table):
            item.show(self.label(name))
        elif item is not None:
            display(Markdown(item))


def page_params(model: type[P], namespace: Mapping[str, Any]) -> P:
    """The page's parameters as one validated object: the fields of ``model`` found in
    ``namespace`` (a notebook's ``globals()`` after papermill injected its parameters).

    >>> from ecgstudy.runs.params import RunParams
    >>> page_params(RunParams, {"profile": "cpu", "seed": 3, "run_dir": "x"}).seed
    3
    """
    from ecgstudy.runs.params import validate

    return validate(model, {k: namespace[k] for k in model.model_fields if k in namespace})


def empty_figure(text: str) -> Figure:
    """A one-line figure that says why there is nothing to draw (keeps the page's references valid)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 1))
    ax.text(0.5, 0.5, text, ha="center", fontsize=9)
    ax.axis("off")
    return fig
