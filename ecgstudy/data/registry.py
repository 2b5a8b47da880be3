"""The datasets the study knows, where they are found under a data directory, and
where they come from.

A data directory (``ECGSTUDY_DATA``) holds one folder per dataset in its PhysioNet
layout. Each dataset is looked up under several conventional folder names, so both a
``ecgstudy data download`` target and a hand-made copy work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ecgstudy.errors import DataNotFoundError


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about one dataset (what a data card shows)."""

    key: str
    title: str
    folders: tuple[str, ...]  # folder names tried under the data directory, in order
    physionet: str | None  # PhysioNet project slug for download, e.g. "mitdb"
    version: str | None
    fs_hz: float
    leads: str
    units: str
    licence: str
    citation: str
    n_published: int | None = None  # records of the complete published dataset (of ``version``)
    doi: str = ""  # DOI of the article ``citation`` names
    bibkey: str = ""  # the article's key in ``book/references.bib``


DATASETS: dict[str, DatasetInfo] = {
    d.key: d
    for d in [
        DatasetInfo(
            key="mitdb",
            title="MIT-BIH Arrhythmia Database",
            folders=("mitdb", "mit-bih-arrhythmia-database-1.0.0"),
            physionet="mitdb",
            version="1.0.0",
            fs_hz=360.0,
            leads="2 (mostly MLII and V1; V2/V4/V5 in some records)",
            units="mV",
            licence="ODC-By 1.0",
            citation="Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. "
            "IEEE Eng Med Biol 20(3):45-50 (2001).",
            n_published=48,
            doi="10.1109/51.932724",
            bibkey="moody2001mitbih",
        ),
        DatasetInfo(
            key="ludb",
            title="Lobachevsky University Electrocardiography Database (LUDB)",
            folders=("ludb", "lobachevsky-university-electrocardiography-database-1.0.1"),
            physionet="ludb",
            version="1.0.1",
            fs_hz=500.0,
            leads="12 (I, II, III, aVR, aVL, aVF, V1-V6)",
            units="mV",
            licence="ODC-By 1.0",
            citation="Kalyakulina AI et al. LUDB: a new open-access validation tool for "
            "electrocardiogram delineation algorithms. IEEE Access 8:186181 (2020).",
            n_published=200,
            doi="10.1109/ACCESS.2020.3029211",
            bibkey="kalyakulina2020ludb",
        ),
        DatasetInfo(
            key="ptbxl",
            title="PTB-XL",
            folders=("ptbxl", "ptb-xl", "ptbxl-subset", "ptb-xl-1.0.3", "ptb-xl-1.0.1"),
            physionet="ptb-xl",
            version="1.0.3",
            fs_hz=100.0,
            leads="12 (I, II, III, aVR, aVL, aVF, V1-V6)",
            units="mV (the shared subset: standard deviations, band-pass filtered and z-scored)",
            licence="CC BY 4.0",
            citation="Wagner P et al. PTB-XL, a large publicly available electrocardiography "
            "dataset. Sci Data 7:154 (2020).",
            n_published=21_799,  # version 1.0.3 (1.0.1: 21,837; a copy's ptbxl_database.csv says which)
            doi="10.1038/s41597-020-0495-6",
            bibkey="wagner2020ptbxl",
        ),
        DatasetInfo(
            key="cpsc2018",
            title="CPSC 2018 (China Physiological Signal Challenge 2018) training set",
            folders=("cpsc2018", "samples/cpsc2018", "TrainingSet"),
            physionet=None,
            version=None,
            fs_hz=500.0,
            leads="12 (I, II, III, aVR, aVL, aVF, V1-V6)",
            units="mV",
            licence="free for research; redistributed by PhysioNet under CC BY 4.0",
            citation="Liu F et al. An open access database for evaluating the algorithms of "
            "electrocardiogram rhythm and morphology abnormality detection. "
            "J Med Imaging Health Inform 8(7):1368-1373 (2018).",
            n_published=6_877,  # the training set (REFERENCE.csv lists them all)
            doi="10.1166/jmihi.2018.2442",
            bibkey="liu2018cpsc",
        ),
        DatasetInfo(
            key="cinc2021",
            title="PhysioNet/CinC Challenge 2021 (WFDB form, SNOMED CT labels)",
            folders=("cinc2021", "samples/cinc2021", "challenge-2021"),
            physionet="challenge-2021",
            version="1.0.3",
            fs_hz=500.0,
            leads="12 (I, II, III, aVR, aVL, aVF, V1-V6)",
            units="mV",
            licence="CC BY 4.0",
            citation="Reyna MA et al. Will two do? Varying dimensions in electrocardiography: "
            "the PhysioNet/Computing in Cardiology Challenge 2021. CinC 48 (2021).",
            n_published=88_253,  # the public training set: CPSC, CPSC-extra, INCART, PTB, PTB-XL, Georgia, Chapman, Ningbo
            doi="10.23919/CinC53138.2021.9662687",
            bibkey="reyna2021cinc",
        ),
    ]
}


def dataset_info(key: str) -> DatasetInfo:
    """Facts about dataset ``key``; raises ``KeyError`` listing the known keys."""
    try:
        return DATASETS[key]
    except KeyError:
        raise KeyError(f"unknown dataset {key!r}; known: {', '.join(DATASETS)}") from None


def find_dataset(key: str, data_dir: Path | None) -> Path | None:
    """The folder holding dataset ``key`` under ``data_dir``, or ``None`` if absent."""
    if data_dir is None or not Path(data_dir).is_dir():
        return None
    for name in dataset_info(key).folders:
        candidate = Path(data_dir) / name
        if candidate.is_dir():
            return candidate
    return None


def require_dataset(key: str, data_dir: Path | None) -> Path:
    """Like :func:`find_dataset` but raises :class:`DataNotFoundError` naming what was tried."""
    found = find_dataset(key, data_dir)
    if found is None:
        tried = ", ".join(dataset_info(key).folders)
        where = data_dir if data_dir is not None else "<no data directory: set ECGSTUDY_DATA>"
        raise DataNotFoundError(where, f"dataset {key!r} not found (looked for folders: {tried})")
    return found
