#!/usr/bin/env python3
"""Times `lockstep detect` on one dataset with each engine, in one run, for
BENCHMARKS.md: native, DataFusion embedded, and Ballista on a local
cluster of a scheduler and two executors (scripts/ballista-cluster.sh).

    scripts/bench_engines.py TARGET_DIR WORK_DIR ROWS [ROWS ...]

TARGET_DIR holds `lockstep` and `lockstep-ballista` built with
`--features scale-out`. For each size: simulate ROWS shares (seed 7),
ingest them, then run the three engines in turn three times and keep the
fastest of each: the whole `detect` and its co-action stage (summary.json
timings_ms: for DataFusion and Ballista the plan plus lockstep's
aggregation of the pairs it returns). Every run's edges.csv and pairs.csv
must equal native's, or the script stops.
"""

import filecmp
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import simulated_dataset  # noqa: E402


def run(*args, env=None):
    # The run summaries would bury the table.
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)


def main():
    target, work = sys.argv[1], sys.argv[2]
    binary = os.path.join(target, "lockstep")
    env = dict(os.environ, LOCKSTEP=binary, LOCKSTEP_BALLISTA=os.path.join(target, "lockstep-ballista"),
               TMPDIR=work)
    port = "50350"
    engines = [("native", "native"), ("datafusion", "datafusion"), ("ballista", f"ballista://127.0.0.1:{port}")]
    print("| rows | pairs | edges | engine | detect, total | co-action stage | total / native |")
    print("|---|---|---|---|---|---|---|")
    cluster = [os.path.join(HERE, "ballista-cluster.sh")]
    run(*cluster, "start", "-n", "2", "-p", port, env=env)
    try:
        for rows in map(int, sys.argv[3:]):
            case, ds = simulated_dataset(binary, work, rows)
            best = {name: (float("inf"), float("inf")) for name, _ in engines}
            for _ in range(3):
                for name, engine in engines:
                    out = os.path.join(case, name)
                    shutil.rmtree(out, ignore_errors=True)
                    t = time.perf_counter()
                    run(binary, "detect", ds, "--out", out, "--quiet", "--engine", engine, "--threads", "2")
                    total = time.perf_counter() - t
                    summary = json.load(open(os.path.join(out, "summary.json")))
                    stage = next(t["ms"] for t in summary["timings_ms"] if t["stage"] == "detecting") / 1e3
                    best[name] = (min(best[name][0], total), min(best[name][1], stage))
                    for f in ("edges.csv", "pairs.csv"):
                        native = os.path.join(case, "native", f)
                        if not filecmp.cmp(native, os.path.join(out, f), shallow=False):
                            sys.exit(f"{name}: {f} differs from native at {rows} rows")
            pairs = summary["detection"]["pairs"]
            edges = sum(1 for _ in open(os.path.join(case, "native", "edges.csv"))) - 1
            for name, _ in engines:
                total, stage = best[name]
                print(f"| {rows:,} | {pairs:,} | {edges:,} | {name} | {total:.2f} s | {stage:.2f} s | {total / best['native'][0]:.2f} |")
            shutil.rmtree(case)
    finally:
        run(*cluster, "stop", "-p", port, env=env)


if __name__ == "__main__":
    main()
