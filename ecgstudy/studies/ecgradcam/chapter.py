"""The ECGradCAM chapter: the grid of runs it trains (or reuses), and :func:`summarise`, which
returns everything the page shows."""

from __future__ import annotations

from functools import partial

from ecgstudy.report import Page
from ecgstudy.runs.executors import run_grid
from ecgstudy.runs.params import values_for
from ecgstudy.studies.ecgradcam.experiments import RUNS
from ecgstudy.studies.ecgradcam.params import EcgradcamChapterParams
from ecgstudy.studies.precision import arm


def grid_jobs(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None) -> list:
    """The chapter's runs: seed by seed, then dataset, target and fold; with ``keep_weights`` fold 0 of the
    first seed of :data:`~ecgstudy.studies.ecgradcam.params.PUBLISHED` stores its weights."""
    from ecgstudy.studies.ecgradcam.params import PUBLISHED

    datasets = params.datasets if datasets is None else datasets
    return [RUNS[ds].job({"profile": params.profile, "data": params.data, **values_for(params.run_values, ds, RUNS),
                          "seed": seed,
                          "target": target,
                          "fold": fold, "n_folds": params.n_folds,
                          "keep_weights": params.keep_weights and seed == params.seeds[0] and fold == 0
                          and (ds, target) in PUBLISHED})
            for seed in params.seeds for ds in datasets for target in params.targets_of(ds)
            for fold in params.fold_list()]


def grid_records(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None, *, store=None,
                 progress: bool = True):
    """Run (or reuse) every run of the chapter; return their records (failures included; with
    ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    return run_grid(grid_jobs(params, datasets), executor=params.executor, store=store,
                    train_missing=params.train_missing, progress=progress)


_BF16_INPUT = "bf16 with the first convolution in fp32"


def _precision(run) -> str:
    """The run's precision arm (:func:`ecgstudy.studies.precision.arm`) in the page's words: ``"fp32"``,
    ``"bf16"`` or :data:`_BF16_INPUT` (``fp32_input_conv``)."""
    name = arm({"precision": run.precision, "fp32_input_conv": getattr(run, "fp32_input_conv", False)})
    return _BF16_INPUT if name == arm({"precision": "bf16", "fp32_input_conv": True}) else name


def setup_texts(params: EcgradcamChapterParams, run_params: dict, names: dict[str, str]) -> dict:
    """The glued texts of the page's setup: ``epochs`` per dataset, the first dataset's ``lr`` and
    ``lr_schedule``, how the kept weights are chosen (``selection``), ``n_folds``, ``n_seeds`` and
    ``datasets_used``.

    Args:
        run_params: per dataset of ``params``, its runs' parameters (``RUNS[ds].params(...)``).
        names: dataset key -> name on the page.

    >>> from types import SimpleNamespace as R
    >>> p = EcgradcamChapterParams(profile="cpu", datasets=("ludb", "ptbxl"))
    >>> fixed = dict(lr=8e-4, lr_schedule="cosine", patience=None, inner_folds=0, precision="fp32", bn_stats="running")
    >>> run = {"ludb": R(epochs=30, **fixed), "ptbxl": R(epochs=8, **fixed)}
    >>> t = setup_texts(p, run, {"ludb": "LUDB", "ptbxl": "PTB-XL"})
    >>> t["epochs"], t["lr_schedule"], t["n_folds"], t["n_seeds"], t["datasets_used"]
    ('30 on the LUDB, 8 on the PTB-XL', 'decayed to 0 along a cosine', 5, 1, 'LUDB; PTB-XL')
    >>> t["selection"]
    'The last epoch is evaluated (the authors kept the best epoch on the held-out fold itself). Float32.'
    >>> t["selection_deviation"]
    'Folds are shuffled (stratified for sex) and the last epoch is evaluated; the authors used contiguous folds and kept the best epoch on the held-out fold.'
    >>> driven = dict(lr=8e-4, lr_schedule="constant", inner_folds=5, precision="bf16", bn_stats="exact")
    >>> run = {"ludb": R(epochs=300, patience=20, **driven), "ptbxl": R(epochs=100, patience=8, **driven)}
    >>> t = setup_texts(p, run, {"ludb": "LUDB", "ptbxl": "PTB-XL"})
    >>> t["epochs"]
    'at most 300 on the LUDB, 100 on the PTB-XL'
    >>> print(t["selection"])  # doctest: +NORMALIZE_WHITESPACE
    A fifth of each run's training rows (whole patients) is held out for validation; the kept weights are those of
    the epoch with the lowest validation loss, and training stops after 20 epochs without a lower one on the LUDB,
    8 on the PTB-XL (the authors kept the best epoch on the held-out fold itself, so that the test fold chose the
    model). BatchNorm statistics are recomputed from the training rows after every epoch (the authors' Keras
    layers keep running averages, which on our few steps per epoch lagged the weights and made the validation
    loss meaningless). Training under bfloat16 autocast (evaluation in float32).
    >>> t["selection_deviation"].split(";")[0]
    "Folds are shuffled (stratified for sex) and the kept epoch is chosen on a validation split of each run's training rows"
    >>> run["ptbxl"] = R(epochs=100, patience=8, fp32_input_conv=True, **driven)
    >>> setup_texts(p, run, {"ludb": "LUDB", "ptbxl": "PTB-XL"})["selection"].split("). ")[-1]
    'Precision: bf16 on the LUDB, bf16 with the first convolution in fp32 on the PTB-XL.'
    """
    used = params.datasets
    first = run_params[used[0]]
    driven = [d for d in used if run_params[d].patience is not None]
    fixed = [d for d in used if d not in driven]
    authors = "(the authors kept the best epoch on the held-out fold itself"
    if driven:
        share = f"A {_ordinal(first.inner_folds)} of each run's training rows (whole patients)"
        head, *rest = driven
        stops = f"{run_params[head].patience} epochs without a lower one on the {names[head]}" + "".join(
            f", {run_params[d].patience} on the {names[d]}" for d in rest)
        selection = (f"{share} is held out for validation; the kept weights are those of the epoch with the lowest "
                     f"validation loss, and training stops after {stops} {authors}, so that the test fold chose the "
                     f"model).")
        if fixed:
            selection += " On the " + ", ".join(names[d] for d in fixed) + " the last epoch is evaluated."
    else:
        selection = f"The last epoch is evaluated {authors})."
    kept = ("the kept epoch is chosen on a validation split of each run's training rows" if driven
            else "the last epoch is evaluated")
    if driven and fixed:
        kept += " (on the " + ", ".join(names[d] for d in fixed) + ": the last epoch)"
    deviation = (f"Folds are shuffled (stratified for sex) and {kept}; the authors used contiguous folds and kept the "
                 f"best epoch on the held-out fold.")
    if any(run_params[d].bn_stats == "exact" for d in used):
        selection += (" BatchNorm statistics are recomputed from the training rows after every epoch (the authors' "
                      "Keras layers keep running averages, which on our few steps per epoch lagged the weights and "
                      "made the validation loss meaningless).")
    precisions = {_precision(run_params[d]) for d in used}
    selection += {"bf16": " Training under bfloat16 autocast (evaluation in float32).",
                  _BF16_INPUT: " Training under bfloat16 autocast, except the first convolution, which reads the raw "
                               "signal and stays in float32: in bfloat16 its sample-to-sample differences are "
                               "rounded away (evaluation in float32).",
                  "fp32": " Float32."}[precisions.pop()] if len(precisions) == 1 else \
        " Precision: " + ", ".join(f"{_precision(run_params[d])} on the {names[d]}" for d in used) + "."
    epochs = ", ".join(f"{run_params[d].epochs} on the {names[d]}" for d in used)
    return {"epochs": f"at most {epochs}" if driven else epochs,
            "lr": f"{first.lr:g}",
            "lr_schedule": "constant" if first.lr_schedule == "constant" else "decayed to 0 along a cosine",
            "selection": selection, "selection_deviation": deviation, "n_folds": params.n_folds, "n_seeds": len(params.seeds),
            "datasets_used": "; ".join(names[d] for d in used)}


def _ordinal(k: int) -> str:
    """``5`` -> ``"fifth"`` (a share 1/k of the rows), ``"1/k"`` past ten."""
    words = {2: "half", 3: "third", 4: "quarter", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth",
             10: "tenth"}
    return words.get(k, f"1/{k}")


def sex_dataset(datasets: tuple[str, ...]) -> str | None:
    """The dataset the sex feature experiment reads: LUDB when the build has it, else the first
    median-beat dataset (the transfer runs' LUDB test set is not one); None without one.

    >>> sex_dataset(("ptbxl", "ludb")), sex_dataset(("transfer", "ptbxl")), sex_dataset(("transfer",))
    ('ludb', 'ptbxl', None)
    """
    return "ludb" if "ludb" in datasets else next((d for d in datasets if d != "transfer"), None)


def leads_target(targets) -> str | None:
    """The target whose map the per-lead figure shows: QT, else QRS duration, else the first of
    ``targets``; None without one.

    >>> leads_target(["qrs_ms", "qt_ms"]), leads_target(["sex", "qrs_ms"]), leads_target(["sex"]), leads_target([])
    ('qt_ms', 'qrs_ms', 'sex', None)
    """
    targets = list(targets)
    return next((t for t in ("qt_ms", "qrs_ms") if t in targets), next(iter(targets), None))


class _Beats:
    """The median beats each dataset's runs read, loaded at most once per dataset (``transfer``:
    the LUDB test set in PTB-XL style, :func:`~ecgstudy.studies.ecgradcam.transfer.load_transfer_test`)."""

    def __init__(self, params: EcgradcamChapterParams, run_params: dict):
        self.params, self.run_params, self.loaded = params, run_params, {}

    def source(self, dataset: str):
        """The data source of ``dataset``'s runs."""
        from ecgstudy.runs.datasource import resolve_data

        return resolve_data(self.params.data, RUNS[dataset].datasets)

    def __getitem__(self, dataset: str):
        if dataset not in self.loaded:
            from ecgstudy.studies.ecgradcam.data import load_median_beat_data
            from ecgstudy.studies.ecgradcam.transfer import load_transfer_test

            n = self.run_params[dataset].n_synthetic
            self.loaded[dataset] = load_transfer_test(self.source(dataset), n_synthetic=n) if dataset == "transfer" \
                else load_median_beat_data(dataset, self.source(dataset), n_synthetic=n)
        return self.loaded[dataset]


def _delineator(page: Page, params: EcgradcamChapterParams, beats: _Beats, summary, names: dict) -> None:
    """The classical baseline: NeuroKit2's delineator on LUDB's records (table, texts, metrics)."""
    from ecgstudy.report import Table
    from ecgstudy.studies.ecgradcam import tables as t
    from ecgstudy.studies.ecgradcam import verdicts as v
    from ecgstudy.studies.ecgradcam.baselines import DELINEATED_TARGETS, delineator_estimates, delineator_scores

    if "ludb" not in params.datasets:
        page.shown["delineator"] = None
        page.glue.update(delineator_text=v.NO_DELINEATOR_TEXT, delineator_failures=v.NO_DELINEATOR_FAILURES)
        return
    ludb = beats["ludb"]
    est = delineator_estimates("ludb", beats.source("ludb"), ludb.record_ids,
                               n_synthetic=beats.run_params["ludb"].n_synthetic)
    scores = delineator_scores(est, ludb.targets, targets=[k for k in DELINEATED_TARGETS if k in ludb.targets],
                               seed=params.seed)
    page.shown["delineator"] = Table(t.delineator_table(scores, summary), t.delineator_caption(est.method, names["ludb"]),
                                     formats={c: "{:.3g}" for iv in t.delineator_intervals() for c in iv},
                                     na_rep="n/a", intervals=t.delineator_intervals())
    closer, compared = t.network_closer(scores, summary)
    page.glue.update(delineator_text=v.delineator_text(scores, closer=closer, compared=compared),
                     delineator_failures=v.delineator_failures_text(len(est.failures), len(ludb.record_ids)))
    page.metrics["delineator"] = t.delineator_metrics(scores)


def _transfer(page: Page, params: EcgradcamChapterParams, records, names: dict, learned: dict, real: bool) -> None:
    """The PTB-XL-to-LUDB transfer runs: their table, paragraph and metrics."""
    from ecgstudy.report import Table
    from ecgstudy.studies.ecgradcam import tables as t
    from ecgstudy.studies.ecgradcam.verdicts import transfer_summary_text

    tt = t.transfer_table(records) if "transfer" in params.datasets else None
    page.shown["transfer"] = None
    if tt is not None and len(tt):
        page.shown["transfer"] = Table(t.with_units(tt, "transfer"), t.transfer_caption(names["transfer"], real=real),
                                       precision=3, na_rep="n/a")
        page.metrics["transfer"] = t.transfer_metrics(tt)
    page.glue["transfer_text"] = transfer_summary_text(tt, real=real, learned=learned)


def _maps(page: Page, params: EcgradcamChapterParams, records, beats: _Beats) -> None:
    """The three map figures: each target's map on the first fold (the first dataset's runs, then
    the transfer runs'), and one beat in every lead with the map of :func:`leads_target`."""
    from ecgstudy.report import empty_figure
    from ecgstudy.studies.ecgradcam.tables import first_record_maps
    from ecgstudy.viz.ecgradcam import leads_maps_figure, leads_maps_frame, runs_maps_figure, runs_maps_frame

    def first_fold(dataset: str) -> list:
        return first_record_maps([r for r in records if r.ok and r.spec.experiment == RUNS[dataset].name
                                  and r.spec.params["fold"] == params.fold_list()[0]
                                  and r.spec.params["seed"] == params.seeds[0]])

    def figure(dataset: str, runs: list):
        if not runs:
            return partial(runs_maps_figure, [], None, None, lead_names=()), runs_maps_frame([], None, lead_names=())
        d = beats[dataset]
        return (partial(runs_maps_figure, runs, d.x, d.fiducials, lead_names=d.lead_names),
                runs_maps_frame(runs, d.x, lead_names=d.lead_names))

    ds0 = params.datasets[0]
    runs0 = first_fold(ds0)
    page.figures["fig_maps"], page.figure_data["fig_maps"] = figure(ds0, runs0)
    page.figures["fig_maps_transfer"], page.figure_data["fig_maps_transfer"] = figure(
        "transfer", first_fold("transfer") if "transfer" in params.datasets else [])
    by_target = {run.target: run for run in runs0}
    target = leads_target(by_target)
    page.glue["leads_target"] = target or "none"
    if target is None:
        page.figures["fig_leads"] = partial(empty_figure, "no run in this build")
        page.figure_data["fig_leads"] = runs_maps_frame([], None, lead_names=())
    else:
        run, d = by_target[target], beats[ds0]
        page.figures["fig_leads"] = partial(leads_maps_figure, d.x[run.index], run.maps, d.fiducials[run.index],
                                            lead_names=d.lead_names)
        page.figure_data["fig_leads"] = leads_maps_frame(d.x[run.index], run.maps, lead_names=d.lead_names)


def _sex(page: Page, params: EcgradcamChapterParams, beats: _Beats) -> tuple[dict | None, str | None]:
    """The attention-derived feature for sex: the logistic regressions' table, sentence and
    metrics; returns the experiment's result and its dataset (None, None when no dataset has a
    delineation and sex)."""
    from ecgstudy.report import Table
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.studies.ecgradcam import tables as t
    from ecgstudy.studies.ecgradcam.features import downslope_features, sex_feature_experiment, sex_feature_text
    from ecgstudy.studies.ecgradcam.verdicts import NO_SEX_TEXT

    ds = sex_dataset(params.datasets)
    d = beats[ds] if ds is not None else None
    page.shown["sex"] = None
    page.glue["sex_text"] = NO_SEX_TEXT
    if d is None or not d.has_fiducials or "sex" not in d.targets:
        return None, None
    feats = downslope_features(d.x, d.fiducials, lead_names=d.lead_names, leads=("V5",), record_ids=d.record_ids)
    res = sex_feature_experiment(feats, d.targets["sex"].to_numpy(), seed=params.seeds[0], lead="V5")
    paper = {n.key: n.paper_value for n in PAPER_NUMBERS}
    page.shown["sex"] = Table(t.sex_feature_table(res), t.sex_feature_caption(res), precision=3, na_rep="",
                              intervals=t.SEX_INTERVALS)
    page.glue["sex_text"] = sex_feature_text(res, paper_auc_qrs=paper["ecgradcam.sex_lr_qrs.auc"],
                                             paper_auc_with=paper["ecgradcam.sex_lr_attn.auc"])
    page.metrics["sex_features"] = t.sex_feature_metrics(res)
    return res, ds


def _patient_leakage(page: Page, params: EcgradcamChapterParams, records, data_kind: str) -> str:
    """The sentence (and metrics) on the committed record-wise PTB-XL runs that split a patient."""
    from ecgstudy.data.patients import leakage_text
    from ecgstudy.errors import EcgStudyError
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.studies.ecgradcam import tables as t

    folder = None
    if data_kind == "real":
        try:
            folder = resolve_data(params.data, ("ptbxl",)).folders.get("ptbxl")
        except EcgStudyError:
            folder = None
    leak = t.patient_leakage(records, ptbxl_folder=folder)
    page.metrics["patient_leakage"] = leak
    return leakage_text(leak["leaky"], leak["runs"], unit="runs with PTB-XL training folds",
                        what="PTB-XL folds split records, and one patient's records with them")


def _claims(page: Page, params: EcgradcamChapterParams, run_params: dict, parts: dict, names: dict) -> None:
    """The claims at a glance (:mod:`~ecgstudy.studies.ecgradcam.verdicts`), their metrics and count."""
    from ecgstudy.claims import claims_metrics, claims_table
    from ecgstudy.studies.ecgradcam import verdicts as v

    table, counted, learned = parts["table"], parts["counted"], parts["learned"]
    budgets = v.budgets(table, {ds: run_params[ds].epochs for ds in params.datasets}, names=names)
    sex, sex_ds = parts["sex"]
    fixed = parts.get("fixed")
    claims = [*v.region_claims(table, counted, budgets=budgets, learned=learned, fixed=fixed),
              *v.similarity_claims(parts["pairs"], counted, budgets=budgets, units=v.dataset_units(table), fixed=fixed,
                                   datasets=[ds for ds in params.datasets if ds in set(table.get("dataset", []))]),
              *v.blocking_claims(parts["harm"], counted, budgets=budgets, learned=learned, fixed=fixed),
              *v.sex_feature_claim(sex, name=names.get(sex_ds, "")),
              *v.sex_network_claims(table, budgets=budgets, learned=learned)]
    page.metrics["claims"] = claims_metrics(claims)
    page.shown["claims"] = claims_table(claims, "Claims at a glance: the paper's claims, ours with a 95 % interval, "
                                                "and the verdict of the one rule")
    page.glue["claims_count"] = v.verdict_counts_text(claims)


def _ladder(page: Page, records, names: dict[str, str]) -> None:
    """The budget ladder (:mod:`~ecgstudy.studies.ecgradcam.ladder`): its table, paragraph and metrics."""
    from ecgstudy.claims_ladder import rung_epochs
    from ecgstudy.labels import label
    from ecgstudy.report import Table
    from ecgstudy.studies.ecgradcam import ladder as lad

    summary = lad.ladder_summary(lad.rung_frame(rec.metrics() for rec in records if rec.ok))
    targets = {t: label(t, unit=False) for t in summary["target"].unique()} if len(summary) else {}
    page.glue["ladder_text"] = lad.ladder_text(summary, names=names, target_names=targets)
    page.glue["ladder_epochs"] = rung_epochs(summary["rung"].unique().tolist() if len(summary) else [])
    page.metrics["budget_ladder"] = summary.to_dict(orient="records")
    if not len(summary):
        page.shown["ladder"] = None
        return
    from ecgstudy.studies.ecgradcam.targets import target_units

    gain_unit = [("accuracy" if name == "auc" else f"MAE, {target_units(ds, t)}")
                 for ds, t, name in zip(summary["dataset"], summary["target"], summary["score_name"])]
    shown = summary.assign(dataset=summary["dataset"].map(lambda d: names.get(d, d)),
                           score_name=summary["score_name"].map({"r2": "R²", "auc": "AUC"}),
                           learned=summary["learned"].map({True: "yes", False: "no"}), gain_in=gain_unit)
    columns = {"dataset": "dataset", "target": "target", "rung": "rung", "n_runs": "runs",
               "kept_epoch": "median kept epoch", "score_name": "score", "score": "mean score",
               "gain": "mean gain over baseline", "gain_in": "gain in", "learned": "learned"}
    page.shown["ladder"] = Table(shown[list(columns)].rename(columns=columns), lad.CAPTION, precision=3)


def name_targets(page: Page) -> None:
    """Every shown table with a ``target`` column prints it in words (``qt_ms`` -> "QT interval"; the unit has
    its own column), :func:`ecgstudy.labels.label`; the rows themselves keep the names the code uses."""
    from ecgstudy.labels import label
    from ecgstudy.report import Table

    for table in page.shown.values():
        if isinstance(table, Table) and "target" in table.frame.columns:
            table.formats.setdefault("target", partial(label, unit=False))


def summarise(params: EcgradcamChapterParams, *, data_kind: str, store=None) -> Page:
    """Everything the ECGradCAM page shows, from the chapter's runs (trained first unless
    ``params.train_missing`` is false): glued texts, tables, figures and the page's metrics.

    Each dataset's median beats are loaded at most once. Shown, in the page's order:
    ``claims``, ``failures``, ``health``, ``scores``, ``delineator``, ``transfer``, ``regions``,
    ``layers``, ``similarity``, ``blocking``, ``worst``, ``sex``, ``inventory`` (``None``: nothing to show).
    """
    from ecgstudy.report import Table
    from ecgstudy.runs.grid_status import GridStatus
    from ecgstudy.studies.ecgradcam import health as h
    from ecgstudy.studies.ecgradcam import tables as t
    from ecgstudy.studies.ecgradcam import verdicts as v
    from ecgstudy.studies.ecgradcam.intervals import add_intervals, record_bootstrap
    from ecgstudy.studies.ecgradcam.inventory import inventory_table

    page = Page(name="ecgradcam")
    g = page.glue
    names = v.dataset_labels(data_kind)
    run_params = {ds: RUNS[ds].params({"profile": params.profile, **values_for(params.run_values, ds, RUNS)})
                  for ds in params.datasets}
    beats = _Beats(params, run_params)
    grid = GridStatus.of(grid_records(params, store=store, progress=False))
    records = grid.summarised
    page.shown["failures"] = grid.failures() if grid.failed else None
    table = t.run_table(records)
    g.update(n_runs=len(records), completeness=grid.completeness(), **setup_texts(params, run_params, names))
    page.metrics = grid.counts()
    g["patient_leakage"] = _patient_leakage(page, params, records, data_kind)

    # how well the networks measure, and the networks' health
    summary = add_intervals(t.target_summary(table, layer="last_add"), record_bootstrap(records, seed=params.seed))
    page.shown["scores"] = Table(t.scores_table(summary, names=names), t.SCORES_CAPTION, precision=3, na_rep="",
                                 intervals=t.SCORES_INTERVALS)
    page.metrics["targets"] = t.target_metrics(summary)
    learned = v.learned_targets(summary)
    health = h.run_health(records)
    counted = h.map_runs(health, learned)
    page.shown["health"] = Table(h.health_table(health, names=names), h.HEALTH_CAPTION) if len(health) else None
    _ladder(page, records, names)
    page.metrics["health"] = h.health_metrics(health)
    g["health_text"] = h.health_text(health, names=names)
    g["n_counted"] = f"{len(counted)} of {len(health)}"
    g["n_beat_baseline"] = v.baseline_text(summary, names=names)
    g["solo_note"] = v.solo_training_note(summary, "ludb", name=names["ludb"])
    _delineator(page, params, beats, summary, names)
    _transfer(page, params, records, names, learned, real=data_kind == "real")

    # where the maps look
    page.shown["regions"] = Table(t.region_table(summary, names=names, read=h.counted_by_target(health, counted)),
                                  t.REGION_CAPTION)
    by_layer = t.layer_ratio_table(table)
    page.shown["layers"] = None if by_layer is None else \
        Table(by_layer, t.LAYER_CAPTION, precision=2, na_rep="n/a", index=True)
    pairs = t.cross_target_pairs(records, layer="last_add")
    from ecgstudy.studies.ecgradcam.fixed_test import fixed_test_sets
    from ecgstudy.studies.ecgradcam.verdicts import dataset_units

    fixed = fixed_test_sets(records, params.datasets)
    sim = t.cross_target_similarity(pairs, counted, units=dataset_units(table), fixed=fixed)
    page.shown["similarity"] = Table(t.named(sim, names), t.SIMILARITY_CAPTION, precision=3, na_rep="n/a",
                                     intervals=t.SIMILARITY_INTERVALS) if len(sim) else None
    if len(sim):
        page.metrics["cross_target_corr"] = sim.to_dict(orient="records")
    _maps(page, params, records, beats)

    # wave blocking, the sex feature, the claims
    harm = v.wave_harm(table)
    waves, worst = v.wave_table(harm, fixed), v.worst_vs_next(harm, fixed)
    page.shown["blocking"] = Table(t.blocking_table(waves, names=names), t.BLOCKING_CAPTION, precision=3,
                                   na_rep="n/a", intervals=t.BLOCKING_INTERVALS) if len(waves) else None
    page.shown["worst"] = Table(t.worst_table(worst, names=names), t.WORST_CAPTION, precision=3, na_rep="n/a",
                                intervals=t.WORST_INTERVALS) if len(worst) else None
    page.metrics["blocking"] = {"waves": waves.to_dict(orient="records"), "worst_vs_next": worst.to_dict(orient="records")}
    sex = _sex(page, params, beats)
    _claims(page, params, run_params, {"table": table, "counted": counted, "learned": learned, "pairs": pairs,
                                       "harm": harm, "sex": sex, "fixed": fixed}, names)
    page.shown["inventory"] = inventory_table()
    name_targets(page)
    return page
