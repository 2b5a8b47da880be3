"""Chapter 4's controlled task (ecgstudy.synthetic.planted): exact masks, labels that only the planted wave
decides, its small CNN and run, and the idea checked at tiny scale with a hand-weighted model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ecgstudy.errors import ParameterError
from ecgstudy.synthetic import planted
from ecgstudy.synthetic.planted import (
    RANGES,
    RULES,
    WAVES,
    planted_properties,
    planted_records,
    property_column,
    render_wave,
)

torch.set_num_threads(1)

COMBOS = [(w, r) for w in WAVES for r in RULES]


def _runs(mask_row: np.ndarray) -> list[list[int]]:
    """Inclusive ``[start, stop]`` of each run of True."""
    d = np.diff(np.concatenate([[0], mask_row.astype(np.int8), [0]]))
    return [[int(a), int(b) - 1] for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


# --------------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------------

def test_masks_by_hand_on_a_tiny_record():
    s = planted_records(1, wave="P", rule="amplitude", fs=100.0, seconds=3.0, seed=3, noise=None)
    p = s.properties.iloc[0]
    r = s.trains[0].r_time_s
    fs, n = 100.0, 300
    # each wave's support from the drawn properties (module docstring), in samples: ceil(onset) .. floor(offset)
    support = {
        "P": (r - p["p_centre_ms"] / 1e3 - p["p_ms"] / 2e3, r - p["p_centre_ms"] / 1e3 + p["p_ms"] / 2e3),
        "QRS": (r - 0.45 * p["qrs_ms"] / 1e3, r + 0.55 * p["qrs_ms"] / 1e3),
        "T": (r + (p["t_peak_ms"] - 0.6 * p["t_ms"]) / 1e3, r + (p["t_peak_ms"] + 0.4 * p["t_ms"]) / 1e3),
    }
    fid = s.trains[0].fiducial_times()  # the generator's own onsets / offsets (s), FIDUCIAL_COLUMNS order
    for wave, (on, off) in support.items():
        col = {"P": (0, 2), "QRS": (3, 5), "T": (6, 8)}[wave]
        np.testing.assert_allclose(fid[:, col[0]], on, atol=1e-12)
        np.testing.assert_allclose(fid[:, col[1]], off, atol=1e-12)
        lo, hi = np.maximum(np.ceil(on * fs), 0).astype(int), np.minimum(np.floor(off * fs), n - 1).astype(int)
        expected = [[a, b] for a, b in zip(lo, hi) if a <= b]
        assert s.intervals[wave][0].tolist() == expected, wave
        for lead in range(3):  # the same mask on every lead
            assert _runs(s.masks[wave][0, lead]) == expected, wave
    assert s.mask is s.masks["P"] and s.planted_column == "p_amp_mV"
    # By hand, the beat with R at 0.88732 s (P centre 179.58 ms before R, P 89.24 ms, QRS 109.67 ms, T peak
    # 304.07 ms after R, T 150.39 ms): P 0.66312 .. 0.75236 s -> samples 67 .. 75; QRS 0.88732 - 0.04935 ..
    # 0.88732 + 0.06032 s -> 84 .. 94; T 1.19139 - 0.09024 .. 1.19139 + 0.06016 s -> 111 .. 125. The P of the
    # beat at 3.17468 s starts at 2.95048 s and is cut by the record's end (sample 299); the beat at 0.09153 s
    # shows its QRS and T but its P ends at -0.04 s, before the record.
    assert np.round(r, 5).tolist()[1:5] == [0.09153, 0.88732, 1.65273, 2.41643]
    assert s.intervals["P"][0].tolist() == [[67, 75], [143, 151], [220, 228], [296, 299]]
    assert s.intervals["QRS"][0].tolist() == [[5, 15], [84, 94], [161, 171], [237, 247]]
    assert s.intervals["T"][0].tolist() == [[31, 45], [111, 125], [187, 201], [264, 278]]


@pytest.mark.parametrize("wave,rule", [("P", "amplitude"), ("QRS", "width"), ("T", "width")])
def test_each_wave_is_exactly_zero_outside_its_mask_and_the_waves_sum_to_the_record(wave, rule):
    s = planted_records(6, wave=wave, rule=rule, seed=1, noise=None)
    n = s.signals.shape[-1]
    for i in range(len(s)):
        parts = {w: render_wave(s.trains[i], w, fs=s.fs, n_samples=n, leads=s.lead_names) for w in WAVES}
        np.testing.assert_allclose(sum(parts.values()), s.clean[i], atol=1e-5)
        for w, alone in parts.items():
            inside = s.masks[w][i]
            assert not alone[~inside].any(), (i, w)  # exactly 0.0 outside the support
            # non-zero on the whole support but for a sample at an edge where the wave touches zero
            runs = len(s.intervals[w][i])
            assert inside.sum() - (alone[inside] != 0).sum() <= 2 * runs * len(s.lead_names), (i, w)


def test_waves_never_overlap_at_the_extremes_of_their_ranges():
    # latest T offset of a beat < earliest P onset of the next beat at the fastest rate (RR within 5 %)
    t_off = planted.T_PEAK_MS[1] + 0.4 * RANGES["T"]["width"][1]
    next_p_on = 60e3 / planted.HR_BPM[1] * 0.95 - planted.P_CENTRE_MS[1] - RANGES["P"]["width"][1] / 2
    assert t_off < next_p_on
    assert -planted.P_CENTRE_MS[0] + RANGES["P"]["width"][1] / 2 < -0.45 * RANGES["QRS"]["width"][1]  # P before QRS
    assert planted.T_PEAK_MS[0] - 0.6 * RANGES["T"]["width"][1] > 0.55 * RANGES["QRS"]["width"][1]  # T after QRS
    s = planted_records(300, wave="T", rule="width", seed=2, noise=None)
    total = sum(s.masks[w][:, 0].astype(int) for w in WAVES)
    assert total.max() == 1


@pytest.mark.parametrize("wave,rule", COMBOS)
def test_the_label_is_decided_by_the_planted_property_alone(wave, rule):
    # 3000 records: a class difference of an eighth of a property's SD would be 3.4 standard errors
    props = planted_properties(3000, wave=wave, rule=rule, seed=5)
    y = props["label"].to_numpy()
    assert 1400 < y.sum() < 1600
    low, high = RANGES[wave][rule]
    col = property_column(wave, rule)
    # the planted property: lower third for class 0, upper third for class 1
    assert (props.loc[y == 0, col] <= low + (high - low) / 3).all() and (props.loc[y == 1, col] >= high - (high - low) / 3).all()
    others = [c for c in props.columns if c not in ("label", col)]
    assert len(others) == 12
    # every other property: the same mean in both classes (Welch t within 4 standard errors)
    for c in others:
        a, b = props.loc[y == 0, c], props.loc[y == 1, c]
        t = (a.mean() - b.mean()) / math.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(t) < 4, (c, t)

    def cv_accuracy(features: np.ndarray) -> float:
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return float(cross_val_score(clf, features, y, cv=5).mean())

    assert 0.45 < cv_accuracy(props[others].to_numpy()) < 0.55  # chance from everything drawn but the planted one
    assert cv_accuracy(props[others + [col]].to_numpy()) > 0.95  # and the same model finds the planted one


def _signal_features(x: np.ndarray, fs: float) -> np.ndarray:
    """Per lead max, min, mean, mean |x|, and the longest run of |x| > 1e-4 mV in any lead (ms): ``(features,)``."""
    on = (np.abs(x) > 1e-4).any(axis=0)
    longest = max((b - a + 1 for a, b in _runs(on)), default=0) / fs * 1e3
    return np.concatenate([x.max(axis=1), x.min(axis=1), x.mean(axis=1), np.abs(x).mean(axis=1), [longest]])


@pytest.mark.parametrize("wave,rule", [("P", "amplitude"), ("QRS", "width"), ("T", "amplitude")])
def test_the_signal_without_the_planted_wave_does_not_predict_the_label(wave, rule):
    s = planted_records(300, wave=wave, rule=rule, seed=7, noise=None)
    n = s.signals.shape[-1]
    rest = [w for w in WAVES if w != wave]
    without = np.stack([_signal_features(sum(render_wave(t, w, fs=s.fs, n_samples=n, leads=s.lead_names) for w in rest),
                                         s.fs) for t in s.trains])
    alone = np.stack([_signal_features(render_wave(t, wave, fs=s.fs, n_samples=n, leads=s.lead_names), s.fs)
                      for t in s.trains])
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    assert 0.38 < cross_val_score(clf, without, s.labels, cv=5).mean() < 0.62
    assert cross_val_score(clf, alone, s.labels, cv=5).mean() > 0.9


def test_records_are_reproducible_and_independent_of_how_many_are_drawn():
    a = planted_records(5, wave="QRS", rule="amplitude", seed=11)
    b = planted_records(3, wave="QRS", rule="amplitude", seed=11, offset=2)
    np.testing.assert_array_equal(a.signals[2:], b.signals)
    np.testing.assert_array_equal(a.masks["T"][2:], b.masks["T"])
    assert a.labels[2:].tolist() == b.labels.tolist() and b.record_ids.tolist() == ["syn-T00002", "syn-T00003", "syn-T00004"]
    sub = a.subset([4, 2])
    np.testing.assert_array_equal(sub.signals, b.signals[[2, 0]])
    assert sub.properties["qrs_amp_mV"].tolist() == b.properties["qrs_amp_mV"].iloc[[2, 0]].tolist()
    assert [iv.tolist() for iv in sub.intervals["P"]] == [b.intervals["P"][2].tolist(), b.intervals["P"][0].tolist()]
    props = planted_properties(3, wave="QRS", rule="amplitude", seed=11, offset=2)
    assert props.equals(b.properties)  # the same draws without the signals
    noisy, clean = a.signals, planted_records(5, wave="QRS", rule="amplitude", seed=11, noise=None).signals
    np.testing.assert_array_equal(clean, a.clean)
    assert 0.01 < float(np.abs(noisy - clean).mean()) < 0.2


def test_bad_arguments_are_refused_with_the_choices():
    with pytest.raises(ParameterError, match="wave='ST'"):
        planted_records(2, wave="ST")
    with pytest.raises(ParameterError, match="rule='polarity'"):
        planted_records(2, rule="polarity")
    with pytest.raises(ParameterError, match="too short"):
        planted_records(2, seconds=2.0)
    with pytest.raises(ParameterError, match="unknown lead"):
        planted_records(2, leads=("II", "X"))


# --------------------------------------------------------------------------------------------------------------
# The controlled model and its run
# --------------------------------------------------------------------------------------------------------------

def test_planted_cnn_maps_records_to_logits_and_grad_cam_explains_its_last_block():
    from ecgstudy.attribution.methods import GradCAMAttribution, default_layer
    from ecgstudy.models import PlantedCNN

    torch.manual_seed(0)
    model = PlantedCNN(in_leads=3).eval()
    assert sum(p.numel() for p in model.parameters()) == 13_234
    x = torch.randn(2, 3, 1000)
    assert model.features(x).shape == (2, 32, 125) and model(x).shape == (2, 2)
    assert default_layer(model) is model.blocks[-1]
    assert GradCAMAttribution(model).attribute(x, target=1).shape == (2, 3, 1000)
    with pytest.raises(ParameterError, match="kernel_size=4"):
        PlantedCNN(in_leads=3, kernel_size=4)


@pytest.fixture
def one_thread(monkeypatch):
    """Keep the training runs of these tests on one core (fit asks for two)."""
    torch.set_num_threads(1)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)


def test_smoke_run_writes_its_record_and_a_checkpoint_that_reproduces_it(tmp_path, monkeypatch, one_thread):
    import json

    from ecgstudy import checkpoints
    from ecgstudy.experiments import get_experiment
    from ecgstudy.models import PlantedCNN
    from ecgstudy.runs.store import RunStore
    from ecgstudy.studies.attribution.controlled import class1_probability, records, reproduce, split_indices

    monkeypatch.delenv("ECGSTUDY_DATA", raising=False)
    store = RunStore(tmp_path / "results")
    exp = get_experiment("attribution-controlled")
    spec = exp.spec({"profile": "smoke", "wave": "QRS", "rule": "width", "keep_weights": True})
    assert spec.data_kind == "synthetic"
    rec = store.execute(spec, lambda d: exp.work(spec, d))
    assert rec.ok, rec.error
    m = rec.metrics()
    assert (m["n_train"], m["n_val"], m["n_test"]) == (39, 12, 13)  # 64 records: 13 tested, a quarter of 51 validates
    assert (m["wave"], m["rule"], m["planted_column"]) == ("QRS", "width", "qrs_ms")
    assert m["stopped_by"] in ("patience", "epoch_cap") and 1 <= m["best_epoch"] <= m["last_epoch"] <= 2
    assert 0 <= m["accuracy"] <= 1 and m["precision"] == "fp32"
    curve = json.loads((rec.path / "curves.json").read_text())
    assert len(curve) == m["last_epoch"] and {"train_loss", "val_loss", "val_accuracy"} <= set(curve[0])
    assert m["best_val_loss"] == min(r["val_loss"] for r in curve)
    assert len((rec.path / "progress.log").read_text().splitlines()) == m["last_epoch"]
    # the checkpoint restores the model that scored the test records
    model = checkpoints.load(rec.path)
    assert isinstance(model, PlantedCNN) and not model.training
    params = exp.params(spec.params)
    _, _, test_idx = split_indices(params)
    test = records(params, int(test_idx[0]), int(test_idx[-1]) + 1)
    with np.load(rec.path / "predictions.npz") as z:
        assert z["index"].tolist() == test_idx.tolist() and z["label"].tolist() == test.labels.tolist()
        with torch.no_grad():
            logits = model(torch.from_numpy(test.signals)).numpy()
        np.testing.assert_allclose(logits, z["logits"], atol=1e-5)
        np.testing.assert_allclose(class1_probability(z["logits"]), z["prob"], atol=1e-6)
    for metric, (stored, now) in reproduce(rec.path, None).items():
        assert now == pytest.approx(stored, abs=1e-9, nan_ok=True), metric


def test_profiles_validate_and_patience_needs_a_validation_set():
    from ecgstudy.experiments import get_experiment

    exp = get_experiment("attribution-controlled")
    cpu = exp.params({"profile": "cpu"})
    assert (cpu.n_records, cpu.epochs, cpu.patience, cpu.keep_weights) == (4000, 40, 6, True)
    with pytest.raises(ParameterError, match="needs an inner validation set"):
        exp.params({"profile": "demo", "inner_folds": 0})
    with pytest.raises(ParameterError, match="unknown lead"):
        exp.params({"profile": "demo", "leads": ["II", "V7"]})


# --------------------------------------------------------------------------------------------------------------
# The idea at tiny scale: a model that reads only the planted wave gets maps that point at it
# --------------------------------------------------------------------------------------------------------------

class WaveReader(torch.nn.Module):
    """A hand-weighted linear model: ``score = sum of x over one wave's samples``, ``(batch, leads, samples) ->
    (batch, 1)``; row ``b`` reads with its own weights ``weights[b]`` (that record's wave mask)."""

    def __init__(self, weights: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.weights).sum(dim=(1, 2)).unsqueeze(1)


@pytest.mark.parametrize("wave", WAVES)
def test_a_reader_of_the_planted_wave_is_localised_by_input_x_gradient_and_not_by_the_edge_detector(wave):
    from ecgstudy.attribution.methods import Energy, InputXGradient
    from ecgstudy.metrics.attribution import auroc, mass_ratio

    s = planted_records(6, wave=wave, rule="amplitude", seed=4)
    x = torch.from_numpy(s.signals)
    mask = s.mask
    ixg = InputXGradient(WaveReader(mask)).attribute(x, target=0).abs().numpy()
    np.testing.assert_array_equal(ixg, np.abs(s.signals) * mask)  # x * w: the signal on the wave, zero elsewhere
    n, region = mask[0].size, mask.reshape(len(s), -1).sum(axis=1)
    # all its mass lies in the wave: the largest mass ratio there is, N / |R|; every wave sample outranks the rest
    np.testing.assert_allclose(mass_ratio(ixg, mask), n / region, rtol=1e-12)
    np.testing.assert_array_equal(auroc(ixg, mask), np.ones(len(s)))
    # the edge detector does worse everywhere: at chance on the smooth P and T, good but not as good on the QRS
    energy = Energy(WaveReader(mask)).attribute(x).numpy()
    e_ratio, e_auroc = mass_ratio(energy, mask), auroc(energy, mask)
    assert (e_ratio < 0.6 * n / region).all() and (e_auroc < 0.95).all()
    if wave == "QRS":
        assert (e_ratio > 2).all() and (e_auroc > 0.75).all()
    else:
        assert (e_ratio < 1).all() and (e_auroc < 0.6).all()
    # a reader of another wave puts no mass on the planted one; its AUROC is half its share of zeros outside
    other = s.masks[WAVES[(WAVES.index(wave) + 1) % 3]]
    wrong = InputXGradient(WaveReader(other)).attribute(x, target=0).abs().numpy()
    np.testing.assert_array_equal(mass_ratio(wrong, mask), np.zeros(len(s)))
    outside = n - region
    np.testing.assert_allclose(auroc(wrong, mask), 0.5 * (outside - other.reshape(len(s), -1).sum(axis=1)) / outside)
