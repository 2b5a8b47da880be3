"""Grad-CAM on CPU: ecgstudy's ``GradCAM`` against captum's ``LayerGradCam``.

Both explain the same KanResWide_X (random weights, eval mode) on one batch of 32 median beats,
``(32, 8, 600)`` float32, for output 0. Each one computes the layer map with the ReLU and
upsamples it linearly to 600 samples. Ours then repeats the map on the 8 leads, which makes it
``(32, 8, 600)``; captum's is ``LayerAttribution.interpolate(..., interpolate_mode="linear")``,
``(32, 1, 600)``. Before timing, the script checks that the two maps agree. After a warm-up,
each of ``--rounds`` rounds times ``--calls`` calls of each method back to back, and the order
alternates from round to round. The table shows the median and best ms per batch. The ratio
captum / ours (target: >= 1, ours at least as fast) is the median of the per-round ratios,
alongside the ratio of the best times.

The 2-core VM this was written on is shared with a training process, and a whole forward pass
took 0.5 s in one period and 2.2 s in the next. Pairing the calls round by round keeps such
slow periods from landing on one method only.

    python benchmarks/bench_gradcam.py                       # last residual addition ("Last Add")
    python benchmarks/bench_gradcam.py --layer conv --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from captum.attr import LayerAttribution, LayerGradCam
from torch import nn

from ecgstudy.attribution import GradCAM
from ecgstudy.models import KanResWideX

BATCH, LEADS, SAMPLES = 32, 8, 600


def layer_of(model: KanResWideX, name: str) -> nn.Module:
    return {"add": model.blocks[-1], "conv": model.blocks[-1].conv2, "block3": model.blocks[3]}[name]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layer", choices=["add", "conv", "block3"], default="add",
                    help="last residual addition, last convolution, or the 4th residual module")
    ap.add_argument("--calls", type=int, default=1, help="timed calls per method and round")
    ap.add_argument("--rounds", type=int, default=15, help="timed rounds")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = KanResWideX(in_leads=LEADS).eval()
    layer = layer_of(model, args.layer)
    x = torch.randn(BATCH, LEADS, SAMPLES)

    ours = GradCAM(model, layer, interpolate="linear")
    captum = LayerGradCam(model, layer)

    def run_ours() -> torch.Tensor:
        return ours.attribute(x, 0)

    def run_captum() -> torch.Tensor:
        m = captum.attribute(x, 0, relu_attributions=True)
        return LayerAttribution.interpolate(m, SAMPLES, interpolate_mode="linear")

    a, b = run_ours(), run_captum()  # warm-up, and the check that both compute the same map
    diff = (a - b.expand_as(a)).abs().max().item() / max(b.abs().max().item(), 1e-30)
    methods: dict[str, Callable[[], torch.Tensor]] = {"ecgstudy": run_ours, "captum": run_captum}
    for f in methods.values():
        f()
    times: dict[str, list[float]] = {name: [] for name in methods}
    order = list(methods)
    for r in range(args.rounds):
        for name in order if r % 2 == 0 else order[::-1]:  # alternate who goes first
            t0 = time.perf_counter()
            for _ in range(args.calls):
                methods[name]()
            times[name].append((time.perf_counter() - t0) / args.calls * 1e3)
    ratios = [c / o for c, o in zip(times["captum"], times["ecgstudy"])]

    cpu = torch.backends.cpu.get_cpu_capability()
    print(f"torch {torch.__version__}  threads={torch.get_num_threads()}  cpu={cpu}")
    print(f"KanResWide_X, layer {args.layer!r}, batch ({BATCH}, {LEADS}, {SAMPLES}), linear upsampling;"
          f" max |ours - captum| / max |captum| = {diff:.1e}")
    print(f"{args.rounds} rounds x {args.calls} call(s) per method, alternating")
    print(f"{'method':<10} {'median ms':>10} {'best ms':>9}")
    for name, t in times.items():
        print(f"{name:<10} {statistics.median(t):>10.1f} {min(t):>9.1f}")
    ratio = statistics.median(ratios)
    verdict = "" if ratio >= 1 else "  (ours slower: below target)"
    print(f"captum / ecgstudy: median of per-round ratios {ratio:.2f}"
          f" (range {min(ratios):.2f}-{max(ratios):.2f}); ratio of best times"
          f" {min(times['captum']) / min(times['ecgstudy']):.2f}{verdict}")

if __name__ == "__main__":
    main()
