"""Attribution metrics (ecgstudy.metrics.attribution) on hand-made maps, masks and models with known
values, against scikit-learn / scipy, and against Quantus' same-named metrics where Quantus is
installed (it is not a dependency of the package: those tests skip without it)."""

from __future__ import annotations

import importlib.util
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import entropy as scipy_entropy
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from ecgstudy.errors import ParameterError
from ecgstudy.explain.localisation import localise
from ecgstudy.explain.wave_blocking import block_wave
from ecgstudy.metrics.attribution import (
    auroc,
    cascading_randomisation,
    deletion_curves,
    entropy,
    forward_order,
    impute,
    insertion_curves,
    localisation_scores,
    mass_ratio,
    mass_share,
    max_sensitivity,
    method_summary,
    parameter_layers,
    parameter_randomisation,
    pointing_game,
    rank_accuracy,
    rank_correlation,
    reinitialise,
    removal_curves,
    versus_reference,
)
from ecgstudy.metrics.stats import t_interval

NO_QUANTUS = importlib.util.find_spec("quantus") is None
needs_quantus = pytest.mark.skipif(
    NO_QUANTUS, reason="Quantus is not installed (not a dependency): pip install quantus==0.6.0 to compare with it")

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


def test_random_orders_of_an_earlier_call_are_reused_unchanged_and_save_the_model_calls():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2 * 30, 1), torch.nn.Flatten(0))
    x, maps, other = torch.randn(3, 2, 30), torch.rand(3, 2, 30), torch.rand(3, 2, 30)
    kw = dict(step=0.25, replacement="noisy_linear", n_random=2, seed=1)
    first = removal_curves(model, x, maps, **kw)
    calls = []

    def counted(z):
        calls.append(1)
        return model(z)

    again = removal_curves(counted, x, other, random=first.random, **kw)
    fresh = removal_curves(model, x, other, **kw)
    assert len(calls) == 5  # the map's order only: steps + 1
    np.testing.assert_array_equal(again.random, fresh.random)
    np.testing.assert_array_equal(again.relevance, fresh.relevance)
    with pytest.raises(ParameterError, match="random scores"):
        removal_curves(model, x, other, random=first.random[:, :2], **kw)


def test_removal_curves_refuse_bad_arguments():
    with pytest.raises(ParameterError, match="step"):
        deletion_curves(linear, X, W[None], step=0.0)
    with pytest.raises(ParameterError, match="one score per record"):
        deletion_curves(lambda x: x, X, W[None])
    with pytest.raises(ParameterError, match="kind"):
        removal_curves(linear, X, W[None], kind="both")


# ---------------------------------------------------------------- randomisation


def small_net() -> torch.nn.Module:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 5, padding=2), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                              torch.nn.Conv1d(4, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 40, 2))
    with torch.no_grad():  # as if trained: batch norm away from its initial values
        net[1].weight.fill_(2.0), net[1].bias.fill_(0.5), net[1].running_mean.fill_(0.3)
    return net.eval()


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_cascading_randomisation_goes_top_down_cumulatively_seeded_and_leaves_the_model():
    net = small_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    state = torch.random.get_rng_state()
    steps = list(cascading_randomisation(net, seed=1))
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's random stream untouched
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    assert [n for n, _ in steps] == ["6", "3", "1", "0"]
    modules = ["0", "1", "3", "6"]
    for depth, (_, m) in enumerate(steps, start=1):
        for k, name in enumerate(modules):
            randomised = k >= len(modules) - depth
            assert same(getattr(m, name), getattr(net, name)) != randomised, (depth, name)
    assert steps[2][1][1].weight.eq(1).all() and steps[2][1][1].running_mean.eq(0).all()  # batch norm re-initialised
    again = list(cascading_randomisation(net, seed=1))
    other = list(cascading_randomisation(net, seed=2))
    assert same(steps[-1][1], again[-1][1]) and not same(steps[-1][1], other[-1][1])
    assert steps[0][1] is not steps[1][1]  # fresh copies
    with pytest.raises(ParameterError, match="no module"):
        list(cascading_randomisation(net, layers=["9"]))


def test_layers_in_forward_order_and_a_fallback_for_modules_without_reset_parameters():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.head = torch.nn.Linear(3, 1)
            self.scale = torch.nn.Parameter(torch.full((10000,), 3.0) + torch.linspace(-1, 1, 10000))
            self.body = torch.nn.Linear(2, 3)

        def forward(self, x):
            return self.head(self.body(x) * self.scale[:3])

    net = Net()
    assert parameter_layers(net) == ["", "head", "body"]
    assert forward_order(net, torch.zeros(1, 2)) == ["", "body", "head"]  # the root (owning `scale`) runs first
    mean, sd = float(net.scale.detach().mean()), float(net.scale.detach().std())
    reinitialise(net, seed=0)  # no reset_parameters: its own parameter redrawn from N(mean, sd)
    assert not torch.equal(net.scale, torch.full((10000,), 3.0) + torch.linspace(-1, 1, 10000))
    assert float(net.scale.detach().mean()) == pytest.approx(mean, abs=0.03)
    assert float(net.scale.detach().std()) == pytest.approx(sd, rel=0.03)


def test_rank_correlation_equals_scipy_spearman():
    rng = np.random.default_rng(8)
    a = np.round(rng.normal(size=(5, 2, 30)), 1)
    b = a + rng.normal(scale=0.5, size=a.shape)
    expected = [spearmanr(a[i].ravel(), b[i].ravel()).statistic for i in range(5)]
    np.testing.assert_allclose(rank_correlation(a, b), expected, rtol=0, atol=1e-12)
    expected_abs = [spearmanr(np.abs(a[i]).ravel(), np.abs(b[i]).ravel()).statistic for i in range(5)]
    np.testing.assert_allclose(rank_correlation(a, b, absolute=True), expected_abs, rtol=0, atol=1e-12)
    assert math.isnan(rank_correlation(np.ones((1, 4)), a[:1, 0, :4])[0])


def test_a_map_that_ignores_the_model_is_flagged_and_saliency_is_not():
    torch.manual_seed(0)
    net, x = torch.nn.Linear(50, 1), torch.randn(3, 50)

    def saliency(model, inputs):
        xi = inputs.clone().requires_grad_(True)
        model(xi).sum().backward()
        return xi.grad

    edges = parameter_randomisation(lambda m, z: (z[:, 1:] - z[:, :-1]).abs(), net, x)
    assert edges.unchanged and edges.mean.tolist() == [1.0]
    r = parameter_randomisation(saliency, net, x, seed=5)
    w = net.weight.detach().numpy()[0].copy()
    random = torch.nn.Linear(50, 1)
    random.load_state_dict(net.state_dict())
    reinitialise(random, seed=5)  # the first layer randomised gets seed + 0
    expected = spearmanr(w, random.weight.detach().numpy()[0]).statistic
    np.testing.assert_allclose(r.correlations, [[expected] * 3], rtol=0, atol=1e-12)
    assert abs(expected) < 0.5 and not r.unchanged
    t = r.table()
    assert t.columns.tolist() == ["layer", "depth", "mean", "median", "n"] and t["n"].tolist() == [3]


# ---------------------------------------------------------------- robustness and complexity


def test_max_sensitivity_of_the_identity_map_is_the_largest_relative_noise():
    x = np.random.default_rng(9).normal(size=(3, 2, 25))
    rng = np.random.default_rng(4)
    noise = [rng.uniform(-0.1, 0.1, x.shape) for _ in range(6)]
    expected = np.max([np.linalg.norm(e.reshape(3, -1), axis=1) for e in noise], axis=0) / np.linalg.norm(
        x.reshape(3, -1), axis=1)
    np.testing.assert_allclose(max_sensitivity(lambda z: z, x, radius=0.1, n_perturbations=6, seed=4), expected,
                               rtol=1e-14)
    assert max_sensitivity(lambda z: z, x, radius=0.1, seed=5)[0] != max_sensitivity(lambda z: z, x, radius=0.1)[0]
    assert max_sensitivity(lambda z: z * 0 + 1, x).tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(max_sensitivity(lambda z: z * 0, x)).all()
    with pytest.raises(ParameterError, match="radius"):
        max_sensitivity(lambda z: z, x, radius=0.0)


def test_max_sensitivity_hands_tensors_to_a_gradient_method():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(20, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))

    def saliency(z):
        z = z.clone().requires_grad_(True)
        net(z).sum().backward()
        return z.grad

    x = torch.randn(2, 1, 20)
    s = max_sensitivity(saliency, x, radius=0.05, n_perturbations=4, seed=0)
    assert s.shape == (2,) and (s > 0).all() and (s < 1).all()
    np.testing.assert_array_equal(s, max_sensitivity(saliency, x, radius=0.05, n_perturbations=4, seed=0))


def test_entropy_by_hand_and_against_scipy():
    assert entropy([[0.0, 0.0, 7.0, 0.0]]).tolist() == [0.0]
    assert entropy([[1.0, -1.0, 1.0, -1.0]])[0] == pytest.approx(math.log(4), abs=1e-15)
    assert entropy([[1.0, 1.0, 2.0]])[0] == pytest.approx(-2 * 0.25 * math.log(0.25) - 0.5 * math.log(0.5))
    assert entropy([[3.0, 0.0, 3.0, 0.0]], normalised=True)[0] == pytest.approx(0.5)
    a = np.random.default_rng(10).normal(size=(4, 3, 20))
    np.testing.assert_allclose(entropy(a), [scipy_entropy(np.abs(r).ravel()) for r in a], rtol=1e-13)
    assert math.isnan(entropy(np.zeros((1, 5)))[0])


# ---------------------------------------------------------------- summary tables

SCORES = pd.DataFrame({
    "method": ["grad"] * 5 + ["edges"] * 5,
    "patient": ["p1", "p1", "p2", "p3", "p4"] * 2,  # p1 holds two records
    "auroc": [0.9, 0.7, 0.85, 0.95, 0.8, 0.6, 0.6, 0.5, 0.55, 0.65],
    "entropy": [2.0, 2.0, 2.5, np.nan, 2.2, 4.0, 4.0, 4.0, 4.0, 4.0],
})


def test_method_summary_averages_each_patient_first_and_ranks_by_direction():
    t = method_summary(SCORES, ["auroc", "entropy"], group="patient")
    grad = t[(t.method == "grad") & (t.metric == "auroc")].iloc[0]
    ref = t_interval([0.8, 0.85, 0.95, 0.8])  # p1's two records averaged: 0.8
    assert (grad.estimate, grad.low, grad.high, grad.n) == (ref.estimate, ref.low, ref.high, 4)
    assert grad["rank"] == 1 and grad.text == ref.text()
    ent = t[t.metric == "entropy"].set_index("method")
    assert ent.loc["grad", "n"] == 3 and ent.loc["grad", "estimate"] == pytest.approx(6.7 / 3)  # NaN left out
    assert ent["rank"].to_dict() == {"grad": 1, "edges": 2}  # lower entropy ranks first
    b = method_summary(SCORES, ["auroc"], group="patient", interval="bootstrap", n_boot=200)
    g = b[b.method == "grad"].iloc[0]
    assert g.estimate == pytest.approx(0.84) and g.low <= 0.84 <= g.high and "bootstrap over 4 groups" in g.interval


def test_versus_reference_pairs_patients_and_reads_the_interval_in_the_metric_direction():
    v = versus_reference(SCORES, ["auroc", "entropy"], reference="edges", group="patient").set_index("metric")
    d = [0.8 - 0.6, 0.85 - 0.5, 0.95 - 0.55, 0.8 - 0.65]
    ref = t_interval(d)
    assert v.loc["auroc", "difference"] == pytest.approx(ref.estimate)
    assert v.loc["auroc", "low"] == pytest.approx(ref.low) and v.loc["auroc", "n"] == 4
    assert v.loc["auroc", "verdict"] == "better"
    assert v.loc["entropy", "n"] == 3 and v.loc["entropy", "verdict"] == "better"  # lower entropy than the edges
    with pytest.raises(ParameterError, match="reference"):
        versus_reference(SCORES, ["auroc"], reference="random", group="patient")
    with pytest.raises(ParameterError, match="lack the columns"):
        method_summary(SCORES, ["auroc"])  # no 'record' column
    with pytest.raises(ParameterError, match="higher"):
        method_summary(SCORES.assign(new=1.0), ["new"], group="patient")


# ---------------------------------------------------------------- Quantus


@needs_quantus
def test_localisation_and_complexity_agree_with_quantus():
    import quantus

    rng = np.random.default_rng(11)
    x = rng.normal(size=(6, 1, 40)).astype(np.float32)  # Quantus takes one mask per record: (batch, 1, samples)
    a = rng.normal(size=(6, 1, 40))  # continuous: no ties (where tie rules differ)
    s = rng.random((6, 1, 40)) < 0.3
    kw = dict(model=None, x_batch=x, y_batch=np.zeros(6, int), s_batch=s.astype(float))
    opts = dict(normalise=False, abs=False, disable_warnings=True)
    np.testing.assert_array_equal(pointing_game(a, s), np.asarray(quantus.PointingGame(**opts)(a_batch=a, **kw), float))
    np.testing.assert_allclose(auroc(a, s), quantus.AUC(**opts)(a_batch=a, **kw), rtol=0, atol=1e-12)
    np.testing.assert_allclose(rank_accuracy(a, s), quantus.RelevanceRankAccuracy(**opts)(a_batch=a, **kw),
                               rtol=0, atol=1e-12)
    pos = np.abs(a)  # Quantus' mass accuracy does not drop negative relevance
    np.testing.assert_allclose(mass_share(pos, s), quantus.RelevanceMassAccuracy(**opts)(a_batch=pos, **kw),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(entropy(a), quantus.Complexity(disable_warnings=True)(a_batch=a, **kw), rtol=1e-9)


def conv_net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv1d(1, 4, 5, padding=2), torch.nn.ReLU(),
                               torch.nn.Conv1d(4, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 40, 2))


def quantus_saliency(model, inputs, targets, **_):
    xi = torch.as_tensor(np.asarray(inputs), dtype=torch.float32).requires_grad_(True)
    model(xi)[torch.arange(len(xi)), torch.as_tensor(np.asarray(targets))].sum().backward()
    return xi.grad.detach().numpy()


@needs_quantus
def test_max_sensitivity_agrees_with_quantus_given_the_same_noise():
    import quantus

    net, x, y = conv_net(), torch.randn(3, 1, 40), np.array([0, 1, 0])
    draws = np.random.default_rng(7)  # Quantus draws from numpy's global stream: hand it ours

    def perturb(arr, **_):
        return arr + draws.uniform(-0.05, 0.05, x.shape).reshape(arr.shape)

    q = quantus.MaxSensitivity(nr_samples=5, lower_bound=0.05, perturb_func=perturb, normalise=False, abs=False,
                               disable_warnings=True)
    expected = q(model=net, x_batch=x.numpy(), y_batch=y, a_batch=quantus_saliency(net, x.numpy(), y),
                 explain_func=quantus_saliency, device="cpu")
    ours = max_sensitivity(lambda z: quantus_saliency(net, z, y), x, radius=0.05, n_perturbations=5, seed=7)
    np.testing.assert_allclose(ours, expected, rtol=1e-5)


@needs_quantus
def test_parameter_randomisation_agrees_with_quantus_mprt():
    import quantus
    from quantus.helpers.model.pytorch_model import PyTorchModel

    net, x, y = conv_net(), torch.randn(3, 1, 40), np.array([0, 1, 0])
    mprt = quantus.MPRT(similarity_func=quantus.similarity_func.correlation_spearman, layer_order="top_down",
                        seed=42, return_average_correlation=False, normalise=False, abs=False, disable_warnings=True)
    expected = mprt(model=net, x_batch=x.numpy(), y_batch=y, a_batch=quantus_saliency(net, x.numpy(), y),
                    explain_func=quantus_saliency, device="cpu")
    gen = PyTorchModel(net, channel_first=True, softmax=False, device="cpu").get_random_layer_generator(
        order="top_down", seed=42)
    r = parameter_randomisation(lambda m, z: quantus_saliency(m, z, y), net, x.numpy(), randomised=gen)
    assert list(r.layers) == [k for k in expected if k != "original"] == [n for n, _ in cascading_randomisation(net)]
    np.testing.assert_allclose(r.correlations, [expected[k] for k in r.layers], rtol=0, atol=1e-12)
