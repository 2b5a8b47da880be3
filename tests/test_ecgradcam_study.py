"""The ECGradCAM chapter: region mass, folds, downslope features, the sex experiment, maps, one smoke run,
and what the page shows (its tables, texts and metrics)."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError
from ecgstudy.explain import region_mass as region_mass_module
from ecgstudy.explain.region_mass import region_masks, region_mass
from ecgstudy.runs.params import validate
from ecgstudy.experiments import get_experiment
from ecgstudy.runs.store import RunStore
import ecgstudy.studies.ecgradcam.chapter as chapter_module
import ecgstudy.studies.ecgradcam.features as features_module
import ecgstudy.studies.ecgradcam.tables as tables_module
import ecgstudy.studies.ecgradcam.verdicts as verdicts_module
from ecgstudy.studies.ecgradcam.chapter import grid_jobs
from ecgstudy.studies.ecgradcam.maps import explain_maps
from ecgstudy.studies.ecgradcam.params import EcgradcamChapterParams, EcgradcamRunParams
from ecgstudy.studies.ecgradcam.run import fold_split
from ecgstudy.studies.ecgradcam.tables import run_table, target_summary
from ecgstudy.studies.ecgradcam.targets import target_region
from ecgstudy.studies.ecgradcam.data import MedianBeatData
from ecgstudy.studies.ecgradcam.features import downslope_features, lead_downslope, sex_feature_experiment

#          p_on p_peak p_off qrs_on qrs_peak qrs_off t_on t_peak t_off
FID = np.array([[100, 120, 140, 200, 220, 240, 300, 340, 380],
                [-1, -1, -1, 200, 220, 240, 300, 340, 380]])


def test_doctests_pass():
    for module in (region_mass_module, features_module, verdicts_module, tables_module, chapter_module):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_target_regions_on_hand_made_fiducials():
    masks, ok = region_masks(FID, target_region("qt_ms"))  # +-20 ms = +-10 samples at 500 Hz
    assert ok.tolist() == [True, True]
    assert np.flatnonzero(masks[0]).tolist() == list(range(190, 211)) + list(range(370, 391))
    masks, ok = region_masks(FID, target_region("pr_ms"))
    assert ok.tolist() == [True, False] and not masks[1].any()  # no P wave: undefined
    assert np.flatnonzero(masks[0]).tolist() == list(range(90, 111)) + list(range(190, 211))
    masks, _ = region_masks(FID, target_region("t_amp_V5_mV"))  # +-40 ms around the T peak
    assert np.flatnonzero(masks[0]).tolist() == list(range(320, 361))
    masks, _ = region_masks(FID, target_region("s_amp_I_mV"))
    assert np.flatnonzero(masks[1]).tolist() == list(range(220, 241))
    assert target_region("r_amp_V5_mV") == (("qrs_peak", "qrs_peak", -20, 20),)
    assert target_region("sex") == target_region("s_amp_V5_mV")
    assert target_region("hr_bpm") == () and target_region("age") == () and target_region("p_ms") == ()
    assert not region_masks(FID, ())[1].any()


def test_region_mass_exact_values():
    masks, _ = region_masks(FID, target_region("qrs_ms"))  # samples 200..240: 41 of 600
    maps = np.zeros((3, 600))
    maps[0, 200:241] = 1.0  # all the mass inside
    maps[1, :] = 1.0  # flat
    maps[2, 230] = 3.0
    maps[2, 500] = -5.0  # negative values count as 0
    maps[2, 10] = 1.0
    r = region_mass(maps, np.stack([masks[0], masks[0], masks[1]]))
    assert r["uniform"] == pytest.approx([41 / 600] * 3)
    assert r["share"] == pytest.approx([1.0, 41 / 600, 0.75])
    assert r["ratio"] == pytest.approx([600 / 41, 1.0, 0.75 * 600 / 41])
    assert math.isnan(region_mass(np.zeros(600), masks[0])["ratio"])  # no mass
    edge, ok = region_masks(np.array([[-1, -1, -1, 2, 4, 8, 590, 595, 598]]), target_region("qt_ms"))
    assert ok[0] and np.flatnonzero(edge[0]).tolist() == list(range(0, 13)) + list(range(588, 600))  # clipped


def test_folds_partition_seeded_and_stratified_for_sex():
    rng = np.random.default_rng(1)
    sex = (rng.random(103) < 0.3).astype(float)
    tests = [fold_split(sex, n_folds=5, fold=k, seed=7, stratify=True)[1] for k in range(5)]
    assert sorted(np.concatenate(tests).tolist()) == list(range(103))  # disjoint and complete
    for k, te in enumerate(tests):
        tr, _ = fold_split(sex, n_folds=5, fold=k, seed=7, stratify=True)
        assert not set(tr) & set(te) and len(tr) + len(te) == 103
        assert abs(sex[te].sum() - sex.sum() / 5) <= 1  # males spread evenly over the folds
    again = fold_split(sex, n_folds=5, fold=2, seed=7, stratify=True)[1]
    assert np.array_equal(again, tests[2])
    other = fold_split(sex, n_folds=5, fold=2, seed=8, stratify=True)[1]
    assert not np.array_equal(other, tests[2])
    y = rng.normal(size=50)
    plain = [fold_split(y, n_folds=5, fold=k, seed=0, stratify=False)[1] for k in range(5)]
    assert sorted(np.concatenate(plain).tolist()) == list(range(50)) and {len(t) for t in plain} == {10}
    assert not np.array_equal(plain[0], np.arange(10))  # shuffled, not the authors' contiguous folds
    with pytest.raises(ParameterError, match="fold=5"):
        fold_split(y, n_folds=5, fold=5, seed=0, stratify=False)


def _beat(p: bool) -> tuple[np.ndarray, np.ndarray]:
    """One lead: baseline 0.1 in the PR segment (P present) and 0 elsewhere, R of 1.1 at 220,
    S of -0.3 at 228 (relative to 0); QRS 200..240."""
    x = np.zeros(600)
    if p:
        x[140:201] = 0.1
    x[220] = 1.1
    x[228] = -0.3
    f = FID[0].copy() if p else FID[1].copy()
    return x, f


def test_downslope_features_on_hand_made_beats():
    with_p, f_p = _beat(True)
    no_p, f_n = _beat(False)
    assert lead_downslope(with_p, f_p) == pytest.approx(
        {"r_amp": 1.0, "s_amp": -0.4, "r_to_s_ms": 16.0, "downslope": 1.4 / 0.016})
    assert lead_downslope(no_p, f_n) == pytest.approx(
        {"r_amp": 1.1, "s_amp": -0.3, "r_to_s_ms": 16.0, "downslope": 1.4 / 0.016})
    signals = np.zeros((2, 8, 600))
    leads = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
    signals[0, 6], signals[1, 6] = with_p, no_p
    signals[:, 0] = -signals[:, 6]  # lead I upside down: R = max on the QRS, S after it
    df = downslope_features(signals, FID, lead_names=leads, record_ids=["a", "b"])
    assert df.index.tolist() == ["a", "b"]
    assert df["qrs_ms"].tolist() == [80.0, 80.0]
    assert df["r_amp_V5"].tolist() == pytest.approx([1.0, 1.1])
    assert df["s_amp_V5"].tolist() == pytest.approx([-0.4, -0.3])
    assert df["r_to_s_ms_V5"].tolist() == [16.0, 16.0]
    assert df["r_amp_I"].iloc[1] == pytest.approx(0.3) and df["s_amp_I"].iloc[1] == pytest.approx(0)
    absent = downslope_features(signals[:1], np.full((1, 9), -1), lead_names=leads)
    assert absent.isna().all(axis=None)
    with pytest.raises(ParameterError, match="aVL"):
        downslope_features(signals, FID, lead_names=leads, leads=("aVL",))


def test_sex_experiment_finds_the_informative_features():
    rng = np.random.default_rng(0)
    n = 200
    sex = (np.arange(n) % 2).astype(float)
    feats = pd.DataFrame({
        "qrs_ms": 90 + 2 * sex + rng.normal(0, 8, n),  # barely informative
        "r_amp_V5": rng.normal(1, 0.2, n), "s_amp_V5": rng.normal(-0.3, 0.1, n),
        "r_to_s_ms_V5": rng.normal(20, 3, n),
        "downslope_V5": 50 + 40 * sex + rng.normal(0, 5, n),  # separates the sexes
    })
    feats.loc[3, "r_amp_V5"] = np.nan
    out = sex_feature_experiment(feats, sex, seed=0, n_boot=200)
    assert out["n"] == n - 1 and out["n_dropped"] == 1 and len(out["sets"]["qrs"]["oof_prob"]) == n - 1
    qrs, both = out["sets"]["qrs"], out["sets"]["qrs+downslope"]
    assert both["auc"]["estimate"] > 0.98 and both["accuracy"]["estimate"] > 0.9
    assert qrs["auc"]["estimate"] < 0.8
    assert both["auc"]["low"] <= both["auc"]["estimate"] <= both["auc"]["high"]
    assert out["comparison"]["auc_diff"]["low"] > 0 and len(both["fold_auc"]) == 5
    again = sex_feature_experiment(feats, sex, seed=0, n_boot=200)
    assert again["sets"]["qrs"]["oof_prob"] == qrs["oof_prob"]


def test_maps_equal_the_attribution_classes():
    from ecgstudy.attribution.gradcam import ECGradCAM, GradCAM
    from ecgstudy.models.kanres_wide_x import KanResWideX

    torch.manual_seed(0)
    model = KanResWideX(n_modules=4, kernel_size=9)
    model.eval()
    x = np.random.default_rng(0).normal(size=(5, 8, 600)).astype(np.float32)
    layer_maps, input_maps = explain_maps(model, x, ("last_add", "block1"), batch_size=2)
    assert set(layer_maps) == {"gradcam.last_add", "ecgradcam.last_add", "gradcam.block1", "ecgradcam.block1"}
    xt = torch.as_tensor(x)
    for name, layer in (("last_add", model.blocks[-1]), ("block1", model.blocks[1])):
        g, e = GradCAM(model, layer), ECGradCAM(model, layer)
        assert layer_maps[f"gradcam.{name}"].shape == (5, 295)
        assert np.allclose(layer_maps[f"gradcam.{name}"], g.layer_attribution(xt).numpy(), rtol=1e-4, atol=1e-5)
        assert np.allclose(input_maps[f"gradcam.{name}"], g.attribute(xt)[:, 0].numpy(), rtol=1e-4, atol=1e-5)
        assert np.allclose(layer_maps[f"ecgradcam.{name}"], e.layer_attribution(xt).numpy(), rtol=1e-4, atol=1e-5)
        assert np.allclose(input_maps[f"ecgradcam.{name}"], e.attribute(xt)[:, 0].numpy(), rtol=1e-4, atol=1e-5)


def test_params_check_layers_and_data_checks_the_target(tmp_path):
    with pytest.raises(ParameterError, match="layers"):
        validate(EcgradcamRunParams, {"layers": ["last_add", "first_add"]})
    assert validate(EcgradcamRunParams, {"layers": ["block0", "last_conv"]}).layers == ("block0", "last_conv")
    with pytest.raises(ParameterError, match="fold=5"):
        validate(EcgradcamRunParams, {"fold": 5, "n_folds": 5})
    data = MedianBeatData(x=np.zeros((2, 8, 600), np.float32),
                          targets=pd.DataFrame({"qrs_ms": [90.0, np.nan], "sex": [1.0, 0.0]},
                                               index=pd.Index(["a", "b"], name="record_id")),
                          record_ids=np.array(["a", "b"]), fiducials=FID.copy(), description="two beats")
    with pytest.raises(ParameterError, match="its targets: qrs_ms, sex"):
        data.target("qt_ms")
    data.save(tmp_path / "d.npz")
    back = MedianBeatData.load(tmp_path / "d.npz")
    assert back.targets.equals(data.targets) and np.array_equal(back.fiducials, FID)
    assert back.description == "two beats" and back.lead_names == data.lead_names
    assert back.fiducial_frame([1]).columns.tolist() == list(FIDUCIAL_COLUMNS)


def test_grid_is_seed_major_then_dataset_target_fold():
    p = EcgradcamChapterParams(profile="cpu", data="synthetic", seeds=(0, 1))
    specs = [job.spec for job in grid_jobs(p)]
    assert len(specs) == 2 * (7 + 2 + 4) * 5
    assert [s.params["seed"] for s in specs] == sorted(s.params["seed"] for s in specs)
    first = specs[: 13 * 5]
    assert [s.experiment for s in first] == ["ecgradcam-ludb"] * 35 + ["ecgradcam-ptbxl"] * 10 + \
        ["ecgradcam-transfer"] * 20
    assert [s.params["target"] for s in first[45::5]] == ["qrs_ms", "qt_ms", "pr_ms", "hr_bpm"]
    assert specs[45].params["epochs"] == 100  # the transfer runs train on PTB-XL: its cpu budget
    assert [s.params["fold"] for s in first[:10]] == [0, 1, 2, 3, 4] * 2
    assert [s.params["target"] for s in first[:10:5]] == ["qrs_ms", "qt_ms"]
    assert specs[0].params["epochs"] == 300 and specs[40].params["epochs"] == 100  # cpu caps (ptbxl: lower)
    assert (specs[0].params["patience"], specs[40].params["patience"]) == (20, 8)
    assert get_experiment("ecgradcam-ludb").params({"profile": "smoke"}).epochs == 1


def test_run_table_and_summary():
    class Rec:
        ok = True

        def __init__(self, fold, mae, ratio):
            self.spec = type("Spec", (), {"run_id": f"run{fold}"})()
            self.m = {"dataset": "ludb", "target": "qrs_ms", "task": "regression", "fold": fold, "seed": 0,
                      "n_train": 8, "n_test": 2, "train_seconds": 1.0, "mae": mae, "r2": 0.5, "baseline_mae": 9.0,
                      "attention": {"gradcam": {"last_add": {"ratio": ratio, "share": 0.2, "uniform": 0.1}},
                                    "ecgradcam": {"last_add": {"ratio": None, "share": None, "uniform": None}}},
                      "blocking": {"qrs": {"n_blocked": 2, "delta_mae": 3.0, "delta_r2": -0.1}}}

        def metrics(self):
            return self.m

    table = run_table([Rec(0, 4.0, 2.0), Rec(1, 6.0, 4.0)])
    assert len(table) == 2 and table["ratio.gradcam.last_add"].tolist() == [2.0, 4.0]
    assert table["run_id"].tolist() == ["run0", "run1"]
    assert math.isnan(table["accuracy"].iloc[0]) and table["block.qrs.delta_mae"].tolist() == [3.0, 3.0]
    s = target_summary(table).iloc[0]
    assert s["n_runs"] == 2 and s["mae_mean"] == 5.0 and s["mae_sd"] == pytest.approx(math.sqrt(2))
    assert s["ratio_gradcam_mean"] == 3.0 and math.isnan(s["ratio_ecgradcam_mean"])
    assert s["block_qrs_delta_mae"] == 3.0 and math.isnan(s["block_p_delta_mae"])


@pytest.mark.slow
def test_smoke_run_writes_every_file_and_is_reproducible(tmp_path, monkeypatch):
    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("ecgradcam-ludb")
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "target": "qrs_ms", "fold": 1})
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert {"mae", "r2", "baseline_mae", "n_train", "n_test", "train_seconds", "attention", "blocking"} <= set(m)
    assert m["n_train"] + m["n_test"] == 40 and m["region"] == "[qrs_on, qrs_off]"
    assert set(m["attention"]) == {"gradcam", "ecgradcam"} and set(m["attention"]["gradcam"]) == {
        "last_add", "last_conv", "block3"}
    assert m["attention"]["gradcam"]["last_add"]["n"] == m["n_test"]
    assert all(m["blocking"][w]["n_blocked"] == m["n_test"] for w in ("p", "qrs", "t"))  # synthetic: all waves
    with np.load(rec.path / "maps.npz") as z:
        assert z["gradcam.last_add"].shape == (m["n_test"], 295) and z["gradcam.last_add"].dtype == np.float16
        assert len(z["index"]) == m["n_test"] and "region_ratio.ecgradcam.block3" in z
    curve = json.loads((rec.path / "curves.json").read_text())
    assert len(curve) == 1 and {"train_loss", "heldout_loss"} <= set(curve[0])
    with np.load(rec.path / "predictions.npz") as z:
        first = z["prediction"].copy()
        assert len(z["ids"]) == m["n_test"] and "prediction_block_qrs" in z
    again = store.execute(spec, lambda d: exp.work(spec, d), force=True)
    with np.load(again.path / "predictions.npz") as z:
        np.testing.assert_allclose(z["prediction"], first, rtol=2e-3)  # same up to float rounding
    assert _flat(again.metrics()["attention"]) == pytest.approx(_flat(m["attention"]), rel=2e-2)


def _flat(d: dict, prefix: str = "") -> dict:
    """Nested metric dicts as one flat dict (``pytest.approx`` compares flat dicts only)."""
    out = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def test_train_missing_false_trains_nothing(tmp_path, monkeypatch):
    from ecgstudy.studies.ecgradcam.chapter import grid_records

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    p = EcgradcamChapterParams(profile="demo", data="synthetic", datasets=("ludb",), ludb_targets=("qrs_ms", "sex"),
                               folds=(0, 1), train_missing=False)
    records = grid_records(p, store=RunStore(tmp_path / "r"), progress=False)
    assert len(records) == 4 and {r.status for r in records} == {"missing"}


def test_baseline_counts_and_the_solo_training_note_are_per_dataset():
    from ecgstudy.studies.ecgradcam.verdicts import baseline_text, solo_training_note

    summary = pd.DataFrame({
        "dataset": ["ludb", "ludb", "ludb", "transfer", "transfer"],
        "target": ["qrs_ms", "qt_ms", "sex", "qrs_ms", "qt_ms"],
        "task": ["regression", "regression", "binary", "regression", "regression"],
        "mae_mean": [30.0, 40.0, np.nan, 3.0, 8.0], "baseline_mae_mean": [20.0, 50.0, np.nan, 4.6, 26.6],
        "accuracy_mean": [np.nan, np.nan, 0.9, np.nan, np.nan],
        "baseline_accuracy_mean": [np.nan, np.nan, 0.5, np.nan, np.nan]})
    assert baseline_text(summary, names={"ludb": "LUDB", "transfer": "T"}) == \
        "1 of 2 on the LUDB (qt_ms), 2 of 2 on the T (qrs_ms, qt_ms)"
    note = solo_training_note(summary, "ludb", name="LUDB")
    assert note.startswith("Training on the LUDB alone: 1 of 2 of its regression networks beat the training mean")
    assert "weight decay, augmentation" in note and "to rescue the others:" in note
    assert "to rescue them:" in solo_training_note(summary[summary["target"] != "qt_ms"], "ludb", name="LUDB")
    assert solo_training_note(summary, "transfer", name="T").endswith("No training aid beyond the paper's was added.")
    assert solo_training_note(summary, "ptbxl", name="P") == "Training on the P alone: not run in this build."


def test_sex_feature_text_places_the_papers_gain_against_the_interval():
    from ecgstudy.studies.ecgradcam.features import sex_feature_text

    def text(low, high):
        res = {"n": 50, "comparison": {"auc_diff": {"estimate": (low + high) / 2, "low": low, "high": high}}}
        return sex_feature_text(res, paper_auc_qrs=0.72, paper_auc_with=0.80)

    assert text(0.02, 0.12).endswith("a gain of +0.08, which lies inside this interval.")
    assert text(0.09, 0.2).endswith("which lies below this interval.")
    assert "(95 % CI 0 to +0.070)" in text(0.0, 0.07) and text(0.0, 0.07).endswith("above this interval.")


def _page_summary() -> pd.DataFrame:
    """A hand-made summary with intervals: a LUDB regression target, LUDB's and PTB-XL's sex."""
    nan = np.nan
    return pd.DataFrame([
        {"dataset": "ludb", "target": "qrs_ms", "task": "regression", "n_runs": 5, "n_test": 200,
         "mae_mean": 9.5, "mae_sd": 1.25, "r2_mean": 0.5, "r2_sd": 0.1, "baseline_mae_mean": 12.0,
         "baseline_mae_sd": 0.5, "mae_low": 8.0, "mae_high": 11.0, "mae_minus_baseline": -2.5,
         "mae_minus_baseline_low": -4.0, "mae_minus_baseline_high": -1.0, "n_records": 198,
         "ratio_gradcam_mean": 1.5, "ratio_gradcam_sd": 0.25, "ratio_ecgradcam_mean": 0.75, "ratio_ecgradcam_sd": nan,
         "block_qrs_delta_mae": 4.0, "block_p_delta_mae": 0.5, "block_t_delta_mae": nan},
        {"dataset": "ludb", "target": "sex", "task": "binary", "n_runs": 5, "n_test": 200,
         "accuracy_mean": 0.625, "accuracy_sd": 0.05, "auc_mean": 0.75, "auc_sd": 0.05, "baseline_accuracy_mean": 0.5,
         "baseline_accuracy_sd": 0.0, "accuracy_minus_baseline": 0.125, "n_records": nan,
         "ratio_gradcam_mean": nan, "ratio_gradcam_sd": nan, "ratio_ecgradcam_mean": 2.0, "ratio_ecgradcam_sd": 0.5,
         "block_qrs_delta_accuracy": -0.125},
        {"dataset": "ptbxl", "target": "sex", "task": "binary", "n_runs": 2, "n_test": 40, "accuracy_mean": 0.875,
         "auc_mean": 0.9375, "ratio_gradcam_mean": nan, "ratio_gradcam_sd": nan, "ratio_ecgradcam_mean": nan,
         "ratio_ecgradcam_sd": nan},
    ])


NAMES = {"ludb": "LUDB", "ptbxl": "PTB-XL subset", "transfer": "T"}


def test_page_tables_on_a_hand_made_summary():
    from ecgstudy.studies.ecgradcam.tables import region_table, scores_table

    s = _page_summary()
    scores = scores_table(s, names=NAMES)
    assert list(scores.columns) == ["dataset", "target", "units", "runs", "records", "MAE or accuracy", "MAE/acc. low",
                                    "MAE/acc. high", "baseline", "network - baseline", "difference low",
                                    "difference high", "R² or AUC", "balanced accuracy"]
    assert list(map(str, scores.iloc[0, 1:])) == ["qrs_ms", "ms", "5", "198", "9.5", "8.0", "11.0", "12.0", "-2.5",
                                                       "-4.0", "-1.0", "0.5", "nan"]
    row = scores.iloc[1]  # no n_records: the test sizes; no interval: NaN ends
    assert row["records"] == 200 and row["MAE or accuracy"] == 0.625 and row["baseline"] == 0.5
    assert row["network - baseline"] == 0.125 and math.isnan(row["difference low"]) and row["R² or AUC"] == 0.75
    assert scores["units"].iloc[1] == "class (1 male, 0 female)" and scores["dataset"].iloc[2] == "PTB-XL subset"
    regions = region_table(s, names=NAMES)
    assert regions.iloc[0].tolist() == ["LUDB", "qrs_ms", "[qrs_on, qrs_off]", "", "1.5 ± 0.25", "0.75"]
    assert regions.iloc[1, 4:].tolist() == ["n/a", "2 ± 0.5"]
    assert tables_module.scores_table(s.iloc[:0], names=NAMES).empty


def test_the_scorecards_keys_are_built_by_the_package():
    """Every metric the scorecard reads from the ECGradCAM page resolves in the page's metrics."""
    from ecgstudy.paper_numbers import PAPER_NUMBERS
    from ecgstudy.scorecard import _lookup
    from ecgstudy.studies.ecgradcam.tables import sex_feature_metrics, target_metrics

    def ci(v):
        return {"estimate": v, "low": v - 0.1, "high": v + 0.1}

    res = {"n": 198, "sets": {"qrs": {"accuracy": ci(0.5), "auc": ci(0.55)},
                              "qrs+downslope": {"accuracy": ci(0.625), "auc": ci(0.6875)}}}
    metrics = {"targets": target_metrics(_page_summary()), "sex_features": sex_feature_metrics(res)}
    expected = {"targets.ludb.sex.accuracy_mean": 0.625, "targets.ptbxl.sex.accuracy_mean": 0.875,
                "targets.ludb.sex.auc_mean": 0.75, "targets.ptbxl.sex.auc_mean": 0.9375,
                "sex_features.qrs.accuracy": 0.5, "sex_features.qrs.auc": 0.55,
                "sex_features.qrs+downslope.accuracy": 0.625, "sex_features.qrs+downslope.auc": 0.6875}
    read = {key for n in PAPER_NUMBERS if n.paper == "ecgradcam" for _, key in n.beside}
    assert read == set(expected)
    assert {key: _lookup(metrics, key) for key in read} == expected
    assert metrics["targets"]["ludb.qrs_ms"]["ratio_ecgradcam_sd"] is None  # NaN: null in metrics.json
    assert "n_runs" not in metrics["targets"]["ludb.qrs_ms"] and metrics["sex_features"]["n"] == 198


def test_the_delineator_table_and_who_is_closer():
    from ecgstudy.studies.ecgradcam.tables import delineator_metrics, delineator_table, network_closer

    rows = []
    for target, mae in (("qrs_ms", 12.0), ("qt_ms", 20.0)):
        for combine in ("median", "global", "II"):
            rows.append({"target": target, "combine": combine, "n_reference": 200, "n_measured": 199, "mae": mae,
                         "mae_low": mae - 1, "mae_high": mae + 1, "bias": -mae / 2, "median_ae": mae})
    scores = pd.DataFrame(rows)
    table = delineator_table(scores, _page_summary())
    assert table["network MAE"].tolist() == ["9.5 ± 1.2", "not run"]
    assert table.iloc[1, 3:].tolist() == [20.0, 19.0, 21.0] * 3 + ["-10", "199 of 200"]
    assert network_closer(scores, _page_summary()) == (1, 1)
    assert network_closer(scores, _page_summary().iloc[:0]) == (0, 0)  # no run at all
    assert delineator_table(scores, pd.DataFrame())["network MAE"].tolist() == ["not run"] * 2
    assert delineator_metrics(scores)["qt_ms.II"] == {"mae": 20.0, "mae_low": 19.0, "mae_high": 21.0, "bias": -10.0,
                                                      "median_ae": 20.0}


def test_page_sentences():
    from ecgstudy.studies.ecgradcam.verdicts import delineator_text, transfer_summary_text

    scores = pd.DataFrame({"target": ["pr_ms", "qrs_ms", "hr_bpm"], "combine": "median", "mae": [20.0, np.nan, 1.5],
                           "bias": [19.0, 0.0, -0.25]})
    text = delineator_text(scores, closer=0, compared=2)
    assert "with MAE PR interval 20 ms (bias +19), heart rate 1.5 beats/min (bias -0.25); where" in text
    assert text.endswith("closer to it than the delineator on 0 of 2 interval targets it was trained for.")
    tt = pd.DataFrame({"target": ["qrs_ms"], "n_runs": [5], "source_mae": [5.0], "source_baseline_mae": [10.0],
                       "source_r": [0.8], "mae": [12.0], "baseline_mae": [15.0], "r": [0.5], "bias": [8.0],
                       "delineator_mae": [np.nan], "network_vs_delineator_mae": [np.nan]})
    learned = {("transfer", "qrs_ms"): False, ("ludb", "qrs_ms"): True}
    assert "beat the training mean for 0 of 1;" in transfer_summary_text(tt, real=True, learned=learned)


def test_setup_texts_and_which_data_the_figures_read():
    from ecgstudy.studies.ecgradcam.chapter import leads_target, setup_texts, sex_dataset
    from ecgstudy.studies.ecgradcam.experiments import RUNS

    p = EcgradcamChapterParams(profile="cpu", datasets=("ludb", "ptbxl", "transfer"))
    run = {ds: RUNS[ds].params({"profile": "cpu"}) for ds in p.datasets}
    texts = setup_texts(p, run, {"ludb": "L", "ptbxl": "P", "transfer": "T"})
    assert texts["epochs"] == "at most 300 on the L, 100 on the P, 100 on the T" and texts["lr_schedule"] == "constant"
    assert "stops after 20 epochs without a lower one on the L, 8 on the P, 8 on the T" in texts["selection"]
    assert "BatchNorm statistics are recomputed" in texts["selection"]
    assert texts["selection"].endswith("Training under bfloat16 autocast, except the first convolution, which reads "
                                       "the raw signal and stays in float32: in bfloat16 its sample-to-sample "
                                       "differences are rounded away (evaluation in float32).")
    assert texts["n_folds"] == 5 and texts["datasets_used"] == "L; P; T"
    assert sex_dataset(("transfer", "ludb")) == "ludb" and leads_target({"pr_ms": 1, "qrs_ms": 2}) == "qrs_ms"


@pytest.mark.slow
def test_summarise_without_runs_gives_everything_the_notebook_cites(tmp_path, monkeypatch):
    """The page of a build with no finished run: every glued name and shown item the notebook uses
    exists, each dataset's beats are loaded once, and the figures say that there is no run."""
    import re
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import ecgstudy.studies.ecgradcam.data as data_module
    from ecgstudy.studies.ecgradcam.chapter import summarise

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    loads = []
    real_load = data_module.load_median_beat_data
    monkeypatch.setattr(data_module, "load_median_beat_data", lambda ds, *a, **k: loads.append(ds) or
                        real_load(ds, *a, **k))
    p = EcgradcamChapterParams(profile="smoke", data="synthetic", train_missing=False)
    page = summarise(p, data_kind="synthetic", store=RunStore(tmp_path / "r"))
    assert loads == ["ludb"]  # the delineator and the sex experiment share one load

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / "ecgradcam.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"])
    cited = set(re.findall(r"\{glue:text\}`([^`]+)`", text)) | set(re.findall(r"\{glue:figure\} (\S+)", text))
    assert len(cited) > 20 and cited - {"page_data", "page_profile"} <= set(page.glue) | set(page.figures)
    assert set(re.findall(r'page\.show\("([^"]+)"\)', text)) == set(page.shown)
    assert page.shown["failures"] is None and page.shown["transfer"] is None and page.shown["similarity"] is None
    assert page.glue["n_runs"] == 0 and page.glue["leads_target"] == "none"
    assert page.glue["transfer_text"] == "No transfer run has finished in this build."
    assert page.metrics["n_runs"] == 0 and page.metrics["n_missing"] > 0 and page.metrics["targets"] == {}
    assert set(page.metrics) >= {"delineator", "sex_features", "claims", "health"}
    for name, draw in page.figures.items():
        fig = draw()
        assert fig.axes[0].texts[0].get_text() == "no run in this build", name
        plt.close(fig)


def test_shown_tables_name_targets_in_words_and_keep_the_rows():
    from ecgstudy.report import Page, Table
    from ecgstudy.studies.ecgradcam.chapter import name_targets

    frame = pd.DataFrame({"target": ["qt_ms", "r_amp_V5_mV"], "units": ["ms", "mV"], "mae": [20.0, 0.1]})
    page = Page(shown={"scores": Table(frame, "c"), "none": None, "text": "words"})
    name_targets(page)
    html = page.shown["scores"].styler().to_html()
    assert ">QT interval<" in html and ">R amplitude in V5<" in html and "qt_ms" not in html
    assert list(page.shown["scores"].frame["target"]) == ["qt_ms", "r_amp_V5_mV"]
