"""Parameters of the ICLR chapter: one training run (:class:`IclrFoldParams`) and the chapter page
(:class:`IclrChapterParams`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ecgstudy.runs.params import RunParams, check_inner_validation, check_ladder


Method = Literal["classifier", "cascaded", "max", "l2"]


#: Folds by segment (the paper), by record, or by patient (MIT-BIH 201 and 202 are one person).
Split = Literal["segment", "record", "patient"]


METHODS: tuple[str, ...] = ("classifier", "cascaded", "max", "l2")


class IclrFoldParams(RunParams):
    """One training run of the ICLR chapter."""

    added_fields = ("precision", "inner_folds", "patience", "keep_weights", "ladder")

    method: Method = "l2"
    split: Split = Field("segment", description="segment-wise (as the paper), record-wise or patient-wise folds")
    fold: int = Field(0, ge=0, description="held-out fold index")
    n_folds: int = Field(5, ge=2, le=10)
    kernel_size: int = Field(151, ge=1, le=1001, description="attention pooling window (samples at 360 Hz)")
    classifier_variant: Literal["paper", "authors_code"] = "paper"
    epochs: int = Field(120, ge=1, le=1000)
    lr: float = Field(1e-5, gt=0, le=1.0)
    lr_schedule: Literal["constant", "cosine"] = Field("constant", description="constant (paper) or cosine decay")
    batch_size: int = Field(16, ge=1, le=1024)
    class_weights: tuple[float, float] = Field((7.0, 1.0), description="NLL weights of (APB, PVC)")
    n_synthetic_segments: int = Field(300, ge=20, le=100_000)
    n_examples: int = Field(4, ge=0, le=64,
                            description="held-out segments whose attention is stored, half of each class")
    precision: Literal["fp32", "bf16"] = Field("fp32", description="training precision: float32 (the reference) "
                                                                   "or bfloat16 autocast (about 2x on AMX CPUs)")
    inner_folds: int = Field(0, ge=0, le=20, description="hold out 1/k of the training set (by the split's unit) "
                                                         "as inner validation; 0: none (the paper)")
    patience: int | None = Field(None, ge=1, description="keep the epoch of the lowest validation loss and stop "
                                                         "after this many epochs without a lower one (None: the "
                                                         "last epoch, the paper)")
    keep_weights: bool = Field(False, description="store the trained weights (weights.pt, ecgstudy.checkpoints)")
    ladder: tuple[int, ...] = Field((), description="epoch caps whose kept weights are also evaluated on the held-out "
                                                    "fold (the budget ladder, ecgstudy.training.ladder)")

    @model_validator(mode="after")
    def _check_validation(self) -> "IclrFoldParams":
        check_inner_validation(self.inner_folds, self.patience)
        check_ladder(self.ladder, self.lr_schedule)
        return self


class IclrChapterParams(RunParams):
    """The ICLR chapter page: which grid of fold runs it trains and summarises."""

    added_fields = ("keep_weights", "fold_values")

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    splits: tuple[Split, ...] = ("segment", "record")
    methods: tuple[Method, ...] = METHODS
    record_methods: tuple[Method, ...] = Field(
        ("classifier", "l2"), description="methods also run with record- or patient-wise folds (the paper's two "
                                          "MIT-BIH rows)")
    n_folds: int = Field(5, ge=2, le=10)
    folds_run: int | None = Field(None, ge=1, description="run only the first k folds (None: all)")
    kernel_sizes: tuple[int, ...] = Field((72, 144, 216), description="ablation kernels besides the main one")
    ablation_seeds: tuple[int, ...] = Field((0,), description="seeds of the kernel ablation (L2, segment-wise)")
    kernel_size: int = Field(151, description="the main L2/max kernel (the authors' 151 samples = 0.42 s)")
    executor: Literal["local", "ray"] = "local"
    train_missing: bool = Field(True, description="train the runs missing from the store; False: summarise the "
                                                  "finished runs only (a grid part-way done)")
    fold_values: dict[str, Any] = Field(default_factory=dict, description=(
        "fold-run parameters over the fold profile's, e.g. the former 3-epoch budget: {\"epochs\": 3, \"lr\": 0.001, "
        "\"lr_schedule\": \"cosine\", \"inner_folds\": 0, \"patience\": null, \"precision\": \"fp32\", \"ladder\": []}"))
    keep_weights: bool = Field(False, description="the first seed's fold-0 runs of the main kernel store their weights "
                                                  "(the published checkpoints, ecgstudy.checkpoints)")
