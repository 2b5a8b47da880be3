"""Training and inference shared by the chapters: one loop (:func:`fit`) and one :func:`predict`.

* :func:`fit`: seeded epochs of shuffled batches with a pluggable batch loss
  (:mod:`~ecgstudy.training.objectives`), optimiser factory (:mod:`~ecgstudy.training.optimisers`),
  learning-rate schedule (:func:`lr_factor`), per-epoch evaluation and epoch selection
  (:class:`LastEpoch`, :class:`BestEpoch`); returns a :class:`FitResult`.
* :func:`predict`: batched eval-mode inference returning the output fields asked for
  (:mod:`~ecgstudy.training.inference`).
* The chapters' settings of ``fit``: :func:`train_classifier` (ICLR: class-weighted NLL, Adam,
  last epoch), :func:`train_multilabel` (xECGNet: the loss object's ``total``, Adam, validation
  micro-F1 with patience or the last epoch); ECGradCAM's is
  :func:`ecgstudy.studies.ecgradcam.run.train_model` (MSE / BCE on output 0, Keras' Nadam).
"""

from ecgstudy.training.classifier import EpochRecord, TrainConfig, history_table, predict_proba, train_classifier
from ecgstudy.training.loop import BestEpoch, Epoch, FitResult, LastEpoch, Trained, epoch_logger, fit
from ecgstudy.training.multilabel import MultiLabelConfig, MultiLabelHistory, train_multilabel
from ecgstudy.training.objectives import BatchLoss, column_loss, cross_entropy, loss_terms, weighted_nll
from ecgstudy.training.optimisers import adam, keras_nadam
from ecgstudy.training.inference import column, field, first_channel, predict, probs_from_log_probs
from ecgstudy.training.schedule import lr_factor
from ecgstudy.training.seeding import seed_everything

__all__ = [
    "BatchLoss",
    "BestEpoch",
    "Epoch",
    "EpochRecord",
    "FitResult",
    "LastEpoch",
    "MultiLabelConfig",
    "MultiLabelHistory",
    "TrainConfig",
    "Trained",
    "adam",
    "column",
    "column_loss",
    "cross_entropy",
    "epoch_logger",
    "field",
    "first_channel",
    "fit",
    "history_table",
    "keras_nadam",
    "loss_terms",
    "lr_factor",
    "predict",
    "predict_proba",
    "probs_from_log_probs",
    "seed_everything",
    "train_classifier",
    "train_multilabel",
    "weighted_nll",
]
