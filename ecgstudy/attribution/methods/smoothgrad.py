"""SmoothGrad (Smilkov et al. 2017): Saliency averaged over noisy copies of the input (captum ``NoiseTunnel``)."""

from __future__ import annotations

from captum.attr import NoiseTunnel
from captum.attr import Saliency as _Saliency
from torch import Tensor, nn

from ecgstudy.attribution.methods._captum import CaptumMethod, seeded
from ecgstudy.errors import ParameterError


class SmoothGrad(CaptumMethod):
    """``mean_i |d s_target / d x (x + e_i)|``, ``e_i ~ N(0, noise_sd^2)`` i.i.d. per sample, ``(batch, leads, samples)``.

    Captum's ``NoiseTunnel(Saliency)`` with ``nt_type="smoothgrad"``: the absolute gradients are
    averaged (Saliency takes ``abs`` before the mean).

    Args:
        noise_sd: standard deviation of the noise, in the inputs' units (mV for raw ECG).
        n_samples: noisy copies per row.
        seed: the noise is drawn from torch's generator seeded with it (the global state is restored),
            so a call is reproducible.
        output: which scores (see adapters).
    """

    name = "smoothgrad"

    def __init__(self, model: nn.Module, *, noise_sd: float = 0.1, n_samples: int = 25, seed: int = 0,
                 output: str | None = None) -> None:
        super().__init__(model, output=output)
        if not noise_sd > 0 or n_samples < 1:
            raise ParameterError(f"SmoothGrad: noise_sd={noise_sd}, n_samples={n_samples}: need > 0 and >= 1")
        self.noise_sd = float(noise_sd)
        self.n_samples = n_samples
        self.seed = seed

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:
        with seeded(self.seed):
            return NoiseTunnel(_Saliency(self.scores)).attribute(
                inputs, nt_type="smoothgrad", nt_samples=self.n_samples, stdevs=self.noise_sd, target=target,
            )
