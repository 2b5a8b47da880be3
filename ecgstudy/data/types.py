"""Containers shared by the real-data readers and the synthetic generator.

Shapes follow ``(leads, samples)`` for one record and ``(n, leads, samples)`` for a set.
Sample positions are integer sample indices at the container's ``fs`` (Hz).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: Columns of a fiducial table: one row per beat, sample indices, -1 where a wave is absent.
FIDUCIAL_COLUMNS = (
    "p_on", "p_peak", "p_off",
    "qrs_on", "qrs_peak", "qrs_off",
    "t_on", "t_peak", "t_off",
)


@dataclass
class EcgRecord:
    """One multi-lead recording.

    Attributes:
        record_id: the dataset's name of the record (e.g. ``"100"``, ``"A0001"``).
        signal: ``(leads, samples)`` float32 in ``units`` (mV unless stated).
        fs: sampling rate in Hz.
        lead_names: one name per row of ``signal``.
        units: physical unit of ``signal``.
        meta: anything else the source knows (age, sex, diagnoses, label codes, path).
    """

    record_id: str
    signal: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    units: str = "mV"
    meta: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[-1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.fs


@dataclass
class BeatAnnotations:
    """Beat (and other) annotations of one record, as in a WFDB ``.atr`` file.

    Attributes:
        sample: ``(n,)`` int64 sample indices.
        symbol: ``(n,)`` str, WFDB annotation symbols (``N``, ``V``, ``A``, ``+`` ...).
        aux: ``(n,)`` str, auxiliary notes (rhythm changes such as ``(AFIB``).
    """

    sample: np.ndarray
    symbol: np.ndarray
    aux: np.ndarray


def csr_take(offsets: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``idx`` of a CSR layout: the new ``offsets`` ``(len(idx) + 1,)`` and the positions
    ``take`` of their items in the old item arrays (int64).

    >>> new, take = csr_take(np.array([0, 2, 2, 5]), np.array([2, 0]))
    >>> new.tolist(), take.tolist()
    ([0, 3, 5], [2, 3, 4, 0, 1])
    """
    counts = np.diff(offsets)[idx]
    new = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    take = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in idx]).astype(np.int64) \
        if len(idx) else np.zeros(0, np.int64)
    return new, take


@dataclass
class BeatSegments:
    """Fixed-length multi-beat segments with the beats they contain (ICLR-style).

    Beats are stored in CSR layout: the beats of segment ``i`` are
    ``beat_sample[beat_offsets[i]:beat_offsets[i+1]]`` (positions inside the padded
    segment) with symbols ``beat_symbol[...]``.

    Attributes:
        signals: ``(n, leads, samples)`` float32, mV, zero-padded (centred).
        labels: ``(n,)`` str, segment class (e.g. ``"NV"`` normal+PVC, ``"AN"`` normal+APB).
        record_ids: ``(n,)`` str, source record of each segment.
        start: ``(n,)`` int64, record sample where the unpadded segment begins.
        pad_left: ``(n,)`` int64, zeros prepended (the segment occupies
            ``[pad_left, pad_left + length)`` of the padded window).
        length: ``(n,)`` int64, unpadded length in samples.
        beat_offsets: ``(n + 1,)`` int64.
        beat_sample: ``(total_beats,)`` int64, R-peak position inside the padded segment.
        beat_symbol: ``(total_beats,)`` str.
        fs: Hz. lead_names: one per lead. source: ``"mitdb"`` or ``"synthetic"``.
    """

    signals: np.ndarray
    labels: np.ndarray
    record_ids: np.ndarray
    start: np.ndarray
    pad_left: np.ndarray
    length: np.ndarray
    beat_offsets: np.ndarray
    beat_sample: np.ndarray
    beat_symbol: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return int(self.signals.shape[0])

    def beats(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions (inside the padded segment) and symbols of segment ``i``'s beats."""
        lo, hi = self.beat_offsets[i], self.beat_offsets[i + 1]
        return self.beat_sample[lo:hi], self.beat_symbol[lo:hi]

    def subset(self, index: np.ndarray) -> "BeatSegments":
        """A new set with the segments at ``index`` (bool mask or integer array)."""
        idx = np.arange(len(self))[index]
        offsets, take = csr_take(self.beat_offsets, idx)
        return BeatSegments(
            signals=self.signals[idx], labels=self.labels[idx], record_ids=self.record_ids[idx],
            start=self.start[idx], pad_left=self.pad_left[idx], length=self.length[idx],
            beat_offsets=offsets, beat_sample=self.beat_sample[take],
            beat_symbol=self.beat_symbol[take], fs=self.fs, lead_names=self.lead_names,
            source=self.source,
        )

    def save(self, path: str | Path) -> None:
        """Write to one ``.npz`` (uncompressed, so loading is a memory copy)."""
        np.savez(
            path, signals=self.signals, labels=self.labels, record_ids=self.record_ids,
            start=self.start, pad_left=self.pad_left, length=self.length,
            beat_offsets=self.beat_offsets, beat_sample=self.beat_sample,
            beat_symbol=self.beat_symbol, fs=np.float64(self.fs),
            lead_names=np.array(self.lead_names), source=np.array(self.source),
        )

    @classmethod
    def load(cls, path: str | Path) -> "BeatSegments":
        with np.load(path, allow_pickle=False) as z:
            return cls(
                signals=z["signals"], labels=z["labels"], record_ids=z["record_ids"],
                start=z["start"], pad_left=z["pad_left"], length=z["length"],
                beat_offsets=z["beat_offsets"], beat_sample=z["beat_sample"],
                beat_symbol=z["beat_symbol"], fs=float(z["fs"]),
                lead_names=tuple(str(s) for s in z["lead_names"]), source=str(z["source"]),
            )


@dataclass
class RecordSet:
    """Equal-length multi-lead records with multi-hot labels and per-record metadata.

    Attributes:
        signals: ``(n, leads, samples)`` float32 in ``units``.
        labels: ``(n, n_classes)`` uint8 multi-hot (may be all zero for unlabeled sets).
        class_names: one per label column.
        record_ids: ``(n,)`` str.
        meta: one row per record (age, sex, measurements, ...), index aligned with signals.
        fs: Hz. lead_names: one per lead. units: e.g. ``"mV"``. source: dataset key or ``"synthetic"``.
    """

    signals: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    record_ids: np.ndarray
    meta: pd.DataFrame
    fs: float
    lead_names: tuple[str, ...]
    units: str = "mV"
    source: str = "synthetic"

    def __len__(self) -> int:
        return int(self.signals.shape[0])
