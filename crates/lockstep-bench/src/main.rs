//! `lockstep-bench [SIZE...]`: for each size, simulated shares (the
//! `lockstep simulate` generator, seed 1) are parsed from memory and run
//! through `detect` with a 60 s window, in a child process of their own so
//! that its peak memory is its own. Reports rows/s, pairs/s and peak RSS,
//! and two ratios measured in the same process: 2 threads vs 1, and the
//! window sweep vs a baseline that compares all pairs of each object.
//!
//! Run with `cargo run --release -p lockstep-bench -- 100000 1000000 10000000`;
//! `-- --formats [RECORDS [FORMAT]]` measures parse throughput per input
//! format on one core instead (`LOCKSTEP_BENCH_DUMP=FILE` also writes the
//! input, for profiling the parse alone), `-- --dataset ROWS` parsing a CSV against reading
//! its dataset, `-- --near-text ROWS` MinHash LSH against exact
//! Jaccard, and `-- --memory DATASET [BUDGET...]` the detection in memory
//! against the bounded engine within each budget, and `-- --floor FILE`
//! reading a CSV against the machine's floor for it (`floor.rs`), and
//! `-- --stages FILE [RUNS]` a whole default `detect` run through the
//! pipeline, stage by stage (`stages.rs`), and `-- --encode FILE` the
//! dictionary encoding of a CSV's id columns alone (`encode.rs`), and
//! `-- --replay-jetstream FILE [PASSES]` serves a file of Jetstream events
//! (PASSES times over, each pass after the last) as a local Jetstream at
//! full speed until standard input closes, for `scripts/bench_watch.py`.

mod dataset;
mod encode;
mod floor;
mod formats;
mod memory;
mod near_text;
mod stages;

use lockstep_detect::{DetectConfig, Semantics};
use lockstep_ingest::{IngestConfig, MemorySource, Source};
use rayon::prelude::*;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool").install(f)
}

/// Objects' action times, grouped by object and sorted by time.
fn object_groups(ds: &lockstep_model::Dataset) -> (Vec<i64>, Vec<usize>) {
    let t = &ds.actions;
    let mut by_obj: Vec<(u32, i64)> = (0..t.len()).map(|i| (t.object[i], t.time_us[i])).collect();
    by_obj.par_sort_unstable();
    let mut bounds = vec![0];
    for i in 1..by_obj.len() {
        if by_obj[i].0 != by_obj[i - 1].0 {
            bounds.push(i);
        }
    }
    bounds.push(by_obj.len());
    (by_obj.into_iter().map(|x| x.1).collect(), bounds)
}

/// Pair enumeration only, on the same groups: `all_pairs` tests every pair
/// of an object (what a self-join on object does, the baseline); otherwise
/// the window sweep stops at the first action past the window.
fn count_pairs(times: &[i64], bounds: &[usize], w: i64, all_pairs: bool) -> u64 {
    bounds
        .par_windows(2)
        .map(|b| {
            let g = &times[b[0]..b[1]];
            let mut n = 0u64;
            for i in 0..g.len() {
                for j in i + 1..g.len() {
                    let inside = g[j] - g[i] <= w;
                    if !inside && !all_pairs {
                        break;
                    }
                    n += inside as u64;
                }
            }
            n
        })
        .sum()
}

fn one(rows: u64) {
    let t0 = Instant::now();
    let mut csv = Vec::new();
    let scenario = lockstep_sim::Scenario { rows, ..Default::default() };
    lockstep_sim::generate(&scenario, &mut csv, &mut std::io::sink()).expect("generate");
    let gen_s = t0.elapsed().as_secs_f64();
    let bytes = csv.len();

    let t0 = Instant::now();
    let src: Box<dyn Source> = Box::new(MemorySource::new("sim.csv", &csv));
    drop(csv);
    let ing = lockstep_ingest::ingest(&[src], &IngestConfig::default(), &|_| {}).expect("ingest");
    let ingest_s = t0.elapsed().as_secs_f64();
    let ds = ing.dataset;

    let cfg = DetectConfig { semantics: Semantics::Lockstep, ..Default::default() };
    let timed = |threads: usize| {
        let t0 = Instant::now();
        let det = in_pool(threads, || lockstep_detect::detect(&ds, &cfg));
        let net = lockstep_graph::build(
            &ds,
            &det,
            &lockstep_graph::ThresholdConfig {
                quantile: None,
                min_weight: 2,
                clusters: Default::default(),
            },
        );
        (t0.elapsed().as_secs_f64(), det, net)
    };
    let (t2, det, net) = timed(2);
    let (t1, det1, _) = timed(1);
    assert_eq!(det, det1, "thread count changed the result");
    let (times, bounds) = object_groups(&ds);
    let t0 = Instant::now();
    let baseline_pairs = in_pool(2, || count_pairs(&times, &bounds, cfg.window_us, true));
    let base_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let swept_pairs = in_pool(2, || count_pairs(&times, &bounds, cfg.window_us, false));
    let sweep_s = t0.elapsed().as_secs_f64();
    assert_eq!(swept_pairs, baseline_pairs, "baseline and sweep disagree");
    let all = in_pool(2, || {
        lockstep_detect::detect(
            &ds,
            &DetectConfig { min_participation: 0, keep_loops: true, ..cfg.clone() },
        )
    });
    assert_eq!(all.stats.pairs_in_window, baseline_pairs, "detector and baseline disagree");

    println!(
        "| {rows} | {:.0} MB | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}x | {} | {} | {} | {:.2}x | {:.0} |",
        bytes as f64 / 1e6,
        gen_s,
        ingest_s,
        t2,
        t1,
        t1 / t2,
        det.stats.pairs_in_window,
        det.stats.pairs,
        net.sub.vertices,
        base_s / sweep_s,
        peak_rss_mb(),
    );
    eprintln!(
        "rows {rows}: ingest {:.0} rows/s, detect {:.0} rows/s and {:.0} pairs/s (2 threads)",
        rows as f64 / ingest_s,
        rows as f64 / t2,
        det.stats.pairs_in_window as f64 / t2
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--formats") {
        formats::run(
            args.get(1).map_or(200_000, |n| n.parse().expect("records")),
            args.get(2).map(String::as_str),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--dataset") {
        dataset::run(
            args.get(1)
                .map_or(1_000_000, |n| n.replace('_', "").parse::<f64>().expect("rows") as u64),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--near-text") {
        near_text::run(
            args.get(1).map_or(30_000, |n| n.replace('_', "").parse::<f64>().expect("rows") as u64),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--floor") {
        floor::run(
            std::path::Path::new(&args[1]),
            args.get(2).map_or(3, |n| n.parse().expect("id columns")),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--replay-jetstream") {
        let text = std::fs::read_to_string(&args[1]).expect("a file of Jetstream events");
        let events = text.lines().map(String::from).collect();
        let server = lockstep_test_support::replay::jetstream(
            lockstep_test_support::replay::JetstreamScript {
                events,
                passes: args.get(2).map_or(1, |n| n.parse().expect("passes")),
                ..Default::default()
            },
        );
        println!("{}", server.url("ws", "/subscribe"));
        use std::io::Write as _;
        std::io::stdout().flush().expect("stdout");
        // Serves until the script that started it closes standard input.
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        return;
    }
    if args.first().map(String::as_str) == Some("--encode") {
        encode::run(std::path::Path::new(&args[1]));
        return;
    }
    if args.first().map(String::as_str) == Some("--stages") {
        stages::run(
            std::path::Path::new(&args[1]),
            args.get(2).map_or(3, |n| n.parse().expect("runs")),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--write") {
        stages::write(
            std::path::Path::new(&args[1]),
            args.get(2).map_or(5, |n| n.parse().expect("runs")),
        );
        return;
    }
    if args.first().map(String::as_str) == Some("--memory") {
        memory::run(std::path::Path::new(&args[1]), &args[2..]);
        return;
    }
    if args.first().map(String::as_str) == Some("--memory-one") {
        memory::one(std::path::Path::new(&args[1]), &args[2]);
        return;
    }
    if args.first().map(String::as_str) == Some("--one") {
        one(args[1].parse().expect("rows"));
        return;
    }
    let sizes: Vec<u64> = if args.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        args.iter().map(|a| a.replace('_', "").parse::<f64>().expect("size") as u64).collect()
    };
    println!("| rows | CSV | generate s | ingest s | detect+graph s (2 thr) | (1 thr) | 2 vs 1 thread | pairs in window | pairs kept | clustered accounts | pair enumeration: all-pairs / sweep | peak RSS MB |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("own path");
    for n in sizes {
        let status = std::process::Command::new(&exe)
            .args(["--one", &n.to_string()])
            .status()
            .expect("child");
        assert!(status.success(), "size {n} failed");
    }
}
