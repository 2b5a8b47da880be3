"""Grad-CAM and ECGradCAM (:mod:`ecgstudy.attribution.gradcam`) behind the methods' contract.

Both explain the adapted scores (:mod:`~ecgstudy.attribution.methods.adapters`) at a layer whose
output is ``(batch, C, T)``. By default that is the layer each chapter explains or its natural
equivalent (:func:`default_layer`):

* ICLR models: the classifier's last convolution block, ``model.classifier.blocks[-1]`` (128
  channels, before global average pooling).
* xECGNet: the backbone output ``f`` (``model.backbone``, 128 channels), which feeds both branches.
* KanResWideX: the last residual addition, ``model.blocks[-1]`` (the authors' "Last Add").
* PlantedCNN (the controlled task): its last convolution block, ``model.blocks[-1]`` (before global
  average pooling).

Choices against captum's ``LayerGradCam`` (stated, both adjustable on :class:`GradCAMAttribution`):
captum returns a signed map (``relu_attributions=False``) and its ``LayerAttribution.interpolate``
upsamples with ``nearest``. Here Grad-CAM keeps the textbook ReLU and upsamples linearly
(``align_corners=False``), as the package's other maps. ECGradCAM is exact to Hicks et al.: a
scalar weight, linear upsampling, then min-max to [0, 1].
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ecgstudy.attribution.gradcam import ECGradCAM, GradCAM
from ecgstudy.attribution.maps import InterpolateMode
from ecgstudy.attribution.methods.adapters import ScoreModel, adapt
from ecgstudy.attribution.methods.base import Method, Target, as_targets, check_inputs, model_untouched
from ecgstudy.errors import ParameterError
from ecgstudy.models import CascadedModel, ClassifierOnly, IclrJointModel, KanResWideX, PlantedCNN, XecgNet


def default_layer(model: nn.Module) -> nn.Module:
    """The layer Grad-CAM explains by default for a chapter model (see the module docstring)."""
    inner = model.model if isinstance(model, ScoreModel) else model
    if isinstance(inner, (IclrJointModel, ClassifierOnly, CascadedModel)):
        return inner.classifier.blocks[-1]
    if isinstance(inner, XecgNet):
        return inner.backbone
    if isinstance(inner, (KanResWideX, PlantedCNN)):
        return inner.blocks[-1]
    raise ParameterError(f"default_layer: no default Grad-CAM layer for {type(inner).__name__}: pass layer=")


class _LayerMethod(Method):
    uses_scores = True

    def __init__(self, model: nn.Module, *, layer: nn.Module | None = None, output: str | None = None) -> None:
        super().__init__(model)
        self.scores: ScoreModel = adapt(model, output)
        self.layer = default_layer(model) if layer is None else layer
        if not any(m is self.layer for m in self.scores.modules()):
            raise ParameterError(f"{type(self).__name__}: layer {type(self.layer).__name__} is not a submodule")

    def _explainer(self) -> GradCAM | ECGradCAM:
        raise NotImplementedError

    def attribute(self, inputs: Tensor, target: Target = 0) -> Tensor:
        x = check_inputs(type(self).__name__, inputs)
        t = as_targets(type(self).__name__, target, x.shape[0], x.device)
        explainer = self._explainer()
        out = torch.empty_like(x)
        with model_untouched(self.scores):
            for k in t.unique().tolist():  # rows are independent in eval mode: one pass per target class
                rows = (t == k).nonzero()[:, 0]
                out[rows] = explainer.attribute(x[rows].detach(), int(k)).to(x.dtype)
        return self._finish(out, x)

    def _attribute(self, inputs: Tensor, target: Tensor) -> Tensor:  # pragma: no cover - attribute overridden
        raise NotImplementedError


class GradCAMAttribution(_LayerMethod):
    """Grad-CAM of the target score at ``layer``, upsampled and repeated on every lead, ``(batch, leads, samples)``.

    Args:
        layer: a submodule with output ``(batch, C, T)`` (None: :func:`default_layer`).
        relu: keep only positive evidence (textbook; captum's default is the signed map).
        interpolate: ``"linear"`` (default) or ``"nearest"`` (captum's default).
        output: which scores (see adapters).
    """

    name = "gradcam"

    def __init__(self, model: nn.Module, *, layer: nn.Module | None = None, relu: bool = True,
                 interpolate: InterpolateMode = "linear", output: str | None = None) -> None:
        super().__init__(model, layer=layer, output=output)
        self.relu, self.interpolate = relu, interpolate
        self._explainer()  # validates interpolate

    def _explainer(self) -> GradCAM:
        return GradCAM(self.scores, self.layer, relu=self.relu, interpolate=self.interpolate)


class ECGradCAMAttribution(_LayerMethod):
    """ECGradCAM (Hicks et al.) of the target score at ``layer``, in [0, 1], ``(batch, leads, samples)``.

    Whenever its scalar weight is positive the map is the min-max normalised channel sum of the layer,
    whatever the target (see :class:`~ecgstudy.attribution.gradcam.ECGradCAM`).
    """

    name = "ecgradcam"

    def _explainer(self) -> ECGradCAM:
        return ECGradCAM(self.scores, self.layer)


__all__ = ["ECGradCAMAttribution", "GradCAMAttribution", "default_layer"]
