"""The ECGradCAM chapter's experiments (a training experiment per dataset, the transfer runs, and the
page) and their budgets per profile."""

from __future__ import annotations

from functools import partial

from ecgstudy.runs.experiment import Experiment
from ecgstudy.studies.ecgradcam.params import DATASET_NAMES, EcgradcamChapterParams, EcgradcamRunParams
from ecgstudy.studies.ecgradcam.run import run_ecgradcam
from ecgstudy.studies.ecgradcam.transfer import run_transfer


#: Code version of the chapter's runs: bump it when code that changes their results changes.
ECGRADCAM_VERSION = "ecgradcam.1"


#: Version of the chapter page: the runs' version plus the page's own revision (the training runs keep theirs).
#: page.1: claims at a glance (ecgstudy.claims) decided by the one rule, Student t / corrected t intervals, model
#: health (networks that beat their baseline, dead maps, saturated sex probabilities), the inventory of the paper.
#: page.2: claims keep their direction in metrics.json (paper_sign). page.3: tables name targets in words.
#: page.4: units from ecgstudy.labels (heart rate in beats/min); numbered tables. page.5: the sex claims'
#: intervals held to [0, 1] (Interval.within).
PAGE_VERSION = f"{ECGRADCAM_VERSION}-page.5"


#: Code version of the transfer runs (bump when their results would change).
TRANSFER_VERSION = "ecgradcam-transfer.1"


#: Budgets per profile (the chapter states them). The authors: Nadam lr 8e-4, batch 32, 100
#: epochs, MSE, best epoch chosen on the held-out fold.
RUN_PROFILES = {
    "smoke": {"epochs": 1, "n_synthetic": 40, "batch_size": 16},
    # The demo chapter (4 LUDB runs) in about 2 min: 2 epochs (10 steps) and the authors' two layers.
    "demo": {"epochs": 2, "lr_schedule": "cosine", "layers": ("last_add", "last_conv"), "n_synthetic": 120},
    # LUDB gets 30 epochs (150 steps of batch 32), PTB-XL 8 (PTBXL_CPU, about 370 steps). The whole
    # cpu grid, measured on 2 idle cores (torch 2.13, 2 threads), took 1.8 h: LUDB's 35 runs (7 targets
    # x 5 folds) a median of 101 s each, maps and wave blocking included; PTB-XL's 10 runs 283 s each.
    # Cores shared with other work made steps 2 to 4 times slower.
    "cpu": {"epochs": 30, "lr_schedule": "cosine", "n_synthetic": 600},
    "full": {"epochs": 100, "n_synthetic": 2000},
}


#: PTB-XL's cpu budget: 9 times as many steps per epoch as LUDB, so fewer epochs (see ``RUN_PROFILES``).
PTBXL_CPU = {"epochs": 8}


CHAPTER_PROFILES = {
    "smoke": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms",), "transfer_targets": ("qrs_ms",),
              "folds": (0,)},
    "demo": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms", "sex"), "transfer_targets": ("qrs_ms",),
             "folds": (0, 1)},
    "cpu": {},
    "full": {},
}


def experiment_name(dataset: str) -> str:
    return f"ecgradcam-{dataset}"


def _profiles(overlay: dict[str, dict] | None = None) -> dict[str, dict]:
    return {p: {**v, **(overlay or {}).get(p, {})} for p, v in RUN_PROFILES.items()}


def _run_experiment(dataset: str) -> Experiment:
    return Experiment(
        name=experiment_name(dataset),
        title=f"ECGradCAM: train KanResWide_X for one target on one fold of {DATASET_NAMES[dataset]} "
              f"(median beats), map and block waves",
        params_model=EcgradcamRunParams, datasets=(dataset,), function=partial(run_ecgradcam, dataset=dataset),
        profile_defaults=_profiles({"cpu": PTBXL_CPU} if dataset == "ptbxl" else None), version=ECGRADCAM_VERSION,
    )


TRANSFER = Experiment(
    name="ecgradcam-transfer",
    title="ECGradCAM: learn an interval on PTB-XL median beats from NeuroKit2's delineation (one fold), "
          "test, map and block waves on LUDB",
    params_model=EcgradcamRunParams, datasets=("ptbxl", "ludb"), function=run_transfer,
    profile_defaults=_profiles({"cpu": PTBXL_CPU}), version=TRANSFER_VERSION,
)
#: The training experiment of each dataset of the chapter (``transfer``: PTB-XL to LUDB).
RUNS = {"ludb": _run_experiment("ludb"), "ptbxl": _run_experiment("ptbxl"), "transfer": TRANSFER}
CHAPTER = Experiment(
    name="ecgradcam", title="ECGradCAM chapter: targets x folds, maps, wave blocking, the sex feature experiment",
    params_model=EcgradcamChapterParams, datasets=("ludb", "ptbxl"), notebook="ecgradcam.ipynb",
    profile_defaults=CHAPTER_PROFILES, version=PAGE_VERSION, runs=tuple(RUNS.values()),
)
EXPERIMENTS = (*RUNS.values(), CHAPTER)
