"""The book's summary pages: the introduction (which data built this copy, and every chapter's claims
at a glance), the precision check and how the verdicts are decided (the intervals and their coverage). The
notebooks only show what these functions return (the scorecard's page is :mod:`ecgstudy.scorecard_page`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from ecgstudy.claims import chapter_claims, glance_table, verdict_counts, verdict_text
from ecgstudy.report import Page, Table

#: The papers in book order: scorecard key and title.
PAPERS = (("iclr", "Attention-based joint learning (ICLR 2021 submission)"), ("xecgnet", "xECGNet (CMPB 2021)"),
          ("ecgradcam", "ECGradCAM (Sci Rep 2021)"))

_PAGE_COLUMNS = ["page", "experiment", "data_kind", "reads", "run_id", "recomputed", "seconds"]


def intro_page(manifest: str | Path | None, *, profile: str, store=None) -> Page:
    """The introduction: the pages of this build (from the book's ``manifest``) and the three
    chapters' claims at a glance (from the committed real-data chapter pages)."""
    page = Page(name="intro")
    g = page.glue
    info = json.loads(Path(manifest).read_text()) if manifest else {"pages": [], "profile": profile, "built": "?"}
    pages = pd.DataFrame(info["pages"]) if info["pages"] else pd.DataFrame(columns=_PAGE_COLUMNS)
    data_pages = pages[pages["reads"].isin(["real", "synthetic"])]
    n_real = int((data_pages["data_kind"] == "real").sum())
    committed = pages["committed"].fillna(False).astype(bool) if "committed" in pages else pd.Series(False, pages.index)
    n_committed = int(committed.sum())
    book_data = "real PhysioNet data" if n_real == len(data_pages) and n_real else \
        ("a mix of real and synthetic data" if n_real else "synthetic data only")
    if n_committed:
        book_data += (f" ({n_committed} of the real pages are committed ones, computed earlier from the reference "
                      "data: this build did not have the data)")
    g.update(book_profile=info["profile"], book_built=info["built"], n_pages=len(data_pages), n_pages_real=n_real,
             book_data=book_data)
    pages = pages.assign(reads=pages["reads"].where(~committed, pages["reads"] + " (committed page)"))
    page.shown["pages"] = Table(
        pages[["page", "experiment", "reads", "run_id", "recomputed", "seconds"]].rename(columns={
            "reads": "data", "run_id": "run id", "recomputed": "computed in this build", "seconds": "run seconds"}),
        "The pages of this copy")

    claims = chapter_claims(store)
    records = claims.to_dict(orient="records") if len(claims) else []
    counts = verdict_counts(records)
    g["claims_counts"] = verdict_text(records)
    g["n_claims"] = len(records)
    g["claims_pages"] = ", ".join(f"{c} ({p}, run {r})" for c, p, r in
                                  claims[["chapter", "profile", "run_id"]].drop_duplicates().itertuples(index=False)) \
        if len(claims) else "no chapter page on real data in this copy"
    page.shown["claims"] = glance_table(claims, "Every tested claim of the three papers, from the real-data "
                                                "chapter pages (each chapter explains its rows)") \
        if len(claims) else "No chapter page on real data carries claims in this copy's run store yet."
    page.metrics = {"claims": records, "verdict_counts": counts}
    return page


#: Metrics the bf16-vs-fp32 check compares, per chapter: (keys of a run, metrics of its metrics.json).
PRECISION_METRICS = {"iclr": (("method",), ("accuracy", "auc", "sensitivity", "specificity")),
                     "xecgnet": (("gamma",), ("micro_f1", "macro_f1", "multi_acc")),
                     "ecgradcam": (("target",), ("mae", "r2"))}


#: What each chapter's check trains, for its table's caption.
CHECK_WHAT = {"iclr": "held-out metrics of segment-wise fold 0", "xecgnet": "test metrics of the PTB-XL runs at gamma 0.01",
              "ecgradcam": "held-out metrics of the LUDB QRS-duration network, fold 0"}


def precision_page(*, profile: str, data: str = "auto", store=None) -> Page:
    """Does bf16 training change the answers? The paired fp32 / bf16 runs of each chapter's check
    (:mod:`ecgstudy.studies.precision`) found in the store for ``profile``; nothing is trained here."""
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.precision import CHECKS, SEEDS, precision_rows, run_frame
    from ecgstudy.studies.precision import verdict_text as precision_text

    store = store or RunStore()
    page = Page(name="precision")
    g = page.glue
    jobs = {chapter: check(profile=profile, data=data) for chapter, check in CHECKS.items()}
    g.update(check_profile=profile, check_seeds=", ".join(map(str, SEEDS)))
    counts, texts = {}, []
    for chapter, chapter_jobs in jobs.items():
        keys, metrics = PRECISION_METRICS[chapter]
        records = [store.get(spec) for _, spec in chapter_jobs]
        done = sum(r.ok for r in records)
        counts[chapter] = {"done": done, "planned": len(records)}
        rows = precision_rows(run_frame(records, keys=keys, metrics=metrics), keys=keys, metrics=metrics) \
            if done else pd.DataFrame()
        text = precision_text(rows, keys=keys)
        texts.append(f"{dict(PAPERS)[chapter].split(' (')[0]}: {text}")
        g[f"{chapter}_precision"] = text
        g[f"{chapter}_precision_runs"] = f"{done} of {len(records)}"
        if rows.empty:
            page.shown[chapter] = (f"No paired runs in this copy's store for the `{profile}` profile "
                                   f"({done} of {len(records)} runs finished): `ecgstudy grid precision "
                                   f"--profile {profile}` trains them.")
            continue
        arms = ["arm"] if rows["arm"].nunique() > 1 else []
        page.shown[chapter] = Table(
            rows[[*keys, *arms, "metric", "seeds", "fp32", "bf16", "difference", "low", "high", "seed_sd",
                  "within_seed_spread"]].rename(columns={"difference": "bf16 - fp32", "low": "95 % low",
                                                          "high": "95 % high", "seed_sd": "seed sd (fp32)",
                                                          "within_seed_spread": "within the seed spread",
                                                          "arm": "bf16 arm"}),
            f"{dict(PAPERS)[chapter]}: {CHECK_WHAT[chapter]}, fp32 and bf16 runs paired by seed; the mean "
            "difference with its Student t interval over seeds, beside the fp32 runs' seed-to-seed sd",
            precision=4, intervals=(("bf16 - fp32", "95 % low", "95 % high"),))
    g["precision_summary"] = " ".join(texts)
    page.metrics = {"counts": counts}
    return page


#: Which interval each design of the study takes, and where the book meets it.
INTERVAL_DESIGNS = (
    ("a mean of a few independent runs", "Student t (t_interval)",
     "per-class F1 over seeds; Chapter 4's means over patients"),
    ("paired differences over the folds of one cross-validation, or values over them", "Nadeau & Bengio's corrected "
     "resampled t (corrected_t_interval): the folds share training data", "ICLR; ECGradCAM on LUDB and PTB-XL"),
    ("seeds that each draw their own random split", "corrected resampled t, the test / training sizes of a split",
     "xECGNet on MIT-BIH"),
    ("seeds (or networks trained on the folds of another dataset) that all score one fixed test set",
     "the runs' t plus the variance of a bootstrap over the test patients, shared by every run "
     "(fixed_test_interval)", "xECGNet on PTB-XL; the ECGradCAM transfer networks on LUDB"),
    ("two independent sets of cross-validation runs", "Welch's t with each side corrected "
     "(corrected_welch_interval)", "ICLR: patient-wise against segment-wise folds"),
    ("predictions pooled over runs", "a percentile bootstrap that resamples patients with all their rows "
     "(cluster_bootstrap_ci)", "ICLR's pooled accuracy and AUC; ECGradCAM's record bootstrap"),
)


def statistics_page(*, n_sims: int, seed: int = 0) -> Page:
    """How the verdicts are decided: the one rule, the interval each design takes (:data:`INTERVAL_DESIGNS`) and
    each interval's coverage by simulation (:func:`ecgstudy.metrics.coverage_sims.coverage_table`)."""
    from functools import partial

    from ecgstudy.metrics.coverage_sims import coverage_table, naive_and_ours
    from ecgstudy.metrics.stats import VERDICTS, claim_verdict
    from ecgstudy.viz.coverage import coverage_figure

    page = Page(name="statistics")
    g = page.glue
    table = coverage_table(n_sims=n_sims, seed=seed)

    def cov(design: str, runs: int, interval_start: str) -> str:
        row = table[(table["design"] == design) & (table["runs"] == runs)
                    & table["interval"].str.startswith(interval_start)]
        return f"{100 * float(row['coverage'].iloc[0]):.0f} %"

    g.update(n_sims=f"{n_sims:,}", mc_band=f"{200 * math.sqrt(0.95 * 0.05 / n_sims):.1f}",
             boot_5=cov("mean of independent runs", 5, "percentile"), t_5=cov("mean of independent runs", 5, "Student"),
             seeds_only_5=cov("seeds on one fixed test set", 5, "seeds only"),
             fixed_5=cov("seeds on one fixed test set", 5, "seeds +"),
             fixed_2=cov("seeds on one fixed test set", 2, "seeds +"),
             cv_plain_5=cov("folds of one cross-validation", 5, "plain"),
             cv_corrected_5=cov("folds of one cross-validation", 5, "corrected"))
    examples = [(0.01, 0.09, 0.05), (-0.09, -0.01, 0.05), (-0.02, 0.02, 0.05), (-0.03, 0.08, 0.05)]
    page.shown["rule"] = Table(pd.DataFrame(
        [{"our 95 % interval": f"{lo:+.2f} to {hi:+.2f}", "paper's effect": f"{eff:+.2f}",
          "verdict": claim_verdict(lo, hi, paper_effect=eff)} for lo, hi, eff in examples]
        + [{"our 95 % interval": "any", "paper's effect": "any", "verdict": VERDICTS[3]}]),
        "The one rule (ecgstudy.metrics.stats.claim_verdict) on example intervals of a difference whose paper "
        "value is +0.05; the last row: the networks compared had not reached the budget the claim needs")
    page.shown["designs"] = Table(pd.DataFrame(INTERVAL_DESIGNS, columns=["design", "interval", "where"]),
                                  "The interval each design takes")
    page.shown["coverage"] = Table(
        naive_and_ours(table), f"Coverage of the naive interval and of the study's (nominal 95 %), {n_sims:,} "
        f"simulations per row (Monte Carlo error about ±{g['mc_band']} points)", precision=3)
    page.figures["fig_coverage"] = partial(coverage_figure, table, n_sims=n_sims)
    page.figure_data["fig_coverage"] = table
    page.metrics = {"coverage": table.to_dict(orient="records"), "n_sims": n_sims}
    return page
