"""Compare two executed pages: do they glue the same values and show the same tables?

A refactor of a chapter must not change what its page says. :func:`page_values` reads an
executed notebook (a run's ``notebook.ipynb``) into what a reader sees:

* ``glue``: every glued value by name (myst-nb / scrapbook records), as its text, or as
  ``"<image sha256>"`` for a glued figure;
* ``shown``: every displayed table or Markdown block (``text/html``, ``text/markdown``), in order;
* ``metrics``: the page's ``metrics.json`` beside it (what the scorecard reads), if any.

:func:`compare_pages` lists the differences in words; an empty list means the two pages say the
same thing. ``ecgstudy compare-pages OLD NEW`` prints it.

>>> import json, tempfile, pathlib
>>> def page(value):
...     out = {"output_type": "display_data", "data": {"application/papermill.record/text/plain": value},
...            "metadata": {"scrapbook": {"name": "acc", "mime_prefix": "application/papermill.record/"}}}
...     return {"cells": [{"cell_type": "code", "source": "", "outputs": [out]}]}
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.ipynb").write_text(json.dumps(page("'0.90'")))
>>> _ = (d / "b.ipynb").write_text(json.dumps(page("'0.91'")))
>>> compare_pages(d / "a.ipynb", d / "a.ipynb")
[]
>>> compare_pages(d / "a.ipynb", d / "b.ipynb")
["glue 'acc': '0.90' -> '0.91'"]
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Glued names whose value is expected to differ between two builds of one page.
VOLATILE_GLUE = frozenset()
_RUN_ID = re.compile(r"Run `[0-9a-f]{16}`( \([^)]*\))?\.")
_STYLER_ID = re.compile(r"\bT_[0-9a-f]{5}")
_IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg")


@dataclass
class PageValues:
    """What an executed page shows (see the module docstring)."""

    glue: dict[str, str] = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)
    metrics: dict[str, Any] | None = None


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _normalise(text: str) -> str:
    """Drop what names the run itself (its id and commit), which a rebuilt page changes by design, and
    the random id pandas gives each styled table."""
    return _STYLER_ID.sub("T_<id>", _RUN_ID.sub("Run `<id>`.", text))


def page_values(notebook: str | Path, *, images: bool = True) -> PageValues:
    """Read an executed notebook (and the ``metrics.json`` beside it) into :class:`PageValues`.

    ``images=False`` leaves glued figures out (their PNG bytes depend on the matplotlib build).
    """
    path = Path(notebook)
    nb = json.loads(path.read_text())
    out = PageValues()
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            scrap = o.get("metadata", {}).get("scrapbook")
            if scrap:
                prefix = scrap.get("mime_prefix", "")
                mimes = {k.removeprefix(prefix): v for k, v in data.items()}
                image = next((m for m in _IMAGE_MIMES if m in mimes), None)
                if image is not None:
                    if images:
                        digest = hashlib.sha256(_text(mimes[image]).encode()).hexdigest()[:12]
                        out.glue[scrap["name"]] = f"<image {digest}>"
                else:
                    out.glue[scrap["name"]] = _text(mimes.get("text/plain", ""))
                continue
            for mime in ("text/html", "text/markdown"):
                if mime in data:
                    out.shown.append(_normalise(_text(data[mime])))
    metrics = path.parent / "metrics.json"
    if metrics.exists():
        out.metrics = json.loads(metrics.read_text())
    return out


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for k, v in value.items():
            flat.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return flat
    if isinstance(value, list):
        flat = {}
        for i, v in enumerate(value):
            flat.update(_flatten(v, f"{prefix}[{i}]"))
        return flat or {prefix: []}
    return {prefix: value}


def _same(a: Any, b: Any, rel_tol: float) -> bool:
    import math

    if isinstance(a, float) and isinstance(b, float):
        if a != a and b != b:
            return True  # NaN on both sides
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=rel_tol)
    return a == b


def compare_pages(old: str | Path, new: str | Path, *, images: bool = True,
                  ignore: frozenset[str] = VOLATILE_GLUE, rel_tol: float = 1e-12) -> list[str]:
    """Differences between two executed pages, one sentence each (empty: they show the same).

    Args:
        old, new: ``notebook.ipynb`` of two runs of a page.
        images: also compare glued figures (by their bytes).
        ignore: glued names not compared.
        rel_tol: floats of ``metrics.json`` this close count as equal (the last bits of a sum may
            differ between CPU kinds: the same page rebuilt on AVX2 and AVX-512 differs by 1e-16).
    """
    a, b = page_values(old, images=images), page_values(new, images=images)
    diffs: list[str] = []
    for name in sorted(set(a.glue) | set(b.glue)):
        if name in ignore:
            continue
        if name not in b.glue:
            diffs.append(f"glue {name!r}: only in the old page")
        elif name not in a.glue:
            diffs.append(f"glue {name!r}: only in the new page")
        elif a.glue[name] != b.glue[name]:
            diffs.append(f"glue {name!r}: {a.glue[name][:200]} -> {b.glue[name][:200]}")
    if len(a.shown) != len(b.shown):
        diffs.append(f"shown blocks: {len(a.shown)} -> {len(b.shown)}")
    for i, (x, y) in enumerate(zip(a.shown, b.shown)):
        if x != y:
            at = next((j for j, (cx, cy) in enumerate(zip(x, y)) if cx != cy), min(len(x), len(y)))
            lo = max(at - 40, 0)
            diffs.append(f"shown block {i} differs at character {at}: {x[lo:at + 60]!r} -> {y[lo:at + 60]!r}")
    if (a.metrics is None) != (b.metrics is None):
        diffs.append("metrics.json: present on one side only")
    elif a.metrics is not None:
        fa, fb = _flatten(a.metrics), _flatten(b.metrics)
        for key in sorted(set(fa) | set(fb)):
            if key not in fa or key not in fb:
                diffs.append(f"metrics {key}: only in the {'new' if key not in fa else 'old'} page")
            elif not _same(fa[key], fb[key], rel_tol):
                diffs.append(f"metrics {key}: {fa[key]!r} -> {fb[key]!r}")
    return diffs
