"""Chapter 4's experiments and their budgets per profile: the controlled model's training run, the benchmark of one
model slot (``attribution-benchmark``) and the chapter page (``attribution``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.store import RunSpec
from ecgstudy.studies.attribution.benchmark import run_benchmark
from ecgstudy.studies.attribution.controlled import run_controlled
from ecgstudy.studies.attribution.params import AttributionChapterParams, BenchmarkParams, ControlledParams

#: Code version of the controlled model's runs: bump it when code that changes their results changes.
CONTROLLED_VERSION = "attribution.1"
#: Code version of the benchmark runs.
BENCHMARK_VERSION = "attribution-benchmark.1"

#: Budgets per profile. The parameters' defaults are the ``cpu`` budget: 4,000 records of 4 s at 250 Hz
#: (2,560 fitted, 640 validation, 800 test), up to 40 epochs of Adam at 1e-3, patience 6 on the validation
#: loss, the weights kept. A training step of 32 records costs about 22 ms on one busy core, so an epoch
#: (80 steps and the validation pass) takes about 2 s and the whole run at most 2 min on 2 cores.
CONTROLLED_PROFILES = {
    "smoke": {"n_records": 64, "epochs": 2, "inner_folds": 4, "patience": 2, "batch_size": 16},
    "demo": {"n_records": 800, "epochs": 12, "patience": 4},
    "cpu": {"keep_weights": True},
    "full": {"keep_weights": True},
}

#: Benchmark budgets per profile. The defaults are ``cpu``'s: 24 records per model, 10 % deletion steps, 1 random
#: order, both replacements, max-sensitivity on 6 records with 3 noisy copies, randomisation on 4 records at 3
#: depths, KernelSHAP / LIME with 100 model calls per record, SmoothGrad 16 copies, Integrated Gradients 32 steps.
#: Measured on the ICLR classifier, one thread beside a training job: 4 records at 60-record settings (2 random
#: orders, 5 noisy copies, 4 depths, 200 KernelSHAP calls, 50 IG steps) took 178 s; these settings keep the 8
#: published models and the controlled one within the chapter's hour on 2 cores. ``smoke`` runs on the
#: controlled model trained at smoke size in seconds.
BENCHMARK_PROFILES = {
    "smoke": {"max_records": 4, "step": 0.25, "n_random": 1, "n_perturbations": 2, "robustness_records": 2,
              "randomisation_records": 2, "randomisation_depths": 2, "perturbation_samples": 16,
              "smoothgrad_samples": 3, "ig_steps": 8, "batch_size": 8},
    "demo": {"max_records": 12, "step": 0.2, "n_random": 1, "n_perturbations": 3, "robustness_records": 6,
             "randomisation_records": 4, "randomisation_depths": 3, "perturbation_samples": 64,
             "smoothgrad_samples": 10, "ig_steps": 20},
    "cpu": {},
    "full": {"max_records": 200, "step": 0.05, "n_random": 5, "n_perturbations": 10, "robustness_records": 50,
             "randomisation_records": 20, "randomisation_depths": 8, "perturbation_samples": 200,
             "smoothgrad_samples": 25, "ig_steps": 50},
}

CONTROLLED = Experiment(
    name="attribution-controlled",
    title="Chapter 4: train the controlled model (a small CNN on a synthetic label planted in one wave)",
    params_model=ControlledParams, function=run_controlled, profile_defaults=CONTROLLED_PROFILES,
    reads="synthetic (by design)", version=CONTROLLED_VERSION,
)


@dataclass(frozen=True)
class SlotExperiment(Experiment):
    """An experiment whose data depends on its ``slot`` parameter: a benchmark run reads the datasets of its
    model's slot (the controlled model: synthetic by design), and is planned with the run id of the slot's
    checkpoint found in the store (``model_run``) unless one is given."""

    def datasets_for(self, params) -> tuple[str, ...]:
        """The datasets a run of these (validated) parameters reads: its slot's."""
        from ecgstudy.studies.attribution.models import get_slot

        return get_slot(params.slot).datasets

    def spec(self, values: dict[str, Any] | None = None, *, data_dir: str | Path | None = None) -> RunSpec:
        from ecgstudy import paths
        from ecgstudy.studies.attribution.models import resolve

        values = dict(values or {})
        params = self.params(values)
        if not params.model_run:
            values["model_run"] = resolve(params.slot, paths.results_dir(), profile=params.profile).run_id
        return super().spec(values, data_dir=data_dir)


BENCHMARK = SlotExperiment(
    name="attribution-benchmark",
    title="Chapter 4: every attribution method on one model's held-out records, scored against its ground truth",
    params_model=BenchmarkParams, function=run_benchmark,
    profile_defaults=BENCHMARK_PROFILES, reads="the data of its model slot", version=BENCHMARK_VERSION,
)

#: The page's profiles: its benchmark runs take their budgets from :data:`BENCHMARK_PROFILES`.
CHAPTER_PROFILES: dict[str, dict] = {"smoke": {}, "demo": {}, "cpu": {}, "full": {}}
#: The page's own version: bump it when :func:`~ecgstudy.studies.attribution.chapter.summarise` changes what the
#: page shows. page.2: each model's table counts the records whose map was all zero (tables.zero_maps).
PAGE_VERSION = f"{BENCHMARK_VERSION}-page.2"
CHAPTER = Experiment(
    name="attribution", title="Chapter 4: which explanation is right? Attribution methods judged against annotations",
    params_model=AttributionChapterParams, datasets=("mitdb",), notebook="attribution.ipynb",
    profile_defaults=CHAPTER_PROFILES, version=PAGE_VERSION, runs=(CONTROLLED, BENCHMARK),
)
EXPERIMENTS = (CONTROLLED, BENCHMARK, CHAPTER)
