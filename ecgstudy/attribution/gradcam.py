"""Grad-CAM for 1-D ECG models: the textbook method and the ECGradCAM of Hicks et al. (Sci Rep 2021).

Both classes follow captum's layer-attribution interface. They are built with ``(model, layer)``,
where ``model`` maps ``(batch, leads, samples)`` to ``(batch, n_outputs)`` and ``layer`` is a
submodule whose output ``A`` is ``(batch, C, T)``. Two methods are provided:

* ``attribute(inputs, target=0)`` returns a map shaped like the input, ``(batch, leads, samples)``.
  The layer map is upsampled from T to ``samples`` and the same map is repeated on every lead.
* ``layer_attribution(inputs, target=0)`` returns the map on the layer's time axis, ``(batch, T)``.

``y = model(inputs)[:, target]`` is explained. Each call puts the model in eval mode, so BatchNorm
uses its running statistics and each sample's map does not depend on the rest of the batch. The
call leaves the model as it found it: the training flags are restored, the hook is removed and
no ``.grad`` is written. The inputs are not modified either: their ``requires_grad`` flag and
``.grad`` stay as they were.

``A`` and ``dy/dA`` come from one forward pass with a forward hook on ``layer``, as in captum.
The hook swaps the layer output for a leaf copy of it. Everything before the layer runs without
autograd recording, the gradient is taken with respect to that leaf, and in-place operations
after the layer cannot change the ``A`` that was saved.

Where the layer map sits in time. Upsampling spreads the T steps evenly over the input
(``align_corners=False``): step ``t`` is centred on input sample ``(t + 0.5) * samples / T - 0.5``.
That is what the authors' ``cv2.resize`` does, and it ignores the model's receptive field. In
:class:`~ecgstudy.models.KanResWideX` the valid convolutions and the pooling centre step ``t``
on input sample ``2 t + 5`` (steps 0..294 -> samples 5..593). Spreading 295 steps over 600
samples therefore places the map between 4.5 samples early and 5.5 samples late (about +-10 ms
at 500 Hz). That is along the skip path. Each even-kernel 'same' convolution on a residual
branch moves the centre of that branch's receptive field half a step (one input sample) later.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ecgstudy.attribution.maps import INTERPOLATE_MODES, InterpolateMode, minmax, upsample
from ecgstudy.errors import ParameterError



# --- shared machinery ---------------------------------------------------------------------------


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Put every submodule in eval mode for the block, then restore each one's own flag."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, training in flags:
            m.training = training


def _check_call(model: nn.Module, layer: nn.Module, inputs: Tensor) -> None:
    if not any(m is layer for m in model.modules()):
        raise ParameterError(f"Grad-CAM: layer {type(layer).__name__} is not a submodule of the model")
    if not isinstance(inputs, Tensor) or inputs.ndim != 3:
        shape = tuple(inputs.shape) if isinstance(inputs, Tensor) else type(inputs).__name__
        raise ParameterError(f"Grad-CAM: inputs {shape}: expected a tensor (batch, leads, samples)")


def _run_hooked(model: nn.Module, layer: nn.Module, inputs: Tensor, *, track: bool) -> tuple[Tensor, Tensor]:
    """One forward pass in eval mode, without autograd up to ``layer``: ``(model output, A)``.

    With ``track`` the hook turns autograd on from the layer onwards and ``A`` is a leaf that
    requires grad. The next layers get a copy of ``A``, so in-place operations cannot change it.
    """
    _check_call(model, layer, inputs)
    captured: list[Tensor] = []

    def hook(module: nn.Module, args: object, output: object) -> Tensor:
        if not isinstance(output, Tensor) or output.ndim != 3:
            shape = tuple(output.shape) if isinstance(output, Tensor) else type(output).__name__
            raise ParameterError(f"Grad-CAM: layer {type(module).__name__} output {shape}: expected (batch, C, T)")
        a = output.detach()
        if track:
            a.requires_grad_(True)
            torch.set_grad_enabled(True)  # record from here on; no_grad's exit restores the caller's mode
        captured.append(a)
        return a.clone()

    with _eval_mode(model):
        handle = layer.register_forward_hook(hook)
        try:
            with torch.no_grad():
                out = model(inputs)
        finally:
            handle.remove()
    if len(captured) != 1:
        raise ParameterError(
            f"Grad-CAM: layer {type(layer).__name__} ran {len(captured)} times in one forward pass: expected once"
        )
    if not isinstance(out, Tensor) or out.ndim != 2 or out.shape[0] != inputs.shape[0]:
        shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ParameterError(f"Grad-CAM: model output {shape}: expected a tensor (batch, n_outputs)")
    return out, captured[0]


def _activations_and_gradients(
    model: nn.Module, layer: nn.Module, inputs: Tensor, target: int
) -> tuple[Tensor, Tensor]:
    """``(A, dy/dA)``, both ``(batch, C, T)``, for ``y = model(inputs)[:, target]``."""
    out, a = _run_hooked(model, layer, inputs, track=True)
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < out.shape[1]:
        raise ParameterError(f"Grad-CAM: target={target!r}: expected an output index in 0..{out.shape[1] - 1}")
    if not out.requires_grad:
        raise ParameterError(f"Grad-CAM: the model output does not depend on layer {type(layer).__name__}")
    with torch.enable_grad():
        y = out[:, target].sum()  # samples are independent in eval mode: each gets its own dy/dA
    (grad,) = torch.autograd.grad(y, a, allow_unused=True)
    if grad is None:
        raise ParameterError(f"Grad-CAM: the model output does not depend on layer {type(layer).__name__}")
    return a.detach(), grad


def _on_every_lead(h: Tensor, inputs: Tensor) -> Tensor:
    """``(batch, samples) -> (batch, leads, samples)``: the same map on every lead (a new tensor)."""
    return h.unsqueeze(1).expand(-1, inputs.shape[1], -1).contiguous()


# --- public API ------------------------------------------------------------------------------------


class GradCAM:
    """Grad-CAM (Selvaraju et al. 2017) for a 1-D layer output ``A``, ``(batch, C, T)``.

    ``w_c = mean_t dy/dA_c(t)`` and ``h(t) = ReLU(sum_c w_c A_c(t))``. The ReLU is applied only
    with ``relu=True``; without it the map is signed. ``h`` is upsampled to the input length
    with ``F.interpolate(mode=interpolate)`` and repeated on every lead.

    Compared with captum (0.9): ``layer_attribution`` equals
    ``LayerGradCam(model, layer).attribute(x, target, relu_attributions=relu)[:, 0]``.
    ``attribute`` equals ``LayerAttribution.interpolate(that, samples, interpolate_mode=interpolate)``
    repeated on every lead. Captum's defaults are different: a signed map
    (``relu_attributions=False``) and nearest upsampling. Ours default to the textbook ReLU and to
    linear upsampling. Captum also runs the model in whatever mode it is in: on a model in
    training mode its BatchNorm layers use the batch statistics, so a sample's map depends on
    the rest of the batch. The two agree on a model in eval mode.

    Args:
        model: ``(batch, leads, samples) -> (batch, n_outputs)``.
        layer: a submodule of ``model`` that runs once per forward pass and outputs ``(batch, C, T)``.
        relu: keep only the positive evidence (textbook Grad-CAM).
        interpolate: ``"linear"`` (default) or ``"nearest"``. Linear is the default because the
            map samples a signal on a coarser time grid: linear upsampling adds no steps, and it
            is how the authors' ECGradCAM and this package's other attention maps are upsampled,
            so the two methods differ only in how they weight ``A``. ``"nearest"`` is PyTorch's
            legacy nearest (source step ``floor(i * T / samples)``), as captum uses.
    """

    def __init__(
        self, model: nn.Module, layer: nn.Module, *, relu: bool = True, interpolate: InterpolateMode = "linear"
    ) -> None:
        if interpolate not in INTERPOLATE_MODES:
            raise ParameterError(
                f"GradCAM: interpolate={interpolate!r}: expected one of {', '.join(INTERPOLATE_MODES)}"
            )
        self.model = model
        self.layer = layer
        self.relu = relu
        self.interpolate = interpolate

    def layer_attribution(self, inputs: Tensor, target: int = 0) -> Tensor:
        """The map on the layer's time axis, ``(batch, T)``, before upsampling."""
        a, grad = _activations_and_gradients(self.model, self.layer, inputs, target)
        h = (grad.mean(dim=-1, keepdim=True) * a).sum(dim=1)
        return F.relu(h) if self.relu else h

    def attribute(self, inputs: Tensor, target: int = 0) -> Tensor:
        """The map upsampled to the input and repeated on every lead, ``(batch, leads, samples)``."""
        h = upsample(self.layer_attribution(inputs, target), inputs.shape[-1], mode=self.interpolate)
        return _on_every_lead(h, inputs)


class ECGradCAM:
    """The ECGradCAM of Hicks et al., exact to the authors' ``visualize_ecg.py::explain``.

    For each sample, with ``A`` of shape ``(C, T)`` and ``G = dy/dA``:

    * guided gradients: ``G+ = 1[A > 0] * 1[G > 0] * G``;
    * one scalar weight for all channels, ``w = mean over (t, c) of G+``. The authors'
      ``reduce_mean(axis=(0, 1))`` on the ``(T, C)`` map gives a scalar, not one weight per channel;
    * ``h(t) = w * sum_c A_c(t)``, with no ReLU;
    * upsampling from T to the input length by linear interpolation. The authors call
      ``cv2.resize`` with the default ``INTER_LINEAR``, which uses half-pixel centres and clamps
      at the edges, i.e. ``F.interpolate(mode="linear", align_corners=False)``. The same map goes
      on every lead: cv2 stretches the one column to the lead axis;
    * min-max normalisation to [0, 1]. The authors normalise the upsampled map, and so does
      :meth:`attribute`. If the map is constant (``max == min``, e.g. when ``w = 0`` because no
      entry has both ``A > 0`` and ``G > 0``) the result is zeros. The authors' code would
      divide by zero there and get NaN.

    Since ``G+ >= 0`` we always have ``w >= 0``, and min-max normalisation removes any positive
    scale. Whenever ``w > 0`` the map is therefore ``minmax(sum_c A_c)``
    (:func:`channel_sum_map`): it does not depend on the target, and the gradients only decide
    whether it is that map or zeros.

    The authors' optional ``weighted`` argument (unused in their code) is not reproduced, and
    they explain one ECG at a time. Here every sample of the batch is treated on its own.
    """

    def __init__(self, model: nn.Module, layer: nn.Module) -> None:
        self.model = model
        self.layer = layer

    def _scalar_weight_and_map(self, inputs: Tensor, target: int) -> tuple[Tensor, Tensor]:
        a, grad = _activations_and_gradients(self.model, self.layer, inputs, target)
        guided = (a > 0).to(grad.dtype) * (grad > 0).to(grad.dtype) * grad
        w = guided.mean(dim=(1, 2))  # (batch,)
        return w, w[:, None] * a.sum(dim=1)

    def weights(self, inputs: Tensor, target: int = 0) -> Tensor:
        """The scalar weight ``w`` of each sample, ``(batch,)``; ``w >= 0``."""
        return self._scalar_weight_and_map(inputs, target)[0]

    def layer_attribution(self, inputs: Tensor, target: int = 0, *, normalize: bool = True) -> Tensor:
        """The map on the layer's time axis, ``(batch, T)``.

        By default it is min-max normalised at the layer's resolution. With ``normalize=False``
        it is the raw ``h(t) = w * sum_c A_c(t)``.
        """
        h = self._scalar_weight_and_map(inputs, target)[1]
        return minmax(h) if normalize else h

    def attribute(self, inputs: Tensor, target: int = 0) -> Tensor:
        """The authors' map ``(batch, leads, samples)``: ``h`` upsampled linearly, then min-max normalised.

        The order matters. Normalising after upsampling, as the authors do, is not exactly the
        upsampled :meth:`layer_attribution`, because the upsampled samples need not hit the
        layer map's extremes.
        """
        h = upsample(self._scalar_weight_and_map(inputs, target)[1], inputs.shape[-1])
        return _on_every_lead(minmax(h), inputs)


def channel_sum_map(model: nn.Module, layer: nn.Module, inputs: Tensor) -> Tensor:
    """``minmax(sum_c A_c(t))``, ``(batch, T)``: the layer's channel-summed activation in [0, 1].

    No gradients are used. It equals ``ECGradCAM(model, layer).layer_attribution(inputs, t)`` for
    every target ``t`` with ``w > 0``. The model runs in eval mode and is left as it was.
    """
    return minmax(_run_hooked(model, layer, inputs, track=False)[1].sum(dim=1))
