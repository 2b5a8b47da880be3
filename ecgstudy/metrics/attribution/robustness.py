"""Robustness: how much a map changes under input noise too small to matter (Yeh et al. 2019).

Max-sensitivity of a method ``Φ`` at a record ``x``:

    ``max_k ||Φ(x + e_k) - Φ(x)|| / ||Φ(x)||``,

over ``n_perturbations`` seeded perturbations ``e_k`` drawn uniformly in ``[-radius, radius]`` for
every sample of every lead (``radius`` in mV, the inputs' unit: an L-infinity ball, as Yeh et al. and
Quantus' ``MaxSensitivity`` draw them), with the Frobenius norm over the record's whole map
(Quantus' defaults). 0 for a map that ignores the noise; NaN where ``Φ(x)`` is all zero.

>>> x = np.ones((2, 5))
>>> float(max_sensitivity(lambda z: 2 * z, x, radius=0.1)[0]) <= 0.1    # ||2e|| / ||2x|| <= 0.1
True
>>> max_sensitivity(lambda z: z * 0 + 1, x).tolist()                  # a map that ignores the input
[0.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.metrics.attribution._arrays import as_numpy, batch_maps, like

#: Default radius of the uniform input noise, mV (about the noise floor of a clinical ECG).
RADIUS_MV = 0.05


def max_sensitivity(explain: Callable[[Any], Any], inputs: Any, *, radius: float = RADIUS_MV,
                    n_perturbations: int = 10, seed: int = 0) -> np.ndarray:
    """Max-sensitivity of ``explain`` per record, ``(batch,)``.

    Args:
        explain: ``explain(x) -> maps`` ``(batch, ...)`` (the method with its model and target fixed);
            it gets ``x`` as ``inputs`` is (a tensor of its dtype and device, or a numpy array).
        inputs: ``(batch, leads, samples)`` or ``(batch, samples)`` signals, mV.
        radius: half-width of the uniform noise per sample, mV.
        n_perturbations: noisy copies drawn; ``explain`` is called ``1 + n_perturbations`` times.
        seed: seeds the noise (``numpy.random.default_rng``): perturbation ``k`` is the ``k``-th draw
            of shape ``inputs.shape``.
    """
    if not radius > 0:
        raise ParameterError(f"radius must be > 0 (mV), got {radius}")
    if int(n_perturbations) != n_perturbations or n_perturbations < 1:
        raise ParameterError(f"n_perturbations must be a whole number >= 1, got {n_perturbations}")
    x = batch_maps(inputs, "inputs")
    base = as_numpy(explain(inputs)).reshape(len(x), -1)
    norm = np.linalg.norm(base, axis=1)
    rng = np.random.default_rng(seed)
    worst = np.zeros(len(x))
    for _ in range(int(n_perturbations)):
        noisy = x + rng.uniform(-radius, radius, x.shape)
        diff = as_numpy(explain(like(noisy, inputs))).reshape(len(x), -1) - base
        worst = np.maximum(worst, np.linalg.norm(diff, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, worst / np.where(norm > 0, norm, 1.0), np.nan)
