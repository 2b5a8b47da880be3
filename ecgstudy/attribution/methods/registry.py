"""The registry of attribution methods and :func:`attribute_all`, which runs several on the same inputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from torch import Tensor, nn

from ecgstudy.attribution.methods.base import Method, MethodNotApplicable, Target
from ecgstudy.attribution.methods.deeplift import DeepLift
from ecgstudy.attribution.methods.gradcam import ECGradCAMAttribution, GradCAMAttribution
from ecgstudy.attribution.methods.iclr_attention import IclrAttention
from ecgstudy.attribution.methods.input_x_gradient import InputXGradient
from ecgstudy.attribution.methods.integrated_gradients import IntegratedGradients
from ecgstudy.attribution.methods.kernel_shap import KernelShap
from ecgstudy.attribution.methods.lime import Lime
from ecgstudy.attribution.methods.occlusion import Occlusion
from ecgstudy.attribution.methods.reference import Energy, RandomMap, Uniform
from ecgstudy.attribution.methods.saliency import Saliency
from ecgstudy.attribution.methods.smoothgrad import SmoothGrad
from ecgstudy.attribution.methods.xecgnet_maps import XecgAttention, XecgResponse
from ecgstudy.errors import ParameterError

#: Name -> constructor ``(model, **options) -> Method``.
METHODS: dict[str, Callable[..., Method]] = {
    "saliency": Saliency,
    "input_x_gradient": InputXGradient,
    "integrated_gradients": partial(IntegratedGradients, baseline="zeros"),
    "integrated_gradients_median": partial(IntegratedGradients, baseline="median"),
    "smoothgrad": SmoothGrad,
    "occlusion": Occlusion,
    "deeplift": DeepLift,
    "kernel_shap": KernelShap,
    "lime": Lime,
    "gradcam": GradCAMAttribution,
    "ecgradcam": ECGradCAMAttribution,
    "iclr_attention": IclrAttention,
    "xecgnet_attention": XecgAttention,
    "xecgnet_response": XecgResponse,
    "uniform": Uniform,
    "random": RandomMap,
    "energy": Energy,
}
#: The maps that explain nothing, for comparison.
REFERENCE_METHODS: tuple[str, ...] = ("uniform", "random", "energy")
#: The models' own maps (each applies to one family).
MODEL_MAPS: tuple[str, ...] = ("iclr_attention", "xecgnet_attention", "xecgnet_response")


def method_class(name: str) -> type[Method]:
    """The class behind a registry name."""
    if name not in METHODS:
        raise ParameterError(f"unknown attribution method {name!r}: expected one of {', '.join(METHODS)}")
    ctor = METHODS[name]
    return ctor.func if isinstance(ctor, partial) else ctor  # type: ignore[return-value]


@dataclass
class Attributions:
    """What :func:`attribute_all` returns.

    Attributes:
        maps: method name -> map ``(batch, leads, samples)``, in the order asked.
        skipped: method name -> why it was not run on this model (not applicable, no ``fs``, no mask).
    """

    maps: dict[str, Tensor] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def attribute_all(
    model: nn.Module,
    inputs: Tensor,
    target: Target = 0,
    methods: Sequence[str] | None = None,
    *,
    fs: float | None = None,
    feature_mask: Tensor | None = None,
    output: str | None = None,
    options: Mapping[str, Mapping[str, object]] | None = None,
) -> Attributions:
    """Every method of ``methods`` (None: all of :data:`METHODS`) on the same ``inputs`` and ``target``.

    Args:
        model: a chapter model (see :mod:`~ecgstudy.attribution.methods.adapters`).
        inputs: ``(batch, leads, samples)``.
        target: output column, an int or a ``(batch,)`` tensor.
        methods: registry names.
        fs: sampling rate in Hz, for the methods with ``needs_fs`` (occlusion); without it they are skipped.
        feature_mask: ``(batch, samples)`` segment ids, for KernelSHAP and LIME; without it they are skipped.
        output: which scores the score-based methods explain (None: the model family's default).
        options: name -> extra constructor arguments (e.g. ``{"smoothgrad": {"noise_sd": 0.05}}``).

    A method that does not apply to the model (:meth:`Method.unsupported`, or
    :class:`~ecgstudy.attribution.methods.base.MethodNotApplicable` raised during the call, as DeepLIFT's
    summation check does) is listed in ``skipped`` with the reason; every other error propagates.
    """
    names = list(METHODS) if methods is None else list(methods)
    options = dict(options or {})
    unknown = [n for n in [*names, *options] if n not in METHODS]
    if unknown:
        raise ParameterError(f"attribute_all: unknown methods {unknown}: expected some of {', '.join(METHODS)}")
    result = Attributions()
    for name in names:
        cls = method_class(name)
        reason = cls.unsupported(model)
        if reason is None and cls.needs_fs and fs is None and "fs" not in options.get(name, {}):
            reason = "needs the sampling rate fs"
        if reason is None and cls.needs_feature_mask and feature_mask is None:
            reason = "needs a feature_mask of beats or waves"
        if reason is not None:
            result.skipped[name] = reason
            continue
        kwargs: dict[str, object] = {}
        if cls.needs_fs and fs is not None:
            kwargs["fs"] = fs
        if cls.uses_scores and output is not None:
            kwargs["output"] = output
        kwargs.update(options.get(name, {}))
        try:
            method = METHODS[name](model, **kwargs)
            if cls.needs_feature_mask:
                result.maps[name] = method.attribute(inputs, target, feature_mask=feature_mask)  # type: ignore[call-arg]
            else:
                result.maps[name] = method.attribute(inputs, target)
        except MethodNotApplicable as exc:
            result.skipped[name] = str(exc)
    return result
