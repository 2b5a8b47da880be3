"""Training throughput of every model of the three chapters in float32 and under bf16 autocast, beside the
machine's matmul peak in the same precision (issue on converged models: the speed targets).

One training step = forward + the chapter's loss + backward + Adam step, on a batch of the chapter's shape:

* ICLR (4 methods): ``(16, 2, 2000)`` MIT-BIH segments, NLL loss;
* xECGNet: ``(32, 12, 1000)`` 100 Hz windows, 9 classes, pools (3, 3, 3, 1, 1), the paper's loss at gamma 0.01;
* ECGradCAM: KanResWide_X on ``(32, 8, 600)`` median beats (1.2 s at 500 Hz), MSE on one output; ``kanres+in32``
  the same with its first convolution in float32 under autocast (``fp32_input_conv``, the grid's bf16).

FLOPs per sample come from ``torch.utils.flop_counter.FlopCounterMode`` (convolutions and matmuls, forward +
backward). The peaks are the best of several 2048 x 2048 matmuls in float32 and in bfloat16, checked again
after each round. Models are timed round-robin (``--rounds`` rounds of ``--steps`` steps, fp32 and bf16 of one
model back to back) so that a disturbed period of a noisy machine hits everything alike; the table shows the
best round and the median. Targets on an AMX machine: fp32 >= 40 % of the fp32 peak; bf16 >= 3x the fp32 speed
of the same model. Without AMX (AVX2 only) bf16 does not pay, and the script says which the machine has.

    python benchmarks/bench_precision.py                  # every model, 2 threads
    python benchmarks/bench_precision.py --models l2 xecgnet --rounds 3
    python benchmarks/bench_precision.py --emulate-avx2   # as on an AVX2-only machine (oneDNN and ATen held
                                                          # to AVX2: ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_iclr_training import matmul_gflops  # noqa: E402

FP32_TARGET, BF16_SPEEDUP_TARGET = 0.40, 3.0


def _autocast(precision: str):
    return torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


class Case:
    """One model with its batch, loss and optimiser; :meth:`round` times ``steps`` training steps."""

    def __init__(self, name: str, build: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor,
                 loss: Callable[[object, torch.Tensor], torch.Tensor], precision: str) -> None:
        torch.manual_seed(0)
        self.name, self.precision = name, precision
        self.model, self.x, self.y, self.loss = build(), x, y, loss
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-4)
        self.rates: list[float] = []
        counter = FlopCounterMode(display=False)
        with counter:
            self.loss(self.model(x), y).backward()
        self.model.zero_grad(set_to_none=True)
        self.flops = counter.get_total_flops() / len(x)
        for _ in range(2):
            self.step()

    def step(self) -> None:
        self.opt.zero_grad(set_to_none=True)
        with _autocast(self.precision):
            value = self.loss(self.model(self.x), self.y)
        value.backward()
        self.opt.step()

    def round(self, steps: int) -> None:
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        self.rates.append(steps * len(self.x) / (time.perf_counter() - t0))


def cases(names: list[str], precision: str) -> list[Case]:
    from ecgstudy.losses.xecgnet import xecgnet_loss
    from ecgstudy.models import build_iclr_model
    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.models.xecgnet import XecgNet

    def nll(out, y):
        return nn.functional.nll_loss(out.log_probs.float(), y)

    out = []
    for name in names:
        if name in ("classifier", "cascaded", "max", "l2"):
            out.append(Case(name, lambda n=name: build_iclr_model(n, in_leads=2), torch.randn(16, 2, 2000),
                            torch.arange(16) % 2, nll, precision))
        elif name == "xecgnet":
            y = (torch.rand(32, 9) < 0.2).float()
            out.append(Case(name, lambda: XecgNet(in_leads=12, n_classes=9, pool_sizes=(3, 3, 3, 1, 1)),
                            torch.randn(32, 12, 1000), y,
                            lambda o, t: xecgnet_loss(o, t, gamma=0.01).total, precision))
        elif name in ("kanres", "kanres+in32"):  # +in32: the first convolution in float32 (the grid's bf16)
            out.append(Case(name, lambda n=name: KanResWideX(in_leads=8, n_outputs=1,
                                                             fp32_input_conv=n == "kanres+in32"),
                            torch.randn(32, 8, 600),
                            torch.randn(32, 1), lambda o, t: nn.functional.mse_loss(o.float(), t), precision))
    return out


MODELS = ["classifier", "cascaded", "max", "l2", "xecgnet", "kanres", "kanres+in32"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3, help="timed training steps per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=MODELS, choices=MODELS)
    ap.add_argument("--emulate-avx2", action="store_true", help="rerun this benchmark with oneDNN and ATen held "
                                                                 "to AVX2 (what an AVX2-only machine runs)")
    args = ap.parse_args()
    if args.emulate_avx2:
        env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
        argv = [a for a in sys.argv[1:] if a != "--emulate-avx2"]
        raise SystemExit(subprocess.call([sys.executable, __file__, *argv], env=env))
    torch.set_num_threads(args.threads)
    cpu = torch.backends.cpu.get_cpu_capability()
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "all")
    print(f"torch {torch.__version__}  threads={torch.get_num_threads()}  cpu capability={cpu}  oneDNN max ISA={isa}")
    peaks = {"fp32": [matmul_gflops(torch.float32)], "bf16": [matmul_gflops(torch.bfloat16)]}
    runs = {p: cases(args.models, p) for p in ("fp32", "bf16")}
    for _ in range(args.rounds):
        for i in range(len(args.models)):
            for p in ("fp32", "bf16"):
                runs[p][i].round(args.steps)
        peaks["fp32"].append(matmul_gflops(torch.float32))
        peaks["bf16"].append(matmul_gflops(torch.bfloat16))
    peak = {p: max(v) for p, v in peaks.items()}
    for p, v in peaks.items():
        print(f"matmul 2048 {p}: best {peak[p]:.0f} GFLOP/s (checks: {', '.join(f'{x:.0f}' for x in v)})")
    print(f"{args.rounds} rounds x {args.steps} steps; samples/s: best round (median)")
    print(f"{'model':<11} {'GFLOP/sample':>12} {'fp32 samples/s':>15} {'% fp32 peak':>11} {'bf16 samples/s':>15} "
          f"{'% bf16 peak':>11} {'bf16/fp32':>9}")
    for a, b in zip(runs["fp32"], runs["bf16"]):
        fa, fb = max(a.rates), max(b.rates)
        pa, pb = fa * a.flops / 1e9 / peak["fp32"], fb * b.flops / 1e9 / peak["bf16"]
        flags = ("" if pa >= FP32_TARGET else " fp32<40%") + ("" if fb / fa >= BF16_SPEEDUP_TARGET else " bf16<3x")
        print(f"{a.name:<11} {a.flops / 1e9:>12.3f} {fa:>8.1f} ({statistics.median(a.rates):>4.0f}) {pa:>10.1%} "
              f"{fb:>8.1f} ({statistics.median(b.rates):>4.0f}) {pb:>10.1%} {fb / fa:>8.2f}x{flags}")
    if any(min(v) < 0.8 * max(v) for v in peaks.values()):
        print("warning: the matmul checks disagree by > 20 %: the machine was disturbed; compare best and median")


if __name__ == "__main__":
    main()
