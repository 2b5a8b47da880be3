"""Small helpers the notebooks use to say where a page's numbers come from.

Every page opens with :func:`provenance`, which states the data (real or synthetic) and
the profile that produced it and glues both, so the prose can cite them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from IPython.display import Markdown


def glue(name: str, value: Any, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`` / ``{glue:figure}`` (myst-nb)."""
    from myst_nb import glue as _glue

    _glue(name, value, display=display)


def data_label(data_kind: str, data_dirs: dict[str, str] | None) -> str:
    """``"real MIT-BIH data (mitdb)"``-style label of a run's data."""
    if data_kind == "real":
        return "real data (" + ", ".join(sorted(data_dirs or {})) + ")"
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
    kind = "warning" if data_kind != "real" else "note"
    extra = (" Synthetic ECGs stand in for the real recordings: their numbers test the pipeline, "
             "they are not results about patients." if data_kind != "real" else "")
    return Markdown(
        f":::{{admonition}} Data and profile\n:class: {kind}\n"
        f"This page was computed from **{label}** with the **{profile}** profile.{run}{extra}\n:::"
    )
