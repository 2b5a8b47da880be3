"""Models of Hu et al. (ICLR 2021 submission): shapes, hand-computed poolings, parameter
counts, the attention product, the paper/code classifier variants, and that they can learn."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ecgstudy.errors import ParameterError
from ecgstudy.models import (
    METHODS,
    CascadedModel,
    ClassifierOnly,
    IclrClassifier,
    IclrJointModel,
    IclrOutput,
    L2WindowPool,
    ReluMaxWindowPool,
    UNet1d,
    build_iclr_model,
    window_pool,
)


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


# --- U-Net -----------------------------------------------------------------------------


def test_unet_keeps_length_and_has_one_channel():
    unet = UNet1d(in_leads=2)
    assert unet(torch.randn(2, 2, 2000)).shape == (2, 1, 2000)
    assert UNet1d(in_leads=12, out_channels=12)(torch.randn(1, 12, 64)).shape == (1, 12, 64)


@pytest.mark.parametrize("samples", [2001, 2004, 100])
def test_unet_rejects_length_not_divisible_by_8(samples):
    with pytest.raises(ParameterError, match="divisible by 2\\*\\*depth = 8"):
        UNet1d(in_leads=2)(torch.randn(1, 2, samples))


def test_unet_parameter_count():
    # Conv1d(c_in, c_out, 5) has 5*c_in*c_out + c_out parameters; InstanceNorm has none.
    # down: (2*5+1)*32 + (32*5+1)*32 | (32*5+1)*64 + (64*5+1)*64 | ... | (256*5+1)*256
    # up:   ConvTranspose 256->128, 128->64, 64->32 (k=2); merges (2w*5+1)*w + (w*5+1)*w; head 32+1
    down = sum((ci * 5 + 1) * co for ci, co in [(2, 32), (32, 32), (32, 64), (64, 64), (64, 128),
                                                 (128, 128), (128, 256), (256, 256)])
    up = sum(ci * co * 2 + co for ci, co in [(256, 128), (128, 64), (64, 32)])
    merge = sum((2 * w * 5 + 1) * w + (w * 5 + 1) * w for w in (128, 64, 32))
    assert down + up + merge + 33 == 1_060_801
    assert n_params(UNet1d(in_leads=2)) == 1_060_801
    assert n_params(UNet1d(in_leads=12)) == 1_062_401  # +160 per lead; the spec's "about 1.06 M"


# --- window pooling --------------------------------------------------------------------

X = torch.tensor([[[3.0, 0.0, 1.0, -2.0, 2.0]]])  # squares 9, 0, 1, 4, 4


def test_l2_pool_hand_values():
    # k=3, window [m-1, m+1]: 9+0 | 9+0+1 | 0+1+4 | 1+4+4 | 4+4
    expected = torch.tensor([3.0, math.sqrt(10), math.sqrt(5), 3.0, math.sqrt(8)])
    torch.testing.assert_close(L2WindowPool(kernel_size=3)(X)[0, 0], expected)
    # even k=4, window [m-1, m+2]: 9+0+1 | 9+0+1+4 | 0+1+4+4 | 1+4+4 | 4+4
    expected4 = torch.tensor([math.sqrt(10), math.sqrt(14), 3.0, 3.0, math.sqrt(8)])
    torch.testing.assert_close(L2WindowPool(kernel_size=4)(X)[0, 0], expected4)
    # k=2, window [m, m+1]: 9 | 1 | 5 | 8 | 4
    expected2 = torch.tensor([3.0, 1.0, math.sqrt(5), math.sqrt(8), 2.0])
    torch.testing.assert_close(L2WindowPool(kernel_size=2)(X)[0, 0], expected2)


def test_l2_pool_matches_authors_lppool_for_odd_kernel():
    x = torch.randn(3, 1, 2000)
    theirs = nn.LPPool1d(2, 151, stride=1)(nn.ConstantPad1d(75, 0.0)(x))
    torch.testing.assert_close(L2WindowPool(kernel_size=151)(x), theirs)


def test_l2_pool_gradient_is_finite_on_zero_windows():
    x = torch.zeros(1, 1, 20)
    x[0, 0, 15] = 1.0
    x.requires_grad_(True)
    y = L2WindowPool(kernel_size=3)(x)
    y.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert y[0, 0, 0].item() == pytest.approx(1e-6)  # sqrt of the 1e-12 floor


def test_relu_max_pool_hand_values():
    # relu -> 3, 0, 1, 0, 2; k=3 window [m-1, m+1]
    torch.testing.assert_close(ReluMaxWindowPool(kernel_size=3)(X)[0, 0], torch.tensor([3.0, 3.0, 1.0, 2.0, 2.0]))
    # k=2 window [m, m+1]
    torch.testing.assert_close(ReluMaxWindowPool(kernel_size=2)(X)[0, 0], torch.tensor([3.0, 1.0, 1.0, 2.0, 2.0]))
    # all negative -> zeros, not -inf padding
    assert ReluMaxWindowPool(kernel_size=3)(-X.abs() - 1).abs().max().item() == 0.0


@pytest.mark.parametrize("kind", ["l2", "max", "none"])
@pytest.mark.parametrize("k", [1, 2, 150, 151, 200])
def test_pooling_keeps_length(kind, k):
    assert window_pool(kind, k)(torch.randn(2, 1, 2000)).shape == (2, 1, 2000)


def test_pool_factory_rejects_bad_input():
    with pytest.raises(ParameterError):
        window_pool("avg", 3)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        L2WindowPool(kernel_size=0)


# --- classifier variants ---------------------------------------------------------------


def test_classifier_shapes_and_lengths():
    paper = IclrClassifier(in_leads=2)
    code = IclrClassifier(in_leads=12, variant="authors_code")
    assert paper(torch.randn(3, 2, 2000)).shape == (3, 2)
    assert paper.output_length(2000) == 485
    assert code.output_length(2000) == 484
    assert code.output_length(5000) == 1234  # spec: final length 1,234 for N = 5,000
    with pytest.raises(ParameterError):
        paper(torch.randn(1, 2, 40))


def test_classifier_parameter_counts():
    # code variant, 12 leads: stem (12*5+1)*32 + 64 BN, blocks 2-5, fc 128*128+128, 128*2+2
    assert n_params(IclrClassifier(in_leads=12, variant="authors_code")) == 225_314
    assert n_params(IclrClassifier(in_leads=2, variant="authors_code")) == 223_714
    assert n_params(IclrClassifier(in_leads=2)) == 223_458  # stem kernel 1: 4*2*32 = 256 fewer


def test_authors_code_variant_differs_exactly_where_documented():
    paper = IclrClassifier(in_leads=2, variant="paper")
    code = IclrClassifier(in_leads=2, variant="authors_code")
    assert paper.stem[0].kernel_size == (1,) and code.stem[0].kernel_size == (5,)
    assert str(paper.blocks) == str(code.blocks)  # identical Conv-BN-ReLU blocks (block 4 included)
    for block in code.blocks:
        assert [type(m) for m in block] == [nn.Conv1d, nn.BatchNorm1d, nn.ReLU] * 2
    assert [type(m) for m in paper.head] == [nn.Linear, nn.ReLU, nn.Linear]
    assert [type(m) for m in code.head] == [nn.Linear, nn.ReLU, nn.Dropout, nn.Linear, nn.ReLU]
    assert code.head[2].p == 0.6
    # ReLU on the logits: in eval mode every logit is >= 0
    logits = []
    code.head[-1].register_forward_hook(lambda m, i, o: logits.append(o))
    code.eval()
    code(torch.randn(8, 2, 200))
    assert (logits[0] >= 0).all()


# --- joint model and baselines ---------------------------------------------------------


def test_attention_broadcasts_over_every_lead():
    torch.manual_seed(0)
    model = IclrJointModel(in_leads=3, pooling="l2", kernel_size=15).eval()
    d = torch.randn(2, 3, 64)
    out = model(d)
    assert isinstance(out, IclrOutput)
    assert out.log_probs.shape == (2, 2)
    assert out.attention.shape == (2, 1, 64)
    assert out.after_attention.shape == (2, 3, 64)
    a = window_pool("l2", 15)(model.segmenter(d))
    torch.testing.assert_close(out.attention, a)
    for lead in range(3):
        torch.testing.assert_close(out.after_attention[:, lead], a[:, 0] * d[:, lead])
    torch.testing.assert_close(out.log_probs, model.classifier(out.after_attention))


def test_factory_methods_and_baselines():
    x = torch.randn(2, 2, 2000)
    kinds = {"classifier": ClassifierOnly, "cascaded": CascadedModel, "max": IclrJointModel, "l2": IclrJointModel}
    for method in METHODS:
        model = build_iclr_model(method, in_leads=2)
        assert type(model) is kinds[method]
        out = model(x)
        assert out.log_probs.shape == (2, 2)
        torch.testing.assert_close(out.log_probs.exp().sum(1), torch.ones(2))
        assert (out.attention is None) == (method in ("classifier", "cascaded"))
    cascaded = build_iclr_model("cascaded", in_leads=2)
    assert cascaded.classifier.stem[0].in_channels == 1  # fed the 1-channel U-Net output
    assert n_params(cascaded.segmenter) == 1_060_801
    assert n_params(build_iclr_model("l2", in_leads=2)) == 1_060_801 + 223_458
    with pytest.raises(ParameterError):
        build_iclr_model("avg", in_leads=2)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        build_iclr_model("l2", in_leads=2)(torch.randn(1, 2, 2001))


@pytest.mark.parametrize("method", ["l2", "classifier"])
def test_tiny_batch_is_overfit(method):
    torch.manual_seed(0)
    x = torch.randn(8, 2, 64)
    y = torch.tensor([0, 1] * 4)
    model = build_iclr_model(method, in_leads=2, kernel_size=15)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(150):
        opt.zero_grad()
        loss = nn.functional.nll_loss(model(x).log_probs, y)
        loss.backward()
        opt.step()
    out = model(x).log_probs
    assert nn.functional.nll_loss(out, y).item() < 0.05
    assert (out.argmax(1) == y).float().mean().item() == 1.0
