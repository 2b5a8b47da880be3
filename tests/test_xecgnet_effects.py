"""The xECGNet chapter's intervals by split design: seeds that draw their own splits take the corrected resampled t;
seeds scored on one fixed test set add its patients' bootstrap variance; the runs on one fixed set must share it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ecgstudy.errors import DataError
from ecgstudy.metrics.stats import corrected_t_interval, fixed_test_interval, paired_t_interval
from ecgstudy.studies.xecgnet.effects import Design, design_of


def _run(tmp_path, ds, gamma, seed, labels, preds, *, ids=None, counts=None, regulariser="paper"):
    path = tmp_path / f"{ds}-{gamma}-{seed}-{regulariser}"
    path.mkdir()
    n = len(labels)
    np.savez(path / "predictions.npz", ids=np.array(ids if ids is not None else [str(i) for i in range(n)]),
             probs=np.asarray(preds, dtype=np.float32), labels=np.asarray(labels))
    metrics = {"counts": counts or {"train": 30, "val": 10, "test": n}}
    (path / "metrics.json").write_text(json.dumps(metrics))
    spec = SimpleNamespace(experiment=f"xecgnet-{ds}", run_id=path.name,
                           params={"gamma": gamma, "seed": seed, "regulariser": regulariser})
    return SimpleNamespace(ok=True, spec=spec, path=path, metrics=lambda: metrics)


def test_a_split_drawn_with_the_seed_takes_the_corrected_resampled_t():
    d = Design(seeded=frozenset({"mitdb"}), sizes={"mitdb": (960, 480)})
    a, b = np.array([0.60, 0.64, 0.58, 0.61, 0.66]), np.array([0.55, 0.60, 0.57, 0.60, 0.61])
    ci = d.interval("mitdb", "micro_f1", 0.01, a, b)
    want = corrected_t_interval(a - b, n_train=960, n_test=480)
    assert (ci.estimate, ci.low, ci.high) == (pytest.approx(want.estimate), pytest.approx(want.low),
                                              pytest.approx(want.high))
    assert ci.method == "corrected resampled t (Nadeau & Bengio) over 5 seeds, each its own split"
    plain = paired_t_interval(a, b)
    assert ci.high - ci.low > 1.8 * (plain.high - plain.low)  # (1/5 + 1/2) / (1/5) = 3.5: sqrt 1.87
    one_arm = d.values_interval("mitdb", a - 0.5)
    assert one_arm.low == pytest.approx(corrected_t_interval(a - 0.5, n_train=960, n_test=480).low)


def test_one_fixed_test_set_adds_its_test_variance_and_says_so_where_it_cannot():
    d = Design(test_variance={("ptbxl", "micro_f1", 0.01): 1e-4}, units={"ptbxl": 192})
    a, b = np.array([0.76, 0.75, 0.77, 0.74, 0.76]), np.array([0.75, 0.74, 0.75, 0.74, 0.75])
    ci = d.interval("ptbxl", "micro_f1", 0.01, a, b)
    want = fixed_test_interval(a - b, test_variance=1e-4, n_units=192)
    assert (ci.low, ci.high) == (pytest.approx(want.low), pytest.approx(want.high))
    no_preds = d.interval("ptbxl", "attention_multi_covered", 0.01, a, b)  # no per-record scores
    assert no_preds.low == pytest.approx(paired_t_interval(a, b).low)
    assert "seeds only: the test sample's variance is not counted" in no_preds.method
    assert Design().interval("x", "micro_f1", 0.01, a, b).method == "paired Student t over 5 seeds"


def test_what_a_claim_that_is_not_detected_needs():
    a, b = np.array([0.02, 0.0, 0.03, -0.01, 0.01]), np.zeros(5)
    s2 = float(np.var(a, ddof=1))
    assert Design(units={"p": 100}, test_variance={("p", "m", 0.01): 0.05 ** 2}).seeds_needed(
        "p", "m", 0.01, a, b, 0.08).startswith("a larger test set")
    assert Design(seeded=frozenset({"s"}), sizes={"s": (100, 100)}).seeds_needed(
        "s", "m", 0.01, a, b, 0.01).startswith("more patients")
    n = int(np.ceil(s2 / ((0.05 / 1.959963984540054) ** 2)))
    assert Design().seeds_needed("x", "m", 0.01, a, b, 0.05) == \
        f"more seeds: about {max(n, 6)} would narrow the interval below the paper's effect"


@pytest.fixture
def fixed_runs(tmp_path):
    labels = np.tile([[1, 0], [0, 1]], (40, 1))  # 80 records, each its own patient
    right = labels.astype(float)
    wrong_at = np.random.default_rng(0).random(80) < 0.3
    worse = np.where(wrong_at[:, None], 1 - right, right)
    runs = [_run(tmp_path, "ptbxl", g, s, labels, preds)
            for g, s, preds in [(0.0, 0, right), (0.0, 1, right), (0.01, 0, worse), (0.01, 1, worse),
                                (0.1, 0, right), (0.1, 1, right)]]
    runs.append(_run(tmp_path, "ptbxl", 0.01, 0, labels, right, regulariser="authors_code"))  # not in the design
    return runs, wrong_at


def test_the_test_variance_is_the_bootstrap_variance_of_the_paired_difference(fixed_runs):
    runs, wrong_at = fixed_runs
    d = design_of(runs, data_kind="synthetic")
    assert d.seeded == frozenset() and d.units == {"ptbxl": 80}
    # subset accuracy differs by -1 on the records gamma 0.01 gets wrong: its resampled mean has variance
    # var(differences) / 80 (population variance), within the Monte Carlo error of 2,000 resamples
    want = np.var(-wrong_at.astype(float)) / 80
    assert d.test_variance[("ptbxl", "subset_acc", 0.01)] == pytest.approx(want, rel=0.1)
    assert d.test_variance[("ptbxl", "subset_acc", 0.1)] == 0.0  # the same predictions as gamma 0
    assert d.test_variance[("ptbxl", "micro_f1", 0.01)] > 0
    # both seeds agree, so the variance is the test sample's alone; with two seeds the runs' 1 df is kept
    ci = d.interval("ptbxl", "subset_acc", 0.01, [0.7, 0.7], [1.0, 1.0])
    half = 12.706204736 * np.sqrt(d.test_variance[("ptbxl", "subset_acc", 0.01)])
    assert ci.high - ci.low == pytest.approx(2 * half)
    three = d.interval("ptbxl", "subset_acc", 0.01, [0.7] * 3, [1.0] * 3)  # from 3 seeds: Satterthwaite (normal here)
    assert three.high - three.low == pytest.approx(2 * 1.959964 * half / 12.706204736)


def test_runs_of_one_fixed_test_set_with_other_records_are_refused(tmp_path):
    labels = np.eye(2)[[0, 1, 0, 1]]
    runs = [_run(tmp_path, "ptbxl", 0.0, 0, labels, labels),
            _run(tmp_path, "ptbxl", 0.01, 0, labels, labels, ids=["0", "1", "2", "9"])]
    with pytest.raises(DataError, match="test records differ"):
        design_of(runs, data_kind="synthetic")


def test_real_mitdb_runs_are_seeded_with_their_split_sizes(tmp_path):
    labels = np.eye(2)[[0, 1, 0, 1]]
    runs = [_run(tmp_path, "mitdb", g, s, labels, labels, ids=[f"{100 + s}:0"] * 4,
                 counts={"train": 960 + s, "val": 480, "test": 480}) for g in (0.0, 0.01) for s in (0, 1, 2)]
    d = design_of(runs, data_kind="real")
    assert d.seeded == frozenset({"mitdb"}) and d.sizes == {"mitdb": (961, 480)} and d.units == {}
    assert "draws its own record-wise split, so the seeds are repeated random splits" in d.text({"mitdb": "MIT-BIH"})


def test_the_claims_take_each_datasets_interval():
    from ecgstudy.studies.xecgnet.verdicts import claims

    rows = []
    for ds in ("ptbxl", "mitdb"):
        for g, shift in ((0.0, 0.0), (0.01, 0.02)):
            for s in range(5):
                rows.append({"dataset": ds, "gamma": g, "regulariser": "paper", "seed": s,
                             "multi_acc": 0.6 + shift + 0.01 * s, "micro_f1": 0.7 + shift + 0.005 * (s % 2)})
    main = pd.DataFrame(rows)
    health = main[["dataset", "gamma", "regulariser", "seed"]].assign(converged=True, healthy=True,
                                                                      seconds_per_epoch=10.0)
    design = Design(seeded=frozenset({"mitdb"}), sizes={"mitdb": (960, 480)},
                    test_variance={("ptbxl", m, 0.01): 1e-4 for m in ("multi_acc", "micro_f1")}, units={"ptbxl": 192})
    out = {c.key: c for c in claims(main, health, names={"ptbxl": "P", "mitdb": "M"}, budgets={}, design=design)}
    assert out["xecgnet.mitdb.micro_f1.g0.01"].ours.method.startswith("corrected resampled t")
    assert out["xecgnet.ptbxl.micro_f1.g0.01"].ours.method.startswith("Student t over 5 seeds plus")
    assert out["xecgnet.ptbxl.multi_acc.g0.01"].data == "P, one test set, scored by every seed"
    assert out["xecgnet.mitdb.multi_acc.g0.01"].data == "M, the test split of each seed"


def test_each_committed_runs_predictions_give_back_its_stored_test_metrics():
    """The bootstrap scores the stored predictions as the run scored its test split (same threshold, same metrics)."""
    from pathlib import Path

    from ecgstudy.metrics.group_resample import RESAMPLED, group_counts, multilabel_resampled
    from ecgstudy.metrics.multilabel import predict_multilabel

    runs = sorted(Path(__file__).parents[1].glob("results/real/xecgnet-*/*/predictions.npz"))
    runs = [p for p in runs if ".tmp-" not in str(p) and (p.parent / "metrics.json").exists()]
    if not runs:
        pytest.skip("no committed xECGNet runs in results/real")
    for path in runs:
        with np.load(path) as z:
            ids, probs, labels = z["ids"], z["probs"], z["labels"]
        codes, counts = group_counts(ids, n_boot=1)
        got = multilabel_resampled(labels, predict_multilabel(probs), codes, np.ones_like(counts))
        stored = json.loads((path.parent / "metrics.json").read_text())
        for key in RESAMPLED:
            if stored.get(key) is not None and stored[key] == stored[key]:
                assert got[key][0] == pytest.approx(stored[key], abs=1e-9), (path, key)


def test_on_the_real_ptbxl_test_fold_the_bootstrap_draws_patients_not_records():
    from pathlib import Path

    from ecgstudy.data.patients import patient_ids
    from ecgstudy.testing import real_dataset

    folder = real_dataset("ptbxl")  # skips with a reason without the data
    runs = sorted(Path(__file__).parents[1].glob("results/real/xecgnet-ptbxl/*/predictions.npz"))
    if not runs:
        pytest.skip("no committed xECGNet PTB-XL runs in results/real")
    with np.load(runs[0]) as z:
        ids = z["ids"].astype(str)
    assert len(set(patient_ids("ptbxl", ids, folder=folder))) < len(ids)  # some patients have two test records
