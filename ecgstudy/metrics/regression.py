"""Regression scores: MAE, RMSE, R² (scikit-learn) and the MAE of predicting the training mean."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def regression_scores(y_true: Sequence[float] | np.ndarray, pred: Sequence[float] | np.ndarray, *,
                      y_train: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Scores of predictions ``pred`` of ``y_true`` (both ``(n,)``, in the target's units).

    Returns:
        ``mae`` (``mean_absolute_error``), ``rmse`` (square root of ``mean_squared_error``),
        ``r2`` (``r2_score``; NaN with fewer than 2 values) and ``baseline_mae``: the MAE of
        predicting the mean of ``y_train`` for every item (what a model must beat).

    >>> regression_scores([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], y_train=[0.0, 4.0])
    {'mae': 0.6666666666666666, 'rmse': 1.1547005383792515, 'r2': -1.0, 'baseline_mae': 0.6666666666666666}
    """
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y = np.asarray(y_true)
    return {"mae": float(mean_absolute_error(y, pred)), "rmse": float(math.sqrt(mean_squared_error(y, pred))),
            "r2": float(r2_score(y, pred)) if len(y) >= 2 else math.nan,
            "baseline_mae": float(np.mean(np.abs(y - np.mean(y_train))))}
