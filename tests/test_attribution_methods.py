"""Attribution methods (`ecgstudy.attribution.methods`): exact maps on hand-weighted models, agreement with
captum called directly, baselines, reference maps and feature masks by hand, DeepLIFT's support per model,
and every method on every chapter model class."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from captum import attr as captum_attr
from captum._utils.models.linear_model import SkLearnLasso
from torch import nn

from ecgstudy.attribution import ECGradCAM, GradCAM
from ecgstudy.attribution.methods import (
    METHODS,
    MODEL_MAPS,
    REFERENCE_METHODS,
    DeepLift,
    ECGradCAMAttribution,
    Energy,
    GradCAMAttribution,
    IclrAttention,
    InputXGradient,
    IntegratedGradients,
    KernelShap,
    Lime,
    MethodNotApplicable,
    Occlusion,
    RandomMap,
    Saliency,
    ScoreModel,
    SmoothGrad,
    Uniform,
    XecgAttention,
    XecgResponse,
    attribute_all,
    baseline_like,
    beat_feature_mask,
    default_layer,
    interval_mask,
    log_odds,
    method_class,
    ms_to_samples,
    segment_mask,
)
from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.models import CascadedModel, ClassifierOnly, IclrJointModel, KanResWideX, UNet1d, XecgNet
from ecgstudy.testing import randomise_batchnorm_

@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread for this module: on a machine whose cores are busy, two threads wait on each other
    (this file runs about ten times faster); the previous setting is restored after it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- a linear model by hand ----------------------------------------------------------------------------


class Linear(nn.Module):
    """``(batch, 2, 4) -> (batch, 2)``: ``s_k = sum_{lead, t} W_k * x + b_k``."""

    def __init__(self, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor([
            [[1.0, -2.0, 0.5, 3.0], [-1.0, 0.25, 2.0, -0.5]],
            [[0.0, 1.0, 1.0, 0.0], [2.0, 0.0, 0.0, -1.0]],
        ], dtype=dtype))
        self.b = nn.Parameter(torch.tensor([0.0, 1.0], dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bls,kls->bk", x, self.w) + self.b


X = torch.tensor([
    [[1.0, 2.0, -1.0, 0.5], [0.0, -2.0, 1.0, 4.0]],
    [[2.0, 0.0, 0.0, -2.0], [1.0, 1.0, 1.0, 1.0]],
])
# W_0 * X[0] = [[1, -4, -0.5, 1.5], [0, -0.5, 2, -2]], s_0(X[0]) = -2.5
# W_1 * X[1] = [[0, 0, 0, 0], [2, 0, 0, -1]],           s_1(X[1]) = 1 + 1 = 2
ROWS = torch.tensor([0, 1])  # row 0 explains s_0, row 1 explains s_1


def test_linear_model_by_hand():
    assert Linear()(X)[0, 0].item() == -2.5 and Linear()(X)[1, 1].item() == 2.0


def test_saliency_of_a_linear_model_is_the_absolute_weight():
    m = Linear()
    assert torch.equal(Saliency(m).attribute(X, 0), m.w[0].detach().abs().expand(2, -1, -1))
    assert torch.equal(Saliency(m).attribute(X, ROWS), m.w.detach().abs())  # one target per row


def test_input_x_gradient_of_a_linear_model_is_w_times_x():
    m = Linear()
    assert torch.equal(InputXGradient(m).attribute(X, ROWS), m.w.detach() * X)


def test_integrated_gradients_of_a_linear_model_from_zeros_and_from_the_median():
    m = Linear(torch.float64)
    x = X.double()
    w = m.w.detach()
    torch.testing.assert_close(IntegratedGradients(m, n_steps=5).attribute(x, ROWS), w * x, rtol=1e-12, atol=1e-12)
    # median of X[0] lead 0 = [1, 2, -1, 0.5] -> (0.5 + 1) / 2 = 0.75; lead 1 = [0, -2, 1, 4] -> 0.5
    assert baseline_like(x, "median")[0].tolist() == [[0.75] * 4, [0.5] * 4]
    got = IntegratedGradients(m, baseline="median", n_steps=5).attribute(x, 0)
    torch.testing.assert_close(got, w[0] * (x - baseline_like(x, "median")), rtol=1e-12, atol=1e-12)
    # completeness: row 0 sums to s_0(X[0]) - s_0(zeros) = -2.5
    assert abs(IntegratedGradients(m, n_steps=5).attribute(x, 0)[0].sum().item() + 2.5) < 1e-12


def test_median_baseline_by_hand():
    x = torch.tensor([[[4.0, 1.0, 3.0, 2.0], [5.0, -1.0, 7.0, 7.0]], [[1.0, 1.0, 9.0, 0.0], [0.0, 0.0, 0.0, 0.0]]])
    assert baseline_like(x, "median").tolist() == [
        [[2.5] * 4, [6.0] * 4], [[1.0] * 4, [0.0] * 4]]
    odd = torch.tensor([[[3.0, -1.0, 10.0]]])
    assert baseline_like(odd, "median").tolist() == [[[3.0, 3.0, 3.0]]]
    assert torch.equal(baseline_like(x, "zeros"), torch.zeros_like(x))
    with pytest.raises(ParameterError, match="baseline"):
        IntegratedGradients(Linear(), baseline="mean")  # type: ignore[arg-type]


def test_occlusion_of_a_window_is_the_drop_of_the_output():
    m = Linear()
    # 1000 Hz, 2 ms -> windows of 2 samples over both leads: [0, 2) and [2, 4)
    # row 0, s_0: drop of [0, 2) = 1 - 4 + 0 - 0.5 = -3.5, of [2, 4) = -0.5 + 1.5 + 2 - 2 = 1
    # row 1, s_1: drop of [0, 2) = 0 + 2 = 2, of [2, 4) = 0 - 1 = -1
    got = Occlusion(m, fs=1000, window_ms=2).attribute(X, ROWS)
    assert got.tolist() == [[[-3.5, -3.5, 1.0, 1.0]] * 2, [[2.0, 2.0, -1.0, -1.0]] * 2]
    # stride 1 ms: windows [0, 2), [1, 3), [2, 4) with drops -3.5, -3, 1; each sample averages its windows
    got = Occlusion(m, fs=1000, window_ms=2, stride_ms=1).attribute(X[:1], 0)
    assert got.tolist() == [[[-3.5, -3.25, -1.0, 1.0]] * 2]
    # 3-sample windows, stride 3: [0, 3) and the last one cut at the end, [3, 4): drops -2 and -0.5
    got = Occlusion(m, fs=1000, window_ms=3).attribute(X[:1], 0)
    assert got.tolist() == [[[-2.0, -2.0, -2.0, -0.5]] * 2]
    # per lead, replaced by the lead's median (0.75 on lead 0, 0.5 on lead 1): drop = sum_window W_0 (x - median)
    got = Occlusion(m, fs=1000, window_ms=2, per_lead=True, baseline="median").attribute(X[:1], 0)
    d = m.w[0].detach() * (X[0] - torch.tensor([[0.75], [0.5]]))
    want = d.view(2, 2, 2).sum(-1).repeat_interleave(2, dim=-1)
    assert torch.equal(got[0], want)


def test_occlusion_windows_in_ms():
    assert (ms_to_samples(100, 360), ms_to_samples(100, 500), ms_to_samples(72, 100)) == (36, 50, 7)
    occ = Occlusion(Linear(), fs=500, window_ms=100, stride_ms=50)
    assert (occ.window, occ.stride) == (50, 25)
    with pytest.raises(ParameterError, match="longer than the window"):
        Occlusion(Linear(), fs=500, window_ms=50, stride_ms=100)
    with pytest.raises(ParameterError, match="longer than the inputs"):
        Occlusion(Linear(), fs=1000, window_ms=5).attribute(X, 0)


# --- DeepLIFT ----------------------------------------------------------------------------------------


def _relu_unit(inplace: bool = False) -> nn.Module:
    """``(batch, 1, 4) -> (batch, 1)``: ``relu(w . x - 1)``, ``w = [1, -1, 2, 0.5]``."""
    m = nn.Sequential(nn.Flatten(), nn.Linear(4, 1), nn.ReLU(inplace=inplace)).double()
    with torch.no_grad():
        m[1].weight.copy_(torch.tensor([[1.0, -1.0, 2.0, 0.5]]))
        m[1].bias.fill_(-1.0)
    return m


def test_deeplift_rescale_rule_by_hand():
    # x = [2, 1, 1, 2]: z = 4 - 1 = 3, baseline z0 = -1; multiplier (relu(3) - relu(-1)) / (3 - (-1)) = 3/4
    # -> w * x * 3/4 = [1.5, -0.75, 1.5, 0.75], sum 3 = y(x) - y(0) (the gradient would give [2, -1, 2, 1]).
    # x = [0, 1, 0, 0]: z = -2, y = 0 -> multiplier 0.
    x = torch.tensor([[[2.0, 1.0, 1.0, 2.0]], [[0.0, 1.0, 0.0, 0.0]]]).double()
    for inplace in (False, True):  # captum handles in-place ReLUs
        got = DeepLift(_relu_unit(inplace)).attribute(x, 0)
        assert got.tolist() == [[[1.5, -0.75, 1.5, 0.75]], [[0.0, 0.0, 0.0, 0.0]]]


def test_deeplift_refuses_a_model_whose_map_does_not_sum_to_the_output_change():
    class Square(nn.Module):  # a functional nonlinearity DeepLIFT's rules do not see: the plain gradient is used
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x**2).sum(dim=(1, 2)).unsqueeze(1)

    x = torch.tensor([[[1.0, 2.0]]])
    with pytest.raises(MethodNotApplicable, match="summation to delta"):
        DeepLift(Square()).attribute(x, 0)  # map 2 x^2 = [2, 8] sums to 10, s(x) - s(0) = 5
    assert DeepLift(Square(), check=False).attribute(x, 0).tolist() == [[[2.0, 8.0]]]


def _models() -> dict[str, tuple[nn.Module, tuple[int, int, int], float]]:
    """Each chapter model class, randomly initialised and small: name -> (model, input shape, fs).

    The ICLR U-Nets are narrowed (the same class, 4 channels, depth 1) to keep the test fast.
    """
    torch.manual_seed(0)
    models = {
        "iclr_classifier": (ClassifierOnly(in_leads=2), (2, 2, 64), 360.0),
        "iclr_cascaded": (CascadedModel(in_leads=2), (2, 2, 64), 360.0),
        "iclr_joint": (IclrJointModel(in_leads=2, pooling="l2", kernel_size=15), (2, 2, 64), 360.0),
        "xecgnet": (XecgNet(in_leads=2, n_classes=3, pool_sizes=(3, 3, 3, 1, 1)), (2, 2, 90), 100.0),
        "kanres": (KanResWideX(in_leads=2, n_outputs=2, n_modules=2, kernel_size=9), (2, 2, 64), 500.0),
    }
    for name in ("iclr_cascaded", "iclr_joint"):
        models[name][0].segmenter = UNet1d(in_leads=2, base_channels=4, depth=1)
    for m, _, _ in models.values():
        randomise_batchnorm_(m).eval()
    return models


@pytest.fixture(scope="module")
def models() -> dict[str, tuple[nn.Module, tuple[int, int, int], float]]:
    return _models()


def test_deeplift_support_per_chapter_model(models):
    models = {name: (copy.deepcopy(m).double(), shape, fs) for name, (m, shape, fs) in models.items()}
    supported = {name for name, (m, _, _) in models.items() if DeepLift.unsupported(m) is None}
    assert supported == {"iclr_classifier", "kanres"}
    with pytest.raises(MethodNotApplicable, match="attention"):
        DeepLift(models["xecgnet"][0])
    # where it is supported, the map sums to s(x) - s(0) (float64: to rounding)
    for name in ("iclr_classifier", "kanres"):
        m, shape, _ = models[name]
        x = torch.randn(*shape, dtype=torch.float64).cumsum(-1)  # low-frequency inputs: the outputs move
        s = ScoreModel(m)
        got = DeepLift(m, rtol=1e-9, atol=1e-12).attribute(x, 1)
        change = s(x)[:, 1] - s(torch.zeros_like(x))[:, 1]
        torch.testing.assert_close(got.sum(dim=(1, 2)), change.detach(), rtol=1e-9, atol=1e-12)
        assert change.abs().min() > 1e-6
    # where it is not, captum's own DeepLIFT breaks summation to delta (why the list says no)
    for name in ("xecgnet", "iclr_cascaded"):
        m, shape, _ = models[name]
        x = torch.randn(*shape, dtype=torch.float64).cumsum(-1)
        s = ScoreModel(m).eval()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a, delta = captum_attr.DeepLift(s).attribute(x, target=0, return_convergence_delta=True)
        change = (s(x)[:, 0] - s(torch.zeros_like(x))[:, 0]).detach()
        assert (delta.abs() > 1e-3 * change.abs()).all(), name


# --- KernelSHAP and LIME over segments -------------------------------------------------------------------


def test_feature_masks_by_hand():
    assert segment_mask([[1, 3], [2]], 5).tolist() == [[0, 1, 1, 2, 2], [0, 0, 1, 1, 1]]
    assert segment_mask(torch.tensor([[4]]), 5).tolist() == [[0, 0, 0, 0, 1]]
    assert interval_mask([[(0, 1), (3, 3)], []], 5).tolist() == [[1, 1, 0, 2, 0], [0, 0, 0, 0, 0]]
    assert interval_mask([[(1, 2), (3, 4)]], 5).tolist() == [[0, 1, 1, 2, 2]]  # touching is fine
    for bad in ([[3, 1]], [[0, 2]], [[2, 5]], [[1, 1]], [[1.5]]):
        with pytest.raises(ParameterError, match="segment_mask"):
            segment_mask(bad, 5)
    for bad in ([[(2, 1)]], [[(0, 5)]], [[(0, 2), (2, 3)]]):
        with pytest.raises(ParameterError, match="interval_mask"):
            interval_mask(bad, 5)


# Segments of X, cuts [1, 3]: {0}, {1, 2}, {3}. For the additive model the Shapley values (and an
# unpenalised LIME fit) are the segments' sums of W (x - x0):
# row 0, s_0: 1 + 0 = 1; -4 - 0.5 - 0.5 + 2 = -3; 1.5 - 2 = -0.5 (sum -2.5 = s_0(X[0]) - s_0(0))
# row 1, s_1 with the interval mask [(1, 2)] (ids 0 = {0, 3}, 1 = {1, 2}): {0, 3}: 0 + 2 + 0 - 1 = 1; {1, 2}: 0
SHAP_ROWS = [[[1.0, -3.0, -3.0, -0.5]] * 2, [[1.0, 0.0, 0.0, 1.0]] * 2]


def test_kernel_shap_and_lime_of_an_additive_model_are_the_segment_sums():
    mask = torch.cat([segment_mask([[1, 3]], 4), interval_mask([[(1, 2)]], 4)])
    m = Linear(torch.float64)
    x = X.double()
    want = torch.tensor(SHAP_ROWS).double()
    torch.testing.assert_close(KernelShap(m, n_samples=40).attribute(x, ROWS, feature_mask=mask), want,
                               rtol=0, atol=1e-5)  # sklearn fits in float32
    torch.testing.assert_close(Lime(m, n_samples=40, alpha=0).attribute(x, ROWS, feature_mask=mask), want,
                               rtol=0, atol=1e-5)  # sklearn fits in float32
    # ids need not be consecutive: {7} {2, 2} {9} is renumbered 1, 0, 2 and gives the same map
    odd = torch.tensor([[7, 2, 2, 9]])
    torch.testing.assert_close(KernelShap(m, n_samples=40).attribute(x[:1], 0, feature_mask=odd), want[:1],
                               rtol=0, atol=1e-5)  # sklearn fits in float32
    with pytest.raises(ParameterError, match="feature_mask"):
        KernelShap(m).attribute(x, 0)
    with pytest.raises(ParameterError, match="feature_mask"):
        KernelShap(m).attribute(x, 0, feature_mask=torch.zeros(2, 5, dtype=torch.int64))


# --- reference maps ----------------------------------------------------------------------------------


def test_reference_maps_by_hand():
    x = torch.tensor([[[0.0, 1.0, 3.0, 3.0], [2.0, 0.0, 0.0, -1.0]]])
    m = Linear()
    assert Uniform(m).attribute(x, 0).tolist() == [[[1.0] * 4, [1.0] * 4]]
    # d = |diff| = [1, 2, 0] and [2, 0, 1]; e = [d0, (d0 + d1) / 2, (d1 + d2) / 2, d2]
    assert Energy(m).attribute(x, 0).tolist() == [[[1.0, 1.5, 1.0, 0.0], [2.0, 1.0, 0.5, 1.0]]]
    r = RandomMap(m, seed=3).attribute(X, 0)
    assert torch.equal(r, RandomMap(m, seed=3).attribute(X, 1))  # same seed, same map, whatever the target
    assert not torch.equal(r, RandomMap(m, seed=4).attribute(X, 0))
    assert not torch.equal(r[0], r[1]) and float(r.min()) >= 0 and float(r.max()) < 1
    g = torch.Generator().manual_seed(3)
    assert torch.equal(r, torch.rand(X.shape, generator=g, dtype=torch.float64).float())


# --- adapters ----------------------------------------------------------------------------------------


def test_log_odds_by_hand_and_the_iclr_adapter_gives_the_logit_difference(models):
    p = torch.tensor([[0.5, 0.25, 0.25]])
    # log p_k - log(1 - p_k): log(0.5 / 0.5) = 0, log(0.25 / 0.75) = -log 3
    torch.testing.assert_close(log_odds(p.log()), torch.tensor([[0.0, -1.0986123, -1.0986123]]))
    m = models["iclr_classifier"][0].double()
    try:
        x = torch.randn(3, 2, 64, dtype=torch.float64).cumsum(-1)
        c = m.classifier
        z = c.head(c.blocks(c.stem(x)).mean(dim=-1))  # the logits before log_softmax
        s = ScoreModel(m)(x)
        torch.testing.assert_close(s, torch.stack([z[:, 0] - z[:, 1], z[:, 1] - z[:, 0]], 1), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(ScoreModel(m, "log_prob")(x), m(x).log_probs)
    finally:
        m.float()


def test_adapters_of_xecgnet_and_kanres(models):
    xm, shape, _ = models["xecgnet"]
    x = torch.randn(*shape)
    out = xm(x)
    assert torch.equal(ScoreModel(xm)(x), out.probs)
    assert torch.equal(ScoreModel(xm, "logits_per")(x), out.logits_per)
    assert torch.equal(ScoreModel(xm, "logits_att")(x), out.logits_att)
    km, shape, _ = models["kanres"]
    x = torch.randn(*shape)
    assert torch.equal(ScoreModel(km)(x), km(x))
    with pytest.raises(ParameterError, match="output='probs'"):
        ScoreModel(km, "probs")
    with pytest.raises(ParameterError, match="target 2"):
        Saliency(km).attribute(x, 2)  # two output columns
    with pytest.raises(ParameterError, match="target"):
        Saliency(km).attribute(x, torch.tensor([0, 1, 0]))  # three targets for two rows


# --- agreement with captum called directly ------------------------------------------------------------


def test_captum_methods_equal_captum_called_directly(models):
    m, shape, fs = models["kanres"]
    torch.manual_seed(5)
    x = torch.randn(*shape).cumsum(-1)
    s = ScoreModel(m).eval()
    t = torch.tensor([1, 0])
    ca = captum_attr
    assert torch.equal(Saliency(m).attribute(x, t), ca.Saliency(s).attribute(x, target=t))
    assert torch.equal(InputXGradient(m).attribute(x, t), ca.InputXGradient(s).attribute(x, target=t).detach())
    med = baseline_like(x, "median")
    assert torch.equal(IntegratedGradients(m, baseline="median", n_steps=8).attribute(x, t),
                       ca.IntegratedGradients(s).attribute(x, med, target=t, n_steps=8).detach())
    torch.manual_seed(11)
    theirs = ca.NoiseTunnel(ca.Saliency(s)).attribute(x, nt_type="smoothgrad", nt_samples=4, stdevs=0.2, target=t)
    assert torch.equal(SmoothGrad(m, noise_sd=0.2, n_samples=4, seed=11).attribute(x, t), theirs)
    occ = Occlusion(m, fs=fs, window_ms=20, stride_ms=10)  # 10 and 5 samples at 500 Hz
    assert torch.equal(occ.attribute(x, t), ca.Occlusion(s).attribute(
        x, sliding_window_shapes=(2, 10), strides=(1, 5), target=t, perturbations_per_eval=16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ca.DeepLift(s).attribute(x, torch.zeros_like(x), target=t).detach()
    assert torch.equal(DeepLift(m).attribute(x, t), theirs)
    mask = segment_mask([[20, 40], [32]], shape[-1])
    rows = []
    for b in range(2):
        torch.manual_seed(2)
        rows.append(ca.KernelShap(s).attribute(x[b:b + 1], target=t[b:b + 1], feature_mask=mask[b].view(1, 1, -1),
                                               n_samples=16, perturbations_per_eval=16))
    assert torch.equal(KernelShap(m, n_samples=16, seed=2).attribute(x, t, feature_mask=mask), torch.cat(rows))
    rows = []
    for b in range(2):
        torch.manual_seed(3)
        lime = ca.Lime(s, interpretable_model=SkLearnLasso(alpha=1e-3))
        rows.append(lime.attribute(x[b:b + 1], target=t[b:b + 1], feature_mask=mask[b].view(1, 1, -1), n_samples=16,
                                   perturbations_per_eval=16, baselines=med[b:b + 1]))
    got = Lime(m, n_samples=16, seed=3, baseline="median", alpha=1e-3).attribute(x, t, feature_mask=mask)
    assert torch.equal(got, torch.cat(rows)) and bool((got != 0).any(dim=-1).all())


def test_gradcam_methods_wrap_the_package_classes_and_match_captum(models):
    m, shape, _ = models["kanres"]
    torch.manual_seed(6)
    x = torch.randn(*shape)
    s = ScoreModel(m)
    layer = m.blocks[-1]
    assert default_layer(m) is layer
    theirs = captum_attr.LayerGradCam(s, layer).attribute(x, 1, relu_attributions=True)
    up = captum_attr.LayerAttribution.interpolate(theirs, shape[-1], interpolate_mode="linear")
    got = GradCAMAttribution(m).attribute(x, 1)
    torch.testing.assert_close(got, up.expand(-1, 2, -1).detach(), rtol=1e-5, atol=1e-7)
    assert torch.equal(got, GradCAM(s, layer).attribute(x, 1))
    # captum's defaults: signed, nearest
    theirs = captum_attr.LayerGradCam(s, layer).attribute(x, 0)
    near = captum_attr.LayerAttribution.interpolate(theirs, shape[-1])  # nearest
    torch.testing.assert_close(GradCAMAttribution(m, relu=False, interpolate="nearest").attribute(x, 0),
                               near.expand(-1, 2, -1).detach(), rtol=1e-5, atol=1e-7)
    # one target per row = each row with its own int target
    t = torch.tensor([1, 0])
    got = ECGradCAMAttribution(m).attribute(x, t)
    assert torch.equal(got[0], ECGradCAM(s, layer).attribute(x[:1], 1)[0])
    assert torch.equal(got[1], ECGradCAM(s, layer).attribute(x[1:], 0)[0])
    for name, want in (("iclr_joint", "classifier.blocks.3"), ("xecgnet", "backbone")):
        model = models[name][0]
        assert default_layer(model) is model.get_submodule(want)


# --- the models' own maps ------------------------------------------------------------------------------


def test_model_maps_are_the_models_outputs_upsampled(models):
    jm, shape, _ = models["iclr_joint"]
    x = torch.randn(*shape)
    a = jm(x).attention.detach()  # (batch, 1, samples)
    assert torch.equal(IclrAttention(jm).attribute(x, 0), a.expand(-1, 2, -1))
    xm, shape, _ = models["xecgnet"]
    with torch.no_grad():
        xm.att_response[0].bias.fill_(1.0)  # response maps > 0 at random init
    x = torch.randn(*shape)
    out = xm(x)
    assert out.response.shape[-1] == 4  # 90 samples -> 30 -> 10 -> 4 (Keras 'same' pooling by 3, three times)
    up = F.interpolate(out.attention.detach(), size=90, mode="linear", align_corners=False)
    assert torch.equal(XecgAttention(xm).attribute(x, 0), up.expand(-1, 2, -1))
    resp = F.interpolate(out.response.detach(), size=90, mode="linear", align_corners=False)
    got = XecgResponse(xm).attribute(x, torch.tensor([2, 0]))
    assert torch.equal(got[0], resp[0, 2].expand(2, -1)) and torch.equal(got[1], resp[1, 0].expand(2, -1))
    assert float(resp[0, 2].std()) > 0
    for cls in (IclrAttention, XecgAttention, XecgResponse):
        with pytest.raises(MethodNotApplicable):
            cls(models["kanres"][0])


# --- every method on every chapter model ------------------------------------------------------------------

FAST = {
    "integrated_gradients": {"n_steps": 3},
    "integrated_gradients_median": {"n_steps": 3},
    "smoothgrad": {"n_samples": 2},
    "occlusion": {"window_ms": 100},
    "kernel_shap": {"n_samples": 12},
    "lime": {"n_samples": 12},
}
SKIPPED = {
    "iclr_classifier": {"iclr_attention", "xecgnet_attention", "xecgnet_response"},
    "iclr_cascaded": {"deeplift", "iclr_attention", "xecgnet_attention", "xecgnet_response"},
    "iclr_joint": {"deeplift", "xecgnet_attention", "xecgnet_response"},
    "xecgnet": {"deeplift", "iclr_attention"},
    "kanres": {"iclr_attention", "xecgnet_attention", "xecgnet_response"},
}


@pytest.mark.parametrize("name", list(SKIPPED))
def test_every_method_runs_on_every_chapter_model(models, name):
    m, shape, fs = models[name]
    m.train()  # each call puts the model in eval mode and restores the flags
    torch.manual_seed(7)
    x = torch.randn(*shape)
    x0 = x.clone()
    mask = segment_mask([[shape[-1] // 3], [shape[-1] // 4, shape[-1] // 2]], shape[-1])
    rng = torch.get_rng_state()
    result = attribute_all(m, x, torch.tensor([1, 0]), fs=fs, feature_mask=mask, options=FAST)
    assert set(result.skipped) == SKIPPED[name]
    assert list(result.maps) == [n for n in METHODS if n not in SKIPPED[name]]
    for method, a in result.maps.items():
        assert a.shape == x.shape and a.dtype == torch.float32 and not a.requires_grad, method
        assert bool(a.isfinite().all()), method
    assert all(mod.training for mod in m.modules())
    assert all(p.grad is None for p in m.parameters())
    assert torch.equal(x, x0) and not x.requires_grad
    assert torch.equal(torch.get_rng_state(), rng)  # seeded methods restore the global generator
    m.eval()


def test_attribute_all_names_what_it_skips_and_passes_options():
    m = Linear()
    result = attribute_all(m, X, 0, ["saliency", "occlusion", "lime", "energy"],
                           options={"saliency": {"output": "scores"}})
    assert list(result.maps) == ["saliency", "energy"]
    assert result.skipped == {"occlusion": "needs the sampling rate fs", "lime": "needs a feature_mask of beats or waves"}
    result = attribute_all(m, X, ROWS, ["occlusion", "integrated_gradients_median"], fs=1000,
                           options={"occlusion": {"window_ms": 2}})
    assert result.maps["occlusion"].tolist() == [[[-3.5, -3.5, 1.0, 1.0]] * 2, [[2.0, 2.0, -1.0, -1.0]] * 2]
    assert method_class("integrated_gradients_median") is IntegratedGradients
    with pytest.raises(ParameterError, match="unknown"):
        attribute_all(m, X, 0, ["saliency", "shap"])
    assert set(REFERENCE_METHODS) | set(MODEL_MAPS) <= set(METHODS)
    assert len(set(METHODS) - set(REFERENCE_METHODS)) >= 10


def test_inputs_are_checked():
    m = Linear()
    for bad in (X[0], X.long(), [1.0, 2.0]):
        with pytest.raises(ParameterError, match="inputs"):
            Saliency(m).attribute(bad, 0)  # type: ignore[arg-type]
    for bad in (-1, 1.0, True, torch.tensor([0.0, 1.0])):
        with pytest.raises(ParameterError, match="target"):
            Saliency(m).attribute(X, bad)  # type: ignore[arg-type]


def test_maps_keep_the_inputs_dtype():
    m = Linear(torch.float64)
    for name in ("saliency", "input_x_gradient", "uniform", "random", "energy"):
        assert METHODS[name](m).attribute(X.double(), 0).dtype == torch.float64
    assert isinstance(Uniform(m), method_class("uniform"))


def test_beat_feature_mask_of_an_iclr_segment_by_hand():
    # one segment of 24 samples, 2 zeros of padding on the left and right (unpadded [2, 22)),
    # R peaks at 6, 12, 18: the RR cells start at ceil(r[k] - 2/3 (r[k] - r[k-1])) = 8 and 14
    seg = BeatSegments(
        signals=np.zeros((1, 1, 24), np.float32), labels=np.array(["NV"]), record_ids=np.array(["100"]),
        start=np.array([0]), pad_left=np.array([2]), length=np.array([20]), beat_offsets=np.array([0, 3]),
        beat_sample=np.array([6, 12, 18]), beat_symbol=np.array(["N", "V", "N"]), fs=100.0, lead_names=("MLII",),
        source="synthetic",
    )
    assert beat_feature_mask(seg, [0]).tolist() == [[0] * 2 + [1] * 6 + [2] * 6 + [3] * 8 + [0] * 2]
    # windows of 0.02 s before and 0.03 s after each R peak (2 and 3 samples at 100 Hz), cut to the RR cells:
    # [4, 9) & [2, 8) = [4, 8); [10, 15) & [8, 14) = [10, 14); [16, 21) & [14, 22) = [16, 21)
    assert beat_feature_mask(seg, [0], window_s=(0.02, 0.03)).tolist() == [
        [0] * 4 + [1] * 4 + [0] * 2 + [2] * 4 + [0] * 2 + [3] * 5 + [0] * 3]


def test_gradients_are_taken_inside_a_callers_no_grad():
    m = Linear()
    with torch.no_grad():
        assert torch.equal(IntegratedGradients(m, n_steps=2).attribute(X, ROWS), m.w.detach() * X)
        assert torch.equal(Saliency(m).attribute(X, 1), m.w[1].detach().abs().expand(2, -1, -1))
