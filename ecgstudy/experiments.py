"""Every experiment of the study, registered by name (``ecgstudy run <name>``).

Book pages are notebook experiments; their templates live in ``notebooks/``.
"""

from __future__ import annotations

from pydantic import Field

from ecgstudy.runs.params import RunParams
from ecgstudy.runs.registry import Experiment, register


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


register(Experiment(
    name="intro", title="Introduction: what is reproduced and which data built this copy",
    params_model=SummaryParams, notebook="intro.ipynb", always_rerun=True,
))
register(Experiment(
    name="data-cards", title="Data cards of every dataset the study reads",
    params_model=SummaryParams, notebook="data_cards.ipynb", always_rerun=True, reads="the data directory",
))
register(Experiment(
    name="data-mitdb", title="MIT-BIH: the ICLR segmentation (PVC vs APB segments)",
    params_model=DataMitdbParams, datasets=("mitdb",), notebook="data_mitdb.ipynb",
    profile_defaults={"smoke": {"n_synthetic_segments": 60, "n_examples": 1},
                      "cpu": {"n_synthetic_segments": 3000}, "full": {"n_synthetic_segments": 3000}},
))
register(Experiment(
    name="data-synthetic", title="The synthetic ECG generator and its ground truth",
    params_model=DataSyntheticParams, notebook="data_synthetic.ipynb", reads="synthetic (by design)",
    profile_defaults={"smoke": {"n_records": 20}, "cpu": {"n_records": 1000}, "full": {"n_records": 2000}},
))
register(Experiment(
    name="scorecard", title="Scorecard: paper values beside reproduced values",
    params_model=SummaryParams, notebook="scorecard.ipynb", always_rerun=True,
))


class SelftestParams(RunParams):
    """A trivial run for checking the store and an executor (e.g. a Ray cluster)."""

    value: float = 1.0
    fail: bool = Field(False, description="raise instead of finishing (to see failure records)")


def _selftest(params: SelftestParams, source, run_dir) -> None:
    import json

    if params.fail:
        raise RuntimeError(f"selftest asked to fail (value={params.value})")
    (run_dir / "metrics.json").write_text(json.dumps({"double": 2 * params.value, "seed": params.seed}))


register(Experiment(
    name="selftest", title="Check the run store and an executor (writes 2 x value)",
    params_model=SelftestParams, function=_selftest,
))


from ecgstudy.studies.iclr import (  # noqa: E402
    CHAPTER_PROFILES,
    FOLD_PROFILES,
    ICLR_VERSION,
    IclrChapterParams,
    IclrFoldParams,
    run_fold,
)

register(Experiment(
    name="iclr-fold", title="ICLR: train one method on one CV fold with one seed (PVC vs APB)",
    params_model=IclrFoldParams, datasets=("mitdb",), function=run_fold, profile_defaults=FOLD_PROFILES,
    version=ICLR_VERSION,
))
register(Experiment(
    name="iclr", title="ICLR chapter: the grid of fold runs, its summary and figures",
    params_model=IclrChapterParams, datasets=("mitdb",), notebook="iclr.ipynb", profile_defaults=CHAPTER_PROFILES,
    version=ICLR_VERSION,
))


from functools import partial  # noqa: E402

from ecgstudy.studies import xecgnet as _xecg  # noqa: E402

for _dataset in ("ptbxl", "mitdb", "cpsc2018"):
    _profiles = dict(_xecg.RUN_PROFILES)
    if _dataset == "cpsc2018":
        _profiles["full"] = {**_profiles["full"], **_xecg.CPSC_FULL}
    if _dataset == "mitdb":
        _profiles["cpu"] = {**_profiles["cpu"], **_xecg.MITDB_CPU}
    register(Experiment(
        name=_xecg.experiment_name(_dataset),
        title=f"xECGNet: train at one gamma and seed on {_xecg.DATASET_NAMES[_dataset]} (multi-label)",
        params_model=_xecg.XecgRunParams, datasets=(_dataset,), function=partial(_xecg.run_xecgnet, dataset=_dataset),
        profile_defaults=_profiles, version=_xecg.XECGNET_VERSION,
    ))
register(Experiment(
    name="xecgnet", title="xECGNet chapter: the gamma sweep, its summary and figures",
    params_model=_xecg.XecgChapterParams, datasets=("ptbxl", "mitdb"), notebook="xecgnet.ipynb",
    profile_defaults=_xecg.CHAPTER_PROFILES, version=_xecg.XECGNET_VERSION,
))


from ecgstudy.studies import ecgradcam as _ecgcam  # noqa: E402

for _dataset in ("ludb", "ptbxl"):
    _profiles = {k: dict(v) for k, v in _ecgcam.RUN_PROFILES.items()}
    if _dataset == "ptbxl":
        _profiles["cpu"] = {**_profiles["cpu"], **_ecgcam.PTBXL_CPU}
    register(Experiment(
        name=_ecgcam.experiment_name(_dataset),
        title=f"ECGradCAM: train KanResWide_X for one target on one fold of {_ecgcam.DATASET_NAMES[_dataset]} "
              f"(median beats), map and block waves",
        params_model=_ecgcam.EcgradcamRunParams, datasets=(_dataset,),
        function=partial(_ecgcam.run_ecgradcam, dataset=_dataset),
        profile_defaults=_profiles, version=_ecgcam.ECGRADCAM_VERSION,
    ))
register(Experiment(
    name="ecgradcam", title="ECGradCAM chapter: targets x folds, maps, wave blocking, the sex feature experiment",
    params_model=_ecgcam.EcgradcamChapterParams, datasets=("ludb", "ptbxl"), notebook="ecgradcam.ipynb",
    profile_defaults=_ecgcam.CHAPTER_PROFILES, version=_ecgcam.ECGRADCAM_VERSION,
))

from ecgstudy.studies import ecgradcam_transfer as _transfer  # noqa: E402

register(Experiment(
    name="ecgradcam-transfer",
    title="ECGradCAM: learn an interval on PTB-XL median beats from NeuroKit2's delineation (one fold), "
          "test, map and block waves on LUDB",
    params_model=_ecgcam.EcgradcamRunParams, datasets=("ptbxl", "ludb"), function=_transfer.run_transfer,
    profile_defaults={**{k: dict(v) for k, v in _ecgcam.RUN_PROFILES.items()},
                      "cpu": {**_ecgcam.RUN_PROFILES["cpu"], **_ecgcam.PTBXL_CPU}},
    version=_transfer.TRANSFER_VERSION,
))
