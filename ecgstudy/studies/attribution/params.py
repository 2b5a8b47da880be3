"""Parameters of Chapter 4's runs: the controlled model (:class:`ControlledParams`), a benchmark run
(:class:`BenchmarkParams`) and the chapter page (:class:`AttributionChapterParams`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ecgstudy.runs.params import RunParams

#: The methods a benchmark runs by default: every registry method (those that do not apply to a model are
#: skipped with the reason), the three references last.
BENCHMARK_METHODS: tuple[str, ...] = (
    "saliency", "input_x_gradient", "integrated_gradients", "integrated_gradients_median", "smoothgrad",
    "occlusion", "deeplift", "kernel_shap", "lime", "gradcam", "ecgradcam", "iclr_attention", "xecgnet_attention",
    "xecgnet_response", "uniform", "random", "energy")
#: Every model slot, in the page's order (ecgstudy.studies.attribution.models.SLOTS).
SLOT_KEYS: tuple[str, ...] = ("iclr_classifier", "iclr_l2", "xecgnet_gamma0", "xecgnet_gamma001", "xecgnet_ptbxl_gamma0",
                              "xecgnet_ptbxl_gamma001", "ecgradcam_qrs", "ecgradcam_qt", "ecgradcam_pr",
                              "ecgradcam_sex", "controlled")


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


class BenchmarkParams(RunParams):
    """One benchmark run: every method of ``methods`` on the held-out records of one model slot
    (:mod:`~ecgstudy.studies.attribution.models`), scored against the slot's ground truth
    (:mod:`~ecgstudy.studies.attribution.benchmark`). ``seed`` seeds the records picked, the random map,
    the random deletion orders and every noise draw. The defaults are the ``cpu`` budget.
    """

    slot: str = Field("controlled", description="the model slot (ecgstudy.studies.attribution.models.SLOTS)")
    model_run: str = Field("", description="run id of the checkpoint explained (filled when the run is planned, so "
                                           "new weights make a new benchmark run)")
    methods: tuple[str, ...] = Field(BENCHMARK_METHODS, min_length=1, description="registry names (methods that do "
                                     "not apply to the model are skipped and listed)")
    max_records: int | None = Field(24, ge=2, le=100_000, description="held-out records explained (None: all)")
    step: float = Field(0.1, gt=0.0, le=0.5, description="deletion / insertion step (share of the samples)")
    n_random: int = Field(1, ge=1, le=50, description="random removal orders averaged")
    replacements: tuple[Literal["linear", "noisy_linear"], ...] = Field(
        ("linear", "noisy_linear"), min_length=1, description="how removed samples are replaced")
    noise_sd: float = Field(0.01, gt=0.0, le=1.0, description="sd of noisy_linear's noise, in the inputs' units")
    radius: float = Field(0.05, gt=0.0, le=1.0, description="max-sensitivity: half-width of the uniform input noise")
    n_perturbations: int = Field(3, ge=1, le=100, description="max-sensitivity: noisy copies per record")
    robustness_records: int = Field(6, ge=1, le=100_000, description="records scored for max-sensitivity")
    randomisation_records: int = Field(4, ge=1, le=100_000, description="records of the randomisation check")
    randomisation_depths: int = Field(3, ge=1, le=1000, description="depths of the cascade whose maps are compared "
                                                                     "(evenly spaced; the last: every layer)")
    occlusion_ms: float = Field(100.0, gt=0.0, le=2000.0, description="occlusion window (ms), stride the same")
    perturbation_samples: int = Field(100, ge=8, le=10_000, description="model calls of KernelSHAP / LIME per record")
    smoothgrad_samples: int = Field(16, ge=1, le=1000, description="noisy copies of SmoothGrad")
    smoothgrad_sd: float = Field(0.1, gt=0.0, le=10.0, description="SmoothGrad's noise sd, in the inputs' units")
    ig_steps: int = Field(32, ge=2, le=1000, description="Integrated Gradients' steps")
    n_examples: int = Field(2, ge=1, le=12, description="records whose maps are stored for the page's figure")
    batch_size: int = Field(16, ge=1, le=1024)

    @model_validator(mode="after")
    def _check(self) -> "BenchmarkParams":
        from ecgstudy.attribution.methods import METHODS
        from ecgstudy.studies.attribution.models import SLOTS

        if self.slot not in SLOTS:
            raise ValueError(f"slot={self.slot!r}: expected one of {', '.join(SLOTS)}")
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise ValueError(f"methods {unknown}: expected registry names ({', '.join(METHODS)})")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("methods: a method is listed twice")
        return self


class AttributionChapterParams(RunParams):
    """The Chapter 4 page: the controlled model's training run and one benchmark run per model slot found."""

    slots: tuple[str, ...] = Field(SLOT_KEYS, min_length=1, description="the model slots of the page")
    methods: tuple[str, ...] = Field(BENCHMARK_METHODS, min_length=1, description="methods benchmarked")
    max_records: int | None = Field(None, ge=2, description="records per model (None: the profile's budget)")
    controlled_wave: Literal["P", "QRS", "T"] = Field("P", description="the controlled task's planted wave")
    controlled_rule: Literal["amplitude", "width"] = Field("amplitude", description="its planted property")
    executor: Literal["local", "ray"] = "local"
    train_missing: bool = Field(True, description="train the controlled model and run the missing benchmark runs; "
                                                  "False: summarise the finished runs only")

    @model_validator(mode="after")
    def _check(self) -> "AttributionChapterParams":
        from ecgstudy.attribution.methods import METHODS
        from ecgstudy.studies.attribution.models import SLOTS

        bad = [s for s in self.slots if s not in SLOTS] + [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown slots or methods {bad}: slots {', '.join(SLOTS)}; methods {', '.join(METHODS)}")
        return self
