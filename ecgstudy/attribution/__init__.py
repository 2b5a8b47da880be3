"""Attribution maps for 1-D ECG models, in captum's layer-attribution style.

* :class:`GradCAM`: textbook Grad-CAM (per-channel weights, optional ReLU, upsampled to the input).
* :class:`ECGradCAM`: the Grad-CAM variant of Hicks et al. (Sci Rep 2021), exact to their code.
* :func:`channel_sum_map`: the min-max normalised channel sum of a layer's output, which is what
  ECGradCAM's map reduces to whenever its weight is positive.

``attribute(inputs, target)`` returns ``(batch, leads, samples)``; ``layer_attribution`` returns
``(batch, T)`` on the layer's time axis. The package does not depend on captum.
"""

from ecgstudy.attribution.gradcam import INTERPOLATE_MODES, ECGradCAM, GradCAM, InterpolateMode, channel_sum_map

__all__ = ["INTERPOLATE_MODES", "ECGradCAM", "GradCAM", "InterpolateMode", "channel_sum_map"]
