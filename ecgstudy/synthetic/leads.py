"""Projection of the cardiac dipole onto ECG leads.

The 8 independent leads (I, II, V1-V6) are the Dower transform of the dipole (the
"VCG", a ``(3, samples)`` course in a Frank-like frame: x left, y inferior, z
posterior)::

    independent = DOWER_MATRIX @ vcg          # (8, 3) @ (3, samples)

The other four limb leads are *derived* from I and II by Einthoven/Goldberger, on the
final float32 signal (noise included), so these identities hold bit-exactly::

    III = II - I
    aVR = -(I + II) / 2
    aVL = I - II / 2
    aVF = II - I / 2

``MLII`` (MIT-BIH's modified lead II) is modelled as lead II.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ecgstudy.errors import ParameterError

#: Standard 12-lead order of every 12-lead output.
TWELVE_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)
#: The independent leads, rows of :data:`DOWER_MATRIX`.
INDEPENDENT_LEADS: tuple[str, ...] = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")

#: Dower et al. (1980) VCG -> 12-lead coefficients for the independent leads, (8, 3): x, y, z.
DOWER_MATRIX = np.array(
    [
        [0.632, -0.235, 0.059],   # I
        [0.235, 1.066, -0.132],   # II
        [-0.515, 0.157, -0.917],  # V1
        [0.044, 0.164, -1.387],   # V2
        [0.882, 0.098, -1.277],   # V3
        [1.213, 0.127, -0.601],   # V4
        [1.125, 0.127, -0.086],   # V5
        [0.831, 0.076, 0.230],    # V6
    ],
    dtype=np.float64,
)


def _twelve_from_eight(m: np.ndarray) -> np.ndarray:
    """Rows of the 12 leads from rows I, II, V1..V6 (any trailing shape), same dtype."""
    i, ii = m[0], m[1]
    two = m.dtype.type(2)
    out = np.empty((12,) + m.shape[1:], dtype=m.dtype)
    out[0] = i
    out[1] = ii
    out[2] = ii - i
    out[3] = -(i + ii) / two
    out[4] = i - ii / two
    out[5] = ii - i / two
    out[6:] = m[2:]
    return out


#: Lead vectors of the 12 standard leads, (12, 3), in :data:`TWELVE_LEADS` order.
LEAD_MATRIX_12 = _twelve_from_eight(DOWER_MATRIX)

_ALIASES = {"MLII": "II"}


def lead_vectors(names: Sequence[str]) -> np.ndarray:
    """``(len(names), 3)`` lead vectors for standard names (and ``"MLII"``)."""
    return LEAD_MATRIX_12[lead_rows(names)]


def lead_rows(names: Sequence[str]) -> np.ndarray:
    """Row indices into the 12-lead order for ``names``; raises on unknown names."""
    rows = []
    unknown = []
    for name in names:
        std = _ALIASES.get(name, name)
        if std in TWELVE_LEADS:
            rows.append(TWELVE_LEADS.index(std))
        else:
            unknown.append(name)
    if unknown:
        raise ParameterError(
            f"unknown lead name(s) {unknown}; known: {list(TWELVE_LEADS) + list(_ALIASES)}"
        )
    if not rows:
        raise ParameterError("leads must name at least one lead")
    return np.asarray(rows, dtype=np.int64)


def derive_twelve(independent: np.ndarray) -> np.ndarray:
    """12 leads from the independent ones.

    Args:
        independent: ``(..., 8, samples)`` rows I, II, V1..V6 (any float dtype).

    Returns:
        ``(..., 12, samples)`` in :data:`TWELVE_LEADS` order, same dtype; the limb leads
        III, aVR, aVL, aVF computed with the formulas of the module docstring.
    """
    moved = np.moveaxis(independent, -2, 0)
    return np.moveaxis(_twelve_from_eight(moved), 0, -2)
