"""LUDB's diagnoses as PTB-XL's diagnostic superclasses, and where on the ECG each is read.

A network trained on PTB-XL's superclasses (``NORM, MI, STTC, CD, HYP``, :data:`~ecgstudy.data.ptbxl.PTBXL_SUPERCLASSES`)
can be tested on LUDB, whose cardiologists delineated every P, QRS and T wave per lead. LUDB's header lists its
diagnoses in words (``ecgstudy.data.ludb.parse_ludb_comments``); :data:`SUPERCLASS_OF` maps those that have a
PTB-XL statement of one superclass (PTB-XL's ``scp_statements.csv``: e.g. ``IRBBB`` -> CD, ``LVH`` -> HYP,
``ISCIN`` -> STTC, the injury and infarct statements -> MI). Diagnoses that straddle two superclasses stay out:
``Undefined ischemia/scar/supp.NSTEMI`` (MI or STTC), ``Left ventricular overload`` (a strain pattern: HYP or
STTC), ``Early repolarization syndrome`` (no PTB-XL statement); so do rhythms, axes, extrasystoles and pacing.

Where a superclass is read (:func:`reading_segments`, our mapping from the textbook criteria, stated on the page):

* CD: the QRS complex (bundle branch blocks, hemiblocks, conduction delay); an AV block: from P onset to QRS
  onset (the P wave and the PR segment);
* HYP: the QRS complex for ventricular hypertrophy (voltage criteria), the P wave for atrial hypertrophy or
  overload;
* MI: from QRS onset to T offset (Q waves, ST segment, T wave);
* STTC: from QRS offset to T offset (ST segment and T wave).

>>> superclasses(["Rhythm: Sinus rhythm", "Left ventricular hypertrophy", "I degree AV block",
...               "Ischemia: inferior wall"])
('STTC', 'CD', 'HYP')
>>> reading_segments(["Left atrial hypertrophy", "Incomplete right bundle branch block"], "HYP")
('p',)
>>> reading_segments(["I degree AV block", "Incomplete right bundle branch block"], "CD")
('pr', 'qrs')
"""

from __future__ import annotations

from collections.abc import Sequence

from ecgstudy.errors import ParameterError

#: The superclasses a LUDB record can be tested on, in PTB-XL's order (NORM has no region to be read in).
TESTED = ("MI", "STTC", "CD", "HYP")

#: Exact LUDB diagnoses (header text without the final full stop) -> superclass.
_EXACT = {
    "Incomplete right bundle branch block": "CD", "Complete right bundle branch block": "CD",
    "Incomplete left bundle branch block": "CD", "Complete left bundle branch block": "CD",
    "Left anterior hemiblock": "CD", "Left posterior hemiblock": "CD",
    "Non-specific intravintricular conduction delay": "CD",  # LUDB's spelling
    "I degree AV block": "CD", "II degree AV block": "CD", "III degree AV-block": "CD",
    "Left ventricular hypertrophy": "HYP", "Right ventricular hypertrophy": "HYP",
    "Left atrial hypertrophy": "HYP", "Right atrial hypertrophy": "HYP",
    "Left atrial overload": "HYP", "Right atrial overload": "HYP",
}
#: LUDB diagnoses by prefix (a wall follows the colon) -> superclass.
_PREFIX = {"STEMI:": "MI", "Scar formation:": "MI", "Ischemia:": "STTC",
           "Non-specific repolarization abnormalities:": "STTC"}

#: The diagnoses of a superclass read from P onset to QRS onset (the AV blocks), and on the P wave (atrial).
_AV_BLOCKS = ("I degree AV block", "II degree AV block", "III degree AV-block")
_ATRIAL = ("Left atrial hypertrophy", "Right atrial hypertrophy", "Left atrial overload", "Right atrial overload")

#: Records whose QRS a pacemaker makes: left out of the test (a paced QRS is no conduction disease of PTB-XL's).
PACED = ("UNIpolar ventricular pacing", "BIpolar ventricular pacing", "Biventricular pacing")

#: Segment names of :func:`reading_segments`, in words.
SEGMENT_WORDS = {"p": "the P wave", "pr": "P onset to QRS onset", "qrs": "the QRS complex",
                 "qrs_t": "QRS onset to T offset", "st_t": "QRS offset to T offset"}


def _clean(dx: str) -> str:
    return dx.strip().rstrip(". ").strip()


def superclass_of(diagnosis: str) -> str | None:
    """The PTB-XL superclass of one LUDB diagnosis (``None``: none, or one that straddles two).

    >>> superclass_of("STEMI: anterior wall"), superclass_of("Undefined ischemia/scar/supp.NSTEMI: apical")
    ('MI', None)
    """
    dx = _clean(diagnosis)
    if dx in _EXACT:
        return _EXACT[dx]
    return next((c for p, c in _PREFIX.items() if dx.startswith(p)), None)


def is_paced(diagnoses: Sequence[str]) -> bool:
    """Whether a pacemaker paces the record (its ventricles; atrial pacing alone does not count)."""
    return any(_clean(d) in PACED for d in diagnoses)


def superclasses(diagnoses: Sequence[str]) -> tuple[str, ...]:
    """The :data:`TESTED` superclasses of a record's diagnoses, in that order."""
    found = {superclass_of(d) for d in diagnoses}
    return tuple(c for c in TESTED if c in found)


def reading_segments(diagnoses: Sequence[str], superclass: str) -> tuple[str, ...]:
    """Where ``superclass`` is read on a record with these ``diagnoses``: names of :data:`SEGMENT_WORDS`, sorted.

    Raises:
        ParameterError: ``superclass`` is not one of :data:`TESTED`, or none of ``diagnoses`` is of it.
    """
    if superclass not in TESTED:
        raise ParameterError(f"superclass {superclass!r}: expected one of {', '.join(TESTED)}")
    mine = [_clean(d) for d in diagnoses if superclass_of(d) == superclass]
    if not mine:
        raise ParameterError(f"no diagnosis of {superclass} among {list(diagnoses)}")
    if superclass == "MI":
        return ("qrs_t",)
    if superclass == "STTC":
        return ("st_t",)
    if superclass == "CD":
        segs = {"pr" if d in _AV_BLOCKS else "qrs" for d in mine}
    else:
        segs = {"p" if d in _ATRIAL else "qrs" for d in mine}
    return tuple(sorted(segs))
