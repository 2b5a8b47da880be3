"""Parameters of the ECGradCAM chapter: one training run (:class:`EcgradcamRunParams`) and the chapter
page (:class:`EcgradcamChapterParams`), with the targets each dataset is studied for."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ecgstudy.runs.params import RunParams, check_inner_validation, check_ladder


Dataset = Literal["ludb", "ptbxl", "transfer"]


#: ``transfer``: trained on PTB-XL with NeuroKit2's intervals, tested on LUDB
#: (:mod:`ecgstudy.studies.ecgradcam.transfer`).
DATASET_NAMES = {"ludb": "LUDB", "ptbxl": "PTB-XL subset", "transfer": "PTB-XL-to-LUDB transfer"}


_LAYER = re.compile(r"^(last_add|last_conv|block\d+)$")


class EcgradcamRunParams(RunParams):
    """One training run of the ECGradCAM chapter: one target, one fold, one seed."""

    added_fields = ("split_unit", "precision", "inner_folds", "patience", "keep_weights", "ladder", "bn_stats",
                    "fp32_input_conv")

    target: str = Field("qrs_ms", min_length=1, max_length=64,
                        description="column of the dataset's targets (checked when the data are loaded)")
    fold: int = Field(0, ge=0, le=99, description="held-out fold, 0 .. n_folds - 1")
    n_folds: int = Field(5, ge=2, le=20)
    epochs: int = Field(100, ge=1, le=2000)
    lr: float = Field(8e-4, gt=0, le=1.0)
    lr_schedule: Literal["constant", "cosine"] = Field(
        "constant", description="constant (the authors) or cosine to 0 over the run (short CPU budgets)")
    batch_size: int = Field(32, ge=1, le=1024)
    layers: tuple[str, ...] = Field(("last_add", "last_conv", "block3"), min_length=1,
                                    description="layers explained: last_add, last_conv, block<k>")
    n_synthetic: int = Field(400, ge=20, le=100_000, description="records drawn when no real data")
    split_unit: Literal["record", "patient"] = Field(
        "record", description="folds by record or by patient (PTB-XL patient_id; a LUDB record is a patient)")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="training precision: float32 (the reference) "
                                                                   "or bfloat16 autocast of the training batches")
    fp32_input_conv: bool = Field(False, description="with bf16: the first convolution, which reads the raw signal, "
                                                     "runs in float32 (KanResWideX(fp32_input_conv=True))")
    inner_folds: int = Field(0, ge=0, le=20, description="hold out 1/k of the training rows (grouped and stratified "
                                                         "as the outer folds) as inner validation; 0: none")
    patience: int | None = Field(None, ge=1, description="keep the epoch of the lowest validation loss and stop "
                                                         "after this many epochs without a lower one (None: the "
                                                         "last epoch)")
    bn_stats: Literal["running", "exact"] = Field(
        "running", description="BatchNorm statistics for evaluation: running averages (Keras, the authors) or "
                               "recomputed from the training rows after every epoch (ecgstudy.training.batchnorm)")
    keep_weights: bool = Field(False, description="store the selected weights (weights.pt, ecgstudy.checkpoints); "
                                                  "the run is then evaluated with them (float16-rounded)")
    ladder: tuple[int, ...] = Field((), description="epoch caps whose kept weights are also scored on the test "
                                                    "rows (the budget ladder, ecgstudy.training.ladder)")

    @field_validator("layers")
    @classmethod
    def _check_layers(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in v if not _LAYER.match(name)]
        if bad:
            raise ValueError(f"unknown layer(s) {bad}: use last_add, last_conv or block<k>")
        if len(set(v)) != len(v):
            raise ValueError(f"layers repeat: {v}")
        return v

    @model_validator(mode="before")
    @classmethod
    def _input_conv_only_with_bf16(cls, data: Any) -> Any:
        """``fp32_input_conv`` means nothing in float32: it is set to False there, so that such a run keeps the
        id of the same float32 run without it."""
        if isinstance(data, dict) and data.get("precision", "fp32") == "fp32" and data.get("fp32_input_conv"):
            data = {**data, "fp32_input_conv": False}
        return data

    @model_validator(mode="after")
    def _check_fold(self) -> "EcgradcamRunParams":
        if self.fold >= self.n_folds:
            raise ValueError(f"fold={self.fold}: must be in 0..{self.n_folds - 1}")
        check_inner_validation(self.inner_folds, self.patience)
        check_ladder(self.ladder, self.lr_schedule)
        return self


#: The chapter's targets per dataset.
LUDB_TARGETS = ("qrs_ms", "qt_ms", "pr_ms", "hr_bpm", "r_amp_V5_mV", "t_amp_V5_mV", "sex")


PTBXL_TARGETS = ("sex", "age")


#: The targets a delineator measures on PTB-XL (the transfer runs' targets).
TRANSFER_TARGETS = ("qrs_ms", "qt_ms", "pr_ms", "hr_bpm")


#: The published ECGradCAM weights (3.3 MB each; all published weights are held to 40 MB): fold 0 of the
#: first seed for the transfer networks (tested on LUDB's cardiologist delineations) and PTB-XL's sex network.
PUBLISHED = (("transfer", "qrs_ms"), ("transfer", "qt_ms"), ("transfer", "pr_ms"), ("ptbxl", "sex"))


class EcgradcamChapterParams(RunParams):
    """The ECGradCAM chapter page: targets x folds per dataset (folds are the replication unit)."""

    added_fields = ("keep_weights", "run_values")

    datasets: tuple[Dataset, ...] = ("ludb", "ptbxl", "transfer")
    ludb_targets: tuple[str, ...] = LUDB_TARGETS
    ptbxl_targets: tuple[str, ...] = PTBXL_TARGETS
    transfer_targets: tuple[str, ...] = Field(TRANSFER_TARGETS, description="intervals learned on PTB-XL and "
                                                                            "tested on LUDB")
    n_folds: int = Field(5, ge=2, le=20)
    folds: tuple[int, ...] | None = Field(None, description="folds run (default: all n_folds)")
    seeds: tuple[int, ...] = (0,)
    keep_weights: bool = Field(False, description="fold 0 of the first seed of PUBLISHED stores its weights "
                                                  "(ecgstudy.checkpoints)")
    run_values: dict[str, Any] = Field(default_factory=dict, description=(
        "values of the training runs over their profile's (a page over another budget's grid, e.g. the committed "
        "short-budget runs while the converged grid trains); a dataset's name holds a dict of values for its runs "
        "only (ecgstudy.runs.params.values_for)"))
    executor: Literal["local", "ray"] = "local"
    train_missing: bool = Field(True, description="train the runs missing from the store; False: summarise the "
                                                  "finished runs only (a grid part-way done)")

    def targets_of(self, dataset: str) -> tuple[str, ...]:
        return {"ludb": self.ludb_targets, "ptbxl": self.ptbxl_targets, "transfer": self.transfer_targets}[dataset]

    def fold_list(self) -> tuple[int, ...]:
        return tuple(range(self.n_folds)) if self.folds is None else tuple(self.folds)
