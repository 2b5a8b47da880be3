"""The ICLR chapter: the grid of fold runs it trains (or reuses), and :func:`summarise`, which
returns everything the page shows."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np
import pandas as pd

from ecgstudy.data.patients import patient_ids
from ecgstudy.report import Page
from ecgstudy.runs.executors import run_grid
from ecgstudy.studies.iclr.data import labels, load_segments
from ecgstudy.studies.iclr.experiments import FOLD
from ecgstudy.studies.iclr.params import IclrChapterParams


def grid_values(params: IclrChapterParams) -> list[dict]:
    """Parameter dicts of every fold run of the chapter: the main grid seed by seed (so that a
    grid stopped part-way holds whole seeds), then the kernel ablation. ``fold_values`` overrides the fold
    profile (a page over another budget's grid, such as the committed 3-epoch runs). With ``keep_weights`` the
    first seed's segment-wise main-kernel runs on fold 0 store their weights (one checkpoint per method, 8.3 MB
    in all: the published weights are held to 40 MB over the three chapters)."""
    folds = range(params.folds_run or params.n_folds)
    base = {"profile": params.profile, "data": params.data, "n_folds": params.n_folds, **params.fold_values}
    values = [
        {**base, "method": m, "split": s, "fold": f, "seed": seed, "kernel_size": params.kernel_size,
         "keep_weights": params.keep_weights and seed == params.seeds[0] and f == 0 and s == "segment"}
        for seed in params.seeds for s in params.splits for f in folds
        for m in (params.methods if s == "segment" else [m for m in params.methods if m in params.record_methods])
    ]
    values += [
        {**base, "method": "l2", "split": "segment", "fold": f, "seed": seed, "kernel_size": k}
        for k in params.kernel_sizes if k != params.kernel_size for seed in params.ablation_seeds for f in folds
    ]
    return values


def grid_records(params: IclrChapterParams, *, store=None, progress: bool = True):
    """Run (or reuse) every fold run of the chapter; return their records (failures included;
    with ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    return run_grid([FOLD.job(v) for v in grid_values(params)], executor=params.executor, store=store,
                    train_missing=params.train_missing, progress=progress)


def _mean_text(summary: dict, method: str, metric: str) -> str:
    v = summary.get(method, {}).get(metric, {}).get("mean")
    return "n/a" if v is None or v != v else f"{v:.3f}"


def _attention_figures(records, params: IclrChapterParams, segments) -> list:
    """Drawing functions of the two attention examples, each with the frame it draws: the first L2
    segment-wise run's stored examples."""
    from ecgstudy.studies.iclr.data import POSITIVE
    from ecgstudy.viz.iclr import attention_example_figure, attention_example_frame

    runs = [r for r in records if r.ok and r.spec.params["method"] == "l2" and r.spec.params["split"] == "segment"
            and r.spec.params["kernel_size"] == params.kernel_size and (r.path / "attention.npz").exists()]
    if not runs or segments is None:
        return []
    run = runs[0]
    with np.load(run.path / "attention.npz") as z:
        examples = list(zip(z["index"], z["attention"].astype(np.float32)))[:2]
    draws = []
    for idx, att in examples:
        kind = "normal + PVC" if segments.labels[idx] == POSITIVE else "normal + APB"
        title = f"{kind}: record {segments.record_ids[idx]} (held-out fold {run.spec.params['fold']})"
        draws.append((partial(attention_example_figure, segments.signals[idx], att, segments.fs,
                              segments.beats(int(idx)), lead_names=segments.lead_names, title=title),
                      attention_example_frame(segments.signals[idx], att, segments.fs, lead_names=segments.lead_names)))
    return draws


def _grade_figure(records, params: IclrChapterParams, segments):
    """Drawing function of Figure 4 and the frame it draws: a stored held-out example of each grade (first
    L2 segment-wise runs)."""
    from ecgstudy.report import empty_figure
    from ecgstudy.studies.iclr.tables import grade_examples
    from ecgstudy.viz.iclr import attention_example_frame, grade_examples_figure

    if segments is None:
        return partial(empty_figure, "no attention run in this build"), pd.DataFrame()
    examples = [{"grade": g, "signal": segments.signals[idx], "attention": att, "beats": segments.beats(idx),
                 "title": f"record {segments.record_ids[idx]}, run {run_id}"}
                for g, run_id, idx, att in grade_examples(records, kernel_size=params.kernel_size)]
    frame = pd.concat([attention_example_frame(ex["signal"], ex["attention"], segments.fs,
                                               lead_names=segments.lead_names).assign(grade=ex["grade"])
                       for ex in examples]) if examples else pd.DataFrame()
    return partial(grade_examples_figure, examples, segments.fs), frame


def summarise(params: IclrChapterParams, *, data_kind: str, data_dirs: Mapping[str, str] | None = None,
              store=None) -> Page:
    """Everything the ICLR page shows, from the chapter's runs (trained first unless
    ``params.train_missing`` is false): glued texts, tables, figures and the page's metrics.

    ``data_kind`` and ``data_dirs`` (dataset -> folder) are the page's resolved data, as the run store
    hands them to the notebook."""
    from ecgstudy.report import Table, empty_figure
    from ecgstudy.runs.grid_status import GridStatus
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.studies.iclr import tables as t
    from ecgstudy.claims import claims_metrics, claims_table, verdict_text
    from ecgstudy.studies.iclr.verdicts import chapter_budget, chapter_claims
    from ecgstudy.studies.iclr.architecture import iclr_blocks
    from ecgstudy.viz.iclr import architecture_figure, curves_figure, fold_scores_figure, plot_kernel_ablation

    page = Page(name="iclr")
    g = page.glue
    run = FOLD.params({"profile": params.profile})
    k = params.kernel_size
    g.update(kernel_size=k, batch_size=run.batch_size,
             n_seeds=len(params.seeds), n_folds=params.n_folds, n_folds_run=params.folds_run or params.n_folds)
    grid = GridStatus.of(grid_records(params, store=store, progress=False))
    records = grid.summarised
    g.update(n_runs=len(records), n_failed=len(grid.failed),
             completeness=grid.completeness(why="the grid goes seed by seed",
                                            covers="every mean, interval and count below"))
    table = t.run_table(records)
    summary = t.summary_metrics(table, kernel_size=k)
    page.shown["failures"] = grid.failures() or None

    # the budget, as the runs' parameters and metrics say (the profile's where no run has finished)
    paper = {n.key: n.paper_value for n in PAPER_NUMBERS}
    budget = chapter_budget(table, kernel_size=k, epochs=run.epochs, lr=run.lr, schedule=run.lr_schedule,
                            patience=run.patience, precision=run.precision, inner_folds=run.inner_folds,
                            paper_reference=paper["iclr.mitdb.classifier.acc"])
    g.update(epochs=budget.epochs, lr=f"{budget.lr:g}", budget_ours=budget.ours(), budget_span=budget.span(),
             selection=budget.selection(),
             lr_schedule="constant" if budget.schedule == "constant" else "decayed to 0 along a cosine")

    # how the runs ended: converged (patience), the epoch cap, or a fixed budget
    from ecgstudy.studies.iclr.convergence import (CONVERGENCE_CAPTION, cap_text, capped_runs, convergence_table,
                                                   extension_text)

    conv = convergence_table(table)
    page.shown["convergence"] = Table(conv, CONVERGENCE_CAPTION) if len(conv) else None
    g["cap_text"] = " ".join(filter(None, [cap_text(table), extension_text(table, run.epochs)]))

    # the grouped split: patient-wise folds where the build has them, else record-wise ones
    grouped = t.grouped_split({*params.splits, *table["split"]})
    words = t.SPLIT_WORDS[grouped]
    rule = ("no patient on both sides: records 201 and 202, one man, go to the same fold" if grouped == "patient"
            else "no record on both sides, though the one man of records 201 and 202 can still be")
    g.update(grouped_split=words, grouped_split_title=words.capitalize(), grouped_unit=grouped, grouped_rule=rule,
             record_methods=", ".join(t.METHOD_NAMES[m] for m in params.record_methods)
             if grouped in params.splits else "no method")

    # classification
    preds = t.pooled_predictions(records)
    segments = load_segments(data_kind, n_synthetic=run.n_synthetic_segments, folder=(data_dirs or {}).get("mitdb")) \
        if len(preds) else None
    from ecgstudy.data.patients import leakage_text

    leak = t.patient_leakage(records, real=data_kind == "real", split=grouped,
                             universe=segments.record_ids if segments is not None else None)
    g["patient_leakage"] = leakage_text(leak["leaky"], leak["runs"], unit=f"{words} runs",
                                        what="MIT-BIH records 201 and 202 come from one man")
    patient_of = patient_ids("mitdb" if data_kind == "real" else "synthetic", segments.record_ids) \
        if segments is not None else np.zeros(0, dtype=str)
    seg_labels = labels(segments) if segments is not None else np.zeros(0, dtype=np.int64)
    page.shown["classification"] = Table(t.classification_table(table, preds, kernel_size=k, patient_of=patient_of,
                                                                labels=seg_labels), t.CLASSIFICATION_CAPTION,
                                         precision=3, intervals=t.CLASSIFICATION_INTERVALS)
    seg, rec = summary.get("segmentwise", {}), summary.get(f"{grouped}wise", {})
    for m in ("classifier", "l2"):
        g[f"seg_{m}_acc"], g[f"seg_{m}_auc"] = _mean_text(seg, m, "acc"), _mean_text(seg, m, "auc")
        g[f"rec_{m}_acc"] = _mean_text(rec, m, "acc")
        g[f"paper_{m}_acc"] = f"{paper[f'iclr.mitdb.{m}.acc']:.3f}"
        g[f"paper_{m}_auc"] = f"{paper[f'iclr.mitdb.{m}.auc']:.3f}"
    metrics = {**summary, **grid.counts(), "patient_leakage": leak,
               "convergence": {"table": conv.to_dict(orient="records"), "capped_runs": capped_runs(table)}}

    # model health: dead attentions, constant predictions, runs that learned nothing
    table = t.with_health(table, preds, seg_labels, t.dead_attention(records))
    health = t.health_table(table, kernel_size=k)
    page.shown["health"] = Table(health, t.HEALTH_CAPTION) if len(health) else None
    metrics["health"] = health.to_dict(orient="records")
    main = table[table["kernel_size"] == k]
    dead_keys = set(map(tuple, main.loc[main["dead"], ["method", "fold", "seed"]].itertuples(index=False,
                                                                                           name=None)))
    g.update(n_dead=int(main.loc[main["method"] == "max", "dead"].sum()),
             n_max_runs=int((main["method"] == "max").sum()),
             n_learned_l2=int(t.learned(main[(main["method"] == "l2") & (main["split"] == "segment")]).sum()),
             n_l2_runs=int(((main["method"] == "l2") & (main["split"] == "segment")).sum()))
    metrics["dead_max_runs"] = g["n_dead"]

    # curves (Figure 2), the architecture (Figure 1)
    curves = t.curves_table(records)
    main_curves = curves[(curves["kernel_size"] == k) & (curves["split"] == "segment")]
    page.figures["fig_curves"] = partial(curves_figure, main_curves, names=t.METHOD_NAMES, dead=dead_keys)
    page.figure_data["fig_curves"] = main_curves.assign(dead=[key in dead_keys for key in zip(
        main_curves["method"], main_curves["fold"], main_curves["seed"])])
    blocks = iclr_blocks(in_leads=2, samples=2000, kernel_size=k)
    page.figures["fig_architecture"] = partial(architecture_figure, blocks=blocks)
    page.figure_data["fig_architecture"] = pd.DataFrame(blocks)
    # every run's accuracy per method and split (the distribution behind the classification table)
    scores = main[[*t.GRID_KEYS, "accuracy", "auc"]]
    page.figures["fig_fold_scores"] = partial(fold_scores_figure, scores, names=t.METHOD_NAMES,
                                              splits=list(params.splits),
                                              split_names={s: t.SPLIT_WORDS.get(s, s) for s in params.splits})
    page.figure_data["fig_fold_scores"] = scores

    # where the attention lands
    examples = _attention_figures(records, params, segments)
    for i in range(2):
        page.figures[f"fig_attention_{i}"], page.figure_data[f"fig_attention_{i}"] = examples[i] \
            if i < len(examples) else (partial(empty_figure, "no attention run in this build"), pd.DataFrame())
    page.figures["fig_grades"], page.figure_data["fig_grades"] = _grade_figure(records, params, segments)
    loc = t.localisation_table(table, kernel_size=k)
    page.shown["localisation"] = Table(
        loc, "Attention against the annotated abnormal beats, held-out segments, mean over runs", precision=3)
    l2_seg = loc[(loc["method"] == t.METHOD_NAMES["l2"]) & (loc["split"] == "segment")]
    for name, col in (("l2_mass", "mass in abnormal beats"), ("l2_base", "uniform baseline"), ("l2_auroc", "AUROC")):
        g[name] = f"{l2_seg[col].iloc[0]:.2f}" if len(l2_seg) else "n/a"
    metrics["localisation"] = loc.to_dict(orient="records")

    # grades and kernels
    grades = t.grade_summary(records, kernel_size=k)
    g.update(grade_100=grades["random_100"], grade_all=grades["all"])
    metrics["grades"] = grades
    by_kernel = t.kernel_ablation(table)
    page.figures["fig_kernels"] = partial(plot_kernel_ablation, by_kernel)
    page.figure_data["fig_kernels"] = by_kernel.rename_axis("kernel_samples")
    g["kernels_s"] = ", ".join(f"{kk / 360:.2f}" for kk in by_kernel.index) if len(by_kernel) else "n/a"

    # the comparisons and the claims
    comparisons = t.method_comparisons(table, kernel_size=k, splits=params.splits, methods=params.methods)
    page.shown["comparisons"] = Table(
        comparisons.assign(a=comparisons["a"].map(t.METHOD_NAMES), b=comparisons["b"].map(t.BASELINE_NAMES)),
        t.COMPARISONS_CAPTION, precision=3, intervals=(("mean_diff", "low", "high"),)) if len(comparisons) else None
    metrics["comparisons"] = comparisons.to_dict(orient="records")
    claims = chapter_claims(table, curves, budget, kernel_size=k, paper=paper, grouped=grouped)
    page.shown["claims"] = claims_table(claims)
    metrics["claims"] = claims_metrics(claims)
    # the budget ladder: the claims again from the weights a run capped at 3, 10 and 30 epochs would keep
    from ecgstudy.claims_ladder import rung_epochs
    from ecgstudy.studies.iclr.ladder_table import budget_ladder, rung_frame

    ladder = budget_ladder(table, curves, rung_frame(records), claims, budget=budget, kernel_size=k, paper=paper,
                           grouped=grouped)
    page.shown["ladder"] = ladder.table() if ladder.rungs else None
    g["ladder_text"] = ladder.text()
    g["ladder_epochs"] = rung_epochs(ladder.rungs)
    metrics["budget_ladder"] = ladder.metrics()
    g.update(budget_reached="reaches" if budget.reached else "does not reach",
             reference_acc=budget.reference.text(3), budget_needed=budget.would_change(),
             n_claims=len(claims), verdict_counts=verdict_text(metrics["claims"]))
    page.shown["inventory"] = Table(t.inventory_table(), "Every figure and table of the paper, and where this page "
                                                       "reproduces it")
    page.metrics = metrics
    return page
