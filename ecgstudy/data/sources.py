"""One call per chapter dataset that returns real data when the run has it, else the
synthetic stand-in, so notebooks never branch on where data comes from."""

from __future__ import annotations

from pathlib import Path

from ecgstudy.data.types import BeatSegments
from ecgstudy.errors import ParameterError


def iclr_segments_for(data_kind: str, *, seed: int, n_synthetic: int,
                      folder: str | Path | None = None) -> BeatSegments:
    """The ICLR PVC-vs-APB segments: real MIT-BIH (from the run's mitdb folder, cached) or synthetic.

    Args:
        data_kind: ``"real"`` or ``"synthetic"`` (as resolved for the run).
        seed: seeds the synthetic generator (ignored for real data).
        n_synthetic: number of synthetic segments (ignored for real data).
        folder: the MIT-BIH dataset folder the run's data source resolved
            (``source.folders["mitdb"]``; a page's ``data_dirs["mitdb"]``); needed for real data.

    Returns:
        ``BeatSegments`` with ``signals (n, 2, 2000)`` float32 mV at 360 Hz, labels ``"AN"``/``"NV"``.
    """
    if data_kind == "real":
        from ecgstudy.data.mitdb_cache import load_iclr_segments

        if folder is None:
            raise ParameterError("real ICLR segments need the run's mitdb folder (source.folders['mitdb'])")
        return load_iclr_segments(folder)
    from ecgstudy.synthetic import mitbih_like_segments

    return mitbih_like_segments(n_synthetic, seed=seed)
