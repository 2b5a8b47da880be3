"""LUDB's diagnoses as PTB-XL superclasses (ecgstudy.data.ludb_superclasses)."""

from __future__ import annotations

import pytest

from ecgstudy.data.ludb_superclasses import (
    TESTED, is_paced, reading_segments, superclass_of, superclasses)
from ecgstudy.errors import ParameterError


@pytest.mark.parametrize("dx, cls", [
    ("Incomplete right bundle branch block.", "CD"), ("Complete left bundle branch block", "CD"),
    ("Left anterior hemiblock", "CD"), ("Non-specific intravintricular conduction delay", "CD"),
    ("III degree AV-block", "CD"), ("Left ventricular hypertrophy", "HYP"), ("Right atrial overload", "HYP"),
    ("STEMI: septal", "MI"), ("Scar formation: posterior wall", "MI"), ("Ischemia: apical", "STTC"),
    ("Non-specific repolarization abnormalities: lateral wall. ", "STTC"),
    # straddling two superclasses, or none of PTB-XL's
    ("Undefined ischemia/scar/supp.NSTEMI: anterior wall", None), ("Left ventricular overload", None),
    ("Early repolarization syndrome", None), ("Rhythm: Atrial fibrillation", None),
    ("Electric axis of the heart: left axis deviation", None), ("UNIpolar ventricular pacing", None),
])
def test_each_diagnosis_maps_to_the_superclass_of_its_ptbxl_statement(dx, cls):
    assert superclass_of(dx) == cls


def test_a_record_is_read_where_its_own_diagnoses_are():
    dx = ["Rhythm: Sinus rhythm", "Left atrial hypertrophy", "Left ventricular hypertrophy", "I degree AV block",
          "STEMI: anterior wall", "Non-specific repolarization abnormalities: septal"]
    assert superclasses(dx) == TESTED == ("MI", "STTC", "CD", "HYP")
    assert reading_segments(dx, "HYP") == ("p", "qrs")
    assert reading_segments(dx, "CD") == ("pr",)
    assert reading_segments(dx, "MI") == ("qrs_t",) and reading_segments(dx, "STTC") == ("st_t",)
    assert is_paced(["BIpolar ventricular pacing"]) and not is_paced(["UNIpolar atrial pacing"])
    with pytest.raises(ParameterError, match="no diagnosis of MI"):
        reading_segments(["Left ventricular hypertrophy"], "MI")
    with pytest.raises(ParameterError, match="expected one of MI, STTC, CD, HYP"):
        reading_segments(dx, "NORM")


@pytest.mark.realdata
def test_every_ludb_diagnosis_is_mapped_or_known_to_be_left_out():
    from ecgstudy.data.ludb import ludb_records, read_ludb_record
    from ecgstudy.testing import real_dataset

    folder = real_dataset("ludb")
    left_out = ("Rhythm:", "Electric axis", "Undefined ischemia", "Left ventricular overload", "Early repolarization",
                "Ventricular extrasystole", "Atrial extrasystole", "Wandering atrial pacemaker", "P-synchrony",
                "Sinoatrial blockade", "Aberrant conduction")
    counts = dict.fromkeys(TESTED, 0)
    for rid in ludb_records(folder):
        rec, _ = read_ludb_record(folder, rid)
        for dx in rec.meta["diagnoses"]:
            if superclass_of(dx) is None and not is_paced([dx]):
                assert dx.startswith(left_out) or "pacing" in dx, dx
        for c in superclasses(rec.meta["diagnoses"]):
            counts[c] += 1
    # every superclass has records to be tested on (LUDB: left ventricular hypertrophy in about half)
    assert min(counts.values()) >= 20 and counts["HYP"] > 100, counts
