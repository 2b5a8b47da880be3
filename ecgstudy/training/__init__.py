"""Training loops shared by the chapters."""

from ecgstudy.training.loop import EpochRecord, TrainConfig, predict, seed_everything, train_classifier

__all__ = ["EpochRecord", "TrainConfig", "predict", "seed_everything", "train_classifier"]
