"""Chapter 4: the runs the page needs (the controlled model, one benchmark per model slot whose weights are in
the store) and :func:`summarise`, which returns everything the page shows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.errors import EcgStudyError
from ecgstudy.report import Page
from ecgstudy.runs.experiment import Job
from ecgstudy.studies.attribution.experiments import BENCHMARK, CONTROLLED
from ecgstudy.studies.attribution.models import PAPERS, SLOTS, resolve
from ecgstudy.studies.attribution.params import AttributionChapterParams
from ecgstudy.studies.attribution.tables import zero_maps
from ecgstudy.studies.attribution.verdicts import ModelResult


@dataclass
class Plan:
    """The page's runs.

    Attributes:
        controlled: the controlled model's training run (``None`` when the page has no controlled slot).
        benchmarks: slot -> its benchmark run, for every slot whose model can be benchmarked here.
        missing: slot -> why it cannot (no weights yet, or no real data here).
    """

    controlled: Job | None
    benchmarks: dict[str, Job] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def jobs(self) -> list[Job]:
        """Every run, the controlled model's training first (its benchmark reads its weights)."""
        return ([self.controlled] if self.controlled is not None else []) + list(self.benchmarks.values())


def controlled_job(params: AttributionChapterParams) -> Job:
    """The controlled model's training run at the page's profile, its weights kept."""
    return CONTROLLED.job({"profile": params.profile, "seed": params.seed, "wave": params.controlled_wave,
                           "rule": params.controlled_rule, "keep_weights": True})


def _benchmark_values(params: AttributionChapterParams, slot: str, model_run: str) -> dict:
    values = {"profile": params.profile, "data": params.data, "seed": params.seed, "slot": slot,
              "model_run": model_run, "methods": list(params.methods)}
    if params.max_records is not None:
        values["max_records"] = params.max_records
    return values


def plan(params: AttributionChapterParams, *, store_root: str | Path | None = None) -> Plan:
    """The page's runs: the controlled model and its benchmark, and a benchmark of every other slot whose
    weights the store under ``store_root`` holds (:func:`~ecgstudy.studies.attribution.models.resolve`) and
    whose real data is here; the other slots with the reason."""
    from ecgstudy import paths
    from ecgstudy.runs.datasource import resolve_data

    root = Path(store_root) if store_root is not None else paths.results_dir()
    out = Plan(controlled_job(params) if "controlled" in params.slots else None)
    for key in params.slots:
        slot = SLOTS[key]
        if key == "controlled":
            out.benchmarks[key] = BENCHMARK.job(_benchmark_values(params, key, out.controlled.spec.run_id))
            continue
        found = resolve(slot, root)
        if not found.found:
            out.missing[key] = found.reason
            continue
        try:
            source = resolve_data(params.data, slot.datasets)
        except EcgStudyError as exc:
            out.missing[key] = f"its data cannot be read here: {exc}"
            continue
        if source.kind != "real":
            out.missing[key] = f"it needs the real {', '.join(slot.datasets)} data ({source.reason})"
            continue
        out.benchmarks[key] = BENCHMARK.job(_benchmark_values(params, key, found.run_id))
    return out


def grid_jobs(params: AttributionChapterParams) -> list[Job]:
    """The page's runs in the order they must run (``ecgstudy grid attribution``)."""
    return plan(params).jobs()


def run_plan(p: Plan, params: AttributionChapterParams, *, store=None, progress: bool = False) -> dict[str, object]:
    """Run (or, with ``train_missing=False``, look up) the page's runs: the controlled model first, then the
    benchmarks; returns slot -> the benchmark's record (``"controlled_model"``: the training run's)."""
    from ecgstudy.runs.executors import run_grid

    out: dict[str, object] = {}
    if p.controlled is not None:
        out["controlled_model"] = run_grid([p.controlled], executor=params.executor, store=store,
                                           train_missing=params.train_missing, progress=progress)[0]
    keys = list(p.benchmarks)
    records = run_grid([p.benchmarks[k] for k in keys], executor=params.executor, store=store,
                       train_missing=params.train_missing, progress=progress)
    out.update(zip(keys, records))
    return out


def heading(title: str) -> str:
    """A slot title at the start of a sentence (names such as xECGNet keep their case).

    >>> heading("the controlled model"), heading("xECGNet at gamma 0")
    ('The controlled model', 'xECGNet at gamma 0')
    """
    return title if not title[:1].islower() or title.startswith("xECG") else title[0].upper() + title[1:]


def model_score(m: Mapping) -> str:
    """A model's held-out score in words, from its run's ``metrics.json`` ``m``, beside its trivial baseline where
    the run records one (an ECGradCAM transfer network's MAE is on LUDB, against the cardiologists).

    >>> model_score({"accuracy": 0.975, "auc": 0.99}), model_score({"micro_f1": 0.4516})
    ('held-out accuracy 0.975', 'held-out micro-F1 0.452')
    >>> model_score({"task": "binary", "auc": 0.855, "accuracy": 0.777, "baseline_accuracy": 0.505})
    'held-out AUC 0.855, accuracy 0.777 against 0.505 for the majority class'
    >>> model_score({"mae": 44.91, "baseline_mae": 43.97, "units": "ms", "pearson_r": 0.581})
    'MAE on LUDB 44.9 ms against 44.0 ms for the training mean, r 0.58'
    """
    def number(key: str) -> float | None:
        v = m.get(key)
        return float(v) if isinstance(v, (int, float)) and v == v else None

    if number("mae") is not None:
        unit = f" {m['units']}" if isinstance(m.get("units"), str) and len(m["units"]) <= 8 else ""
        text = f"MAE on LUDB {number('mae'):.1f}{unit}"
        if number("baseline_mae") is not None:
            text += f" against {number('baseline_mae'):.1f}{unit} for the training mean"
        return text + (f", r {number('pearson_r'):.2f}" if number("pearson_r") is not None else "")
    if number("accuracy") is not None:
        if m.get("task") == "binary" and number("auc") is not None:
            text = f"held-out AUC {number('auc'):.3f}, accuracy {number('accuracy'):.3f}"
        else:
            text = f"held-out accuracy {number('accuracy'):.3f}"
        base = number("baseline_accuracy")
        return text + (f" against {base:.3f} for the majority class" if base is not None else "")
    if number("micro_f1") is not None:
        return f"held-out micro-F1 {number('micro_f1'):.3f}"
    return ""


def transfer_score(m: Mapping) -> str:
    """A model's score on the records the benchmark tests it on, where they are not its held-out split (the
    ``model_score_here`` of a benchmark run: the xECGNet PTB-XL networks on LUDB).

    >>> transfer_score({"auroc": {"MI": 0.8, "CD": 0.7}, "macro_auroc": 0.75, "n_records": 150})
    'AUROC on 150 LUDB records 0.75 (MI 0.80, CD 0.70; a constant score 0.5)'
    """
    auroc = m.get("auroc") or {}
    if not auroc:
        return ""
    each = ", ".join(f"{c} {v:.2f}" for c, v in auroc.items())
    return f"AUROC on {m.get('n_records', '?')} LUDB records {float(m['macro_auroc']):.2f} ({each}; a constant score 0.5)"


def _model_score(model_dir: Path) -> str:
    """:func:`model_score` of the model run ``model_dir`` (empty when its ``metrics.json`` cannot be read)."""
    try:
        m = json.loads((model_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return ""
    return model_score(m) if isinstance(m, dict) else ""


def model_results(params: AttributionChapterParams, p: Plan, records: Mapping[str, object]) -> list[ModelResult]:
    """One :class:`~ecgstudy.studies.attribution.verdicts.ModelResult` per slot of the page, in its order."""
    out = []
    for key in params.slots:
        slot = SLOTS[key]
        if key in p.missing:
            out.append(ModelResult(slot, "missing", p.missing[key]))
            continue
        rec = records.get(key)
        if rec is None or rec.status == "missing":
            out.append(ModelResult(slot, "missing", "not benchmarked yet (the page was built with "
                                                    "train_missing=false)"))
            continue
        if not rec.ok:
            out.append(ModelResult(slot, "failed", rec.error or "failed", run_id=rec.spec.run_id))
            continue
        metrics = rec.metrics()
        model_dir = rec.path.parents[1].parent / slot.data_kind / slot.experiment / metrics.get("model_run", "")
        scores = rec.path / "scores.csv"
        score = _model_score(model_dir)
        if metrics.get("model_score_here"):
            score = ", ".join(t for t in (transfer_score(metrics["model_score_here"]), score) if t)
        out.append(ModelResult(slot, "done", verdicts=pd.read_csv(rec.path / "verdicts.csv"),
                               summary=pd.read_csv(rec.path / "summary.csv"), metrics=metrics,
                               model_score=score, run_id=rec.spec.run_id,
                               zero_maps=zero_maps(pd.read_csv(scores)) if scores.exists() else None))
    return out


def example_input(rec, slot) -> np.ndarray | None:
    """The first example input ``(leads, samples)`` of the benchmark run ``rec``: stored in its ``maps.npz`` for a
    synthetic slot; for a real-data slot (whose inputs the run does not store: they are excerpts of a dataset)
    rebuilt from the data with the run's own settings, or ``None`` when that data is not here."""
    from ecgstudy.studies.attribution.benchmark import model_dir
    from ecgstudy.studies.attribution.models import slot_inputs

    with np.load(rec.path / "maps.npz") as z:
        if "x" in z.files:
            return z["x"][0]
        index = int(z["index"][0])
    try:
        source = BENCHMARK.source(rec.spec)
    except Exception:  # noqa: BLE001 - no data here, or other data: the figure leaves the model out
        return None
    if source.kind != slot.data_kind:
        return None
    params = BENCHMARK.params(BENCHMARK.replay_values(rec.spec.params))
    return slot_inputs(slot, model_dir(params, rec.path), source, max_records=params.max_records,
                       seed=params.seed).x[index]


def _map_columns(results: list[ModelResult], records: Mapping[str, object], paper: str):
    """The figure's columns of ``paper``: each benchmarked model's first stored example record."""
    from ecgstudy.viz.attribution import MapColumn

    cols, methods = [], []
    for r in results:
        if r.slot.paper != paper or not r.done:
            continue
        path = records[r.slot.key].path / "maps.npz"
        if not path.exists():
            continue
        with np.load(path) as z:
            names = [str(m) for m in z["methods"]]
            if not len(z["index"]):
                continue
            maps = {m: z[f"map_{m}"][0] for m in names}
            label = z["labels"][0] if len(z["labels"]) else None
            title = f"{r.slot.title}\nrecord {z['records'][0]}" + (f", class {label:g}" if label is not None else "")
            mask = z["masks"][0]
        x = example_input(records[r.slot.key], r.slot)
        if x is None:
            continue
        cols.append(MapColumn(title, x, mask, maps, float(r.metrics.get("fs", 1.0)),
                              lead=(r.metrics.get("lead_names") or [""])[0]))
        methods += [m for m in names if m not in methods]
    return cols, methods


def summarise(params: AttributionChapterParams, *, data_kind: str, data_dirs: Mapping[str, str] | None = None,
              store=None) -> Page:
    """Everything the Chapter 4 page shows: per paper the answer in words, per model its table, the maps
    figures, the missing models and the page's metrics (module docstring)."""
    from ecgstudy.report import Table
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.attribution import tables as t
    from ecgstudy.studies.attribution.verdicts import paper_answer
    from ecgstudy.viz.attribution import maps_figure, maps_frame

    store = store or RunStore()
    page = Page(name="attribution")
    g = page.glue
    p = plan(params, store_root=store.root)
    records = run_plan(p, params, store=store)
    results = model_results(params, p, records)
    done = [r for r in results if r.done]
    bench = BENCHMARK.params({"profile": params.profile})
    g.update(n_slots=len(results), n_done=len(done), n_missing=sum(r.status == "missing" for r in results),
             n_failed=sum(r.status == "failed" for r in results), n_methods=len(params.methods),
             n_references=sum(m in t.REFERENCES for m in params.methods),
             max_records=params.max_records or bench.max_records,
             step=f"{bench.step:g}", n_random=bench.n_random, radius=f"{bench.radius:g}",
             n_perturbations=bench.n_perturbations, randomisation_records=bench.randomisation_records,
             robustness_records=bench.robustness_records, randomisation_depths=bench.randomisation_depths,
             occlusion_ms=f"{bench.occlusion_ms:g}", perturbation_samples=bench.perturbation_samples,
             noise_sd=f"{bench.noise_sd:g}")
    for paper in PAPERS:
        g[f"answer_{paper.lower()}"] = paper_answer(paper, results)

    # one table per model, with what the records and the region are
    for r in results:
        key = r.slot.key
        if r.done:
            m = r.metrics
            table = t.model_table(r.summary, r.verdicts, zero=r.zero_maps)
            caption = t.MODEL_TABLE_CAPTION.format(title=heading(r.slot.title),
                                                   n_patients=m.get("n_patients"), n_records=m.get("n_records"))
            page.shown[f"table_{key}"] = Table(table, caption)
            score = f" The model: {r.model_score}." if r.model_score else ""
            page.shown[f"about_{key}"] = (
                f"**{heading(r.slot.title)}** (run `{m.get('model_run')}` of "
                f"`{r.slot.experiment}`; benchmark run `{r.run_id}`).{score} Records: {m.get('records')}. "
                f"Region: {m.get('region')}. {t.skipped_text(m.get('skipped', {}))}")
        else:
            page.shown[f"table_{key}"] = None
            word = "not available yet" if r.status == "missing" else "failed"
            page.shown[f"about_{key}"] = f"**{heading(r.slot.title)}**: {word} ({r.reason})."
    for key, slot in SLOTS.items():  # the template shows every slot: one left out of ``slots`` says so
        if key not in params.slots:
            page.shown[f"table_{key}"] = None
            page.shown[f"about_{key}"] = f"**{heading(slot.title)}**: not on this page (left out of its `slots`)."
    for paper in PAPERS:
        cols, methods = _map_columns(results, records, paper)
        page.figures[f"fig_maps_{paper.lower()}"] = partial(maps_figure, cols, methods, t.METHOD_NAMES)
        page.figure_data[f"fig_maps_{paper.lower()}"] = maps_frame(cols, methods)

    missing = [r for r in results if not r.done]
    page.shown["missing"] = ("\n".join(f"- **{r.slot.title}** ({r.slot.experiment}): "
                                       f"{'not available yet' if r.status == 'missing' else 'failed'}: {r.reason}"
                                       for r in missing) if missing else "Every model of the benchmark is here.")
    ctl = records.get("controlled_model")
    page.shown["failures"] = (f"The controlled model's training run failed: {ctl.error}"
                              if ctl is not None and ctl.status == "failed" else None)
    page.metrics = {
        "n_slots": len(results), "n_done": len(done), "answers": {p_.lower(): g[f"answer_{p_.lower()}"] for p_ in PAPERS},
        "models": {r.slot.key: {"status": r.status, "reason": r.reason, "run_id": r.run_id,
                                "model_run": r.metrics.get("model_run"), "model_score": r.model_score,
                                "verdicts": r.verdicts.to_dict(orient="records") if r.done else None}
                   for r in results},
    }
    return page
