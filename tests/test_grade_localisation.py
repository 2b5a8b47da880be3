"""Beat masks, the grade rule and localisation scores on hand-made segments (exact values),
synthetic MIT-BIH-like segments and, when present, the real ICLR segments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ecgstudy.data.mitdb_cache import load_iclr_segments
from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.explain import (
    beat_extents,
    beat_masks,
    beat_scores,
    grade_ratio,
    grade_segments,
    localisation_scores,
    region_mask,
    segment_masks,
)
from ecgstudy.synthetic import mitbih_like_segments
from ecgstudy.testing import real_dataset

SAMPLES, PAD, LENGTH, FS = 1400, 50, 1300, 100.0
R = np.array([150, 450, 750, 1050])
SYMBOLS = ["N", "N", "V", "N"]
# RR = 300, so each boundary lies 200 samples before the later beat's R peak:
CELLS = [(50, 250), (250, 550), (550, 850), (850, 1350)]
PVC = CELLS[2]


def make_segments(beat_lists, sigma: float = 3.0) -> BeatSegments:
    """Segments of SAMPLES samples, unpadded [PAD, PAD+LENGTH), a Gaussian bump (2 leads) per R peak."""
    t = np.arange(SAMPLES)
    n = len(beat_lists)
    signals = np.zeros((n, 2, SAMPLES), np.float32)
    for i, (peaks, _) in enumerate(beat_lists):
        bumps = sum(np.exp(-0.5 * ((t - r) / sigma) ** 2) for r in peaks)
        signals[i, 0] = bumps
        signals[i, 1] = -0.5 * bumps
    counts = [len(p) for p, _ in beat_lists]
    return BeatSegments(
        signals=signals, labels=np.array(["NV"] * n), record_ids=np.array([f"r{i}" for i in range(n)]),
        start=np.zeros(n, np.int64), pad_left=np.full(n, PAD, np.int64), length=np.full(n, LENGTH, np.int64),
        beat_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        beat_sample=np.concatenate([p for p, _ in beat_lists]).astype(np.int64),
        beat_symbol=np.concatenate([s for _, s in beat_lists]).astype(str),
        fs=FS, lead_names=("MLII", "V1"), source="synthetic",
    )


@pytest.fixture
def seg() -> BeatSegments:
    return make_segments([(R, SYMBOLS)])


def cell_attention(values, padding: float = 0.0) -> np.ndarray:
    """(1, SAMPLES) attention constant over each beat's RR cell, ``padding`` outside the region."""
    a = np.full((1, SAMPLES), padding)
    for (lo, hi), v in zip(CELLS, values):
        a[0, lo:hi] = v
    return a


# ------------------------------------------------------------------ beat masks

def test_rr_cells_tile_the_unpadded_region(seg):
    start, stop, symbols = beat_extents(seg, 0)
    assert list(zip(start.tolist(), stop.tolist())) == CELLS and symbols.tolist() == SYMBOLS
    abn, nor = beat_masks(seg, 0)
    assert np.flatnonzero(abn).tolist() == list(range(*PVC))
    assert nor.sum() == 1300 - 300 and not (abn & nor).any()
    assert np.array_equal(abn | nor, region_mask(seg, 0))


def test_window_extents_are_clipped_to_the_cell_and_region(seg):
    start, stop, _ = beat_extents(seg, 0, window_s=(0.25, 0.4))
    assert list(zip(start.tolist(), stop.tolist())) == [(125, 190), (425, 490), (725, 790), (1025, 1090)]
    wide, _ = beat_masks(seg, 0, window_s=(2.5, 2.5))  # wider than the cell: clipped to it
    assert np.flatnonzero(wide).tolist() == list(range(*PVC))
    edge = make_segments([(np.array([60, 450]), ["V", "N"])])
    s, e, _ = beat_extents(edge, 0, window_s=(0.25, 0.4))
    assert (s[0], e[0]) == (50, 100)  # never reaches into the padding
    with pytest.raises(ParameterError):
        beat_extents(seg, 0, window_s=(0.25, 0.0))


def test_masks_tile_synthetic_segments_and_hold_their_r_peaks():
    s = mitbih_like_segments(12, seed=0)
    abn, nor = segment_masks(s)
    regions = np.stack([region_mask(s, i) for i in range(len(s))])
    assert np.array_equal(abn | nor, regions) and not (abn & nor).any()
    for i in range(len(s)):
        peaks, symbols = s.beats(i)
        assert all((abn if sym in "AV" else nor)[i, p] for p, sym in zip(peaks, symbols))
        runs = np.diff(np.concatenate([[0], abn[i].astype(int), [0]]))
        n_abn = sum(sym in "AV" for sym in symbols)
        assert 1 <= (runs == 1).sum() <= n_abn  # one run per ectopic beat (adjacent ones merge)


# ------------------------------------------------------------------ grade rule

@pytest.mark.parametrize("score", ["energy", "mean"])
@pytest.mark.parametrize("values, grade", [
    ([0, 0, 1, 0], "I"),          # PVC kept, every normal beat suppressed
    ([0, 0.6, 1, 0], "II"),       # one normal beat remains; 1 - 0.2 >= margin 0.3
    ([1, 1, 1, 1], "III"),        # uniform: no difference
    ([1, 1, 0, 1], "III"),        # PVC suppressed
    ([0, 0, 0, 0], "III"),        # no attention at all
    ([0.09, 0.05, 0.5, 0.0], "I"),  # only relative values matter: 0.18, 0.1, 1, 0
    ([0.8, 0.8, 1, 0.8], "III"),  # normal beats kept at 0.8: difference 0.2 < 0.3
])
def test_grades_of_hand_made_attention(seg, score, values, grade):
    assert grade_segments(cell_attention(values), seg, score=score).tolist() == [grade]


def test_beat_scores_are_normalised_per_segment(seg):
    table = beat_scores(cell_attention([0, 0.3, 0.5, 0.1]), seg)
    assert table["kind"].tolist() == ["normal", "normal", "abnormal", "normal"]
    assert table["raw"].to_numpy() == pytest.approx([0, 0.3, 0.5, 0.1])
    assert table["score"].to_numpy() == pytest.approx([0, 0.6, 1.0, 0.2])
    assert grade_segments(cell_attention([0, 0.3, 0.5, 0.1]), seg).tolist() == ["II"]


def test_thresholds_are_parameters(seg):
    a = cell_attention([0, 0.6, 1, 0])
    assert grade_segments(a, seg, keep=0.8, suppress=0.7).tolist() == ["I"]
    assert grade_segments(a, seg, margin=0.9).tolist() == ["III"]  # 1 - mean(0, 0.6, 0) = 0.8 < 0.9
    assert grade_segments(a, seg, keep=1.0).tolist() == ["II"]
    with pytest.raises(ParameterError):
        grade_segments(a, seg, keep=0.1, suppress=0.2)


def test_energy_score_weighs_attention_by_the_signal(seg):
    """Attention only on the QRS of a normal beat: invisible to the mean, kept by energy."""
    a = cell_attention([0, 0, 1, 0])
    a[0, 440:461] = 1.0
    w = np.exp(-(((np.arange(250, 550) - 450) / 3.0) ** 2))  # bump², both leads alike
    g = math.sqrt(w[440 - 250:461 - 250].sum() / w.sum())
    table = beat_scores(a, seg)
    assert table["score"][1] == pytest.approx(g, rel=1e-6) and g > 0.99
    assert beat_scores(a, seg, score="mean")["score"][1] == pytest.approx(21 / 300)
    assert grade_segments(a, seg, score="energy").tolist() == ["II"]
    assert grade_segments(a, seg, score="mean").tolist() == ["I"]


def test_padding_is_ignored_and_shapes_accepted(seg):
    a = cell_attention([0, 0, 1, 0], padding=50.0)
    assert grade_segments(a[:, None, :], seg).tolist() == ["I"]
    with pytest.raises(ParameterError):
        grade_segments(a[:, :100], seg)
    with pytest.raises(ParameterError):
        grade_segments(np.full((1, SAMPLES), np.nan), seg)


def test_segments_without_abnormal_beats_are_not_graded():
    two = make_segments([(R, SYMBOLS), (R, ["N"] * 4)])
    a = np.vstack([cell_attention([0, 0, 1, 0]), cell_attention([0, 0, 1, 0])])
    grades = grade_segments(a, two)
    assert grades.tolist() == ["I", "NA"]
    assert grade_ratio(grades) == {"counts": {"I": 1, "II": 0, "III": 0},
                                   "fractions": {"I": 1.0, "II": 0.0, "III": 0.0}, "n": 1, "ungraded": 1}


def test_grade_ratio_counts():
    r = grade_ratio(["I"] * 50 + ["II"] * 27 + ["III"] * 23)  # the paper's 50 : 27 : 23
    assert r["counts"] == {"I": 50, "II": 27, "III": 23} and r["fractions"]["II"] == pytest.approx(0.27)
    assert math.isnan(grade_ratio([])["fractions"]["I"])
    with pytest.raises(ParameterError):
        grade_ratio(["IV"])


# ------------------------------------------------------------------ localisation

def test_localisation_exact_values(seg):
    df = localisation_scores(cell_attention([0, 0, 1, 0], padding=9.0), seg)
    row = df.iloc[0]
    assert row["baseline"] == pytest.approx(300 / 1300)
    assert (row["mass_abnormal"], row["mass_normal"], row["auroc"], row["pointing"]) == (1.0, 0.0, 1.0, 1.0)
    assert row["ratio"] == pytest.approx(13 / 3)
    assert row["n_abnormal"] == 1 and row["record_id"] == "r0" and row["label"] == "NV"

    row = localisation_scores(cell_attention([0, 0.5, 1, 0]), seg).iloc[0]
    assert row["mass_abnormal"] == pytest.approx(300 / 450) and row["mass_normal"] == pytest.approx(150 / 450)
    assert row["ratio"] == pytest.approx((2 / 3) / (3 / 13)) and row["auroc"] == 1.0

    row = localisation_scores(cell_attention([1, 1, 1, 1]), seg).iloc[0]
    assert row["mass_abnormal"] == pytest.approx(row["baseline"]) and row["ratio"] == pytest.approx(1.0)
    assert row["auroc"] == 0.5 and row["pointing"] == pytest.approx(300 / 1300)

    row = localisation_scores(cell_attention([0, 2, 1, 0]), seg).iloc[0]
    assert row["pointing"] == 0.0 and row["auroc"] == pytest.approx(700 / 1000)  # PVC samples beat only the zeros


def test_localisation_auroc_and_mass_match_direct_computation(seg):
    rng = np.random.default_rng(0)
    a = rng.random((1, SAMPLES)) + cell_attention([0, 0, 0.3, 0])
    abn, _ = beat_masks(seg, 0)
    u = slice(PAD, PAD + LENGTH)
    row = localisation_scores(a, seg).iloc[0]
    assert row["auroc"] == pytest.approx(roc_auc_score(abn[u], a[0, u]))
    assert row["mass_abnormal"] == pytest.approx(a[0, u][abn[u]].sum() / a[0, u].sum())
    assert row["pointing"] == float(abn[PAD + np.argmax(a[0, u])])


def test_localisation_rejects_negative_attention(seg):
    with pytest.raises(ParameterError, match="non-negative"):
        localisation_scores(cell_attention([0, -1, 1, 0]), seg)
    zero = localisation_scores(np.zeros((1, SAMPLES)), seg).iloc[0]
    assert math.isnan(zero["mass_abnormal"]) and zero["auroc"] == 0.5


@pytest.mark.realdata
def test_real_segments_masks_tile_and_oracle_attention_scores_perfectly():
    s = load_iclr_segments(real_dataset("mitdb"))
    abn, nor = segment_masks(s)
    regions = np.stack([region_mask(s, i) for i in range(len(s))])
    assert np.array_equal(abn | nor, regions) and not (abn & nor).any()
    assert all((abn if sym in "AV" else nor)[i, p] for i in range(len(s)) for p, sym in zip(*s.beats(i)))
    sub = s.subset(np.arange(0, len(s), 25))
    oracle, _ = segment_masks(sub)
    assert (grade_segments(oracle.astype(float), sub) == "I").all()
    df = localisation_scores(oracle.astype(float), sub)
    assert (df["auroc"] == 1).all() and (df["mass_abnormal"] == 1).all() and (df["pointing"] == 1).all()
