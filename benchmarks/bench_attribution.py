"""Attribution throughput: ``ecgstudy.attribution.methods`` against captum called directly.

Each captum-backed method of the benchmark chapter explains the same ICLR L2-pooling model (random weights,
eval mode) on one batch of synthetic MIT-BIH segments, ``(16, leads, samples)`` float32, for class 1 (PVC),
twice: through ours (``Method(model).attribute(x, target=1)``: input checks, the score adapter, the model's
training flags and gradients left untouched) and through captum on the same score adapter with the same
arguments. Before timing, the script checks that the two maps are equal. After a warm-up, each of
``--rounds`` rounds times one call of each back to back, the order alternating from round to round (the
2-core machines are shared and noisy; pairing within a round keeps a slow period from landing on one side).
The table shows the median ms per batch of each and the median of the per-round ratios ours / captum
(target: at most 1.05, the contract costs no more than 5 %).

    python benchmarks/bench_attribution.py
    python benchmarks/bench_attribution.py --rounds 5 --batch 8
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import torch
from captum.attr import InputXGradient as CInputXGradient
from captum.attr import IntegratedGradients as CIntegratedGradients
from captum.attr import NoiseTunnel
from captum.attr import Occlusion as COcclusion
from captum.attr import Saliency as CSaliency

from ecgstudy.attribution.methods import (
    InputXGradient,
    IntegratedGradients,
    Occlusion,
    Saliency,
    SmoothGrad,
    adapt,
    ms_to_samples,
)
from ecgstudy.models import build_iclr_model
from ecgstudy.studies.iclr.data import load_segments

TARGET_RATIO = 1.05
FS = 360.0


def cases(model, x: torch.Tensor) -> dict[str, tuple[Callable[[], torch.Tensor], Callable[[], torch.Tensor]]]:
    """``{name: (ours, captum)}``: zero-argument calls returning the map of ``x`` for target 1."""
    scores = adapt(model).eval()
    target = torch.ones(x.shape[0], dtype=torch.long)
    zeros = torch.zeros_like(x)
    window = ms_to_samples(100.0, FS)
    ig, occ = IntegratedGradients(model, n_steps=32), Occlusion(model, fs=FS, window_ms=100.0)
    sal, ixg = Saliency(model), InputXGradient(model)
    sg = SmoothGrad(model, noise_sd=0.1, n_samples=8, seed=0)

    def captum_sg() -> torch.Tensor:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            return NoiseTunnel(CSaliency(scores)).attribute(x, nt_type="smoothgrad", nt_samples=8, stdevs=0.1,
                                                            target=target)

    def captum(fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
        def call() -> torch.Tensor:
            scores.max_target = 1
            try:
                return fn()
            finally:
                scores.max_target = None
        return call

    return {
        "saliency": (lambda: sal.attribute(x, target=1),
                     captum(lambda: CSaliency(scores).attribute(x, target=target, abs=True))),
        "input_x_gradient": (lambda: ixg.attribute(x, target=1),
                             captum(lambda: CInputXGradient(scores).attribute(x, target=target))),
        "integrated_gradients": (lambda: ig.attribute(x, target=1), captum(
            lambda: CIntegratedGradients(scores).attribute(x, baselines=zeros, target=target, n_steps=32,
                                                           method="gausslegendre"))),
        "smoothgrad": (lambda: sg.attribute(x, target=1), captum(captum_sg)),
        "occlusion": (lambda: occ.attribute(x, target=1), captum(
            lambda: COcclusion(scores).attribute(x, sliding_window_shapes=(x.shape[1], window),
                                                 strides=(1, window), baselines=zeros, target=target,
                                                 perturbations_per_eval=16))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="method names (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=UserWarning)  # captum's notes on inputs that need gradients

    segments = load_segments("synthetic", n_synthetic=max(args.batch, 20))
    x = torch.as_tensor(segments.signals[: args.batch], dtype=torch.float32)
    torch.manual_seed(0)
    model = build_iclr_model("l2", in_leads=x.shape[1]).eval()
    print(f"ICLR L2 pooling model (random weights), batch {tuple(x.shape)}, {args.threads} threads, "
          f"{args.rounds} rounds")
    print(f"{'method':<22} {'ours ms':>9} {'captum ms':>10} {'ours/captum':>12}  max |diff|")
    worst = 0.0
    for name, (ours, theirs) in cases(model, x).items():
        if args.only and name not in args.only:
            continue
        a, b = ours(), theirs()  # warm-up and the check that both compute the same map
        diff = float((a - b).detach().abs().max())
        if diff > 1e-5 * max(1.0, float(b.detach().abs().max())):
            raise SystemExit(f"{name}: ours and captum's maps differ by {diff:.3g}")
        t_ours, t_cap, ratios = [], [], []
        for r in range(args.rounds):
            pair = [("ours", ours), ("captum", theirs)]
            times = {}
            for who, fn in (pair if r % 2 == 0 else pair[::-1]):
                t0 = time.perf_counter()
                fn()
                times[who] = time.perf_counter() - t0
            t_ours.append(times["ours"])
            t_cap.append(times["captum"])
            ratios.append(times["ours"] / times["captum"])
        ratio = statistics.median(ratios)
        worst = max(worst, ratio)
        print(f"{name:<22} {1e3 * statistics.median(t_ours):>9.1f} {1e3 * statistics.median(t_cap):>10.1f} "
              f"{ratio:>12.3f}  {diff:.1e}")
    print(f"worst ratio {worst:.3f} (target <= {TARGET_RATIO}): {'met' if worst <= TARGET_RATIO else 'NOT met'}")


if __name__ == "__main__":
    main()
