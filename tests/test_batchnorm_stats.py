"""Exact BatchNorm statistics (ecgstudy.training.batchnorm) and fit(bn_stats="exact")."""

import numpy as np
import pytest
import torch
from torch import nn

from ecgstudy.training import LastEpoch, column_loss, fit
from ecgstudy.training.batchnorm import has_batchnorm, recompute_bn_stats
from ecgstudy.training.optimisers import adam


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv1d(2, 3, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Conv1d(3, 1, 1), nn.BatchNorm1d(1),
                         nn.AdaptiveAvgPool1d(1), nn.Flatten())


def test_equal_batches_give_the_mean_over_rows_and_time_and_the_mean_of_batch_variances():
    net = _net()
    x = torch.randn(12, 2, 20, generator=torch.Generator().manual_seed(1)) * 3 + 1
    recompute_bn_stats(net, x, batch_size=4)
    with torch.no_grad():
        h = net[0](x)  # the first BatchNorm's input does not depend on any BatchNorm
    np.testing.assert_allclose(net[1].running_mean, h.mean(dim=(0, 2)), rtol=1e-5, atol=1e-6)
    batch_vars = torch.stack([h[i:i + 4].transpose(0, 1).reshape(3, -1).var(dim=1) for i in (0, 4, 8)])
    np.testing.assert_allclose(net[1].running_var, batch_vars.mean(dim=0), rtol=1e-5)
    assert net[1].num_batches_tracked == 3 and net[1].momentum == 0.1  # momentum restored


def test_agrees_with_torch_swa_update_bn_and_keeps_the_mode_and_the_weights():
    x = torch.randn(10, 2, 16, generator=torch.Generator().manual_seed(2))
    ours, ref = _net(), _net()
    weights = {k: v.clone() for k, v in ours.named_parameters()}
    ours.eval()
    recompute_bn_stats(ours, x, batch_size=5)
    torch.optim.swa_utils.update_bn([x[:5], x[5:]], ref)
    for a, b in zip(ours.modules(), ref.modules()):
        if isinstance(a, nn.BatchNorm1d):
            torch.testing.assert_close(a.running_mean, b.running_mean)
            torch.testing.assert_close(a.running_var, b.running_var)
    assert not ours.training
    for k, v in ours.named_parameters():
        torch.testing.assert_close(v, weights[k], rtol=0, atol=0)


def test_a_model_without_batchnorm_is_left_alone():
    lin = nn.Linear(3, 1)
    assert not has_batchnorm(lin) and has_batchnorm(_net())
    recompute_bn_stats(lin, torch.ones(4, 3))


def _fit(bn_stats: str, evaluate=None) -> tuple[nn.Module, object]:
    g = torch.Generator().manual_seed(3)
    x, y = torch.randn(40, 2, 20, generator=g) * 2, torch.randn(40, generator=g)
    net = _net()
    result = fit(net, x, y, loss=column_loss(torch.nn.functional.mse_loss), optimizer=adam(0.05), epochs=3,
                 batch_size=8, seed=0, evaluate=evaluate, select=LastEpoch(), bn_stats=bn_stats)
    return net, (x, result)


def test_fit_exact_trains_the_same_weights_and_leaves_the_exact_statistics():
    running, _ = _fit("running")
    exact, (x, result) = _fit("exact")
    for (k, a), b in zip(running.named_parameters(), exact.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)  # training is unchanged
    ref = _net()
    ref.load_state_dict(exact.state_dict())
    recompute_bn_stats(ref, x, batch_size=8)
    torch.testing.assert_close(exact[1].running_mean, ref[1].running_mean)
    assert not torch.allclose(running[1].running_mean, exact[1].running_mean)


def test_fit_exact_evaluates_after_the_recompute_and_rejects_an_unknown_mode():
    seen = []
    _fit("exact", evaluate=lambda m, e: seen.append(m[1].num_batches_tracked.item()) or {})
    assert seen == [5, 5, 5]  # 40 rows in batches of 8, recomputed before every evaluation
    with pytest.raises(ValueError, match="bn_stats"):
        _fit("precise")
