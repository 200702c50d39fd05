#!/usr/bin/env bash
# Precision, recall and F1 of lockstep on simulated worlds with ground truth
# (`lockstep simulate --scenario`), for QUALITY.md.
#
# mixed: the worlds of the first release (decoys a tenth of their platform
#   scale), X API v1.1 JSON: the naive rule (`--rule naive`: two acts within
#   60 s, no test), the default (no flags: the tested rule), `slow-12h`
#   (`--slow-window 43200`), and the default with a one-hour window, alone
#   and with `--min-idf 25`.
# realistic: the hard negatives at their platform scale (issue 15): the
#   default on the IO-archive CSV, X API v1.1 and X API v2 JSON, and an
#   organic-only world, where anything flagged is false; on the IO-archive
#   worlds also `slow-12h` (`--slow-window 43200`, for operations spread
#   over the day). (The naive rule flags 19,585 accounts on seed 1 and
#   writes tens of gigabytes; it is not rerun here.)
#
# Settings were fixed on seed 1 of each world; the rows are seeds 2, 3 and
# 4 (mixed) and 2, 3 and 4 (realistic), and organic worlds of seed 2.
#
#   scripts/quality.sh [WORKDIR] [mixed|realistic|all]    (default: a temporary folder, all)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p lockstep-cli --locked -q
bin=$PWD/target/release/lockstep
work=${1:-$(mktemp -d)}
which=${2:-all}
mkdir -p "$work"
echo "| world | seed | format | rule | flagged | precision | recall | F1 | ARI | farm | camouflage | slow | false positives (organic / aggregator) | set aside as feed mirrors | seconds |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
row() {
  python3 -c '
import json, sys
e = json.load(open(sys.argv[5]))
c = {x["campaign"]: "%d/%d" % (x["flagged"], x["members"]) for x in e["campaigns"]}
fp = e["false_positives"]
aside = ", ".join("%s %d" % kv for kv in sorted(e.get("set_aside_as_feed_mirrors", {}).items())) or "-"
print("| %s | %s | %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %d / %d | %s | %s |" % (
    sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], e["flagged"], e["precision"], e["recall"], e["f1"], e["ari"],
    c.get("farm", "-"), c.get("camouflage", "-"), c.get("slow", "-"),
    fp.get("organic", 0), fp.get("aggregator", 0), aside, sys.argv[6]))
' "$@"
}
# run WORLD SEED FORMAT RULE...: simulate once, then detect and score per rule.
run() {
  local world=$1 seed=$2 format=$3
  shift 3
  local ext=jsonl
  [ "$format" = io-archive ] && ext=csv
  local w="$work/$world-$seed-$format"
  "$bin" simulate --scenario "$world" --seed "$seed" --format "$format" --out "$w.$ext" --truth "$w.truth.csv" --quiet
  for rule in "$@"; do
    local extra=()
    [ "$rule" = naive ] && extra=(--rule naive)
    [ "$rule" = default-1h ] && extra=(--window 3600)
    [ "$rule" = default-1h-idf ] && extra=(--window 3600 --min-idf 25)
    [ "$rule" = slow-12h ] && extra=(--slow-window 43200)
    local start=$SECONDS
    "$bin" detect "$w.$ext" --out "$w.$rule" --quiet "${extra[@]}" > /dev/null
    local took=$((SECONDS - start))
    "$bin" evaluate --truth "$w.truth.csv" "$w.$rule" --json > "$w.$rule.json"
    row "$world" "$seed" "$format" "$rule" "$w.$rule.json" "$took"
    # The evidence tables are large; the scores are kept.
    rm -f "$w.$rule/pairs.csv" "$w.$rule/edges.csv"
  done
  rm -f "$w.$ext"
}
if [ "$which" != realistic ]; then
  for seed in 2 3 4; do run mixed "$seed" x-api-v1 naive default slow-12h default-1h default-1h-idf; done
  run organic 2 x-api-v1 naive default slow-12h default-1h default-1h-idf
fi
if [ "$which" != mixed ]; then
  run realistic 2 io-archive default slow-12h
  run realistic 3 x-api-v1 default
  run realistic 4 x-api-v2 default
  run realistic-organic 2 io-archive default slow-12h
fi
