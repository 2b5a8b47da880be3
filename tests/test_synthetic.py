"""The synthetic generator draws what its ground truth says it draws.

Measurements here are taken on the clean (noise-free) signals and compared with the
generator's fiducials/measurements using the definitions in ``ecgstudy.synthetic``:
a wave is exactly zero outside [centre - 3 sigma, centre + 3 sigma_right] and fiducial
samples are round(time * fs).
"""

from __future__ import annotations

import numpy as np
import pytest

from ecgstudy.data.types import FIDUCIAL_COLUMNS, BeatSegments, RecordSet
from ecgstudy.errors import ParameterError
from ecgstudy.synthetic import (
    CPSC_CLASSES,
    CPSC_COMPATIBLE_PAIRS,
    LEAD_MATRIX_12,
    TWELVE_LEADS,
    Beat,
    BeatMorphology,
    NoiseParams,
    StShift,
    SyntheticRecordSet,
    WaveParams,
    cpsc_like_records,
    generate_record,
    measurement_records,
    mitbih_like_segments,
    pvc_morphology,
    sinus_morphology,
)
from ecgstudy.synthetic.waves import tapered_gaussian

FS = 500.0
THRESH_MV = 1e-4  # "the wave has started": above float32 rounding, far below any wave


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def cpsc_clean() -> SyntheticRecordSet:
    return cpsc_like_records(270, seed=11, noise=None, multi_label_fraction=0.2)


@pytest.fixture(scope="module")
def cpsc_noisy() -> SyntheticRecordSet:
    return cpsc_like_records(30, seed=5)


@pytest.fixture(scope="module")
def meas_clean() -> SyntheticRecordSet:
    return measurement_records(400, seed=3, noise=None)


@pytest.fixture(scope="module")
def mit_clean() -> BeatSegments:
    return mitbih_like_segments(120, seed=2, n_records=8, noise=None, ectopic_rate=0.2)


def _records_with(rs: SyntheticRecordSet, *, present=(), absent=()) -> list[int]:
    lab = rs.labels.astype(bool)
    idx = [CPSC_CLASSES.index(c) for c in present]
    nidx = [CPSC_CLASSES.index(c) for c in absent]
    keep = lab[:, idx].all(axis=1) & ~lab[:, nidx].any(axis=1)
    return list(np.flatnonzero(keep))


def _active(x: np.ndarray) -> np.ndarray:
    """Samples where any lead deviates from the zero baseline by more than THRESH_MV."""
    return np.max(np.abs(x), axis=0) > THRESH_MV


def _gap_before(f, k: int) -> int | None:
    """First sample after every wave of beat k - 1 (None for the first listed beat:
    an unlisted, partly drawn beat may precede it)."""
    if k == 0:
        return None
    prev = f.iloc[k - 1]
    return int(max(prev["t_off"], prev["qrs_off"])) + 1


def _gap_after(f, k: int, n_samples: int) -> int:
    """First sample of beat k + 1's waves (the record's end for the last listed beat)."""
    if k + 1 >= len(f):
        return n_samples  # a partly drawn beat may follow: callers stay before t_off
    nxt = f.iloc[k + 1]
    return int(nxt["p_on"] if nxt["p_on"] >= 0 else nxt["qrs_on"])


def _extent(x: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """First and last active sample in [lo, hi)."""
    act = np.flatnonzero(_active(x[:, lo:hi]))
    return None if act.size == 0 else (lo + int(act[0]), lo + int(act[-1]))


# --------------------------------------------------------------------------- wave shape

def test_wave_shape_peaks_at_one_and_vanishes_outside_three_sigmas():
    x = np.linspace(-4, 4, 8001)
    g = tapered_gaussian(x)
    assert g.max() == pytest.approx(1.0) and g[4000] == pytest.approx(1.0)
    assert np.all(g[np.abs(x) >= 3.0] == 0.0)
    assert np.all(g[np.abs(x) < 2.999] > 0.0)


def test_hand_set_beat_onsets_offsets_match_drawn_signal():
    """Each wave group is nonzero exactly on [on, off] (fiducial = round(time * fs), +-1 sample)."""
    m = sinus_morphology(pr_ms=170, qrs_ms=96, qt_ms=410, rotation=None)
    beats = [Beat(r_time_s=t, morphology=m) for t in (0.8, 1.8, 2.8)]
    rec = generate_record(beats, fs=FS, duration_s=4.0)
    assert rec.clean.shape == (12, 2000) and rec.clean.dtype == np.float32
    fid = rec.fiducials
    assert list(fid.columns) == list(FIDUCIAL_COLUMNS) + ["beat_type"]
    assert len(fid) == 3
    for _, b in fid.iterrows():
        nz = np.flatnonzero(np.max(np.abs(rec.clean), axis=0) > 0)
        for on, off in (("p_on", "p_off"), ("qrs_on", "qrs_off"), ("t_on", "t_off")):
            seg = nz[(nz >= b[on] - 3) & (nz <= b[off] + 3)]
            assert abs(seg[0] - b[on]) <= 1, (on, seg[0], b[on])
            assert abs(seg[-1] - b[off]) <= 1, (off, seg[-1], b[off])
        # Isoelectric PR and ST segments: exactly zero between the waves.
        assert np.all(rec.clean[:, b["p_off"] + 1: b["qrs_on"] - 1] == 0.0)
        assert np.all(rec.clean[:, b["qrs_off"] + 1: b["t_on"] - 1] == 0.0)
    assert rec.measurements["pr_ms"] == pytest.approx(170)
    assert rec.measurements["qrs_ms"] == pytest.approx(96)
    assert rec.measurements["qt_ms"] == pytest.approx(410)
    assert rec.measurements["hr_bpm"] == pytest.approx(60.0)
    assert rec.measurements["qtc_bazett_ms"] == pytest.approx(410)


def test_single_r_wave_amplitude_is_lead_projection():
    direction = (0.6, 0.7, 0.2)
    r = WaveParams(center_ms=0.0, sigma_ms=10.0, amplitude_mV=1.5, direction=direction)
    m = BeatMorphology(qrs=(r,))
    rec = generate_record([Beat(r_time_s=1.0, morphology=m)], fs=FS, duration_s=2.0)
    u = np.asarray(direction) / np.linalg.norm(direction)
    expected = 1.5 * (LEAD_MATRIX_12 @ u)
    peak = int(rec.fiducials["qrs_peak"][0])
    assert peak == 500
    np.testing.assert_allclose(rec.clean[:, peak], expected, atol=1e-5)
    ii = TWELVE_LEADS.index("II")
    assert rec.measurements["r_amp_II_mV"] == pytest.approx(float(rec.clean[ii, peak]), abs=1e-6)
    assert rec.fiducials["p_on"][0] == -1 and rec.fiducials["t_off"][0] == -1


def test_st_shift_equals_stated_lead_amounts():
    vec = (0.05, 0.2, -0.1)
    base = sinus_morphology(qrs_ms=90, qt_ms=420)
    shifted = sinus_morphology(qrs_ms=90, qt_ms=420, st_vector_mV=vec)
    r0 = generate_record([Beat(r_time_s=1.0, morphology=base)], fs=FS, duration_s=2.0)
    r1 = generate_record([Beat(r_time_s=1.0, morphology=shifted)], fs=FS, duration_s=2.0)
    b = r1.fiducials.iloc[0]
    ramp = int(np.ceil(StShift(vector_mV=vec).ramp_ms * 1e-3 * FS)) + 1
    plateau = slice(int(b["qrs_off"]) + ramp, int(b["t_off"]) - ramp)
    expected = LEAD_MATRIX_12 @ np.asarray(vec)
    diff = (r1.clean - r0.clean)[:, plateau]
    np.testing.assert_allclose(diff, np.repeat(expected[:, None], diff.shape[1], axis=1), atol=1e-5)
    for j, lead in enumerate(TWELVE_LEADS):
        assert r1.measurements[f"st_{lead}_mV"] == pytest.approx(expected[j])
    # Before the J point nothing changes.
    np.testing.assert_array_equal(r1.clean[:, : int(b["qrs_off"])], r0.clean[:, : int(b["qrs_off"])])


# --------------------------------------------------------------------------- CPSC-like records

def test_cpsc_shapes_labels_and_class_order(cpsc_clean):
    rs = cpsc_clean
    assert isinstance(rs, RecordSet)
    assert rs.signals.shape == (270, 12, 5000) and rs.signals.dtype == np.float32
    assert rs.fs == 500.0 and rs.lead_names == TWELVE_LEADS and rs.source == "synthetic"
    assert rs.class_names == ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")
    assert rs.labels.shape == (270, 9) and rs.labels.dtype == np.uint8
    counts = rs.labels.sum(axis=1)
    assert set(counts) <= {1, 2} and np.all(rs.labels.sum(axis=0) > 0)
    assert 0.1 < np.mean(counts == 2) < 0.3
    pairs = {frozenset(p) for p in CPSC_COMPATIBLE_PAIRS}
    for row in rs.labels[counts == 2]:
        assert frozenset(np.asarray(CPSC_CLASSES)[row.astype(bool)]) in pairs
    assert not np.any(rs.labels[:, 0].astype(bool) & (counts > 1))
    assert len(rs.meta) == 270 and len(rs.record_ids) == 270
    for col in ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "hr_bpm",
                "r_amp_II_mV", "s_amp_V1_mV", "t_amp_V5_mV", "st_V2_mV", "age", "sex", "fwave_amp_mV"):
        assert col in rs.meta.columns
    assert list(rs.meta["labels"][:5]) == ["+".join(np.asarray(CPSC_CLASSES)[r.astype(bool)])
                                           for r in rs.labels[:5]]


def test_cpsc_qrs_duration_matches_drawn_wave(cpsc_clean):
    """QRS extent measured on the clean signal = reported qrs_on/qrs_off (+-2 samples)."""
    rs = cpsc_clean
    checked = 0
    for i in _records_with(rs, absent=("AF", "STD", "STE")):
        f = rs.fiducials_of(i)
        x = rs.signals[i]
        for k, b in f.iterrows():
            start = _gap_before(f, k)
            if start is None:
                continue
            lo = max(start, int(b["p_off"]) + 1)
            hi = min(int(b["t_on"]), _gap_after(f, k, x.shape[1]))
            if lo >= b["qrs_on"] - 1 or hi <= b["qrs_off"] + 1:
                continue  # neighbouring waves overlap this QRS
            on, off = _extent(x, lo, hi)
            assert abs(on - b["qrs_on"]) <= 2 and abs(off - b["qrs_off"]) <= 2, (i, on, off, dict(b))
            checked += 1
        dom = f[f["beat_type"].isin(["N", "L", "R"])]
        measured_ms = np.median(dom["qrs_off"] - dom["qrs_on"]) / rs.fs * 1e3
        assert abs(measured_ms - rs.meta["qrs_ms"][i]) <= 2 * 1e3 / rs.fs + 1e-9
    assert checked > 500


def test_cpsc_bundle_branch_blocks_are_wide(cpsc_clean):
    rs = cpsc_clean
    for cls, sym in (("LBBB", "L"), ("RBBB", "R")):
        idx = _records_with(rs, present=(cls,))
        assert idx
        assert np.all(rs.meta["qrs_ms"].to_numpy()[idx] >= 120)
        for i in idx:
            assert set(rs.fiducials_of(i)["beat_type"]) <= {sym, "A", "V"}
    normal = _records_with(rs, present=("Normal",))
    assert np.all(rs.meta["qrs_ms"].to_numpy()[normal] < 110)
    lbbb = _records_with(rs, present=("LBBB",))
    m = rs.meta.iloc[lbbb]
    assert np.all(m["s_amp_V1_mV"] < -0.3) and np.all(m["r_amp_V6_mV"] > 0.2)  # QS in V1, broad R in V6
    rbbb = _records_with(rs, present=("RBBB",))
    m = rs.meta.iloc[rbbb]
    assert np.all(m["s_amp_V6_mV"] < -0.1) and np.all(m["s_amp_I_mV"] < -0.05)  # broad terminal S
    assert np.all(m["r_amp_V1_mV"] > 0.2)  # R' in V1


def test_pvc_has_no_p_wave_and_wide_qrs(cpsc_clean):
    rs = cpsc_clean
    idx = _records_with(rs, present=("PVC",), absent=("AF",))
    n_flat = 0
    for i in idx:
        f = rs.fiducials_of(i)
        x = rs.signals[i]
        for k in np.flatnonzero(f["beat_type"] == "V"):
            b = f.iloc[k]
            assert b["p_on"] == -1 and b["p_peak"] == -1 and b["p_off"] == -1
            assert (b["qrs_off"] - b["qrs_on"]) / rs.fs >= 0.120
            on, off = _extent(x, int(b["qrs_on"]) - 3, int(b["t_on"]))
            assert (off - on + 2) / rs.fs >= 0.120
            # The 200 ms before the QRS, after the previous T: flat (a P wave would show).
            start = _gap_before(f, k)
            if start is None:
                continue
            lo = max(int(b["qrs_on"] - 0.2 * rs.fs), start)
            if b["qrs_on"] - lo >= 10:
                assert np.max(np.abs(x[:, lo: int(b["qrs_on"]) - 1])) < 1e-6
                n_flat += 1
            # T opposite to the QRS in the lead where the QRS is largest.
            qrs = x[:, int(b["qrs_on"]): int(b["qrs_off"]) + 1]
            lead = int(np.argmax(np.max(np.abs(qrs), axis=1)))
            main = qrs[lead, np.argmax(np.abs(qrs[lead]))]
            assert np.sign(x[lead, int(b["t_peak"])]) == -np.sign(main)
    assert n_flat >= 10


def test_pac_is_premature_with_p_wave(cpsc_clean):
    rs = cpsc_clean
    n = 0
    for i in _records_with(rs, present=("PAC",)):
        f = rs.fiducials_of(i)
        r = f["qrs_peak"].to_numpy()
        for k in np.flatnonzero(f["beat_type"] == "A"):
            assert f["p_on"][k] >= 0
            if k >= 2:
                assert r[k] - r[k - 1] <= 0.85 * (r[k - 1] - r[k - 2])
                n += 1
        assert rs.meta["n_pac"][i] >= 1
    assert n >= 20


def test_af_has_no_p_waves_and_irregular_rr(cpsc_clean):
    rs = cpsc_clean
    af = _records_with(rs, present=("AF",))
    assert len(af) >= 20
    for i in af:
        f = rs.fiducials_of(i)
        assert np.all(f[["p_on", "p_peak", "p_off"]].to_numpy() == -1)
        assert np.isnan(rs.meta["pr_ms"][i])
        rr = np.diff(f["qrs_peak"].to_numpy())
        assert np.std(rr) / np.mean(rr) > 0.1
        # Where a P wave would be, only f-waves (bounded by fwave_amp_mV) are drawn.
        x = rs.signals[i]
        bound = rs.meta["fwave_amp_mV"][i]
        assert 0 < bound < 0.15
        for k in range(1, len(f)):
            lo = max(int(f["qrs_on"][k] - 0.25 * rs.fs), _gap_before(f, k))
            hi = int(f["qrs_on"][k]) - 1
            if hi > lo:
                assert np.max(np.abs(x[:, lo:hi])) <= bound + 1e-5
    # Sinus records: P present in every conducted beat, RR regular.
    for i in _records_with(rs, present=("Normal",)):
        f = rs.fiducials_of(i)
        assert np.all(f["p_on"] >= 0)
        rr = np.diff(f["qrs_peak"].to_numpy())
        assert np.std(rr) / np.mean(rr) < 0.06
        ii = rs.signals[i, TWELVE_LEADS.index("II")]
        assert np.median([np.max(np.abs(ii[a: b + 1])) for a, b in zip(f["p_on"], f["p_off"])]) > 0.05


def test_first_degree_av_block_pr_over_200ms(cpsc_clean):
    rs = cpsc_clean
    idx = _records_with(rs, present=("I-AVB",))
    assert idx
    n = 0
    for i in idx:
        assert rs.meta["pr_ms"][i] > 200
        f = rs.fiducials_of(i)
        x = rs.signals[i]
        conducted = f[f["beat_type"] != "V"]
        assert np.all((conducted["qrs_on"] - conducted["p_on"]) / rs.fs > 0.2)
        for k in range(1, len(f)):
            b = f.iloc[k]
            if b["beat_type"] != "N" or b["p_on"] <= _gap_before(f, k) + 2:
                continue
            on, _ = _extent(x, _gap_before(f, k), int(b["qrs_on"]))
            assert abs(on - b["p_on"]) <= 2
            assert (b["qrs_on"] - on) / rs.fs > 0.198
            n += 1
    assert n >= 10
    others = _records_with(rs, absent=("I-AVB", "AF"))
    assert np.all(rs.meta["pr_ms"].to_numpy()[others] <= 205)  # APB P' may lengthen PR slightly


@pytest.mark.parametrize("cls,sign", [("STE", 1.0), ("STD", -1.0)])
def test_st_shift_in_stated_leads(cpsc_clean, cls, sign):
    rs = cpsc_clean
    idx = _records_with(rs, present=(cls,), absent=("AF",))
    assert idx
    cols = [f"st_{lead}_mV" for lead in TWELVE_LEADS]
    not_avr = [c for c in cols if c != "st_aVR_mV"]
    n = 0
    for i in idx:
        st = rs.meta.loc[i, cols].to_numpy(dtype=float)
        assert np.sum(sign * rs.meta.loc[i, not_avr].to_numpy(dtype=float) >= 0.1) >= 2
        f = rs.fiducials_of(i)
        x = rs.signals[i]
        for k, b in f.iterrows():
            if b["beat_type"] not in ("N", "R", "A"):
                continue
            lo = int(b["qrs_off"]) + 12
            hi = min(int(b["t_on"]), _gap_after(f, k, x.shape[1])) - 1
            if hi - lo >= 3:
                plateau = x[:, lo:hi]
                np.testing.assert_allclose(plateau, np.repeat(st[:, None], hi - lo, axis=1), atol=2e-5)
                n += 1
    assert n >= 20
    plain = _records_with(rs, absent=("STD", "STE"))
    assert np.all(rs.meta.loc[plain, cols].to_numpy(dtype=float) == 0.0)


# --------------------------------------------------------------------------- measurement records

def test_measurement_records_amplitudes_measured_on_clean_signal(meas_clean):
    rs = meas_clean
    assert rs.signals.shape == (400, 12, 5000) and rs.labels.shape == (400, 0)
    for col in ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "hr_bpm", "rr_ms",
                "r_amp_II_mV", "s_amp_V2_mV", "t_amp_V5_mV", "age", "sex"):
        assert col in rs.meta.columns
    ii = TWELVE_LEADS.index("II")
    for i in range(0, 400, 37):
        f = rs.fiducials_of(i)
        x = rs.signals[i]
        peaks = [float(np.max(x[ii, a: b + 1])) for a, b in zip(f["qrs_on"], f["qrs_off"])]
        assert rs.meta["r_amp_II_mV"][i] == pytest.approx(max(np.median(peaks), 0.0), abs=1e-6)
        # The largest R sits at the R reference (qrs_peak), within 2 samples.
        lead = int(np.argmax([rs.meta[f"r_amp_{n}_mV"][i] for n in TWELVE_LEADS]))
        for a, b, p in zip(f["qrs_on"], f["qrs_off"], f["qrs_peak"]):
            assert abs(a + int(np.argmax(x[lead, a: b + 1])) - p) <= 2
        t = [float(x[ii, p]) for p in f["t_peak"]]
        assert rs.meta["t_amp_II_mV"][i] == pytest.approx(np.median(t), abs=1e-6)
        rr = np.diff(f["qrs_peak"].to_numpy()) / rs.fs
        assert rs.meta["hr_bpm"][i] == pytest.approx(60 / rr.mean(), rel=0.03)
        qt = rs.meta["qt_ms"][i] / 1e3
        rr_s = rs.meta["rr_ms"][i] / 1e3
        assert rs.meta["qtc_bazett_ms"][i] == pytest.approx(qt / np.sqrt(rr_s) * 1e3)
        assert rs.meta["qtc_fridericia_ms"][i] == pytest.approx(qt / np.cbrt(rr_s) * 1e3)


def test_measurement_records_ranges_and_sex_effect(meas_clean):
    m = meas_clean.meta
    assert m["pr_ms"].between(105, 245).all() and m["qrs_ms"].between(60, 130).all()
    assert m["hr_bpm"].between(40, 120).all() and m["age"].between(20, 85).all()
    assert set(m["sex"]) == {0, 1}
    men, women = m[m["sex"] == 1], m[m["sex"] == 0]
    assert men["qrs_ms"].mean() > women["qrs_ms"].mean() + 3
    assert women["qtc_fridericia_ms"].mean() > men["qtc_fridericia_ms"].mean() + 5
    assert men["r_amp_V5_mV"].median() > women["r_amp_V5_mV"].median()
    # ... but not trivially: the distributions overlap widely.
    assert women["qrs_ms"].max() > men["qrs_ms"].median()
    assert m["qrs_ms"].std() > 8 and m["pr_ms"].std() > 15


# --------------------------------------------------------------------------- MIT-BIH-like segments

def test_mitbih_segments_layout(mit_clean):
    s = mit_clean
    assert s.signals.shape == (120, 2, 2000) and s.signals.dtype == np.float32
    assert s.fs == 360.0 and s.lead_names == ("MLII", "V1") and s.source == "synthetic"
    assert np.sum(s.labels == "NV") == 60 and np.sum(s.labels == "AN") == 60
    assert set(s.record_ids) == {f"syn-{p:04d}" for p in range(8)}
    assert s.beat_offsets[0] == 0 and s.beat_offsets[-1] == len(s.beat_sample)
    for i in range(len(s)):
        pl, ln = int(s.pad_left[i]), int(s.length[i])
        assert 0 <= pl and pl + ln <= 2000 and pl == (2000 - ln) // 2
        assert np.all(s.signals[i, :, :pl] == 0) and np.all(s.signals[i, :, pl + ln:] == 0)
        pos, sym = s.beats(i)
        assert len(pos) >= 1 and np.all((pos >= pl) & (pos < pl + ln)) and np.all(np.diff(pos) > 0)
        want = "V" if s.labels[i] == "NV" else "A"
        assert set(sym) == {"N", want}  # like real "NV"/"AN" segments: both kinds, nothing else
        assert sym[0] == "N"


def test_mitbih_cut_matches_real_segmentation():
    segments = pytest.importorskip("ecgstudy.data.segments")
    from ecgstudy.synthetic.segments import _first_segment

    rng = np.random.default_rng(0)
    for length in (700, 2000):
        for _ in range(100):
            r = np.cumsum(rng.integers(150, 500, size=40))
            assert _first_segment(r, length) == tuple(int(v) for v in segments.segment_bounds(r, length=length)[0])


def test_mitbih_ectopic_timing(mit_clean):
    s = mit_clean
    n_a = n_v = 0
    for i in range(len(s)):
        pos, sym = s.beats(i)
        for k in range(2, len(pos) - 1):
            if sym[k] == "A" and sym[k - 1] == "N":
                assert pos[k] - pos[k - 1] <= 0.85 * (pos[k - 1] - pos[k - 2])
                n_a += 1
            if sym[k] == "V" and sym[k - 1] == "N" and sym[k + 1] == "N" and sym[k - 2] == "N":
                # Full compensatory pause: the two RRs around a PVC add up to two sinus RRs.
                pair = pos[k + 1] - pos[k - 1]
                assert pair == pytest.approx(2 * (pos[k - 1] - pos[k - 2]), rel=0.12)
                assert pos[k] - pos[k - 1] <= 0.8 * (pos[k - 1] - pos[k - 2])
                n_v += 1
    assert n_a >= 10 and n_v >= 10


def test_mitbih_pvc_has_no_p_and_wide_qrs(mit_clean):
    """Around each PVC the clean MLII/V1 trace: nothing in the 120-250 ms before R (no P),
    and the QRS complex spans >= 120 ms."""
    s = mit_clean
    fs = s.fs
    n = 0
    for i in range(len(s)):
        pos, sym = s.beats(i)
        x = s.signals[i]
        for k in np.flatnonzero(sym == "V"):
            if k == 0:
                continue
            lo = max(int(pos[k] - 0.25 * fs), int(pos[k - 1] + 0.45 * fs))
            hi = int(pos[k] - 0.095 * fs)
            if hi - lo >= 5:
                assert np.max(np.abs(x[:, lo:hi])) < 1e-6
                n += 1
            on, off = _extent(x, int(pos[k] - 0.1 * fs), int(pos[k] + 0.105 * fs))
            assert (off - on + 2) / fs >= 0.12
    assert n >= 5


# --------------------------------------------------------------------------- leads, determinism

def test_einthoven_goldberger_exact_on_noisy_output(cpsc_noisy):
    x = cpsc_noisy.signals
    i, ii, iii, avr, avl, avf = (x[:, TWELVE_LEADS.index(n)] for n in ("I", "II", "III", "aVR", "aVL", "aVF"))
    np.testing.assert_array_equal(iii, ii - i)
    np.testing.assert_array_equal(avr, -(i + ii) / np.float32(2))
    np.testing.assert_array_equal(avl, i - ii / np.float32(2))
    np.testing.assert_array_equal(avf, ii - i / np.float32(2))
    assert x.dtype == np.float32 and np.all(np.isfinite(x))


def test_noise_is_added_but_ground_truth_unchanged(cpsc_noisy):
    clean = cpsc_like_records(30, seed=5, noise=None)
    d = cpsc_noisy.signals - clean.signals
    assert 0.005 < float(np.std(d)) < 0.3
    assert np.array_equal(clean.labels, cpsc_noisy.labels)
    assert clean.fiducials.equals(cpsc_noisy.fiducials)
    assert clean.meta.equals(cpsc_noisy.meta)


def test_same_seed_identical_different_seed_differs():
    a = cpsc_like_records(12, seed=7)
    b = cpsc_like_records(12, seed=7)
    c = cpsc_like_records(12, seed=8)
    assert np.array_equal(a.signals, b.signals) and a.meta.equals(b.meta) and a.fiducials.equals(b.fiducials)
    assert not np.array_equal(a.signals, c.signals)
    m1, m2 = mitbih_like_segments(10, seed=1), mitbih_like_segments(10, seed=1)
    assert np.array_equal(m1.signals, m2.signals) and np.array_equal(m1.beat_sample, m2.beat_sample)
    assert not np.array_equal(m1.signals, mitbih_like_segments(10, seed=2).signals)
    q1, q2 = measurement_records(5, seed=0), measurement_records(5, seed=0)
    assert np.array_equal(q1.signals, q2.signals) and q1.meta.equals(q2.meta)


def test_offset_and_workers_do_not_change_records():
    full = cpsc_like_records(70, seed=4, duration_s=5.0)
    part = cpsc_like_records(6, seed=4, duration_s=5.0, offset=64)
    assert np.array_equal(full.signals[64:], part.signals)
    assert list(part.record_ids) == list(full.record_ids[64:])
    par = cpsc_like_records(70, seed=4, duration_s=5.0, n_jobs=2)
    assert np.array_equal(full.signals, par.signals) and full.meta.equals(par.meta)


def test_generate_record_noise_seeded_and_lead_subset():
    m = sinus_morphology()
    beats = [Beat(r_time_s=t, morphology=m) for t in np.arange(0.5, 3.0, 0.8)]
    a = generate_record(beats, duration_s=3.0, noise=NoiseParams(), seed=1, leads=("II", "V1"))
    b = generate_record(beats, duration_s=3.0, noise=NoiseParams(), seed=1, leads=("II", "V1"))
    c = generate_record(beats, duration_s=3.0, noise=NoiseParams(), seed=2, leads=("II", "V1"))
    assert a.signal.shape == (2, 1500) and np.array_equal(a.signal, b.signal)
    assert not np.array_equal(a.signal, c.signal) and np.array_equal(a.clean, c.clean)
    pvc = pvc_morphology(qrs_ms=140)
    r = generate_record([Beat(r_time_s=1.0, morphology=pvc, symbol="V")], duration_s=2.0)
    assert r.fiducials["p_on"][0] == -1
    assert (r.fiducials["qrs_off"][0] - r.fiducials["qrs_on"][0]) == 70


# --------------------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("call,match", [
    (lambda: cpsc_like_records(-1, seed=0), "n_records must be >= 0"),
    (lambda: cpsc_like_records(2, seed=0, fs=0), "fs must be a positive"),
    (lambda: cpsc_like_records(2, seed=0, fs=-500.0), "fs must be a positive"),
    (lambda: cpsc_like_records(2, seed=0, duration_s=1.0), "too short"),
    (lambda: cpsc_like_records(2, seed=0, multi_label_fraction=1.5), "multi_label_fraction"),
    (lambda: cpsc_like_records(2, seed=-3), "seed"),
    (lambda: cpsc_like_records(2, seed=0, leads=("I", "X9")), "unknown lead"),
    (lambda: measurement_records(-5, seed=0), "n_records must be >= 0"),
    (lambda: measurement_records(2, seed=0, fs=0.0), "fs must be a positive"),
    (lambda: mitbih_like_segments(-1, seed=0), "n_segments must be >= 0"),
    (lambda: mitbih_like_segments(3, seed=0, fs=-1.0), "fs must be a positive"),
    (lambda: mitbih_like_segments(3, seed=0, length=800), "too short for one beat"),
    (lambda: mitbih_like_segments(3, seed=0, nv_fraction=2.0), "nv_fraction"),
    (lambda: WaveParams(center_ms=0, sigma_ms=0, amplitude_mV=1, direction=(1, 0, 0)), "sigma_ms"),
    (lambda: WaveParams(center_ms=0, sigma_ms=5, amplitude_mV=1, direction=(0, 0, 0)), "zero vector"),
    (lambda: generate_record([], fs=0), "fs must be a positive"),
    (lambda: sinus_morphology(qrs_ms=100, qt_ms=120), "qt_ms"),
])
def test_bad_arguments_raise_parameter_error(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_zero_records_give_empty_containers():
    rs = cpsc_like_records(0, seed=0)
    assert rs.signals.shape == (0, 12, 5000) and rs.labels.shape == (0, 9) and len(rs.fiducials) == 0
    seg = mitbih_like_segments(0, seed=0)
    assert seg.signals.shape == (0, 2, 2000) and seg.beat_offsets.tolist() == [0]
