"""The book's summary pages: the introduction (which data built this copy, and every chapter's claims
at a glance) and the precision check. The notebooks only show what these functions return (the
scorecard's page is :mod:`ecgstudy.scorecard_page`)."""

from __future__ import annotations

import json
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
