#!/usr/bin/env bash
# A local Ballista cluster on 127.0.0.1: one scheduler and N executors,
# each a process with its own ports, for `lockstep detect --engine
# ballista://127.0.0.1:PORT` (docs/scaling.md).
#
#   scripts/ballista-cluster.sh start [-n EXECUTORS] [-p PORT]
#   scripts/ballista-cluster.sh stop  [-p PORT]
#   scripts/ballista-cluster.sh run   [-n EXECUTORS] [-p PORT] DATASET OUT [detect flags...]
#
# `run` starts a cluster, runs `lockstep detect DATASET --out OUT --engine
# ballista://127.0.0.1:PORT` with the flags given, and stops the cluster
# whatever happens. The scheduler listens on PORT (default 50050);
# executor i (from 0) on PORT+10+2i (Arrow Flight) and PORT+11+2i (gRPC).
# Logs, pids and shuffle files go to $TMPDIR/lockstep-ballista-PORT/.
# Ports in the range the system gives outgoing connections
# (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 on Linux) can be
# taken by one: a process that cannot bind its port stops, and the end of
# each log is printed. CI uses ports below that range.
#
# The processes are `lockstep-ballista scheduler|executor`, built with
# `cargo build --release -p lockstep-cli --features scale-out`; LOCKSTEP
# and LOCKSTEP_BALLISTA name other binaries (default: target/release/).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
lockstep=${LOCKSTEP:-$here/target/release/lockstep}
processes=${LOCKSTEP_BALLISTA:-$here/target/release/lockstep-ballista}
executors=2
port=50050

usage() {
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
command=$1
shift
while [[ $# -gt 0 ]]; do
    case $1 in
        -n) executors=$2; shift 2 ;;
        -p) port=$2; shift 2 ;;
        --) shift; break ;;
        -*) usage ;;
        *) break ;;
    esac
done
[[ $executors =~ ^[1-9][0-9]*$ ]] || { echo "executors: a positive number, not '$executors'" >&2; exit 2; }
[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port + 11 + 2 * executors < 65536)) ||
    { echo "port: '$port' leaves no room for $executors executors" >&2; exit 2; }
state=${TMPDIR:-/tmp}/lockstep-ballista-$port

# The end of each process's log, on stderr (`run` removes the logs when it
# stops the cluster).
show_logs() {
    for log in "$state"/*.log; do
        [[ -e $log ]] || continue
        echo "--- ${log##*/}:" >&2
        tail -n 20 "$log" >&2
    done
}

# Waits until something listens on 127.0.0.1:$1, or the process $2 has died.
wait_for_port() {
    for _ in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$2" 2>/dev/null; then
            echo "a process of the cluster stopped (is port $1 or the one after it taken?); the ends of the logs in $state/:" >&2
            show_logs
            return 1
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1 after 30 s; the ends of the logs in $state/:" >&2
    show_logs
    return 1
}

start() {
    [[ -x $processes ]] || {
        echo "$processes is missing: cargo build --release -p lockstep-cli --features scale-out" >&2
        exit 2
    }
    if [[ -e $state/pids ]]; then
        echo "a cluster on port $port seems to run already ($state/pids); stop it first" >&2
        exit 2
    fi
    mkdir -p "$state"
    "$processes" scheduler --bind-host 127.0.0.1 --bind-port "$port" \
        >"$state/scheduler.log" 2>&1 &
    echo $! >>"$state/pids"
    wait_for_port "$port" $!
    for ((i = 0; i < executors; i++)); do
        mkdir -p "$state/executor-$i"
        "$processes" executor --bind-host 127.0.0.1 \
            --bind-port $((port + 10 + 2 * i)) --bind-grpc-port $((port + 11 + 2 * i)) \
            --scheduler-host 127.0.0.1 --scheduler-port "$port" \
            --work-dir "$state/executor-$i" >"$state/executor-$i.log" 2>&1 &
        echo $! >>"$state/pids"
        wait_for_port $((port + 10 + 2 * i)) $!
    done
    echo "Ballista on 127.0.0.1:$port with $executors executors: --engine ballista://127.0.0.1:$port" >&2
}

stop() {
    [[ -e $state/pids ]] || return 0
    while read -r pid; do
        kill "$pid" 2>/dev/null || true
    done <"$state/pids"
    # Executors finish their tasks on SIGTERM; give them a moment, then
    # make sure.
    sleep 0.5
    while read -r pid; do
        kill -9 "$pid" 2>/dev/null || true
    done <"$state/pids"
    rm -rf "$state"
}

case $command in
    start) start ;;
    stop) stop ;;
    run)
        [[ $# -ge 2 ]] || usage
        dataset=$1 out=$2
        shift 2
        trap stop EXIT
        start
        "$lockstep" detect "$dataset" --out "$out" --engine "ballista://127.0.0.1:$port" "$@"
        ;;
    *) usage ;;
esac
