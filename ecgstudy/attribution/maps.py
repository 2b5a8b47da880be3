"""Operations on attribution and attention maps: upsampling to the input's time axis and min-max scaling.

The one implementation of each used by the package (Grad-CAM, ECGradCAM, the xECGNet attention and
class response maps).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from ecgstudy.errors import ParameterError

InterpolateMode = Literal["linear", "nearest"]
INTERPOLATE_MODES: tuple[str, ...] = ("linear", "nearest")


def upsample(maps: Tensor, n_samples: int, *, mode: InterpolateMode = "linear") -> Tensor:
    """Maps ``(batch, T)`` or ``(batch, channels, T)`` -> the same with ``n_samples`` time steps.

    ``"linear"``: ``F.interpolate(mode="linear", align_corners=False)``, step ``t`` centred on
    sample ``(t + 0.5) * n_samples / T - 0.5``, clamped at the edges (what ``cv2.resize`` does);
    values stay in the range of the map. ``"nearest"``: PyTorch's legacy nearest (source step
    ``floor(i * T / n_samples)``), as captum uses.

    >>> upsample(torch.tensor([[0.0, 1.0]]), 4).tolist()
    [[0.0, 0.25, 0.75, 1.0]]
    >>> upsample(torch.tensor([[[0.0, 1.0]]]), 4, mode="nearest").tolist()
    [[[0.0, 0.0, 1.0, 1.0]]]
    """
    if mode not in INTERPOLATE_MODES:
        raise ParameterError(f"upsample: mode={mode!r}: expected one of {', '.join(INTERPOLATE_MODES)}")
    if maps.ndim not in (2, 3) or n_samples < 1:
        raise ParameterError(f"upsample: maps shape {tuple(maps.shape)}, n_samples={n_samples}: "
                             "expected (batch, T) or (batch, channels, T) and n_samples >= 1")
    kwargs = {"align_corners": False} if mode == "linear" else {}
    if maps.ndim == 2:
        return F.interpolate(maps.unsqueeze(1), size=n_samples, mode=mode, **kwargs).squeeze(1)
    return F.interpolate(maps, size=n_samples, mode=mode, **kwargs)


def minmax(maps: Tensor) -> Tensor:
    """Min-max scale each map (the last axis) to [0, 1]; a constant map (or one holding NaN) becomes zeros.

    >>> minmax(torch.tensor([[2.0, 4.0, 3.0], [5.0, 5.0, 5.0]])).tolist()
    [[0.0, 1.0, 0.5], [0.0, 0.0, 0.0]]
    """
    lo = maps.amin(dim=-1, keepdim=True)
    span = maps.amax(dim=-1, keepdim=True) - lo
    ok = span > 0
    return torch.where(ok, (maps - lo) / torch.where(ok, span, torch.ones_like(span)), torch.zeros_like(maps))
