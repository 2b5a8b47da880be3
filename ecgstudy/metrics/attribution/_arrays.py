"""Shape checks shared by the attribution metrics: maps and masks ``(batch, samples)`` or
``(batch, leads, samples)``, numpy arrays or torch tensors, flattened to ``(batch, features)``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ecgstudy.errors import ParameterError


def as_numpy(values: Any, *, dtype: Any = np.float64) -> np.ndarray:
    """``values`` (numpy array, torch tensor, nested lists) as a numpy array of ``dtype``; a tensor is
    detached and moved to the CPU first."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=dtype)


def like(values: np.ndarray, template: Any) -> Any:
    """``values`` as ``template`` is: a torch tensor of its dtype and device, or a numpy array of its dtype.

    >>> like(np.zeros(2), torch.zeros(1, dtype=torch.float32)).dtype
    torch.float32
    """
    if isinstance(template, torch.Tensor):
        return torch.as_tensor(values, dtype=template.dtype, device=template.device)
    return values.astype(np.asarray(template).dtype, copy=False)


def batch_maps(maps: Any, name: str = "maps") -> np.ndarray:
    """Maps as float64 ``(batch, samples)`` or ``(batch, leads, samples)``, finite."""
    a = as_numpy(maps)
    if a.ndim not in (2, 3) or a.shape[0] < 1 or a.shape[-1] < 1:
        raise ParameterError(f"{name}: expected (batch, samples) or (batch, leads, samples), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ParameterError(f"{name}: values must be finite")
    return a


def maps_and_masks(maps: Any, masks: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(maps, masks)`` flattened to ``(batch, features)`` (leads x samples), float64 and bool.

    >>> a, m = maps_and_masks(np.zeros((2, 3, 4)), np.ones((2, 3, 4), bool))
    >>> a.shape, m.dtype
    ((2, 12), dtype('bool'))
    """
    a = batch_maps(maps)
    m = as_numpy(masks, dtype=None)
    if m.shape != a.shape:
        raise ParameterError(f"maps {a.shape} and masks {m.shape} differ in shape")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ParameterError("masks must be bool (or 0/1)")
        m = m.astype(bool)
    return a.reshape(a.shape[0], -1), m.reshape(m.shape[0], -1)
