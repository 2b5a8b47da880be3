"""Training losses of the study (one family per module)."""

from ecgstudy.losses.xecgnet import REGULARISERS, Regulariser, XecgLoss, xecgnet_loss

__all__ = ["REGULARISERS", "Regulariser", "XecgLoss", "xecgnet_loss"]
