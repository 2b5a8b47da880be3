"""The ECGradCAM chapter's experiments (a training experiment per dataset, the transfer runs, and the
page) and their budgets per profile."""

from __future__ import annotations

from functools import partial

from ecgstudy.runs.experiment import Experiment
from ecgstudy.runs.extension import CapExtension
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
#: intervals held to [0, 1] (Interval.within). page.6: the setup says how the kept weights are chosen (the last
#: epoch, or validation-driven with exact BatchNorm statistics) and in which precision; a validation-driven
#: budget is stated as a cap, its seconds per epoch over the epochs each run trained. page.7: the budget ladder
#: (which targets learned at 3, 10, 30 epochs and at the runs' own budget; ecgstudy.studies.ecgradcam.ladder).
#: page.8: values over cross-validation folds take the corrected resampled t as differences did (region ratios,
#: cross-target dissimilarity, wave harm, the sex network's accuracy and AUC): the folds share training data. The
#: transfer runs all score every LUDB record, so theirs add a bootstrap over those patients (fixed_test).
PAGE_VERSION = f"{ECGRADCAM_VERSION}-page.8"


#: Code version of the transfer runs (bump when their results would change).
TRANSFER_VERSION = "ecgradcam-transfer.1"


#: Budgets per profile (the chapter states them). The authors: Nadam lr 8e-4, batch 32, 100
#: epochs, MSE, best epoch chosen on the held-out fold.
RUN_PROFILES = {
    "smoke": {"epochs": 1, "n_synthetic": 40, "batch_size": 16},
    # The demo chapter (4 LUDB runs) in about 2 min: 2 epochs (10 steps) and the authors' two layers.
    "demo": {"epochs": 2, "lr_schedule": "cosine", "layers": ("last_add", "last_conv"), "n_synthetic": 120},
    # Validation-driven (issue on converged models): the authors' Nadam at a constant 8e-4, float32; a fifth of the
    # training rows (whole patients: PTB-XL's patient_id, a LUDB record is a patient) is the inner validation set;
    # the kept weights are those of the lowest validation loss, and training stops after ``patience`` epochs
    # without a lower one, at most ``epochs`` (a capped run is trained again with a cap three times higher,
    # EXTEND_CAPPED). BatchNorm statistics are recomputed from the training rows after every epoch (bn_stats
    # "exact"): with the running averages of the authors' Keras layers (momentum 0.99) and PTB-XL's 36 steps per
    # epoch, the validation BCE of the sex network read 40, 13, 1.9, 1.7 in the first epochs (0.67, 0.73, 0.69,
    # 0.62 recomputed), so it chose nothing. The ladder scores 3, 10 and 30 epochs. PTB-XL (and the transfer
    # runs, trained on it) has 9 times LUDB's steps per epoch: PTBXL_CPU.
    # Pilot, fold 0, seed 0, 2 AMX cores: PTB-XL sex stopped at epoch 15 (kept 7; 512 s, 31 s per epoch; AUC
    # 0.837, the former 8-epoch cosine budget 0.887 with a fifth more training rows and no validation). Under
    # bf16 autocast everywhere the same run was 2.6x faster but reached AUC 0.740 (kept epoch 9 of 17), and the
    # paired check (ecgstudy.studies.precision, LUDB QRS, fold 0, seeds 0-2) found it worse beyond the seed spread
    # (MAE +2.3 ms, 95 % 1.3 to 3.4; R² -0.16). The cause is the first convolution, which reads the raw signal:
    # in bf16 the sample-to-sample differences are rounded away. With that one layer in float32
    # (fp32_input_conv; a few MFLOP of the network's 2.9 GFLOP per sample) bf16 keeps its speed and matches float32:
    # MAE -0.60 ms (95 % -0.84 to -0.37) against float32 over the same three seeds, and the PTB-XL sex run above
    # reached AUC 0.855 in 186 s.
    "cpu": {"epochs": 300, "patience": 20, "inner_folds": 5, "lr_schedule": "constant", "bn_stats": "exact",
            "precision": "bf16", "fp32_input_conv": True, "ladder": (3, 10, 30), "split_unit": "patient",
            "n_synthetic": 600},
    "full": {"epochs": 100, "n_synthetic": 2000},
}


#: PTB-XL's cpu budget (its runs and the transfer runs): 9 times as many steps per epoch as LUDB, so a lower cap
#: and patience (see ``RUN_PROFILES``).
PTBXL_CPU = {"epochs": 100, "patience": 8}


#: A validation-driven run that its cap ended is trained again with a cap three times higher: LUDB at most 900
#: epochs (``EXTEND_CAPPED``), PTB-XL and the transfer runs at most 300 (``EXTEND_CAPPED_PTBXL``: one extension,
#: about 3 h of training at most).
EXTEND_CAPPED = CapExtension("epochs", factor=3, limit=900)
EXTEND_CAPPED_PTBXL = CapExtension("epochs", factor=3, limit=300)


CHAPTER_PROFILES = {
    "smoke": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms",), "transfer_targets": ("qrs_ms",),
              "folds": (0,)},
    "demo": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms", "sex"), "transfer_targets": ("qrs_ms",),
             "folds": (0, 1)},
    "cpu": {"keep_weights": True},
    "full": {"keep_weights": True},
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
        extend_capped=EXTEND_CAPPED_PTBXL if dataset == "ptbxl" else EXTEND_CAPPED,
    )


TRANSFER = Experiment(
    name="ecgradcam-transfer",
    title="ECGradCAM: learn an interval on PTB-XL median beats from NeuroKit2's delineation (one fold), "
          "test, map and block waves on LUDB",
    params_model=EcgradcamRunParams, datasets=("ptbxl", "ludb"), function=run_transfer,
    profile_defaults=_profiles({"cpu": PTBXL_CPU}), version=TRANSFER_VERSION, extend_capped=EXTEND_CAPPED_PTBXL,
)
#: The training experiment of each dataset of the chapter (``transfer``: PTB-XL to LUDB).
RUNS = {"ludb": _run_experiment("ludb"), "ptbxl": _run_experiment("ptbxl"), "transfer": TRANSFER}
CHAPTER = Experiment(
    name="ecgradcam", title="ECGradCAM chapter: targets x folds, maps, wave blocking, the sex feature experiment",
    params_model=EcgradcamChapterParams, datasets=("ludb", "ptbxl"), notebook="ecgradcam.ipynb",
    profile_defaults=CHAPTER_PROFILES, version=PAGE_VERSION, runs=tuple(RUNS.values()),
)
EXPERIMENTS = (*RUNS.values(), CHAPTER)
