"""Published weights (ecgstudy.checkpoints): exact round trips, refusals that name the file, and every
committed checkpoint reproducing its run's stored test metrics on the real data."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from ecgstudy import checkpoints
from ecgstudy.errors import DataError
from ecgstudy.models import PlantedCNN, XecgNet, build_iclr_model
from ecgstudy.models.kanres_wide_x import KanResWideX
from ecgstudy.paths import PROJECT_ROOT
from ecgstudy.testing import real_dataset

CASES = [
    ("iclr", {"method": "l2", "in_leads": 2, "kernel_size": 31, "classifier_variant": "paper"}, (3, 2, 400)),
    ("iclr", {"method": "classifier", "in_leads": 2, "kernel_size": 151, "classifier_variant": "paper"},
     (3, 2, 2000)),
    ("xecgnet", {"in_leads": 12, "n_classes": 9, "pool_sizes": [3, 3, 3, 1, 1]}, (2, 12, 1000)),
    ("kanres_wide_x", {"in_leads": 8, "n_outputs": 1}, (2, 8, 600)),
    ("planted_cnn", {"in_leads": 3, "n_classes": 2, "channels": [16, 16, 32, 32], "kernel_size": 7}, (2, 3, 1000)),
]


def _build(builder, kwargs):
    torch.manual_seed(0)
    if builder == "iclr":
        kw = dict(kwargs)
        return build_iclr_model(kw.pop("method"), **kw)
    if builder == "xecgnet":
        return XecgNet(**{**kwargs, "pool_sizes": tuple(kwargs["pool_sizes"])})
    if builder == "planted_cnn":
        return PlantedCNN(**{**kwargs, "channels": tuple(kwargs["channels"])})
    return KanResWideX(**kwargs)


def _outputs(model, x):
    with torch.no_grad():
        out = model.eval()(x)
    return out.log_probs if hasattr(out, "log_probs") else (out.probs if hasattr(out, "probs") else out)


@pytest.mark.parametrize("builder,kwargs,shape", CASES, ids=[c[0] + ":" + str(c[1].get("method", "")) for c in CASES])
def test_round_trip_holds_the_float16_rounded_weights_and_their_outputs(tmp_path, builder, kwargs, shape):
    model = _build(builder, kwargs)
    for m in model.modules():  # move BatchNorm statistics off their defaults so that buffers are checked too
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    checkpoints.save(model, tmp_path, builder=builder, kwargs=kwargs)
    loaded = checkpoints.load(tmp_path)
    assert not loaded.training and type(loaded) is type(model)
    ref = model.state_dict()
    for k, v in loaded.state_dict().items():
        assert v.dtype == ref[k].dtype
        expected = ref[k].half().to(ref[k].dtype) if ref[k].is_floating_point() else ref[k]
        assert torch.equal(v, expected), k
    rounded = _build(builder, kwargs)
    rounded.load_state_dict({k: (v.half().float() if v.is_floating_point() else v) for k, v in ref.items()})
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    assert torch.equal(_outputs(loaded, x), _outputs(rounded, x))


def test_checkpoint_is_half_the_float32_size(tmp_path):
    model = _build("iclr", CASES[0][1])
    run_dir = tmp_path / "iclr-fold" / "0123456789abcdef"
    run_dir.mkdir(parents=True)
    path = checkpoints.save(model, run_dir, builder="iclr", kwargs=CASES[0][1])
    n_params = sum(v.numel() for v in model.state_dict().values() if v.is_floating_point())
    assert 2 * n_params <= path.stat().st_size < 2 * n_params + 200_000
    assert checkpoints.published(tmp_path) == [run_dir]
    assert checkpoints.total_bytes(tmp_path) == path.stat().st_size


def test_refusals_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"weights\.pt: no checkpoint"):
        checkpoints.load(tmp_path)
    (tmp_path / "weights.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(DataError, match=r"weights\.pt: not a readable checkpoint"):
        checkpoints.load(tmp_path)
    torch.save({"format": 99, "builder": "iclr", "kwargs": {}, "state_dict": {}}, tmp_path / "weights.pt")
    with pytest.raises(DataError, match="not an ecgstudy checkpoint of format 1"):
        checkpoints.load(tmp_path)
    with pytest.raises(ValueError, match="unknown builder"):
        checkpoints.save(_build("iclr", CASES[0][1]), tmp_path, builder="resnet", kwargs={})


class Payload:
    def __reduce__(self):
        return (print, ("code ran",))


def test_a_pickled_object_is_not_loaded(tmp_path, capsys):
    with open(tmp_path / "weights.pt", "wb") as f:
        pickle.dump({"format": 1, "builder": "iclr", "kwargs": {}, "state_dict": Payload()}, f)
    with pytest.raises(DataError, match="not a readable checkpoint"):
        checkpoints.read(tmp_path)
    assert "code ran" not in capsys.readouterr().out


def _committed() -> list[Path]:
    return checkpoints.published(PROJECT_ROOT / "results" / "real")


def test_published_weights_stay_within_40_mb():
    assert checkpoints.total_bytes(PROJECT_ROOT / "results" / "real") <= 40 * 2**20


@pytest.mark.realdata
@pytest.mark.parametrize("run_dir", _committed() or [None], ids=lambda p: "none" if p is None else p.parent.name + "/" + p.name)
def test_every_committed_checkpoint_reproduces_its_stored_test_metrics(run_dir):
    if run_dir is None:
        pytest.skip("no committed checkpoint yet")
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.runs.store import read_run_info

    info = read_run_info(run_dir / "run.json")
    name = info["experiment"]
    if name == "iclr-fold":
        from ecgstudy.studies.iclr.run import reproduce
    elif name.startswith("xecgnet-"):
        from ecgstudy.studies.xecgnet.run import reproduce
    elif name in ("ecgradcam-ludb", "ecgradcam-ptbxl", "ecgradcam-transfer"):
        from ecgstudy.studies.ecgradcam.run import reproduce
    elif name == "attribution-controlled":
        from ecgstudy.studies.attribution.controlled import reproduce
    else:
        pytest.skip(f"{name}: reproduction not written yet")
    from ecgstudy.experiments import get_experiment

    # every chapter evaluates the float16-rounded weights it stores: only float rounding may differ
    datasets = get_experiment(name).datasets
    for key in datasets:
        real_dataset(key)  # skips, with the reason, without the real data
    for metric, (stored, now) in reproduce(run_dir, resolve_data("real", datasets)).items():
        assert now == pytest.approx(stored, rel=1e-5, abs=1e-4, nan_ok=True), metric


def _kept(chapter, profile="cpu"):
    from ecgstudy.runs.chapter_grids import grid_jobs

    return [spec.params for _, spec in grid_jobs(chapter, {"profile": profile, "data": "synthetic",
                                                           "keep_weights": True})
            if spec.params.get("keep_weights")]


def test_each_chapter_keeps_one_checkpoint_per_published_configuration_within_40_mb():
    iclr = _kept("iclr")
    assert sorted(p["method"] for p in iclr) == ["cascaded", "classifier", "l2", "max"]
    assert {(p["split"], p["fold"], p["seed"], p["kernel_size"]) for p in iclr} == {("segment", 0, 0, 151)}
    from ecgstudy.runs.chapter_grids import grid_jobs

    xecg = [(e.name, s.params) for e, s in grid_jobs("xecgnet", {"profile": "cpu", "data": "synthetic"})
            if s.params.get("keep_weights")]
    assert sorted((name, p["gamma"], p.get("regulariser", "paper"), p["seed"]) for name, p in xecg) == [
        ("xecgnet-mitdb", 0.0, "paper", 0), ("xecgnet-mitdb", 0.01, "paper", 0),
        ("xecgnet-ptbxl", 0.0, "paper", 0), ("xecgnet-ptbxl", 0.01, "paper", 0)]
    # PTB-XL's stay on the machine that trained them: only MIT-BIH's two count towards the published 40 MB
    assert checkpoints.LOCAL_ONLY == ("xecgnet-ptbxl",)
    grad = _kept("ecgradcam")
    assert sorted((p["target"], p["fold"]) for p in grad) == [("pr_ms", 0), ("qrs_ms", 0), ("qt_ms", 0), ("sex", 0)]
    # their size on disk: float16 weights of each model (the planned budget of the published weights)
    sizes = {"iclr": sum(2 * sum(v.numel() for v in _build("iclr", {"method": m, "in_leads": 2}).state_dict().values()
                                 if v.is_floating_point()) for m in ("classifier", "cascaded", "max", "l2")),
             "xecgnet": 2 * 2 * sum(p.numel() for p in XecgNet(in_leads=2, n_classes=6,
                                                                pool_sizes=(3, 3, 3, 1, 1)).state_dict().values()),
             "ecgradcam": 4 * 2 * sum(p.numel() for p in KanResWideX(in_leads=8, n_outputs=1).state_dict().values())}
    assert sum(sizes.values()) <= 40 * 2**20, sizes


def test_local_only_checkpoints_are_stored_but_neither_published_nor_committed(tmp_path):
    model = _build("iclr", CASES[0][1])
    kept = tmp_path / "iclr-fold" / "0123456789abcdef"
    local = tmp_path / "xecgnet-ptbxl" / "fedcba9876543210"
    for d in (kept, local):
        d.mkdir(parents=True)
        checkpoints.save(model, d, builder="iclr", kwargs=CASES[0][1])
    assert checkpoints.stored(tmp_path) == [kept, local]
    assert checkpoints.published(tmp_path) == [kept]
    assert checkpoints.total_bytes(tmp_path) == (kept / "weights.pt").stat().st_size
    # git ignores exactly those files of the run store
    import subprocess

    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to check in .gitignore")

    def ignored(rel: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", rel], cwd=PROJECT_ROOT).returncode == 0

    assert ignored("results/real/xecgnet-ptbxl/0123456789abcdef/weights.pt")
    assert not ignored("results/real/xecgnet-ptbxl/0123456789abcdef/metrics.json")
    assert not ignored("results/real/xecgnet-mitdb/0123456789abcdef/weights.pt")
