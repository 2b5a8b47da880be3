"""Wave blocking: one interval replaced by a straight line, everything else bit-identical."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecgstudy.data.median_beats import MedianBeats
from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.errors import ParameterError
from ecgstudy.explain.wave_blocking import block_wave, block_waves


@pytest.fixture
def signal() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(3, 100)).astype(np.float32)


def test_only_the_interval_changes(signal) -> None:
    original = signal.copy()
    out = block_wave(signal, 20, 40)
    assert out.dtype == signal.dtype and out.shape == signal.shape
    np.testing.assert_array_equal(signal, original)  # input untouched
    outside = np.ones(100, bool)
    outside[20:41] = False
    assert np.array_equal(out[:, outside], signal[:, outside])  # bit-identical
    assert not np.array_equal(out[:, 20:41], signal[:, 20:41])


def test_straight_line_continuous_at_the_ends(signal) -> None:
    out = block_wave(signal, 20, 40).astype(np.float64)
    a, b = signal[:, 19].astype(np.float64), signal[:, 41].astype(np.float64)
    # the line through (19, a) and (41, b), evaluated on 20..40
    expected = a[:, None] + (b - a)[:, None] * (np.arange(20, 41) - 19) / 22.0
    np.testing.assert_allclose(out[:, 20:41], expected, atol=1e-6)
    np.testing.assert_allclose(np.diff(out[:, 19:42], n=2, axis=1), 0.0, atol=1e-5)  # straight
    step = np.abs(b - a) / 22.0
    assert np.all(np.abs(out[:, 20] - a) <= step + 1e-6)   # continuous: one line step
    assert np.all(np.abs(b - out[:, 40]) <= step + 1e-6)


def test_edges_single_sample_and_bad_bounds(signal) -> None:
    x = signal[0]
    start = block_wave(x, 0, 9)
    np.testing.assert_array_equal(start[:10], np.full(10, x[10]))
    end = block_wave(x, 90, 99)
    np.testing.assert_array_equal(end[90:], np.full(10, x[89]))
    one = block_wave(x, 50, 50)
    assert one[50] == pytest.approx((x[49] + x[51]) / 2) and np.array_equal(np.delete(one, 50), np.delete(x, 50))
    np.testing.assert_array_equal(block_wave(x, 0, 99), np.zeros(100, np.float32))
    for on, off in ((-1, 5), (10, 5), (5, 100), (2.5, 6)):
        with pytest.raises(ParameterError):
            block_wave(x, on, off)
    with pytest.raises(ParameterError):
        block_wave(np.zeros((2, 2, 10)), 1, 2)


def _beats() -> MedianBeats:
    rng = np.random.default_rng(1)
    signals = rng.normal(size=(3, 2, 60)).astype(np.float32)
    fid = pd.DataFrame([[5, 8, 10, 15, 20, 25, 35, 40, 45],
                        [-1, -1, -1, 14, 20, 26, 36, 41, 46],
                        [6, 9, 12, 16, 20, 24, -1, -1, -1]],
                       columns=list(FIDUCIAL_COLUMNS), index=pd.Index(["a", "b", "c"], name="record_id"))
    return MedianBeats(signals=signals, record_ids=np.array(["a", "b", "c"]), lead_names=("I", "II"),
                       n_beats=np.array([5, 5, 5]), meta=pd.DataFrame(index=range(3)), r_index=20, fiducials=fid)


def test_block_waves_uses_global_bounds_and_skips_absent() -> None:
    mb = _beats()
    out, blocked = block_waves(mb, mb.fiducials, "p")
    assert blocked.tolist() == [True, False, True] and int((~blocked).sum()) == 1
    np.testing.assert_array_equal(out[0], block_wave(mb.signals[0], 5, 10))
    np.testing.assert_array_equal(out[1], mb.signals[1])  # no P: unchanged
    np.testing.assert_array_equal(out[2], block_wave(mb.signals[2], 6, 12))
    out_t, blocked_t = block_waves(mb, wave="t")  # default: the beats' own fiducials
    assert blocked_t.tolist() == [True, True, False]
    np.testing.assert_array_equal(out_t[1], block_wave(mb.signals[1], 36, 46))
    # fiducials matched by record id, whatever their order
    shuffled = mb.fiducials.iloc[[2, 0, 1]]
    out_q, _ = block_waves(mb, shuffled, "qrs")
    np.testing.assert_array_equal(out_q[1], block_wave(mb.signals[1], 14, 26))
    # a plain array with fiducials in the same order
    out_arr, blocked_arr = block_waves(mb.signals, mb.fiducials.reset_index(drop=True), "qrs")
    assert blocked_arr.all() and np.array_equal(out_arr, out_q)
    with pytest.raises(ParameterError, match="wave must be"):
        block_waves(mb, mb.fiducials, "st")
    with pytest.raises(ParameterError, match="rows"):
        block_waves(mb.signals, mb.fiducials.iloc[:2], "p")
