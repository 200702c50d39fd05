#!/usr/bin/env python3
"""`lockstep sweep` on simulated worlds with ground truth: are the planted
operations' clusters stable across the grid and chance clusters not, and
does the sweep cost less than separate runs of its settings?

    python3 scripts/sweep_check.py LOCKSTEP WORK [SEED...]

For each seed (default 9), a world (`simulate --scenario mixed --accounts
2000 --days 14`) and its truth file are written to WORK. The sweep runs
twice: with the default (tested) rule and with `--rule naive`, whose
default thresholds also link organic accounts (chance clusters). Each
cluster is labelled by the truth: the campaign most of its accounts
belong to, else the role most of them have (organic, aggregator).
Printed: one row per cluster (label, size, campaign score, settings held,
mean overlap), then the cost: the sweep's wall time against the same
settings run one `detect` each (the naive rule's grid, best of two).
"""

import csv
import os
import shutil
import subprocess
import sys
import time
from collections import Counter

WINDOWS = [30, 60, 120, 300, 600]
WEIGHTS = [2, 4, 8]


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def labels(truth_path, accounts_path):
    truth = {r["account_id"]: r for r in csv.DictReader(open(truth_path, newline=""))}
    members = {}
    for r in csv.DictReader(open(accounts_path, newline="")):
        if r["cluster"]:
            members.setdefault(r["cluster"], []).append(r["account"])
    out = {}
    for c, accs in members.items():
        campaigns = Counter(truth[a]["campaign"] for a in accs if a in truth and truth[a]["campaign"])
        if campaigns and campaigns.most_common(1)[0][1] * 2 > len(accs):
            out[c] = "planted: " + campaigns.most_common(1)[0][0]
        else:
            roles = Counter(truth[a]["role"] if a in truth else "?" for a in accs)
            out[c] = roles.most_common(1)[0][0]
    return out


def table(lockstep, world, truth, out, extra):
    shutil.rmtree(out, ignore_errors=True)
    secs = run([lockstep, "sweep", world, "--out", out, "--quiet", *extra])
    lab = labels(truth, os.path.join(out, "accounts.csv"))
    scores = {r["cluster"]: float(r["score"]) for r in csv.DictReader(open(os.path.join(out, "campaigns.csv")))}
    rows = list(csv.DictReader(open(os.path.join(out, "stability.csv"))))
    print("| cluster | truth | accounts | score | held | mean overlap |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['cluster']} | {lab.get(r['cluster'], '?')} | {r['accounts']} | {scores[r['cluster']]:.1f} "
              f"| {r['held']} of {r['settings']} | {float(r['mean_overlap']):.2f} |")
    return secs


def main():
    lockstep, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    seeds = sys.argv[3:] or ["9"]
    os.makedirs(work, exist_ok=True)
    for seed in seeds:
        world = os.path.join(work, f"world-{seed}.jsonl")
        truth = os.path.join(work, f"truth-{seed}.csv")
        subprocess.run([lockstep, "simulate", "--scenario", "mixed", "--accounts", "2000", "--days", "14",
                        "--seed", seed, "--out", world, "--truth", truth], check=True,
                       stdout=subprocess.DEVNULL)
        for name, extra in [("default rule", []), ("--rule naive", ["--rule", "naive"])]:
            print(f"\n### seed {seed}, {name}\n")
            table(lockstep, world, truth, os.path.join(work, "sweep"), extra)
        # Cost: the naive grid as one sweep, and as one detect per setting.
        grid = ["--windows", ",".join(map(str, WINDOWS)), "--min-weights", ",".join(map(str, WEIGHTS))]
        out = os.path.join(work, "cost")
        best_sweep = best_separate = float("inf")
        for _ in range(2):
            shutil.rmtree(out, ignore_errors=True)
            best_sweep = min(best_sweep, run([lockstep, "sweep", world, "--out", out, "--quiet",
                                              "--rule", "naive", *grid]))
            total = 0.0
            for w in WINDOWS:
                for m in WEIGHTS:
                    shutil.rmtree(out, ignore_errors=True)
                    total += run([lockstep, "detect", world, "--out", out, "--quiet", "--rule", "naive",
                                  "--window", str(w), "--min-weight", str(m)])
            best_separate = min(best_separate, total)
        n = len(WINDOWS) * len(WEIGHTS)
        print(f"\ncost, {n} settings (--rule naive): sweep {best_sweep:.2f} s, "
              f"{n} separate detect runs {best_separate:.2f} s: {best_separate / best_sweep:.1f}x")


if __name__ == "__main__":
    main()
