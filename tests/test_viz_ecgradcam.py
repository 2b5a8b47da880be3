"""ECGradCAM figures: one row per run, one column per variant, the record each run's maps point at; one
beat in every lead."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # tests only: notebooks keep the inline backend for glued figures

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ecgstudy.studies.ecgradcam.tables import RunMaps, first_record_maps  # noqa: E402
from ecgstudy.viz.ecgradcam import leads_maps_figure, runs_maps_figure  # noqa: E402

LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")


def _run(tmp_path, name: str, target: str, index: int):
    d = tmp_path / name
    d.mkdir()
    ramp = np.linspace(0, 1, 38, dtype=np.float16)[None]
    np.savez(d / "maps.npz", index=np.array([index, 0]), **{"gradcam.last_add": ramp, "ecgradcam.last_add": ramp})
    return SimpleNamespace(path=d, spec=SimpleNamespace(params={"target": target}))


def test_first_record_maps_reads_each_runs_first_held_out_record(tmp_path):
    runs = first_record_maps([_run(tmp_path, "a", "qrs_ms", 2), _run(tmp_path, "b", "qt_ms", 1)])
    assert [(r.target, r.index) for r in runs] == [("qrs_ms", 2), ("qt_ms", 1)]
    assert set(runs[0].maps) == {"gradcam", "ecgradcam"} and runs[0].maps["gradcam"].dtype == np.float32
    np.testing.assert_allclose(runs[0].maps["ecgradcam"], np.linspace(0, 1, 38), atol=1e-3)  # float16 stored


def test_runs_maps_figure_draws_each_runs_first_record(tmp_path):
    beats = np.zeros((3, 8, 600))
    beats[2, 6] = np.sin(np.linspace(0, 6, 600))  # record 2, lead V5: the one the runs point at
    fid = np.full((3, 9), -1)
    runs = first_record_maps([_run(tmp_path, "a", "qrs_ms", 2), _run(tmp_path, "b", "qt_ms", 2)])
    fig = runs_maps_figure(runs, beats, fid, lead_names=LEADS)
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[:, 0]] == ["QRS duration: textbook Grad-CAM", "QT interval: textbook Grad-CAM"]
    assert axes[1, 1].get_title() == "QT interval: ECGradCAM (authors' code)"
    line = axes[0, 0].lines[0].get_ydata()
    np.testing.assert_allclose(line, beats[2, 6])  # the pointed-at record's V5, not record 0's
    plt.close(fig)


def test_runs_maps_figure_says_when_there_is_no_run():
    fig = runs_maps_figure([], None, None, lead_names=())
    assert fig.axes[0].texts[0].get_text() == "no run in this build"
    plt.close(fig)


def test_leads_maps_figure_draws_the_same_map_over_every_lead():
    beat = np.arange(8)[:, None] * np.ones((8, 600))  # lead k is the constant k
    fid = np.array([100, 120, 140, 200, 220, 240, 300, 340, 380])
    maps = {"gradcam": np.linspace(0, 1, 38, dtype=np.float32), "ecgradcam": np.ones(38, np.float32)}
    fig = leads_maps_figure(beat, maps, fid, lead_names=LEADS)
    axes = np.array(fig.axes).reshape(8, 2)
    assert axes[0, 0].get_title() == "textbook Grad-CAM, lead I"
    assert axes[0, 1].get_title() == "ECGradCAM (authors' code), lead I" and axes[7, 1].get_title() == "lead V6"
    assert [ax.lines[0].get_ydata()[0] for ax in axes[:, 0]] == list(range(8))  # each row its own lead
    assert axes[7, 0].get_xlabel() and not axes[6, 0].get_xlabel()  # the time axis named once, at the bottom
    assert fig.get_size_inches().tolist() == [8.0, 1.25 * 8]  # the book's text column
    plt.close(fig)


def test_runs_maps_figure_takes_the_maps_it_is_given():
    beats = np.zeros((2, 8, 600))
    run = RunMaps("sex", 1, {"gradcam": np.ones(38, np.float32), "ecgradcam": np.ones(38, np.float32)})
    fig = runs_maps_figure([run], beats, np.full((2, 9), -1), lead_names=("I", "II"), variants=("gradcam",))
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "sex: textbook Grad-CAM"  # no V5: the first lead
    plt.close(fig)
