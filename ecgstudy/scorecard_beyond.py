"""The scorecard's section "Beyond the papers": Chapter 4's verdicts per model, from its newest eligible page.

The papers report no number for it, so it has no paper value and no four-outcome verdict: one row per model of
the benchmark says which methods pass all three checks (localisation above the edge detector, faithfulness,
randomisation), how the paper's own map fares on each check, and how many methods beat the edge detector at
localisation. The rows come from the ``models`` of the newest real-data ``attribution`` page that may stand for the
reproduction (:func:`ecgstudy.runs.reference.eligible_runs`; the largest profile first).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: The columns of the section's table.
COLUMNS = ("paper", "model", "the model's score", "methods that pass all three checks", "the paper's own map",
           "above the edge detector at localisation")


def _own_map(paper: str, verdicts: pd.DataFrame) -> str:
    from ecgstudy.studies.attribution.tables import method_name
    from ecgstudy.studies.attribution.verdicts import own_map_verdicts

    parts = [f"{method_name(m)}: " + ", ".join(f"{c} {v[c]}" for c in ("localisation", "faithfulness", "randomisation"))
             for m, v in own_map_verdicts(paper, verdicts)]
    return "; ".join(parts) or "-"


def beyond_rows(models: Mapping[str, Mapping]) -> pd.DataFrame:
    """The section's rows (:data:`COLUMNS`) from an attribution page's ``metrics["models"]`` (slot key ->
    ``status, model_score, verdicts``), in the page's order (:data:`~ecgstudy.studies.attribution.models.SLOTS`);
    a model without a benchmark reads its status.

    >>> v = [{"method": "saliency", "localisation": "passes", "faithfulness": "passes", "randomisation": "passes"},
    ...      {"method": "iclr_attention", "localisation": "fails", "faithfulness": "passes", "randomisation": "passes"},
    ...      {"method": "energy", "localisation": "the reference", "faithfulness": "fails", "randomisation": "fails"}]
    >>> rows = beyond_rows({"iclr_l2": {"status": "done", "model_score": "held-out accuracy 0.987", "verdicts": v}})
    >>> rows.iloc[0].tolist()[1:]  # doctest: +NORMALIZE_WHITESPACE
    ['ICLR joint model (L2 pooling)', 'held-out accuracy 0.987', 'Saliency (1 of 2)',
     'ICLR attention A: localisation fails, faithfulness passes, randomisation passes', '1 of 2']
    """
    from ecgstudy.studies.attribution.models import SLOTS
    from ecgstudy.studies.attribution.tables import REFERENCES, method_name, passing

    rows = []
    for key in [k for k in SLOTS if k in models]:  # the page's order (a stored metrics.json sorts its keys)
        slot, m = SLOTS[key], models[key]
        if m.get("status") != "done" or not m.get("verdicts"):
            rows.append({"paper": slot.paper, "model": slot.title, "the model's score": "-",
                         "methods that pass all three checks": f"{m.get('status', 'missing')}: {m.get('reason', '')}",
                         "the paper's own map": "-", "above the edge detector at localisation": "-"})
            continue
        v = pd.DataFrame(m["verdicts"])
        methods = [x for x in v["method"] if x not in REFERENCES]
        right = passing(v)
        located = passing(v, checks=("localisation",))
        rows.append({"paper": slot.paper, "model": slot.title, "the model's score": m.get("model_score") or "-",
                     "methods that pass all three checks":
                         (", ".join(method_name(x) for x in right) + f" ({len(right)} of {len(methods)})")
                         if right else f"none (of {len(methods)})",
                     "the paper's own map": _own_map(slot.paper, v),
                     "above the edge detector at localisation": f"{len(located)} of {len(methods)}"})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def beyond_papers(store=None, *, ignored: list | None = None) -> tuple[pd.DataFrame, str]:
    """The section's rows and a sentence naming the page they come from (or why there is none)."""
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.reference import eligible_runs
    from ecgstudy.runs.store import RunStore
    from ecgstudy.runs.params import profile_rank

    store = store or RunStore()
    found, skipped = eligible_runs(get_experiment("attribution"), store)
    if ignored is not None:
        ignored.extend(skipped)
    if not found:
        return beyond_rows({}), ("No real-data Chapter 4 page of the current code is in the store yet: "
                                 "`ecgstudy run attribution --profile cpu` builds it from the published weights.")
    rec = sorted(found, key=lambda r: profile_rank(r.spec.params.get("profile")))[0]
    rows = beyond_rows(rec.metrics().get("models", {}))
    return rows, (f"From the Chapter 4 page `{rec.spec.run_id}` (profile {rec.spec.params.get('profile')}, "
                  f"real data): {len(rows)} models.")
