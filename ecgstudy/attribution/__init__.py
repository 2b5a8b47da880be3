"""Attribution maps for 1-D ECG models, in captum's layer-attribution style.

* :class:`GradCAM`: textbook Grad-CAM (per-channel weights, optional ReLU, upsampled to the input).
* :class:`ECGradCAM`: the Grad-CAM variant of Hicks et al. (Sci Rep 2021), exact to their code.
* :func:`channel_sum_map`: the min-max normalised channel sum of a layer's output, which is what
  ECGradCAM's map reduces to whenever its weight is positive.
* :func:`upsample` (maps ``(batch, T)`` or ``(batch, channels, T)`` to the input's time axis, linear
  with ``align_corners=False``) and :func:`minmax` (each map to [0, 1]), for every map in the package.

``attribute(inputs, target)`` returns ``(batch, leads, samples)``; ``layer_attribution`` returns
``(batch, T)`` on the layer's time axis. These two classes do not use captum.

:mod:`ecgstudy.attribution.methods` puts every attribution method of the study (captum's, the models'
own maps, Grad-CAM, references) behind one contract; import it from there.
"""

from ecgstudy.attribution.gradcam import ECGradCAM, GradCAM, channel_sum_map
from ecgstudy.attribution.maps import INTERPOLATE_MODES, InterpolateMode, minmax, upsample

__all__ = ["INTERPOLATE_MODES", "ECGradCAM", "GradCAM", "InterpolateMode", "channel_sum_map", "minmax", "upsample"]
