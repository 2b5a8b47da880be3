"""The book's figures: text readable at the column's width, scales that hold the bulk of the data, legends
off the data, empty panels that say why, labels in words; each figure's data as a CSV next to its page."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # tests only: notebooks keep the inline backend for glued figures

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecgstudy.bookbuild import copy_figure_data  # noqa: E402
from ecgstudy.labels import label  # noqa: E402
from ecgstudy.report import Page, write_figure_data  # noqa: E402
from ecgstudy.studies.iclr.tables import METHOD_NAMES  # noqa: E402
from ecgstudy.viz import iclr, xecgnet  # noqa: E402
from ecgstudy.viz.ecgradcam import runs_maps_figure  # noqa: E402
from ecgstudy.viz.style import bulk_limits, display_scale, mark_clipped, smallest_display_pt  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")


def _curves(dead_loss: float = 1e16) -> pd.DataFrame:
    """Three epochs of four methods x two folds; ReLU + max fold 0 is dead (held-out loss ``dead_loss``)."""
    rows = []
    for m in METHOD_NAMES:
        for f in range(2):
            for e in (1, 2, 3):
                dead = m == "max" and f == 0
                rows.append(dict(method=m, fold=f, seed=0, epoch=e, train_loss=0.69 if dead else 0.4 / e,
                                 eval_loss=dead_loss if dead else 0.5 / e, eval_accuracy=0.69 if dead else 0.8))
    return pd.DataFrame(rows)


def _sweep_rows() -> pd.DataFrame:
    return pd.DataFrame([dict(dataset=d, gamma=g, seed=s, micro_f1=0.7 + 0.01 * s,
                              multi_acc=0.2 if d == "ptbxl" else np.nan)
                         for d in ("ptbxl", "mitdb") for g in (0.0, 0.01, 1.0) for s in range(3)])


def _runs_maps(zero_target: str = "r_amp_V5_mV"):
    runs = [SimpleNamespace(target=tg, index=0, maps={"gradcam": np.zeros(38) if tg == zero_target else
                                                      np.linspace(0, 1, 38), "ecgradcam": np.linspace(0, 1, 38)})
            for tg in ("qrs_ms", zero_target)]
    beats = np.zeros((1, 8, 600))
    beats[0, 6] = np.sin(np.linspace(0, 6, 600))
    return runs, beats, np.array([[100, 120, 140, 200, 220, 240, 300, 340, 380]])


def _maps_figure(response: np.ndarray):
    t = np.arange(500)
    return xecgnet.maps_figure(np.sin(t / 20), np.abs(np.cos(t / 100)), response, fs=100.0,
                               class_names=["MI", "STTC", "HYP"], labels=np.array([1, 1, 0]), lead_name="I",
                               title="a record")


FIGURES = {
    "curves": lambda: iclr.curves_figure(_curves(), names=METHOD_NAMES, dead={("max", 0, 0)}),
    "architecture": lambda: iclr.architecture_figure(),
    "fold_scores": lambda: iclr.fold_scores_figure(
        pd.DataFrame([dict(method=m, split="segment", fold=f, seed=0, accuracy=0.9) for m in METHOD_NAMES
                      for f in range(5)]), names=METHOD_NAMES, splits=["segment", "record"]),
    "kernels": lambda: iclr.plot_kernel_ablation(pd.DataFrame(
        {"accuracy": [0.9, 0.92], "specificity": [0.8, 0.85], "auc": [0.95, 0.96], "loc_auroc": [0.6, 0.7]},
        index=[72, 144])),
    "sweep": lambda: xecgnet.sweep_figure(_sweep_rows(), ["ptbxl", "mitdb"], {"ptbxl": "PTB-XL", "mitdb": "MIT-BIH"},
                                          paper_f1={0: 0.8}, paper_multi={0: 0.76}),
    "xecgnet_maps": lambda: _maps_figure(np.ones((3, 500))),
    "ecgradcam_maps": lambda: runs_maps_figure(*_runs_maps(), lead_names=LEADS),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_fits_the_column_with_text_of_at_least_8_pt(name):
    fig = FIGURES[name]()
    assert fig.get_figwidth() == 8.0 and display_scale(fig) == 1.0  # 800 px: shown unshrunk
    assert smallest_display_pt(fig) >= 8.0
    assert all(ax.get_legend() is None for ax in fig.axes)  # no legend over the data: one under the panels
    plt.close(fig)


def test_a_wide_figure_is_shrunk_and_its_text_with_it():
    fig, ax = plt.subplots(figsize=(12, 2), dpi=100)
    ax.set_title("x", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    assert display_scale(fig) == pytest.approx(800 / 1200)
    assert smallest_display_pt(fig) == pytest.approx(9 * 800 / 1200)
    plt.close(fig)


def test_bulk_limits_leave_out_the_outlier_and_mark_clipped_marks_it_on_the_edge():
    assert bulk_limits([1.0, 2.0, 3.0, 4.0, 1000.0], pad=0.0) == (1.0, 4.0)
    lo, hi = bulk_limits([0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 1e16], log=True, pad=0.0)
    assert (lo, hi) == pytest.approx((0.1, 0.4))
    fig, ax = plt.subplots()
    n = mark_clipped(ax, np.array([1, 2, 3]), np.array([0.2, 1e16, 0.01]), (0.1, 0.4), color="red")
    assert n == 2
    up, down = ax.lines
    assert (up.get_marker(), list(up.get_xdata()), list(up.get_ydata())) == ("^", [2.0], [0.4])
    assert (down.get_marker(), list(down.get_xdata()), list(down.get_ydata())) == ("v", [3.0], [0.1])
    plt.close(fig)


def test_held_out_loss_panel_holds_the_living_runs_and_marks_the_dead_one_off_the_scale():
    fig = FIGURES["curves"]()
    train, held, acc = fig.axes
    lo, hi = held.get_ylim()
    living = [0.5 / e for e in (1, 2, 3)]  # every living method's mean held-out loss
    assert lo < min(living) and max(living) < hi < 1.0  # not stretched to 1e16
    marks = [line for line in held.lines if line.get_marker() == "^"]
    assert len(marks) == 1 and list(marks[0].get_ydata()) == [hi] * 3  # the dead run's three epochs, on the edge
    assert held.get_title() == "held-out loss (log)\n▲ off the scale: up to 1e+16"
    # the dead run's training loss (0.69) is near the bulk: kept on the scale, nothing marked
    assert train.get_title() == "training loss (log)" and train.get_ylim()[1] > 0.69
    assert not [line for line in train.lines if line.get_marker() == "^"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Classifier only", "Cascaded (no attention product)", "ReLU + max pooling (dead, 1 run)",
                      "ReLU + max pooling", "L2-norm pooling"]
    plt.close(fig)


def test_fold_scores_draw_one_dot_per_run_and_say_when_a_split_has_none():
    table = pd.DataFrame([dict(method=m, split="segment", fold=f, seed=s, accuracy=0.9 + 0.01 * f)
                          for m in ("classifier", "l2") for f in range(5) for s in range(2)])
    fig = iclr.fold_scores_figure(table, names=METHOD_NAMES, splits=["segment", "record"],
                                  split_names={"segment": "segment-wise", "record": "record-wise"})
    seg, rec = fig.axes
    dots = [c for c in seg.collections if len(c.get_offsets())]
    assert sorted(len(c.get_offsets()) for c in dots) == [10, 10]  # 5 folds x 2 seeds per method
    assert [t.get_text() for t in seg.get_xticklabels()] == ["Classifier\nonly", "L2-norm\npooling"]
    assert seg.get_ylabel() == "held-out accuracy" and seg.get_title() == "segment-wise"
    assert [t.get_text() for t in rec.texts] == ["no finished run\nof this split"]
    plt.close(fig)


def test_sweep_names_its_axes_in_words_and_says_why_a_panel_is_empty():
    fig = FIGURES["sweep"]()
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_ylabel() for ax in axes[0]] == ["micro-F1", "subset accuracy, multi-label records"]
    assert axes[0, 0].get_xlabel() == "γ"
    assert [t.get_text() for t in axes[1, 1].texts] == ["no multi-label record in this test set"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["one seed", "mean over seeds", "paper (CPSC 2018)"]
    plt.close(fig)


def test_xecgnet_maps_name_the_response_maps_that_are_zero():
    response = np.zeros((3, 500))
    response[1] = 1.0
    fig = _maps_figure(response)  # true classes MI and STTC; MI's map is zero
    resp = fig.axes[1]
    assert [line.get_label() for line in resp.lines] == ["A[STTC]"]
    assert resp.get_title(loc="right") == "A[MI]: zero over the whole record"
    plt.close(fig)
    fig = _maps_figure(np.zeros((3, 500)))  # both zero: the panel says so where the lines would be
    assert [t.get_text() for t in fig.axes[1].texts] == ["A[MI], A[STTC]: zero over the whole record"]
    assert not fig.axes[1].lines
    plt.close(fig)


def test_ecgradcam_maps_title_targets_in_words_and_mark_a_zero_map():
    fig = FIGURES["ecgradcam_maps"]()
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[:, 0]] == ["QRS duration: textbook Grad-CAM",
                                                     "R amplitude in V5: textbook Grad-CAM"]
    assert [t.get_text() for t in axes[1, 0].texts] == ["map zero everywhere"]
    assert not axes[0, 0].texts and not axes[1, 1].texts
    plt.close(fig)


def test_labels_are_words_with_units():
    assert label("qtc_bazett_ms") == "QTc (Bazett), ms" and label("r_amp_V5_mV") == "R amplitude in V5, mV"
    assert label("hr_bpm") == "heart rate, beats/min" and label("qrs_ms", unit=False) == "QRS duration"
    assert label("unknown_name") == "unknown_name"


def test_write_figure_data_writes_the_rows_as_csv(tmp_path):
    frame = pd.DataFrame({"epoch": [1, 2], "loss": [0.5, 1 / 3]})
    path = write_figure_data("fig_curves", frame, tmp_path)
    assert path == tmp_path / "figure-data" / "fig_curves.csv"
    assert path.read_text() == "epoch,loss\n1,0.5\n2,0.333333\n"
    named = frame.set_index("epoch")
    assert write_figure_data("fig_k", named, tmp_path).read_text() == "epoch,loss\n1,0.5\n2,0.333333\n"
    assert write_figure_data("fig_x", frame, "") is None


def test_a_real_data_runs_figure_data_leaves_out_the_recorded_ecg(tmp_path):
    """The datasets are not redistributed: outside the store's synthetic tree (the real tree, any other folder) the
    ``ecg:`` columns are dropped; a synthetic run's CSV keeps them."""
    from ecgstudy.report import synthetic_run_dir
    from ecgstudy.viz.iclr import attention_example_frame

    frame = attention_example_frame(np.array([[1.0, 2.0]]), np.array([0.5, 1.0]), 2.0, lead_names=["MLII"])
    real, synthetic = tmp_path / "real" / "iclr" / "abc", tmp_path / "synthetic" / "iclr" / "abc"
    assert synthetic_run_dir(synthetic) and not synthetic_run_dir(real) and not synthetic_run_dir(tmp_path / "x")
    assert write_figure_data("fig_a", frame, real).read_text() == "time_s,attention\n0,0.5\n0.5,1\n"
    assert write_figure_data("fig_a", frame, tmp_path / "x").read_text() == "time_s,attention\n0,0.5\n0.5,1\n"
    assert write_figure_data("fig_a", frame, synthetic).read_text() == (
        "time_s,ecg:MLII,attention,ecg:MLII after attention\n0,1,0.5,0.5\n0.5,2,1,2\n")


def test_page_publish_writes_each_figures_data_and_the_build_copies_it_next_to_the_page(tmp_path, monkeypatch):
    monkeypatch.setattr("ecgstudy.report.glue", lambda *a, **k: None)
    page = Page(figures={"fig_a": lambda: plt.figure()}, figure_data={"fig_a": pd.DataFrame({"x": [1]})})
    run = tmp_path / "run"
    page.publish(run)
    assert (run / "figure-data" / "fig_a.csv").read_text() == "x\n1\n"
    assert json.loads((run / "metrics.json").read_text()) == {}
    target = tmp_path / "book" / "generated" / "iclr"
    target.mkdir(parents=True)
    (target / "stale.csv").write_text("old")
    assert copy_figure_data(run, target) == 1
    assert sorted(p.name for p in target.iterdir()) == ["fig_a.csv"]  # replaced, not merged
    assert copy_figure_data(tmp_path / "no-figures", target) == 0 and not target.exists()


@pytest.mark.parametrize("page", ["iclr", "xecgnet", "ecgradcam", "data_mitdb", "data_synthetic"])
def test_every_glued_figure_links_its_csv_next_to_the_page(page):
    import re

    text = "".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / f"{page}.ipynb").read_text())["cells"]
                   if c["cell_type"] == "markdown")
    figures = re.findall(r"```\{glue:figure\} (\w+)\n(.*?)\n```", text, re.S)
    assert figures
    for name, body in figures:
        assert f"{{download}}`Data (CSV) <{page}/{name}.csv>`" in body, name


def test_sweep_draws_every_seed_jittered_around_its_gamma_and_the_mean_on_the_line():
    from ecgstudy.viz.xecgnet import plot_gamma_sweep

    table = pd.DataFrame([dict(gamma=g, seed=s, micro_f1=0.7) for g in (0.0, 0.01, 1.0) for s in range(3)])
    fig, ax = plt.subplots()
    plot_gamma_sweep(table, "micro_f1", ax=ax)
    dots = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    assert len(dots) == 9 and np.allclose(dots[:, 1], 0.7)  # equal values: nine dots, none hidden
    centres = np.array([-3.0, -2.0, 0.0])  # gamma 0 one decade left of the smallest positive gamma
    off = dots[:, 0][:, None] - centres[None, :]
    assert np.all(np.min(np.abs(off), axis=1) <= 0.12) and np.ptp(dots[:, 0]) > 3.0
    line = ax.get_lines()[0]
    assert np.allclose(line.get_xdata(), centres) and np.allclose(line.get_ydata(), 0.7)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.01", "1"]
    plt.close(fig)
