"""SNOMED CT codes of the PhysioNet/CinC 2020/2021 headers (``# Dx:``) mapped to the nine
CPSC 2018 classes.

Codes follow the challenges' ``dx_mapping_scored.csv``/``dx_mapping_unscored.csv``;
the CPSC 2018 records use exactly one code per class (the first code of each entry
below). Equivalent codes are merged as the challenges' scoring does:
713427006 complete RBBB = 59118001 RBBB, 63593006 SVPB = 284470004 PAC,
427172004 PVC = 17338001 VPB (CinC 2020), 733534002 complete LBBB = 164909002 LBBB
(CinC 2021). CPSC's own PVC code is 164884008 "ventricular ectopics" (unscored in the
challenges), so PVC takes 164884008, 427172004 and 17338001.

Caveat: 426783006 is "sinus rhythm". In CPSC 2018 it marks the exclusive class Normal;
in the other CinC sources it co-occurs with abnormalities, so "Normal" on non-CPSC
records is not CPSC's "normal ECG".

The early 2020 release put the abbreviations themselves in ``# Dx`` (``AF,RBBB``);
those are accepted too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ecgstudy.errors import DataError

#: CPSC 2018 classes in CPSC's numbering 1..9 (REFERENCE.csv label k is ``CPSC_CLASSES[k - 1]``).
CPSC_CLASSES = ("Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC", "STD", "STE")

#: Class -> SNOMED CT codes (first: the code CPSC 2018 records carry).
CPSC_SNOMED: dict[str, tuple[str, ...]] = {
    "Normal": ("426783006",),                      # sinus rhythm
    "AF": ("164889003",),                          # atrial fibrillation
    "I-AVB": ("270492004",),                       # 1st degree AV block
    "LBBB": ("164909002", "733534002"),            # LBBB; complete LBBB
    "RBBB": ("59118001", "713427006"),             # RBBB; complete RBBB
    "PAC": ("284470004", "63593006"),              # PAC; supraventricular premature beats
    "PVC": ("164884008", "427172004", "17338001"),  # ventricular ectopics; PVC; VPB
    "STD": ("429622005",),                         # ST depression
    "STE": ("164931005",),                         # ST elevation
}

#: SNOMED CT code (or class abbreviation) -> class.
SNOMED_TO_CPSC: dict[str, str] = {
    **{code: cls for cls, codes in CPSC_SNOMED.items() for code in codes},
    **{cls: cls for cls in CPSC_CLASSES},
    "SNR": "Normal", "IAVB": "I-AVB",  # abbreviations of the CinC 2020 scoring files
}


def map_codes(codes: Iterable[str], *, on_unknown: str = "ignore", path: str | Path = "<codes>"
              ) -> tuple[list[str], list[str]]:
    """Map header codes to CPSC classes.

    Args:
        codes: SNOMED CT codes (or abbreviations) as strings.
        on_unknown: ``"ignore"`` (return them as unmapped) or ``"raise"``.
        path: the file the codes come from, for error messages.

    Returns:
        (classes in ``CPSC_CLASSES`` order, without duplicates; unmapped codes).

    Raises:
        DataError: an unmapped code with ``on_unknown="raise"``.
    """
    if on_unknown not in ("ignore", "raise"):
        raise ValueError(f"on_unknown must be 'ignore' or 'raise', got {on_unknown!r}")
    found, unknown = set(), []
    for code in codes:
        code = str(code).strip()
        if not code:
            continue
        cls = SNOMED_TO_CPSC.get(code)
        if cls is not None:
            found.add(cls)
        elif on_unknown == "raise":
            raise DataError(path, f"unknown diagnosis code {code!r}: not one of the nine CPSC 2018 "
                                  f"classes' SNOMED CT codes (use on_unknown='ignore' to skip it)")
        else:
            unknown.append(code)
    return [c for c in CPSC_CLASSES if c in found], unknown


def multi_hot(class_lists: Iterable[Iterable[str]], order: tuple[str, ...] = CPSC_CLASSES) -> np.ndarray:
    """``(n, len(order))`` uint8 multi-hot from lists of class names."""
    rows = [list(c) for c in class_lists]
    out = np.zeros((len(rows), len(order)), np.uint8)
    for i, classes in enumerate(rows):
        for c in classes:
            out[i, order.index(c)] = 1
    return out
