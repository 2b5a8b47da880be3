"""The xECGNet chapter's experiments (one training experiment per dataset, and the page) and their
budgets per profile."""

from __future__ import annotations

from functools import partial

from ecgstudy.runs.experiment import Experiment
from ecgstudy.studies.xecgnet.params import DATASET_NAMES, XecgChapterParams, XecgRunParams
from ecgstudy.studies.xecgnet.run import run_xecgnet


#: Code version of the chapter's runs: bump it when code that changes their results changes.
XECGNET_VERSION = "xecgnet.1"

#: Version of the chapter page (its ``summarise``); the training runs keep :data:`XECGNET_VERSION`.
#: page.1: claims at a glance (paired Student t over seeds, the convergence rule), constant-predictor
#: baselines, model health (dead response maps, flat attention), per-class F1, the paper's inventory.
#: page.2: an untestable claim says what today's interval reads, not what a converged one would.
#: page.3: claims keep their direction in metrics.json (paper_sign); verdict counts in words.
#: page.4: the CPSC 2018 sentence says when CPSC is here only as a sample (not "not found").
#: page.5: numbered tables (ecgstudy.book_tables).
PAGE_VERSION = f"{XECGNET_VERSION}-page.5"


#: Budgets per profile (the chapter states them). The authors: Adam 1e-5, batch 32, up to
#: 1,000 epochs, early stopping after 50 epochs without a better validation micro-F1.
RUN_PROFILES = {
    "smoke": {"max_epochs": 1, "patience": None, "lr": 1e-3, "n_synthetic": 60, "batch_size": 16},
    "demo": {"max_epochs": 3, "patience": None, "lr": 1e-3, "lr_schedule": "cosine", "n_synthetic": 300},
    # An epoch takes about 9 s on 2 idle cores for either dataset (PTB-XL: 1,442 training records;
    # MIT-BIH: 1,240 windows), measured over the first cpu grid. That grid stopped at 8 epochs with
    # patience 3, and validation micro-F1 was still rising at its last epoch in most PTB-XL runs while
    # MIT-BIH's noisy five-record validation set stopped some runs at epoch 4. 20 epochs with patience 6
    # cost at most about 3.5 min per run, about 4 h for the 70 runs (2 datasets x 7 settings x 5 seeds).
    "cpu": {"max_epochs": 20, "patience": 6, "lr": 1e-3, "lr_schedule": "cosine", "n_synthetic": 1500,
            "max_windows_per_record": 40},
    "full": {},
}


#: MIT-BIH windows in the ``cpu`` profile: a fixed budget, the final weights of the cosine schedule.
#: Their validation set is about five records (200 windows): in the first two cpu grids its
#: micro-F1 often moved by 0.3 or more between consecutive epochs, and selecting on it kept epoch 1 or 2
#: in 5 of 7 seed-0 runs at the 20-epoch budget. The curves still log it.
MITDB_CPU = {"selection": "last_epoch", "patience": None}


#: CPSC 2018 as the authors ran it (500 Hz, zero-padded to 72,000 samples, five pools of 3).
CPSC_FULL = {"fs": 500.0, "input_samples": 72_000, "pool_sizes": (3, 3, 3, 3, 3)}


CHAPTER_PROFILES = {
    "smoke": {"datasets": ("ptbxl",), "gammas": (0.0, 0.01), "seeds": (0,), "authors_code_gammas": ()},
    "demo": {"gammas": (0.0, 0.01), "seeds": (0,), "authors_code_gammas": ()},
    "cpu": {},
    "full": {},
}


def experiment_name(dataset: str) -> str:
    return f"xecgnet-{'cpsc' if dataset == 'cpsc2018' else dataset}"


#: Per-dataset overlays of :data:`RUN_PROFILES`.
DATASET_PROFILES: dict[str, dict[str, dict]] = {"mitdb": {"cpu": MITDB_CPU}, "cpsc2018": {"full": CPSC_FULL}}


def _run_experiment(dataset: str) -> Experiment:
    overlay = DATASET_PROFILES.get(dataset, {})
    return Experiment(
        name=experiment_name(dataset),
        title=f"xECGNet: train at one gamma and seed on {DATASET_NAMES[dataset]} (multi-label)",
        params_model=XecgRunParams, datasets=(dataset,), function=partial(run_xecgnet, dataset=dataset),
        profile_defaults={p: {**v, **overlay.get(p, {})} for p, v in RUN_PROFILES.items()},
        version=XECGNET_VERSION,
    )


#: The training experiment of each dataset.
RUNS = {ds: _run_experiment(ds) for ds in ("ptbxl", "mitdb", "cpsc2018")}
CHAPTER = Experiment(
    name="xecgnet", title="xECGNet chapter: the gamma sweep, its summary and figures",
    params_model=XecgChapterParams, datasets=("ptbxl", "mitdb"), notebook="xecgnet.ipynb",
    profile_defaults=CHAPTER_PROFILES, version=PAGE_VERSION, runs=tuple(RUNS.values()),
)
EXPERIMENTS = (*RUNS.values(), CHAPTER)
