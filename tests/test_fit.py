"""The one training loop (`fit`) and `predict`: hand-computed optimiser steps, batch order, epoch
selection, curve rows, output fields; and bit-identity with the three loops it replaced."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ecgstudy.training import (
    BatchLoss,
    BestEpoch,
    LastEpoch,
    adam,
    column,
    column_loss,
    field,
    first_channel,
    fit,
    keras_nadam,
    loss_terms,
    lr_factor,
    predict,
    probs_from_log_probs,
    seed_everything,
    weighted_nll,
)


class Scale(nn.Module):
    """``(batch, 1, 1) -> (batch, 1)``: ``w * x`` with one weight ``w`` (starts at ``w0``)."""

    def __init__(self, w0: float = 1.0) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * x[:, 0]


X = np.array([[[1.0]], [[2.0]]], dtype=np.float32)
Y = np.array([3.0, 6.0])  # y = 3 x: residuals of w = 1 are -2, -4; MSE 10; dMSE/dw = mean(2 (w x - y) x) = -10


def sgd(lr: float):
    return lambda params: torch.optim.SGD(params, lr=lr)


def test_one_sgd_step_on_a_hand_weighted_model():
    model = Scale()
    result = fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0)
    assert model.w.item() == pytest.approx(1.0 + 0.1 * 10)  # w - lr * grad
    assert result.epochs[0].train == {"loss": pytest.approx(10.0)}
    assert result.best_epoch == 1 and result.best_score is None and not result.stopped_early


def test_one_adam_step_moves_by_lr_times_the_gradient_sign():
    model = Scale()
    fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=adam(0.01), epochs=1, batch_size=2, seed=0)
    g = -10.0  # Adam's first step: m_hat = g, v_hat = g^2, step = lr * g / (|g| + eps)
    assert model.w.item() == pytest.approx(1.0 - 0.01 * g / (abs(g) + 1e-8), rel=1e-7)


def test_one_keras_nadam_step_by_hand():
    model = Scale()
    fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=keras_nadam(0.01), epochs=1, batch_size=2, seed=0)
    g, lr, b1, b2, eps, psi = -10.0, 0.01, 0.9, 0.999, 1e-7, 0.004
    mu1, mu2 = b1 * (1 - 0.5 * 0.96 ** psi), b1 * (1 - 0.5 * 0.96 ** (2 * psi))  # Dozat's momentum schedule
    m, v = (1 - b1) * g, (1 - b2) * g * g
    denom = math.sqrt(v / (1 - b2)) + eps
    step = lr * (1 - mu1) / (1 - mu1) * g / denom + lr * mu2 / (1 - mu1 * mu2) * m / denom
    assert model.w.item() == pytest.approx(1.0 - step, rel=1e-6)


def test_batches_follow_the_seeded_permutation_of_each_epoch():
    seen: list[int] = []

    class Recorder(Scale):
        def forward(self, x):
            if self.training:
                seen.extend(int(v) for v in x[:, 0, 0])
            return super().forward(x)

    x = np.arange(7, dtype=np.float32).reshape(7, 1, 1)
    fit(Recorder(), x, np.zeros(7), loss=column_loss(F.mse_loss), optimizer=sgd(0.0), epochs=2, batch_size=3, seed=5)
    gen = torch.Generator()
    gen.manual_seed(5)
    expected = torch.randperm(7, generator=gen).tolist() + torch.randperm(7, generator=gen).tolist()
    assert seen == expected


def test_logged_terms_are_batch_weighted_means_over_the_epoch():
    @dataclass(frozen=True)
    class Loss:
        total: torch.Tensor
        first: torch.Tensor
        not_logged: torch.Tensor  # not a scalar

    def loss_fn(out, y):
        return Loss(total=(out * 0).sum(), first=y[0].clone(), not_logged=y)

    x = np.zeros((3, 1, 1), np.float32)
    y = np.array([10.0, 20.0, 30.0])
    order = torch.randperm(3, generator=seed_everything(0)).tolist()  # the batches: order[:2], order[2:]
    result = fit(Scale(), x, y, loss=loss_terms(loss_fn), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0)
    expected = (y[order[0]] * 2 + y[order[2]] * 1) / 3
    assert list(result.epochs[0].train) == ["total", "first"]
    assert result.epochs[0].train["first"] == pytest.approx(expected)
    assert result.epochs[0].train["total"] == 0.0


def test_weighted_nll_batch_loss_and_weight_by_hand():
    logp = torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]]))
    y = torch.tensor([0, 1, 0])
    b = weighted_nll(torch.tensor([3.0, 1.0]))(logp, y)
    nll = [math.log(2), -math.log(0.75), -math.log(0.9)]
    assert b.value.item() == pytest.approx((3 * nll[0] + nll[1] + 3 * nll[2]) / 7)
    assert b.weight == 7.0 and set(b.terms) == {"loss"}
    assert weighted_nll(None)(logp, y).weight == 3.0
    assert weighted_nll(None)(logp, y).value.item() == pytest.approx(sum(nll) / 3)


class Scripted(nn.Module):
    """One parameter that SGD with loss ``-p`` raises by ``lr`` each step; evaluation reads a script."""

    def __init__(self) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        return self.p.expand(len(x), 1)


def _scripted_fit(scores, select, **kw):
    model = Scripted()
    after: dict[int, float] = {}

    def evaluate(m, epoch):
        after[epoch] = m.p.item()
        return {"val": scores[epoch - 1], "other": -1.0}

    result = fit(model, np.zeros((2, 1, 1), np.float32), np.zeros(2), loss=column_loss(lambda out, y: -out.mean()),
                 optimizer=sgd(1.0), epochs=len(scores), batch_size=2, seed=0, evaluate=evaluate, select=select, **kw)
    return model, result, after


def test_best_epoch_with_patience_keeps_the_first_best_and_stops():
    model, result, after = _scripted_fit([0.1, 0.5, 0.4, 0.5, 0.3, 0.9], BestEpoch("val", patience=3))
    assert result.best_epoch == 2 and result.best_score == 0.5  # epoch 4 only ties
    assert len(result.epochs) == 5 and result.stopped_early  # epochs 3, 4, 5 without a higher score
    assert after[2] == 2.0 and model.p.item() == after[2]  # epoch 2's weights are back


def test_best_epoch_without_patience_runs_every_epoch():
    model, result, after = _scripted_fit([0.1, 0.5, 0.4, 0.5, 0.3, 0.9], BestEpoch("val"))
    assert result.best_epoch == 6 and len(result.epochs) == 6 and not result.stopped_early
    assert model.p.item() == after[6] == 6.0


def test_last_epoch_keeps_the_final_weights_and_reports_its_score():
    model, result, after = _scripted_fit([0.9, 0.1, 0.2], LastEpoch("val"))
    assert result.best_epoch == 3 and result.best_score == 0.2 and model.p.item() == after[3] == 3.0


def test_rows_keep_the_chapters_curve_keys_in_order():
    _, result, _ = _scripted_fit([0.1, 0.2], LastEpoch())
    rows = result.rows()
    assert [list(r) for r in rows] == [["epoch", "train_loss", "val", "other", "seconds"]] * 2
    assert [r["epoch"] for r in rows] == [1, 2] and [r["val"] for r in rows] == [0.1, 0.2]
    assert [r["train_loss"] for r in rows] == [0.0, -1.0]  # -p before each epoch's one step raises p by 1
    assert all(r["seconds"] >= 0 for r in rows)


def test_on_epoch_sees_every_epoch():
    got = []
    fit(Scale(), X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.0), epochs=3, batch_size=1, seed=0,
        on_epoch=lambda e: got.append(e.epoch))
    assert got == [1, 2, 3]


def test_cosine_schedule_lowers_each_step_by_lr_factor():
    model = Scripted()  # gradient -1 each step: SGD raises p by the step's learning rate
    fit(model, np.zeros((4, 1, 1), np.float32), np.zeros(4), loss=column_loss(lambda out, y: -out.mean()),
        optimizer=sgd(0.1), epochs=2, batch_size=2, seed=0, lr_schedule="cosine")
    assert model.p.item() == pytest.approx(0.1 * sum(lr_factor(s, 4, "cosine") for s in range(4)), rel=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="schedule"):
        fit(Scale(), X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0,
            lr_schedule="linear")
    with pytest.raises(ValueError, match="evaluate"):
        fit(Scale(), X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0,
            select=BestEpoch("val"))


# --- predict ---------------------------------------------------------------------------------------


class TwoHeads(nn.Module):
    """``(batch, 2, 3)`` -> an object with ``log_probs`` ``(batch, 2)`` and ``attention`` ``(batch, 1, 3)``."""

    def __init__(self, attention: bool = True) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 2)
        self.bn = nn.BatchNorm1d(2)
        self.attention = attention

    def forward(self, x):
        logits = self.bn(self.fc(x.flatten(1)))
        att = torch.sigmoid(x[:, :1]) if self.attention else None
        return type("Out", (), {"log_probs": torch.log_softmax(logits, 1), "attention": att})()


def test_predict_returns_the_fields_asked_for_in_eval_mode_batch_by_batch():
    torch.manual_seed(0)
    model = TwoHeads().train()
    x = torch.randn(5, 2, 3)
    out = predict(model, x.numpy(), fields={"probs": probs_from_log_probs, "attention": first_channel("attention"),
                                            "log_probs": field("log_probs")}, batch_size=2)
    assert not model.training
    with torch.no_grad():
        ref = model(x)
    np.testing.assert_allclose(out["probs"], ref.log_probs.exp().numpy(), rtol=1e-6)
    np.testing.assert_allclose(out["probs"].sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(out["attention"], torch.sigmoid(x[:, 0]).numpy())
    assert {k: v.shape for k, v in out.items()} == {"probs": (5, 2), "attention": (5, 3), "log_probs": (5, 2)}
    assert all(v.dtype == np.float32 for v in out.values())


def test_predict_leaves_out_absent_fields_and_handles_empty_input():
    out = predict(TwoHeads(attention=False), np.zeros((3, 2, 3), np.float32),
                  fields={"probs": probs_from_log_probs, "attention": first_channel("attention")})
    assert set(out) == {"probs"}
    empty = predict(Scale(), np.zeros((0, 1, 1), np.float32), fields={"y": column(0)})
    assert empty["y"].shape == (0,) and empty["y"].dtype == np.float32


def test_predict_column_of_a_tensor_output():
    model = Scale(2.0)
    out = predict(model, np.array([[[1.0]], [[-3.0]], [[0.5]]], np.float32), fields={"y": column(0)}, batch_size=2)
    assert out["y"].tolist() == [2.0, -6.0, 1.0]


# --- bit-identity with the loops `fit` replaced ---------------------------------------------------------
# Literal copies of the epoch loops of train_classifier (ICLR), train_multilabel (xECGNet) and
# train_model (ECGradCAM) as they were before `fit`, on a small conv net with BatchNorm and dropout.


class Net(nn.Module):
    def __init__(self, n_out: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 5)
        self.bn = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(4, n_out)

    def forward(self, x):
        return self.fc(self.drop(torch.relu(self.bn(self.conv(x))).mean(-1)))


class LogSoftmaxNet(Net):
    def forward(self, x):
        return torch.log_softmax(super().forward(x), 1)


def _data(n=23, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2, 16)).astype(np.float32)
    return x, rng


def _old_iclr(model, x_train, y_train, x_eval, y_eval, *, epochs, lr, batch_size, class_weights, seed, schedule):
    gen = seed_everything(seed, threads=2)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.long)
    xe = torch.as_tensor(x_eval, dtype=torch.float32)
    ye = torch.as_tensor(y_eval, dtype=torch.long)
    weight = torch.tensor(class_weights, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = math.ceil(len(x) / batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, epochs * steps, schedule))
    rows = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        loss_sum, weight_sum = 0.0, 0.0
        for lo in range(0, len(x), batch_size):
            idx = order[lo:lo + batch_size]
            loss = F.nll_loss(model(x[idx]), y[idx], weight=weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            w = float(weight[y[idx]].sum())
            loss_sum += loss.item() * w
            weight_sum += w
        model.eval()
        total, correct, ls, ws = 0, 0, 0.0, 0.0
        bs = max(batch_size, 64)
        with torch.no_grad():
            for lo in range(0, len(xe), bs):
                logp = model(xe[lo:lo + bs])
                yb = ye[lo:lo + bs]
                wb = weight[yb]
                ls += float((F.nll_loss(logp, yb, reduction="none") * wb).sum())
                ws += float(wb.sum())
                correct += int((logp.argmax(1) == yb).sum())
                total += len(yb)
        rows.append({"epoch": epoch, "train_loss": loss_sum / max(weight_sum, 1e-12),
                     "eval_loss": ls / max(ws, 1e-12), "eval_accuracy": correct / max(total, 1)})
    return rows


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _strip(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def test_iclr_settings_reproduce_the_old_loop_bit_for_bit():
    from ecgstudy.training import TrainConfig, history_table, train_classifier

    x, rng = _data()
    y = rng.integers(0, 2, len(x))
    xe, _ = _data(70, seed=1)  # two evaluation batches of 64 and 6
    ye = np.arange(70) % 2
    seed_everything(3)
    init = LogSoftmaxNet(2)
    old_model, new_model = copy.deepcopy(init), copy.deepcopy(init)
    old = _old_iclr(old_model, x, y, xe, ye, epochs=3, lr=0.01, batch_size=5, class_weights=(7.0, 1.0), seed=3,
                    schedule="cosine")
    config = TrainConfig(epochs=3, lr=0.01, batch_size=5, class_weights=(7.0, 1.0), seed=3, lr_schedule="cosine")
    new = history_table(train_classifier(new_model, x, y, config, x_eval=xe, y_eval=ye))
    assert _strip(new) == old
    assert _same_state(_state(old_model), _state(new_model))


def _old_ecgradcam(model, x, y, x_eval, y_eval, *, epochs, lr, batch_size, schedule, binary, seed):
    gen = seed_everything(seed)
    loss_fn = F.binary_cross_entropy_with_logits if binary else F.mse_loss
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    ye = torch.as_tensor(y_eval, dtype=torch.float32)
    opt = torch.optim.NAdam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)
    steps = epochs * math.ceil(len(xt) / batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, schedule))
    curve = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for lo in range(0, len(xt), batch_size):
            idx = order[lo:lo + batch_size]
            loss = loss_fn(model(xt[idx])[:, 0], yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        out = []
        with torch.no_grad():
            for lo in range(0, len(x_eval), 64):
                out.append(model(torch.as_tensor(x_eval[lo:lo + 64], dtype=torch.float32))[:, 0].numpy())
        pred = np.concatenate(out).astype(np.float64)
        held = float(loss_fn(torch.as_tensor(pred, dtype=torch.float32), ye))
        curve.append({"epoch": epoch, "train_loss": total / len(xt), "heldout_loss": held})
    return curve


@pytest.mark.parametrize("binary", [False, True])
def test_ecgradcam_settings_reproduce_the_old_loop_bit_for_bit(binary):
    from ecgstudy.studies.ecgradcam.run import predict_output, train_model

    x, rng = _data()
    y = rng.integers(0, 2, len(x)).astype(float) if binary else rng.normal(size=len(x))
    xe, _ = _data(70, seed=1)
    ye = (np.arange(70) % 2).astype(float)
    seed_everything(4)
    init = Net(1)
    old_model, new_model = copy.deepcopy(init), copy.deepcopy(init)
    kw = dict(epochs=2, lr=0.002, batch_size=4, binary=binary, seed=4)
    old = _old_ecgradcam(old_model, x, y, xe, ye, schedule="constant", **kw)
    new = train_model(new_model, x, y, xe, ye, lr_schedule="constant", **kw)
    assert _strip(new) == old
    assert _same_state(_state(old_model), _state(new_model))
    assert predict_output(new_model, xe).dtype == np.float64


@dataclass(frozen=True)
class _Terms:
    total: torch.Tensor
    part: torch.Tensor


class _ProbsNet(Net):
    def forward(self, x):
        logits = super().forward(x)
        return type("Out", (), {"logits": logits, "probs": torch.sigmoid(logits)})()


def _ml_loss(out, y):
    bce = F.binary_cross_entropy_with_logits(out.logits, y)
    return _Terms(total=bce + 0.1 * out.probs.mean(), part=bce)


def _old_multilabel(model, x_train, y_train, x_val, y_val, *, max_epochs, patience, lr, batch_size, seed):
    from ecgstudy.metrics.multilabel import multilabel_metrics, predict_multilabel

    gen = seed_everything(seed, threads=2)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y_train), dtype=torch.float32)
    xv = torch.as_tensor(x_val, dtype=torch.float32)
    yv = np.asarray(y_val).astype(np.uint8)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = max_epochs * math.ceil(len(x) / batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, "constant"))
    rows, best_f1, best_epoch, best_state, waited = [], -1.0, 0, None, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        sums: dict[str, float] = {}
        for lo in range(0, len(x), batch_size):
            idx = order[lo:lo + batch_size]
            loss = _ml_loss(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.total.backward()
            opt.step()
            sched.step()
            for k in ("total", "part"):
                sums[k] = sums.get(k, 0.0) + float(getattr(loss, k).detach()) * len(idx)
        model.eval()
        with torch.no_grad():
            probs = np.concatenate([model(xv[lo:lo + 64]).probs.float().numpy() for lo in range(0, len(xv), 64)])
        m = multilabel_metrics(yv, predict_multilabel(probs), [str(k) for k in range(yv.shape[1])])
        f1 = float(m["micro_f1"])
        rows.append({"epoch": epoch, **{f"train_{k}": v / len(x) for k, v in sums.items()},
                     "val_micro_f1": f1, "val_subset_acc": float(m["subset_acc"])})
        if f1 > best_f1:
            best_f1, best_epoch, waited = f1, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return rows, best_epoch, best_f1


def _multilabel_data():
    """``(x, y, xv, yv)``: 23 training and 70 validation records ``(n, 2, 16)`` with 3 random labels."""
    x, rng = _data()
    y = (rng.random((len(x), 3)) < 0.4).astype(np.uint8)
    xv, _ = _data(70, seed=1)
    return x, y, xv, (np.random.default_rng(2).random((70, 3)) < 0.4).astype(np.uint8)


def test_multilabel_settings_reproduce_the_old_loop_bit_for_bit():
    from ecgstudy.training import MultiLabelConfig, train_multilabel

    x, y, xv, yv = _multilabel_data()
    seed_everything(5)
    init = _ProbsNet(3)
    old_model, new_model = copy.deepcopy(init), copy.deepcopy(init)
    old, best_epoch, best_f1 = _old_multilabel(old_model, x, y, xv, yv, max_epochs=6, patience=2, lr=0.05,
                                               batch_size=4, seed=5)
    config = MultiLabelConfig(max_epochs=6, patience=2, lr=0.05, batch_size=4, seed=5)
    hist = train_multilabel(new_model, x, y, xv, yv, config, loss_fn=_ml_loss)
    assert [{k: v for k, v in r.items() if k != "val_bce"} for r in _strip(hist.table())] == old
    assert (hist.best_epoch, hist.best_val_micro_f1) == (best_epoch, best_f1)
    assert _same_state(_state(old_model), _state(new_model))


def test_val_bce_selection_keeps_the_epoch_of_lowest_validation_cross_entropy_as_sklearn_scores_it():
    from sklearn.metrics import log_loss

    from ecgstudy.training import MultiLabelConfig, train_multilabel

    x, y, xv, yv = _multilabel_data()
    seed_everything(5)
    model = _ProbsNet(3)
    config = MultiLabelConfig(max_epochs=8, patience=3, lr=0.05, batch_size=4, seed=5, selection="val_bce")
    hist = train_multilabel(model, x, y, xv, yv, config, loss_fn=_ml_loss)
    rows = hist.table()
    bce = [r["val_bce"] for r in rows]
    assert hist.best_epoch == rows[int(np.argmin(bce))]["epoch"]
    kept = rows[hist.best_epoch - 1]
    assert hist.best_val_micro_f1 == kept["val_micro_f1"]  # the kept epoch's micro-F1, not its cross-entropy
    model.eval()
    with torch.no_grad():
        probs = model(torch.as_tensor(xv)).probs.numpy()
    assert kept["val_bce"] == pytest.approx(log_loss(yv.ravel(), probs.ravel().astype(np.float64)), abs=1e-6)


def test_batch_loss_is_a_plain_record():
    b = BatchLoss(torch.tensor(1.0), {"loss": torch.tensor(1.0)}, 2.0)
    assert b.weight == 2.0 and float(b.terms["loss"]) == 1.0


def test_best_epoch_in_min_mode_keeps_the_lowest_score_and_reports_it_unsigned():
    model, result, after = _scripted_fit([0.5, 0.2, 0.3, 0.2, 0.4, 0.1], BestEpoch("val", patience=3, mode="min"))
    assert result.best_epoch == 2 and result.best_score == 0.2  # epoch 4 only ties
    assert len(result.epochs) == 5 and result.stopped_early and model.p.item() == after[2]
    assert result.convergence() == {"best_epoch": 2, "last_epoch": 5, "stopped_by": "patience",
                                    "skipped_steps": 0}
    _, capped, _ = _scripted_fit([0.5, 0.4], BestEpoch("val", patience=3, mode="min"))
    assert capped.convergence() == {"best_epoch": 2, "last_epoch": 2, "stopped_by": "epoch_cap",
                                    "skipped_steps": 0}


def test_bf16_autocast_runs_the_forward_pass_in_bfloat16_and_keeps_float32_weights():
    seen = []

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def forward(self, x):
            out = self.fc(x[:, 0])
            seen.append(out.dtype)
            return out

    model = Probe()
    fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0,
        precision="bf16")
    assert set(seen) == {torch.bfloat16} and model.fc.weight.dtype == torch.float32
    seen.clear()
    fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0)
    assert set(seen) == {torch.float32}
    with pytest.raises(ValueError, match="precision"):
        fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0,
            precision="fp16")


def test_bf16_step_equals_the_step_on_bfloat16_rounded_inputs_and_weights():
    # one SGD step of a linear model under autocast: the matmul sees bf16-rounded x and w and accumulates in fp32
    torch.manual_seed(0)
    x = torch.randn(8, 1, 4)
    y = torch.randn(8)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1, bias=False))
    w0 = model[1].weight.detach().clone()
    fit(model, x, y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=8, seed=0,
        precision="bf16")
    xb, wb = x[:, 0].bfloat16().float(), w0.bfloat16().float()
    pred = (xb @ wb.T)[:, 0].bfloat16().float()
    grad_out = (2 * (pred - y) / len(y)).bfloat16().float()
    expected = w0 - 0.1 * (grad_out @ xb).bfloat16().float()
    fp32 = w0 - 0.1 * (2 * (x[:, 0] @ w0.T)[:, 0].sub(y) / len(y)) @ x[:, 0]
    assert torch.allclose(model[1].weight, expected[None], rtol=0, atol=1e-6)
    assert not torch.allclose(model[1].weight, fp32, rtol=0, atol=1e-5)  # the fp32 step differs


def test_a_bf16_batch_with_a_non_finite_gradient_is_skipped_and_counted():
    class Spiky(nn.Module):
        """``w x + sqrt(1.5 - w x)``: NaN on the batch holding x = 2 (sqrt of a negative number), finite on x = 1."""

        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.tensor(1.0))

        def forward(self, x):
            x = x[:, 0, 0]
            return (self.w * x + torch.sqrt(1.5 - self.w * x))[:, None]

    model = Spiky()
    result = fit(model, X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.01), epochs=1, batch_size=1, seed=0,
                 precision="bf16")
    assert result.skipped_steps == 1 and result.convergence()["skipped_steps"] == 1
    # only the x = 1 batch stepped, from w = 1: d/dw (w + sqrt(1.5 - w) - 3)^2 = 2 (sqrt(.5) - 2)(1 - .5 / sqrt(.5))
    grad = 2 * (math.sqrt(0.5) - 2) * (1 - 0.5 / math.sqrt(0.5))
    assert torch.isfinite(model.w) and model.w.item() == pytest.approx(1 - 0.01 * grad, abs=2e-3)
    assert abs(model.w.item() - 1) > 5e-3


def test_training_device_comes_from_the_environment_and_a_missing_gpu_is_refused(monkeypatch):
    from ecgstudy.training.loop import training_device

    monkeypatch.delenv("ECGSTUDY_DEVICE", raising=False)
    assert training_device() == torch.device("cpu")
    if not torch.cuda.is_available():
        monkeypatch.setenv("ECGSTUDY_DEVICE", "cuda")
        with pytest.raises(ValueError, match="ECGSTUDY_DEVICE=cuda: this torch build sees no CUDA device"):
            fit(Scale(), X, Y, loss=column_loss(F.mse_loss), optimizer=sgd(0.1), epochs=1, batch_size=2, seed=0)
