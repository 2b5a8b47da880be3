"""xECGNet input preparation: normaliser, padding, crops, blocks, resampling."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import ecgstudy.data.inputs as inputs_module
from ecgstudy.data.inputs import (
    LeadNormaliser,
    blocks,
    fit_lead_normaliser,
    pad_front,
    random_crop,
    resample,
    resample_factors,
)
from ecgstudy.errors import ParameterError


def test_docstring_examples_run():
    result = doctest.testmod(inputs_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- normaliser

# two 2-lead records of different lengths
REC_A = np.array([[1.0, 3.0], [0.0, 4.0]])  # lead means 2, 2; sd (ddof=0) 1, 2
REC_B = np.array([[2.0, 2.0, 8.0, 4.0], [-1.0, -1.0, -1.0, -1.0]])  # means 4, -1; sd sqrt(6), 0


def test_fit_authors_by_hand():
    norm = fit_lead_normaliser([REC_A, REC_B])
    # mean of record means: lead 0 (2 + 4) / 2 = 3; lead 1 (2 - 1) / 2 = 0.5
    # mean of record sds: lead 0 (1 + sqrt(6)) / 2; lead 1 (2 + 0) / 2 = 1
    # (REC_B lead 0: deviations -2, -2, 4, 0 -> variance 24 / 4 = 6)
    assert norm.mean.tolist() == pytest.approx([3.0, 0.5])
    assert norm.sd.tolist() == pytest.approx([(1 + np.sqrt(6)) / 2, 1.0])
    assert norm.mean.dtype == np.float64 and norm.n_leads == 2


def test_fit_pooled_by_hand():
    norm = fit_lead_normaliser([REC_A, REC_B], method="pooled")
    # lead 0 pooled: 1, 3, 2, 2, 8, 4 -> mean 20/6, lead 1: 0, 4, -1 x4 -> mean 0
    lead0 = np.array([1, 3, 2, 2, 8, 4.0])
    lead1 = np.array([0, 4, -1, -1, -1, -1.0])
    assert norm.mean.tolist() == pytest.approx([20 / 6, 0.0])
    assert norm.sd.tolist() == pytest.approx([lead0.std(), lead1.std()])


def test_fit_accepts_3d_array_like_list():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3, 50)) * [[1.0], [2.0], [3.0]] + [[0.0], [1.0], [-1.0]]
    a, b = fit_lead_normaliser(x), fit_lead_normaliser(list(x))
    np.testing.assert_allclose(a.mean, b.mean)
    np.testing.assert_allclose(a.sd, b.sd)
    np.testing.assert_allclose(a.mean, x.mean(axis=2).mean(axis=0))
    np.testing.assert_allclose(a.sd, x.std(axis=2).mean(axis=0))


def test_apply_2d_and_3d_and_zero_sd():
    norm = LeadNormaliser(mean=np.array([1.0, -1.0]), sd=np.array([2.0, 0.0]))
    x = np.array([[1.0, 5.0, -3.0], [-1.0, 0.0, 2.0]])
    out = norm.apply(x)
    assert out.dtype == np.float32
    # lead 0: (x - 1) / 2; lead 1 (sd 0): x + 1, centred only
    assert out.tolist() == [[0.0, 2.0, -2.0], [0.0, 1.0, 3.0]]
    out3 = norm.apply(np.stack([x, 2 * x]))
    assert out3.shape == (2, 2, 3) and out3.dtype == np.float32
    assert out3[0].tolist() == out.tolist()
    assert out3[1].tolist() == [[0.5, 4.5, -3.5], [-1.0, 1.0, 5.0]]
    assert x.tolist() == [[1.0, 5.0, -3.0], [-1.0, 0.0, 2.0]]  # input untouched


def test_fitted_normaliser_standardises_training_records():
    norm = fit_lead_normaliser([REC_A, REC_B])
    out = norm.apply(REC_A)
    expected = (REC_A - norm.mean[:, None]) / norm.sd[:, None]
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_normaliser_errors():
    norm = LeadNormaliser(mean=[0.0, 0.0], sd=[1.0, 1.0])
    with pytest.raises(ParameterError, match="2 leads, got shape \\(3, 10\\)"):
        norm.apply(np.zeros((3, 10)))
    with pytest.raises(ParameterError, match="sd must be >= 0"):
        LeadNormaliser(mean=[0.0], sd=[-1.0])
    with pytest.raises(ParameterError, match="same length"):
        LeadNormaliser(mean=[0.0, 1.0], sd=[1.0])
    with pytest.raises(ParameterError, match="no records"):
        fit_lead_normaliser([])
    with pytest.raises(ParameterError, match="number of leads"):
        fit_lead_normaliser([np.zeros((2, 5)), np.zeros((3, 5))])
    with pytest.raises(ParameterError, match="record 1 must be shaped"):
        fit_lead_normaliser([np.zeros((2, 5)), np.zeros(5)])
    with pytest.raises(ParameterError, match="record 0 has no samples"):
        fit_lead_normaliser([np.zeros((2, 0))])
    with pytest.raises(ParameterError, match="NaN"):
        fit_lead_normaliser([np.array([[1.0, np.nan]])])
    with pytest.raises(ParameterError, match="got an array of shape \\(2, 5\\)"):
        fit_lead_normaliser(np.zeros((2, 5)))
    with pytest.raises(ParameterError, match="method"):
        fit_lead_normaliser([REC_A], method="global")


def test_normaliser_is_frozen():
    norm = LeadNormaliser(mean=[0.0], sd=[1.0])
    with pytest.raises(AttributeError):
        norm.mean = np.array([1.0])
    with pytest.raises(ValueError):
        norm.mean[0] = 5.0


# --------------------------------------------------------------------------- padding and crops

X = np.array([[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]], dtype=np.float32)


def test_pad_front_places_zeros_first():
    out = pad_front(X, 8)
    assert out.shape == (2, 8) and out.dtype == np.float32
    assert out.tolist() == [[0, 0, 0, 1, 2, 3, 4, 5], [0, 0, 0, 10, 20, 30, 40, 50]]
    same = pad_front(X, 5)
    assert same.tolist() == X.tolist() and not np.shares_memory(same, X)


def test_pad_front_3d():
    out = pad_front(np.stack([X, -X]), 6)
    assert out.shape == (2, 2, 6)
    assert out[1, 0].tolist() == [0, -1, -2, -3, -4, -5]


def test_pad_front_too_long_and_crop_modes():
    with pytest.raises(ParameterError, match="record has 5 samples, more than length=3"):
        pad_front(X, 3)
    assert pad_front(X, 3, crop="end").tolist() == [[1, 2, 3], [10, 20, 30]]
    assert pad_front(X, 3, crop="start").tolist() == [[3, 4, 5], [30, 40, 50]]
    # crop only matters for long records
    assert pad_front(X, 7, crop="start").tolist() == pad_front(X, 7).tolist()
    with pytest.raises(ParameterError, match="crop must be"):
        pad_front(X, 3, crop="middle")


@pytest.mark.parametrize("length", [0, -3, 2.5, True, "5"])
def test_bad_lengths(length):
    with pytest.raises(ParameterError, match="length must be a positive integer"):
        pad_front(X, length)
    with pytest.raises(ParameterError, match="length must be a positive integer"):
        blocks(X, length)


def test_random_crop_deterministic_contiguous_window():
    x = np.arange(3 * 100, dtype=np.float32).reshape(3, 100)
    a = random_crop(x, 30, np.random.default_rng(42))
    b = random_crop(x, 30, np.random.default_rng(42))
    assert a.shape == (3, 30) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    start = int(a[0, 0])
    np.testing.assert_array_equal(a, x[:, start:start + 30])
    # same start as one rng.integers draw over 0 .. 70
    assert start == int(np.random.default_rng(42).integers(0, 71))
    starts = {int(random_crop(x, 30, np.random.default_rng(s))[0, 0]) for s in range(50)}
    assert len(starts) > 10 and min(starts) >= 0 and max(starts) <= 70


def test_random_crop_short_record_is_front_padded_without_drawing():
    rng = np.random.default_rng(0)
    out = random_crop(X, 7, rng)
    assert out.tolist() == pad_front(X, 7).tolist()
    assert random_crop(X, 5, rng).tolist() == X.tolist()
    assert rng.integers(0, 1000) == np.random.default_rng(0).integers(0, 1000)  # nothing drawn


def test_random_crop_errors():
    with pytest.raises(ParameterError, match="Generator"):
        random_crop(X, 3, 0)
    with pytest.raises(ParameterError, match="one record shaped \\(leads, samples\\)"):
        random_crop(np.stack([X, X]), 3, np.random.default_rng(0))


def test_blocks_count_and_content():
    x = np.arange(2 * 10).reshape(2, 10)
    b = blocks(x, 3)
    assert b.shape == (3, 2, 3)  # 10 // 3 = 3, last sample dropped
    for k in range(3):
        np.testing.assert_array_equal(b[k], x[:, 3 * k:3 * k + 3])
    assert blocks(x, 5).shape == (2, 2, 5)
    assert blocks(x, 10).shape == (1, 2, 10)
    short = blocks(x, 12)
    assert short.shape == (1, 2, 12)
    np.testing.assert_array_equal(short[0], pad_front(x, 12))
    with pytest.raises(ParameterError, match="one record"):
        blocks(x[None], 3)


# --------------------------------------------------------------------------- resampling


def test_resample_factors():
    assert resample_factors(360, 100) == (5, 18)
    assert resample_factors(100, 500) == (5, 1)
    assert resample_factors(500.0, 257) == (257, 500)
    assert resample_factors(62.5, 125) == (2, 1)


def test_resample_sine_360_to_100():
    fs_in, fs_out, f = 360, 100, 5.0
    t_in = np.arange(10 * fs_in) / fs_in
    x = np.stack([np.sin(2 * np.pi * f * t_in), 0.5 * np.cos(2 * np.pi * f * t_in)])
    y = resample(x, fs_in, fs_out)
    assert y.dtype == np.float32
    assert y.shape == (2, 1000)
    t_out = np.arange(y.shape[-1]) / fs_out
    inner = slice(50, -50)  # away from the zero-padded edges
    np.testing.assert_allclose(y[0, inner], np.sin(2 * np.pi * f * t_out)[inner], atol=1e-2)
    np.testing.assert_allclose(y[1, inner], 0.5 * np.cos(2 * np.pi * f * t_out)[inner], atol=1e-2)
    assert np.abs(y[0, inner]).max() == pytest.approx(1.0, abs=1e-2)


def test_resample_100_to_500_length_and_3d():
    x = np.random.default_rng(0).normal(size=(4, 2, 123))
    y = resample(x, 100, 500)
    assert y.shape == (4, 2, 615) and y.dtype == np.float32


@pytest.mark.parametrize("n", [1, 7, 10, 11, 36, 100, 3601])
def test_resample_length_is_rounded(n):
    # resample_poly returns ceil(n * 5 / 18); the result is cut to round(n * 5 / 18)
    assert resample(np.ones(n), 360, 100).shape == (int(np.floor(n * 5 / 18 + 0.5)),)


def test_resample_same_rate_is_float32_copy():
    x = np.arange(5.0)
    y = resample(x, 250, 250.0)
    assert y.dtype == np.float32 and y.tolist() == x.tolist()


@pytest.mark.parametrize(
    ("fs_in", "fs_out", "match"),
    [
        (0, 100, "fs_in must be a positive finite rate"),
        (360, -100, "fs_out must be a positive finite rate"),
        (float("nan"), 100, "fs_in must be a positive finite rate"),
        (360, float("inf"), "fs_out must be a positive finite rate"),
        (1009, 1013, "reduces to 1013 / 1009"),
        ("fast", 100, "fs_in must be a number"),
    ],
)
def test_resample_errors(fs_in, fs_out, match):
    with pytest.raises(ParameterError, match=match):
        resample(np.ones(10), fs_in, fs_out)
