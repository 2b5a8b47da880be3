"""The training loop: exact weighted loss on a hand-set model, determinism, learning."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ecgstudy.training import TrainConfig, train_classifier
from ecgstudy.training import predict_proba as predict


class TinyLinear(nn.Module):
    """(batch, 1, 2) -> log_softmax(W x + b) with hand-set weights."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
            self.fc.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.fc(x[:, 0]), dim=1)


def test_weighted_nll_equals_hand_computation_with_zero_lr():
    x = np.array([[[2.0, 0.0]], [[0.0, 1.0]], [[1.0, 1.0]]], dtype=np.float32)
    y = np.array([0, 1, 1])
    cfg = TrainConfig(epochs=1, lr=0.0, batch_size=3, class_weights=(7.0, 1.0), seed=0)
    hist = train_classifier(TinyLinear(), x, y, cfg, x_eval=x, y_eval=y)
    nll = [math.log(1 + math.exp(-2)), math.log(1 + math.exp(-1)), math.log(2)]
    expected = (7 * nll[0] + nll[1] + nll[2]) / (7 + 1 + 1)
    assert math.isclose(hist[0].train_loss, expected, rel_tol=1e-6)
    assert math.isclose(hist[0].eval_loss, expected, rel_tol=1e-6)
    # argmax: [2,0] -> 0 (right), [0,1] -> 1 (right), [1,1] -> tie -> 0 (wrong)
    assert hist[0].eval_accuracy == 2 / 3


def _train(seed: int):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 1, 2)).astype(np.float32)
    y = (x[:, 0, 0] > x[:, 0, 1]).astype(int)
    model = TinyLinear()
    torch.manual_seed(123)
    hist = train_classifier(model, x, y, TrainConfig(epochs=30, lr=0.05, batch_size=8, seed=seed))
    return hist, model, x, y


def test_same_seed_gives_identical_training_and_it_learns():
    h1, m1, x, y = _train(0)
    h2, m2, _, _ = _train(0)
    h3, _, _, _ = _train(1)
    assert [r.train_loss for r in h1] == [r.train_loss for r in h2]
    assert torch.equal(m1.fc.weight, m2.fc.weight)
    assert [r.train_loss for r in h1] != [r.train_loss for r in h3]  # batch order depends on the seed
    assert h1[-1].train_loss < h1[0].train_loss
    probs, att = predict(m1, x)
    assert probs.shape == (32, 2) and att is None
    assert np.allclose(probs.sum(1), 1.0, atol=1e-6)
    assert (probs.argmax(1) == y).mean() >= 0.9


class ConstantGradient(nn.Module):
    """Returns the same (unnormalised) log-probability ``p`` for every class: the NLL is ``-p``,
    its gradient -1 at every step, so each Adam step moves ``p`` by exactly the step's learning rate."""

    def __init__(self) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.p.expand(len(x), 2)


def test_cosine_schedule_applies_the_documented_learning_rates():
    x = np.zeros((4, 1, 2), dtype=np.float32)
    y = np.array([0, 1, 0, 1])
    lr = 0.01
    for schedule, factors in (("constant", [1, 1, 1, 1]), ("cosine", [1.0, 0.5 + 0.5 * math.cos(math.pi / 4),
                                                                     0.5, 0.5 - 0.5 * math.cos(math.pi / 4)])):
        model = ConstantGradient()
        cfg = TrainConfig(epochs=2, lr=lr, batch_size=2, seed=0, lr_schedule=schedule)  # 4 steps
        train_classifier(model, x, y, cfg)
        assert math.isclose(model.p.item(), lr * sum(factors), rel_tol=1e-5), schedule


def test_unknown_schedule_is_refused():
    import pytest

    with pytest.raises(ValueError, match="schedule"):
        train_classifier(ConstantGradient(), np.zeros((2, 1, 2), np.float32), np.array([0, 1]),
                         TrainConfig(epochs=1, lr=0.1, batch_size=2, lr_schedule="linear"))  # type: ignore[arg-type]


def test_rungs_follow_logs_every_epoch_and_scores_keep_each_rungs_weights():
    """Weights set to the epoch number: each rung's evaluated weight is the epoch it kept (lowest val_loss
    among its first epochs); the rung past the patience stop keeps the run's own best; the log saw every epoch."""
    from types import SimpleNamespace

    from ecgstudy.training.ladder import Rungs

    model = torch.nn.Linear(1, 1, bias=False)
    rungs = Rungs(model, (2, 4, 10), by_validation=True)
    seen = []
    on_epoch = rungs.follow(seen.append)
    for epoch, loss in [(1, 0.9), (2, 0.5), (3, 0.7), (4, 0.4), (5, 0.6)]:
        with torch.no_grad():
            model.weight.fill_(float(epoch))
        on_epoch(SimpleNamespace(epoch=epoch, val_loss=loss))
    assert [r.epoch for r in seen] == [1, 2, 3, 4, 5]
    out = rungs.scores({"last_epoch": 5, "stopped_by": "patience"}, lambda: torch.nn.Linear(1, 1, bias=False),
                       lambda m: {"w": float(m.weight)})
    assert out == {"2": {"kept_epoch": 2, "w": 2.0}, "4": {"kept_epoch": 4, "w": 4.0}, "10": {"kept_epoch": 4, "w": 4.0}}
    capped = Rungs(model, (10,), by_validation=True)
    capped.follow()(SimpleNamespace(epoch=1, val_loss=0.3))
    assert capped.scores({"last_epoch": 1, "stopped_by": "epoch_cap"}, lambda: torch.nn.Linear(1, 1, bias=False),
                         lambda m: {}) == {}
