#!/bin/bash
# The peak of a `detect` run's own memory (RssAnon), sampled every 0.2 s
# (BENCHMARKS.md, "The whole 10^8-row run within 8 GiB": 2 s samples miss
# spikes of a few seconds).
#
#   scripts/peak_memory.sh LOCKSTEP INPUT SECONDS [DETECT ARGS...]
#
# Runs `LOCKSTEP detect INPUT --out <temporary folder> --quiet ARGS` for at
# most SECONDS (then stops it), and prints the peak and when it came.
set -eu
bin=$1 input=$2 secs=$3
shift 3
out=$(mktemp -d)
"$bin" detect "$input" --out "$out/run" --quiet "$@" >/dev/null &
pid=$!
start=$(date +%s.%N) peak=0 at=0
end=$(( $(date +%s) + secs ))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
  kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  if [ -n "$kb" ] && [ "$kb" -gt "$peak" ]; then
    peak=$kb
    at=$(echo "$(date +%s.%N) - $start" | bc)
  fi
  sleep 0.2
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
rm -rf "$out"
echo "$bin: peak RssAnon $(echo "scale=2; $peak / 1048576" | bc) GiB at ${at} s"
