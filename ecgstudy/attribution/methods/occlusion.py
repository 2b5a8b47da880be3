"""Occlusion (Zeiler & Fergus 2014) with a sliding window stated in milliseconds (captum ``Occlusion``)."""

from __future__ import annotations

from captum.attr import Occlusion as _Occlusion
from torch import Tensor, nn

from ecgstudy.attribution.methods._captum import CaptumMethod
from ecgstudy.attribution.methods.base import Baseline, baseline_like, check_baseline
from ecgstudy.errors import ParameterError


def ms_to_samples(ms: float, fs: float) -> int:
    """``round(ms * fs / 1000)``, at least 1 sample.

    >>> ms_to_samples(100, 360), ms_to_samples(100, 500), ms_to_samples(1, 100)
    (36, 50, 1)
    """
    if not ms > 0 or not fs > 0:
        raise ParameterError(f"ms_to_samples: ms={ms}, fs={fs}: both must be > 0")
    return max(1, round(ms * fs / 1000))


class Occlusion(CaptumMethod):
    """Drop of the target score when a window of the signal is replaced by the baseline, ``(batch, leads, samples)``.

    A window of ``window_ms`` covers every lead (``per_lead=False``) or one lead (``per_lead=True``)
    and slides by ``stride_ms``. Sample ``i`` gets the mean of ``s(x) - s(x with the window
    replaced)`` over the windows that hold it (captum's rule). Windows start at ``0, stride, 2 stride,
    ...`` until one reaches the end; the last one is cut at the end of the signal, so every sample is
    covered.

    Args:
        fs: sampling rate in Hz.
        window_ms: window length in ms (rounded to whole samples, :func:`ms_to_samples`).
        stride_ms: step in ms (None: the window, i.e. windows that do not overlap); at most the window.
        baseline: what replaces the window: ``"zeros"`` or ``"median"`` (the lead's median of the record).
        per_lead: one window per lead instead of across all leads (``leads`` times the forward passes).
        perturbations_per_eval: occluded copies per forward pass (speed only).
        output: which scores (see adapters).
    """

    name = "occlusion"
    needs_fs = True

    def __init__(self, model: nn.Module, *, fs: float, window_ms: float = 100.0, stride_ms: float | None = None,
                 baseline: Baseline = "zeros", per_lead: bool = False, perturbations_per_eval: int = 16,
                 output: str | None = None) -> None:
        super().__init__(model, output=output)
        self.fs = float(fs)
        self.window = ms_to_samples(window_ms, fs)
        self.stride = self.window if stride_ms is None else ms_to_samples(stride_ms, fs)
        if self.stride > self.window:
            raise ParameterError(f"Occlusion: stride_ms={stride_ms} ({self.stride} samples) is longer than "
                                 f"the window ({self.window} samples)")
        self.baseline = check_baseline(type(self).__name__, baseline)
        self.per_lead = per_lead
        self.perturbations_per_eval = max(1, int(perturbations_per_eval))

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        leads, samples = inputs.shape[1:]
        if self.window > samples:
            raise ParameterError(f"Occlusion: window of {self.window} samples is longer than the inputs ({samples})")
        return _Occlusion(self.scores).attribute(
            inputs, sliding_window_shapes=(1 if self.per_lead else leads, self.window), strides=(1, self.stride),
            baselines=baseline_like(inputs, self.baseline), target=target,
            perturbations_per_eval=self.perturbations_per_eval,
        )
