"""Speed of the synthetic generator: 10-second 12-lead 500 Hz records per second.

Target: 10,000 records in under 60 s on 2 cores. The 10,000 are generated in chunks of
1,000 (``offset=``, so they are the same records one big call would give) and discarded,
so memory stays bounded (about 240 MB per chunk).

    python benchmarks/bench_synthetic.py                 # cpsc-like, n_jobs 1 and all cores
    python benchmarks/bench_synthetic.py --generator measurement --jobs 2
"""

from __future__ import annotations

import argparse
import os
import time

from ecgstudy.synthetic import cpsc_like_records, measurement_records

TARGET_RECORDS = 10_000
TARGET_SECONDS = 60.0
CHUNK = 1_000


def run(generator: str, n: int, n_jobs: int, seed: int = 0) -> float:
    """Seconds to generate ``n`` records in chunks of :data:`CHUNK`."""
    make = {"cpsc": cpsc_like_records, "measurement": measurement_records}[generator]
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        rs = make(min(CHUNK, n - start), seed=seed, offset=start, n_jobs=n_jobs)
        assert rs.signals.shape[1:] == (12, 5000)
        del rs
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", choices=("cpsc", "measurement"), default="cpsc")
    ap.add_argument("--jobs", type=int, nargs="*", default=None,
                    help="worker counts to time (default: 1 and os.cpu_count())")
    args = ap.parse_args()
    jobs = args.jobs or sorted({1, os.cpu_count() or 1})
    print(f"generator={args.generator}  records: 10 s, 12 leads, 500 Hz, noise on  cores={os.cpu_count()}")
    print(f"target: {TARGET_RECORDS} records in < {TARGET_SECONDS:.0f} s "
          f"(>= {TARGET_RECORDS / TARGET_SECONDS:.0f} records/s)")
    run(args.generator, 64, 1)  # warm-up (imports, caches)
    for n_jobs in jobs:
        for n in (1_000, TARGET_RECORDS):
            sec = run(args.generator, n, n_jobs)
            verdict = ""
            if n == TARGET_RECORDS:
                verdict = "  PASS" if sec < TARGET_SECONDS else "  MISS"
            print(f"n_jobs={n_jobs}  {n:>6} records  {sec:7.2f} s  {n / sec:8.1f} records/s{verdict}")


if __name__ == "__main__":
    main()
