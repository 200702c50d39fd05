#!/usr/bin/env python3
"""The SQL plan of `lockstep export-sql` against lockstep's own detection,
on DuckDB: for each case, ingest an input into a dataset, run `lockstep
detect` on it, write the plan with the same parameters, run the plan in
DuckDB, and compare every edge (accounts, weight, pair rows, objects, mean
delta, layers, distinct contents on each side, fast weight) and the
multiset of evidence pairs (layer, object, both accounts, both posts).

    scripts/sql_equivalence.py LOCKSTEP_BINARY WORK_DIR

Needs the `duckdb` Python package (`.ci/run` installs it with pip).
"""

import csv
import os
import shutil
import subprocess
import sys
from collections import Counter

import duckdb

REPEAT_BEGIN = "-- repeat: until the next statement deletes no row"
REPEAT_END = "-- end repeat"


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "LOCKSTEP_NO_PROGRESS": "1"})


def statements(text):
    return [s.strip() for s in text.split(";\n") if s.strip() and not all(
        line.startswith("--") or not line.strip() for line in s.strip().splitlines())]


def run_plan(path):
    """Runs the script, repeating the marked statement to its fixed point."""
    text = open(path, encoding="utf-8").read()
    con = duckdb.connect()
    rounds = 0
    while text:
        before, sep, rest = text.partition(REPEAT_BEGIN)
        for s in statements(before):
            con.execute(s)
        if not sep:
            break
        block, _, text = rest.partition(REPEAT_END)
        (stmt,) = statements(block)
        while True:
            rounds += 1
            deleted = con.execute(stmt).fetchone()[0]
            if deleted == 0:
                break
    return rounds


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


EDGE_FIELDS = ["account_a", "account_b", "weight", "pair_rows", "objects", "layers",
               "n_content_id", "n_content_id_y", "fast_weight"]
PAIR_FIELDS = ["layer", "object", "account_a", "account_b", "content_a", "content_b"]


def compare(name, native_dir, sql_dir):
    native = read_rows(os.path.join(native_dir, "edges.csv"))
    sql = read_rows(os.path.join(sql_dir, "edges.csv"))
    if len(native) != len(sql):
        raise SystemExit(f"{name}: {len(native)} native edges, {len(sql)} from SQL")
    for k, (n, s) in enumerate(zip(native, sql)):
        for f in EDGE_FIELDS:
            if str(n[f]) != str(s[f]):
                raise SystemExit(f"{name}: edge {k} field {f}: native {n[f]!r}, SQL {s[f]!r}\n{n}\n{s}")
        if abs(float(n["mean_delta_s"]) - float(s["mean_delta_s"])) > 1e-6:
            raise SystemExit(f"{name}: edge {k} mean_delta_s {n['mean_delta_s']} vs {s['mean_delta_s']}")
    native_pairs = Counter(tuple(r[f] for f in PAIR_FIELDS) for r in read_rows(os.path.join(native_dir, "pairs.csv")))
    sql_pairs = Counter(tuple(r[f] for f in PAIR_FIELDS) for r in read_rows(os.path.join(sql_dir, "pairs.csv")))
    if native_pairs != sql_pairs:
        only_n = list((native_pairs - sql_pairs).items())[:3]
        only_s = list((sql_pairs - native_pairs).items())[:3]
        raise SystemExit(f"{name}: pairs differ; native only {only_n}; SQL only {only_s}")
    return len(native), sum(native_pairs.values())


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sim = os.path.join(work, "sim.csv")
    run(binary, "simulate", "--rows", "60000", "--groups", "6", "--seed", "5", "--out", sim, "--quiet")
    # Few objects: every object is shared by many accounts, many times a
    # minute (the skew that breaks an object-only join).
    skew = os.path.join(work, "skew.csv")
    run(binary, "simulate", "--rows", "40000", "--objects", "300", "--groups", "4", "--seed", "6",
        "--out", skew, "--quiet")
    russian = "examples/data/russian_coord_tweets.csv"
    cases = [
        ("simulated, defaults", sim, []),
        ("simulated, 5 min window, fast 10 s, dedup", sim, ["--window", "300", "--fast-window", "10", "--dedup"]),
        ("skewed objects, 20 s window", skew, ["--window", "20"]),
        ("skewed objects, loops kept, participation 1", skew, ["--window", "20", "--keep-loops", "--min-participation", "1"]),
        ("CooRTweet's Russian tweets", russian, []),
        ("CooRTweet's Russian tweets, 10 min window, participation 3", russian, ["--window", "600", "--min-participation", "3"]),
    ]
    for k, (name, source, flags) in enumerate(cases):
        case = os.path.join(work, f"case{k}")
        ds, native, sql_out = (os.path.join(case, d) for d in ("dataset", "native", "sql"))
        os.makedirs(sql_out)
        run(binary, "ingest", source, "--out", ds, "--quiet")
        # The plan pairs at one window and writes every pair and edge.
        run(binary, "detect", ds, "--out", native, "--raw-csv", "--all-pairs", "--all-edges",
            "--slow-window", "0", "--quiet", *flags)
        plan = os.path.join(case, "plan.sql")
        run(binary, "export-sql", ds, "--out", plan, "--results", sql_out, *flags)
        rounds = run_plan(plan)
        edges, pairs = compare(name, native, sql_out)
        print(f"ok: {name}: {edges} edges and {pairs} pairs identical ({rounds} participation rounds)")


if __name__ == "__main__":
    main()
