"""Time the MIT-BIH ICLR-segment preparation: cold (empty cache) and warm (cache hit).

Usage: ``python benchmarks/bench_mitdb_prepare.py [DATA_DIR]`` (default ``$ECGSTUDY_DATA``; its
mitdb folder is looked up with :func:`ecgstudy.data.registry.require_dataset`, as a run's data source does).
The cache goes to a fresh temporary ``ECGSTUDY_CACHE``, so the real cache is untouched.
Targets on 2 CPU cores: cold <= 5 s (read 48 records, hash ~100 MB, segment, save),
warm <= 0.5 s (stat the files, load the ``.npz``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

COLD_TARGET_S = 5.0
WARM_TARGET_S = 0.5


def main() -> int:
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECGSTUDY_DATA")
    if not data:
        print("no data directory: pass one or set ECGSTUDY_DATA")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ECGSTUDY_CACHE"] = tmp
        from ecgstudy.data.mitdb_cache import load_iclr_segments, mitdb_checksum
        from ecgstudy.data.registry import require_dataset

        folder = require_dataset("mitdb", Path(data))
        t0 = time.perf_counter()
        cold = load_iclr_segments(folder)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = load_iclr_segments(folder)
        t_warm = time.perf_counter() - t0
        assert len(cold) == len(warm)
        labels, counts = __import__("numpy").unique(warm.labels, return_counts=True)
        print(f"mitdb ICLR segments: {len(warm)} ({dict(zip(labels.tolist(), counts.tolist()))}),"
              f" data sha256 {mitdb_checksum(folder)[:16]}..., {os.cpu_count()} CPU cores")
        ok_cold, ok_warm = t_cold <= COLD_TARGET_S, t_warm <= WARM_TARGET_S
        print(f"cold preparation: {t_cold:6.2f} s  (target <= {COLD_TARGET_S} s) "
              f"{'OK' if ok_cold else 'SLOW'}")
        print(f"warm load:        {t_warm:6.2f} s  (target <= {WARM_TARGET_S} s) "
              f"{'OK' if ok_warm else 'SLOW'}")
    return 0 if ok_cold and ok_warm else 1


if __name__ == "__main__":
    sys.exit(main())
