"""The PTB-XL-to-LUDB transfer runs: PTB-XL-style processing, joining targets, scores, one smoke run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from ecgstudy.data.ptbxl_style import ptbxl_subset_style
from ecgstudy.errors import ParameterError
from ecgstudy.studies.ecgradcam.data import MedianBeatData
from ecgstudy.studies.ecgradcam.tables import transfer_table
from ecgstudy.studies.ecgradcam.transfer import delineator_comparison, pearson_r, with_targets
from ecgstudy.studies.ecgradcam.verdicts import transfer_text

FS = 500.0


def _pulses(n: int = 5000, at: tuple[int, ...] = (1000, 3000)) -> np.ndarray:
    t = np.arange(n)
    return sum(np.exp(-0.5 * ((t - a) / 8.0) ** 2) for a in at)


def test_ptbxl_style_keeps_timing_and_drops_offset_and_gain():
    x = np.stack([_pulses(), 0.3 * np.sin(2 * np.pi * 8 * np.arange(5000) / FS)])
    y, fs = ptbxl_subset_style(x, FS)
    assert fs == 100.0 and y.shape == (2, 1000)
    assert int(np.argmax(y[0, :500])) == 200 and int(np.argmax(y[0, 500:])) + 500 == 600  # zero phase
    shifted, _ = ptbxl_subset_style(3.0 * x + 5.0, FS)  # gain and offset (mV) do not survive z-scoring
    np.testing.assert_allclose(shifted, y, atol=1e-6)


def test_ptbxl_style_needs_500_hz_and_two_axes():
    with pytest.raises(ParameterError, match="360 Hz"):
        ptbxl_subset_style(np.zeros((2, 3600)), 360.0)
    with pytest.raises(ParameterError, match="leads, samples"):
        ptbxl_subset_style(np.zeros(5000), FS)


def test_with_targets_joins_on_record_id_and_replaces_same_named_columns():
    data = MedianBeatData(x=np.zeros((3, 8, 600), np.float32),
                          targets=pd.DataFrame({"qrs_ms": [1.0, 2.0, 3.0], "sex": [1.0, 0.0, 1.0]},
                                               index=pd.Index(["a", "b", "c"], name="record_id")),
                          record_ids=np.array(["a", "b", "c"]), fiducials=np.full((3, 9), -1), description="d")
    extra = pd.DataFrame({"qrs_ms": [90.0, 110.0], "qt_ms": [400.0, 380.0]}, index=["c", "a"])
    out = with_targets(data, extra)
    assert list(out.targets.index) == ["a", "b", "c"] and out.targets.index.name == "record_id"
    np.testing.assert_array_equal(out.target("qrs_ms"), [110.0, np.nan, 90.0])
    np.testing.assert_array_equal(out.target("qt_ms"), [380.0, np.nan, 400.0])
    np.testing.assert_array_equal(out.target("sex"), [1.0, 0.0, 1.0])


def test_pearson_r_agrees_with_scipy_and_is_nan_without_spread():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    p = y + rng.normal(size=50)
    assert pearson_r(y, p) == pytest.approx(scipy.stats.pearsonr(y, p).statistic)
    assert np.isnan(pearson_r(y, np.ones(50))) and np.isnan(pearson_r(y[:2], p[:2]))


def test_delineator_comparison_uses_records_all_three_measured():
    c = delineator_comparison(np.array([100.0, 110, 90, np.nan]), np.array([104.0, 112, 96, 80]),
                              np.array([120.0, np.nan, 95, 70]))
    assert c == {"n": 2, "delineator_mae": 12.5, "network_mae": 5.0, "network_vs_delineator_mae": 8.5}
    assert delineator_comparison(np.array([1.0]), np.array([np.nan]), np.array([1.0]))["n"] == 0


@pytest.mark.slow
def test_smoke_transfer_run_scores_on_the_test_set_and_is_reproducible(tmp_path, monkeypatch):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.ecgradcam.data import synthetic_data

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    exp = get_experiment("ecgradcam-transfer")
    spec = exp.spec({"profile": "smoke", "data": "synthetic", "target": "qt_ms"})
    a = RunStore(tmp_path / "a").execute(spec, lambda d: exp.work(spec, d))
    b = RunStore(tmp_path / "b").execute(spec, lambda d: exp.work(spec, d))
    assert a.ok and b.ok, (a.error, b.error)
    m = a.metrics()
    test = synthetic_data(20, 1)  # the test draw: n_synthetic // 2 records, seed 1
    assert m["dataset"] == "transfer" and m["n_test"] == len(test) == 20 and m["source"]["n_test"] == 8
    assert m["n_train"] == 32 and "delineator" not in m  # synthetic: no delineator reference
    with np.load(a.path / "predictions.npz") as za, np.load(b.path / "predictions.npz") as zb:
        np.testing.assert_array_equal(za["y"], test.target("qt_ms").astype(np.float32))
        np.testing.assert_allclose(za["prediction"], zb["prediction"], rtol=2e-3)  # same up to float rounding
        mae = float(np.mean(np.abs(za["prediction"].astype(np.float64) - za["y"])))
    assert m["mae"] == pytest.approx(mae, rel=1e-5)
    assert m["attention"]["gradcam"]["last_add"]["n"] == 20 and m["region"].startswith("[qrs_on-20ms")
    assert set(m["blocking"]) == {"p", "qrs", "t"}
    table = transfer_table([a])
    assert table.loc[0, "n_runs"] == 1 and table.loc[0, "mae"] == pytest.approx(m["mae"])
    assert transfer_text(table).startswith("On their held-out PTB-XL folds")
    synthetic = transfer_text(table, real=False)
    assert "synthetic training draw" in synthetic and "cardiologists" not in synthetic and "PTB-XL" not in synthetic
    assert json.loads((a.path / "curves.json").read_text())[0]["epoch"] == 1


@pytest.mark.realdata
def test_ludb_in_ptbxl_style_keeps_the_cardiologists_fiducials(real_data):
    from ecgstudy.data.median_beat_sources import ludb_median_beats

    folder = real_data / "ludb"
    as_is = ludb_median_beats(folder, ["1", "2"], progress=False)
    styled = ludb_median_beats(folder, ["1", "2"], progress=False, transform=ptbxl_subset_style)
    same = ludb_median_beats(folder, ["1"], progress=False, transform=lambda s, fs: (s, fs))
    np.testing.assert_array_equal(same.signals[0], as_is.signals[0])
    diff = (styled.fiducials - as_is.fiducials).abs().to_numpy()
    assert diff.max() <= 5  # the same beats, aligned within 10 ms
    assert np.abs(styled.signals).max() > 1.5  # in SD now, not the stored peak-to-peak-1 units


def test_transfer_text_takes_the_learned_verdicts_for_the_test_set():
    import doctest

    import ecgstudy.studies.ecgradcam.verdicts as module

    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
    t = pd.DataFrame({"target": ["qrs_ms", "qt_ms"], "n_runs": [5, 5], "source_mae": [5.0, 20.0],
                      "source_baseline_mae": [10.0, 18.0], "source_r": [0.8, 0.1], "mae": [12.0, 40.0],
                      "baseline_mae": [15.0, 35.0], "r": [0.5, 0.0], "bias": [8.0, -30.0],
                      "delineator_mae": [np.nan, np.nan], "network_vs_delineator_mae": [np.nan, np.nan]})
    by_means = transfer_text(t)
    assert "they beat the training mean for 1 of 2 (qrs_ms);" in by_means  # 12 < 15, 40 > 35
    by_interval = transfer_text(t, learned={"qrs_ms": False})  # interval overlaps 0: not counted
    assert "they beat the training mean for 0 of 2;" in by_interval
    assert "held-out PTB-XL folds, the networks beat the training mean against the delineator for 1 of 2 " \
           "targets (qrs_ms)" in by_interval  # the in-domain side still compares means
