"""Chapter 4's experiments and their budgets per profile: so far the controlled model's training run."""

from __future__ import annotations

from ecgstudy.runs.experiment import Experiment
from ecgstudy.studies.attribution.controlled import run_controlled
from ecgstudy.studies.attribution.params import ControlledParams

#: Code version of the controlled model's runs: bump it when code that changes their results changes.
CONTROLLED_VERSION = "attribution.1"

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

CONTROLLED = Experiment(
    name="attribution-controlled",
    title="Chapter 4: train the controlled model (a small CNN on a synthetic label planted in one wave)",
    params_model=ControlledParams, function=run_controlled, profile_defaults=CONTROLLED_PROFILES,
    reads="synthetic (by design)", version=CONTROLLED_VERSION,
)
EXPERIMENTS = (CONTROLLED,)
