"""ECGradCAM figures: one row per run, one column per variant, the record each run's maps point at."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # tests only: notebooks keep the inline backend for glued figures

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ecgstudy.viz.ecgradcam import runs_maps_figure  # noqa: E402

LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")


def _run(tmp_path, name: str, target: str, index: int):
    d = tmp_path / name
    d.mkdir()
    ramp = np.linspace(0, 1, 38, dtype=np.float16)[None]
    np.savez(d / "maps.npz", index=np.array([index, 0]), **{"gradcam.last_add": ramp, "ecgradcam.last_add": ramp})
    return SimpleNamespace(path=d, spec=SimpleNamespace(params={"target": target}))


def test_runs_maps_figure_draws_each_runs_first_record(tmp_path):
    beats = np.zeros((3, 8, 600))
    beats[2, 6] = np.sin(np.linspace(0, 6, 600))  # record 2, lead V5: the one the runs point at
    fid = np.full((3, 9), -1)
    runs = [_run(tmp_path, "a", "qrs_ms", 2), _run(tmp_path, "b", "qt_ms", 2)]
    fig = runs_maps_figure(runs, beats, fid, lead_names=LEADS)
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[:, 0]] == ["qrs_ms: gradcam", "qt_ms: gradcam"]
    assert axes[1, 1].get_title() == "qt_ms: ecgradcam"
    line = axes[0, 0].lines[0].get_ydata()
    np.testing.assert_allclose(line, beats[2, 6])  # the pointed-at record's V5, not record 0's
    plt.close(fig)


def test_runs_maps_figure_says_when_there_is_no_run():
    fig = runs_maps_figure([], None, None, lead_names=())
    assert fig.axes[0].texts[0].get_text() == "no run in this build"
    plt.close(fig)
