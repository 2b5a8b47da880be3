"""The one upsampling and min-max of maps (`ecgstudy.attribution.maps`): hand values, torch references,
and the call sites that use them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ecgstudy.attribution import minmax, upsample
from ecgstudy.errors import ParameterError


def test_linear_upsampling_by_hand():
    # T = 2 -> 4: output sample i sits at source position (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 (clamped)
    assert upsample(torch.tensor([[0.0, 1.0]]), 4).tolist() == [[0.0, 0.25, 0.75, 1.0]]
    # T = 3 -> 6: positions -0.25, 0.25, 0.75, 1.25, 1.75, 2.25 over [0, 4, 8]
    assert upsample(torch.tensor([[0.0, 4.0, 8.0]]), 6).tolist() == [[0.0, 1.0, 3.0, 5.0, 7.0, 8.0]]
    assert upsample(torch.tensor([[[0.0, 1.0]], [[2.0, 2.0]]]), 3, mode="nearest").tolist() == [
        [[0.0, 0.0, 1.0]], [[2.0, 2.0, 2.0]]]


def test_upsampling_equals_torch_interpolate_for_2d_and_3d_maps():
    torch.manual_seed(0)
    maps = torch.randn(4, 295)
    ref = F.interpolate(maps[:, None], size=600, mode="linear", align_corners=False)[:, 0]
    assert torch.equal(upsample(maps, 600), ref)
    response = torch.randn(3, 5, 38)
    assert torch.equal(upsample(response, 1000), F.interpolate(response, size=1000, mode="linear",
                                                                 align_corners=False))
    assert torch.equal(upsample(maps, 600, mode="nearest"), F.interpolate(maps[:, None], size=600)[:, 0])


def test_upsampling_refuses_bad_shapes_and_modes():
    with pytest.raises(ParameterError, match="shape"):
        upsample(torch.zeros(5), 10)
    with pytest.raises(ParameterError, match="mode"):
        upsample(torch.zeros(1, 5), 10, mode="cubic")  # type: ignore[arg-type]


def test_minmax_by_hand():
    h = torch.tensor([[2.0, 4.0, 3.0], [5.0, 5.0, 5.0], [-1.0, 0.0, 1.0], [0.0, float("nan"), 1.0]])
    assert minmax(h).tolist() == [[0.0, 1.0, 0.5], [0.0, 0.0, 0.0], [0.0, 0.5, 1.0], [0.0, 0.0, 0.0]]


def test_minmax_equals_the_formula_the_ecgradcam_maps_used():
    """Bit-identical to ``((h - lo) / span.clamp_min(1e-30)) * (span > 0)`` (the former
    ``studies/ecgradcam/maps.py::_minmax``) whenever the span is 0 or at least 1e-30."""
    torch.manual_seed(1)
    h = torch.cat([torch.randn(50, 295) * 10.0 ** torch.randint(-20, 20, (50, 1)), torch.full((2, 295), 3.0)])
    lo = h.amin(dim=-1, keepdim=True)
    span = h.amax(dim=-1, keepdim=True) - lo
    assert torch.equal(minmax(h), ((h - lo) / span.clamp_min(1e-30)) * (span > 0))


def test_gradcam_and_xecgnet_attention_use_the_same_upsampling():
    from ecgstudy.models import upsample_attention

    m = torch.rand(3, 1, 38)
    assert torch.equal(upsample_attention(m, 1000), upsample(m[:, 0], 1000))
    assert torch.equal(upsample_attention(m[:, 0], 1000), upsample(m, 1000)[:, 0])
    np.testing.assert_array_equal(upsample(m[:, 0], 1000).numpy(),
                                  F.interpolate(m, size=1000, mode="linear", align_corners=False)[:, 0].numpy())
