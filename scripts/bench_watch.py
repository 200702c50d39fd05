#!/usr/bin/env python3
"""`lockstep watch` on a Jetstream served by a local replay server, against
the same events through standard input (the baseline, same script, runs
alternating), and resident memory over a one-day horizon.

Usage: scripts/bench_watch.py [WORK] [--days N] [--accounts N] [--runs N]
                              [--soak-passes N]

Needs release builds of `lockstep` and `lockstep-bench`
(`cargo build --release -p lockstep-cli -p lockstep-bench`). The events are
`lockstep simulate --scenario mixed --seed 1 --format bluesky-jetstream`.
Reports events per second, peak resident memory and the ratio of the
WebSocket run to the standard-input run; checks that both wrote the same
run folder. The soak samples the watch's resident memory twice a second
while it replays the whole world with `--horizon 86400`, and reports its
maximum in each fifth of the stream. `--soak-passes N` makes the soak's
stream N passes over the world, each a month after the last (the replay
server moves their times), for a soak of an hour without a file of one:
then only the soak runs.
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


def serve(events, passes=1):
    """A local Jetstream serving EVENTS, PASSES times over; (process, URL)."""
    proc = subprocess.Popen([BENCH, "--replay-jetstream", events, str(passes)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("work", nargs="?", default="/tmp/lockstep-bench-watch")
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--accounts", type=int, default=20000)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--soak-passes", type=int, default=1)
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
    first_us = json.loads(lines[0])["time_us"]
    last_us = json.loads(lines[-1])["time_us"]
    # As the replay server moves each pass (`pass_shift_us`).
    shift_us = last_us - first_us + 86_400_000_000
    soak_until = iso(last_us + (a.soak_passes - 1) * shift_us)
    until = iso(last_us)
    # The WebSocket run stops at the last event's time, so the baseline
    # reads every event but the last.
    head = os.path.join(a.work, "head.jsonl")
    with open(head, "w") as f:
        f.writelines(lines[:-1])
    del lines
    print(f"{n - 1:,} Jetstream events ({size / 1e6:.0f} MB), {a.days} days, "
          f"{a.accounts:,} organic accounts")
    if a.soak_passes == 1:
        throughput(a, n, head, events, until)
    soak(a, events, soak_until, a.soak_passes)


def iso(time_us):
    t = datetime.datetime.fromtimestamp(time_us / 1e6, datetime.timezone.utc)
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")


def throughput(a, n, head, events, until):
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


def soak(a, events, until, passes):
    """A day's horizon over the whole stream, memory sampled."""
    server, url = serve(events, passes)
    wall, peak, samples, out = run_watch(
        [url, "--out", f"{a.work}/soak", "--until", until, "--horizon", "86400",
         "--refresh", "3600", "--quiet"], sample=0.5)
    server.stdin.close()
    server.wait()
    print(f"soak, --horizon 86400 --refresh 3600, {passes} pass(es): {wall:.1f} s, "
          f"peak {peak:.0f} MB; {out.strip()}")
    parts = 5 if passes == 1 else 10
    cut = [[kb for t, kb in samples if i * wall / parts <= t < (i + 1) * wall / parts]
           for i in range(parts)]
    print(f"max RSS MB by {'fifth' if parts == 5 else 'tenth'} of the replay: "
          + ", ".join(f"{max(c) / 1024:.0f}" if c else "-" for c in cut))


if __name__ == "__main__":
    main()
