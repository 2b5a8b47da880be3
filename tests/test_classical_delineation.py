"""The classical delineator baseline (NeuroKit2): conversion of its output, lead combinations,
accuracy on a synthetic record with known fiducials, failures, scoring and LUDB."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import ecgstudy.data.classical_delineation as cd
import ecgstudy.studies.ecgradcam.baselines as cb
from ecgstudy.data.classical_delineation import (
    DelineatorEstimates,
    beats_from_neurokit,
    delineate_lead,
    delineate_record,
    delineate_records,
    delineated_intervals,
)
from ecgstudy.data.ludb_targets import INTERVAL_COLUMNS, interval_targets
from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError
from ecgstudy.studies.ecgradcam.baselines import delineator_scores
from ecgstudy.synthetic.standins import measurement_records
from ecgstudy.testing import real_dataset

nan = float("nan")


def test_doctests_pass() -> None:
    for module in (cd, cb):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_beats_from_neurokit_exact_table() -> None:
    waves = {
        "ECG_P_Onsets": [40, 440, 250], "ECG_P_Peaks": [50, 430, 262], "ECG_P_Offsets": [60, 460, 270],
        "ECG_R_Onsets": [95, 490, None], "ECG_R_Offsets": [140, 540, 330],
        "ECG_T_Onsets": [180, 580, 380], "ECG_T_Peaks": [200, 600, 400], "ECG_T_Offsets": [230.4, nan, 420],
    }
    b = beats_from_neurokit(np.array([100, 500, 300]), waves, 1000)
    assert b.to_numpy().tolist() == [
        [40, 50, 60, 95, 100, 140, 180, 200, 230],     # whole beat (230.4 rounds to 230)
        [-1, -1, -1, 490, 500, 540, -1, -1, -1],       # P out of order, T without offset
    ]                                                  # R 300 has no QRS onset: dropped
    # a fiducial beyond the signal counts as missing
    b = beats_from_neurokit(np.array([100]), {"ECG_R_Onsets": [95], "ECG_R_Offsets": [140],
                                              "ECG_T_Onsets": [180], "ECG_T_Peaks": [200],
                                              "ECG_T_Offsets": [1200]}, 1000)
    assert b.to_numpy().tolist() == [[-1, -1, -1, 95, 100, 140, -1, -1, -1]]


def _beats(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(FIDUCIAL_COLUMNS))


def test_delineated_intervals_combinations() -> None:
    fs = 500.0
    a = _beats([[100, 120, 140, 200, 220, 240, 300, 350, 400],
                [600, 620, 640, 700, 720, 740, 800, 850, 900]])
    b = _beats([[90, 118, 150, 195, 224, 250, 310, 352, 410],
                [600, 620, 640, 705, 723, 745, 790, 850, 880]])
    c = _beats([[96, 118, 150, 198, 222, 246, 310, 352, 420],
                [602, 620, 640, 702, 721, 744, 800, 850, 905],
                [-1, -1, -1, 440, 450, 460, -1, -1, -1]])  # a false QRS only in this lead
    leads = {"A": a, "B": b, "C": c}
    g = delineated_intervals(leads, fs, combine="global")
    # the false beat (1 of 3 leads) is dropped; QRS: earliest onset, latest offset
    assert g["qrs_ms"] == pytest.approx(np.median([250 - 195, 745 - 700]) * 2)
    assert g["qt_ms"] == pytest.approx(np.median([420 - 195, 905 - 700]) * 2)
    assert g["pr_ms"] == pytest.approx(np.median([195 - 90, 700 - 600]) * 2)
    assert g["hr_bpm"] == pytest.approx(60000 / ((np.median([721, 723, 720]) - 222) * 2))
    m = delineated_intervals(leads, fs, combine="median")
    per = [interval_targets(t, fs) for t in (a, b, c)]
    for col in INTERVAL_COLUMNS:
        assert m[col] == pytest.approx(float(np.median([p[col] for p in per])), nan_ok=True)
    # per lead (ms): A median(40, 40) = 80, B median(55, 40) = 95, C median(48, 42, 20) = 84 (its false beat counts)
    assert m["qrs_ms"] == pytest.approx(84.0)
    assert delineated_intervals(leads, fs, combine="B") == pytest.approx(interval_targets(b, fs))
    assert all(np.isnan(v) for v in delineated_intervals(leads, fs, combine="V1").values())
    assert all(np.isnan(v) for v in delineated_intervals({}, fs, combine="global").values())


def test_delineate_lead_on_synthetic_record_with_known_fiducials() -> None:
    rs = measurement_records(2, seed=0, noise=None)
    lead = list(rs.lead_names).index("II")
    for i in range(2):
        b = delineate_lead(rs.signals[i, lead], rs.fs).to_numpy()
        truth = rs.fiducials_of(i)[list(FIDUCIAL_COLUMNS)].to_numpy()
        assert abs(len(b) - len(truth)) <= 1
        nearest = [int(np.argmin(np.abs(truth[:, 4] - p))) for p in b[:, 4]]
        err_ms = np.abs(b - truth[nearest]) * 1000 / rs.fs
        err_ms = np.where(b >= 0, err_ms, np.nan)
        med = np.nanmedian(err_ms, axis=0)
        assert med[[1, 4, 7]].max() <= 4      # P, R, T peaks within 2 samples
        assert med[[0, 2, 3, 6]].max() <= 20  # P on/off, QRS onset, T onset
        assert med[[5, 8]].max() <= 40        # QRS and T offsets (the delineator is earlier/later)


def test_delineate_record_reports_a_flat_lead_and_keeps_the_others() -> None:
    rs = measurement_records(1, seed=1, noise=None)
    sig = rs.signals[0].copy()
    sig[0] = 0.0
    beats, failed = delineate_record(sig, rs.fs, rs.lead_names)
    assert set(failed) == {rs.lead_names[0]} and "flat" in failed[rs.lead_names[0]]
    assert set(beats) == set(rs.lead_names[1:]) and all(len(t) >= 5 for t in beats.values())
    with pytest.raises(ParameterError):
        delineate_record(sig[:3], rs.fs, rs.lead_names)
    with pytest.raises(ParameterError):
        delineate_lead(sig[1], rs.fs, method="magic")


def test_missing_neurokit_is_an_error_not_a_failed_lead(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "neurokit2", None)
    with pytest.raises(ImportError, match="neurokit2"):
        delineate_record(np.zeros((2, 100)), 500.0, ["I", "II"])


def test_estimates_round_trip_and_scores(tmp_path) -> None:
    rs = measurement_records(3, seed=2)
    ids = [str(r) for r in rs.record_ids]
    est = delineate_records(rs.signals, rs.fs, rs.lead_names, ids, combines=("global", "median", "II"))
    assert len(est.table) == 9 and list(est.table["combine"][:3]) == ["global", "median", "II"]
    est.save(tmp_path / "e.npz")
    back = DelineatorEstimates.load(tmp_path / "e.npz")
    pd.testing.assert_frame_equal(back.table, est.table)
    assert back.method == "prominence" and back.fs == rs.fs
    with pytest.raises(ParameterError):
        delineate_records(rs.signals, rs.fs, rs.lead_names, ids, combines=("mean",))
    # scores: one reference value missing, one estimate missing
    ref = rs.meta[["qrs_ms"]].copy()
    ref.index = ids
    ref.iloc[0, 0] = np.nan
    t = est.table.copy()
    t.loc[(t["record_id"] == ids[1]) & (t["combine"] == "median"), "qrs_ms"] = np.nan
    est2 = DelineatorEstimates(t, est.failures, est.method, est.fs)
    s = delineator_scores(est2, ref, targets=["qrs_ms"], combines=["median"], n_boot=50).iloc[0]
    assert s["n_reference"] == 2 and s["n_measured"] == 1
    only = est.estimates("median").loc[ids[2], "qrs_ms"] - ref.loc[ids[2], "qrs_ms"]
    assert s["mae"] == pytest.approx(abs(only)) and s["bias"] == pytest.approx(only)


@pytest.mark.realdata
def test_ludb_first_records_against_the_cardiologists() -> None:
    from ecgstudy.data.ludb_targets import ludb_targets

    folder = real_dataset("ludb")
    ids = tuple(str(i) for i in range(1, 11))
    est = cb._ludb_estimates(folder, ids, "prominence", False)
    assert est.failures.empty
    ref, _ = ludb_targets(folder, ids, progress=False)
    s = delineator_scores(est, ref, n_boot=100).set_index(["target", "combine"])
    # heart rate is easy for every combination; intervals are within tens of ms
    assert s.loc[("hr_bpm", "median"), "mae"] < 2 and s.loc[("hr_bpm", "II"), "mae"] < 2
    assert s.loc[("qrs_ms", "median"), "mae"] < 80 and s.loc[("qt_ms", "median"), "mae"] < 60
