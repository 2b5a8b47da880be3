"""Coverage of each abnormal beat type by a map, on hand-made windows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecgstudy.errors import ParameterError
from ecgstudy.explain.type_coverage import class_masks, coverage_scores, coverage_summary

# One window of 1,000 samples at 100 Hz, R peaks at 100, 400, 700 (N, V, A):
# RR cells [0, 200), [200, 500), [500, 1000).
PEAKS = np.array([100, 400, 700])
SYMBOLS = np.array(["N", "V", "A"])
CLASSES = ("Normal", "PVC", "APB", "LBBB")


def beats(i):
    return PEAKS, SYMBOLS


def test_masks_are_the_rr_cells_of_each_class():
    m = class_masks(PEAKS, SYMBOLS, 1000, fs=100, classes=["PVC", "APB"])
    assert np.flatnonzero(m["PVC"]).tolist() == list(range(200, 500))
    assert np.flatnonzero(m["APB"]).tolist() == list(range(500, 1000))
    with pytest.raises(ParameterError, match="beat-local"):
        class_masks(PEAKS, SYMBOLS, 1000, fs=100, classes=["LBBB"])


def test_a_map_on_the_pvc_beat_covers_pvc_and_not_apb():
    att = np.zeros((1, 1000))
    att[0, 250:350] = 1.0  # all mass inside the PVC cell
    labels = np.array([[0, 1, 1, 0]])
    s = coverage_scores(att, labels, CLASSES, beats, fs=100).set_index("class")
    assert s.loc["PVC", "mass"] == 1.0 and math.isclose(s.loc["PVC", "share"], 0.3)
    assert math.isclose(s.loc["PVC", "ratio"], 1 / 0.3) and s.loc["PVC", "covered"]
    assert s.loc["APB", "mass"] == 0.0 and not s.loc["APB", "covered"]
    summary = coverage_summary(s.reset_index())
    assert summary["n_multi"] == 1 and summary["multi_fully_covered"] == 0.0
    assert summary["per_class"]["PVC"]["covered"] == 1.0


def test_uniform_map_has_ratio_one_and_covers_nothing():
    s = coverage_scores(np.ones((1, 1000)), np.array([[0, 1, 1, 0]]), CLASSES, beats, fs=100)
    assert np.allclose(s["ratio"], 1.0) and not s["covered"].any()


def test_per_class_maps_score_each_class_on_its_own_map():
    maps = np.zeros((1, 4, 1000))
    maps[0, 1, 200:500] = 1.0  # the PVC map on the PVC beat
    maps[0, 2, 0:200] = 1.0  # the APB map on the normal beat
    s = coverage_scores(maps, np.array([[0, 1, 1, 0]]), CLASSES, beats, fs=100).set_index("class")
    assert math.isclose(s.loc["PVC", "ratio"], 1 / 0.3) and s.loc["APB", "ratio"] == 0.0


def test_classes_absent_from_labels_or_beats_and_conduction_classes_are_skipped():
    labels = np.array([[1, 0, 0, 1]])  # Normal + LBBB: nothing beat-local
    assert coverage_scores(np.ones((1, 1000)), labels, CLASSES, beats, fs=100).empty
    labels = np.array([[0, 1, 0, 0]])
    s = coverage_scores(np.ones((1, 1000)), labels, CLASSES, lambda i: (PEAKS, np.array(["N", "N", "N"])), fs=100)
    assert s.empty  # labelled PVC but no V beat in the window: not scored


def test_bad_maps_are_refused():
    with pytest.raises(ParameterError, match="non-negative"):
        coverage_scores(-np.ones((1, 1000)), np.array([[0, 1, 0, 0]]), CLASSES, beats, fs=100)
    with pytest.raises(ParameterError, match="labels"):
        coverage_scores(np.ones((2, 1000)), np.array([[0, 1, 0, 0]]), CLASSES, beats, fs=100)
