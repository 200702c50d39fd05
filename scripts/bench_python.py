#!/usr/bin/env python3
"""lockstep.detect on a DataFrame against the CLI on the same rows as CSV,
alternating, in one script (BENCHMARKS.md, "Typed frames, Parquet and
Python").

Usage: bench_python.py SHARES_CSV LOCKSTEP_BINARY REPETITIONS
(with the package installed: pip install ./crates/lockstep-python[test])
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import pyarrow.csv as pacsv

import lockstep

csv, cli, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = time.time()
table = pacsv.read_csv(csv)           # as a notebook would hold it
df = table.to_pandas()
print(f"loaded {len(df):,} rows in {time.time()-t:.1f} s; dtypes {dict(df.dtypes.astype(str))}", flush=True)
for rep in range(reps):
    with tempfile.TemporaryDirectory() as out:
        t = time.time()
        subprocess.run([cli, "detect", csv, "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
        cli_s = time.time() - t
        s = json.load(open(os.path.join(out, "summary.json")))
        stages = {x["stage"]: x["ms"] / 1e3 for x in s["timings_ms"]}
    t = time.time()
    run = lockstep.detect(df, progress=False)
    py_s = time.time() - t
    ps = {x["stage"]: x["ms"] / 1e3 for x in run.summary["timings_ms"]}
    t = time.time()
    pa_t = lockstep.detect(table, progress=False)
    arrow_s = time.time() - t
    same = run.summary["detection"] == s["detection"]
    print(f"rep {rep}: CLI {cli_s:.2f} s (reading {stages['reading']:.2f}, writing {stages.get('writing', 0):.2f}); "
          f"pandas DataFrame {py_s:.2f} s (reading {ps['reading']:.2f}) = {py_s/cli_s:.2f}x; "
          f"pyarrow Table {arrow_s:.2f} s = {arrow_s/cli_s:.2f}x; same detection: {same}", flush=True)
