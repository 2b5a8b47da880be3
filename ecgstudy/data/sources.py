"""One call per chapter dataset that returns real data when the run has it, else the
synthetic stand-in, so notebooks never branch on where data comes from."""

from __future__ import annotations

from ecgstudy.data.types import BeatSegments


def iclr_segments_for(data_kind: str, *, seed: int, n_synthetic: int) -> BeatSegments:
    """The ICLR PVC-vs-APB segments: real MIT-BIH (from ``ECGSTUDY_DATA``, cached) or synthetic.

    Args:
        data_kind: ``"real"`` or ``"synthetic"`` (as resolved for the run).
        seed: seeds the synthetic generator (ignored for real data).
        n_synthetic: number of synthetic segments (ignored for real data).

    Returns:
        ``BeatSegments`` with ``signals (n, 2, 2000)`` float32 mV at 360 Hz, labels ``"AN"``/``"NV"``.
    """
    if data_kind == "real":
        from ecgstudy.data.mitdb_cache import load_iclr_segments

        return load_iclr_segments()
    from ecgstudy.synthetic import mitbih_like_segments

    return mitbih_like_segments(n_synthetic, seed=seed)
