"""Attribution metrics (ecgstudy.metrics.attribution) on hand-made maps, masks and models with known
values, against scikit-learn / scipy, and against Quantus' same-named metrics where Quantus is
installed (it is not a dependency of the package: those tests skip without it)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from ecgstudy.errors import ParameterError
from ecgstudy.explain.localisation import localise
from ecgstudy.explain.wave_blocking import block_wave
from ecgstudy.metrics.attribution import (
    auroc,
    deletion_curves,
    impute,
    insertion_curves,
    localisation_scores,
    mass_ratio,
    mass_share,
    pointing_game,
    rank_accuracy,
    removal_curves,
)

N = 20
REGION = np.zeros(N, bool)
REGION[5:10] = True  # 5 of 20 samples: share 0.25


# ---------------------------------------------------------------- localisation


def test_a_map_all_inside_the_region_scores_the_maximum():
    a = np.where(REGION, 1.0, 0.0)[None]
    s = localisation_scores(a, REGION[None])
    assert s["mass_share"][0] == 1.0
    assert s["mass_ratio"][0] == 4.0  # 1 / region share
    assert s["auroc"][0] == 1.0
    assert s["pointing_game"][0] == 1.0
    assert s["rank_accuracy"][0] == 1.0


def test_a_map_all_outside_the_region_scores_zero():
    a = np.where(REGION, 0.0, 1.0)[None]
    s = localisation_scores(a, REGION[None])
    assert [float(s[k][0]) for k in ("mass_share", "mass_ratio", "auroc", "pointing_game", "rank_accuracy")] == [0.0] * 5


def test_a_flat_map_scores_the_chance_level():
    s = localisation_scores(np.full((1, N), 0.3), REGION[None])
    assert s["mass_share"][0] == pytest.approx(0.25, abs=1e-15)
    assert s["mass_ratio"][0] == pytest.approx(1.0, abs=1e-15)
    assert s["auroc"][0] == 0.5
    assert s["pointing_game"][0] == 0.25
    assert s["rank_accuracy"][0] == 0.25


def test_leads_count_together_and_per_lead_by_reshaping():
    a = np.zeros((1, 2, N))
    m = np.zeros((1, 2, N), bool)
    a[0, 0, 6], m[0, 0, 5:10] = 2.0, True  # lead 0: a hit
    a[0, 1, 0], m[0, 1, 10:15] = 1.0, True  # lead 1: its mass lies outside its region
    assert mass_share(a, m)[0] == pytest.approx(2 / 3)
    assert pointing_game(a, m)[0] == 1.0  # the record's maximum is lead 0's
    assert pointing_game(a.reshape(2, N), m.reshape(2, N)).tolist() == [1.0, 0.0]
    assert mass_ratio(a.reshape(2, N), m.reshape(2, N)).tolist() == [4.0, 0.0]


def test_negative_values_count_for_ranks_but_not_for_mass():
    a = np.array([[3.0, -5.0, 1.0, 0.0]])
    m = np.array([[True, True, False, False]])
    assert mass_share(a, m)[0] == 0.75  # 3 of the positive mass 4
    assert auroc(a, m)[0] == 0.5  # ranks: 3 > 1 > 0 > -5
    assert rank_accuracy(a, m)[0] == 0.5


def test_auroc_equals_scikit_learn_with_ties_and_leads():
    rng = np.random.default_rng(3)
    a = np.round(rng.normal(size=(6, 3, 40)), 1)  # rounded: many ties
    m = rng.random((6, 3, 40)) < 0.3
    expected = [roc_auc_score(m[i].ravel(), a[i].ravel()) for i in range(6)]
    np.testing.assert_allclose(auroc(a, m), expected, rtol=0, atol=1e-12)


def test_the_scores_agree_with_explain_localise_on_non_negative_maps():
    rng = np.random.default_rng(4)
    a = np.round(rng.random((5, 30)), 1)
    m = rng.random((5, 30)) < 0.4
    for i in range(5):
        ref = localise(a[i], m[i])
        assert mass_share(a[i:i + 1], m[i:i + 1])[0] == pytest.approx(ref["mass_abnormal"], abs=1e-15)
        assert mass_ratio(a[i:i + 1], m[i:i + 1])[0] == pytest.approx(ref["ratio"], abs=1e-15)
        assert auroc(a[i:i + 1], m[i:i + 1])[0] == pytest.approx(ref["auroc"], abs=1e-12)
        assert pointing_game(a[i:i + 1], m[i:i + 1])[0] == ref["pointing"]


def test_pointing_game_tolerance_in_samples():
    a = np.zeros((1, N))
    a[0, 12] = 1.0  # 3 samples after the region's last sample (9)
    assert [float(pointing_game(a, REGION[None], tolerance=t)[0]) for t in (0, 2, 3)] == [0.0, 0.0, 1.0]
    with pytest.raises(ParameterError, match="tolerance"):
        pointing_game(a, REGION[None], tolerance=1.5)


def test_tolerance_does_not_cross_leads():
    a = np.zeros((1, 2, 4))
    m = np.zeros((1, 2, 4), bool)
    a[0, 1, 0], m[0, 0, 3] = 1.0, True  # flattened, lead 0's last sample sits next to lead 1's first
    assert pointing_game(a, m, tolerance=1)[0] == 0.0


def test_rank_accuracy_equals_the_top_k_count_without_ties_and_the_expectation_with_ties():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(8, 25))
    m = rng.random((8, 25)) < 0.3
    k = m.sum(axis=1)
    expected = [m[i, np.argsort(-a[i])[:k[i]]].mean() for i in range(8)]
    np.testing.assert_allclose(rank_accuracy(a, m), expected, rtol=0, atol=1e-15)
    # ties: region {0, 1}; the top value is inside, the second place goes to one of 3 tied samples (1 inside)
    a, m = np.array([[5.0, 1.0, 1.0, 1.0]]), np.array([[True, True, False, False]])
    by_enumeration = np.mean([(1 + (p[0] == 1)) / 2 for p in itertools.permutations([1, 2, 3])])
    assert rank_accuracy(a, m)[0] == pytest.approx(by_enumeration, abs=1e-15) == pytest.approx(2 / 3)


def test_an_empty_region_scores_nan_and_a_full_one_has_no_auroc():
    a = np.arange(8.0).reshape(2, 4)
    m = np.array([[False] * 4, [True] * 4])
    s = localisation_scores(a, m)
    assert all(math.isnan(s[k][0]) for k in s)
    assert math.isnan(s["auroc"][1]) and s["pointing_game"][1] == 1.0 and s["mass_ratio"][1] == 1.0


def test_localisation_takes_tensors_and_refuses_bad_shapes():
    a = torch.tensor([[0.0, 1.0, 0.0]], requires_grad=True)
    assert auroc(a * 1, torch.tensor([[False, True, False]]))[0] == 1.0
    with pytest.raises(ParameterError, match="differ in shape"):
        auroc(np.zeros((1, 3)), np.zeros((1, 4), bool))
    with pytest.raises(ParameterError, match="batch"):
        auroc(np.zeros(3), np.zeros(3, bool))
    with pytest.raises(ParameterError, match="bool"):
        auroc(np.zeros((1, 3)), np.full((1, 3), 0.5))


# ---------------------------------------------------------------- faithfulness


def test_linear_imputation_on_one_interval_is_wave_blocking():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 50))  # (batch, leads, samples)
    for on, off in [(10, 20), (0, 7), (40, 49)]:
        removed = np.zeros(x.shape, bool)
        removed[..., on:off + 1] = True
        expected = np.stack([block_wave(x[i], on, off) for i in range(2)])
        y = impute(x, removed)
        np.testing.assert_array_equal(y[~removed], x[~removed])  # kept samples bit-identical
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-15)  # the same line up to rounding


def test_imputation_bridges_every_run_and_fills_a_lead_with_nothing_kept():
    x = np.array([[0.0, 9.0, 2.0, 9.0, 9.0, 8.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
    removed = np.array([[False, True, False, True, True, False], [True] * 6])
    assert impute(x, removed, fill=-1.0).tolist() == [[0.0, 1.0, 2.0, 4.0, 6.0, 8.0], [-1.0] * 6]


def test_noisy_imputation_adds_seeded_noise_to_the_removed_samples_only():
    x = np.zeros((4, 2000))
    removed = np.zeros(x.shape, bool)
    removed[:, 100:1100] = True
    y = impute(x, removed, replacement="noisy_linear", noise_sd=0.05, seed=1)
    assert (y[~removed] == 0).all()
    assert y[removed].std() == pytest.approx(0.05, rel=0.02)
    np.testing.assert_array_equal(y, impute(x, removed, replacement="noisy_linear", noise_sd=0.05, seed=1))
    assert not np.array_equal(y, impute(x, removed, replacement="noisy_linear", noise_sd=0.05, seed=2))
    with pytest.raises(ParameterError, match="replacement"):
        impute(x, removed, replacement="zeros")


W = np.array([0.0, 4.0, 0.0, 2.0, 0.0, 1.0, 0.0, 3.0])  # a linear model on isolated spikes of 1 mV
X = np.array([[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]])  # removing a spike interpolates it to 0


def linear(x):
    return x @ W


def test_deletion_in_the_true_relevance_order_drops_fastest():
    true_map = W * X  # input x gradient of a linear model: each spike's contribution
    c = deletion_curves(linear, X, true_map, step=0.125, n_random=3, seed=0)
    assert c.fractions.tolist() == [k / 8 for k in range(9)]
    assert c.relevance[0].tolist() == [10.0, 6.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert c.auc_relevance[0] == pytest.approx((10 + 6 + 3 + 1) / 8 - 10 / 16)  # trapezoid
    # every other order is slower: the true order minimises the area (all 8! orders of the 4 spikes)
    orders = itertools.islice(itertools.permutations(range(8)), 0, None, 401)  # 101 of the 8! orders
    aucs = [deletion_curves(linear, X, np.array([p], float), step=0.125).auc_relevance[0] for p in orders]
    assert min(aucs) >= c.auc_relevance[0]
    assert c.gap[0] > 0
    assert deletion_curves(linear, X, -true_map, step=0.125, n_random=3).gap[0] < 0


def test_insertion_curves_by_hand():
    # the true order: nothing kept is the constant fill (0 mV); one kept spike is extrapolated flat
    # to every sample (all spikes back at 1 mV), so the score jumps to 10 at the first step
    c = insertion_curves(linear, X, W * X, step=0.125, n_random=3, seed=0)
    assert c.relevance[0].tolist() == [0.0] + [10.0] * 8
    assert c.auc_relevance[0] == pytest.approx(10 - 10 / 16)
    # the reverse order puts the four zeros back first (spikes interpolate to 0), then the spikes by weight
    r = insertion_curves(linear, X, -W * X, step=0.125, n_random=3, seed=0)
    assert r.relevance[0].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 6.0, 10.0]
    assert r.auc_relevance[0] == pytest.approx((1 + 3 + 6) / 8 + 10 / 16)
    assert c.gap[0] > 0 > r.gap[0]
    assert c.random[0, 0] == 0.0 and c.random[0, -1] == 10.0
    np.testing.assert_array_equal(c.random, r.random)  # the same seed: the same random orders


def test_a_time_map_removes_a_sample_from_every_lead():
    x = np.zeros((1, 3, 8))
    x[0, :, 3] = 1.0  # one spike in every lead
    seen = []

    def f(z):
        seen.append(z[0, :, 3].copy())
        return z.sum(axis=(1, 2))

    time_map = np.zeros((1, 8))
    time_map[0, 3] = 1.0
    c = deletion_curves(f, x, time_map, step=0.125)
    assert c.relevance[0, :2].tolist() == [3.0, 0.0]
    assert seen[1].tolist() == [0.0, 0.0, 0.0]
    c1 = deletion_curves(f, x, time_map[:, None], step=0.125)  # (batch, 1, samples): the same
    np.testing.assert_array_equal(c1.relevance, c.relevance)
    with pytest.raises(ParameterError, match="fit neither"):
        deletion_curves(f, x, np.zeros((1, 2, 8)))


def test_random_curves_are_seeded_and_the_model_gets_tensors_back():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2 * 30, 1), torch.nn.Flatten(0))
    x = torch.randn(4, 2, 30)
    maps = torch.rand(4, 2, 30)
    kw = dict(step=0.1, replacement="noisy_linear", n_random=2)
    a = removal_curves(model, x, maps, seed=3, **kw)
    b = removal_curves(model, x, maps, seed=3, **kw)
    c = removal_curves(model, x, maps, seed=4, **kw)
    np.testing.assert_array_equal(a.random, b.random)
    np.testing.assert_array_equal(a.relevance, b.relevance)
    assert not np.array_equal(a.random, c.random)
    assert a.relevance.shape == (4, 11) and a.replacement == "noisy_linear"
    with torch.no_grad():
        np.testing.assert_allclose(a.relevance[:, 0], model(x).numpy(), rtol=1e-6)  # step 0: x unchanged


def test_removal_curves_refuse_bad_arguments():
    with pytest.raises(ParameterError, match="step"):
        deletion_curves(linear, X, W[None], step=0.0)
    with pytest.raises(ParameterError, match="one score per record"):
        deletion_curves(lambda x: x, X, W[None])
    with pytest.raises(ParameterError, match="kind"):
        removal_curves(linear, X, W[None], kind="both")
