"""1-D U-Net segmenter of Hu et al. (ICLR 2021 submission), as in the authors' ``UNet1d``.

Each contracting level is ``[MaxPool(2)] -> 2x (Conv1d k 'same', InstanceNorm1d, LeakyReLU)``;
each expanding level is ``ConvTranspose1d(k=2, s=2) -> concat(skip, up) -> 2x (Conv1d, LeakyReLU)``
without normalisation; a final 1x1 convolution maps to ``out_channels`` (1 in the paper: one
attention trace shared by every lead), with no activation. With ``depth=3`` and 32 base
channels the widths are 32/64/128/256 (bottleneck 256).

The authors centre-crop the up-sampled map to the skip's length; here lengths must be
divisible by ``2**depth`` (2,000 and 5,000 are divisible by 8), so no cropping is needed and
any other length raises :class:`ParameterError` instead of being silently cropped.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.errors import ParameterError


def _conv(c_in: int, c_out: int, kernel_size: int, negative_slope: float, norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv1d(c_in, c_out, kernel_size, padding="same")]
    if norm:
        layers.append(nn.InstanceNorm1d(c_out))  # affine=False as in the authors' code: no parameters
    layers.append(nn.LeakyReLU(negative_slope, inplace=True))
    return layers


class UNet1d(nn.Module):
    """1-D U-Net: ``(batch, in_leads, samples) -> (batch, out_channels, samples)``.

    Args:
        in_leads: input channels (ECG leads).
        base_channels: width of the first level; level ``i`` has ``base_channels * 2**i``.
        depth: number of down-sampling steps; ``samples`` must be divisible by ``2**depth``.
        kernel_size: length of every 'same'-padded convolution.
        negative_slope: LeakyReLU slope.
        out_channels: channels of the final 1x1 convolution (1 in the paper).
    """

    def __init__(
        self,
        *,
        in_leads: int,
        base_channels: int = 32,
        depth: int = 3,
        kernel_size: int = 5,
        negative_slope: float = 0.01,
        out_channels: int = 1,
    ) -> None:
        super().__init__()
        if in_leads < 1 or base_channels < 1 or depth < 0 or kernel_size < 1 or out_channels < 1:
            raise ParameterError(
                f"UNet1d: in_leads={in_leads}, base_channels={base_channels}, depth={depth}, "
                f"kernel_size={kernel_size}, out_channels={out_channels}: all must be >= 1 (depth >= 0)"
            )
        self.depth = depth
        widths = [base_channels * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        for i, w in enumerate(widths):
            c_in = in_leads if i == 0 else widths[i - 1]
            pool = [nn.MaxPool1d(2)] if i > 0 else []
            self.down.append(
                nn.Sequential(
                    *pool,
                    *_conv(c_in, w, kernel_size, negative_slope, norm=True),
                    *_conv(w, w, kernel_size, negative_slope, norm=True),
                )
            )
        self.up = nn.ModuleList(
            nn.ConvTranspose1d(widths[i + 1], widths[i], kernel_size=2, stride=2) for i in reversed(range(depth))
        )
        self.merge = nn.ModuleList(
            nn.Sequential(
                *_conv(2 * widths[i], widths[i], kernel_size, negative_slope, norm=False),
                *_conv(widths[i], widths[i], kernel_size, negative_slope, norm=False),
            )
            for i in reversed(range(depth))
        )
        self.head = nn.Conv1d(widths[0], out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        """``(batch, in_leads, samples) -> (batch, out_channels, samples)``."""
        if x.ndim != 3 or x.shape[-1] % 2**self.depth:
            raise ParameterError(
                f"UNet1d: input shape {tuple(x.shape)}: expected (batch, leads, samples) "
                f"with samples divisible by 2**depth = {2**self.depth}"
            )
        skips: list[Tensor] = []
        for level in self.down:
            x = level(x)
            skips.append(x)
        skips.pop()  # the bottleneck output is x itself
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat((skips.pop(), up(x)), dim=1))  # skip first, as the authors' torch.cat((x, crop))
        return self.head(x)
