"""Grad-CAM and ECGradCAM: hand-computed maps on a tiny model, agreement with captum's
LayerGradCam on KanResWide_X, ECGradCAM = channel-summed activation, and no side effects."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from ecgstudy.attribution import ECGradCAM, GradCAM, channel_sum_map
from ecgstudy.errors import ParameterError
from ecgstudy.models import KanResWideX
from ecgstudy.testing import randomise_batchnorm_


class Tiny(nn.Module):
    """``(1, 1, 4) -> Conv1d(1 -> 2, k1) -> AvgPool1d(2) [hooked, A: (1, 2, 2)] -> mean_t -> Linear(2 -> 3)``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 1)
        self.pool = nn.AvgPool1d(2)
        self.head = nn.Linear(2, 3)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([[[1.0]], [[-2.0]]]))  # c0 = x, c1 = 1 - 2x
            self.conv.bias.copy_(torch.tensor([0.0, 1.0]))
            self.head.weight.copy_(torch.tensor([[1.0, -2.0], [-1.0, 4.0], [-1.0, -1.0]]))
            self.head.bias.copy_(torch.tensor([0.25, 0.0, 0.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(self.conv(x)).mean(dim=-1))


# x = [3, 1, -2, 0]: c0 = [3, 1, -2, 0], c1 = [-5, -1, 5, 1]
# A = AvgPool2(c): A_0 = [2, -1], A_1 = [-3, 3]; mean_t A = [0.5, 0]; y = [0.75, -0.5, -0.5]
# dy_k/dA_c(t) = head.weight[k, c] / T (T = 2), the same at every t:
#   target 0: G_0 = 0.5, G_1 = -1;  target 1: G_0 = -0.5, G_1 = 2;  target 2: G_0 = G_1 = -0.5
X = torch.tensor([[[3.0, 1.0, -2.0, 0.0]]])
# Linear upsampling T = 2 -> 4, align_corners=False: sample i sits at step (i + 0.5) / 2 - 0.5
# = [-0.25, 0.25, 0.75, 1.25], clamped at the ends -> [h0, 0.75 h0 + 0.25 h1, 0.25 h0 + 0.75 h1, h1].
# Nearest: step floor(i * 2 / 4) -> [h0, h0, h1, h1].


@pytest.fixture()
def tiny() -> Tiny:
    return Tiny()


@pytest.fixture(scope="module")
def kanres() -> KanResWideX:
    torch.manual_seed(0)
    return randomise_batchnorm_(KanResWideX(n_outputs=3)).eval()


@pytest.fixture(scope="module")
def beats() -> torch.Tensor:
    torch.manual_seed(1)
    return torch.randn(2, 8, 600)


# --- by hand on the tiny model -------------------------------------------------------------------


def test_tiny_model_forward_by_hand(tiny):
    assert tiny(X).tolist() == [[0.75, -0.5, -0.5]]


def test_gradcam_by_hand(tiny):
    # target 0: w = mean_t G = [0.5, -1]; sum_c w_c A_c = 0.5 [2, -1] - [-3, 3] = [4, -3.5]
    assert GradCAM(tiny, tiny.pool, relu=False).layer_attribution(X, 0).tolist() == [[4.0, -3.5]]
    assert GradCAM(tiny, tiny.pool).layer_attribution(X, 0).tolist() == [[4.0, 0.0]]
    # ReLU first, then upsampling: [4, 0] -> [4, 3, 1, 0]; signed: [4, 3 - 0.875, 1 - 2.625, -3.5]
    assert GradCAM(tiny, tiny.pool).attribute(X, 0).tolist() == [[[4.0, 3.0, 1.0, 0.0]]]
    assert GradCAM(tiny, tiny.pool, relu=False).attribute(X, 0).tolist() == [[[4.0, 2.125, -1.625, -3.5]]]
    assert GradCAM(tiny, tiny.pool, interpolate="nearest").attribute(X, 0).tolist() == [[[4.0, 4.0, 0.0, 0.0]]]
    assert GradCAM(tiny, tiny.pool, relu=False, interpolate="nearest").attribute(X, 0).tolist() == [
        [[4.0, 4.0, -3.5, -3.5]]
    ]
    # target 1: w = [-0.5, 2]; -0.5 [2, -1] + 2 [-3, 3] = [-7, 6.5]: the map depends on the target
    assert GradCAM(tiny, tiny.pool, relu=False).layer_attribution(X, 1).tolist() == [[-7.0, 6.5]]
    assert GradCAM(tiny, tiny.pool).layer_attribution(X, 1).tolist() == [[0.0, 6.5]]


def test_ecgradcam_by_hand(tiny):
    cam = ECGradCAM(tiny, tiny.pool)
    # target 0: G+ = 1[A > 0] 1[G > 0] G = [[0.5, 0], [0, 0]] (A_0 = [2, -1]; G_1 < 0)
    # w = mean of the 4 entries = 0.125; sum_c A_c = [2 - 3, -1 + 3] = [-1, 2]; h = [-0.125, 0.25]
    assert cam.weights(X, 0).tolist() == [0.125]
    assert cam.layer_attribution(X, 0, normalize=False).tolist() == [[-0.125, 0.25]]
    assert cam.layer_attribution(X, 0).tolist() == [[0.0, 1.0]]
    # upsampled h = [-0.125, -0.03125, 0.15625, 0.25], then min-max over a range of 0.375
    assert cam.attribute(X, 0).tolist() == [[[0.0, 0.25, 0.75, 1.0]]]
    # target 1: G+ = [[0, 0], [0, 2]] (G_0 < 0; A_1 = [-3, 3]); w = 0.5; h = [-0.5, 1]
    assert cam.weights(X, 1).tolist() == [0.5]
    assert cam.layer_attribution(X, 1, normalize=False).tolist() == [[-0.5, 1.0]]
    # ... a different weight, the same map: only the sign of w matters after min-max
    assert cam.attribute(X, 1).tolist() == [[[0.0, 0.25, 0.75, 1.0]]]
    # target 2: G < 0 everywhere -> G+ = 0, w = 0, h = 0: zeros (the authors' code: 0 / 0)
    assert cam.weights(X, 2).tolist() == [0.0]
    assert cam.layer_attribution(X, 2).tolist() == [[0.0, 0.0]]
    assert cam.attribute(X, 2).tolist() == [[[0.0, 0.0, 0.0, 0.0]]]
    h = np.zeros(4, dtype=np.float32)
    with np.errstate(invalid="ignore"):
        assert np.isnan((h - h.min()) / (h.max() - h.min())).all()


def test_channel_sum_map_by_hand(tiny):
    # sum_c A_c = [-1, 2] -> min-max [0, 1]
    assert channel_sum_map(tiny, tiny.pool, X).tolist() == [[0.0, 1.0]]


def test_multi_lead_input_gets_the_same_map_on_every_lead():
    model = nn.Sequential(nn.Conv1d(3, 4, 3), nn.ReLU(), nn.AvgPool1d(2), nn.Flatten(), nn.LazyLinear(2))
    torch.manual_seed(0)
    x = torch.randn(2, 3, 20)
    model(x)  # materialise the lazy layer
    for cam in (GradCAM(model, model[1]), ECGradCAM(model, model[1])):
        a = cam.attribute(x, 1)
        assert a.shape == x.shape
        assert torch.equal(a, a[:, :1].expand_as(a))


# --- KanResWide_X: captum, channel sums, shapes --------------------------------------------------


def _layers(m: KanResWideX) -> dict[str, nn.Module]:
    return {"last add": m.blocks[-1], "last conv": m.blocks[-1].conv2, "block 3": m.blocks[3]}


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("name", ["last add", "last conv", "block 3"])
def test_gradcam_equals_captum_layer_gradcam(kanres, beats, name, mode):
    captum_attr = pytest.importorskip("captum.attr", reason="captum is a dependency of the package: pip install -e .")
    layer = _layers(kanres)[name]
    ours = GradCAM(kanres, layer, interpolate=mode)
    theirs = captum_attr.LayerGradCam(kanres, layer).attribute(beats, 0, relu_attributions=True)
    assert theirs.shape == (2, 1, 295)
    scale = theirs.abs().max()
    assert (theirs > 0).sum() >= 5 and (theirs == 0).any()  # a non-trivial map, clipped by the ReLU
    assert (ours.layer_attribution(beats, 0) - theirs[:, 0]).abs().max() <= 1e-5 * scale
    up = captum_attr.LayerAttribution.interpolate(theirs, 600, interpolate_mode=mode)
    attr = ours.attribute(beats, 0)
    assert attr.shape == beats.shape
    assert (attr - up.expand_as(attr)).abs().max() <= 1e-5 * scale


def test_signed_gradcam_equals_captum_default(kanres, beats):
    captum_attr = pytest.importorskip("captum.attr", reason="captum is a dependency of the package: pip install -e .")
    layer = kanres.blocks[-1]
    theirs = captum_attr.LayerGradCam(kanres, layer).attribute(beats, 0)  # captum's default: signed
    ours = GradCAM(kanres, layer, relu=False).layer_attribution(beats, 0)
    assert (theirs < 0).any()
    assert (ours - theirs[:, 0]).abs().max() <= 1e-5 * theirs.abs().max()


@pytest.mark.parametrize("name", ["last add", "last conv", "block 3"])
def test_ecgradcam_is_the_channel_sum_when_w_is_positive(kanres, beats, name):
    layer = _layers(kanres)[name]
    cam = ECGradCAM(kanres, layer)
    expected = channel_sum_map(kanres, layer, beats)
    for target in range(3):
        assert (cam.weights(beats, target) > 0).all()
        torch.testing.assert_close(cam.layer_attribution(beats, target), expected, atol=1e-6, rtol=0)


def test_ecgradcam_attribute_is_normalised_after_upsampling(kanres, beats):
    cam = ECGradCAM(kanres, kanres.blocks[-1])
    a = cam.attribute(beats, 0)
    assert a.shape == beats.shape
    assert torch.equal(a, a[:, :1].expand_as(a))  # one map for every lead
    assert (a.amin(dim=-1) == 0).all() and (a.amax(dim=-1) == 1).all()
    raw = cam.layer_attribution(beats, 0, normalize=False)
    up = nn.functional.interpolate(raw[:, None], size=600, mode="linear", align_corners=False)[:, 0]
    lo, hi = up.amin(dim=-1, keepdim=True), up.amax(dim=-1, keepdim=True)
    torch.testing.assert_close(a[:, 0], (up - lo) / (hi - lo))


def test_maps_are_per_sample(kanres, beats):
    for cam in (GradCAM(kanres, kanres.blocks[-1]), ECGradCAM(kanres, kanres.blocks[-1])):
        both = cam.attribute(beats, 0)
        one = cam.attribute(beats[1:], 0)
        torch.testing.assert_close(one, both[1:], atol=1e-5, rtol=1e-4)


# --- no side effects, errors ---------------------------------------------------------------------


def test_no_side_effects_on_model_or_inputs():
    torch.manual_seed(0)
    model = KanResWideX(n_modules=2, kernel_size=5)  # training mode, as fresh models are
    model.blocks[0].bn1.eval()  # a submodule with a mode of its own
    flags = {name: m.training for name, m in model.named_modules()}
    layer = model.blocks[-1]
    x = torch.randn(2, 8, 40)
    xg = x.clone().requires_grad_(True)
    for cam in (GradCAM(model, layer), ECGradCAM(model, layer)):
        assert cam.attribute(x, 0).shape == cam.attribute(xg, 0).shape == x.shape
        assert {name: m.training for name, m in model.named_modules()} == flags
        assert not layer._forward_hooks and all(not m._forward_hooks for m in model.modules())
        assert not x.requires_grad and xg.requires_grad and xg.grad is None
        assert all(p.grad is None for p in model.parameters())
    assert channel_sum_map(model, layer, x).shape == (2, 15)  # (40 - 9) // 2
    assert not layer._forward_hooks and {name: m.training for name, m in model.named_modules()} == flags
    # the map is computed in eval mode whatever the model's mode
    in_train_mode = GradCAM(model, layer).attribute(x, 0)
    model.eval()
    assert torch.equal(GradCAM(model, layer).attribute(x, 0), in_train_mode)
    # it works under no_grad and with frozen parameters, and leaves grad mode as it was
    for p in model.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        assert torch.equal(GradCAM(model, layer).attribute(x, 0), in_train_mode)
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_errors_leave_no_hooks(tiny):
    with pytest.raises(ParameterError, match="target=3"):
        GradCAM(tiny, tiny.pool).attribute(X, 3)
    with pytest.raises(ParameterError, match=r"output \(1, 3\): expected \(batch, C, T\)"):
        ECGradCAM(tiny, tiny.head).attribute(X, 0)
    assert all(not m._forward_hooks for m in tiny.modules())
    with pytest.raises(ParameterError, match="not a submodule"):
        GradCAM(tiny, nn.Conv1d(1, 1, 1)).attribute(X)
    with pytest.raises(ParameterError, match="interpolate='bicubic'"):
        GradCAM(tiny, tiny.pool, interpolate="bicubic")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"inputs \(1, 4\)"):
        GradCAM(tiny, tiny.pool).attribute(X[0])
    assert tiny.training and torch.is_grad_enabled()


def test_the_package_does_not_import_captum():
    code = "import sys, ecgstudy.attribution, ecgstudy.models; assert 'captum' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
