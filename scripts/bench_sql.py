#!/usr/bin/env python3
"""Times `lockstep detect` on a dataset against the `export-sql` plan on
DuckDB over the same dataset, in one run, for BENCHMARKS.md.

    scripts/bench_sql.py LOCKSTEP_BINARY WORK_DIR ROWS [ROWS ...]

For each size: simulate ROWS shares (default planted groups), ingest them,
then alternate native and DuckDB three times each and keep the fastest of
each. Native time is the whole `detect` (read the dataset, every stage,
every output file) and its co-action stage alone (summary.json
timings_ms); the DuckDB time is the whole script (read Parquet, join,
participation rounds, write edges.csv and pairs.csv).
"""

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_common import simulated_dataset  # noqa: E402
from sql_equivalence import run, run_plan  # noqa: E402


def main():
    binary, work = sys.argv[1], sys.argv[2]
    print("| rows | pairs | edges | native detect, total | native co-action stage | DuckDB plan | DuckDB / native total |")
    print("|---|---|---|---|---|---|---|")
    for rows in map(int, sys.argv[3:]):
        case, ds = simulated_dataset(binary, work, rows)
        plan = os.path.join(case, "plan.sql")
        sql_out = os.path.join(case, "sql")
        run(binary, "export-sql", ds, "--out", plan, "--results", sql_out)
        native, stage, duck = [], [], []
        for _ in range(3):
            out = os.path.join(case, "native")
            t = time.perf_counter()
            run(binary, "detect", ds, "--out", out, "--quiet")
            native.append(time.perf_counter() - t)
            summary = json.load(open(os.path.join(out, "summary.json")))
            stage.append(next(t["ms"] for t in summary["timings_ms"] if t["stage"] == "detecting") / 1e3)
            shutil.rmtree(sql_out, ignore_errors=True)
            os.makedirs(sql_out)
            t = time.perf_counter()
            run_plan(plan)
            duck.append(time.perf_counter() - t)
        pairs = summary["detection"]["pairs"]
        edges = sum(1 for _ in open(os.path.join(out, "edges.csv"))) - 1
        print(f"| {rows:,} | {pairs:,} | {edges:,} | {min(native):.2f} s | {min(stage):.2f} s | {min(duck):.2f} s | {min(duck) / min(native):.2f} |")
        shutil.rmtree(case)


if __name__ == "__main__":
    main()
