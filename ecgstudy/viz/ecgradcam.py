"""Figures of the ECGradCAM chapter (draw only: every value is computed before)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ecgstudy.data.types import FIDUCIAL_COLUMNS

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
    m = upsample_map(np.asarray(layer_map, dtype=float), n)
    span = m.max() - m.min()
    m = (m - m.min()) / span if span > 0 else np.zeros_like(m)
    f = dict(zip(FIDUCIAL_COLUMNS, np.asarray(fiducials).tolist()))
    for on, off, colour, label in WAVE_SPANS:
        if f[on] >= 0 and f[off] >= f[on]:
            ax.axvspan(f[on] / fs, f[off] / fs, color=colour, alpha=0.12, lw=0, label=label)
    lo, hi = x.min(), x.max()
    ax.fill_between(t, lo, lo + m * (hi - lo), color="tab:red", alpha=0.35, lw=0, label="map")
    ax.plot(t, x, color="black", lw=0.8)
    ax.set_title(title, fontsize=9)
    ax.set_yticks([])
    ax.set_xlabel("time in the median beat (s)")
    return ax


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
        fig, ax = plt.subplots(figsize=(6, 1))
        ax.text(0.5, 0.5, "no run in this build", ha="center")
        ax.axis("off")
        return fig
    lead = lead if lead in lead_names else lead_names[0]
    fig, axes = plt.subplots(len(runs), len(variants), figsize=(11, 2.0 * len(runs)), sharex=True,
                             squeeze=False)
    for row, run in enumerate(runs):
        for col, variant in enumerate(variants):
            plot_beat_maps(beats[run.index], run.maps[variant], fiducials[run.index],
                           lead_names=lead_names, lead=lead, ax=axes[row, col], title=f"{run.target}: {variant}")
    fig.tight_layout()
    return fig


def leads_maps_figure(beat: np.ndarray, maps, fiducials: np.ndarray, *, lead_names: Sequence[str],
                      variants: Sequence[str] = ("gradcam", "ecgradcam")):
    """One median beat in every lead, a column per variant, with the same map drawn over each lead
    (:func:`plot_beat_maps`; the models mix the leads, so a map has one value per time step).

    Args:
        beat: ``(leads, samples)`` the median beat. maps: per variant, its ``(T,)`` layer map.
        fiducials: ``(9,)`` the beat's fiducials (``FIDUCIAL_COLUMNS``, -1 absent).
    """
    leads = list(lead_names)
    fig, axes = plt.subplots(len(leads), len(variants), figsize=(10, 1.3 * len(leads)), sharex=True, squeeze=False)
    for col, variant in enumerate(variants):
        for row, lead in enumerate(leads):
            plot_beat_maps(beat, maps[variant], fiducials, lead_names=leads, lead=lead, ax=axes[row, col],
                           title=f"{VARIANT_LABELS[variant]}, lead {lead}" if row == 0 else f"lead {lead}")
            if row < len(leads) - 1:
                axes[row, col].set_xlabel("")
    fig.tight_layout()
    return fig
