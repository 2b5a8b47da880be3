"""Evaluation protocols: cross-validation folds (segment-wise and record-wise)."""

from ecgstudy.evaluation.folds import (
    FoldWarning,
    fold_leakage,
    fold_table,
    missing_classes,
    pick_fold,
    record_folds,
    segment_folds,
    shuffled_folds,
    split_folds,
)

__all__ = ["FoldWarning", "fold_leakage", "fold_table", "missing_classes", "pick_fold", "record_folds",
           "segment_folds", "shuffled_folds", "split_folds"]
