//! `lockstep-bench --memory DATASET [LIMIT...]`: the co-action detection
//! of a dataset in memory (the baseline) and within each limit (`none`
//! for the bounded engine without a limit, or sizes such as `1G`, `256M`:
//! limits of the whole process, as `detect --memory-limit` means them,
//! through `lockstep_detect::bounded::budget_within`; before 2026-12-06
//! they were the detection's budget on top of the dataset),
//! each in a child process of its own so that its peak memory is its own.
//! The peak is reset after the dataset is read, so it is the detection's
//! (plus the dataset); every run's result is hashed and must equal the
//! baseline's. Reports time, ratio to the baseline, peak RSS, the peak of
//! the process's own memory (`RssAnon`, sampled every 20 ms: the resident
//! set also counts the pages of results mapped from files, which the
//! kernel can drop), what the detection added to the dataset, and the
//! parts, sweeps, runs and spill.

use lockstep_detect::bounded::{detect_bounded, Spill};
use lockstep_detect::{DetectConfig, Detection};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::Instant;

fn status_mb(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn parse_size(s: &str) -> u64 {
    let (n, shift) = match s.as_bytes().last() {
        Some(b'K') => (&s[..s.len() - 1], 10),
        Some(b'M') => (&s[..s.len() - 1], 20),
        Some(b'G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    (n.parse::<f64>().expect("size") * (1u64 << shift) as f64) as u64
}

fn digest(d: &Detection) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&d.pairs.older, &d.pairs.newer, &d.pairs.fast).hash(&mut h);
    (&d.edges.a, &d.edges.b, &d.edges.weight, &d.edges.pair_start).hash(&mut h);
    d.edges.mean_delta_us.iter().for_each(|m| m.to_bits().hash(&mut h));
    format!("{:?}", d.stats).hash(&mut h);
    h.finish()
}

/// One configuration, in this (child) process; prints one tab-separated line.
pub fn one(dir: &Path, budget: &str) {
    let (_, ds) = lockstep_store::read_dataset(dir).expect("read dataset");
    let dataset_mb = status_mb("VmRSS:");
    // Resets the peak (VmHWM) to the current size, so the peak below is
    // the detection's on top of the dataset, not the reader's.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset peak RSS");
    let cfg = DetectConfig::default();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0f64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(status_mb("RssAnon:"));
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            peak.max(status_mb("RssAnon:"))
        })
    };
    let t0 = Instant::now();
    let (det, s) = if budget == "memory" {
        (lockstep_detect::detect(&ds, &cfg), Default::default())
    } else {
        // A limit of the whole process, as `detect --memory-limit` means it:
        // what the process holds now (the dataset) is taken from it.
        let limit = (budget != "none").then(|| parse_size(budget));
        let (_, bytes) = lockstep_detect::bounded::budget_within(limit, &ds);
        let spill = Spill::within(std::env::temp_dir(), bytes, &ds);
        detect_bounded(&ds, &cfg, |_, _| true, &spill).expect("spill")
    };
    let secs = t0.elapsed().as_secs_f64();
    let peak = status_mb("VmHWM:");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let anon = sampler.join().expect("sampler");
    println!(
        "{budget}\t{secs:.2}\t{peak:.0}\t{:.0}\t{}\t{}\t{}\t{:.0}\t{:.1}\t{:.1}\t{:.1}\t{}\t{:x}\t{anon:.0}",
        peak - dataset_mb,
        s.parts,
        s.sweeps,
        s.runs,
        s.spilled_bytes as f64 / (1 << 20) as f64,
        s.sweep_ms / 1e3,
        s.spill_ms / 1e3,
        s.merge_ms / 1e3,
        det.stats.pairs,
        digest(&det),
    );
}

pub fn run(dir: &Path, budgets: &[String]) {
    let exe = std::env::current_exe().expect("own path");
    let mut configs = vec!["memory".to_string()];
    configs.extend(budgets.iter().cloned());
    println!("| limit | detect s | vs in memory | peak RSS MB | peak own (RssAnon) MB | over the dataset MB | parts | sweeps | runs | spilled MB | sweeps s | spill s | merge s | pairs |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut base: Option<(f64, String)> = None;
    for c in configs {
        let out = std::process::Command::new(&exe)
            .args(["--memory-one", dir.to_str().expect("utf-8 path"), &c])
            .output()
            .expect("child");
        assert!(out.status.success(), "{c} failed: {}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).expect("utf-8");
        let f: Vec<&str> = line.trim().split('\t').collect();
        let secs: f64 = f[1].parse().expect("seconds");
        let (base_s, base_digest) = base.get_or_insert((secs, f[12].to_string())).clone();
        assert_eq!(f[12], base_digest, "{c}: the detection differs from the in-memory one");
        let name = if c == "memory" { "in memory (baseline)" } else { &c };
        println!(
            "| {name} | {} | {:.2}x | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f[1],
            secs / base_s,
            f[2],
            f[13],
            f[3],
            f[4],
            f[5],
            f[6],
            f[7],
            f[8],
            f[9],
            f[10],
            f[11]
        );
    }
}
