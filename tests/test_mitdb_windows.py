"""MIT-BIH multi-label windows (hand-made WFDB records, synthetic stand-in, real data) and their cache."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import wfdb
from scipy.signal import resample_poly

from ecgstudy.data import mitdb_cache
from ecgstudy.data.mitdb import BEAT_SYMBOLS
from ecgstudy.data.mitdb_cache import load_mitdb_windows
from ecgstudy.data.mitdb_windows import (
    CLASS_SYMBOLS,
    WINDOW_CLASSES,
    BeatWindows,
    mitdb_windows,
    synthetic_windows,
)
from ecgstudy.data.segments import SkippedRecordsWarning
from ecgstudy.errors import DataError, ParameterError
from ecgstudy.synthetic import CPSC_CLASSES, cpsc_like_records
from ecgstudy.testing import real_dataset

W = 3600  # 10 s at 360 Hz
N_SAMPLES = 7 * W + 1000  # 7 whole windows and a partial one (dropped)


def _beats() -> tuple[np.ndarray, list[str]]:
    """Beats (original samples, symbols) of the hand-made record, window by window."""
    rows: list[tuple[int, str]] = []
    grid = 180 + 360 * np.arange(10)  # 10 beats per window
    # w0: only N -> Normal (a beat 7 samples in: position round(7 * 5/18) = 2 at 100 Hz)
    rows += [(7, "N")] + [(int(s), "N") for s in grid[1:]]
    # w1: a V and an A -> PVC + APB
    rows += [(W + int(s), {3: "V", 6: "A"}.get(k, "N")) for k, s in enumerate(grid)]
    # w2: N only, AF from 9000 on (exactly half the window) -> AF; last beat on the window's
    # last sample (3599 * 5/18 = 999.7 rounds to 1000: clipped to 999)
    rows += [(2 * W + int(s), "N") for s in grid] + [(3 * W - 1, "N")]
    # w3: AF until 12599 (1,799 of 3,600 samples, < 50 %) and an L beat -> LBBB only
    rows += [(3 * W + int(s), "L" if k == 4 else "N") for k, s in enumerate(grid)]
    # w4: a Q beat -> dropped (unreadable)
    rows += [(4 * W + int(s), "Q" if k == 5 else "N") for k, s in enumerate(grid)]
    # w5: two beats -> dropped (fewer than 3)
    rows += [(5 * W + 400, "N"), (5 * W + 2000, "N")]
    # w6: R / F f J -> RBBB + Paced + Fusion + APB
    rows += [(6 * W + int(s), sym) for s, sym in zip(grid, "RRRR/FfJRR")]
    # the partial window 7: ignored
    rows += [(7 * W + 100, "V"), (7 * W + 500, "N"), (7 * W + 900, "N")]
    sample = np.array([r[0] for r in rows], np.int64)
    return sample, [r[1] for r in rows]


BEAT_SAMPLE, BEAT_SYMBOL = _beats()
# Non-beat annotations: rhythm changes (+) and a noise mark (~).
EXTRA = [(0, "+", "(N"), (9000, "+", "(AFIB"), (12599, "+", "(N"), (1000, "~", "")]


def write_record(folder: Path, name: str, sig_name=("MLII", "V1")) -> None:
    """A record whose lead 0 is a narrow bump at every beat (so R peaks can be found)."""
    t = np.arange(N_SAMPLES)
    bumps = np.zeros(N_SAMPLES)
    for s in BEAT_SAMPLE:
        bumps += np.exp(-0.5 * ((t - s) / 5.0) ** 2)
    sig = np.stack([bumps - 0.3, -0.5 * bumps + 0.1 * np.sin(2 * np.pi * t / 360)], axis=1)
    wfdb.wrsamp(name, fs=360, units=["mV", "mV"], sig_name=list(sig_name), p_signal=sig,
                fmt=["212", "212"], adc_gain=[200.0, 200.0], baseline=[1024, 1024], write_dir=str(folder))
    ann = sorted([(int(s), sym, "") for s, sym in zip(BEAT_SAMPLE, BEAT_SYMBOL)] + EXTRA)
    wfdb.wrann(name, "atr", np.array([a[0] for a in ann]), symbol=[a[1] for a in ann],
               aux_note=[a[2] for a in ann], write_dir=str(folder))


def write_db(folder: Path, names=("900", "901"), leads=(("MLII", "V1"), ("V5", "MLII"))) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sig_name in zip(names, leads):
        write_record(folder, name, sig_name)
    (folder / "RECORDS").write_text("\n".join(names) + "\n")
    return folder


def _names(row: np.ndarray) -> list[str]:
    return [c for c, b in zip(WINDOW_CLASSES, row) if b]


# --- hand-made records -------------------------------------------------------------------


def test_windows_labels_beats_and_drops(tmp_path):
    folder = write_db(tmp_path / "mitdb")
    w = mitdb_windows(folder)
    assert len(w) == 10 and w.signals.shape == (10, 2, 1000) and w.signals.dtype == np.float32
    assert w.fs == 100.0 and w.source == "mitdb" and w.class_names == WINDOW_CLASSES
    assert w.record_ids.tolist() == ["900"] * 5 + ["901"] * 5
    assert w.start.tolist()[:5] == [0, W, 2 * W, 3 * W, 6 * W]
    assert [_names(r) for r in w.labels[:5]] == [
        ["Normal"], ["PVC", "APB"], ["AF"], ["LBBB"], ["APB", "RBBB", "Paced", "Fusion"]]
    assert w.labels.dtype == np.uint8 and (w.labels.sum(axis=1) >= 1).all()
    np.testing.assert_allclose(w.af_fraction[:5], [0, 0, 0.5, 1799 / 3600, 0])
    assert w.info["windows_total"] == 14 and w.info["windows_kept"] == 10
    assert w.info["dropped_unreadable"] == 2 and w.info["dropped_few_beats"] == 2
    assert w.info["per_record"]["900"] == {"n_windows": 7, "dropped_unreadable": 1, "dropped_few_beats": 1,
                                           "normal_with_unmapped_beats": 0}
    # beat positions at 100 Hz: round((sample - start) * 5 / 18), the last one clipped
    pos, sym = w.beats(0)
    assert pos.tolist() == [2] + [round((180 + 360 * k) * 5 / 18) for k in range(1, 10)]
    assert sym.tolist() == ["N"] * 10
    pos, sym = w.beats(2)
    assert pos[-1] == 999 and len(pos) == 11
    pos, sym = w.beats(4)
    assert "".join(sym.tolist()) == "RRRR/FfJRR"
    assert w.beat_offsets.tolist()[:6] == [0, 10, 20, 31, 41, 51]


def test_signals_are_the_resampled_record_and_peaks_match_beats(tmp_path):
    folder = write_db(tmp_path / "mitdb")
    w = mitdb_windows(folder, records=["900"])
    ref = resample_poly(wfdb.rdrecord(str(folder / "900")).p_signal.T, 5, 18, axis=1, padtype="line")
    for i, start in enumerate(w.start):
        k = start * 5 // 18  # output sample of the window's start
        np.testing.assert_allclose(w.signals[i], ref[:, k:k + 1000], atol=1e-4)
        for p in w.beats(i)[0]:
            if 3 <= p <= 996:  # the bump (lead 0) peaks at the beat's position
                seg = w.signals[i, 0, p - 3:p + 4]
                assert abs(int(np.argmax(seg)) - 3) <= 1
    # 360 Hz kept and 5 s windows: positions are the original offsets
    raw = mitdb_windows(folder, records=["900"], fs_out=None, window_s=5.0)
    assert raw.fs == 360.0 and raw.signals.shape[1:] == (2, 1800)
    np.testing.assert_array_equal(raw.signals[0], wfdb.rdrecord(str(folder / "900")).p_signal.T[:, :1800]
                                  .astype(np.float32))
    assert raw.beats(0)[0].tolist() == [7, 540, 900, 1260, 1620]
    assert raw.info["windows_total"] == 14


def test_lead_names_join_per_channel(tmp_path):
    folder = write_db(tmp_path / "mitdb")
    w = mitdb_windows(folder)
    assert w.lead_names == ("MLII/V5", "V1/MLII")
    assert w.info["record_lead_names"] == {"900": ["MLII", "V1"], "901": ["V5", "MLII"]}


def test_bad_parameters(tmp_path):
    folder = write_db(tmp_path / "mitdb", names=("900",), leads=(("MLII", "V1"),))
    for kwargs in ({"window_s": 0.01}, {"window_s": -1}, {"fs_out": 0}, {"fs_out": 100.0, "window_s": 1 / 360},
                   {"on_error": "ignore"}):
        with pytest.raises(ParameterError):
            mitdb_windows(folder, **kwargs)
    assert mitdb_windows(folder, window_s=0.05).signals.shape[-1] == 5


def test_on_error_raise_and_skip(tmp_path):
    folder = write_db(tmp_path / "mitdb")
    with open(folder / "901.dat", "r+b") as f:
        f.truncate(50)
    with pytest.raises(DataError, match="truncated") as err:
        mitdb_windows(folder)
    assert err.value.path == folder / "901.dat"
    with pytest.warns(SkippedRecordsWarning, match="901.dat") as rec:
        w = mitdb_windows(folder, on_error="skip")
    skipped = [x.message for x in rec if isinstance(x.message, SkippedRecordsWarning)]
    assert [e.path for e in skipped[0].errors] == [folder / "901.dat"]
    assert set(w.record_ids) == {"900"} and len(w) == 5 and w.info["records"] == ["900"]
    assert "901.dat" in w.info["skipped"][0]
    (folder / "900.atr").unlink()
    with pytest.raises(DataError, match="no record could be read"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mitdb_windows(folder, on_error="skip")


def test_save_load_and_subset(tmp_path):
    w = mitdb_windows(write_db(tmp_path / "mitdb"))
    w.save(tmp_path / "w.npz")
    back = BeatWindows.load(tmp_path / "w.npz")
    for name in ("signals", "labels", "record_ids", "start", "beat_offsets", "beat_sample", "beat_symbol",
                 "af_fraction"):
        np.testing.assert_array_equal(getattr(back, name), getattr(w, name))
    assert (back.class_names, back.fs, back.lead_names, back.source, back.info) == (
        w.class_names, w.fs, w.lead_names, w.source, w.info)
    sub = w.subset(np.array([4, 1]))
    assert sub.start.tolist() == [6 * W, W] and len(sub) == 2
    assert sub.beats(0)[1].tolist() == list("RRRR/FfJRR") and sub.beat_offsets.tolist() == [0, 10, 20]
    np.testing.assert_array_equal(sub.signals[1], w.signals[1])
    assert len(w.subset(w.labels[:, WINDOW_CLASSES.index("AF")] == 1)) == 2
    assert len(w.subset(np.zeros(len(w), bool))) == 0


def test_load_mitdb_windows_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    folder = write_db(tmp_path / "data" / "mitdb")
    first = load_mitdb_windows(folder)

    def rebuild(*args, **kwargs):
        raise RuntimeError("rebuilt")

    monkeypatch.setattr(mitdb_cache, "mitdb_windows", rebuild)
    second = load_mitdb_windows(folder, fs_out=100.0, progress=True)  # same key
    np.testing.assert_array_equal(first.signals, second.signals)
    assert second.info == first.info
    with pytest.raises(RuntimeError, match="rebuilt"):
        load_mitdb_windows(folder, window_s=5.0)
    assert len(list((tmp_path / "cache" / "mitdb_windows").glob("*.npz"))) == 1


def test_skipped_windows_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    folder = write_db(tmp_path / "data" / "mitdb")
    (folder / "901.atr").unlink()
    for _ in range(2):
        with pytest.warns(SkippedRecordsWarning, match="901.atr"):
            w = load_mitdb_windows(folder, on_error="skip")
        assert set(w.record_ids) == {"900"}
    assert not list((tmp_path / "cache").glob("mitdb_windows/*.npz"))


# --- synthetic stand-in --------------------------------------------------------------------


def test_synthetic_windows_follow_the_generator():
    w = synthetic_windows(6, seed=3)
    rs = cpsc_like_records(6, seed=3, fs=100.0, duration_s=10.0, multi_label_fraction=0.3, leads=("II", "V1"))
    np.testing.assert_array_equal(w.labels, rs.labels)
    np.testing.assert_array_equal(w.signals, rs.signals)
    assert w.class_names == CPSC_CLASSES and w.source == "synthetic" and w.lead_names == ("II", "V1")
    assert w.signals.shape == (6, 2, 1000) and w.fs == 100.0 and w.start.tolist() == [0] * 6
    np.testing.assert_array_equal(w.af_fraction, rs.labels[:, CPSC_CLASSES.index("AF")])
    for i in range(6):
        pos, sym = w.beats(i)
        fid = rs.fiducials_of(i).sort_values("qrs_peak")
        assert pos.tolist() == fid["qrs_peak"].tolist() and sym.tolist() == fid["beat_type"].tolist()
        assert set(sym.tolist()) <= set("NAVLR")
        labels = set(np.array(CPSC_CLASSES)[w.labels[i] == 1])
        assert ("PVC" in labels) == ("V" in sym) and ("PAC" in labels) == ("A" in sym)


# --- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_windows() -> tuple[Path, BeatWindows]:
    folder = real_dataset("mitdb")
    return folder, mitdb_windows(folder, progress=False)


def _reference(folder: Path, rid: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """From wfdb directly: kept-window flags, per-window AF share and beat symbols, n windows."""
    ann = wfdb.rdann(str(folder / rid), "atr")
    n = wfdb.rdheader(str(folder / rid)).sig_len
    n_win = n // W
    sym = np.asarray(ann.symbol)
    is_beat = np.isin(sym, list(BEAT_SYMBOLS))
    beat_win = ann.sample[is_beat] // W
    af = np.zeros(n, bool)
    changes = [(s, a) for s, x, a in zip(ann.sample, sym, ann.aux_note) if x == "+"]
    for (s, a), nxt in zip(changes, [c[0] for c in changes[1:]] + [n]):
        af[s:nxt] = a.rstrip("\x00") == "(AFIB"
    keep, symbols = [], []
    for k in range(n_win):
        s = sym[is_beat][beat_win == k]
        keep.append(len(s) >= 3 and not ({"Q", "?"} & set(s)))
        symbols.append(set(s.tolist()))
    return np.array(keep), af[: n_win * W].reshape(n_win, W).mean(axis=1), np.array(symbols, object), n_win


@pytest.mark.realdata
def test_real_record_facts(real_windows):
    folder, w = real_windows
    # record 100: 650,000 samples -> 180 windows of 3,600, none dropped, beats as in wfdb
    keep, af, _, n_win = _reference(folder, "100")
    assert n_win == 650000 // 3600 == 180
    m = w.record_ids == "100"
    assert m.sum() == keep.sum() == 180
    ann = wfdb.rdann(str(folder / "100"), "atr")
    beat = np.isin(ann.symbol, list(BEAT_SYMBOLS))
    first = ann.sample[beat][ann.sample[beat] < W]
    assert w.beats(int(np.flatnonzero(m)[0]))[0].tolist() == np.minimum(
        np.floor(first * 5 / 18 + 0.5), 999).astype(int).tolist()
    # 203 / 201: AF windows, af_fraction as computed from the rhythm annotations
    for rid in ("201", "203", "207"):
        keep, af, symbols, _ = _reference(folder, rid)
        m = w.record_ids == rid
        np.testing.assert_allclose(w.af_fraction[m], af[keep])
        assert w.start[m].tolist() == (np.flatnonzero(keep) * W).tolist()
        expect = np.array([[c != "Normal" and c != "AF" and bool(CLASS_SYMBOLS[c] & s) for c in WINDOW_CLASSES]
                           for s in symbols[keep]])
        np.testing.assert_array_equal(w.labels[m][:, 2:], expect[:, 2:])
    af_col = w.labels[:, WINDOW_CLASSES.index("AF")] == 1
    assert af_col[w.record_ids == "203"].sum() > 100 and af_col[w.record_ids == "201"].any()
    labels_207 = w.labels[w.record_ids == "207"].sum(axis=0)
    assert labels_207[WINDOW_CLASSES.index("LBBB")] > 0 and labels_207[WINDOW_CLASSES.index("RBBB")] > 0
    # 207 has ventricular flutter (its ! waves are not beats): windows dropped for few beats
    assert w.info["per_record"]["207"]["dropped_few_beats"] > 0
    # 114 stores V5 first: kept in the record's order
    assert w.info["record_lead_names"]["114"] == wfdb.rdheader(str(folder / "114")).sig_name == ["V5", "MLII"]
    assert w.lead_names[0].split("/")[0] == "MLII" and "V5" in w.lead_names[0].split("/")


@pytest.mark.realdata
def test_real_database_counts(real_windows):
    """The whole database at 10 s / 100 Hz: the counts quoted in the xECGNet chapter."""
    _, w = real_windows
    assert w.signals.shape == (8610, 2, 1000)
    assert {k: w.info[k] for k in ("windows_total", "windows_kept", "dropped_unreadable", "dropped_few_beats")} == {
        "windows_total": 48 * 180, "windows_kept": 8610, "dropped_unreadable": 17, "dropped_few_beats": 13}
    assert dict(zip(WINDOW_CLASSES, w.labels.sum(axis=0).tolist())) == {
        "Normal": 3688, "AF": 794, "PVC": 2376, "APB": 769, "LBBB": 678, "RBBB": 815, "Paced": 708, "Fusion": 307}
    assert int((w.labels.sum(axis=1) >= 2).sum()) == 1448
    assert ((w.labels[:, 0] == 1) == (w.labels[:, 1:].sum(axis=1) == 0)).all()
