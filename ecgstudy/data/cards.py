"""Data cards: what each dataset is (static facts) and what was found of it (counts, checksums)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from ecgstudy.data.check import DatasetStatus
from ecgstudy.data.registry import DATASETS, DatasetInfo

#: MIT-BIH beat annotation symbols (PhysioNet's annotation table).
MITDB_BEAT_MEANING = {
    "N": "normal beat", "L": "left bundle branch block beat", "R": "right bundle branch block beat",
    "A": "atrial premature beat (APB)", "a": "aberrated atrial premature beat",
    "J": "nodal (junctional) premature beat", "S": "supraventricular premature beat",
    "V": "premature ventricular contraction (PVC)", "F": "fusion of ventricular and normal beat",
    "e": "atrial escape beat", "j": "nodal (junctional) escape beat", "E": "ventricular escape beat",
    "/": "paced beat", "f": "fusion of paced and normal beat", "Q": "unclassifiable beat",
}

#: What the annotations of each dataset hold.
ANNOTATIONS = {
    "mitdb": "beat labels at each R peak (two cardiologists) and rhythm changes (.atr)",
    "ludb": "per-lead onset, peak and offset of every P wave, QRS complex and T wave; diagnoses, age, sex",
    "ptbxl": "SCP-ECG statements with likelihoods, mapped to 5 diagnostic superclasses; age, sex, folds",
    "cpsc2018": "1-3 of 9 rhythm/morphology classes per record (REFERENCE.csv); age, sex",
    "cinc2021": "SNOMED CT diagnosis codes (# Dx), mapped to the 9 CPSC classes; age, sex",
}


def citation_text(info: DatasetInfo) -> str:
    """The dataset's reference article with its DOI as a Markdown link.

    >>> citation_text(DATASETS["mitdb"])
    'Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database. IEEE Eng Med Biol 20(3):45-50 (2001).
    [doi:10.1109/51.932724](https://doi.org/10.1109/51.932724)'
    """
    return info.citation + (f" [doi:{info.doi}](https://doi.org/{info.doi})" if info.doi else "")


def card_table(statuses: list[DatasetStatus]) -> pd.DataFrame:
    """One row per dataset: static facts from the registry plus what was found here: ``found here`` says
    whether it is the complete dataset, a subset or a small sample (:meth:`DatasetStatus.extent_text`),
    ``extent`` the word alone (empty when not found); ``citation`` the reference article with its DOI link
    (:func:`citation_text`), ``doi`` and ``bibkey`` (its key in ``book/references.bib``) alone."""
    found = {s.key: s for s in statuses}
    rows = []
    for key, info in DATASETS.items():
        st = found.get(key)
        rows.append({
            "dataset": info.title, "key": key, "sampling rate (Hz)": f"{info.fs_hz:g}", "leads": info.leads,
            "units": info.units, "annotations": ANNOTATIONS.get(key, ""), "licence": info.licence,
            "found here": st.extent_text() if st else "not found",
            "extent": st.extent if st and st.found else "", "found": bool(st and st.found),
            "records here": "" if not st or st.n_records is None else st.n_records,
            "checksums": st.checksums if st else "-", "citation": citation_text(info), "doi": info.doi,
            "bibkey": info.bibkey,
        })
    return pd.DataFrame(rows)


def found_text(cards: pd.DataFrame) -> str:
    """The datasets found, each with its extent unless complete (e.g. ``"mitdb, ptbxl (subset),
    cpsc2018 (sample)"``), or ``"none"``.

    >>> found_text(pd.DataFrame({"key": ["mitdb", "ptbxl", "cpsc2018", "ludb"], "found": [True, True, True, False],
    ...                          "extent": ["complete", "subset", "sample", ""]}))
    'mitdb, ptbxl (subset), cpsc2018 (sample)'
    """
    shown = [k + (f" ({e})" if e and e != "complete" else "") for k, e, f in
             zip(cards["key"], cards["extent"], cards["found"]) if f]
    return ", ".join(shown) or "none"


def samples_text(cards: pd.DataFrame) -> str:
    """A sentence naming the datasets present only as small samples or subsets (empty when none is).

    >>> samples_text(pd.DataFrame({"key": ["cpsc2018", "cinc2021", "ptbxl"], "extent": ["sample", "sample", "subset"],
    ...                            "found here": ["sample: 10 of 6,877 records", "sample: 50 of 88,253 records",
    ...                                           "subset: 1,819 of 21,837 records"]}))
    'cpsc2018 and cinc2021 are small samples here (10 of 6,877 records; 50 of 88,253 records): enough to test
    their readers and label mappings, not to train on. ptbxl is a subset (1,819 of 21,837 records).'
    """
    def part(extent: str) -> tuple[list[str], list[str]]:
        rows = cards[cards["extent"] == extent]
        return list(rows["key"]), [t.split(": ", 1)[1] for t in rows["found here"]]

    def names(keys: list[str]) -> str:
        return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]

    out = []
    samples, counts = part("sample")
    if samples:
        out.append(f"{names(samples)} {'is a small sample' if len(samples) == 1 else 'are small samples'} here "
                   f"({'; '.join(counts)}): enough to test their readers and label mappings, not to train on.")
    subsets, counts = part("subset")
    if subsets:
        out.append(f"{names(subsets)} {'is a subset' if len(subsets) == 1 else 'are subsets'} ({'; '.join(counts)}).")
    return " ".join(out)


def data_admonition(cards: pd.DataFrame, profile: str) -> str:
    """The data cards' box (MyST): which datasets this build found, which are samples or subsets, and which
    copies the committed real-data pages were made from; a warning when none was found."""
    n_found = int(cards["found"].sum())
    extra = " ".join(t for t in (samples_text(cards), reference_text()) if t)
    return (f":::{{admonition}} Data and profile\n:class: {'note' if n_found else 'warning'}\n"
            f"This page describes the data directory seen when the book was built with the **{profile}** profile: "
            f"{n_found} of {len(cards)} datasets found ({found_text(cards)})." + (f" {extra}" if extra else "")
            + "\n:::")


def reference_text(path: Path | None = None) -> str:
    """Which copies of the datasets the committed real-data pages were made from
    (``results/real/reference-data.json``), in one sentence; empty without that file."""
    import json

    from ecgstudy.runs.reference import REFERENCE_FILE

    path = REFERENCE_FILE if path is None else Path(path)
    if not path.exists():
        return ""
    datasets = json.loads(path.read_text()).get("datasets", {})
    parts = [f"{v.get('dataset') or DATASETS[k].title}, checksum {v['checksum'][:12]}" for k, v in datasets.items()]
    return ("The committed real-data pages of this book (under `results/real/`) were made from these copies: "
            + "; ".join(parts) + ".") if parts else ""


def mitdb_symbol_counts(folder: str | Path) -> pd.DataFrame:
    """Beat annotations per symbol over every record of a mitdb folder, with their meaning."""
    import wfdb

    from ecgstudy.data.mitdb import BEAT_SYMBOLS, mitdb_records
    from ecgstudy.errors import DataError

    counts: Counter[str] = Counter()
    for rec in mitdb_records(folder):
        path = Path(folder) / f"{rec}.atr"
        try:
            symbols = wfdb.rdann(str(Path(folder) / rec), "atr").symbol
        except Exception as exc:  # wfdb raises bare OSError/ValueError for bad files
            raise DataError(path, f"cannot read annotations: {exc}") from exc
        counts.update(s for s in symbols if s in BEAT_SYMBOLS)
    table = pd.DataFrame({"symbol": list(counts), "beats": list(counts.values())})
    table["meaning"] = table["symbol"].map(MITDB_BEAT_MEANING).fillna("")
    return table.sort_values("beats", ascending=False).reset_index(drop=True)
