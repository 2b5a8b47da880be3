"""Chapter 4's study layer: ground-truth regions by hand, the model-slot resolver on a temporary store, the
benchmark on the controlled task (a hand-weighted reader of the planted wave, and the smoke experiment), the
verdict rules by hand, and the page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ecgstudy.data.types import FIDUCIAL_COLUMNS, BeatSegments
from ecgstudy.errors import ParameterError
from ecgstudy.studies.attribution import benchmark as bm
from ecgstudy.studies.attribution.models import (
    SLOTS,
    get_slot,
    planted_inputs,
    resolve,
    slot_inputs,
)
from ecgstudy.studies.attribution.regions import (
    Regions,
    abnormal_beat_masks,
    lead_fiducial_array,
    planted_regions,
    wave_masks,
    window_class_masks,
)
from ecgstudy.synthetic.planted import planted_records

torch.set_num_threads(1)


@pytest.fixture
def one_thread(monkeypatch):
    """Keep the runs of these tests on one core (fit and the benchmark ask for their own thread counts)."""
    torch.set_num_threads(1)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)


# --------------------------------------------------------------------------------------------------------------
# Regions by hand
# --------------------------------------------------------------------------------------------------------------

def _segment(symbols=("N", "V", "N"), peaks=(5, 10, 15)) -> BeatSegments:
    """One 2-lead segment of 20 samples at 100 Hz: padding 2 samples on the left, 16 samples of signal."""
    return BeatSegments(
        signals=np.zeros((1, 2, 20), np.float32), labels=np.array(["NV"]), record_ids=np.array(["100"]),
        start=np.array([0]), pad_left=np.array([2]), length=np.array([16]), beat_offsets=np.array([0, len(peaks)]),
        beat_sample=np.array(peaks, dtype=np.int64), beat_symbol=np.array(symbols), fs=100.0,
        lead_names=("MLII", "V1"), source="synthetic")


def test_abnormal_beats_of_a_segment_are_their_rr_cells_on_every_lead_and_padding_is_not_valid():
    # cells start a third of the preceding RR before each R: ceil(10 - 5 * 2/3) = 7, ceil(15 - 5 * 2/3) = 12;
    # the first starts and the last ends at the unpadded region [2, 18)
    r = abnormal_beat_masks(_segment())
    assert r.masks.shape == (1, 2, 20) and r.masks.dtype == bool
    for lead in range(2):
        assert np.flatnonzero(r.masks[0, lead]).tolist() == [7, 8, 9, 10, 11]
    assert np.flatnonzero(r.valid[0]).tolist() == list(range(2, 18))
    assert "V and A" in r.name
    # an APB counts too, a normal beat never
    r2 = abnormal_beat_masks(_segment(symbols=("A", "N", "N")))
    assert np.flatnonzero(r2.masks[0, 0]).tolist() == [2, 3, 4, 5, 6]


def test_window_class_masks_are_the_beats_of_that_class():
    beats = {0: (np.array([100, 400, 700]), np.array(["N", "V", "N"])),
             1: (np.array([100, 400, 700]), np.array(["V", "N", "A"]))}
    r = window_class_masks(lambda i: beats[i], [1, 0], n_samples=1000, leads=2, fs=100.0, cls="PVC")
    # window 0's V: from ceil(400 - 300 * 2/3) = 200 to the next cell's start, 500; window 1's V: [0, 200)
    assert [np.flatnonzero(r.masks[k, 1])[[0, -1]].tolist() for k in range(2)] == [[0, 199], [200, 499]]
    assert r.masks[:, 0].sum(axis=1).tolist() == [200, 300] and r.valid.all()


def test_wave_masks_per_lead_with_the_global_fiducials_where_a_lead_has_none():
    glob = np.array([[1, 2, 3, 6, 7, 8, 12, 14, 16]])
    per = np.full((1, 2, 9), -1)
    per[0, 0] = [0, 1, 2, 5, 6, 9, 11, 13, 15]  # lead 0 annotated: its QRS 5..9
    m = wave_masks(glob, ("qrs",), n_samples=20, leads=2, lead_fiducials=per)
    assert np.flatnonzero(m[0, 0]).tolist() == [5, 6, 7, 8, 9]      # its own delineation
    assert np.flatnonzero(m[0, 1]).tolist() == [6, 7, 8]            # the global one
    m2 = wave_masks(glob, ("p", "t"), n_samples=20, leads=1)
    assert np.flatnonzero(m2[0, 0]).tolist() == [1, 2, 3, 12, 13, 14, 15, 16]
    # a record without the wave has an empty region; unknown waves are refused
    assert not wave_masks(np.array([[-1] * 9]), ("p",), n_samples=20, leads=1).any()
    with pytest.raises(ParameterError, match="waves"):
        wave_masks(glob, ("u",), n_samples=20, leads=1)


def test_lead_fiducials_from_the_long_table_fill_the_leads_they_name():
    table = pd.DataFrame([{"record_id": "2", "lead": "V1", **dict(zip(FIDUCIAL_COLUMNS, range(9)))},
                          {"record_id": "1", "lead": "I", **dict.fromkeys(FIDUCIAL_COLUMNS, 7)},
                          {"record_id": "9", "lead": "I", **dict.fromkeys(FIDUCIAL_COLUMNS, 3)}])
    a = lead_fiducial_array(table, ["1", "2"], ["I", "II", "V1"])
    assert a.shape == (2, 3, 9)
    assert a[0, 0].tolist() == [7] * 9 and a[1, 2].tolist() == list(range(9))
    assert (a[0, 1:] == -1).all() and (a[1, :2] == -1).all()


def test_planted_regions_are_the_planted_wave_and_regions_refuse_a_region_outside_the_valid_samples():
    s = planted_records(3, wave="T", rule="width", seed=1, seconds=3.0, noise=None)
    r = planted_regions(s)
    np.testing.assert_array_equal(r.masks, s.masks["T"])
    assert r.valid.all() and r.name == "the planted T wave (width)"
    with pytest.raises(ParameterError, match="outside the valid samples"):
        Regions(np.ones((1, 1, 4), bool), np.array([[True, True, False, True]]), "x")


# --------------------------------------------------------------------------------------------------------------
# The resolver on a temporary store
# --------------------------------------------------------------------------------------------------------------

def _fake_run(root: Path, experiment: str, run_id: str, params: dict, *, weights: bool, status: str = "done",
              started: str = "2026-12-01T00:00:00", data_kind: str = "real") -> Path:
    from ecgstudy import checkpoints
    from ecgstudy.models import build_iclr_model

    folder = root / data_kind / experiment / run_id
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"run_id": run_id, "experiment": experiment, "params": params,
                                                 "status": status, "started": started, "data_kind": data_kind}))
    if weights:
        checkpoints.save(build_iclr_model("classifier", in_leads=2), folder, builder="iclr",
                         kwargs={"method": "classifier", "in_leads": 2})
    return folder


ICLR_PARAMS = {"profile": "cpu", "seed": 0, "keep_weights": True, "method": "classifier", "split": "segment",
               "fold": 0, "lr": 3e-4}


def test_the_resolver_finds_the_newest_matching_run_with_weights(tmp_path):
    root = tmp_path / "results"
    assert resolve("iclr_classifier", root).reason.startswith("not trained yet: the converged ICLR grid")
    _fake_run(root, "iclr-fold", "old", ICLR_PARAMS, weights=True, started="2026-12-01T00:00:00")
    _fake_run(root, "iclr-fold", "new", ICLR_PARAMS, weights=True, started="2026-12-02T00:00:00")
    _fake_run(root, "iclr-fold", "fold1", {**ICLR_PARAMS, "fold": 1}, weights=True, started="2026-12-03T00:00:00")
    _fake_run(root, "iclr-fold", "failed", ICLR_PARAMS, weights=True, status="failed", started="2026-12-04T00:00:00")
    _fake_run(root, "iclr-fold", "demo", {**ICLR_PARAMS, "profile": "demo"}, weights=True, started="2026-12-05")
    found = resolve("iclr_classifier", root)
    assert found.found and found.run_id == "new" and found.run_dir == root / "real" / "iclr-fold" / "new"
    # the L2 slot needs method l2 (and the main kernel): not this store's runs
    assert not resolve("iclr_l2", root).found


def test_the_resolver_says_when_the_run_kept_no_weights_and_matches_the_controlled_model_by_profile(tmp_path):
    root = tmp_path / "results"
    _fake_run(root, "xecgnet-mitdb", "nowts", {"profile": "cpu", "seed": 0, "keep_weights": True, "gamma": 0.0,
                                               "regulariser": "paper"}, weights=False)
    r = resolve("xecgnet_gamma0", root)
    assert not r.found and r.reason == "its run nowts finished without weights (keep_weights)"
    assert resolve("xecgnet_gamma001", root).reason.startswith("not trained yet: the converged xECGNet grid")
    _fake_run(root, "attribution-controlled", "ctl", {"profile": "smoke", "keep_weights": True}, weights=True,
              data_kind="synthetic")
    assert resolve("controlled", root, profile="smoke").run_id == "ctl"
    assert not resolve("controlled", root, profile="demo").found
    with pytest.raises(ParameterError, match="unknown model slot"):
        resolve("iclr_max", root)


def test_a_local_only_run_is_found_without_its_weights_so_its_committed_benchmark_still_stands(tmp_path):
    from ecgstudy import checkpoints
    from ecgstudy.errors import DataError

    root = tmp_path / "results"
    params = {"profile": "cpu", "seed": 0, "keep_weights": True, "gamma": 0.01, "regulariser": "paper"}
    run = _fake_run(root, "xecgnet-ptbxl", "fresh", params, weights=False)  # a fresh clone: the run, no weights
    r = resolve("xecgnet_ptbxl_gamma001", root)
    assert r.found and r.run_id == "fresh"
    assert r.reason == ("its run fresh keeps its weights only on the machine that trained it "
                        "(ecgstudy.checkpoints.LOCAL_ONLY)")
    # a new benchmark of it stops on the checkpoint, naming the file and why it is not there
    with pytest.raises(DataError, match=r"fresh/weights\.pt: no checkpoint: the weights of xecgnet-ptbxl runs stay"):
        checkpoints.load(run)
    # the published experiments' runs without weights are still reported as such
    _fake_run(root, "xecgnet-mitdb", "nowts", {**params, "gamma": 0.0}, weights=False)
    assert not resolve("xecgnet_gamma0", root).found


def test_every_slot_names_its_experiment_data_and_the_grid_that_stores_it():
    assert list(SLOTS) == ["iclr_classifier", "iclr_l2", "xecgnet_gamma0", "xecgnet_gamma001", "xecgnet_ptbxl_gamma0",
                           "xecgnet_ptbxl_gamma001", "ecgradcam_qrs", "ecgradcam_qt", "ecgradcam_pr", "ecgradcam_sex",
                           "controlled"]
    assert {s.experiment for s in SLOTS.values()} == {"iclr-fold", "xecgnet-mitdb", "xecgnet-ptbxl", "ecgradcam-transfer",
                                                      "ecgradcam-ptbxl", "attribution-controlled"}
    assert [k for k, s in SLOTS.items() if s.data_kind == "synthetic"] == ["controlled"]
    # the published configurations of the chapters are the slots' (one checkpoint each)
    from ecgstudy.studies.ecgradcam.params import PUBLISHED as ECG
    from ecgstudy.studies.xecgnet.params import PUBLISHED as XECG

    assert {(s.experiment, s.match["gamma"]) for s in SLOTS.values() if s.paper == "xECGNet"} == \
        {(f"xecgnet-{d}", g) for d, g in XECG}
    assert {s.match["target"] for s in SLOTS.values() if s.experiment.startswith("ecgradcam")} == \
        {t for _, t in ECG}


def test_the_page_plans_the_controlled_model_first_and_benchmarks_only_the_models_it_can_read(tmp_path, monkeypatch):
    from ecgstudy.runs.chapter_grids import grid_jobs
    from ecgstudy.studies.attribution.chapter import plan
    from ecgstudy.studies.attribution.experiments import CHAPTER

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path / "results"))
    jobs = grid_jobs("attribution", {"profile": "smoke", "data": "synthetic"})
    assert [e.name for e, _ in jobs] == ["attribution-controlled", "attribution-benchmark"]
    ctl, bench = jobs[0][1], jobs[1][1]
    assert ctl.params["keep_weights"] is True and ctl.params["profile"] == "smoke"
    assert bench.params["model_run"] == ctl.run_id and bench.params["slot"] == "controlled"
    # an ICLR classifier with weights in the store, but no real data here: listed with the reason
    _fake_run(tmp_path / "results", "iclr-fold", "c0", ICLR_PARAMS, weights=True)
    p = plan(CHAPTER.params({"profile": "smoke", "data": "synthetic"}), store_root=tmp_path / "results")
    assert list(p.benchmarks) == ["controlled"]
    assert p.missing["iclr_classifier"].startswith("it needs the real mitdb data (asked for (--data synthetic))")
    assert p.missing["iclr_l2"].startswith("not trained yet: the converged ICLR grid")
    assert set(p.missing) == set(SLOTS) - {"controlled"}


# --------------------------------------------------------------------------------------------------------------
# The benchmark on the controlled task
# --------------------------------------------------------------------------------------------------------------

class WaveReader(torch.nn.Module):
    """A hand-weighted linear reader of one wave: ``s = sum of x over row b's wave mask``, logits ``(-s, s)``.
    Row ``b`` of a batch reads with ``weights[b]`` (the benchmark's batches and subsets start at record 0)."""

    def __init__(self, weights: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float32))
        self.head = torch.nn.Linear(1, 2, bias=False)
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor([[-1.0], [1.0]]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head((x * self.weights[: len(x)]).sum(dim=(1, 2)).unsqueeze(1))


SMALL = bm.Settings(step=0.25, n_random=1, n_perturbations=2, robustness_records=3, randomisation_records=3,
                    randomisation_depths=1, batch_size=8, n_examples=2)


def test_a_reader_of_the_planted_wave_passes_localisation_with_input_x_gradient_and_the_edge_detector_does_not_beat_it():
    s = planted_records(6, wave="P", rule="amplitude", seed=4)
    inputs = planted_inputs(s)
    assert inputs.patients.tolist() == s.record_ids.tolist() and inputs.target.tolist() == s.labels.tolist()
    model = WaveReader(s.mask).eval()
    ev = bm.evaluate(model, inputs, ["input_x_gradient", "energy", "uniform", "iclr_attention"], SMALL)
    assert ev.skipped == {"iclr_attention": "WaveReader has no ICLR attention (only IclrJointModel does)"}
    sc = ev.scores
    assert len(sc) == 18 and sc["method"].unique().tolist() == ["input_x_gradient", "energy", "uniform"]
    ixg, edge, flat = (sc[sc["method"] == m].reset_index(drop=True) for m in ("input_x_gradient", "energy", "uniform"))
    # Input x Gradient of the reader is x on the wave and 0 elsewhere: all its mass in the region, AUROC 1 exactly
    n, region = s.mask[0].size, s.mask.reshape(6, -1).sum(axis=1)
    np.testing.assert_allclose(ixg["mass_ratio"], n / region, rtol=1e-9)
    assert ixg["auroc"].tolist() == [1.0] * 6 and ixg["pointing_game"].tolist() == [1.0] * 6
    assert (edge["auroc"] < ixg["auroc"]).all() and (edge["auroc"] < 0.6).all()
    assert flat["auroc"].tolist() == [0.5] * 6 and flat["mass_ratio"].tolist() == pytest.approx([1.0] * 6)
    # robustness on the first 3 records only, randomisation likewise; a flat map has no ranking to correlate
    assert ixg["max_sensitivity"].notna().tolist() == [True] * 3 + [False] * 3
    assert flat["max_sensitivity"].iloc[:3].tolist() == [0.0] * 3
    assert flat["randomisation_correlation"].isna().all() and edge["randomisation_correlation"].iloc[:3].eq(1.0).all()
    # the maps of the figure: the first record of each class, then the next one
    first = [int(np.flatnonzero(s.labels == c)[0]) for c in pd.unique(s.labels)]
    assert ev.examples["index"].tolist() == first and len(set(s.labels[first])) == 2
    v = bm.verdict_table(sc, bm.final_correlations(ev.randomisation), SMALL.replacements).set_index("method")
    assert v.loc["input_x_gradient", "localisation"] == "passes"
    assert v.loc["uniform", "localisation"] == "fails" and v.loc["energy", "localisation"] == "the reference"
    # the reader's map survives randomising its only layer (the head's sign and scale): flagged; so is the edge detector
    assert v.loc["input_x_gradient", "randomisation"] == "fails" and v.loc["energy", "randomisation"] == "fails"
    assert v.loc["uniform", "randomisation"] == "not testable"
    s_table = bm.summary_table(sc, SMALL.replacements)
    auroc = s_table[s_table["metric"] == "auroc"].set_index("method")
    assert auroc.loc["input_x_gradient", "rank"] == 1 and auroc.loc["input_x_gradient", "n"] == 6


def test_randomisation_depths_and_metric_columns():
    assert bm.randomisation_depths(20, 4) == [0, 6, 13, 19]
    with pytest.raises(ParameterError, match="no layer"):
        bm.randomisation_depths(0, 3)
    cols = bm.metric_columns(["noisy_linear"])
    assert cols[5:9] == ("deletion_auc_noisy", "deletion_gap_noisy", "insertion_auc_noisy", "insertion_gap_noisy")
    d = bm.directions(["linear"])
    assert (d["deletion_auc"], d["insertion_auc"], d["deletion_gap"], d["entropy"]) == (False, True, True, False)


# --------------------------------------------------------------------------------------------------------------
# The verdict rules by hand
# --------------------------------------------------------------------------------------------------------------

def _scores() -> pd.DataFrame:
    """Methods a, b and the edge detector on 4 patients (patient p4 has two records, averaged first)."""
    rows = []
    edge = {"p1": 0.5, "p2": 0.5, "p3": 0.5, "p4": 0.5}
    a = {"p1": 0.6, "p2": 0.7, "p3": 0.8, "p4": 0.9}      # a - edge: 0.1, 0.2, 0.3, 0.4
    b = {"p1": 0.7, "p2": 0.4, "p3": 0.6, "p4": 0.3}      # b - edge: 0.2, -0.1, 0.1, -0.2
    gap = {"a": [0.1, 0.2, 0.3, 0.4], "b": [0.2, -0.1, 0.1, -0.2], "energy": [0.0, 0.0, 0.0, 0.0]}
    for name, auc in (("a", a), ("b", b), ("energy", edge)):
        for k, p in enumerate(edge):
            n_rec = 2 if p == "p4" else 1
            for j in range(n_rec):
                shift = (0.05 if j == 0 else -0.05) if n_rec == 2 else 0.0  # the two records of p4 average out
                rows.append({"record": f"{p}-{j}", "patient": p, "method": name, "auroc": auc[p] + shift,
                             "deletion_gap": gap[name][k] + shift, "deletion_gap_noisy": gap[name][k]})
    return pd.DataFrame(rows)


def test_verdicts_by_hand():
    v = bm.verdict_table(_scores(), {"a": 0.2, "b": 0.9, "energy": 1.0}, ["linear", "noisy_linear"]).set_index("method")
    # a - edge = 0.1 .. 0.4: mean 0.25, sd sqrt(0.05 / 3), t(0.975, 3) = 3.1824: 0.25 +- 0.2054
    assert v.loc["a", "localisation"] == "passes"
    assert v.loc["a", "localisation_difference"] == "+0.250 (+0.045 to +0.455)"
    assert v.loc["b", "localisation"] == "fails"          # mean 0: the interval holds 0
    assert v.loc["energy", "localisation"] == "the reference"
    assert v.loc["a", "faithfulness"] == "passes"          # the same values as the AUROC gain, both replacements
    assert v.loc["a", "deletion_gap"] == "linear: +0.250 (+0.045 to +0.455); noisy_linear: +0.250 (+0.045 to +0.455)"
    assert v.loc["b", "faithfulness"] == "fails" and v.loc["energy", "faithfulness"] == "fails"
    assert v[["randomisation"]].to_dict()["randomisation"] == {"a": "passes", "b": "fails", "energy": "fails"}
    assert v.loc["b", "randomisation_correlation"] == 0.9


def test_verdicts_with_one_patient_or_no_edge_detector_are_not_testable():
    one = _scores()
    one = one[one["patient"] == "p1"]
    v = bm.verdict_table(one, {}, ["linear"]).set_index("method")
    assert v.loc["a", "localisation"] == "not testable" and v.loc["a", "faithfulness"] == "not testable"
    assert v.loc["a", "randomisation"] == "not testable"
    no_edge = _scores()
    no_edge = no_edge[no_edge["method"] != "energy"]
    v2 = bm.verdict_table(no_edge, {"a": 0.1}, ["linear"]).set_index("method")
    assert v2.loc["a", "localisation"] == "not testable"
    assert v2.loc["a", "localisation_difference"] == "no energy map to compare with"


def test_the_page_answer_is_decided_from_the_verdicts():
    from ecgstudy.studies.attribution.verdicts import ModelResult, paper_answer

    def verdicts(rows):
        return pd.DataFrame(rows, columns=["method", "localisation", "faithfulness", "randomisation"])

    l2 = verdicts([("input_x_gradient", "passes", "passes", "passes"), ("iclr_attention", "passes", "fails", "passes"),
                   ("gradcam", "fails", "passes", "passes"), ("energy", "the reference", "fails", "fails")])
    results = [ModelResult(SLOTS["iclr_classifier"], "missing", "not trained yet: the grid"),
               ModelResult(SLOTS["iclr_l2"], "done", verdicts=l2, model_score="held-out accuracy 0.95")]
    assert paper_answer("ICLR", results) == (
        "On the ICLR joint model (L2 pooling) (held-out accuracy 0.95), 1 of 3 methods pass all three checks: "
        "Input x Gradient. Its own map ICLR attention A passes localisation, fails faithfulness and passes "
        "randomisation. Not available yet: the ICLR classifier alone (not trained yet: the grid).")
    assert paper_answer("xECGNet", results) == \
        "No model of this paper is on this page (the page's slots leave them out)."
    missing = [ModelResult(SLOTS["xecgnet_gamma0"], "missing", "not trained yet: the grid")]
    assert paper_answer("xECGNet", missing) == (
        "Not available yet: xECGNet at gamma 0 (attention branch only) (not trained yet: the grid).")
    none = verdicts([("saliency", "fails", "passes", "passes"), ("energy", "the reference", "fails", "fails")])
    ctl = [ModelResult(SLOTS["controlled"], "done", verdicts=none, model_score="held-out accuracy 0.5")]
    assert paper_answer("controlled", ctl) == ("No method localises the planted wave of the controlled model "
                                               "(held-out accuracy 0.5) better than the edge detector.")
    four = [ModelResult(SLOTS[k], "missing", "not trained yet") for k in SLOTS if k.startswith("ecgradcam")]
    assert paper_answer("ECGradCAM", four) == "Not available yet: the 4 ECGradCAM models (not trained yet)."


# --------------------------------------------------------------------------------------------------------------
# The experiments at smoke size
# --------------------------------------------------------------------------------------------------------------

def test_smoke_benchmark_of_the_controlled_model_writes_its_tables(tmp_path, monkeypatch, one_thread):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.store import RunStore

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path / "results"))
    store = RunStore(tmp_path / "results")
    ctl = get_experiment("attribution-controlled")
    cspec = ctl.spec({"profile": "smoke", "keep_weights": True})
    assert store.execute(cspec, lambda d: ctl.work(cspec, d)).ok
    exp = get_experiment("attribution-benchmark")
    spec = exp.spec({"profile": "smoke", "slot": "controlled"})  # the checkpoint resolved from the store
    assert spec.params["model_run"] == cspec.run_id and spec.data_kind == "synthetic"
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert (m["slot"], m["model_run"], m["n_records"], m["n_patients"], m["n_available"]) == \
        ("controlled", cspec.run_id, 4, 4, 13)
    assert set(m["skipped"]) == {"iclr_attention", "xecgnet_attention", "xecgnet_response"}
    assert len(m["methods"]) == 14 and m["region"] == "the planted P wave (amplitude)"
    scores = pd.read_csv(rec.path / "scores.csv")
    assert len(scores) == 4 * 14 and scores["auroc"].between(0, 1).all()
    # randomisation on the first 2 records at smoke (a constant map, as the uniform one, has no correlation)
    per = scores.groupby("method")["randomisation_correlation"]
    assert per.apply(lambda c: c.iloc[2:].isna().all()).all() and per.count()["energy"] == 2
    assert per.count()["uniform"] == 0
    verdicts = pd.read_csv(rec.path / "verdicts.csv")
    assert verdicts["method"].tolist() == m["methods"]
    assert set(verdicts["localisation"]) <= {"passes", "fails", "not testable", "the reference"}
    summary = pd.read_csv(rec.path / "summary.csv")
    assert set(summary["metric"]) == set(bm.metric_columns(("linear", "noisy_linear")))
    ok = summary.dropna(subset=["low"])
    assert ((ok["low"] <= ok["estimate"] + 1e-12) & (ok["estimate"] <= ok["high"] + 1e-12)).all()
    with np.load(rec.path / "maps.npz") as z:
        assert z["x"].shape == (2, 3, 1000) and z["map_energy"].shape == (2, 3, 1000)
        assert sorted(z["methods"].tolist()) == sorted(m["methods"])
    # a slot whose model was trained on real data needs the real data
    from ecgstudy.runs.datasource import resolve_data

    with pytest.raises(ParameterError, match="needs mitdb"):
        slot_inputs("iclr_classifier", tmp_path, resolve_data("synthetic", ()), max_records=2)


@pytest.mark.slow
def test_smoke_page_builds_with_the_controlled_model_and_lists_the_models_not_available(tmp_path, monkeypatch):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.executors import execute

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("ECGSTUDY_CACHE", str(tmp_path / "cache"))
    job = get_experiment("attribution").job({"profile": "smoke", "data": "synthetic"})
    rec = execute(job, str(tmp_path / "results"))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert (m["n_slots"], m["n_done"]) == (11, 1)
    assert m["answers"]["iclr"].startswith("Not available yet: ICLR classifier alone and ICLR joint model")
    assert "planted wave" in m["answers"]["controlled"]
    assert m["models"]["controlled"]["status"] == "done" and m["models"]["iclr_l2"]["status"] == "missing"
    nb = (rec.path / "notebook.ipynb").read_text()
    assert "Which explanation is right?" in nb and "not available yet" in nb
    assert sorted(p.name for p in (tmp_path / "results" / "synthetic").iterdir()) == [
        "attribution", "attribution-benchmark", "attribution-controlled"]
    # a page over some of the slots (its `slots` parameter) builds, and says which models it leaves out
    job = get_experiment("attribution").job({"profile": "smoke", "data": "synthetic", "train_missing": False,
                                             "slots": ["iclr_l2", "controlled"]})
    sub = execute(job, str(tmp_path / "results"))
    assert sub.ok, sub.error
    assert (sub.metrics()["n_slots"], sub.metrics()["n_done"]) == (2, 1)
    text = (sub.path / "notebook.ipynb").read_text()
    assert "ICLR classifier alone**: not on this page" in text and "ECGradCAM" in text
    assert sub.metrics()["answers"]["xecgnet"].startswith("No model of this paper is on this page")
    # built again without training, the page reuses the runs; in an empty store it trains nothing and says so
    empty = tmp_path / "empty"
    monkeypatch.setenv("ECGSTUDY_RESULTS", str(empty))
    job = get_experiment("attribution").job({"profile": "smoke", "data": "synthetic", "train_missing": False})
    rec2 = execute(job, str(empty))
    assert rec2.ok, rec2.error
    assert rec2.metrics()["n_done"] == 0
    assert rec2.metrics()["models"]["controlled"]["reason"].startswith("not benchmarked yet")
    assert sorted(p.name for p in (empty / "synthetic").iterdir()) == ["attribution"]


# --------------------------------------------------------------------------------------------------------------
# Real data: the committed ICLR classifier's held-out inputs and a two-record benchmark of it
# --------------------------------------------------------------------------------------------------------------

COMMITTED_ICLR = Path(__file__).resolve().parents[1] / "results" / "real" / "iclr-fold" / "aea6bbae6294fefd"


@pytest.mark.realdata
def test_the_committed_iclr_classifier_is_benchmarked_on_its_held_out_segments(tmp_path, monkeypatch, one_thread):
    from ecgstudy.experiments import get_experiment
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.runs.store import RunStore
    from ecgstudy.testing import real_dataset

    real_dataset("mitdb")
    if not (COMMITTED_ICLR / "weights.pt").exists():
        pytest.skip("the committed ICLR checkpoint is not in this checkout")
    root = tmp_path / "results"
    shutil.copytree(COMMITTED_ICLR, root / "real" / "iclr-fold" / COMMITTED_ICLR.name)
    assert resolve("iclr_classifier", root).run_id == COMMITTED_ICLR.name
    inputs = slot_inputs("iclr_classifier", COMMITTED_ICLR, resolve_data("real", ("mitdb",)), max_records=4)
    held_out = set(json.loads((COMMITTED_ICLR / "metrics.json").read_text())["test_records"])
    assert inputs.x.shape == (4, 2, 2000) and sorted(inputs.target.tolist()) == [0, 0, 1, 1]
    assert {r.split("@")[0] for r in inputs.records} <= held_out and len(set(inputs.patients)) == 4
    assert inputs.regions.masks.any(axis=(1, 2)).all() and inputs.feature_mask.max(axis=1).min() >= 2
    exp = get_experiment("attribution-benchmark")
    spec = exp.spec({"profile": "smoke", "data": "real", "slot": "iclr_classifier", "max_records": 2,
                     "model_run": COMMITTED_ICLR.name, "methods": ["input_x_gradient", "iclr_attention", "energy"]})
    assert spec.data_kind == "real"
    rec = RunStore(root).execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert m["methods"] == ["input_x_gradient", "energy"] and "iclr_attention" in m["skipped"]
    assert m["model_params"]["method"] == "classifier" and m["n_records"] == 2
    # the dataset's samples are not stored; the page rebuilds the example input from the data, the same one
    from ecgstudy.studies.attribution.chapter import example_input

    with np.load(rec.path / "maps.npz") as z:
        assert "x" not in z.files and z["map_energy"].shape[1:] == (2, 2000)
        first = int(z["index"][0])
    again = slot_inputs("iclr_classifier", COMMITTED_ICLR, resolve_data("real", ("mitdb",)), max_records=2)
    np.testing.assert_array_equal(example_input(rec, get_slot("iclr_classifier")), again.x[first])


def _untrained_run(root: Path, key: str) -> Path:
    """A finished run of ``key``'s slot holding untrained weights (the loaders' path, without training)."""
    from ecgstudy import checkpoints
    from ecgstudy.experiments import get_experiment
    from ecgstudy.models import XecgNet
    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.studies.xecgnet.run import model_kwargs

    slot = SLOTS[key]
    params = get_experiment(slot.experiment).params(dict(slot.match))
    folder = root / "real" / slot.experiment / f"untrained-{key}"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({
        "run_id": folder.name, "experiment": slot.experiment, "params": params.record(), "status": "done",
        "started": "2026-12-01", "data_kind": "real", "data_checksum": "-", "code_version": "-"}))
    torch.manual_seed(0)
    if slot.experiment == "xecgnet-mitdb":
        kw = model_kwargs(params, in_leads=2, n_classes=8)
        checkpoints.save(XecgNet(**{**kw, "pool_sizes": tuple(kw["pool_sizes"])}), folder, builder="xecgnet", kwargs=kw)
    elif slot.experiment == "xecgnet-ptbxl":
        kw = model_kwargs(params, in_leads=12, n_classes=5)
        checkpoints.save(XecgNet(**{**kw, "pool_sizes": tuple(kw["pool_sizes"])}), folder, builder="xecgnet", kwargs=kw)
        # the normalisation the run fitted on PTB-XL (here the identity, so that LUDB's inputs are its mV)
        (folder / "metrics.json").write_text(json.dumps({"class_names": ["NORM", "MI", "STTC", "CD", "HYP"],
                                                         "normaliser": {"mean": [0.0] * 12, "sd": [1.0] * 12}}))
    else:
        checkpoints.save(KanResWideX(in_leads=8, n_outputs=1), folder, builder="kanres_wide_x",
                         kwargs={"in_leads": 8, "n_outputs": 1})
    return folder


@pytest.mark.realdata
@pytest.mark.parametrize("key", ["xecgnet_gamma001", "ecgradcam_pr"])
def test_xecgnet_and_ecgradcam_slots_rebuild_their_held_out_inputs_and_regions(key, tmp_path, one_thread):
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.testing import real_dataset

    slot = SLOTS[key]
    real_dataset(slot.datasets[0])
    folder = _untrained_run(tmp_path / "results", key)
    assert resolve(key, tmp_path / "results").run_dir == folder
    inputs = slot_inputs(key, folder, resolve_data("real", slot.datasets), max_records=3)
    assert len(inputs) == 3 and len(set(inputs.patients)) == 3
    region_per_lead = inputs.regions.masks.sum(axis=2)
    if key.startswith("xecgnet"):  # windows of 10 s at 100 Hz with a PVC; the PVC beats on both leads alike
        assert inputs.x.shape == (3, 2, 1000) and inputs.fs == 100.0 and inputs.target.tolist() == [2, 2, 2]
        assert (region_per_lead[:, 0] == region_per_lead[:, 1]).all() and (region_per_lead > 0).all()
        assert inputs.regions.name == "the annotated PVC beats"
    else:  # LUDB median beats in PTB-XL style; P and QRS from each lead's own delineation
        assert inputs.x.shape == (3, 8, 600) and inputs.fs == 500.0 and inputs.target.tolist() == [0, 0, 0]
        assert np.isfinite(inputs.labels).all() and (region_per_lead > 0).all()
        assert (region_per_lead != region_per_lead[:, :1]).any()  # the leads' delineations differ somewhere
        assert inputs.regions.name == "the P and QRS waves (per lead, the cardiologists' delineation)"
        assert inputs.feature_mask.max(axis=1).tolist() == [3, 3, 3]
    from ecgstudy import checkpoints

    ev = bm.evaluate(checkpoints.load(folder), inputs, ["input_x_gradient", "gradcam", "energy"], SMALL)
    assert ev.skipped == {} and len(ev.scores) == 9


def test_all_zero_maps_are_counted_per_method_in_the_model_table():
    from ecgstudy.studies.attribution.tables import ZERO_HEADER, model_table, zero_maps

    scores = pd.DataFrame({"method": ["lime"] * 3 + ["saliency"] * 3,
                           "entropy": [np.nan, 0.9, np.nan, 0.8, 0.7, 0.6]})
    zero = zero_maps(scores)
    assert zero == {"lime": "2 of 3", "saliency": "0 of 3"}
    summary = pd.DataFrame({"method": ["lime", "saliency"], "metric": "auroc", "estimate": [0.5, 0.8],
                            "text": ["0.5 (0.4 to 0.6)", "0.8 (0.7 to 0.9)"], "rank": [2, 1]})
    verdicts = pd.DataFrame({"method": ["saliency", "lime"], "localisation": ["passes", "fails"],
                             "faithfulness": ["passes", "fails"], "randomisation": ["passes", "passes"]})
    table = model_table(summary, verdicts, zero=zero)
    assert table.columns.tolist() == ["method", "AUROC", ZERO_HEADER, "localisation", "faithfulness", "randomisation"]
    assert table[ZERO_HEADER].tolist() == ["0 of 3", "2 of 3"]
    assert ZERO_HEADER not in model_table(summary, verdicts).columns


@pytest.mark.realdata
def test_the_xecgnet_ptbxl_slot_tests_on_ludb_records_where_each_superclass_is_read(tmp_path, one_thread):
    from ecgstudy.data.inputs import resample
    from ecgstudy.data.ludb import read_ludb_record
    from ecgstudy.data.ludb_superclasses import reading_segments
    from ecgstudy.runs.datasource import resolve_data
    from ecgstudy.testing import real_dataset

    ludb = real_dataset("ludb")
    real_dataset("ptbxl")
    folder = _untrained_run(tmp_path / "results", "xecgnet_ptbxl_gamma001")
    assert resolve("xecgnet_ptbxl_gamma001", tmp_path / "results").run_dir == folder
    inputs = slot_inputs("xecgnet_ptbxl_gamma001", folder, resolve_data("real", ("ptbxl", "ludb")), max_records=8)
    classes = ["NORM", "MI", "STTC", "CD", "HYP"]
    assert inputs.x.shape == (8, 12, 1000) and inputs.fs == 100.0
    # the superclasses take turns (the rarest first), each item's target its superclass's column
    assert sorted(inputs.target.tolist()) == [1, 1, 2, 2, 3, 3, 4, 4]
    assert [classes[t] for t in inputs.target] == [r.split(":")[1] for r in inputs.records]
    m = inputs.regions
    assert not (m.masks & ~m.valid[:, None, :]).any() and m.masks.any(axis=2).mean() > 0.9
    assert 0.5 < m.valid.mean() < 0.95  # LUDB leaves the first and last beats unannotated
    assert set(inputs.model_score["auroc"]) == {"MI", "STTC", "CD", "HYP"}
    assert inputs.model_score["n_records"] > 100 and inputs.model_score["positives"]["HYP"] > 50
    # one item checked by hand: its input is the record at 100 Hz (identity normaliser), its region on lead II
    # the segments its diagnoses name, from lead II's own delineation (500 Hz samples // 5)
    k = 0
    rid, cls = inputs.records[k].split(":")
    rec, waves = read_ludb_record(ludb, rid)
    np.testing.assert_allclose(inputs.x[k], resample(rec.signal, 500.0, 100.0)[:, :1000], rtol=1e-5, atol=1e-5)
    segs = reading_segments(rec.meta["diagnoses"], cls)
    w = waves["II"]
    expected = np.zeros(1000, bool)
    by_wave = {name: w[w["wave"] == name].sort_values("peak") for name in ("p", "qrs", "t")}
    for _, q in by_wave["qrs"].iterrows():
        if "qrs" in segs:
            expected[q.onset // 5:q.offset // 5 + 1] = True
        if "qrs_t" in segs or "st_t" in segs:
            t = by_wave["t"][(by_wave["t"]["peak"] > q.peak)].head(1)
            nxt = by_wave["qrs"][by_wave["qrs"]["peak"] > q.peak].head(1)
            if len(t) and (not len(nxt) or int(t.peak.iloc[0]) < int(nxt.peak.iloc[0])):
                start = q.onset if "qrs_t" in segs else q.offset + 1
                expected[start // 5:int(t.offset.iloc[0]) // 5 + 1] = True
        if "p" in segs or "pr" in segs:
            p_ = by_wave["p"][(by_wave["p"]["peak"] < q.peak)].tail(1)
            prev = by_wave["qrs"][by_wave["qrs"]["peak"] < q.peak].tail(1)
            if len(p_) and (not len(prev) or int(p_.peak.iloc[0]) > int(prev.peak.iloc[0])):
                end = int(p_.offset.iloc[0]) if "p" in segs else q.onset - 1
                expected[int(p_.onset.iloc[0]) // 5:end // 5 + 1] = True
    np.testing.assert_array_equal(m.masks[k, rec.lead_names.index("II")], expected & m.valid[k])
    # KernelSHAP and LIME perturb lead II's waves, each its own feature
    assert inputs.feature_mask[k].max() == len(w)
