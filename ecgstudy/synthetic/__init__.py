"""Synthetic ECGs with exact ground truth: the study's default data and its test bed.

A beat is a sum of smooth waves (tapered Gaussians in time, each with a 3-D dipole
direction) projected onto the leads by the Dower matrix; noise is white noise, baseline
wander and optional powerline. Because every wave is exactly zero outside
``[centre - 3 sigma, centre + 3 sigma_right]``, onsets/offsets, intervals and amplitudes
are known exactly (see :mod:`.waves`, :mod:`.beats`, :mod:`.measure`).

Stand-ins for the chapters' data: :func:`mitbih_like_segments`, :func:`cpsc_like_records`,
:func:`measurement_records`. Chapter 4's controlled task, a label planted in one wave with
every wave's exact mask: :func:`planted_records` (:mod:`.planted`). Hand-set records:
:func:`generate_record` with :class:`Beat` / :class:`BeatMorphology` / :class:`WaveParams` (or
the builders :func:`sinus_morphology`, :func:`pvc_morphology`).
"""

from ecgstudy.synthetic.atrial import FWaveParams
from ecgstudy.synthetic.beats import Beat, BeatMorphology, BeatTrain
from ecgstudy.synthetic.leads import DOWER_MATRIX, INDEPENDENT_LEADS, LEAD_MATRIX_12, TWELVE_LEADS, derive_twelve
from ecgstudy.synthetic.morphology import pvc_morphology, random_st_vector, rotation_matrix, sinus_morphology
from ecgstudy.synthetic.noise import NoiseParams
from ecgstudy.synthetic.planted import PlantedSet, planted_records
from ecgstudy.synthetic.record import SyntheticRecord, generate_record
from ecgstudy.synthetic.standins import (
    CPSC_CLASSES,
    CPSC_COMPATIBLE_PAIRS,
    MITBIH_LEADS,
    SyntheticRecordSet,
    cpsc_like_records,
    measurement_records,
    mitbih_like_segments,
)
from ecgstudy.synthetic.waves import SUPPORT_SIGMAS, StShift, WaveParams

__all__ = [
    "CPSC_CLASSES",
    "CPSC_COMPATIBLE_PAIRS",
    "DOWER_MATRIX",
    "INDEPENDENT_LEADS",
    "LEAD_MATRIX_12",
    "MITBIH_LEADS",
    "SUPPORT_SIGMAS",
    "TWELVE_LEADS",
    "Beat",
    "BeatMorphology",
    "BeatTrain",
    "FWaveParams",
    "NoiseParams",
    "PlantedSet",
    "StShift",
    "SyntheticRecord",
    "SyntheticRecordSet",
    "WaveParams",
    "cpsc_like_records",
    "derive_twelve",
    "generate_record",
    "measurement_records",
    "mitbih_like_segments",
    "planted_records",
    "pvc_morphology",
    "random_st_vector",
    "rotation_matrix",
    "sinus_morphology",
]
