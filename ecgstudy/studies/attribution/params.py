"""Parameters of Chapter 4's runs: the controlled model (:class:`ControlledParams`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ecgstudy.runs.params import RunParams


class ControlledParams(RunParams):
    """One training run of the controlled model: :class:`~ecgstudy.models.PlantedCNN` on
    :func:`~ecgstudy.synthetic.planted.planted_records` (a label planted in one wave's amplitude or width).

    Records ``0 .. n_records - 1`` of the seed's sequence; the last ``test_fraction`` of them are the
    held-out test set, the last ``1 / inner_folds`` of the rest the inner validation set, the others are
    fitted. The defaults are the ``cpu`` budget.
    """

    wave: Literal["P", "QRS", "T"] = Field("P", description="the wave the label is planted in")
    rule: Literal["amplitude", "width"] = Field("amplitude", description="the planted property of that wave")
    n_records: int = Field(4000, ge=20, le=100_000, description="records drawn (fit + validation + test)")
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0, description="share of the records held out for the test")
    inner_folds: int = Field(5, ge=0, le=20, description="1/k of the training records are the inner validation "
                                                         "set; 0: none")
    fs: float = Field(250.0, ge=100.0, le=1000.0, description="sampling rate (Hz)")
    seconds: float = Field(4.0, ge=2.5, le=60.0, description="record length (s)")
    leads: tuple[str, ...] = Field(("I", "II", "V1"), min_length=1, description="leads drawn (model inputs)")
    noise: bool = Field(True, description="the stand-ins' noise (white + baseline wander); False: clean records")
    channels: tuple[int, ...] = Field((16, 16, 32, 32), min_length=1, description="channels of each conv block")
    kernel_size: int = Field(7, ge=1, le=101, description="convolution kernel (samples, odd)")
    epochs: int = Field(40, ge=1, le=1000, description="epoch cap")
    patience: int | None = Field(6, ge=1, description="keep the epoch of the lowest validation loss and stop after "
                                                      "this many epochs without a lower one (None: the last epoch)")
    lr: float = Field(1e-3, gt=0.0, le=1.0, description="Adam learning rate (constant)")
    batch_size: int = Field(32, ge=1, le=4096)
    precision: Literal["fp32", "bf16"] = Field("fp32", description="training precision (bf16: autocast)")
    keep_weights: bool = Field(False, description="store the trained weights (weights.pt, ecgstudy.checkpoints)")

    @model_validator(mode="after")
    def _check(self) -> "ControlledParams":
        if self.patience is not None and self.inner_folds < 2:
            raise ValueError(f"patience={self.patience} needs an inner validation set (inner_folds >= 2)")
        from ecgstudy.synthetic.leads import lead_rows

        lead_rows(self.leads)  # unknown names raise, listing the known ones
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={self.kernel_size}: expected an odd number")
        n_test = round(self.n_records * self.test_fraction)
        n_train = self.n_records - n_test
        if n_test < 2 or n_train - (n_train // self.inner_folds if self.inner_folds else 0) < 2:
            raise ValueError(f"n_records={self.n_records}, test_fraction={self.test_fraction}, inner_folds="
                             f"{self.inner_folds}: fewer than 2 records to fit or to test")
        return self
