"""LUDB regression targets: a hand computation on record 1, the whole database, and agreement
with the synthetic ground truth (same definitions on both test beds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecgstudy.data.ludb import LUDB_LEAD_EXT
from ecgstudy.data.ludb_targets import (
    INTERVAL_COLUMNS,
    amplitude_columns,
    global_beats,
    interval_targets,
    lead_amplitudes,
    ludb_targets,
    record_targets,
)
from ecgstudy.data.types import FIDUCIAL_COLUMNS, EcgRecord
from ecgstudy.data.wfdb_io import TWELVE_LEADS
from ecgstudy.synthetic.standins import measurement_records
from ecgstudy.testing import real_dataset


def _table(rows: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["wave", "onset", "peak", "offset"])


# ------------------------------------------------------------------ no data needed

def test_global_beats_earliest_onset_latest_offset() -> None:
    a = _table([("p", 100, 120, 140), ("qrs", 200, 220, 240), ("t", 300, 350, 400),
                ("qrs", 700, 720, 740), ("t", 800, 850, 900)])
    b = _table([("p", 90, 118, 150), ("qrs", 195, 224, 250), ("t", 310, 352, 410),
                ("p", 600, 620, 640), ("qrs", 705, 723, 745)])
    g = global_beats({"A": a, "B": b})
    assert g[list(FIDUCIAL_COLUMNS)].values.tolist() == [
        [90, 119, 150, 195, 222, 250, 300, 351, 410],
        [600, 620, 640, 700, 722, 745, 800, 850, 900],
    ]
    assert g["n_leads"].tolist() == [2, 2]
    t = interval_targets(g, fs=500.0)
    assert t["qrs_ms"] == pytest.approx(np.median([250 - 195, 745 - 700]) * 2)
    assert t["pr_ms"] == pytest.approx(np.median([195 - 90, 700 - 600]) * 2)
    assert t["qt_ms"] == pytest.approx(np.median([410 - 195, 900 - 700]) * 2)
    assert t["rr_ms"] == pytest.approx(500 * 2) and t["hr_bpm"] == pytest.approx(60.0)
    assert t["qtc_bazett_ms"] == pytest.approx(t["qt_ms"]) and t["qtc_fridericia_ms"] == pytest.approx(t["qt_ms"])


def test_lead_amplitudes_baseline() -> None:
    fs = 500.0
    x = np.full(1000, 0.2)
    x[100:150] = 0.3          # P wave 100..149 (P offset 150)
    x[150:200] = 0.25         # PR segment at 0.25 mV
    x[200:210] = 1.25         # R: 1.0 above the PR baseline
    x[210:220] = -0.05        # S: 0.3 below
    x[300] = 0.65             # T peak: 0.4 above
    waves = _table([("p", 100, 125, 150), ("qrs", 199, 205, 220), ("t", 260, 300, 340),
                    ("qrs", 599, 605, 620)])
    x[560:600] = -0.1         # no P before the second beat: the 20 ms before its onset
    x[600:610] = 0.5
    x[610:620] = -0.3
    r, s, t = lead_amplitudes(x, waves, fs)
    # beat 1: baseline median(x[150..199]) = 0.25 -> R 1.0, S -0.3, T 0.4
    # beat 2: baseline median(x[589..599]) = -0.1 -> R 0.6, S -0.2; no T
    assert r == pytest.approx(np.median([1.0, 0.6]))
    assert s == pytest.approx(np.median([-0.3, -0.2]))
    assert t == pytest.approx(0.4)


def test_same_definitions_as_synthetic_ground_truth() -> None:
    """Annotations built from the generator's exact fiducials, targets computed on the clean
    signal: the LUDB targets reproduce the generator's measurements (intervals within one
    sample, 2 ms; RR within 1 % because the generator also counts beats cut by the edges;
    amplitudes within 0.005 mV, the synthetic waves' tails in the PR segment)."""
    rs = measurement_records(4, seed=21, noise=None)
    for i in range(len(rs)):
        f = rs.fiducials_of(i)
        rows = [(w, int(b[f"{w}_on"]), int(b[f"{w}_peak"]), int(b[f"{w}_off"]))
                for _, b in f.iterrows() for w in ("p", "qrs", "t") if b[f"{w}_peak"] >= 0]
        waves = {lead: _table(rows) for lead in rs.lead_names}
        rec = EcgRecord(str(rs.record_ids[i]), rs.signals[i], rs.fs, rs.lead_names)
        got, missing = record_targets(rec, waves)
        truth = rs.meta.iloc[i]
        assert missing == {}
        for c in ("pr_ms", "p_ms", "qrs_ms", "qt_ms"):
            assert got[c] == pytest.approx(truth[c], abs=2.0), c
        for c in ("rr_ms", "hr_bpm", "qtc_bazett_ms", "qtc_fridericia_ms"):
            assert got[c] == pytest.approx(truth[c], rel=0.01), c
        for c in amplitude_columns(rs.lead_names):
            assert got[c] == pytest.approx(truth[c], abs=0.005), c


# ------------------------------------------------------------------ real data

def _triplets(base: Path, ext: str) -> dict[str, list[tuple[int, int, int]]]:
    """Complete ( peak ) triplets of one annotation file, by wave symbol, in file order."""
    ann = wfdb.rdann(str(base), ext)
    sym, smp = ann.symbol, ann.sample
    out: dict[str, list[tuple[int, int, int]]] = {"p": [], "N": [], "t": []}
    for i in range(1, len(sym) - 1):
        if sym[i] in out and sym[i - 1] == "(" and sym[i + 1] == ")":
            out[sym[i]].append((int(smp[i - 1]), int(smp[i]), int(smp[i + 1])))
    return out


@pytest.mark.realdata
def test_record_1_by_hand() -> None:
    folder = real_dataset("ludb")
    base = folder / "data" / "1"
    ms = 1000.0 / 500.0
    trip = {lead: _triplets(base, LUDB_LEAD_EXT[lead]) for lead in TWELVE_LEADS}
    # record 1: in every lead 6 QRS; 5 T waves after QRS 0-4; 5 P waves before QRS 1-5
    for t in trip.values():
        assert (len(t["N"]), len(t["t"]), len(t["p"])) == (6, 5, 5)
        for k in range(5):
            assert t["N"][k][1] < t["t"][k][1] < t["N"][k + 1][1]
            assert t["N"][k][1] < t["p"][k][1] < t["N"][k + 1][1]
    # global QRS of beat k: earliest onset and latest offset over the 12 leads
    qrs_on = [min(trip[lead]["N"][k][0] for lead in TWELVE_LEADS) for k in range(6)]
    qrs_off = [max(trip[lead]["N"][k][2] for lead in TWELVE_LEADS) for k in range(6)]
    t_off = [max(trip[lead]["t"][k][2] for lead in TWELVE_LEADS) for k in range(5)]
    qrs_ms = np.median([qrs_off[k] - qrs_on[k] for k in range(6)]) * ms
    qt_ms = np.median([t_off[k] - qrs_on[k] for k in range(5)]) * ms
    # R amplitude, lead II: max over its own QRS minus the PR-segment median (P offset to
    # QRS onset, both included); beat 0 has no P: the 20 ms (10 samples) up to the onset
    x = wfdb.rdrecord(str(base)).p_signal[:, TWELVE_LEADS.index("II")]
    r_amps = []
    for k, (on, _, off) in enumerate(trip["II"]["N"]):
        if k == 0:
            base_mv = np.median(x[on - 10: on + 1])
        else:
            p_off = trip["II"]["p"][k - 1][2]
            base_mv = np.median(x[p_off: on + 1])
        r_amps.append(max(0.0, x[on: off + 1].max() - base_mv))
    r_amp_ii = float(np.median(r_amps))

    df, missing = ludb_targets(folder, ["1"], progress=False)
    row = df.loc["1"]
    assert row["qrs_ms"] == pytest.approx(qrs_ms) and row["qrs_ms"] == pytest.approx(115.0)
    assert row["qt_ms"] == pytest.approx(qt_ms) and row["qt_ms"] == pytest.approx(532.0)
    assert row["r_amp_II_mV"] == pytest.approx(r_amp_ii, abs=1e-5)  # float32 signal in the reader
    assert (row["sex"], row["age"], row["n_beats"]) == (0.0, 51.0, 6.0)
    assert missing == {}


@pytest.mark.realdata
def test_all_200_records() -> None:
    folder = real_dataset("ludb")
    df, missing = ludb_targets(folder, progress=False)
    nan = df.isna().sum()
    print("\nLUDB targets: NaN counts", nan[nan > 0].to_dict())
    print("median QRS / QT / PR (ms):", df["qrs_ms"].median(), df["qt_ms"].median(), df["pr_ms"].median())
    assert len(df) == 200 and df.index[0] == "1" and df.index[-1] == "200"
    assert list(df.columns) == [*INTERVAL_COLUMNS, *amplitude_columns(), "n_beats", "age", "sex", "rhythm"]
    assert not any("error" in m for m in missing.values())
    for c in ("qrs_ms", "qt_ms", "rr_ms", "hr_bpm", "qtc_bazett_ms", "age", "sex", "n_beats"):
        assert nan[c] == 0, c
    assert set(df["sex"]) == {0.0, 1.0}
    # PR is NaN exactly where no lead has a P wave; every AF record is among them
    no_p = {rid for rid, m in missing.items() if len(m.get("p", [])) == 12}
    assert set(df.index[df["pr_ms"].isna()]) == no_p and nan["pr_ms"] == 24
    af = set(df.index[df["rhythm"].str.contains("fibrillation", case=False)])
    assert len(af) == 15 and af <= no_p
    # an amplitude is NaN only in a lead without that wave
    for c in amplitude_columns():
        kind, lead = c.split("_")[0], c.split("_")[2]
        wave = "qrs" if kind in ("r", "s") else "t"
        for rid in df.index[df[c].isna()]:
            assert lead in missing[rid].get(wave, []), (rid, c)
    assert 100 < df["qrs_ms"].median() < 140 and 380 < df["qt_ms"].median() < 480
    assert 130 < df["pr_ms"].median() < 200 and 50 < df["hr_bpm"].median() < 80
    assert (df["s_amp_V1_mV"] <= 0).all() and (df["r_amp_V5_mV"] >= 0).all()
