"""Chapter 4's evaluation: every attribution method on one model's held-out records, scored against its ground truth.

For a model and its :class:`~ecgstudy.studies.attribution.models.SlotInputs` (records ``(n, leads, samples)``,
targets, patients, regions), :func:`evaluate` computes each method's maps (:data:`ecgstudy.attribution.methods.METHODS`;
a method that does not apply to the model is skipped with the reason) and, per record:

* **localisation** of ``|map|`` (a negative relevance is evidence too) against the region, over the record's
  valid samples (an ICLR segment's padding is left out): mass share and mass ratio, AUROC, pointing game,
  relevance rank accuracy (:mod:`ecgstudy.metrics.attribution.localisation`);
* **faithfulness** of the signed map (positive: evidence for the target) on the adapted target score
  (:mod:`~ecgstudy.attribution.methods.adapters`: ICLR log-odds, xECGNet averaged probability, the network's
  output): deletion and insertion curves in steps of ``step`` against ``n_random`` random orders, with each
  replacement of ``replacements`` (linear interpolation; ``"noisy_linear"`` adds noise of sd ``noise_sd``, ROAD's
  1-D form), their areas and gaps to random (:mod:`~ecgstudy.metrics.attribution.faithfulness`); columns
  ``deletion_gap`` (linear) and ``deletion_gap_noisy`` (noisy linear), and so on;
* **robustness**: max-sensitivity under uniform noise of half-width ``radius`` (inputs' units) on the first
  ``robustness_records`` records; **complexity**: the normalised entropy of ``|map|``;
* **randomisation** on the first ``randomisation_records`` records: the model's layers re-initialised from the
  top down in forward order, the maps recomputed at ``randomisation_depths`` evenly spaced depths (the last with
  every layer randomised) and compared with the trained model's by the Spearman correlation of ``|map|``
  (:mod:`~ecgstudy.metrics.attribution.randomisation`); ``randomisation_correlation`` is a record's
  correlation with every layer randomised.

:func:`summary_table` gives each method's mean per metric with its 95 % Student-t interval over patients (records
of one patient averaged first) and its rank (:func:`ecgstudy.metrics.attribution.method_summary`).
:func:`verdict_table` gives the issue's three verdicts per method, each ``"passes"``, ``"fails"`` or
``"not testable"``:

* *localisation*: the paired difference of the AUROC from the edge detector's (``energy``) over patients has a
  95 % interval above 0 (:func:`~ecgstudy.metrics.attribution.versus_reference`); an interval holding 0 or
  below it fails; fewer than 2 patients: not testable. The edge detector itself is the reference.
* *faithfulness*: under every replacement, the deletion gap (random order's area minus the map order's) has a
  95 % interval over patients above 0.
* *randomisation*: the maps change once every layer is randomised: the mean correlation is at most
  :data:`~ecgstudy.metrics.attribution.UNCHANGED_THRESHOLD` (0.5); a constant map (no ranking) is not testable.

:func:`run_benchmark` is the experiment ``attribution-benchmark``: one model slot, its checkpoint, the benchmark,
and the files ``scores.csv`` (one row per record and method), ``summary.csv``, ``verdicts.csv``,
``randomisation.csv`` (mean correlation per method and depth), ``maps.npz`` (the maps of ``n_examples``
records, for the page's figure) and ``metrics.json``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ecgstudy.errors import ParameterError

#: Column suffix of each replacement's faithfulness scores.
SUFFIX = {"linear": "", "noisy_linear": "_noisy"}
#: The localisation metrics, scored on ``|map|``.
LOCALISATION = ("mass_share", "mass_ratio", "auroc", "pointing_game", "rank_accuracy")
#: The metric that decides the localisation verdict (against the edge detector).
LOCALISATION_METRIC = "auroc"
#: The reference every method must beat at localisation.
EDGE_DETECTOR = "energy"
#: Verdict words.
PASSES, FAILS, UNTESTABLE = "passes", "fails", "not testable"
#: Torch threads of a benchmark run: both cores of the 2-core machines the cpu profile is sized for. Measured on an
#: idle 2-core AMD EPYC (AVX-512, no AMX), the ICLR classifier's benchmark took 130 s with 2 threads and 241 s
#: with one (scores equal to float rounding: 1e-3 at most, in the randomisation correlations); Chapter 4's demo
#: page took 28 s either way. Run it alone: beside a training job, 2 threads oversubscribe the cores (the smoke
#: benchmark of the controlled model once took 109 s with 2 threads beside training, 3 s with one).
THREADS = 2


def faithfulness_metrics(replacements: Sequence[str]) -> tuple[str, ...]:
    """The faithfulness columns for ``replacements``.

    >>> faithfulness_metrics(["linear", "noisy_linear"])[:2], faithfulness_metrics(["noisy_linear"])[0]
    (('deletion_auc', 'deletion_gap'), 'deletion_auc_noisy')
    """
    return tuple(f"{kind}_{what}{SUFFIX[r]}" for r in replacements for kind in ("deletion", "insertion")
                 for what in ("auc", "gap"))


def metric_columns(replacements: Sequence[str]) -> tuple[str, ...]:
    """Every metric column of the scores table, in its order."""
    return (*LOCALISATION, *faithfulness_metrics(replacements), "max_sensitivity", "entropy",
            "randomisation_correlation")


def directions(replacements: Sequence[str]) -> dict[str, bool]:
    """Whether a higher value is better, per metric column."""
    from ecgstudy.metrics.attribution import HIGHER_IS_BETTER

    out = {m: HIGHER_IS_BETTER[m] for m in (*LOCALISATION, "max_sensitivity", "entropy",
                                            "randomisation_correlation")}
    for r in replacements:
        for kind in ("deletion", "insertion"):
            out[f"{kind}_auc{SUFFIX[r]}"] = kind == "insertion"
            out[f"{kind}_gap{SUFFIX[r]}"] = True
    return out


@dataclass(frozen=True)
class Settings:
    """How the benchmark scores the maps (see the module docstring; units of ``noise_sd`` and ``radius``:
    the inputs')."""

    step: float = 0.1
    n_random: int = 2
    replacements: tuple[str, ...] = ("linear", "noisy_linear")
    noise_sd: float = 0.01
    radius: float = 0.05
    n_perturbations: int = 5
    robustness_records: int = 12
    randomisation_records: int = 8
    randomisation_depths: int = 4
    seed: int = 0
    batch_size: int = 16
    n_examples: int = 2
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    @classmethod
    def of(cls, params) -> Settings:
        """The settings of :class:`~ecgstudy.studies.attribution.params.BenchmarkParams`."""
        s = params.seed
        ig = {"n_steps": params.ig_steps}
        perturb = {"n_samples": params.perturbation_samples, "seed": s}
        return cls(step=params.step, n_random=params.n_random, replacements=tuple(params.replacements),
                   noise_sd=params.noise_sd, radius=params.radius, n_perturbations=params.n_perturbations,
                   robustness_records=params.robustness_records, randomisation_records=params.randomisation_records,
                   randomisation_depths=params.randomisation_depths, seed=s, batch_size=params.batch_size,
                   n_examples=params.n_examples,
                   options={"occlusion": {"window_ms": params.occlusion_ms}, "kernel_shap": perturb, "lime": perturb,
                            "smoothgrad": {"n_samples": params.smoothgrad_samples,
                                           "noise_sd": params.smoothgrad_sd, "seed": s},
                            "integrated_gradients": ig, "integrated_gradients_median": ig, "random": {"seed": s}})


Explain = Callable[..., "object"]


def explainer(name: str, *, fs: float, output: str | None, options: Mapping[str, Mapping[str, object]]):
    """``explain(model, x, target, feature_mask) -> (batch, leads, samples)`` tensor: method ``name`` built on
    ``model`` with the benchmark's options (tensors in, as :meth:`Method.attribute` takes them)."""
    from ecgstudy.attribution.methods import METHODS, method_class

    cls = method_class(name)
    kwargs: dict[str, object] = dict(options.get(name, {}))
    if cls.needs_fs:
        kwargs["fs"] = fs
    if cls.uses_scores and output is not None:
        kwargs["output"] = output

    def explain(model, x, target, feature_mask=None):
        method = METHODS[name](model, **kwargs)
        if cls.needs_feature_mask:
            return method.attribute(x, target, feature_mask=feature_mask)
        return method.attribute(x, target)

    return explain


def unsupported(name: str, model) -> str | None:
    """Why ``name`` cannot explain ``model`` (None: it can)."""
    from ecgstudy.attribution.methods import method_class

    return method_class(name).unsupported(model)


def target_scorer(model, target, output: str | None):
    """``f(x) -> (batch,)``: the adapted score of each row's target column (the score a map explains)."""
    import torch

    from ecgstudy.attribution.methods import adapt

    scorer = adapt(model, output)
    t = torch.as_tensor(np.asarray(target), dtype=torch.int64)[:, None]

    def f(x):
        return scorer(x).gather(1, t)[:, 0]

    return f


def randomisation_depths(n_layers: int, depths: int) -> list[int]:
    """Positions in the cascade (0: the top layer alone, ``n_layers - 1``: every layer) whose maps are compared.

    >>> randomisation_depths(10, 4), randomisation_depths(10, 1), randomisation_depths(2, 5)
    ([0, 3, 6, 9], [9], [0, 1])
    """
    if n_layers < 1:
        raise ParameterError("the model has no layer to randomise")
    if depths <= 1:
        return [n_layers - 1]
    return sorted({int(round(v)) for v in np.linspace(0, n_layers - 1, min(depths, n_layers))})


@dataclass
class Evaluation:
    """What :func:`evaluate` returns.

    Attributes:
        scores: one row per record and method: ``record``, ``patient``, ``method``, ``label``, then
            :func:`metric_columns` (NaN where not computed: robustness and randomisation on a subset).
        randomisation: one row per method and depth: ``method``, ``depth`` (layers randomised), ``layer``,
            ``mean``, ``median``, ``n``.
        skipped: method -> why it was not run on this model.
        seconds: method -> seconds spent on its maps and on each metric group.
        examples: ``{"index", "x", "masks", "valid", "maps": {method: (k, leads, samples)}}`` for the figure.
        layers: the model's layers in the cascade's order (top first).
    """

    scores: pd.DataFrame
    randomisation: pd.DataFrame
    skipped: dict[str, str]
    seconds: dict[str, dict[str, float]]
    examples: dict
    layers: list[str]


def _batched(explain, model, x, target, fm, batch_size: int) -> np.ndarray:
    import torch

    out = []
    for lo in range(0, len(x), batch_size):
        sl = slice(lo, lo + batch_size)
        out.append(explain(model, torch.as_tensor(x[sl]), torch.as_tensor(target[sl]),
                           torch.as_tensor(fm[sl])).detach().cpu().numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, *x.shape[1:]), np.float32)


def localisation_rows(maps: np.ndarray, regions) -> dict[str, np.ndarray]:
    """The localisation scores of ``|maps|`` ``(n, leads, samples)`` per record over its valid samples."""
    from ecgstudy.metrics.attribution import localisation_scores

    n = len(maps)
    out = {k: np.full(n, np.nan) for k in LOCALISATION}
    for i in range(n):
        v = regions.valid[i]
        s = localisation_scores(np.abs(maps[i][:, v])[None], regions.masks[i][:, v][None])
        for k in LOCALISATION:
            out[k][i] = float(s[k][0])
    return out


def _example_rows(labels: np.ndarray, k: int) -> np.ndarray:
    """The first record of each class, then the next ones, ``k`` in all."""
    labels = np.asarray(labels)
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in pd.unique(labels)] if len(labels) else []
    rest = [i for i in range(len(labels)) if i not in firsts]
    return np.asarray((firsts + rest)[:k], dtype=np.int64)


def evaluate(model, inputs, methods: Sequence[str], settings: Settings = Settings(), *,
             log: Callable[[str], None] | None = None) -> Evaluation:
    """Maps of every applicable method of ``methods`` on ``inputs`` and their scores (module docstring).

    Args:
        model: the chapter model, eval mode (:func:`ecgstudy.checkpoints.load`).
        inputs: its :class:`~ecgstudy.studies.attribution.models.SlotInputs`.
        methods: registry names.
        settings: how the maps are scored.
        log: called with one line per method as it finishes.
    """
    import torch

    from ecgstudy.attribution.methods import MethodNotApplicable
    from ecgstudy.metrics.attribution import (
        cascading_randomisation,
        deletion_curves,
        entropy,
        forward_order,
        insertion_curves,
        max_sensitivity,
        parameter_randomisation,
    )

    x, target, fm = inputs.x, np.asarray(inputs.target, np.int64), np.asarray(inputs.feature_mask, np.int64)
    n = len(x)
    if n < 1:
        raise ParameterError("the benchmark needs at least one held-out record")
    xt = torch.as_tensor(x)
    f = target_scorer(model, target, inputs.output)
    n_rob = min(settings.robustness_records, n)
    n_rand = min(settings.randomisation_records, n)
    layers = forward_order(model, xt[:1])
    keep = randomisation_depths(len(layers), settings.randomisation_depths)
    randomised = [(name, m) for i, (name, m) in enumerate(cascading_randomisation(model, seed=settings.seed,
                                                                                  layers=layers)) if i in keep]
    depth_of = {name: i + 1 for i, name in enumerate(reversed(layers))}
    ex = _example_rows(inputs.labels if len(inputs.labels) == n else np.zeros(n), settings.n_examples)
    examples = {"index": ex, "x": x[ex], "masks": inputs.regions.masks[ex], "valid": inputs.regions.valid[ex],
                "maps": {}}
    rows, rand_rows, skipped, seconds = [], [], {}, {}
    random_orders: dict[tuple[str, str], np.ndarray] = {}
    for name in methods:
        reason = unsupported(name, model)
        if reason is not None:
            skipped[name] = reason
            continue
        explain = explainer(name, fs=inputs.fs, output=inputs.output, options=settings.options)
        t0 = time.perf_counter()
        try:
            maps = _batched(explain, model, x, target, fm, settings.batch_size)
        except MethodNotApplicable as exc:
            skipped[name] = str(exc)
            continue
        sec = {"maps": time.perf_counter() - t0}
        t0 = time.perf_counter()
        cols: dict[str, np.ndarray] = dict(localisation_rows(maps, inputs.regions))
        cols["entropy"] = entropy(np.abs(maps), normalised=True)
        sec["localisation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for r in settings.replacements:
            for kind, curves in (("deletion", deletion_curves), ("insertion", insertion_curves)):
                c = curves(f, xt, maps, step=settings.step, n_random=settings.n_random, replacement=r,
                           noise_sd=settings.noise_sd, seed=settings.seed, random=random_orders.get((kind, r)))
                random_orders[(kind, r)] = c.random  # the same for every map: computed once
                cols[f"{kind}_auc{SUFFIX[r]}"] = c.auc_relevance
                cols[f"{kind}_gap{SUFFIX[r]}"] = c.gap
        sec["faithfulness"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        t_rob, fm_rob = torch.as_tensor(target[:n_rob]), torch.as_tensor(fm[:n_rob])
        rob = max_sensitivity(lambda z: explain(model, z, t_rob, fm_rob), xt[:n_rob], radius=settings.radius,
                              n_perturbations=settings.n_perturbations, seed=settings.seed)
        cols["max_sensitivity"] = np.concatenate([rob, np.full(n - n_rob, np.nan)])
        sec["robustness"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        t_r, fm_r = torch.as_tensor(target[:n_rand]), torch.as_tensor(fm[:n_rand])

        def explain_r(m, z, _explain=explain, _t=t_r, _fm=fm_r):
            try:
                return _explain(m, z, _t, _fm)
            except MethodNotApplicable:  # e.g. DeepLIFT's summation check on a randomised model
                return torch.full_like(z, float("nan"))

        rr = parameter_randomisation(explain_r, model, xt[:n_rand], seed=settings.seed, absolute=True,
                                     randomised=randomised)
        cols["randomisation_correlation"] = np.concatenate([rr.correlations[-1], np.full(n - n_rand, np.nan)])
        for row in rr.table().to_dict(orient="records"):
            rand_rows.append({"method": name, **row, "depth": depth_of[row["layer"]]})
        sec["randomisation"] = time.perf_counter() - t0
        seconds[name] = sec
        examples["maps"][name] = maps[ex]
        rows.append(pd.DataFrame({"record": inputs.records, "patient": inputs.patients, "method": name,
                                  "label": inputs.labels if len(inputs.labels) == n else np.nan,
                                  **{k: cols[k] for k in metric_columns(settings.replacements)}}))
        if log is not None:
            log(f"{name}: " + ", ".join(f"{k} {v:.1f} s" for k, v in sec.items()))
    scores = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["record", "patient", "method", "label", *metric_columns(settings.replacements)])
    randomisation = pd.DataFrame(rand_rows, columns=["method", "layer", "depth", "mean", "median", "n"])
    return Evaluation(scores, randomisation, skipped, seconds, examples, list(reversed(layers)))


# ------------------------------------------------------------------------------------------------------------
# Summaries and verdicts
# ------------------------------------------------------------------------------------------------------------

def summary_table(scores: pd.DataFrame, replacements: Sequence[str]) -> pd.DataFrame:
    """Each method's mean per metric with its 95 % t interval over patients and its rank
    (:func:`ecgstudy.metrics.attribution.method_summary`, columns ``method, metric, estimate, low, high, n,
    interval, rank, text``)."""
    from ecgstudy.metrics.attribution import method_summary

    metrics = [m for m in metric_columns(replacements) if m in scores.columns]
    return method_summary(scores, metrics, group="patient", higher_is_better=directions(replacements))


def _faithful(gaps: pd.Series, groups: pd.Series) -> tuple[str, str]:
    from ecgstudy.metrics.stats import t_interval

    r = t_interval(gaps.groupby(groups).mean().to_numpy(dtype=np.float64))
    if not (np.isfinite(r.low) and np.isfinite(r.high)):
        return UNTESTABLE, r.text(signed=True)
    return (PASSES if r.low > 0 else FAILS), r.text(signed=True)


def randomisation_verdict(mean_correlation: float, threshold: float | None = None) -> str:
    """``"fails"`` when the maps survive randomising every layer (mean correlation above ``threshold``),
    ``"not testable"`` when there is no correlation (a constant map), else ``"passes"``.

    >>> randomisation_verdict(0.9), randomisation_verdict(0.1), randomisation_verdict(float("nan"))
    ('fails', 'passes', 'not testable')
    """
    from ecgstudy.metrics.attribution import UNCHANGED_THRESHOLD

    threshold = UNCHANGED_THRESHOLD if threshold is None else threshold
    if mean_correlation != mean_correlation:
        return UNTESTABLE
    return FAILS if mean_correlation > threshold else PASSES


def verdict_table(scores: pd.DataFrame, randomisation: Mapping[str, float], replacements: Sequence[str], *,
                  reference: str = EDGE_DETECTOR) -> pd.DataFrame:
    """The three verdicts per method (module docstring).

    Args:
        scores: the per-record table (``method``, ``patient`` and the metric columns).
        randomisation: method -> mean correlation with every layer randomised (NaN: none).
        replacements: the replacements whose deletion gaps decide faithfulness.
        reference: the edge detector's method name.

    Returns:
        One row per method (in ``scores``' order): ``method``, ``localisation``, ``localisation_difference``
        (the AUROC minus the reference's, with its interval, as text), ``faithfulness``, ``deletion_gap``
        (text per replacement), ``randomisation``, ``randomisation_correlation``.
    """
    from ecgstudy.metrics.attribution import versus_reference

    names = list(pd.unique(scores["method"]))
    loc: dict[str, tuple[str, str]] = {}
    if reference in names and len(names) > 1:
        vs = versus_reference(scores, [LOCALISATION_METRIC], reference=reference, group="patient")
        for row in vs.itertuples(index=False):
            word = {"better": PASSES, "too few groups": UNTESTABLE}.get(row.verdict, FAILS)
            loc[row.method] = (word, row.text)
    rows = []
    for name in names:
        part = scores[scores["method"] == name]
        if name == reference:
            l_word, l_text = "the reference", ""
        else:
            l_word, l_text = loc.get(name, (UNTESTABLE, f"no {reference} map to compare with"))
        faith = [_faithful(part[f"deletion_gap{SUFFIX[r]}"], part["patient"]) for r in replacements]
        words = [w for w, _ in faith]
        f_word = FAILS if FAILS in words else (UNTESTABLE if UNTESTABLE in words else PASSES)
        rc = float(randomisation.get(name, math.nan))
        rows.append({"method": name, "localisation": l_word, "localisation_difference": l_text,
                     "faithfulness": f_word,
                     "deletion_gap": "; ".join(f"{r}: {t}" for r, (_, t) in zip(replacements, faith)),
                     "randomisation": randomisation_verdict(rc), "randomisation_correlation": rc})
    return pd.DataFrame(rows, columns=["method", "localisation", "localisation_difference", "faithfulness",
                                       "deletion_gap", "randomisation", "randomisation_correlation"])


def final_correlations(randomisation: pd.DataFrame) -> dict[str, float]:
    """method -> mean correlation at the deepest depth (every layer randomised)."""
    out = {}
    for name, part in randomisation.groupby("method", sort=False):
        out[str(name)] = float(part.sort_values("depth")["mean"].iloc[-1])
    return out


# ------------------------------------------------------------------------------------------------------------
# The experiment
# ------------------------------------------------------------------------------------------------------------

def model_dir(params, run_dir: Path) -> Path:
    """The folder of the checkpoint a benchmark run explains: ``<store>/<kind>/<experiment>/<model_run>``
    in the store the run is written to (``run_dir`` is ``<store>/<kind>/attribution-benchmark/<id>...``)."""
    from ecgstudy.studies.attribution.models import get_slot

    slot = get_slot(params.slot)
    if not params.model_run:
        raise ParameterError(f"slot {slot.key}: no checkpoint run given (model_run is empty): "
                             f"plan the run through the chapter or ecgstudy run, which resolve it")
    return Path(run_dir).parents[2] / slot.data_kind / slot.experiment / params.model_run


def run_benchmark(params, source, run_dir: Path) -> None:
    """One benchmark run (the experiment ``attribution-benchmark``): files as the module docstring says."""
    import json


    from ecgstudy import checkpoints
    from ecgstudy.runs.store import write_json
    from ecgstudy.studies.attribution.models import get_slot, slot_inputs

    from ecgstudy.training import seed_everything

    seed_everything(params.seed, threads=THREADS)
    slot = get_slot(params.slot)
    folder = model_dir(params, run_dir)
    model = checkpoints.load(folder)
    t0 = time.perf_counter()
    inputs = slot_inputs(slot, folder, source, max_records=params.max_records, seed=params.seed)
    load_seconds = time.perf_counter() - t0
    settings = Settings.of(params)
    log_path = Path(run_dir) / "progress.log"

    def log(line: str) -> None:
        with open(log_path, "a") as fh:
            fh.write(line + "\n")

    ev = evaluate(model, inputs, params.methods, settings, log=log)
    summary = summary_table(ev.scores, settings.replacements)
    finals = final_correlations(ev.randomisation)
    verdicts = verdict_table(ev.scores, finals, settings.replacements)
    ev.scores.to_csv(Path(run_dir) / "scores.csv", index=False)
    summary.to_csv(Path(run_dir) / "summary.csv", index=False)
    verdicts.to_csv(Path(run_dir) / "verdicts.csv", index=False)
    ev.randomisation.to_csv(Path(run_dir) / "randomisation.csv", index=False)
    # the example inputs of a real-data slot are excerpts of a dataset, which the project never redistributes: the
    # page rebuilds them from the data (chapter.example_input); a synthetic slot's are kept
    signal = {"x": ev.examples["x"]} if source.kind == "synthetic" else {}
    np.savez_compressed(Path(run_dir) / "maps.npz", index=ev.examples["index"], **signal,
                        masks=ev.examples["masks"], valid=ev.examples["valid"],
                        records=inputs.records[ev.examples["index"]].astype(str),
                        labels=np.asarray(inputs.labels)[ev.examples["index"]] if len(inputs.labels) else np.zeros(0),
                        methods=np.array(list(ev.examples["maps"]), dtype=str),
                        **{f"map_{k}": v.astype(np.float32) for k, v in ev.examples["maps"].items()})
    info = json.loads((folder / "run.json").read_text())
    write_json(Path(run_dir) / "metrics.json", {
        "slot": slot.key, "paper": slot.paper, "title": slot.title, "model_experiment": slot.experiment,
        "model_run": params.model_run, "model_params": info.get("params", {}),
        "records": inputs.description, "region": inputs.regions.name, "n_records": len(inputs),
        "n_patients": int(len(set(inputs.patients))), "n_available": inputs.n_available, "fs": inputs.fs,
        "lead_names": list(inputs.lead_names), "methods": [m for m in params.methods if m not in ev.skipped],
        "skipped": ev.skipped, "layers": ev.layers, "seconds": ev.seconds, "load_seconds": load_seconds,
        "verdicts": verdicts.to_dict(orient="records"), "summary": summary.to_dict(orient="records"),
        **({"model_score_here": inputs.model_score} if inputs.model_score else {}),
    })
