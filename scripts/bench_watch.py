#!/usr/bin/env python3
"""`lockstep watch` on a Jetstream served by a local replay server, against
the same events through standard input (the baseline, same script, runs
alternating), and resident memory over a one-day horizon.

Usage: scripts/bench_watch.py [WORK] [--days N] [--accounts N] [--runs N]

Needs release builds of `lockstep` and `lockstep-bench`
(`cargo build --release -p lockstep-cli -p lockstep-bench`). The events are
`lockstep simulate --scenario mixed --seed 1 --format bluesky-jetstream`.
Reports events per second, peak resident memory and the ratio of the
WebSocket run to the standard-input run; checks that both wrote the same
run folder. The soak samples the watch's resident memory twice a second
while it replays the whole world with `--horizon 86400`, and reports its
maximum in each fifth of the stream.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCKSTEP = os.path.join(ROOT, "target", "release", "lockstep")
BENCH = os.path.join(ROOT, "target", "release", "lockstep-bench")
COMPARED = ["pairs.csv", "edges.csv", "clusters.csv", "accounts.csv", "campaigns.csv"]


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_watch(args, stdin=None, sample=None):
    """Runs `lockstep watch ARGS`; (seconds, peak RSS MB, samples)."""
    start = time.monotonic()
    proc = subprocess.Popen([LOCKSTEP, "watch", *args], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples, peak = [], 0
    while proc.poll() is None:
        kb = rss_kb(proc.pid)
        if kb:
            peak = max(peak, kb)
            samples.append((time.monotonic() - start, kb))
        time.sleep(sample or 0.1)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"lockstep watch {' '.join(args)} failed:\n{err}")
    return time.monotonic() - start, peak / 1024, samples, out


def serve(events):
    """A local Jetstream serving EVENTS; (process, URL)."""
    proc = subprocess.Popen([BENCH, "--replay-jetstream", events], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("work", nargs="?", default="/tmp/lockstep-bench-watch")
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--accounts", type=int, default=20000)
    p.add_argument("--runs", type=int, default=2)
    a = p.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    events = os.path.join(a.work, "jetstream.jsonl")
    subprocess.run([LOCKSTEP, "simulate", "--scenario", "mixed", "--seed", "1", "--format",
                    "bluesky-jetstream", "--days", str(a.days), "--accounts", str(a.accounts),
                    "--out", events, "--quiet"], check=True)
    with open(events) as f:
        lines = f.readlines()
    n, size = len(lines), os.path.getsize(events)
    last_us = json.loads(lines[-1])["time_us"]
    until = datetime.datetime.fromtimestamp(last_us / 1e6, datetime.timezone.utc)
    until = until.isoformat(timespec="microseconds").replace("+00:00", "Z")
    # The WebSocket run stops at the last event's time, so the baseline
    # reads every event but the last.
    head = os.path.join(a.work, "head.jsonl")
    with open(head, "w") as f:
        f.writelines(lines[:-1])
    del lines
    print(f"{n - 1:,} Jetstream events ({size / 1e6:.0f} MB), {a.days} days, "
          f"{a.accounts:,} organic accounts")
    common = ["--refresh", "86400", "--quiet"]
    print("| run | source | wall s | events/s | peak RSS MB | vs stdin |")
    print("|---|---|---|---|---|---|")
    for r in range(a.runs):
        with open(head) as f:
            base, base_rss, _, _ = run_watch(["-", "--out", f"{a.work}/stdin", *common], stdin=f)
        print(f"| {r + 1} | standard input | {base:.1f} | {(n - 1) / base:,.0f} | "
              f"{base_rss:.0f} | 1.00x |")
        server, url = serve(events)
        ws, ws_rss, _, _ = run_watch([url, "--out", f"{a.work}/ws", "--until", until, *common])
        server.stdin.close()
        server.wait()
        print(f"| {r + 1} | WebSocket | {ws:.1f} | {(n - 1) / ws:,.0f} | {ws_rss:.0f} | "
              f"{ws / base:.2f}x |")
        for name in COMPARED:
            with open(f"{a.work}/stdin/{name}", "rb") as x, open(f"{a.work}/ws/{name}", "rb") as y:
                if x.read() != y.read():
                    sys.exit(f"{name} differs between the two runs")
    print(f"both runs wrote the same {', '.join(COMPARED)}")

    # The soak: a day's horizon over the whole stream, memory sampled.
    server, url = serve(events)
    wall, peak, samples, out = run_watch(
        [url, "--out", f"{a.work}/soak", "--until", until, "--horizon", "86400",
         "--refresh", "3600", "--quiet"], sample=0.5)
    server.stdin.close()
    server.wait()
    print(f"soak, --horizon 86400 --refresh 3600: {wall:.1f} s, peak {peak:.0f} MB; {out.strip()}")
    fifths = [[kb for t, kb in samples if i * wall / 5 <= t < (i + 1) * wall / 5] for i in range(5)]
    print("max RSS MB by fifth of the replay: "
          + ", ".join(f"{max(f) / 1024:.0f}" if f else "-" for f in fifths))


if __name__ == "__main__":
    main()
