"""Data cards: what each dataset is (static facts) and what was found of it (counts, checksums)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from ecgstudy.data.check import DatasetStatus
from ecgstudy.data.registry import DATASETS

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


def card_table(statuses: list[DatasetStatus]) -> pd.DataFrame:
    """One row per dataset: static facts from the registry plus what was found here."""
    found = {s.key: s for s in statuses}
    rows = []
    for key, info in DATASETS.items():
        st = found.get(key)
        rows.append({
            "dataset": info.title, "key": key, "sampling rate (Hz)": f"{info.fs_hz:g}", "leads": info.leads,
            "units": info.units, "annotations": ANNOTATIONS.get(key, ""), "licence": info.licence,
            "found here": "yes" if st and st.found else "no",
            "records here": "" if not st or st.n_records is None else st.n_records,
            "checksums": st.checksums if st else "-", "citation": info.citation,
        })
    return pd.DataFrame(rows)


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
