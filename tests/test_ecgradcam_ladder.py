"""The ECGradCAM chapter's budget ladder (ecgstudy.studies.ecgradcam.ladder) on hand-made runs."""

import math
from types import SimpleNamespace

import pandas as pd

from ecgstudy.report import Page
from ecgstudy.studies.ecgradcam import ladder as lad
from ecgstudy.studies.ecgradcam.chapter import _ladder


def _regression(fold: int, maes: tuple[float, float, float], own: float) -> dict:
    return {"dataset": "ludb", "target": "qrs_ms", "task": "regression", "fold": fold, "seed": 0, "mae": own,
            "r2": 1 - own / 20, "baseline_mae": 18.0, "best_epoch": 25,
            "ladder": {str(r): {"kept_epoch": min(r, 25), "mae": m, "r2": 1 - m / 20} for r, m in zip((3, 10, 30), maes)}}


def _binary(fold: int, accs: tuple[float, float, float], own: float) -> dict:
    return {"dataset": "ptbxl", "target": "sex", "task": "binary", "fold": fold, "seed": 0, "accuracy": own,
            "auc": own + 0.05, "baseline_accuracy": 0.55, "best_epoch": 8,
            "ladder": {str(r): {"kept_epoch": min(r, 8), "accuracy": a, "auc": a + 0.05}
                       for r, a in zip((3, 10, 30), accs)}}


RUNS = [_regression(0, (20.0, 16.0, 12.0), 12.0), _regression(1, (19.0, 17.0, 14.0), 14.0),
        _binary(0, (0.6, 0.7, 0.7), 0.7), _binary(1, (0.62, 0.72, 0.72), 0.72),
        {**_binary(2, (0.5, 0.5, 0.5), 0.5), "ladder": {}}]  # a run without a ladder adds no rows


def test_rung_frame_has_each_rung_then_the_own_budget_with_the_runs_baseline():
    f = lad.rung_frame(RUNS)
    assert len(f) == 4 * 4
    reg = f[f["target"] == "qrs_ms"]
    assert reg["rung"].tolist()[:4] == ["3 epochs", "10 epochs", "30 epochs", "own budget"]
    assert reg["kept_epoch"].tolist()[:4] == [3, 10, 25, 25] and set(reg["baseline_mae"]) == {18.0}
    assert math.isnan(reg["epochs"].iloc[3]) and reg["epochs"].iloc[1] == 10.0


def test_summary_means_over_folds_and_the_learned_rule_by_mean_gain():
    s = lad.ladder_summary(lad.rung_frame(RUNS))
    reg = s[s["target"] == "qrs_ms"].set_index("rung")
    # MAE gain over the 18 ms baseline: 3 epochs (18-20 + 18-19)/2 = -1.5; 10 epochs 1.5; own budget 5
    assert reg["gain"].tolist() == [-1.5, 1.5, 5.0, 5.0]
    assert reg["learned"].tolist() == [False, True, True, True]
    assert abs(reg.loc["own budget", "score"] - 0.35) < 1e-12 and reg.loc["3 epochs", "kept_epoch"] == 3.0
    sex = s[s["target"] == "sex"].set_index("rung")
    assert sex["gain"].round(6).tolist() == [0.06, 0.16, 0.16, 0.16] and sex["learned"].all()
    assert sex["score_name"].iloc[0] == "auc" and sex.loc["3 epochs", "n_runs"] == 2


def test_stability_and_the_pages_paragraph():
    s = lad.ladder_summary(lad.rung_frame(RUNS))
    assert lad.stability(s) == {("ludb", "qrs_ms"): "3 epochs: no; 10 epochs, 30 epochs, own budget: yes",
                                ("ptbxl", "sex"): "learned at every rung"}
    text = lad.ladder_text(s, names={"ludb": "LUDB", "ptbxl": "PTB-XL"}, target_names={"qrs_ms": "QRS duration"})
    assert text.startswith("Whether the networks beat their baseline is budget-stable for 1 of 2 targets (the same "
                           "answer at 3, 10 and 30 epochs and at the runs' own budget). It changes for the QRS "
                           "duration on the LUDB (3 epochs: no; 10 epochs, 30 epochs, own budget: yes)")
    assert lad.ladder_text(lad.ladder_summary(pd.DataFrame()), names={}, target_names={}) == lad.NO_LADDER


def test_the_page_shows_the_ladder_in_words_with_the_gains_unit():
    page = Page(name="ecgradcam")
    records = [SimpleNamespace(ok=True, metrics=lambda m=m: m) for m in RUNS]
    _ladder(page, records, {"ludb": "LUDB", "ptbxl": "PTB-XL"})
    frame = page.shown["ladder"].frame
    assert list(frame.columns) == ["dataset", "target", "rung", "runs", "median kept epoch", "score", "mean score",
                                   "mean gain over baseline", "gain in", "learned"]
    first = frame.iloc[0]
    assert (first["dataset"], first["score"], first["gain in"], first["learned"]) == ("LUDB", "R²", "MAE, ms", "no")
    assert frame.iloc[-1]["gain in"] == "accuracy" and len(page.metrics["budget_ladder"]) == 8
    empty = Page(name="ecgradcam")
    _ladder(empty, [], {})
    assert empty.shown["ladder"] is None and empty.glue["ladder_text"] == lad.NO_LADDER
