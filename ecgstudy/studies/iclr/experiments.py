"""The ICLR chapter's experiments and their budgets per profile."""

from __future__ import annotations

from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.extension import CapExtension
from ecgstudy.studies.iclr.params import METHODS, IclrChapterParams, IclrFoldParams
from ecgstudy.studies.iclr.run import run_fold


#: Code version of the chapter's runs: bump it when code that changes their results changes.
#: 2: per-class attention examples, the learning-rate schedule, seed-major grid order.
ICLR_VERSION = "iclr.2"


#: Budgets per profile (the chapter states them). The paper: Adam lr 1e-5, 120 epochs, batch 16 (code).
FOLD_PROFILES = {
    "smoke": {"epochs": 1, "lr": 1e-3, "batch_size": 8, "n_synthetic_segments": 40, "n_examples": 2},
    "demo": {"epochs": 3, "lr": 1e-3, "n_synthetic_segments": 200},
    # Validation-driven (issue on converged models): a fifth of each training fold (by the split's unit) is
    # the inner validation set; the epoch of the lowest validation loss is kept and training stops after 8
    # epochs without a lower one (cap 50). Adam at a constant 3e-4 (the paper: 1e-5 for 120 epochs) under
    # bf16 autocast: on 2 AMX cores a U-Net epoch (about 1,900 segments, with validation and the held-out
    # curve) takes about 29 s. The ladder scores the weights a run capped at 3, 10 and 30 epochs would keep.
    # The former cpu grid (3 epochs, lr 1e-3 decayed to 0 along a cosine, fp32) is iclr.2's committed runs.
    "cpu": {"epochs": 50, "lr": 3e-4, "lr_schedule": "constant", "inner_folds": 5, "patience": 8,
            "precision": "bf16", "ladder": (3, 10, 30)},
    "full": {},
}


#: A validation-driven run that the 50-epoch cap ended is trained again with a cap of 150 (the paper trained 120
#: epochs): the cap is a safety net, patience decides the budget (:mod:`ecgstudy.runs.extension`).
EXTEND_CAPPED = CapExtension("epochs", factor=3, limit=150)


CHAPTER_PROFILES = {
    "smoke": {"seeds": (0,), "splits": ("segment",), "folds_run": 1, "kernel_sizes": ()},
    "demo": {"seeds": (0,), "folds_run": 1, "kernel_sizes": (72,)},
    # The converged grid within 10 h of 2-core training: a validation-driven U-Net run took 25-40 epochs of
    # about 30 s (the classifier alone 36 epochs of 8.5 s), so one seed of the main grid (20 segment-wise and
    # 10 patient-wise runs, about 7 h) and two ablation kernels on its folds (10 runs, about 2.5 h).
    "cpu": {"splits": ("segment", "patient"), "seeds": (0,), "kernel_sizes": (72, 216), "keep_weights": True},
    "full": {"ablation_seeds": (0, 1, 2, 3, 4), "record_methods": METHODS},
}


FOLD = Experiment(
    name="iclr-fold", title="ICLR: train one method on one CV fold with one seed (PVC vs APB)",
    params_model=IclrFoldParams, datasets=("mitdb",), function=run_fold, profile_defaults=FOLD_PROFILES,
    version=ICLR_VERSION, extend_capped=EXTEND_CAPPED,
)
#: The page's own version: bump it when :func:`~ecgstudy.studies.iclr.chapter.summarise` changes what the
#: page shows (the fold runs keep :data:`ICLR_VERSION`). 2: pooled intervals resample patients. 3: the trivial
#: baselines (balanced accuracy, the training majority class) beside every method. 4: claims at a glance
#: (ecgstudy.claims, corrected resampled t over folds, the budget rule), model health, Figures 1 and 4, the
#: inventory of the paper's figures and tables (issue 19). 5: beating the majority class is testable at any budget.
#: 6: claims keep their direction in metrics.json (paper_sign); verdict counts in words. 7: the converged grid:
#: the grouped split is patient-wise where the runs have it, how the runs ended (converged, the epoch cap), the
#: budget ladder of the claims (3, 10, 30 epochs and converged), the budget read from the runs. 8: runs extended
#: past the epoch cap (ecgstudy.runs.extension) stand for their cells and are named; numbered tables. 9: value
#: claims' intervals held to [0, 1] (Interval.within). 10: the leakage claims' Welch t corrects each side's
#: variance for its folds' shared training data; the overfitting claim pairs cascaded and classifier by fold.
PAGE_VERSION = f"{ICLR_VERSION}-page.10"
CHAPTER = Experiment(
    name="iclr", title="ICLR chapter: the grid of fold runs, its summary and figures",
    params_model=IclrChapterParams, datasets=("mitdb",), notebook="iclr.ipynb", profile_defaults=CHAPTER_PROFILES,
    version=PAGE_VERSION, runs=(FOLD,),
)
EXPERIMENTS = (FOLD, CHAPTER)
