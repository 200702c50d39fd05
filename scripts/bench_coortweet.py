#!/usr/bin/env python3
"""lockstep against CooRTweet in CPU time, one script, same input, same
machine (issue 17's target: CooRTweet's own data x3, >= 1,000x in CPU time
with identical edges; BENCHMARKS.md, "Against CooRTweet").

    python3 scripts/bench_coortweet.py LOCKSTEP_BINARY COORTWEET_SOURCE WORK_DIR [COPIES] [RUNS]

COORTWEET_SOURCE is a checkout of https://github.com/nicolarighetti/CooRTweet
(2.1.3 was measured). Only its R sources for the detection are used:
`R/detect_groups.R`, `R/calc_group_combinations.R` and
`R/generate_coordinated_network.R`, which need the R packages data.table
and igraph (Debian: r-base-core, r-cran-data.table, r-cran-igraph). The
package's other imports (tidytable, RcppSimdJson, lubridate, stringi) serve
its loaders, not this path, so the package itself is not installed.

The input is CooRTweet's Russian sample (`examples/data/russian_coord_tweets.csv`)
COPIES times (default 3), each copy's object and content ids suffixed with
its number: the copies share their accounts but no object, so each edge's
weight is COPIES times the sample's. Both tools run CooRTweet's vignette
settings: a 60 s window, participation of at least 2, the 0.5 quantile.

CooRTweet's CPU time is that of `detect_groups` plus
`generate_coordinated_network` inside R (`proc.time()`; R's start, loading
data.table and igraph and reading the CSV are left out, in its favour).
lockstep's is the whole process (user + system of the child, all threads):
reading, detecting, the network, campaigns and writing every file. Each is
the best of RUNS (default 3), the two tools alternating. The edges (account
pair, weight, mean time delta, content counts and symmetry score) must be
identical.
"""

import csv
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "examples", "data", "russian_coord_tweets.csv")
WINDOW = 60
MIN_PARTICIPATION = 2
EDGE_WEIGHT = 0.5

R_DRIVER = r"""
suppressPackageStartupMessages({ library(data.table); library(igraph) })
args <- commandArgs(trailingOnly = TRUE)
src <- args[1]; input <- args[2]; out <- args[3]
for (f in c("detect_groups.R", "calc_group_combinations.R", "generate_coordinated_network.R"))
  source(file.path(src, "R", f))
x <- fread(input, colClasses = c(object_id = "character", account_id = "character",
                                 content_id = "character", timestamp_share = "numeric"))
t0 <- proc.time()
result <- detect_groups(x, time_window = %(window)d, min_participation = %(min)d)
g <- generate_coordinated_network(result, edge_weight = %(edge_weight)s)
t1 <- proc.time()
e <- igraph::as_data_frame(g, what = "edges")
fwrite(e, out)
d <- t1 - t0
cat(sprintf("cpu %%.3f wall %%.3f pairs %%d edges %%d\n",
            d[["user.self"]] + d[["sys.self"]], d[["elapsed"]], nrow(result), nrow(e)))
""" % {"window": WINDOW, "min": MIN_PARTICIPATION, "edge_weight": EDGE_WEIGHT}


def write_copies(path, n):
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        for c in range(n):
            for r in rows:
                r = dict(r)
                r["object_id"] += "-%d" % c
                r["content_id"] += "-%d" % c
                w.writerow(r)
    return len(rows) * n


def child_cpu(cmd):
    """Runs cmd; its user + system CPU seconds and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit("%s failed:\n%s" % (cmd[0], done.stderr))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def edges_of(path, a, b, weight, delta, n1, n2, sym):
    """Edges keyed by the unordered account pair (igraph writes an edge's
    ends in its vertex order). The content counts stay: they count the
    older and the newer share of each act, whichever account made it."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[tuple(sorted((r[a], r[b])))] = (int(r[weight]), round(float(r[delta]), 6), int(r[n1]),
                           int(r[n2]), round(float(r[sym]), 6))
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    lockstep = os.path.abspath(sys.argv[1])
    source = os.path.abspath(sys.argv[2])
    work = os.path.abspath(sys.argv[3])
    copies = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "russian_x%d.csv" % copies)
    rows = write_copies(data, copies)
    driver = os.path.join(work, "coortweet.R")
    with open(driver, "w") as f:
        f.write(R_DRIVER)
    r_edges = os.path.join(work, "coortweet_edges.csv")
    out = os.path.join(work, "lockstep_out")
    ours, theirs = [], []
    for _ in range(runs):
        _, _, said = child_cpu(["Rscript", driver, source, data, r_edges])
        fields = said.split()
        theirs.append(float(fields[1]))
        shutil.rmtree(out, ignore_errors=True)
        cpu, wall, _ = child_cpu([lockstep, "detect", data, "--out", out, "--quiet",
                                  "--semantics", "coortweet", "--window", str(WINDOW),
                                  "--min-participation", str(MIN_PARTICIPATION),
                                  "--edge-weight", str(EDGE_WEIGHT)])
        ours.append((cpu, wall))
        print("run: CooRTweet %s | lockstep cpu %.3f s wall %.3f s" % (said.strip(), cpu, wall),
              flush=True)
    theirs_e = edges_of(r_edges, "from", "to", "weight", "avg_time_delta", "n_content_id",
                        "n_content_id_y", "edge_symmetry_score")
    ours_e = edges_of(os.path.join(out, "edges.csv"), "account_a", "account_b", "weight",
                      "mean_delta_s", "n_content_id", "n_content_id_y", "edge_symmetry_score")
    same = theirs_e == ours_e
    best_theirs = min(theirs)
    best_ours = min(c for c, _ in ours)
    print("%d rows (%d copies): %d edges, identical: %s" % (rows, copies, len(theirs_e), same))
    print("CooRTweet cpu %.3f s; lockstep cpu %.3f s (wall %.3f s); ratio %.0fx"
          % (best_theirs, best_ours, min(w for _, w in ours), best_theirs / best_ours))
    if not same:
        only_r = set(theirs_e) - set(ours_e)
        only_l = set(ours_e) - set(theirs_e)
        differ = [k for k in set(theirs_e) & set(ours_e) if theirs_e[k] != ours_e[k]]
        print("only CooRTweet: %d, only lockstep: %d, differing: %d (e.g. %s)"
              % (len(only_r), len(only_l), len(differ),
                 [(k, theirs_e[k], ours_e[k]) for k in differ[:3]]))
        sys.exit(1)


if __name__ == "__main__":
    main()
