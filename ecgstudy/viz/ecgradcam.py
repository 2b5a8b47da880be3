"""Figures of the ECGradCAM chapter (draw only: every value is computed before)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ecgstudy.data.types import FIDUCIAL_COLUMNS
from ecgstudy.labels import label as target_label
from ecgstudy.viz.style import COLUMN_IN

#: Shading of the delineated waves: (onset column, offset column, colour, label).
WAVE_SPANS = (("p_on", "p_off", "tab:green", "P"), ("qrs_on", "qrs_off", "tab:orange", "QRS"),
              ("t_on", "t_off", "tab:blue", "T"))


def upsample_map(layer_map: np.ndarray, n_samples: int) -> np.ndarray:
    """A layer map ``(T,)`` on the beat's ``n_samples``: :func:`ecgstudy.attribution.maps.upsample` (linear,
    half-sample centres: step ``t`` at sample ``(t + 0.5) * n / T - 0.5``), in float64.

    >>> upsample_map(np.array([0.0, 1.0]), 4).tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    import torch

    from ecgstudy.attribution.maps import upsample

    return upsample(torch.as_tensor(np.asarray(layer_map, dtype=np.float64))[None], n_samples)[0].numpy()


def plot_beat_maps(beat: np.ndarray, layer_map: np.ndarray, fiducials: np.ndarray, *, lead_names: Sequence[str],
                   lead: str, fs: float = 500.0, ax=None, title: str = ""):
    """One median beat's lead with a map over it and the delineated waves shaded.

    Args:
        beat: ``(leads, samples)`` median beat. layer_map: ``(T,)`` non-negative map on the
            layer's time axis (upsampled here). fiducials: ``(9,)`` in ``FIDUCIAL_COLUMNS`` order,
            samples of the beat, -1 where absent.
    """
    ax = ax or plt.gca()
    x = np.asarray(beat[list(lead_names).index(lead)], dtype=float)
    n = len(x)
    t = np.arange(n) / fs
    m = scaled_map(layer_map, n)
    f = dict(zip(FIDUCIAL_COLUMNS, np.asarray(fiducials).tolist()))
    for on, off, colour, label in WAVE_SPANS:
        if f[on] >= 0 and f[off] >= f[on]:
            ax.axvspan(f[on] / fs, f[off] / fs, color=colour, alpha=0.12, lw=0, label=label)
    lo, hi = x.min(), x.max()
    ax.fill_between(t, lo, lo + m * (hi - lo), color="tab:red", alpha=0.35, lw=0, label="map")
    ax.plot(t, x, color="black", lw=0.8)
    if not np.any(np.asarray(layer_map)):
        ax.text(0.98, 0.9, "map zero everywhere", ha="right", va="top", transform=ax.transAxes, color="tab:red")
    elif not np.isfinite(np.asarray(layer_map, dtype=float)).all():
        ax.text(0.98, 0.9, "map not finite", ha="right", va="top", transform=ax.transAxes, color="tab:red")
    ax.set_title(title)
    ax.set_yticks([])
    ax.set_xlabel("time in the median beat (s)")
    return ax


def scaled_map(layer_map: np.ndarray, n_samples: int) -> np.ndarray:
    """A layer map upsampled to ``n_samples`` (:func:`upsample_map`) and min-max scaled to [0, 1], as
    :func:`plot_beat_maps` draws it; zeros when the map is constant.

    >>> scaled_map(np.array([2.0, 4.0]), 4).tolist(), scaled_map(np.zeros(2), 3).tolist()
    ([0.0, 0.25, 0.75, 1.0], [0.0, 0.0, 0.0])
    """
    m = upsample_map(np.asarray(layer_map, dtype=float), n_samples)
    span = m.max() - m.min()
    return (m - m.min()) / span if span > 0 else np.zeros_like(m)


#: How the figures name the two Grad-CAM variants.
VARIANT_LABELS = {"gradcam": "textbook Grad-CAM", "ecgradcam": "ECGradCAM (authors' code)"}


def runs_maps_figure(runs, beats: np.ndarray, fiducials: np.ndarray, *, lead_names: Sequence[str],
                     lead: str = "V5", variants: Sequence[str] = ("gradcam", "ecgradcam")):
    """A row per run (its target), a column per variant: each run's map of its first held-out
    record over that record's median beat (:func:`plot_beat_maps`); a note when there is no run.

    Args:
        runs: :class:`~ecgstudy.studies.ecgradcam.tables.RunMaps` (``target``, ``index``: the
            record's row of ``beats``, ``maps``: per variant a ``(T,)`` layer map), e.g. from
            :func:`~ecgstudy.studies.ecgradcam.tables.first_record_maps`.
        beats: ``(n, leads, samples)`` the median beats the runs' ``index`` points into.
        fiducials: ``(n, 9)`` their fiducials.
    """
    if not runs:
        fig, ax = plt.subplots(figsize=(COLUMN_IN, 1))
        ax.text(0.5, 0.5, "no run in this build", ha="center")
        ax.axis("off")
        return fig
    lead = lead if lead in lead_names else lead_names[0]
    fig, axes = plt.subplots(len(runs), len(variants), figsize=(COLUMN_IN, 1.9 * len(runs)), sharex=True,
                             squeeze=False)
    for row, run in enumerate(runs):
        for col, variant in enumerate(variants):
            plot_beat_maps(beats[run.index], run.maps[variant], fiducials[run.index], lead_names=lead_names,
                           lead=lead, ax=axes[row, col], title=f"{target_label(run.target, unit=False)}: {VARIANT_LABELS[variant]}")
            if row < len(runs) - 1:
                axes[row, col].set_xlabel("")
    fig.tight_layout()
    return fig


def runs_maps_frame(runs, beats: np.ndarray, *, lead_names: Sequence[str], lead: str = "V5", fs: float = 500.0,
                    variants: Sequence[str] = ("gradcam", "ecgradcam")) -> pd.DataFrame:
    """What :func:`runs_maps_figure` draws, one row per run, variant and sample: ``target``, ``variant``,
    ``record_index``, ``time_s``, the lead (``ecg:<lead>``, the beat's units; left out of real-data CSVs,
    :func:`~ecgstudy.report.signal_column`) and the ``map`` scaled to [0, 1] (:func:`scaled_map`); no rows
    without a run."""
    from ecgstudy.report import signal_column

    if not runs:
        return pd.DataFrame(columns=["target", "variant", "record_index", "time_s", signal_column(lead), "map"])
    lead = lead if lead in lead_names else lead_names[0]
    frames = []
    for run in runs:
        x = np.asarray(beats[run.index][list(lead_names).index(lead)], dtype=float)
        for variant in variants:
            frames.append(pd.DataFrame({"target": run.target, "variant": variant, "record_index": run.index,
                                        "time_s": np.arange(len(x)) / fs, signal_column(lead): x,
                                        "map": scaled_map(run.maps[variant], len(x))}))
    return pd.concat(frames, ignore_index=True)


def leads_maps_figure(beat: np.ndarray, maps, fiducials: np.ndarray, *, lead_names: Sequence[str],
                      variants: Sequence[str] = ("gradcam", "ecgradcam")):
    """One median beat in every lead, a column per variant, with the same map drawn over each lead
    (:func:`plot_beat_maps`; the models mix the leads, so a map has one value per time step).

    Args:
        beat: ``(leads, samples)`` the median beat. maps: per variant, its ``(T,)`` layer map.
        fiducials: ``(9,)`` the beat's fiducials (``FIDUCIAL_COLUMNS``, -1 absent).
    """
    leads = list(lead_names)
    fig, axes = plt.subplots(len(leads), len(variants), figsize=(COLUMN_IN, 1.25 * len(leads)), sharex=True,
                             squeeze=False)
    for col, variant in enumerate(variants):
        for row, lead in enumerate(leads):
            plot_beat_maps(beat, maps[variant], fiducials, lead_names=leads, lead=lead, ax=axes[row, col],
                           title=f"{VARIANT_LABELS[variant]}, lead {lead}" if row == 0 else f"lead {lead}")
            if row < len(leads) - 1:
                axes[row, col].set_xlabel("")
    fig.tight_layout()
    return fig


def leads_maps_frame(beat: np.ndarray, maps, *, lead_names: Sequence[str], fs: float = 500.0,
                     variants: Sequence[str] = ("gradcam", "ecgradcam")) -> pd.DataFrame:
    """What :func:`leads_maps_figure` draws, one row per sample: ``time_s``, every lead of the median beat
    (:func:`~ecgstudy.report.signal_column`, left out of real-data CSVs) and each variant's map scaled to
    [0, 1] (``map_<variant>``, :func:`scaled_map`).

    >>> leads_maps_frame(np.zeros((2, 4)), {"gradcam": np.array([0.0, 1.0])}, lead_names=["I", "II"],
    ...                  variants=("gradcam",)).columns.tolist()
    ['time_s', 'ecg:I', 'ecg:II', 'map_gradcam']
    """
    from ecgstudy.report import signal_column

    n = beat.shape[-1]
    frame = {"time_s": np.arange(n) / fs, **{signal_column(lead): beat[i] for i, lead in enumerate(lead_names)}}
    frame.update({f"map_{v}": scaled_map(maps[v], n) for v in variants})
    return pd.DataFrame(frame)
