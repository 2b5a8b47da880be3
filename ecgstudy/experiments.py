"""The catalogue: every experiment of the study by name (``ecgstudy list``, ``ecgstudy run <name>``).

The pages that are not a paper's chapter (intro, data cards, the data pages, the scorecard) are
declared here; each paper's package declares its own (``ecgstudy/studies/<paper>/experiments.py``).
Book pages are notebook experiments; their templates live in ``notebooks/``.
"""

from __future__ import annotations

from pydantic import Field

from ecgstudy.runs.params import RunParams
from ecgstudy.runs.experiment import Experiment
from ecgstudy.studies import attribution, ecgradcam, iclr, xecgnet


class SummaryParams(RunParams):
    """Pages that summarise a book build (intro, scorecard)."""

    manifest: str = Field("", description="path of the build manifest (pages, runs, data, profile)")


class DataMitdbParams(RunParams):
    """The MIT-BIH data page: ICLR segmentation, counts and example figures."""

    n_synthetic_segments: int = Field(600, ge=10, le=100_000, description="segments drawn when no real data")
    n_examples: int = Field(3, ge=1, le=12, description="example segments drawn per class")


class DataSyntheticParams(RunParams):
    """The synthetic-generator page: what it draws and the ground truth it knows."""

    n_records: int = Field(200, ge=10, le=100_000, description="records per stand-in set")


class StatisticsParams(RunParams):
    """The statistics page: how the verdicts are decided, and each interval's coverage by simulation."""

    n_sims: int = Field(400, ge=20, le=100_000, description="simulations per design and size")


INTRO = Experiment(
    name="intro", title="Introduction: what is reproduced and which data built this copy",
    params_model=SummaryParams, notebook="intro.ipynb", always_rerun=True,
)
DATA_CARDS = Experiment(
    name="data-cards", title="Data cards of every dataset the study reads",
    params_model=SummaryParams, notebook="data_cards.ipynb", always_rerun=True, reads="the data directory",
)
DATA_MITDB = Experiment(
    name="data-mitdb", title="MIT-BIH: the ICLR segmentation (PVC vs APB segments)",
    params_model=DataMitdbParams, datasets=("mitdb",), notebook="data_mitdb.ipynb",
    profile_defaults={"smoke": {"n_synthetic_segments": 60, "n_examples": 1},
                      "cpu": {"n_synthetic_segments": 3000}, "full": {"n_synthetic_segments": 3000}},
)
DATA_SYNTHETIC = Experiment(
    name="data-synthetic", title="The synthetic ECG generator and its ground truth",
    params_model=DataSyntheticParams, notebook="data_synthetic.ipynb", reads="synthetic (by design)",
    profile_defaults={"smoke": {"n_records": 20}, "cpu": {"n_records": 1000}, "full": {"n_records": 2000}},
)
PRECISION = Experiment(
    name="precision", title="Training precision: fp32 and bf16 runs of one fold, paired by seed",
    params_model=SummaryParams, notebook="precision.ipynb", always_rerun=True,
)
STATISTICS = Experiment(
    name="statistics", title="How the verdicts are decided: the one rule, the intervals and their coverage",
    params_model=StatisticsParams, notebook="statistics.ipynb", reads="simulation (by design)",
    version="statistics.1",
    profile_defaults={"smoke": {"n_sims": 100}, "demo": {"n_sims": 400}, "cpu": {"n_sims": 2000},
                      "full": {"n_sims": 4000}},
)
SCORECARD = Experiment(
    name="scorecard", title="Scorecard: paper values beside reproduced values",
    params_model=SummaryParams, notebook="scorecard.ipynb", always_rerun=True,
)


class SelftestParams(RunParams):
    """A trivial run for checking the store and an executor (e.g. a Ray cluster)."""

    value: float = 1.0
    fail: bool = Field(False, description="raise instead of finishing (to see failure records)")


def _selftest(params: SelftestParams, source, run_dir) -> None:
    import json

    if params.fail:
        raise RuntimeError(f"selftest asked to fail (value={params.value})")
    (run_dir / "metrics.json").write_text(json.dumps({"double": 2 * params.value, "seed": params.seed}))


SELFTEST = Experiment(
    name="selftest", title="Check the run store and an executor (writes 2 x value)",
    params_model=SelftestParams, function=_selftest,
)

#: Every experiment by name.
CATALOGUE: dict[str, Experiment] = {
    e.name: e for e in (INTRO, DATA_CARDS, DATA_MITDB, DATA_SYNTHETIC, PRECISION, STATISTICS, SCORECARD, SELFTEST,
                        *iclr.EXPERIMENTS, *xecgnet.EXPERIMENTS, *ecgradcam.EXPERIMENTS,
                        *attribution.EXPERIMENTS)
}


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; ``KeyError`` naming the known ones otherwise."""
    if name not in CATALOGUE:
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(sorted(CATALOGUE))}")
    return CATALOGUE[name]
