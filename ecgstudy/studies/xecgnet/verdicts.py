"""The xECGNet chapter's verdicts and sentences: the gamma claim judged by one written rule, the budget,
the model selection and the attention's coverage, in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecgstudy.metrics.intervals import format_bound
from ecgstudy.studies.xecgnet.params import DATASET_NAMES, XecgRunParams
from ecgstudy.studies.xecgnet.tables import convergence


def dataset_labels(data_kind: str) -> dict[str, str]:
    """How the page names each dataset: its name on real data, else the synthetic stand-in's."""
    if data_kind == "real":
        return dict(DATASET_NAMES)
    return {k: f"synthetic stand-in for the {v}" for k, v in DATASET_NAMES.items()}


def cpsc_note(used: tuple[str, ...], *, data: str, include_cpsc: bool, data_dir=None) -> str:
    """What the page says about CPSC 2018, the paper's own data: part of this build, present only as a sample
    too small to train on (and so not used), left out on purpose, or not found.

    ``used``: the datasets the chapter trains on (:func:`~ecgstudy.studies.xecgnet.chapter.chapter_datasets`);
    ``data``: the page's data choice; ``data_dir``: the data directory (default: ``ECGSTUDY_DATA``)."""
    from ecgstudy.data.registry import DATASETS
    from ecgstudy.studies.xecgnet.data import CPSC_MIN_RECORDS, cpsc_records_here

    rows = "the paper's own rows stay *needs CPSC 2018 data* in the scorecard"
    get = "`ecgstudy data download cpsc2018` says how to get the training set"
    folder, n = cpsc_records_here(data_dir) if data != "synthetic" else (None, 0)
    if "cpsc2018" in used:
        return f"CPSC 2018 was found ({n:,} records) and is part of this build."
    if data == "synthetic":
        return f"This build runs on synthetic data only, so it does not read CPSC 2018: {rows}."
    if folder is not None and n < CPSC_MIN_RECORDS:
        return (f"CPSC 2018 is present only as a small sample ({n:,} of its {DATASETS['cpsc2018'].n_published:,} "
                f"training records), too few to train on (the chapter needs at least {CPSC_MIN_RECORDS:,}), so the "
                f"chapter does not use it and {rows}; {get}.")
    if folder is not None:
        return f"CPSC 2018 ({n:,} records) is present but left out of this build (`include_cpsc` is false): {rows}."
    return (f"CPSC 2018 was not found (its signals are not redistributable here), so {rows}; `ecgstudy data "
            "download cpsc2018` says how to get it.")


def convergence_text(table: pd.DataFrame, *, max_epochs: int | dict[str, int],
                     names: dict[str, str] | None = None) -> str:
    """A sentence per dataset from :func:`convergence`, for the page."""
    names = names or DATASET_NAMES
    conv = convergence(table, max_epochs=max_epochs)
    if not len(conv):
        return ""
    parts = []
    for r in conv.itertuples():
        if r.fixed == r.n:
            parts.append(f"on the {names[r.dataset]}, all {r.n} runs trained the {r.max_epochs} epochs and kept the "
                         f"final weights")
        else:
            parts.append(f"on the {names[r.dataset]}, {r.stopped} of {r.n} runs stopped early, {r.best_last} scored "
                         f"best on validation at the last epoch allowed ({r.max_epochs}), and the median best epoch "
                         f"was {r.median_best_epoch:g}")
    note = (" Runs that score best at the last epoch might still improve with a longer budget."
            if (conv["fixed"] < conv["n"]).any() else "")
    return "How the runs ended: " + "; ".join(parts) + "." + note


def selection_text(run_params: dict[str, "XecgRunParams"], names: dict[str, str] | None = None) -> str:
    """How each dataset's runs choose their weights, a sentence for the page's budget paragraph.

    >>> p = {"ptbxl": XecgRunParams(max_epochs=20, patience=6),
    ...      "mitdb": XecgRunParams(max_epochs=20, patience=None, selection="last_epoch")}
    >>> print(selection_text(p, {"ptbxl": "P", "mitdb": "M"}))
    Runs on the P keep the epoch of best validation micro-F1 (the authors' rule) of at most 20 epochs, \
stopping after 6 without a better one; runs on the M train 20 epochs and keep the final weights (a fixed budget).
    """
    names = names or DATASET_NAMES
    parts = []
    for ds, p in run_params.items():
        if p.selection == "last_epoch":
            parts.append(f"runs on the {names[ds]} train {p.max_epochs} epochs and keep the final weights "
                         f"(a fixed budget)")
        else:
            stop = "" if p.patience is None else f", stopping after {p.patience} without a better one"
            epochs = f"{p.max_epochs} epoch" + ("s" if p.max_epochs != 1 else "")
            rule = ("best validation micro-F1 (the authors' rule)" if p.selection == "val_micro_f1" else
                    "lowest validation binary cross-entropy (a deviation: see below)")
            parts.append(f"runs on the {names[ds]} keep the epoch of {rule} of at most {epochs}{stop}")
    text = "; ".join(parts) + "."
    if any(getattr(p, "bn_stats", "running") == "exact" for p in run_params.values()):
        text += (" BatchNorm statistics are recomputed from the training records before every validation (the "
                 "authors' Keras layers keep running averages, which lagged the weights: the validation micro-F1 "
                 "then moved with the lag, not with the network).")
    return text[:1].upper() + text[1:]


def selection_scores(run_params: dict[str, "XecgRunParams"], names: dict[str, str] | None = None) -> str:
    """The validation score each dataset's runs select by, in words (one phrase when they all agree).

    >>> selection_scores({"ptbxl": XecgRunParams(selection="val_bce"), "mitdb": XecgRunParams(selection="val_bce")})
    'validation binary cross-entropy'
    >>> selection_scores({"ptbxl": XecgRunParams(), "mitdb": XecgRunParams(selection="val_bce")}, {"ptbxl": "P", "mitdb": "M"})
    'validation micro-F1 on the P, validation binary cross-entropy on the M'
    """
    names = names or DATASET_NAMES
    words = {ds: "validation binary cross-entropy" if p.selection == "val_bce" else "validation micro-F1"
             for ds, p in run_params.items()}
    if len(set(words.values())) == 1:
        return next(iter(words.values()))
    return ", ".join(f"{w} on the {names[ds]}" for ds, w in words.items())


def selection_deviation(run_params: dict[str, "XecgRunParams"], jumps: pd.DataFrame,
                        names: dict[str, str] | None = None) -> str:
    """The deviation bullet for datasets whose runs do not select by validation micro-F1 (``""`` when none):
    why, with the median and largest epoch-to-epoch jump of their validation micro-F1 from
    :func:`validation_jumps`."""
    names = names or DATASET_NAMES
    parts = []
    for ds, p in run_params.items():
        if p.selection == "val_micro_f1":
            continue
        j = jumps.loc[jumps["dataset"] == ds, "largest_jump"].dropna() if len(jumps) else pd.Series(dtype=float)
        seen = (f" In these runs the largest change of its micro-F1 between two consecutive epochs was "
                f"{j.median():.2f} in the median run of {len(j)} (at most {j.max():.2f}), so an epoch chosen on it "
                f"is chosen largely by noise." if len(j) else "")
        kept = (f"keeps the final weights of {p.max_epochs} epochs" if p.selection == "last_epoch" else
                "keeps the epoch of lowest validation binary cross-entropy of the probabilities "
                "(`selection=\"val_bce\"`), a score that moves smoothly with the weights,")
        parts.append(f"Model selection on the {names[ds]}: the `{p.profile}` profile {kept} instead of the epoch of "
                     f"best validation micro-F1 (the authors' rule, `selection=\"val_micro_f1\"`), because its "
                     f"validation set is small.{seen}")
    return " ".join(parts)


def _fmt_effect(row) -> str:
    if row["low"] != row["low"]:
        return f"{row['diff']:+.3f} ({int(row['n'])} seed: no interval)"
    method = row.get("interval") or f"paired Student t over {int(row['n'])} seeds"
    return f"{row['diff']:+.3f} (95 % CI {format_bound(row['low'])} to {format_bound(row['high'])}, {method})"


def chapter_summary(table: pd.DataFrame, effects: pd.DataFrame, *, names: dict[str, str] | None = None,
                    primary_gamma: float = 0.01) -> dict:
    """What the page says about the sweep, from the run table and :func:`gamma_effect` rows (the verdicts
    themselves are the claims, :func:`claims`).

    Returns ``metrics`` (per dataset and gamma: means over seeds of the paper's metrics, keyed
    as the scorecard reads them, e.g. ``metrics["ptbxl"]["gamma_0.01"]["multi_acc"]``),
    ``best_text`` (the paper's gamma, and the sweep's best gamma judged by its Bonferroni-adjusted
    interval, since it is picked after the fact) and ``coverage_text``; ``names`` labels the datasets
    (default: :data:`DATASET_NAMES`).
    """
    names = names or DATASET_NAMES
    metrics: dict = {}
    if len(table):
        main = table[table["regulariser"] == "paper"]
        for (ds, g), part in main.groupby(["dataset", "gamma"]):
            means = part.drop(columns=["dataset", "gamma", "regulariser", "seed"]).mean(numeric_only=True)
            present = {k: float(v) for k, v in means.items() if v == v}  # a dataset's own columns only
            entry = {k: v for k, v in present.items() if not k.startswith("f1.")}
            entry["acc"] = entry.get("subset_acc")
            entry["f1"] = {k[3:]: v for k, v in present.items() if k.startswith("f1.")}
            entry["n_seeds"] = int(len(part))
            metrics.setdefault(ds, {})[f"gamma_{g:g}"] = entry
    multi = effects[effects["metric"] == "multi_acc"] if len(effects) else effects
    sentences = []
    for ds, part in multi.dropna(subset=["diff"]).groupby("dataset", sort=False) if len(multi) else []:
        primary = part[np.isclose(part["gamma"], primary_gamma)]
        if len(primary):
            sentences.append(f"On the {names[ds]}, the paper's gamma ({primary_gamma:g}) changes multi-label "
                             f"subset accuracy by {_fmt_effect(primary.iloc[0])} over gamma = 0.")
        best = part.loc[part["diff"].idxmax()]
        if len(part) > 1 and not np.isclose(best["gamma"], primary_gamma):
            sentences.append(
                f"The best of its {int(best['k'])} gammas, {best['gamma']:g}, changes it by {best['diff']:+.3f}; "
                f"picked after the fact, it is judged by its Bonferroni-adjusted interval, "
                f"{format_bound(best['low_adj'])} to {format_bound(best['high_adj'])}, which "
                f"{'lies above 0' if best['low_adj'] > 0 else 'includes 0'}.")
    return {"metrics": metrics, "best_text": " ".join(sentences) or "No gamma > 0 was paired with gamma = 0 in "
            "this build.", "coverage_text": _coverage_text(table, names)}


def _coverage_text(table: pd.DataFrame, names: dict[str, str]) -> str:
    if not len(table) or "attention_multi_covered" not in table:
        return "No dataset with beat annotations was part of this build."
    main = table[(table["regulariser"] == "paper")].dropna(subset=["attention_ratio"])
    out = []
    for ds, part in main.groupby("dataset", sort=False):
        by_g = part.groupby("gamma")[["attention_ratio", "attention_multi_covered", "response_ratio"]].mean()
        if 0.0 not in by_g.index or len(by_g) < 2:
            continue
        g0 = by_g.loc[0.0]
        others = by_g.drop(index=0.0)
        key = "attention_multi_covered" if others["attention_multi_covered"].notna().any() else "attention_ratio"
        best_g = others[key].idxmax()
        gb = by_g.loc[best_g]

        def pct(v):
            return "n/a (no window with two abnormal types)" if v != v else f"{100 * v:.0f} %"

        out.append(
            f"On the {names[ds]}, the attention of the ABN (gamma = 0) puts {g0['attention_ratio']:.2f} times "
            f"the uniform share of its mass on the abnormal beats and covers every abnormal type in "
            f"{pct(g0['attention_multi_covered'])} of the windows with two or more; with gamma = {best_g:g} "
            f"(the best) the figures are {gb['attention_ratio']:.2f} and {pct(gb['attention_multi_covered'])}. "
            f"The class response maps themselves reach a ratio of {g0['response_ratio']:.2f} at gamma = 0.")
    return " ".join(out) or "Too few gammas in this build to compare coverage."


#: A comparison is testable when at least this share of the runs of each of its arms had converged
#: (:func:`~ecgstudy.studies.xecgnet.health.converged`).
CONVERGED_SHARE = 0.8
#: The authors' budget: up to 1,000 epochs, early stopping after 50 without a better validation micro-F1.
PAPER_EPOCHS, PAPER_PATIENCE = 1000, 50


def _paper() -> dict[str, float]:
    from ecgstudy.paper_numbers import PAPER_NUMBERS

    return {n.key: n.paper_value for n in PAPER_NUMBERS}


def _arm(health: pd.DataFrame, ds: str, gamma: float) -> pd.DataFrame:
    h = health[(health["dataset"] == ds) & (health["regulariser"] == "paper")]
    return h[np.isclose(h["gamma"], gamma)]


def _testability(health: pd.DataFrame, ds: str, gammas: tuple[float, ...], seconds: float,
                 names: dict[str, str]) -> tuple[bool, str]:
    """Whether every arm (gamma) of a comparison on ``ds`` had converged (:data:`CONVERGED_SHARE` of its
    runs), and, when not, what budget the claim needs."""
    arms = [(g, _arm(health, ds, g)) for g in gammas]
    ok = all(len(a) and a["converged"].mean() >= CONVERGED_SHARE for _, a in arms)
    if ok:
        return True, ""
    seen = " and ".join(f"{int(a['converged'].sum())} of {len(a)} gamma-{g:g} runs" for g, a in arms)
    runs = sum(len(a) for _, a in arms)
    total = f", {runs * PAPER_EPOCHS * seconds / 3600:.0f} h for these {runs} runs" if runs > 1 else ""
    cost = (f"; the authors' budget (up to {PAPER_EPOCHS:,} epochs, patience {PAPER_PATIENCE}) costs up to "
            f"{PAPER_EPOCHS * seconds / 3600:.1f} h per run at our measured {seconds:.0f} s per epoch{total}"
            if seconds == seconds else "")
    return False, (f"training to convergence: {seen} had stopped improving (the best epoch of their selection "
                   f"score at least 6 epochs before the end; the rule asks {100 * CONVERGED_SHARE:.0f} % of each)"
                   f"{cost}")


def _would_change(ours, paper_value: float, testable: bool, why: str, needed: str = "") -> str:
    """What would change a claim's verdict; ``needed``: what a claim that is not detected needs
    (:meth:`~ecgstudy.studies.xecgnet.effects.Design.seeds_needed`)."""
    from ecgstudy.metrics.stats import claim_verdict

    verdict = claim_verdict(ours.low, ours.high, paper_effect=paper_value)
    if not testable:
        return why + (f"; taken at face value, today's interval would read '{verdict}'"
                      if ours.low == ours.low else "")
    if verdict == "not detected" and np.isfinite(paper_value) and paper_value != 0:
        half = (ours.high - ours.low) / 2
        return f"{needed or 'more seeds'} (today's half-width {half:.3f})"
    if verdict == "not detected":
        return "more seeds"
    return "the paper's data (CPSC 2018) and its budget: ours are substitutes"


def claims(main: pd.DataFrame, health: pd.DataFrame, *, names: dict[str, str], budgets: dict[str, str],
           primary_gamma: float = 0.01, design=None) -> list:
    """The paper's claims tested on each substitute dataset, as :class:`ecgstudy.claims.Claim`:

    * the regulariser's gain at ``primary_gamma`` over gamma = 0 in multi-label subset accuracy (paper:
      0.758 -> 0.845) and in micro-F1 (0.802 -> 0.812), and the sweep's micro-F1 change at every other
      gamma run (paper: its single runs), each paired over the seeds with the interval of the dataset's
      ``design`` (:class:`~ecgstudy.studies.xecgnet.effects.Design`; without it the plain paired Student t);
    * on datasets with beat annotations, two claims about the maps over the runs that are healthy
      (:func:`~ecgstudy.studies.xecgnet.health.run_health`): the regularised attention covers every
      abnormal beat type in more multi-type windows than the ABN's, and it puts more than the uniform
      share of its mass on abnormal beats (the paper gives no number: direction only).

    Each is testable only when the runs of its arms had converged (:func:`_testability`).

    Args:
        main: the run table of the paper's regulariser (:func:`~ecgstudy.studies.xecgnet.tables.run_table`).
        health: :func:`~ecgstudy.studies.xecgnet.health.run_health` of the same runs.
        budgets: per dataset, our budget in words.
        design: how each dataset is split (:func:`~ecgstudy.studies.xecgnet.effects.design_of`).
    """
    from ecgstudy.claims import Claim
    from ecgstudy.studies.xecgnet.effects import Design

    design = design or Design()
    paper = _paper()
    out = []
    if not len(main) or not len(health):
        return out
    for ds in main["dataset"].drop_duplicates():
        part = main[main["dataset"] == ds]
        seconds = float(health.loc[health["dataset"] == ds, "seconds_per_epoch"].median())
        base = part[part["gamma"] == 0].set_index("seed")
        budget = f"{budgets.get(ds, '')}; paper: up to {PAPER_EPOCHS:,} epochs, patience {PAPER_PATIENCE}"
        tested = "the test split of each seed" if ds in design.seeded else "one test set, scored by every seed"
        gammas = sorted((g for g in part["gamma"].unique() if g > 0), key=lambda g: (not np.isclose(g, primary_gamma), g))
        for g in gammas:
            other = part[np.isclose(part["gamma"], g)].set_index("seed")
            seeds = base.index.intersection(other.index)
            metrics = ("multi_acc", "micro_f1") if np.isclose(g, primary_gamma) else ("micro_f1",)
            testable, why = _testability(health, ds, (0.0, g), seconds, names)
            for metric in metrics:
                if metric == "multi_acc":
                    keys = ("xecgnet.cpsc.g0.multi_acc", f"xecgnet.cpsc.g{g:g}.multi_acc")
                    what = "multi-label subset accuracy"
                else:
                    keys = ("xecgnet.cpsc.g0.micro_f1", f"xecgnet.cpsc.g{g:g}.micro_f1")
                    what = "micro-F1"
                if keys[1] not in paper:
                    continue
                effect = paper[keys[1]] - paper[keys[0]]
                a, b = other.loc[seeds, metric].to_numpy(), base.loc[seeds, metric].to_numpy()
                ours = design.interval(ds, metric, g, a, b)
                numbers = keys if np.isclose(g, primary_gamma) else keys[1:]
                out.append(Claim(
                    key=f"xecgnet.{ds}.{metric}.g{g:g}",
                    claim=f"gamma = {g:g} changes {what} over gamma = 0 (the ABN)",
                    paper_value=effect, paper_text=f"{effect:+.3f} ({paper[keys[0]]:.3f} -> {paper[keys[1]]:.3f}, "
                                                   f"CPSC 2018)",
                    ours=ours, data=f"{names[ds]}, {tested}", budget=budget, testable=testable,
                    would_change=_would_change(ours, effect, testable, why,
                                               design.seeds_needed(ds, metric, g, a, b, effect)), numbers=numbers))
        if "attention_multi_covered" not in part or part["attention_multi_covered"].isna().all():
            continue
        ok = health[(health["dataset"] == ds) & (health["regulariser"] == "paper") & health["healthy"]]
        healthy = {(float(g), int(s)) for g, s in zip(ok["gamma"], ok["seed"])}
        g = primary_gamma
        other = part[np.isclose(part["gamma"], g)].set_index("seed")
        seeds = [s for s in base.index.intersection(other.index) if (0.0, s) in healthy and (g, s) in healthy]
        n_pairs = len(base.index.intersection(other.index))
        testable, why = _testability(health, ds, (0.0, g), seconds, names)
        ours = design.interval(ds, "attention_multi_covered", g, other.loc[seeds, "attention_multi_covered"].to_numpy(),
                               base.loc[seeds, "attention_multi_covered"].to_numpy())
        out.append(Claim(
            key=f"xecgnet.{ds}.attention_multi_covered.g{g:g}",
            claim=f"the attention at gamma = {g:g} covers every abnormal beat type in more windows with two or "
                  f"more types than the ABN's",
            paper_value=np.inf, paper_text="more (no number: 'a map that encompasses multiple CA types')",
            ours=ours, data=f"{names[ds]}, share of multi-type test windows fully covered; the {len(seeds)} of "
                            f"{n_pairs} seed pairs whose two networks are healthy",
            budget=budget, testable=testable, would_change=_would_change(ours, np.inf, testable, why)))
        testable, why = _testability(health, ds, (g,), seconds, names)
        arm = other.loc[[s for s in other.index if (g, s) in healthy], "attention_ratio"] - 1
        ours = design.values_interval(ds, arm.to_numpy())
        out.append(Claim(
            key=f"xecgnet.{ds}.attention_ratio.g{g:g}",
            claim=f"the attention at gamma = {g:g} puts more than the uniform share of its mass on abnormal beats "
                  f"(ratio - 1 > 0)",
            paper_value=np.inf, paper_text="more (no number)", ours=ours,
            data=f"{names[ds]}, attention mass share on abnormal beats / their share of the window, minus 1; the "
                 f"{len(arm)} of {len(other)} runs that are healthy",
            budget=budget, testable=testable, would_change=_would_change(ours, np.inf, testable, why)))
    return out


def claims_text(claims: list) -> str:
    """A sentence for the page: how many claims end in each verdict.

    >>> claims_text([])
    'No claim could be tested in this build.'
    """
    from ecgstudy.claims import verdict_text

    if not claims:
        return "No claim could be tested in this build."
    return f"Of the {len(claims)} claims tested on the substitute data: {verdict_text([c.as_dict() for c in claims])}."


#: Every result of the paper (paper-specs section 1: the journal text was not available, so the abstract's
#: numbers and what the authors' code prints stand for its tables and figures): where this page shows it,
#: or why not.
INVENTORY = (
    ("Abstract: multi-label subset accuracy 75.8 % -> 84.5 % (gamma 0 -> 0.01)", "the regulariser's gain",
     "claims at a glance; 'Does any gamma beat gamma = 0?' (substitute data)"),
    ("Abstract: best F1 0.812 among the compared methods", "micro-F1 of xECGNet vs baselines",
     "micro-F1 claims (gamma 0.01 vs the ABN); the other compared methods are unknown (full text not available), "
     "so only the ABN is compared"),
    ("Abstract: a more explainable map that encompasses multiple CA types", "attention maps",
     "coverage claims, coverage table and the maps figures (MIT-BIH beat annotations; CPSC has none)"),
    ("Code: gamma sweep, micro-F1 and overall subset accuracy (plot of test F1 vs log gamma)",
     "the sweep over gamma 0 ... 10", "sweep table, figure 'sweep', sweep claims"),
    ("Code: single-label and overall exact-match accuracy", "accuracy by record type", "sweep table"),
    ("Code: per-class F1 at gamma 0 and 0.01", "F1 of each of the 9 CPSC classes",
     "per-class F1 table, beside our classes where they match"),
    ("Code: cropped-training sweep (2,880-sample crops)", "a training variant",
     "not reproduced: probably not in the paper; we train the zero-padded variant the abstract's numbers come from"),
    ("Code: CPSC 2018 winner re-implementation, other ABN variants", "baselines on the validation set",
     "not reproduced: validation-set numbers of development variants, not the paper's comparison"),
    ("Code: attention-map overlays of multi-label records (A1654, A6232, A4308)", "M over lead I",
     "maps figures (MIT-BIH / PTB-XL records; CPSC not available)"),
    ("Code: the 'ideal map' (mean response map of the true labels)", "the regulariser's target",
     "maps figures (response maps of the true classes below each record)"),
)


def inventory_table() -> pd.DataFrame:
    """:data:`INVENTORY` as a table."""
    return pd.DataFrame(INVENTORY, columns=["paper item", "what it shows", "on this page"])


#: Our classes that match a CPSC 2018 class (the paper's per-class F1).
CPSC_CLASS = {"AF": "AF", "APB": "PAC", "LBBB": "LBBB", "Normal": "Normal", "NORM": "Normal", "PVC": "PVC",
              "RBBB": "RBBB"}


def per_class_f1_table(main: pd.DataFrame, names: dict[str, str], gammas=(0.0, 0.01)) -> pd.DataFrame:
    """Per dataset and class: the mean test F1 over seeds with its Student-t interval at each of ``gammas``,
    and the paper's CPSC 2018 F1 of the matching class (:data:`CPSC_CLASS`) at the same gammas."""
    from ecgstudy.metrics.stats import t_interval

    paper = _paper()
    rows = []
    for ds, part in main.groupby("dataset", sort=False) if len(main) else []:
        classes = [c[3:] for c in part.columns if c.startswith("f1.") and part[c].notna().any()]
        for c in classes:
            row = {"dataset": names[ds], "class": c, "CPSC class": CPSC_CLASS.get(c, "")}
            for g in gammas:
                t = t_interval(part.loc[np.isclose(part["gamma"], g), f"f1.{c}"].to_numpy())
                row.update({f"F1 gamma {g:g}": t.estimate, f"low {g:g}": t.low, f"high {g:g}": t.high})
            for g in gammas:
                key = f"xecgnet.cpsc.g{g:g}.f1.{CPSC_CLASS.get(c)}"
                row[f"paper gamma {g:g}"] = paper.get(key, np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def budget_text(p: "XecgRunParams") -> str:
    """Our budget of one dataset's runs in words.

    >>> budget_text(XecgRunParams(max_epochs=20, patience=6))
    'up to 20 epochs, patience 6'
    >>> budget_text(XecgRunParams(max_epochs=20, patience=None, selection="last_epoch"))
    '20 epochs, final weights'
    """
    if p.selection == "last_epoch":
        return f"{p.max_epochs} epochs, final weights"
    return f"up to {p.max_epochs} epochs" + (f", patience {p.patience}" if p.patience else "")


def health_metrics(health: pd.DataFrame) -> dict:
    """The page's ``health`` metrics: runs, runs that learned nothing, runs with dead maps (at least half
    of the true-class response maps zero), runs with flat attention, healthy and converged runs, and per
    ``"<dataset> <regulariser> gamma_<g>"`` the mean share of dead response maps."""
    from ecgstudy.studies.xecgnet.health import DEAD_SHARE

    if not len(health):
        return {"runs": 0}
    return {"runs": int(len(health)), "learned_nothing": int((~health["learned"]).sum()),
            "dead_maps": int((health["dead_response"] >= DEAD_SHARE).sum()),
            "flat_attention": int((health["flat_attention"] >= DEAD_SHARE).sum()),
            "healthy": int(health["healthy"].sum()), "converged": int(health["converged"].sum()),
            "dead_response_share": {f"{ds} {reg} gamma_{g:g}": float(part["dead_response"].mean())
                                    for (ds, reg, g), part in health.groupby(["dataset", "regulariser", "gamma"])}}


def health_text(health: pd.DataFrame, names: dict[str, str], *, gamma: float = 0.01) -> str:
    """Sentences for the page: how many runs learned nothing, had dead maps or flat attention, and, per
    dataset, the share of dead true-class response maps at ``gamma`` (the regulariser's target: where they
    are zero it pulls the attention toward zero)."""
    from ecgstudy.studies.xecgnet.health import DEAD_SHARE

    if not len(health):
        return "No finished run with stored maps in this build."
    below = {k: int((health[k] <= health[f"base_{k}"]).sum()) for k in ("micro_f1", "subset_acc", "multi_acc")}
    n = len(health)
    text = (f"Of the {n} runs, {int((~health['learned']).sum())} score no better micro-F1 than the constant "
            f"predictor (they learned nothing), {int((health['dead_response'] >= DEAD_SHARE).sum())} have at least "
            f"half of their true classes' response maps identically zero, "
            f"{int((health['flat_attention'] >= DEAD_SHARE).sum())} have mostly flat attention, and "
            f"{int(health['healthy'].sum())} are healthy; {int(health['converged'].sum())} had converged. Against the "
            f"constant predictors, {below['micro_f1']} runs do not beat them on micro-F1, {below['subset_acc']} on "
            f"subset accuracy and {below['multi_acc']} on multi-label subset accuracy.")
    for ds, part in health[health["regulariser"] == "paper"].groupby("dataset", sort=False):
        at = part[np.isclose(part["gamma"], gamma)]
        if len(at) and at["dead_response"].notna().any():
            text += (f" At gamma = {gamma:g} on the {names[ds]}, {100 * at['dead_response'].mean():.0f} % of the "
                     f"true classes' response maps are identically zero, and the regulariser's target, their mean, pulls "
                     f"the attention toward zero there.")
    return text
