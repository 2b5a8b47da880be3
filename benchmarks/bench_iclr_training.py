"""Training throughput of the ICLR 2021 (Hu et al.) models on CPU, against the matmul peak.

One training step = forward + NLL loss + backward + Adam step on a batch of 16 MIT-BIH-sized
segments, ``(16, 2, 2000)`` float32. For each method the model's FLOPs per training sample
are counted with ``torch.utils.flop_counter.FlopCounterMode`` on one forward+backward
(convolutions and matmuls only), so ``achieved GFLOP/s = FLOPs/sample x samples/s``; the
peak is the best of several 2048x2048 float32 ``torch.matmul`` (MKL), taken after a warm-up
and again after each round (the best of all checks). Target: >= 40 % of peak.

The 2-core VM this was written on is noisy (host contention: the same run varied by up to
4x, and a 2048 matmul between about 90 and 190 GFLOP/s), so the methods are timed
round-robin in ``--rounds`` rounds of ``--steps`` steps and the table shows each method's
best round (what the hardware does when not disturbed) and its median.

    python benchmarks/bench_iclr_training.py                 # 2 threads, all 4 methods
    python benchmarks/bench_iclr_training.py --threads 1 --steps 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ecgstudy.models import METHODS, build_iclr_model

BATCH, LEADS, SAMPLES = 16, 2, 2000
TARGET = 0.40


def matmul_gflops(dtype: torch.dtype = torch.float32, n: int = 2048, repeats: int = 10,
                  warmup_s: float = 0.0) -> float:
    """Best-of-``repeats`` GFLOP/s of an ``n x n`` matmul in ``dtype``, after ``warmup_s`` of matmuls."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    torch.matmul(a, b)
    t_end = time.perf_counter() + warmup_s
    while time.perf_counter() < t_end:
        torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def train_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    nn.functional.nll_loss(model(x).log_probs, y).backward()
    opt.step()


def flops_per_sample(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Forward + backward FLOPs (convolutions and matmuls) per sample."""
    counter = FlopCounterMode(display=False)
    with counter:
        nn.functional.nll_loss(model(x).log_probs, y).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / x.shape[0]


class Bench:
    """One method's model, optimiser and batch, warmed up; :meth:`round` times ``steps`` steps."""

    def __init__(self, method: str, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.model = build_iclr_model(method, in_leads=LEADS)  # type: ignore[arg-type]
        self.x, self.y = torch.randn(BATCH, LEADS, SAMPLES), torch.arange(BATCH) % 2
        self.flops = flops_per_sample(self.model, self.x, self.y)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-5)
        self.rates: list[float] = []
        for _ in range(2):
            train_step(self.model, self.opt, self.x, self.y)

    def round(self, steps: int) -> None:
        t0 = time.perf_counter()
        for _ in range(steps):
            train_step(self.model, self.opt, self.x, self.y)
        self.rates.append(steps * BATCH / (time.perf_counter() - t0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5, help="timed training steps per round")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds per method")
    ap.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    peaks = [matmul_gflops(warmup_s=3.0)]  # the VM runs slower until it has been busy for a while
    print(f"torch {torch.__version__}  threads={torch.get_num_threads()}  mkldnn={torch.backends.mkldnn.is_available()}"
          f"  cpu={torch.backends.cpu.get_cpu_capability()}")
    benches = {m: Bench(m) for m in args.methods}
    for _ in range(args.rounds):  # round-robin, so a disturbed period does not hit one method only
        for b in benches.values():
            b.round(args.steps)
        peaks.append(matmul_gflops())
    peak = max(peaks)
    print(f"matmul 2048x2048 float32: best {peak:.1f} GFLOP/s (per check: {', '.join(f'{p:.0f}' for p in peaks)});"
          f" target >= {TARGET:.0%} = {TARGET * peak:.1f} GFLOP/s")
    print(f"batch ({BATCH}, {LEADS}, {SAMPLES}), forward+backward+Adam, {args.rounds} rounds x {args.steps} steps")
    print(f"{'method':<11} {'GFLOP/sample':>13} {'samples/s':>10} {'(median)':>9} {'GFLOP/s':>9} {'% peak':>7}")
    for method, b in benches.items():
        rates, flops = b.rates, b.flops
        best = max(rates)
        achieved = best * flops / 1e9
        verdict = "" if achieved >= TARGET * peak else "  below target"
        print(f"{method:<11} {flops / 1e9:>13.3f} {best:>10.1f} {statistics.median(rates):>9.1f} "
              f"{achieved:>9.1f} {achieved / peak:>6.1%}{verdict}")
    if min(peaks) < 0.8 * peak:
        print("warning: the matmul checks disagree by > 20 %: the machine was disturbed during this run;"
              " compare the best and median columns, or run again")


if __name__ == "__main__":
    main()
