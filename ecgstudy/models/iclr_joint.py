"""Joint segmenter + classifier of Hu et al. (ICLR 2021 submission) and its two baselines.

The joint model computes ``L = S(D)`` (1-channel :class:`UNet1d`), ``A = P(L)`` (window
pooling), ``X = A.expand_as(D) * D`` (one attention trace for every lead) and
``log p = C(X)``. It is trained end-to-end from the class label only (weighted NLL on
``log_probs``); no segmentation loss.

Baselines (paper Sec. 5.1), with the same output type:

* :class:`ClassifierOnly`: ``C(D)``.
* :class:`CascadedModel`: ``C(S(D))``, the same segmenter and classifier with the pooling and
  the attention product removed. The paper says only "same number of layers and no attention
  multiplication". Here the segmenter is exactly the joint model's (1 output channel, same
  parameters), so the classifier takes 1 input channel; the only differences from the joint
  model are the ones the paper names. ``segmenter_channels=in_leads`` gives the other reading
  (a U-Net emitting one trace per lead, which with its skip connections can learn to pass the
  input through).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from torch import Tensor, nn

from ecgstudy.errors import ParameterError
from ecgstudy.models.iclr_classifier import ClassifierVariant, IclrClassifier
from ecgstudy.models.unet1d import UNet1d
from ecgstudy.models.window_pool import window_pool

Method = Literal["classifier", "cascaded", "max", "l2"]
METHODS: tuple[str, ...] = ("classifier", "cascaded", "max", "l2")


class IclrOutput(NamedTuple):
    """What every model of this family returns.

    Attributes:
        log_probs: ``(batch, n_classes)`` log-probabilities (feed to ``NLLLoss``).
        attention: ``(batch, 1, samples)`` pooled attention A, or None (baselines).
        after_attention: ``(batch, leads, samples)`` classifier input X = A * D, or None.
    """

    log_probs: Tensor
    attention: Tensor | None
    after_attention: Tensor | None


class IclrJointModel(nn.Module):
    """U-Net attention + classifier: ``(batch, in_leads, samples) -> IclrOutput``.

    Args:
        in_leads: input leads.
        pooling: ``"l2"`` (L2-norm window pooling) or ``"max"`` (ReLU + max pooling).
        kernel_size: pooling window in samples (151 in the authors' MIT-BIH code, 360 Hz).
        classifier_variant: ``"paper"`` or ``"authors_code"`` (see :class:`IclrClassifier`).
        n_classes: output classes.
    """

    def __init__(
        self,
        *,
        in_leads: int,
        pooling: Literal["l2", "max"],
        kernel_size: int = 151,
        classifier_variant: ClassifierVariant = "paper",
        n_classes: int = 2,
    ) -> None:
        super().__init__()
        if pooling not in ("l2", "max"):
            raise ParameterError(f"IclrJointModel: pooling={pooling!r}: expected 'l2' or 'max'")
        self.segmenter = UNet1d(in_leads=in_leads)
        self.pool = window_pool(pooling, kernel_size)
        self.classifier = IclrClassifier(in_leads=in_leads, n_classes=n_classes, variant=classifier_variant)

    def forward(self, x: Tensor) -> IclrOutput:
        attention = self.pool(self.segmenter(x))  # (batch, 1, samples)
        after = attention.expand_as(x) * x  # same trace on every lead
        return IclrOutput(self.classifier(after), attention, after)


class ClassifierOnly(nn.Module):
    """Baseline "Classifier": ``C(D)``; ``attention`` and ``after_attention`` are None."""

    def __init__(
        self, *, in_leads: int, classifier_variant: ClassifierVariant = "paper", n_classes: int = 2
    ) -> None:
        super().__init__()
        self.classifier = IclrClassifier(in_leads=in_leads, n_classes=n_classes, variant=classifier_variant)

    def forward(self, x: Tensor) -> IclrOutput:
        return IclrOutput(self.classifier(x), None, None)


class CascadedModel(nn.Module):
    """Baseline "Cascaded": ``C(S(D))``, no pooling, no attention product.

    ``attention`` and ``after_attention`` are None; the classifier's input is
    ``model.segmenter(x)``, ``(batch, segmenter_channels, samples)``.
    """

    def __init__(
        self,
        *,
        in_leads: int,
        classifier_variant: ClassifierVariant = "paper",
        n_classes: int = 2,
        segmenter_channels: int = 1,
    ) -> None:
        super().__init__()
        self.segmenter = UNet1d(in_leads=in_leads, out_channels=segmenter_channels)
        self.classifier = IclrClassifier(
            in_leads=segmenter_channels, n_classes=n_classes, variant=classifier_variant
        )

    def forward(self, x: Tensor) -> IclrOutput:
        return IclrOutput(self.classifier(self.segmenter(x)), None, None)


def build_iclr_model(
    method: Method,
    *,
    in_leads: int,
    kernel_size: int = 151,
    classifier_variant: ClassifierVariant = "paper",
    n_classes: int = 2,
) -> nn.Module:
    """The model for one of the paper's methods: ``"classifier"``, ``"cascaded"``, ``"max"``, ``"l2"``."""
    if method == "classifier":
        return ClassifierOnly(in_leads=in_leads, classifier_variant=classifier_variant, n_classes=n_classes)
    if method == "cascaded":
        return CascadedModel(in_leads=in_leads, classifier_variant=classifier_variant, n_classes=n_classes)
    if method in ("max", "l2"):
        return IclrJointModel(
            in_leads=in_leads,
            pooling=method,
            kernel_size=kernel_size,
            classifier_variant=classifier_variant,
            n_classes=n_classes,
        )
    raise ParameterError(f"build_iclr_model: method={method!r}: expected one of {', '.join(METHODS)}")
