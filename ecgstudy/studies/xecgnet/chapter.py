"""The xECGNet chapter: the gamma sweep it trains (or reuses), and :func:`summarise`, which returns
everything the page shows."""

from __future__ import annotations

from functools import partial

import pandas as pd

from ecgstudy.report import Page
from ecgstudy.runs.executors import run_grid
from ecgstudy.runs.params import values_for
from ecgstudy.studies.xecgnet.data import cpsc_complete
from ecgstudy.studies.xecgnet.experiments import RUNS
from ecgstudy.studies.xecgnet.params import XecgChapterParams


def chapter_datasets(params: XecgChapterParams) -> tuple[str, ...]:
    """The chapter's datasets: ``params.datasets``, plus CPSC 2018 first when asked and complete."""
    extra = ("cpsc2018",) if params.include_cpsc and params.data != "synthetic" and cpsc_complete() else ()
    return extra + tuple(d for d in params.datasets if d not in extra)


def grid_jobs(params: XecgChapterParams, datasets: tuple[str, ...]) -> list:
    """The chapter's runs, seed by seed (so a grid stopped part-way holds whole seeds); with ``keep_weights``
    the runs of :data:`~ecgstudy.studies.xecgnet.params.PUBLISHED` store their weights."""
    from ecgstudy.studies.xecgnet.params import PUBLISHED

    jobs = []
    for seed in params.seeds:
        for ds in datasets:
            base = {"profile": params.profile, "data": params.data, **values_for(params.run_values, ds, RUNS),
                    "seed": seed}
            jobs += [RUNS[ds].job({**base, "gamma": g, "keep_weights": params.keep_weights and seed == params.seeds[0]
                                   and (ds, g) in PUBLISHED}) for g in params.gammas]
            jobs += [RUNS[ds].job({**base, "gamma": g, "regulariser": "authors_code"})
                     for g in params.authors_code_gammas]
    return jobs


def grid_records(params: XecgChapterParams, datasets: tuple[str, ...], *, store=None, progress: bool = True):
    """Run (or reuse) every run of the chapter; return their records (failures included; with
    ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    return run_grid(grid_jobs(params, datasets), executor=params.executor, store=store,
                    train_missing=params.train_missing, progress=progress)


def _maps_figures(records, params: XecgChapterParams, datasets, names) -> list:
    """Drawing functions of up to two multi-label test records, each with the frame it draws: M and the
    true classes' response maps of the first seed's run at the paper's gamma (or the largest gamma run)."""
    import numpy as np
    import torch

    from ecgstudy.attribution.maps import upsample
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.xecgnet.data import load_data
    from ecgstudy.viz.xecgnet import maps_figure, maps_frame

    draws = []
    gamma_show = 0.01 if 0.01 in params.gammas else max(params.gammas)
    for ds in datasets:
        if len(draws) >= 2:
            break
        exp = RUNS[ds]
        runs = [r for r in records if r.ok and r.spec.experiment == exp.name and r.spec.params["gamma"] == gamma_show
                and r.spec.params["regulariser"] == "paper" and r.spec.params["seed"] == params.seeds[0]]
        if not runs or not (runs[0].path / "maps.npz").exists():
            continue
        run = runs[0]
        d = load_data(ds, exp.params(exp.replay_values(run.spec.params)), resolve_data(run.spec.params["data"], exp.datasets))
        with np.load(run.path / "maps.npz") as z:
            att, multi = z["attention"].astype(np.float32), z["multi_index"]
            resp = z["response_multi"].astype(np.float32)
        n = d.x["test"].shape[-1]
        for pos, i in enumerate(multi[:2]):
            if len(draws) >= 2:
                break
            m_up = upsample(torch.as_tensor(att[i:i + 1]), n)[0].numpy()
            a_up = upsample(torch.as_tensor(resp[pos:pos + 1]), n)[0].numpy()
            labels = "+".join(c for c, y in zip(d.class_names, d.y["test"][i]) if y)
            title = (f"{names[ds]} {d.ids['test'][i]}: {labels} (gamma = {gamma_show:g}, "
                     f"seed {params.seeds[0]})")
            draws.append((partial(maps_figure, d.x["test"][i, 0], m_up, a_up, fs=d.fs, class_names=d.class_names,
                                  labels=d.y["test"][i], beats=d.test_beats(int(i)) if d.test_beats else None,
                                  lead_name=d.lead_names[0], title=title),
                          maps_frame(d.x["test"][i, 0], m_up, a_up, fs=d.fs, class_names=d.class_names,
                                     labels=d.y["test"][i])))
    return draws


def summarise(params: XecgChapterParams, *, data_kind: str, store=None) -> Page:
    """Everything the xECGNet page shows, from the chapter's runs (trained first unless
    ``params.train_missing`` is false): glued texts, tables, figures and the page's metrics.

    ``data_kind``: the page's resolved data (``"real"`` or ``"synthetic"``), which names the datasets;
    each figure's records are read from the data its run used."""
    from ecgstudy.claims import claims_metrics, claims_table
    from ecgstudy.report import Table, empty_figure
    from ecgstudy.runs.grid_status import GridStatus
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.studies.xecgnet import health as h
    from ecgstudy.studies.xecgnet import tables as t
    from ecgstudy.studies.xecgnet import verdicts as v
    from ecgstudy.viz.xecgnet import sweep_figure

    page = Page(name="xecgnet")
    g = page.glue
    used = chapter_datasets(params)
    names = v.dataset_labels(data_kind)
    run_params = {ds: RUNS[ds].params({"profile": params.profile, **values_for(params.run_values, ds, RUNS)})
                  for ds in used}
    grid = GridStatus.of(grid_records(params, used, progress=False, store=store))
    records = grid.summarised
    g["completeness"] = grid.completeness(why="the grid goes seed by seed", covers="every mean, interval and test below")
    table = t.run_table(records)
    page.shown["failures"] = grid.failures() or None
    from ecgstudy.data.patients import leakage_text
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.xecgnet.effects import design_of

    # each dataset's folder, resolved once: MIT-BIH's recomputes the splits, PTB-XL's names the test patients
    folders = {ds: resolve_data(params.data, RUNS[ds].datasets).folders.get(ds) for ds in used} \
        if data_kind == "real" else {}
    leak = t.patient_leakage(records, real=data_kind == "real", mitdb_folder=folders.get("mitdb"))
    g["patient_leakage"] = leakage_text(leak["leaky"], leak["runs"], unit="MIT-BIH window runs",
                                        what="records 201 and 202 come from one man")
    design = design_of(records, data_kind=data_kind, folders=folders)
    g["interval_text"] = design.text(names)
    first = run_params[used[0]]
    paper = {n.key: n.paper_value for n in PAPER_NUMBERS}
    g.update(
        n_runs=len(records), n_failed=len(grid.failed), n_seeds=len(params.seeds),
        min_p=f"{2 / 2 ** len(params.seeds):.3g}",
        paper_multi_g0=f"{100 * paper['xecgnet.cpsc.g0.multi_acc']:.1f} %",
        paper_multi_g001=f"{100 * paper['xecgnet.cpsc.g0.01.multi_acc']:.1f} %",
        paper_f1_g001=f"{paper['xecgnet.cpsc.g0.01.micro_f1']:.3f}",
        gammas=", ".join(f"{gamma:g}" for gamma in params.gammas),
        selection_text=v.selection_text(run_params, names),
        selection_deviation=v.selection_deviation(run_params, t.validation_jumps(records), names),
        convergence=v.convergence_text(table, names=names, max_epochs={ds: run_params[ds].max_epochs for ds in used}),
        lr=f"{first.lr:g}", lr_schedule="constant" if first.lr_schedule == "constant" else "decayed to 0 along a cosine",
        batch_size=first.batch_size, pools=", ".join(map(str, first.pool_sizes)),
        datasets_used="This build used: " + "; ".join(f"{names[d]}" for d in used) + ".",
        cpsc_note=v.cpsc_note(used, data=params.data, include_cpsc=params.include_cpsc),
        authors_gammas=", ".join(f"{gamma:g}" for gamma in params.authors_code_gammas) or "none in this build",
    )
    page.shown["data"] = Table(t.data_table(records, used, names), "What each run trains and tests on")

    # classification across the sweep
    main = table[table["regulariser"] == "paper"] if len(table) else table
    page.shown["sweep"] = Table(
        t.sweep_table(main, names),
        "Test metrics, mean ± sd over seeds (paper's regulariser). multi_acc: exact match on records with two or "
        "more labels, the abstract's 'multilabel subset accuracy'")
    paper_f1 = {gamma: paper[f"xecgnet.cpsc.g{gamma:g}.micro_f1"] for gamma in (0, 0.001, 0.01, 0.1, 1, 10)}
    paper_multi = {0: paper["xecgnet.cpsc.g0.multi_acc"], 0.01: paper["xecgnet.cpsc.g0.01.multi_acc"]}
    page.figures["fig_sweep"] = partial(sweep_figure, main, used, names, paper_f1=paper_f1, paper_multi=paper_multi)
    page.figure_data["fig_sweep"] = main[[c for c in ("dataset", "gamma", "seed", "micro_f1", "multi_acc")
                                          if c in main]]
    effects = t.effect_table(main, design=design)
    page.shown["effects"] = Table(
        effects.assign(dataset=effects["dataset"].map(names))[
            ["dataset", "metric", "gamma", "n", "mean", "mean_gamma0", "diff", "low", "high", "low_adj", "high_adj",
             "interval"]],
        "Paired over seeds: gamma vs gamma = 0. diff = mean difference with its 95 % interval (low, high; "
        "'interval' says how each dataset's is computed, as the text above explains) and its Bonferroni-adjusted "
        "interval for the number of gammas tried (low_adj, high_adj)", precision=3, formats={"gamma": "{:g}"},
        intervals=(("diff", "low", "high"), ("diff", "low_adj", "high_adj"))) if len(effects) else None
    summary = v.chapter_summary(table, effects, names=names)
    g["best_gamma_text"] = summary["best_text"]

    # model health and the constant predictors
    health = h.run_health(records)
    page.shown["baselines"] = Table(
        h.baseline_table(health, names),
        "Each metric's mean over seeds beside a constant predictor on the same test sets (the most frequent label "
        "set; for multi_acc the most frequent set among multi-label records), chosen on the test labels so an "
        "upper bound for any constant; 'runs <= constant': runs that do not beat it", precision=3) \
        if len(health) else None
    page.shown["health"] = Table(
        h.health_table(health, names),
        "Model health per setting: runs whose micro-F1 does not beat the constant predictor ('learned nothing'), "
        "mean share of the true classes' response maps that are identically zero on multi-label test records "
        "(and runs where it is at least half), mean share of flat attention maps (range below 1e-3), healthy "
        "runs (learned, with fewer than half of either dead) and converged runs (the best epoch of the run's "
        "selection score at least 6 epochs before the end)", precision=2) if len(health) else None
    g["health_text"] = v.health_text(health, names)
    metrics = {**summary["metrics"], **grid.counts(), "patient_leakage": leak, "health": v.health_metrics(health)}

    # claims at a glance
    budgets = {ds: v.budget_text(run_params[ds]) for ds in used}
    claims = v.claims(main, health, names=names, budgets=budgets, design=design) if len(main) else []
    page.shown["claims"] = claims_table(claims)
    metrics["claims"] = claims_metrics(claims)
    g["verdict"] = v.claims_text(claims)
    # the budget ladder: the claims again from the weights a run capped at 3, 10 and 30 epochs would keep
    from ecgstudy.claims_ladder import rung_epochs
    from ecgstudy.studies.xecgnet.ladder import budget_ladder, rung_frame

    ladder = budget_ladder(main, health, rung_frame(records), claims, names=names, budgets=budgets, design=design)
    page.shown["ladder"] = ladder.table() if ladder.rungs else None
    g["ladder_text"] = ladder.text()
    g["ladder_epochs"] = rung_epochs(ladder.rungs)
    metrics["budget_ladder"] = ladder.metrics()
    g["convergence_rule"] = (f"A claim that compares trained networks is testable only when they had converged: "
                             f"at least {100 * v.CONVERGED_SHARE:.0f} % of the runs of each gamma it compares reached "
                             f"the best epoch of their selection score ({v.selection_scores(run_params)}) at least "
                             f"{h.CONVERGED_AFTER} epochs before their last epoch (early stopping did, or would have, "
                             f"ended them). The authors "
                             f"allowed up to {v.PAPER_EPOCHS:,} epochs with patience {v.PAPER_PATIENCE}.")
    f1 = v.per_class_f1_table(main, names)
    page.shown["per_class_f1"] = Table(
        f1, "Test F1 per class, mean over seeds with its 95 % Student-t interval over the seeds (on a fixed test "
            "set it shows how training varies, not the test sample's uncertainty), beside the paper's CPSC 2018 "
            "F1 of the matching class (its single runs)", precision=3, na_rep="",
        intervals=(("F1 gamma 0", "low 0", "high 0"), ("F1 gamma 0.01", "low 0.01", "high 0.01"))) \
        if len(f1) else None
    page.shown["inventory"] = Table(v.inventory_table(), "Every result of the paper and where this page shows it")
    regs = t.regulariser_table(table, params.authors_code_gammas, names)
    page.shown["regularisers"] = Table(regs, "Same gamma, the two regularisers") if len(regs) else \
        "*No run of the authors' regulariser in this build.*"

    # coverage of the abnormal beat types
    page.shown["coverage"] = page.shown["coverage_effect"] = None
    if len(table) and "attention_ratio" in table:
        page.shown["coverage"] = Table(
            t.coverage_table(main, names),
            "Mean over seeds of test-window scores: ratio = attention mass share / uniform share, per beat class; "
            "multi_covered = share of windows with >= 2 abnormal beat types where M covers every one",
            precision=2, na_rep="n/a", index=True)
        well = main.merge(health[["dataset", "gamma", "regulariser", "seed", "healthy"]], how="inner",
                          on=["dataset", "gamma", "regulariser", "seed"]) if len(health) else main.iloc[:0]
        well = well[well["healthy"].astype(bool)] if len(well) else well
        e = t.gamma_effect(well.dropna(subset=["attention_multi_covered"]), metric="attention_multi_covered",
                           design=design) \
            if len(well) else pd.DataFrame()
        if len(e):
            page.shown["coverage_effect"] = Table(
                e.assign(dataset=e["dataset"].map(names)),
                "Paired over the seeds whose two networks are healthy: full coverage of multi-type windows, gamma "
                "vs 0, with its 95 % interval (low, high; 'interval' says how it is computed) and the "
                "Bonferroni-adjusted one",
                precision=3, formats={"gamma": "{:g}"},
                intervals=(("diff", "low", "high"), ("diff", "low_adj", "high_adj")))
        metrics["coverage"] = t.coverage_metrics(main, names)
        g["cov_text"] = summary["coverage_text"]
    else:
        g["cov_text"] = "No dataset with beat annotations was part of this build."

    examples = _maps_figures(records, params, used, names)
    for i in range(2):
        page.figures[f"fig_maps_{i}"], page.figure_data[f"fig_maps_{i}"] = examples[i] if i < len(examples) else \
            (partial(empty_figure, "no multi-label test record in this build"), pd.DataFrame())
    page.metrics = metrics
    return page
