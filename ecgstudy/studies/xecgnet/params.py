"""Parameters of the xECGNet chapter: one training run (:class:`XecgRunParams`) and the chapter page
(:class:`XecgChapterParams`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ecgstudy.runs.params import RunParams, check_ladder


Dataset = Literal["cpsc2018", "ptbxl", "mitdb"]


DATASET_NAMES = {"cpsc2018": "CPSC 2018", "ptbxl": "PTB-XL subset", "mitdb": "MIT-BIH windows"}


def dataset_of(experiment: str) -> str:
    """The dataset a training experiment reads, from its name.

    >>> dataset_of("xecgnet-ptbxl"), dataset_of("xecgnet-cpsc")
    ('ptbxl', 'cpsc2018')
    """
    return experiment.removeprefix("xecgnet-").replace("cpsc", "cpsc2018")


class XecgRunParams(RunParams):
    """One training run of the xECGNet chapter."""

    added_fields = ("selection", "split_unit", "precision", "keep_weights", "ladder", "val_frac", "bn_stats")

    gamma: float = Field(0.01, ge=0, le=1e4, description="weight of the attention regulariser (0: ABN)")
    regulariser: Literal["paper", "authors_code"] = Field(
        "paper", description="paper: mean over true labels; authors_code: sum / n_classes, mod batch, per output")
    stop_gradient: bool = Field(False, description="detach the reference map (the authors' code does not)")
    attention_head: Literal["authors_code", "abn"] = "authors_code"
    normalisation: Literal["train", "all"] = Field(
        "train", description="fit the per-lead normalisation on the training split (authors: all records)")
    fs: float = Field(100.0, gt=0, description="input rate in Hz (CPSC is resampled to it)")
    input_samples: int = Field(1000, ge=100, le=200_000, description="CPSC: front-padded input length")
    pool_sizes: tuple[int, int, int, int, int] = Field(
        (3, 3, 3, 1, 1), description="max-pool per backbone block (authors at 500 Hz: 3,3,3,3,3)")
    max_epochs: int = Field(1000, ge=1, le=5000)
    patience: int | None = Field(50, ge=1)
    selection: Literal["val_micro_f1", "val_bce", "last_epoch"] = Field(
        "val_micro_f1", description="which weights to keep: the best validation micro-F1's (the authors, with "
                                    "early stopping), the lowest validation binary cross-entropy's (a smoother "
                                    "score for small validation sets; a deviation) or the final epoch's (a fixed "
                                    "budget)")
    lr: float = Field(1e-5, gt=0, le=1.0)
    lr_schedule: Literal["constant", "cosine"] = "constant"
    batch_size: int = Field(32, ge=1, le=1024)
    max_windows_per_record: int = Field(60, ge=1, le=200, description="MIT-BIH windows kept per record")
    n_synthetic: int = Field(600, ge=30, le=100_000, description="records drawn when no real data")
    split_unit: Literal["record", "patient"] = Field(
        "record", description="MIT-BIH windows are split by record or by patient (201 and 202 are one person); "
                              "PTB-XL's own folds keep patients apart either way")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="training precision: float32 (the reference) "
                                                                   "or bfloat16 autocast (about 2x on AMX CPUs)")
    bn_stats: Literal["running", "exact"] = Field(
        "running", description="BatchNorm statistics for validation and the kept weights: running averages (Keras, "
                               "the authors) or recomputed from the training records after every epoch "
                               "(ecgstudy.training.batchnorm)")
    keep_weights: bool = Field(False, description="store the selected weights (weights.pt, ecgstudy.checkpoints) "
                                                  "and evaluate the test split with them as stored")
    ladder: tuple[int, ...] = Field((), description="epoch caps whose kept weights are also evaluated on the test "
                                                    "split (the budget ladder, ecgstudy.training.ladder)")
    val_frac: float = Field(0.1, gt=0, lt=0.5, description="MIT-BIH: share of the windows (whole records or "
                                                           "patients) held out for validation; 0.1 holds about 5 "
                                                           "patients, too few to select an epoch on")

    @model_validator(mode="after")
    def _check_ladder(self) -> "XecgRunParams":
        check_ladder(self.ladder, self.lr_schedule)
        return self


#: The xECGNet runs that keep their weights: the first seed at gamma 0 (ABN) and at the paper's gamma with its
#: regulariser, on MIT-BIH (whose beat annotations let the attribution benchmark judge the maps) and on PTB-XL
#: (judged on LUDB, whose waves the cardiologists delineated). The checkpoints are 8.2 MB each and the committed
#: weights are held to 40 MB, so only the MIT-BIH ones are committed; PTB-XL's stay beside their runs on the
#: machine that trained them (:data:`ecgstudy.checkpoints.LOCAL_ONLY`).
PUBLISHED = (("mitdb", 0.0), ("mitdb", 0.01), ("ptbxl", 0.0), ("ptbxl", 0.01))


class XecgChapterParams(RunParams):
    """The xECGNet chapter page: the gamma sweep over datasets and seeds."""

    added_fields = ("keep_weights", "run_values")

    datasets: tuple[Dataset, ...] = ("ptbxl", "mitdb")
    gammas: tuple[float, ...] = (0.0, 0.001, 0.01, 0.1, 1.0, 10.0)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    authors_code_gammas: tuple[float, ...] = Field(
        (0.01,), description="gammas also run with the authors' regulariser (their switch), same seeds")
    keep_weights: bool = Field(False, description="the runs of PUBLISHED (first seed, paper regulariser) store "
                                                  "their weights (ecgstudy.checkpoints)")
    run_values: dict[str, Any] = Field(default_factory=dict, description=(
        "values of the training runs over their profile's (a page over another budget's grid, e.g. the committed "
        "short-budget runs while the converged grid trains); a dataset's name holds a dict of values for its runs "
        "only (ecgstudy.runs.params.values_for)"))
    include_cpsc: bool = Field(True, description="add CPSC 2018 when its complete training set is present")
    executor: Literal["local", "ray"] = "local"
    train_missing: bool = Field(True, description="train the runs missing from the store; False: summarise the "
                                                  "finished runs only (a grid part-way done)")
