#!/usr/bin/env python3
"""lockstep against the QUT Coordination Network Toolkit, one script, same
input, same machine (issue 17's speed targets; BENCHMARKS.md, "Against the
QUT toolkit").

    python3 scripts/bench_peers.py LOCKSTEP_BINARY WORK_DIR [COPIES] [RUNS]

The input is the peer benchmark's 10^5 posts
(`crates/lockstep-cli/tests/fixtures/peer-gen-1e5/posts.csv.gz`, the one
the parity tests use) made COPIES times larger (default 10: 10^6 posts) by
copies shifted in time past each other's windows, with post ids offset so
that each copy's reposts and replies point into it. The accounts are the
same in every copy, so the account pairs are those of 10^5 posts, and each
pair's weight grows with the copies.

Two measures, each the toolkit and lockstep on the same file:

- co-repost within 60 s on all COPIES copies: the toolkit's CSV ingest
  plus `compute co_retweet --n_cpus 2` against `lockstep detect` with the
  toolkit's counting (`--rule naive --all-pairs`, weight and participation
  1); the account pairs must be identical.
- near-duplicate text on 2 copies (2x10^5 posts): `compute
  co_similar_tweet` (threshold 0.8, documents of 1 token or more) against
  `lockstep detect --layers near_text` (the default `lsh` mode, MinHash
  candidates verified by exact Jaccard); every pair the toolkit finds
  must be found.

The toolkit (coordination-network-toolkit 1.5.2, MIT, PyPI) is installed
into a virtual environment in WORK_DIR. Wall times, each the best of RUNS
(default 3), runs of the two tools alternating.
"""

import csv
import gzip
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
POSTS = os.path.join(HERE, "..", "crates", "lockstep-cli", "tests", "fixtures",
                     "peer-gen-1e5", "posts.csv.gz")
QUT = "coordination-network-toolkit==1.5.2"
WINDOW = "60"


def copies_of(posts, n):
    """The posts n times: copy c has ids offset by c * (largest id + 1) and
    times by c * (span + one day)."""
    ids = [int(r["post_id"]) for r in posts]
    stride = max(ids) + 1
    times = [int(r["timestamp"]) for r in posts]
    shift = max(times) - min(times) + 86_400
    out = []
    for c in range(n):
        for r in posts:
            r = dict(r)
            r["post_id"] = str(int(r["post_id"]) + c * stride)
            for k in ("reposted_id", "reply_to_id"):
                if r[k]:
                    r[k] = str(int(r[k]) + c * stride)
            r["timestamp"] = str(int(r["timestamp"]) + c * shift)
            out.append(r)
    return out


def write_inputs(posts, lockstep_csv, qut_csv):
    fields = list(posts[0].keys())
    with open(lockstep_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(posts)
    # The toolkit's column order: message_id, user_id, username, repost_id,
    # reply_id, message, timestamp, urls (space separated).
    with open(qut_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id",
                    "message", "timestamp", "urls"])
        for r in posts:
            w.writerow([r["post_id"], r["account_id"], r["account_id"], r["reposted_id"],
                        r["reply_to_id"], r["text"], r["timestamp"], r["url"]])


def qut_env(work):
    env = os.path.join(work, "qut-venv")
    tool = os.path.join(env, "bin", "compute_networks")
    if not os.path.exists(tool):
        subprocess.run([sys.executable, "-m", "venv", env], check=True)
        subprocess.run([os.path.join(env, "bin", "pip"), "install", "-q", QUT], check=True)
    return tool


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def qut_run(tool, work, qut_csv, network, extra):
    """The toolkit's ingest and one network, from a fresh database: (seconds,
    its undirected account pairs without self-loops)."""
    db = os.path.join(work, "qut.db")
    if os.path.exists(db):
        os.remove(db)
    secs = timed([tool, db, "preprocess", "--format", "csv", qut_csv])
    secs += timed([tool, db, "compute", network, "--time_window", WINDOW,
                   "--min_edge_weight", "1", "--n_cpus", "2", *extra])
    # The network as computed, from its table: 1.5.2's CSV export fails
    # (`output_gephi_csv() got an unexpected keyword argument 'n_messages'`).
    with sqlite3.connect(db) as con:
        rows = con.execute(f"select user_1, user_2 from {network}_network").fetchall()
    pairs = {tuple(sorted((str(a), str(b)))) for a, b in rows if a != b}
    return secs, pairs


def lockstep_run(binary, work, posts_csv, args):
    out = os.path.join(work, "lockstep-out")
    shutil.rmtree(out, ignore_errors=True)
    secs = timed([binary, "detect", posts_csv, "--out", out, "--quiet", "--window", WINDOW,
                  "--min-participation", "1", "--min-weight", "1", "--rule", "naive",
                  "--all-pairs", *args])
    pairs = {}
    with open(os.path.join(out, "pairs.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pairs.setdefault(row["layer"], set()).add(
                tuple(sorted((row["account_a"], row["account_b"]))))
    return secs, pairs


def compare(name, binary, tool, work, copies, runs, network, qut_extra, args, layer, exact):
    posts_csv = os.path.join(work, f"posts-{copies}.csv")
    qut_csv = os.path.join(work, f"qut-{copies}.csv")
    q_best = l_best = float("inf")
    q_pairs = l_pairs = None
    for _ in range(runs):
        secs, q_pairs = qut_run(tool, work, qut_csv, network, qut_extra)
        q_best = min(q_best, secs)
        secs, found = lockstep_run(binary, work, posts_csv, args)
        l_best = min(l_best, secs)
        l_pairs = found.get(layer, set())
    rows = len(POSTS_ROWS) * copies
    if exact:
        same = "identical" if q_pairs == l_pairs else "DIFFERENT"
    else:
        missed = len(q_pairs - l_pairs)
        same = "every toolkit pair found" if missed == 0 else f"{missed} toolkit pairs MISSED"
    print(f"| {name} | {rows:,} | {q_best:.2f} s | {l_best:.3f} s | **{q_best / l_best:.1f}x** "
          f"| {len(q_pairs):,} | {len(l_pairs):,} | {same} |", flush=True)
    return q_pairs == l_pairs if exact else not (q_pairs - l_pairs)


POSTS_ROWS = []


def main():
    binary, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    copies = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    os.makedirs(work, exist_ok=True)
    with gzip.open(POSTS, "rt", encoding="utf-8", newline="") as f:
        POSTS_ROWS.extend(csv.DictReader(io.StringIO(f.read())))
    for n in sorted({copies, 2}):
        write_inputs(copies_of(POSTS_ROWS, n), os.path.join(work, f"posts-{n}.csv"),
                     os.path.join(work, f"qut-{n}.csv"))
    tool = qut_env(work)
    print("| measure | posts | QUT toolkit | lockstep | ratio | toolkit pairs | lockstep pairs | pairs |")
    print("|---|---|---|---|---|---|---|---|")
    ok = compare("co-repost, 60 s", binary, tool, work, copies, runs, "co_retweet", [],
                 ["--map", "repost=reposted_id,content=post_id,timestamp=timestamp"],
                 "repost", exact=True)
    ok &= compare("near-duplicate text", binary, tool, work, 2, runs, "co_similar_tweet",
                  ["--similarity_threshold", "0.8", "--min_document_size_similarity", "1"],
                  ["--map", "repost=reposted_id,url=url,text=text,content=post_id,"
                   "timestamp=timestamp", "--layers", "near_text", "--text-similarity", "0.8",
                   "--min-text-tokens", "1"],
                  "near_text", exact=False)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
