"""Attribution methods behind one contract, captum style: ``Method(model, ...).attribute(inputs, target=0)``.

``inputs`` is ``(batch, leads, samples)``; ``target`` an output column (an int, or a ``(batch,)`` tensor
with one per row); the map is ``(batch, leads, samples)`` in the inputs' dtype (see
:mod:`~ecgstudy.attribution.methods.base` for what every call guarantees). Score-based methods explain
the model through an adapter, ``forward(x) -> (batch, n_targets)`` (:mod:`~.adapters`: ICLR log-odds,
xECGNet averaged probabilities, KanResWideX columns).

* captum-backed: :class:`Saliency`, :class:`InputXGradient`, :class:`IntegratedGradients` (baseline
  zeros or per-lead median), :class:`SmoothGrad`, :class:`Occlusion` (window in ms), :class:`DeepLift`
  (where the model allows), :class:`KernelShap` and :class:`Lime` over a feature mask of beats or waves
  (:func:`segment_mask`, :func:`interval_mask`, :func:`beat_feature_mask`).
* the models' own maps: :class:`IclrAttention`, :class:`XecgAttention`, :class:`XecgResponse`; and
  :class:`GradCAMAttribution`, :class:`ECGradCAMAttribution` at a chapter's layer (:func:`default_layer`).
* references that explain nothing: :class:`Uniform`, :class:`RandomMap`, :class:`Energy`.

:data:`METHODS` maps names to constructors; :func:`attribute_all` runs several and says which it skipped.
"""

from ecgstudy.attribution.methods.adapters import OUTPUTS, ScoreModel, adapt, family, log_odds
from ecgstudy.attribution.methods.base import BASELINES, Method, MethodNotApplicable, baseline_like
from ecgstudy.attribution.methods.deeplift import DeepLift
from ecgstudy.attribution.methods.feature_masks import beat_feature_mask, interval_mask, segment_mask
from ecgstudy.attribution.methods.gradcam import ECGradCAMAttribution, GradCAMAttribution, default_layer
from ecgstudy.attribution.methods.iclr_attention import IclrAttention
from ecgstudy.attribution.methods.input_x_gradient import InputXGradient
from ecgstudy.attribution.methods.integrated_gradients import IntegratedGradients
from ecgstudy.attribution.methods.kernel_shap import KernelShap
from ecgstudy.attribution.methods.lime import Lime
from ecgstudy.attribution.methods.occlusion import Occlusion, ms_to_samples
from ecgstudy.attribution.methods.reference import Energy, RandomMap, Uniform, energy
from ecgstudy.attribution.methods.registry import (
    METHODS,
    MODEL_MAPS,
    REFERENCE_METHODS,
    Attributions,
    attribute_all,
    method_class,
)
from ecgstudy.attribution.methods.saliency import Saliency
from ecgstudy.attribution.methods.smoothgrad import SmoothGrad
from ecgstudy.attribution.methods.xecgnet_maps import XecgAttention, XecgResponse

__all__ = [
    "BASELINES",
    "METHODS",
    "MODEL_MAPS",
    "OUTPUTS",
    "REFERENCE_METHODS",
    "Attributions",
    "DeepLift",
    "ECGradCAMAttribution",
    "Energy",
    "GradCAMAttribution",
    "IclrAttention",
    "InputXGradient",
    "IntegratedGradients",
    "KernelShap",
    "Lime",
    "Method",
    "MethodNotApplicable",
    "Occlusion",
    "RandomMap",
    "Saliency",
    "ScoreModel",
    "SmoothGrad",
    "Uniform",
    "XecgAttention",
    "XecgResponse",
    "adapt",
    "attribute_all",
    "baseline_like",
    "beat_feature_mask",
    "default_layer",
    "energy",
    "family",
    "interval_mask",
    "log_odds",
    "method_class",
    "ms_to_samples",
    "segment_mask",
]
