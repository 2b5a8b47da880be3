"""xECGNet (Yoo et al., CMPB 2021): output lengths, Keras 'same' pooling, the Keras parameter
count, the two attention heads, the (1 + M) modulation, and the loss computed by hand."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from ecgstudy.errors import ParameterError
from ecgstudy.losses import XecgLoss, xecgnet_loss
from ecgstudy.models import XecgNet, XecgOutput, output_length, upsample_attention
from ecgstudy.models.xecgnet import BN_EPS, BN_MOMENTUM, Bottleneck, same_max_pool1d

POOLS_100HZ = (3, 3, 3, 1, 1)


@pytest.fixture(scope="module")
def small_model() -> XecgNet:
    torch.manual_seed(0)
    return XecgNet(in_leads=12, n_classes=9, pool_sizes=POOLS_100HZ)


def keras_param_count(m: nn.Module) -> int:
    """Keras' "Total params": trainable parameters + BN moving mean and variance."""
    stats = sum(b.numel() for name, b in m.named_buffers() if name.endswith(("running_mean", "running_var")))
    return sum(p.numel() for p in m.parameters()) + stats


# --- lengths and pooling -----------------------------------------------------------------


def test_output_length_by_hand():
    # 72,000 -> 24,000 -> 8,000 -> ceil(2,666.7) = 2,667 -> 889 -> ceil(296.3) = 297
    assert output_length(72_000, (3, 3, 3, 3, 3)) == 297
    assert output_length(1_000, POOLS_100HZ) == 38  # 334, 112, 38, 38, 38
    assert output_length(2_000, (3, 3, 3, 3, 3)) == 9  # 667, 223, 75, 25, 9
    assert output_length(1_000, (3, 3, 3, 3, 3)) == 5  # 334, 112, 38, 13, 5
    assert output_length(7, (1, 1, 1, 1, 1)) == 7
    with pytest.raises(ParameterError, match="must be >= 1"):
        output_length(100, (3, 0, 3, 3, 3))


def test_same_max_pool_windows_follow_tensorflow_padding():
    # n = 4, pool 3: TF pads 2 = 1 left + 1 right -> windows [-inf,0,1], [2,3,-inf]
    x = torch.arange(4.0).view(1, 1, 4)
    assert same_max_pool1d(x, 3).flatten().tolist() == [1.0, 3.0]
    # ceil_mode pads on the right only ([0,1,2], [3]): a different answer
    assert nn.functional.max_pool1d(x, 3, 3, ceil_mode=True).flatten().tolist() == [2.0, 3.0]
    # n = 5: 1 padded sample, all on the right -> [0,1,2], [3,4,-inf]
    assert same_max_pool1d(torch.arange(5.0).view(1, 1, 5), 3).flatten().tolist() == [2.0, 4.0]
    # n = 6: no padding; pool 1 is the identity
    assert same_max_pool1d(torch.arange(6.0).view(1, 1, 6), 3).flatten().tolist() == [2.0, 5.0]
    assert torch.equal(same_max_pool1d(x, 1), x)
    # negative inputs: the -inf padding never wins
    assert same_max_pool1d(-torch.arange(1.0, 5.0).view(1, 1, 4), 3).flatten().tolist() == [-1.0, -3.0]


@pytest.mark.parametrize("n_samples", [2_000, 1_000])
def test_forward_length_matches_output_length(n_samples):
    torch.manual_seed(0)
    model = XecgNet(in_leads=2, n_classes=3).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 2, n_samples))
    t = output_length(n_samples, (3, 3, 3, 3, 3))
    assert out.response.shape == (1, 3, t) and out.attention.shape == (1, 1, t)
    assert model.time_steps(n_samples) == t


def test_authors_input_length_gives_297_steps():
    torch.manual_seed(0)
    model = XecgNet().eval()
    with torch.no_grad():
        out = model(torch.randn(1, 12, 72_000))
    assert out.response.shape == (1, 9, 297)
    assert out.attention.shape == (1, 1, 297)
    assert out.logits_att.shape == out.logits_per.shape == out.probs.shape == (1, 9)


# --- architecture ------------------------------------------------------------------------


def test_keras_parameter_count():
    # Conv k3 with bias + BN (4 per channel in Keras) in the backbone:
    backbone_convs = [(12, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
                      (256, 512), (512, 512), (512, 512), (512, 512), (512, 256), (256, 128)]
    backbone = sum(3 * ci * co + co + 4 * co for ci, co in backbone_convs)
    assert backbone == 3_841_792
    # bottleneck(128 -> 256), bias-free convs: 1x1 128->64, k3 64->64, 1x1 64->256, shortcut 1x1 128->256
    bottleneck = 128 * 64 + 4 * 64 + 3 * 64 * 64 + 4 * 64 + 64 * 256 + 4 * 256 + 128 * 256 + 4 * 256
    assert bottleneck == 72_192
    # attention: bottleneck, BN(256), Conv1x1 256->9 *without* bias, Conv1x1 9->1 (no bias), BN(1)
    attention = bottleneck + 4 * 256 + 256 * 9 + 9 + 4
    # perception: bottleneck, Dense 256->512, Dense 512->9
    perception = bottleneck + 256 * 512 + 512 + 512 * 9 + 9
    assert backbone + attention + perception == 4_125_718  # the authors' Keras summary
    model = XecgNet(in_leads=12, n_classes=9)
    assert keras_param_count(model) == 4_125_718
    bn_channels = sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm1d))
    assert bn_channels == 5_121
    assert sum(p.numel() for p in model.parameters()) == 4_125_718 - 2 * 5_121 == 4_115_476
    # the ABN head adds Conv1x1 9->9 with bias
    assert keras_param_count(XecgNet(attention_head="abn")) == 4_125_718 + 9 * 9 + 9


def test_keras_batchnorm_and_initialisation(small_model):
    bns = [m for m in small_model.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(bns) == 13 + 2 * 4 + 2
    assert all(m.eps == BN_EPS == 1.001e-5 and m.momentum == BN_MOMENTUM == 0.01 for m in bns)
    # backbone convs have a bias (zero at init); branch convs have none
    backbone_convs = [m for m in small_model.backbone if isinstance(m, nn.Conv1d)]
    assert len(backbone_convs) == 13 and all(m.bias is not None and not m.bias.any() for m in backbone_convs)
    for branch in (small_model.att_bottleneck, small_model.per_bottleneck, small_model.att_response,
                   small_model.att_map):
        assert all(m.bias is None for m in branch.modules() if isinstance(m, nn.Conv1d))
    # Glorot-uniform kernels: |w| <= sqrt(6 / (fan_in + fan_out))
    first = backbone_convs[0]
    assert first.weight.abs().max() <= math.sqrt(6 / (3 * 12 + 3 * 64))
    assert first.weight.abs().max() > 0.9 * math.sqrt(6 / (3 * 12 + 3 * 64))
    assert isinstance(small_model.att_bottleneck, Bottleneck)


def test_constructor_and_input_validation():
    with pytest.raises(ParameterError, match="pool_sizes"):
        XecgNet(pool_sizes=(3, 3, 3))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="pool_sizes"):
        XecgNet(pool_sizes=(3, 3, 0, 3, 3))
    with pytest.raises(ParameterError, match="attention_head='fukui'"):
        XecgNet(attention_head="fukui")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="n_classes=0"):
        XecgNet(n_classes=0)
    with pytest.raises(ParameterError, match=r"expected \(batch, 2, samples\)"):
        XecgNet(in_leads=2, pool_sizes=POOLS_100HZ)(torch.randn(1, 3, 100))


# --- outputs -----------------------------------------------------------------------------


def test_output_ranges_and_authors_head(small_model):
    torch.manual_seed(1)
    out = small_model.train()(torch.randn(3, 12, 1_000))
    assert isinstance(out, XecgOutput)
    assert out.response.shape == (3, 9, 38) and out.attention.shape == (3, 1, 38)
    assert (out.response >= 0).all()
    assert ((out.attention >= 0) & (out.attention <= 1)).all()
    torch.testing.assert_close(out.logits_att, out.response.mean(dim=-1))
    torch.testing.assert_close(out.probs, (torch.sigmoid(out.logits_att) + torch.sigmoid(out.logits_per)) / 2)
    assert (torch.sigmoid(out.logits_att) >= 0.5).all()  # the authors' head cannot predict "absent"
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.probs = out.probs  # type: ignore[misc]


def test_abn_head_can_predict_absent():
    torch.manual_seed(0)
    model = XecgNet(in_leads=2, n_classes=3, pool_sizes=POOLS_100HZ, attention_head="abn").eval()
    with torch.no_grad():
        model.att_pred.weight.copy_(-torch.eye(3).unsqueeze(-1))
        model.att_pred.bias.fill_(-1.0)
        out = model(torch.randn(2, 2, 500))
    # logits_att = mean_t(-A - 1) = -mean_t A - 1 <= -1
    torch.testing.assert_close(out.logits_att, -out.response.mean(dim=-1) - 1)
    assert (torch.sigmoid(out.logits_att) < 0.5).all()
    assert XecgNet(in_leads=2, n_classes=3).att_pred is None


def test_features_are_modulated_by_one_plus_m(small_model):
    model = small_model.eval()
    captured: dict[str, torch.Tensor] = {}
    forced = torch.linspace(0, 1, 38).view(1, 1, 38).repeat(2, 1, 1)
    hooks = [
        model.backbone.register_forward_hook(lambda m, i, o: captured.__setitem__("f", o)),
        model.att_map.register_forward_hook(lambda m, i, o: forced),
        model.per_bottleneck.register_forward_pre_hook(lambda m, i: captured.__setitem__("f_mod", i[0])),
    ]
    try:
        with torch.no_grad():
            out = model(torch.randn(2, 12, 1_000))
    finally:
        for h in hooks:
            h.remove()
    f = captured["f"]
    assert f.shape == (2, 128, 38)
    torch.testing.assert_close(out.attention, forced)
    torch.testing.assert_close(captured["f_mod"], (1 + forced) * f)  # broadcast over the 128 channels
    torch.testing.assert_close(captured["f_mod"][:, :, 0], f[:, :, 0])  # M = 0: unchanged
    torch.testing.assert_close(captured["f_mod"][:, :, -1], 2 * f[:, :, -1])  # M = 1: doubled


def test_eval_is_deterministic_and_batch_items_independent(small_model):
    model = small_model.eval()
    torch.manual_seed(2)
    x = torch.randn(3, 12, 600)
    with torch.no_grad():
        a, b = model(x), model(x)
        singles = [model(x[i : i + 1]) for i in range(3)]
    for name in ("logits_att", "logits_per", "probs", "response", "attention"):
        assert torch.equal(getattr(a, name), getattr(b, name))
        batch_of_singles = torch.cat([getattr(s, name) for s in singles])
        torch.testing.assert_close(getattr(a, name), batch_of_singles, rtol=1e-4, atol=1e-5)


def test_every_parameter_gets_a_gradient():
    torch.manual_seed(0)
    model = XecgNet(in_leads=2, n_classes=3, pool_sizes=POOLS_100HZ, attention_head="abn")
    out = model(torch.randn(3, 2, 150))
    y = torch.tensor([[1.0, 0, 0], [0, 1, 1], [0, 0, 0]])
    xecgnet_loss(out, y, gamma=0.1).total.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []


def test_upsample_attention_by_hand():
    m = torch.tensor([[[0.0, 1.0]]])  # (1, 1, T=2)
    # align_corners=False: output i reads source (i + 0.5) * 2 / 4 - 0.5 = -0.25, 0.25, 0.75, 1.25 (clamped)
    torch.testing.assert_close(upsample_attention(m, 4), torch.tensor([[0.0, 0.25, 0.75, 1.0]]))
    torch.testing.assert_close(upsample_attention(m[:, 0], 4), torch.tensor([[0.0, 0.25, 0.75, 1.0]]))
    assert upsample_attention(torch.full((3, 1, 38), 0.3), 1_000).shape == (3, 1_000)
    torch.testing.assert_close(upsample_attention(torch.full((3, 1, 38), 0.3), 1_000), torch.full((3, 1_000), 0.3))
    with pytest.raises(ParameterError, match="expected"):
        upsample_attention(torch.zeros(2, 3, 5), 10)


# --- loss --------------------------------------------------------------------------------

# 2 samples, 3 classes, T = 2
A = torch.tensor([[[1.0, 3.0], [2.0, 0.0], [0.0, 4.0]],
                  [[0.0, 2.0], [9.0, 1.0], [3.0, 3.0]]])
M = torch.tensor([[[0.5, 1.0]], [[0.0, 0.5]]])
Y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
LOGITS_PER = torch.tensor([[0.5, -1.0, 2.0], [-2.0, 0.0, 1.0]])


def softplus(z: float) -> float:
    return math.log1p(math.exp(z))


# BCE with logits: -log(sigmoid(z)) = softplus(-z) for y = 1, softplus(z) for y = 0.
# logits_att = mean_t A = [[2, 1, 2], [1, 5, 3]]
BCE_ATT = (softplus(-2) + softplus(1) + softplus(-2) + softplus(1) + softplus(-5) + softplus(3)) / 6
BCE_PER = (softplus(-0.5) + softplus(-1) + softplus(-2) + softplus(-2) + softplus(0) + softplus(1)) / 6
# paper: R0 = (A00 + A02) / 2 = [0.5, 3.5], R0 - M0 = [0, 2.5] -> D0 = 2.5
#        R1 = A11 = [9, 1],               R1 - M1 = [9, 0.5] -> D1 = sqrt(81.25) ~ 9.01
REG_PAPER = (2.5 + math.sqrt(81.25)) / 2
# authors: R0 = (A00 + A02) / 3 = [1/3, 7/3], R0 - M0 = [-1/6, 4/3] -> D0 = sqrt(65) / 6 ~ 1.34 < 2
#          R1 = A11 / 3 = [3, 1/3],       R1 - M1 = [3, -1/6]  -> D1 = sqrt(325) / 6 ~ 3.005 -> mod 2 = 1.005
REG_AUTHORS = (math.sqrt(65) / 6 + (math.sqrt(325) / 6 - 2)) / 2


def hand_output(response: torch.Tensor = A) -> XecgOutput:
    logits_att = response.mean(dim=-1)
    logits_per = LOGITS_PER.clone()
    probs = (torch.sigmoid(logits_att) + torch.sigmoid(logits_per)) / 2
    return XecgOutput(logits_att, logits_per, probs, response, M.clone())


def test_loss_paper_by_hand():
    loss = xecgnet_loss(hand_output(), Y, gamma=0.1)
    assert isinstance(loss, XecgLoss)
    assert loss.bce_att.item() == pytest.approx(BCE_ATT, rel=1e-6)
    assert loss.bce_per.item() == pytest.approx(BCE_PER, rel=1e-6)
    assert loss.reg.item() == pytest.approx(REG_PAPER, rel=1e-6)
    assert loss.total.item() == pytest.approx(BCE_ATT + BCE_PER + 0.1 * REG_PAPER, rel=1e-6)


def test_loss_authors_code_by_hand_with_modulo():
    loss = xecgnet_loss(hand_output(), Y, gamma=0.1, regulariser="authors_code")
    assert math.sqrt(325) / 6 > 2  # D1 exceeds the batch size: the modulo bites
    assert loss.reg.item() == pytest.approx(REG_AUTHORS, rel=1e-6)
    assert loss.bce_att.item() == pytest.approx(BCE_ATT, rel=1e-6)
    # the per-sample loss is added to both outputs: 2 * gamma
    assert loss.total.item() == pytest.approx(BCE_ATT + BCE_PER + 2 * 0.1 * REG_AUTHORS, rel=1e-6)


def test_loss_sample_without_labels_has_zero_reference_in_paper_mode():
    y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    loss = xecgnet_loss(hand_output(), y, gamma=1.0)
    # sample 1: R = 0, D1 = ||M1|| = ||[0, 0.5]|| = 0.5
    assert loss.reg.item() == pytest.approx((2.5 + 0.5) / 2, rel=1e-6)


@pytest.mark.parametrize("regulariser", ["paper", "authors_code"])
def test_loss_gamma_zero_is_bce_sum(regulariser):
    loss = xecgnet_loss(hand_output(), Y, gamma=0.0, regulariser=regulariser)
    assert loss.total.item() == pytest.approx(BCE_ATT + BCE_PER, rel=1e-6)
    assert loss.reg.item() > 0


def test_stop_gradient_changes_gradient_not_value():
    grads, totals = {}, {}
    for stop in (False, True):
        response = A.clone().requires_grad_(True)
        loss = xecgnet_loss(hand_output(response), Y, gamma=1.0, stop_gradient=stop)
        loss.total.backward()
        grads[stop], totals[stop] = response.grad, loss.total.item()
    assert totals[False] == pytest.approx(totals[True], rel=1e-7)
    # with the reference detached only the BCE of logits_att = mean_t A reaches A:
    # d/dA_{b,k,t} = (sigmoid(z_bk) - y_bk) / (B * C) / T
    z = A.mean(dim=-1)
    bce_grad = ((torch.sigmoid(z) - Y) / 6 / 2).unsqueeze(-1).expand(2, 3, 2)
    torch.testing.assert_close(grads[True], bce_grad)
    # the regulariser's part: d mean_b D_b / dA_{b,k,t} = y_bk / n_b * (R_b - M_b)_t / D_b / B
    reg_grad = torch.zeros(2, 3, 2)
    reg_grad[0, 0] = reg_grad[0, 2] = 0.5 * torch.tensor([0.0, 2.5]) / 2.5 / 2
    reg_grad[1, 1] = torch.tensor([9.0, 0.5]) / math.sqrt(81.25) / 2
    torch.testing.assert_close(grads[False] - grads[True], reg_grad)


def test_loss_validation():
    out = hand_output()
    with pytest.raises(ParameterError, match="regulariser='l2'"):
        xecgnet_loss(out, Y, gamma=0.1, regulariser="l2")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="gamma=-0.1"):
        xecgnet_loss(out, Y, gamma=-0.1)
    with pytest.raises(ParameterError, match=r"logits_att shape \(2, 3\): expected \(2, 4\)"):
        xecgnet_loss(out, torch.zeros(2, 4), gamma=0.1)
    bad = XecgOutput(out.logits_att, out.logits_per, out.probs, out.response, torch.zeros(2, 1, 3))
    with pytest.raises(ParameterError, match=r"attention shape \(2, 1, 3\): expected \(2, 1, 2\)"):
        xecgnet_loss(bad, Y, gamma=0.1)
    with pytest.raises(ParameterError, match="0s and 1s"):
        xecgnet_loss(out, Y * 0.9, gamma=0.1)
