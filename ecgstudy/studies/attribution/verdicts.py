"""Chapter 4's answer in words: per paper, which explanations pass the three checks on its models.

The sentences are decided from each model's verdict table (:func:`~ecgstudy.studies.attribution.benchmark.verdict_table`):
a method is *right* for a model when it passes localisation (above the edge detector), faithfulness (deletion in
its order beats random order) and randomisation (its maps change when the model's weights are randomised). A paper
whose models have no weights yet is *not available yet*, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ecgstudy.studies.attribution.models import Slot
from ecgstudy.studies.attribution.tables import method_name, passing

#: Each paper's own maps (the explanations the paper proposes).
OWN_MAPS: dict[str, tuple[str, ...]] = {"ICLR": ("iclr_attention",), "xECGNet": ("xecgnet_attention",
                                                                               "xecgnet_response"),
                                        "ECGradCAM": ("ecgradcam",), "controlled": ()}


@dataclass
class ModelResult:
    """One slot on the page: its benchmark run's tables, or why it has none.

    Attributes:
        slot: the slot.
        status: ``"done"``, ``"failed"`` or ``"missing"``.
        reason: why it is missing or failed (empty when done).
        verdicts: the verdict table (``None`` unless done); summary: the summary table.
        metrics: the benchmark run's ``metrics.json``.
        model_score: the model's held-out score in words (e.g. ``"held-out accuracy 0.975"``), or empty.
        run_id: the benchmark run's id.
        zero_maps: per method, its all-zero maps ``"k of n"`` (:func:`~ecgstudy.studies.attribution.tables.zero_maps`;
            ``None`` for a run without ``scores.csv``).
    """

    slot: Slot
    status: str
    reason: str = ""
    verdicts: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    metrics: dict = field(default_factory=dict)
    model_score: str = ""
    run_id: str = ""
    zero_maps: dict[str, str] | None = None

    @property
    def done(self) -> bool:
        return self.status == "done" and self.verdicts is not None


def _names(methods: list[str]) -> str:
    return ", ".join(method_name(m) for m in methods)


def _checks_text(v) -> str:
    """A method's three verdicts in words (a verdict is ``passes``, ``fails`` or ``not testable``).

    >>> _checks_text({"localisation": "passes", "faithfulness": "fails", "randomisation": "not testable"})
    'passes localisation and fails faithfulness; its randomisation is not testable'
    >>> _checks_text({"localisation": "passes", "faithfulness": "passes", "randomisation": "fails"})
    'passes localisation, passes faithfulness and fails randomisation'
    """
    checks = ("localisation", "faithfulness", "randomisation")
    done = [f"{v[c]} {c}" for c in checks if v[c] != "not testable"]
    untestable = [c for c in checks if v[c] == "not testable"]
    text = ", ".join(done[:-1]) + (" and " if len(done) > 1 else "") + done[-1] if done else ""
    if untestable:
        rest = " and ".join(untestable)
        text += ("; its " if text else "its ") + rest + (" are" if len(untestable) > 1 else " is") + " not testable"
    return text


def own_map_verdicts(paper: str, verdicts: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """The paper's own maps (:data:`OWN_MAPS`) that ``verdicts`` holds, each with its verdict row, in
    :data:`OWN_MAPS`' order.

    >>> v = pd.DataFrame({"method": ["saliency", "xecgnet_response"], "localisation": ["passes", "fails"]})
    >>> [(m, row["localisation"]) for m, row in own_map_verdicts("xECGNet", v)]
    [('xecgnet_response', 'fails')]
    """
    out = []
    for m in OWN_MAPS.get(paper, ()):
        rows = verdicts[verdicts["method"] == m]
        if len(rows):
            out.append((m, rows.iloc[0]))
    return out


def _own_map_text(r: ModelResult) -> str:
    parts = [f"its own map {method_name(m)} " + _checks_text(v) for m, v in own_map_verdicts(r.slot.paper, r.verdicts)]
    return ("; ".join(parts) + ".") if parts else ""


def model_sentence(r: ModelResult) -> str:
    """What the benchmark says about one model, in one or two sentences (module docstring).

    >>> from ecgstudy.studies.attribution.models import SLOTS
    >>> v = pd.DataFrame({"method": ["saliency", "gradcam", "energy"], "localisation": ["passes", "fails",
    ...                   "the reference"], "faithfulness": ["passes", "passes", "fails"],
    ...                   "randomisation": ["passes", "passes", "fails"]})
    >>> model_sentence(ModelResult(SLOTS["iclr_classifier"], "done", verdicts=v, model_score="held-out accuracy 0.97"))
    'On the ICLR classifier alone (held-out accuracy 0.97), 1 of 2 methods pass all three checks: Saliency.'
    """
    if not r.done:
        return f"The {r.slot.title} is not available yet ({r.reason})." if r.status == "missing" else \
            f"The benchmark of the {r.slot.title} failed ({r.reason})."
    v = r.verdicts
    methods = [m for m in v["method"] if m not in ("uniform", "random", "energy")]
    score = f" ({r.model_score})" if r.model_score else ""
    right = passing(v)
    located = passing(v, checks=("localisation",))
    if r.slot.key == "controlled":
        text = (f"The controlled model{score} recovers its planted wave with {len(located)} of {len(methods)} "
                f"methods (above the edge detector at localisation): {_names(located)}." if located else
                f"No method localises the planted wave of the controlled model{score} better than the edge detector.")
        text += (f" Of those, {_names(right)} also pass faithfulness and randomisation." if right else
                 " None of them also passes faithfulness and randomisation." if located else "")
        return text
    if right:
        text = f"On the {r.slot.title}{score}, {len(right)} of {len(methods)} methods pass all three checks: " \
               f"{_names(right)}."
    else:
        text = (f"On the {r.slot.title}{score}, no method passes all three checks; {len(located)} of "
                f"{len(methods)} beat the edge detector at localisation" + (f" ({_names(located)})." if located
                                                                             else "."))
    own = _own_map_text(r)
    return f"{text} {own[0].upper()}{own[1:]}" if own else text


def paper_answer(paper: str, results: list[ModelResult]) -> str:
    """The page's answer for one paper: a sentence per model that has a benchmark, then the models not
    available yet; ``"not available yet"`` with the reason when none has.

    >>> paper_answer("ICLR", [])
    "No model of this paper is on this page (the page's slots leave them out)."
    """
    mine = [r for r in results if r.slot.paper == paper]
    done = [r for r in mine if r.done]
    if not mine:
        return "No model of this paper is on this page (the page's slots leave them out)."
    if not done:
        reasons = sorted({r.reason for r in mine if r.reason})
        what = " and ".join(r.slot.title for r in mine) if len(mine) <= 2 else f"the {len(mine)} {paper} models"
        return f"Not available yet: {what} ({'; '.join(reasons)})." if reasons else f"Not available yet: {what}."
    text = " ".join(model_sentence(r) for r in done)
    rest = [r for r in mine if not r.done]
    if rest:
        text += " Not available yet: " + "; ".join(f"the {r.slot.title} ({r.reason})" for r in rest) + "."
    return text
