"""Neural network models of the study (one model per module)."""

from ecgstudy.models.iclr_classifier import ClassifierVariant, IclrClassifier
from ecgstudy.models.iclr_joint import (
    METHODS,
    CascadedModel,
    ClassifierOnly,
    IclrJointModel,
    IclrOutput,
    Method,
    build_iclr_model,
)
from ecgstudy.models.kanres_wide_x import KanResModule, KanResWideX
from ecgstudy.models.planted_cnn import PlantedCNN
from ecgstudy.models.unet1d import UNet1d
from ecgstudy.models.window_pool import L2_EPS, L2WindowPool, PoolKind, ReluMaxWindowPool, window_pool
from ecgstudy.models.xecgnet import XecgNet, XecgOutput, output_length, upsample_attention

__all__ = [
    "L2_EPS",
    "METHODS",
    "CascadedModel",
    "ClassifierOnly",
    "ClassifierVariant",
    "IclrClassifier",
    "IclrJointModel",
    "IclrOutput",
    "KanResModule",
    "KanResWideX",
    "L2WindowPool",
    "PlantedCNN",
    "Method",
    "PoolKind",
    "ReluMaxWindowPool",
    "UNet1d",
    "XecgNet",
    "XecgOutput",
    "build_iclr_model",
    "output_length",
    "upsample_attention",
    "window_pool",
]
