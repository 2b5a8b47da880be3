"""KanResWide_X of Hicks et al. (ECGradCAM, Sci Rep 2021): one residual CNN per ECG measurement.

Exact to the authors' Keras code (``stevenah/ecg-attention-maps``, ``src/models/KanResWideX.py``);
input ``(batch, in_leads, samples)``, by default 8-lead median beats (I, II, V1-V6) of 600 samples
(1.2 s at 500 Hz). Shapes are for that default:

* init block: Conv1d(leads -> 64, k8, 'valid'), BN, ReLU, Conv1d(64 -> 32, k3, 'valid'), BN, ReLU:
  600 -> 593 -> 591 samples.
* AvgPool1d(2) ('valid', stride 2): 591 -> 295.
* ``n_modules`` residual modules (:class:`KanResModule`), ``(batch, 32, 295)`` each:
  Conv1d(32 -> 64, k50, 'same'), BN, ReLU, Conv1d(64 -> 32, k50, 'same'), BN, ReLU, plus the
  module input; no activation after the addition.
* mean over time (Keras ``GlobalAveragePooling1D``), Linear(32, n_outputs), linear output
  (regression with MSE, or one logit for sex with BCE).

Every convolution has a bias. BatchNorm uses Keras' defaults, eps = 1e-3 and momentum 0.99
(PyTorch ``momentum=0.01``). Kernels are Glorot-uniform and biases zero, as Keras initialises
them. One known deviation: Keras updates the BN moving variance with the biased batch variance,
and PyTorch uses the unbiased one. The difference is a factor of N / (N - 1), with
N = batch x time steps, so it barely matters.

'Same' padding of the even kernel (k = 50): TensorFlow pads ``k - 1 = 49`` zeros, ``49 // 2 = 24``
on the left and 25 on the right, so output ``t`` is ``sum_j w[j] x[t - 24 + j]``. The extra
sample goes on the right (the end of the beat). :class:`KerasSameConv1d` does this with an
explicit ``F.pad``. PyTorch's ``padding='same'`` (torch 2.13) pads the same way, 24 on the left
and 25 on the right (checked in ``tests/test_kanres_wide_x.py``). It also warns that it copies
the input.

Parameter count for 8 leads and 1 output: 1,651,265 trainable parameters plus 1,728 BN moving
means and variances = 1,652,993, the Keras "Total params" (see :func:`keras_param_count`).

Grad-CAM targets (the layers the authors explain):

* "Last Add": ``model.blocks[-1]``, the output of the last residual addition (``model.adds`` is
  an alias of ``model.blocks``, for the Keras name of these layers).
* "Last Conv": ``model.blocks[-1].conv2``. The authors take the last ``Conv1D`` layer of the
  Keras model, whose output is the convolution before BatchNormalization (and before the ReLU).
  The ReLU output of the same convolution is ``model.blocks[-1].relu2``.
* earlier layers: e.g. ``model.blocks[3]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ecgstudy.errors import ParameterError
from ecgstudy.models.keras_init import keras_init_

#: Keras ``BatchNormalization`` defaults as PyTorch arguments (momentum 0.99 -> 0.01).
BN_EPS = 1e-3
BN_MOMENTUM = 0.01

INIT_WIDTHS = (64, 32)  # init block convolutions' outputs
INIT_KERNELS = (8, 3)  # init block kernels ('valid')
WIDTH = 32  # residual stream channels
INNER = 64  # residual module inner channels
POOL = 2  # average pooling after the init block


def keras_same_padding(kernel_size: int) -> tuple[int, int]:
    """``(left, right)`` zeros Keras 'same' adds for stride 1: ``k - 1`` in all, ``(k - 1) // 2`` on the left."""
    if kernel_size < 1:
        raise ParameterError(f"keras_same_padding: kernel_size={kernel_size}: must be >= 1")
    total = kernel_size - 1
    return total // 2, total - total // 2


class KerasSameConv1d(nn.Conv1d):
    """Stride-1 ``Conv1d`` with Keras 'same' padding: ``(batch, c_in, n) -> (batch, c_out, n)``.

    The input is padded with :func:`keras_same_padding` zeros, so an even kernel gets its extra
    sample on the right. The module output is the convolution itself, so a forward hook on it
    sees what a hook on the Keras ``Conv1D`` layer sees.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, bias=bias)
        self.same_padding = keras_same_padding(kernel_size)

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(F.pad(x, self.same_padding), self.weight, self.bias)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", same_padding={self.same_padding}"


def _bn(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)


class KanResModule(nn.Module):
    """Residual module: ``x + ReLU(BN(conv2(ReLU(BN(conv1(x))))))``, ``(batch, 32, T) -> (batch, 32, T)``.

    ``conv1``: 32 -> 64 and ``conv2``: 64 -> 32, both ``kernel_size`` with Keras 'same' padding.
    The module output is the post-addition tensor (the Keras ``Add`` layer's output).
    """

    def __init__(self, *, channels: int = WIDTH, inner: int = INNER, kernel_size: int = 50) -> None:
        super().__init__()
        self.conv1 = KerasSameConv1d(channels, inner, kernel_size)
        self.bn1 = _bn(inner)
        self.relu1 = nn.ReLU()
        self.conv2 = KerasSameConv1d(inner, channels, kernel_size)
        self.bn2 = _bn(channels)
        self.relu2 = nn.ReLU()

    def branch(self, x: Tensor) -> Tensor:
        """The residual branch alone, before the addition."""
        return self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))

    def forward(self, x: Tensor) -> Tensor:
        return self.branch(x) + x


def output_steps(n_samples: int) -> int:
    """Time steps T of the residual stream: ``(n - 7 - 2) // 2`` (600 -> 593 -> 591 -> 295)."""
    valid = n_samples - sum(k - 1 for k in INIT_KERNELS)
    if valid < POOL:
        raise ParameterError(
            f"output_steps: n_samples={n_samples}: need at least {POOL + sum(k - 1 for k in INIT_KERNELS)}"
        )
    return valid // POOL


def keras_param_count(model: nn.Module) -> int:
    """Keras' "Total params": trainable parameters + BatchNorm moving means and variances."""
    stats = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return sum(p.numel() for p in model.parameters()) + stats


class KanResWideX(nn.Module):
    """KanResWide_X: ``(batch, in_leads, samples) -> (batch, n_outputs)``, linear outputs.

    Args:
        in_leads: input leads (8: I, II, V1-V6).
        n_outputs: outputs (1: one measurement, or one sex logit).
        n_modules: residual modules (8).
        kernel_size: kernel of the residual modules' convolutions (50).
        fp32_input_conv: under autocast (bf16 training), run the first convolution, the one that reads the raw
            signal, in float32. bf16 keeps 8 significant bits, so samples between 0.5 and 1 are rounded to steps of
            0.004: the sample-to-sample differences this layer measures (wave onsets and offsets) are lost. On LUDB's
            QRS duration (fold 0, seeds 0-2) bf16 everywhere cost 2.3 ms of MAE; with this layer in float32 bf16
            matched float32 (``ecgstudy.studies.precision``). Outside autocast it changes nothing.

    Submodules: ``init`` (the init block, ``nn.Sequential``), ``pool``, ``blocks``
    (``nn.ModuleList`` of :class:`KanResModule`; ``adds`` is the same list) and ``head``
    (``nn.Linear``).
    """

    def __init__(self, *, in_leads: int = 8, n_outputs: int = 1, n_modules: int = 8, kernel_size: int = 50,
                 fp32_input_conv: bool = False) -> None:
        super().__init__()
        problems = [
            f"{name}={value}: must be >= 1"
            for name, value in (
                ("in_leads", in_leads),
                ("n_outputs", n_outputs),
                ("n_modules", n_modules),
                ("kernel_size", kernel_size),
            )
            if value < 1
        ]
        if problems:
            raise ParameterError("KanResWideX: " + "; ".join(problems))
        self.in_leads = in_leads
        self.n_outputs = n_outputs
        self.fp32_input_conv = fp32_input_conv
        (w1, w2), (k1, k2) = INIT_WIDTHS, INIT_KERNELS
        self.init = nn.Sequential(
            nn.Conv1d(in_leads, w1, k1), _bn(w1), nn.ReLU(), nn.Conv1d(w1, w2, k2), _bn(w2), nn.ReLU()
        )
        self.pool = nn.AvgPool1d(POOL)
        self.blocks = nn.ModuleList(KanResModule(kernel_size=kernel_size) for _ in range(n_modules))
        self.head = nn.Linear(WIDTH, n_outputs)
        self.reset_parameters()

    @property
    def adds(self) -> nn.ModuleList:
        """The residual modules, whose outputs are the Keras ``Add`` layers' outputs (= ``blocks``)."""
        return self.blocks

    def reset_parameters(self) -> None:
        """Keras initialisation (:func:`~ecgstudy.models.keras_init.keras_init_`)."""
        keras_init_(self)

    def time_steps(self, n_samples: int) -> int:
        """Time steps T of the residual modules for an input of ``n_samples`` samples."""
        return output_steps(n_samples)

    def features(self, x: Tensor) -> Tensor:
        """The last residual module's output, ``(batch, 32, T)``."""
        if x.ndim != 3 or x.shape[1] != self.in_leads:
            raise ParameterError(
                f"KanResWideX: input shape {tuple(x.shape)}: expected (batch, {self.in_leads}, samples)"
            )
        output_steps(x.shape[-1])  # refuses inputs too short for the init block and the pooling
        if self.fp32_input_conv and torch.is_autocast_enabled(x.device.type):
            with torch.autocast(x.device.type, enabled=False):
                x = self.init[0](x.float())
            x = self.init[1:](x)
        else:
            x = self.init(x)
        x = self.pool(x)
        for block in self.blocks:
            x = block(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x).mean(dim=-1))
