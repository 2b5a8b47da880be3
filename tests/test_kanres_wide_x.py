"""KanResWide_X (Hicks et al., Sci Rep 2021): lengths, Keras 'same' padding of the even kernel,
the Keras parameter count, the residual addition, Keras BatchNorm / initialisation, eval determinism."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ecgstudy.errors import ParameterError
from ecgstudy.models import KanResModule, KanResWideX
from ecgstudy.models.kanres_wide_x import (
    BN_EPS,
    BN_MOMENTUM,
    KerasSameConv1d,
    keras_param_count,
    keras_same_padding,
    output_steps,
)
from ecgstudy.testing import randomise_batchnorm_


@pytest.fixture(scope="module")
def model() -> KanResWideX:
    torch.manual_seed(0)
    return randomise_batchnorm_(KanResWideX()).eval()


# --- lengths -------------------------------------------------------------------------------------


def test_lengths_600_593_591_295(model):
    x = torch.randn(2, 8, 600)
    with torch.no_grad():
        assert model.init[0](x).shape == (2, 64, 593)  # k8 'valid': 600 - 7
        stem = model.init(x)
        assert stem.shape == (2, 32, 591)  # k3 'valid': 593 - 2
        assert model.pool(stem).shape == (2, 32, 295)  # floor(591 / 2)
        assert model.features(x).shape == (2, 32, 295)
        assert model(x).shape == (2, 1)
    assert output_steps(600) == model.time_steps(600) == 295
    assert output_steps(11) == 1  # the shortest input: 11 -> 4 -> 2 -> 1
    with pytest.raises(ParameterError, match="at least 11"):
        output_steps(10)
    with pytest.raises(ParameterError, match=r"expected \(batch, 8, samples\)"):
        model(torch.randn(1, 12, 600))


# --- Keras 'same' padding of an even kernel ------------------------------------------------------


def _one_tap_conv(kernel_size: int, tap: int) -> KerasSameConv1d:
    conv = KerasSameConv1d(1, 1, kernel_size, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, tap] = 1.0  # y[t] = x[t - left + tap]
    return conv


def test_keras_same_padding_split():
    # TensorFlow: total = k - 1, left = total // 2, right = the rest
    assert keras_same_padding(50) == (24, 25)  # 49 = 24 + 25: the extra zero on the right
    assert keras_same_padding(4) == (1, 2)
    assert keras_same_padding(3) == (1, 1)
    assert keras_same_padding(1) == (0, 0)
    with pytest.raises(ParameterError):
        keras_same_padding(0)


def test_even_kernel_same_padding_by_hand():
    x = torch.arange(1.0, 9.0).view(1, 1, 8)  # [1, ..., 8]
    # k = 4: 1 zero left, 2 right -> y[t] = x[t - 1 + tap]
    expected = {
        0: [0, 1, 2, 3, 4, 5, 6, 7],
        1: [1, 2, 3, 4, 5, 6, 7, 8],
        2: [2, 3, 4, 5, 6, 7, 8, 0],
        3: [3, 4, 5, 6, 7, 8, 0, 0],
    }
    for tap, want in expected.items():
        assert _one_tap_conv(4, tap)(x).flatten().tolist() == want


def test_kernel_50_pads_24_left_25_right():
    x = torch.arange(1.0, 101.0).view(1, 1, 100)
    first = _one_tap_conv(50, 0)(x).flatten()  # y[t] = x[t - 24]
    assert first[:24].tolist() == [0.0] * 24 and first[24:].tolist() == list(range(1, 77))
    last = _one_tap_conv(50, 49)(x).flatten()  # y[t] = x[t + 25]
    assert last[:75].tolist() == list(range(26, 101)) and last[75:].tolist() == [0.0] * 25


def test_pytorch_padding_same_splits_the_same_way():
    # torch 2.13's padding='same' also pads (k - 1) // 2 on the left, the rest on the right
    torch.manual_seed(0)
    conv = KerasSameConv1d(4, 3, 50)
    x = torch.randn(2, 4, 60)
    with pytest.warns(UserWarning, match="even kernel"):
        torch_same = F.conv1d(x, conv.weight, conv.bias, padding="same")
    torch.testing.assert_close(conv(x), torch_same)
    with torch.no_grad():
        mirrored = F.conv1d(F.pad(x, (25, 24)), conv.weight, conv.bias)  # extra zero on the left instead
    assert not torch.allclose(conv(x), mirrored)


# --- architecture --------------------------------------------------------------------------------


def test_keras_parameter_count():
    # Keras counts 4 numbers per BN channel: gamma, beta (trainable), moving mean, variance (not)
    init = (8 * 8 * 64 + 64) + 4 * 64 + (3 * 64 * 32 + 32) + 4 * 32
    assert init == 4_160 + 256 + 6_176 + 128 == 10_720
    module = (50 * 32 * 64 + 64) + 4 * 64 + (50 * 64 * 32 + 32) + 4 * 32
    assert module == 102_464 + 256 + 102_432 + 128 == 205_280
    head = 32 * 1 + 1
    keras_total = init + 8 * module + head
    assert keras_total == 1_652_993  # the notes' number: Keras "Total params", BN statistics included
    bn_channels = 64 + 32 + 8 * (64 + 32)
    assert bn_channels == 864
    trainable = keras_total - 2 * bn_channels
    assert trainable == 1_651_265  # Keras "Trainable params"; "Non-trainable params" = 1,728

    m = KanResWideX()
    assert sum(p.numel() for p in m.parameters()) == trainable
    assert sum(p.numel() for p in m.parameters() if p.requires_grad) == trainable
    assert sum(b.num_features for b in m.modules() if isinstance(b, nn.BatchNorm1d)) == bn_channels
    assert keras_param_count(m) == keras_total
    # 12 leads: only the first kernel grows, by 4 x 8 x 64
    assert keras_param_count(KanResWideX(in_leads=12)) == keras_total + 4 * 8 * 64


def test_keras_batchnorm_and_initialisation():
    torch.manual_seed(0)
    m = KanResWideX()
    bns = [b for b in m.modules() if isinstance(b, nn.BatchNorm1d)]
    assert len(bns) == 2 + 2 * 8
    assert all(b.eps == BN_EPS == 1e-3 and b.momentum == BN_MOMENTUM == 0.01 for b in bns)
    layers = [c for c in m.modules() if isinstance(c, (nn.Conv1d, nn.Linear))]
    assert len(layers) == 2 + 2 * 8 + 1
    for c in layers:
        assert c.bias is not None and not c.bias.any()  # Keras: use_bias=True, zeros
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(c.weight)
        bound = math.sqrt(6 / (fan_in + fan_out))  # Glorot-uniform
        assert c.weight.abs().max() <= bound
        if c.weight.numel() >= 1_000:  # uniform on [-bound, bound], not a narrower law
            assert c.weight.abs().max() > 0.99 * bound


def test_residual_module_is_input_plus_branch(model):
    block = model.blocks[2]
    assert isinstance(block, KanResModule)
    torch.manual_seed(1)
    x = torch.randn(1, 32, 295)
    with torch.no_grad():
        branch = block.relu2(block.bn2(block.conv2(block.relu1(block.bn1(block.conv1(x))))))
        out = block(x)
    assert torch.equal(out, branch + x)
    assert torch.equal(block.branch(x), branch)
    assert (branch >= 0).all() and (out < 0).any()  # ReLU inside the branch, none after the addition


def test_named_layers_for_grad_cam(model):
    assert model.adds is model.blocks and len(model.blocks) == 8
    # the authors' "Last Conv" is the last Conv1D layer of the Keras model
    convs = [c for c in model.modules() if isinstance(c, nn.Conv1d)]
    assert convs[-1] is model.blocks[-1].conv2
    seen = {}
    hooks = [
        model.blocks[-1].register_forward_hook(lambda mod, args, out: seen.__setitem__("add", out)),
        model.blocks[-1].conv2.register_forward_hook(lambda mod, args, out: seen.__setitem__("conv", out)),
    ]
    x = torch.randn(1, 8, 600)
    with torch.no_grad():
        y = model(x)
    for h in hooks:
        h.remove()
    assert seen["add"].shape == seen["conv"].shape == (1, 32, 295)
    torch.testing.assert_close(y, model.head(seen["add"].mean(dim=-1)))  # "Last Add" feeds the pooling


def test_eval_is_deterministic_and_per_sample(model):
    torch.manual_seed(2)
    x = torch.randn(3, 8, 600)
    with torch.no_grad():
        a, b = model(x), model(x)
        alone = model(x[1:2])
    assert torch.equal(a, b)
    torch.testing.assert_close(alone, a[1:2], atol=1e-5, rtol=1e-5)


def test_bad_arguments_are_refused():
    with pytest.raises(ParameterError, match=r"in_leads=0.*n_modules=0"):
        KanResWideX(in_leads=0, n_modules=0)
    m = KanResWideX(in_leads=2, n_outputs=3, n_modules=1, kernel_size=4)
    assert m(torch.randn(2, 2, 30)).shape == (2, 3)


def _difference_filter_model(fp32_input_conv: bool) -> KanResWideX:
    """A model whose first convolution's channel 0 is x[lead 0, t + 1] - x[lead 0, t] (every other weight 0)."""
    m = KanResWideX(in_leads=1, n_modules=1, fp32_input_conv=fp32_input_conv)
    with torch.no_grad():
        m.init[0].weight.zero_()
        m.init[0].bias.zero_()
        m.init[0].weight[0, 0, 0], m.init[0].weight[0, 0, 1] = -1.0, 1.0
    return m.train()


@pytest.mark.parametrize("fp32_input_conv", [False, True])
def test_first_convolution_under_bf16_autocast_keeps_the_sample_differences_only_when_asked(fp32_input_conv):
    # a ramp of 0.001 per sample around 0.75: bf16 spaces numbers in [0.5, 1) by 2**-8 = 0.0039, so its rounded
    # samples differ by 0 or 0.0039, never by 0.001; float32 keeps 0.001 to about 1e-7
    x = (0.75 + 0.001 * (torch.arange(600, dtype=torch.float32) % 150)).reshape(1, 1, 600)
    seen = {}
    m = _difference_filter_model(fp32_input_conv)
    m.init[0].register_forward_hook(lambda mod, i, o: seen.update(out=o))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        m(x)
    diffs = seen["out"][0, 0, :140].float()  # within the first ramp
    if fp32_input_conv:
        assert seen["out"].dtype == torch.float32
        assert torch.allclose(diffs, torch.full_like(diffs, 0.001), atol=1e-6)
    else:
        assert seen["out"].dtype == torch.bfloat16
        steps = torch.unique(diffs)
        assert set(steps.tolist()) <= {0.0, 2.0 ** -8} and (diffs - 0.001).abs().min() > 0.0009


def test_fp32_input_conv_changes_nothing_outside_autocast():
    torch.manual_seed(1)
    a = KanResWideX(in_leads=2, n_modules=2)
    b = KanResWideX(in_leads=2, n_modules=2, fp32_input_conv=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 2, 600)
    assert torch.equal(a.train()(x), b.train()(x)) and torch.equal(a.eval()(x), b.eval()(x))
